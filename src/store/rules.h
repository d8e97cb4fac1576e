/*
 * rules: the checks that a job, a task and an account's fields pass
 * before they are stored, whoever stores them (the API, webcronctl
 * import), so that a record one of them refuses cannot come in through
 * the other.
 *
 * Pure functions. Each returns 0, or -1 with the reason in WHY (WHYLEN
 * bytes): a phrase without the field's name, which the caller puts in
 * front ("must be one of GET, ...", "has no usable host"). An empty
 * value is the caller's business (most fields take "" for "none"): the
 * rules check a value that is there.
 */
#ifndef WEBCRON_RULES_H
#define WEBCRON_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct cron_error;

/* The methods rules_method takes, as the messages list them. */
#define RULES_METHODS "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"

/* rules_http_payload's answer when the payload's URL is refused (the
 * API reports it under the code of a refused URL). */
#define RULES_URL_REFUSED (-2)

/* rules_timezone's answer for a zone this server does not know (the API
 * reports it under its own code). */
#define RULES_ZONE_UNKNOWN (-3)

/* A time zone of the zone database (tz.h). Returns 0, or
 * RULES_ZONE_UNKNOWN with WHY a whole message: unknown time zone "X". */
int rules_timezone(const char *zone, char *why, size_t whylen);

/* successCodes: HTTP statuses and ranges of 100-599, comma-separated,
 * spaces around them allowed ("200-299,304"). */
int rules_codes(const char *codes, char *why, size_t whylen);

/* An e-mail address: one @ with text before it and a dot after it, no
 * spaces, control characters or specials, at most 254 bytes. */
int rules_email(const char *addr, char *why, size_t whylen);

/* An HTTP method of RULES_METHODS in any case; *CANONICAL is then its
 * upper-case spelling (a constant). */
int rules_method(const char *method, const char **canonical, char *why, size_t whylen);

/* A text that goes into a request header line (userAgent, username,
 * password, the account's secret): no control characters, so that it
 * cannot end the line or hide in it. */
int rules_header_text(const char *text, char *why, size_t whylen);

/* A URL webcron will call: url_check's shape and a usable host. Where it
 * may point is decided at run time (netpolicy). */
int rules_url(const char *url, char *why, size_t whylen);

/* A schedule expression, its normal form (cron_format) written to NORMAL
 * (NORMLEN bytes; CRON_FORMAT_MAX suffices). Returns 0, or -1 with
 * cron_parse's error in *E: E->field is "expression" when the whole text
 * is at fault, else the part ("minute"). */
int rules_expression(const char *text, char *normal, size_t normlen, struct cron_error *e);

/* httpHeaders as "Name: value" lines (LF or CRLF), appended to OUT in
 * their normal form (headers.c): refused are a line without a colon, a
 * name that is not a token, a control character in a value, a header of
 * the transport's or webcron's own (Host, X-Webcron-*...), and more than
 * HEADERS_MAX bytes. */
int rules_headers(struct buf *out, const char *text, char *why, size_t whylen);

/* The payload of an http task: a URL, or a JSON object with a string
 * url, and optionally a method (rules_method) and headers (text as
 * rules_headers, or an object or array of lines as headers.c takes).
 * Returns 0; RULES_URL_REFUSED with rules_url's reason when the URL is
 * refused; or -1 with the reason when the payload is not one of those. */
int rules_http_payload(const char *payload, char *why, size_t whylen);

#endif
