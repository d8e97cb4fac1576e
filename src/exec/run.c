/*
 * run: executions, from the queue to the written log.
 *
 *   submitted -> (skipped: logged at once)
 *             -> queued (by fire time) -> blocked on the account's limit
 *             -> running: URL request, then tasks with their offsets
 *             -> done -> written in the next batch -> notices, retries
 *
 * Everything happens on the loop: requests through httpc, programs
 * through taskclass, offsets and retries as timers.
 */

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/event.h>

#include "store/account.h"
#include "util/buf.h"
#include "conf/config.h"
#include "store/execlog.h"
#include "exec/httpc.h"
#include "util/idmap.h"
#include "store/job.h"
#include "util/log.h"
#include "exec/dueheap.h"
#include "exec/notify.h"
#include "exec/outcome.h"
#include "exec/outbound.h"
#include "store/record.h"
#include "exec/run.h"
#include "store/store.h"
#include "exec/taskclass.h"

#define RUN_FLUSH_MS 10 /* finished runs wait this long to share a commit */

/* NEW and DONE runs are not counted anywhere; the others count in their
 * job's `active`, RUNNING ones also in the server's and account's. */
enum run_state { RUN_NEW,
	RUN_DEFERRED,
	RUN_QUEUED,
	RUN_BLOCKED,
	RUN_RUNNING,
	RUN_DONE };

struct run {
	struct runs *rs;
	struct run_order o;
	char *payload;
	enum run_state state;
	struct job job;
	int have_job;
	char *secret;
	const struct tz *zone; /* the job's: __date__, __time__ */
	uint64_t retention;
	struct execlog log;
	int step; /* -1: the URL request; then the task index */
	struct outbound req;
	struct httpc_xfer *xfer;
	struct taskclass_run *task;
	struct event *timer; /* a task's offset */
	struct due due;      /* in the queue: by fire time, then log id */
	TAILQ_ENTRY(run)
	link; /* blocked, deferred or done list */
	TAILQ_ENTRY(run)
	running_link; /* the running list */
};
TAILQ_HEAD(run_list, run);

/* Per account: runs in flight and those waiting for one to end. */
struct run_account {
	unsigned running;
	struct run_list blocked;
};

/* Per job with runs: how many, and catch-up runs waiting for their turn. */
struct run_job {
	unsigned active;
	struct run_list deferred;
};

/* A retry waiting for its delay. */
struct run_retry {
	struct runs *rs;
	struct run_order o;
	struct event *timer;
	TAILQ_ENTRY(run_retry)
	link;
};

struct runs {
	struct runs_env env;
	struct runs_counters counters;
	struct dueheap queue;   /* of struct run, by fire time */
	struct idmap *accounts; /* id -> struct run_account */
	struct idmap *jobs;     /* id -> struct run_job */
	struct run_list done;
	struct run_list running_list;
	struct event *flush_timer;
	size_t running;
	int dispatching;
	TAILQ_HEAD(, run_retry)
	retries;
	int shutting_down;
	struct event *grace_timer;
	void (*shutdown_done)(void *);
	void *shutdown_arg;
};

const double runs_jitter_le[RUNS_JITTER_BUCKETS] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60
};

static void run_dispatch(struct runs *rs);
static void run_step(struct run *r);
static void run_finish(struct run *r, int status, const char *error);

static double
run_system_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Every time a run reads or writes comes from the one clock of its env. */
static double
run_wall(const struct runs *rs)
{
	return rs->env.wall();
}

/* ---- the queue (by fire time, then by log id) */

static void
queue_push(struct runs *rs, struct run *r)
{
	r->due.at = r->o.planned;
	r->due.id = r->o.log_id;
	dueheap_push(&rs->queue, &r->due);
	r->state = RUN_QUEUED;
}

static struct run *
queue_pop(struct runs *rs)
{
	struct due *d = dueheap_pop(&rs->queue);

	return d ? (struct run *)((char *)d - offsetof(struct run, due)) : NULL;
}

/* ---- bookkeeping */

