/*
 * metrics: counters and the Prometheus page.
 */

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "util/buf.h"
#include "daemon/conn.h"
#include "store/execlog.h"
#include "daemon/metrics.h"
#include "exec/notify.h"
#include "exec/run.h"
#include "exec/sched.h"
#include "daemon/server.h"
#include "store/apikey.h"
#include "store/store.h"
#include "store/writer.h"
#include "util/version.h"

static const char *const metrics_status_names[LOG_CANCELLED + 1] = {
	"success", "http_status", "timeout", "connect", "pattern", "blocked", "skipped",
	"task_failed", "cancelled"
};

static void
metrics_head(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
metrics_gauge(struct buf *out, const char *name, const char *help, double v)
{
	metrics_head(out, name, "gauge", help);
	buf_printf(out, "%s %.17g\n", name, v);
}

static void
metrics_counter(struct buf *out, const char *name, const char *help, uint64_t v)
{
	metrics_head(out, name, "counter", help);
	buf_printf(out, "%s %llu\n", name, (unsigned long long)v);
}

void
metrics_render(struct server *srv, struct buf *out)
{
	const struct api_counters *api = &srv->api->counters;
	const struct runs_counters *rc = runs_counters(srv->runs);
	struct store_txn t;
	uint64_t used = 0, size = 0, accounts = 0, jobs = 0, cumulative = 0;
	unsigned long long batches, writes;
	size_t nroutes = 0, r, c, i;

	while (api_routes[nroutes].target)
		nroutes++;
	if (store_begin(srv->store, 0, &t) == STORE_OK) {
		accounts = store_count(&t, DB_ACCOUNTS);
		jobs = store_count(&t, DB_JOBS);
		store_abort(&t);
	}
	store_usage(srv->store, &used, &size);

	metrics_head(out, "webcron_build_info", "gauge", "The running version, on node [server] name.");
	/* the name is letters, digits, '.', '_', '-' (config.c): no escaping */
	buf_printf(out, "webcron_build_info{version=\"%s\",node=\"%s\"} 1\n", WEBCRON_VERSION,
	    srv->cfg.name);
	metrics_gauge(out, "webcron_uptime_seconds", "Seconds since webcrond started.",
	    (double)(time(NULL) - srv->started));

	metrics_head(out, "webcron_api_requests_total", "counter",
	    "API requests answered, by target.action and envelope code.");
	for (r = 0; r <= nroutes && r <= API_COUNTED_ROUTES; r++)
		for (c = 0; c < API_COUNTED_CODES; c++) {
			if (api->requests[r][c] == 0)
				continue;
			if (r == 0)
				buf_printf(out, "webcron_api_requests_total{action=\"unknown\",code=\"%zu\"} %llu\n",
				    c, (unsigned long long)api->requests[r][c]);
			else
				buf_printf(out, "webcron_api_requests_total{action=\"%s.%s\",code=\"%zu\"} %llu\n",
				    api_routes[r - 1].target, api_routes[r - 1].action, c,
				    (unsigned long long)api->requests[r][c]);
		}
	metrics_counter(out, "webcron_api_rate_limited_total",
	    "API requests refused by the rate limit (HTTP 503, code 50).", api->rate_limited);
	metrics_head(out, "webcron_api_permission_denied_total", "counter",
	    "API requests refused with code 13 (permission denied), by the scope the action needs "
	    "(token: the account's token only).");
	for (i = 0; i < API_COUNTED_SCOPES; i++)
		buf_printf(out, "webcron_api_permission_denied_total{scope=\"%s\"} %llu\n",
		    i == 0 ? "token" : apikey_scope_name(1u << (i - 1)),
		    (unsigned long long)api->denied[i]);
	metrics_counter(out, "webcron_api_server_errors_total",
	    "API answers with an HTTP status of 500 or more, rate limits aside.", api->http5xx);
	metrics_gauge(out, "webcron_api_connections", "API connections open now.",
	    (double)conns_open(srv->conns));
	metrics_counter(out, "webcron_api_connections_timed_out_total",
	    "API connections closed because a request did not arrive whole in request_timeout.",
	    conns_timed_out(srv->conns));
	metrics_counter(out, "webcron_api_accept_errors_total",
	    "Times accept() failed on an API listener (e.g. out of descriptors).",
	    conns_accept_errors(srv->conns));
	writer_figures(srv->api->writer, &batches, &writes);
	metrics_counter(out, "webcron_store_write_batches_total",
	    "Synced commits of the API's writes (group commit).", batches);
	metrics_counter(out, "webcron_store_batched_writes_total",
	    "API writes in those commits; over the batches, the mean batch size.", writes);

	metrics_head(out, "webcron_executions_total", "counter",
	    "Executions ended, by Log status.");
	for (i = 0; i <= LOG_CANCELLED; i++)
		buf_printf(out, "webcron_executions_total{status=\"%zu\",reason=\"%s\"} %llu\n", i,
		    metrics_status_names[i], (unsigned long long)rc->executions[i]);

	metrics_head(out, "webcron_execution_jitter_seconds", "histogram",
	    "Start minus planned time of the executions that started.");
	for (i = 0; i < RUNS_JITTER_BUCKETS; i++) {
		cumulative += rc->jitter[i];
		buf_printf(out, "webcron_execution_jitter_seconds_bucket{le=\"%g\"} %llu\n",
		    runs_jitter_le[i], (unsigned long long)cumulative);
	}
	buf_printf(out, "webcron_execution_jitter_seconds_bucket{le=\"+Inf\"} %llu\n",
	    (unsigned long long)rc->jitter_count);
	buf_printf(out, "webcron_execution_jitter_seconds_sum %.6f\n", rc->jitter_sum);
	buf_printf(out, "webcron_execution_jitter_seconds_count %llu\n",
	    (unsigned long long)rc->jitter_count);

	metrics_gauge(out, "webcron_executions_in_flight", "Executions running now.",
	    (double)runs_inflight(srv->runs));
	metrics_gauge(out, "webcron_executions_queued",
	    "Executions waiting for a concurrency slot.", (double)runs_queued(srv->runs));
	metrics_gauge(out, "webcron_scheduled_jobs", "Jobs with a next fire time.",
	    (double)sched_count(srv->sched));
	metrics_gauge(out, "webcron_jobs", "Jobs stored.", (double)jobs);
	metrics_gauge(out, "webcron_accounts", "Accounts stored.", (double)accounts);
	metrics_gauge(out, "webcron_notices_pending", "Webhook notices being delivered.",
	    (double)notify_pending(srv->notify));
	metrics_counter(out, "webcron_notices_failed_total",
	    "Webhook notices not delivered after their retries.", notify_failed(srv->notify));
	metrics_gauge(out, "webcron_store_map_used_bytes", "Bytes of the LMDB map in use.",
	    (double)used);
	metrics_gauge(out, "webcron_store_map_size_bytes", "Size of the LMDB map (map_size).",
	    (double)size);
}
