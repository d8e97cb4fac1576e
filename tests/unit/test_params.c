/*
 * Unit tests of params.c: name folding and aliases, query strings, form
 * and JSON bodies, which source wins, the three spellings of an array, and
 * the refusals (broken or hostile JSON, multipart, too many names).
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

#include "api/params.h"

/* Parses one request into PS (zeroed here) and returns params_parse's
 * result; ERR is always filled in. */
static int
parse(struct params *ps, const char *query, const char *body, const char *ctype,
    struct params_error *err)
{
	memset(ps, 0, sizeof(*ps));
	return params_parse(ps, query, body, body ? strlen(body) : 0, ctype, err);
}

/* The parameter NAME (folded), which must be there. */
static const struct param *
need(const struct params *ps, const char *name)
{
	const struct param *p = params_get(ps, name);

	if (p == NULL)
		fail_msg("parameter \"%s\" is missing", name);
	return p;
}

/* NAME must be a single string VALUE from SOURCE. */
static void
assert_str_param(const struct params *ps, const char *name, const char *value,
    enum param_source source)
{
	const struct param *p = need(ps, name);

	assert_int_equal(p->kind, PARAM_STR);
	assert_non_null(p->str);
	assert_string_equal(p->str, value);
	assert_int_equal(p->source, source);
}

/* P's values through params_list must be exactly the N strings WANT. */
static void
assert_list(const struct param *p, const char *const *want, size_t n)
{
	char **items;
	size_t got, i;

	assert_int_equal(params_list(p, &items, &got), 0);
	assert_int_equal(got, n);
	for (i = 0; i < n; i++)
		assert_string_equal(items[i], want[i]);
	params_list_free(items, got);
}

static void
assert_fold(const char *name, const char *want)
{
	char out[PARAMS_NAME_MAX + 1];

	if (params_fold(name, strlen(name), out) != 0)
		fail_msg("params_fold(\"%s\") refused it", name);
	assert_string_equal(out, want);
}

static void
assert_fold_refused(const char *name, size_t len)
{
	char out[PARAMS_NAME_MAX + 1];

	if (params_fold(name, len, out) != -1)
		fail_msg("params_fold(\"%.*s\") accepted it as \"%s\"", (int)len, name, out);
}

/* ---- names */

static void
test_fold_case_and_underscores(void **state)
{
	(void)state;
	assert_fold("http_method", "httpmethod");
	assert_fold("httpMethod", "httpmethod");
	assert_fold("HTTPMETHOD", "httpmethod");
	assert_fold("_http__method_", "httpmethod");
	assert_fold("notifyUrl", "notifyurl");
	assert_fold("x-y.z", "x-y.z");
	/* only LEN bytes are read */
	{
		char out[PARAMS_NAME_MAX + 1];

		assert_int_equal(params_fold("abcdef", 3, out), 0);
		assert_string_equal(out, "abc");
	}
}

static void
test_fold_array_suffixes(void **state)
{
	(void)state;
	assert_fold("minute[]", "minute");
	assert_fold("minute[3]", "minute");
	assert_fold("Minute[12]", "minute");
	assert_fold("day_of_month[]", "dayofmonth");
	/* a bracket that is not PHP's array syntax is no name of ours */
	assert_fold_refused("minute[x]", 9);
	assert_fold_refused("minute[", 7);
	assert_fold_refused("min[1]ute", 9);
}

static void
test_fold_refuses_odd_names(void **state)
{
	char name[PARAMS_NAME_MAX + 40], out[PARAMS_NAME_MAX + 1];

	(void)state;
	assert_fold_refused("", 0);
	assert_fold_refused("___", 3);
	assert_fold_refused("[]", 2);
	assert_fold_refused("[3]", 3);
	assert_fold_refused("a b", 3);
	assert_fold_refused("a=b", 3);
	assert_fold_refused("a\"b", 3);
	assert_fold_refused("caf\xc3\xa9", 5);
	assert_fold_refused("a\0b", 3);

	/* PARAMS_NAME_MAX folded bytes are fine, one more is not */
	memset(name, 'a', PARAMS_NAME_MAX);
	assert_int_equal(params_fold(name, PARAMS_NAME_MAX, out), 0);
	assert_int_equal(strlen(out), PARAMS_NAME_MAX);
	memset(name, 'a', PARAMS_NAME_MAX + 1);
	assert_fold_refused(name, PARAMS_NAME_MAX + 1);
	/* underscores do not count: they are not part of the folded name */
	memset(name, 'a', PARAMS_NAME_MAX);
	memset(name + PARAMS_NAME_MAX, '_', 10);
	assert_int_equal(params_fold(name, PARAMS_NAME_MAX + 10, out), 0);
	assert_int_equal(strlen(out), PARAMS_NAME_MAX);
}

