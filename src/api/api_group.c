/*
 * api_group: group.* : named sets of an account's jobs.
 */

#include <stdlib.h>
#include <string.h>

#include "store/account.h"
#include "store/cascade.h"
#include "api/api.h"
#include "api/call.h"
#include "util/buf.h"
#include "store/group.h"
#include "store/job.h"
#include "util/json.h"
#include "store/store.h"

static int
api_group_load(struct api_call *c, struct store_txn *t, int write, struct group *g)
{
	uint64_t id;
	int rc;

	memset(g, 0, sizeof(*g));
	if (call_id(c, "id", &id) == -1)
		return -1;
	if ((rc = store_begin(c->api->store, write, t)) != STORE_OK)
		return call_store_error(c, rc, "group");
	if ((rc = group_load_owned(t, c->acct->id, id, g)) != STORE_OK) {
		store_abort(t);
		if (rc == STORE_NOTFOUND)
			return call_error(c, API_NOT_FOUND, "id", "group %llu not found", (unsigned long long)id);
		return call_store_error(c, rc, "group");
	}
	if (call_group_allowed(c, g->id) == -1) { /* a key limited to a group */
		store_abort(t);
		group_free(g);
		return -1;
	}
	return 0;
}

/* name and description; ADDING requires the name. */
static int
api_group_apply(struct api_call *c, struct group *g, int adding)
{
	const char *s;
	int rc;

	if ((rc = (adding ? call_str_req : call_str)(c, "name", GROUP_NAME_MAX, &s)) == -1)
		return -1;
	if (rc == 1) {
		if (*s == '\0')
			return call_error(c, API_INVALID, "name", "name must not be empty");
		free(g->name);
		g->name = xstrdup(s);
	}
	if ((rc = call_str(c, "description", GROUP_DESCRIPTION_MAX, &s)) == -1)
		return -1;
	if (rc == 1) {
		free(g->description);
		g->description = xstrdup(s);
	}
	return 0;
}

struct group_walk {
	struct api_call *c;
	struct store_txn *t;
	const char *name; /* lookup: exact name */
};

static int
api_group_list_one(struct group *g, void *arg)
{
	struct group_walk *w = arg;

	if (w->name && strcmp(g->name, w->name) != 0)
		return 0;
	if (w->c->key && w->c->key->group && g->id != w->c->key->group)
		return 0; /* a key limited to a group sees that group */
	group_json(w->c->g, g, job_count_in_group(w->t, g->id), 0);
	return 0;
}

static int
api_group_walk(struct api_call *c, const char *name)
{
	struct group_walk w = { c, NULL, name };
	struct store_txn t;
	int rc;

	if ((rc = store_begin(c->api->store, 0, &t)) != STORE_OK)
		return call_store_error(c, rc, "group");
	w.t = &t;
	yajl_gen_array_open(c->g);
	rc = group_each(&t, c->acct->id, api_group_list_one, &w);
	store_abort(&t);
	if (rc != STORE_OK)
		return call_store_error(c, rc, "group");
	yajl_gen_array_close(c->g);
	return 0;
}

int
api_group_list(struct api_call *c)
{
	return api_group_walk(c, NULL);
}

int
api_group_lookup(struct api_call *c)
{
	const char *name;

	if (call_str_req(c, "name", GROUP_NAME_MAX, &name) == -1)
		return -1;
	return api_group_walk(c, name);
}

int
api_group_get(struct api_call *c)
{
	struct store_txn t;
	struct group g;
	uint64_t n;

	if (api_group_load(c, &t, 0, &g) == -1)
		return -1;
	n = job_count_in_group(&t, g.id);
	store_abort(&t);
	group_json(c->g, &g, n, 0);
	group_free(&g);
	return 0;
}

/* Commits and answers with G. */
static int
api_group_commit(struct api_call *c, struct store_txn *t, struct group *g, uint64_t jobs, int id_null)
{
	int rc;

	if ((rc = call_commit(c, t)) != STORE_OK) {
		group_free(g);
		return call_store_error(c, rc, "group");
	}
	group_json(c->g, g, jobs, id_null);
	group_free(g);
	return 0;
}

int
api_group_add(struct api_call *c)
{
	struct store_txn t;
	struct group g;
	int rc;
	/* as many groups as jobs: more could never all hold a job */
	uint64_t max = (uint64_t)c->acct->lim.max_jobs;

	group_init(&g, c->acct->id);
	if (api_group_apply(c, &g, 1) == -1) {
		group_free(&g);
		return -1;
	}
	if ((rc = store_begin(c->api->store, 1, &t)) != STORE_OK) {
		group_free(&g);
		return call_store_error(c, rc, "group");
	}
	if (group_count(&t, c->acct->id) >= max) {
		store_abort(&t);
		group_free(&g);
		return call_error(c, API_LIMIT, NULL,
		    "limit reached: this account may have at most %llu groups (one per job of maxJobs)",
		    (unsigned long long)max);
	}
	group_insert(&t, &g, c->now);
	return api_group_commit(c, &t, &g, 0, 0);
}

