/*
 * transfer: an account as one JSON document, out of one server and into
 * another (webcronctl export / import).
 *
 * One table per object (account, group, job, task, job state) names each
 * field, its kind and its bounds, and drives both directions, so that a
 * field the export writes is a field the import reads back: a field added
 * to a record needs one line in its table. The account's and the job's
 * tables are their records' own (account_fields, job_fields), which the
 * API walks too. The export reads the records through their own modules
 * (account_load, group_each, job_each); the
 * import checks the whole document before it opens its write transaction,
 * then writes through the functions the API uses (group_insert,
 * job_insert), so indexes, task ids and the account's job count come out
 * exactly as they would from API calls.
 *
 * The bounds are the API's (the tables, api_group.c),
 * and the rules of the fields' contents the API's own (rules.c): a
 * hand-edited document must not create a record the API would refuse.
 * Limits of the account itself (maxJobs, maxTasks, maxTimeout,
 * minInterval) are not held against its jobs: they travel in the same
 * document, and an admin may have lowered them below what existing jobs
 * use, which the source server allows too.
 */

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "store/account.h"
#include "store/apikey.h"
#include "util/buf.h"
#include "util/cidr.h"
#include "store/changefeed.h"
#include "conf/config.h"
#include "engine/cron.h"
#include "store/execlog.h"
#include "store/group.h"
#include "store/job.h"
#include "util/json.h"
#include "util/log.h"
#include "store/record.h"
#include "store/rules.h"
#include "store/store.h"
#include "util/token.h"
#include "ctl/transfer.h"
#include "util/url.h"

/* The longest a run can have lasted, seconds (far beyond any timeout). */
#define TR_DURATION_MAX 1e9

/* Where errors go while a document is read. */
struct tr_in {
	char *err;
	size_t errlen;
};

enum tr_kind {
	TR_TEXT,  /* char *: MIN..MAX bytes */
	TR_INT,   /* int: MIN..MAX */
	TR_BOOL,  /* int: true or false */
	TR_TIME,  /* int64_t: Unix seconds, null for 0 (unset) */
	TR_STAMP, /* int64_t: Unix seconds, 0..JOB_TIME_MAX, never null */
	TR_COUNT, /* uint64_t: MIN..MAX */
};

struct tr_field {
	const char *name; /* the API's spelling */
	enum tr_kind kind;
	size_t offset; /* into the object's struct */
	int64_t min, max;
	/* TR_TEXT: checks *VALUE (a copy), which it may replace with its
	 * normal form. Returns 0, or -1 with the error recorded. */
	int (*check)(struct tr_in *, const char *where, const char *name, char **value);
	/* TR_TEXT: the rule of rules.c that a value other than "" passes */
	int (*rule)(const char *value, char *why, size_t whylen);
};

static int tr_check_action(struct tr_in *, const char *, const char *, char **);

#define G(f) offsetof(struct group, f)
#define J(f) offsetof(struct job, f)
#define T(f) offsetof(struct job_task, f)
#define S(f) offsetof(struct job_state, f)
#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

/* The account's fields are its table's (account_fields of account.h):
 * those it marks ACCOUNT_FF_MOVE, by their type. */

static const struct tr_field tr_group_fields[] = {
	{ "name", TR_TEXT, G(name), 1, GROUP_NAME_MAX, NULL, NULL },
	{ "description", TR_TEXT, G(description), 0, GROUP_DESCRIPTION_MAX, NULL, NULL },
	{ "createdAt", TR_STAMP, G(created_at), 0, JOB_TIME_MAX, NULL, NULL },
	{ "updatedAt", TR_STAMP, G(updated_at), 0, JOB_TIME_MAX, NULL, NULL },
};
static const char *const tr_group_extra[] = { "id", NULL };

/* The job's fields are its table's (job_fields of job.h): those it marks
 * JOB_FF_MOVE by their type, those marked JOB_FF_MOVE_OWN (id, group,
 * tasks, rules) by this file, and the job's state besides. */
static const char *const tr_job_extra[] = { "state", NULL };

static const struct tr_field tr_task_fields[] = {
	{ "action", TR_TEXT, T(action), 1, 64, tr_check_action, NULL },
	{ "payload", TR_TEXT, T(payload), 0, JOB_PAYLOAD_MAX, NULL, NULL },
	{ "timeOffset", TR_INT, T(time_offset), 0, JOB_OFFSET_MAX, NULL, NULL },
	{ "continueOnFailure", TR_BOOL, T(continue_on_failure), 0, 1, NULL, NULL },
};
static const char *const tr_task_extra[] = { "id", NULL };

/* The job's state but lastStatus, lastDuration and lastHttpStatus (and its
 * count of kept logs, which are not moved: it starts at 0). */
static const struct tr_field tr_state_fields[] = {
	{ "fail", TR_INT, S(fail), 0, INT_MAX, NULL, NULL },
	{ "runs", TR_COUNT, S(runs), 0, INT64_MAX, NULL, NULL },
	{ "lastRun", TR_STAMP, S(last_run), 0, JOB_TIME_MAX, NULL, NULL },
	{ "lastFire", TR_STAMP, S(last_fire), 0, JOB_TIME_MAX, NULL, NULL },
	{ "since", TR_STAMP, S(since), 0, JOB_TIME_MAX, NULL, NULL },
	{ "notified", TR_BOOL, S(notified), 0, 1, NULL, NULL },
};
static const char *const tr_state_extra[] = { "lastStatus", "lastDuration", "lastHttpStatus",
	NULL };

/* ---- errors */

static int tr_fail(struct tr_in *in, const char *where, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records "WHERE.KEY: message" (the parts that are there) and returns -1. */
static int
tr_fail(struct tr_in *in, const char *where, const char *key, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (where && *where && key)
		snprintf(in->err, in->errlen, "%s.%s: %s", where, key, msg);
	else if (key || (where && *where))
		snprintf(in->err, in->errlen, "%s: %s", key ? key : where, msg);
	else
		snprintf(in->err, in->errlen, "%s", msg);
	return -1;
}

static int
tr_store_fail(char *err, size_t errlen, int rc)
{
	snprintf(err, errlen, "%s", rc == STORE_FULL ? "storage is full" : "storage error (see the message above)");
	return -1;
}

/* ---- export */

static void
tr_fields_json(yajl_gen g, const void *base, const struct tr_field *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *p = (const char *)base + f[i].offset;

		switch (f[i].kind) {
		case TR_TEXT: json_kstr(g, f[i].name, *(char *const *)p); break;
		case TR_INT: json_kint(g, f[i].name, *(const int *)p); break;
		case TR_BOOL: json_kbool(g, f[i].name, *(const int *)p); break;
		case TR_TIME: json_kintnull(g, f[i].name, *(const int64_t *)p); break;
		case TR_STAMP: json_kint(g, f[i].name, *(const int64_t *)p); break;
		case TR_COUNT: json_kint(g, f[i].name, (int64_t) * (const uint64_t *)p); break;
		}
	}
}

