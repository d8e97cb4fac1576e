/*
 * history: events of changes, their diffs, their keys and their trimming.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/account.h"
#include "util/buf.h"
#include "store/group.h"
#include "store/history.h"
#include "store/job.h"
#include "util/json.h"
#include "util/log.h"
#include "store/record.h"
#include "store/store.h"

/* The event record's tags, and a change's (nested in H_CHANGE); never
 * reuse a number. */
enum { H_TIME = 1,
	H_ACTOR,
	H_BY,
	H_KEY,
	H_USER,
	H_CLIENT,
	H_ACTION,
	H_OBJECT,
	H_OBJECT_ID,
	H_CHANGE };
enum { C_FIELD = 1,
	C_OLD,
	C_NEW,
	C_SECRET };

void
history_event_free(struct history_event *e)
{
	size_t i;

	for (i = 0; i < e->nchanges; i++) {
		free(e->changes[i].field);
		free(e->changes[i].old);
		free(e->changes[i].new);
	}
	free(e->changes);
	free(e->actor);
	free(e->key);
	free(e->user);
	free(e->client);
	free(e->action);
	free(e->object);
	memset(e, 0, sizeof(*e));
}

static struct history_change *
history_add(struct history_event *e, const char *field)
{
	struct history_change *c;

	e->changes = realloc(e->changes, (e->nchanges + 1) * sizeof(*e->changes));
	if (e->changes == NULL)
		fatal("history_add");
	c = &e->changes[e->nchanges++];
	memset(c, 0, sizeof(*c));
	c->field = xstrdup(field);
	return c;
}

/* Records FIELD when OLD and NEW (typed texts, NULL = absent) differ. */
static void
history_value(struct history_event *e, const char *field, const char *old, const char *new,
    int secret)
{
	struct history_change *c;

	if (old && new &&strcmp(old, new) == 0)
		return;
	if (old == NULL && new == NULL)
		return;
	if (secret) {
		/* an empty secret added or removed is no change */
		if ((old == NULL || strcmp(old, "s") == 0) && (new == NULL || strcmp(new, "s") == 0))
			return;
		history_add(e, field)->secret = 1;
		return;
	}
	c = history_add(e, field);
	c->old = old ? xstrdup(old) : NULL;
	c->new = new ? xstrdup(new) : NULL;
}

static char *
history_text(const char *s)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "s%s", s ? s : "");
	return b.data;
}

static char *
history_int(int64_t v)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "i%" PRId64, v);
	return b.data;
}

/* F's value in J as a typed text (NULL for J NULL). */
static char *
history_job_value(const struct job *j, const struct job_field *f)
{
	const void *p;
	int64_t v;

	if (j == NULL)
		return NULL;
	p = job_field_cptr(j, f);
	switch (f->type) {
	case JOB_FT_TEXT:
		return history_text(*(char *const *)p);
	case JOB_FT_INT:
		return history_int(*(const int *)p);
	case JOB_FT_BOOL:
		return xstrdup(*(const int *)p ? "b1" : "b0");
	case JOB_FT_ENUM:
		v = *(const int *)p;
		return history_text(v >= f->min && v <= f->max ? f->names[v] : "");
	case JOB_FT_TIME:
		v = *(const int64_t *)p;
		return v ? history_int(v) : xstrdup("n");
	case JOB_FT_STAMP:
		return history_int(*(const int64_t *)p);
	case JOB_FT_ID:
		v = (int64_t) * (const uint64_t *)p;
		return v ? history_int(v) : xstrdup("n");
	default:
		return NULL;
	}
}

