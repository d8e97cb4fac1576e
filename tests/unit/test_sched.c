/*
 * test_sched: the scheduler's due-time heap (order, pop, removal and
 * update over many entries, ties broken by id) and catch-up after
 * downtime (SPEC 3: catchUp none, once within startingDeadline, all at
 * most 100), computed for a clock the test sets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "conf/config.h"
#include "engine/cron.h"
#include "engine/tz.h"
#include "store/job.h"
#include "store/account.h"
#include "store/cascade.h"
#include "store/record.h"
#include "store/store.h"
#include "util/token.h"
#include "exec/dueheap.h"
#include "exec/run.h"
#include "exec/sched.h"
#include "scratch.h"

#define T0 1767225600 /* 2026-01-01T00:00:00Z, a Thursday */
#define HOUR 3600
#define DAY 86400
#define N 5000

/* ---- the heap */

static uint64_t seed = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static void
check_slots(const struct dueheap *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		assert_int_equal(h->v[i]->slot, i);
		if (i > 0) {
			const struct due *p = h->v[(i - 1) / 2], *c = h->v[i];

			assert_true(p->at < c->at || (p->at == c->at && p->id < c->id));
		}
	}
}

/* Pops everything: each is due no earlier than the one before, ties by
 * id; returns how many came out. */
static size_t
drain_in_order(struct dueheap *h)
{
	struct due *d, *prev = NULL;
	size_t n = 0;

	while ((d = dueheap_pop(h)) != NULL) {
		assert_int_equal(d->slot, DUE_NONE);
		if (prev)
			assert_true(prev->at < d->at || (prev->at == d->at && prev->id < d->id));
		prev = d;
		n++;
	}
	assert_null(dueheap_top(h));
	return n;
}

static void
test_heap_order(void **state)
{
	struct dueheap h = DUEHEAP_INIT;
	struct due *e = calloc(N, sizeof(*e));
	size_t i;

	(void)state;
	assert_null(dueheap_pop(&h));
	for (i = 0; i < N; i++) {
		/* few distinct times: many ties */
		e[i].at = T0 + (int64_t)(rnd() % 97);
		e[i].id = N - i;
		e[i].slot = DUE_NONE;
		dueheap_push(&h, &e[i]);
	}
	assert_int_equal(h.n, N);
	check_slots(&h);
	assert_int_equal(drain_in_order(&h), N);
	dueheap_free(&h);
	free(e);
}

static void
test_heap_remove_and_update(void **state)
{
	struct dueheap h = DUEHEAP_INIT;
	struct due *e = calloc(N, sizeof(*e)), outside = { T0, 1, DUE_NONE };
	size_t i, removed = 0;

	(void)state;
	for (i = 0; i < N; i++) {
		e[i].at = T0 + (int64_t)(rnd() % (30 * DAY));
		e[i].id = i + 1;
		e[i].slot = DUE_NONE;
		dueheap_push(&h, &e[i]);
	}
	/* out of the heap: removing does nothing */
	dueheap_remove(&h, &outside);
	assert_int_equal(h.n, N);
	for (i = 0; i < N; i += 3) {
		dueheap_remove(&h, &e[i]);
		assert_int_equal(e[i].slot, DUE_NONE);
		removed++;
	}
	/* twice: still nothing */
	dueheap_remove(&h, &e[0]);
	assert_int_equal(h.n, N - removed);
	check_slots(&h);
	/* new times, earlier and later, for the rest */
	for (i = 1; i < N; i += 3) {
		e[i].at = (rnd() & 1) ? T0 - (int64_t)(rnd() % DAY) : T0 + 60 * DAY + (int64_t)(rnd() % DAY);
		dueheap_update(&h, &e[i]);
	}
	check_slots(&h);
	/* the earliest is the earliest of those still in */
	{
		struct due *best = NULL;

		for (i = 0; i < N; i++)
			if (e[i].slot != DUE_NONE && (best == NULL || e[i].at < best->at || (e[i].at == best->at && e[i].id < best->id)))
				best = &e[i];
		assert_ptr_equal(dueheap_top(&h), best);
	}
	/* the removed ones come back */
	for (i = 0; i < N; i += 3)
		dueheap_push(&h, &e[i]);
	check_slots(&h);
	assert_int_equal(drain_in_order(&h), N);
	dueheap_free(&h);
	free(e);
}

