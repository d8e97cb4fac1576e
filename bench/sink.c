#define _POSIX_C_SOURCE 200809L
/*
 * sink: a small libevent HTTP server for bench/fire. It answers every
 * request with 200 and a short body, counts them, and prints the count
 * once a second and at every 500th request ("<unix time, ms> <requests so
 * far>") so the benchmark can see the rate and when the last request of a
 * burst arrived. Listens on 127.0.0.1 port 0 and prints "port N" first.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

static unsigned long long requests;

static void
report(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	printf("%lld.%03ld %llu\n", (long long)ts.tv_sec, ts.tv_nsec / 1000000, requests);
	fflush(stdout);
}

static void
answer(struct evhttp_request *req, void *arg)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);

	(void)arg;
	if (++requests % 500 == 0)
		report();
	evbuffer_add(out, "ok\n", 3);
	evhttp_send_reply(req, 200, "OK", out);
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	report();
}

int
main(void)
{
	struct event_base *base = event_base_new();
	struct evhttp *http = evhttp_new(base);
	struct evhttp_bound_socket *s;
	struct timeval one = { 1, 0 };
	struct rlimit rl;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	evhttp_set_gencb(http, answer, NULL);
	evhttp_set_timeout(http, 60);
	if ((s = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0)) == NULL) {
		perror("bind");
		return 1;
	}
	getsockname(evhttp_bound_socket_get_fd(s), (struct sockaddr *)&ss, &len);
	printf("port %d\n", ntohs(((struct sockaddr_in *)&ss)->sin_port));
	fflush(stdout);
	event_add(event_new(base, -1, EV_PERSIST, tick, NULL), &one);
	event_base_dispatch(base);
	return 0;
}