static void
history_diff_task(struct history_event *e, const struct job_task *o, const struct job_task *n)
{
	char field[64], *a, *b;
	uint64_t id = o ? o->id : n->id;

	snprintf(field, sizeof(field), "tasks.%" PRIu64 ".action", id);
	a = o ? history_text(o->action) : NULL;
	b = n ? history_text(n->action) : NULL;
	history_value(e, field, a, b, 0);
	free(a);
	free(b);
	snprintf(field, sizeof(field), "tasks.%" PRIu64 ".timeOffset", id);
	a = o ? history_int(o->time_offset) : NULL;
	b = n ? history_int(n->time_offset) : NULL;
	history_value(e, field, a, b, 0);
	free(a);
	free(b);
	snprintf(field, sizeof(field), "tasks.%" PRIu64 ".continueOnFailure", id);
	a = o ? xstrdup(o->continue_on_failure ? "b1" : "b0") : NULL;
	b = n ? xstrdup(n->continue_on_failure ? "b1" : "b0") : NULL;
	history_value(e, field, a, b, 0);
	free(a);
	free(b);
	/* a task's payload may hold credentials: changed, never shown */
	snprintf(field, sizeof(field), "tasks.%" PRIu64 ".payload", id);
	a = o ? history_text(o->payload) : NULL;
	b = n ? history_text(n->payload) : NULL;
	history_value(e, field, a, b, 1);
	free(a);
	free(b);
}

static const struct job_task *
history_task(const struct job *j, uint64_t id)
{
	size_t i;

	for (i = 0; j && i < j->ntasks; i++)
		if (j->tasks[i].id == id)
			return &j->tasks[i];
	return NULL;
}

void
history_diff_job(struct history_event *e, const struct job *old, const struct job *new)
{
	const struct job_field *f;
	char *a, *b;
	size_t i;

	for (f = job_fields; f->name; f++) {
		/* what the server keeps of its own (ids, stamps) is no change
		 * of the caller's */
		if (f->type == JOB_FT_VIEW || f->type == JOB_FT_STAMP || (f->flags & JOB_FF_HIDDEN) ||
		    strcmp(f->name, "id") == 0)
			continue;
		a = history_job_value(old, f);
		b = history_job_value(new, f);
		history_value(e, f->name, a, b, (f->flags & JOB_FF_SECRET) != 0);
		free(a);
		free(b);
	}
	for (i = 0; old && i < old->ntasks; i++)
		history_diff_task(e, &old->tasks[i], history_task(new, old->tasks[i].id));
	for (i = 0; new &&i < new->ntasks; i++)
		if (history_task(old, new->tasks[i].id) == NULL)
			history_diff_task(e, NULL, &new->tasks[i]);
}

/* The value of account field F of A as the history keeps it (NULL: no
 * account). */
static char *
history_account_value(const struct account *a, const struct account_field *f)
{
	const void *p;

	if (a == NULL)
		return NULL;
	p = account_field_cptr(a, f);
	switch (f->type) {
	case ACCOUNT_FT_TEXT:
		return history_text(*(char *const *)p);
	case ACCOUNT_FT_INT:
		return history_int(*(const int *)p);
	case ACCOUNT_FT_BOOL:
		return xstrdup(*(const int *)p ? "b1" : "b0");
	case ACCOUNT_FT_I64:
		return history_int(*(const int64_t *)p);
	default:
		return NULL;
	}
}

void
history_diff_account(struct history_event *e, const struct account *old,
    const struct account *new)
{
	const struct account_field *f;
	char name[64], *a, *b;

	/* the fields a write sets (account_fields[]: the account's, an
	 * admin's, the secret), as the Account object names them */
	for (f = account_fields; f->name; f++) {
		if (!(f->flags & (ACCOUNT_FF_API | ACCOUNT_FF_ADMIN | ACCOUNT_FF_SECRET)))
			continue;
		if (f->object)
			snprintf(name, sizeof(name), "%s.%s", f->object, f->name);
		else
			snprintf(name, sizeof(name), "%s", f->name);
		a = history_account_value(old, f);
		b = history_account_value(new, f);
		history_value(e, name, a, b, (f->flags & ACCOUNT_FF_SECRET) != 0);
		free(a);
		free(b);
	}
	/* the token: its digest, compared, never shown */
	if ((old && old->has_token) || (new &&new->has_token)) {
		if (old == NULL || new == NULL || old->has_token != new->has_token ||
		    memcmp(old->token_digest, new->token_digest, TOKEN_DIGEST) != 0)
			history_add(e, "token")->secret = 1;
	}
}

