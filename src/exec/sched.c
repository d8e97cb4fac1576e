/*
 * sched: the due-time heap, its timer, fire records, catch-up and the
 * start-up load (of the batches loader.c reads).
 *
 * Memory per scheduled job is one struct sjob (64 bytes, carved from
 * blocks of 4096 and reused), a heap slot and a map slot; compiled
 * schedules are shared between jobs with the same expression.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

#include "store/account.h"
#include "util/buf.h"
#include "engine/cron.h"
#include "store/execlog.h"
#include "util/idmap.h"
#include "util/seqmap.h"
#include "store/handoff.h"
#include "store/job.h"
#include "util/log.h"
#include "store/record.h"
#include "exec/dueheap.h"
#include "exec/loader.h"
#include "exec/run.h"
#include "exec/sched.h"
#include "store/store.h"
#include "engine/tz.h"

#define SCHED_ARM_MAX 60       /* seconds: re-read the wall clock at least this often */
#define SCHED_LOAD_SLICE 20000 /* jobs read per batch at start-up ([server] load_slice) */

/* A compiled schedule shared by every job with the same normalized text. */
struct shared_cron {
	struct cron *c;
	char *text;
	size_t len; /* of TEXT */
	unsigned refs;
	int manual;
	struct cron_memo memo; /* its last next fire, for jobs without a window */
};

/* What few jobs have: bounds, rules, a zone of their own. */
struct sjob_window {
	int64_t starts_at, expires_at; /* 0 = none */
	const struct tz *zone;         /* NULL: the account's */
	int nrules;
	struct cron_bounds rules[]; /* the rules' own bounds */
};

/* One cache line: a million of them are made at start-up. */
struct sjob {
	struct due due; /* id: the job's; at: its next fire, 0 = none */
	uint64_t account;
	struct shared_cron *cron;
	int64_t anchor;          /* of an @every schedule: startsAt, else its creation */
	struct sjob_window *win; /* NULL = none */
	uint8_t single;
	uint8_t instances;
};

/* SJ's window as the cron engine takes it. */
static void
sjob_window(const struct sjob *sj, struct cron_window *w)
{
	memset(w, 0, sizeof(*w));
	w->anchor = sj->anchor;
	if (sj->win) {
		w->starts_at = sj->win->starts_at;
		w->expires_at = sj->win->expires_at;
		w->rules = sj->win->rules;
		w->nrules = sj->win->nrules;
	}
}

static int64_t
sjob_expires_at(const struct sjob *sj)
{
	return sj->win ? sj->win->expires_at : 0;
}

static struct sjob *
sjob_of(struct due *d)
{
	return d ? (struct sjob *)((char *)d - offsetof(struct sjob, due)) : NULL;
}

struct saccount {
	const struct tz *zone;
	int suspended;   /* its jobs do not fire */
	int daily_limit; /* 0 = none */
	int64_t day;     /* the day of EXECUTIONS, in the account's zone */
	uint64_t executions;
	int dirty; /* the count changed since it was written */
};

/* One fire to record and submit: of a scheduled job (SJ), or of any job
 * fired by hand (SJ NULL). */
struct fire {
	struct sjob *sj;
	uint64_t job;
	uint64_t account;
	int64_t planned;
	int trigger; /* LOG_TRIGGER_* */
	int single;  /* the job's overlap rule */
	int instances;
	const char *payload; /* cron.run's body, or NULL */
	enum { FIRE_RAN,
		FIRE_SUSPENDED,
		FIRE_GONE,
		FIRE_DAILY,
		FIRE_MOVING } result; /* out */
	uint64_t log_id;              /* out: FIRE_RAN's execution */
};

/* A fire of SJ at PLANNED. */
static void
fire_set(struct fire *f, struct sjob *sj, int64_t planned, int trigger)
{
	memset(f, 0, sizeof(*f));
	f->sj = sj;
	f->job = sj->due.id;
	f->account = sj->account;
	f->planned = planned;
	f->trigger = trigger;
	f->single = sj->single;
	f->instances = sj->instances;
}

struct sched {
	struct sched_env env;
	struct seqmap *jobs;        /* id -> struct sjob (rising ids: seqmap.h) */
	struct idmap *accounts;     /* id -> struct saccount */
	struct shared_cron **crons; /* open addressing by text */
	size_t ncrons, crons_cap;
	struct shared_cron *cron_last; /* the last found in it */
	struct dueheap heap;           /* of struct sjob, by next fire */
	struct event *timer;
	int stopped;
	/* the start-up load, in batches (loader.h): the jobs up to LOAD_AFTER
	 * are in, as they were at LOAD_NOW; those written meanwhile beyond
	 * it are marked, to be read again (sched_load_mark) */
	struct loader *loader;
	struct event *load; /* the next batch, at the next loop turn */
	uint64_t *dirty;    /* sorted */
	size_t ndirty;
	struct idmap *dirty_accounts;
	int loading;
	uint64_t load_after;
	int64_t load_now;
	double load_t0;
	size_t load_fires;
	uint64_t load_seen;  /* job records read so far */
	uint64_t load_total; /* job records when the load began */
	/* sjobs come from blocks and go back to SPARE: the start-up load
	 * makes a million, and a malloc each was a tenth of its time */
	struct sjob_block *blocks;
	size_t block_used; /* of blocks->v */
	struct sjob **spare;
	size_t nspare, spare_cap;
	/* the zone of the last job with a zone of its own, by its name */
	char zone_name[JOB_TIMEZONE_MAX + 1];
	const struct tz *zone;
};

#define SJOB_BLOCK 4096
struct sjob_block {
	struct sjob_block *next;
	struct sjob v[SJOB_BLOCK];
};

/* ---- shared schedules */

static uint64_t
sched_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 0x100000001b3ULL;
	return h;
}

static void
sched_crons_grow(struct sched *s)
{
	struct shared_cron **old = s->crons;
	size_t oldcap = s->crons_cap, i;

	s->crons_cap = oldcap ? oldcap * 2 : 64;
	s->crons = xcalloc(s->crons_cap, sizeof(*s->crons));
	for (i = 0; i < oldcap; i++) {
		size_t j;

		if (old[i] == NULL)
			continue;
		j = sched_hash(old[i]->text, old[i]->len) & (s->crons_cap - 1);
		while (s->crons[j])
			j = (j + 1) & (s->crons_cap - 1);
		s->crons[j] = old[i];
	}
	free(old);
}

