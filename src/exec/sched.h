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
struct job;
struct server;
struct store_txn;

struct sched;

struct sched *sched_new(struct server *srv);
void sched_free(struct sched *);

/* Loads every account and active job from the store, submits the fires
 * missed while the daemon was down, and arms the timer. Returns 0, or -1
 * when the store cannot be read (logged). */
int  sched_load(struct sched *, int64_t now);

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
int  sched_daily_take(struct sched *, uint64_t account, int64_t now);
/* Writes the account's count of today into its record, in T (after
 * sched_daily_take outside a fire). */
void sched_daily_save(struct sched *, struct store_txn *t, uint64_t account);
/* 1 when the account has reached its daily limit today. */
int  sched_daily_reached(struct sched *, uint64_t account, int64_t now);

/* Jobs in the heap, and the next fire time of job ID (0 = none). */
size_t  sched_count(const struct sched *);
int64_t sched_next(const struct sched *, uint64_t id);

/* Records an unscheduled execution of job ID (cron.run, retries): the
 * job's run count and a log id, in T. Returns 0, or -1 (sticky error). */
int  sched_record_run(struct store_txn *t, uint64_t id, uint64_t *log_id, uint64_t *no);

#endif
