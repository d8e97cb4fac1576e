/*
 * execlog: execution logs in the store.
 *
 * A log is kept under its job (job id || log id) and, when it is a
 * failure, indexed under its account (account id || log id -> job id) so
 * that cron.failures need not walk every job. Log ids grow with time, so
 * the newest log of a job is the last key of its prefix.
 */

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "store/execlog.h"
#include "store/job.h"
#include "util/json.h"
#include "util/log.h"
#include "store/record.h"
#include "store/store.h"

enum {
	L_JOB = 1,
	L_ACCOUNT,
	L_NO,
	L_TIME,
	L_START_US,
	L_EXEC_US,
	L_JITTER,
	L_TRIGGER,
	L_ATTEMPT,
	L_STATUS,
	L_HTTP_STATUS,
	L_IP,
	L_DOWNLOADED,
	L_RESULT,
	L_ERROR,
	L_DNS_US,
	L_CONNECT_US,
	L_TLS_US,
	L_FIRST_BYTE_US,
	L_TASK,
};
enum { LT_SEQUENCE = 1,
	LT_ACTION,
	LT_STATUS,
	LT_START_US,
	LT_EXEC_US,
	LT_OUTPUT,
	LT_ERROR };

static const char *const execlog_triggers[] = { "schedule", "manual", "retry", "catchup" };

const char *
execlog_trigger_name(int trigger)
{
	return trigger >= 0 && trigger < 4 ? execlog_triggers[trigger] : "schedule";
}

void
execlog_init(struct execlog *l)
{
	memset(l, 0, sizeof(*l));
	l->result = xstrdup("");
	l->error = xstrdup("");
}

void
execlog_free(struct execlog *l)
{
	size_t i;

	for (i = 0; i < l->ntasks; i++) {
		free(l->tasks[i].action);
		free(l->tasks[i].output);
		free(l->tasks[i].error);
	}
	free(l->tasks);
	free(l->result);
	free(l->error);
	memset(l, 0, sizeof(*l));
}

void
execlog_set(char **field, const char *s, size_t len)
{
	free(*field);
	*field = xstrndup(s ? s : "", s ? len : 0);
}

struct execlog_task *
execlog_add_task(struct execlog *l, int sequence, const char *action)
{
	struct execlog_task *t;

	l->tasks = xrealloc(l->tasks, (l->ntasks + 1) * sizeof(*l->tasks));
	t = &l->tasks[l->ntasks++];
	memset(t, 0, sizeof(*t));
	t->sequence = sequence;
	t->action = xstrdup(action);
	t->output = xstrdup("");
	t->error = xstrdup("");
	return t;
}

/* Seconds with a fraction are kept as whole microseconds. */
static uint64_t
us(double secs)
{
	return secs > 0 ? (uint64_t)(secs * 1e6 + 0.5) : 0;
}

static void
execlog_encode(const struct execlog *l, struct buf *b)
{
	struct buf tb = BUF_INIT;
	size_t i;

	record_begin(b);
	record_uint(b, L_JOB, l->job);
	record_uint(b, L_ACCOUNT, l->account);
	record_uint(b, L_NO, l->no);
	record_sint(b, L_TIME, l->time);
	record_uint(b, L_START_US, us(l->start_time));
	record_uint(b, L_EXEC_US, us(l->execution_time));
	record_sint(b, L_JITTER, l->jitter_ms);
	record_uint(b, L_TRIGGER, (uint64_t)l->trigger);
	record_uint(b, L_ATTEMPT, (uint64_t)l->attempt);
	record_uint(b, L_STATUS, (uint64_t)l->status);
	record_uint(b, L_HTTP_STATUS, (uint64_t)l->http_status);
	record_str(b, L_IP, l->ip);
	record_uint(b, L_DOWNLOADED, l->downloaded);
	record_str(b, L_RESULT, l->result);
	record_str(b, L_ERROR, l->error);
	record_uint(b, L_DNS_US, us(l->dns));
	record_uint(b, L_CONNECT_US, us(l->connect));
	record_uint(b, L_TLS_US, us(l->tls));
	record_uint(b, L_FIRST_BYTE_US, us(l->first_byte));
	for (i = 0; i < l->ntasks; i++) {
		const struct execlog_task *t = &l->tasks[i];

		record_begin(&tb);
		record_uint(&tb, LT_SEQUENCE, (uint64_t)t->sequence);
		record_str(&tb, LT_ACTION, t->action);
		record_uint(&tb, LT_STATUS, (uint64_t)t->status);
		record_uint(&tb, LT_START_US, us(t->start_time));
		record_uint(&tb, LT_EXEC_US, us(t->execution_time));
		record_str(&tb, LT_OUTPUT, t->output);
		record_str(&tb, LT_ERROR, t->error);
		record_bytes(b, L_TASK, tb.data, tb.len);
	}
	buf_free(&tb);
}

