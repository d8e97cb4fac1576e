/*
 * account: records, the token index and JSON.
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "store/account.h"
#include "util/buf.h"
#include "conf/config.h"
#include "util/json.h"
#include "util/log.h"
#include "store/record.h"
#include "store/store.h"
#include "engine/tz.h"

/* Record tags; never reuse a number. */
enum {
	A_NAME = 1, A_EMAIL, A_TIMEZONE, A_STATUS, A_ADMIN, A_NOTIFY_URL, A_NOTIFY_EMAIL,
	A_SECRET, A_CREATED, A_UPDATED, A_TOKEN, A_JOBS, A_EXEC_DAY, A_EXEC_TODAY,
	A_MAX_JOBS = 20, A_MAX_TASKS, A_MAX_TIMEOUT, A_MIN_INTERVAL, A_MAX_CONCURRENT,
	A_RATE_LIMIT, A_DAILY_EXECUTIONS, A_LOG_RETENTION,
};

void
account_init(struct account *a, const struct config *cfg)
{
	memset(a, 0, sizeof(*a));
	a->name = xstrdup("");
	a->email = xstrdup("");
	a->timezone = xstrdup(cfg->default_timezone);
	a->notify_url = xstrdup("");
	a->notify_email = xstrdup("");
	a->secret = xstrdup("");
	a->lim.max_jobs = cfg->lim_max_jobs;
	a->lim.max_tasks = cfg->lim_max_tasks;
	a->lim.max_timeout = cfg->lim_max_timeout;
	a->lim.min_interval = cfg->lim_min_interval;
	a->lim.max_concurrent = cfg->lim_max_concurrent;
	a->lim.rate_limit = 0;
	a->lim.daily_executions = cfg->lim_daily_executions;
	a->lim.log_retention = cfg->lim_log_retention;
}

void
account_free(struct account *a)
{
	free(a->name);
	free(a->email);
	free(a->timezone);
	free(a->notify_url);
	free(a->notify_email);
	if (a->secret) {
		OPENSSL_cleanse(a->secret, strlen(a->secret));
		free(a->secret);
	}
	memset(a, 0, sizeof(*a));
}

void
account_copy(struct account *dst, const struct account *src)
{
	*dst = *src;
	dst->name = xstrdup(src->name);
	dst->email = xstrdup(src->email);
	dst->timezone = xstrdup(src->timezone);
	dst->notify_url = xstrdup(src->notify_url);
	dst->notify_email = xstrdup(src->notify_email);
	dst->secret = xstrdup(src->secret);
}

static void
account_encode(const struct account *a, struct buf *b)
{
	record_begin(b);
	record_str(b, A_NAME, a->name);
	record_str(b, A_EMAIL, a->email);
	record_str(b, A_TIMEZONE, a->timezone);
	record_uint(b, A_STATUS, (uint64_t)a->status);
	record_uint(b, A_ADMIN, (uint64_t)a->admin);
	record_str(b, A_NOTIFY_URL, a->notify_url);
	record_str(b, A_NOTIFY_EMAIL, a->notify_email);
	record_str(b, A_SECRET, a->secret);
	record_sint(b, A_CREATED, a->created_at);
	record_sint(b, A_UPDATED, a->updated_at);
	if (a->has_token)
		record_bytes(b, A_TOKEN, a->token_digest, TOKEN_DIGEST);
	record_uint(b, A_JOBS, a->jobs);
	record_sint(b, A_EXEC_DAY, a->exec_day);
	record_uint(b, A_EXEC_TODAY, a->exec_today);
	record_uint(b, A_MAX_JOBS, (uint64_t)a->lim.max_jobs);
	record_uint(b, A_MAX_TASKS, (uint64_t)a->lim.max_tasks);
	record_uint(b, A_MAX_TIMEOUT, (uint64_t)a->lim.max_timeout);
	record_uint(b, A_MIN_INTERVAL, (uint64_t)a->lim.min_interval);
	record_uint(b, A_MAX_CONCURRENT, (uint64_t)a->lim.max_concurrent);
	record_uint(b, A_RATE_LIMIT, (uint64_t)a->lim.rate_limit);
	record_uint(b, A_DAILY_EXECUTIONS, (uint64_t)a->lim.daily_executions);
	record_uint(b, A_LOG_RETENTION, (uint64_t)a->lim.log_retention);
}

