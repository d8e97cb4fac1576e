/*
 * headers: httpHeaders in, "Name: value" lines out.
 */

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <yajl/yajl_tree.h>

#include "store/headers.h"
#include "util/json.h"

/* Headers a job may not set: they are the transport's, or webcron's own. */
static const char *const headers_forbidden[] = {
	"Host",
	"Content-Length",
	"Transfer-Encoding",
	"Connection",
	"Te",
	"Upgrade",
	"Trailer",
	"Proxy-Authorization",
	"X-Webcron-Job",
	"X-Webcron-Scheduled-Time",
	"X-Webcron-Execution",
	"X-Webcron-Signature",
};

int
headers_add(struct buf *out, const char *name, size_t nlen, const char *value, size_t vlen,
    char *why, size_t whylen)
{
	size_t i;

	while (nlen && (name[nlen - 1] == ' ' || name[nlen - 1] == '\t'))
		nlen--;
	while (vlen && (*value == ' ' || *value == '\t')) {
		value++;
		vlen--;
	}
	while (vlen && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t'))
		vlen--;
	if (nlen == 0) {
		snprintf(why, whylen, "a header has no name");
		return -1;
	}
	/* (strchr finds the terminator: a NUL is not a token character) */
	for (i = 0; i < nlen; i++)
		if (name[i] == '\0' ||
		    (!isalnum((unsigned char)name[i]) && !strchr("!#$%&'*+-.^_`|~", name[i]))) {
			snprintf(why, whylen, "\"%.*s\" is not a header name",
			    (int)(nlen > 64 ? 64 : nlen), name);
			return -1;
		}
	for (i = 0; i < vlen; i++) {
		unsigned char ch = (unsigned char)value[i];

		if (ch == '\r' || ch == '\n' || ch == '\0') {
			snprintf(why, whylen, "the value of %.*s contains a line break",
			    (int)(nlen > 64 ? 64 : nlen), name);
			return -1;
		}
		/* RFC 9110 field values: visible characters, spaces and tabs */
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			snprintf(why, whylen, "the value of %.*s contains a control character",
			    (int)(nlen > 64 ? 64 : nlen), name);
			return -1;
		}
	}
	for (i = 0; i < sizeof(headers_forbidden) / sizeof(headers_forbidden[0]); i++)
		if (strlen(headers_forbidden[i]) == nlen &&
		    strncasecmp(headers_forbidden[i], name, nlen) == 0) {
			snprintf(why, whylen, "%s may not be set by a job", headers_forbidden[i]);
			return -1;
		}
	if (out->len + nlen + vlen + 3 > HEADERS_MAX) {
		snprintf(why, whylen, "the headers are longer than %d bytes", HEADERS_MAX);
		return -1;
	}
	if (out->len)
		buf_addch(out, '\n');
	buf_add(out, name, nlen);
	buf_addstr(out, ": ");
	buf_add(out, value, vlen);
	return 0;
}

int
headers_add_line(struct buf *out, const char *line, size_t len, char *why, size_t whylen)
{
	const char *colon;
	size_t i;

	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (i == len)
		return 0;
	if ((colon = memchr(line, ':', len)) == NULL) {
		snprintf(why, whylen, "\"%.*s\" is not Name: value", (int)(len > 64 ? 64 : len), line);
		return -1;
	}
	return headers_add(out, line, (size_t)(colon - line), colon + 1,
	    len - (size_t)(colon - line) - 1, why, whylen);
}

int
headers_parse_text(struct buf *out, const char *text, size_t len, char *why, size_t whylen)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		/* "\r\n" and "\n" both end a line; a lone "\r" is in a value */
		if (n && p[n - 1] == '\r')
			n--;
		if (headers_add_line(out, p, n, why, whylen) == -1)
			return -1;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int
headers_parse_json(struct buf *out, const char *json, char *why, size_t whylen)
{
	yajl_val tree = json_tree_parse(json);
	int rc = 0;
	size_t i;

	if (tree && YAJL_IS_OBJECT(tree)) {
		for (i = 0; i < tree->u.object.len && rc == 0; i++) {
			const char *k = tree->u.object.keys[i];
			const char *v = YAJL_GET_STRING(tree->u.object.values[i]);

			if (v == NULL) {
				snprintf(why, whylen, "the value of %.64s is not a string", k);
				rc = -1;
			} else
				rc = headers_add(out, k, strlen(k), v, strlen(v), why, whylen);
		}
	} else if (tree && YAJL_IS_ARRAY(tree)) {
		for (i = 0; i < tree->u.array.len && rc == 0; i++) {
			const char *line = YAJL_GET_STRING(tree->u.array.values[i]);

			if (line == NULL) {
				snprintf(why, whylen, "item %zu is not a string", i);
				rc = -1;
			} else
				rc = headers_add_line(out, line, strlen(line), why, whylen);
		}
	} else {
		snprintf(why, whylen, "not an object of names and values, or an array of lines");
		rc = -1;
	}
	if (tree)
		yajl_tree_free(tree);
	return rc;
}