static void
test_odd_names_are_ignored(void **state)
{
	struct params ps;
	struct params_error err;

	(void)state;
	assert_int_equal(parse(&ps, "bad$name=1&a%20b=2&=3&good=4", NULL, NULL, &err), 0);
	assert_int_equal(ps.n, 1);
	assert_str_param(&ps, "good", "4", PARAM_QUERY);
	params_free(&ps);
}

static void
test_given_name_is_kept(void **state)
{
	struct params ps;
	struct params_error err;
	const struct param *p;

	(void)state;
	assert_int_equal(parse(&ps, "HTTP_Method=GET", NULL, NULL, &err), 0);
	p = need(&ps, "httpmethod");
	assert_string_equal(p->given, "HTTP_Method");
	assert_string_equal(p->str, "GET");
	/* the three spellings of SPEC 3.1 are one name */
	params_free(&ps);
	assert_int_equal(parse(&ps, "http_method=A&httpMethod=B&httpmethod=C", NULL, NULL, &err), 0);
	assert_int_equal(ps.n, 1);
	p = need(&ps, "httpmethod");
	assert_int_equal(p->kind, PARAM_LIST);
	assert_int_equal(p->nitems, 3);
	params_free(&ps);
}

/* ---- aliases */

static void
test_aliases(void **state)
{
	struct params ps;
	struct params_error err;

	(void)state;
	assert_int_equal(parse(&ps, "day_of_month=5&dayOfWeek=1&cron_expression=*/5+*+*+*+*",
	                     NULL, NULL, &err),
	    0);
	assert_str_param(&ps, "day", "5", PARAM_QUERY);
	assert_str_param(&ps, "weekday", "1", PARAM_QUERY);
	assert_str_param(&ps, "expression", "*/5 * * * *", PARAM_QUERY);
	assert_null(params_get(&ps, "dayofmonth"));
	assert_null(params_get(&ps, "dayofweek"));
	assert_null(params_get(&ps, "cronexpression"));
	/* messages still use the client's spelling */
	assert_string_equal(need(&ps, "day")->given, "day_of_month");
	params_free(&ps);

	assert_int_equal(parse(&ps, NULL, "{\"day_of_week\":[1,2],\"cron_expression\":\"@daily\"}",
	                     "application/json", &err),
	    0);
	assert_int_equal(need(&ps, "weekday")->kind, PARAM_LIST);
	assert_str_param(&ps, "expression", "@daily", PARAM_BODY_JSON);
	params_free(&ps);
}

static void
test_alias_status_booleans(void **state)
{
	static const struct {
		const char *query;
		const char *status;
	} cases[] = {
		{ "is_active=true", "0" },
		{ "is_active=false", "1" },
		{ "isActive=TRUE", "0" },
		{ "enabled=true", "0" },
		{ "enabled=false", "1" },
		{ "enabled=1", "0" },
		{ "enabled=0", "1" },
		{ "enabled=yes", "0" },
		{ "enabled=off", "1" },
	};
	static const struct {
		const char *body;
		const char *status;
	} json[] = {
		{ "{\"enabled\":true}", "0" },
		{ "{\"enabled\":false}", "1" },
		{ "{\"is_active\":true}", "0" },
		{ "{\"isActive\":false}", "1" },
		{ "{\"isActive\":\"false\"}", "1" },
		{ "{\"enabled\":\"true\"}", "0" },
		{ "{\"enabled\":1}", "0" },
		{ "{\"enabled\":0}", "1" },
	};
	struct params ps;
	struct params_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (parse(&ps, cases[i].query, NULL, NULL, &err) != 0)
			fail_msg("%s: refused: %s", cases[i].query, err.message);
		assert_str_param(&ps, "status", cases[i].status, PARAM_QUERY);
		assert_null(params_get(&ps, "enabled"));
		assert_null(params_get(&ps, "isactive"));
		params_free(&ps);
	}
	for (i = 0; i < sizeof(json) / sizeof(json[0]); i++) {
		if (parse(&ps, NULL, json[i].body, "application/json", &err) != 0)
			fail_msg("%s: refused: %s", json[i].body, err.message);
		assert_str_param(&ps, "status", json[i].status, PARAM_BODY_JSON);
		params_free(&ps);
	}
}

