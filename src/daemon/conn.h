/*
 * conn: the API's connections, where evhttp sets no limit.
 *
 * - Accepting: when accept() fails (out of descriptors, most often), the
 *   listener pauses for a moment instead of waking the loop again at once,
 *   and the failure is logged once in a while, not once per wake-up.
 * - A deadline on each request: from the first byte of a request to the
 *   moment it has been read whole, at most request_timeout seconds. evhttp's
 *   own timeout (idle_timeout) restarts on every byte, so a client sending
 *   one byte a second would otherwise hold its connection for ever.
 */
#ifndef WEBCRON_CONN_H
#define WEBCRON_CONN_H

#include <stddef.h>
#include <stdint.h>

typedef struct ssl_ctx_st SSL_CTX;

struct event_base;
struct evhttp;
struct evhttp_bound_socket;
struct evhttp_request;

struct conns;

/* Never NULL. REQUEST_TIMEOUT is in seconds. */
struct conns *conns_new(struct event_base *base, int request_timeout);
/* After the evhttp objects it serves have been freed. */
void conns_free(struct conns *);
void conns_set_timeout(struct conns *, int request_timeout);

/* HTTP's connections go through CONNS; with CTX, they speak TLS. Returns
 * 0, or -1 (with a log line) when out of memory. */
int conns_attach(struct conns *, struct evhttp *http, SSL_CTX *ctx);
/* Watches the listener of BOUND; NAME is for the log. Returns 0 or -1. */
int conns_listen(struct conns *, struct evhttp_bound_socket *bound, const char *name);
/* The evhttp objects were freed, and their listeners with them: forget
 * those (a paused one must not be resumed). */
void conns_unlisten(struct conns *);
/* REQ has been read whole and is being answered: its connection's
 * deadline stops until the next request's first byte. */
void conns_dispatched(struct conns *, struct evhttp_request *req);

/* For /metrics. */
size_t conns_open(const struct conns *);
uint64_t conns_timed_out(const struct conns *); /* closed at the deadline */
uint64_t conns_accept_errors(const struct conns *);

#endif
