/*
 * Unit tests of the job's table of fields (job_fields of store/job.h):
 * a job with every field set apart from its default survives the record
 * (job_insert, job_load) and the export document (transfer_export,
 * transfer_import into a second store); a record's unknown tags are
 * skipped and its absent ones give the defaults.
 *
 * The comparisons name every member of struct job by hand, not through
 * the table: a field dropped from the table must make them fail.
 *
 * The Job object, which job.c writes by hand, is compared byte for byte
 * with what yajl's generator writes of the same table, and a string's
 * escape with yajl's for every byte.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/config.h"
#include "ctl/transfer.h"
#include "store/account.h"
#include "store/job.h"
#include "store/record.h"
#include "store/store.h"
#include "scratch.h"
#include "util/buf.h"
#include "util/json.h"
#include "engine/tz.h"

#define NOW 1800000000LL

static void
set(char **field, const char *s)
{
	free(*field);
	*field = xstrdup(s);
}

/* J with every field of its own apart from job_init's defaults, and valid
 * for the import's rules. */
static void
fill(struct job *j)
{
	set(&j->name, "every field");
	set(&j->description, "a job with nothing left at its default");
	set(&j->url, "https://example.org/hook");
	set(&j->http_method, "POST");
	set(&j->http_headers, "X-One: 1\nX-Two: two words");
	set(&j->post_data, "{\"a\":1}");
	set(&j->username, "user");
	set(&j->password, "p@ss word");
	set(&j->user_agent, "agent/1");
	j->timeout = 17;
	set(&j->expression, "5 4 * * 1-5");
	set(&j->timezone, "Europe/Berlin");
	j->starts_at = NOW + 3600;
	j->expires_at = NOW + 86400 * 30;
	j->status = JOB_DISABLED;
	j->failure_threshold = 3;
	j->notify = JOB_NOTIFY_ALWAYS;
	j->notify_every = 4;
	set(&j->pattern, "ERROR");
	j->ignore_http_status = 1;
	set(&j->success_codes, "200-299,304");
	j->follow_redirects = 0;
	j->ssl_verify = 0;
	j->retries = 2;
	j->retry_delay = 11;
	j->single = 0;
	j->instances = 3;
	j->catch_up = JOB_CATCHUP_ALL;
	j->starting_deadline = 600;
	j->paused_until = NOW + 7200;
	j->tasks = xcalloc(1, sizeof(*j->tasks));
	j->ntasks = 1;
	j->tasks[0].action = xstrdup("echo");
	j->tasks[0].payload = xstrdup("one");
	j->tasks[0].time_offset = 5;
	j->tasks[0].continue_on_failure = 1;
}

static void
str_equal(const char *what, const char *a, const char *b)
{
	if (a == NULL || b == NULL || strcmp(a, b) != 0)
		fail_msg("%s: \"%s\" != \"%s\"", what, a ? a : "(null)", b ? b : "(null)");
}

#define EQ_STR(f) str_equal(#f, a->f, b->f)
#define EQ_INT(f) assert_int_equal(a->f, b->f)

/* The job's own fields (not id, account, group or the stamps, which a
 * caller compares as its case needs). */
static void
job_equal(const struct job *a, const struct job *b)
{
	size_t i;

	EQ_STR(name);
	EQ_STR(description);
	EQ_STR(url);
	EQ_STR(http_method);
	EQ_STR(http_headers);
	EQ_STR(post_data);
	EQ_STR(username);
	EQ_STR(password);
	EQ_STR(user_agent);
	EQ_INT(timeout);
	EQ_STR(expression);
	EQ_STR(timezone);
	EQ_INT(starts_at);
	EQ_INT(expires_at);
	EQ_INT(status);
	EQ_INT(failure_threshold);
	EQ_INT(notify);
	EQ_INT(notify_every);
	EQ_STR(pattern);
	EQ_INT(ignore_http_status);
	EQ_STR(success_codes);
	EQ_INT(follow_redirects);
	EQ_INT(ssl_verify);
	EQ_INT(retries);
	EQ_INT(retry_delay);
	EQ_INT(single);
	EQ_INT(instances);
	EQ_INT(catch_up);
	EQ_INT(starting_deadline);
	EQ_INT(paused_until);
	assert_int_equal(a->ntasks, b->ntasks);
	for (i = 0; i < a->ntasks; i++) {
		str_equal("task action", a->tasks[i].action, b->tasks[i].action);
		str_equal("task payload", a->tasks[i].payload, b->tasks[i].payload);
		assert_int_equal(a->tasks[i].time_offset, b->tasks[i].time_offset);
		assert_int_equal(a->tasks[i].continue_on_failure, b->tasks[i].continue_on_failure);
	}
}

