/*
 * test_outcome: the failure policy (SPEC 4, "Failure counting"), as the
 * pure decision outcome_decide() makes it: fail counts and their reset,
 * retries, the auto-disable threshold, and which notice goes out for
 * each `notify` / `notifyEvery` setting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "store/execlog.h"
#include "store/job.h"
#include "exec/outcome.h"

#define NOW 1767225600 /* 2026-01-01T00:00:00Z */

/* A job with SPEC's defaults that matter here, without the store. */
static void
job_with(struct job *j, int notify, int every, int threshold, int retries)
{
	memset(j, 0, sizeof(*j));
	j->id = 7;
	j->notify = notify;
	j->notify_every = every;
	j->failure_threshold = threshold;
	j->retries = retries;
}

static void
state_fresh(struct job_state *st)
{
	memset(st, 0, sizeof(*st));
	st->last_status = -1;
}

static struct outcome_run
ran(int status, int attempt)
{
	struct outcome_run r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.attempt = attempt;
	r.planned = NOW - 5;
	r.duration = 0.25;
	r.ran = 1;
	r.may_retry = 1;
	return r;
}

/* Runs STATUS through the job: ST becomes the state to write; returns
 * the notice (or NULL) and sets *DISABLE. */
static const char *
step(const struct job *j, struct job_state *st, int status, int *disable)
{
	struct outcome_run r = ran(status, 1);
	struct outcome out;

	outcome_decide(j, st, &r, NOW, &out);
	assert_false(out.retry);
	*st = out.st;
	if (disable)
		*disable = out.disable;
	return out.notice;
}

/* lastHttpStatus follows each run: the request's status, 0 without one */
static void
test_last_http_status(void **state)
{
	struct job_state st;
	struct outcome_run r = ran(LOG_HTTP_STATUS, 1);
	struct outcome out;
	struct job j;

	(void)state;
	job_with(&j, JOB_NOTIFY_NEVER, 1, 0, 0);
	state_fresh(&st);
	r.http_status = 500;
	outcome_decide(&j, &st, &r, NOW, &out);
	assert_int_equal(out.st.last_http_status, 500);
	st = out.st;
	r = ran(LOG_CONNECT, 1);
	outcome_decide(&j, &st, &r, NOW, &out);
	assert_int_equal(out.st.last_http_status, 0);
}

static void
test_fail_counts_and_reset(void **state)
{
	struct job_state st;
	struct job j;
	int i;

	(void)state;
	job_with(&j, JOB_NOTIFY_NEVER, 1, 0, 0);
	state_fresh(&st);
	for (i = 1; i <= 4; i++) {
		assert_null(step(&j, &st, LOG_TIMEOUT, NULL));
		assert_int_equal(st.fail, i);
	}
	assert_int_equal(st.last_status, LOG_TIMEOUT);
	assert_int_equal(st.last_run, NOW - 5);
	assert_true(st.last_duration == 0.25);
	/* every failing status counts, a success resets */
	assert_null(step(&j, &st, LOG_HTTP_STATUS, NULL));
	assert_null(step(&j, &st, LOG_PATTERN, NULL));
	assert_null(step(&j, &st, LOG_TASK_FAILED, NULL));
	assert_int_equal(st.fail, 7);
	assert_null(step(&j, &st, LOG_SUCCESS, NULL));
	assert_int_equal(st.fail, 0);
	assert_int_equal(st.last_status, LOG_SUCCESS);
	assert_null(step(&j, &st, LOG_CONNECT, NULL));
	assert_int_equal(st.fail, 1);
}

/* Skipped and cancelled runs, and runs whose job was gone, change only
 * the log: no count, no last*, no notice. */
static void
test_skipped_cancelled_gone(void **state)
{
	static const int statuses[] = { LOG_SKIPPED, LOG_CANCELLED };
	struct job_state st, before;
	struct outcome_run r;
	struct outcome out;
	struct job j;
	size_t i;

	(void)state;
	job_with(&j, JOB_NOTIFY_ALWAYS, 1, 1, 3);
	state_fresh(&st);
	st.fail = 2;
	st.notified = 1;
	st.runs = 9;
	before = st;
	for (i = 0; i < 2; i++) {
		r = ran(statuses[i], 1);
		outcome_decide(&j, &st, &r, NOW, &out);
		assert_memory_equal(&out.st, &before, sizeof(before));
		assert_false(out.retry);
		assert_false(out.disable);
		assert_null(out.notice);
	}
	r = ran(LOG_TIMEOUT, 1);
	r.ran = 0;
	outcome_decide(&j, &st, &r, NOW, &out);
	assert_memory_equal(&out.st, &before, sizeof(before));
	assert_null(out.notice);
	outcome_decide(NULL, &st, &r, NOW, &out);
	assert_null(out.notice);
	assert_false(out.disable);
}

