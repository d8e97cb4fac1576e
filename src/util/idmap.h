/*
 * idmap: a hash map from 64-bit ids (jobs, accounts) to pointers.
 *
 * Ids are the server's own sequence numbers, not chosen by clients, so a
 * multiplicative (Fibonacci) hash is enough: it spreads consecutive ids
 * evenly. Open addressing with linear probing and backward-shift
 * deletion: no tombstones, lookups stay short.
 */
#ifndef WEBCRON_IDMAP_H
#define WEBCRON_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct idmap;

struct idmap *idmap_new(void);                            /* never NULL */
void idmap_free(struct idmap *);                          /* the values are the caller's */
void *idmap_get(const struct idmap *, uint64_t id);       /* NULL when absent */
void idmap_put(struct idmap *, uint64_t id, void *value); /* adds or replaces; VALUE != NULL */
/* Adds ID -> VALUE unless ID is there: returns what is there, or NULL when
 * VALUE was added. One probe, where a get and a put take two. */
void *idmap_add(struct idmap *, uint64_t id, void *value);
/* Makes room for N entries at once (no growth while they are added). */
void idmap_reserve(struct idmap *, size_t n);
void *idmap_del(struct idmap *, uint64_t id); /* returns the value removed, or NULL */
size_t idmap_count(const struct idmap *);
/* Calls FN for every entry; FN must not change the map. */
void idmap_each(const struct idmap *, void (*fn)(uint64_t id, void *value, void *arg), void *arg);

#endif
