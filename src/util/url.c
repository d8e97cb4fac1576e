/*
 * url: syntax checks of outgoing URLs.
 */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/url.h"

int
url_check(const char *s, char *why, size_t whylen)
{
	size_t len = strlen(s), i, hostlen;
	const char *rest;

	if (len > URL_MAX) {
		snprintf(why, whylen, "is longer than %d bytes", URL_MAX);
		return -1;
	}
	if (strncasecmp(s, "http://", 7) == 0)
		rest = s + 7;
	else if (strncasecmp(s, "https://", 8) == 0)
		rest = s + 8;
	else {
		snprintf(why, whylen, "must start with http:// or https://");
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c == 0x7f) {
			snprintf(why, whylen, "contains a space or control character at byte %zu", i);
			return -1;
		}
	}
	hostlen = strcspn(rest, "/?#");
	if (hostlen == 0 || rest[0] == ':' || rest[0] == '@') {
		snprintf(why, whylen, "has no host");
		return -1;
	}
	return 0;
}

int
url_host(const char *url, char *out, size_t len)
{
	const char *p = strstr(url, "://"), *end, *at;
	size_t n;

	if (p == NULL)
		return -1;
	p += 3;
	end = p + strcspn(p, "/?#");
	/* user:password@ comes before the host */
	if ((at = memchr(p, '@', (size_t)(end - p))) != NULL) {
		const char *last;

		for (last = at; (at = memchr(last + 1, '@', (size_t)(end - last - 1))) != NULL; last = at)
			;
		p = last + 1;
	}
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));

		if (close == NULL)
			return -1;
		p++;
		n = (size_t)(close - p);
	} else {
		const char *colon = memchr(p, ':', (size_t)(end - p));

		n = (size_t)((colon ? colon : end) - p);
	}
	if (n == 0 || n >= len)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}
