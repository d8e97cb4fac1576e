/*
 * Unit tests of httpc.c against real HTTP servers started here: evhttp on
 * 127.0.0.1 and on 127.0.0.2 (Linux routes all of 127/8 to lo), each
 * counting the connections it accepts. Checks what reaches the server
 * (method, headers, body, basic auth, User-Agent), what is captured
 * (status, address, sizes, first and last 4 KB, a pattern split across
 * chunks), the failure outcomes (timeout, refused, blocked by the policy
 * directly, through a redirect and on a reused connection), redirects,
 * cancellation and many transfers at once.
 *
 * Nothing here connects outside 127.0.0.0/8 and ::1, and the only name
 * resolved is "localhost" (which curl answers itself).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "util/cidr.h"
#include "exec/httpc.h"
#include "util/log.h"
#include "exec/netpolicy.h"

#define BIG_BODY (100 * 1024)

/* One test server and what it saw of the last request. */
struct server {
	struct evhttp *http;
	struct event_base *base;
	const char *addr;
	int port;
	int connections; /* accepted, counted before any request */
	int requests;
	enum evhttp_cmd_type method;
	char *path;
	char *body;
	size_t body_len;
	char *authorization, *user_agent, *x_test, *expect, *content_type;
	int other_port; /* where /to-other redirects (the other server) */
	const char *other_addr;
};

struct fixture {
	struct event_base *base;
	struct httpc *hc;
	struct server s1, s2;
	int refused_fd; /* bound to 127.0.0.1, not listening */
	int refused_port;
	struct event *guard;
	int guard_fired;
	int done; /* callbacks seen */
	int ok;   /* of which responses with status 200 */
	int want; /* callbacks to wait for */
	struct httpc_result res;
	char *result; /* copy of res.result */
};

/* ---- the servers */

static char *
dup_header(struct evkeyvalq *h, const char *name)
{
	const char *v = evhttp_find_header(h, name);

	return v ? strdup(v) : NULL;
}

static void
server_forget(struct server *s)
{
	free(s->path);
	free(s->body);
	free(s->authorization);
	free(s->user_agent);
	free(s->x_test);
	free(s->expect);
	free(s->content_type);
	s->path = s->body = s->authorization = s->user_agent = NULL;
	s->x_test = s->expect = s->content_type = NULL;
	s->body_len = 0;
}

static struct bufferevent *
server_count_connection(struct event_base *base, void *arg)
{
	struct server *s = arg;

	s->connections++;
	return NULL; /* evhttp makes its usual bufferevent */
}

/* The bytes of /big's body: not periodic, so a misplaced block shows. */
static char
big_byte(size_t i)
{
	return (char)('a' + ((i * 2654435761u) >> 13) % 26);
}

struct chunker {
	struct evhttp_request *req;
	const char *const *chunks;
	int next;
	struct event *ev;
};

static const char *const chunks_two[] = { "hello xxabc", "defyy world", NULL };
static const char *const chunks_three[] = { "...ab", "cd", "ef...", NULL };

/* Sends one chunk every 50 ms, so that each arrives in its own read. */
static void
chunker_step(evutil_socket_t fd, short what, void *arg)
{
	struct chunker *c = arg;
	struct timeval tv = { 0, 50000 };
	struct evbuffer *b;

	if (c->chunks[c->next] == NULL) {
		evhttp_send_reply_end(c->req);
		event_free(c->ev);
		free(c);
		return;
	}
	b = evbuffer_new();
	evbuffer_add(b, c->chunks[c->next], strlen(c->chunks[c->next]));
	evhttp_send_reply_chunk(c->req, b);
	evbuffer_free(b);
	c->next++;
	evtimer_add(c->ev, &tv);
}

