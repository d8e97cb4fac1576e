/*
 * baseline_http: the yardstick of bench/api. A minimal libevent evhttp
 * server with the settings webcrond uses (src/daemon/server.c server_http_new)
 * that answers every request with one fixed JSON body and the headers
 * webcrond's API sends, doing nothing else. What it serves per second is
 * the ceiling evhttp puts on webcrond on the same machine.
 *
 *   baseline_http [BODYFILE]
 *
 * It listens on 127.0.0.1, port 0 (a free port), prints the port on a line
 * of its own on stdout, and runs until SIGTERM or SIGINT. The body is the
 * content of BODYFILE (bench/api passes a real cron.get answer), or else a
 * built-in cron.get answer of the same size (859 bytes).
 *
 * Build: cc -O2 -o baseline_http baseline_http.c $(pkg-config --cflags --libs libevent)
 */

#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

/* As in src/daemon/server.c and src/api/api.h. */
#define BODY_MAX (64 * 1024)
#define BODY_HARD_MAX (4 * BODY_MAX)
#define HEADERS_MAX 8192
#define IDLE_TIMEOUT 60 /* [server] idle_timeout's default */

static const char default_body[] =
    "{\"status\":\"success\",\"code\":0,\"data\":{\"id\":1,\"name\":\"bench1\","
    "\"description\":\"\",\"group\":null,\"url\":\"https://bench.example/1\","
    "\"httpMethod\":\"GET\",\"httpHeaders\":\"\",\"postData\":\"\",\"username\":\"\","
    "\"password\":\"\",\"hasPassword\":false,\"userAgent\":\"webcron/0.1.0\","
    "\"timeout\":30,\"expression\":\"@manual\",\"second\":null,\"minute\":null,"
    "\"hour\":null,\"day\":null,\"month\":null,\"weekday\":null,\"timezone\":\"UTC\","
    "\"startsAt\":null,\"expiresAt\":null,\"status\":0,\"fail\":0,"
    "\"failureThreshold\":10,\"notify\":0,\"notifyEvery\":1,\"pattern\":\"\","
    "\"ignoreHttpStatus\":false,\"successCodes\":\"200-299\",\"followRedirects\":true,"
    "\"sslVerify\":true,\"retries\":0,\"retryDelay\":60,\"single\":true,"
    "\"instances\":5,\"catchUp\":\"once\",\"startingDeadline\":3600,\"tasks\":[],"
    "\"lastRun\":null,\"nextRun\":null,\"lastStatus\":null,\"lastDuration\":null,"
    "\"isProcessing\":false,\"pausedUntil\":null,\"points\":0,"
    "\"createdAt\":1795242177,\"updatedAt\":1795242177}}";

static char *body;
static size_t body_len;

/* Answers like src/api/api.c api_send: the same headers, a body built per
 * request in the request's output buffer. */
static void
answer(struct evhttp_request *req, void *arg)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evhttp_request_get_output_buffer(req);

	(void)arg;
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evbuffer_add(out, body, body_len);
	evhttp_send_reply(req, 200, "OK", out);
}

static void
stop(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopexit(arg, NULL);
}

static int
load_body(const char *path)
{
	FILE *f;
	long n;

	if (path == NULL) {
		body = strdup(default_body);
		body_len = strlen(default_body);
		return body ? 0 : -1;
	}
	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) == -1 ||
	    (body = malloc((size_t)n + 1)) == NULL || fread(body, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		fclose(f);
		return -1;
	}
	fclose(f);
	body_len = (size_t)n;
	/* a trailing newline (from curl -w or an editor) is not the answer */
	while (body_len > 0 && (body[body_len - 1] == '\n' || body[body_len - 1] == '\r'))
		body_len--;
	return 0;
}

int
main(int argc, char **argv)
{
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct event *sigterm, *sigint;
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);

	if (argc > 2) {
		fprintf(stderr, "usage: baseline_http [BODYFILE]\n");
		return 2;
	}
	if (load_body(argc == 2 ? argv[1] : NULL) == -1)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL || (http = evhttp_new(base)) == NULL) {
		fprintf(stderr, "baseline_http: libevent initialisation failed\n");
		return 1;
	}
	/* the settings of src/daemon/server.c server_http_new */
	evhttp_set_max_headers_size(http, HEADERS_MAX);
	evhttp_set_max_body_size(http, BODY_HARD_MAX);
	evhttp_set_timeout(http, IDLE_TIMEOUT);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH | EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS);
	evhttp_set_default_content_type(http, "application/json");
	evhttp_set_gencb(http, answer, NULL);

	if ((bound = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0)) == NULL) {
		fprintf(stderr, "baseline_http: cannot listen on 127.0.0.1\n");
		return 1;
	}
	if (getsockname(evhttp_bound_socket_get_fd(bound), (struct sockaddr *)&sin, &slen) == -1) {
		perror("getsockname");
		return 1;
	}
	sigterm = evsignal_new(base, SIGTERM, stop, base);
	sigint = evsignal_new(base, SIGINT, stop, base);
	evsignal_add(sigterm, NULL);
	evsignal_add(sigint, NULL);
	printf("%d\n", ntohs(sin.sin_port));
	fflush(stdout);

	event_base_dispatch(base);

	event_free(sigterm);
	event_free(sigint);
	evhttp_free(http);
	event_base_free(base);
	free(body);
	return 0;
}
