/*
 * seqmap: a map from ids to pointers for ids that mostly come in rising
 * order (the scheduler's jobs: the start-up load adds them in id order,
 * and a new job's id is above every other). Those are appended to a
 * sorted array, written and read in order; an id that comes below the
 * last one, and is not there, goes to an idmap beside it.
 *
 * A lookup in the array is a binary search: a few cache misses, where a
 * hash map's is one. The scheduler looks jobs up by id only when one is
 * written (the API, the change feed), never per fire or per read, and
 * adds a million at start-up: an append is a write in order where a hash
 * map's insert is a miss, a TLB miss too on a virtual machine.
 *
 * A deletion leaves a hole, which an add of the same id fills again (an
 * edit is a deletion and an add); the array is squeezed when half of it
 * is holes.
 */
#ifndef WEBCRON_SEQMAP_H
#define WEBCRON_SEQMAP_H

#include <stddef.h>
#include <stdint.h>

struct seqmap;

struct seqmap *seqmap_new(void);                      /* never NULL */
void seqmap_free(struct seqmap *);                    /* the values are the caller's */
void *seqmap_get(const struct seqmap *, uint64_t id); /* NULL when absent */
/* Adds ID -> VALUE (not NULL) unless ID is there: returns what is there,
 * or NULL when VALUE was added. */
void *seqmap_add(struct seqmap *, uint64_t id, void *value);
/* Adds or replaces. */
void seqmap_put(struct seqmap *, uint64_t id, void *value);
void *seqmap_del(struct seqmap *, uint64_t id); /* the value removed, or NULL */
/* Makes room for N more ids in rising order. */
void seqmap_reserve(struct seqmap *, size_t n);
size_t seqmap_count(const struct seqmap *);
/* Calls FN for every entry; FN must not change the map. */
void seqmap_each(const struct seqmap *, void (*fn)(uint64_t id, void *value, void *arg), void *arg);

#endif