static struct run_job *
run_job_of(struct runs *rs, uint64_t id)
{
	struct run_job *rj = idmap_get(rs->jobs, id);

	if (rj == NULL) {
		rj = xcalloc(1, sizeof(*rj));
		TAILQ_INIT(&rj->deferred);
		idmap_put(rs->jobs, id, rj);
	}
	return rj;
}

static struct run_account *
run_account_of(struct runs *rs, uint64_t id)
{
	struct run_account *ra = idmap_get(rs->accounts, id);

	if (ra == NULL) {
		ra = xcalloc(1, sizeof(*ra));
		TAILQ_INIT(&ra->blocked);
		idmap_put(rs->accounts, id, ra);
	}
	return ra;
}

unsigned
runs_active(const struct runs *rs, uint64_t job)
{
	const struct run_job *rj = idmap_get(rs->jobs, job);

	return rj ? rj->active : 0;
}

size_t
runs_inflight(const struct runs *rs)
{
	return rs->running;
}

size_t
runs_queued(const struct runs *rs)
{
	return rs->queue.n;
}

static struct run *
run_new(struct runs *rs, const struct run_order *o)
{
	struct run *r = xcalloc(1, sizeof(*r));

	r->rs = rs;
	r->o = *o;
	r->payload = o->payload ? xstrdup(o->payload) : NULL;
	r->o.payload = r->payload;
	r->step = -1;
	r->due.slot = DUE_NONE;
	execlog_init(&r->log);
	r->log.id = o->log_id;
	r->log.job = o->job;
	r->log.account = o->account;
	r->log.no = o->no;
	r->log.time = o->planned;
	r->log.trigger = o->trigger;
	r->log.attempt = o->attempt;
	return r;
}

static void
run_free(struct run *r)
{
	if (r->timer)
		event_free(r->timer);
	outbound_free(&r->req);
	if (r->have_job)
		job_free(&r->job);
	execlog_free(&r->log);
	free(r->secret);
	free(r->payload);
	free(r);
}

/* ---- submitting */

void
runs_submit(struct runs *rs, const struct run_order *o)
{
	struct run_job *rj = run_job_of(rs, o->job);
	unsigned limit = o->single ? 1 : (unsigned)(o->instances > 0 ? o->instances : 1);
	struct run *r = run_new(rs, o);

	if (rs->shutting_down) {
		run_finish(r, LOG_CANCELLED, "webcrond is shutting down");
		return;
	}
	if (rj->active >= limit) {
		if (o->trigger == LOG_TRIGGER_CATCHUP && o->single) {
			/* missed fires of catchUp "all" run one after the other */
			rj->active++;
			r->state = RUN_DEFERRED;
			TAILQ_INSERT_TAIL(&rj->deferred, r, link);
			return;
		}
		r->log.start_time = run_wall(r->rs);
		run_finish(r, LOG_SKIPPED, "the job was still running");
		return;
	}
	rj->active++;
	queue_push(rs, r);
	run_dispatch(rs);
}

/* ---- starting */

/* Loads what the run needs: the job and its account's secret and limits.
 * Returns 0, or -1 when the job is gone (nothing to log). */
static int
run_load(struct run *r, unsigned *max_concurrent)
{
	struct store_txn t;
	struct account a;
	int rc;

	if (store_begin(r->rs->env.store, 0, &t) != STORE_OK)
		return -1;
	rc = job_load(&t, r->o.job, &r->job);
	if (rc == STORE_OK && account_load(&t, r->o.account, &a) == STORE_OK) {
		r->secret = xstrdup(a.secret);
		r->zone = job_zone(&r->job, &a);
		r->retention = (uint64_t)a.lim.log_retention;
		*max_concurrent = (unsigned)(a.lim.max_concurrent > 0 ? a.lim.max_concurrent : 1);
		account_free(&a);
	} else if (rc == STORE_OK) {
		job_free(&r->job);
		rc = STORE_NOTFOUND;
	}
	store_abort(&t);
	if (rc != STORE_OK)
		return -1;
	r->have_job = 1;
	return 0;
}

/* The run no longer counts for its job (and, when it was running, for the
 * server and its account): let the next ones go. */