static void
test_alias_status_not_boolean(void **state)
{
	static const struct {
		const char *query;
		const char *body;
		const char *field;
	} cases[] = {
		{ "is_active=maybe", NULL, "is_active" },
		{ "enabled=", NULL, "enabled" },
		{ "Enabled=2", NULL, "Enabled" },
		{ NULL, "{\"enabled\":\"maybe\"}", "enabled" },
		{ NULL, "{\"isActive\":7}", "isActive" },
		{ NULL, "{\"enabled\":null}", "enabled" },
		{ NULL, "{\"enabled\":[true]}", "enabled" },
		{ NULL, "{\"enabled\":{\"a\":1}}", "enabled" },
	};
	struct params ps;
	struct params_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *what = cases[i].query ? cases[i].query : cases[i].body;

		if (parse(&ps, cases[i].query, cases[i].body, NULL, &err) != -1)
			fail_msg("%s: accepted", what);
		assert_string_equal(err.field, cases[i].field);
		if (strstr(err.message, cases[i].field) == NULL)
			fail_msg("%s: the message \"%s\" does not name %s", what, err.message,
			    cases[i].field);
		params_free(&ps);
	}
}

/* ---- query strings and form bodies */

static void
test_query_decoding(void **state)
{
	struct params ps;
	struct params_error err;

	(void)state;
	assert_int_equal(parse(&ps, "a=x+y&b=%41%42c&c=100%&d=%zz&e=%4&f=50%25&g&h=&%6e%61me=v&"
	                            "i=a%3Db%26c&&",
	                     NULL, NULL, &err),
	    0);
	assert_str_param(&ps, "a", "x y", PARAM_QUERY);
	assert_str_param(&ps, "b", "ABc", PARAM_QUERY);
	assert_str_param(&ps, "c", "100%", PARAM_QUERY);
	assert_str_param(&ps, "d", "%zz", PARAM_QUERY);
	assert_str_param(&ps, "e", "%4", PARAM_QUERY);
	assert_str_param(&ps, "f", "50%", PARAM_QUERY);
	assert_str_param(&ps, "g", "", PARAM_QUERY);
	assert_str_param(&ps, "h", "", PARAM_QUERY);
	assert_str_param(&ps, "name", "v", PARAM_QUERY);
	assert_str_param(&ps, "i", "a=b&c", PARAM_QUERY);
	assert_int_equal(ps.n, 10);
	params_free(&ps);

	/* UTF-8 survives decoding */
	assert_int_equal(parse(&ps, "t=caf%C3%A9", NULL, NULL, &err), 0);
	assert_str_param(&ps, "t", "caf\xc3\xa9", PARAM_QUERY);
	params_free(&ps);
}

static void
test_query_invalid_utf8(void **state)
{
	static const char *bad[] = {
		"name=%ff",
		"name=abc%C3",    /* truncated sequence */
		"name=%C0%AF",    /* overlong */
		"name=%ED%A0%80", /* surrogate */
		"name=a%00b",     /* NUL */
	};
	struct params ps;
	struct params_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(&ps, bad[i], NULL, NULL, &err) != -1)
			fail_msg("%s: accepted", bad[i]);
		assert_string_equal(err.field, "name");
		if (strstr(err.message, "UTF-8") == NULL)
			fail_msg("%s: message \"%s\"", bad[i], err.message);
		params_free(&ps);
	}
	/* the same in a form body */
	assert_int_equal(parse(&ps, NULL, "ok=1&name=%ff", "application/x-www-form-urlencoded",
	                     &err),
	    -1);
	assert_string_equal(err.field, "name");
	params_free(&ps);
}

