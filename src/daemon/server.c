/*
 * server: start-up order, the HTTP front door, signals and reloads.
 */

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/ssl.h>

#include "api/api.h"
#include "api/call.h"
#include "util/buf.h"
#include "api/proxy.h"
#include "daemon/conn.h"
#include "daemon/apidoc.h"
#include "daemon/dashboard.h"
#include "daemon/httperror.h"
#include "store/changefeed.h"
#include "store/execlog.h"
#include "store/history.h"
#include "store/job.h"
#include "exec/httpc.h"
#include "util/log.h"
#include "daemon/metrics.h"
#include "exec/netpolicy.h"
#include "exec/notify.h"
#include "api/ratelimit.h"
#include "exec/run.h"
#include "exec/sched.h"
#include "daemon/router.h"
#include "daemon/server.h"
#include "store/store.h"
#include "exec/taskclass.h"
#include "daemon/tls.h"

/* Buckets kept for the API rate limits; beyond this, new addresses are
 * refused until old buckets have refilled (see ratelimit.h). */
#define SERVER_BUCKETS (256 * 1024)
/* Writes in one group commit at most: a batch holds LMDB's write lock,
 * which the scheduler's fire records wait for, and a child transaction's
 * pages stay dirty in the parent until the commit. */
#define SERVER_WRITE_BATCH 64

double
server_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
server_job_changed(struct server *srv, const struct job *j, int deleted)
{
	if (srv->sched)
		sched_job_changed(srv->sched, j, NULL, deleted);
}

void
server_account_changed(struct server *srv, const struct account *a, int deleted)
{
	if (srv->sched)
		sched_account_changed(srv->sched, a, deleted);
	router_account_changed(srv->router, a, deleted);
}

/* A run disabled job J (its failureThreshold): it leaves the schedule. */
static void
server_run_job_changed(void *arg, const struct job *j)
{
	server_job_changed(arg, j, 0);
}

unsigned
server_job_running(struct server *srv, uint64_t id)
{
	return srv->runs ? runs_active(srv->runs, id) : 0;
}

/* ---- what the API asks of the daemon and the executor (api_hooks) */

static void
server_api_job_changed(void *arg, const struct job *j, int deleted)
{
	server_job_changed(arg, j, deleted);
}

static void
server_api_account_changed(void *arg, const struct account *a, int deleted)
{
	server_account_changed(arg, a, deleted);
}

static unsigned
server_api_job_running(void *arg, uint64_t id)
{
	return server_job_running(arg, id);
}

static int
server_api_daily_reached(void *arg, uint64_t account, int64_t now)
{
	struct server *srv = arg;

	return sched_daily_reached(srv->sched, account, now);
}

/* cron.run: job J runs now, through the scheduler's one way of turning a
 * job into a run (sched_fire_now), its refusals put in the API's terms. */
static int
server_run_now(void *arg, const struct job *j, const char *payload, int64_t now,
    struct api_run *out)
{
	struct server *srv = arg;
	struct sched_fired f;

	if (sched_fire_now(srv->sched, j, payload, now, &f) == 0) {
		out->execution = f.log_id;
		return 0;
	}
	out->active = f.active;
	switch (f.why) {
	case SCHED_RUNNING:
		out->refused = API_RUNNING;
		break;
	case SCHED_DAILY:
		out->refused = API_DAILY;
		break;
	case SCHED_STORE:
		out->refused = API_STORAGE;
		out->store_status = f.store_rc;
		break;
	case SCHED_MOVING:
		out->refused = API_MOVING;
		break;
	}
	return -1;
}

static void
server_api_logs_flush(void *arg)
{
	struct server *srv = arg;

	runs_flush(srv->runs);
}

static void
server_api_figures(void *arg, struct api_figures *out)
{
	struct server *srv = arg;

	out->inflight = runs_inflight(srv->runs);
	out->queued = runs_queued(srv->runs);
	out->scheduled = sched_count(srv->sched);
}

static double
server_api_monotonic(void *arg)
{
	return server_monotonic();
}

static int64_t
server_api_now(void *arg)
{
	return (int64_t)time(NULL);
}

