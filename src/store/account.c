/*
 * account: records, the token index and JSON.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "store/account.h"
#include "util/buf.h"
#include "conf/config.h"
#include "util/json.h"
#include "store/job.h"
#include "util/log.h"
#include "store/record.h"
#include "store/rules.h"
#include "store/store.h"
#include "engine/tz.h"

struct account_view {
	const struct config *cfg;
	int64_t now;
	int id_null; /* a deleted account: "id": null */
};

static int account_rule_url(const char *, char *, size_t);
static void account_show_id(yajl_gen, const struct account *, const struct account_view *);
static void account_show_secret(yajl_gen, const struct account *, const struct account_view *);
static void account_show_rate(yajl_gen, const struct account *, const struct account_view *);
static void account_show_executions(yajl_gen, const struct account *, const struct account_view *);

#define A(f) offsetof(struct account, f)
#define TEXT ACCOUNT_FT_TEXT
#define INT ACCOUNT_FT_INT
#define BOOL ACCOUNT_FT_BOOL
#define I64 ACCOUNT_FT_I64
#define U64 ACCOUNT_FT_U64
#define DIGEST ACCOUNT_FT_DIGEST
#define API ACCOUNT_FF_API
#define ADMIN ACCOUNT_FF_ADMIN
#define MOVE ACCOUNT_FF_MOVE
#define HIDDEN ACCOUNT_FF_HIDDEN
#define CONF ACCOUNT_FF_CONF_DEFAULT

/* Every field of an account, in the order of the Account object (SPEC
 * 3.5); the record's tags are those of the first builds. The columns:
 * name, object, tag, type, offset, min, max, text default, default,
 * config key, rule, show hook, flags. */
const struct account_field account_fields[] = {
	{ "id", NULL, 0, U64, A(id), 0, 0, NULL, 0, NULL, NULL, NULL, account_show_id, 0 },
	{ "name", NULL, 1, TEXT, A(name), 1, ACCOUNT_NAME_MAX, NULL, 0, NULL, NULL, NULL, NULL,
	    API | MOVE },
	{ "email", NULL, 2, TEXT, A(email), 0, ACCOUNT_EMAIL_MAX, NULL, 0, NULL, NULL, rules_email,
	    NULL, API | MOVE },
	{ "timezone", NULL, 3, TEXT, A(timezone), 1, ACCOUNT_TIMEZONE_MAX, "UTC", 0, "jobs",
	    "default_timezone", rules_timezone, NULL, API | MOVE | CONF | ACCOUNT_FF_RULE_EMPTY },
	{ "status", NULL, 4, INT, A(status), ACCOUNT_ACTIVE, ACCOUNT_SUSPENDED, NULL, ACCOUNT_ACTIVE,
	    NULL, NULL, NULL, NULL, ADMIN | MOVE },
	{ "admin", NULL, 5, BOOL, A(admin), 0, 1, NULL, 0, NULL, NULL, NULL, NULL, ADMIN | MOVE },
	{ "notifyUrl", NULL, 6, TEXT, A(notify_url), 0, ACCOUNT_NOTIFY_URL_MAX, NULL, 0, NULL, NULL,
	    account_rule_url, NULL, API | MOVE },
	{ "notifyEmail", NULL, 7, TEXT, A(notify_email), 0, ACCOUNT_EMAIL_MAX, NULL, 0, NULL, NULL,
	    rules_email, NULL, API | MOVE },
	/* set by account.secret alone; shown as hasSecret */
	{ "secret", NULL, 8, TEXT, A(secret), 0, ACCOUNT_SECRET_MAX, NULL, 0, NULL, NULL,
	    rules_header_text, account_show_secret, MOVE | ACCOUNT_FF_SECRET },
	/* unknown parameters are code 22 for this account (SPEC 3.1 warnings) */
	{ "strictParams", NULL, 40, BOOL, A(strict_params), 0, 1, NULL, 0, NULL, NULL, NULL, NULL,
	    API | MOVE },
	{ "maxJobs", "limits", 20, INT, A(lim.max_jobs), 0, 0, NULL, 0, "limits", "max_jobs", NULL,
	    NULL, ADMIN | MOVE | CONF },
	{ "maxTasks", "limits", 21, INT, A(lim.max_tasks), 0, 0, NULL, 0, "limits", "max_tasks",
	    NULL, NULL, ADMIN | MOVE | CONF },
	{ "maxTimeout", "limits", 22, INT, A(lim.max_timeout), 0, 0, NULL, 0, "limits",
	    "max_timeout", NULL, NULL, ADMIN | MOVE | CONF },
	{ "minInterval", "limits", 23, INT, A(lim.min_interval), 0, 0, NULL, 0, "limits",
	    "min_interval", NULL, NULL, ADMIN | MOVE | CONF },
	{ "maxConcurrent", "limits", 24, INT, A(lim.max_concurrent), 0, 0, NULL, 0, "limits",
	    "max_concurrent", NULL, NULL, ADMIN | MOVE | CONF },
	/* 0 = the server's [api] rate_limit, shown as the rate in effect */
	{ "rateLimit", "limits", 25, INT, A(lim.rate_limit), 0, 0, NULL, 0, "api", "rate_limit",
	    NULL, account_show_rate, ADMIN | MOVE | ACCOUNT_FF_ZERO_OK },
	{ "dailyExecutions", "limits", 26, INT, A(lim.daily_executions), 0, 0, NULL, 0, "limits",
	    "daily_executions", NULL, NULL, ADMIN | MOVE | CONF },
	{ "logRetention", "limits", 27, INT, A(lim.log_retention), 0, 0, NULL, 0, "limits",
	    "log_retention", NULL, NULL, ADMIN | MOVE | CONF },
	/* usage: job_insert and job_delete count the jobs; not moved (the
	 * import's jobs are counted as they come in, and the day's executions
	 * start over on the new server) */
	{ "jobs", "usage", 12, U64, A(jobs), 0, INT64_MAX, NULL, 0, NULL, NULL, NULL, NULL, 0 },
	{ "executionsToday", "usage", 14, U64, A(exec_today), 0, INT64_MAX, NULL, 0, NULL, NULL,
	    NULL, account_show_executions, 0 },
	{ "createdAt", NULL, 9, I64, A(created_at), 0, JOB_TIME_MAX, NULL, 0, NULL, NULL, NULL, NULL,
	    MOVE },
	{ "updatedAt", NULL, 10, I64, A(updated_at), 0, JOB_TIME_MAX, NULL, 0, NULL, NULL, NULL,
	    NULL, MOVE | HIDDEN },
	{ "tokenSha256", NULL, 11, DIGEST, A(token_digest), 0, 0, NULL, 0, NULL, NULL, NULL, NULL,
	    MOVE | ACCOUNT_FF_MOVE_LAST | HIDDEN },
	/* the day of executionsToday's count (days since 1970 in the account's zone) */
	{ "execDay", NULL, 13, I64, A(exec_day), INT64_MIN, INT64_MAX, NULL, 0, NULL, NULL, NULL,
	    NULL, HIDDEN },
	{ NULL, NULL, 0, U64, 0, 0, 0, NULL, 0, NULL, NULL, NULL, NULL, 0 }
};