static void
server_handle(struct evhttp_request *req, void *arg)
{
	struct server *s = arg;
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	struct evbuffer *inbuf = evhttp_request_get_input_buffer(req);
	struct evbuffer *reply = evbuffer_new();
	const char *uri = evhttp_request_get_uri(req);
	char location[128];
	int n;

	server_forget(s);
	s->requests++;
	s->method = evhttp_request_get_command(req);
	s->path = strdup(uri);
	s->body_len = evbuffer_get_length(inbuf);
	s->body = malloc(s->body_len + 1);
	evbuffer_remove(inbuf, s->body, s->body_len);
	s->body[s->body_len] = '\0';
	s->authorization = dup_header(in, "Authorization");
	s->user_agent = dup_header(in, "User-Agent");
	s->x_test = dup_header(in, "X-Test");
	s->expect = dup_header(in, "Expect");
	s->content_type = dup_header(in, "Content-Type");

	if (strcmp(uri, "/hang") == 0) {
		/* Accepted, never answered. */
	} else if (strcmp(uri, "/big") == 0) {
		char *big = malloc(BIG_BODY);
		size_t i;

		for (i = 0; i < BIG_BODY; i++)
			big[i] = big_byte(i);
		evbuffer_add(reply, big, BIG_BODY);
		free(big);
		evhttp_send_reply(req, 200, "OK", reply);
	} else if (strcmp(uri, "/chunks2") == 0 || strcmp(uri, "/chunks3") == 0) {
		struct chunker *c = calloc(1, sizeof(*c));

		c->req = req;
		c->chunks = strcmp(uri, "/chunks2") == 0 ? chunks_two : chunks_three;
		c->ev = evtimer_new(s->base, chunker_step, c);
		evhttp_add_header(out, "X-Marker", "only-in-headers");
		evhttp_send_reply_start(req, 200, "OK");
		chunker_step(-1, 0, c);
	} else if (sscanf(uri, "/redirect/%d", &n) == 1) {
		if (n > 0) {
			snprintf(location, sizeof(location), "/redirect/%d", n - 1);
			evhttp_add_header(out, "Location", location);
			evbuffer_add_printf(reply, "moved");
			evhttp_send_reply(req, 302, "Found", reply);
		} else {
			evbuffer_add_printf(reply, "landed");
			evhttp_send_reply(req, 200, "OK", reply);
		}
	} else if (strcmp(uri, "/to-other") == 0) {
		snprintf(location, sizeof(location), "http://%s:%d/echo", s->other_addr,
		    s->other_port);
		evhttp_add_header(out, "Location", location);
		evhttp_send_reply(req, 302, "Found", reply);
	} else if (strcmp(uri, "/to-ftp") == 0) {
		evhttp_add_header(out, "Location", "ftp://127.0.0.1/");
		evhttp_send_reply(req, 302, "Found", reply);
	} else if (strcmp(uri, "/missing") == 0) {
		evbuffer_add_printf(reply, "no such thing");
		evhttp_send_reply(req, 404, "Not Found", reply);
	} else {
		evbuffer_add_printf(reply, "ok");
		evhttp_send_reply(req, 200, "OK", reply);
	}
	evbuffer_free(reply);
}

static void
server_start(struct server *s, struct event_base *base, const char *addr)
{
	struct evhttp_bound_socket *bound;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	memset(s, 0, sizeof(*s));
	s->base = base;
	s->addr = addr;
	s->http = evhttp_new(base);
	assert_non_null(s->http);
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS);
	evhttp_set_max_body_size(s->http, 4 * 1024 * 1024);
	evhttp_set_max_headers_size(s->http, 16 * 1024);
	evhttp_set_timeout(s->http, 30);
	evhttp_set_bevcb(s->http, server_count_connection, s);
	evhttp_set_gencb(s->http, server_handle, s);
	bound = evhttp_bind_socket_with_handle(s->http, addr, 0);
	if (bound == NULL)
		fail_msg("cannot listen on %s", addr);
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(bound),
	                     (struct sockaddr *)&sin, &len),
	    0);
	s->port = ntohs(sin.sin_port);
}

static void
server_stop(struct server *s)
{
	evhttp_free(s->http);
	server_forget(s);
}

/* ---- running transfers */

static void
guard_fired(evutil_socket_t fd, short what, void *arg)
{
	struct fixture *f = arg;

	f->guard_fired = 1;
	event_base_loopbreak(f->base);
}