static int
execlog_decode_task(const struct record_val *v, struct execlog_task *t)
{
	struct record_reader r;
	struct record_val tv;
	uint8_t tag;
	int rc;

	memset(t, 0, sizeof(*t));
	t->action = xstrdup("");
	t->output = xstrdup("");
	t->error = xstrdup("");
	if (v->kind != RECORD_BYTES || record_open(&r, v->p, v->len) == -1)
		return -1;
	while ((rc = record_next(&r, &tag, &tv)) == 1) {
		switch (tag) {
		case LT_SEQUENCE: t->sequence = (int)tv.u; break;
		case LT_ACTION: execlog_set(&t->action, tv.p, tv.len); break;
		case LT_STATUS: t->status = (int)tv.u; break;
		case LT_START_US: t->start_time = (double)tv.u / 1e6; break;
		case LT_EXEC_US: t->execution_time = (double)tv.u / 1e6; break;
		case LT_OUTPUT: execlog_set(&t->output, tv.p, tv.len); break;
		case LT_ERROR: execlog_set(&t->error, tv.p, tv.len); break;
		default: break;
		}
	}
	return rc == 0 ? 0 : -1;
}

static int
execlog_decode(const void *data, size_t len, struct execlog *l)
{
	struct record_reader r;
	struct record_val v;
	uint8_t tag;
	int rc;

	execlog_init(l);
	if (record_open(&r, data, len) == -1)
		return -1;
	while ((rc = record_next(&r, &tag, &v)) == 1) {
		switch (tag) {
		case L_JOB: l->job = v.u; break;
		case L_ACCOUNT: l->account = v.u; break;
		case L_NO: l->no = v.u; break;
		case L_TIME: l->time = v.i; break;
		case L_START_US: l->start_time = (double)v.u / 1e6; break;
		case L_EXEC_US: l->execution_time = (double)v.u / 1e6; break;
		case L_JITTER: l->jitter_ms = v.i; break;
		case L_TRIGGER: l->trigger = (int)v.u; break;
		case L_ATTEMPT: l->attempt = (int)v.u; break;
		case L_STATUS: l->status = (int)v.u; break;
		case L_HTTP_STATUS: l->http_status = (int)v.u; break;
		case L_IP:
			if (v.kind == RECORD_BYTES && v.len < sizeof(l->ip)) {
				memcpy(l->ip, v.p, v.len);
				l->ip[v.len] = '\0';
			}
			break;
		case L_DOWNLOADED: l->downloaded = v.u; break;
		case L_RESULT: execlog_set(&l->result, v.p, v.len); break;
		case L_ERROR: execlog_set(&l->error, v.p, v.len); break;
		case L_DNS_US: l->dns = (double)v.u / 1e6; break;
		case L_CONNECT_US: l->connect = (double)v.u / 1e6; break;
		case L_TLS_US: l->tls = (double)v.u / 1e6; break;
		case L_FIRST_BYTE_US: l->first_byte = (double)v.u / 1e6; break;
		case L_TASK:
			l->tasks = xrealloc(l->tasks, (l->ntasks + 1) * sizeof(*l->tasks));
			if (execlog_decode_task(&v, &l->tasks[l->ntasks++]) == -1)
				return -1;
			break;
		default: break;
		}
	}
	return rc == 0 ? 0 : -1;
}

static void
execlog_key(uint8_t key[16], uint64_t a, uint64_t b)
{
	record_key_u64(key, a);
	record_key_u64(key + 8, b);
}

