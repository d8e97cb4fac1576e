/*
 * run: executions. One run is one Log: the job's URL request, then its
 * tasks in order with their offsets; runs wait in order of fire time for
 * the server's and their account's concurrency limits; a job with
 * `single` never overlaps itself. Finished runs are written in batches:
 * the log, the job's state (fail, last*), auto-disable, and the notices.
 */
#ifndef WEBCRON_RUN_H
#define WEBCRON_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "store/execlog.h"

struct config;
struct event_base;
struct httpc;
struct job;
struct notify;
struct store;
struct store_txn;
struct taskclasses;

/* One execution to start; its fire was recorded (runs and log id
 * allocated) before this is submitted. */
struct run_order {
	uint64_t job;
	uint64_t account;
	uint64_t log_id;
	uint64_t no;
	int64_t planned;
	int trigger; /* LOG_TRIGGER_* */
	int attempt; /* 1, then 2... for retries */
	int single;  /* the job's overlap rule */
	int instances;
	const char *payload; /* cron.run's body, or NULL (copied) */
};

/* What runs use; all outlive the runs object. CFG is read as it is used
 * (max_concurrent, user_agent, task classes): the daemon replaces its
 * contents on a reload. */
struct runs_env {
	struct event_base *base;
	struct store *store;
	const struct config *cfg;
	struct httpc *httpc;       /* URL requests and http tasks */
	struct taskclasses *tasks; /* task classes */
	struct notify *notify;     /* failure notices */
	double (*wall)(void);      /* unix seconds; NULL: the system's clock */
	/* A run changed job J in the store (disabled it after its failures):
	 * tells the owner of the schedule. Called with no transaction open. */
	void (*job_changed)(void *arg, const struct job *j);
	void *arg;
};

/* Upper bounds of the jitter histogram, seconds. */
#define RUNS_JITTER_BUCKETS 13
extern const double runs_jitter_le[RUNS_JITTER_BUCKETS];

/* Counted since runs_new(), for /metrics. */
struct runs_counters {
	uint64_t executions[LOG_CANCELLED + 1]; /* ended, by Log status */
	uint64_t jitter[RUNS_JITTER_BUCKETS];   /* start minus planned, of the runs
						 * that started; not cumulative */
	uint64_t jitter_count;
	double jitter_sum;
};

struct runs;

struct runs *runs_new(const struct runs_env *env);
void runs_free(struct runs *);

const struct runs_counters *runs_counters(const struct runs *);

/* Records an execution of job ID outside a scheduled fire: the job's run
 * count and a log id, in T. Returns 0, or -1 (sticky error in T; a job
 * without a state is STORE_FAILED). */
int runs_record(struct store_txn *t, uint64_t id, uint64_t *log_id, uint64_t *no);

/* Starts an execution, or queues it, or (when the job is already running
 * and may not overlap) logs it as skipped. */
void runs_submit(struct runs *, const struct run_order *o);

/* Executions of job ID queued or running. */
unsigned runs_active(const struct runs *, uint64_t job);
size_t runs_inflight(const struct runs *);
size_t runs_queued(const struct runs *);

/* Shutdown: queued runs are logged as cancelled at once; running ones may
 * finish for GRACE seconds, then are cancelled. DONE(ARG) is called once
 * nothing runs and every log is written. */
void runs_shutdown(struct runs *, int grace, void (*done)(void *arg), void *arg);

/* Writes what finished runs left to write, now. */
void runs_flush(struct runs *);

#endif