static void
test_form_body(void **state)
{
	struct params ps;
	struct params_error err;

	(void)state;
	assert_int_equal(parse(&ps, NULL, "url=https%3A%2F%2Fexample.com%2F%3Fq%3D1&title=two+words",
	                     "application/x-www-form-urlencoded; charset=UTF-8", &err),
	    0);
	assert_str_param(&ps, "url", "https://example.com/?q=1", PARAM_FORM);
	assert_str_param(&ps, "title", "two words", PARAM_FORM);
	params_free(&ps);

	/* no Content-Type: a body that does not look like JSON is a form */
	assert_int_equal(parse(&ps, NULL, "a=1&a=2", NULL, &err), 0);
	assert_int_equal(need(&ps, "a")->kind, PARAM_LIST);
	assert_int_equal(need(&ps, "a")->source, PARAM_FORM);
	params_free(&ps);

	/* an empty or blank body adds nothing */
	assert_int_equal(parse(&ps, "q=1", " \r\n", "application/json", &err), 0);
	assert_int_equal(ps.n, 1);
	params_free(&ps);
}

/* ---- JSON bodies */

static void
test_json_scalars(void **state)
{
	struct params ps;
	struct params_error err;

	(void)state;
	assert_int_equal(parse(&ps, NULL, "{\"s\":\"text\",\"i\":42,\"neg\":-7,\"f\":-1.50e3,"
	                                  "\"t\":true,\"no\":false,\"u\":\"caf\\u00e9\",\"esc\":\"a\\\"b\\\\c\\/\"}",
	                     "application/json", &err),
	    0);
	assert_str_param(&ps, "s", "text", PARAM_BODY_JSON);
	assert_str_param(&ps, "i", "42", PARAM_BODY_JSON);
	assert_str_param(&ps, "neg", "-7", PARAM_BODY_JSON);
	assert_str_param(&ps, "f", "-1.50e3", PARAM_BODY_JSON); /* the number as written */
	assert_str_param(&ps, "t", "true", PARAM_BODY_JSON);
	assert_str_param(&ps, "no", "false", PARAM_BODY_JSON);
	assert_str_param(&ps, "u", "caf\xc3\xa9", PARAM_BODY_JSON);
	assert_str_param(&ps, "esc", "a\"b\\c/", PARAM_BODY_JSON);
	assert_int_equal(ps.n, 8);
	params_free(&ps);
}

static void
test_json_null(void **state)
{
	struct params ps;
	struct params_error err;
	const struct param *p;
	char **items;
	size_t n;

	(void)state;
	assert_int_equal(parse(&ps, NULL, "{\"n\":null,\"s\":\"x\"}", "application/json", &err), 0);
	p = need(&ps, "n");
	assert_int_equal(p->kind, PARAM_NULL);
	assert_int_equal(p->source, PARAM_BODY_JSON);
	assert_int_equal(params_list(p, &items, &n), -1);
	assert_str_param(&ps, "s", "x", PARAM_BODY_JSON);
	params_free(&ps);

	/* JSON null still beats the query */
	assert_int_equal(parse(&ps, "n=query", "{\"n\":null}", NULL, &err), 0);
	assert_int_equal(need(&ps, "n")->kind, PARAM_NULL);
	params_free(&ps);
}

static void
test_json_array_of_scalars(void **state)
{
	static const char *const want[] = { "1", "two", "true", "-2.5" };
	struct params ps;
	struct params_error err;
	const struct param *p;
	size_t i;

	(void)state;
	assert_int_equal(parse(&ps, NULL, "{\"minute\":[1,\"two\",true,-2.5],\"empty\":[]}",
	                     "application/json", &err),
	    0);
	p = need(&ps, "minute");
	assert_int_equal(p->kind, PARAM_LIST);
	assert_int_equal(p->nitems, 4);
	for (i = 0; i < 4; i++)
		assert_string_equal(p->items[i], want[i]);
	assert_string_equal(p->str, "-2.5");
	assert_non_null(p->json);
	assert_string_equal(p->json, "[1,\"two\",true,-2.5]");
	p = need(&ps, "empty");
	assert_int_equal(p->kind, PARAM_LIST);
	assert_int_equal(p->nitems, 0);
	assert_string_equal(p->json, "[]");
	assert_list(p, NULL, 0);
	params_free(&ps);
}