/* The shared schedule of TEXT (LEN bytes), compiled on first use; NULL
 * when it does not parse (a record written by a different build). */
static struct shared_cron *
sched_cron_get(struct sched *s, const char *text, size_t len)
{
	struct shared_cron *sc;
	char *copy;
	size_t j;

	/* the last one asked: jobs read in a row often share it */
	if ((sc = s->cron_last) != NULL && sc->len == len && memcmp(sc->text, text, len) == 0) {
		sc->refs++;
		return sc;
	}
	if ((s->ncrons + 1) * 2 > s->crons_cap)
		sched_crons_grow(s);
	j = sched_hash(text, len) & (s->crons_cap - 1);
	while ((sc = s->crons[j]) != NULL) {
		if (sc->len == len && memcmp(sc->text, text, len) == 0) {
			sc->refs++;
			s->cron_last = sc;
			return sc;
		}
		j = (j + 1) & (s->crons_cap - 1);
	}
	copy = xstrndup(text, len);
	sc = xcalloc(1, sizeof(*sc));
	if (cron_parse(copy, &sc->c, NULL) == -1) {
		log_warnx("sched: the stored schedule \"%.100s\" does not parse", copy);
		free(copy);
		free(sc);
		return NULL;
	}
	sc->text = copy;
	sc->len = strlen(copy); /* LEN, unless the text holds a NUL */
	sc->refs = 1;
	sc->manual = cron_is_manual(sc->c);
	s->crons[j] = sc;
	s->ncrons++;
	return sc;
}

/* Drops a reference. Unused schedules stay compiled: the table holds what
 * was seen, and the same expressions come back. */
static void
sched_cron_put(struct shared_cron *sc)
{
	if (sc && sc->refs)
		sc->refs--;
}

/* ---- the heap */

static void
heap_push(struct sched *s, struct sjob *sj)
{
	dueheap_push(&s->heap, &sj->due);
}

static void
heap_remove(struct sched *s, struct sjob *sj)
{
	dueheap_remove(&s->heap, &sj->due);
}

static struct sjob *
heap_top(const struct sched *s)
{
	return sjob_of(dueheap_top(&s->heap));
}

/* ---- time */

static double
sched_system_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Every time the scheduler reads comes from the one clock of its env. */
static double
sched_wall(const struct sched *s)
{
	return s->env.wall();
}

static int64_t
sched_now(const struct sched *s)
{
	return (int64_t)floor(sched_wall(s));
}

/* For the log line of the load: how long it took. */
static double
sched_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const struct tz *
sched_zone(struct sched *s, const struct sjob *sj)
{
	struct saccount *a;

	if (sj->win && sj->win->zone)
		return sj->win->zone;
	a = idmap_get(s->accounts, sj->account);
	return a && a->zone ? a->zone : tz_utc();
}

/* The first fire of SJ strictly after AFTER, or 0. */
static int64_t
sched_next_of(struct sched *s, const struct sjob *sj, int64_t after)
{
	struct cron_window w;
	int64_t next;

	sjob_window(sj, &w);
	if (cron_next_memo(sj->cron->c, sched_zone(s, sj), &w, after, &next, &sj->cron->memo) != 0)
		return 0;
	return next;
}

static void
sched_arm(struct sched *s)
{
	struct timeval tv;
	double delay;

	if (s->stopped || s->heap.n == 0) {
		evtimer_del(s->timer);
		return;
	}
	delay = (double)heap_top(s)->due.at - sched_wall(s);
	if (delay < 0)
		delay = 0;
	if (delay > SCHED_ARM_MAX)
		delay = SCHED_ARM_MAX;
	tv.tv_sec = (time_t)delay;
	tv.tv_usec = (suseconds_t)((delay - (double)tv.tv_sec) * 1e6);
	evtimer_add(s->timer, &tv);
}

/* ---- accounts and the daily limit */

static int64_t
sched_day(const struct tz *zone, int64_t now)
{
	int64_t local = now + tz_offset_at(zone ? zone : tz_utc(), now);

	return local >= 0 ? local / 86400 : (local - 86399) / 86400;
}

static struct saccount *
sched_account(struct sched *s, uint64_t id)
{
	struct saccount *a = idmap_get(s->accounts, id);

	if (a == NULL) {
		a = xcalloc(1, sizeof(*a));
		a->zone = tz_utc();
		idmap_put(s->accounts, id, a);
	}
	return a;
}

static void
sched_account_set(struct saccount *sa, const struct account *a)
{
	sa->zone = tz_get(a->timezone);
	if (sa->zone == NULL)
		sa->zone = tz_utc();
	sa->suspended = a->status == ACCOUNT_SUSPENDED;
	sa->daily_limit = a->lim.daily_executions;
	sa->day = a->exec_day;
	sa->executions = a->exec_today;
}

/* An account made since the start (webcronctl user add), read now. No
 * transaction may be open in this thread. */
static void
sched_account_load(struct sched *s, uint64_t id)
{
	struct store_txn t;
	struct account a;

	if (store_begin(s->env.store, 0, &t) != STORE_OK)
		return;
	if (account_load(&t, id, &a) == STORE_OK) {
		sched_account_set(sched_account(s, id), &a);
		account_free(&a);
	}
	store_abort(&t);
}

int
sched_daily_reached(struct sched *s, uint64_t account, int64_t now)
{
	struct saccount *a = idmap_get(s->accounts, account);

	if (a == NULL || a->daily_limit <= 0)
		return 0;
	return sched_day(a->zone, now) == a->day && a->executions >= (uint64_t)a->daily_limit;
}

int
sched_daily_take(struct sched *s, uint64_t account, int64_t now)
{
	struct saccount *a = sched_account(s, account);
	int64_t day = sched_day(a->zone, now);

	if (day != a->day) {
		a->day = day;
		a->executions = 0;
	}
	if (a->daily_limit > 0 && a->executions >= (uint64_t)a->daily_limit)
		return 0;
	a->executions++;
	a->dirty = 1;
	return 1;
}

