/*
 * record: tagged varint records.
 */

#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "store/record.h"

static void
record_varint(struct buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	do {
		tmp[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			tmp[n] |= 0x80;
		n++;
	} while (v);
	buf_add(b, tmp, n);
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
	uint8_t hdr[2] = { tag, RECORD_UINT };

	buf_add(b, hdr, 2);
	record_varint(b, v);
}

void
record_sint(struct buf *b, uint8_t tag, int64_t v)
{
	uint8_t hdr[2] = { tag, RECORD_SINT };

	buf_add(b, hdr, 2);
	record_varint(b, ((uint64_t)v << 1) ^ -((uint64_t)v >> 63));
}

void
record_bytes(struct buf *b, uint8_t tag, const void *p, size_t len)
{
	uint8_t hdr[2] = { tag, RECORD_BYTES };

	buf_add(b, hdr, 2);
	record_varint(b, len);
	buf_add(b, p, len);
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
record_str_size(const char *s)
{
	size_t len;

	if (s == NULL)
		return 0;
	len = strlen(s);
	return 2 + record_varint_size(len) + len;
}

void
record_nest_begin(struct buf *b, uint8_t tag, size_t len)
{
	uint8_t hdr[2] = { tag, RECORD_BYTES };

	buf_add(b, hdr, 2);
	record_varint(b, len);
	buf_addch(b, RECORD_VERSION);
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