static int
account_decode(const void *data, size_t len, struct account *a)
{
	struct record_reader r;
	struct record_val v;
	uint8_t tag;
	int rc;

	memset(a, 0, sizeof(*a));
	a->name = xstrdup("");
	a->email = xstrdup("");
	a->timezone = xstrdup("UTC");
	a->notify_url = xstrdup("");
	a->notify_email = xstrdup("");
	a->secret = xstrdup("");
	if (record_open(&r, data, len) == -1)
		return -1;
	while ((rc = record_next(&r, &tag, &v)) == 1) {
		switch (tag) {
		case A_NAME: record_set_str(&a->name, &v); break;
		case A_EMAIL: record_set_str(&a->email, &v); break;
		case A_TIMEZONE: record_set_str(&a->timezone, &v); break;
		case A_NOTIFY_URL: record_set_str(&a->notify_url, &v); break;
		case A_NOTIFY_EMAIL: record_set_str(&a->notify_email, &v); break;
		case A_SECRET: record_set_str(&a->secret, &v); break;
		case A_STATUS: a->status = (int)v.u; break;
		case A_ADMIN: a->admin = (int)v.u; break;
		case A_CREATED: a->created_at = v.i; break;
		case A_UPDATED: a->updated_at = v.i; break;
		case A_TOKEN:
			if (v.kind == RECORD_BYTES && v.len == TOKEN_DIGEST) {
				memcpy(a->token_digest, v.p, TOKEN_DIGEST);
				a->has_token = 1;
			}
			break;
		case A_JOBS: a->jobs = v.u; break;
		case A_EXEC_DAY: a->exec_day = v.i; break;
		case A_EXEC_TODAY: a->exec_today = v.u; break;
		case A_MAX_JOBS: a->lim.max_jobs = (int)v.u; break;
		case A_MAX_TASKS: a->lim.max_tasks = (int)v.u; break;
		case A_MAX_TIMEOUT: a->lim.max_timeout = (int)v.u; break;
		case A_MIN_INTERVAL: a->lim.min_interval = (int)v.u; break;
		case A_MAX_CONCURRENT: a->lim.max_concurrent = (int)v.u; break;
		case A_RATE_LIMIT: a->lim.rate_limit = (int)v.u; break;
		case A_DAILY_EXECUTIONS: a->lim.daily_executions = (int)v.u; break;
		case A_LOG_RETENTION: a->lim.log_retention = (int)v.u; break;
		default: break;	/* a newer build's field */
		}
	}
	return rc == 0 ? 0 : -1;
}

int
account_load(struct store_txn *t, uint64_t id, struct account *out)
{
	uint8_t key[8];
	MDB_val v;
	int rc;

	memset(out, 0, sizeof(*out));
	record_key_u64(key, id);
	if ((rc = store_get(t, DB_ACCOUNTS, key, sizeof(key), &v)) != STORE_OK)
		return rc;
	if (account_decode(v.mv_data, v.mv_size, out) == -1) {
		log_warnx("store: account %llu: corrupt record", (unsigned long long)id);
		account_free(out);
		return STORE_FAILED;
	}
	out->id = id;
	return STORE_OK;
}

int
account_by_token(struct store_txn *t, const char *token, size_t len, struct account *out)
{
	uint8_t digest[TOKEN_DIGEST];
	MDB_val v;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!token_well_formed(token, len))
		return STORE_NOTFOUND;
	token_digest(token, len, digest);
	if ((rc = store_get(t, DB_TOKENS, digest, sizeof(digest), &v)) != STORE_OK)
		return rc;
	if (v.mv_size != 8 && v.mv_size != 16) {	/* 16: a key's (apikey.h) */
		log_warnx("store: tokens: corrupt entry");
		return STORE_FAILED;
	}
	return account_load(t, record_get_u64(v.mv_data), out);
}