static void
test_json_containers(void **state)
{
	struct params ps;
	struct params_error err;
	const struct param *p;
	char **items;
	size_t n;

	(void)state;
	assert_int_equal(parse(&ps, NULL,
	                     "{\"headers\":{\"X-A\":\"1\",\"b\":[1,{\"c\":null}]},"
	                     "\"tasks\":[{\"action\":\"backup\"},{\"action\":\"http\",\"timeOffset\":5}],"
	                     "\"grid\":[[1,2],[3]],\"mixed\":[1,{\"x\":false}]}",
	                     "application/json", &err),
	    0);
	p = need(&ps, "headers");
	assert_int_equal(p->kind, PARAM_JSON);
	assert_string_equal(p->json, "{\"X-A\":\"1\",\"b\":[1,{\"c\":null}]}");
	p = need(&ps, "tasks");
	assert_int_equal(p->kind, PARAM_JSON);
	assert_string_equal(p->json,
	    "[{\"action\":\"backup\"},{\"action\":\"http\",\"timeOffset\":5}]");
	p = need(&ps, "grid");
	assert_int_equal(p->kind, PARAM_JSON);
	assert_string_equal(p->json, "[[1,2],[3]]");
	p = need(&ps, "mixed");
	assert_int_equal(p->kind, PARAM_JSON);
	assert_string_equal(p->json, "[1,{\"x\":false}]");
	/* a container is not a list of values */
	assert_int_equal(params_list(p, &items, &n), -1);
	/* members after a container are still read at the top level */
	params_free(&ps);
	assert_int_equal(parse(&ps, NULL, "{\"o\":{\"k\":\"inner\"},\"k\":\"outer\"}", NULL, &err), 0);
	assert_str_param(&ps, "k", "outer", PARAM_BODY_JSON);
	assert_int_equal(ps.n, 2);
	params_free(&ps);
}

/* ---- which value wins */

static void
test_json_beats_query(void **state)
{
	struct params ps;
	struct params_error err;

	(void)state;
	assert_int_equal(parse(&ps, "a=query&b=query&c=1&c=2", "{\"A\":\"json\",\"c\":[\"j\"]}",
	                     "application/json", &err),
	    0);
	assert_str_param(&ps, "a", "json", PARAM_BODY_JSON);
	assert_str_param(&ps, "b", "query", PARAM_QUERY);
	assert_int_equal(need(&ps, "c")->kind, PARAM_LIST);
	assert_int_equal(need(&ps, "c")->nitems, 1);
	assert_string_equal(need(&ps, "c")->items[0], "j");
	assert_int_equal(need(&ps, "c")->source, PARAM_BODY_JSON);
	params_free(&ps);
}

static void
test_form_beats_query(void **state)
{
	struct params ps;
	struct params_error err;

	(void)state;
	assert_int_equal(parse(&ps, "a=query&b=query&l=1&l=2", "a=form&l=3",
	                     "application/x-www-form-urlencoded", &err),
	    0);
	assert_str_param(&ps, "a", "form", PARAM_FORM);
	assert_str_param(&ps, "b", "query", PARAM_QUERY);
	/* the form's single value replaces the query's list */
	assert_str_param(&ps, "l", "3", PARAM_FORM);
	params_free(&ps);
}

static void
test_query_repeat_is_list(void **state)
{
	static const char *const want[] = { "1", "2", "3" };
	struct params ps;
	struct params_error err;
	const struct param *p;

	(void)state;
	assert_int_equal(parse(&ps, "a=1&a=2&A=3", NULL, NULL, &err), 0);
	p = need(&ps, "a");
	assert_int_equal(p->kind, PARAM_LIST);
	assert_int_equal(p->nitems, 3);
	assert_string_equal(p->str, "3");
	assert_list(p, want, 3);
	params_free(&ps);
}

