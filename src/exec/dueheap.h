/*
 * dueheap: a binary min-heap of entries by due time, then id. The entries
 * are the caller's (struct due inside its own structure); the heap holds
 * pointers to them and keeps each entry's slot, so that an entry can be
 * removed or moved in O(log n) without a search. The scheduler keeps its
 * jobs by next fire time in one, the runs their queue by fire time.
 */
#ifndef WEBCRON_DUEHEAP_H
#define WEBCRON_DUEHEAP_H

#include <stddef.h>
#include <stdint.h>

#define DUE_NONE UINT32_MAX /* the slot of an entry out of the heap */

struct due {
	int64_t at;    /* when it is due */
	uint64_t id;   /* of equal times, the lower id comes first */
	uint32_t slot; /* its index in the heap, or DUE_NONE */
};

struct dueheap {
	struct due **v;
	size_t n, cap;
};

#define DUEHEAP_INIT \
	{ \
		NULL, 0, 0 \
	}

/* Frees the heap's array (not the entries); the heap is empty after. */
void dueheap_free(struct dueheap *h);

/* Adds D, which must be out of the heap (slot DUE_NONE). */
void dueheap_push(struct dueheap *h, struct due *d);
/* The earliest entry, or NULL when the heap is empty. */
struct due *dueheap_top(const struct dueheap *h);
/* Takes the earliest entry out and returns it, or NULL. */
struct due *dueheap_pop(struct dueheap *h);
/* Takes D out; nothing when it is not in the heap. */
void dueheap_remove(struct dueheap *h, struct due *d);
/* D (in the heap) has a new time: it moves to its place. */
void dueheap_update(struct dueheap *h, struct due *d);

#endif