static void
run_release(struct run *r)
{
	struct runs *rs = r->rs;
	struct run_job *rj = idmap_get(rs->jobs, r->o.job);
	struct run_account *ra = idmap_get(rs->accounts, r->o.account);

	if (r->state == RUN_NEW || r->state == RUN_DONE)
		return;
	if (r->state == RUN_RUNNING) {
		TAILQ_REMOVE(&rs->running_list, r, running_link);
		rs->running--;
		if (ra && ra->running)
			ra->running--;
		if (ra && !TAILQ_EMPTY(&ra->blocked) && !rs->shutting_down) {
			struct run *next = TAILQ_FIRST(&ra->blocked);

			TAILQ_REMOVE(&ra->blocked, next, link);
			queue_push(rs, next);
		}
	}
	if (rj && rj->active)
		rj->active--;
	if (rj && !TAILQ_EMPTY(&rj->deferred) && !rs->shutting_down) {
		struct run *next = TAILQ_FIRST(&rj->deferred);

		TAILQ_REMOVE(&rj->deferred, next, link);
		queue_push(rs, next);
	}
	if (rj && rj->active == 0 && TAILQ_EMPTY(&rj->deferred))
		free(idmap_del(rs->jobs, r->o.job));
	if (ra && ra->running == 0 && TAILQ_EMPTY(&ra->blocked))
		free(idmap_del(rs->accounts, r->o.account));
}

static void
run_start(struct run *r)
{
	struct runs *rs = r->rs;

	r->state = RUN_RUNNING;
	rs->running++;
	TAILQ_INSERT_TAIL(&rs->running_list, r, running_link);
	run_account_of(rs, r->o.account)->running++;
	r->log.start_time = run_wall(r->rs);
	r->log.jitter_ms = (int64_t)llround((r->log.start_time - (double)r->o.planned) * 1000);
	r->step = *r->job.url ? -1 : 0;
	run_step(r);
}

static void
run_dispatch(struct runs *rs)
{
	struct run *r;

	/* a run that ends while it starts calls back here: the loop below
	 * goes on with the queue instead of recursing */
	if (rs->dispatching)
		return;
	rs->dispatching = 1;
	while (!rs->shutting_down && rs->running < (size_t)rs->env.cfg->max_concurrent &&
	    (r = queue_pop(rs)) != NULL) {
		struct run_account *ra;
		unsigned max = 1;

		if (!r->have_job && run_load(r, &max) == -1) {
			/* deleted since it fired: nothing left to run or log */
			run_release(r);
			run_free(r);
			continue;
		}
		ra = run_account_of(rs, r->o.account);
		if (ra->running >= max) {
			r->state = RUN_BLOCKED;
			TAILQ_INSERT_TAIL(&ra->blocked, r, link);
			continue;
		}
		run_start(r);
	}
	rs->dispatching = 0;
}

/* ---- steps */

static void
run_ctx(const struct run *r, struct outbound_ctx *ctx, char *ua, size_t ualen)
{
	memset(ctx, 0, sizeof(*ctx));
	config_user_agent(r->rs->env.cfg, ua, ualen);
	ctx->job_id = r->o.job;
	ctx->execution_id = r->o.log_id;
	ctx->scheduled = r->o.planned;
	ctx->secret = r->secret ? r->secret : "";
	ctx->user_agent = ua;
	ctx->name = r->have_job ? r->job.name : "";
	ctx->zone = r->zone;
}

/* Whether STATUS is among CODES ("200-299,304"). */
static int
run_code_ok(const char *codes, long status)
{
	const char *p = codes;

	while (*p) {
		char *end;
		long lo = strtol(p, &end, 10), hi = lo;

		if (end == p)
			return 0;
		p = end;
		if (*p == '-') {
			hi = strtol(p + 1, &end, 10);
			p = end;
		}
		if (status >= lo && status <= hi)
			return 1;
		while (*p == ' ' || *p == ',')
			p++;
	}
	return 0;
}

static int
run_http_status(const struct job *j, const struct httpc_result *res, int use_pattern)
{
	switch (res->outcome) {
	case HTTPC_RESPONSE:
		if (!j->ignore_http_status && !run_code_ok(j->success_codes, res->status))
			return LOG_HTTP_STATUS;
		if (use_pattern && res->pattern_found)
			return LOG_PATTERN;
		return LOG_SUCCESS;
	case HTTPC_TIMEOUT:
		return LOG_TIMEOUT;
	case HTTPC_BLOCKED:
		return LOG_BLOCKED;
	default:
		return LOG_CONNECT;
	}
}

