/*
 * Unit tests of the account's table of fields (account_fields of
 * store/account.h): its shape; an account with every field set apart
 * from its defaults survives the record (account_save, account_load)
 * and the export document (transfer_export, transfer_import into a
 * second store); a record written with the first builds' tags decodes;
 * a record's unknown tags are skipped and its absent ones give the
 * defaults; the Account object and the export keep their keys' order.
 *
 * The comparisons name every member of struct account by hand, and walk
 * the table besides: a field dropped from the table, or a row without a
 * value in fill(), makes them fail.
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
#include "store/record.h"
#include "store/store.h"
#include "scratch.h"
#include "util/buf.h"
#include "util/json.h"

#define NOW 1800000000LL

static void
set(char **field, const char *s)
{
	free(*field);
	*field = xstrdup(s);
}

/* A with every field apart from both defaults (account_init's with and
 * without a config), and valid for the import's rules. */
static void
fill(struct account *a)
{
	size_t i;

	a->id = 5;
	set(&a->name, "every field");
	set(&a->email, "owner@example.org");
	set(&a->timezone, "Europe/Berlin");
	set(&a->notify_url, "https://hooks.example/notify");
	set(&a->notify_email, "ops@example.org");
	set(&a->secret, "s3cret words");
	a->strict_params = 1;
	a->status = ACCOUNT_SUSPENDED;
	a->admin = 1;
	a->lim.max_jobs = 7;
	a->lim.max_tasks = 3;
	a->lim.max_timeout = 33;
	a->lim.min_interval = 5;
	a->lim.max_concurrent = 2;
	a->lim.rate_limit = 4;
	a->lim.daily_executions = 50;
	a->lim.log_retention = 9;
	a->created_at = NOW;
	a->updated_at = NOW + 1;
	for (i = 0; i < TOKEN_DIGEST; i++)
		a->token_digest[i] = (uint8_t)(0xa0 + i);
	a->has_token = 1;
	a->jobs = 3;
	a->exec_day = 1; /* long ago: executionsToday shows 0 */
	a->exec_today = 12;
}

static void
str_equal(const char *what, const char *a, const char *b)
{
	if (a == NULL || b == NULL || strcmp(a, b) != 0)
		fail_msg("%s: \"%s\" != \"%s\"", what, a ? a : "(null)", b ? b : "(null)");
}

#define EQ_STR(f) str_equal(#f, a->f, b->f)
#define EQ_INT(f) assert_int_equal(a->f, b->f)
#define SAME(f) assert_int_equal(a.f, back.f)

/* The fields an account keeps wherever it goes (not its id, updatedAt,
 * usage or token, which a caller compares as its case needs). */
static void
account_equal(const struct account *a, const struct account *b)
{
	EQ_STR(name);
	EQ_STR(email);
	EQ_STR(timezone);
	EQ_STR(notify_url);
	EQ_STR(notify_email);
	EQ_STR(secret);
	EQ_INT(status);
	EQ_INT(admin);
	EQ_INT(lim.max_jobs);
	EQ_INT(lim.max_tasks);
	EQ_INT(lim.max_timeout);
	EQ_INT(lim.min_interval);
	EQ_INT(lim.max_concurrent);
	EQ_INT(lim.rate_limit);
	EQ_INT(lim.daily_executions);
	EQ_INT(lim.log_retention);
	EQ_INT(created_at);
}

/* Whether F's value is the same in A and B. */
static int
field_same(const struct account_field *f, const struct account *a, const struct account *b)
{
	const void *pa = account_field_cptr(a, f), *pb = account_field_cptr(b, f);

	switch (f->type) {
	case ACCOUNT_FT_TEXT: return strcmp(*(char *const *)pa, *(char *const *)pb) == 0;
	case ACCOUNT_FT_INT:
	case ACCOUNT_FT_BOOL: return *(const int *)pa == *(const int *)pb;
	case ACCOUNT_FT_I64: return *(const int64_t *)pa == *(const int64_t *)pb;
	case ACCOUNT_FT_U64: return *(const uint64_t *)pa == *(const uint64_t *)pb;
	case ACCOUNT_FT_DIGEST:
		return a->has_token == b->has_token &&
		    (!a->has_token || memcmp(pa, pb, TOKEN_DIGEST) == 0);
	}
	return 0;
}

