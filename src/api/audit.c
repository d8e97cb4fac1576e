/*
 * audit: an API write's history event, in the write's transaction.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/account.h"
#include "api/api.h"
#include "api/audit.h"
#include "api/call.h"
#include "conf/config.h"
#include "store/group.h"
#include "store/apikey.h"
#include "store/handoff.h"
#include "store/history.h"
#include "store/job.h"
#include "store/store.h"
#include "util/buf.h"

struct audit_jobs {
	struct job *v;
	size_t n;
};

struct audit {
	struct store_txn t;
	const char *object;                          /* the kind acted on: "job", "group", "account" */
	uint64_t next_job, next_group, next_account; /* the counters before */
	struct audit_jobs jobs;                      /* before */
	struct group group;
	int has_group;
	struct account account;
	int has_account;
};

/* The id parameter NAME as the handler will read it; 0 when absent or
 * not an id (the handler answers that). */
static uint64_t
audit_param_id(struct api_call *c, const char *name)
{
	const struct param *p = params_get(&c->params, name);
	char *end;
	unsigned long long v;

	if (p == NULL || p->kind != PARAM_STR || p->str == NULL)
		return 0;
	v = strtoull(p->str, &end, 10);
	return *end == '\0' ? (uint64_t)v : 0;
}

static void
audit_job_add(struct audit_jobs *l, const struct job *j)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	job_copy(&l->v[l->n++], j);
}

static int
audit_collect(struct job *j, void *arg)
{
	audit_job_add(arg, j);
	return 0;
}

static void
audit_load_job(struct audit *a, uint64_t account, uint64_t id)
{
	struct job j;

	if (id && job_load_owned(&a->t, account, id, &j) == STORE_OK) {
		audit_job_add(&a->jobs, &j);
		job_free(&j);
	}
	a->t.err = 0; /* a job not found is the handler's to answer */
}

struct audit *
audit_begin(struct api_call *c)
{
	struct audit *a = xcalloc(1, sizeof(*a));
	const char *target = c->route->target;
	uint64_t id, acct = c->acct->id, moving = 0;
	int rc;

	if ((rc = store_begin(c->api->store, 1, &a->t)) != STORE_OK) {
		free(a);
		call_store_error(c, rc, "history");
		return NULL;
	}
	/* in the write's own transaction: once a handoff has committed, no
	 * write of the account commits after it (store/handoff.h) */
	id = strcmp(target, "user") == 0 ? audit_param_id(c, "id") : 0;
	if (handoff_get(&a->t, acct, NULL) == STORE_OK)
		moving = acct;
	else if (id && handoff_get(&a->t, id, NULL) == STORE_OK)
		moving = id;
	if (moving) {
		store_abort(&a->t);
		free(a);
		call_moving(c, moving);
		return NULL;
	}
	a->t.err = 0;
	if (strcmp(target, "cron") == 0) {
		a->object = "job";
		audit_load_job(a, acct, audit_param_id(c, "id"));
	} else if (strcmp(target, "task") == 0) {
		a->object = "job";
		if (strcmp(c->route->action, "add") == 0)
			id = audit_param_id(c, "job");
		else if ((id = audit_param_id(c, "id")) != 0 && job_of_task(&a->t, id, &id) != STORE_OK)
			id = 0;
		audit_load_job(a, acct, id);
	} else if (strcmp(target, "group") == 0) {
		a->object = "group";
		if ((id = audit_param_id(c, "id")) != 0 &&
		    group_load_owned(&a->t, acct, id, &a->group) == STORE_OK) {
			a->has_group = 1;
			job_each_in_group(&a->t, id, audit_collect, &a->jobs);
		}
	} else {
		a->object = "account";
		id = strcmp(target, "user") == 0 ? audit_param_id(c, "id") : acct;
		if (id && account_load(&a->t, id, &a->account) == STORE_OK)
			a->has_account = 1;
	}
	/* the counters audit_end compares with, for what it will look at:
	 * jobs for a job's write and a group's, groups for a group's,
	 * accounts for an account's (read with no error left from above) */
	a->t.err = 0;
	if (strcmp(a->object, "account") != 0)
		a->next_job = history_peek_id(&a->t, "job");
	if (strcmp(a->object, "group") == 0)
		a->next_group = history_peek_id(&a->t, "group");
	if (strcmp(a->object, "account") == 0)
		a->next_account = history_peek_id(&a->t, "account");
	a->t.err = 0;
	return a;
}