/* Writes the daily counts that changed into the accounts' records. */
static void
sched_write_counts(struct sched *s, struct store_txn *t, uint64_t *ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct saccount *sa = idmap_get(s->accounts, ids[i]);
		struct account a;

		if (sa == NULL || !sa->dirty || account_load(t, ids[i], &a) != STORE_OK)
			continue;
		a.exec_day = sa->day;
		a.exec_today = sa->executions;
		account_save(t, &a, a.updated_at);
		account_free(&a);
		sa->dirty = 0;
	}
}

static void sched_drop(struct sched *s, uint64_t id);

void
sched_daily_save(struct sched *s, struct store_txn *t, uint64_t account)
{
	sched_write_counts(s, t, &account, 1);
}

/* ---- fires */

/*
 * Turns fires into runs, the one way every fire goes (the timer's, the
 * catch-up's at start, cron.run's): records the N fires of F in one
 * synced transaction (the job's run count and a log id each; the last
 * fire of the schedule for scheduled ones; the accounts' daily counts),
 * then submits those that may run. Sets each fire's result:
 *
 *   FIRE_RAN        recorded and submitted, as execution log_id
 *   FIRE_SUSPENDED  its account is suspended (scheduled fires only)
 *   FIRE_GONE       the job is no longer in the store (dropped here)
 *   FIRE_MOVING     its account is moving to another server (handoff.h):
 *                   looked up in this transaction, so that no fire of it
 *                   commits after the handoff's
 *   FIRE_DAILY      its account's daily limit is reached: past it the job
 *                   waits for the next day and nothing is logged
 *
 * Returns STORE_OK, or the store's error, and then no fire runs: a restart
 * must never run it again, and nothing says it ran.
 */
static int
sched_fire(struct sched *s, struct fire *f, size_t n, int64_t now)
{
	struct store_txn t;
	uint64_t *nos, *accounts, *gone = NULL, first;
	size_t i, naccounts = 0, ngone = 0;
	int rc, moving;

	if (n == 0)
		return STORE_OK;
	nos = xcalloc(n, sizeof(*nos));
	accounts = xcalloc(n, sizeof(*accounts));
	for (i = 0; i < n; i++) {
		f[i].result = FIRE_SUSPENDED;
		f[i].log_id = 0;
	}
	if ((rc = store_begin(s->env.store, 1, &t)) != STORE_OK)
		goto done;
	first = store_reserve_ids(&t, "log", n);
	moving = handoff_any(&t);
	for (i = 0; i < n && t.err == 0; i++) {
		struct saccount *sa = idmap_get(s->accounts, f[i].account);
		struct job_state st;

		/* by hand (an admin's asUser) a suspended account's job runs */
		if (f[i].trigger != LOG_TRIGGER_MANUAL && sa && sa->suspended)
			continue;
		if (moving && handoff_get(&t, f[i].account, NULL) == STORE_OK) {
			f[i].result = FIRE_MOVING;
			continue;
		}
		if (job_load_state(&t, f[i].job, &st) != STORE_OK) {
			/* deleted behind the daemon's back (webcronctl) */
			f[i].result = FIRE_GONE;
			gone = xrealloc(gone, (ngone + 1) * sizeof(*gone));
			gone[ngone++] = f[i].job;
			continue;
		}
		if (!sched_daily_take(s, f[i].account, now)) {
			f[i].result = FIRE_DAILY;
			continue;
		}
		/* what catch-up owes starts after the last schedule instant
		 * fired; a run by hand is not one */
		if (f[i].trigger != LOG_TRIGGER_MANUAL && f[i].planned > st.last_fire)
			st.last_fire = f[i].planned;
		st.runs++;
		nos[i] = st.runs;
		f[i].log_id = first + i;
		f[i].result = FIRE_RAN;
		job_put_state(&t, f[i].job, &st);
		if (naccounts == 0 || accounts[naccounts - 1] != f[i].account)
			accounts[naccounts++] = f[i].account;
	}
	sched_write_counts(s, &t, accounts, naccounts);
	if ((rc = store_commit(&t)) != STORE_OK)
		goto done;
	for (i = 0; i < n; i++) {
		struct run_order o;

		if (f[i].result != FIRE_RAN)
			continue;
		memset(&o, 0, sizeof(o));
		o.job = f[i].job;
		o.account = f[i].account;
		o.log_id = f[i].log_id;
		o.no = nos[i];
		o.planned = f[i].planned;
		o.trigger = f[i].trigger;
		o.attempt = 1;
		o.single = f[i].single;
		o.instances = f[i].instances;
		o.payload = f[i].payload;
		runs_submit(s->env.runs, &o);
	}
done:
	if (rc != STORE_OK)
		for (i = 0; i < n; i++) {
			f[i].result = FIRE_SUSPENDED;
			f[i].log_id = 0;
		}
	free(nos);
	free(accounts);
	for (i = 0; i < ngone; i++)
		sched_drop(s, gone[i]);
	free(gone);
	return rc;
}

/* The scheduler's own fires: a failure is logged, as no one waits for it. */
static void
sched_fire_due(struct sched *s, struct fire *f, size_t n, int64_t now)
{
	int rc;

	if ((rc = sched_fire(s, f, n, now)) != STORE_OK)
		log_warnx("sched: %zu fire%s at %lld could not be recorded and will not run (%s)", n,
		    n == 1 ? "" : "s", (long long)f[0].planned,
		    rc == STORE_FULL ? "storage full" : "storage error");
}

int
sched_fire_now(struct sched *s, const struct job *j, const char *payload, int64_t now,
    struct sched_fired *out)
{
	unsigned limit = j->single ? 1 : (unsigned)(j->instances > 0 ? j->instances : 1);
	struct fire f;
	int rc;

