/*
 * metrics: counters of the API and the executor, and the /metrics page in
 * Prometheus' text format (0.0.4).
 *
 * The daemon has one thread, so the counters are plain integers in one
 * process-wide structure; gauges (executions in flight, scheduled jobs,
 * accounts, map use) are read when the page is made.
 */
#ifndef WEBCRON_METRICS_H
#define WEBCRON_METRICS_H

#include <stddef.h>

struct server;
struct buf;

/* An API request answered: ROUTE is its index in api_routes[] (-1 when no
 * route matched), CODE its envelope code, HTTP the status. */
void metrics_api(int route, int code, int http);
/* An execution ended with Log STATUS; JITTER is start minus planned, in
 * seconds (runs that never started, skipped or cancelled in the queue,
 * pass a negative jitter and are not in the histogram). */
void metrics_execution(int status, double jitter);
/* A notice could not be delivered after its retries. */
void metrics_notice_failed(void);

/* The page, appended to OUT. */
void metrics_render(struct server *srv, struct buf *out);

/* For tests: every counter back to zero. */
void metrics_reset(void);

#endif
