/*
 * api_cron: cron.* : jobs.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/account.h"
#include "store/cascade.h"
#include "api/api.h"
#include "api/call.h"
#include "util/buf.h"
#include "conf/config.h"
#include "engine/cron.h"
#include "store/job.h"
#include "api/jobparams.h"
#include "util/json.h"
#include "store/execlog.h"
#include "store/store.h"
#include "engine/tz.h"

#define CRON_LIST_MAX 1000
#define CRON_NEXT_MAX 100
#define CRON_UPCOMING_HOURS 168
#define CRON_NEXT_RUNS_MAX 50 /* cron.get's nextRuns */

static void api_cron_json_full(struct api_call *c, const struct job *j, int id_null,
    const char *ua, int next_runs);

static void
api_cron_json_ua(struct api_call *c, const struct job *j, int id_null, const char *ua)
{
	api_cron_json_full(c, j, id_null, ua, 0);
}

static void
api_cron_json_runs(struct api_call *c, const struct job *j, int id_null, int next_runs)
{
	api_cron_json_full(c, j, id_null, NULL, next_runs);
}

/* Writes J for the account acted for, with its computed fields; UA is the
 * server's User-Agent (config_user_agent), NULL to make it here; with
 * NEXT_RUNS fire times in "nextRuns" (0: left out). */
static void
api_cron_json_full(struct api_call *c, const struct job *j, int id_null, const char *ua,
    int next_runs)
{
	char own[512];
	struct job_view v;

	if (ua == NULL) {
		config_user_agent(c->api->cfg, own, sizeof(own));
		ua = own;
	}
	memset(&v, 0, sizeof(v));
	v.zone = job_zone(j, c->acct);
	v.now = c->now;
	v.points = store_points(c->api->store);
	v.next_run = id_null ? 0 : job_next_run_cached(j, v.zone, c->now, v.points);
	v.processing = !id_null && c->api->hooks.job_running(c->api->hooks.arg, j->id) > 0;
	/* past the account's daily limit, an active job rests until tomorrow */
	if (j->status == JOB_ACTIVE &&
	    c->api->hooks.daily_reached(c->api->hooks.arg, j->account, c->now)) {
		v.status = JOB_INACTIVE;
		v.next_run = 0;
	} else
		v.status = j->status;
	v.id_null = id_null;
	v.user_agent = ua;
	v.next_runs = next_runs;
	job_json(c->g, j, &v);
}

static void
api_cron_json(struct api_call *c, const struct job *j, int id_null)
{
	api_cron_json_ua(c, j, id_null, NULL);
}

/* Reads the job named by `id` (the caller's own) into J, in a transaction
 * that stays open for the caller (write when WRITE). */
static int
api_cron_load(struct api_call *c, struct store_txn *t, int write, struct job *j)
{
	uint64_t id;
	int rc;

	memset(j, 0, sizeof(*j));
	if (call_id(c, "id", &id) == -1)
		return -1;
	if ((rc = store_begin(c->api->store, write, t)) != STORE_OK)
		return call_store_error(c, rc, "job");
	if ((rc = job_load_owned(t, c->acct->id, id, j)) != STORE_OK) {
		store_abort(t);
		if (rc == STORE_NOTFOUND)
			return call_error(c, API_NOT_FOUND, "id", "job %llu not found", (unsigned long long)id);
		return call_store_error(c, rc, "job");
	}
	if (call_group_allowed(c, j->group) == -1) { /* a key limited to a group */
		store_abort(t);
		job_free(j);
		return -1;
	}
	return 0;
}

/* Commits T and answers with J, or with the store's error. */
static int
api_cron_commit(struct api_call *c, struct store_txn *t, struct job *j, int id_null)
{
	int rc;

	if ((rc = call_commit(c, t)) != STORE_OK) {
		job_free(j);
		return call_store_error(c, rc, "job");
	}
	c->api->hooks.job_changed(c->api->hooks.arg, j, id_null);
	api_cron_json(c, j, id_null);
	job_free(j);
	return 0;
}