	memset(out, 0, sizeof(*out));
	out->active = runs_active(s->env.runs, j->id);
	if (out->active >= limit) {
		out->why = SCHED_RUNNING;
		return -1;
	}
	/* refused before a transaction: a refusal writes nothing */
	if (sched_daily_reached(s, j->account, now)) {
		out->why = SCHED_DAILY;
		return -1;
	}
	memset(&f, 0, sizeof(f));
	f.job = j->id;
	f.account = j->account;
	f.planned = now;
	f.trigger = LOG_TRIGGER_MANUAL;
	f.single = j->single;
	f.instances = j->instances;
	f.payload = payload;
	if ((rc = sched_fire(s, &f, 1, now)) != STORE_OK) {
		out->why = SCHED_STORE;
		out->store_rc = rc;
		return -1;
	}
	switch (f.result) {
	case FIRE_RAN:
		out->log_id = f.log_id;
		return 0;
	case FIRE_DAILY:
		out->why = SCHED_DAILY;
		return -1;
	case FIRE_MOVING:
		out->why = SCHED_MOVING;
		return -1;
	default:
		out->why = SCHED_STORE;
		out->store_rc = STORE_NOTFOUND;
		return -1;
	}
}

/* Job ID will not fire again: past its expiresAt it becomes expired (a
 * past @at or a schedule beyond 2199 stays active, with no next run). */
static void
sched_retire(struct sched *s, uint64_t id, int64_t expires_at, int64_t now)
{
	struct store_txn t;

	sched_drop(s, id);
	if (expires_at && now >= expires_at && store_begin(s->env.store, 1, &t) == STORE_OK) {
		if (job_set_status(&t, id, JOB_EXPIRED, now) == STORE_OK)
			store_commit(&t);
		else
			store_abort(&t);
	}
}

static void
sched_tick(evutil_socket_t fd, short what, void *arg)
{
	struct sched *s = arg;
	double wall = sched_wall(s);
	int64_t sec = (int64_t)floor(wall);
	struct fire *fires = NULL;
	struct {
		uint64_t id;
		int64_t expires_at;
	} *done = NULL;
	size_t n = 0, cap = 0, ndone = 0, i;

	while (s->heap.n && heap_top(s)->due.at <= sec) {
		struct sjob *sj = heap_top(s);

		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			fires = xrealloc(fires, cap * sizeof(*fires));
		}
		fire_set(&fires[n++], sj, sj->due.at, LOG_TRIGGER_SCHEDULE);
		heap_remove(s, sj);
	}
	for (i = 0; i < n; i++) {
		struct sjob *sj = fires[i].sj;

		/* at most one fire per job per tick: a loop that was held up
		 * goes on from now rather than replaying every second */
		sj->due.at = sched_next_of(s, sj, sec);
		if (fires[i].planned < sec - 1)
			log_warnx("sched: job %llu fired %lld seconds late", (unsigned long long)sj->due.id,
			    (long long)(sec - fires[i].planned));
		if (sj->due.at)
			heap_push(s, sj);
		else {
			done = xrealloc(done, (ndone + 1) * sizeof(*done));
			done[ndone].id = sj->due.id;
			done[ndone++].expires_at = sjob_expires_at(sj);
		}
	}
	sched_fire_due(s, fires, n, sec);
	for (i = 0; i < ndone; i++)
		sched_retire(s, done[i].id, done[i].expires_at, sec);
	free(done);
	free(fires);
	sched_arm(s);
}

/* ---- jobs in and out */

/* Under ASan (gcc's __SANITIZE_ADDRESS__) a spare sjob is poisoned, so
 * that a use after its free is still caught as when each was malloc'd. */
#if defined(__SANITIZE_ADDRESS__)
#define SJOB_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define SJOB_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define SJOB_POISON(p, n) ((void)(p), (void)(n))
#define SJOB_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

static struct sjob *
sjob_alloc(struct sched *s)
{
	struct sjob *sj;

	if (s->nspare)
		sj = s->spare[--s->nspare];
	else {
		if (s->blocks == NULL || s->block_used == SJOB_BLOCK) {
			struct sjob_block *b = xmalloc(sizeof(*b));

			b->next = s->blocks;
			s->blocks = b;
			s->block_used = 0;
		}
		sj = &s->blocks->v[s->block_used++];
	}
	SJOB_UNPOISON(sj, sizeof(*sj));
	memset(sj, 0, sizeof(*sj));
	return sj;
}

static void
sjob_free(struct sched *s, struct sjob *sj)
{
	heap_remove(s, sj);
	sched_cron_put(sj->cron);
	free(sj->win);
	if (s->nspare == s->spare_cap) {
		s->spare_cap = s->spare_cap ? s->spare_cap * 2 : 64;
		s->spare = xrealloc(s->spare, s->spare_cap * sizeof(*s->spare));
	}
	s->spare[s->nspare++] = sj;
	SJOB_POISON(sj, sizeof(*sj));
}

/* The zone named by NAME (LEN bytes), NULL when it is unknown. */
static const struct tz *
sched_zone_named(struct sched *s, const char *name, size_t len)
{
	if (len > JOB_TIMEZONE_MAX)
		return NULL;
	if (strlen(s->zone_name) != len || memcmp(s->zone_name, name, len) != 0) {
		memcpy(s->zone_name, name, len);
		s->zone_name[len] = '\0';
		s->zone = tz_get(s->zone_name);
	}
	return s->zone;
}

static void
sched_drop(struct sched *s, uint64_t id)
{
	struct sjob *sj = seqmap_del(s->jobs, id);

	if (sj)
		sjob_free(s, sj);
}

/* A new sjob from the fields of a job, or NULL when it has nothing to
 * schedule (inactive, @manual, unparsable). */
static struct sjob *
sjob_new(struct sched *s, uint64_t id, const struct job_peek *p)
{
	struct shared_cron *sc;
	const struct tz *zone;
	struct sjob *sj;

	if (p->status != JOB_ACTIVE || p->expression_len == 0)
		return NULL;
	if ((sc = sched_cron_get(s, p->expression, p->expression_len)) == NULL)
		return NULL;
	if (sc->manual) {
		sched_cron_put(sc);
		return NULL;
	}
	sj = sjob_alloc(s);
	sj->due.id = id;
	sj->account = p->account;
	sj->cron = sc;
	sj->due.slot = DUE_NONE;
	sj->anchor = p->starts_at ? p->starts_at : p->created_at;
	sj->single = p->single != 0;
	sj->instances = (uint8_t)(p->instances > 0 ? p->instances : 1);
	zone = p->timezone_len ? sched_zone_named(s, p->timezone, p->timezone_len) : NULL;
	if (p->starts_at || p->expires_at || p->nrules > 0 || zone) {
		sj->win = xcalloc(1, sizeof(*sj->win) + (size_t)p->nrules * sizeof(sj->win->rules[0]));
		sj->win->starts_at = p->starts_at;
		sj->win->expires_at = p->expires_at;
		sj->win->zone = zone;
		sj->win->nrules = p->nrules;
		if (p->nrules > 0)
			memcpy(sj->win->rules, p->rules, (size_t)p->nrules * sizeof(sj->win->rules[0]));
	}
	return sj;
}