/* The removal of the last slot, the top, and a middle one, by hand. */
static void
test_heap_small(void **state)
{
	struct dueheap h = DUEHEAP_INIT;
	struct due e[5];
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++) {
		e[i].at = T0 + 10 * (int64_t)(5 - i);
		e[i].id = i;
		e[i].slot = DUE_NONE;
		dueheap_push(&h, &e[i]);
	}
	assert_ptr_equal(dueheap_top(&h), &e[4]);
	dueheap_remove(&h, &e[4]);
	assert_ptr_equal(dueheap_top(&h), &e[3]);
	dueheap_remove(&h, &e[1]);
	e[0].at = T0; /* now the earliest */
	dueheap_update(&h, &e[0]);
	assert_ptr_equal(dueheap_pop(&h), &e[0]);
	assert_ptr_equal(dueheap_pop(&h), &e[3]);
	assert_ptr_equal(dueheap_pop(&h), &e[2]);
	assert_null(dueheap_pop(&h));
	dueheap_free(&h);
}

/* ---- catch-up */

static struct cron *
parse(const char *text)
{
	struct cron *c;

	assert_int_equal(cron_parse(text, &c, NULL), 0);
	return c;
}

static size_t
missed(struct cron *c, const struct cron_window *win, int catch_up, int64_t deadline,
    int64_t baseline, int64_t now, int64_t out[SCHED_CATCHUP_ALL_MAX])
{
	int64_t next, again_next, want, again[SCHED_CATCHUP_ALL_MAX];
	struct cron_memo memo;
	size_t n = sched_catch_up_times(c, tz_utc(), win, catch_up, deadline, baseline, now, out, &next, NULL);
	int round;

	/* the first fire after NOW, when the walk gave it, is cron_next's */
	if (next != 0) {
		assert_int_equal(cron_next(c, tz_utc(), win, now, &want), 0);
		assert_int_equal(next, want);
	}
	/* the same with a memo, cold and warm */
	memset(&memo, 0, sizeof(memo));
	for (round = 0; round < 2; round++) {
		assert_int_equal(sched_catch_up_times(c, tz_utc(), win, catch_up, deadline, baseline, now, again,
		                     &again_next, &memo),
		    n);
		assert_int_equal(again_next, next);
		if (n)
			assert_memory_equal(again, out, n * sizeof(*out));
	}
	return n;
}

