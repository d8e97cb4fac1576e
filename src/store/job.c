/*
 * job: records, indexes and JSON of jobs and their tasks.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/account.h"
#include "util/buf.h"
#include "engine/cron.h"
#include "store/job.h"
#include "util/json.h"
#include "util/log.h"
#include "store/points.h"
#include "store/record.h"
#include "store/store.h"
#include "engine/tz.h"

/* Record tags; never reuse a number. */
enum {
	J_ACCOUNT = 1, J_GROUP, J_NAME, J_DESCRIPTION, J_URL, J_METHOD, J_HEADERS, J_POSTDATA,
	J_USERNAME, J_PASSWORD, J_USERAGENT, J_TIMEOUT, J_EXPRESSION, J_TIMEZONE, J_STARTS,
	J_EXPIRES, J_STATUS, J_THRESHOLD, J_NOTIFY, J_NOTIFY_EVERY, J_PATTERN, J_IGNORE_STATUS,
	J_SUCCESS_CODES, J_FOLLOW, J_SSL_VERIFY, J_RETRIES, J_RETRY_DELAY, J_SINGLE, J_INSTANCES,
	J_CATCHUP, J_DEADLINE, J_PAUSED, J_CREATED, J_UPDATED, J_TASK,
};
enum { T_ID = 1, T_ACTION, T_PAYLOAD, T_OFFSET, T_CONTINUE };
enum { S_FAIL = 1, S_RUNS, S_LAST_RUN, S_LAST_STATUS, S_LAST_DURATION_MS, S_LAST_FIRE, S_NOTIFIED,
	S_SINCE, S_LOGS };

static const char *const job_catchup_names[] = { "none", "once", "all" };

void
job_init(struct job *j, const struct account *a)
{
	memset(j, 0, sizeof(*j));
	j->account = a ? a->id : 0;
	j->name = xstrdup("");
	j->description = xstrdup("");
	j->url = xstrdup("");
	j->http_method = xstrdup("GET");
	j->http_headers = xstrdup("");
	j->post_data = xstrdup("");
	j->username = xstrdup("");
	j->password = xstrdup("");
	j->user_agent = xstrdup("");
	j->timeout = 30;
	if (a && a->lim.max_timeout < j->timeout)
		j->timeout = a->lim.max_timeout;
	j->expression = xstrdup("");
	j->timezone = xstrdup("");
	j->status = JOB_ACTIVE;
	j->failure_threshold = 10;
	j->notify = JOB_NOTIFY_NEVER;
	j->notify_every = 1;
	j->pattern = xstrdup("");
	j->success_codes = xstrdup("200-299");
	j->follow_redirects = 1;
	j->ssl_verify = 1;
	j->retries = 0;
	j->retry_delay = 60;
	j->single = 1;
	j->instances = 5;
	j->catch_up = JOB_CATCHUP_ONCE;
	j->starting_deadline = 3600;
	j->st.last_status = -1;
}

static void
job_tasks_free(struct job_task *tasks, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(tasks[i].action);
		free(tasks[i].payload);
	}
	free(tasks);
}

void
job_free(struct job *j)
{
	free(j->name);
	free(j->description);
	free(j->url);
	free(j->http_method);
	free(j->http_headers);
	free(j->post_data);
	free(j->username);
	free(j->password);
	free(j->user_agent);
	free(j->expression);
	free(j->timezone);
	free(j->pattern);
	free(j->success_codes);
	job_tasks_free(j->tasks, j->ntasks);
	memset(j, 0, sizeof(*j));
}