static void
done_cb(const struct httpc_result *r, void *arg)
{
	struct fixture *f = arg;

	f->done++;
	if (r->outcome == HTTPC_RESPONSE && r->status == 200)
		f->ok++;
	free(f->result);
	f->res = *r;
	f->result = malloc(r->result_len + 1);
	memcpy(f->result, r->result, r->result_len);
	f->result[r->result_len] = '\0';
	f->res.result = f->result;
	if (f->done >= f->want)
		event_base_loopbreak(f->base);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs the loop until WANT more callbacks came, or SECONDS passed (a
 * failure). */
static void
wait_for(struct fixture *f, int want, int seconds)
{
	struct timeval tv = { seconds, 0 };

	f->want = f->done + want;
	f->guard_fired = 0;
	evtimer_add(f->guard, &tv);
	while (f->done < f->want && !f->guard_fired)
		event_base_dispatch(f->base);
	evtimer_del(f->guard);
	if (f->guard_fired)
		fail_msg("no result after %d s", seconds);
}

/* Runs the loop for MS milliseconds, whatever happens. */
static void
run_for(struct fixture *f, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	f->want = 1 << 30;
	f->guard_fired = 0;
	evtimer_add(f->guard, &tv);
	while (!f->guard_fired)
		event_base_dispatch(f->base);
}

static struct httpc_request
request(const char *url)
{
	struct httpc_request req;

	memset(&req, 0, sizeof(req));
	req.url = url;
	req.timeout = 10;
	req.follow_redirects = 1;
	req.ssl_verify = 1;
	return req;
}

/* Starts REQ and waits for its result. */
static const struct httpc_result *
fetch(struct fixture *f, const struct httpc_request *req)
{
	struct httpc_xfer *x = httpc_start(f->hc, req, done_cb, f);

	assert_non_null(x);
	wait_for(f, 1, 15);
	return &f->res;
}

static void
set_policy(struct fixture *f, int allow_private, const char *allowed)
{
	struct netpolicy np;
	char err[128];

	memset(&np, 0, sizeof(np));
	np.allow_private = allow_private;
	assert_int_equal(cidr_list_parse(allowed, &np.allowed, err, sizeof(err)), 0);
	httpc_set_policy(f->hc, &np);
	cidr_list_free(&np.allowed); /* httpc keeps its own copy */
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	f->base = event_base_new();
	server_start(&f->s1, f->base, "127.0.0.1");
	server_start(&f->s2, f->base, "127.0.0.2");
	f->s1.other_addr = "127.0.0.2";
	f->s1.other_port = f->s2.port;
	f->s2.other_addr = "127.0.0.1";
	f->s2.other_port = f->s1.port;

	/* A port that refuses: bound (so nobody else takes it), never
	 * listening, so a SYN gets a reset. */
	f->refused_fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->refused_fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(f->refused_fd, (struct sockaddr *)&sin, &len), 0);
	f->refused_port = ntohs(sin.sin_port);

	f->guard = evtimer_new(f->base, guard_fired, f);
	f->hc = httpc_new(f->base);
	/* Most tests talk to 127.0.0.1 only. */
	set_policy(f, 0, "127.0.0.1/32");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f->hc)
		httpc_free(f->hc);
	server_stop(&f->s1);
	server_stop(&f->s2);
	close(f->refused_fd);
	event_free(f->guard);
	event_base_free(f->base);
	free(f->result);
	free(f);
	return 0;
}

static void
url(char *buf, size_t len, const struct server *s, const char *path)
{
	snprintf(buf, len, "http://%s:%d%s", s->addr, s->port, path);
}

/* ---- the tests */

static void
test_get(void **state)
{
	struct fixture *f = *state;
	const char *headers[] = { "X-Test: hello there", "Accept: text/plain" };
	struct httpc_request req;
	const struct httpc_result *r;
	char u[128];

	url(u, sizeof(u), &f->s1, "/echo?q=1");
	req = request(u);
	req.headers = headers;
	req.nheaders = 2;
	req.username = "alice";
	req.password = "s3cret";
	req.user_agent = "webcron-test/1.0";
	req.pattern = "ok";
	r = fetch(f, &req);

	assert_int_equal(r->outcome, HTTPC_RESPONSE);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->ip, "127.0.0.1");
	assert_int_equal(r->downloaded, 2);
	assert_string_equal(r->error, "");
	assert_int_equal(r->redirects, 0);
	assert_int_equal(r->pattern_found, 1);
	assert_true(r->total > 0 && r->total < 5);
	assert_true(r->first_byte <= r->total);
	assert_true(r->dns <= r->connect && r->connect <= r->first_byte);
	assert_int_equal(r->tls, 0);
	/* The whole response, headers and body, is small enough to keep. */
	assert_int_equal(strncmp(r->result, "HTTP/1.1 200 OK\r\n", 17), 0);
	assert_int_equal(r->result_len, strlen(r->result));
	assert_non_null(strstr(r->result, "\r\n\r\nok"));
	assert_int_equal(strcmp(r->result + r->result_len - 6, "\r\n\r\nok"), 0);
	assert_null(strstr(r->result, "omitted"));

	assert_int_equal(f->s1.requests, 1);
	assert_int_equal(f->s1.method, EVHTTP_REQ_GET);
	assert_string_equal(f->s1.path, "/echo?q=1");
	assert_string_equal(f->s1.x_test, "hello there");
	assert_string_equal(f->s1.user_agent, "webcron-test/1.0");
	/* base64("alice:s3cret") */
	assert_string_equal(f->s1.authorization, "Basic YWxpY2U6czNjcmV0");
	assert_int_equal(f->s1.body_len, 0);
	assert_null(f->s1.expect);
	assert_int_equal(httpc_active(f->hc), 0);

	/* A pattern that is not there; no auth, no agent. */
	req = request(u);
	req.pattern = "not in the body";
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_RESPONSE);
	assert_int_equal(r->pattern_found, 0);
	assert_null(f->s1.authorization);
	assert_null(f->s1.user_agent);
}