/* ---- list, get */

struct cron_list {
	struct api_call *c;
	const char *keyword;
	uint64_t group;
	int status; /* -1 = any */
	int64_t skip;
	int64_t limit;
	char ua[512]; /* the server's User-Agent, made once */
};

static int
api_cron_list_one(struct job *j, void *arg)
{
	struct cron_list *l = arg;
	char id[24];

	/* the group index holds every account's jobs: a group id of another
	 * account must list nothing */
	if (j->account != l->c->acct->id)
		return 0;
	if (l->status >= 0 && j->status != l->status)
		return 0;
	if (l->group && j->group != l->group)
		return 0;
	if (l->keyword && *l->keyword) {
		snprintf(id, sizeof(id), "%llu", (unsigned long long)j->id);
		if (!strcasestr(j->name, l->keyword) && !strcasestr(j->url, l->keyword) &&
		    strcmp(id, l->keyword) != 0)
			return 0;
	}
	if (l->skip > 0) {
		l->skip--;
		return 0;
	}
	api_cron_json_ua(l->c, j, 0, l->ua);
	return --l->limit == 0;
}

int
api_cron_list(struct api_call *c)
{
	int64_t v = 0;

	if (call_int(c, "group", 0, INT64_MAX, &v) == -1)
		return -1;
	/* a key limited to a group lists that group's jobs */
	if (c->key && c->key->group && v == 0)
		v = (int64_t)c->key->group;
	if (call_group_allowed(c, (uint64_t)v) == -1)
		return -1;
	return api_cron_list_group(c, (uint64_t)v);
}

int
api_cron_list_group(struct api_call *c, uint64_t group)
{
	struct cron_list l;
	struct store_txn t;
	int64_t page = 1, after = 0, v;
	uint64_t skip;
	int rc;

	memset(&l, 0, sizeof(l));
	l.c = c;
	l.status = -1;
	l.limit = CRON_LIST_MAX;
	l.group = group;
	if (call_str(c, "keyword", 255, &l.keyword) == -1 ||
	    call_int(c, "page", 1, 1000000, &page) == -1 ||
	    call_int(c, "after", 0, INT64_MAX, &after) == -1 ||
	    call_int(c, "limit", 1, CRON_LIST_MAX, &l.limit) == -1)
		return -1;
	if ((rc = call_int(c, "status", 0, 4, &v)) == -1)
		return -1;
	if (rc == 1)
		l.status = (int)v;
	/* without a filter the jobs before the page are passed over by their
	 * index keys; a filter must read them to know which ones count */
	skip = (uint64_t)(page - 1) * (uint64_t)l.limit;
	if (l.status >= 0 || (l.keyword && *l.keyword)) {
		l.skip = (int64_t)skip;
		skip = 0;
	}
	if ((rc = store_begin(c->api->store, 0, &t)) != STORE_OK)
		return call_store_error(c, rc, "job");
	config_user_agent(c->api->cfg, l.ua, sizeof(l.ua));
	yajl_gen_array_open(c->g);
	/* only a keyword needs the jobs' texts: the others are read light */
	rc = (l.keyword && *l.keyword ? job_each_page : job_each_page_light)(&t, c->acct->id,
	    l.group, (uint64_t)after, skip, api_cron_list_one, &l);
	store_abort(&t);
	if (rc != STORE_OK)
		return call_store_error(c, rc, "job");
	yajl_gen_array_close(c->g);
	return 0;
}

/* cron.get's nextRuns: true (5), false, or a count up to
 * CRON_NEXT_RUNS_MAX. Returns 0 with *OUT set (0 when absent), or -1. */