static void
test_catch_up_none_once_all(void **state)
{
	struct cron *hourly = parse("0 * * * *");
	int64_t out[SCHED_CATCHUP_ALL_MAX], now = T0 + 5 * HOUR + 600, next;
	size_t n, i;

	(void)state;
	/* down from T0 (its last fire) to 05:10: 01:00 ... 05:00 were missed */
	assert_int_equal(missed(hourly, NULL, JOB_CATCHUP_NONE, 3600, T0, now, out), 0);
	n = missed(hourly, NULL, JOB_CATCHUP_ALL, 3600, T0, now, out);
	assert_int_equal(n, 5);
	for (i = 0; i < n; i++)
		assert_int_equal(out[i], T0 + (int64_t)(i + 1) * HOUR);
	/* once: the latest, if within startingDeadline of now */
	assert_int_equal(missed(hourly, NULL, JOB_CATCHUP_ONCE, 3600, T0, now, out), 1);
	assert_int_equal(out[0], T0 + 5 * HOUR);
	assert_int_equal(missed(hourly, NULL, JOB_CATCHUP_ONCE, 600, T0, now, out), 1);
	assert_int_equal(out[0], T0 + 5 * HOUR);
	assert_int_equal(missed(hourly, NULL, JOB_CATCHUP_ONCE, 599, T0, now, out), 0);
	/* nothing owed: never fired, or the baseline is now */
	assert_int_equal(missed(hourly, NULL, JOB_CATCHUP_ALL, 3600, 0, now, out), 0);
	assert_int_equal(missed(hourly, NULL, JOB_CATCHUP_ALL, 3600, now, now, out), 0);
	/* the baseline itself was fired: it is not owed again */
	assert_int_equal(missed(hourly, NULL, JOB_CATCHUP_ALL, 3600, T0 + 5 * HOUR, now, out), 0);
	assert_int_equal(missed(hourly, NULL, JOB_CATCHUP_ALL, 3600, T0 + 5 * HOUR - 1, now, out), 1);
	/* a fire at exactly now is owed */
	assert_int_equal(missed(hourly, NULL, JOB_CATCHUP_ALL, 3600, T0, T0 + 2 * HOUR, out), 2);
	assert_int_equal(out[1], T0 + 2 * HOUR);
	/* the walk hands on the next fire it came upon: 06:00; none when it
	 * did not look */
	assert_int_equal(sched_catch_up_times(hourly, tz_utc(), NULL, JOB_CATCHUP_ONCE, 3600, T0, now, out, &next, NULL), 1);
	assert_int_equal(next, T0 + 6 * HOUR);
	assert_int_equal(sched_catch_up_times(hourly, tz_utc(), NULL, JOB_CATCHUP_NONE, 3600, T0, now, out, &next, NULL), 0);
	assert_int_equal(next, 0);
	cron_free(hourly);
}

/* "all": at most 100, the latest ones, oldest first; none older than
 * the horizon of 7 days. */
static void
test_catch_up_all_bounds(void **state)
{
	struct cron *minutely = parse("* * * * *"), *daily = parse("0 0 * * *");
	int64_t out[SCHED_CATCHUP_ALL_MAX], now = T0 + 250 * 60;
	size_t n, i;

	(void)state;
	n = missed(minutely, NULL, JOB_CATCHUP_ALL, 3600, T0, now, out);
	assert_int_equal(n, SCHED_CATCHUP_ALL_MAX);
	for (i = 0; i < n; i++)
		assert_int_equal(out[i], now - (int64_t)(SCHED_CATCHUP_ALL_MAX - 1 - i) * 60);
	/* 99 missed: all of them */
	n = missed(minutely, NULL, JOB_CATCHUP_ALL, 3600, now - 99 * 60, now, out);
	assert_int_equal(n, 99);
	assert_int_equal(out[0], now - 98 * 60);
	/* down 20 days: the last 7 days' midnights */
	now = T0 + 20 * DAY + HOUR;
	n = missed(daily, NULL, JOB_CATCHUP_ALL, 3600, T0, now, out);
	assert_int_equal(n, 7);
	for (i = 0; i < n; i++)
		assert_int_equal(out[i], T0 + (int64_t)(14 + i) * DAY);
	cron_free(minutely);
	cron_free(daily);
}

/* The job's window bounds what is owed. */
static void
test_catch_up_window(void **state)
{
	struct cron *hourly = parse("0 * * * *");
	struct cron_window win = { 0, T0 + 3 * HOUR, 0, NULL, 0 };
	int64_t out[SCHED_CATCHUP_ALL_MAX];

	(void)state;
	assert_int_equal(missed(hourly, &win, JOB_CATCHUP_ALL, 3600, T0, T0 + 10 * HOUR, out), 3);
	assert_int_equal(out[2], T0 + 3 * HOUR);
	/* once: the latest in the window is 7 hours old, past the deadline */
	assert_int_equal(missed(hourly, &win, JOB_CATCHUP_ONCE, 3600, T0, T0 + 10 * HOUR, out), 0);
	cron_free(hourly);
}

/* ---- firing by hand, on a real store */

static double
fixed_wall(void)
{
	return T0 + 0.5;
}

