/*
 * libFuzzer target for httpHeaders (headers.h): the text form and the JSON
 * forms (an object of names and values, an array of lines).
 *
 * The input: when its first byte is '{' or '[' all of it is JSON (given to
 * headers_parse_json as a string, so up to its first 0 byte); otherwise the
 * first byte is dropped and the rest is text for headers_parse_text, 0
 * bytes included.
 *
 * What must hold when a parse succeeds: the result is at most HEADERS_MAX
 * bytes of "Name: value" lines joined by "\n", with no CR, LF or NUL
 * inside a line, names that are HTTP tokens and not one of the forbidden
 * headers, values without blanks at either end; and parsing the result as
 * text gives the same text again. When it fails: a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "store/headers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const forbidden[] = {
	"Host",
	"Content-Length",
	"Transfer-Encoding",
	"Connection",
	"TE",
	"Upgrade",
	"Trailer",
	"Proxy-Authorization",
	"X-Webcron-Job",
	"X-Webcron-Scheduled-Time",
	"X-Webcron-Execution",
	"X-Webcron-Signature",
};

static const char token_chars[] =
    "!#$%&'*+-.^_`|~0123456789"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static void
check_line(const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	size_t nlen, vlen, i;
	const char *value;

	if (colon == NULL || colon == line)
		abort();
	nlen = (size_t)(colon - line);
	for (i = 0; i < nlen; i++)
		if (line[i] == '\0' || strchr(token_chars, line[i]) == NULL)
			abort();
	for (i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++)
		if (strlen(forbidden[i]) == nlen && strncasecmp(forbidden[i], line, nlen) == 0)
			abort();
	/* ": " then the value, trimmed */
	if (len < nlen + 2 || colon[1] != ' ')
		abort();
	value = colon + 2;
	vlen = len - nlen - 2;
	for (i = 0; i < vlen; i++)
		if (value[i] == '\r' || value[i] == '\n' || value[i] == '\0')
			abort();
	if (vlen > 0 && (value[0] == ' ' || value[0] == '\t' || value[vlen - 1] == ' ' || value[vlen - 1] == '\t'))
		abort();
}

static void
check_result(struct buf *out)
{
	struct buf again = BUF_INIT;
	const char *p, *end;
	char why[256];

	if (out->len == 0)
		return; /* only blank lines */
	if (out->len > HEADERS_MAX || out->data[out->len] != '\0')
		abort();
	for (p = out->data, end = out->data + out->len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		check_line(p, (size_t)((nl ? nl : end) - p));
		if (nl && nl + 1 == end)
			abort(); /* no trailing newline, no empty line */
		p = nl ? nl + 1 : end;
	}
	why[0] = '\0';
	if (headers_parse_text(&again, out->data, out->len, why, sizeof why) != 0)
		abort();
	if (again.len != out->len || memcmp(again.data, out->data, out->len) != 0)
		abort();
	buf_free(&again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT;
	char why[256];
	int rc;

	if (size == 0)
		return 0;
	why[0] = '\0';
	if (data[0] == '{' || data[0] == '[') {
		char *json = malloc(size + 1);

		if (json == NULL)
			return 0;
		memcpy(json, data, size);
		json[size] = '\0';
		rc = headers_parse_json(&out, json, why, sizeof why);
		free(json);
	} else {
		/* a copy of its exact size, so that a read past the end is caught */
		char *text = malloc(size - 1 ? size - 1 : 1);

		if (text == NULL)
			return 0;
		memcpy(text, data + 1, size - 1);
		rc = headers_parse_text(&out, text, size - 1, why, sizeof why);
		free(text);
	}
	if (rc == 0)
		check_result(&out);
	else if (rc != -1 || why[0] == '\0' || memchr(why, '\0', sizeof why) == NULL)
		abort();
	buf_free(&out);
	return 0;
}
