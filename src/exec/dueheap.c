/*
 * dueheap: the heap of due times (see dueheap.h).
 */

#include <stdlib.h>

#include "util/buf.h"
#include "exec/dueheap.h"

static int
due_before(const struct due *a, const struct due *b)
{
	return a->at < b->at || (a->at == b->at && a->id < b->id);
}

static void
due_set(struct dueheap *h, size_t i, struct due *d)
{
	h->v[i] = d;
	d->slot = (uint32_t)i;
}

static void
due_up(struct dueheap *h, size_t i)
{
	struct due *d = h->v[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!due_before(d, h->v[parent]))
			break;
		due_set(h, i, h->v[parent]);
		i = parent;
	}
	due_set(h, i, d);
}

static void
due_down(struct dueheap *h, size_t i)
{
	struct due *d = h->v[i];

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct due *best = d;

		if (l < h->n && due_before(h->v[l], best)) {
			m = l;
			best = h->v[l];
		}
		if (r < h->n && due_before(h->v[r], best))
			m = r;
		if (m == i)
			break;
		due_set(h, i, h->v[m]);
		i = m;
	}
	due_set(h, i, d);
}

void
dueheap_free(struct dueheap *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		h->v[i]->slot = DUE_NONE;
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}

void
dueheap_push(struct dueheap *h, struct due *d)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 256;
		h->v = xrealloc(h->v, h->cap * sizeof(*h->v));
	}
	due_set(h, h->n++, d);
	due_up(h, h->n - 1);
}

struct due *
dueheap_top(const struct dueheap *h)
{
	return h->n ? h->v[0] : NULL;
}

void
dueheap_remove(struct dueheap *h, struct due *d)
{
	size_t i = d->slot;

	if (i == DUE_NONE || i >= h->n || h->v[i] != d)
		return;
	d->slot = DUE_NONE;
	if (--h->n == i)
		return;
	due_set(h, i, h->v[h->n]);
	dueheap_update(h, h->v[i]);
}

struct due *
dueheap_pop(struct dueheap *h)
{
	struct due *top = dueheap_top(h);

	if (top)
		dueheap_remove(h, top);
	return top;
}

void
dueheap_update(struct dueheap *h, struct due *d)
{
	size_t i = d->slot;

	if (i == DUE_NONE)
		return;
	if (i > 0 && due_before(d, h->v[(i - 1) / 2]))
		due_up(h, i);
	else
		due_down(h, i);
}
