/*
 * record: the byte encoding of stored records.
 *
 * A record is a version byte followed by fields, each a tag byte, a kind
 * byte and a value (a varint, a zigzag varint, or a varint length and
 * bytes). Readers skip tags they do not know and use defaults for tags
 * that are absent, so fields can be added without migrating data.
 */
#ifndef WEBCRON_RECORD_H
#define WEBCRON_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define RECORD_VERSION 1

enum record_kind { RECORD_UINT = 0,
	RECORD_SINT = 1,
	RECORD_BYTES = 2 };

struct record_val {
	enum record_kind kind;
	uint64_t u;
	int64_t i;
	const char *p; /* RECORD_BYTES: not terminated */
	size_t len;
};

struct record_reader {
	const uint8_t *p;
	const uint8_t *end;
};

void record_begin(struct buf *b); /* resets B, writes the version */
void record_uint(struct buf *b, uint8_t tag, uint64_t v);
void record_sint(struct buf *b, uint8_t tag, int64_t v);
void record_bytes(struct buf *b, uint8_t tag, const void *p, size_t len);
void record_str(struct buf *b, uint8_t tag, const char *s); /* NULL is written as absent */

/* A record nested in field TAG, written in place rather than built apart
 * and copied: record_nest_begin writes the field's head for a nested
 * record of LEN bytes and the nested record's version byte; the caller
 * then writes its fields, which must come to LEN bytes in all (the
 * version byte included): the sum of 1 and the _size of each. */
void record_nest_begin(struct buf *b, uint8_t tag, size_t len);
size_t record_uint_size(uint64_t v);   /* what record_uint writes */
size_t record_str_size(const char *s); /* what record_str writes */
size_t record_bytes_size(size_t len);  /* what record_bytes writes of LEN bytes */

/* Starts reading DATA. Returns 0, or -1 when the version is unknown. */
int record_open(struct record_reader *r, const void *data, size_t len);
/* The next field. Returns 1 with TAG and V set, 0 at the end, -1 when the
 * record is corrupt (truncated or an unknown kind). Inline: the start-up
 * load reads some 35 fields of each of a million records, and a call per
 * field was a third of its time. */
static inline int
record_next(struct record_reader *r, uint8_t *tag, struct record_val *v)
{
	const uint8_t *p = r->p;
	uint64_t n;
	int shift;

	if (p == r->end)
		return 0;
	if (r->end - p < 3)
		return -1;
	*tag = p[0];
	v->kind = (enum record_kind)p[1];
	n = p[2];
	p += 3;
	if (n & 0x80) { /* the varint: 7 bits a byte, low first; most are one byte */
		n &= 0x7f;
		for (shift = 7;; shift += 7) {
			if (p == r->end || shift >= 64)
				return -1;
			n |= (uint64_t)(*p & 0x7f) << shift;
			if (!(*p++ & 0x80))
				break;
		}
	}
	v->u = n;
	v->i = (int64_t)n;
	v->p = (const char *)p;
	v->len = 0;
	switch (v->kind) {
	case RECORD_UINT: break;
	case RECORD_SINT:
		v->i = (int64_t)(n >> 1) ^ -(int64_t)(n & 1);
		v->u = (uint64_t)v->i;
		break;
	case RECORD_BYTES:
		if (n > (uint64_t)(r->end - p))
			return -1;
		v->len = (size_t)n;
		p += n;
		break;
	default:
		return -1;
	}
	r->p = p;
	return 1;
}

/* A copy of a RECORD_BYTES value as a terminated string. */
char *record_strdup(const struct record_val *v);
/* Replaces the string *FIELD (freed) with a copy of V. */
void record_set_str(char **field, const struct record_val *v);

/* Big-endian 64-bit keys, so that LMDB's byte order is numeric order. */
void record_key_u64(uint8_t out[8], uint64_t v);
uint64_t record_get_u64(const void *p);

#endif