void
job_copy(struct job *dst, const struct job *src)
{
	size_t i;

	*dst = *src;
	dst->name = xstrdup(src->name);
	dst->description = xstrdup(src->description);
	dst->url = xstrdup(src->url);
	dst->http_method = xstrdup(src->http_method);
	dst->http_headers = xstrdup(src->http_headers);
	dst->post_data = xstrdup(src->post_data);
	dst->username = xstrdup(src->username);
	dst->password = xstrdup(src->password);
	dst->user_agent = xstrdup(src->user_agent);
	dst->expression = xstrdup(src->expression);
	dst->timezone = xstrdup(src->timezone);
	dst->pattern = xstrdup(src->pattern);
	dst->success_codes = xstrdup(src->success_codes);
	dst->tasks = xcalloc(src->ntasks ? src->ntasks : 1, sizeof(struct job_task));
	for (i = 0; i < src->ntasks; i++) {
		dst->tasks[i] = src->tasks[i];
		dst->tasks[i].action = xstrdup(src->tasks[i].action);
		dst->tasks[i].payload = xstrdup(src->tasks[i].payload);
	}
}

/* ---- records */

static void
job_encode(const struct job *j, struct buf *b)
{
	struct buf tb = BUF_INIT;
	size_t i;

	record_begin(b);
	record_uint(b, J_ACCOUNT, j->account);
	record_uint(b, J_GROUP, j->group);
	record_str(b, J_NAME, j->name);
	record_str(b, J_DESCRIPTION, j->description);
	record_str(b, J_URL, j->url);
	record_str(b, J_METHOD, j->http_method);
	record_str(b, J_HEADERS, j->http_headers);
	record_str(b, J_POSTDATA, j->post_data);
	record_str(b, J_USERNAME, j->username);
	record_str(b, J_PASSWORD, j->password);
	record_str(b, J_USERAGENT, j->user_agent);
	record_uint(b, J_TIMEOUT, (uint64_t)j->timeout);
	record_str(b, J_EXPRESSION, j->expression);
	record_str(b, J_TIMEZONE, j->timezone);
	record_sint(b, J_STARTS, j->starts_at);
	record_sint(b, J_EXPIRES, j->expires_at);
	record_uint(b, J_STATUS, (uint64_t)j->status);
	record_uint(b, J_THRESHOLD, (uint64_t)j->failure_threshold);
	record_uint(b, J_NOTIFY, (uint64_t)j->notify);
	record_uint(b, J_NOTIFY_EVERY, (uint64_t)j->notify_every);
	record_str(b, J_PATTERN, j->pattern);
	record_uint(b, J_IGNORE_STATUS, (uint64_t)j->ignore_http_status);
	record_str(b, J_SUCCESS_CODES, j->success_codes);
	record_uint(b, J_FOLLOW, (uint64_t)j->follow_redirects);
	record_uint(b, J_SSL_VERIFY, (uint64_t)j->ssl_verify);
	record_uint(b, J_RETRIES, (uint64_t)j->retries);
	record_uint(b, J_RETRY_DELAY, (uint64_t)j->retry_delay);
	record_uint(b, J_SINGLE, (uint64_t)j->single);
	record_uint(b, J_INSTANCES, (uint64_t)j->instances);
	record_uint(b, J_CATCHUP, (uint64_t)j->catch_up);
	record_uint(b, J_DEADLINE, (uint64_t)j->starting_deadline);
	record_sint(b, J_PAUSED, j->paused_until);
	record_sint(b, J_CREATED, j->created_at);
	record_sint(b, J_UPDATED, j->updated_at);
	for (i = 0; i < j->ntasks; i++) {
		const struct job_task *t = &j->tasks[i];

		record_begin(&tb);
		record_uint(&tb, T_ID, t->id);
		record_str(&tb, T_ACTION, t->action);
		record_str(&tb, T_PAYLOAD, t->payload);
		record_uint(&tb, T_OFFSET, (uint64_t)t->time_offset);
		record_uint(&tb, T_CONTINUE, (uint64_t)t->continue_on_failure);
		record_bytes(b, J_TASK, tb.data, tb.len);
	}
	buf_free(&tb);
}