int
api_group_edit(struct api_call *c)
{
	struct store_txn t;
	struct group g;

	if (api_group_load(c, &t, 1, &g) == -1)
		return -1;
	if (api_group_apply(c, &g, 0) == -1) {
		store_abort(&t);
		group_free(&g);
		return -1;
	}
	group_update(&t, &g, c->now);
	return api_group_commit(c, &t, &g, job_count_in_group(&t, g.id), 0);
}

/* What group.delete, vanish, empty, enable and disable do to each job. */
enum group_op { GROUP_UNGROUP,
	GROUP_DELETE,
	GROUP_ENABLE,
	GROUP_DISABLE };

struct job_list {
	struct job *v;
	size_t n;
};

static int
api_group_collect(struct job *j, void *arg)
{
	struct job_list *l = arg;

	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	job_copy(&l->v[l->n++], j);
	return 0;
}

/* Applies OP to OLD in T; NEW_ is what the job becomes. */
static void
api_group_job(struct api_call *c, struct store_txn *t, enum group_op op, struct job *old,
    struct job *new_)
{
	job_copy(new_, old);
	switch (op) {
	case GROUP_DELETE:
		cascade_job_remove(t, old, c->now);
		break;
	case GROUP_UNGROUP:
		new_->group = 0;
		job_update(t, old, new_, c->now);
		break;
	case GROUP_ENABLE:
	case GROUP_DISABLE:
		if (op == GROUP_ENABLE && new_->status != JOB_ACTIVE)
			new_->st.fail = 0;
		new_->status = op == GROUP_ENABLE ? JOB_ACTIVE : JOB_DISABLED;
		job_update(t, old, new_, c->now);
		break;
	}
}

/* Applies OP to every job of the group; with REMOVE the group goes too. */
static int
api_group_jobs(struct api_call *c, enum group_op op, int remove)
{
	struct job_list before = { NULL, 0 };
	struct store_txn t;
	struct group g;
	struct job *after;
	uint64_t jobs;
	size_t i;
	int rc;

	if (api_group_load(c, &t, 1, &g) == -1)
		return -1;
	/* collect first, then change: the changes edit the index walked */
	rc = job_each_in_group(&t, g.id, api_group_collect, &before);
	after = xcalloc(before.n ? before.n : 1, sizeof(*after));
	for (i = 0; rc == STORE_OK && i < before.n; i++)
		api_group_job(c, &t, op, &before.v[i], &after[i]);
	if (rc == STORE_OK && remove)
		group_remove(&t, &g);
	jobs = op == GROUP_DELETE || op == GROUP_UNGROUP ? 0 : job_count_in_group(&t, g.id);
	if (rc == STORE_OK)
		rc = call_commit(c, &t);
	else
		store_abort(&t);
	for (i = 0; i < before.n; i++) {
		if (rc == STORE_OK)
			c->api->hooks.job_changed(c->api->hooks.arg, &after[i], op == GROUP_DELETE);
		job_free(&before.v[i]);
		if (after[i].name)
			job_free(&after[i]);
	}
	free(before.v);
	free(after);
	if (rc != STORE_OK) {
		group_free(&g);
		return call_store_error(c, rc, "group");
	}
	group_json(c->g, &g, jobs, remove);
	group_free(&g);
	return 0;
}

int
api_group_delete(struct api_call *c)
{
	return api_group_jobs(c, GROUP_UNGROUP, 1);
}
int
api_group_vanish(struct api_call *c)
{
	return api_group_jobs(c, GROUP_DELETE, 1);
}
int
api_group_empty(struct api_call *c)
{
	return api_group_jobs(c, GROUP_DELETE, 0);
}
int
api_group_enable(struct api_call *c)
{
	return api_group_jobs(c, GROUP_ENABLE, 0);
}
int
api_group_disable(struct api_call *c)
{
	return api_group_jobs(c, GROUP_DISABLE, 0);
}

int
api_group_items(struct api_call *c)
{
	struct store_txn t;
	struct group g;

	uint64_t id;

	if (api_group_load(c, &t, 0, &g) == -1)
		return -1;
	store_abort(&t);
	id = g.id;
	group_free(&g);
	return api_cron_list_group(c, id);
}