static void
test_methods(void **state)
{
	static const struct {
		const char *method;
		const char *body;
		enum evhttp_cmd_type seen;
		const char *body_seen;
	} cases[] = {
		{ "POST", "a=1&b=2", EVHTTP_REQ_POST, "a=1&b=2" },
		{ "POST", NULL, EVHTTP_REQ_POST, "" },
		{ "PUT", "{\"x\":1}", EVHTTP_REQ_PUT, "{\"x\":1}" },
		{ "PATCH", "patch body", EVHTTP_REQ_PATCH, "patch body" },
		{ "DELETE", "why", EVHTTP_REQ_DELETE, "why" },
		{ "DELETE", NULL, EVHTTP_REQ_DELETE, "" },
		{ "OPTIONS", "opt", EVHTTP_REQ_OPTIONS, "opt" },
		{ "GET", "not sent", EVHTTP_REQ_GET, "" },
		{ NULL, NULL, EVHTTP_REQ_GET, "" },
		{ "HEAD", "not sent", EVHTTP_REQ_HEAD, "" },
	};
	struct fixture *f = *state;
	const char *json[] = { "Content-Type: application/json" };
	const struct httpc_result *r;
	struct httpc_request req;
	char u[128];
	size_t i;

	url(u, sizeof(u), &f->s1, "/echo");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		req = request(u);
		req.method = cases[i].method;
		req.body = cases[i].body;
		req.body_len = cases[i].body ? strlen(cases[i].body) : 0;
		r = fetch(f, &req);
		if (r->outcome != HTTPC_RESPONSE || r->status != 200)
			fail_msg("%s: outcome %d status %ld: %s", cases[i].method ? cases[i].method : "(null)", r->outcome, r->status, r->error);
		if (f->s1.method != cases[i].seen)
			fail_msg("%s arrived as method %d", cases[i].method, f->s1.method);
		if (strcmp(f->s1.body, cases[i].body_seen) != 0)
			fail_msg("%s: body \"%s\" arrived", cases[i].method, f->s1.body);
		if (cases[i].method && strcmp(cases[i].method, "HEAD") == 0)
			assert_int_equal(r->downloaded, 0);
		else
			assert_int_equal(r->downloaded, 2);
	}
	assert_int_equal(f->s1.requests, (int)(sizeof(cases) / sizeof(cases[0])));

	/* The caller's Content-Type wins over curl's form default. */
	req = request(u);
	req.method = "POST";
	req.body = "{\"a\":1}";
	req.body_len = 7;
	req.headers = json;
	req.nheaders = 1;
	r = fetch(f, &req);
	assert_int_equal(r->status, 200);
	assert_string_equal(f->s1.content_type, "application/json");
	assert_string_equal(f->s1.body, "{\"a\":1}");

	/* A body with a NUL in it is sent whole. */
	req = request(u);
	req.method = "PUT";
	req.body = "a\0b";
	req.body_len = 3;
	r = fetch(f, &req);
	assert_int_equal(r->status, 200);
	assert_int_equal(f->s1.body_len, 3);
	assert_memory_equal(f->s1.body, "a\0b", 3);
}

/* A body large enough for curl to want "Expect: 100-continue" is sent
 * without it. */
static void
test_large_post(void **state)
{
	struct fixture *f = *state;
	size_t len = 1536 * 1024;
	char *body = malloc(len);
	struct httpc_request req;
	const struct httpc_result *r;
	char u[128];

	memset(body, 'z', len);
	url(u, sizeof(u), &f->s1, "/echo");
	req = request(u);
	req.method = "POST";
	req.body = body;
	req.body_len = len;
	r = fetch(f, &req);
	free(body); /* httpc copied it */
	assert_int_equal(r->outcome, HTTPC_RESPONSE);
	assert_int_equal(r->status, 200);
	assert_int_equal(f->s1.body_len, len);
	assert_null(f->s1.expect);
}