static int
job_decode_task(const struct record_val *v, struct job_task *t)
{
	struct record_reader r;
	struct record_val tv;
	uint8_t tag;
	int rc;

	memset(t, 0, sizeof(*t));
	t->action = xstrdup("");
	t->payload = xstrdup("");
	if (v->kind != RECORD_BYTES || record_open(&r, v->p, v->len) == -1)
		return -1;
	while ((rc = record_next(&r, &tag, &tv)) == 1) {
		switch (tag) {
		case T_ID: t->id = tv.u; break;
		case T_ACTION: record_set_str(&t->action, &tv); break;
		case T_PAYLOAD: record_set_str(&t->payload, &tv); break;
		case T_OFFSET: t->time_offset = (int)tv.u; break;
		case T_CONTINUE: t->continue_on_failure = (int)tv.u; break;
		default: break;
		}
	}
	return rc == 0 ? 0 : -1;
}

static int
job_decode(const void *data, size_t len, struct job *j)
{
	struct record_reader r;
	struct record_val v;
	uint8_t tag;
	int rc;

	job_init(j, NULL);
	if (record_open(&r, data, len) == -1)
		return -1;
	while ((rc = record_next(&r, &tag, &v)) == 1) {
		switch (tag) {
		case J_ACCOUNT: j->account = v.u; break;
		case J_GROUP: j->group = v.u; break;
		case J_NAME: record_set_str(&j->name, &v); break;
		case J_DESCRIPTION: record_set_str(&j->description, &v); break;
		case J_URL: record_set_str(&j->url, &v); break;
		case J_METHOD: record_set_str(&j->http_method, &v); break;
		case J_HEADERS: record_set_str(&j->http_headers, &v); break;
		case J_POSTDATA: record_set_str(&j->post_data, &v); break;
		case J_USERNAME: record_set_str(&j->username, &v); break;
		case J_PASSWORD: record_set_str(&j->password, &v); break;
		case J_USERAGENT: record_set_str(&j->user_agent, &v); break;
		case J_TIMEOUT: j->timeout = (int)v.u; break;
		case J_EXPRESSION: record_set_str(&j->expression, &v); break;
		case J_TIMEZONE: record_set_str(&j->timezone, &v); break;
		case J_STARTS: j->starts_at = v.i; break;
		case J_EXPIRES: j->expires_at = v.i; break;
		case J_STATUS: j->status = (int)v.u; break;
		case J_THRESHOLD: j->failure_threshold = (int)v.u; break;
		case J_NOTIFY: j->notify = (int)v.u; break;
		case J_NOTIFY_EVERY: j->notify_every = (int)v.u; break;
		case J_PATTERN: record_set_str(&j->pattern, &v); break;
		case J_IGNORE_STATUS: j->ignore_http_status = (int)v.u; break;
		case J_SUCCESS_CODES: record_set_str(&j->success_codes, &v); break;
		case J_FOLLOW: j->follow_redirects = (int)v.u; break;
		case J_SSL_VERIFY: j->ssl_verify = (int)v.u; break;
		case J_RETRIES: j->retries = (int)v.u; break;
		case J_RETRY_DELAY: j->retry_delay = (int)v.u; break;
		case J_SINGLE: j->single = (int)v.u; break;
		case J_INSTANCES: j->instances = (int)v.u; break;
		case J_CATCHUP: j->catch_up = (int)v.u; break;
		case J_DEADLINE: j->starting_deadline = (int)v.u; break;
		case J_PAUSED: j->paused_until = v.i; break;
		case J_CREATED: j->created_at = v.i; break;
		case J_UPDATED: j->updated_at = v.i; break;
		case J_TASK:
			j->tasks = xrealloc(j->tasks, (j->ntasks + 1) * sizeof(*j->tasks));
			if (job_decode_task(&v, &j->tasks[j->ntasks++]) == -1)
				return -1;
			break;
		default: break;
		}
	}
	return rc == 0 ? 0 : -1;
}