/* fill() leaves no field of the table at a default: a row added to the
 * table without a value here fails this. */
static void
test_fill_covers_table(void **state)
{
	const struct account_field *f;
	struct account d, n, a;
	struct config cfg;

	(void)state;
	config_defaults(&cfg);
	account_init(&d, &cfg);
	account_init(&n, NULL);
	account_init(&a, &cfg);
	fill(&a);
	for (f = account_fields; f->name; f++)
		if (field_same(f, &d, &a) || field_same(f, &n, &a))
			fail_msg("fill() leaves %s at its default", f->name);
	account_free(&d);
	account_free(&n);
	account_free(&a);
	config_free(&cfg);
}

/* Names, tags and offsets are each once in the table; an object's rows
 * are together; what the flags say of a row holds. */
static void
test_table_shape(void **state)
{
	const struct account_field *f, *g;

	(void)state;
	for (f = account_fields; f->name; f++) {
		for (g = f + 1; g->name; g++) {
			if (strcmp(f->name, g->name) == 0)
				fail_msg("%s twice", f->name);
			if (f->tag && f->tag == g->tag)
				fail_msg("%s and %s share tag %d", f->name, g->name, f->tag);
			if (f->offset == g->offset)
				fail_msg("%s and %s share a member", f->name, g->name);
			/* an object's rows follow each other */
			if (f->object && g->object && strcmp(f->object, g->object) == 0 &&
			    strcmp(f[1].object ? f[1].object : "", f->object) != 0)
				fail_msg("%s is apart from the rest of %s", g->name, f->object);
		}
		if ((f->flags & ACCOUNT_FF_API) && (f->flags & ACCOUNT_FF_ADMIN))
			fail_msg("%s: set by the account or by an admin, not both", f->name);
		/* the API reads objects of whole numbers, and only an admin's */
		if (f->object && (f->flags & (ACCOUNT_FF_API | ACCOUNT_FF_ADMIN)) &&
		    (f->type != ACCOUNT_FT_INT || !(f->flags & ACCOUNT_FF_ADMIN)))
			fail_msg("%s: the API reads only an admin's whole numbers in an object", f->name);
		if ((f->flags & (ACCOUNT_FF_API | ACCOUNT_FF_ADMIN)) && f->type != ACCOUNT_FT_TEXT &&
		    f->type != ACCOUNT_FT_INT && f->type != ACCOUNT_FT_BOOL)
			fail_msg("%s: the API reads texts, whole numbers and booleans", f->name);
		if ((f->flags & ACCOUNT_FF_HIDDEN) && f->show)
			fail_msg("%s: hidden, with a show hook", f->name);
		if (f->rule && f->type != ACCOUNT_FT_TEXT)
			fail_msg("%s: a rule for a text alone", f->name);
		if ((f->flags & ACCOUNT_FF_MOVE) && f->tag == 0)
			fail_msg("%s: moved but not stored", f->name);
		if (f->type == ACCOUNT_FT_TEXT && f->max <= 0)
			fail_msg("%s: no length", f->name);
	}
}

/* The rows with a config key: the key exists and is of the row's type;
 * the limits (every member of struct account_limits) take its range,
 * rateLimit from 0 ("the server's"). */