/* The destination policy of outgoing requests, from the config. */
static void
server_policy(struct server *srv)
{
	struct netpolicy np;

	np.allow_private = srv->cfg.allow_private_targets;
	np.allowed = srv->cfg.allowed_targets;
	httpc_set_policy(srv->httpc, &np);
}

int
server_configure(struct server *srv, const char *path, char *err, size_t errlen)
{
	memset(srv, 0, sizeof(*srv));
	return config_load(path, &srv->cfg, err, errlen);
}

int
server_bind(struct server *srv)
{
	char why[256], err[512];
	size_t i;

	if (listen_addr_parse_list(srv->cfg.listen, &srv->addrs, &srv->nfds, why, sizeof(why)) == -1) {
		log_warnx("listen: %s", why);
		return -1;
	}
	srv->fds = xcalloc(srv->nfds, sizeof(int));
	srv->port = -1;
	for (i = 0; i < srv->nfds; i++) {
		if ((srv->fds[i] = listen_open(&srv->addrs[i], why, sizeof(why))) == -1) {
			log_warnx("listen: %s", why);
			/* server_free() unlinks the unix sockets of the first
			 * nfds addresses: only those bound here */
			srv->nfds = i;
			while (i-- > 0)
				close(srv->fds[i]);
			return -1;
		}
		if (srv->port == -1)
			srv->port = listen_port(srv->fds[i]);
	}
	/* the key is read before privileges are dropped, as the sockets are
	 * bound: it can stay readable by root alone */
	if (*srv->cfg.tls_cert &&
	    (srv->tls = tls_server_new(srv->cfg.tls_cert, srv->cfg.tls_key, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return -1;
	}
	return 0;
}

/* GET /healthz: 200 when the store answers, 503 otherwise; while the
 * schedule loads at start-up, 200 with "loading" and the progress. */
static void
server_healthz(struct server *srv, struct evhttp_request *req)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	struct store_txn t;
	uint64_t loaded, total;
	int ok = store_begin(srv->store, 0, &t) == STORE_OK;

	if (ok)
		store_abort(&t);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
	if (ok && srv->sched && sched_load_progress(srv->sched, &loaded, &total))
		evbuffer_add_printf(out, "{\"status\":\"loading\",\"loaded\":%llu,\"total\":%llu}",
		    (unsigned long long)loaded, (unsigned long long)total);
	else
		evbuffer_add_printf(out, "{\"status\":\"%s\"}", ok ? "ok" : "unavailable");
	evhttp_send_reply(req, ok ? 200 : 503, ok ? "OK" : "Service Unavailable", out);
}

/* GET /metrics, for the addresses in metrics_allow. The client is the
 * one after trusted_proxies: a reverse proxy that is not trusted is itself
 * the client, so keep it out of metrics_allow (or trust it). */
static void
server_metrics(struct server *srv, struct evhttp_request *req)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	struct buf page = BUF_INIT;
	struct cidr_addr a;
	char text[64];

	if (proxy_client_address(&srv->cfg, req, &a, text, sizeof(text)) &&
	    !cidr_list_match(&srv->cfg.metrics_allow, &a)) {
		call_send_error(req, 403, API_DENIED, "metrics are not served to this address");
		return;
	}
	metrics_render(srv, &page);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
	evbuffer_add(out, page.data, page.len);
	evhttp_send_reply(req, 200, "OK", out);
	buf_free(&page);
}

static void
server_request(struct evhttp_request *req, void *arg)
{
	struct server *srv = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));

	conns_dispatched(srv->conns, req);
	if (path == NULL)
		path = "";
	if (!httperror_method_allowed(req)) {
		httperror_method_refused(req);
		return;
	}
	if (strcmp(path, "/api/openapi.json") == 0)
		apidoc_serve(req);
	else if (strncmp(path, "/api/", 5) == 0)
		api_handle(srv->api, req);
	else if (strcmp(path, "/healthz") == 0)
		server_healthz(srv, req);
	else if (strcmp(path, "/metrics") == 0)
		server_metrics(srv, req);
	else if (dashboard_handle(srv, req, path))
		;
	else
		call_send_error(req, 404, API_UNKNOWN,
		    "not found: the API is at /api/<target>.<action>");
}