void
history_diff_group(struct history_event *e, const struct group *old, const struct group *new)
{
	char *a, *b;

	a = old ? history_text(old->name) : NULL;
	b = new ? history_text(new->name) : NULL;
	history_value(e, "name", a, b, 0);
	free(a);
	free(b);
	a = old ? history_text(old->description) : NULL;
	b = new ? history_text(new->description) : NULL;
	history_value(e, "description", a, b, 0);
	free(a);
	free(b);
}

/* ---- records */

static void
history_encode(struct buf *b, const struct history_event *e)
{
	struct buf c = BUF_INIT;
	size_t i;

	record_begin(b);
	record_sint(b, H_TIME, e->time);
	record_str(b, H_ACTOR, e->actor);
	if (e->by)
		record_uint(b, H_BY, e->by);
	record_str(b, H_KEY, e->key);
	record_str(b, H_USER, e->user);
	record_str(b, H_CLIENT, e->client);
	record_str(b, H_ACTION, e->action);
	record_str(b, H_OBJECT, e->object);
	record_uint(b, H_OBJECT_ID, e->object_id);
	for (i = 0; i < e->nchanges; i++) {
		const struct history_change *ch = &e->changes[i];

		record_begin(&c);
		record_str(&c, C_FIELD, ch->field);
		if (ch->secret)
			record_uint(&c, C_SECRET, 1);
		else {
			record_str(&c, C_OLD, ch->old);
			record_str(&c, C_NEW, ch->new);
		}
		record_bytes(b, H_CHANGE, c.data, c.len);
	}
	buf_free(&c);
}

static int
history_decode_change(struct history_event *e, const struct record_val *v)
{
	struct record_reader r;
	struct record_val cv;
	struct history_change *ch;
	uint8_t tag;
	int rc;

	if (record_open(&r, v->p, v->len) == -1)
		return -1;
	ch = history_add(e, "");
	while ((rc = record_next(&r, &tag, &cv)) == 1) {
		if (cv.kind == RECORD_BYTES && tag == C_FIELD)
			record_set_str(&ch->field, &cv);
		else if (cv.kind == RECORD_BYTES && tag == C_OLD)
			record_set_str(&ch->old, &cv);
		else if (cv.kind == RECORD_BYTES && tag == C_NEW)
			record_set_str(&ch->new, &cv);
		else if (tag == C_SECRET)
			ch->secret = cv.u != 0;
	}
	return rc;
}

int
history_decode(const void *data, size_t len, struct history_event *e)
{
	struct record_reader r;
	struct record_val v;
	uint8_t tag;
	int rc;

	memset(e, 0, sizeof(*e));
	if (record_open(&r, data, len) == -1)
		return -1;
	while ((rc = record_next(&r, &tag, &v)) == 1) {
		switch (tag) {
		case H_TIME: e->time = v.i; break;
		case H_BY: e->by = v.u; break;
		case H_OBJECT_ID: e->object_id = v.u; break;
		case H_ACTOR: record_set_str(&e->actor, &v); break;
		case H_KEY: record_set_str(&e->key, &v); break;
		case H_USER: record_set_str(&e->user, &v); break;
		case H_CLIENT: record_set_str(&e->client, &v); break;
		case H_ACTION: record_set_str(&e->action, &v); break;
		case H_OBJECT: record_set_str(&e->object, &v); break;
		case H_CHANGE:
			if (v.kind != RECORD_BYTES || history_decode_change(e, &v) == -1)
				rc = -1;
			break;
		default: break;
		}
		if (rc == -1)
			break;
	}
	if (rc == -1) {
		history_event_free(e);
		return -1;
	}
	return 0;
}