/* A scheduler on ST and the runs it hands to, at the fixed wall clock;
 * SLICE: its load's batches (0: the default). */
static struct sched *
test_sched_new(struct event_base *base, struct store *st, struct config *cfg, size_t slice,
    struct runs **runs)
{
	struct runs_env re;
	struct sched_env se;

	memset(&re, 0, sizeof(re));
	re.base = base;
	re.store = st;
	re.cfg = cfg;
	re.wall = fixed_wall;
	*runs = runs_new(&re);
	memset(&se, 0, sizeof(se));
	se.base = base;
	se.store = st;
	se.runs = *runs;
	se.wall = fixed_wall;
	se.load_slice = slice;
	return sched_new(&se);
}

/* Fires by hand: recorded (run count, log id, daily count) and queued;
 * a single job that is queued is refused as running, and the account's
 * daily limit refuses the next, writing nothing. max_concurrent 0 keeps
 * every run in the queue: nothing here makes a request. */
static void
test_fire_now(void **state)
{
	char dir[64], token[TOKEN_LEN + 1];
	struct event_base *base = event_base_new();
	struct store *st;
	struct config cfg;
	struct store_txn t;
	struct account a;
	struct job j, k;
	struct runs *runs;
	struct sched *s;
	struct sched_fired out;
	struct job_state js;
	uint64_t id;

	(void)state;
	scratch_dir(dir, sizeof(dir), "sched");
	config_defaults(&cfg);
	cfg.max_concurrent = 0;
	st = scratch_store(dir, 64 << 20, 0);
	assert_int_equal(store_begin(st, 1, &t), STORE_OK);
	account_init(&a, &cfg);
	a.lim.daily_executions = 2;
	assert_int_equal(account_create(&t, &a, T0, token), 0);
	job_init(&j, &a);
	free(j.url);
	j.url = strdup("http://127.0.0.1:9/");
	job_insert(&t, &j, T0);
	job_init(&k, &a);
	free(k.url);
	k.url = strdup("http://127.0.0.1:9/");
	k.single = 0;
	k.instances = 5;
	job_insert(&t, &k, T0);
	assert_int_equal(store_commit(&t), STORE_OK);

	s = test_sched_new(base, st, &cfg, 0, &runs);
	assert_int_equal(sched_load(s, T0), 0);

	assert_int_equal(sched_fire_now(s, &j, "hello", T0, &out), 0);
	assert_true(out.log_id > 0);
	assert_int_equal(runs_queued(runs), 1);
	assert_int_equal(runs_active(runs, j.id), 1);
	/* single: it is queued, so it runs */
	assert_int_equal(sched_fire_now(s, &j, NULL, T0, &out), -1);
	assert_int_equal(out.why, SCHED_RUNNING);
	assert_int_equal(out.active, 1);
	/* the other job may overlap: its first run is today's second */
	assert_int_equal(sched_fire_now(s, &k, NULL, T0, &out), 0);
	assert_int_equal(sched_fire_now(s, &k, NULL, T0, &out), -1);
	assert_int_equal(out.why, SCHED_DAILY);
	assert_int_equal(runs_queued(runs), 2);
	/* the record: the run counts, not the last scheduled fire */
	assert_int_equal(store_begin(st, 0, &t), STORE_OK);
	assert_int_equal(job_load_state(&t, j.id, &js), STORE_OK);
	assert_int_equal(js.runs, 1);
	assert_int_equal(js.last_fire, 0);
	assert_int_equal(job_load_state(&t, k.id, &js), STORE_OK);
	assert_int_equal(js.runs, 1);
	id = a.id;
	account_free(&a);
	assert_int_equal(account_load(&t, id, &a), STORE_OK);
	assert_int_equal(a.exec_today, 2);
	store_abort(&t);
	/* the next day, the limit is new */
	assert_int_equal(sched_fire_now(s, &k, NULL, T0 + DAY, &out), 0);

	sched_free(s);
	runs_free(runs);
	account_free(&a);
	job_free(&j);
	job_free(&k);
	store_close(st);
	event_base_free(base);
	config_free(&cfg);
	scratch_remove(dir);
}