/* fill() leaves no field of the table at its default: a row added to the
 * table without a value here fails this. */
static void
test_fill_covers_table(void **state)
{
	const struct job_field *f;
	struct job d, j;

	(void)state;
	job_init(&d, NULL);
	job_init(&j, NULL);
	fill(&j);
	j.id = 7;
	j.account = 8;
	j.group = 9;
	j.created_at = NOW;
	j.updated_at = NOW + 1;
	for (f = job_fields; f->name; f++) {
		const void *pd = job_field_cptr(&d, f), *pj = job_field_cptr(&j, f);
		int same = 0;

		switch (f->type) {
		case JOB_FT_TEXT: same = strcmp(*(char *const *)pd, *(char *const *)pj) == 0; break;
		case JOB_FT_INT:
		case JOB_FT_BOOL:
		case JOB_FT_ENUM: same = *(const int *)pd == *(const int *)pj; break;
		case JOB_FT_TIME:
		case JOB_FT_STAMP: same = *(const int64_t *)pd == *(const int64_t *)pj; break;
		case JOB_FT_ID: same = *(const uint64_t *)pd == *(const uint64_t *)pj; break;
		case JOB_FT_VIEW: break;
		}
		if (same)
			fail_msg("fill() leaves %s at its default", f->name);
	}
	job_free(&d);
	job_free(&j);
}

/* Tags are each once in the table, and names too. */
static void
test_table_unique(void **state)
{
	const struct job_field *f, *g;

	(void)state;
	for (f = job_fields; f->name; f++)
		for (g = f + 1; g->name; g++) {
			if (strcmp(f->name, g->name) == 0)
				fail_msg("%s twice", f->name);
			if (f->tag && f->tag == g->tag)
				fail_msg("%s and %s share tag %d", f->name, g->name, f->tag);
		}
}

static uint64_t
make_account(struct store *st, const struct config *cfg)
{
	struct store_txn t;
	struct account a;
	uint64_t id;

	account_init(&a, cfg);
	set(&a.name, "mover");
	assert_int_equal(store_begin(st, 1, &t), STORE_OK);
	a.id = store_next_id(&t, "account");
	a.created_at = NOW;
	account_save(&t, &a, NOW);
	assert_int_equal(store_commit(&t), STORE_OK);
	id = a.id;
	account_free(&a);
	return id;
}

/* Stores J (a new job) and begins a read in T with it loaded into BACK. */
static void
insert_then_read(struct scratch_pair *f, struct job *j, struct store_txn *t, struct job *back)
{
	assert_int_equal(store_begin(f->st[0], 1, t), STORE_OK);
	job_insert(t, j, NOW);
	assert_int_equal(store_commit(t), STORE_OK);
	assert_int_equal(store_begin(f->st[0], 0, t), STORE_OK);
	assert_int_equal(job_load(t, j->id, back), STORE_OK);
}

/* Every field through job_insert (the encoding) and job_load (the
 * decoding). */
static void
test_record_roundtrip(void **state)
{
	struct scratch_pair *f = *state;
	struct store_txn t;
	struct job j, back;
	uint64_t acct = make_account(f->st[0], &f->cfg);

	job_init(&j, NULL);
	fill(&j);
	j.account = acct;
	insert_then_read(f, &j, &t, &back);
	store_abort(&t);
	job_equal(&j, &back);
	assert_int_equal(back.account, acct);
	assert_int_equal(back.created_at, NOW);
	assert_int_equal(back.updated_at, NOW);
	assert_int_equal(back.tasks[0].id, j.tasks[0].id);
	job_free(&j);
	job_free(&back);
}

