/*
 * metrics: counters of the API and the executor, and the /metrics page in
 * Prometheus' text format (0.0.4).
 *
 * The daemon has one thread, so the API's counters are plain integers in
 * one process-wide structure; the executor's counters (executions by
 * status, jitter, notices given up) live in its runs and notify objects
 * and, like the gauges (executions in flight, scheduled jobs, accounts,
 * map use), are read when the page is made.
 */
#ifndef WEBCRON_METRICS_H
#define WEBCRON_METRICS_H

#include <stddef.h>

struct server;
struct buf;

/* An API request answered: ROUTE is its index in api_routes[] (-1 when no
 * route matched), CODE its envelope code, HTTP the status. */
void metrics_api(int route, int code, int http);

/* The page, appended to OUT. */
void metrics_render(struct server *srv, struct buf *out);

/* For tests: every counter back to zero. */
void metrics_reset(void);

#endif
