/*
 * Unit tests of the API's envelope (call.c): what a client reads back from
 * call_finish() for a success and for an error, which error wins, and the
 * HTTP status of each code with and without strict_http_status.
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

#include <yajl/yajl_tree.h>

#include "api/api.h"
#include "api/call.h"
#include "conf/config.h"
#include "util/json.h"
#include "store/store.h"

/* Two API contexts that differ only in strict_http_status, both configured
 * through the config parser. The envelope needs nothing else of them. */
static struct config cfg_plain, cfg_strict;
static struct api api_plain = { .cfg = &cfg_plain }, api_strict = { .cfg = &cfg_strict };

static int
group_setup(void **state)
{
	char err[512];

	(void)state;
	if (config_load_string("test.conf", "", &cfg_plain, err, sizeof(err)) != 0 ||
	    config_load_string("test.conf", "[api]\nstrict_http_status = yes\n", &cfg_strict,
	        err, sizeof(err)) != 0) {
		fprintf(stderr, "config: %s\n", err);
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	config_free(&cfg_plain);
	config_free(&cfg_strict);
	return 0;
}

static void
call_init(struct api_call *c, struct api *api)
{
	memset(c, 0, sizeof(*c));
	c->api = api;
}

/* What api_handle does before it runs a handler. */
static void
begin_success(struct api_call *c)
{
	c->g = json_gen_new();
}

/* Runs call_finish and parses what it produced; returns the HTTP status.
 * *ROOT is freed by the caller with yajl_tree_free. */
static int
finish(struct api_call *c, yajl_val *root)
{
	char errbuf[256];
	struct buf whole = BUF_INIT;
	int http = call_finish(c);

	/* what call_send_answer sends: the head and the value of a success,
	 * then body */
	if (c->data) {
		buf_addstr(&whole, CALL_SUCCESS_HEAD);
		buf_add(&whole, c->data, c->data_len);
	} else
		assert_true(c->body.len > 0);
	buf_add(&whole, c->body.data, c->body.len);
	*root = yajl_tree_parse(buf_str(&whole), errbuf, sizeof(errbuf));
	if (*root == NULL)
		fail_msg("the envelope is not JSON (%s): %s", errbuf, buf_str(&whole));
	buf_free(&whole);
	buf_free(&c->body);
	if (c->g)
		yajl_gen_free(c->g);
	c->g = NULL;
	return http;
}

/* ROOT must be an object with exactly the N keys given, in that order. */
static void
assert_keys(yajl_val root, size_t n, ...)
{
	va_list ap;
	size_t i;

	assert_true(YAJL_IS_OBJECT(root));
	if (root->u.object.len != n)
		fail_msg("%zu members, want %zu", root->u.object.len, n);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		assert_string_equal(root->u.object.keys[i], va_arg(ap, const char *));
	va_end(ap);
}

static yajl_val
member(yajl_val root, const char *name)
{
	const char *path[] = { name, NULL };
	yajl_val v = yajl_tree_get(root, path, yajl_t_any);

	if (v == NULL)
		fail_msg("no member \"%s\"", name);
	return v;
}

static const char *
member_str(yajl_val root, const char *name)
{
	yajl_val v = member(root, name);

	assert_true(YAJL_IS_STRING(v));
	return YAJL_GET_STRING(v);
}

static long long
member_int(yajl_val root, const char *name)
{
	yajl_val v = member(root, name);

	assert_true(YAJL_IS_INTEGER(v));
	return YAJL_GET_INTEGER(v);
}

/* An error envelope with CODE, MESSAGE and FIELD (NULL: no "field"). */
static void
assert_error_envelope(yajl_val root, int code, const char *message, const char *field)
{
	if (field)
		assert_keys(root, 4, "status", "code", "message", "field");
	else
		assert_keys(root, 3, "status", "code", "message");
	assert_string_equal(member_str(root, "status"), "error");
	assert_int_equal(member_int(root, "code"), code);
	if (message)
		assert_string_equal(member_str(root, "message"), message);
	if (field)
		assert_string_equal(member_str(root, "field"), field);
}

/* ---- success */

static void
test_success_envelope(void **state)
{
	struct api_call c;
	yajl_val root, data, v;
	const char *list[] = { "list", NULL };

	(void)state;
	call_init(&c, &api_plain);
	begin_success(&c);
	yajl_gen_map_open(c.g);
	json_kint(c.g, "jobId", 42);
	json_kstr(c.g, "name", "caf\xc3\xa9 \"quoted\"\n");
	json_kbool(c.g, "active", 1);
	json_knull(c.g, "group");
	json_key(c.g, "list");
	yajl_gen_array_open(c.g);
	json_int(c.g, 1);
	json_int(c.g, 2);
	yajl_gen_array_close(c.g);
	yajl_gen_map_close(c.g);

	assert_int_equal(finish(&c, &root), 200);
	assert_keys(root, 3, "status", "code", "data");
	assert_string_equal(member_str(root, "status"), "success");
	assert_int_equal(member_int(root, "code"), 0);
	data = member(root, "data");
	assert_keys(data, 5, "jobId", "name", "active", "group", "list");
	assert_int_equal(member_int(data, "jobId"), 42);
	assert_string_equal(member_str(data, "name"), "caf\xc3\xa9 \"quoted\"\n");
	assert_true(YAJL_IS_TRUE(member(data, "active")));
	assert_true(YAJL_IS_NULL(member(data, "group")));
	v = yajl_tree_get(data, list, yajl_t_array);
	assert_non_null(v);
	assert_int_equal(v->u.array.len, 2);
	yajl_tree_free(root);
	assert_int_equal(c.code, 0);
}

static void
test_success_scalar_data(void **state)
{
	struct api_call c;
	yajl_val root;

	(void)state;
	call_init(&c, &api_strict); /* strict or not, success is 200 */
	begin_success(&c);
	json_int(c.g, 1700000000);
	assert_int_equal(finish(&c, &root), 200);
	assert_keys(root, 3, "status", "code", "data");
	assert_int_equal(member_int(root, "data"), 1700000000);
	yajl_tree_free(root);

	call_init(&c, &api_plain);
	begin_success(&c);
	yajl_gen_array_open(c.g);
	yajl_gen_array_close(c.g);
	assert_int_equal(finish(&c, &root), 200);
	assert_true(YAJL_IS_ARRAY(member(root, "data")));
	assert_int_equal(member(root, "data")->u.array.len, 0);
	yajl_tree_free(root);
}

/* ---- errors */

static void
test_error_envelope(void **state)
{
	struct api_call c;
	yajl_val root;

	(void)state;
	/* with a field: the handler had begun its answer, which is dropped */
	call_init(&c, &api_plain);
	begin_success(&c);
	yajl_gen_map_open(c.g);
	json_kint(c.g, "partial", 1);
	assert_int_equal(call_error(&c, API_SCHEDULE, "minute", "minute: %d is out of range 0-59", 61), -1);
	assert_int_equal(finish(&c, &root), 200);
	assert_error_envelope(root, 23, "minute: 61 is out of range 0-59", "minute");
	yajl_tree_free(root);

	/* without a field */
	call_init(&c, &api_plain);
	begin_success(&c);
	assert_int_equal(call_error(&c, API_NOT_FOUND, NULL, "job not found"), -1);
	assert_int_equal(finish(&c, &root), 200);
	assert_error_envelope(root, 30, "job not found", NULL);
	yajl_tree_free(root);

	/* an empty field is no field */
	call_init(&c, &api_plain);
	begin_success(&c);
	call_error(&c, API_LIMIT, "", "the job limit (%d) is reached", 100);
	assert_int_equal(finish(&c, &root), 200);
	assert_error_envelope(root, 40, "the job limit (100) is reached", NULL);
	yajl_tree_free(root);

	/* an error before any handler ran (no generator yet) */
	call_init(&c, &api_plain);
	call_error(&c, API_BAD_TOKEN, "token", "Invalid API token, user not found.");
	assert_int_equal(finish(&c, &root), 200);
	assert_error_envelope(root, 11, "Invalid API token, user not found.", "token");
	yajl_tree_free(root);
}

static void
test_error_text_is_escaped(void **state)
{
	struct api_call c;
	yajl_val root;

	(void)state;
	/* quotes, control characters and bytes that are not UTF-8 (say,
	 * echoed from a client) still give a valid document */
	call_init(&c, &api_plain);
	begin_success(&c);
	call_error(&c, API_INVALID, "name", "\"%s\" is not allowed\n\t", "a\\b\x01");
	assert_int_equal(finish(&c, &root), 200);
	assert_error_envelope(root, 22, "\"a\\b\x01\" is not allowed\n\t", "name");
	yajl_tree_free(root);

	call_init(&c, &api_plain);
	call_error(&c, API_INVALID, "name", "bad value \xff\xfe!");
	assert_int_equal(finish(&c, &root), 200);
	assert_error_envelope(root, 22, NULL, "name");
	assert_non_null(strstr(member_str(root, "message"), "bad value "));
	yajl_tree_free(root);
}

static void
test_first_error_wins(void **state)
{
	struct api_call c;
	yajl_val root;

	(void)state;
	call_init(&c, &api_plain);
	begin_success(&c);
	assert_int_equal(call_error(&c, API_INVALID, "minute", "minute must be a number"), -1);
	assert_int_equal(call_error(&c, API_NOT_FOUND, "jobId", "job not found"), -1);
	assert_int_equal(call_error(&c, API_INTERNAL, NULL, "internal error"), -1);
	assert_int_equal(finish(&c, &root), 200);
	assert_error_envelope(root, 22, "minute must be a number", "minute");
	yajl_tree_free(root);

	/* in strict mode, the status is the first error's too */
	call_init(&c, &api_strict);
	call_error(&c, API_MISSING, "url", "url is required");
	call_error(&c, API_NOT_FOUND, NULL, "job not found");
	assert_int_equal(finish(&c, &root), 400);
	assert_error_envelope(root, 21, "url is required", "url");
	yajl_tree_free(root);
}

static void
test_first_error_keeps_its_status(void **state)
{
	struct api_call c;
	yajl_val root;

	(void)state;
	/* a storage error after the first error changes neither the code nor
	 * the HTTP status: a client must not see 507 with code 22 */
	call_init(&c, &api_plain);
	begin_success(&c);
	call_error(&c, API_INVALID, "minute", "minute must be a number");
	assert_int_equal(call_store_error(&c, STORE_FULL, "job"), -1);
	assert_int_equal(finish(&c, &root), 200);
	assert_error_envelope(root, 22, "minute must be a number", "minute");
	yajl_tree_free(root);

	call_init(&c, &api_strict);
	call_error(&c, API_NOT_FOUND, NULL, "job not found");
	call_store_error(&c, STORE_FAILED, "job");
	assert_int_equal(finish(&c, &root), 404);
	assert_error_envelope(root, 30, "job not found", NULL);
	yajl_tree_free(root);
}

static void
test_broken_handler_answer(void **state)
{
	struct api_call c;
	yajl_val root;

	(void)state;
	/* a handler that wrote no value: the client gets the
	 * internal error, not a document that is not JSON */
	call_init(&c, &api_plain);
	begin_success(&c);
	assert_int_equal(finish(&c, &root), 500);
	assert_error_envelope(root, API_INTERNAL, NULL, NULL);
	yajl_tree_free(root);

	/* one that left an array open */
	call_init(&c, &api_plain);
	begin_success(&c);
	yajl_gen_array_open(c.g);
	json_int(c.g, 1);
	assert_int_equal(finish(&c, &root), 500);
	assert_error_envelope(root, API_INTERNAL, NULL, NULL);
	yajl_tree_free(root);
}

/* ---- HTTP statuses */

static const int all_codes[] = { 1, 2, 10, 11, 12, 13, 20, 21, 22, 23, 24, 25, 30, 31, 40, 41, 50 };

static int
status_of(struct api *api, int code, int http_status, int malformed)
{
	struct api_call c;
	yajl_val root;
	int http;

	call_init(&c, api);
	begin_success(&c);
	c.http_status = http_status;
	c.strict_malformed = malformed;
	call_error(&c, code, NULL, "message");
	http = finish(&c, &root);
	assert_int_equal(member_int(root, "code"), code);
	yajl_tree_free(root);
	return http;
}

static void
test_http_status_default(void **state)
{
	size_t i;

	(void)state;
	/* SetCronJob's clients expect 200 for every envelope ... */
	for (i = 0; i < sizeof(all_codes) / sizeof(all_codes[0]); i++) {
		int want = all_codes[i] == API_INTERNAL ? 500 : 200;
		int got = status_of(&api_plain, all_codes[i], 0, 0);

		if (got != want)
			fail_msg("code %d: HTTP %d, want %d", all_codes[i], got, want);
	}
	/* ... a malformed body does not change that outside strict mode ... */
	assert_int_equal(status_of(&api_plain, API_INVALID, 0, 1), 200);
	/* ... except the rate limit, 413 and storage, which set their own */
	assert_int_equal(status_of(&api_plain, API_RATE, 503, 0), 503);
	assert_int_equal(status_of(&api_plain, API_INVALID, 413, 0), 413);
	assert_int_equal(status_of(&api_strict, API_RATE, 503, 0), 503);
	assert_int_equal(status_of(&api_strict, API_INVALID, 413, 1), 413);
}

static void
test_http_status_strict(void **state)
{
	static const struct {
		int code;
		int http;
	} map[] = {
		{ 1, 500 },
		{ 10, 401 },
		{ 11, 401 },
		{ 12, 403 },
		{ 13, 403 },
		{ 20, 404 },
		{ 21, 400 },
		{ 22, 422 },
		{ 23, 422 },
		{ 24, 422 },
		{ 25, 422 },
		{ 30, 404 },
		{ 31, 409 },
		{ 40, 409 },
		{ 41, 409 },
		{ 50, 503 },
	};
	size_t i;

	(void)state;
	assert_int_equal(cfg_strict.strict_http_status, 1);
	assert_int_equal(cfg_plain.strict_http_status, 0);
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		int got = status_of(&api_strict, map[i].code, 0, 0);

		if (got != map[i].http)
			fail_msg("strict, code %d: HTTP %d, want %d", map[i].code, got, map[i].http);
		if (map[i].code != 1)
			assert_int_equal(call_strict_status(map[i].code), map[i].http);
	}
	/* a body that is not JSON or a form at all is a bad request */
	assert_int_equal(status_of(&api_strict, API_INVALID, 0, 1), 400);
	/* strict_malformed is about code 22 only */
	assert_int_equal(status_of(&api_strict, API_NOT_FOUND, 0, 1), 404);
}