/* job_peek of a stored record: each field the scheduler takes equals the
 * whole decode's, for a job with every field set (and rules of its own)
 * and for one at job_init's defaults; and a record cut anywhere is either
 * read up to a field's end or refused, never read beyond (ASan). */
static void
peek_equal(const struct job *j, const struct job_peek *p)
{
	size_t i;

	assert_int_equal(p->account, j->account);
	assert_int_equal(p->expression_len, strlen(j->expression));
	assert_memory_equal(p->expression, j->expression, p->expression_len);
	assert_int_equal(p->timezone_len, strlen(j->timezone));
	assert_memory_equal(p->timezone, j->timezone, p->timezone_len);
	assert_int_equal(p->starts_at, j->starts_at);
	assert_int_equal(p->expires_at, j->expires_at);
	assert_int_equal(p->paused_until, j->paused_until);
	assert_int_equal(p->created_at, j->created_at);
	assert_int_equal(p->status, j->status);
	assert_int_equal(p->single, j->single);
	assert_int_equal(p->instances, j->instances);
	assert_int_equal(p->catch_up, j->catch_up);
	assert_int_equal(p->starting_deadline, j->starting_deadline);
	assert_int_equal(p->nrules, j->nrules);
	for (i = 0; i < j->nrules; i++) {
		assert_int_equal(p->rules[i].starts_at, j->rules[i].starts_at);
		assert_int_equal(p->rules[i].expires_at, j->rules[i].expires_at);
	}
}

static void
test_peek_matches_decode(void **state)
{
	struct scratch_pair *f = *state;
	uint64_t acct = make_account(f->st[0], &f->cfg);
	int round;

	for (round = 0; round < 2; round++) {
		struct store_txn t;
		struct record_reader r;
		struct record_val v;
		struct job j, back;
		struct cron_bounds rules[CRON_RULES_MAX];
		struct job_peek p;
		uint8_t key[8], tag;
		MDB_val rec;
		size_t len, end, peeked;

		job_init(&j, NULL);
		if (round == 0) {
			fill(&j);
			set(&j.expression, "5 4 * * 1-5; 0 12 * * *");
			j.rules = xcalloc(2, sizeof(*j.rules));
			j.nrules = 2;
			j.rules[0].starts_at = NOW + 60;
			j.rules[1].expires_at = NOW + 86400 * 400; /* a varint of five bytes */
		} else
			set(&j.expression, "@hourly");
		j.account = acct;
		insert_then_read(f, &j, &t, &back);
		record_key_u64(key, j.id);
		assert_int_equal(store_get(&t, DB_JOBS, key, sizeof(key), &rec), STORE_OK);
		assert_int_equal(job_peek(rec.mv_data, rec.mv_size, &p, rules), 0);
		peek_equal(&back, &p);
		assert_int_equal(p.account, acct);
		assert_int_equal(p.created_at, NOW);

		/* the fields a peek takes come before J_PEEKED (tag 37), where it
		 * stops: its end */
		peeked = 0;
		assert_int_equal(record_open(&r, rec.mv_data, rec.mv_size), 0);
		while (peeked == 0 && record_next(&r, &tag, &v) == 1)
			if (tag == 37)
				peeked = (size_t)(r.p - (const uint8_t *)rec.mv_data);
		assert_true(peeked > 0 && peeked < rec.mv_size);

		/* every cut: refused, or read to a field's end (then it is one),
		 * or to J_PEEKED */
		for (len = 1; len < rec.mv_size; len++) {
			uint8_t *cut = malloc(len);
			int rc;

			assert_non_null(cut);
			memcpy(cut, rec.mv_data, len);
			rc = job_peek(cut, len, &p, rules);
			assert_int_equal(record_open(&r, rec.mv_data, rec.mv_size), 0);
			for (end = 1; end < len && record_next(&r, &tag, &v) == 1;)
				end = (size_t)(r.p - (const uint8_t *)rec.mv_data);
			assert_int_equal(rc, end == len || len >= peeked ? 0 : -1);
			free(cut);
		}
		store_abort(&t);
		job_free(&j);
		job_free(&back);
	}
}