static void
test_conf_keys(void **state)
{
	const struct account_field *f;
	const struct config_key *k;
	struct account a;
	struct config cfg;
	int64_t min, max;
	size_t limits = 0;

	(void)state;
	for (f = account_fields; f->name; f++) {
		if (f->conf_key == NULL) {
			assert_false(f->flags & (ACCOUNT_FF_CONF_DEFAULT | ACCOUNT_FF_ZERO_OK));
			continue;
		}
		for (k = config_keys; k->name; k++)
			if (strcmp(k->section, f->conf_section) == 0 && strcmp(k->name, f->conf_key) == 0)
				break;
		if (k->name == NULL)
			fail_msg("%s: no config key [%s] %s", f->name, f->conf_section, f->conf_key);
		if (f->type == ACCOUNT_FT_INT) {
			assert_int_equal(k->type, CONFIG_INT);
			account_field_range(f, &min, &max);
			assert_int_equal(max, k->max);
			assert_int_equal(min, (f->flags & ACCOUNT_FF_ZERO_OK) ? 0 : k->min);
		} else {
			assert_int_equal(f->type, ACCOUNT_FT_TEXT);
			assert_true(k->type == CONFIG_ZONE || k->type == CONFIG_STR);
		}
		if (f->offset >= offsetof(struct account, lim) &&
		    f->offset < offsetof(struct account, lim) + sizeof(struct account_limits))
			limits++;
	}
	assert_int_equal(limits, sizeof(struct account_limits) / sizeof(int));
	account_field_range(account_field("rateLimit"), &min, &max);
	assert_int_equal(min, 0);
	assert_int_equal(max, 1000000);
	account_field_range(account_field("maxTimeout"), &min, &max);
	assert_int_equal(min, 1);
	assert_int_equal(max, 86400);

	/* a new account takes the config's values; rateLimit 0 */
	config_defaults(&cfg);
	cfg.lim_max_jobs = 42;
	cfg.lim_log_retention = 43;
	set(&cfg.default_timezone, "Asia/Tokyo");
	account_init(&a, &cfg);
	assert_int_equal(a.lim.max_jobs, 42);
	assert_int_equal(a.lim.log_retention, 43);
	assert_int_equal(a.lim.max_tasks, cfg.lim_max_tasks);
	assert_int_equal(a.lim.rate_limit, 0);
	assert_string_equal(a.timezone, "Asia/Tokyo");
	assert_string_equal(a.name, "");
	account_free(&a);
	config_free(&cfg);
}

static void
save(struct store *st, struct account *a, int64_t now)
{
	struct store_txn t;

	assert_int_equal(store_begin(st, 1, &t), STORE_OK);
	account_save(&t, a, now);
	assert_int_equal(store_commit(&t), STORE_OK);
}

static void
load(struct store *st, uint64_t id, struct account *out)
{
	struct store_txn t;

	assert_int_equal(store_begin(st, 0, &t), STORE_OK);
	assert_int_equal(account_load(&t, id, out), STORE_OK);
	store_abort(&t);
}

/* Every field through account_save (the encoding) and account_load (the
 * decoding). */
static void
test_record_roundtrip(void **state)
{
	struct scratch_pair *fx = *state;
	const struct account_field *f;
	struct account a, back;

	account_init(&a, &fx->cfg);
	fill(&a);
	save(fx->st[0], &a, NOW + 1);
	load(fx->st[0], a.id, &back);
	account_equal(&a, &back);
	SAME(id);
	SAME(updated_at);
	SAME(has_token);
	assert_memory_equal(a.token_digest, back.token_digest, TOKEN_DIGEST);
	SAME(jobs);
	SAME(exec_day);
	SAME(exec_today);
	for (f = account_fields; f->name; f++)
		if (!field_same(f, &a, &back))
			fail_msg("%s does not come back from the record", f->name);
	account_free(&a);
	account_free(&back);
}

/* A record as the first builds wrote it, tag by tag, decodes to the
 * same account: the tags are the data's, never to be renumbered. */
