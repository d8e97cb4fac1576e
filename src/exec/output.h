/*
 * output: keeps what a request or a program sent back, in bounded memory:
 * the first OUTPUT_KEEP bytes and the last OUTPUT_KEEP after them, with
 * a count of everything (SPEC 3.5: "first 4 KB and last 4 KB").
 */
#ifndef WEBCRON_OUTPUT_H
#define WEBCRON_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define OUTPUT_KEEP 4096

struct output {
	char head[OUTPUT_KEEP];
	size_t head_len;
	char tail[OUTPUT_KEEP]; /* a ring of the last bytes after the head */
	size_t tail_len;
	size_t tail_pos; /* where the next byte goes in the ring */
	uint64_t total;  /* every byte offered */
};

void output_init(struct output *c);
void output_add(struct output *c, const void *data, size_t len);
/* Appends the kept bytes to OUT, in order: all of them when nothing was
 * dropped, else the head, "\n[... N bytes omitted ...]\n" and the tail. */
void output_render(const struct output *c, struct buf *out);

#endif