/* Only the last attempt counts: earlier failed attempts are retried,
 * without a count or a notice; at shutdown nothing is retried. */
static void
test_retries(void **state)
{
	struct job_state st;
	struct outcome_run r;
	struct outcome out;
	struct job j;

	(void)state;
	job_with(&j, JOB_NOTIFY_FAILURE, 1, 2, 2);
	state_fresh(&st);
	st.fail = 1;
	r = ran(LOG_TIMEOUT, 1);
	outcome_decide(&j, &st, &r, NOW, &out);
	assert_true(out.retry);
	assert_int_equal(out.st.fail, 1);
	assert_int_equal(out.st.last_status, LOG_TIMEOUT);
	assert_false(out.disable);
	assert_null(out.notice);
	r = ran(LOG_TIMEOUT, 2);
	outcome_decide(&j, &st, &r, NOW, &out);
	assert_true(out.retry);
	/* the third attempt is the last of 2 retries */
	r = ran(LOG_TIMEOUT, 3);
	outcome_decide(&j, &st, &r, NOW, &out);
	assert_false(out.retry);
	assert_int_equal(out.st.fail, 2);
	assert_true(out.disable);
	assert_string_equal(out.notice, "disabled");
	/* a success is never retried */
	r = ran(LOG_SUCCESS, 1);
	outcome_decide(&j, &st, &r, NOW, &out);
	assert_false(out.retry);
	/* shutting down: the failure counts at once */
	r = ran(LOG_TIMEOUT, 1);
	r.may_retry = 0;
	outcome_decide(&j, &st, &r, NOW, &out);
	assert_false(out.retry);
	assert_int_equal(out.st.fail, 2);
}

/* At failureThreshold consecutive failures the job is disabled, as of the
 * clock passed in; 0 never disables. */
static void
test_threshold(void **state)
{
	struct job_state st;
	struct job j;
	int disable, i;

	(void)state;
	job_with(&j, JOB_NOTIFY_NEVER, 1, 3, 0);
	state_fresh(&st);
	for (i = 1; i <= 2; i++) {
		assert_null(step(&j, &st, LOG_CONNECT, &disable));
		assert_false(disable);
	}
	assert_null(step(&j, &st, LOG_CONNECT, &disable));
	assert_true(disable);
	assert_int_equal(st.fail, 3);
	/* a success in between starts the count again */
	state_fresh(&st);
	assert_null(step(&j, &st, LOG_CONNECT, &disable));
	assert_null(step(&j, &st, LOG_CONNECT, &disable));
	assert_null(step(&j, &st, LOG_SUCCESS, &disable));
	assert_null(step(&j, &st, LOG_CONNECT, &disable));
	assert_null(step(&j, &st, LOG_CONNECT, &disable));
	assert_false(disable);
	{
		struct outcome_run r = ran(LOG_CONNECT, 1);
		struct outcome out;

		outcome_decide(&j, &st, &r, NOW, &out);
		assert_true(out.disable);
		assert_int_equal(out.disabled_at, NOW);
	}
	/* threshold 0: never */
	job_with(&j, JOB_NOTIFY_NEVER, 1, 0, 0);
	state_fresh(&st);
	for (i = 0; i < 150; i++) {
		assert_null(step(&j, &st, LOG_TIMEOUT, &disable));
		assert_false(disable);
	}
	assert_int_equal(st.fail, 150);
	/* threshold 1: the first failure */
	job_with(&j, JOB_NOTIFY_NEVER, 1, 1, 0);
	state_fresh(&st);
	step(&j, &st, LOG_BLOCKED, &disable);
	assert_true(disable);
}

/* notify 1 (on failure): every notifyEvery-th consecutive failure, then
 * one "recovered"; successes after that say nothing. */
static void
test_notify_on_failure(void **state)
{
	struct job_state st;
	struct job j;

	(void)state;
	job_with(&j, JOB_NOTIFY_FAILURE, 1, 0, 0);
	state_fresh(&st);
	assert_null(step(&j, &st, LOG_SUCCESS, NULL));
	assert_string_equal(step(&j, &st, LOG_TIMEOUT, NULL), "failure");
	assert_int_equal(st.notified, 1);
	assert_string_equal(step(&j, &st, LOG_TIMEOUT, NULL), "failure");
	assert_string_equal(step(&j, &st, LOG_SUCCESS, NULL), "recovered");
	assert_int_equal(st.notified, 0);
	assert_null(step(&j, &st, LOG_SUCCESS, NULL));

	job_with(&j, JOB_NOTIFY_FAILURE, 3, 0, 0);
	state_fresh(&st);
	assert_null(step(&j, &st, LOG_TIMEOUT, NULL));
	assert_null(step(&j, &st, LOG_TIMEOUT, NULL));
	/* two failures were not notified: no recovery to tell */
	assert_null(step(&j, &st, LOG_SUCCESS, NULL));
	assert_null(step(&j, &st, LOG_TIMEOUT, NULL));
	assert_null(step(&j, &st, LOG_TIMEOUT, NULL));
	assert_string_equal(step(&j, &st, LOG_TIMEOUT, NULL), "failure");
	assert_null(step(&j, &st, LOG_TIMEOUT, NULL));
	assert_null(step(&j, &st, LOG_TIMEOUT, NULL));
	assert_string_equal(step(&j, &st, LOG_TIMEOUT, NULL), "failure");
	assert_string_equal(step(&j, &st, LOG_SUCCESS, NULL), "recovered");
}