/* Replaces J's expression with TEXT. */
static void
set_expression(struct job *j, const char *text)
{
	free(j->expression);
	j->expression = strdup(text);
	assert_non_null(j->expression);
}

/* A store and a scheduler over it, for the start-up load's tests. */
struct loadrig {
	char dir[64];
	struct event_base *base;
	struct config cfg;
	struct store *st;
	struct runs *runs;
	struct sched *s;
};

static void
rig_open(struct loadrig *r)
{
	memset(r, 0, sizeof(*r));
	scratch_dir(r->dir, sizeof(r->dir), "sched");
	config_defaults(&r->cfg);
	r->cfg.max_concurrent = 0;
	r->st = scratch_store(r->dir, 64 << 20, 0);
	assert_non_null(r->base = event_base_new());
}

/* In T: job J of account A on TEXT (J is the caller's to free). */
static void
rig_job(struct store_txn *t, const struct account *a, const char *text, struct job *j)
{
	job_init(j, a);
	free(j->url);
	j->url = strdup("http://127.0.0.1:9/");
	set_expression(j, text);
	job_insert(t, j, T0);
}

/* In T: account A, made, and N daily jobs of it; returns the first id. */
static uint64_t
rig_daily(struct loadrig *r, struct store_txn *t, struct account *a, size_t n)
{
	char token[TOKEN_LEN + 1];
	uint64_t first = 0;
	struct job j;
	size_t i;

	account_init(a, &r->cfg);
	a->lim.max_jobs = (int)n + 10;
	assert_int_equal(account_create(t, a, T0, token), 0);
	for (i = 0; i < n; i++) {
		rig_job(t, a, "0 3 * * *", &j);
		if (i == 0)
			first = j.id;
		job_free(&j);
	}
	return first;
}

/* The scheduler, its load started at T0 in batches of SLICE jobs. */
static void
rig_load(struct loadrig *r, size_t slice)
{
	r->s = test_sched_new(r->base, r->st, &r->cfg, slice, &r->runs);
	assert_int_equal(sched_load_start(r->s, T0), 0);
}

static void
rig_close(struct loadrig *r)
{
	sched_free(r->s);
	runs_free(r->runs);
	store_close(r->st);
	event_base_free(r->base);
	config_free(&r->cfg);
	scratch_remove(r->dir);
}

/* The start-up load of a store larger than a batch reads on its own
 * thread, ahead of the loop. Jobs written meanwhile, as the API writes
 * them (the store, then sched_job_changed), are scheduled as the store
 * has them at the end, whatever batch read them before: one deleted is
 * not scheduled, one whose schedule changed fires at its new time, one
 * made meanwhile (beyond every id the loader may have read) is scheduled,
 * and every other job is scheduled once. */
