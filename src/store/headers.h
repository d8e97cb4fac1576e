/*
 * headers: the request headers a job may set (httpHeaders), parsed from
 * the three forms the API takes and checked line by line.
 *
 * The result is "Name: value" lines joined by "\n", names as given,
 * values trimmed. Refused: a name that is not an HTTP token, a value with
 * a line break or NUL, and the headers that belong to the transport or to
 * webcron itself (Host, Content-Length, Transfer-Encoding, Connection, TE,
 * Upgrade, Trailer, Proxy-Authorization, X-Webcron-*). Each function
 * returns 0, or -1 with the reason in WHY (which names the header).
 */
#ifndef WEBCRON_HEADERS_H
#define WEBCRON_HEADERS_H

#include <stddef.h>

#include "util/buf.h"

#define HEADERS_MAX (8 * 1024) /* bytes of the result */

/* One header. */
int headers_add(struct buf *out, const char *name, size_t nlen, const char *value, size_t vlen,
    char *why, size_t whylen);
/* One "Name: value" line; a blank line adds nothing. */
int headers_add_line(struct buf *out, const char *line, size_t len, char *why, size_t whylen);
/* Lines ending in "\n" or "\r\n". */
int headers_parse_text(struct buf *out, const char *text, size_t len, char *why, size_t whylen);
/* A JSON object {"Name": "value"} or an array of lines. */
int headers_parse_json(struct buf *out, const char *json, char *why, size_t whylen);

#endif