static void
test_json_last_duplicate_wins(void **state)
{
	struct params ps;
	struct params_error err;

	(void)state;
	assert_int_equal(parse(&ps, NULL, "{\"a\":\"1\",\"a\":\"2\",\"b\":[1,2],\"B\":\"x\","
	                                  "\"c\":\"x\",\"c\":{\"o\":1}}",
	                     NULL, &err),
	    0);
	assert_str_param(&ps, "a", "2", PARAM_BODY_JSON);
	assert_str_param(&ps, "b", "x", PARAM_BODY_JSON);
	assert_int_equal(need(&ps, "c")->kind, PARAM_JSON);
	assert_string_equal(need(&ps, "c")->json, "{\"o\":1}");
	params_free(&ps);
}

/* ---- arrays */

static void
test_arrays_three_ways(void **state)
{
	static const char *const want[] = { "1", "2" };
	static const char *const want3[] = { "1", "2", "3" };
	static const char *const one[] = { "5" };
	struct params ps;
	struct params_error err;
	const struct param *p;
	char **items;
	size_t n;

	(void)state;
	assert_int_equal(parse(&ps, NULL, "{\"minute\":[1,2]}", "application/json", &err), 0);
	assert_list(need(&ps, "minute"), want, 2);
	params_free(&ps);

	assert_int_equal(parse(&ps, "minute[]=1&minute[]=2", NULL, NULL, &err), 0);
	assert_list(need(&ps, "minute"), want, 2);
	params_free(&ps);

	assert_int_equal(parse(&ps, "minute%5B%5D=1&minute%5B%5D=2", NULL, NULL, &err), 0);
	assert_list(need(&ps, "minute"), want, 2);
	params_free(&ps);

	assert_int_equal(parse(&ps, "minute[0]=1&minute[1]=2", NULL, NULL, &err), 0);
	assert_list(need(&ps, "minute"), want, 2);
	params_free(&ps);

	assert_int_equal(parse(&ps, "minute=1,2,+3", NULL, NULL, &err), 0);
	p = need(&ps, "minute");
	assert_int_equal(p->kind, PARAM_STR);
	assert_string_equal(p->str, "1,2, 3");
	assert_list(p, want3, 3);
	params_free(&ps);

	/* blanks and empty items are dropped */
	assert_int_equal(parse(&ps, "minute=,1,,+2+,+", NULL, NULL, &err), 0);
	assert_list(need(&ps, "minute"), want, 2);
	params_free(&ps);

	/* "name[]" given once is still a list of one */
	assert_int_equal(parse(&ps, "minute[]=5", NULL, NULL, &err), 0);
	assert_int_equal(need(&ps, "minute")->kind, PARAM_LIST);
	assert_list(need(&ps, "minute"), one, 1);
	params_free(&ps);

	/* a JSON string with commas is split like a query's */
	assert_int_equal(parse(&ps, NULL, "{\"minute\":\"1, 2\"}", NULL, &err), 0);
	assert_list(need(&ps, "minute"), want, 2);
	params_free(&ps);

	/* an object is no list */
	assert_int_equal(parse(&ps, NULL, "{\"o\":{}}", NULL, &err), 0);
	assert_int_equal(params_list(need(&ps, "o"), &items, &n), -1);
	params_free(&ps);
}

/* ---- body sniffing */

static void
test_body_sniffing(void **state)
{
	static const char *ctypes[] = {
		"application/x-www-form-urlencoded",
		"text/plain",
		NULL,
		"application/json",
		"application/vnd.api+json",
	};
	struct params ps;
	struct params_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ctypes) / sizeof(ctypes[0]); i++) {
		if (parse(&ps, NULL, " \n{\"a\":\"1\",\"b=c\":\"d\"}", ctypes[i], &err) != 0)
			fail_msg("Content-Type %s: %s", ctypes[i] ? ctypes[i] : "(none)", err.message);
		assert_str_param(&ps, "a", "1", PARAM_BODY_JSON);
		assert_null(params_get(&ps, "b"));
		params_free(&ps);
	}
	/* a JSON Content-Type with a body that is not JSON is an error, not a form */
	assert_int_equal(parse(&ps, NULL, "a=1", "application/json", &err), -1);
	assert_true(err.malformed);
	params_free(&ps);
}

