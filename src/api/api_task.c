/*
 * api_task: task.* : the ordered steps of a job.
 */

#include <stdlib.h>
#include <string.h>

#include "store/account.h"
#include "api/api.h"
#include "api/call.h"
#include "util/buf.h"
#include "store/job.h"
#include "api/jobparams.h"
#include "util/json.h"
#include "store/store.h"

/* The job that holds task `id` (or the job `job`, when BY_JOB), the
 * caller's own, in a transaction left open. *INDEX is the task's place. */
static int
api_task_load(struct api_call *c, struct store_txn *t, int write, int by_job, struct job *j,
    size_t *index)
{
	uint64_t id, job_id;
	size_t i;
	int rc;

	memset(j, 0, sizeof(*j));
	if (call_id(c, by_job ? "job" : "id", &id) == -1)
		return -1;
	if ((rc = store_begin(c->api->store, write, t)) != STORE_OK)
		return call_store_error(c, rc, "task");
	job_id = id;
	if (!by_job && (rc = job_of_task(t, id, &job_id)) != STORE_OK)
		goto fail;
	if ((rc = job_load_owned(t, c->acct->id, job_id, j)) != STORE_OK)
		goto fail;
	if (call_group_allowed(c, j->group) == -1) { /* a key limited to a group */
		store_abort(t);
		job_free(j);
		return -1;
	}
	if (by_job)
		return 0;
	for (i = 0; i < j->ntasks; i++)
		if (j->tasks[i].id == id) {
			*index = i;
			return 0;
		}
	job_free(j);
	rc = STORE_NOTFOUND;
fail:
	store_abort(t);
	if (rc == STORE_NOTFOUND)
		return call_error(c, API_NOT_FOUND, by_job ? "job" : "id", "%s %llu not found",
		    by_job ? "job" : "task", (unsigned long long)id);
	return call_store_error(c, rc, "task");
}

/* Writes NEW over OLD and answers with the task at INDEX of the job that
 * was written (or of OLD, for a delete). */
static int
api_task_commit(struct api_call *c, struct store_txn *t, struct job *old, struct job *j,
    size_t index, int deleted)
{
	int rc;

	job_update(t, old, j, c->now);
	if ((rc = call_commit(c, t)) != STORE_OK) {
		job_free(old);
		job_free(j);
		return call_store_error(c, rc, "task");
	}
	c->api->hooks.job_changed(c->api->hooks.arg, j, 0);
	if (deleted)
		job_task_json(c->g, old, index, 1);
	else
		job_task_json(c->g, j, index, 0);
	job_free(old);
	job_free(j);
	return 0;
}

int
api_task_list(struct api_call *c)
{
	struct store_txn t;
	struct job j;
	size_t i;

	if (api_task_load(c, &t, 0, 1, &j, NULL) == -1)
		return -1;
	store_abort(&t);
	yajl_gen_array_open(c->g);
	for (i = 0; i < j.ntasks; i++)
		job_task_json(c->g, &j, i, 0);
	yajl_gen_array_close(c->g);
	job_free(&j);
	return 0;
}

int
api_task_get(struct api_call *c)
{
	struct store_txn t;
	struct job j;
	size_t i;

	if (api_task_load(c, &t, 0, 0, &j, &i) == -1)
		return -1;
	store_abort(&t);
	job_task_json(c->g, &j, i, 0);
	job_free(&j);
	return 0;
}

int
api_task_add(struct api_call *c)
{
	struct job_task task;
	struct store_txn t;
	struct job old, j;
	int64_t seq;
	size_t pos;
	int rc;

	if (api_task_load(c, &t, 1, 1, &old, NULL) == -1)
		return -1;
	memset(&task, 0, sizeof(task));
	task.action = xstrdup("");
	task.payload = xstrdup("");
	if (old.ntasks >= (size_t)c->acct->lim.max_tasks) {
		call_error(c, API_LIMIT, NULL, "limit reached: a job may have at most %d tasks (maxTasks)",
		    c->acct->lim.max_tasks);
		goto fail;
	}
	if (jobparams_task(c, &task, 1) == -1)
		goto fail;
	pos = old.ntasks;
	if ((rc = call_int(c, "sequence", 1, (int64_t)old.ntasks + 1, &seq)) == -1)
		goto fail;
	if (rc == 1)
		pos = (size_t)seq - 1;
	job_copy(&j, &old);
	j.tasks = xrealloc(j.tasks, (j.ntasks + 1) * sizeof(*j.tasks));
	memmove(&j.tasks[pos + 1], &j.tasks[pos], (j.ntasks - pos) * sizeof(*j.tasks));
	j.tasks[pos] = task;
	j.ntasks++;
	return api_task_commit(c, &t, &old, &j, pos, 0);
fail:
	store_abort(&t);
	free(task.action);
	free(task.payload);
	job_free(&old);
	return -1;
}

int
api_task_edit(struct api_call *c)
{
	struct store_txn t;
	struct job old, j;
	struct job_task task;
	int64_t seq;
	size_t i, pos;
	int rc;

	if (api_task_load(c, &t, 1, 0, &old, &i) == -1)
		return -1;
	job_copy(&j, &old);
	if (jobparams_task(c, &j.tasks[i], 0) == -1 ||
	    (rc = call_int(c, "sequence", 1, (int64_t)j.ntasks, &seq)) == -1) {
		store_abort(&t);
		job_free(&old);
		job_free(&j);
		return -1;
	}
	pos = i;
	if (rc == 1 && (size_t)seq - 1 != i) {
		/* a move: the others close up and keep their order */
		pos = (size_t)seq - 1;
		task = j.tasks[i];
		if (pos > i)
			memmove(&j.tasks[i], &j.tasks[i + 1], (pos - i) * sizeof(*j.tasks));
		else
			memmove(&j.tasks[pos + 1], &j.tasks[pos], (i - pos) * sizeof(*j.tasks));
		j.tasks[pos] = task;
	}
	return api_task_commit(c, &t, &old, &j, pos, 0);
}

int
api_task_delete(struct api_call *c)
{
	struct store_txn t;
	struct job old, j;
	size_t i;

	if (api_task_load(c, &t, 1, 0, &old, &i) == -1)
		return -1;
	job_copy(&j, &old);
	free(j.tasks[i].action);
	free(j.tasks[i].payload);
	memmove(&j.tasks[i], &j.tasks[i + 1], (j.ntasks - i - 1) * sizeof(*j.tasks));
	j.ntasks--;
	if (j.ntasks == 0 && *j.url == '\0') {
		store_abort(&t);
		job_free(&old);
		job_free(&j);
		return call_error(c, API_INVALID, "id",
		    "this is the job's only step and it has no url: delete the job instead");
	}
	return api_task_commit(c, &t, &old, &j, i, 1);
}
