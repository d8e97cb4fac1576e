/*
 * metrics: counters of the executor, and the /metrics page in
 * Prometheus' text format (0.0.4).
 *
 * The API keeps its own counters (struct api_counters, api.h), read here
 * when the page is made. The daemon has one thread, so the executor's
 * counters are plain integers in one process-wide structure; gauges (executions in flight, scheduled jobs,
 * accounts, map use) are read when the page is made.
 */
#ifndef WEBCRON_METRICS_H
#define WEBCRON_METRICS_H

#include <stddef.h>

struct server;
struct buf;

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