#undef TEXT
#undef INT
#undef BOOL
#undef I64
#undef U64
#undef DIGEST
#undef API
#undef ADMIN
#undef MOVE
#undef HIDDEN
#undef CONF

const struct account_field *
account_field(const char *name)
{
	const struct account_field *f;

	for (f = account_fields; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

static const struct account_field *
account_field_by_tag(uint8_t tag)
{
	const struct account_field *f;

	for (f = account_fields; f->name; f++)
		if (f->tag == tag && tag != 0)
			return f;
	return NULL;
}

void *
account_field_ptr(struct account *a, const struct account_field *f)
{
	return (char *)a + f->offset;
}

const void *
account_field_cptr(const struct account *a, const struct account_field *f)
{
	return (const char *)a + f->offset;
}

/* F's config key; fatal when the table names one the config lacks. */
static const struct config_key *
account_field_conf(const struct account_field *f)
{
	const struct config_key *k;

	for (k = config_keys; k->name; k++)
		if (strcmp(k->section, f->conf_section) == 0 && strcmp(k->name, f->conf_key) == 0)
			return k;
	fatalx("account: field %s: no config key [%s] %s", f->name, f->conf_section, f->conf_key);
}

void
account_field_range(const struct account_field *f, int64_t *min, int64_t *max)
{
	const struct config_key *k;

	*min = f->min;
	*max = f->max;
	if (f->type != ACCOUNT_FT_INT || f->conf_key == NULL)
		return;
	k = account_field_conf(f);
	*min = (f->flags & ACCOUNT_FF_ZERO_OK) ? 0 : k->min;
	*max = k->max;
}

/* rules_url, reported as a refused URL. */
static int
account_rule_url(const char *url, char *why, size_t whylen)
{
	return rules_url(url, why, whylen) == -1 ? RULES_URL_REFUSED : 0;
}

/* Sets A's fields to their defaults (CFG's where the field takes one
 * from the config, may be NULL): the scalars when TEXTS is 0, else the
 * texts that are still NULL. */
static void
account_defaults(struct account *a, const struct config *cfg, int texts)
{
	const struct account_field *f;

	for (f = account_fields; f->name; f++) {
		const void *conf = NULL;
		void *p = account_field_ptr(a, f);

		if ((f->type == ACCOUNT_FT_TEXT) != texts)
			continue;
		if (cfg && (f->flags & ACCOUNT_FF_CONF_DEFAULT))
			conf = (const char *)cfg + account_field_conf(f)->offset;
		switch (f->type) {
		case ACCOUNT_FT_TEXT:
			if (*(char **)p == NULL)
				*(char **)p = xstrdup(conf ? *(char *const *)conf :
				        f->text_default    ? f->text_default :
				                             "");
			break;
		case ACCOUNT_FT_INT:
		case ACCOUNT_FT_BOOL:
			*(int *)p = conf ? *(const int *)conf : (int)f->default_value;
			break;
		case ACCOUNT_FT_I64:
			*(int64_t *)p = f->default_value;
			break;
		case ACCOUNT_FT_U64:
			*(uint64_t *)p = (uint64_t)f->default_value;
			break;
		case ACCOUNT_FT_DIGEST:
			break;
		}
	}
}

void
account_init(struct account *a, const struct config *cfg)
{
	memset(a, 0, sizeof(*a));
	account_defaults(a, cfg, 0);
	account_defaults(a, cfg, 1);
}

void
account_free(struct account *a)
{
	const struct account_field *f;

	for (f = account_fields; f->name; f++) {
		char **p = account_field_ptr(a, f);

		if (f->type != ACCOUNT_FT_TEXT || *p == NULL)
			continue;
		OPENSSL_cleanse(*p, strlen(*p)); /* the secret among them */
		free(*p);
	}
	memset(a, 0, sizeof(*a));
}

void
account_copy(struct account *dst, const struct account *src)
{
	const struct account_field *f;

	*dst = *src;
	for (f = account_fields; f->name; f++)
		if (f->type == ACCOUNT_FT_TEXT)
			*(char **)account_field_ptr(dst, f) =
			    xstrdup(*(char *const *)account_field_cptr(src, f));
}

/* ---- records */

static void
account_encode(const struct account *a, struct buf *b)
{
	const struct account_field *f;

	record_begin(b);
	for (f = account_fields; f->name; f++) {
		const void *p = account_field_cptr(a, f);

		if (f->tag == 0)
			continue;
		switch (f->type) {
		case ACCOUNT_FT_TEXT: record_str(b, f->tag, *(char *const *)p); break;
		case ACCOUNT_FT_INT:
		case ACCOUNT_FT_BOOL: record_uint(b, f->tag, (uint64_t) * (const int *)p); break;
		case ACCOUNT_FT_I64: record_sint(b, f->tag, *(const int64_t *)p); break;
		case ACCOUNT_FT_U64: record_uint(b, f->tag, *(const uint64_t *)p); break;
		case ACCOUNT_FT_DIGEST:
			if (a->has_token)
				record_bytes(b, f->tag, p, TOKEN_DIGEST);
			break;
		}
	}
}

static int
account_decode(const void *data, size_t len, struct account *a)
{
	struct record_reader r;
	struct record_val v;
	uint8_t tag;
	int rc;

	/* the texts are set from the record, and only those it lacks get
	 * their defaults, after it */
	memset(a, 0, sizeof(*a));
	account_defaults(a, NULL, 0);
	if (record_open(&r, data, len) == -1) {
		account_defaults(a, NULL, 1);
		return -1;
	}
	while ((rc = record_next(&r, &tag, &v)) == 1) {
		const struct account_field *f;
		void *p;

		if ((f = account_field_by_tag(tag)) == NULL)
			continue; /* a newer build's field */
		p = account_field_ptr(a, f);
		switch (f->type) {
		case ACCOUNT_FT_TEXT: record_set_str((char **)p, &v); break;
		case ACCOUNT_FT_INT:
		case ACCOUNT_FT_BOOL: *(int *)p = (int)v.u; break;
		case ACCOUNT_FT_I64: *(int64_t *)p = v.i; break;
		case ACCOUNT_FT_U64: *(uint64_t *)p = v.u; break;
		case ACCOUNT_FT_DIGEST:
			if (v.kind == RECORD_BYTES && v.len == TOKEN_DIGEST) {
				memcpy(p, v.p, TOKEN_DIGEST);
				a->has_token = 1;
			}
			break;
		}
	}
	account_defaults(a, NULL, 1);
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
	if (v.mv_size != 8 && v.mv_size != 16) { /* 16: a key's (apikey.h) */
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

/* The record tag of the field at OFFSET in struct account. */
static uint8_t
account_tag_at(size_t offset)
{
	const struct account_field *f;

	for (f = account_fields; f->name; f++)
		if (f->offset == offset)
			return f->tag;
	return 0;
}

int
account_count_jobs(struct store_txn *t, uint64_t id, int delta, int64_t now)
{
	const uint8_t tag_jobs = account_tag_at(A(jobs)), tag_stamp = account_tag_at(A(updated_at));
	struct buf b = BUF_INIT;
	struct record_reader r;
	struct record_val v;
	const uint8_t *at;
	uint8_t key[8], tag;
	int rc, jobs_seen = 0, stamp_seen = 0;
	uint64_t jobs;
	MDB_val old;

	record_key_u64(key, id);
	if ((rc = store_get(t, DB_ACCOUNTS, key, sizeof(key), &old)) != STORE_OK)
		return rc;
	if (record_open(&r, old.mv_data, old.mv_size) == -1)
		goto corrupt;
	/* the other fields are copied as they are, in their order */
	buf_reserve(&b, old.mv_size + 24);
	record_begin(&b);
	for (;;) {
		at = r.p;
		if ((rc = record_next(&r, &tag, &v)) != 1)
			break;
		if (tag == tag_jobs && v.kind == RECORD_UINT && !jobs_seen) {
			jobs = v.u;
			if (delta < 0 && jobs < (uint64_t) - (int64_t)delta)
				log_warnx("store: account %llu: job count below zero", (unsigned long long)id);
			else
				jobs += (uint64_t)(int64_t)delta;
			record_uint(&b, tag, jobs);
			jobs_seen = 1;
		} else if (tag == tag_stamp && !stamp_seen) {
			record_sint(&b, tag, now);
			stamp_seen = 1;
		} else
			buf_add(&b, at, (size_t)(r.p - at));
	}
	if (rc == -1)
		goto corrupt;
	if (!jobs_seen) {
		if (delta < 0)
			log_warnx("store: account %llu: job count below zero", (unsigned long long)id);
		record_uint(&b, tag_jobs, delta > 0 ? (uint64_t)delta : 0);
	}
	if (!stamp_seen)
		record_sint(&b, tag_stamp, now);
	store_put(t, DB_ACCOUNTS, key, sizeof(key), b.data, b.len);
	OPENSSL_cleanse(b.data, b.len);
	buf_free(&b);
	return t->err;
corrupt:
	if (b.data)
		OPENSSL_cleanse(b.data, b.len);
	buf_free(&b);
	log_warnx("store: account %llu: corrupt record", (unsigned long long)id);
	if (t->err == 0)
		t->err = STORE_FAILED;
	return STORE_FAILED;
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

/* ---- JSON: the table's show hooks */

static void
account_show_id(yajl_gen g, const struct account *a, const struct account_view *v)
{
	if (v->id_null)
		json_knull(g, "id");
	else
		json_kint(g, "id", (int64_t)a->id);
}

/* never shown: hasSecret says whether there is one */
static void
account_show_secret(yajl_gen g, const struct account *a, const struct account_view *v)
{
	(void)v;
	json_kbool(g, "hasSecret", a->secret && *a->secret);
}

static void
account_show_rate(yajl_gen g, const struct account *a, const struct account_view *v)
{
	json_kint(g, "rateLimit", account_rate(a, v->cfg));
}

static void
account_show_executions(yajl_gen g, const struct account *a, const struct account_view *v)
{
	json_kint(g, "executionsToday", (int64_t)account_executions_today(a, v->now));
}

static int
account_same_object(const char *x, const char *y)
{
	return x == y || (x && y && strcmp(x, y) == 0);
}

void
account_json(yajl_gen g, const struct account *a, const struct config *cfg, int id_null)
{
	struct account_view v = { cfg, (int64_t)time(NULL), id_null };
	const struct account_field *f;
	const char *object = NULL;

	yajl_gen_map_open(g);
	for (f = account_fields; f->name; f++) {
		const void *p = account_field_cptr(a, f);

		if (f->flags & ACCOUNT_FF_HIDDEN)
			continue;
		if (!account_same_object(object, f->object)) {
			if (object)
				yajl_gen_map_close(g);
			if ((object = f->object) != NULL) {
				json_key(g, object);
				yajl_gen_map_open(g);
			}
		}
		if (f->show) {
			f->show(g, a, &v);
			continue;
		}
		switch (f->type) {
		case ACCOUNT_FT_TEXT: json_kstr(g, f->name, *(char *const *)p); break;
		case ACCOUNT_FT_INT: json_kint(g, f->name, *(const int *)p); break;
		case ACCOUNT_FT_BOOL: json_kbool(g, f->name, *(const int *)p); break;
		case ACCOUNT_FT_I64: json_kint(g, f->name, *(const int64_t *)p); break;
		case ACCOUNT_FT_U64: json_kint(g, f->name, (int64_t) * (const uint64_t *)p); break;
		case ACCOUNT_FT_DIGEST: break;
		}
	}
	if (object)
		yajl_gen_map_close(g);
	yajl_gen_map_close(g);
}