/* The event's who, when, from where and what. */
static void
audit_event(struct history_event *e, struct api_call *c, const char *object, uint64_t id)
{
	struct buf action = BUF_INIT;

	memset(e, 0, sizeof(*e));
	e->time = c->now;
	e->actor = xstrdup("api");
	e->by = c->caller.id;
	/* the API key the call was made with, or the account's token */
	e->key = xstrdup(c->key ? c->key->name : "token");
	e->client = c->client_text[0] ? xstrdup(c->client_text) : NULL;
	buf_printf(&action, "%s.%s", c->route->target, c->route->action);
	e->action = action.data;
	e->object = xstrdup(object);
	e->object_id = id;
}

static void
audit_put(struct audit *a, struct api_call *c, struct history_event *e)
{
	const struct config *cfg = c->api->cfg;

	history_put(&a->t, e, cfg->history_max, cfg->history_days);
	history_event_free(e);
}

/* The events of the jobs: OLD (before) and the ids from FIRST to the
 * counter now (created). MAIN: the write acts on jobs (an event even
 * when nothing changed). */
static void
audit_jobs(struct audit *a, struct api_call *c, int main)
{
	struct history_event e;
	uint64_t id, last = history_peek_id(&a->t, "job");
	struct job j;
	size_t i;

	for (i = 0; i < a->jobs.n && a->t.err == 0; i++) {
		struct job *old = &a->jobs.v[i];
		int found = job_load(&a->t, old->id, &j) == STORE_OK;

		if (!found)
			a->t.err = 0;
		audit_event(&e, c, "job", old->id);
		e.account = old->account;
		history_diff_job(&e, old, found ? &j : NULL);
		if (main || e.nchanges)
			audit_put(a, c, &e);
		else
			history_event_free(&e);
		if (found)
			job_free(&j);
	}
	for (id = a->next_job; id < last && a->t.err == 0; id++) {
		if (job_load(&a->t, id, &j) != STORE_OK) {
			a->t.err = 0;
			continue;
		}
		audit_event(&e, c, "job", id);
		e.account = j.account;
		history_diff_job(&e, NULL, &j);
		audit_put(a, c, &e);
		job_free(&j);
	}
}

static void
audit_groups(struct audit *a, struct api_call *c)
{
	struct history_event e;
	uint64_t id, last = history_peek_id(&a->t, "group");
	struct group g;
	int found;

	if (a->has_group) {
		found = group_load_owned(&a->t, a->group.account, a->group.id, &g) == STORE_OK;
		a->t.err = 0;
		audit_event(&e, c, "group", a->group.id);
		e.account = a->group.account;
		history_diff_group(&e, &a->group, found ? &g : NULL);
		audit_put(a, c, &e);
		if (found)
			group_free(&g);
	}
	for (id = a->next_group; id < last && a->t.err == 0; id++) {
		if (group_load_owned(&a->t, c->acct->id, id, &g) != STORE_OK) {
			a->t.err = 0;
			continue;
		}
		audit_event(&e, c, "group", id);
		e.account = g.account;
		history_diff_group(&e, NULL, &g);
		audit_put(a, c, &e);
		group_free(&g);
	}
}

static void
audit_accounts(struct audit *a, struct api_call *c)
{
	struct history_event e;
	uint64_t id, last = history_peek_id(&a->t, "account");
	struct account n;
	int found;

	if (a->has_account) {
		found = account_load(&a->t, a->account.id, &n) == STORE_OK;
		a->t.err = 0;
		audit_event(&e, c, "account", a->account.id);
		/* a deleted account's history went with it: the event is the
		 * caller's */
		e.account = found ? a->account.id : c->caller.id;
		history_diff_account(&e, &a->account, found ? &n : NULL);
		audit_put(a, c, &e);
		if (found)
			account_free(&n);
	}
	for (id = a->next_account; id < last && a->t.err == 0; id++) {
		if (account_load(&a->t, id, &n) != STORE_OK) {
			a->t.err = 0;
			continue;
		}
		audit_event(&e, c, "account", id);
		e.account = id;
		history_diff_account(&e, NULL, &n);
		audit_put(a, c, &e);
		account_free(&n);
	}
}

static void
audit_free(struct audit *a)
{
	size_t i;

	for (i = 0; i < a->jobs.n; i++)
		job_free(&a->jobs.v[i]);
	free(a->jobs.v);
	if (a->has_group)
		group_free(&a->group);
	if (a->has_account)
		account_free(&a->account);
	free(a);
}

int
audit_end(struct audit *a, struct api_call *c)
{
	int rc;

	if (c->code != 0) {
		store_abort(&a->t);
		audit_free(a);
		return 0;
	}
	if (strcmp(a->object, "job") == 0)
		audit_jobs(a, c, 1);
	else if (strcmp(a->object, "group") == 0) {
		audit_groups(a, c);
		audit_jobs(a, c, 0);
	} else
		audit_accounts(a, c);
	rc = store_commit(&a->t);
	audit_free(a);
	if (rc != STORE_OK) {
		return call_store_error(c, rc, "history");
	}
	return 0;
}