static void
test_store_errors(void **state)
{
	struct api_call c;
	yajl_val root;

	(void)state;
	call_init(&c, &api_plain);
	begin_success(&c);
	assert_int_equal(call_store_error(&c, STORE_FULL, "job"), -1);
	assert_int_equal(finish(&c, &root), 507);
	assert_error_envelope(root, API_STORAGE, NULL, NULL);
	yajl_tree_free(root);

	call_init(&c, &api_strict);
	begin_success(&c);
	call_store_error(&c, STORE_FULL, "job");
	assert_int_equal(finish(&c, &root), 507);
	assert_int_equal(member_int(root, "code"), 2);
	yajl_tree_free(root);

	call_init(&c, &api_plain);
	begin_success(&c);
	assert_int_equal(call_store_error(&c, STORE_FAILED, "job"), -1);
	assert_int_equal(finish(&c, &root), 500);
	assert_error_envelope(root, API_STORAGE, NULL, NULL);
	yajl_tree_free(root);

	call_init(&c, &api_plain);
	begin_success(&c);
	assert_int_equal(call_store_error(&c, STORE_NOTFOUND, "job"), -1);
	assert_int_equal(finish(&c, &root), 200);
	assert_error_envelope(root, API_NOT_FOUND, NULL, NULL);
	assert_non_null(strstr(member_str(root, "message"), "job"));
	assert_non_null(strstr(member_str(root, "message"), "not found"));
	yajl_tree_free(root);

	call_init(&c, &api_strict);
	call_store_error(&c, STORE_NOTFOUND, "group");
	assert_int_equal(finish(&c, &root), 404);
	assert_error_envelope(root, API_NOT_FOUND, NULL, NULL);
	yajl_tree_free(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_success_envelope),
		cmocka_unit_test(test_success_scalar_data),
		cmocka_unit_test(test_error_envelope),
		cmocka_unit_test(test_error_text_is_escaped),
		cmocka_unit_test(test_first_error_wins),
		cmocka_unit_test(test_first_error_keeps_its_status),
		cmocka_unit_test(test_broken_handler_answer),
		cmocka_unit_test(test_http_status_default),
		cmocka_unit_test(test_http_status_strict),
		cmocka_unit_test(test_store_errors),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
