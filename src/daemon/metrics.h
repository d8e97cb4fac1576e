/*
 * metrics: the /metrics page in Prometheus' text format (0.0.4).
 *
 * Nobody pushes into metrics: the API keeps its counters in its context
 * (struct api_counters, api.h), the executor in its runs and notify
 * objects; they and the gauges (executions in flight, scheduled jobs,
 * accounts, map use) are read when the page is made.
 */
#ifndef WEBCRON_METRICS_H
#define WEBCRON_METRICS_H

#include <stddef.h>

struct server;
struct buf;

/* The page, appended to OUT. */
void metrics_render(struct server *srv, struct buf *out);

#endif
