/*
 * test_rules: the checks a job's, a task's and an account's fields pass
 * before they are stored (rules.c), at the edges of what each accepts,
 * with the reason given for a refusal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/account.h"
#include "util/buf.h"
#include "conf/config.h"
#include "engine/cron.h"
#include "store/headers.h"
#include "store/rules.h"

#define CODES_WHY "must be HTTP statuses or ranges of 100-599, such as 200-299,304"
#define METHOD_WHY "must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* RULE takes each of the NGOOD texts GOOD, and refuses each of BAD with
 * the reason WANT. */
static void
assert_rule(int (*rule)(const char *, char *, size_t), const char *const *good, size_t ngood,
    const char *const *bad, size_t nbad, const char *want)
{
	char why[160];
	size_t i;

	for (i = 0; i < ngood; i++)
		if (rule(good[i], why, sizeof(why)) != 0)
			fail_msg("good[%zu] \"%s\" refused: %s", i, good[i], why);
	for (i = 0; i < nbad; i++) {
		strcpy(why, "untouched");
		if (rule(bad[i], why, sizeof(why)) != -1)
			fail_msg("bad[%zu] \"%s\" accepted", i, bad[i]);
		assert_string_equal(why, want);
	}
}

static void
test_codes(void **state)
{
	const char *const good[] = { "200", "200-299,304", " 200 , 301", "100-599", "599", "200-200",
		"200-299, 304 ,404" };
	const char *const bad[] = { "99", "600", "300-200", "2x", "200-", "-200", ",", "200;301",
		"200 301", "200-600", "1000" };
	char why[160];

	(void)state;
	assert_rule(rules_codes, good, N(good), bad, N(bad), CODES_WHY);
	/* a short buffer gets a truncated reason, never more */
	memset(why, 'x', sizeof(why));
	assert_int_equal(rules_codes("99", why, 8), -1);
	assert_string_equal(why, "must be");
	assert_int_equal(why[8], 'x');
}

static void
test_email(void **state)
{
	char long_ok[255], long_bad[256], why[160];
	const char *const good[] = { "a@b.c", "first.last+tag@sub.example.org", "x_y-z@host.example" };
	const char *const bad[] = { "", "ab.c", "@b.c", "a@", "a@b@c.d", "a@bc", "a b@c.d", "a<b@c.d",
		"a@b.c>", "a,b@c.d", "a;b@c.d", "a:b@c.d", "\"a\"@b.c", "a@[1.2.3.4]", "a\x01@b.c",
		"a@b.c\x7f", "a\t@b.c" };

	(void)state;
	assert_rule(rules_email, good, N(good), bad, N(bad), "is not an e-mail address");
	/* 254 bytes is the longest address */
	memset(long_ok, 'a', sizeof(long_ok) - 1);
	long_ok[sizeof(long_ok) - 1] = '\0';
	memcpy(long_ok + 254 - 6, "@b.org", 6);
	assert_int_equal(strlen(long_ok), 254);
	assert_int_equal(rules_email(long_ok, why, sizeof(why)), 0);
	memset(long_bad, 'a', sizeof(long_bad) - 1);
	long_bad[sizeof(long_bad) - 1] = '\0';
	memcpy(long_bad + 255 - 6, "@b.org", 6);
	assert_int_equal(strlen(long_bad), 255);
	assert_int_equal(rules_email(long_bad, why, sizeof(why)), -1);
}

static void
test_method(void **state)
{
	const char *lower[] = { "get", "post", "put", "patch", "delete", "head", "options" };
	const char *bad[] = { "", "BREW", "GET ", " GET", "GETS", "CONNECT", "TRACE", "G\x01T" };
	const char *canonical, *p;
	char why[160], name[16];
	size_t i, n = 0;

	(void)state;
	assert_int_equal(rules_method("pOsT", &canonical, why, sizeof(why)), 0);
	assert_string_equal(canonical, "POST");
	/* every method the messages list is taken, in any case */
	for (p = RULES_METHODS; *p; n++) {
		size_t len = strcspn(p, ",");

		assert_true(len < sizeof(name));
		memcpy(name, p, len);
		name[len] = '\0';
		canonical = NULL;
		assert_int_equal(rules_method(name, &canonical, why, sizeof(why)), 0);
		assert_string_equal(canonical, name);
		assert_int_equal(rules_method(lower[n], &canonical, why, sizeof(why)), 0);
		assert_string_equal(canonical, name);
		p += len;
		p += strspn(p, ", ");
	}
	assert_int_equal(n, N(lower));
	for (i = 0; i < N(bad); i++) {
		canonical = "untouched";
		if (rules_method(bad[i], &canonical, why, sizeof(why)) != -1)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_string_equal(why, METHOD_WHY);
		assert_string_equal(canonical, "untouched");
	}
}