static struct evhttp *
server_http_new(struct server *srv)
{
	struct evhttp *http = evhttp_new(srv->base);

	if (http == NULL)
		fatalx("evhttp_new failed");
	/* evhttp's defaults are unlimited: set every limit */
	evhttp_set_max_headers_size(http, HTTPERROR_HEADERS_MAX);
	evhttp_set_max_body_size(http, HTTPERROR_BODY_MAX);
	evhttp_set_timeout(http, srv->cfg.idle_timeout);
	/* every method, those libevent does not know (its 1 << 15) included;
	 * server_request refuses the others in the envelope. But CONNECT:
	 * libevent reads its body until the connection closes (a tunnel), so
	 * no callback would ever answer it; refused by libevent at once,
	 * through httperror's evhttp_send_error (the same 405). */
	evhttp_set_allowed_methods(http, 0xffff & ~EVHTTP_REQ_CONNECT);
	evhttp_set_default_content_type(http, "application/json");
	evhttp_set_gencb(http, server_request, srv);
	return http;
}

static void
server_stopped(void *arg)
{
	struct server *srv = arg;

	event_base_loopexit(srv->base, NULL);
}

static void
server_stop(struct server *srv, const char *why)
{
	if (srv->stopping)
		return;
	srv->stopping = 1;
	log_info("%s: stopping", why);
	/* writes in flight are committed and answered before their requests
	 * go with evhttp; every other action answers within its callback */
	api_writer_stop(srv->api);
	api_keys_flush(srv->api);
	/* stop accepting */
	if (srv->http)
		evhttp_free(srv->http);
	if (srv->https)
		evhttp_free(srv->https);
	srv->http = srv->https = NULL;
	conns_unlisten(srv->conns);
	/* no new fires; running executions get shutdown_grace to finish */
	sched_stop(srv->sched);
	runs_shutdown(srv->runs, srv->cfg.shutdown_grace, server_stopped, srv);
}

static void
server_reload(struct server *srv)
{
	struct config fresh;
	char err[512];

	if (config_load(srv->cfg.path, &fresh, err, sizeof(err)) == -1) {
		log_warnx("reload: %s; keeping the configuration in use", err);
		return;
	}
	if (httpc_set_egress(srv->httpc, fresh.egress_ipv4, fresh.egress_ipv6, err,
	        sizeof(err)) == -1) {
		log_warnx("reload: %s; keeping the configuration in use", err);
		config_free(&fresh);
		return;
	}
	config_keep_restart_keys(&fresh, &srv->cfg);
	/* the writer thread's handlers read the config: not while it changes */
	api_writer_pause(srv->api);
	config_free(&srv->cfg);
	srv->cfg = fresh;
	api_writer_resume(srv->api);
	server_policy(srv);
	if (srv->http)
		evhttp_set_timeout(srv->http, srv->cfg.idle_timeout);
	if (srv->https)
		evhttp_set_timeout(srv->https, srv->cfg.idle_timeout);
	conns_set_timeout(srv->conns, srv->cfg.request_timeout);
	log_info("reload: configuration %s applied", srv->cfg.path);
}

static void server_sig_stop(struct server *srv, int sig);
static void server_sig_reload(struct server *srv, int sig);

/* What each signal does; all are delivered as loop events, so no work
 * happens in signal context. */
static const struct {
	int sig;
	void (*fn)(struct server *, int);
} server_signals[] = {
	{ SIGTERM, server_sig_stop },
	{ SIGINT, server_sig_stop },
	{ SIGHUP, server_sig_reload },
};