/* What trimming needs of a stored event, read without copying or
 * allocating anything: its time and whether it is a job's (and which).
 * Returns 0, or -1 when the record cannot be read. */
struct history_peek {
	int64_t time;
	int is_job;
	uint64_t object_id;
};

static int
history_peek(const void *data, size_t len, struct history_peek *p)
{
	struct record_reader r;
	struct record_val v;
	uint8_t tag;
	int rc;

	memset(p, 0, sizeof(*p));
	if (record_open(&r, data, len) == -1)
		return -1;
	while ((rc = record_next(&r, &tag, &v)) == 1) {
		if (tag == H_TIME)
			p->time = v.i;
		else if (tag == H_OBJECT_ID)
			p->object_id = v.u;
		else if (tag == H_OBJECT)
			p->is_job = v.kind == RECORD_BYTES && v.len == 3 && memcmp(v.p, "job", 3) == 0;
	}
	return rc == -1 ? -1 : 0;
}

/* ---- keys, insertion and trimming */

static void
history_key(uint8_t key[16], uint64_t a, uint64_t b)
{
	record_key_u64(key, a);
	record_key_u64(key + 8, b);
}

static uint64_t
history_count(struct store_txn *t, uint64_t account)
{
	uint8_t key[16];
	MDB_val v;

	history_key(key, account, 0);
	if (store_get(t, DB_HISTORY, key, sizeof(key), &v) != STORE_OK || v.mv_size != 8)
		return 0;
	return record_get_u64(v.mv_data);
}

static void
history_set_count(struct store_txn *t, uint64_t account, uint64_t n)
{
	uint8_t key[16], val[8];

	history_key(key, account, 0);
	record_key_u64(val, n);
	store_put(t, DB_HISTORY, key, sizeof(key), val, sizeof(val));
}

/* Deletes the job index entry of the event the iterator is on. */
static void
history_unindex(struct store_txn *t, uint64_t id, const void *data, size_t len)
{
	struct history_peek p;
	uint8_t key[16];

	if (history_peek(data, len, &p) == 0 && p.is_job) {
		history_key(key, p.object_id, id);
		store_del(t, DB_HISTORY_BY_JOB, key, sizeof(key));
	}
}

void
history_put(struct store_txn *t, struct history_event *e, int64_t max, int64_t days)
{
	struct buf b = BUF_INIT;
	struct store_iter it;
	uint8_t key[16], val[8], from[16];
	uint64_t n;
	int64_t cutoff = e->time - days * 86400;

	if (t->err || (e->id = store_next_id(t, "history")) == 0)
		return;
	history_encode(&b, e);
	history_key(key, e->account, e->id);
	store_put_new(t, DB_HISTORY, key, sizeof(key), b.data, b.len);
	buf_free(&b);
	if (e->object && strcmp(e->object, "job") == 0) {
		history_key(key, e->object_id, e->id);
		record_key_u64(val, e->account);
		store_put_new(t, DB_HISTORY_BY_JOB, key, sizeof(key), val, sizeof(val));
	}
	n = history_count(t, e->account) + 1;
	if (max < 1)
		max = 1; /* the event just written is kept */
	/* the oldest first, while there are too many or they are too old */
	record_key_u64(from, e->account);
	if (store_iter_open(t, DB_HISTORY, from, 8, &it) == STORE_OK) {
		history_key(from, e->account, 1);
		store_iter_seek(t, &it, from, sizeof(from));
		while (store_iter_next(t, &it) == 1 && it.key.mv_size == 16) {
			uint64_t id = record_get_u64((const uint8_t *)it.key.mv_data + 8);
			struct history_peek old;
			int too_old = 0;

			if (id == e->id)
				break;
			if (n <= (uint64_t)max) {
				if (history_peek(it.val.mv_data, it.val.mv_size, &old) == 0)
					too_old = old.time < cutoff;
				if (!too_old)
					break;
			}
			history_unindex(t, id, it.val.mv_data, it.val.mv_size);
			store_iter_del(t, &it);
			n--;
		}
		store_iter_close(&it);
	}
	history_set_count(t, e->account, n);
}