/* Puts SJ in the heap at its next fire after AFTER (and after PAUSED).
 * KNOWN, when not 0, is that fire after AFTER, found by the catch-up. */
static void
sched_place(struct sched *s, struct sjob *sj, int64_t after, int64_t paused_until, int64_t known)
{
	if (paused_until > after + 1)
		sj->due.at = sched_next_of(s, sj, paused_until - 1);
	else
		sj->due.at = known ? known : sched_next_of(s, sj, after);
	if (sj->due.at)
		heap_push(s, sj);
}

struct sched_ids {
	uint64_t account;
	uint64_t *v;
	size_t n;
};

static void
sched_collect_account(uint64_t id, void *value, void *arg)
{
	struct sched_ids *ids = arg;

	if (((struct sjob *)value)->account != ids->account)
		return;
	ids->v = xrealloc(ids->v, (ids->n + 1) * sizeof(*ids->v));
	ids->v[ids->n++] = id;
}

static int64_t sched_catch_up(struct sched *s, struct sjob *sj, const struct job_peek *p,
    int64_t baseline, int64_t now, struct fire **f, size_t *n, size_t *cap);
static int sched_fire_cmp(const void *a, const void *b);

/* Fires owed by jobs placed anew. */
struct sched_owed {
	struct fire *v;
	size_t n, cap;
};

/* ---- jobs written while the start-up load reads ahead of the loop */