/* The text yajl's generator makes of S (LEN bytes) through json_strn
 * (its check of UTF-8, then '?' for every byte of text that fails), and
 * json_text_strn's, are the same. */
static void
assert_escape_like_yajl(const char *s, size_t len)
{
	yajl_gen g = json_gen_new();
	struct buf b = BUF_INIT;
	const unsigned char *text;
	size_t n;

	json_strn(g, s, len);
	yajl_gen_get_buf(g, &text, &n);
	json_text_strn(&b, s, len);
	if (b.len != n || memcmp(b.data, text, n) != 0)
		fail_msg("escape of %zu bytes: %.*s != %.*s", len, (int)b.len, b.data, (int)n, text);
	yajl_gen_free(g);
	buf_free(&b);
}

/* Every byte alone and among text, UTF-8 of two, three and four bytes,
 * and bytes that are not UTF-8 (a stray continuation, a cut sequence:
 * both checks refuse them; webcron takes only well-formed UTF-8 in). */
static void
test_escape_like_yajl(void **state)
{
	static const char *const texts[] = {
		"",
		"plain",
		"a \"quoted\" \\ back/slash",
		"tab\tnew\nline\rcr\bbs\fff",
		"\x01\x1f\x7f end",
		"caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80",
		"stray \x80 byte",
		"cut \xe2\x9c",
		"\xff\xfe",
		"\"\"\"",
	};
	char one[4];
	size_t i;
	int c;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		assert_escape_like_yajl(texts[i], strlen(texts[i]));
	for (c = 1; c < 256; c++) {
		one[0] = 'x';
		one[1] = (char)c;
		one[2] = 'y';
		assert_escape_like_yajl(one + 1, 1);
		assert_escape_like_yajl(one, 3);
	}
}

/* The Job object as the table and yajl's generator write it: each field
 * by its show hook, or by its type as the export writes it. */
static void
job_by_yajl(yajl_gen g, const struct job *j, const struct job_view *v)
{
	const struct job_field *f;

	yajl_gen_map_open(g);
	for (f = job_fields; f->name; f++) {
		if (f->flags & JOB_FF_HIDDEN)
			continue;
		if (f->show)
			f->show(g, j, v);
		else
			job_field_json(g, j, f);
	}
	yajl_gen_map_close(g);
}

static void
assert_job_json_like_yajl(const struct job *j, const struct job_view *v)
{
	yajl_gen a = json_gen_new(), b = json_gen_new();
	const unsigned char *ta, *tb;
	size_t la, lb;

	job_json(a, j, v);
	job_by_yajl(b, j, v);
	yajl_gen_get_buf(a, &ta, &la);
	yajl_gen_get_buf(b, &tb, &lb);
	if (la != lb || memcmp(ta, tb, la) != 0)
		fail_msg("job_json:\n%.*s\nyajl:\n%.*s", (int)la, ta, (int)lb, tb);
	yajl_gen_free(a);
	yajl_gen_free(b);
}

/* job_json writes the same bytes as yajl for a job at its defaults, for
 * one with every field set (texts that need escapes, a task, several
 * rules with their bounds) and its state of a run, shown live and as a
 * deleted job. */