static void
job_state_encode(const struct job_state *s, struct buf *b)
{
	record_begin(b);
	record_uint(b, S_FAIL, (uint64_t)s->fail);
	record_uint(b, S_RUNS, s->runs);
	record_sint(b, S_LAST_RUN, s->last_run);
	record_sint(b, S_LAST_STATUS, s->last_status);
	record_uint(b, S_LAST_DURATION_MS, (uint64_t)(s->last_duration * 1000 + 0.5));
	record_sint(b, S_LAST_FIRE, s->last_fire);
	record_uint(b, S_NOTIFIED, (uint64_t)s->notified);
	record_sint(b, S_SINCE, s->since);
	record_uint(b, S_LOGS, s->logs);
}

static int
job_state_decode(const void *data, size_t len, struct job_state *s)
{
	struct record_reader r;
	struct record_val v;
	uint8_t tag;
	int rc;

	memset(s, 0, sizeof(*s));
	s->last_status = -1;
	if (record_open(&r, data, len) == -1)
		return -1;
	while ((rc = record_next(&r, &tag, &v)) == 1) {
		switch (tag) {
		case S_FAIL: s->fail = (int)v.u; break;
		case S_RUNS: s->runs = v.u; break;
		case S_LAST_RUN: s->last_run = v.i; break;
		case S_LAST_STATUS: s->last_status = (int)v.i; break;
		case S_LAST_DURATION_MS: s->last_duration = (double)v.u / 1000; break;
		case S_LAST_FIRE: s->last_fire = v.i; break;
		case S_NOTIFIED: s->notified = (int)v.u; break;
		case S_SINCE: s->since = v.i; break;
		case S_LOGS: s->logs = v.u; break;
		default: break;
		}
	}
	return rc == 0 ? 0 : -1;
}

int
job_peek(const void *data, size_t len, struct job_peek *p)
{
	struct record_reader r;
	struct record_val v;
	uint8_t tag;
	int rc;

	memset(p, 0, sizeof(*p));
	p->expression = p->timezone = "";
	p->single = 1;
	p->instances = 5;
	p->catch_up = JOB_CATCHUP_ONCE;
	p->starting_deadline = 3600;
	if (record_open(&r, data, len) == -1)
		return -1;
	while ((rc = record_next(&r, &tag, &v)) == 1) {
		switch (tag) {
		case J_ACCOUNT: p->account = v.u; break;
		case J_EXPRESSION: p->expression = v.p; p->expression_len = v.len; break;
		case J_TIMEZONE: p->timezone = v.p; p->timezone_len = v.len; break;
		case J_STARTS: p->starts_at = v.i; break;
		case J_EXPIRES: p->expires_at = v.i; break;
		case J_PAUSED: p->paused_until = v.i; break;
		case J_CREATED: p->created_at = v.i; break;
		case J_STATUS: p->status = (int)v.u; break;
		case J_SINGLE: p->single = (int)v.u; break;
		case J_INSTANCES: p->instances = (int)v.u; break;
		case J_CATCHUP: p->catch_up = (int)v.u; break;
		case J_DEADLINE: p->starting_deadline = (int)v.u; break;
		default: break;
		}
	}
	return rc == 0 ? 0 : -1;
}

int
job_load(struct store_txn *t, uint64_t id, struct job *out)
{
	uint8_t key[8];
	MDB_val v;
	int rc;

	memset(out, 0, sizeof(*out));
	record_key_u64(key, id);
	if ((rc = store_get(t, DB_JOBS, key, sizeof(key), &v)) != STORE_OK)
		return rc;
	if (job_decode(v.mv_data, v.mv_size, out) == -1)
		goto corrupt;
	out->id = id;
	rc = store_get(t, DB_JOBSTATE, key, sizeof(key), &v);
	if (rc == STORE_OK && job_state_decode(v.mv_data, v.mv_size, &out->st) == -1)
		goto corrupt;
	if (rc < 0) {
		job_free(out);
		return rc;
	}
	return STORE_OK;
corrupt:
	log_warnx("store: job %llu: corrupt record", (unsigned long long)id);
	job_free(out);
	return STORE_FAILED;
}