static void
test_header_text(void **state)
{
	const char *const good[] = { "", "agent/1.0 (x; y)", "p@ss word", "\xc3\xbc and \xe2\x9c\x93",
		"~!" };
	const char *const bad[] = { "a\rb", "a\nb", "ua\r\nX-Injected: 1", "a\tb", "\x01", "end\x7f",
		"\x1b[31m" };

	(void)state;
	assert_rule(rules_header_text, good, N(good), bad, N(bad), "must not contain control characters");
}

static void
test_url(void **state)
{
	char why[160], longhost[400];

	(void)state;
	assert_int_equal(rules_url("https://example.org/x?y=1", why, sizeof(why)), 0);
	assert_int_equal(rules_url("http://127.0.0.1:8080/", why, sizeof(why)), 0);
	assert_int_equal(rules_url("http://[::1]/", why, sizeof(why)), 0);
	assert_int_equal(rules_url("ftp://x.example/", why, sizeof(why)), -1);
	assert_string_equal(why, "must start with http:// or https://");
	assert_int_equal(rules_url("", why, sizeof(why)), -1);
	assert_string_equal(why, "must start with http:// or https://");
	assert_int_equal(rules_url("https:///path", why, sizeof(why)), -1);
	assert_string_equal(why, "has no host");
	assert_int_equal(rules_url("https://x.example/a b", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "contains a space or control character"));
	assert_int_equal(rules_url("https://x.example/\r\nX: 1", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "control character"));
	/* a shape url_check takes, but a host too long to connect to */
	snprintf(longhost, sizeof(longhost), "https://%0300d.example/", 0);
	assert_int_equal(rules_url(longhost, why, sizeof(why)), -1);
	assert_string_equal(why, "has no usable host");
}

static void
test_expression(void **state)
{
	char normal[CRON_FORMAT_MAX];
	struct cron_error e;

	(void)state;
	assert_int_equal(rules_expression("*/15 * * * *", normal, sizeof(normal), &e), 0);
	assert_string_equal(normal, "*/15 * * * *");
	assert_int_equal(rules_expression("  0   2 * *   mon-fri ", normal, sizeof(normal), &e), 0);
	assert_string_equal(normal, "0 2 * * 1-5");
	assert_int_equal(rules_expression("@manual", normal, sizeof(normal), &e), 0);
	assert_string_equal(normal, "@manual");

	memset(&e, 0, sizeof(e));
	assert_int_equal(rules_expression("61 * * * *", normal, sizeof(normal), &e), -1);
	assert_string_equal(e.field, "minute");
	assert_string_equal(e.message, "61 is out of range 0-59");
	memset(&e, 0, sizeof(e));
	assert_int_equal(rules_expression("0 0 30 2 *", normal, sizeof(normal), &e), -1);
	assert_string_equal(e.field, "expression");
	assert_non_null(strstr(e.message, "never"));
	memset(&e, 0, sizeof(e));
	assert_int_equal(rules_expression("", normal, sizeof(normal), &e), -1);
	assert_string_equal(e.field, "expression");
	assert_int_equal(rules_expression("* * * *", normal, sizeof(normal), &e), -1);
}

/* TEXT through rules_headers: 0 and WANT, or -1 and WHY. */
static void
assert_headers(const char *text, int rc, const char *want)
{
	struct buf out = BUF_INIT;
	char why[160] = "untouched";

	if (rules_headers(&out, text, why, sizeof(why)) != rc)
		fail_msg("\"%s\": not %d (%s)", text, rc, why);
	if (rc == 0)
		assert_string_equal(buf_str(&out), want);
	else
		assert_string_equal(why, want);
	buf_free(&out);
}

