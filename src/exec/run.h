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

struct server;

/* One execution to start; its fire was recorded (runs and log id
 * allocated) before this is submitted. */
struct run_order {
	uint64_t job;
	uint64_t account;
	uint64_t log_id;
	uint64_t no;
	int64_t planned;
	int trigger;		/* LOG_TRIGGER_* */
	int attempt;		/* 1, then 2... for retries */
	int single;		/* the job's overlap rule */
	int instances;
	const char *payload;	/* cron.run's body, or NULL (copied) */
};

struct runs;

struct runs *runs_new(struct server *srv);
void runs_free(struct runs *);

/* Starts an execution, or queues it, or (when the job is already running
 * and may not overlap) logs it as skipped. */
void runs_submit(struct runs *, const struct run_order *o);

/* Executions of job ID queued or running. */
unsigned runs_active(const struct runs *, uint64_t job);
size_t runs_inflight(const struct runs *);
size_t runs_queued(const struct runs *);

/* Shutdown: queued runs are logged as cancelled at once; running ones may
 * finish for GRACE seconds, then are cancelled. DONE is called once
 * nothing runs and every log is written. */
void runs_shutdown(struct runs *, int grace, void (*done)(struct server *));

/* Writes what finished runs left to write, now. */
void runs_flush(struct runs *);

#endif
