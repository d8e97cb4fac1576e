/*
 * output: a head and a ring.
 */

#include <inttypes.h>
#include <string.h>

#include "exec/output.h"

void
output_init(struct output *c)
{
	c->head_len = c->tail_len = c->tail_pos = 0;
	c->total = 0;
}

void
output_add(struct output *c, const void *data, size_t len)
{
	const char *p = data;
	size_t n;

	c->total += len;
	if (c->head_len < sizeof(c->head)) {
		n = sizeof(c->head) - c->head_len;
		if (n > len)
			n = len;
		memcpy(c->head + c->head_len, p, n);
		c->head_len += n;
		p += n;
		len -= n;
	}
	if (len >= sizeof(c->tail)) { /* only the last bytes survive */
		p += len - sizeof(c->tail);
		len = sizeof(c->tail);
	}
	while (len > 0) {
		n = sizeof(c->tail) - c->tail_pos;
		if (n > len)
			n = len;
		memcpy(c->tail + c->tail_pos, p, n);
		c->tail_pos = (c->tail_pos + n) % sizeof(c->tail);
		c->tail_len = c->tail_len + n > sizeof(c->tail) ? sizeof(c->tail) : c->tail_len + n;
		p += n;
		len -= n;
	}
}

void
output_render(const struct output *c, struct buf *out)
{
	uint64_t omitted = c->total - c->head_len - c->tail_len;
	size_t start = (c->tail_pos + sizeof(c->tail) - c->tail_len) % sizeof(c->tail);

	buf_add(out, c->head, c->head_len);
	if (omitted > 0)
		buf_printf(out, "\n[... %" PRIu64 " bytes omitted ...]\n", omitted);
	if (start + c->tail_len <= sizeof(c->tail))
		buf_add(out, c->tail + start, c->tail_len);
	else {
		buf_add(out, c->tail + start, sizeof(c->tail) - start);
		buf_add(out, c->tail, c->tail_len - (sizeof(c->tail) - start));
	}
}