static void
test_headers(void **state)
{
	struct buf out = BUF_INIT;
	char why[160], want[64], *big;

	(void)state;
	assert_headers("X-One: 1\r\nX-Two:  two words \n\n  \nX-Three:3\n", 0,
	    "X-One: 1\nX-Two: two words\nX-Three: 3");
	assert_headers("", 0, "");
	assert_headers("X-Tab: a\tb", 0, "X-Tab: a\tb");
	assert_headers("X-Empty:", 0, "X-Empty: ");
	assert_headers("X-A: a\x01"
	               "b",
	    -1, "the value of X-A contains a control character");
	assert_headers("X-A: a\x7f", -1, "the value of X-A contains a control character");
	assert_headers("X-A: 1\rX-Evil: 2", -1, "the value of X-A contains a line break");
	assert_headers("Host: x", -1, "Host may not be set by a job");
	assert_headers("x-webcron-signature: forged", -1, "X-Webcron-Signature may not be set by a job");
	assert_headers("no colon", -1, "\"no colon\" is not Name: value");
	assert_headers("Bad Name: x", -1, "\"Bad Name\" is not a header name");
	assert_headers("X\x01"
	               "A: x",
	    -1, "\"X\x01"
	        "A\" is not a header name");
	assert_headers(": x", -1, "a header has no name");

	/* appended to what OUT holds */
	buf_addstr(&out, "X-Before: 0");
	assert_int_equal(rules_headers(&out, "X-After: 1", why, sizeof(why)), 0);
	assert_string_equal(buf_str(&out), "X-Before: 0\nX-After: 1");
	buf_free(&out);

	/* the whole stays within HEADERS_MAX */
	big = malloc(HEADERS_MAX + 1);
	assert_non_null(big);
	memcpy(big, "X-Big: ", 7);
	memset(big + 7, 'v', HEADERS_MAX - 7);
	big[HEADERS_MAX] = '\0';
	assert_int_equal(rules_headers(&out, big, why, sizeof(why)), -1);
	snprintf(want, sizeof(want), "the headers are longer than %d bytes", HEADERS_MAX);
	assert_string_equal(why, want);
	buf_free(&out);
	free(big);
}

/* PAYLOAD through rules_http_payload: RC, and WHY when refused. */
static void
assert_payload(const char *payload, int rc, const char *want)
{
	char why[160] = "untouched";
	int got = rules_http_payload(payload, why, sizeof(why));

	if (got != rc)
		fail_msg("%s: %d, not %d (%s)", payload, got, rc, why);
	if (rc != 0)
		assert_string_equal(why, want);
}

static void
test_http_payload(void **state)
{
	(void)state;
	assert_payload("https://t.example/x", 0, NULL);
	assert_payload("{\"url\": \"https://t.example/\"}", 0, NULL);
	assert_payload("{\"url\": \"https://t.example/\", \"method\": \"post\", \"body\": {\"k\": [1]},"
	               " \"timeout\": 5, \"headers\": {\"X-A\": \"1\"}}",
	    0, NULL);
	assert_payload("{\"url\": \"https://t.example/\", \"headers\": \"X-A: 1\\r\\nX-B: 2\"}", 0, NULL);
	assert_payload("{\"url\": \"https://t.example/\", \"headers\": [\"X-A: 1\"]}", 0, NULL);
	assert_payload("{\"url\": \"https://t.example/\", \"headers\": null}", 0, NULL);

	/* the URL: refused as a job's url is */
	assert_payload("ftp://x/", RULES_URL_REFUSED, "must start with http:// or https://");
	assert_payload("", RULES_URL_REFUSED, "must start with http:// or https://");
	assert_payload("{\"url\": \"ftp://x/\"}", RULES_URL_REFUSED, "must start with http:// or https://");
	assert_payload("{\"url\": \"https:///\"}", RULES_URL_REFUSED, "has no host");

	/* the object */
	assert_payload("{", -1, "an http payload is a URL or a JSON object with url");
	assert_payload("{\"method\": \"GET\"}", -1, "the http payload needs a url");
	assert_payload("{\"url\": 5}", -1, "the http payload needs a url");
	assert_payload("{\"url\": \"https://t.example/\", \"method\": \"BREW\"}", -1,
	    "method " METHOD_WHY);
	assert_payload("{\"url\": \"https://t.example/\", \"method\": 5}", -1, "method " METHOD_WHY);
	assert_payload("{\"url\": \"https://t.example/\", \"method\": null}", -1, "method " METHOD_WHY);
	assert_payload("{\"url\": \"https://t.example/\", \"headers\": \"X-A: 1\\rX-B: 2\"}", -1,
	    "headers: the value of X-A contains a line break");
	assert_payload("{\"url\": \"https://t.example/\", \"headers\": \"Host: x\"}", -1,
	    "headers: Host may not be set by a job");
	assert_payload("{\"url\": \"https://t.example/\", \"headers\": {\"X-A\": \"a\\u0001b\"}}", -1,
	    "headers: the value of X-A contains a control character");
	assert_payload("{\"url\": \"https://t.example/\", \"headers\": {\"X-A\": \"1\\r\\nHost: e\"}}",
	    -1, "headers: the value of X-A contains a line break");
	assert_payload("{\"url\": \"https://t.example/\", \"headers\": [\"Host: x\"]}", -1,
	    "headers: Host may not be set by a job");
	assert_payload("{\"url\": \"https://t.example/\", \"headers\": {\"X-A\": 1}}", -1,
	    "headers: the value of X-A is not a string");
	assert_payload("{\"url\": \"https://t.example/\", \"headers\": 5}", -1,
	    "headers: not an object of names and values, or an array of lines");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_method),
		cmocka_unit_test(test_header_text),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_expression),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_http_payload),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
