/*
 * libFuzzer target for the truncation of responses and program output
 * (exec/output.h), checked against the obvious reference computed from the
 * whole output at once.
 *
 * The input: the first two bytes are a seed for the chunk sizes, the rest
 * is the output. The output is offered to output_add() in chunks whose
 * sizes come from the seed (0-byte chunks included, and chunks larger than
 * OUTPUT_KEEP), and, to reach the counts past what fits in memory, may be
 * offered several times over: the low two bits of the first byte say how
 * many (1-4).
 *
 * What must hold: when the total is at most 2 * OUTPUT_KEEP bytes the
 * rendering is the output itself; otherwise it is the first OUTPUT_KEEP
 * bytes, "\n[... N bytes omitted ...]\n" with N the bytes in between, and
 * the last OUTPUT_KEEP bytes. Run with -max_len=20000 so that the
 * omitted path is reached without repeats too.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "exec/output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A small xorshift: chunk sizes from the input's seed, the same each run. */
static uint32_t
next_size(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	switch (x & 7) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return (x >> 3) % 16;
	case 3:
		return (x >> 3) % (2 * OUTPUT_KEEP + 2);
	default:
		return (x >> 3) % 1024;
	}
}

/* Bytes FROM to TO of the output offered over and over, to WANT. */
static void
add_range(struct buf *want, const uint8_t *out, size_t len, uint64_t from, uint64_t to)
{
	while (from < to) {
		size_t at = (size_t)(from % len), n = len - at;

		if (n > to - from)
			n = (size_t)(to - from);
		buf_add(want, out + at, n);
		from += n;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct output *c;
	struct buf got = BUF_INIT, want = BUF_INIT;
	const uint8_t *out;
	size_t len, off;
	unsigned repeat, r;
	uint32_t state;
	uint64_t total;

	if (size < 2)
		return 0;
	repeat = (data[0] & 3) + 1;
	state = ((uint32_t)data[0] << 8 | data[1]) * 2654435761u | 1;
	out = data + 2;
	len = size - 2;
	total = (uint64_t)len * repeat;

	c = malloc(sizeof *c); /* on the heap, so that overruns are caught */
	if (c == NULL)
		return 0;
	output_init(c);
	for (r = 0; r < repeat; r++) {
		for (off = 0; off < len;) {
			size_t n = next_size(&state);

			if (n > len - off)
				n = len - off;
			output_add(c, out + off, n);
			off += n;
		}
		output_add(c, out, 0);
	}
	if (c->total != total)
		abort();
	output_render(c, &got);

	if (total <= 2 * OUTPUT_KEEP)
		add_range(&want, out, len, 0, total);
	else {
		add_range(&want, out, len, 0, OUTPUT_KEEP);
		buf_printf(&want, "\n[... %" PRIu64 " bytes omitted ...]\n",
		    total - 2 * OUTPUT_KEEP);
		add_range(&want, out, len, total - OUTPUT_KEEP, total);
	}
	if (got.len != want.len || (want.len && memcmp(got.data, want.data, want.len) != 0))
		abort();
	buf_free(&got);
	buf_free(&want);
	free(c);
	return 0;
}