static void
test_big_response(void **state)
{
	struct fixture *f = *state;
	struct httpc_request req;
	const struct httpc_result *r;
	char u[128], marker[64];
	const char *body_start;
	size_t header_len, i;
	unsigned long long omitted;

	url(u, sizeof(u), &f->s1, "/big");
	req = request(u);
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_RESPONSE);
	assert_int_equal(r->status, 200);
	assert_int_equal(r->downloaded, BIG_BODY);

	/* The first 4 KB: the headers, then the start of the body. */
	assert_int_equal(strncmp(r->result, "HTTP/1.1 200 OK\r\n", 17), 0);
	body_start = strstr(r->result, "\r\n\r\n");
	assert_non_null(body_start);
	body_start += 4;
	header_len = (size_t)(body_start - r->result);
	for (i = 0; i < HTTPC_CAPTURE_HEAD - header_len; i++)
		if (body_start[i] != big_byte(i))
			fail_msg("head: body byte %zu differs", i);
	/* The marker, counting what was left out. */
	omitted = (unsigned long long)(header_len + BIG_BODY - HTTPC_CAPTURE_HEAD -
	    HTTPC_CAPTURE_TAIL);
	snprintf(marker, sizeof(marker), "\n[... %llu bytes omitted ...]\n", omitted);
	assert_memory_equal(r->result + HTTPC_CAPTURE_HEAD, marker, strlen(marker));
	/* The last 4 KB of the body. */
	assert_int_equal(r->result_len, HTTPC_CAPTURE_HEAD + strlen(marker) + HTTPC_CAPTURE_TAIL);
	for (i = 0; i < HTTPC_CAPTURE_TAIL; i++)
		if (r->result[HTTPC_CAPTURE_HEAD + strlen(marker) + i] !=
		    big_byte(BIG_BODY - HTTPC_CAPTURE_TAIL + i))
			fail_msg("tail: byte %zu differs", i);
	/* Through a pattern at the very end as well. */
	{
		char tailpat[9];

		for (i = 0; i < 8; i++)
			tailpat[i] = big_byte(BIG_BODY - 8 + i);
		tailpat[8] = '\0';
		req.pattern = tailpat;
		r = fetch(f, &req);
		assert_int_equal(r->pattern_found, 1);
	}
}

static void
test_pattern_across_chunks(void **state)
{
	struct fixture *f = *state;
	struct httpc_request req;
	const struct httpc_result *r;
	char u[128];

	/* "abc" ends the first chunk, "def" starts the second. */
	url(u, sizeof(u), &f->s1, "/chunks2");
	req = request(u);
	req.pattern = "abcdef";
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_RESPONSE);
	assert_int_equal(r->downloaded, strlen("hello xxabcdefyy world"));
	assert_int_equal(r->pattern_found, 1);
	assert_non_null(strstr(r->result, "hello xxabcdefyy world"));

	req.pattern = "abcdeg";
	r = fetch(f, &req);
	assert_int_equal(r->pattern_found, 0);

	/* Only in a header: the body is what is searched. */
	req.pattern = "only-in-headers";
	r = fetch(f, &req);
	assert_non_null(strstr(r->result, "only-in-headers"));
	assert_int_equal(r->pattern_found, 0);

	/* Over three chunks, the middle one shorter than the pattern. */
	url(u, sizeof(u), &f->s1, "/chunks3");
	req = request(u);
	req.pattern = "abcdef";
	r = fetch(f, &req);
	assert_int_equal(r->pattern_found, 1);
	req.pattern = ".abcdef.";
	r = fetch(f, &req);
	assert_int_equal(r->pattern_found, 1);
	req.pattern = "...abcdef..."; /* the whole body */
	r = fetch(f, &req);
	assert_int_equal(r->pattern_found, 1);
	/* The body has three dots on each side, not four. */
	req.pattern = "....abcdef";
	r = fetch(f, &req);
	assert_int_equal(r->pattern_found, 0);
	req.pattern = "abcdef....";
	r = fetch(f, &req);
	assert_int_equal(r->pattern_found, 0);
	req.pattern = "b";
	r = fetch(f, &req);
	assert_int_equal(r->pattern_found, 1);
}

static void
test_timeout(void **state)
{
	struct fixture *f = *state;
	struct httpc_request req;
	const struct httpc_result *r;
	char u[128];
	double t0, elapsed;

	url(u, sizeof(u), &f->s1, "/hang");
	req = request(u);
	req.timeout = 1;
	t0 = now();
	r = fetch(f, &req);
	elapsed = now() - t0;
	assert_int_equal(r->outcome, HTTPC_TIMEOUT);
	assert_int_equal(r->status, 0);
	assert_string_equal(r->ip, "127.0.0.1");
	assert_true(r->error[0] != '\0');
	assert_int_equal(f->s1.requests, 1); /* it did arrive */
	if (elapsed < 0.9 || elapsed > 2.0)
		fail_msg("timed out after %.3f s, not about 1", elapsed);
}

