/*
 * url: syntax checks of outgoing URLs.
 */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "url.h"

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