static const char *
run_http_error(const struct job *j, const struct httpc_result *res, int status, char *buf, size_t len)
{
	switch (status) {
	case LOG_SUCCESS:
		return "";
	case LOG_HTTP_STATUS:
		snprintf(buf, len, "HTTP status %ld is not in %s", res->status, j->success_codes);
		return buf;
	case LOG_PATTERN:
		snprintf(buf, len, "the response contains the failure pattern");
		return buf;
	default:
		return res->error;
	}
}

/* The next step after the current one ended with STATUS (0 = success). */
static void
run_next_step(struct run *r, int status, int continue_on_failure)
{
	if (status != LOG_SUCCESS && r->log.status == LOG_SUCCESS)
		r->log.status = status;
	/* the run's error says why a task failed it (cron.failures and the
	 * notices read only that): the first failing task's */
	if (status != LOG_SUCCESS && r->step >= 0 && r->log.ntasks > 0 &&
	    (r->log.error == NULL || *r->log.error == '\0')) {
		const struct execlog_task *lt = &r->log.tasks[r->log.ntasks - 1];
		char why[512];
		int n;

		n = snprintf(why, sizeof(why), "task %d (%s) failed%s%s", r->step + 1,
		    lt->action ? lt->action : "", lt->error && *lt->error ? ": " : "",
		    lt->error ? lt->error : "");
		if (n >= (int)sizeof(why)) /* cut, not inside a UTF-8 sequence */
			for (n = sizeof(why) - 1; n > 0 && ((unsigned char)why[n] & 0xc0) == 0x80; n--)
				;
		execlog_set(&r->log.error, why, (size_t)n);
	}
	if (status != LOG_SUCCESS && !continue_on_failure) {
		run_finish(r, r->log.status, NULL);
		return;
	}
	r->step++;
	if ((size_t)r->step >= r->job.ntasks) {
		run_finish(r, r->log.status, NULL);
		return;
	}
	run_step(r);
}

static void
run_url_done(const struct httpc_result *res, void *arg)
{
	struct run *r = arg;
	char buf[256];
	int status;

	r->xfer = NULL;
	status = run_http_status(&r->job, res, 1);
	r->log.http_status = (int)res->status;
	snprintf(r->log.ip, sizeof(r->log.ip), "%s", res->ip);
	r->log.downloaded = res->downloaded;
	execlog_set(&r->log.result, res->result, res->result_len);
	execlog_set(&r->log.error, run_http_error(&r->job, res, status, buf, sizeof(buf)),
	    strlen(run_http_error(&r->job, res, status, buf, sizeof(buf))));
	r->log.dns = res->dns;
	r->log.connect = res->connect;
	r->log.tls = res->tls;
	r->log.first_byte = res->first_byte;
	outbound_free(&r->req);
	/* a failed URL request stops the run: it has no continueOnFailure */
	run_next_step(r, status, 0);
}

static struct execlog_task *
run_task_log(struct run *r)
{
	return &r->log.tasks[r->log.ntasks - 1];
}

static void
run_task_http_done(const struct httpc_result *res, void *arg)
{
	struct run *r = arg;
	struct execlog_task *lt = run_task_log(r);
	char buf[256];
	const char *err;
	int status;

	r->xfer = NULL;
	status = run_http_status(&r->job, res, 0);
	err = run_http_error(&r->job, res, status, buf, sizeof(buf));
	lt->status = status;
	lt->execution_time = run_wall(r->rs) - lt->start_time;
	execlog_set(&lt->output, res->result, res->result_len);
	execlog_set(&lt->error, err, strlen(err));
	outbound_free(&r->req);
	run_next_step(r, status == LOG_SUCCESS ? LOG_SUCCESS : LOG_TASK_FAILED,
	    r->job.tasks[r->step].continue_on_failure);
}

