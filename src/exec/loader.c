/*
 * loader: the start-up load's reading. See loader.h.
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "store/handoff.h"
#include "exec/loader.h"
#include "store/record.h"
#include "util/wake.h"

#define LOADER_AHEAD 3 /* batches read and not yet taken, at most */

/* The item's texts and rules, copied into B; P's pointers are offsets
 * in B's texts until load_peek (the texts may still move). */
static void
load_add(struct load_batch *b, uint64_t id, const struct job_peek *p)
{
	size_t rules = (size_t)p->nrules * sizeof(*p->rules), at;
	struct load_item *it;
	char *to;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->v = xrealloc(b->v, b->cap * sizeof(*b->v));
	}
	it = &b->v[b->n++];
	it->id = id;
	it->fixed = 0;
	it->p = *p;
	/* the rules first, at a multiple of 8 (they hold int64_t), then the
	 * two texts */
	at = (b->texts.len + 7) & ~(size_t)7;
	buf_reserve(&b->texts, at - b->texts.len + rules + p->expression_len + p->timezone_len);
	to = b->texts.data + at;
	memcpy(to, p->rules, rules);
	memcpy(to + rules, p->expression, p->expression_len);
	memcpy(to + rules + p->expression_len, p->timezone, p->timezone_len);
	it->p.rules = (const struct cron_bounds *)(uintptr_t)at;
	it->p.expression = (const char *)(uintptr_t)(at + rules);
	it->p.timezone = (const char *)(uintptr_t)(at + rules + p->expression_len);
	b->texts.len = at + rules + p->expression_len + p->timezone_len;
}

struct job_peek *
load_peek(struct load_batch *b, struct load_item *it)
{
	struct job_peek *p = &it->p;

	if (!it->fixed) {
		p->expression = b->texts.data + (uintptr_t)p->expression;
		p->timezone = b->texts.data + (uintptr_t)p->timezone;
		p->rules = (const struct cron_bounds *)(void *)(b->texts.data + (uintptr_t)p->rules);
		it->fixed = 1;
	}
	return p;
}

void
load_read(struct store *st, int aside, uint64_t after, size_t max, struct load_batch *b)
{
	struct cron_bounds rules[CRON_RULES_MAX];
	struct store_txn t;
	struct store_iter it;
	uint8_t from[8];
	int moving;

	b->n = 0;
	buf_reset(&b->texts);
	b->lo = b->hi = NULL;
	b->last = 0;
	b->seen = 0;
	b->more = 0;
	if ((aside ? store_begin_aside(st, &t) : store_begin(st, 0, &t)) != STORE_OK) {
		b->more = -1;
		return;
	}
	moving = handoff_any(&t);
	store_iter_open(&t, DB_JOBS, NULL, 0, &it);
	if (after) {
		record_key_u64(from, after + 1);
		store_iter_seek(&t, &it, from, sizeof(from));
	}
	while (store_iter_next(&t, &it) == 1) {
		struct job_peek p;
		uint64_t id;

		/* a key that is no job's is passed over within the batch: the
		 * next batch, which begins after the last id read, must not
		 * begin at it again */
		if (it.key.mv_size != 8) {
			log_warnx("sched: a key of %zu bytes in the jobs; passed over", it.key.mv_size);
			continue;
		}
		if (b->seen == max) {
			b->more = 1;
			break;
		}
		b->seen++;
		if (b->lo == NULL || (const char *)it.val.mv_data < b->lo)
			b->lo = it.val.mv_data;
		if ((const char *)it.val.mv_data + it.val.mv_size > b->hi)
			b->hi = (const char *)it.val.mv_data + it.val.mv_size;
		id = record_get_u64(it.key.mv_data);
		b->last = id;
		if (job_peek(it.val.mv_data, it.val.mv_size, &p, rules) == -1) {
			log_warnx("sched: job %llu: its record cannot be read; it is not scheduled",
			    (unsigned long long)id);
			continue;
		}
		if (p.status != JOB_ACTIVE || p.expression_len == 0)
			continue;
		/* an account on its way elsewhere fires nothing here; a
		 * cancelled handoff reloads it with its catch-up */
		if (moving && handoff_get(&t, p.account, NULL) == STORE_OK)
			continue;
		load_add(b, id, &p);
	}
	store_iter_close(&it);
	if (t.err)
		b->more = -1;
	store_abort(&t);
}

