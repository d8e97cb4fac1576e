/*
 * capture: keeps what a request or a program sent back, in bounded memory:
 * the first CAPTURE_KEEP bytes and the last CAPTURE_KEEP after them, with
 * a count of everything (SPEC 3.5: "first 4 KB and last 4 KB").
 */
#ifndef WEBCRON_CAPTURE_H
#define WEBCRON_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CAPTURE_KEEP 4096

struct capture {
	char head[CAPTURE_KEEP];
	size_t head_len;
	char tail[CAPTURE_KEEP];	/* a ring of the last bytes after the head */
	size_t tail_len;
	size_t tail_pos;		/* where the next byte goes in the ring */
	uint64_t total;			/* every byte offered */
};

void capture_init(struct capture *c);
void capture_add(struct capture *c, const void *data, size_t len);
/* Appends the kept bytes to OUT, in order: all of them when nothing was
 * dropped, else the head, "\n[... N bytes omitted ...]\n" and the tail. */
void capture_render(const struct capture *c, struct buf *out);

#endif
