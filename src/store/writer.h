/*
 * writer: group commit. One thread runs the writes given to it in
 * batches: one parent transaction, a child per write (store.h's batches),
 * one synced commit; then each write is done on the loop thread.
 *
 * Writes that arrive while a batch commits wait for the next batch, which
 * takes all of them (up to BATCH_MAX), so that a busy daemon pays one
 * sync for many writes and a quiet one pays one sync per write, as
 * before. A write is done (answered) only after the commit that holds it
 * is on disk, or failed. The writer never waits for the loop thread while
 * a transaction is open; the loop thread waits for it only in
 * writer_pause and writer_drain.
 */
#ifndef WEBCRON_WRITER_H
#define WEBCRON_WRITER_H

#include <stddef.h>

struct event_base;
struct store;
struct writer;

struct writer_ops {
	void *arg;
	/* On the writer thread, inside the batch: ITEM's writes. Every
	 * store_begin it makes is a child of the batch. */
	void (*run)(void *arg, void *item);
	/* On the writer thread: the batch that ran ITEM could not be begun
	 * or committed (STATUS, a STORE_* error): none of it is written. */
	void (*failed)(void *arg, void *item, int status);
	/* On the loop thread, in the order of writer_submit: ITEM is done. */
	void (*done)(void *arg, void *item);
	/* On the writer thread (or at writer_free): frees THING, which the
	 * loop gave back with writer_return. */
	void (*release)(void *arg, void *thing);
};

/* A writer on STORE whose items are done on BASE's loop thread, at most
 * BATCH_MAX in a batch. Returns NULL (logged) when no thread can be
 * started. */
struct writer *writer_new(struct store *store, struct event_base *base,
    const struct writer_ops *ops, size_t batch_max);
/* Stops the thread after the items submitted are done (writer_drain).
 * NULL is fine. */
void writer_free(struct writer *);

/* On the loop thread: queues ITEM for the next batch. */
void writer_submit(struct writer *, void *item);
/* On the loop thread: gives THING (memory the writer's handlers took,
 * now done with) back to the writer thread, which frees it with
 * ops.release before its next batch, so that memory goes back to the
 * thread that allocated it. */
void writer_return(struct writer *, void *thing);
/* On the loop thread: waits until every item submitted is done, and does
 * them (for a shutdown, before the requests go away). */
void writer_drain(struct writer *);
/* On the loop thread: waits for the batch in progress to end and keeps
 * the next one from beginning until writer_resume (a reload replaces
 * what the writes read). */
void writer_pause(struct writer *);
void writer_resume(struct writer *);

/* Batches committed and items written, since the start (for tests and
 * figures). */
void writer_figures(struct writer *, unsigned long long *batches, unsigned long long *items);

#endif