/* The job's plain fields (JOB_FF_MOVE) whose JOB_FF_MOVE_LAST is LAST. */
static void
tr_job_fields_json(yajl_gen g, const struct job *j, unsigned last)
{
	const struct job_field *f;

	for (f = job_fields; f->name; f++)
		if ((f->flags & JOB_FF_MOVE) && (f->flags & JOB_FF_MOVE_LAST) == last)
			job_field_json(g, j, f);
}

static int
tr_same_object(const char *x, const char *y)
{
	return x == y || (x && y && strcmp(x, y) == 0);
}

/* The account's fields that move (ACCOUNT_FF_MOVE) in OBJECT (NULL: at
 * the top) and whose ACCOUNT_FF_MOVE_LAST is LAST. */
static void
tr_account_fields_json(yajl_gen g, const struct account *a, const char *object, unsigned last)
{
	static const char hex[] = "0123456789abcdef";
	const struct account_field *f;

	for (f = account_fields; f->name; f++) {
		const void *p = account_field_cptr(a, f);
		char digest[2 * TOKEN_DIGEST + 1];
		size_t i;

		if (!(f->flags & ACCOUNT_FF_MOVE) || (f->flags & ACCOUNT_FF_MOVE_LAST) != last ||
		    !tr_same_object(f->object, object))
			continue;
		switch (f->type) {
		case ACCOUNT_FT_TEXT: json_kstr(g, f->name, *(char *const *)p); break;
		case ACCOUNT_FT_INT: json_kint(g, f->name, *(const int *)p); break;
		case ACCOUNT_FT_BOOL: json_kbool(g, f->name, *(const int *)p); break;
		case ACCOUNT_FT_I64: json_kint(g, f->name, *(const int64_t *)p); break;
		case ACCOUNT_FT_U64: json_kint(g, f->name, (int64_t) * (const uint64_t *)p); break;
		case ACCOUNT_FT_DIGEST:
			if (!a->has_token) {
				json_knull(g, f->name);
				break;
			}
			for (i = 0; i < TOKEN_DIGEST; i++) {
				digest[2 * i] = hex[((const uint8_t *)p)[i] >> 4];
				digest[2 * i + 1] = hex[((const uint8_t *)p)[i] & 15];
			}
			digest[2 * TOKEN_DIGEST] = '\0';
			json_kstr(g, f->name, digest);
			break;
		}
	}
}

/* The account: its fields at the top, then each object of fields
 * ("limits"), then those that come last (tokenSha256). */
static void
tr_account_json(yajl_gen g, const struct account *a)
{
	const struct account_field *f;
	const char *object = NULL;

	yajl_gen_map_open(g);
	tr_account_fields_json(g, a, NULL, 0);
	for (f = account_fields; f->name; f++) {
		if (!(f->flags & ACCOUNT_FF_MOVE) || f->object == NULL || tr_same_object(f->object, object))
			continue;
		object = f->object;
		json_key(g, object);
		yajl_gen_map_open(g);
		tr_account_fields_json(g, a, object, 0);
		yajl_gen_map_close(g);
	}
	tr_account_fields_json(g, a, NULL, ACCOUNT_FF_MOVE_LAST);
	yajl_gen_map_close(g);
}

static void
tr_digest_json(yajl_gen g, const char *key, const uint8_t digest[TOKEN_DIGEST])
{
	static const char hex[] = "0123456789abcdef";
	char text[2 * TOKEN_DIGEST + 1];
	size_t i;

	for (i = 0; i < TOKEN_DIGEST; i++) {
		text[2 * i] = hex[digest[i] >> 4];
		text[2 * i + 1] = hex[digest[i] & 15];
	}
	text[2 * TOKEN_DIGEST] = '\0';
	json_kstr(g, key, text);
}

/* A key travels as its digest, like the account's token: the key itself
 * goes on working after an import or a move. */
static int
tr_key_json(struct apikey *k, void *arg)
{
	yajl_gen g = arg;

	yajl_gen_map_open(g);
	json_kstr(g, "name", k->name);
	json_key(g, "scopes");
	apikey_scopes_json(g, k->scopes);
	json_kintnull(g, "group", (int64_t)k->group);
	json_kstr(g, "allow", k->allow);
	json_kint(g, "expiresAt", k->expires_at);
	json_kint(g, "createdAt", k->created_at);
	json_kint(g, "updatedAt", k->updated_at);
	json_kint(g, "lastUsedAt", k->last_used_at);
	json_kstr(g, "lastUsedFrom", k->last_used_from);
	tr_digest_json(g, "tokenSha256", k->digest);
	yajl_gen_map_close(g);
	return 0;
}

static int
tr_group_json(struct group *gr, void *arg)
{
	yajl_gen g = arg;

	yajl_gen_map_open(g);
	json_kint(g, "id", (int64_t)gr->id);
	tr_fields_json(g, gr, tr_group_fields, NFIELDS(tr_group_fields));
	yajl_gen_map_close(g);
	return 0;
}

