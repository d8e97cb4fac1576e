/*
 * execlog: the Log of one execution: its record, its place in the store
 * (under its job, and under its account when it failed), retention, and
 * its JSON form.
 */
#ifndef WEBCRON_EXECLOG_H
#define WEBCRON_EXECLOG_H

#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>

struct store_txn;

/* Log status (SPEC 3.5). */
#define LOG_SUCCESS 0
#define LOG_HTTP_STATUS 1 /* a status outside successCodes */
#define LOG_TIMEOUT 2
#define LOG_CONNECT 3 /* connection, DNS or TLS error */
#define LOG_PATTERN 4 /* the failure pattern was found */
#define LOG_BLOCKED 5 /* the destination policy refused the address */
#define LOG_SKIPPED 6 /* the job was still running */
#define LOG_TASK_FAILED 7
#define LOG_CANCELLED 8 /* shutdown */

#define LOG_TRIGGER_SCHEDULE 0
#define LOG_TRIGGER_MANUAL 1
#define LOG_TRIGGER_RETRY 2
#define LOG_TRIGGER_CATCHUP 3

/* A status that counts as a failure of the job (not skipped or
 * cancelled runs). */
#define LOG_IS_FAILURE(s) ((s) != LOG_SUCCESS && (s) != LOG_SKIPPED && (s) != LOG_CANCELLED)

struct execlog_task {
	int sequence;
	char *action;
	int status;        /* a Log status: 0, or why the step failed */
	double start_time; /* Unix seconds, with a fraction */
	double execution_time;
	char *output;
	char *error;
};

struct execlog {
	uint64_t id;
	uint64_t job;
	uint64_t account;
	uint64_t no;
	int64_t time; /* the planned fire time */
	double start_time;
	double execution_time;
	int64_t jitter_ms;
	int trigger;
	int attempt;
	int status;
	int http_status;
	char ip[48];
	uint64_t downloaded;
	char *result;
	char *error;
	double dns, connect, tls, first_byte;
	struct execlog_task *tasks;
	size_t ntasks;
};

void execlog_init(struct execlog *l);
void execlog_free(struct execlog *l);
/* Appends a step's result (the strings are copied). */
struct execlog_task *execlog_add_task(struct execlog *l, int sequence, const char *action);
void execlog_set(char **field, const char *s, size_t len);

/* Writes L under its job (and in the account's failures when it failed),
 * then trims the job's logs to RETENTION (0 = keep none beyond this one).
 * *COUNT is the job's log count before and after (job_state.logs).
 * Errors are sticky in T. */
void execlog_put(struct store_txn *t, const struct execlog *l, uint64_t retention, uint64_t *count);
/* Deletes every log of JOB with its failure index entries. Errors are
 * sticky in T. */
void execlog_remove_job(struct store_txn *t, uint64_t job);
/* Loads log ID of JOB. Returns STORE_OK, STORE_NOTFOUND or an error. */
int execlog_load(struct store_txn *t, uint64_t job, uint64_t id, struct execlog *out);

/* Calls FN for the logs of JOB from the newest down, starting below
 * BEFORE (0 = the newest); FN returns 0 to go on, 1 to stop. Returns
 * STORE_OK or an error. */
int execlog_each(struct store_txn *t, uint64_t job, uint64_t before,
    int (*fn)(struct execlog *, void *), void *arg);
/* The same for the failed logs of ACCOUNT, across its jobs. */
int execlog_each_failure(struct store_txn *t, uint64_t account, uint64_t before,
    int (*fn)(struct execlog *, void *), void *arg);

/* Deletes up to MAX logs older than CUTOFF (their planned time), walking
 * on from *CURSOR (a store key, 16 bytes; zeroed to start); *CURSOR is
 * zeroed again when the walk reached the end. Returns how many were
 * deleted; errors are sticky. The job_state.logs counts are adjusted. */
size_t execlog_expire(struct store_txn *t, int64_t cutoff, uint8_t cursor[16], size_t max);

/* The Log object of SPEC 3.5. */
void execlog_json(yajl_gen g, const struct execlog *l);
const char *execlog_trigger_name(int trigger);

#endif