/* Deletes the log under KEY (JOB || ID), with its failure index entry. */
static void
execlog_delete(struct store_txn *t, struct store_iter *it)
{
	struct record_reader r;
	struct record_val v;
	uint64_t account = 0;
	int failed = 0;
	uint8_t tag;
	uint8_t fkey[16];

	if (record_open(&r, it->val.mv_data, it->val.mv_size) == 0) {
		while (record_next(&r, &tag, &v) == 1) {
			if (tag == L_ACCOUNT)
				account = v.u;
			else if (tag == L_STATUS)
				failed = LOG_IS_FAILURE((int)v.u);
		}
	}
	if (failed && it->key.mv_size == 16) {
		execlog_key(fkey, account, record_get_u64((const uint8_t *)it->key.mv_data + 8));
		store_del(t, DB_FAILURES, fkey, sizeof(fkey));
	}
	store_iter_del(t, it);
}

void
execlog_put(struct store_txn *t, const struct execlog *l, uint64_t retention, uint64_t *count)
{
	struct store_iter it;
	struct buf b = BUF_INIT;
	uint8_t key[16], jkey[8];

	execlog_key(key, l->job, l->id);
	execlog_encode(l, &b);
	store_put(t, DB_LOGS, key, sizeof(key), b.data, b.len);
	buf_free(&b);
	if (LOG_IS_FAILURE(l->status)) {
		execlog_key(key, l->account, l->id);
		record_key_u64(jkey, l->job);
		store_put(t, DB_FAILURES, key, sizeof(key), jkey, sizeof(jkey));
	}
	(*count)++;
	if (retention < 1)
		retention = 1; /* the log just written is always kept */
	if (*count <= retention)
		return;
	/* the oldest go first: they are the first keys of the job's prefix */
	record_key_u64(jkey, l->job);
	if (store_iter_open(t, DB_LOGS, jkey, sizeof(jkey), &it) != STORE_OK)
		return;
	while (*count > retention && store_iter_next(t, &it) == 1) {
		execlog_delete(t, &it);
		(*count)--;
	}
	store_iter_close(&it);
}

void
execlog_remove_job(struct store_txn *t, uint64_t job)
{
	struct store_iter it;
	uint8_t prefix[8];

	record_key_u64(prefix, job);
	if (store_iter_open(t, DB_LOGS, prefix, sizeof(prefix), &it) != STORE_OK)
		return;
	while (store_iter_next(t, &it) == 1)
		execlog_delete(t, &it);
	store_iter_close(&it);
}

int
execlog_load(struct store_txn *t, uint64_t job, uint64_t id, struct execlog *out)
{
	uint8_t key[16];
	MDB_val v;
	int rc;

	execlog_key(key, job, id);
	if ((rc = store_get(t, DB_LOGS, key, sizeof(key), &v)) != STORE_OK)
		return rc;
	if (execlog_decode(v.mv_data, v.mv_size, out) == -1) {
		execlog_free(out);
		log_warnx("store: log %llu of job %llu: corrupt record", (unsigned long long)id,
		    (unsigned long long)job);
		return STORE_FAILED;
	}
	out->id = id;
	return STORE_OK;
}

/* Walks PREFIX (8 bytes) of DB from the key below PREFIX || BEFORE
 * downwards. For the failures index, the value names the job. */
static int
execlog_walk_back(struct store_txn *t, enum store_db db, uint64_t owner, uint64_t before,
    int (*fn)(struct execlog *, void *), void *arg)
{
	struct store_iter it;
	uint8_t prefix[8], from[16];
	int rc;

	record_key_u64(prefix, owner);
	execlog_key(from, owner, before ? before : UINT64_MAX);
	if ((rc = store_iter_open(t, db, prefix, sizeof(prefix), &it)) != STORE_OK)
		return rc;
	store_iter_seek_before(t, &it, from, sizeof(from));
	while ((rc = store_iter_prev(t, &it)) == 1) {
		struct execlog l;
		uint64_t id = it.key.mv_size == 16 ? record_get_u64((const uint8_t *)it.key.mv_data + 8) : 0;
		uint64_t job = owner;

		if (db == DB_FAILURES) {
			if (it.val.mv_size != 8) {
				rc = STORE_FAILED;
				break;
			}
			job = record_get_u64(it.val.mv_data);
			rc = execlog_load(t, job, id, &l);
		} else if (execlog_decode(it.val.mv_data, it.val.mv_size, &l) == 0) {
			l.id = id;
			rc = STORE_OK;
		} else {
			execlog_free(&l);
			rc = STORE_FAILED;
		}
		if (rc != STORE_OK) {
			log_warnx("store: %s: log %llu of job %llu cannot be read", store_db_name(db),
			    (unsigned long long)id, (unsigned long long)job);
			rc = STORE_FAILED;
			break;
		}
		rc = fn(&l, arg);
		execlog_free(&l);
		if (rc != 0)
			break;
	}
	store_iter_close(&it);
	return rc < 0 ? rc : STORE_OK;
}

