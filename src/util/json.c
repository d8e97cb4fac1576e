/*
 * json: yajl generator helpers and UTF-8 validation.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/json.h"
#include "util/log.h"

yajl_gen
json_gen_new(void)
{
	yajl_gen g = yajl_gen_alloc(NULL);

	if (g == NULL)
		fatalx("yajl_gen_alloc failed");
	yajl_gen_config(g, yajl_gen_validate_utf8, 1);
	return g;
}

void
json_key(yajl_gen g, const char *key)
{
	yajl_gen_string(g, (const unsigned char *)key, strlen(key));
}

void
json_str(yajl_gen g, const char *s)
{
	if (s == NULL)
		yajl_gen_null(g);
	else
		json_strn(g, s, strlen(s));
}

/* Input is validated on the way in, but text from elsewhere (a response
 * body in a log, a file name) may not be UTF-8: such bytes become '?'
 * rather than leaving a hole in the document. */
void
json_strn(yajl_gen g, const char *s, size_t len)
{
	char *copy;
	size_t i;

	if (yajl_gen_string(g, (const unsigned char *)s, len) != yajl_gen_invalid_string)
		return;
	copy = xstrndup(s, len);
	for (i = 0; i < len; i++)
		if ((unsigned char)copy[i] >= 0x80 || copy[i] == '\0')
			copy[i] = '?';
	yajl_gen_string(g, (const unsigned char *)copy, len);
	free(copy);
}

/* yajl formats integers with sprintf; this is the API's hottest number
 * path (ids, times), so it is done by hand. */
size_t
json_int_text(char *out, int64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t n;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	n = (size_t)(buf + sizeof(buf) - p);
	memcpy(out, p, n);
	return n;
}

void
json_int(yajl_gen g, int64_t v)
{
	char buf[24];

	yajl_gen_number(g, buf, json_int_text(buf, v));
}

void
json_double(yajl_gen g, double v)
{
	char num[64];
	int n = snprintf(num, sizeof(num), "%.3f", v);

	yajl_gen_number(g, num, (size_t)n);
}

void
json_bool(yajl_gen g, int v)
{
	yajl_gen_bool(g, v != 0);
}

void
json_null(yajl_gen g)
{
	yajl_gen_null(g);
}

void
json_kstr(yajl_gen g, const char *key, const char *s)
{
	json_key(g, key);
	json_str(g, s);
}

void
json_kint(yajl_gen g, const char *key, int64_t v)
{
	json_key(g, key);
	json_int(g, v);
}

void
json_kintnull(yajl_gen g, const char *key, int64_t v)
{
	json_key(g, key);
	if (v == 0)
		yajl_gen_null(g);
	else
		json_int(g, v);
}

void
json_kbool(yajl_gen g, const char *key, int v)
{
	json_key(g, key);
	json_bool(g, v);
}

void
json_knull(yajl_gen g, const char *key)
{
	json_key(g, key);
	yajl_gen_null(g);
}

void
json_text_strn(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s, *end = p + len, *run;
	int utf8 = json_utf8_valid(s, len);
	char *o;

	buf_reserve(b, 6 * len + 2); /* each byte at most \u00XX */
	o = b->data + b->len;
	*o++ = '"';
	for (run = p; p < end; p++) {
		unsigned char c = *p;

		if (c >= 0x20 && c != '"' && c != '\\' && (utf8 || c < 0x80))
			continue;
		memcpy(o, run, (size_t)(p - run));
		o += p - run;
		run = p + 1;
		if (!utf8 && (c >= 0x80 || c == 0)) {
			*o++ = '?'; /* as json_strn: not UTF-8 */
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		default:
			memcpy(o, "u00", 3);
			o[3] = hex[c >> 4];
			o[4] = hex[c & 15];
			o += 5;
		}
	}
	memcpy(o, run, (size_t)(p - run));
	o += p - run;
	*o++ = '"';
	*o = '\0';
	b->len = (size_t)(o - b->data);
}

int
json_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		unsigned int cp, n, k;

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else
			return 0;
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

yajl_val
json_tree_parse(const char *text)
{
	const char *p;
	int depth = 0, in_string = 0;
	char err[64];

	for (p = text; *p; p++) {
		if (in_string) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				in_string = 0;
		} else if (*p == '"')
			in_string = 1;
		else if (*p == '[' || *p == '{') {
			if (++depth > JSON_DEPTH_MAX)
				return NULL;
		} else if (*p == ']' || *p == '}')
			depth--;
	}
	return yajl_tree_parse(text, err, sizeof(err));
}

void
json_tree_gen(yajl_gen g, yajl_val v)
{
	size_t i;

	switch (v->type) {
	case yajl_t_string:
		json_str(g, v->u.string);
		break;
	case yajl_t_number:
		yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
		break;
	case yajl_t_object:
		yajl_gen_map_open(g);
		for (i = 0; i < v->u.object.len; i++) {
			json_key(g, v->u.object.keys[i]);
			json_tree_gen(g, v->u.object.values[i]);
		}
		yajl_gen_map_close(g);
		break;
	case yajl_t_array:
		yajl_gen_array_open(g);
		for (i = 0; i < v->u.array.len; i++)
			json_tree_gen(g, v->u.array.values[i]);
		yajl_gen_array_close(g);
		break;
	case yajl_t_true:
		yajl_gen_bool(g, 1);
		break;
	case yajl_t_false:
		yajl_gen_bool(g, 0);
		break;
	default:
		yajl_gen_null(g);
		break;
	}
}

char *
json_tree_text(yajl_val v)
{
	yajl_gen g = json_gen_new();
	const unsigned char *out;
	size_t len;
	char *text;

	json_tree_gen(g, v);
	yajl_gen_get_buf(g, &out, &len);
	text = xstrndup((const char *)out, len);
	yajl_gen_free(g);
	return text;
}
