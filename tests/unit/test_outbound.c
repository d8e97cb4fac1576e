/*
 * test_outbound: the requests jobs send: placeholders, X-Webcron-* headers,
 * the HMAC signature (against vectors computed with Python's hmac), the
 * Content-Type of JSON bodies, http task payloads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "engine/tz.h"
#include "store/job.h"
#include "exec/outbound.h"

static struct outbound_ctx
ctx(const char *secret)
{
	struct outbound_ctx c;

	memset(&c, 0, sizeof(c));
	c.job_id = 42;
	c.execution_id = 7001;
	c.scheduled = 1700000000;
	c.secret = secret;
	c.user_agent = "webcron/test";
	c.now_ms = 1700000000123LL;
	return c;
}

static const char *
header(const struct outbound *o, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < o->nheaders; i++)
		if (strncmp(o->headers[i], name, n) == 0 && o->headers[i][n] == ':')
			return o->headers[i] + n + 2;
	return NULL;
}

static size_t
count_header(const struct outbound *o, const char *name)
{
	size_t i, n = strlen(name), c = 0;

	for (i = 0; i < o->nheaders; i++)
		if (strncasecmp(o->headers[i], name, n) == 0 && o->headers[i][n] == ':')
			c++;
	return c;
}

static void
test_signature_vectors(void **state)
{
	char sig[128];

	(void)state;
	outbound_signature("hook-secret", 1700000000, "{\"a\":1}", 7, sig);
	assert_string_equal(sig,
	    "t=1700000000,v1=2ca9484d0c409cd2998fd115eb688d50af3c4591f30a5124d6262b43877ed809");
	outbound_signature("k", 1, "", 0, sig);
	assert_string_equal(sig, "t=1,v1=37c39ff90c9eaf98b76f1cf1a38399fa408e930f34e04a5179d0dc6489fe9c78");
}

static void
test_placeholders(void **state)
{
	struct outbound_ctx c = ctx("s3");
	char *s;

	(void)state;
	s = outbound_expand("a=__timestamp__&b=__timestamp_ms__&j=__cronjob__&e=__execution__&k=__secret__"
	                    "&x=__unknown__&y=__",
	    &c);
	assert_string_equal(s, "a=1700000000&b=1700000000123&j=42&e=7001&k=s3&x=__unknown__&y=__");
	free(s);
	s = outbound_expand("no placeholders", &c);
	assert_string_equal(s, "no placeholders");
	free(s);
}

static void
test_job_request(void **state)
{
	struct outbound_ctx c = ctx("hook-secret");
	struct outbound o;
	struct job j;

	(void)state;
	job_init(&j, NULL);
	j.id = 42;
	free(j.url);
	j.url = strdup("https://h.example/x?id=__cronjob__");
	free(j.http_method);
	j.http_method = strdup("POST");
	free(j.post_data);
	j.post_data = strdup("{\"a\":1}");
	free(j.http_headers);
	j.http_headers = strdup("X-One: 1\nX-Exec: __execution__");
	free(j.username);
	j.username = strdup("u");
	free(j.password);
	j.password = strdup("p");
	free(j.pattern);
	j.pattern = strdup("ERR");
	outbound_job(&o, &j, &c, NULL);
	assert_string_equal(o.url, "https://h.example/x?id=42");
	assert_string_equal(o.method, "POST");
	assert_string_equal(o.body, "{\"a\":1}");
	assert_int_equal(o.body_len, 7);
	assert_string_equal(header(&o, "X-One"), "1");
	assert_string_equal(header(&o, "X-Exec"), "7001");
	assert_string_equal(header(&o, "X-Webcron-Job"), "42");
	assert_string_equal(header(&o, "X-Webcron-Scheduled-Time"), "1700000000");
	assert_string_equal(header(&o, "X-Webcron-Execution"), "7001");
	assert_string_equal(header(&o, "Content-Type"), "application/json");
	assert_string_equal(header(&o, "X-Webcron-Signature"),
	    "t=1700000000,v1=2ca9484d0c409cd2998fd115eb688d50af3c4591f30a5124d6262b43877ed809");
	assert_string_equal(o.username, "u");
	assert_string_equal(o.password, "p");
	assert_string_equal(o.user_agent, "webcron/test");
	assert_string_equal(o.pattern, "ERR");
	outbound_free(&o);

	/* a Content-Type of the job's own is kept, not doubled */
	free(j.http_headers);
	j.http_headers = strdup("content-type: text/plain");
	outbound_job(&o, &j, &c, "{\"override\":true}");
	assert_int_equal(count_header(&o, "Content-Type"), 1);
	assert_string_equal(o.body, "{\"override\":true}");
	outbound_free(&o);

	/* GET sends no body; no secret, no signature; no credentials, no auth */
	free(j.http_method);
	j.http_method = strdup("GET");
	free(j.username);
	j.username = strdup("");
	free(j.password);
	j.password = strdup("");
	c.secret = "";
	outbound_job(&o, &j, &c, NULL);
	assert_null(o.body);
	assert_int_equal(o.body_len, 0);
	assert_null(header(&o, "X-Webcron-Signature"));
	assert_null(o.username);
	outbound_free(&o);
	job_free(&j);
}