static void
run_task_class_done(const struct taskclass_result *res, void *arg)
{
	struct run *r = arg;
	struct execlog_task *lt = run_task_log(r);
	int status;

	r->task = NULL;
	if (res->outcome == TASKCLASS_EXITED && res->exit_code == 0)
		status = LOG_SUCCESS;
	else if (res->cancelled)
		status = LOG_CANCELLED;
	else if (res->outcome == TASKCLASS_TIMEOUT)
		status = LOG_TIMEOUT;
	else
		status = LOG_TASK_FAILED;
	lt->status = status;
	lt->execution_time = res->duration;
	execlog_set(&lt->output, res->output, res->output_len);
	execlog_set(&lt->error, res->error, strlen(res->error));
	if (res->cancelled) {
		run_finish(r, LOG_CANCELLED, "cancelled at shutdown");
		return;
	}
	run_next_step(r, status == LOG_SUCCESS ? LOG_SUCCESS : LOG_TASK_FAILED,
	    r->job.tasks[r->step].continue_on_failure);
}

/* Starts task R->step now (its offset has passed). */
static void
run_task_start(struct run *r)
{
	const struct job_task *task = &r->job.tasks[r->step];
	struct execlog_task *lt = execlog_add_task(&r->log, r->step + 1, task->action);
	struct outbound_ctx ctx;
	char ua[512], why[256];

	lt->start_time = run_wall(r->rs);
	run_ctx(r, &ctx, ua, sizeof(ua));
	if (strcmp(task->action, "http") == 0) {
		struct httpc_request hr;

		if (outbound_task(&r->req, &r->job, task->payload, &ctx, why, sizeof(why)) == -1) {
			lt->status = LOG_TASK_FAILED;
			execlog_set(&lt->error, why, strlen(why));
			run_next_step(r, LOG_TASK_FAILED, task->continue_on_failure);
			return;
		}
		outbound_httpc(&r->req, &hr);
		if ((r->xfer = httpc_start(r->rs->env.httpc, &hr, run_task_http_done, r)) == NULL) {
			lt->status = LOG_TASK_FAILED;
			execlog_set(&lt->error, "the request could not be started", 32);
			outbound_free(&r->req);
			run_next_step(r, LOG_TASK_FAILED, task->continue_on_failure);
		}
	} else {
		const struct config_task_class *tc = config_task_class(r->rs->env.cfg, task->action);
		struct taskclass_request tr;
		char *payload;

		if (tc == NULL) {
			snprintf(why, sizeof(why), "the task class \"%.64s\" is not in this server's config",
			    task->action);
			lt->status = LOG_TASK_FAILED;
			execlog_set(&lt->error, why, strlen(why));
			run_next_step(r, LOG_TASK_FAILED, task->continue_on_failure);
			return;
		}
		payload = outbound_expand(task->payload, &ctx);
		memset(&tr, 0, sizeof(tr));
		tr.exec = tc->exec;
		tr.name = tc->name;
		tr.user = tc->user;
		tr.timeout = tc->timeout;
		tr.payload = payload;
		tr.payload_len = strlen(payload);
		tr.job_id = r->o.job;
		tr.execution_id = r->o.log_id;
		tr.account_id = r->o.account;
		tr.sequence = r->step + 1;
		tr.scheduled_time = r->o.planned;
		r->task = taskclass_start(r->rs->env.tasks, &tr, run_task_class_done, r);
		free(payload);
	}
}

static void
run_offset_done(evutil_socket_t fd, short what, void *arg)
{
	run_task_start(arg);
}

static void
run_step(struct run *r)
{
	struct outbound_ctx ctx;
	char ua[512];

	if (r->step < 0) {
		struct httpc_request hr;

		run_ctx(r, &ctx, ua, sizeof(ua));
		outbound_job(&r->req, &r->job, &ctx, r->payload);
		outbound_httpc(&r->req, &hr);
		if ((r->xfer = httpc_start(r->rs->env.httpc, &hr, run_url_done, r)) == NULL) {
			outbound_free(&r->req);
			run_finish(r, LOG_CONNECT, "the request could not be started");
		}
		return;
	}
	/* each task starts timeOffset seconds after the step before it ended */
	if (r->job.tasks[r->step].time_offset > 0) {
		struct timeval tv = { r->job.tasks[r->step].time_offset, 0 };

		if (r->timer == NULL)
			r->timer = evtimer_new(r->rs->env.base, run_offset_done, r);
		evtimer_add(r->timer, &tv);
		return;
	}
	run_task_start(r);
}