int
execlog_each(struct store_txn *t, uint64_t job, uint64_t before,
    int (*fn)(struct execlog *, void *), void *arg)
{
	return execlog_walk_back(t, DB_LOGS, job, before, fn, arg);
}

int
execlog_each_failure(struct store_txn *t, uint64_t account, uint64_t before,
    int (*fn)(struct execlog *, void *), void *arg)
{
	return execlog_walk_back(t, DB_FAILURES, account, before, fn, arg);
}

size_t
execlog_expire(struct store_txn *t, int64_t cutoff, uint8_t cursor[16], size_t max)
{
	static const uint8_t zero[16];
	struct store_iter it;
	size_t seen = 0, deleted = 0;
	uint64_t job = 0;
	struct job_state st;
	int have_state = 0;

	if (store_iter_open(t, DB_LOGS, NULL, 0, &it) != STORE_OK)
		return 0;
	if (memcmp(cursor, zero, 16) != 0)
		store_iter_seek(t, &it, cursor, 16);
	while (seen < max && store_iter_next(t, &it) == 1) {
		struct record_reader r;
		struct record_val v;
		uint8_t tag;
		int64_t when = 0;
		uint64_t this_job;

		seen++;
		if (it.key.mv_size != 16)
			continue;
		this_job = record_get_u64(it.key.mv_data);
		memcpy(cursor, it.key.mv_data, 16);
		if (record_open(&r, it.val.mv_data, it.val.mv_size) == 0)
			while (record_next(&r, &tag, &v) == 1)
				if (tag == L_TIME) {
					when = v.i;
					break;
				}
		if (when >= cutoff)
			continue;
		if (this_job != job) {
			if (have_state)
				job_put_state(t, job, &st);
			job = this_job;
			have_state = job_load_state(t, job, &st) == STORE_OK;
			t->err = t->err == STORE_NOTFOUND ? 0 : t->err;
		}
		execlog_delete(t, &it);
		if (have_state && st.logs > 0)
			st.logs--;
		deleted++;
	}
	if (seen < max)
		memset(cursor, 0, 16); /* the end: next time from the start */
	if (have_state)
		job_put_state(t, job, &st);
	store_iter_close(&it);
	return deleted;
}

void
execlog_json(yajl_gen g, const struct execlog *l)
{
	size_t i;

	yajl_gen_map_open(g);
	json_kint(g, "id", (int64_t)l->id);
	json_kint(g, "jobId", (int64_t)l->job);
	json_kint(g, "no", (int64_t)l->no);
	json_kint(g, "time", l->time);
	json_key(g, "startTime");
	json_double(g, l->start_time);
	json_key(g, "executionTime");
	json_double(g, l->execution_time);
	json_kint(g, "jitter", l->jitter_ms);
	json_kstr(g, "trigger", execlog_trigger_name(l->trigger));
	json_kint(g, "attempt", l->attempt);
	json_kint(g, "status", l->status);
	json_kintnull(g, "httpStatus", l->http_status);
	json_kstr(g, "ip", *l->ip ? l->ip : NULL);
	json_kint(g, "downloaded", (int64_t)l->downloaded);
	json_kstr(g, "result", l->result);
	json_kstr(g, "error", l->error);
	json_key(g, "timings");
	yajl_gen_map_open(g);
	json_key(g, "dns");
	json_double(g, l->dns);
	json_key(g, "connect");
	json_double(g, l->connect);
	json_key(g, "tls");
	json_double(g, l->tls);
	json_key(g, "firstByte");
	json_double(g, l->first_byte);
	yajl_gen_map_close(g);
	json_key(g, "tasks");
	yajl_gen_array_open(g);
	for (i = 0; i < l->ntasks; i++) {
		const struct execlog_task *t = &l->tasks[i];

		yajl_gen_map_open(g);
		json_kint(g, "sequence", t->sequence);
		json_kstr(g, "action", t->action);
		json_kint(g, "status", t->status);
		json_key(g, "startTime");
		json_double(g, t->start_time);
		json_key(g, "executionTime");
		json_double(g, t->execution_time);
		json_kstr(g, "output", t->output);
		json_kstr(g, "error", t->error);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
}
