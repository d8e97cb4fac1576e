/*
 * idmap: open addressing, linear probing, backward-shift deletion.
 */

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/idmap.h"

struct slot {
	uint64_t id;
	void *value; /* NULL = empty */
};

struct idmap {
	struct slot *slots;
	size_t cap;     /* a power of two */
	unsigned shift; /* 64 - log2(cap) */
	size_t count;
};

/* An id's home: Fibonacci hashing, the id times 2^64 over the golden
 * ratio, its top bits. Consecutive ids land far apart and evenly (no
 * runs of full slots that a miss, an insert or a deletion would walk). */
static size_t
idmap_home(const struct idmap *m, uint64_t id)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ULL) >> m->shift);
}

struct idmap *
idmap_new(void)
{
	struct idmap *m = xcalloc(1, sizeof(*m));

	m->cap = 16;
	m->shift = 64 - 4;
	m->slots = xcalloc(m->cap, sizeof(struct slot));
	return m;
}

void
idmap_free(struct idmap *m)
{
	if (m == NULL)
		return;
	free(m->slots);
	free(m);
}

static struct slot *
idmap_find(const struct idmap *m, uint64_t id)
{
	size_t i = idmap_home(m, id);

	while (m->slots[i].value) {
		if (m->slots[i].id == id)
			return &m->slots[i];
		i = (i + 1) & (m->cap - 1);
	}
	return NULL;
}

void *
idmap_get(const struct idmap *m, uint64_t id)
{
	struct slot *s = idmap_find(m, id);

	return s ? s->value : NULL;
}

/* Doubles the table until N entries keep it at most three quarters full. */
void
idmap_reserve(struct idmap *m, size_t n)
{
	struct slot *old = m->slots;
	size_t oldcap = m->cap, i;

	if (n * 4 <= m->cap * 3)
		return;
	while (n * 4 > m->cap * 3) {
		m->cap *= 2;
		m->shift--;
	}
	/* written, not calloc'd: a large calloc maps the zero page, which
	 * the first write to each page replaces, and that flushes the TLBs
	 * of every thread of the process */
	m->slots = xmalloc(m->cap * sizeof(struct slot));
	memset(m->slots, 0, m->cap * sizeof(struct slot));
	for (i = 0; i < oldcap; i++) {
		size_t j;

		if (old[i].value == NULL)
			continue;
		for (j = idmap_home(m, old[i].id); m->slots[j].value; j = (j + 1) & (m->cap - 1))
			;
		m->slots[j] = old[i];
	}
	free(old);
}

void *
idmap_add(struct idmap *m, uint64_t id, void *value)
{
	size_t i;

	idmap_reserve(m, m->count + 1);
	for (i = idmap_home(m, id); m->slots[i].value; i = (i + 1) & (m->cap - 1))
		if (m->slots[i].id == id)
			return m->slots[i].value;
	m->slots[i].id = id;
	m->slots[i].value = value;
	m->count++;
	return NULL;
}

void
idmap_put(struct idmap *m, uint64_t id, void *value)
{
	struct slot *s = idmap_find(m, id);

	if (s)
		s->value = value;
	else
		idmap_add(m, id, value);
}

void *
idmap_del(struct idmap *m, uint64_t id)
{
	struct slot *s = idmap_find(m, id);
	size_t i, j;
	void *value;

	if (s == NULL)
		return NULL;
	value = s->value;
	i = (size_t)(s - m->slots);
	m->slots[i].value = NULL;
	m->count--;
	for (j = (i + 1) & (m->cap - 1); m->slots[j].value; j = (j + 1) & (m->cap - 1)) {
		size_t home = idmap_home(m, m->slots[j].id);

		/* J moves back to the hole at I unless its home lies in (I, J] */
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			m->slots[i] = m->slots[j];
			m->slots[j].value = NULL;
			i = j;
		}
	}
	return value;
}

size_t
idmap_count(const struct idmap *m)
{
	return m->count;
}

void
idmap_each(const struct idmap *m, void (*fn)(uint64_t, void *, void *), void *arg)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		if (m->slots[i].value)
			fn(m->slots[i].id, m->slots[i].value, arg);
}