static int
tr_job_json(struct job *j, void *arg)
{
	yajl_gen g = arg;
	size_t i;

	yajl_gen_map_open(g);
	json_kint(g, "id", (int64_t)j->id);
	json_kintnull(g, "group", (int64_t)j->group);
	tr_job_fields_json(g, j, 0);
	tr_job_fields_json(g, j, JOB_FF_MOVE_LAST);
	json_key(g, "tasks");
	yajl_gen_array_open(g);
	for (i = 0; i < j->ntasks; i++) {
		yajl_gen_map_open(g);
		json_kint(g, "id", (int64_t)j->tasks[i].id);
		tr_fields_json(g, &j->tasks[i], tr_task_fields, NFIELDS(tr_task_fields));
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	if (j->nrules) /* the rules' own bounds; none: the expression says it all */
		job_rules_json(g, j, 1);
	json_key(g, "state");
	yajl_gen_map_open(g);
	tr_fields_json(g, &j->st, tr_state_fields, NFIELDS(tr_state_fields));
	job_last_status_json(g, &j->st);
	json_key(g, "lastDuration");
	json_double(g, j->st.last_duration);
	json_kint(g, "lastHttpStatus", j->st.last_http_status);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	return 0;
}

int
transfer_export(struct store *st, uint64_t account, FILE *out, char *err, size_t errlen)
{
	const unsigned char *text;
	struct store_txn t;
	struct account a;
	size_t len;
	yajl_gen g;
	int rc;

	if ((rc = store_begin(st, 0, &t)) != STORE_OK)
		return tr_store_fail(err, errlen, rc);
	if ((rc = account_load(&t, account, &a)) != STORE_OK) {
		store_abort(&t);
		if (rc == STORE_NOTFOUND) {
			snprintf(err, errlen, "account %llu not found", (unsigned long long)account);
			return -1;
		}
		return tr_store_fail(err, errlen, rc);
	}
	g = json_gen_new();
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_config(g, yajl_gen_indent_string, "  ");
	yajl_gen_map_open(g);
	json_kstr(g, "format", TRANSFER_FORMAT);
	json_kint(g, "version", TRANSFER_VERSION);
	json_kint(g, "exportedAt", (int64_t)time(NULL));
	json_key(g, "account");
	tr_account_json(g, &a);
	json_key(g, "groups");
	yajl_gen_array_open(g);
	rc = group_each(&t, account, tr_group_json, g);
	yajl_gen_array_close(g);
	json_key(g, "jobs");
	yajl_gen_array_open(g);
	if (rc == STORE_OK)
		rc = job_each(&t, account, tr_job_json, g);
	yajl_gen_array_close(g);
	json_key(g, "keys");
	yajl_gen_array_open(g);
	if (rc == STORE_OK)
		rc = apikey_each(&t, account, tr_key_json, g);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	if (rc == STORE_OK)
		rc = t.err;
	store_abort(&t);
	account_free(&a);
	yajl_gen_get_buf(g, &text, &len);
	if (rc != STORE_OK)
		tr_store_fail(err, errlen, rc);
	else if (fwrite(text, 1, len, out) != len || fflush(out) == EOF) {
		snprintf(err, errlen, "cannot write the document: %s", strerror(errno));
		rc = STORE_FAILED;
	}
	/* it holds the secret and the passwords */
	OPENSSL_cleanse((void *)(uintptr_t)text, len);
	yajl_gen_free(g);
	return rc == STORE_OK ? 0 : -1;
}

/* ---- import: reading values */

static yajl_val
tr_find(yajl_val o, const char *key)
{
	size_t i;

	for (i = 0; i < o->u.object.len; i++)
		if (strcmp(o->u.object.keys[i], key) == 0)
			return o->u.object.values[i];
	return NULL;
}

/* The value of KEY in O; NULL (recorded) when it is missing. */
static yajl_val
tr_get(struct tr_in *in, yajl_val o, const char *where, const char *key)
{
	yajl_val v = tr_find(o, key);

	if (v == NULL)
		tr_fail(in, where, key, "missing");
	return v;
}

/* O is an object whose keys are each once in F or EXTRA: a misspelt key
 * would otherwise drop the value it holds. */
static int
tr_keys(struct tr_in *in, yajl_val o, const char *where, const struct tr_field *f, size_t n,
    const char *const *extra)
{
	size_t i, k;

	if (!YAJL_IS_OBJECT(o))
		return tr_fail(in, where, NULL, "must be an object");
	for (i = 0; i < o->u.object.len; i++) {
		const char *key = o->u.object.keys[i];

		for (k = 0; k < n; k++)
			if (strcmp(f[k].name, key) == 0)
				break;
		if (k == n) {
			for (k = 0; extra[k]; k++)
				if (strcmp(extra[k], key) == 0)
					break;
			if (extra[k] == NULL)
				return tr_fail(in, where, key, "unknown field");
		}
		for (k = 0; k < i; k++)
			if (strcmp(o->u.object.keys[k], key) == 0)
				return tr_fail(in, where, key, "given twice");
	}
	return 0;
}

static int
tr_integer(struct tr_in *in, yajl_val v, const char *where, const char *key, int64_t min,
    int64_t max, int64_t *out)
{
	if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < min || YAJL_GET_INTEGER(v) > max)
		return tr_fail(in, where, key, "must be a whole number between %lld and %lld",
		    (long long)min, (long long)max);
	*out = YAJL_GET_INTEGER(v);
	return 0;
}

/* Reads every field of F from O into BASE. */
static int
tr_fields_read(struct tr_in *in, yajl_val o, const char *where, void *base,
    const struct tr_field *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *p = (char *)base + f[i].offset, *copy, why[160];
		yajl_val v;
		int64_t x = 0;
		size_t len;

		if ((v = tr_get(in, o, where, f[i].name)) == NULL)
			return -1;
		switch (f[i].kind) {
		case TR_TEXT:
			if (!YAJL_IS_STRING(v))
				return tr_fail(in, where, f[i].name, "must be a string");
			len = strlen(v->u.string);
			if (len < (size_t)f[i].min)
				return tr_fail(in, where, f[i].name, "must not be empty");
			if (len > (size_t)f[i].max)
				return tr_fail(in, where, f[i].name, "is longer than %lld bytes",
				    (long long)f[i].max);
			if (*v->u.string && f[i].rule && f[i].rule(v->u.string, why, sizeof(why)) == -1)
				return tr_fail(in, where, f[i].name, "%s", why);
			copy = xstrdup(v->u.string);
			if (f[i].check && f[i].check(in, where, f[i].name, &copy) == -1) {
				free(copy);
				return -1;
			}
			free(*(char **)p);
			*(char **)p = copy;
			break;
		case TR_INT:
			if (tr_integer(in, v, where, f[i].name, f[i].min, f[i].max, &x) == -1)
				return -1;
			*(int *)p = (int)x;
			break;
		case TR_BOOL:
			if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
				return tr_fail(in, where, f[i].name, "must be true or false");
			*(int *)p = YAJL_IS_TRUE(v);
			break;
		case TR_TIME:
		case TR_STAMP:
			if (f[i].kind == TR_TIME && YAJL_IS_NULL(v))
				x = 0;
			else if (tr_integer(in, v, where, f[i].name, f[i].min, f[i].max, &x) == -1)
				return -1;
			*(int64_t *)p = x;
			break;
		case TR_COUNT:
			if (tr_integer(in, v, where, f[i].name, f[i].min, f[i].max, &x) == -1)
				return -1;
			*(uint64_t *)p = (uint64_t)x;
			break;
		}
	}
	return 0;
}

/* "rules" (optional): the rules of the expression, each with its own
 * bounds; they must make the document's expression. */
static int
tr_rules_read(struct tr_in *in, yajl_val v, const char *where, struct job *j)
{
	const char *exprs[CRON_RULES_MAX], *field;
	struct cron_bounds bounds[CRON_RULES_MAX];
	char why[256], *expression;
	size_t i, n, index;
	int rc;

	if (!YAJL_IS_ARRAY(v) || v->u.array.len == 0 || v->u.array.len > CRON_RULES_MAX)
		return tr_fail(in, where, "rules", "must be an array of 1 to %d rules", CRON_RULES_MAX);
	n = v->u.array.len;
	memset(bounds, 0, sizeof(bounds));
	for (i = 0; i < n; i++) {
		yajl_val r = v->u.array.values[i], e, t;
		const char *names[2] = { "startsAt", "expiresAt" };
		int64_t *at[2] = { &bounds[i].starts_at, &bounds[i].expires_at };
		int k;

		if (!YAJL_IS_OBJECT(r) || (e = tr_find(r, "expression")) == NULL || !YAJL_IS_STRING(e))
			return tr_fail(in, where, "rules", "rule %zu must be an object with an expression", i + 1);
		exprs[i] = YAJL_GET_STRING(e);
		for (k = 0; k < 2; k++)
			if ((t = tr_find(r, names[k])) != NULL && !YAJL_IS_NULL(t) &&
			    tr_integer(in, t, where, "rules", 0, JOB_TIME_MAX, at[k]) == -1)
				return -1;
	}
	expression = xstrdup(j->expression);
	if (job_set_rules(j, exprs, bounds, n, &field, &index, why, sizeof(why)) == -1)
		rc = tr_fail(in, where, "rules", "rule %zu: %s: %s", index + 1, field, why);
	else if (strcmp(expression, j->expression) != 0)
		rc = tr_fail(in, where, "rules", "do not make the expression");
	else
		rc = 0;
	free(expression);
	return rc;
}

/* O is a job: its keys are each once among the job's fields that move
 * (job_fields) or tr_job_extra. */