/* ---- finishing and writing */

static void
run_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	runs_flush(arg);
}

/* An execution ended with Log STATUS; JITTER is start minus planned, in
 * seconds, or negative for a run that never started (skipped, or
 * cancelled in the queue), which the histogram leaves out. */
static void
run_count(struct runs *rs, int status, double jitter)
{
	struct runs_counters *c = &rs->counters;
	size_t i;

	if (status >= 0 && status <= LOG_CANCELLED)
		c->executions[status]++;
	if (jitter < 0)
		return;
	for (i = 0; i < RUNS_JITTER_BUCKETS; i++)
		if (jitter <= runs_jitter_le[i]) {
			c->jitter[i]++;
			break;
		}
	c->jitter_count++;
	c->jitter_sum += jitter;
}

const struct runs_counters *
runs_counters(const struct runs *rs)
{
	return &rs->counters;
}

static void
run_finish(struct run *r, int status, const char *error)
{
	struct runs *rs = r->rs;
	struct timeval tv = { 0, RUN_FLUSH_MS * 1000 };

	r->log.status = status;
	if (error && *error && *r->log.error == '\0')
		execlog_set(&r->log.error, error, strlen(error));
	if (r->log.start_time == 0)
		r->log.start_time = run_wall(r->rs);
	if (r->state == RUN_RUNNING)
		r->log.execution_time = run_wall(r->rs) - r->log.start_time;
	/* the histogram is of fires: a manual or retry run has no planned
	 * fire to be late for */
	run_count(rs, status, r->state == RUN_RUNNING && r->o.trigger != LOG_TRIGGER_MANUAL && r->o.trigger != LOG_TRIGGER_RETRY ? (double)r->log.jitter_ms / 1000 : -1);
	run_release(r);
	r->state = RUN_DONE;
	TAILQ_INSERT_TAIL(&rs->done, r, link);
	if (!evtimer_pending(rs->flush_timer, NULL))
		evtimer_add(rs->flush_timer, &tv);
	run_dispatch(rs);
}

static void
run_retry_fire(evutil_socket_t fd, short what, void *arg)
{
	struct run_retry *rt = arg;
	struct runs *rs = rt->rs;
	struct store_txn t;
	uint64_t log_id, no;

	TAILQ_REMOVE(&rs->retries, rt, link);
	if (store_begin(rs->env.store, 1, &t) == STORE_OK &&
	    runs_record(&t, rt->o.job, &log_id, &no) == 0 && store_commit(&t) == STORE_OK) {
		rt->o.log_id = log_id;
		rt->o.no = no;
		rt->o.planned = (int64_t)run_wall(rs);
		runs_submit(rs, &rt->o);
	} else {
		store_abort(&t);
		log_warnx("run: the retry of job %llu could not be recorded; it does not run",
		    (unsigned long long)rt->o.job);
	}
	event_free(rt->timer);
	free((char *)rt->o.payload);
	free(rt);
}

static void
run_retry_later(struct runs *rs, const struct run *r)
{
	struct run_retry *rt = xcalloc(1, sizeof(*rt));
	int64_t delay = r->job.retry_delay;
	struct timeval tv;
	int i;

	/* the delay doubles with each attempt */
	for (i = 1; i < r->o.attempt && delay < 86400; i++)
		delay *= 2;
	tv.tv_sec = (time_t)delay;
	tv.tv_usec = 0;
	rt->rs = rs;
	rt->o = r->o;
	rt->o.trigger = LOG_TRIGGER_RETRY;
	rt->o.attempt = r->o.attempt + 1;
	rt->o.payload = r->payload ? xstrdup(r->payload) : NULL;
	rt->timer = evtimer_new(rs->env.base, run_retry_fire, rt);
	evtimer_add(rt->timer, &tv);
	TAILQ_INSERT_TAIL(&rs->retries, rt, link);
}

int
runs_record(struct store_txn *t, uint64_t id, uint64_t *log_id, uint64_t *no)
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