int
job_load_owned(struct store_txn *t, uint64_t account, uint64_t id, struct job *out)
{
	int rc = job_load(t, id, out);

	if (rc == STORE_OK && out->account != account) {
		job_free(out);
		return STORE_NOTFOUND;
	}
	return rc;
}

static void
job_key2(uint8_t key[16], uint64_t a, uint64_t b)
{
	record_key_u64(key, a);
	record_key_u64(key + 8, b);
}

static void
job_write(struct store_txn *t, const struct job *j)
{
	struct buf b = BUF_INIT;
	uint8_t key[8];

	record_key_u64(key, j->id);
	job_encode(j, &b);
	store_put(t, DB_JOBS, key, sizeof(key), b.data, b.len);
	buf_free(&b);
}

void
job_put_state(struct store_txn *t, uint64_t id, const struct job_state *s)
{
	struct buf b = BUF_INIT;
	uint8_t key[8];

	record_key_u64(key, id);
	job_state_encode(s, &b);
	store_put(t, DB_JOBSTATE, key, sizeof(key), b.data, b.len);
	buf_free(&b);
}

void
job_save_state(struct store_txn *t, const struct job *j)
{
	job_put_state(t, j->id, &j->st);
}

int
job_load_state(struct store_txn *t, uint64_t id, struct job_state *out)
{
	uint8_t key[8];
	MDB_val v;
	int rc;

	memset(out, 0, sizeof(*out));
	out->last_status = -1;
	record_key_u64(key, id);
	if ((rc = store_get(t, DB_JOBSTATE, key, sizeof(key), &v)) != STORE_OK)
		return rc;
	if (job_state_decode(v.mv_data, v.mv_size, out) == -1) {
		log_warnx("store: job %llu: corrupt state record", (unsigned long long)id);
		return STORE_FAILED;
	}
	return STORE_OK;
}

int
job_set_status(struct store_txn *t, uint64_t id, int status, int64_t now)
{
	struct job j;
	int rc;

	if ((rc = job_load(t, id, &j)) != STORE_OK)
		return rc;
	j.status = status;
	j.updated_at = now;
	job_write(t, &j);
	job_free(&j);
	return t->err;
}

void
job_number_tasks(struct store_txn *t, struct job *j)
{
	size_t i;

	for (i = 0; i < j->ntasks; i++)
		if (j->tasks[i].id == 0)
			j->tasks[i].id = store_next_id(t, "task");
}

static void
job_index_tasks(struct store_txn *t, const struct job *j, int add)
{
	uint8_t key[8], val[8];
	size_t i;

	record_key_u64(val, j->id);
	for (i = 0; i < j->ntasks; i++) {
		record_key_u64(key, j->tasks[i].id);
		if (add)
			store_put(t, DB_TASKS, key, sizeof(key), val, sizeof(val));
		else
			store_del(t, DB_TASKS, key, sizeof(key));
	}
}

/* Adds DELTA to the job count of account ID. */
static void
job_count_account(struct store_txn *t, uint64_t id, int delta, int64_t now)
{
	struct account a;

	if (account_load(t, id, &a) != STORE_OK) {
		if (t->err == 0)
			t->err = STORE_FAILED;
		log_warnx("store: job of account %llu, which cannot be read", (unsigned long long)id);
		return;
	}
	if (delta < 0 && a.jobs == 0)
		log_warnx("store: account %llu: job count below zero", (unsigned long long)id);
	else
		a.jobs += (uint64_t)(int64_t)delta;
	account_save(t, &a, now);
	account_free(&a);
}