/* The events of one account are in id order, which is time order: the
 * old ones lead, so the walk deletes them and then skips to the next
 * account. */
size_t
history_expire(struct store_txn *t, int64_t cutoff, uint8_t cursor[16], size_t max)
{
	static const uint8_t zero[16];
	struct store_iter it;
	size_t seen = 0, deleted = 0;
	uint64_t account = 0, n = 0;
	int counting = 0;

	if (store_iter_open(t, DB_HISTORY, NULL, 0, &it) != STORE_OK)
		return 0;
	if (memcmp(cursor, zero, 16) != 0)
		store_iter_seek(t, &it, cursor, 16);
	while (seen < max && store_iter_next(t, &it) == 1) {
		struct history_peek e;
		uint64_t this_account, id;
		int old;

		seen++;
		if (it.key.mv_size != 16)
			continue;
		this_account = record_get_u64(it.key.mv_data);
		id = record_get_u64((const uint8_t *)it.key.mv_data + 8);
		memcpy(cursor, it.key.mv_data, 16);
		if (id == 0)
			continue; /* the account's count */
		if (this_account != account) {
			if (counting)
				history_set_count(t, account, n);
			account = this_account;
			n = history_count(t, account);
			counting = 0;
		}
		if (history_peek(it.val.mv_data, it.val.mv_size, &e) == -1)
			continue;
		old = e.time < cutoff;
		if (!old) {
			/* the rest of this account is newer: on to the next */
			if (account == UINT64_MAX)
				break;
			history_key(cursor, account + 1, 0);
			store_iter_seek(t, &it, cursor, 16);
			continue;
		}
		history_unindex(t, id, it.val.mv_data, it.val.mv_size);
		store_iter_del(t, &it);
		n = n ? n - 1 : 0;
		counting = 1;
		deleted++;
	}
	if (seen < max)
		memset(cursor, 0, 16); /* the end: next time from the start */
	if (counting)
		history_set_count(t, account, n);
	store_iter_close(&it);
	return deleted;
}

void
history_delete_account(struct store_txn *t, uint64_t account)
{
	struct store_iter it;
	uint8_t prefix[8];

	record_key_u64(prefix, account);
	if (store_iter_open(t, DB_HISTORY, prefix, sizeof(prefix), &it) != STORE_OK)
		return;
	while (store_iter_next(t, &it) == 1) {
		if (it.key.mv_size == 16)
			history_unindex(t, record_get_u64((const uint8_t *)it.key.mv_data + 8),
			    it.val.mv_data, it.val.mv_size);
		store_iter_del(t, &it);
	}
	store_iter_close(&it);
}

/* ---- reading */

static int
history_load(struct store_txn *t, uint64_t account, uint64_t id, struct history_event *e)
{
	uint8_t key[16];
	MDB_val v;
	int rc;

	history_key(key, account, id);
	if ((rc = store_get(t, DB_HISTORY, key, sizeof(key), &v)) != STORE_OK)
		return rc;
	if (history_decode(v.mv_data, v.mv_size, e) == -1)
		return STORE_FAILED;
	e->id = id;
	e->account = account;
	return STORE_OK;
}