static void
test_connect_refused(void **state)
{
	struct fixture *f = *state;
	struct httpc_request req;
	const struct httpc_result *r;
	char u[128];

	snprintf(u, sizeof(u), "http://127.0.0.1:%d/", f->refused_port);
	req = request(u);
	assert_non_null(httpc_start(f->hc, &req, done_cb, f));
	/* Never called before httpc_start() returns. */
	assert_int_equal(f->done, 0);
	assert_int_equal(httpc_active(f->hc), 1);
	wait_for(f, 1, 15);
	r = &f->res;
	assert_int_equal(r->outcome, HTTPC_CONNECT);
	assert_int_equal(r->status, 0);
	assert_true(r->error[0] != '\0');
	assert_int_equal(httpc_active(f->hc), 0);
}

static void
test_blocked(void **state)
{
	struct fixture *f = *state;
	struct httpc_request req;
	const struct httpc_result *r;
	char u[128];

	/* Only 127.0.0.1/32 is allowed: 127.0.0.2 never sees a connection. */
	url(u, sizeof(u), &f->s2, "/echo");
	req = request(u);
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_BLOCKED);
	assert_string_equal(r->ip, "127.0.0.2");
	assert_non_null(strstr(r->error, "127.0.0.2 is a loopback address"));
	assert_int_equal(r->status, 0);
	assert_int_equal(f->s2.connections, 0);

	/* Nor through a redirect from 127.0.0.1. */
	url(u, sizeof(u), &f->s1, "/to-other");
	req = request(u);
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_BLOCKED);
	assert_non_null(strstr(r->error, "127.0.0.2 is a loopback address"));
	assert_int_equal(f->s1.requests, 1);
	assert_int_equal(f->s2.connections, 0);

	/* Not following, the redirect itself is the answer. */
	req.follow_redirects = 0;
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_RESPONSE);
	assert_int_equal(r->status, 302);
	assert_int_equal(f->s2.connections, 0);

	/* The positive control: once allowed, the same request arrives. */
	set_policy(f, 0, "127.0.0.1/32, 127.0.0.2/32");
	req.follow_redirects = 1;
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_RESPONSE);
	assert_int_equal(r->status, 200);
	assert_int_equal(r->redirects, 1);
	assert_string_equal(r->ip, "127.0.0.2");
	assert_int_equal(f->s2.connections, 1);
	assert_int_equal(f->s2.requests, 1);

	/* allow_private opens it too. */
	set_policy(f, 1, "");
	url(u, sizeof(u), &f->s2, "/echo");
	req = request(u);
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_RESPONSE);
	assert_int_equal(f->s2.requests, 2);
}

/* The default policy, before any httpc_set_policy(), refuses loopback. */
static void
test_default_policy(void **state)
{
	struct fixture *f = *state;
	struct httpc_request req;
	const struct httpc_result *r;
	char u[128];

	httpc_free(f->hc);
	f->hc = httpc_new(f->base);
	url(u, sizeof(u), &f->s1, "/echo");
	req = request(u);
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_BLOCKED);
	assert_non_null(strstr(r->error, "127.0.0.1 is a loopback address"));
	assert_int_equal(f->s1.connections, 0);
}

/* A connection kept from an allowed request is checked again when the
 * policy has changed since. */
static void
test_policy_change_on_reused_connection(void **state)
{
	struct fixture *f = *state;
	struct httpc_request req;
	const struct httpc_result *r;
	char u[128];

	url(u, sizeof(u), &f->s1, "/echo");
	req = request(u);
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_RESPONSE);
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_RESPONSE);
	assert_int_equal(f->s1.connections, 1); /* reused */
	assert_int_equal(f->s1.requests, 2);

	set_policy(f, 0, "");
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_BLOCKED);
	assert_non_null(strstr(r->error, "127.0.0.1 is a loopback address"));
	assert_int_equal(f->s1.requests, 2); /* nothing sent */
}

static void
test_localhost(void **state)
{
	struct fixture *f = *state;
	struct httpc_request req;
	const struct httpc_result *r;
	char u[128];

	snprintf(u, sizeof(u), "http://localhost:%d/echo", f->s1.port);
	req = request(u);
	set_policy(f, 0, "127.0.0.1/32, ::1/128");
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_RESPONSE);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->ip, "127.0.0.1");
	assert_int_equal(f->s1.requests, 1);

	/* A name is no way around the policy. */
	set_policy(f, 0, "");
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_BLOCKED);
	assert_non_null(strstr(r->error, "loopback"));
	assert_int_equal(f->s1.requests, 1);
	assert_int_equal(f->s1.connections, 1);

	/* One of the name's addresses refused, the other allowed: the allowed
	 * one is used. */
	set_policy(f, 0, "127.0.0.1/32");
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_RESPONSE);
	assert_string_equal(r->ip, "127.0.0.1");
	assert_int_equal(f->s1.requests, 2);
}

