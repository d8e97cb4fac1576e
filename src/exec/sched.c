/*
 * sched: the due-time heap, its timer, fire records and catch-up.
 *
 * Memory per scheduled job is one struct sjob (about 100 bytes), a heap
 * slot and a map slot; compiled schedules are shared between jobs with
 * the same expression.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "store/account.h"
#include "util/buf.h"
#include "engine/cron.h"
#include "store/execlog.h"
#include "util/idmap.h"
#include "store/job.h"
#include "util/log.h"
#include "store/record.h"
#include "exec/run.h"
#include "exec/sched.h"
#include "daemon/server.h"
#include "store/store.h"
#include "engine/tz.h"

#define SCHED_ARM_MAX		60	/* seconds: re-read the wall clock at least this often */
#define SCHED_CATCHUP_ALL_MAX	100	/* missed fires run by catchUp "all" */
#define SCHED_CATCHUP_HORIZON	(7 * 86400)	/* "all" looks back at most this far */

/* A compiled schedule shared by every job with the same normalized text. */
struct shared_cron {
	struct cron *c;
	char *text;
	unsigned refs;
	int manual;
};

struct sjob {
	uint64_t id;
	uint64_t account;
	struct shared_cron *cron;
	const struct tz *zone;		/* NULL: the account's */
	struct cron_window win;
	int64_t next;			/* 0 = none */
	uint32_t heap_i;		/* SJOB_NO_HEAP when out of the heap */
	uint8_t single;
	uint8_t instances;
};
#define SJOB_NO_HEAP UINT32_MAX

struct saccount {
	const struct tz *zone;
	int suspended;			/* its jobs do not fire */
	int daily_limit;		/* 0 = none */
	int64_t day;			/* the day of EXECUTIONS, in the account's zone */
	uint64_t executions;
	int dirty;			/* the count changed since it was written */
};

struct fire {
	struct sjob *sj;
	int64_t planned;
	int trigger;
};

struct sched {
	struct server *srv;
	struct idmap *jobs;		/* id -> struct sjob */
	struct idmap *accounts;		/* id -> struct saccount */
	struct shared_cron **crons;	/* open addressing by text */
	size_t ncrons, crons_cap;
	struct sjob **heap;
	size_t nheap, heap_cap;
	struct event *timer;
	int stopped;
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
		j = sched_hash(old[i]->text, strlen(old[i]->text)) & (s->crons_cap - 1);
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

	if ((s->ncrons + 1) * 2 > s->crons_cap)
		sched_crons_grow(s);
	j = sched_hash(text, len) & (s->crons_cap - 1);
	while ((sc = s->crons[j]) != NULL) {
		if (strlen(sc->text) == len && memcmp(sc->text, text, len) == 0) {
			sc->refs++;
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

static int
sjob_before(const struct sjob *a, const struct sjob *b)
{
	return a->next < b->next || (a->next == b->next && a->id < b->id);
}

static void
heap_set(struct sched *s, size_t i, struct sjob *sj)
{
	s->heap[i] = sj;
	sj->heap_i = (uint32_t)i;
}

static void
heap_up(struct sched *s, size_t i)
{
	struct sjob *sj = s->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!sjob_before(sj, s->heap[parent]))
			break;
		heap_set(s, i, s->heap[parent]);
		i = parent;
	}
	heap_set(s, i, sj);
}

static void
heap_down(struct sched *s, size_t i)
{
	struct sjob *sj = s->heap[i];

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct sjob *best = sj;

		if (l < s->nheap && sjob_before(s->heap[l], best)) {
			m = l;
			best = s->heap[l];
		}
		if (r < s->nheap && sjob_before(s->heap[r], best))
			m = r;
		if (m == i)
			break;
		heap_set(s, i, s->heap[m]);
		i = m;
	}
	heap_set(s, i, sj);
}

static void
heap_push(struct sched *s, struct sjob *sj)
{
	if (s->nheap == s->heap_cap) {
		s->heap_cap = s->heap_cap ? s->heap_cap * 2 : 1024;
		s->heap = xrealloc(s->heap, s->heap_cap * sizeof(*s->heap));
	}
	heap_set(s, s->nheap++, sj);
	heap_up(s, s->nheap - 1);
}

