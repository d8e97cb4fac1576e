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
	H_CHANGE,
	H_NEW };
enum { C_FIELD = 1,
	C_OLD,
	C_NEW,
	C_SECRET,
	C_TAG };

/* How a change is kept: a record nested in H_CHANGE, its field named by
 * C_FIELD (the name) or by C_TAG (a job field's record tag, never
 * reused); or, in a run of job fields given a value where there was none
 * (most of a new job's event), as one field of a record nested in H_NEW:
 * the job field's tag and its new text, 4 bytes besides the text where
 * H_CHANGE takes 11 and the field's name. */

/* The changes' texts are cut from blocks of HISTORY_TEXTS bytes: a new
 * job's event has some 30 changes, a malloc and a free each before. */
#define HISTORY_TEXTS 2048
struct history_texts {
	struct history_texts *next;
	size_t used, cap;
	char v[];
};

void
history_event_free(struct history_event *e)
{
	while (e->texts) {
		struct history_texts *t = e->texts;

		e->texts = t->next;
		free(t);
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

/* A value as the history keeps it: a type letter TAG ('s', 'i', 'b',
 * 'n') before the text S of LEN bytes; PRESENT 0 for no value (a field
 * of a new or a deleted object). NUM holds an integer's digits. Built on
 * the stack, so a diff allocates only the changes it finds. */
struct history_val {
	int present;
	char tag;
	const char *s;
	size_t len;
	char num[24];
};

static const struct history_val history_none;

static void
history_text(struct history_val *v, const char *s)
{
	v->present = 1;
	v->tag = 's';
	v->s = s ? s : "";
	v->len = strlen(v->s);
}

static void
history_int(struct history_val *v, int64_t n)
{
	v->present = 1;
	v->tag = 'i';
	v->len = json_int_text(v->num, n);
	v->s = v->num;
}

static void
history_lit(struct history_val *v, char tag, const char *s)
{
	v->present = 1;
	v->tag = tag;
	v->s = s;
	v->len = strlen(s);
}

static int
history_val_equal(const struct history_val *a, const struct history_val *b)
{
	if (!a->present || !b->present)
		return a->present == b->present;
	return a->tag == b->tag && a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

/* A new change at the end of E's list, which grows by doubling. */
static struct history_change *
history_add(struct history_event *e)
{
	struct history_change *c;
	size_t n = e->nchanges;

	if (n == 0 || (n >= 16 && (n & (n - 1)) == 0))
		e->changes = xrealloc(e->changes, (n ? 2 * n : 16) * sizeof(*e->changes));
	c = &e->changes[e->nchanges++];
	memset(c, 0, sizeof(*c));
	return c;
}

static char *
history_put_val(char *p, const struct history_val *v)
{
	if (v->tag)
		*p++ = v->tag;
	memcpy(p, v->s, v->len);
	p[v->len] = '\0';
	return p + v->len + 1;
}

/* SIZE bytes of E's texts: from its newest block, or a new one. */
static char *
history_texts_take(struct history_event *e, size_t size)
{
	struct history_texts *t = e->texts;

	if (t == NULL || t->cap - t->used < size) {
		size_t cap = size > HISTORY_TEXTS ? size : HISTORY_TEXTS;

		t = xmalloc(sizeof(*t) + cap);
		t->next = e->texts;
		t->used = 0;
		t->cap = cap;
		e->texts = t;
	}
	t->used += size;
	return t->v + t->used - size;
}

/* Appends the change of field FIELD (FLEN bytes) from OLD to NEW, its
 * texts side by side: the field (unless TAG: FIELD is then a job field's
 * name, which lasts), then the old and new texts when present. */
static struct history_change *
history_change_new(struct history_event *e, const char *field, size_t flen, uint8_t tag,
    const struct history_val *old, const struct history_val *new)
{
	struct history_change *c = history_add(e);
	size_t size = tag ? 0 : flen + 1;
	char *p;

	if (old->present)
		size += (c->old_len = (old->tag != 0) + old->len) + 1;
	if (new->present)
		size += (c->new_len = (new->tag != 0) + new->len) + 1;
	p = size ? history_texts_take(e, size) : NULL;
	c->tag = tag;
	if (tag)
		c->field = field;
	else {
		memcpy(p, field, flen);
		p[flen] = '\0';
		c->field = p;
		p += flen + 1;
	}
	if (old->present) {
		c->old = p;
		p = history_put_val(p, old);
	}
	if (new->present) {
		c->new = p;
		history_put_val(p, new);
	}
	return c;
}

/* Records FIELD (TAG: a job field's name and record tag) when OLD and NEW
 * differ. */
static void
history_value(struct history_event *e, const char *field, uint8_t tag,
    const struct history_val *old, const struct history_val *new, int secret)
{
	size_t flen;

	if (history_val_equal(old, new))
		return;
	flen = tag ? 0 : strlen(field);
	if (secret) {
		/* an empty secret added or removed is no change */
		if ((!old->present || old->len == 0) && (!new->present || new->len == 0))
			return;
		history_change_new(e, field, flen, tag, &history_none, &history_none)->secret = 1;
		return;
	}
	history_change_new(e, field, flen, tag, old, new);
}

/* F's value in J (none for J NULL). */
static void
history_job_value(struct history_val *v, const struct job *j, const struct job_field *f)
{
	const void *p;
	int64_t n;

	*v = history_none;
	if (j == NULL)
		return;
	p = job_field_cptr(j, f);
	switch (f->type) {
	case JOB_FT_TEXT:
		history_text(v, *(char *const *)p);
		break;
	case JOB_FT_INT:
		history_int(v, *(const int *)p);
		break;
	case JOB_FT_BOOL:
		history_lit(v, 'b', *(const int *)p ? "1" : "0");
		break;
	case JOB_FT_ENUM:
		n = *(const int *)p;
		history_text(v, n >= f->min && n <= f->max ? f->names[n] : "");
		break;
	case JOB_FT_TIME:
	case JOB_FT_ID:
		n = f->type == JOB_FT_TIME ? *(const int64_t *)p : (int64_t) * (const uint64_t *)p;
		if (n)
			history_int(v, n);
		else
			history_lit(v, 'n', "");
		break;
	case JOB_FT_STAMP:
		history_int(v, *(const int64_t *)p);
		break;
	default:
		break;
	}
}

/* The changes of task ID from O to N (either NULL: added or removed). */
static void
history_diff_task(struct history_event *e, uint64_t id, const struct job_task *o,
    const struct job_task *n)
{
	struct history_val a = history_none, b = history_none;
	char field[64];

	snprintf(field, sizeof(field), "tasks.%" PRIu64 ".action", id);
	if (o)
		history_text(&a, o->action);
	if (n)
		history_text(&b, n->action);
	history_value(e, field, 0, &a, &b, 0);
	snprintf(field, sizeof(field), "tasks.%" PRIu64 ".timeOffset", id);
	if (o)
		history_int(&a, o->time_offset);
	if (n)
		history_int(&b, n->time_offset);
	history_value(e, field, 0, &a, &b, 0);
	snprintf(field, sizeof(field), "tasks.%" PRIu64 ".continueOnFailure", id);
	if (o)
		history_lit(&a, 'b', o->continue_on_failure ? "1" : "0");
	if (n)
		history_lit(&b, 'b', n->continue_on_failure ? "1" : "0");
	history_value(e, field, 0, &a, &b, 0);
	/* a task's payload may hold credentials: changed, never shown */
	snprintf(field, sizeof(field), "tasks.%" PRIu64 ".payload", id);
	if (o)
		history_text(&a, o->payload);
	if (n)
		history_text(&b, n->payload);
	history_value(e, field, 0, &a, &b, 1);
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
	struct history_val a, b;
	size_t i;

	for (f = job_fields; f->name; f++) {
		/* what the server keeps of its own (ids, stamps) is no change
		 * of the caller's */
		if (f->type == JOB_FT_VIEW || f->type == JOB_FT_STAMP || (f->flags & JOB_FF_HIDDEN) ||
		    strcmp(f->name, "id") == 0)
			continue;
		history_job_value(&a, old, f);
		history_job_value(&b, new, f);
		history_value(e, f->name, f->tag, &a, &b, (f->flags & JOB_FF_SECRET) != 0);
	}
	for (i = 0; old && i < old->ntasks; i++)
		history_diff_task(e, old->tasks[i].id, &old->tasks[i],
		    history_task(new, old->tasks[i].id));
	for (i = 0; new &&i < new->ntasks; i++)
		if (history_task(old, new->tasks[i].id) == NULL)
			history_diff_task(e, new->tasks[i].id, NULL, &new->tasks[i]);
}

/* The value of account field F of A as the history keeps it (none: no
 * account). */
static void
history_account_value(struct history_val *v, const struct account *a,
    const struct account_field *f)
{
	const void *p;

	*v = history_none;
	if (a == NULL)
		return;
	p = account_field_cptr(a, f);
	switch (f->type) {
	case ACCOUNT_FT_TEXT:
		history_text(v, *(char *const *)p);
		break;
	case ACCOUNT_FT_INT:
		history_int(v, *(const int *)p);
		break;
	case ACCOUNT_FT_BOOL:
		history_lit(v, 'b', *(const int *)p ? "1" : "0");
		break;
	case ACCOUNT_FT_I64:
		history_int(v, *(const int64_t *)p);
		break;
	default:
		break;
	}
}

void
history_diff_account(struct history_event *e, const struct account *old,
    const struct account *new)
{
	const struct account_field *f;
	struct history_val a, b;
	char name[64];

	/* the fields a write sets (account_fields[]: the account's, an
	 * admin's, the secret), as the Account object names them */
	for (f = account_fields; f->name; f++) {
		if (!(f->flags & (ACCOUNT_FF_API | ACCOUNT_FF_ADMIN | ACCOUNT_FF_SECRET)))
			continue;
		if (f->object)
			snprintf(name, sizeof(name), "%s.%s", f->object, f->name);
		else
			snprintf(name, sizeof(name), "%s", f->name);
		history_account_value(&a, old, f);
		history_account_value(&b, new, f);
		history_value(e, name, 0, &a, &b, (f->flags & ACCOUNT_FF_SECRET) != 0);
	}
	/* the token: its digest, compared, never shown */
	if ((old && old->has_token) || (new &&new->has_token)) {
		if (old == NULL || new == NULL || old->has_token != new->has_token ||
		    memcmp(old->token_digest, new->token_digest, TOKEN_DIGEST) != 0)
			history_change_new(e, "token", 5, 0, &history_none, &history_none)->secret = 1;
	}
}

void
history_diff_group(struct history_event *e, const struct group *old, const struct group *new)
{
	struct history_val a = history_none, b = history_none;

	if (old)
		history_text(&a, old->name);
	if (new)
		history_text(&b, new->name);
	history_value(e, "name", 0, &a, &b, 0);
	if (old)
		history_text(&a, old->description);
	if (new)
		history_text(&b, new->description);
	history_value(e, "description", 0, &a, &b, 0);
}

/* ---- records */

/* Whether CH goes in a run of H_NEW: a job field's, given a value where
 * there was none, not a secret. */
static int
history_packs(const struct history_change *ch)
{
	return ch->tag != 0 && ch->old == NULL && ch->new != NULL && !ch->secret;
}

/* The size of CH's own record (nested in the event's), in H_CHANGE. */
static size_t
history_change_size(const struct history_change *ch)
{
	size_t n = 1 + (ch->tag ? record_uint_size(ch->tag) : record_str_size(ch->field));

	if (ch->secret)
		return n + record_uint_size(1);
	if (ch->old)
		n += record_bytes_size(ch->old_len);
	if (ch->new)
		n += record_bytes_size(ch->new_len);
	return n;
}

/* Writes CH as a record nested in H_CHANGE. */
static void
history_encode_change(struct buf *b, const struct history_change *ch)
{
	size_t len = history_change_size(ch), end;

	record_nest_begin(b, H_CHANGE, len);
	end = b->len + len - 1; /* the version byte is written */
	if (ch->tag)
		record_uint(b, C_TAG, ch->tag);
	else
		record_str(b, C_FIELD, ch->field);
	if (ch->secret)
		record_uint(b, C_SECRET, 1);
	else {
		if (ch->old)
			record_bytes(b, C_OLD, ch->old, ch->old_len);
		if (ch->new)
			record_bytes(b, C_NEW, ch->new, ch->new_len);
	}
	if (b->len != end)
		fatal("history: a change's record is not the size announced");
}

/* Writes the run of changes from FIRST that history_packs, as one record
 * nested in H_NEW. Returns the index past the run. */
static size_t
history_encode_new(struct buf *b, const struct history_event *e, size_t first)
{
	size_t i, last, len = 1, end;

	for (last = first; last < e->nchanges && history_packs(&e->changes[last]); last++)
		len += record_bytes_size(e->changes[last].new_len);
	record_nest_begin(b, H_NEW, len);
	end = b->len + len - 1;
	for (i = first; i < last; i++)
		record_bytes(b, e->changes[i].tag, e->changes[i].new, e->changes[i].new_len);
	if (b->len != end)
		fatal("history: a run of new fields is not the size announced");
	return last;
}

static void
history_encode(struct buf *b, const struct history_event *e)
{
	size_t i, size = 64;

	/* its size first (at most), so that the buffer is allocated once */
	for (i = 0; i < e->nchanges; i++)
		size += 8 + history_change_size(&e->changes[i]);
	size += record_str_size(e->actor) + record_str_size(e->key) + record_str_size(e->user) +
	    record_str_size(e->client) + record_str_size(e->action) + record_str_size(e->object);
	buf_reserve(b, size);

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
	for (i = 0; i < e->nchanges;) {
		if (history_packs(&e->changes[i]))
			i = history_encode_new(b, e, i);
		else
			history_encode_change(b, &e->changes[i++]);
	}
}

/* A stored text as a value: its first byte is its type letter. */
static void
history_stored_val(struct history_val *v, const struct record_val *cv)
{
	const char *p = (const char *)cv->p;

	v->present = 1;
	v->tag = cv->len ? p[0] : '\0';
	v->s = cv->len ? p + 1 : "";
	v->len = cv->len ? cv->len - 1 : 0;
}

static int
history_decode_change(struct history_event *e, const struct record_val *v)
{
	struct record_reader r;
	struct record_val cv, field = { 0 };
	struct history_val old = history_none, new = history_none;
	const struct job_field *f = NULL;
	uint8_t tag;
	int rc, secret = 0;

	if (record_open(&r, v->p, v->len) == -1)
		return -1;
	while ((rc = record_next(&r, &tag, &cv)) == 1) {
		if (cv.kind == RECORD_BYTES && tag == C_FIELD)
			field = cv;
		else if (cv.kind == RECORD_UINT && tag == C_TAG)
			f = cv.u <= 255 ? job_field_by_tag((uint8_t)cv.u) : NULL;
		else if (cv.kind == RECORD_BYTES && tag == C_OLD)
			history_stored_val(&old, &cv);
		else if (cv.kind == RECORD_BYTES && tag == C_NEW)
			history_stored_val(&new, &cv);
		else if (tag == C_SECRET)
			secret = cv.u != 0;
	}
	if (rc == -1)
		return -1;
	if (f)
		history_change_new(e, f->name, 0, f->tag, &old, &new)->secret = secret;
	else
		history_change_new(e, field.kind == RECORD_BYTES ? (const char *)field.p : "",
		    field.kind == RECORD_BYTES ? field.len : 0, 0, &old, &new)
		    ->secret = secret;
	return 0;
}

/* A run of a new job's fields: job record tags and their texts. A tag
 * that no field has (none is ever reused) is skipped. */
static int
history_decode_new(struct history_event *e, const struct record_val *v)
{
	struct record_reader r;
	struct record_val cv;
	struct history_val new;
	const struct job_field *f;
	uint8_t tag;
	int rc;

	if (record_open(&r, v->p, v->len) == -1)
		return -1;
	while ((rc = record_next(&r, &tag, &cv)) == 1) {
		if (cv.kind != RECORD_BYTES || (f = job_field_by_tag(tag)) == NULL)
			continue;
		history_stored_val(&new, &cv);
		history_change_new(e, f->name, 0, f->tag, &history_none, &new);
	}
	return rc == -1 ? -1 : 0;
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
		case H_NEW:
			if (v.kind != RECORD_BYTES || history_decode_new(e, &v) == -1)
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