void
account_save(struct store_txn *t, struct account *a, int64_t now)
{
	struct buf b = BUF_INIT;
	uint8_t key[8];

	a->updated_at = now;
	account_encode(a, &b);
	record_key_u64(key, a->id);
	store_put(t, DB_ACCOUNTS, key, sizeof(key), b.data, b.len);
	OPENSSL_cleanse(b.data, b.len);
	buf_free(&b);
}

int
account_new_token(struct store_txn *t, struct account *a, int64_t now, char token[TOKEN_LEN + 1])
{
	uint8_t key[8];

	if (token_generate(token) == -1)
		return -1;
	if (a->has_token)
		store_del(t, DB_TOKENS, a->token_digest, TOKEN_DIGEST);
	token_digest(token, TOKEN_LEN, a->token_digest);
	a->has_token = 1;
	record_key_u64(key, a->id);
	store_put_new(t, DB_TOKENS, a->token_digest, TOKEN_DIGEST, key, sizeof(key));
	account_save(t, a, now);
	return t->err ? -1 : 0;
}

int
account_create(struct store_txn *t, struct account *a, int64_t now, char token[TOKEN_LEN + 1])
{
	if ((a->id = store_next_id(t, "account")) == 0)
		return -1;
	a->created_at = now;
	a->has_token = 0;
	return account_new_token(t, a, now, token);
}

void
account_delete(struct store_txn *t, const struct account *a)
{
	uint8_t key[8];

	if (a->has_token)
		store_del(t, DB_TOKENS, a->token_digest, TOKEN_DIGEST);
	record_key_u64(key, a->id);
	store_del(t, DB_ACCOUNTS, key, sizeof(key));
}

uint64_t
account_executions_today(const struct account *a, int64_t now)
{
	const struct tz *zone = tz_get(a->timezone);
	int64_t local = now + tz_offset_at(zone ? zone : tz_utc(), now);
	int64_t day = local >= 0 ? local / 86400 : (local - 86399) / 86400;

	return a->exec_day == day ? a->exec_today : 0;
}

int
account_rate(const struct account *a, const struct config *cfg)
{
	return a->lim.rate_limit > 0 ? a->lim.rate_limit : cfg->rate_limit;
}

void
account_json(yajl_gen g, const struct account *a, const struct config *cfg, int id_null)
{
	yajl_gen_map_open(g);
	if (id_null)
		json_knull(g, "id");
	else
		json_kint(g, "id", (int64_t)a->id);
	json_kstr(g, "name", a->name);
	json_kstr(g, "email", a->email);
	json_kstr(g, "timezone", a->timezone);
	json_kint(g, "status", a->status);
	json_kbool(g, "admin", a->admin);
	json_kstr(g, "notifyUrl", a->notify_url);
	json_kstr(g, "notifyEmail", a->notify_email);
	json_kbool(g, "hasSecret", a->secret && *a->secret);
	json_key(g, "limits");
	yajl_gen_map_open(g);
	json_kint(g, "maxJobs", a->lim.max_jobs);
	json_kint(g, "maxTasks", a->lim.max_tasks);
	json_kint(g, "maxTimeout", a->lim.max_timeout);
	json_kint(g, "minInterval", a->lim.min_interval);
	json_kint(g, "maxConcurrent", a->lim.max_concurrent);
	json_kint(g, "rateLimit", account_rate(a, cfg));
	json_kint(g, "dailyExecutions", a->lim.daily_executions);
	json_kint(g, "logRetention", a->lim.log_retention);
	yajl_gen_map_close(g);
	json_key(g, "usage");
	yajl_gen_map_open(g);
	json_kint(g, "jobs", (int64_t)a->jobs);
	json_kint(g, "executionsToday", (int64_t)account_executions_today(a, (int64_t)time(NULL)));
	yajl_gen_map_close(g);
	json_kint(g, "createdAt", a->created_at);
	yajl_gen_map_close(g);
}
