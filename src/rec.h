/*
 * rec: the byte encoding of stored records.
 *
 * A record is a version byte followed by fields, each a tag byte, a kind
 * byte and a value (a varint, a zigzag varint, or a varint length and
 * bytes). Readers skip tags they do not know and use defaults for tags
 * that are absent, so fields can be added without migrating data.
 */
#ifndef WEBCRON_REC_H
#define WEBCRON_REC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define REC_VERSION 1

enum rec_kind { REC_UINT = 0, REC_SINT = 1, REC_BYTES = 2 };

struct rec_val {
	enum rec_kind kind;
	uint64_t u;
	int64_t i;
	const char *p;		/* REC_BYTES: not terminated */
	size_t len;
};

struct rec_reader {
	const uint8_t *p;
	const uint8_t *end;
};

void rec_begin(struct buf *b);                       /* resets B, writes the version */
void rec_uint(struct buf *b, uint8_t tag, uint64_t v);
void rec_sint(struct buf *b, uint8_t tag, int64_t v);
void rec_bytes(struct buf *b, uint8_t tag, const void *p, size_t len);
void rec_str(struct buf *b, uint8_t tag, const char *s);   /* NULL is written as absent */

/* Starts reading DATA. Returns 0, or -1 when the version is unknown. */
int  rec_open(struct rec_reader *r, const void *data, size_t len);
/* The next field. Returns 1 with TAG and V set, 0 at the end, -1 when the
 * record is corrupt (truncated or an unknown kind). */
int  rec_next(struct rec_reader *r, uint8_t *tag, struct rec_val *v);

/* A copy of a REC_BYTES value as a terminated string. */
char *rec_strdup(const struct rec_val *v);
/* Replaces the string *FIELD (freed) with a copy of V. */
void  rec_set_str(char **field, const struct rec_val *v);

/* Big-endian 64-bit keys, so that LMDB's byte order is numeric order. */
void     rec_key_u64(uint8_t out[8], uint64_t v);
uint64_t rec_get_u64(const void *p);

#endif