static void
test_record_first_tags(void **state)
{
	struct scratch_pair *fx = *state;
	struct buf r = BUF_INIT;
	struct store_txn t;
	struct account a, back;
	uint8_t key[8];

	account_init(&a, &fx->cfg);
	fill(&a);
	record_begin(&r);
	record_str(&r, 1, a.name);
	record_str(&r, 2, a.email);
	record_str(&r, 3, a.timezone);
	record_uint(&r, 4, (uint64_t)a.status);
	record_uint(&r, 5, (uint64_t)a.admin);
	record_str(&r, 6, a.notify_url);
	record_str(&r, 7, a.notify_email);
	record_str(&r, 8, a.secret);
	record_sint(&r, 9, a.created_at);
	record_sint(&r, 10, a.updated_at);
	record_bytes(&r, 11, a.token_digest, TOKEN_DIGEST);
	record_uint(&r, 12, a.jobs);
	record_sint(&r, 13, a.exec_day);
	record_uint(&r, 14, a.exec_today);
	record_uint(&r, 20, (uint64_t)a.lim.max_jobs);
	record_uint(&r, 21, (uint64_t)a.lim.max_tasks);
	record_uint(&r, 22, (uint64_t)a.lim.max_timeout);
	record_uint(&r, 23, (uint64_t)a.lim.min_interval);
	record_uint(&r, 24, (uint64_t)a.lim.max_concurrent);
	record_uint(&r, 25, (uint64_t)a.lim.rate_limit);
	record_uint(&r, 26, (uint64_t)a.lim.daily_executions);
	record_uint(&r, 27, (uint64_t)a.lim.log_retention);
	record_key_u64(key, a.id);
	assert_int_equal(store_begin(fx->st[0], 1, &t), STORE_OK);
	store_put(&t, DB_ACCOUNTS, key, sizeof(key), r.data, r.len);
	assert_int_equal(store_commit(&t), STORE_OK);
	buf_free(&r);

	load(fx->st[0], a.id, &back);
	account_equal(&a, &back);
	SAME(updated_at);
	SAME(has_token);
	assert_memory_equal(a.token_digest, back.token_digest, TOKEN_DIGEST);
	SAME(jobs);
	SAME(exec_day);
	SAME(exec_today);
	account_free(&a);
	account_free(&back);
}

/* A record with tags no field has (a newer build's) and without most
 * tags decodes: the unknown ones skipped, the absent ones at the
 * defaults of a record (account_init without a config). */
static void
test_record_unknown_and_absent(void **state)
{
	struct scratch_pair *fx = *state;
	const struct account_field *f;
	struct buf r = BUF_INIT;
	struct store_txn t;
	struct account back, d;
	uint8_t key[8];

	record_begin(&r);
	record_str(&r, 200, "from the future"); /* no such field */
	record_uint(&r, 201, 12345);
	record_bytes(&r, 202, "\x01\x02", 2);
	record_str(&r, 1, "named");       /* name */
	record_bytes(&r, 11, "short", 5); /* a token digest of the wrong size */
	record_key_u64(key, 77);
	assert_int_equal(store_begin(fx->st[0], 1, &t), STORE_OK);
	store_put(&t, DB_ACCOUNTS, key, sizeof(key), r.data, r.len);
	assert_int_equal(store_commit(&t), STORE_OK);
	buf_free(&r);

	load(fx->st[0], 77, &back);
	assert_int_equal(back.id, 77);
	assert_string_equal(back.name, "named");
	assert_string_equal(back.timezone, "UTC");
	assert_string_equal(back.email, "");
	assert_int_equal(back.has_token, 0);
	assert_int_equal(back.lim.max_jobs, 0);
	account_init(&d, NULL);
	set(&d.name, "named");
	d.id = 77;
	for (f = account_fields; f->name; f++)
		if (!field_same(f, &d, &back))
			fail_msg("%s: absent, but not at its default", f->name);
	account_free(&d);
	account_free(&back);
}

/* The Account object of answers: its keys in SPEC's order, the secret
 * and the token never in it. */
static void
test_json(void **state)
{
	static const char want[] =
	    "{\"id\":5,\"name\":\"every field\",\"email\":\"owner@example.org\","
	    "\"timezone\":\"Europe/Berlin\",\"status\":1,\"admin\":true,"
	    "\"notifyUrl\":\"https://hooks.example/notify\",\"notifyEmail\":\"ops@example.org\","
	    "\"hasSecret\":true,\"strictParams\":true,\"limits\":{\"maxJobs\":7,\"maxTasks\":3,\"maxTimeout\":33,"
	    "\"minInterval\":5,\"maxConcurrent\":2,\"rateLimit\":4,\"dailyExecutions\":50,"
	    "\"logRetention\":9},\"usage\":{\"jobs\":3,\"executionsToday\":0},"
	    "\"createdAt\":1800000000}";
	const unsigned char *text;
	struct config cfg;
	struct account a;
	char rate[32];
	size_t len;
	yajl_gen g;

	(void)state;
	config_defaults(&cfg);
	account_init(&a, &cfg);
	fill(&a);
	g = json_gen_new();
	account_json(g, &a, &cfg, 0);
	yajl_gen_get_buf(g, &text, &len);
	assert_string_equal((const char *)text, want);
	yajl_gen_free(g);

	/* rateLimit 0 shows the server's; a deleted account's id is null */
	a.lim.rate_limit = 0;
	set(&a.secret, "");
	g = json_gen_new();
	account_json(g, &a, &cfg, 1);
	yajl_gen_get_buf(g, &text, &len);
	assert_non_null(strstr((const char *)text, "{\"id\":null,"));
	assert_non_null(strstr((const char *)text, "\"hasSecret\":false,"));
	snprintf(rate, sizeof(rate), "\"rateLimit\":%d,", cfg.rate_limit);
	assert_non_null(strstr((const char *)text, rate));
	yajl_gen_free(g);
	account_free(&a);
	config_free(&cfg);
}