static int
ipv6_loopback_works(void)
{
	struct sockaddr_in6 sin6;
	int fd = socket(AF_INET6, SOCK_STREAM, 0), ok;

	if (fd == -1)
		return 0;
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	ok = bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0;
	close(fd);
	return ok;
}

/* "localhost" with 127.0.0.1 refused and ::1 allowed but not listening:
 * the failure is the connection's, with the refusal mentioned, and the
 * 127.0.0.1 server sees nothing. */
static void
test_localhost_mixed(void **state)
{
	struct fixture *f = *state;
	struct httpc_request req;
	const struct httpc_result *r;
	char u[128];

	if (!ipv6_loopback_works())
		skip();
	snprintf(u, sizeof(u), "http://localhost:%d/echo", f->s1.port);
	req = request(u);
	set_policy(f, 0, "::1/128");
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_CONNECT);
	assert_non_null(strstr(r->error, "127.0.0.1 is a loopback address"));
	assert_int_equal(f->s1.connections, 0);
}

static void
test_redirects(void **state)
{
	struct fixture *f = *state;
	struct httpc_request req;
	const struct httpc_result *r;
	char u[128];

	url(u, sizeof(u), &f->s1, "/redirect/3");
	req = request(u);
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_RESPONSE);
	assert_int_equal(r->status, 200);
	assert_int_equal(r->redirects, 3);
	assert_int_equal(r->downloaded, strlen("landed"));
	assert_string_equal(f->s1.path, "/redirect/0");
	/* Every hop's headers are in the result. */
	assert_non_null(strstr(r->result, "HTTP/1.1 302 Found"));
	assert_non_null(strstr(r->result, "Location: /redirect/2"));

	req.follow_redirects = 0;
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_RESPONSE);
	assert_int_equal(r->status, 302);
	assert_int_equal(r->redirects, 0);
	assert_string_equal(f->s1.path, "/redirect/3");

	/* Five hops at most. */
	url(u, sizeof(u), &f->s1, "/redirect/5");
	req = request(u);
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_RESPONSE);
	assert_int_equal(r->redirects, 5);
	url(u, sizeof(u), &f->s1, "/redirect/6");
	req = request(u);
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_ERROR);
	assert_true(r->error[0] != '\0');
	assert_string_equal(f->s1.path, "/redirect/1");

	/* Only to http and https. */
	url(u, sizeof(u), &f->s1, "/to-ftp");
	req = request(u);
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_ERROR);
}

static void
test_other_statuses_and_errors(void **state)
{
	struct fixture *f = *state;
	const char *bad_header[] = { "X-Evil: a\r\nX-Injected: b" };
	struct httpc_request req;
	const struct httpc_result *r;
	char u[128];

	url(u, sizeof(u), &f->s1, "/missing");
	req = request(u);
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_RESPONSE);
	assert_int_equal(r->status, 404);
	assert_string_equal(r->error, "");

	/* Refused at the start: unknown method, a header with CR/LF. */
	url(u, sizeof(u), &f->s1, "/echo");
	req = request(u);
	req.method = "TRACE";
	assert_null(httpc_start(f->hc, &req, done_cb, f));
	req = request(u);
	req.headers = bad_header;
	req.nheaders = 1;
	assert_null(httpc_start(f->hc, &req, done_cb, f));
	assert_int_equal(httpc_active(f->hc), 0);

	/* Not http(s). */
	req = request("ftp://127.0.0.1/");
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_ERROR);
	req = request("file:///etc/passwd");
	r = fetch(f, &req);
	assert_int_equal(r->outcome, HTTPC_ERROR);
	assert_int_equal(r->downloaded, 0);
	assert_int_equal(f->s1.requests, 1);
}

/* At verbosity 2 curl's messages reach the log, but never a credential:
 * not the password, not the Authorization header, not other headers. */
