/*
 * sched: when jobs fire. Every active job with a schedule is in a min-heap
 * by its next fire time, under one libevent timer for the earliest. A due
 * fire is recorded durably (the job's last fire, its run count and a log
 * id, for a whole second's batch in one synced transaction) before its
 * execution is submitted, so a restart never fires the same instant twice;
 * at start, the fires missed while the daemon was down follow each job's
 * catchUp.
 */
#ifndef WEBCRON_SCHED_H
#define WEBCRON_SCHED_H

#include <stddef.h>
#include <stdint.h>

struct account;
struct cron;
struct cron_memo;
struct cron_window;
struct event_base;
struct job;
struct runs;
struct store;
struct store_txn;
struct tz;

#define SCHED_CATCHUP_ALL_MAX 100         /* missed fires run by catchUp "all" */
#define SCHED_CATCHUP_HORIZON (7 * 86400) /* "all" looks back at most this far */

/* What the scheduler uses; all outlive it. Fires go to RUNS. */
struct sched_env {
	struct event_base *base;
	struct store *store;
	struct runs *runs;
	double (*wall)(void); /* unix seconds; NULL: the system's clock */
	size_t load_slice;    /* jobs per batch at start-up; 0: SCHED_LOAD_SLICE */
};

struct sched;

struct sched *sched_new(const struct sched_env *env);
void sched_free(struct sched *);

/* Loads every account and active job from the store, submits the fires
 * missed while the daemon was down, and arms the timer. Returns 0, or -1
 * when the store cannot be read (logged). */
int sched_load(struct sched *, int64_t now);
/* The same on the event loop: the accounts now, then the jobs in batches
 * that a reader thread reads (loader.h) and the loop schedules one per
 * turn, so that the API answers meanwhile; a store of one batch is read
 * here before it returns. The jobs are placed and caught up as at NOW; a
 * fire that comes during the load runs once, at the timer's next tick
 * after its batch. A job the API changes (sched_job_changed) before its
 * batch is scheduled is read again as the store has it then. Returns 0,
 * or -1 when the accounts cannot be read (logged); a batch that cannot
 * be read is logged and ends the load. */
int sched_load_start(struct sched *, int64_t now);
/* 1 while sched_load_start's batches are still being read. */
int sched_loading(const struct sched *);
/* The same, with the job records read so far in *LOADED and those in the
 * store when the load began (or *LOADED, if more) in *TOTAL. */
int sched_load_progress(const struct sched *, uint64_t *loaded, uint64_t *total);

/* A job was written (or deleted) by a committed transaction: its place in
 * the heap follows. A (the job's account) gives the zone of a job without
 * one. */
void sched_job_changed(struct sched *, const struct job *j, const struct account *a, int deleted);
/* An account's zone or daily limit changed, or the account is gone. */
void sched_account_changed(struct sched *, const struct account *a, int deleted);

/* Account ID may have changed behind the daemon's back (webcronctl):
 * its zone, status and limits are read again and its jobs rescheduled
 * from the store. No transaction may be open in this thread. */
void sched_account_reload(struct sched *, uint64_t id);

/* Stops firing (shutdown). */
void sched_stop(struct sched *);

/* The daily execution limit: 1 when the account may run one more now
 * (and counts it), 0 when its limit for today is reached. */
int sched_daily_take(struct sched *, uint64_t account, int64_t now);
/* Writes the account's count of today into its record, in T (after
 * sched_daily_take outside a fire). */
void sched_daily_save(struct sched *, struct store_txn *t, uint64_t account);
/* 1 when the account has reached its daily limit today. */
int sched_daily_reached(struct sched *, uint64_t account, int64_t now);

/* Jobs in the heap, and the next fire time of job ID (0 = none). */
size_t sched_count(const struct sched *);
int64_t sched_next(const struct sched *, uint64_t id);

/* Why sched_fire_now() did not fire. */
enum sched_why {
	SCHED_RUNNING = 1, /* the job runs already: once when `single`, else
				 * `instances` times (see ACTIVE); nothing recorded */
	SCHED_DAILY,       /* the account's daily limit is reached today;
				 * nothing recorded */
	SCHED_STORE,       /* it could not be recorded (STORE_RC: STORE_FULL,
				 * STORE_FAILED, or STORE_NOTFOUND when the job is
				 * gone from the store); it does not run */
	SCHED_MOVING,      /* the account is moving to another server
				 * (handoff.h); nothing recorded */
};

struct sched_fired {
	uint64_t log_id;    /* fired: the execution's Log id */
	unsigned active;    /* the job's executions queued or running before */
	enum sched_why why; /* not fired: why */
	int store_rc;       /* SCHED_STORE: the STORE_* error */
};

/*
 * Fires job J now, by hand (cron.run): the same steps as every fire of
 * the schedule, for one run with trigger "manual" at NOW (the caller's
 * clock: the Log's `time`) and PAYLOAD (NULL or the request's body,
 * copied). Unlike a scheduled fire it refuses a job that runs already,
 * and it does not move the job's last scheduled fire (catch-up) nor look
 * at the account's suspension. In one synced transaction it takes one of
 * the account's daily executions, counts the job's run and allocates the
 * Log id; the run is submitted once that is committed. No transaction
 * may be open in this thread.
 *
 * Returns 0 with OUT->log_id, or -1 with OUT->why (and OUT->active,
 * OUT->store_rc).
 */
int sched_fire_now(struct sched *, const struct job *j, const char *payload, int64_t now,
    struct sched_fired *out);

/*
 * Catch-up, a pure function: the fire times of schedule C (in ZONE, within
 * WIN) missed after BASELINE (the last instant owed nothing: the job's
 * creation, last recorded fire or pause) up to NOW that CATCH_UP
 * (JOB_CATCHUP_*) wants, oldest first, into OUT; returns their number.
 * "none" wants none; "once" the latest, if it is at most
 * STARTING_DEADLINE seconds before NOW; "all" each (the last
 * SCHED_CATCHUP_ALL_MAX, none older than SCHED_CATCHUP_HORIZON). No fire is
 * owed when BASELINE is 0 (never fired) or not before NOW. *NEXT (when
 * NEXT is not NULL) is set to the first fire after NOW when the walk came
 * upon it, else 0: the placement after a load need not look again. MEMO
 * (or NULL) is C's cron_memo.
 */
size_t sched_catch_up_times(const struct cron *c, const struct tz *zone,
    const struct cron_window *win, int catch_up, int64_t starting_deadline, int64_t baseline,
    int64_t now, int64_t out[SCHED_CATCHUP_ALL_MAX], int64_t *next, struct cron_memo *memo);

#endif
