/*
 * outcome: what a finished execution does to its job (SPEC 4, "Failure
 * counting"). A pure function of the job's settings, its state and the
 * run's result, with the clock passed in: it reads and writes nothing,
 * and run.c applies its decision in the batch that writes the log.
 *
 *   - a skipped or cancelled run, or one whose job could not be read,
 *     changes nothing but the log;
 *   - any other run sets lastRun, lastStatus, lastDuration and
 *     lastHttpStatus;
 *   - a failed run with retries left (and no shutdown under way) is
 *     retried, and neither counts in `fail` nor sends a notice: only the
 *     last attempt does;
 *   - a failure increments `fail`; at `failureThreshold` (0 = never) the
 *     job is disabled (status 4) with a "disabled" notice unless `notify`
 *     is never; otherwise a "failure" notice on every `notifyEvery`th
 *     consecutive failure when `notify` is on failure or always;
 *   - a success resets `fail`; after a failure that was notified it sends
 *     one "recovered" notice (unless `notify` is never), otherwise
 *     "success" when `notify` is always.
 */
#ifndef WEBCRON_OUTCOME_H
#define WEBCRON_OUTCOME_H

#include <stdint.h>

#include "store/job.h"

/* The result of one finished execution. */
struct outcome_run {
	int status;      /* its Log status, LOG_* */
	int attempt;     /* 1, then 2... for retries */
	int64_t planned; /* its fire time */
	double duration; /* seconds it ran */
	int http_status; /* its request's HTTP status, 0 = none */
	int ran;         /* its job was loaded: 0 for a run whose job was gone */
	int may_retry;   /* 0 at shutdown: no retry is scheduled */
};

/* What to do about it. */
struct outcome {
	struct job_state st; /* the job's state to write */
	int retry;           /* run it again after the job's retry delay */
	int disable;         /* set the job's status to JOB_FAILED... */
	int64_t disabled_at; /* ... as of this time (the clock passed in) */
	const char *notice;  /* NULL, or "failure", "disabled", "recovered", "success" */
};

/* Decides for run R of job J (NULL when it was not loaded), whose state
 * was ST, at NOW (unix seconds). Fills OUT; never fails. */
void outcome_decide(const struct job *j, const struct job_state *st,
    const struct outcome_run *r, int64_t now, struct outcome *out);

#endif