/* Every field that moves through transfer_export and transfer_import
 * into another store, in the document's order; the usage does not move. */
static void
test_transfer_roundtrip(void **state)
{
	static const char *const order[] = {
		"\"name\"", "\"email\"", "\"timezone\"", "\"status\"", "\"admin\"", "\"notifyUrl\"",
		"\"notifyEmail\"", "\"secret\"", "\"createdAt\"", "\"updatedAt\"", "\"limits\"",
		"\"maxJobs\"", "\"maxTasks\"", "\"maxTimeout\"", "\"minInterval\"",
		"\"maxConcurrent\"", "\"rateLimit\"", "\"dailyExecutions\"", "\"logRetention\"",
		"\"tokenSha256\": \"a0a1a2", "\"groups\"", NULL
	};
	struct scratch_pair *fx = *state;
	const struct account_field *f;
	struct account a, back;
	uint64_t moved = 0;
	char err[512], *text = NULL;
	const char *at;
	size_t len = 0, i;
	FILE *mem;

	account_init(&a, &fx->cfg);
	fill(&a);
	a.jobs = 0; /* the source store holds no jobs of it */
	save(fx->st[0], &a, NOW + 1);

	if ((mem = open_memstream(&text, &len)) == NULL)
		fail_msg("open_memstream");
	if (transfer_export(fx->st[0], a.id, mem, err, sizeof(err)) != 0)
		fail_msg("transfer_export: %s", err);
	fclose(mem);
	at = strstr(text, "\"account\"");
	assert_non_null(at);
	for (i = 0; order[i]; i++) {
		const char *next = strstr(at, order[i]);

		if (next == NULL)
			fail_msg("the export's account lacks %s (or has it out of order)\n%s", order[i], text);
		at = next;
	}
	if ((mem = fmemopen(text, len, "r")) == NULL)
		fail_msg("fmemopen");
	if (transfer_import(fx->st[1], mem, &moved, err, sizeof(err)) != 0)
		fail_msg("transfer_import: %s\n%s", err, text);
	fclose(mem);
	free(text);

	load(fx->st[1], moved, &back);
	account_equal(&a, &back);
	SAME(updated_at);
	SAME(has_token);
	assert_memory_equal(a.token_digest, back.token_digest, TOKEN_DIGEST);
	assert_int_equal(back.jobs, 0);
	assert_int_equal(back.exec_day, 0);
	assert_int_equal(back.exec_today, 0);
	for (f = account_fields; f->name; f++)
		if ((f->flags & ACCOUNT_FF_MOVE) && !field_same(f, &a, &back))
			fail_msg("%s does not come back from the export", f->name);
	account_free(&a);
	account_free(&back);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill_covers_table),
		cmocka_unit_test(test_table_shape),
		cmocka_unit_test(test_conf_keys),
		cmocka_unit_test(test_json),
		cmocka_unit_test_setup_teardown(test_record_roundtrip, scratch_pair_setup, scratch_pair_teardown),
		cmocka_unit_test_setup_teardown(test_record_first_tags, scratch_pair_setup, scratch_pair_teardown),
		cmocka_unit_test_setup_teardown(test_record_unknown_and_absent, scratch_pair_setup, scratch_pair_teardown),
		cmocka_unit_test_setup_teardown(test_transfer_roundtrip, scratch_pair_setup, scratch_pair_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