static int
api_cron_next_runs(struct api_call *c, int *out)
{
	const char *s;
	int64_t v;
	int rc;

	*out = 0;
	if ((rc = call_str(c, "nextRuns", 16, &s)) != 1)
		return rc;
	if (strcasecmp(s, "true") == 0)
		*out = 5;
	else if (strcasecmp(s, "false") != 0) {
		if (call_int(c, "nextRuns", 0, CRON_NEXT_RUNS_MAX, &v) == -1)
			return -1;
		*out = (int)v;
	}
	return 0;
}

int
api_cron_get(struct api_call *c)
{
	struct store_txn t;
	struct job j;
	int next_runs;
	uint64_t id;
	int rc;

	if (api_cron_next_runs(c, &next_runs) == -1)
		return -1;
	if (call_id(c, "id", &id) == -1)
		return -1;
	if ((rc = store_begin(c->api->store, 0, &t)) != STORE_OK)
		return call_store_error(c, rc, "job");
	/* read light: shown before the transaction ends */
	if ((rc = job_load_light(&t, c->acct->id, id, &j)) != STORE_OK) {
		store_abort(&t);
		if (rc == STORE_NOTFOUND)
			return call_error(c, API_NOT_FOUND, "id", "job %llu not found", (unsigned long long)id);
		return call_store_error(c, rc, "job");
	}
	if (call_group_allowed(c, j.group) == -1) { /* a key limited to a group */
		store_abort(&t);
		job_free(&j);
		return -1;
	}
	api_cron_json_runs(c, &j, 0, next_runs);
	store_abort(&t);
	job_free(&j);
	return 0;
}

/* ---- add, edit, delete, duplicate */

static int
api_cron_limit(struct api_call *c, struct store_txn *t)
{
	struct account a;
	int rc;

	/* the count of the transaction, not of the token's snapshot */
	if ((rc = account_load(t, c->acct->id, &a)) != STORE_OK)
		return call_store_error(c, rc, "account");
	rc = a.jobs >= (uint64_t)a.lim.max_jobs;
	account_free(&a);
	if (rc)
		return call_error(c, API_LIMIT, NULL,
		    "limit reached: this account may have at most %d jobs (maxJobs)", c->acct->lim.max_jobs);
	return 0;
}

int
api_cron_add(struct api_call *c)
{
	struct store_txn t;
	struct job j;
	int rc;

	job_init(&j, c->acct);
	j.created_at = c->now;
	if (jobparams_apply(c, &j, 1) == -1 || call_group_allowed(c, j.group) == -1) {
		job_free(&j);
		return -1;
	}
	if ((rc = store_begin(c->api->store, 1, &t)) != STORE_OK) {
		job_free(&j);
		return call_store_error(c, rc, "job");
	}
	if (api_cron_limit(c, &t) == -1) {
		store_abort(&t);
		job_free(&j);
		return -1;
	}
	job_insert(&t, &j, c->now);
	return api_cron_commit(c, &t, &j, 0);
}

int
api_cron_edit(struct api_call *c)
{
	struct store_txn t;
	struct job old, j;

	if (api_cron_load(c, &t, 1, &old) == -1)
		return -1;
	job_copy(&j, &old);
	if (jobparams_apply(c, &j, 0) == -1 || call_group_allowed(c, j.group) == -1) {
		store_abort(&t);
		job_free(&old);
		job_free(&j);
		return -1;
	}
	job_update(&t, &old, &j, c->now);
	job_free(&old);
	return api_cron_commit(c, &t, &j, 0);
}

int
api_cron_delete(struct api_call *c)
{
	struct store_txn t;
	struct job j;

	if (api_cron_load(c, &t, 1, &j) == -1)
		return -1;
	cascade_job_remove(&t, &j, c->now);
	return api_cron_commit(c, &t, &j, 1);
}