static void
test_load_meanwhile(void **state)
{
	const size_t n = 1000;
	struct loadrig r;
	struct store_txn t;
	struct account a, b;
	struct job j, old, k;
	uint64_t first, bfirst, gone, moved;
	size_t i;

	(void)state;
	rig_open(&r);
	/* first an account of 30 jobs, in the first batch, which the loader
	 * has read (at once, at the start) by the time the account is
	 * deleted; a batch read later does not hold them, and passes too */
	assert_int_equal(store_begin(r.st, 1, &t), STORE_OK);
	bfirst = rig_daily(&r, &t, &b, 30);
	assert_int_equal(store_commit(&t), STORE_OK);
	assert_int_equal(store_begin(r.st, 1, &t), STORE_OK);
	first = rig_daily(&r, &t, &a, n);
	assert_int_equal(store_commit(&t), STORE_OK);
	gone = first + 60;  /* in the second batch */
	moved = first + 90; /* in the third */

	rig_load(&r, 50);
	assert_true(sched_loading(r.s));

	/* the loop has scheduled nothing yet; the loader reads ahead */
	assert_int_equal(store_begin(r.st, 1, &t), STORE_OK);
	assert_int_equal(job_load(&t, gone, &j), STORE_OK);
	job_delete(&t, &j, T0);
	assert_int_equal(store_commit(&t), STORE_OK);
	sched_job_changed(r.s, &j, NULL, 1);
	job_free(&j);

	assert_int_equal(store_begin(r.st, 1, &t), STORE_OK);
	assert_int_equal(job_load(&t, moved, &old), STORE_OK);
	job_copy(&k, &old);
	set_expression(&k, "0 4 * * *");
	job_update(&t, &old, &k, T0);
	assert_int_equal(store_commit(&t), STORE_OK);
	sched_job_changed(r.s, &k, NULL, 0);
	job_free(&old);
	job_free(&k);

	assert_int_equal(store_begin(r.st, 1, &t), STORE_OK);
	rig_job(&t, &a, "0 5 * * *", &j);
	assert_int_equal(store_commit(&t), STORE_OK);
	sched_job_changed(r.s, &j, NULL, 0);

	/* and the second account deleted, its jobs with it */
	assert_int_equal(store_begin(r.st, 1, &t), STORE_OK);
	cascade_account_delete(&t, &b, T0);
	assert_int_equal(store_commit(&t), STORE_OK);
	sched_account_changed(r.s, &b, 1);

	while (sched_loading(r.s))
		assert_int_equal(event_base_loop(r.base, EVLOOP_ONCE), 0);
	assert_int_equal(sched_count(r.s), n);
	assert_int_equal(sched_next(r.s, gone), 0);
	assert_int_equal(sched_next(r.s, moved), T0 + 4 * HOUR);
	assert_int_equal(sched_next(r.s, j.id), T0 + 5 * HOUR);
	assert_int_equal(sched_next(r.s, first), T0 + 3 * HOUR);
	assert_int_equal(sched_next(r.s, first + n - 1), T0 + 3 * HOUR);
	for (i = 0; i < 30; i++)
		assert_int_equal(sched_next(r.s, bfirst + i), 0);
	job_free(&j);
	account_free(&a);
	account_free(&b);
	rig_close(&r);
}

/* A job record that cannot be read, and a key in the jobs that is no
 * job's (after the last job: where the last batch would begin again),
 * are passed over with a warning, in batches of one job on the loader's
 * thread: the load ends, and every other job is scheduled. */
static void
test_load_corrupt(void **state)
{
	struct loadrig r;
	struct store_txn t;
	struct account a;
	uint64_t first;
	uint8_t key[8];
	size_t turns = 0;

	(void)state;
	rig_open(&r);
	assert_int_equal(store_begin(r.st, 1, &t), STORE_OK);
	first = rig_daily(&r, &t, &a, 20);
	record_key_u64(key, first + 5);
	store_put(&t, DB_JOBS, key, sizeof(key), "\x7f", 1); /* no version this build knows */
	store_put(&t, DB_JOBS, "abcd", 4, "\x01", 1);
	assert_int_equal(store_commit(&t), STORE_OK);

	rig_load(&r, 1);
	while (sched_loading(r.s) && turns++ < 10000)
		assert_int_equal(event_base_loop(r.base, EVLOOP_ONCE), 0);
	assert_false(sched_loading(r.s));
	assert_int_equal(sched_count(r.s), 19);
	assert_int_equal(sched_next(r.s, first + 5), 0);
	assert_int_equal(sched_next(r.s, first + 19), T0 + 3 * HOUR);
	account_free(&a);
	rig_close(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heap_order),
		cmocka_unit_test(test_heap_remove_and_update),
		cmocka_unit_test(test_heap_small),
		cmocka_unit_test(test_catch_up_none_once_all),
		cmocka_unit_test(test_catch_up_all_bounds),
		cmocka_unit_test(test_catch_up_window),
		cmocka_unit_test(test_fire_now),
		cmocka_unit_test(test_load_meanwhile),
		cmocka_unit_test(test_load_corrupt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
