/*
 * record: tagged varint records.
 */

#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "store/record.h"

/* A field's head and its varint V written at the end of B, whose room
 * for them (RECORD_HEAD_MAX) and MORE bytes after them is made here, at
 * once: each field is one reservation and plain stores. Returns where
 * the MORE bytes go. */
#define RECORD_HEAD_MAX (2 + 10)

static char *
record_head(struct buf *b, uint8_t tag, uint8_t kind, uint64_t v, size_t more)
{
	uint8_t *p;

	buf_reserve(b, RECORD_HEAD_MAX + more);
	p = (uint8_t *)b->data + b->len;
	*p++ = tag;
	*p++ = kind;
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return (char *)p;
}

/* Ends the field written up to END. */
static void
record_end(struct buf *b, const char *end)
{
	b->len = (size_t)(end - b->data);
	b->data[b->len] = '\0';
}

void
record_begin(struct buf *b)
{
	buf_reset(b);
	buf_addch(b, RECORD_VERSION);
}

void
record_uint(struct buf *b, uint8_t tag, uint64_t v)
{
	record_end(b, record_head(b, tag, RECORD_UINT, v, 0));
}

void
record_sint(struct buf *b, uint8_t tag, int64_t v)
{
	record_end(b, record_head(b, tag, RECORD_SINT, ((uint64_t)v << 1) ^ -((uint64_t)v >> 63), 0));
}

void
record_bytes(struct buf *b, uint8_t tag, const void *p, size_t len)
{
	char *at = record_head(b, tag, RECORD_BYTES, len, len);

	if (len)
		memcpy(at, p, len);
	record_end(b, at + len);
}

void
record_str(struct buf *b, uint8_t tag, const char *s)
{
	if (s)
		record_bytes(b, tag, s, strlen(s));
}

static size_t
record_varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >>= 7)
		n++;
	return n;
}

size_t
record_uint_size(uint64_t v)
{
	return 2 + record_varint_size(v);
}

size_t
record_bytes_size(size_t len)
{
	return 2 + record_varint_size(len) + len;
}

size_t
record_str_size(const char *s)
{
	return s ? record_bytes_size(strlen(s)) : 0;
}

void
record_nest_begin(struct buf *b, uint8_t tag, size_t len)
{
	char *at = record_head(b, tag, RECORD_BYTES, len, 1);

	*at = RECORD_VERSION;
	record_end(b, at + 1);
}

int
record_open(struct record_reader *r, const void *data, size_t len)
{
	const uint8_t *p = data;

	if (len < 1 || p[0] != RECORD_VERSION)
		return -1;
	r->p = p + 1;
	r->end = p + len;
	return 0;
}

char *
record_strdup(const struct record_val *v)
{
	if (v->kind != RECORD_BYTES)
		return xstrdup("");
	return xstrndup(v->p, v->len);
}

void
record_set_str(char **field, const struct record_val *v)
{
	free(*field);
	*field = record_strdup(v);
}

void
record_key_u64(uint8_t out[8], uint64_t v)
{
	v = htobe64(v);
	memcpy(out, &v, sizeof(v));
}

uint64_t
record_get_u64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return be64toh(v);
}