static void
test_json_like_yajl(void **state)
{
	static const char *const exprs[] = { "5 4 * * 1-5", "@every 90m" };
	struct cron_bounds bounds[2] = { { NOW, 0 }, { 0, NOW + 86400 } };
	struct job d, j;
	struct job_view v;
	const char *field;
	char why[128];
	size_t at;

	(void)state;
	job_init(&d, NULL);
	job_init(&j, NULL);
	fill(&j);
	j.id = 42;
	j.group = 7;
	j.created_at = NOW - 100;
	j.updated_at = NOW - 5;
	set(&j.name, "a \"name\" with \\ / \x01 \t and caf\xc3\xa9 \xf0\x9f\x98\x80");
	set(&j.pattern, "line\nbreak");
	assert_int_equal(job_set_rules(&j, exprs, bounds, 2, &field, &at, why, sizeof(why)), 0);
	memset(&v, 0, sizeof(v));
	v.zone = job_zone(&d, NULL);
	v.now = NOW;
	v.status = d.status;
	v.user_agent = "webcron/test";
	assert_job_json_like_yajl(&d, &v);

	v.zone = job_zone(&j, NULL);
	v.status = j.status;
	v.next_run = NOW + 60;
	v.processing = 1;
	j.st.fail = 2;
	j.st.last_run = NOW - 60;
	j.st.last_status = 1;
	j.st.last_http_status = 200;
	j.st.last_duration = 0.25;
	assert_job_json_like_yajl(&j, &v);
	j.st.last_duration = 1.2345; /* not whole milliseconds: through yajl */
	v.next_runs = 3;
	assert_job_json_like_yajl(&j, &v);
	v.id_null = 1;
	v.next_runs = 0;
	assert_job_json_like_yajl(&j, &v);
	job_free(&d);
	job_free(&j);
}

/* A record of no fields (all absent) peeks as job_init's defaults. */
static void
test_peek_defaults(void **state)
{
	struct buf b = BUF_INIT;
	struct cron_bounds rules[CRON_RULES_MAX];
	struct job_peek p;
	struct job d;

	(void)state;
	job_init(&d, NULL);
	set(&d.expression, "");
	set(&d.timezone, "");
	record_begin(&b);
	assert_int_equal(job_peek(b.data, b.len, &p, rules), 0);
	peek_equal(&d, &p);
	buf_free(&b);
	job_free(&d);
}

/* A record nested in place (record_nest_begin and the _size functions)
 * is byte for byte the one built apart and added as bytes, with lengths
 * whose varints take one, two and three bytes. */
static void
test_record_nested(void **state)
{
	static const size_t lens[] = { 0, 5, 127, 128, 300, 20000 };
	struct buf inner = BUF_INIT, apart = BUF_INIT, nested = BUF_INIT;
	char *text;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		text = malloc(lens[i] + 1);
		assert_non_null(text);
		memset(text, 'a' + (int)i, lens[i]);
		text[lens[i]] = '\0';
		record_begin(&inner);
		record_str(&inner, 1, "field");
		record_str(&inner, 2, text);
		record_uint(&inner, 4, lens[i]);
		record_begin(&apart);
		record_uint(&apart, 9, 7);
		record_bytes(&apart, 10, inner.data, inner.len);

		record_begin(&nested);
		record_uint(&nested, 9, 7);
		len = 1 + record_str_size("field") + record_str_size(text) + record_uint_size(lens[i]) +
		    record_str_size(NULL);
		assert_int_equal(len, inner.len);
		record_nest_begin(&nested, 10, len);
		record_str(&nested, 1, "field");
		record_str(&nested, 2, text);
		record_uint(&nested, 4, lens[i]);
		assert_int_equal(nested.len, apart.len);
		assert_memory_equal(nested.data, apart.data, apart.len);
		free(text);
	}
	buf_free(&inner);
	buf_free(&apart);
	buf_free(&nested);
}

/* A record with a tag no field has (a newer build's) and without most
 * tags decodes: the unknown one skipped, the absent ones at job_init's
 * defaults. */