static void
server_sig_stop(struct server *srv, int sig)
{
	server_stop(srv, sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void
server_sig_reload(struct server *srv, int sig)
{
	log_info("SIGHUP: reloading %s", srv->cfg.path);
	server_reload(srv);
}

static void
server_signal(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	size_t i;

	for (i = 0; i < sizeof(server_signals) / sizeof(server_signals[0]); i++)
		if (server_signals[i].sig == (int)sig)
			server_signals[i].fn(srv, (int)sig);
}

static void
server_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	ratelimit_sweep(srv->rl, server_monotonic());
	/* the keys' last use, at most once a minute per key (api.c) */
	api_keys_flush(srv->api);
}

static void
server_log_flush(evutil_socket_t fd, short what, void *arg)
{
	log_flush();
}

static void
server_reload_account(uint64_t account, void *arg)
{
	struct server *srv = arg;

	log_info("account %llu was changed by webcronctl: rescheduling it",
	    (unsigned long long)account);
	sched_account_reload(srv->sched, account);
	router_account_reload(srv->router, account);
}

/* What webcronctl changed in the store while the daemon runs. */
static void
server_ctl_poll(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	changefeed_poll(srv->store, &srv->ctl_seen, server_reload_account, srv);
}

/* Logs older than log_max_age and history events older than
 * history_days go (history_max is kept by each insert), a slice at a time so that no turn of
 * the loop is long. */
static void
server_expire(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	struct store_txn t;
	size_t n, h;

	if (store_begin(srv->store, 1, &t) != STORE_OK)
		return;
	n = execlog_expire(&t, (int64_t)time(NULL) - (int64_t)srv->cfg.log_max_age * 86400,
	    srv->expire_cursor, 5000);
	h = history_expire(&t, (int64_t)time(NULL) - (int64_t)srv->cfg.history_days * 86400,
	    srv->history_cursor, 5000);
	if (store_commit(&t) != STORE_OK)
		return;
	if (n)
		log_info("logs: %zu older than %d days deleted", n, srv->cfg.log_max_age);
	if (h)
		log_info("history: %zu events older than %d days deleted", h, srv->cfg.history_days);
}

/* The exec wing's objects, each given what it uses: the loop, the
 * store, the config (whose contents a reload replaces in place), the
 * HTTP client, and how to tell the scheduler that a run changed a job. */
static void
server_exec_new(struct server *srv)
{
	struct notify_env ne;
	struct runs_env re;
	struct sched_env se;

	srv->tasks = taskclasses_new(srv->base);
	memset(&ne, 0, sizeof(ne));
	ne.base = srv->base;
	ne.store = srv->store;
	ne.cfg = &srv->cfg;
	ne.httpc = srv->httpc;
	ne.tasks = srv->tasks;
	srv->notify = notify_new(&ne);
	memset(&re, 0, sizeof(re));
	re.base = srv->base;
	re.store = srv->store;
	re.cfg = &srv->cfg;
	re.httpc = srv->httpc;
	re.tasks = srv->tasks;
	re.notify = srv->notify;
	re.job_changed = server_run_job_changed;
	re.arg = srv;
	srv->runs = runs_new(&re);
	memset(&se, 0, sizeof(se));
	se.base = srv->base;
	se.store = srv->store;
	se.runs = srv->runs;
	se.load_slice = (size_t)srv->cfg.load_slice;
	srv->sched = sched_new(&se);
}

int
server_start(struct server *srv)
{
	struct timeval ten = { 10, 0 }, one = { 1, 0 }, quarter = { 0, 250000 };
	struct api_hooks hooks = {
		.arg = srv,
		.job_changed = server_api_job_changed,
		.account_changed = server_api_account_changed,
		.job_running = server_api_job_running,
		.daily_reached = server_api_daily_reached,
		.run_now = server_run_now,
		.logs_flush = server_api_logs_flush,
		.figures = server_api_figures,
		.monotonic = server_api_monotonic,
		.now = server_api_now,
	};
	char err[512];
	size_t i;
	int failed;

	job_fields_index();
	if (store_open(srv->cfg.data_dir, srv->cfg.map_size, 0, &srv->store, err, sizeof(err)) == -1) {
		log_warnx("store: %s", err);
		return -1;
	}
	if ((srv->base = event_base_new()) == NULL) {
		log_warnx("event_base_new failed");
		return -1;
	}
	srv->rl = ratelimit_new(SERVER_BUCKETS);
	srv->started = time(NULL);
	srv->api = api_new(&srv->cfg, srv->store, srv->rl, srv->started, &hooks);
	srv->httpc = httpc_new(srv->base);
	srv->conns = conns_new(srv->base, srv->cfg.request_timeout);
	server_policy(srv);
	if (httpc_set_egress(srv->httpc, srv->cfg.egress_ipv4, srv->cfg.egress_ipv6, err,
	        sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	server_exec_new(srv);
	srv->ctl_seen = changefeed_last(srv->store); /* the loads below see all before */
	srv->router = router_new(srv->base, &srv->cfg, srv->store, &failed);
	if (failed)
		return -1;
	if (sched_load_start(srv->sched, (int64_t)time(NULL)) == -1) {
		log_warnx("sched: the jobs cannot be read from the store");
		return -1;
	}
	notify_resume(srv->notify);
	for (i = 0; i < srv->nfds; i++) {
		struct evhttp **h = srv->tls && srv->addrs[i].family != AF_UNIX ?
		    &srv->https :
		    &srv->http;

		struct evhttp_bound_socket *bound;

		if (*h == NULL) {
			*h = server_http_new(srv);
			if (conns_attach(srv->conns, *h, h == &srv->https ? srv->tls : NULL) == -1)
				return -1;
		}
		if ((bound = evhttp_accept_socket_with_handle(*h, srv->fds[i])) == NULL) {
			log_warnx("listen: %s: cannot accept", srv->addrs[i].text);
			return -1;
		}
		if (conns_listen(srv->conns, bound, srv->addrs[i].text) == -1)
			return -1;
		if (listen_port(srv->fds[i]) >= 0)
			log_info("listening on %s (port %d)%s", srv->addrs[i].text,
			    listen_port(srv->fds[i]), h == &srv->https ? " with TLS" : "");
		else
			log_info("listening on %s", srv->addrs[i].text);
	}
	for (i = 0; i < sizeof(server_signals) / sizeof(server_signals[0]); i++) {
		srv->signals[i] = evsignal_new(srv->base, server_signals[i].sig, server_signal, srv);
		if (srv->signals[i] == NULL || evsignal_add(srv->signals[i], NULL) == -1) {
			log_warnx("cannot watch signal %d", server_signals[i].sig);
			return -1;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	srv->sweep = event_new(srv->base, -1, EV_PERSIST, server_sweep, srv);
	event_add(srv->sweep, &ten);
	srv->expire = event_new(srv->base, -1, EV_PERSIST, server_expire, srv);
	event_add(srv->expire, &ten);
	srv->log_flush = event_new(srv->base, -1, EV_PERSIST, server_log_flush, srv);
	event_add(srv->log_flush, &quarter);
	srv->ctl_poll = event_new(srv->base, -1, EV_PERSIST, server_ctl_poll, srv);
	event_add(srv->ctl_poll, &one);
	if (api_writer_start(srv->api, srv->base, SERVER_WRITE_BATCH) == -1)
		log_warnx("writes stay on the loop thread, one commit each");
	if (*srv->cfg.port_file && srv->port >= 0 &&
	    listen_write_port_file(srv->cfg.port_file, srv->port) == -1)
		return -1;
	log_info("webcrond ready: node %s, data in %s", srv->cfg.name, srv->cfg.data_dir);
	log_flush();
	log_started();
	return 0;
}

int
server_run(struct server *srv)
{
	if (event_base_dispatch(srv->base) == -1) {
		log_warnx("event loop failed");
		return 1;
	}
	log_info("stopped");
	return 0;
}

void
server_free(struct server *srv)
{
	size_t i;

	for (i = 0; i < sizeof(srv->signals) / sizeof(srv->signals[0]); i++)
		if (srv->signals[i])
			event_free(srv->signals[i]);
	if (srv->sweep)
		event_free(srv->sweep);
	if (srv->expire)
		event_free(srv->expire);
	if (srv->log_flush)
		event_free(srv->log_flush);
	if (srv->ctl_poll)
		event_free(srv->ctl_poll);
	log_flush();
	router_free(srv->router);
	sched_free(srv->sched);
	runs_free(srv->runs);
	if (srv->httpc)
		httpc_free(srv->httpc);
	notify_free(srv->notify);
	taskclasses_free(srv->tasks);
	if (srv->http)
		evhttp_free(srv->http);
	if (srv->https)
		evhttp_free(srv->https);
	conns_free(srv->conns);
	if (srv->tls)
		SSL_CTX_free(srv->tls);
	if (srv->api)
		api_free(srv->api);
	ratelimit_free(srv->rl);
	store_close(srv->store);
	if (srv->base)
		event_base_free(srv->base);
	for (i = 0; i < srv->nfds; i++)
		if (srv->addrs[i].family == AF_UNIX)
			unlink(((struct sockaddr_un *)&srv->addrs[i].ss)->sun_path);
	free(srv->fds);
	free(srv->addrs);
	config_free(&srv->cfg);
}
