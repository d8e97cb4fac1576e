/*
 * url: the shape of URLs that webcron will call (job URLs, http tasks,
 * notification webhooks). Where they may point is netpolicy's business.
 */
#ifndef WEBCRON_URL_H
#define WEBCRON_URL_H

#include <stddef.h>

#define URL_MAX 2048

/* Checks that S is an absolute http:// or https:// URL with a host, at
 * most URL_MAX bytes, without spaces or control characters. Returns 0, or
 * -1 with the reason in WHY. */
int url_check(const char *s, char *why, size_t whylen);

/* The host of URL (which url_check accepted) into OUT, without brackets
 * or port: "example.org", "10.0.0.1", "::1". Returns 0, or -1 when it
 * does not fit. */
int url_host(const char *url, char *out, size_t len);

#endif