static void
test_verbose_log(void **state)
{
	struct fixture *f = *state;
	const char *headers[] = { "X-Token: tok-4242" };
	char path[] = "/tmp/test_httpc_log.XXXXXX";
	struct httpc_request req;
	const struct httpc_result *r;
	char u[128], *text;
	int fd, saved;
	struct stat st;

	fd = mkstemp(path);
	assert_true(fd != -1);
	unlink(path);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	log_init("test_httpc", 1, 2);

	url(u, sizeof(u), &f->s1, "/echo");
	req = request(u);
	req.username = "alice";
	req.password = "s3cret";
	req.headers = headers;
	req.nheaders = 1;
	r = fetch(f, &req);

	log_init("test_httpc", 1, 0);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	assert_int_equal(r->outcome, HTTPC_RESPONSE);
	assert_string_equal(f->s1.authorization, "Basic YWxpY2U6czNjcmV0");

	assert_int_equal(fstat(fd, &st), 0);
	text = calloc(1, (size_t)st.st_size + 1);
	assert_int_equal(pread(fd, text, (size_t)st.st_size, 0), st.st_size);
	close(fd);
	if (strstr(text, "curl: ") == NULL)
		fail_msg("no curl message was logged: \"%s\"", text);
	assert_null(strstr(text, "s3cret"));
	assert_null(strstr(text, "YWxpY2U6czNjcmV0"));
	assert_null(strstr(text, "tok-4242"));
	free(text);
}

static void
cancel_later(evutil_socket_t fd, short what, void *arg)
{
	httpc_cancel(arg);
}

static void
test_cancel(void **state)
{
	struct fixture *f = *state;
	struct timeval tv = { 0, 200000 };
	struct httpc_request req;
	struct httpc_xfer *x;
	struct event *ev;
	char u[128];

	url(u, sizeof(u), &f->s1, "/hang");
	req = request(u);
	req.timeout = 2;

	/* Right away. */
	x = httpc_start(f->hc, &req, done_cb, f);
	assert_non_null(x);
	httpc_cancel(x);
	assert_int_equal(httpc_active(f->hc), 0);

	/* While waiting for the answer. */
	x = httpc_start(f->hc, &req, done_cb, f);
	assert_non_null(x);
	ev = evtimer_new(f->base, cancel_later, x);
	evtimer_add(ev, &tv);
	run_for(f, 2500); /* past the timeout it would have had */
	event_free(ev);
	assert_int_equal(f->done, 0);
	assert_int_equal(httpc_active(f->hc), 0);
	assert_int_equal(f->s1.requests, 1);

	/* httpc_free() with transfers in flight calls nobody either. */
	assert_non_null(httpc_start(f->hc, &req, done_cb, f));
	assert_non_null(httpc_start(f->hc, &req, done_cb, f));
	run_for(f, 200);
	assert_int_equal(httpc_active(f->hc), 2);
	httpc_free(f->hc);
	f->hc = NULL;
	run_for(f, 100);
	assert_int_equal(f->done, 0);
}

/* A callback may start the next transfer (as a job's tasks do). */
static void
chain_cb(const struct httpc_result *r, void *arg)
{
	struct fixture *f = arg;
	struct httpc_request req;
	char u[128];

	assert_int_equal(r->outcome, HTTPC_RESPONSE);
	url(u, sizeof(u), &f->s1, "/echo");
	req = request(u);
	assert_non_null(httpc_start(f->hc, &req, done_cb, f));
}

static void
test_start_from_callback(void **state)
{
	struct fixture *f = *state;
	struct httpc_request req;
	char u[128];

	url(u, sizeof(u), &f->s1, "/redirect/0");
	req = request(u);
	assert_non_null(httpc_start(f->hc, &req, chain_cb, f));
	wait_for(f, 1, 15);
	assert_int_equal(f->res.status, 200);
	assert_string_equal(f->s1.path, "/echo");
	assert_int_equal(f->s1.requests, 2);
}

/* More transfers at once than select() could watch: both ends are in this
 * process, so descriptors above 1024 are certainly in use. Fewer when the
 * descriptor limit cannot be raised enough. */
static void
test_many(void **state)
{
	struct fixture *f = *state;
	struct httpc_request req;
	struct rlimit rl;
	char u[128];
	int i, n = 1200;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < 4096) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < 4096)
		n = 300;
	url(u, sizeof(u), &f->s1, "/echo");
	req = request(u);
	for (i = 0; i < n; i++)
		assert_non_null(httpc_start(f->hc, &req, done_cb, f));
	assert_int_equal(httpc_active(f->hc), n);
	wait_for(f, n, 60);
	assert_int_equal(f->done, n);
	assert_int_equal(f->ok, n);
	assert_int_equal(f->s1.requests, n);
	assert_int_equal(httpc_active(f->hc), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_methods, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_post, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_response, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pattern_across_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blocked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_change_on_reused_connection,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_localhost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_localhost_mixed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redirects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_statuses_and_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_verbose_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_from_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