/* What the batch decided for one run, acted on once it is committed. */
struct run_outcome {
	struct run *r;
	int retry;
	int disabled;
	const char *notice; /* NULL, or the event to notify */
};

/* Writes R's log and what outcome_decide() makes of it (the job's state,
 * its status when it is disabled) in T; fills OUT with the rest, to do
 * once T is committed. */
static void
run_account_for(struct run *r, struct store_txn *t, int64_t now, struct run_outcome *out)
{
	struct outcome_run or ;
	struct outcome dec;
	struct job_state st;

	memset(out, 0, sizeof(*out));
	out->r = r;
	if (job_load_state(t, r->o.job, &st) != STORE_OK) {
		t->err = t->err == STORE_FAILED ? STORE_FAILED : 0;
		return; /* the job was deleted: its logs went with it */
	}
	execlog_put(t, &r->log, r->retention ? r->retention : 100, &st.logs);
	memset(& or, 0, sizeof(or));
	or.status = r->log.status;
	or.attempt = r->o.attempt;
	or.planned = r->o.planned;
	or.duration = r->log.execution_time;
	or.http_status = r->log.http_status;
	or.ran = r->have_job;
	or.may_retry = !r->rs->shutting_down;
	outcome_decide(r->have_job ? &r->job : NULL, &st, & or, now, &dec);
	if (dec.disable && job_set_status(t, r->o.job, JOB_FAILED, dec.disabled_at) != STORE_OK) {
		/* the job's record is gone (a store error fails the whole batch,
		 * which then acts on nothing): decided again as for a job that
		 * is never disabled */
		struct job never = r->job;

		never.failure_threshold = 0;
		outcome_decide(&never, &st, & or, now, &dec);
	}
	out->disabled = dec.disable;
	out->retry = dec.retry;
	out->notice = dec.notice;
	r->job.st.fail = dec.st.fail; /* for the notice: the count as written */
	job_put_state(t, r->o.job, &dec.st);
}

void
runs_flush(struct runs *rs)
{
	struct run_outcome *outs = NULL;
	struct store_txn t;
	struct run *r;
	size_t n = 0, i;
	int rc;

	TAILQ_FOREACH(r, &rs->done, link)
	n++;
	if (n == 0)
		goto check_shutdown;
	outs = xcalloc(n, sizeof(*outs));
	if ((rc = store_begin(rs->env.store, 1, &t)) == STORE_OK) {
		int64_t now = (int64_t)run_wall(rs);

		i = 0;
		TAILQ_FOREACH(r, &rs->done, link)
		run_account_for(r, &t, now, &outs[i++]);
		rc = store_commit(&t);
	}
	if (rc != STORE_OK)
		log_warnx("run: %zu execution log%s could not be written (%s)", n, n == 1 ? "" : "s",
		    rc == STORE_FULL ? "storage full" : "storage error");
	for (i = 0; i < n; i++) {
		r = outs[i].r;
		TAILQ_REMOVE(&rs->done, r, link);
		if (rc == STORE_OK) {
			if (outs[i].disabled) {
				r->job.status = JOB_FAILED;
				if (rs->env.job_changed)
					rs->env.job_changed(rs->env.arg, &r->job);
			}
			if (outs[i].notice && rs->env.notify)
				notify_job(rs->env.notify, &r->job, &r->log, outs[i].notice);
			if (outs[i].retry)
				run_retry_later(rs, r);
		}
		run_free(r);
	}
	free(outs);
check_shutdown:
	if (rs->shutting_down && rs->running == 0 && TAILQ_EMPTY(&rs->done) && rs->shutdown_done) {
		void (*done)(void *) = rs->shutdown_done;

		rs->shutdown_done = NULL;
		done(rs->shutdown_arg);
	}
}

/* ---- life */

struct runs *
runs_new(const struct runs_env *env)
{
	struct runs *rs = xcalloc(1, sizeof(*rs));

	rs->env = *env;
	if (rs->env.wall == NULL)
		rs->env.wall = run_system_wall;
	rs->accounts = idmap_new();
	rs->jobs = idmap_new();
	TAILQ_INIT(&rs->done);
	TAILQ_INIT(&rs->running_list);
	TAILQ_INIT(&rs->retries);
	rs->flush_timer = evtimer_new(rs->env.base, run_flush_cb, rs);
	return rs;
}