static void
test_multipart_refused(void **state)
{
	struct params ps;
	struct params_error err;

	(void)state;
	assert_int_equal(parse(&ps, "a=1", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--\r\n",
	                     "multipart/form-data; boundary=x", &err),
	    -1);
	assert_non_null(strstr(err.message, "multipart"));
	assert_true(err.malformed);
	params_free(&ps);
}

/* ---- hostile and broken JSON */

static void
test_broken_json(void **state)
{
	static const char *bad[] = {
		"{\"a\":",
		"{\"a\":1",
		"{\"a\" 1}",
		"{'a':1}",
		"{\"a\":1,}",
		"{\"a\":tru}",
		"{\"a\":1}x",
		"{\"a\":1}{\"b\":2}",
		"{\"a\":\"\xff\"}",
		"{\"a\":01}",
	};
	struct params ps;
	struct params_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(&ps, NULL, bad[i], "application/json", &err) != -1)
			fail_msg("%s: accepted", bad[i]);
		if (strstr(err.message, "JSON") == NULL)
			fail_msg("%s: the message \"%s\" does not mention JSON", bad[i], err.message);
		assert_int_equal(err.malformed, 1);
		assert_null(strchr(err.message, '\n'));
		params_free(&ps);
	}
}

static void
test_json_top_level_not_object(void **state)
{
	static const char *bad[] = { "[1,2]", "[]", "42", "\"text\"", "true", "null" };
	struct params ps;
	struct params_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(&ps, NULL, bad[i], "application/json", &err) != -1)
			fail_msg("body %s with Content-Type application/json: accepted", bad[i]);
		assert_int_equal(err.malformed, 1);
		assert_non_null(strstr(err.message, "JSON"));
		params_free(&ps);

		memset(&ps, 0, sizeof(ps));
		memset(&err, 0, sizeof(err));
		if (params_add_json(&ps, bad[i], strlen(bad[i]), &err) != -1)
			fail_msg("params_add_json(%s): accepted", bad[i]);
		params_free(&ps);
	}
}

/* {"a": followed by LEVELS - 1 arrays: a body nested LEVELS deep. */
static char *
nested(size_t levels)
{
	size_t i, len = 5 + 2 * levels + 8;
	char *s = malloc(len), *p = s;

	assert_non_null(s);
	p += sprintf(p, "{\"a\":");
	for (i = 1; i < levels; i++)
		*p++ = '[';
	*p++ = '1';
	for (i = 1; i < levels; i++)
		*p++ = ']';
	*p++ = '}';
	*p = '\0';
	return s;
}

static void
test_json_depth_limit(void **state)
{
	struct params ps;
	struct params_error err;
	char *s;

	(void)state;
	s = nested(PARAMS_JSON_DEPTH);
	if (parse(&ps, NULL, s, "application/json", &err) != 0)
		fail_msg("%d levels refused: %s", PARAMS_JSON_DEPTH, err.message);
	assert_int_equal(need(&ps, "a")->kind, PARAM_JSON);
	params_free(&ps);
	free(s);

	s = nested(PARAMS_JSON_DEPTH + 1);
	assert_int_equal(parse(&ps, NULL, s, "application/json", &err), -1);
	assert_int_equal(err.malformed, 1);
	assert_non_null(strstr(err.message, "JSON"));
	params_free(&ps);
	free(s);
}