/* notify 2 (always): failures as above, and every success too. */
static void
test_notify_always(void **state)
{
	struct job_state st;
	struct job j;

	(void)state;
	job_with(&j, JOB_NOTIFY_ALWAYS, 2, 0, 0);
	state_fresh(&st);
	assert_string_equal(step(&j, &st, LOG_SUCCESS, NULL), "success");
	assert_null(step(&j, &st, LOG_TIMEOUT, NULL));
	/* the first failure of every 2 was not notified: a plain success */
	assert_string_equal(step(&j, &st, LOG_SUCCESS, NULL), "success");
	state_fresh(&st);
	assert_null(step(&j, &st, LOG_TIMEOUT, NULL));
	assert_string_equal(step(&j, &st, LOG_TIMEOUT, NULL), "failure");
	assert_string_equal(step(&j, &st, LOG_SUCCESS, NULL), "recovered");
	assert_string_equal(step(&j, &st, LOG_SUCCESS, NULL), "success");
}

/* notify 3 (only when disabled) and 0 (never). */
static void
test_notify_disabled_and_never(void **state)
{
	struct job_state st;
	struct job j;
	int disable;

	(void)state;
	job_with(&j, JOB_NOTIFY_DISABLED, 1, 2, 0);
	state_fresh(&st);
	assert_null(step(&j, &st, LOG_SUCCESS, NULL));
	assert_null(step(&j, &st, LOG_TIMEOUT, &disable));
	assert_false(disable);
	assert_string_equal(step(&j, &st, LOG_TIMEOUT, &disable), "disabled");
	assert_true(disable);
	assert_int_equal(st.notified, 1);
	/* re-enabled by hand, it recovers: that was a notified failure */
	assert_string_equal(step(&j, &st, LOG_SUCCESS, NULL), "recovered");

	/* the disabling failure says "disabled", not "failure" */
	job_with(&j, JOB_NOTIFY_FAILURE, 1, 2, 0);
	state_fresh(&st);
	assert_string_equal(step(&j, &st, LOG_TIMEOUT, NULL), "failure");
	assert_string_equal(step(&j, &st, LOG_TIMEOUT, &disable), "disabled");
	assert_true(disable);

	job_with(&j, JOB_NOTIFY_NEVER, 1, 2, 0);
	state_fresh(&st);
	assert_null(step(&j, &st, LOG_TIMEOUT, NULL));
	assert_null(step(&j, &st, LOG_TIMEOUT, &disable));
	assert_true(disable);
	assert_int_equal(st.notified, 0);
	/* a notified failure from before, then notify set to never */
	st.notified = 1;
	assert_null(step(&j, &st, LOG_SUCCESS, NULL));
	assert_int_equal(st.notified, 0);
}

/* The decision reads only what it is given. */
static void
test_pure(void **state)
{
	struct job_state st, copy;
	struct outcome_run r = ran(LOG_TIMEOUT, 1);
	struct outcome a, b;
	struct job j;

	(void)state;
	job_with(&j, JOB_NOTIFY_FAILURE, 1, 1, 0);
	state_fresh(&st);
	copy = st;
	outcome_decide(&j, &st, &r, NOW, &a);
	outcome_decide(&j, &st, &r, NOW, &b);
	assert_memory_equal(&st, &copy, sizeof(st));
	assert_memory_equal(&a.st, &b.st, sizeof(a.st));
	assert_int_equal(a.disable, b.disable);
	assert_ptr_equal(a.notice, b.notice);
	outcome_decide(&j, &st, &r, NOW + 60, &b);
	assert_int_equal(b.disabled_at, NOW + 60);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fail_counts_and_reset),
		cmocka_unit_test(test_last_http_status),
		cmocka_unit_test(test_skipped_cancelled_gone),
		cmocka_unit_test(test_retries),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_notify_on_failure),
		cmocka_unit_test(test_notify_always),
		cmocka_unit_test(test_notify_disabled_and_never),
		cmocka_unit_test(test_pure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