static void
test_task_payloads(void **state)
{
	struct outbound_ctx c = ctx("");
	struct outbound o;
	struct job j;
	char why[256];

	(void)state;
	job_init(&j, NULL);
	j.timeout = 30;
	assert_int_equal(outbound_task(&o, &j, "https://t.example/a?e=__execution__", &c, why, sizeof(why)), 0);
	assert_string_equal(o.url, "https://t.example/a?e=7001");
	assert_string_equal(o.method, "GET");
	outbound_free(&o);

	assert_int_equal(outbound_task(&o, &j, "{\"url\":\"https://t.example/b\",\"method\":\"PUT\","
	                                       "\"headers\":{\"X-A\":\"1\"},\"body\":{\"k\":[1,2]},\"timeout\":5}",
	                     &c, why, sizeof(why)),
	    0);
	assert_string_equal(o.method, "PUT");
	assert_string_equal(o.body, "{\"k\":[1,2]}");
	assert_string_equal(header(&o, "X-A"), "1");
	assert_string_equal(header(&o, "Content-Type"), "application/json");
	assert_int_equal(o.timeout, 5);
	outbound_free(&o);

	assert_int_equal(outbound_task(&o, &j, "{\"method\":\"GET\"}", &c, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "url"));
	outbound_free(&o);
	job_free(&j);
}

/* __name__ escaped for where it stands; __date__ and __time__ of the
 * scheduled instant in the job's zone. */
static void
test_name_date_time(void **state)
{
	struct outbound_ctx c = ctx("");
	struct outbound o;
	struct job j;
	char why[256], *s;

	(void)state;
	c.name = "Back up \"db\" & co/é\n";
	c.scheduled = 1809583200; /* 2027-05-06T06:00:00Z */
	s = outbound_expand("__name__|__date__|__time__|__timestamp__", &c);
	assert_string_equal(s, "Back up \"db\" & co/é\n|2027-05-06|06:00:00|1700000000");
	free(s);
	c.zone = tz_get("Europe/Paris");
	assert_non_null(c.zone);
	s = outbound_expand("__date__T__time__", &c);
	assert_string_equal(s, "2027-05-06T08:00:00");
	free(s);
	c.zone = tz_get("America/New_York");
	assert_non_null(c.zone);
	s = outbound_expand("__date__ __time__", &c); /* the day before there */
	assert_string_equal(s, "2027-05-06 02:00:00");
	free(s);
	c.scheduled = 1809583200 - 7 * 3600;
	s = outbound_expand("__date__ __time__", &c);
	assert_string_equal(s, "2027-05-05 19:00:00");
	free(s);
	c.zone = NULL;
	c.name = NULL;
	s = outbound_expand("[__name__]", &c);
	assert_string_equal(s, "[]");
	free(s);

	c.name = "Back up \"db\" & co/é\n";
	job_init(&j, NULL);
	j.id = 42;
	free(j.url);
	j.url = strdup("https://h.example/x?n=__name__&d=__date__");
	free(j.http_method);
	j.http_method = strdup("POST");
	free(j.post_data);
	j.post_data = strdup("{\"job\": \"__name__\", \"id\": __cronjob__}");
	free(j.http_headers);
	j.http_headers = strdup("X-Job: __name__ at __time__");
	outbound_job(&o, &j, &c, NULL);
	assert_string_equal(o.url, "https://h.example/x?n=Back%20up%20%22db%22%20%26%20co%2F%C3%A9%0A"
	                           "&d=2027-05-05");
	assert_string_equal(o.body, "{\"job\": \"Back up \\\"db\\\" & co/é\\u000a\", \"id\": 42}");
	/* the line break makes the header unusable: it is left out */
	assert_null(header(&o, "X-Job"));
	outbound_free(&o);

	/* a text body as it is; a form body URL-encoded; a Content-Type
	 * saying json wins over a body that does not look like JSON */
	free(j.post_data);
	j.post_data = strdup("name=__name__");
	c.name = "a b&c";
	free(j.http_headers);
	j.http_headers = strdup("X-Job: __name__");
	outbound_job(&o, &j, &c, NULL);
	assert_string_equal(o.body, "name=a b&c");
	assert_string_equal(header(&o, "X-Job"), "a b&c");
	outbound_free(&o);
	free(j.http_headers);
	j.http_headers = strdup("Content-Type: application/x-www-form-urlencoded");
	outbound_job(&o, &j, &c, NULL);
	assert_string_equal(o.body, "name=a%20b%26c");
	outbound_free(&o);
	free(j.http_headers);
	j.http_headers = strdup("Content-Type: application/json");
	free(j.post_data);
	j.post_data = strdup("\"__name__\"");
	c.name = "say \"hi\"";
	outbound_job(&o, &j, &c, "  \"__name__\"");
	assert_string_equal(o.body, "  \"say \\\"hi\\\"\"");
	outbound_free(&o);

	/* http tasks: the URL, a JSON body written as JSON, a text body */
	assert_int_equal(outbound_task(&o, &j, "https://t.example/?n=__name__", &c, why, sizeof(why)), 0);
	assert_string_equal(o.url, "https://t.example/?n=say%20%22hi%22");
	outbound_free(&o);
	assert_int_equal(outbound_task(&o, &j, "{\"url\":\"https://t.example/__name__\",\"method\":\"POST\","
	                                       "\"body\":{\"n\":\"__name__\"}}",
	                     &c, why, sizeof(why)),
	    0);
	assert_string_equal(o.url, "https://t.example/say%20%22hi%22");
	assert_string_equal(o.body, "{\"n\":\"say \\\"hi\\\"\"}");
	outbound_free(&o);
	assert_int_equal(outbound_task(&o, &j, "{\"url\":\"https://t.example/\",\"method\":\"POST\","
	                                       "\"body\":\"n=__name__\"}",
	                     &c, why, sizeof(why)),
	    0);
	assert_string_equal(o.body, "n=say \"hi\"");
	outbound_free(&o);
	job_free(&j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature_vectors),
		cmocka_unit_test(test_placeholders),
		cmocka_unit_test(test_job_request),
		cmocka_unit_test(test_task_payloads),
		cmocka_unit_test(test_name_date_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