int
history_each(struct store_txn *t, uint64_t account, uint64_t before,
    int (*fn)(const struct history_event *, void *), void *arg)
{
	struct store_iter it;
	struct history_event e;
	uint8_t prefix[8], from[16];
	int rc, stop = 0;

	record_key_u64(prefix, account);
	if ((rc = store_iter_open(t, DB_HISTORY, prefix, sizeof(prefix), &it)) != STORE_OK)
		return rc;
	history_key(from, account, before ? before : UINT64_MAX);
	store_iter_seek_before(t, &it, from, sizeof(from));
	while (!stop && (rc = store_iter_prev(t, &it)) == 1) {
		uint64_t id;

		if (it.key.mv_size != 16 || (id = record_get_u64((const uint8_t *)it.key.mv_data + 8)) == 0)
			break; /* the count: below every event */
		if (history_decode(it.val.mv_data, it.val.mv_size, &e) == -1)
			continue;
		e.id = id;
		e.account = account;
		stop = fn(&e, arg);
		history_event_free(&e);
	}
	store_iter_close(&it);
	return rc < 0 ? rc : STORE_OK;
}

int
history_each_job(struct store_txn *t, uint64_t account, uint64_t job, uint64_t before,
    int (*fn)(const struct history_event *, void *), void *arg)
{
	struct store_iter it;
	struct history_event e;
	uint8_t prefix[8], from[16];
	int rc, stop = 0;

	record_key_u64(prefix, job);
	if ((rc = store_iter_open(t, DB_HISTORY_BY_JOB, prefix, sizeof(prefix), &it)) != STORE_OK)
		return rc;
	history_key(from, job, before ? before : UINT64_MAX);
	store_iter_seek_before(t, &it, from, sizeof(from));
	while (!stop && (rc = store_iter_prev(t, &it)) == 1) {
		uint64_t id;

		if (it.key.mv_size != 16 || it.val.mv_size != 8 ||
		    record_get_u64(it.val.mv_data) != account)
			continue;
		id = record_get_u64((const uint8_t *)it.key.mv_data + 8);
		if (history_load(t, account, id, &e) != STORE_OK) {
			t->err = 0;
			continue;
		}
		stop = fn(&e, arg);
		history_event_free(&e);
	}
	store_iter_close(&it);
	return rc < 0 ? rc : STORE_OK;
}

uint64_t
history_peek_id(struct store_txn *t, const char *name)
{
	char key[64];
	MDB_val v;
	int n = snprintf(key, sizeof(key), "next.%s", name);

	if (store_get(t, DB_META, key, (size_t)n, &v) != STORE_OK || v.mv_size != 8) {
		if (t->err == 0)
			return 1;
		return 0;
	}
	return record_get_u64(v.mv_data);
}

/* ---- the Event object */

static void
history_json_value(yajl_gen g, const char *v)
{
	if (v == NULL || v[0] == 'n')
		json_null(g);
	else if (v[0] == 's')
		json_str(g, v + 1);
	else if (v[0] == 'b')
		json_bool(g, v[1] == '1');
	else
		json_int(g, strtoll(v + 1, NULL, 10));
}

void
history_json(yajl_gen g, const struct history_event *e)
{
	size_t i;

	yajl_gen_map_open(g);
	json_kint(g, "id", (int64_t)e->id);
	json_kint(g, "time", e->time);
	json_kint(g, "account", (int64_t)e->account);
	json_kstr(g, "actor", e->actor);
	json_kintnull(g, "by", (int64_t)e->by);
	json_kstr(g, "key", e->key);
	json_kstr(g, "user", e->user);
	json_kstr(g, "client", e->client);
	json_kstr(g, "action", e->action);
	json_kstr(g, "object", e->object);
	json_kint(g, "objectId", (int64_t)e->object_id);
	json_key(g, "changes");
	yajl_gen_array_open(g);
	for (i = 0; i < e->nchanges; i++) {
		yajl_gen_map_open(g);
		json_kstr(g, "field", e->changes[i].field);
		if (e->changes[i].secret)
			json_kbool(g, "changed", 1);
		else {
			json_key(g, "old");
			history_json_value(g, e->changes[i].old);
			json_key(g, "new");
			history_json_value(g, e->changes[i].new);
		}
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
}