int
api_cron_duplicate(struct api_call *c)
{
	struct store_txn t;
	struct job src, j;
	struct buf name = BUF_INIT;
	size_t i;

	if (api_cron_load(c, &t, 1, &src) == -1)
		return -1;
	if (api_cron_limit(c, &t) == -1) {
		store_abort(&t);
		job_free(&src);
		return -1;
	}
	job_copy(&j, &src);
	job_free(&src);
	buf_printf(&name, "Copy of %s", j.name);
	free(j.name);
	j.name = jobparams_truncate(buf_str(&name), JOB_NAME_MAX);
	buf_free(&name);
	j.status = JOB_DISABLED;
	j.paused_until = 0;
	memset(&j.st, 0, sizeof(j.st));
	j.st.last_status = -1;
	for (i = 0; i < j.ntasks; i++)
		j.tasks[i].id = 0;
	job_insert(&t, &j, c->now);
	return api_cron_commit(c, &t, &j, 0);
}

/* ---- status changes */

static int
api_cron_set_status(struct api_call *c, int toggle, int status)
{
	struct store_txn t;
	struct job old, j;

	if (api_cron_load(c, &t, 1, &old) == -1)
		return -1;
	job_copy(&j, &old);
	if (toggle)
		status = old.status == JOB_ACTIVE ? JOB_DISABLED : JOB_ACTIVE;
	if (status == JOB_ACTIVE && old.status != JOB_ACTIVE)
		j.st.fail = 0;
	j.status = status;
	job_update(&t, &old, &j, c->now);
	job_free(&old);
	return api_cron_commit(c, &t, &j, 0);
}

int
api_cron_enable(struct api_call *c)
{
	return api_cron_set_status(c, 0, JOB_ACTIVE);
}
int
api_cron_disable(struct api_call *c)
{
	return api_cron_set_status(c, 0, JOB_DISABLED);
}
int
api_cron_toggle(struct api_call *c)
{
	return api_cron_set_status(c, 1, 0);
}

int
api_cron_pause(struct api_call *c)
{
	struct store_txn t;
	struct job old, j;
	const char *s;
	int64_t secs;

	if (call_str_req(c, "for", 64, &s) == -1)
		return -1;
	if (jobparams_duration(s, &secs) == -1 || secs > 366 * 86400)
		return call_error(c, API_INVALID, "for",
		    "for must be seconds or a duration such as \"15 minutes\", \"2 hours\", \"1 day\" (at most a year)");
	if (api_cron_load(c, &t, 1, &old) == -1)
		return -1;
	job_copy(&j, &old);
	j.paused_until = secs ? c->now + secs : 0;
	job_update(&t, &old, &j, c->now);
	job_free(&old);
	return api_cron_commit(c, &t, &j, 0);
}

/* ---- the schedule */

int
api_cron_next(struct api_call *c)
{
	struct store_txn t;
	struct cron_window w;
	struct cron *cr;
	struct job j;
	const struct tz *zone;
	int64_t count = 5, after, next;

	if (call_int(c, "count", 1, CRON_NEXT_MAX, &count) == -1)
		return -1;
	if (api_cron_load(c, &t, 0, &j) == -1)
		return -1;
	store_abort(&t);
	if (cron_parse(j.expression, &cr, NULL) == -1) {
		job_free(&j);
		return call_error(c, API_INTERNAL, NULL, "internal error");
	}
	zone = job_zone(&j, c->acct);
	job_window(&j, &w);
	after = j.paused_until > c->now ? j.paused_until - 1 : c->now;
	yajl_gen_array_open(c->g);
	while (count-- > 0 && cron_next(cr, zone, &w, after, &next) == 0) {
		json_int(c->g, next);
		after = next;
	}
	yajl_gen_array_close(c->g);
	cron_free(cr);
	job_free(&j);
	return 0;
}

struct upcoming {
	int64_t time;
	uint64_t id;
	char *name;
	char *expression;
};

struct upcoming_walk {
	struct api_call *c;
	int64_t until;
	size_t max;
	struct upcoming *v;
	size_t n;
};