static int
tr_job_keys(struct tr_in *in, yajl_val o, const char *where)
{
	const struct job_field *f;
	size_t i, k;

	if (!YAJL_IS_OBJECT(o))
		return tr_fail(in, where, NULL, "must be an object");
	for (i = 0; i < o->u.object.len; i++) {
		const char *key = o->u.object.keys[i];

		if ((f = job_field(key)) == NULL || !(f->flags & (JOB_FF_MOVE | JOB_FF_MOVE_OWN))) {
			for (k = 0; tr_job_extra[k]; k++)
				if (strcmp(tr_job_extra[k], key) == 0)
					break;
			if (tr_job_extra[k] == NULL)
				return tr_fail(in, where, key, "unknown field");
		}
		for (k = 0; k < i; k++)
			if (strcmp(o->u.object.keys[k], key) == 0)
				return tr_fail(in, where, key, "given twice");
	}
	return 0;
}

/* Reads the job's plain fields (JOB_FF_MOVE) from O into J, by the rules
 * of its table. */
static int
tr_job_fields_read(struct tr_in *in, yajl_val o, const char *where, struct job *j)
{
	const struct job_field *f;

	for (f = job_fields; f->name; f++) {
		void *p = job_field_ptr(j, f);
		char why[160], *normal = NULL;
		struct buf list = BUF_INIT;
		yajl_val v;
		int64_t x = 0;
		size_t len;
		int i;

		if (!(f->flags & JOB_FF_MOVE))
			continue;
		if ((v = tr_get(in, o, where, f->name)) == NULL)
			return -1;
		switch (f->type) {
		case JOB_FT_TEXT:
			if (!YAJL_IS_STRING(v))
				return tr_fail(in, where, f->name, "must be a string");
			len = strlen(v->u.string);
			if (len < (size_t)f->min)
				return tr_fail(in, where, f->name, "must not be empty");
			if (len > (size_t)f->max)
				return tr_fail(in, where, f->name, "is longer than %lld bytes",
				    (long long)f->max);
			if (*v->u.string && f->rule && f->rule(v->u.string, why, sizeof(why)) != 0)
				return tr_fail(in, where, f->name, "%s", why);
			if (*v->u.string && f->normal &&
			    f->normal(v->u.string, &normal, why, sizeof(why)) == -1)
				return tr_fail(in, where, f->name, "%s", why);
			free(*(char **)p);
			*(char **)p = normal ? normal : xstrdup(v->u.string);
			break;
		case JOB_FT_INT:
			if (tr_integer(in, v, where, f->name, f->min, f->max, &x) == -1)
				return -1;
			*(int *)p = (int)x;
			break;
		case JOB_FT_BOOL:
			if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
				return tr_fail(in, where, f->name, "must be true or false");
			*(int *)p = YAJL_IS_TRUE(v);
			break;
		case JOB_FT_ENUM:
			if (YAJL_IS_STRING(v) && (i = job_field_enum(f, v->u.string)) >= 0) {
				*(int *)p = i;
				break;
			}
			for (i = 0; f->names[i]; i++) {
				if (i)
					buf_addstr(&list, f->names[i + 1] ? ", " : " or ");
				buf_addstr(&list, f->names[i]);
			}
			tr_fail(in, where, f->name, "must be %s", buf_str(&list));
			buf_free(&list);
			return -1;
		case JOB_FT_TIME:
		case JOB_FT_STAMP:
			if (f->type == JOB_FT_TIME && YAJL_IS_NULL(v))
				x = 0;
			else if (tr_integer(in, v, where, f->name, f->min, f->max, &x) == -1)
				return -1;
			*(int64_t *)p = x;
			break;
		case JOB_FT_ID:
			if (YAJL_IS_NULL(v))
				x = 0;
			else if (tr_integer(in, v, where, f->name, 1, INT64_MAX, &x) == -1)
				return -1;
			*(uint64_t *)p = (uint64_t)x;
			break;
		case JOB_FT_VIEW:
			break;
		}
	}
	return 0;
}

/* ---- import: the API's rules (rules.c) */

/* "http", or the name a task class can have (1-32 of a-z, 0-9, _ and -).
 * Whether this server defines the class is its config's business, as on
 * the source server: a run of an undefined class fails and says so. */