void
job_insert(struct store_txn *t, struct job *j, int64_t now)
{
	uint8_t key[16];

	if ((j->id = store_next_id(t, "job")) == 0)
		return;
	j->created_at = j->updated_at = now;
	j->st.since = now;
	job_number_tasks(t, j);
	job_write(t, j);
	job_save_state(t, j);
	job_index_tasks(t, j, 1);
	job_key2(key, j->account, j->id);
	store_put(t, DB_JOBS_BY_ACCOUNT, key, sizeof(key), "", 0);
	if (j->group) {
		job_key2(key, j->group, j->id);
		store_put(t, DB_JOBS_BY_GROUP, key, sizeof(key), "", 0);
	}
	job_count_account(t, j->account, 1, now);
}

static int
job_schedule_changed(const struct job *old, const struct job *j)
{
	return (j->status == JOB_ACTIVE && old->status != JOB_ACTIVE) ||
	    strcmp(old->expression, j->expression) != 0 || strcmp(old->timezone, j->timezone) != 0 ||
	    old->starts_at != j->starts_at || old->expires_at != j->expires_at ||
	    old->paused_until != j->paused_until;
}

void
job_update(struct store_txn *t, const struct job *old, struct job *j, int64_t now)
{
	uint8_t key[16];

	j->updated_at = now;
	/* a schedule that starts (again) owes no fire from before now */
	if (job_schedule_changed(old, j))
		j->st.since = now;
	job_number_tasks(t, j);
	job_index_tasks(t, old, 0);
	job_index_tasks(t, j, 1);
	if (old->group != j->group) {
		if (old->group) {
			job_key2(key, old->group, j->id);
			store_del(t, DB_JOBS_BY_GROUP, key, sizeof(key));
		}
		if (j->group) {
			job_key2(key, j->group, j->id);
			store_put(t, DB_JOBS_BY_GROUP, key, sizeof(key), "", 0);
		}
	}
	job_write(t, j);
	job_save_state(t, j);
}

void
job_delete(struct store_txn *t, const struct job *j, int64_t now)
{
	uint8_t key[16];

	record_key_u64(key, j->id);
	store_del(t, DB_JOBS, key, 8);
	store_del(t, DB_JOBSTATE, key, 8);
	job_index_tasks(t, j, 0);
	job_key2(key, j->account, j->id);
	store_del(t, DB_JOBS_BY_ACCOUNT, key, sizeof(key));
	if (j->group) {
		job_key2(key, j->group, j->id);
		store_del(t, DB_JOBS_BY_GROUP, key, sizeof(key));
	}
	job_count_account(t, j->account, -1, now);
}

int
job_of_task(struct store_txn *t, uint64_t task_id, uint64_t *job_id)
{
	uint8_t key[8];
	MDB_val v;
	int rc;

	record_key_u64(key, task_id);
	if ((rc = store_get(t, DB_TASKS, key, sizeof(key), &v)) != STORE_OK)
		return rc;
	if (v.mv_size != 8)
		return STORE_FAILED;
	*job_id = record_get_u64(v.mv_data);
	return STORE_OK;
}

/* Walks an index whose keys are OWNER || JOB. */
static int
job_each_indexed(struct store_txn *t, enum store_db db, uint64_t owner,
    int (*fn)(struct job *, void *), void *arg)
{
	struct store_iter it;
	uint8_t prefix[8];
	int rc;

	record_key_u64(prefix, owner);
	if ((rc = store_iter_open(t, db, prefix, sizeof(prefix), &it)) != STORE_OK)
		return rc;
	while ((rc = store_iter_next(t, &it)) == 1) {
		struct job j;
		uint64_t id;

		if (it.key.mv_size != 16) {
			rc = STORE_FAILED;
			break;
		}
		id = record_get_u64((const uint8_t *)it.key.mv_data + 8);
		if ((rc = job_load(t, id, &j)) != STORE_OK) {
			log_warnx("store: %s: job %llu is indexed but cannot be read",
			    store_db_name(db), (unsigned long long)id);
			if (rc == STORE_NOTFOUND)
				rc = STORE_FAILED;
			break;
		}
		rc = fn(&j, arg);
		job_free(&j);
		if (rc != 0)
			break;
	}
	store_iter_close(&it);
	return rc < 0 ? rc : STORE_OK;
}