void
load_batch_free(struct load_batch *b)
{
	free(b->v);
	buf_free(&b->texts);
	memset(b, 0, sizeof(*b));
}

/* ---- the thread */

struct loader {
	struct store *store;
	size_t max;
	uint64_t after; /* the thread's: where the next batch begins */
	pthread_t thread;
	struct load_batch batches[LOADER_AHEAD];

	pthread_mutex_t lock; /* what follows */
	pthread_cond_t wake;  /* the thread: a batch given back, or stop */
	struct load_batch *free[LOADER_AHEAD];
	size_t nfree;
	struct load_batch *ready[LOADER_AHEAD]; /* in id order */
	size_t nready;
	int stop;

	struct wake *loop; /* the thread -> the loop: batches are ready */
};

static void *
loader_main(void *arg)
{
	struct loader *l = arg;
	const char *lo = NULL, *hi = NULL;
	struct load_batch *b;
	int wasempty;

	pthread_mutex_lock(&l->lock);
	for (;;) {
		while (l->nfree == 0 && !l->stop)
			pthread_cond_wait(&l->wake, &l->lock);
		if (l->stop)
			break;
		b = l->free[--l->nfree];
		pthread_mutex_unlock(&l->lock);

		load_read(l->store, 1, l->after, l->max, b);
		l->after = b->last > l->after ? b->last : l->after;
		if (b->lo && (lo == NULL || b->lo < lo))
			lo = b->lo;
		if (b->hi > hi)
			hi = b->hi;

		pthread_mutex_lock(&l->lock);
		wasempty = l->nready == 0;
		l->ready[l->nready++] = b;
		if (wasempty)
			wake_signal(l->loop);
		if (b->more != 1)
			break;
	}
	pthread_mutex_unlock(&l->lock);
	/* once, at the end: each release stops the other threads to flush
	 * their view of the map */
	store_release_pages(lo, hi);
	return NULL;
}

struct loader *
loader_start(struct store *st, struct event_base *base, uint64_t after, size_t max,
    void (*ready)(void *), void *arg)
{
	struct loader *l = xcalloc(1, sizeof(*l));
	int i, rc;

	l->store = st;
	l->after = after;
	l->max = max ? max : 1;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->wake, NULL);
	for (i = 0; i < LOADER_AHEAD; i++)
		l->free[l->nfree++] = &l->batches[i];
	job_fields_index(); /* job_peek's tables, made before two threads peek */
	if ((l->loop = wake_new(base, "loader", ready, arg)) == NULL)
		goto fail;
	if ((rc = pthread_create(&l->thread, NULL, loader_main, l)) != 0) {
		errno = rc;
		log_warn("loader: cannot start its thread");
		goto fail;
	}
	return l;
fail:
	wake_free(l->loop);
	pthread_mutex_destroy(&l->lock);
	pthread_cond_destroy(&l->wake);
	free(l);
	return NULL;
}

struct load_batch *
loader_take(struct loader *l)
{
	struct load_batch *b = NULL;

	pthread_mutex_lock(&l->lock);
	if (l->nready) {
		b = l->ready[0];
		memmove(l->ready, l->ready + 1, (l->nready - 1) * sizeof(*l->ready));
		l->nready--;
	}
	pthread_mutex_unlock(&l->lock);
	return b;
}

void
loader_give(struct loader *l, struct load_batch *b)
{
	pthread_mutex_lock(&l->lock);
	l->free[l->nfree++] = b;
	pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->lock);
}

void
loader_free(struct loader *l)
{
	int i;

	if (l == NULL)
		return;
	pthread_mutex_lock(&l->lock);
	l->stop = 1;
	pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->lock);
	pthread_join(l->thread, NULL);
	wake_free(l->loop);
	for (i = 0; i < LOADER_AHEAD; i++)
		load_batch_free(&l->batches[i]);
	pthread_mutex_destroy(&l->lock);
	pthread_cond_destroy(&l->wake);
	free(l);
}