static int
tr_check_action(struct tr_in *in, const char *where, const char *name, char **value)
{
	size_t len = strlen(*value);

	if (len <= 32 && strspn(*value, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len)
		return 0;
	return tr_fail(in, where, name, "\"%.64s\" is neither http nor the name of a task class", *value);
}

/* The payload of an http task: a URL, or a JSON object with a url and
 * maybe a method and headers. */
static int
tr_http_payload(struct tr_in *in, const char *where, const char *payload)
{
	char why[160];

	if (rules_http_payload(payload, why, sizeof(why)) != 0)
		return tr_fail(in, where, "payload", "%s", why);
	return 0;
}

/* ---- import: the document */

/* An old id (the document's) and the object's place in its array. */
struct tr_id {
	uint64_t old;
	size_t index;
};

struct tr_doc {
	struct account a;
	struct group *groups; /* ids: the document's until written */
	size_t ngroups;
	struct tr_id *group_ids; /* sorted by old id */
	struct job *jobs;        /* group: the document's group id */
	size_t njobs;
	struct apikey *keys; /* group: the document's group id */
	size_t nkeys;
};

static int
tr_id_cmp(const void *a, const void *b)
{
	const struct tr_id *x = a, *y = b;

	return x->old < y->old ? -1 : x->old > y->old;
}

static const struct tr_id *
tr_id_find(const struct tr_doc *d, uint64_t old)
{
	struct tr_id key = { old, 0 };

	if (d->ngroups == 0)
		return NULL;
	return bsearch(&key, d->group_ids, d->ngroups, sizeof(key), tr_id_cmp);
}

/* Sorts IDS and refuses a repeated one. */
static int
tr_ids_unique(struct tr_in *in, const char *what, struct tr_id *ids, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	qsort(ids, n, sizeof(*ids), tr_id_cmp);
	for (i = 1; i < n; i++)
		if (ids[i].old == ids[i - 1].old)
			return tr_fail(in, what, NULL, "%s[%zu] and %s[%zu] have the same id %llu", what,
			    ids[i - 1].index < ids[i].index ? ids[i - 1].index : ids[i].index, what,
			    ids[i - 1].index < ids[i].index ? ids[i].index : ids[i - 1].index,
			    (unsigned long long)ids[i].old);
	return 0;
}

static void
tr_doc_free(struct tr_doc *d)
{
	size_t i;

	account_free(&d->a);
	for (i = 0; i < d->ngroups; i++)
		group_free(&d->groups[i]);
	for (i = 0; i < d->njobs; i++) {
		if (d->jobs[i].password)
			OPENSSL_cleanse(d->jobs[i].password, strlen(d->jobs[i].password));
		job_free(&d->jobs[i]);
	}
	for (i = 0; i < d->nkeys; i++)
		apikey_free(&d->keys[i]);
	free(d->keys);
	free(d->groups);
	free(d->group_ids);
	free(d->jobs);
	memset(d, 0, sizeof(*d));
}

static int
tr_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* O is the account: its keys are each once among the names of its
 * fields that move at the top, and of their objects. */
static int
tr_account_keys(struct tr_in *in, yajl_val o, const char *where)
{
	const struct account_field *f;
	size_t i, k;

	if (!YAJL_IS_OBJECT(o))
		return tr_fail(in, where, NULL, "must be an object");
	for (i = 0; i < o->u.object.len; i++) {
		const char *key = o->u.object.keys[i];

		for (f = account_fields; f->name; f++)
			if ((f->flags & ACCOUNT_FF_MOVE) && strcmp(f->object ? f->object : f->name, key) == 0)
				break;
		if (f->name == NULL)
			return tr_fail(in, where, key, "unknown field");
		for (k = 0; k < i; k++)
			if (strcmp(o->u.object.keys[k], key) == 0)
				return tr_fail(in, where, key, "given twice");
	}
	return 0;
}

/* Reads the account's fields that move in OBJECT (NULL: at the top) and
 * whose ACCOUNT_FF_MOVE_LAST is LAST from O into A, by the rules of their
 * rows. */
static int
tr_account_fields_read(struct tr_in *in, yajl_val o, const char *where, struct account *a,
    const char *object, unsigned last)
{
	const struct account_field *f;

	for (f = account_fields; f->name; f++) {
		void *p = account_field_ptr(a, f);
		int64_t x = 0, min, max;
		char why[160];
		yajl_val v;
		size_t len, i;

		if (!(f->flags & ACCOUNT_FF_MOVE) || (f->flags & ACCOUNT_FF_MOVE_LAST) != last ||
		    !tr_same_object(f->object, object))
			continue;
		if ((v = tr_get(in, o, where, f->name)) == NULL)
			return -1;
		account_field_range(f, &min, &max);
		switch (f->type) {
		case ACCOUNT_FT_TEXT:
			if (!YAJL_IS_STRING(v))
				return tr_fail(in, where, f->name, "must be a string");
			len = strlen(v->u.string);
			if (len < (size_t)min)
				return tr_fail(in, where, f->name, "must not be empty");
			if (len > (size_t)max)
				return tr_fail(in, where, f->name, "is longer than %lld bytes", (long long)max);
			if (*v->u.string && f->rule && f->rule(v->u.string, why, sizeof(why)) != 0)
				return tr_fail(in, where, f->name, "%s", why);
			free(*(char **)p);
			*(char **)p = xstrdup(v->u.string);
			break;
		case ACCOUNT_FT_INT:
			if (tr_integer(in, v, where, f->name, min, max, &x) == -1)
				return -1;
			*(int *)p = (int)x;
			break;
		case ACCOUNT_FT_BOOL:
			if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
				return tr_fail(in, where, f->name, "must be true or false");
			*(int *)p = YAJL_IS_TRUE(v);
			break;
		case ACCOUNT_FT_I64:
			if (tr_integer(in, v, where, f->name, min, max, &x) == -1)
				return -1;
			*(int64_t *)p = x;
			break;
		case ACCOUNT_FT_U64:
			if (tr_integer(in, v, where, f->name, min, max, &x) == -1)
				return -1;
			*(uint64_t *)p = (uint64_t)x;
			break;
		case ACCOUNT_FT_DIGEST:
			if (YAJL_IS_NULL(v)) {
				a->has_token = 0;
				break;
			}
			if (!YAJL_IS_STRING(v) || strlen(v->u.string) != 2 * TOKEN_DIGEST)
				goto bad_digest;
			for (i = 0; i < TOKEN_DIGEST; i++) {
				int hi = tr_hexval((unsigned char)v->u.string[2 * i]);
				int lo = tr_hexval((unsigned char)v->u.string[2 * i + 1]);

				if (hi < 0 || lo < 0)
					goto bad_digest;
				((uint8_t *)p)[i] = (uint8_t)(hi << 4 | lo);
			}
			a->has_token = 1;
			break;
		bad_digest:
			return tr_fail(in, where, f->name,
			    "must be the token's SHA-256 as %d hexadecimal digits, or null", 2 * TOKEN_DIGEST);
		}
	}
	return 0;
}

/* The account: its fields at the top, then each object of fields with
 * no key of its own, then those that come last. */
static int
tr_account_read(struct tr_in *in, yajl_val o, struct account *a)
{
	const char *where = "account", *object = NULL;
	const struct account_field *f, *g;
	char owhere[64];
	yajl_val v;
	size_t i;

	if (tr_account_keys(in, o, where) == -1 || tr_account_fields_read(in, o, where, a, NULL, 0) == -1)
		return -1;
	for (f = account_fields; f->name; f++) {
		if (!(f->flags & ACCOUNT_FF_MOVE) || f->object == NULL || tr_same_object(f->object, object))
			continue;
		object = f->object;
		snprintf(owhere, sizeof(owhere), "%s.%s", where, object);
		if ((v = tr_get(in, o, where, object)) == NULL)
			return -1;
		if (!YAJL_IS_OBJECT(v))
			return tr_fail(in, where, object, "must be an object");
		for (i = 0; i < v->u.object.len; i++) {
			for (g = account_fields; g->name; g++)
				if ((g->flags & ACCOUNT_FF_MOVE) && tr_same_object(g->object, object) &&
				    strcmp(g->name, v->u.object.keys[i]) == 0)
					break;
			if (g->name == NULL)
				return tr_fail(in, owhere, v->u.object.keys[i], "unknown field");
		}
		if (tr_account_fields_read(in, v, owhere, a, object, 0) == -1)
			return -1;
	}
	return tr_account_fields_read(in, o, where, a, NULL, ACCOUNT_FF_MOVE_LAST);
}

static int
tr_digest_read(struct tr_in *in, yajl_val v, const char *where, uint8_t digest[TOKEN_DIGEST])
{
	size_t i;

	if (!YAJL_IS_STRING(v) || strlen(v->u.string) != 2 * TOKEN_DIGEST)
		goto bad;
	for (i = 0; i < TOKEN_DIGEST; i++) {
		int hi = tr_hexval((unsigned char)v->u.string[2 * i]);
		int lo = tr_hexval((unsigned char)v->u.string[2 * i + 1]);

		if (hi < 0 || lo < 0)
			goto bad;
		digest[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
bad:
	return tr_fail(in, where, "tokenSha256", "must be the key's SHA-256 as %d hexadecimal digits",
	    2 * TOKEN_DIGEST);
}

/* "keys" (optional: documents of older builds have none). */
static int
tr_keys_read(struct tr_in *in, yajl_val arr, struct tr_doc *d)
{
	static const char *const keys[] = {
		"name", "scopes", "group", "allow", "expiresAt", "createdAt", "updatedAt",
		"lastUsedAt", "lastUsedFrom", "tokenSha256", NULL
	};
	size_t i, n, s;

	if (!YAJL_IS_ARRAY(arr))
		return tr_fail(in, NULL, "keys", "must be an array");
	n = arr->u.array.len;
	d->keys = xcalloc(n ? n : 1, sizeof(*d->keys));
	for (i = 0; i < n; i++) {
		yajl_val o = arr->u.array.values[i], v;
		struct apikey *k = &d->keys[i];
		struct cidr_list list = { NULL, 0 };
		char where[32], why[128];
		int64_t x = 0;

		snprintf(where, sizeof(where), "keys[%zu]", i);
		apikey_init(k, 0);
		d->nkeys = i + 1;
		if (tr_keys(in, o, where, NULL, 0, keys) == -1)
			return -1;
		if ((v = tr_get(in, o, where, "name")) == NULL)
			return -1;
		if (!YAJL_IS_STRING(v) || *v->u.string == '\0' || strlen(v->u.string) > APIKEY_NAME_MAX)
			return tr_fail(in, where, "name", "must be a text of 1 to %d bytes", APIKEY_NAME_MAX);
		free(k->name);
		k->name = xstrdup(v->u.string);
		if ((v = tr_get(in, o, where, "scopes")) == NULL)
			return -1;
		if (!YAJL_IS_ARRAY(v) || v->u.array.len == 0)
			return tr_fail(in, where, "scopes", "must be an array of read, write, run, admin");
		for (s = 0; s < v->u.array.len; s++) {
			yajl_val e = v->u.array.values[s];
			int bit = YAJL_IS_STRING(e) ? apikey_scope_parse(e->u.string, strlen(e->u.string)) : -1;

			if (bit == -1)
				return tr_fail(in, where, "scopes", "must be an array of read, write, run, admin");
			k->scopes |= (unsigned)bit;
		}
		if ((v = tr_get(in, o, where, "group")) == NULL)
			return -1;
		if (!YAJL_IS_NULL(v)) {
			if (tr_integer(in, v, where, "group", 1, INT64_MAX, &x) == -1)
				return -1;
			if (tr_id_find(d, (uint64_t)x) == NULL)
				return tr_fail(in, where, "group", "group %lld is not in the document's groups",
				    (long long)x);
			k->group = (uint64_t)x;
		}
		if ((v = tr_get(in, o, where, "allow")) == NULL)
			return -1;
		if (!YAJL_IS_STRING(v) || strlen(v->u.string) > APIKEY_ALLOW_MAX ||
		    cidr_list_parse(v->u.string, &list, why, sizeof(why)) == -1)
			return tr_fail(in, where, "allow", "must be addresses or CIDR ranges, \", \" between");
		cidr_list_free(&list);
		free(k->allow);
		k->allow = xstrdup(v->u.string);
		if ((v = tr_get(in, o, where, "expiresAt")) == NULL ||
		    tr_integer(in, v, where, "expiresAt", 0, JOB_TIME_MAX, &k->expires_at) == -1 ||
		    (v = tr_get(in, o, where, "createdAt")) == NULL ||
		    tr_integer(in, v, where, "createdAt", 0, JOB_TIME_MAX, &k->created_at) == -1 ||
		    (v = tr_get(in, o, where, "updatedAt")) == NULL ||
		    tr_integer(in, v, where, "updatedAt", 0, JOB_TIME_MAX, &k->updated_at) == -1 ||
		    (v = tr_get(in, o, where, "lastUsedAt")) == NULL ||
		    tr_integer(in, v, where, "lastUsedAt", 0, JOB_TIME_MAX, &k->last_used_at) == -1)
			return -1;
		if ((v = tr_get(in, o, where, "lastUsedFrom")) == NULL)
			return -1;
		if (!YAJL_IS_STRING(v) || strlen(v->u.string) > 63)
			return tr_fail(in, where, "lastUsedFrom", "must be an address");
		free(k->last_used_from);
		k->last_used_from = xstrdup(v->u.string);
		if ((v = tr_get(in, o, where, "tokenSha256")) == NULL ||
		    tr_digest_read(in, v, where, k->digest) == -1)
			return -1;
	}
	return 0;
}

static int
tr_groups_read(struct tr_in *in, yajl_val arr, struct tr_doc *d)
{
	size_t i, n;

	if (!YAJL_IS_ARRAY(arr))
		return tr_fail(in, NULL, "groups", "must be an array");
	n = arr->u.array.len;
	d->groups = xcalloc(n ? n : 1, sizeof(*d->groups));
	d->group_ids = xcalloc(n ? n : 1, sizeof(*d->group_ids));
	for (i = 0; i < n; i++) {
		yajl_val o = arr->u.array.values[i], v;
		struct group *g = &d->groups[i];
		char where[32];
		int64_t id = 0;

		snprintf(where, sizeof(where), "groups[%zu]", i);
		group_init(g, 0);
		d->ngroups = i + 1;
		if (tr_keys(in, o, where, tr_group_fields, NFIELDS(tr_group_fields), tr_group_extra) == -1 ||
		    (v = tr_get(in, o, where, "id")) == NULL ||
		    tr_integer(in, v, where, "id", 1, INT64_MAX, &id) == -1 ||
		    tr_fields_read(in, o, where, g, tr_group_fields, NFIELDS(tr_group_fields)) == -1)
			return -1;
		g->id = (uint64_t)id;
		d->group_ids[i].old = g->id;
		d->group_ids[i].index = i;
	}
	return tr_ids_unique(in, "groups", d->group_ids, n);
}

static int
tr_tasks_read(struct tr_in *in, yajl_val arr, const char *jwhere, struct job *j)
{
	const struct config_key *ck;
	size_t i, n;

	if (!YAJL_IS_ARRAY(arr))
		return tr_fail(in, jwhere, "tasks", "must be an array");
	n = arr->u.array.len;
	/* an account's maxTasks may have been lowered below what its jobs
	 * hold; the largest maxTasks any account can have still bounds it */
	for (ck = config_keys; ck->name; ck++)
		if (strcmp(ck->section, "limits") == 0 && strcmp(ck->name, "max_tasks") == 0)
			break;
	if (ck->name && (int64_t)n > ck->max)
		return tr_fail(in, jwhere, "tasks", "more than %lld tasks", (long long)ck->max);
	j->tasks = xcalloc(n ? n : 1, sizeof(*j->tasks));
	for (i = 0; i < n; i++) {
		struct job_task *t = &j->tasks[i];
		yajl_val o = arr->u.array.values[i], v;
		char where[64];
		int64_t id = 0;

		snprintf(where, sizeof(where), "%s.tasks[%zu]", jwhere, i);
		t->action = xstrdup("");
		t->payload = xstrdup("");
		j->ntasks = i + 1;
		if (tr_keys(in, o, where, tr_task_fields, NFIELDS(tr_task_fields), tr_task_extra) == -1 ||
		    (v = tr_get(in, o, where, "id")) == NULL ||
		    tr_integer(in, v, where, "id", 1, INT64_MAX, &id) == -1 ||
		    tr_fields_read(in, o, where, t, tr_task_fields, NFIELDS(tr_task_fields)) == -1)
			return -1;
		if (strcmp(t->action, "http") == 0 && tr_http_payload(in, where, t->payload) == -1)
			return -1;
		t->id = 0; /* job_insert numbers it */
	}
	return 0;
}

static int
tr_state_read(struct tr_in *in, yajl_val o, const char *jwhere, struct job_state *s)
{
	char where[48];
	yajl_val v;
	int64_t x = 0;

	snprintf(where, sizeof(where), "%s.state", jwhere);
	memset(s, 0, sizeof(*s));
	if (tr_keys(in, o, where, tr_state_fields, NFIELDS(tr_state_fields), tr_state_extra) == -1 ||
	    tr_fields_read(in, o, where, s, tr_state_fields, NFIELDS(tr_state_fields)) == -1)
		return -1;
	if ((v = tr_get(in, o, where, "lastStatus")) == NULL)
		return -1;
	if (YAJL_IS_NULL(v))
		s->last_status = -1;
	else if (tr_integer(in, v, where, "lastStatus", LOG_SUCCESS, LOG_CANCELLED, &x) == -1)
		return -1;
	else
		s->last_status = (int)x;
	if ((v = tr_get(in, o, where, "lastDuration")) == NULL)
		return -1;
	if (!YAJL_IS_DOUBLE(v) || !isfinite(YAJL_GET_DOUBLE(v)) || YAJL_GET_DOUBLE(v) < 0 ||
	    YAJL_GET_DOUBLE(v) > TR_DURATION_MAX)
		return tr_fail(in, where, "lastDuration", "must be a number of seconds between 0 and %.0f",
		    TR_DURATION_MAX);
	s->last_duration = YAJL_GET_DOUBLE(v);
	/* optional: files from before it was kept have none */
	if ((v = tr_find(o, "lastHttpStatus")) != NULL) {
		if (tr_integer(in, v, where, "lastHttpStatus", 0, 999, &x) == -1)
			return -1;
		s->last_http_status = (int)x;
	}
	s->logs = 0; /* logs are not moved */
	return 0;
}

static int
tr_job_read(struct tr_in *in, yajl_val o, const char *where, const struct tr_doc *d, struct job *j)
{
	yajl_val v;
	int64_t x = 0;

	if (tr_job_keys(in, o, where) == -1)
		return -1;
	if ((v = tr_get(in, o, where, "id")) == NULL || tr_integer(in, v, where, "id", 1, INT64_MAX, &x) == -1)
		return -1;
	j->id = (uint64_t)x;
	if ((v = tr_get(in, o, where, "group")) == NULL)
		return -1;
	if (YAJL_IS_NULL(v))
		j->group = 0;
	else {
		if (tr_integer(in, v, where, "group", 1, INT64_MAX, &x) == -1)
			return -1;
		if (tr_id_find(d, (uint64_t)x) == NULL)
			return tr_fail(in, where, "group", "group %lld is not among the document's groups",
			    (long long)x);
		j->group = (uint64_t)x;
	}
	if (tr_job_fields_read(in, o, where, j) == -1)
		return -1;
	if ((v = tr_get(in, o, where, "tasks")) == NULL || tr_tasks_read(in, v, where, j) == -1)
		return -1;
	if ((v = tr_find(o, "rules")) != NULL && tr_rules_read(in, v, where, j) == -1)
		return -1;
	if ((v = tr_get(in, o, where, "state")) == NULL || tr_state_read(in, v, where, &j->st) == -1)
		return -1;
	/* the rules of the job as a whole (jobparams_check) */
	if (*j->url == '\0' && j->ntasks == 0)
		return tr_fail(in, where, "url", "a job needs a url, or tasks, or both");
	if (j->starts_at && j->expires_at && j->expires_at <= j->starts_at)
		return tr_fail(in, where, "expiresAt", "must be later than startsAt");
	return 0;
}

static int
tr_jobs_read(struct tr_in *in, yajl_val arr, struct tr_doc *d)
{
	struct tr_id *ids;
	size_t i, n;
	int rc;

	if (!YAJL_IS_ARRAY(arr))
		return tr_fail(in, NULL, "jobs", "must be an array");
	n = arr->u.array.len;
	d->jobs = xcalloc(n ? n : 1, sizeof(*d->jobs));
	ids = xcalloc(n ? n : 1, sizeof(*ids));
	for (i = 0; i < n; i++) {
		char where[32];

		snprintf(where, sizeof(where), "jobs[%zu]", i);
		job_init(&d->jobs[i], NULL);
		d->njobs = i + 1;
		if (tr_job_read(in, arr->u.array.values[i], where, d, &d->jobs[i]) == -1) {
			free(ids);
			return -1;
		}
		ids[i].old = d->jobs[i].id;
		ids[i].index = i;
	}
	rc = tr_ids_unique(in, "jobs", ids, n);
	free(ids);
	return rc;
}

static int
tr_doc_read(struct tr_in *in, yajl_val root, struct tr_doc *d)
{
	static const char *const keys[] = {
		"format", "version", "exportedAt", "account", "groups", "jobs", "keys", NULL
	};
	yajl_val v;
	int64_t x = 0;
	size_t i;

	if (!YAJL_IS_OBJECT(root))
		return tr_fail(in, NULL, NULL, "the document is not a JSON object");
	/* what the document is, before anything in it */
	v = tr_find(root, "format");
	if (v == NULL || !YAJL_IS_STRING(v) || strcmp(v->u.string, TRANSFER_FORMAT) != 0)
		return tr_fail(in, NULL, "format", "%s%s%s: not an account exported by webcronctl export "
		                                   "(expected \"%s\")",
		    v == NULL ? "missing" : YAJL_IS_STRING(v) ? "\"" :
		                                                "not a string",
		    v && YAJL_IS_STRING(v) ? v->u.string : "", v && YAJL_IS_STRING(v) ? "\"" : "",
		    TRANSFER_FORMAT);
	v = tr_find(root, "version");
	if (v == NULL || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) != TRANSFER_VERSION) {
		if (v && YAJL_IS_INTEGER(v))
			return tr_fail(in, NULL, "version", "%lld is not supported: this build reads version %d",
			    (long long)YAJL_GET_INTEGER(v), TRANSFER_VERSION);
		return tr_fail(in, NULL, "version", "must be %d", TRANSFER_VERSION);
	}
	if (tr_keys(in, root, "", NULL, 0, keys) == -1)
		return -1;
	if ((v = tr_get(in, root, "", "exportedAt")) == NULL ||
	    tr_integer(in, v, "", "exportedAt", 0, JOB_TIME_MAX, &x) == -1)
		return -1;
	if ((v = tr_get(in, root, "", "account")) == NULL || tr_account_read(in, v, &d->a) == -1)
		return -1;
	if ((v = tr_get(in, root, "", "groups")) == NULL || tr_groups_read(in, v, d) == -1)
		return -1;
	if ((v = tr_get(in, root, "", "jobs")) == NULL || tr_jobs_read(in, v, d) == -1)
		return -1;
	if ((v = tr_find(root, "keys")) != NULL && tr_keys_read(in, v, d) == -1)
		return -1;
	if (d->a.has_token)
		for (i = 0; i < d->nkeys; i++)
			if (memcmp(d->keys[i].digest, d->a.token_digest, TOKEN_DIGEST) == 0)
				return tr_fail(in, "keys", "tokenSha256", "keys[%zu] has the account's token", i);
	return 0;
}

/* Reads all of IN into B (NUL-free, at most TRANSFER_MAX bytes). */
static int
tr_read(struct tr_in *in, FILE *f, struct buf *b)
{
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b->len + n > (size_t)TRANSFER_MAX)
			return tr_fail(in, NULL, NULL, "the document is larger than %ld bytes", TRANSFER_MAX);
		buf_add(b, chunk, n);
	}
	OPENSSL_cleanse(chunk, sizeof(chunk));
	if (ferror(f))
		return tr_fail(in, NULL, NULL, "cannot read the document: %s", strerror(errno));
	if (b->len == 0)
		return tr_fail(in, NULL, NULL, "the document is empty");
	if (memchr(b->data, '\0', b->len))
		return tr_fail(in, NULL, NULL, "the document contains a NUL byte: not JSON");
	return 0;
}