/* The grace is over: every run still going is cancelled. A program is
 * killed and its callback ends the run; a request ends it here. */
static void
run_grace_over(evutil_socket_t fd, short what, void *arg)
{
	struct runs *rs = arg;
	struct run *r, *next;

	log_warnx("run: %zu execution%s still running after the shutdown grace: cancelled",
	    rs->running, rs->running == 1 ? "" : "s");
	for (r = TAILQ_FIRST(&rs->running_list); r != NULL; r = next) {
		next = TAILQ_NEXT(r, running_link);
		if (r->task) {
			taskclass_cancel(r->task, SIGKILL);
			continue;
		}
		if (r->xfer) {
			httpc_cancel(r->xfer);
			r->xfer = NULL;
		}
		if (r->timer)
			evtimer_del(r->timer);
		run_finish(r, LOG_CANCELLED, "cancelled at shutdown");
	}
	runs_flush(rs);
}

struct run_vec {
	struct run **v;
	size_t n;
};

static void
run_take_list(struct run_list *list, struct run_vec *out)
{
	struct run *r;

	while ((r = TAILQ_FIRST(list)) != NULL) {
		TAILQ_REMOVE(list, r, link);
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		out->v[out->n++] = r;
	}
}

static void
run_take_blocked(uint64_t id, void *value, void *arg)
{
	(void)id;
	run_take_list(&((struct run_account *)value)->blocked, arg);
}

static void
run_take_deferred(uint64_t id, void *value, void *arg)
{
	(void)id;
	run_take_list(&((struct run_job *)value)->deferred, arg);
}

void
runs_shutdown(struct runs *rs, int grace, void (*done)(void *), void *arg)
{
	struct run_vec waiting = { NULL, 0 };
	struct run_retry *rt;
	struct run *r;
	struct timeval tv = { grace, 0 };
	size_t i;

	rs->shutting_down = 1;
	rs->shutdown_done = done;
	rs->shutdown_arg = arg;
	while ((rt = TAILQ_FIRST(&rs->retries)) != NULL) {
		TAILQ_REMOVE(&rs->retries, rt, link);
		event_free(rt->timer);
		free((char *)rt->o.payload);
		free(rt);
	}
	/* what has not started is recorded as cancelled at once; the waiting
	 * lists are taken out of the maps first, as finishing edits them */
	while ((r = queue_pop(rs)) != NULL)
		run_finish(r, LOG_CANCELLED, "webcrond shut down before it started");
	idmap_each(rs->accounts, run_take_blocked, &waiting);
	idmap_each(rs->jobs, run_take_deferred, &waiting);
	for (i = 0; i < waiting.n; i++)
		run_finish(waiting.v[i], LOG_CANCELLED, "webcrond shut down before it started");
	free(waiting.v);
	if (rs->running > 0) {
		log_info("run: waiting up to %d s for %zu execution%s", grace, rs->running,
		    rs->running == 1 ? "" : "s");
		rs->grace_timer = evtimer_new(rs->env.base, run_grace_over, rs);
		evtimer_add(rs->grace_timer, &tv);
	}
	runs_flush(rs);
}

static void
run_free_entry(uint64_t id, void *value, void *arg)
{
	(void)id;
	(void)arg;
	free(value);
}

void
runs_free(struct runs *rs)
{
	struct run *r;

	if (rs == NULL)
		return;
	while ((r = queue_pop(rs)) != NULL)
		run_free(r);
	while ((r = TAILQ_FIRST(&rs->done)) != NULL) {
		TAILQ_REMOVE(&rs->done, r, link);
		run_free(r);
	}
	idmap_each(rs->accounts, run_free_entry, NULL);
	idmap_each(rs->jobs, run_free_entry, NULL);
	idmap_free(rs->accounts);
	idmap_free(rs->jobs);
	if (rs->grace_timer)
		event_free(rs->grace_timer);
	event_free(rs->flush_timer);
	dueheap_free(&rs->queue);
	free(rs);
}