static void
test_record_unknown_and_absent(void **state)
{
	struct scratch_pair *f = *state;
	struct buf b = BUF_INIT;
	struct store_txn t;
	struct job back, d;
	uint8_t key[8];

	record_begin(&b);
	record_uint(&b, 1, 42);                 /* account */
	record_str(&b, 200, "from the future"); /* no such field */
	record_uint(&b, 201, 12345);
	record_str(&b, 3, "named"); /* name */
	record_key_u64(key, 77);
	assert_int_equal(store_begin(f->st[0], 1, &t), STORE_OK);
	store_put(&t, DB_JOBS, key, sizeof(key), b.data, b.len);
	assert_int_equal(store_commit(&t), STORE_OK);
	buf_free(&b);

	assert_int_equal(store_begin(f->st[0], 0, &t), STORE_OK);
	assert_int_equal(job_load(&t, 77, &back), STORE_OK);
	store_abort(&t);
	assert_int_equal(back.account, 42);
	assert_string_equal(back.name, "named");
	job_init(&d, NULL);
	set(&d.name, "named");
	job_equal(&d, &back);
	assert_int_equal(back.st.last_status, -1);
	job_free(&d);
	job_free(&back);
}

static int
first_job(struct job *j, void *arg)
{
	job_copy(arg, j);
	return 1;
}

/* Every field through transfer_export and transfer_import into another
 * store. */
static void
test_transfer_roundtrip(void **state)
{
	struct scratch_pair *f = *state;
	struct store_txn t;
	struct job j, back;
	uint64_t acct = make_account(f->st[0], &f->cfg), moved = 0;
	char err[512], *text = NULL;
	size_t len = 0;
	FILE *mem;

	job_init(&j, NULL);
	fill(&j);
	j.account = acct;
	assert_int_equal(store_begin(f->st[0], 1, &t), STORE_OK);
	job_insert(&t, &j, NOW);
	j.st.fail = 2;
	j.st.runs = 12;
	j.st.last_run = NOW - 60;
	j.st.last_status = 1;
	j.st.last_duration = 0.25;
	j.st.last_http_status = 503;
	j.st.last_fire = NOW - 60;
	j.st.notified = 1;
	job_save_state(&t, &j);
	assert_int_equal(store_commit(&t), STORE_OK);

	if ((mem = open_memstream(&text, &len)) == NULL)
		fail_msg("open_memstream");
	if (transfer_export(f->st[0], acct, mem, err, sizeof(err)) != 0)
		fail_msg("transfer_export: %s", err);
	fclose(mem);
	if ((mem = fmemopen(text, len, "r")) == NULL)
		fail_msg("fmemopen");
	if (transfer_import(f->st[1], mem, &moved, err, sizeof(err)) != 0)
		fail_msg("transfer_import: %s\n%s", err, text);
	fclose(mem);
	free(text);

	memset(&back, 0, sizeof(back));
	assert_int_equal(store_begin(f->st[1], 0, &t), STORE_OK);
	assert_int_equal(job_each(&t, moved, first_job, &back), STORE_OK);
	store_abort(&t);
	assert_non_null(back.name);
	job_equal(&j, &back);
	assert_int_equal(back.account, moved);
	assert_int_equal(back.created_at, NOW);
	assert_int_equal(back.st.fail, 2);
	assert_int_equal(back.st.runs, 12);
	assert_int_equal(back.st.last_run, NOW - 60);
	assert_int_equal(back.st.last_status, 1);
	assert_int_equal(back.st.last_http_status, 503);
	assert_int_equal(back.st.last_fire, NOW - 60);
	assert_int_equal(back.st.notified, 1);
	job_free(&j);
	job_free(&back);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill_covers_table),
		cmocka_unit_test(test_escape_like_yajl),
		cmocka_unit_test(test_json_like_yajl),
		cmocka_unit_test(test_table_unique),
		cmocka_unit_test_setup_teardown(test_record_roundtrip, scratch_pair_setup, scratch_pair_teardown),
		cmocka_unit_test_setup_teardown(test_record_unknown_and_absent, scratch_pair_setup, scratch_pair_teardown),
		cmocka_unit_test(test_record_nested),
		cmocka_unit_test_setup_teardown(test_peek_matches_decode, scratch_pair_setup, scratch_pair_teardown),
		cmocka_unit_test(test_peek_defaults),
		cmocka_unit_test_setup_teardown(test_transfer_roundtrip, scratch_pair_setup, scratch_pair_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