/* Why json_tree_parse refused TEXT: yajl's message (a parser without
 * callbacks builds nothing, so any depth is safe), or the depth. */
static int
tr_parse_error(struct tr_in *in, const char *text, size_t len)
{
	yajl_handle h = yajl_alloc(NULL, NULL, NULL);
	yajl_status s;
	unsigned char *msg;
	char *p;

	if (h == NULL)
		fatalx("yajl_alloc failed");
	yajl_config(h, yajl_allow_comments, 1); /* as yajl_tree_parse */
	s = yajl_parse(h, (const unsigned char *)text, len);
	if (s == yajl_status_ok)
		s = yajl_complete_parse(h);
	if (s == yajl_status_ok) {
		yajl_free(h);
		return tr_fail(in, NULL, NULL, "the document is nested deeper than %d levels", JSON_DEPTH_MAX);
	}
	msg = yajl_get_error(h, 0, (const unsigned char *)text, len);
	p = (char *)msg;
	if (strncmp(p, "parse error: ", 13) == 0)
		p += 13;
	p[strcspn(p, "\n")] = '\0';
	tr_fail(in, NULL, NULL, "the document is not valid JSON (%s): truncated or damaged?", p);
	yajl_free_error(h, msg);
	yajl_free(h);
	return -1;
}