static void
heap_remove(struct sched *s, struct sjob *sj)
{
	size_t i = sj->heap_i;

	if (i == SJOB_NO_HEAP)
		return;
	sj->heap_i = SJOB_NO_HEAP;
	if (--s->nheap == i)
		return;
	heap_set(s, i, s->heap[s->nheap]);
	if (i > 0 && sjob_before(s->heap[i], s->heap[(i - 1) / 2]))
		heap_up(s, i);
	else
		heap_down(s, i);
}

/* ---- time */

static double
sched_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const struct tz *
sched_zone(struct sched *s, const struct sjob *sj)
{
	struct saccount *a;

	if (sj->zone)
		return sj->zone;
	a = idmap_get(s->accounts, sj->account);
	return a && a->zone ? a->zone : tz_utc();
}

/* The first fire of SJ strictly after AFTER, or 0. */
static int64_t
sched_next_of(struct sched *s, const struct sjob *sj, int64_t after)
{
	int64_t next;

	if (cron_next(sj->cron->c, sched_zone(s, sj), &sj->win, after, &next) != 0)
		return 0;
	return next;
}

static void
sched_arm(struct sched *s)
{
	struct timeval tv;
	double delay;

	if (s->stopped || s->nheap == 0) {
		evtimer_del(s->timer);
		return;
	}
	delay = (double)s->heap[0]->next - sched_wall();
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

	if (store_begin(s->srv->store, 0, &t) != STORE_OK)
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

int
sched_record_run(struct store_txn *t, uint64_t id, uint64_t *log_id, uint64_t *no)
{
	struct job_state st;

	if (job_load_state(t, id, &st) != STORE_OK) {
		if (t->err == 0)
			t->err = STORE_FAILED;
		return -1;
	}
	st.runs++;
	*no = st.runs;
	*log_id = store_next_id(t, "log");
	job_put_state(t, id, &st);
	return t->err ? -1 : 0;
}

/* Records N fires in one synced transaction, then submits them. A fire
 * that cannot be recorded does not run: a restart must never run it
 * again, and nothing says it ran. */
static void
sched_fire(struct sched *s, struct fire *f, size_t n, int64_t now)
{
	struct store_txn t;
	uint64_t *log_ids, *nos, *accounts, *gone = NULL, first;
	size_t i, naccounts = 0, ngone = 0;
	char *runs;
	int rc;

	if (n == 0)
		return;
	log_ids = xcalloc(n, sizeof(*log_ids));
	nos = xcalloc(n, sizeof(*nos));
	accounts = xcalloc(n, sizeof(*accounts));
	runs = xcalloc(n, 1);
	if ((rc = store_begin(s->srv->store, 1, &t)) != STORE_OK)
		goto fail;
	first = store_reserve_ids(&t, "log", n);
	for (i = 0; i < n && t.err == 0; i++) {
		struct saccount *sa = idmap_get(s->accounts, f[i].sj->account);
		struct job_state st;

		if (sa && sa->suspended)
			continue;
		if (job_load_state(&t, f[i].sj->id, &st) != STORE_OK) {
			/* deleted behind the daemon's back (webcronctl) */
			gone = xrealloc(gone, (ngone + 1) * sizeof(*gone));
			gone[ngone++] = f[i].sj->id;
			continue;
		}
		/* the account's daily limit: past it, the job waits for the
		 * next day and nothing is logged (its status reads 3) */
		if (!sched_daily_take(s, f[i].sj->account, now))
			continue;
		st.last_fire = f[i].planned > st.last_fire ? f[i].planned : st.last_fire;
		st.runs++;
		nos[i] = st.runs;
		log_ids[i] = first + i;
		job_put_state(&t, f[i].sj->id, &st);
		runs[i] = 1;
		if (naccounts == 0 || accounts[naccounts - 1] != f[i].sj->account)
			accounts[naccounts++] = f[i].sj->account;
	}
	sched_write_counts(s, &t, accounts, naccounts);
	if ((rc = store_commit(&t)) != STORE_OK)
		goto fail;
	for (i = 0; i < n; i++) {
		struct run_order o;

		if (!runs[i])
			continue;
		memset(&o, 0, sizeof(o));
		o.job = f[i].sj->id;
		o.account = f[i].sj->account;
		o.log_id = log_ids[i];
		o.no = nos[i];
		o.planned = f[i].planned;
		o.trigger = f[i].trigger;
		o.attempt = 1;
		o.single = f[i].sj->single;
		o.instances = f[i].sj->instances;
		runs_submit(s->srv->runs, &o);
	}
	goto done;
fail:
	log_warnx("sched: %zu fire%s at %lld could not be recorded and will not run (%s)", n,
	    n == 1 ? "" : "s", (long long)f[0].planned,
	    rc == STORE_FULL ? "storage full" : "storage error");
done:
	free(log_ids);
	free(nos);
	free(accounts);
	free(runs);
	for (i = 0; i < ngone; i++)
		sched_drop(s, gone[i]);
	free(gone);
}

/* Job ID will not fire again: past its expiresAt it becomes expired (a
 * past @at or a schedule beyond 2199 stays active, with no next run). */
static void
sched_retire(struct sched *s, uint64_t id, int64_t expires_at, int64_t now)
{
	struct store_txn t;

	sched_drop(s, id);
	if (expires_at && now >= expires_at && store_begin(s->srv->store, 1, &t) == STORE_OK) {
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
	double wall = sched_wall();
	int64_t sec = (int64_t)floor(wall);
	struct fire *fires = NULL;
	struct { uint64_t id; int64_t expires_at; } *done = NULL;
	size_t n = 0, cap = 0, ndone = 0, i;

	while (s->nheap && s->heap[0]->next <= sec) {
		struct sjob *sj = s->heap[0];

		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			fires = xrealloc(fires, cap * sizeof(*fires));
		}
		fires[n].sj = sj;
		fires[n].planned = sj->next;
		fires[n].trigger = LOG_TRIGGER_SCHEDULE;
		n++;
		heap_remove(s, sj);
	}
	for (i = 0; i < n; i++) {
		struct sjob *sj = fires[i].sj;

		/* at most one fire per job per tick: a loop that was held up
		 * goes on from now rather than replaying every second */
		sj->next = sched_next_of(s, sj, sec);
		if (fires[i].planned < sec - 1)
			log_warnx("sched: job %llu fired %lld seconds late", (unsigned long long)sj->id,
			    (long long)(sec - fires[i].planned));
		if (sj->next)
			heap_push(s, sj);
		else {
			done = xrealloc(done, (ndone + 1) * sizeof(*done));
			done[ndone].id = sj->id;
			done[ndone++].expires_at = sj->win.expires_at;
		}
	}
	sched_fire(s, fires, n, sec);
	for (i = 0; i < ndone; i++)
		sched_retire(s, done[i].id, done[i].expires_at, sec);
	free(done);
	free(fires);
	sched_arm(s);
}

/* ---- jobs in and out */

static void
sjob_free(struct sched *s, struct sjob *sj)
{
	heap_remove(s, sj);
	sched_cron_put(sj->cron);
	free(sj);
}

static void
sched_drop(struct sched *s, uint64_t id)
{
	struct sjob *sj = idmap_del(s->jobs, id);

	if (sj)
		sjob_free(s, sj);
}

/* A new sjob from the fields of a job, or NULL when it has nothing to
 * schedule (inactive, @manual, unparsable). */
static struct sjob *
sjob_new(struct sched *s, uint64_t id, const struct job_peek *p)
{
	struct shared_cron *sc;
	struct sjob *sj;

	if (p->status != JOB_ACTIVE || p->expression_len == 0)
		return NULL;
	if ((sc = sched_cron_get(s, p->expression, p->expression_len)) == NULL)
		return NULL;
	if (sc->manual) {
		sched_cron_put(sc);
		return NULL;
	}
	sj = xcalloc(1, sizeof(*sj));
	sj->id = id;
	sj->account = p->account;
	sj->cron = sc;
	sj->heap_i = SJOB_NO_HEAP;
	sj->win.starts_at = p->starts_at;
	sj->win.expires_at = p->expires_at;
	sj->win.anchor = p->starts_at ? p->starts_at : p->created_at;
	sj->single = p->single != 0;
	sj->instances = (uint8_t)(p->instances > 0 ? p->instances : 1);
	if (p->timezone_len) {
		char name[128];

		snprintf(name, sizeof(name), "%.*s", (int)p->timezone_len, p->timezone);
		sj->zone = tz_get(name);
	}
	return sj;
}

/* Puts SJ in the heap at its next fire after AFTER (and after PAUSED). */
static void
sched_place(struct sched *s, struct sjob *sj, int64_t after, int64_t paused_until)
{
	if (paused_until > after + 1)
		after = paused_until - 1;
	sj->next = sched_next_of(s, sj, after);
	if (sj->next)
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

/* Schedules J (not in the table) at its next fire after NOW. */
static void
sched_add_job(struct sched *s, const struct job *j, int64_t now)
{
	struct job_peek p;
	struct sjob *sj;

	memset(&p, 0, sizeof(p));
	p.account = j->account;
	p.expression = j->expression;
	p.expression_len = strlen(j->expression);
	p.timezone = j->timezone;
	p.timezone_len = strlen(j->timezone);
	p.starts_at = j->starts_at;
	p.expires_at = j->expires_at;
	p.paused_until = j->paused_until;
	p.created_at = j->created_at;
	p.status = j->status;
	p.single = j->single;
	p.instances = j->instances;
	if ((sj = sjob_new(s, j->id, &p)) != NULL) {
		idmap_put(s->jobs, j->id, sj);
		sched_place(s, sj, now, p.paused_until);
	}
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
		sched_add_job(s, j, (int64_t)time(NULL));
	sched_arm(s);
}

struct sched_reload {
	struct sched *s;
	int64_t now;
};

static int
sched_reload_job(struct job *j, void *arg)
{
	struct sched_reload *r = arg;

	sched_add_job(r->s, j, r->now);
	return 0;
}

void
sched_account_reload(struct sched *s, uint64_t id)
{
	struct sched_reload r = { s, (int64_t)time(NULL) };
	struct sched_ids ids = { id, NULL, 0 };
	struct store_txn t;
	struct account a;
	size_t i;
	int rc;

	idmap_each(s->jobs, sched_collect_account, &ids);
	for (i = 0; i < ids.n; i++)
		sched_drop(s, ids.v[i]);
	free(ids.v);
	if (store_begin(s->srv->store, 0, &t) != STORE_OK)
		return;
	if ((rc = account_load(&t, id, &a)) == STORE_NOTFOUND) {
		free(idmap_del(s->accounts, id));
	} else if (rc == STORE_OK) {
		sched_account_set(sched_account(s, id), &a);
		account_free(&a);
		job_each(&t, id, sched_reload_job, &r);
	}
	store_abort(&t);
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
	if (sj->account != r->account || sj->zone)
		return;
	heap_remove(r->s, sj);
	sched_place(r->s, sj, r->now, 0);
}

void
sched_account_changed(struct sched *s, const struct account *a, int deleted)
{
	struct sched_rezone r = { s, a->id, (int64_t)time(NULL) };
	struct saccount *sa;

	if (deleted) {
		struct sched_ids ids = { a->id, NULL, 0 };
		size_t i;

		idmap_each(s->jobs, sched_collect_account, &ids);
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
	idmap_each(s->jobs, sched_rezone_one, &r);
	sched_arm(s);
}

/* ---- start-up */

/* The fires of SJ missed between BASELINE and NOW that its catchUp wants,
 * appended to *F. */
static void
sched_catch_up(struct sched *s, struct sjob *sj, const struct job_peek *p, int64_t baseline,
    int64_t now, struct fire **f, size_t *n, size_t *cap)
{
	int64_t ring[SCHED_CATCHUP_ALL_MAX], t, next;
	size_t kept = 0, total = 0, i;

	if (p->catch_up == JOB_CATCHUP_NONE || baseline <= 0 || baseline >= now)
		return;
	if (p->catch_up == JOB_CATCHUP_ONCE) {
		/* only the latest missed fire, and only within the deadline */
		t = baseline > now - p->starting_deadline - 1 ? baseline : now - p->starting_deadline - 1;
	} else
		t = baseline > now - SCHED_CATCHUP_HORIZON ? baseline : now - SCHED_CATCHUP_HORIZON;
	while (cron_next(sj->cron->c, sched_zone(s, sj), &sj->win, t, &next) == 0 && next <= now) {
		ring[total++ % SCHED_CATCHUP_ALL_MAX] = next;
		t = next;
	}
	if (total == 0)
		return;
	kept = p->catch_up == JOB_CATCHUP_ONCE ? 1 : (total < SCHED_CATCHUP_ALL_MAX ? total : SCHED_CATCHUP_ALL_MAX);
	for (i = total - kept; i < total; i++) {
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 256;
			*f = xrealloc(*f, *cap * sizeof(**f));
		}
		(*f)[*n].sj = sj;
		(*f)[*n].planned = ring[i % SCHED_CATCHUP_ALL_MAX];
		(*f)[*n].trigger = LOG_TRIGGER_CATCHUP;
		(*n)++;
	}
}

static int
sched_fire_cmp(const void *a, const void *b)
{
	const struct fire *x = a, *y = b;

	if (x->planned != y->planned)
		return x->planned < y->planned ? -1 : 1;
	return x->sj->id < y->sj->id ? -1 : x->sj->id > y->sj->id;
}

int
sched_load(struct sched *s, int64_t now)
{
	struct store_txn t;
	struct store_iter it;
	struct fire *fires = NULL;
	uint64_t *expired = NULL;
	const char *lo = NULL, *hi = NULL;
	size_t nfires = 0, cap = 0, nexpired = 0, i;
	double t0 = server_monotonic();
	int rc;

	if ((rc = store_begin(s->srv->store, 0, &t)) != STORE_OK)
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
	store_iter_open(&t, DB_JOBS, NULL, 0, &it);
	while (store_iter_next(&t, &it) == 1) {
		struct job_state st;
		struct job_peek p;
		struct sjob *sj;
		uint64_t id;
		int64_t baseline;

		if (lo == NULL || (const char *)it.val.mv_data < lo)
			lo = it.val.mv_data;
		if ((const char *)it.val.mv_data + it.val.mv_size > hi)
			hi = (const char *)it.val.mv_data + it.val.mv_size;
		if (it.key.mv_size != 8 || job_peek(it.val.mv_data, it.val.mv_size, &p) == -1) {
			log_warnx("sched: a job record cannot be read; it is not scheduled");
			continue;
		}
		id = record_get_u64(it.key.mv_data);
		if ((sj = sjob_new(s, id, &p)) == NULL)
			continue;
		idmap_put(s->jobs, id, sj);
		if (job_load_state(&t, id, &st) != STORE_OK) {
			t.err = 0;
			memset(&st, 0, sizeof(st));
		}
		/* no fire is owed from before the job's schedule began, its last
		 * recorded fire, or its pause */
		baseline = st.since > st.last_fire ? st.since : st.last_fire;
		if (p.paused_until - 1 > baseline)
			baseline = p.paused_until - 1;
		sched_catch_up(s, sj, &p, baseline, now, &fires, &nfires, &cap);
		sched_place(s, sj, now, p.paused_until);
		if (sj->next == 0 && p.expires_at && now >= p.expires_at) {
			expired = xrealloc(expired, (nexpired + 1) * sizeof(*expired));
			expired[nexpired++] = id;
		}
	}
	store_iter_close(&it);
	rc = t.err;
	store_abort(&t);
	if (rc) {
		free(expired);
		free(fires);
		return -1;
	}
	/* written now that the read transaction is over: LMDB allows one
	 * transaction per thread */
	for (i = 0; i < nexpired; i++) {
		struct sjob *sj = idmap_get(s->jobs, expired[i]);

		if (sj)
			sched_retire(s, expired[i], sj->win.expires_at, now);
	}
	free(expired);
	log_info("sched: %zu jobs scheduled in %.2f s, %zu missed fires to catch up",
	    s->nheap, server_monotonic() - t0, nfires);
	store_release_pages(lo, hi);
	if (nfires)
		qsort(fires, nfires, sizeof(*fires), sched_fire_cmp);
	sched_fire(s, fires, nfires, now);
	free(fires);
	sched_arm(s);
	return 0;
}

/* ---- life */

struct sched *
sched_new(struct server *srv)
{
	struct sched *s = xcalloc(1, sizeof(*s));

	s->srv = srv;
	s->jobs = idmap_new();
	s->accounts = idmap_new();
	s->timer = evtimer_new(srv->base, sched_tick, s);
	return s;
}

static void
sched_free_job(uint64_t id, void *value, void *arg)
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
	idmap_each(s->jobs, sched_free_job, NULL);
	idmap_each(s->accounts, sched_free_job, NULL);
	idmap_free(s->jobs);
	idmap_free(s->accounts);
	for (i = 0; i < s->crons_cap; i++)
		if (s->crons[i]) {
			cron_free(s->crons[i]->c);
			free(s->crons[i]->text);
			free(s->crons[i]);
		}
	free(s->crons);
	free(s->heap);
	free(s);
}

void
sched_stop(struct sched *s)
{
	s->stopped = 1;
	evtimer_del(s->timer);
}

size_t
sched_count(const struct sched *s)
{
	return s->nheap;
}

int64_t
sched_next(const struct sched *s, uint64_t id)
{
	const struct sjob *sj = idmap_get(s->jobs, id);

	return sj && sj->heap_i != SJOB_NO_HEAP ? sj->next : 0;
}
