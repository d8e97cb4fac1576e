/*
 * jobparams: a request's parameters applied to a job (cron.add,
 * cron.edit) and to tasks (task.add, task.edit, and a job's `tasks`
 * array), with every rule of SPEC 3.4 and 3.5.
 */
#ifndef WEBCRON_JOBPARAMS_H
#define WEBCRON_JOBPARAMS_H

#include <stddef.h>

struct api_call;
struct job;
struct job_task;

/* Applies the Job fields present in C's parameters to J (absent fields
 * keep their value). ADDING makes a schedule required. Checks the result
 * as a whole (a URL or tasks, the window, the account's limits). Returns
 * 0, or -1 with the error recorded in C. */
int jobparams_apply(struct api_call *c, struct job *j, int adding);

/* Reads the schedule parameters (expression, or second...weekday) into
 * J's expression, normalized; absent, J is left as it is. Returns 0 or -1
 * (code 22/23 recorded). */
int jobparams_schedule(struct api_call *c, struct job *j);

/* Reads one task from the parameters of C (task.add / task.edit): action,
 * payload, timeOffset, continueOnFailure. With ADDING, action is required.
 * Returns 0 or -1 (error recorded). */
int jobparams_task(struct api_call *c, struct job_task *t, int adding);

/* Checks a job's schedule, zone and limits after a change of its own
 * fields (used by cron.edit and cron.duplicate too). Returns 0 or -1. */
int jobparams_check(struct api_call *c, const struct job *j);

/* Turns a duration ("90", "15 minutes", "2 hours", "1 day", "1h30m") into
 * seconds. Returns 0, or -1 when S is not a duration. */
int jobparams_duration(const char *s, int64_t *out);

/* Copies at most MAX bytes of S into a new string without cutting a UTF-8
 * sequence in half. */
char *jobparams_truncate(const char *s, size_t max);

#endif