/* ---- import: writing */

static int
tr_write(struct store *st, struct tr_doc *d, struct tr_in *in, uint64_t *new_account)
{
	struct store_txn t;
	struct account check;
	uint8_t key[8];
	MDB_val v;
	size_t i, k;
	int rc;

	if ((rc = store_begin(st, 1, &t)) != STORE_OK)
		return tr_store_fail(in->err, in->errlen, rc);
	if (d->a.has_token) {
		rc = store_get(&t, DB_TOKENS, d->a.token_digest, TOKEN_DIGEST, &v);
		if (rc == STORE_OK) {
			uint64_t owner = v.mv_size == 8 ? record_get_u64(v.mv_data) : 0;

			store_abort(&t);
			return tr_fail(in, "account", "tokenSha256", "the account's token is already in use on "
			                                             "this server, by account %llu: the document was imported before, or comes from "
			                                             "this server; nothing was imported",
			    (unsigned long long)owner);
		}
		if (rc != STORE_NOTFOUND)
			goto fail;
	}
	for (i = 0; i < d->nkeys; i++) {
		rc = store_get(&t, DB_TOKENS, d->keys[i].digest, TOKEN_DIGEST, &v);
		if (rc == STORE_OK) {
			store_abort(&t);
			return tr_fail(in, "keys", "tokenSha256", "keys[%zu]: the key is already in use on this "
			                                          "server: the document was imported before, or comes from this server; nothing was "
			                                          "imported",
			    i);
		}
		if (rc != STORE_NOTFOUND)
			goto fail;
	}
	if ((d->a.id = store_next_id(&t, "account")) == 0)
		goto fail;
	d->a.jobs = 0; /* job_insert counts them */
	d->a.exec_day = 0;
	d->a.exec_today = 0;
	if (d->a.has_token) {
		record_key_u64(key, d->a.id);
		store_put_new(&t, DB_TOKENS, d->a.token_digest, TOKEN_DIGEST, key, sizeof(key));
	}
	account_save(&t, &d->a, d->a.updated_at);
	changefeed_mark(&t, d->a.id); /* a running daemon schedules it */
	for (i = 0; i < d->ngroups && t.err == 0; i++) {
		struct group *g = &d->groups[i];
		int64_t created = g->created_at, updated = g->updated_at;

		g->account = d->a.id;
		group_insert(&t, g, created); /* a new id */
		if (updated != created)
			group_update(&t, g, updated);
	}
	for (i = 0; i < d->njobs && t.err == 0; i++) {
		struct job *j = &d->jobs[i], inserted;
		struct job_state state = j->st;
		int64_t created = j->created_at, updated = j->updated_at;

		if (j->group)
			j->group = d->groups[tr_id_find(d, j->group)->index].id;
		j->account = d->a.id;
		for (k = 0; k < j->ntasks; k++)
			j->tasks[k].id = 0;
		job_insert(&t, j, created); /* new job and task ids, indexes, the count */
		if (t.err)
			break;
		/* job_insert starts the schedule at the creation time; the
		 * document's state (last fire, since, runs) carries on from
		 * where the source server was */
		job_copy(&inserted, j);
		j->st = state;
		job_update(&t, &inserted, j, updated);
		job_free(&inserted);
	}
	for (i = 0; i < d->nkeys && t.err == 0; i++) {
		struct apikey *ak = &d->keys[i];

		if (ak->group)
			ak->group = d->groups[tr_id_find(d, ak->group)->index].id;
		ak->account = d->a.id;
		apikey_insert(&t, ak); /* a new id, the same digest */
	}
	if (t.err)
		goto fail;
	/* job_insert stamped the account at each job; the document's stamp
	 * stays, and the count must be the document's */
	if ((rc = account_load(&t, d->a.id, &check)) != STORE_OK)
		goto fail;
	if (check.jobs != d->njobs) {
		log_warnx("transfer: account %llu counts %llu jobs of %zu", (unsigned long long)d->a.id,
		    (unsigned long long)check.jobs, d->njobs);
		account_free(&check);
		store_abort(&t);
		return tr_store_fail(in->err, in->errlen, STORE_FAILED);
	}
	account_save(&t, &check, d->a.updated_at);
	account_free(&check);
	if ((rc = store_commit(&t)) != STORE_OK)
		return tr_store_fail(in->err, in->errlen, rc);
	*new_account = d->a.id;
	return 0;
fail:
	rc = t.err ? t.err : STORE_FAILED;
	store_abort(&t);
	return tr_store_fail(in->err, in->errlen, rc);
}

int
transfer_import(struct store *st, FILE *f, uint64_t *new_account, char *err, size_t errlen)
{
	struct tr_in in = { err, errlen };
	struct buf text = BUF_INIT;
	struct tr_doc d;
	yajl_val root = NULL;
	int ret = -1;

	memset(&d, 0, sizeof(d));
	account_init(&d.a, NULL);
	if (tr_read(&in, f, &text) == -1)
		goto done;
	if ((root = json_tree_parse(buf_str(&text))) == NULL) {
		tr_parse_error(&in, text.data, text.len);
		goto done;
	}
	if (tr_doc_read(&in, root, &d) == -1)
		goto done;
	ret = tr_write(st, &d, &in, new_account);
done:
	if (root)
		yajl_tree_free(root);
	if (text.data)
		OPENSSL_cleanse(text.data, text.len);
	buf_free(&text);
	tr_doc_free(&d);
	return ret;
}