int
job_each(struct store_txn *t, uint64_t account, int (*fn)(struct job *, void *), void *arg)
{
	return job_each_indexed(t, DB_JOBS_BY_ACCOUNT, account, fn, arg);
}

int
job_each_in_group(struct store_txn *t, uint64_t group, int (*fn)(struct job *, void *), void *arg)
{
	return job_each_indexed(t, DB_JOBS_BY_GROUP, group, fn, arg);
}

uint64_t
job_count_in_group(struct store_txn *t, uint64_t group)
{
	struct store_iter it;
	uint8_t prefix[8];
	uint64_t n = 0;

	record_key_u64(prefix, group);
	if (store_iter_open(t, DB_JOBS_BY_GROUP, prefix, sizeof(prefix), &it) != STORE_OK)
		return 0;
	while (store_iter_next(t, &it) == 1)
		n++;
	store_iter_close(&it);
	return n;
}

/* ---- schedule views */

const struct tz *
job_zone(const struct job *j, const struct account *a)
{
	const struct tz *zone = NULL;

	if (*j->timezone)
		zone = tz_get(j->timezone);
	if (zone == NULL && a && *a->timezone)
		zone = tz_get(a->timezone);
	return zone ? zone : tz_utc();
}

static void
job_window(const struct job *j, struct cron_window *w)
{
	w->starts_at = j->starts_at;
	w->expires_at = j->expires_at;
	w->anchor = j->starts_at ? j->starts_at : j->created_at;
}

int64_t
job_next_run(const struct job *j, const struct tz *zone, int64_t now)
{
	struct cron_window w;
	struct cron *c;
	int64_t after = now, next = 0;

	if (j->status != JOB_ACTIVE || *j->expression == '\0')
		return 0;
	if (j->paused_until > after)
		after = j->paused_until - 1;
	if (cron_parse(j->expression, &c, NULL) == -1)
		return 0;
	job_window(j, &w);
	if (cron_next(c, zone, &w, after, &next) != 0)
		next = 0;
	cron_free(c);
	return next;
}

/* Fires of J in the 24 hours after NOW, through the view's cache. */
static int64_t
job_points(const struct job *j, const struct job_view *v)
{
	struct cron_window w;

	job_window(j, &w);
	return points_count(v->points, j->expression, v->zone, &w, v->now);
}

/* ---- JSON */

static void
json_ktime(yajl_gen g, const char *key, int64_t t)
{
	json_kintnull(g, key, t);
}

/* The SetCronJob fields of a plain 5- or 6-field expression: each an array
 * of its items (numbers as numbers). Anything else (macros, L/W/#, years,
 * several rules) gives null: the expression says it all. */
static void
job_fields_json(yajl_gen g, const char *expression)
{
	static const char *const names[6] = { "second", "minute", "hour", "day", "month", "weekday" };
	char *copy = xstrdup(expression), *fields[7], *p = copy, *f;
	int n = 0, i, plain = 1;

	while ((f = strsep(&p, " ")) != NULL) {
		if (*f == '\0')
			continue;
		if (n == 7)
			break;
		fields[n++] = f;
	}
	if ((n != 5 && n != 6) || strpbrk(expression, "@;LW#?") != NULL)
		plain = 0;
	for (i = 0; i < 6; i++) {
		json_key(g, names[i]);
		if (!plain) {
			yajl_gen_null(g);
			continue;
		}
		yajl_gen_array_open(g);
		if (n == 5 && i == 0)
			json_int(g, 0);
		else {
			char *item, *q = fields[n == 5 ? i - 1 : i];

			while ((item = strsep(&q, ",")) != NULL) {
				if (*item && strspn(item, "0123456789") == strlen(item) && strlen(item) < 10)
					json_int(g, atoi(item));
				else
					json_str(g, item);
			}
		}
		yajl_gen_array_close(g);
	}
	free(copy);
}