static int
upcoming_cmp(const void *a, const void *b)
{
	const struct upcoming *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int
api_cron_upcoming_one(struct job *j, void *arg)
{
	struct upcoming_walk *u = arg;
	struct cron_window w;
	struct cron *cr;
	const struct tz *zone;
	int64_t after, next;
	size_t added = 0;

	if (j->status != JOB_ACTIVE || (u->c->key && u->c->key->group && j->group != u->c->key->group) ||
	    cron_parse(j->expression, &cr, NULL) == -1)
		return 0;
	zone = job_zone(j, u->c->acct);
	job_window(j, &w);
	after = j->paused_until > u->c->now ? j->paused_until - 1 : u->c->now;
	/* at most MAX of one job can be among the first MAX of all */
	while (added < u->max && cron_next(cr, zone, &w, after, &next) == 0 && next <= u->until) {
		u->v = xrealloc(u->v, (u->n + 1) * sizeof(*u->v));
		u->v[u->n].time = next;
		u->v[u->n].id = j->id;
		u->v[u->n].name = xstrdup(j->name);
		u->v[u->n].expression = xstrdup(j->expression);
		u->n++;
		added++;
		after = next;
	}
	cron_free(cr);
	return 0;
}

int
api_cron_upcoming(struct api_call *c)
{
	struct upcoming_walk u;
	struct store_txn t;
	int64_t hours = 24, limit = 100;
	size_t i;
	int rc;

	if (call_int(c, "hours", 1, CRON_UPCOMING_HOURS, &hours) == -1 ||
	    call_int(c, "limit", 1, CRON_LIST_MAX, &limit) == -1)
		return -1;
	memset(&u, 0, sizeof(u));
	u.c = c;
	u.until = c->now + hours * 3600;
	u.max = (size_t)limit;
	if ((rc = store_begin(c->api->store, 0, &t)) != STORE_OK)
		return call_store_error(c, rc, "job");
	rc = job_each(&t, c->acct->id, api_cron_upcoming_one, &u);
	store_abort(&t);
	if (rc == STORE_OK) {
		if (u.n)
			qsort(u.v, u.n, sizeof(*u.v), upcoming_cmp);
		yajl_gen_array_open(c->g);
		for (i = 0; i < u.n && i < u.max; i++) {
			yajl_gen_map_open(c->g);
			json_kint(c->g, "id", (int64_t)u.v[i].id);
			json_kstr(c->g, "name", u.v[i].name);
			json_kint(c->g, "time", u.v[i].time);
			json_kstr(c->g, "expression", u.v[i].expression);
			yajl_gen_map_close(c->g);
		}
		yajl_gen_array_close(c->g);
	}
	for (i = 0; i < u.n; i++) {
		free(u.v[i].name);
		free(u.v[i].expression);
	}
	free(u.v);
	return rc == STORE_OK ? 0 : call_store_error(c, rc, "job");
}

int
api_cron_validate(struct api_call *c)
{
	char normal[CRON_FORMAT_MAX], description[512];
	struct cron_window w;
	struct cron_error e;
	struct cron *cr;
	struct job j;
	const struct tz *zone;
	const char *zone_name;
	int64_t count = 5, from = c->now, next;
	int rc;

	if (call_int(c, "count", 1, CRON_NEXT_MAX, &count) == -1 ||
	    call_int(c, "from", 0, JOB_TIME_MAX, &from) == -1)
		return -1;
	if ((rc = call_str(c, "timezone", JOB_TIMEZONE_MAX, &zone_name)) == -1)
		return -1;
	if (rc != 1 || *zone_name == '\0')
		zone_name = c->acct->timezone;
	if ((zone = tz_get(zone_name)) == NULL)
		return call_error(c, API_TIMEZONE, "timezone", "unknown time zone \"%s\"", zone_name);
	/* the schedule parameters are read exactly as cron.add reads them */
	job_init(&j, c->acct);
	rc = jobparams_schedule(c, &j);
	if (rc == 0 && *j.expression == '\0')
		rc = call_error(c, API_MISSING, "expression",
		    "a schedule is required: expression, or the fields second...weekday");
	if (rc == -1) {
		job_free(&j);
		return -1;
	}
	if (cron_parse(j.expression, &cr, &e) == -1) {
		job_free(&j);
		return call_error(c, API_SCHEDULE, "expression", "%s: %s", e.field, e.message);
	}
	cron_format(cr, normal, sizeof(normal));
	cron_describe(cr, description, sizeof(description));
	memset(&w, 0, sizeof(w));
	w.anchor = from;
	yajl_gen_map_open(c->g);
	json_kstr(c->g, "expression", normal);
	json_kstr(c->g, "description", description);
	json_kstr(c->g, "timezone", tz_name(zone));
	json_key(c->g, "nextRuns");
	yajl_gen_array_open(c->g);
	while (count-- > 0 && cron_next(cr, zone, &w, from, &next) == 0) {
		json_int(c->g, next);
		from = next;
	}
	yajl_gen_array_close(c->g);
	yajl_gen_map_close(c->g);
	cron_free(cr);
	job_free(&j);
	return 0;
}

int
api_cron_presets(struct api_call *c)
{
	const struct cron_preset *p;
	size_t n, i;

	p = cron_presets(&n);
	yajl_gen_array_open(c->g);
	for (i = 0; i < n; i++) {
		yajl_gen_map_open(c->g);
		json_kstr(c->g, "name", p[i].name);
		json_kstr(c->g, "expression", p[i].expression);
		json_kstr(c->g, "description", p[i].description);
		yajl_gen_map_close(c->g);
	}
	yajl_gen_array_close(c->g);
	return 0;
}

/* ---- executions */

/* The steps that make a run of the job (the concurrency and daily limits,
 * the durable record, the submission) are the executor's, as for a
 * scheduled fire: this asks for them through one hook and answers. */
int
api_cron_run(struct api_call *c)
{
	struct api_run r;
	struct store_txn t;
	struct job j;
	const char *payload;

	if (call_str(c, "payload", JOB_POSTDATA_MAX, &payload) == -1)
		return -1;
	if (api_cron_load(c, &t, 0, &j) == -1)
		return -1;
	store_abort(&t);
	if (call_params_check(c) == -1) {
		job_free(&j);
		return -1;
	}
	memset(&r, 0, sizeof(r));
	if (c->api->hooks.run_now(c->api->hooks.arg, &j, payload, c->now, &r) == -1) {
		switch (r.refused) {
		case API_RUNNING:
			call_error(c, API_RUNNING, "id", j.single ? "job %llu is running and may not overlap itself (single)" : "job %llu is running %u times already (instances)",
			    (unsigned long long)j.id, r.active);
			break;
		case API_DAILY:
			call_error(c, API_DAILY, NULL,
			    "daily execution limit reached: %d runs a day (dailyExecutions)",
			    c->acct->lim.daily_executions);
			break;
		case API_MOVING:
			call_moving(c, c->acct->id);
			break;
		default:
			call_store_error(c, r.store_status, "job");
			break;
		}
		job_free(&j);
		return -1;
	}
	yajl_gen_map_open(c->g);
	json_kint(c->g, "time", c->now);
	json_kint(c->g, "execution", (int64_t)r.execution);
	yajl_gen_map_close(c->g);
	job_free(&j);
	return 0;
}

struct log_walk {
	struct api_call *c;
	int64_t limit;
	int status;   /* -1 = any */
	int failures; /* only failed logs */
};

static int
api_cron_log_one(struct execlog *l, void *arg)
{
	struct log_walk *w = arg;

	if (w->status >= 0 && l->status != w->status)
		return 0;
	if (w->failures && !LOG_IS_FAILURE(l->status))
		return 0;
	execlog_json(w->c->g, l);
	return --w->limit == 0;
}

/* cron.logs and cron.failures: the logs of one job (`id`), or with
 * FAILURES and no id, the failures of every job of the account. */
static int
api_cron_log_list(struct api_call *c, int failures)
{
	struct log_walk w = { c, 50, -1, failures };
	struct store_txn t;
	struct job j;
	int64_t before = 0, v;
	uint64_t id = 0;
	int rc;

	if (call_int(c, "limit", 1, 1000, &w.limit) == -1 ||
	    call_int(c, "before", 1, INT64_MAX, &before) == -1)
		return -1;
	if ((rc = call_int(c, "status", 0, 8, &v)) == -1)
		return -1;
	if (rc == 1)
		w.status = (int)v;
	if (failures && !params_get(&c->params, "id") && c->key && c->key->group)
		return call_error(c, API_DENIED, "id", "permission denied: this key is limited to group %llu: "
		                                       "give the id of one of its jobs",
		    (unsigned long long)c->key->group);
	if (!failures || params_get(&c->params, "id")) {
		if (api_cron_load(c, &t, 0, &j) == -1)
			return -1;
		id = j.id;
		job_free(&j);
	} else if ((rc = store_begin(c->api->store, 0, &t)) != STORE_OK)
		return call_store_error(c, rc, "log");
	/* writes of finished runs are batched: make them visible first */
	store_abort(&t);
	c->api->hooks.logs_flush(c->api->hooks.arg);
	if ((rc = store_begin(c->api->store, 0, &t)) != STORE_OK)
		return call_store_error(c, rc, "log");
	yajl_gen_array_open(c->g);
	rc = id ? execlog_each(&t, id, (uint64_t)before, api_cron_log_one, &w) :
	          execlog_each_failure(&t, c->acct->id, (uint64_t)before, api_cron_log_one, &w);
	store_abort(&t);
	if (rc != STORE_OK)
		return call_store_error(c, rc, "log");
	yajl_gen_array_close(c->g);
	return 0;
}

/* cron.log: one execution of job `id`, by the id cron.run answered (or
 * a Log's id), so that a client can poll a run it started: the Log once
 * the run has finished; {"id", "jobId", "running": true} while the job has
 * a run underway whose log is not written yet. */
int
api_cron_log(struct api_call *c)
{
	struct execlog l;
	struct store_txn t;
	struct job j;
	uint64_t exec, job;
	int rc;

	if (call_id(c, "execution", &exec) == -1)
		return -1;
	if (api_cron_load(c, &t, 0, &j) == -1)
		return -1;
	store_abort(&t);
	job = j.id;
	job_free(&j);
	/* writes of finished runs are batched: make them visible first */
	c->api->hooks.logs_flush(c->api->hooks.arg);
	if ((rc = store_begin(c->api->store, 0, &t)) != STORE_OK)
		return call_store_error(c, rc, "log");
	rc = execlog_load(&t, job, exec, &l);
	store_abort(&t);
	if (rc == STORE_OK) {
		execlog_json(c->g, &l);
		execlog_free(&l);
		return 0;
	}
	if (rc != STORE_NOTFOUND)
		return call_store_error(c, rc, "log");
	if (c->api->hooks.job_running(c->api->hooks.arg, job) == 0)
		return call_error(c, API_NOT_FOUND, "execution", "execution %llu of job %llu not found",
		    (unsigned long long)exec, (unsigned long long)job);
	yajl_gen_map_open(c->g);
	json_kint(c->g, "id", (int64_t)exec);
	json_kint(c->g, "jobId", (int64_t)job);
	json_kbool(c->g, "running", 1);
	yajl_gen_map_close(c->g);
	return 0;
}

int
api_cron_logs(struct api_call *c)
{
	return api_cron_log_list(c, 0);
}

int
api_cron_failures(struct api_call *c)
{
	return api_cron_log_list(c, 1);
}
