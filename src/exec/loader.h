/*
 * loader: the start-up load's reading. The jobs are read in id order, in
 * batches, each job with what scheduling it needs (its peek); sched.c
 * schedules a batch on the loop thread, with each job's last fire from
 * its state. load_read reads one batch on the calling
 * thread; a loader reads them on a thread of its own, a few batches
 * ahead of the loop, so that the walk of the store and the scheduling
 * share the machine's cores (docs/ARCHITECTURE.md, "Start-up").
 *
 * A batch is read in one read transaction and is the store as it was
 * then: a job written after that and before the loop takes the batch is
 * the loop's to read again (sched.c keeps those it was told of).
 */
#ifndef WEBCRON_LOADER_H
#define WEBCRON_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "util/buf.h"
#include "store/job.h"
#include "store/store.h"

/* One job read: only active jobs with a schedule, of accounts that are not
 * on their way elsewhere (handoff.h). Its peek is load_peek's; its state
 * (the last fire) is the loop's to read, which has the time to spare. */
struct load_item {
	uint64_t id;
	struct job_peek p; /* its texts and rules: offsets into the batch's */
	int fixed;         /* P points into the batch's memory */
};

struct load_batch {
	struct load_item *v;
	size_t n, cap;
	struct buf texts;    /* the items' expressions, zones and rules */
	const char *lo, *hi; /* the map's span that the records read lie in */
	uint64_t last;       /* the id of the last record read, 0 = none */
	uint64_t seen;       /* records read, those passed over too */
	int more;            /* 1: records remain after LAST; 0: the end; -1: the store failed */
};

/* Reads into B (emptied first) up to MAX job records after the id AFTER,
 * in one read transaction: store_begin's on the loop thread, or with
 * ASIDE store_begin_aside's on a thread of its own. The pages read stay
 * in the daemon's memory until the caller releases them
 * (store_release_pages). */
void load_read(struct store *st, int aside, uint64_t after, size_t max, struct load_batch *b);
void load_batch_free(struct load_batch *b);
/* IT's peek (of B), its texts and rules in B's memory. On the thread that
 * has B, once it is read: not walked over the batch at its end, which
 * would read it all once more. */
struct job_peek *load_peek(struct load_batch *b, struct load_item *it);

struct loader;

/* Starts a thread that reads batches of MAX records from after the id
 * AFTER, to the end of the jobs, at most LOADER_AHEAD batches ahead of
 * the loop; READY(ARG) is called on BASE's loop when batches are there.
 * Returns NULL (logged) when no thread can be started. */
struct loader *loader_start(struct store *st, struct event_base *base, uint64_t after, size_t max,
    void (*ready)(void *arg), void *arg);
/* On the loop: the next batch in id order, or NULL when none is read yet.
 * The last one has more != 1. */
struct load_batch *loader_take(struct loader *);
/* On the loop: B (from loader_take) is done with. */
void loader_give(struct loader *, struct load_batch *b);
/* Stops the thread (after the batch it reads) and frees everything. NULL
 * is fine. */
void loader_free(struct loader *);

#endif