void
job_task_json(yajl_gen g, const struct job *j, size_t i, int id_null)
{
	const struct job_task *t = &j->tasks[i];

	yajl_gen_map_open(g);
	if (id_null)
		json_knull(g, "id");
	else
		json_kint(g, "id", (int64_t)t->id);
	json_kint(g, "job", (int64_t)j->id);
	json_kint(g, "sequence", (int64_t)i + 1);
	json_kstr(g, "action", t->action);
	json_kstr(g, "payload", t->payload);
	json_kint(g, "timeOffset", t->time_offset);
	json_kbool(g, "continueOnFailure", t->continue_on_failure);
	yajl_gen_map_close(g);
}

void
job_last_status_json(yajl_gen g, const struct job_state *s)
{
	json_key(g, "lastStatus");
	if (s->last_status < 0)
		yajl_gen_null(g);
	else
		json_int(g, s->last_status);
}

void
job_json(yajl_gen g, const struct job *j, const struct job_view *v)
{
	size_t i;

	yajl_gen_map_open(g);
	if (v->id_null)
		json_knull(g, "id");
	else
		json_kint(g, "id", (int64_t)j->id);
	json_kstr(g, "name", j->name);
	json_kstr(g, "description", j->description);
	json_kintnull(g, "group", (int64_t)j->group);
	json_kstr(g, "url", j->url);
	json_kstr(g, "httpMethod", j->http_method);
	json_kstr(g, "httpHeaders", j->http_headers);
	json_kstr(g, "postData", j->post_data);
	json_kstr(g, "username", j->username);
	json_kstr(g, "password", "");
	json_kbool(g, "hasPassword", *j->password != '\0');
	json_kstr(g, "userAgent", *j->user_agent ? j->user_agent : v->user_agent);
	json_kint(g, "timeout", j->timeout);
	json_kstr(g, "expression", j->expression);
	job_fields_json(g, j->expression);
	json_kstr(g, "timezone", tz_name(v->zone));
	json_ktime(g, "startsAt", j->starts_at);
	json_ktime(g, "expiresAt", j->expires_at);
	json_kint(g, "status", v->status);
	json_kint(g, "fail", j->st.fail);
	json_kint(g, "failureThreshold", j->failure_threshold);
	json_kint(g, "notify", j->notify);
	json_kint(g, "notifyEvery", j->notify_every);
	json_kstr(g, "pattern", j->pattern);
	json_kbool(g, "ignoreHttpStatus", j->ignore_http_status);
	json_kstr(g, "successCodes", j->success_codes);
	json_kbool(g, "followRedirects", j->follow_redirects);
	json_kbool(g, "sslVerify", j->ssl_verify);
	json_kint(g, "retries", j->retries);
	json_kint(g, "retryDelay", j->retry_delay);
	json_kbool(g, "single", j->single);
	json_kint(g, "instances", j->instances);
	json_kstr(g, "catchUp", job_catchup_names[j->catch_up < 3 ? j->catch_up : 1]);
	json_kint(g, "startingDeadline", j->starting_deadline);
	json_key(g, "tasks");
	yajl_gen_array_open(g);
	for (i = 0; i < j->ntasks; i++)
		job_task_json(g, j, i, v->id_null);
	yajl_gen_array_close(g);
	json_ktime(g, "lastRun", j->st.last_run);
	json_ktime(g, "nextRun", v->next_run);
	job_last_status_json(g, &j->st);
	json_key(g, "lastDuration");
	if (j->st.last_status < 0)
		yajl_gen_null(g);
	else
		json_double(g, j->st.last_duration);
	json_kbool(g, "isProcessing", v->processing);
	json_ktime(g, "pausedUntil", j->paused_until > v->now ? j->paused_until : 0);
	json_kint(g, "points", job_points(j, v));
	json_kint(g, "createdAt", j->created_at);
	json_kint(g, "updatedAt", j->updated_at);
	yajl_gen_map_close(g);
}
