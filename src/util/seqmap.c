/*
 * seqmap: a sorted array of ids in rising order, with an idmap for the
 * others. See seqmap.h.
 */

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/idmap.h"
#include "util/seqmap.h"

#define SEQMAP_SQUEEZE_MIN 1024 /* entries in the array before holes are squeezed out */

struct seqmap {
	uint64_t *ids;      /* rising */
	void **values;      /* NULL: a hole */
	size_t n, cap;      /* entries in the array, holes too */
	size_t live;        /* entries of the array that are not holes */
	struct idmap *rest; /* ids that came below the array's last; NULL = none yet */
};

struct seqmap *
seqmap_new(void)
{
	return xcalloc(1, sizeof(struct seqmap));
}

void
seqmap_free(struct seqmap *m)
{
	if (m == NULL)
		return;
	free(m->ids);
	free(m->values);
	idmap_free(m->rest);
	free(m);
}

/* The index of ID in the array, or -1. */
static ptrdiff_t
seqmap_find(const struct seqmap *m, uint64_t id)
{
	size_t lo = 0, hi = m->n;

	if (m->n == 0 || id > m->ids[m->n - 1])
		return -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->n && m->ids[lo] == id ? (ptrdiff_t)lo : -1;
}

void *
seqmap_get(const struct seqmap *m, uint64_t id)
{
	ptrdiff_t i = seqmap_find(m, id);

	if (i >= 0)
		return m->values[i];
	return m->rest ? idmap_get(m->rest, id) : NULL;
}

void
seqmap_reserve(struct seqmap *m, size_t n)
{
	if (m->n + n <= m->cap)
		return;
	m->cap = m->n + n;
	m->ids = xrealloc(m->ids, m->cap * sizeof(*m->ids));
	m->values = xrealloc(m->values, m->cap * sizeof(*m->values));
}

void *
seqmap_add(struct seqmap *m, uint64_t id, void *value)
{
	ptrdiff_t i;

	if (m->n == 0 || id > m->ids[m->n - 1]) {
		if (m->n == m->cap)
			seqmap_reserve(m, m->cap ? m->cap : 64);
		m->ids[m->n] = id;
		m->values[m->n++] = value;
		m->live++;
		return NULL;
	}
	if ((i = seqmap_find(m, id)) >= 0) {
		if (m->values[i])
			return m->values[i];
		m->values[i] = value; /* the hole it left */
		m->live++;
		return NULL;
	}
	if (m->rest == NULL)
		m->rest = idmap_new();
	return idmap_add(m->rest, id, value);
}

void
seqmap_put(struct seqmap *m, uint64_t id, void *value)
{
	ptrdiff_t i = seqmap_find(m, id);

	if (i >= 0) {
		if (m->values[i] == NULL)
			m->live++;
		m->values[i] = value;
	} else if (m->rest && idmap_get(m->rest, id))
		idmap_put(m->rest, id, value);
	else
		seqmap_add(m, id, value);
}

/* Drops the holes when they are half of the array; the last entry stays,
 * a hole or not, so that the array's last id never goes down (the ids in
 * REST stay below it). */
static void
seqmap_squeeze(struct seqmap *m)
{
	size_t i, k = 0;

	if (m->n < SEQMAP_SQUEEZE_MIN || m->live * 2 > m->n)
		return;
	for (i = 0; i < m->n; i++)
		if (m->values[i] || i == m->n - 1) {
			m->ids[k] = m->ids[i];
			m->values[k++] = m->values[i];
		}
	m->n = k;
}

void *
seqmap_del(struct seqmap *m, uint64_t id)
{
	ptrdiff_t i = seqmap_find(m, id);
	void *value;

	if (i < 0)
		return m->rest ? idmap_del(m->rest, id) : NULL;
	if ((value = m->values[i]) != NULL) {
		m->values[i] = NULL;
		m->live--;
		seqmap_squeeze(m);
	}
	return value;
}

size_t
seqmap_count(const struct seqmap *m)
{
	return m->live + (m->rest ? idmap_count(m->rest) : 0);
}

void
seqmap_each(const struct seqmap *m, void (*fn)(uint64_t, void *, void *), void *arg)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->values[i])
			fn(m->ids[i], m->values[i], arg);
	if (m->rest)
		idmap_each(m->rest, fn, arg);
}
