/*
 * writer: the group-commit thread. See writer.h and docs/ARCHITECTURE.md
 * ("Writes").
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__) && !defined(WEBCRON_JEMALLOC)
#include <malloc.h> /* mallopt */
#endif

#include <event2/event.h>

#include "util/buf.h"
#include "util/log.h"
#include "store/store.h"
#include "store/writer.h"
#include "util/wake.h"

struct writer_queue {
	void **v;
	size_t n, cap;
};

struct writer {
	struct store *store;
	struct writer_ops ops;
	size_t batch_max;
	pthread_t thread;
	int started;

	pthread_mutex_t lock;         /* the queues, busy, stop, the figures */
	pthread_cond_t wake;          /* the thread: items, or stop */
	pthread_cond_t moved;         /* writer_drain: a batch ended */
	struct writer_queue pending;  /* submitted, not yet in a batch */
	struct writer_queue done;     /* written (or failed), not yet done */
	struct writer_queue returned; /* writer_return: for ops.release */
	size_t busy;                  /* items in the batch in progress */
	int stop;
	unsigned long long batches, items;

	struct wake *loop; /* the thread -> the loop: done has items */
};

static void
writer_queue_add(struct writer_queue *q, void *item)
{
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 64;
		if ((q->v = realloc(q->v, q->cap * sizeof(*q->v))) == NULL)
			fatal("writer");
	}
	q->v[q->n++] = item;
}

/* Releases the things in Q and empties it (without the lock). */
static void
writer_release(struct writer *w, struct writer_queue *q)
{
	size_t i;

	for (i = 0; w->ops.release && i < q->n; i++)
		w->ops.release(w->ops.arg, q->v[i]);
	q->n = 0;
}

/* On the loop thread, without the lock: does the items written so far. */
static void
writer_deliver(struct writer *w)
{
	struct writer_queue q;
	size_t i;

	pthread_mutex_lock(&w->lock);
	q = w->done;
	memset(&w->done, 0, sizeof(w->done));
	pthread_mutex_unlock(&w->lock);
	for (i = 0; i < q.n; i++)
		w->ops.done(w->ops.arg, q.v[i]);
	free(q.v);
}

/* On the loop thread: the thread said done has items. */
static void
writer_woken(void *arg)
{
	writer_deliver(arg);
}

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	void **batch = xcalloc(w->batch_max, sizeof(*batch));
	struct writer_queue back = { 0 }, swap;
	size_t n, i;
	int rc, wasempty;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (w->pending.n == 0 && !w->stop)
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->pending.n == 0)
			break;
		/* everything that came while the last batch synced, up to the cap */
		n = w->pending.n < w->batch_max ? w->pending.n : w->batch_max;
		memcpy(batch, w->pending.v, n * sizeof(*batch));
		memmove(w->pending.v, w->pending.v + n, (w->pending.n - n) * sizeof(*batch));
		w->pending.n -= n;
		w->busy = n;
		/* what the loop gave back since the last batch: freed here */
		swap = w->returned;
		w->returned = back;
		back = swap;
		pthread_mutex_unlock(&w->lock);
		writer_release(w, &back);

		if ((rc = store_batch_begin(w->store)) == STORE_OK) {
			for (i = 0; i < n; i++)
				w->ops.run(w->ops.arg, batch[i]);
			rc = store_batch_commit(w->store);
		}
		if (rc != STORE_OK)
			for (i = 0; i < n; i++)
				w->ops.failed(w->ops.arg, batch[i], rc);

		pthread_mutex_lock(&w->lock);
		wasempty = w->done.n == 0;
		for (i = 0; i < n; i++)
			writer_queue_add(&w->done, batch[i]);
		w->busy = 0;
		w->batches++;
		w->items += n;
		pthread_cond_broadcast(&w->moved);
		/* one byte says "look": the loop takes the whole queue. A full
		 * pipe already says it. */
		if (wasempty)
			wake_signal(w->loop);
	}
	pthread_mutex_unlock(&w->lock);
	free(back.v);
	free(batch);
	return NULL;
}

/*
 * LMDB gives every child transaction some 3 MB of lists (its dirty pages,
 * its freed pages): malloc'd at the child's begin, freed at its end, and
 * a batch begins a child for every write and every read in it. glibc
 * would hand these back to the kernel at each free (madvise of the
 * thread's arena, a TLB flush of every core) and fault them in again at
 * the next begin: a quarter of the daemon's CPU in a burst of adds. The
 * memory is kept instead: such blocks come from the heap, not mmap, and
 * up to WRITER_HEAP_KEPT of free memory stays in each arena. Set once,
 * before the writer's thread starts. A webcrond linked with jemalloc
 * (configure's default) does not use glibc's malloc: nothing to set.
 */
#define WRITER_HEAP_DIRECT (8u << 20) /* blocks this big and up: mmap */
#define WRITER_HEAP_KEPT (64u << 20)
static void
writer_keep_heap(void)
{
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
	if (mallopt(M_MMAP_THRESHOLD, WRITER_HEAP_DIRECT) != 1 ||
	    mallopt(M_TRIM_THRESHOLD, WRITER_HEAP_KEPT) != 1)
		log_debug("writer: malloc's thresholds were not set (a sanitizer's malloc?)");
#endif
}

struct writer *
writer_new(struct store *store, struct event_base *base, const struct writer_ops *ops,
    size_t batch_max)
{
	struct writer *w = xcalloc(1, sizeof(*w));
	int rc;

	w->store = store;
	w->ops = *ops;
	w->batch_max = batch_max ? batch_max : 1;
	writer_keep_heap();
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->moved, NULL);
	if ((w->loop = wake_new(base, "writer", writer_woken, w)) == NULL)
		goto fail;
	if ((rc = pthread_create(&w->thread, NULL, writer_main, w)) != 0) {
		errno = rc;
		log_warn("writer: cannot start its thread");
		goto fail;
	}
	w->started = 1;
	return w;
fail:
	writer_free(w);
	return NULL;
}

void
writer_free(struct writer *w)
{
	if (w == NULL)
		return;
	if (w->started) {
		writer_drain(w);
		pthread_mutex_lock(&w->lock);
		w->stop = 1;
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
		writer_deliver(w);
	}
	/* the thread is gone: the rest is freed here */
	writer_release(w, &w->returned);
	wake_free(w->loop);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->moved);
	free(w->pending.v);
	free(w->done.v);
	free(w->returned.v);
	free(w);
}

void
writer_submit(struct writer *w, void *item)
{
	pthread_mutex_lock(&w->lock);
	writer_queue_add(&w->pending, item);
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

void
writer_return(struct writer *w, void *thing)
{
	pthread_mutex_lock(&w->lock);
	writer_queue_add(&w->returned, thing);
	pthread_mutex_unlock(&w->lock);
}

void
writer_drain(struct writer *w)
{
	pthread_mutex_lock(&w->lock);
	while (w->pending.n || w->busy || w->done.n) {
		if (w->done.n) {
			pthread_mutex_unlock(&w->lock);
			writer_deliver(w);
			pthread_mutex_lock(&w->lock);
			continue;
		}
		pthread_cond_wait(&w->moved, &w->lock);
	}
	pthread_mutex_unlock(&w->lock);
}

void
writer_pause(struct writer *w)
{
	store_batch_hold(w->store);
}

void
writer_resume(struct writer *w)
{
	store_batch_release(w->store);
}

void
writer_figures(struct writer *w, unsigned long long *batches, unsigned long long *items)
{
	pthread_mutex_lock(&w->lock);
	*batches = w->batches;
	*items = w->items;
	pthread_mutex_unlock(&w->lock);
}