/* Where ID is, or would go, in the sorted s->dirty. */
static size_t
sched_dirty_at(const struct sched *s, uint64_t id)
{
	size_t lo = 0, hi = s->ndirty;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->dirty[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Whether job ID is marked to be read again (sched_load_mark). */
static int
sched_load_marked(const struct sched *s, uint64_t id)
{
	size_t at = sched_dirty_at(s, id);

	return at < s->ndirty && s->dirty[at] == id;
}

/* While the start-up load runs, job ID, beyond what the loop has
 * scheduled, was written or deleted: the load reads it again, as the
 * store has it then, when it gets there (a batch read before may hold it
 * as it was). Returns 1 then, 0 when the job is the caller's. */
static int
sched_load_mark(struct sched *s, uint64_t id)
{
	size_t at;

	if (!s->loading || id <= s->load_after)
		return 0;
	if ((at = sched_dirty_at(s, id)) < s->ndirty && s->dirty[at] == id)
		return 1;
	s->dirty = xrealloc(s->dirty, (s->ndirty + 1) * sizeof(*s->dirty));
	memmove(s->dirty + at + 1, s->dirty + at, (s->ndirty - at) * sizeof(*s->dirty));
	s->dirty[at] = id;
	s->ndirty++;
	return 1;
}

/* The same for every job of ACCOUNT (reloaded or deleted) that batches
 * read before may hold. */
static void
sched_load_mark_account(struct sched *s, uint64_t account)
{
	if (!s->loading)
		return;
	if (s->dirty_accounts == NULL)
		s->dirty_accounts = idmap_new();
	idmap_put(s->dirty_accounts, account, s);
}

/* Schedules J (not in the table) at its next fire after NOW. With OWED,
 * the fires it missed since its last recorded one (by its catch-up
 * policy, as at start-up) are appended to OWED's array. */
static void
sched_add_job(struct sched *s, const struct job *j, int64_t now, struct sched_owed *owed)
{
	struct job_peek p;
	struct sjob *sj;
	int64_t known = 0;

	/* a job the start-up load has not reached yet is read by it, with
	 * its catch-up, as the store has it then */
	if (sched_load_mark(s, j->id))
		return;
	memset(&p, 0, sizeof(p));
	p.account = j->account;
	p.expression = j->expression;
	p.expression_len = strlen(j->expression);
	p.timezone = j->timezone;
	p.timezone_len = strlen(j->timezone);
	p.starts_at = j->starts_at;
	p.expires_at = j->expires_at;
	p.rules = j->rules;
	p.nrules = j->nrules < CRON_RULES_MAX ? (int)j->nrules : CRON_RULES_MAX;
	p.paused_until = j->paused_until;
	p.created_at = j->created_at;
	p.status = j->status;
	p.single = j->single;
	p.instances = j->instances;
	p.catch_up = j->catch_up;
	p.starting_deadline = j->starting_deadline;
	if ((sj = sjob_new(s, j->id, &p)) == NULL)
		return;
	seqmap_put(s->jobs, j->id, sj);
	if (owed) {
		int64_t baseline = j->st.since > j->st.last_fire ? j->st.since : j->st.last_fire;

		if (p.paused_until - 1 > baseline)
			baseline = p.paused_until - 1;
		known = sched_catch_up(s, sj, &p, baseline, now, &owed->v, &owed->n, &owed->cap);
	}
	sched_place(s, sj, now, p.paused_until, known);
}

void
sched_job_changed(struct sched *s, const struct job *j, const struct account *a, int deleted)
{
	sched_drop(s, j->id);
	if (a)
		sched_account_set(sched_account(s, a->id), a);
	else if (!deleted && idmap_get(s->accounts, j->account) == NULL)
		sched_account_load(s, j->account);
	if (!deleted)
		sched_add_job(s, j, sched_now(s), NULL);
	else
		sched_load_mark(s, j->id);
	sched_arm(s);
}

struct sched_reload {
	struct sched *s;
	int64_t now;
	const uint64_t *held; /* the jobs scheduled before, sorted */
	size_t nheld;
	struct sched_owed owed;
};

static int
sched_id_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
sched_reload_job(struct job *j, void *arg)
{
	struct sched_reload *r = arg;
	int held = r->nheld && bsearch(&j->id, r->held, r->nheld, sizeof(*r->held), sched_id_cmp);

	/* a job new to this scheduler (imported, or its account back from a
	 * handoff) owes what it missed since its last fire; one it held goes
	 * on from now, as before */
	sched_add_job(r->s, j, r->now, held ? NULL : &r->owed);
	return 0;
}

void
sched_account_reload(struct sched *s, uint64_t id)
{
	struct sched_reload r = { s, sched_now(s), NULL, 0, { NULL, 0, 0 } };
	struct sched_ids ids = { id, NULL, 0 };
	struct store_txn t;
	struct account a;
	size_t i;
	int rc;

	sched_load_mark_account(s, id);
	seqmap_each(s->jobs, sched_collect_account, &ids);
	for (i = 0; i < ids.n; i++)
		sched_drop(s, ids.v[i]);
	if (ids.n)
		qsort(ids.v, ids.n, sizeof(*ids.v), sched_id_cmp);
	r.held = ids.v;
	r.nheld = ids.n;
	if (store_begin(s->env.store, 0, &t) != STORE_OK) {
		free(ids.v);
		return;
	}
	if ((rc = account_load(&t, id, &a)) == STORE_NOTFOUND) {
		free(idmap_del(s->accounts, id));
	} else if (rc == STORE_OK) {
		sched_account_set(sched_account(s, id), &a);
		account_free(&a);
		/* an account on its way elsewhere has no jobs here: back from
		 * a cancelled handoff, they catch up */
		if (handoff_get(&t, id, NULL) == STORE_OK)
			log_info("sched: account %llu is moving to another server: its jobs stop here",
			    (unsigned long long)id);
		else
			job_each(&t, id, sched_reload_job, &r);
	}
	store_abort(&t);
	free(ids.v);
	if (r.owed.n) {
		qsort(r.owed.v, r.owed.n, sizeof(*r.owed.v), sched_fire_cmp);
		sched_fire_due(s, r.owed.v, r.owed.n, r.now);
	}
	free(r.owed.v);
	sched_arm(s);
}

struct sched_rezone {
	struct sched *s;
	uint64_t account;
	int64_t now;
};

static void
sched_rezone_one(uint64_t id, void *value, void *arg)
{
	struct sched_rezone *r = arg;
	struct sjob *sj = value;

	(void)id;
	if (sj->account != r->account || (sj->win && sj->win->zone))
		return;
	heap_remove(r->s, sj);
	sched_place(r->s, sj, r->now, 0, 0);
}

void
sched_account_changed(struct sched *s, const struct account *a, int deleted)
{
	struct sched_rezone r = { s, a->id, sched_now(s) };
	struct saccount *sa;

	if (deleted) {
		struct sched_ids ids = { a->id, NULL, 0 };
		size_t i;

		sched_load_mark_account(s, a->id);
		seqmap_each(s->jobs, sched_collect_account, &ids);
		for (i = 0; i < ids.n; i++)
			sched_drop(s, ids.v[i]);
		free(ids.v);
		free(idmap_del(s->accounts, a->id));
		sched_arm(s);
		return;
	}
	sa = sched_account(s, a->id);
	if (sa->zone == tz_get(a->timezone)) {
		sched_account_set(sa, a);
		return;
	}
	sched_account_set(sa, a);
	/* jobs that follow the account's zone move with it (paused jobs keep
	 * their pause: the heap entry is already after it) */
	seqmap_each(s->jobs, sched_rezone_one, &r);
	sched_arm(s);
}

/* ---- start-up */

size_t
sched_catch_up_times(const struct cron *c, const struct tz *zone, const struct cron_window *win,
    int catch_up, int64_t starting_deadline, int64_t baseline, int64_t now,
    int64_t out[SCHED_CATCHUP_ALL_MAX], int64_t *after_now, struct cron_memo *memo)
{
	int64_t ring[SCHED_CATCHUP_ALL_MAX], t, next;
	size_t kept, total = 0, i;

	if (after_now)
		*after_now = 0;
	if (catch_up == JOB_CATCHUP_NONE || baseline <= 0 || baseline >= now)
		return 0;
	if (catch_up == JOB_CATCHUP_ONCE) {
		/* only the latest missed fire, and only within the deadline */
		t = baseline > now - starting_deadline - 1 ? baseline : now - starting_deadline - 1;
	} else
		t = baseline > now - SCHED_CATCHUP_HORIZON ? baseline : now - SCHED_CATCHUP_HORIZON;
	while (cron_next_memo(c, zone, win, t, &next, memo) == 0) {
		if (next > now) {
			/* no fire in (t, next), and t <= now */
			if (after_now)
				*after_now = next;
			break;
		}
		ring[total++ % SCHED_CATCHUP_ALL_MAX] = next;
		t = next;
	}
	kept = catch_up == JOB_CATCHUP_ONCE ? (total ? 1 : 0) :
	                                      (total < SCHED_CATCHUP_ALL_MAX ? total : SCHED_CATCHUP_ALL_MAX);
	for (i = 0; i < kept; i++)
		out[i] = ring[(total - kept + i) % SCHED_CATCHUP_ALL_MAX];
	return kept;
}

/* The fires of SJ missed between BASELINE and NOW that its catchUp wants,
 * appended to *F; returns SJ's first fire after NOW when that came to
 * light, else 0. */
static int64_t
sched_catch_up(struct sched *s, struct sjob *sj, const struct job_peek *p, int64_t baseline,
    int64_t now, struct fire **f, size_t *n, size_t *cap)
{
	int64_t missed[SCHED_CATCHUP_ALL_MAX], next;
	struct cron_window w;
	size_t k, i;

	sjob_window(sj, &w);
	k = sched_catch_up_times(sj->cron->c, sched_zone(s, sj), &w, p->catch_up,
	    p->starting_deadline, baseline, now, missed, &next, &sj->cron->memo);
	for (i = 0; i < k; i++) {
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 256;
			*f = xrealloc(*f, *cap * sizeof(**f));
		}
		fire_set(&(*f)[(*n)++], sj, missed[i], LOG_TRIGGER_CATCHUP);
	}
	return next;
}

static int
sched_fire_cmp(const void *a, const void *b)
{
	const struct fire *x = a, *y = b;

	if (x->planned != y->planned)
		return x->planned < y->planned ? -1 : 1;
	return x->job < y->job ? -1 : x->job > y->job;
}

/* ---- the start-up load: loader.c reads the jobs in batches, this
 * schedules them */

/* Schedules job ID as the load read it (P, ST), with the fires it missed
 * up to s->load_now appended to OWED; one whose window has ended goes to
 * EXPIRED. */
static void
sched_load_job(struct sched *s, uint64_t id, const struct job_peek *p, const struct job_fires *st,
    struct sched_owed *owed, struct sched_ids *expired)
{
	int64_t now = s->load_now, baseline, known;
	struct sjob *sj;

	if ((sj = sjob_new(s, id, p)) == NULL)
		return;
	if (seqmap_add(s->jobs, id, sj) != NULL) {
		sjob_free(s, sj); /* scheduled already */
		return;
	}
	/* no fire is owed from before the job's schedule began, its last
	 * recorded fire, or its pause */
	baseline = st->since > st->last_fire ? st->since : st->last_fire;
	if (p->paused_until - 1 > baseline)
		baseline = p->paused_until - 1;
	known = sched_catch_up(s, sj, p, baseline, now, &owed->v, &owed->n, &owed->cap);
	/* placed as at the start of the load: a fire that came while
	 * earlier batches were read is in the past, and the timer runs it
	 * (once) at its next tick */
	sched_place(s, sj, now, p->paused_until, known);
	if (sj->due.at == 0 && p->expires_at && now >= p->expires_at) {
		expired->v = xrealloc(expired->v, (expired->n + 1) * sizeof(*expired->v));
		expired->v[expired->n++] = id;
	}
}

/* Job ID as the store has it now (in T): it was written while the loader
 * read ahead of the loop. */
static void
sched_load_again(struct sched *s, struct store_txn *t, uint64_t id, struct sched_owed *owed,
    struct sched_ids *expired)
{
	struct cron_bounds rules[CRON_RULES_MAX];
	struct job_fires st = { 0, 0 };
	struct job_state js;
	struct job_peek p;
	uint8_t key[8];
	MDB_val v;

	sched_drop(s, id);
	record_key_u64(key, id);
	if (store_get(t, DB_JOBS, key, sizeof(key), &v) != STORE_OK ||
	    job_peek(v.mv_data, v.mv_size, &p, rules) == -1)
		return; /* deleted meanwhile */
	if (handoff_get(t, p.account, NULL) == STORE_OK)
		return;
	if (job_load_state(t, id, &js) == STORE_OK) {
		st.last_fire = js.last_fire;
		st.since = js.since;
	}
	t->err = 0;
	sched_load_job(s, id, &p, &st, owed, expired);
}

/* Schedules the jobs of batch B, then the jobs marked up to its end (all
 * of them after the last batch), and submits the fires they missed. */
static void
sched_load_batch(struct sched *s, struct load_batch *b)
{
	struct sched_owed owed = { NULL, 0, 0 };
	struct sched_ids expired = { 0, NULL, 0 };
	uint64_t upto = b->more == 1 ? b->last : UINT64_MAX;
	struct job_state_walk states;
	struct store_txn t;
	size_t i, n;

	if (store_begin(s->env.store, 0, &t) != STORE_OK) {
		log_warnx("sched: the jobs up to %llu cannot be read from the store; "
		          "they are not scheduled",
		    (unsigned long long)b->last);
		b->n = 0;
	}
	/* each job's last fire and the start of its schedule, by a walk of
	 * the states alongside the batch */
	job_state_walk_open(&t, &states, b->n ? b->v[0].id : 0);
	for (i = 0; i < b->n; i++) {
		struct load_item *it = &b->v[i];
		struct job_fires st;

		if (s->ndirty && sched_load_marked(s, it->id))
			continue; /* read again below */
		if (s->dirty_accounts && idmap_get(s->dirty_accounts, it->p.account)) {
			sched_load_again(s, &t, it->id, &owed, &expired);
			continue;
		}
		if (job_state_walk_fires(&t, &states, it->id, &st) != STORE_OK) {
			t.err = 0;
			st.last_fire = st.since = 0;
		}
		sched_load_job(s, it->id, load_peek(b, it), &st, &owed, &expired);
	}
	job_state_walk_close(&states);
	if (b->last > s->load_after)
		s->load_after = b->last;
	s->load_seen += b->seen;
	for (n = 0; n < s->ndirty && s->dirty[n] <= upto; n++)
		sched_load_again(s, &t, s->dirty[n], &owed, &expired);
	if (n) {
		memmove(s->dirty, s->dirty + n, (s->ndirty - n) * sizeof(*s->dirty));
		s->ndirty -= n;
	}
	/* written now that the read transaction is over: LMDB allows one
	 * transaction per thread */
	store_abort(&t);
	for (i = 0; i < expired.n; i++) {
		struct sjob *sj = seqmap_get(s->jobs, expired.v[i]);

		if (sj)
			sched_retire(s, expired.v[i], sjob_expires_at(sj), s->load_now);
	}
	free(expired.v);
	if (owed.n)
		qsort(owed.v, owed.n, sizeof(*owed.v), sched_fire_cmp);
	s->load_fires += owed.n;
	sched_fire_due(s, owed.v, owed.n, s->load_now);
	free(owed.v);
}

/* The jobs a batch of the start-up load reads at most. */
static size_t
sched_slice(const struct sched *s)
{
	return s->env.load_slice ? s->env.load_slice : SCHED_LOAD_SLICE;
}

static void
sched_load_done(struct sched *s)
{
	s->loading = 0;
	free(s->dirty);
	s->dirty = NULL;
	s->ndirty = 0;
	idmap_free(s->dirty_accounts);
	s->dirty_accounts = NULL;
	log_info("sched: %zu jobs scheduled in %.3f s, %zu missed fires to catch up",
	    s->heap.n, sched_monotonic() - s->load_t0, s->load_fires);
}

static void
sched_load_failed(struct sched *s)
{
	log_warnx("sched: the jobs after %llu cannot be read from the store; "
	          "they are not scheduled",
	    (unsigned long long)s->load_after);
}

/* On the loop: a batch the loader has read, one per loop turn. The next
 * is taken at the turn after, once the requests that came meanwhile are
 * served: the loader reads as fast as the loop schedules, so taking all
 * that are there would take them all, and answer nothing until the end. */
static void
sched_load_ready(void *arg)
{
	const struct timeval soon = { 0, 0 };
	struct sched *s = arg;
	struct load_batch *b;
	int more;

	if (s->loader == NULL || (b = loader_take(s->loader)) == NULL)
		return; /* the next comes with the loader's wake */
	sched_load_batch(s, b);
	if ((more = b->more) == -1)
		sched_load_failed(s);
	loader_give(s->loader, b);
	if (more == 1)
		event_add(s->load, &soon);
	else {
		/* done: the thread may still be giving back the pages it read */
		sched_load_done(s);
		loader_free(s->loader);
		s->loader = NULL;
	}
	sched_arm(s);
}

static void
sched_load_next(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sched_load_ready(arg);
}

/* Reads and schedules batches on this thread while they come back full;
 * returns what the last one said (load_batch's more). */
static int
sched_load_here(struct sched *s, size_t batches)
{
	struct load_batch b;
	int more = 1;

	memset(&b, 0, sizeof(b));
	while (more == 1 && batches-- > 0) {
		load_read(s->env.store, 0, s->load_after, sched_slice(s), &b);
		/* the pages read stay in the page cache, not in the daemon's
		 * memory */
		store_release_pages(b.lo, b.hi);
		sched_load_batch(s, &b);
		more = b.more;
	}
	load_batch_free(&b);
	return more;
}

/* The accounts, all at once: they are few, and every job needs its own. */
static int
sched_load_accounts(struct sched *s, int64_t now)
{
	struct store_txn t;
	struct store_iter it;
	int rc;

	s->load_now = now;
	s->load_after = 0;
	s->load_fires = 0;
	s->load_seen = 0;
	s->load_total = 0;
	s->load_t0 = sched_monotonic();
	if ((rc = store_begin(s->env.store, 0, &t)) != STORE_OK)
		return -1;
	store_iter_open(&t, DB_ACCOUNTS, NULL, 0, &it);
	while (store_iter_next(&t, &it) == 1) {
		struct account a;

		if (it.key.mv_size == 8 && account_load(&t, record_get_u64(it.key.mv_data), &a) == STORE_OK) {
			sched_account_set(sched_account(s, a.id), &a);
			account_free(&a);
		}
	}
	store_iter_close(&it);
	s->load_total = store_count(&t, DB_JOBS);
	rc = t.err;
	store_abort(&t);
	return rc ? -1 : 0;
}

int
sched_load(struct sched *s, int64_t now)
{
	if (sched_load_accounts(s, now) == -1)
		return -1;
	s->loading = 1;
	seqmap_reserve(s->jobs, s->load_total);
	if (sched_load_here(s, SIZE_MAX) == -1) {
		sched_load_done(s);
		return -1;
	}
	sched_load_done(s);
	sched_arm(s);
	return 0;
}

int
sched_load_start(struct sched *s, int64_t now)
{
	int more;

	if (sched_load_accounts(s, now) == -1)
		return -1;
	s->loading = 1;
	seqmap_reserve(s->jobs, s->load_total); /* allocated, touched as it fills */
	/* a store of one batch is loaded before the daemon listens; a
	 * larger one is read on the loader's thread, and this one schedules
	 * what it reads */
	if (s->load_total > sched_slice(s)) {
		s->load = evtimer_new(s->env.base, sched_load_next, s);
		s->loader = loader_start(s->env.store, s->env.base, 0, sched_slice(s), sched_load_ready, s);
	}
	more = s->loader ? 1 : sched_load_here(s, SIZE_MAX);
	if (more != 1) {
		if (more == -1)
			sched_load_failed(s);
		sched_load_done(s);
	}
	sched_arm(s);
	return 0;
}

int
sched_loading(const struct sched *s)
{
	return s->loading;
}

int
sched_load_progress(const struct sched *s, uint64_t *loaded, uint64_t *total)
{
	*loaded = s->load_seen;
	*total = s->load_total > s->load_seen ? s->load_total : s->load_seen;
	return s->loading;
}

/* ---- life */

struct sched *
sched_new(const struct sched_env *env)
{
	struct sched *s = xcalloc(1, sizeof(*s));

	s->env = *env;
	if (s->env.wall == NULL)
		s->env.wall = sched_system_wall;
	s->jobs = seqmap_new();
	s->accounts = idmap_new();
	s->timer = evtimer_new(s->env.base, sched_tick, s);
	return s;
}

static void
sched_free_job(uint64_t id, void *value, void *arg)
{
	struct sjob *sj = value;

	(void)id;
	(void)arg;
	free(sj->win);
}

static void
sched_free_account(uint64_t id, void *value, void *arg)
{
	(void)id;
	(void)arg;
	free(value);
}

void
sched_free(struct sched *s)
{
	size_t i;

	if (s == NULL)
		return;
	if (s->timer)
		event_free(s->timer);
	loader_free(s->loader);
	if (s->load)
		event_free(s->load);
	free(s->dirty);
	idmap_free(s->dirty_accounts);
	/* the heap marks its jobs as out of it: before they are freed */
	dueheap_free(&s->heap);
	seqmap_each(s->jobs, sched_free_job, NULL);
	while (s->blocks) {
		struct sjob_block *b = s->blocks;

		s->blocks = b->next;
		SJOB_UNPOISON(b->v, sizeof(b->v));
		free(b);
	}
	free(s->spare);
	idmap_each(s->accounts, sched_free_account, NULL);
	seqmap_free(s->jobs);
	idmap_free(s->accounts);
	for (i = 0; i < s->crons_cap; i++)
		if (s->crons[i]) {
			cron_free(s->crons[i]->c);
			free(s->crons[i]->text);
			free(s->crons[i]);
		}
	free(s->crons);
	free(s);
}

void
sched_stop(struct sched *s)
{
	s->stopped = 1;
	evtimer_del(s->timer);
	/* the jobs not read yet stay unscheduled: the daemon is going */
	loader_free(s->loader);
	s->loader = NULL;
	if (s->load)
		evtimer_del(s->load);
}

size_t
sched_count(const struct sched *s)
{
	return s->heap.n;
}

int64_t
sched_next(const struct sched *s, uint64_t id)
{
	const struct sjob *sj = seqmap_get(s->jobs, id);

	return sj && sj->due.slot != DUE_NONE ? sj->due.at : 0;
}