static void
test_json_very_deep(void **state)
{
	size_t n = 100000;
	char *s = malloc(n + 8);
	struct params ps;
	struct params_error err;

	(void)state;
	assert_non_null(s);
	/* inside an object */
	memcpy(s, "{\"a\":", 5);
	memset(s + 5, '[', n);
	s[n + 5] = '\0';
	assert_int_equal(parse(&ps, NULL, s, "application/json", &err), -1);
	assert_int_equal(err.malformed, 1);
	params_free(&ps);
	/* and at the top, found by sniffing */
	memset(s, '[', n);
	s[n] = '\0';
	assert_int_equal(parse(&ps, NULL, s, NULL, &err), -1);
	params_free(&ps);
	/* objects, too */
	for (size_t i = 0; i + 5 <= n; i += 5)
		memcpy(s + i, "{\"a\":", 5);
	s[n - n % 5] = '\0';
	assert_int_equal(parse(&ps, NULL, s, NULL, &err), -1);
	params_free(&ps);
	free(s);
}

static void
test_json_nul_in_string(void **state)
{
	static const char *bad[] = {
		"{\"a\":\"x\\u0000y\"}",
		"{\"a\":[\"ok\",\"\\u0000\"]}",
		"{\"a\":{\"b\":\"\\u0000\"}}",
	};
	struct params ps;
	struct params_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(&ps, NULL, bad[i], "application/json", &err) != -1)
			fail_msg("%s: accepted", bad[i]);
		assert_non_null(strstr(err.message, "NUL"));
		assert_string_equal(err.field, "a");
		params_free(&ps);
	}
}

static void
test_too_many_names(void **state)
{
	struct params ps;
	struct params_error err;
	char *q = malloc(16 * (PARAMS_MAX + 2)), *p;
	int i;

	(void)state;
	assert_non_null(q);
	for (p = q, i = 0; i < PARAMS_MAX; i++)
		p += sprintf(p, "%sp%d=1", i ? "&" : "", i);
	/* PARAMS_MAX names, each given twice, is fine */
	for (i = 0; i < PARAMS_MAX; i++)
		p += sprintf(p, "&p%d=2", i);
	if (parse(&ps, q, NULL, NULL, &err) != 0)
		fail_msg("%d names refused: %s", PARAMS_MAX, err.message);
	assert_int_equal(ps.n, PARAMS_MAX);
	params_free(&ps);

	sprintf(p, "&one=more");
	assert_int_equal(parse(&ps, q, NULL, NULL, &err), -1);
	assert_non_null(strstr(err.message, "256"));
	params_free(&ps);
	free(q);

	/* the same through JSON */
	q = malloc(16 * (PARAMS_MAX + 2));
	assert_non_null(q);
	p = q + sprintf(q, "{");
	for (i = 0; i <= PARAMS_MAX; i++)
		p += sprintf(p, "%s\"p%d\":1", i ? "," : "", i);
	sprintf(p, "}");
	assert_int_equal(parse(&ps, NULL, q, NULL, &err), -1);
	assert_non_null(strstr(err.message, "256"));
	params_free(&ps);
	free(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_case_and_underscores),
		cmocka_unit_test(test_fold_array_suffixes),
		cmocka_unit_test(test_fold_refuses_odd_names),
		cmocka_unit_test(test_odd_names_are_ignored),
		cmocka_unit_test(test_given_name_is_kept),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_alias_status_booleans),
		cmocka_unit_test(test_alias_status_not_boolean),
		cmocka_unit_test(test_query_decoding),
		cmocka_unit_test(test_query_invalid_utf8),
		cmocka_unit_test(test_form_body),
		cmocka_unit_test(test_json_scalars),
		cmocka_unit_test(test_json_array_of_scalars),
		cmocka_unit_test(test_json_containers),
		cmocka_unit_test(test_json_beats_query),
		cmocka_unit_test(test_form_beats_query),
		cmocka_unit_test(test_query_repeat_is_list),
		cmocka_unit_test(test_json_last_duplicate_wins),
		cmocka_unit_test(test_arrays_three_ways),
		cmocka_unit_test(test_body_sniffing),
		cmocka_unit_test(test_multipart_refused),
		cmocka_unit_test(test_broken_json),
		cmocka_unit_test(test_json_top_level_not_object),
		cmocka_unit_test(test_json_depth_limit),
		cmocka_unit_test(test_json_very_deep),
		cmocka_unit_test(test_json_nul_in_string),
		cmocka_unit_test(test_too_many_names),
		/* last: if it crashes, a sanitizer build still reports the rest */
		cmocka_unit_test(test_json_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
