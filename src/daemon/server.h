/*
 * server: the daemon's state and its life: sockets, the event loop, the
 * HTTP front door, signals and reloads.
 */
#ifndef WEBCRON_SERVER_H
#define WEBCRON_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf/config.h"
#include "daemon/listen.h"

struct event_base;
struct event;
struct evhttp;
struct store;
struct api;
struct ratelimit;
struct httpc;
struct notify;
struct runs;
struct taskclasses;
struct sched;
struct router;
typedef struct ssl_ctx_st SSL_CTX;

struct server {
	struct event_base *base;
	struct config cfg; /* replaced as a whole on SIGHUP */
	struct store *store;
	struct conns *conns;  /* API connections: accept errors, request deadline */
	struct ratelimit *rl; /* API buckets: per account and per address */
	struct api *api;      /* the API's context: its hooks, its counters */
	struct evhttp *http;  /* plain listeners */
	struct evhttp *https; /* TLS listeners, when tls_cert is set */
	SSL_CTX *tls;
	struct listen_addr *addrs;
	int *fds;
	size_t nfds;
	int port; /* the first TCP listener's port */
	time_t started;
	struct event *signals[4];
	struct event *sweep;
	struct event *expire; /* log_max_age */
	struct event *log_flush;
	struct event *ctl_poll; /* webcronctl's changes */
	uint64_t ctl_seen;
	uint8_t expire_cursor[16];
	uint8_t history_cursor[16]; /* and of the history's */
	struct httpc *httpc;        /* outgoing requests of jobs and notices */
	struct taskclasses *tasks;  /* programs of task classes and sendmail */
	struct notify *notify;      /* failure notices */
	struct runs *runs;          /* executions */
	struct sched *sched;        /* when jobs fire */
	struct router *router;      /* HAProxy's token map; NULL without [cluster] router */
	int stopping;
};

/* Loads the config at PATH. Returns 0 or -1 with ERR set. */
int server_configure(struct server *srv, const char *path, char *err, size_t errlen);
/* Binds every listener (before privileges are dropped). 0 or -1 (logged). */
int server_bind(struct server *srv);
/* Opens the store, the HTTP front door and the signals, then writes the
 * port file. 0 or -1 (logged). */
int server_start(struct server *srv);
/* Runs the loop until SIGTERM/SIGINT. Returns the exit status. */
int server_run(struct server *srv);
void server_free(struct server *srv);

struct job;
struct account;

/* Tells the scheduler that job J was written (or, with DELETED, removed)
 * by a committed transaction. */
void server_job_changed(struct server *srv, const struct job *j, int deleted);
/* The same for an account (its zone, limits or status). */
void server_account_changed(struct server *srv, const struct account *a, int deleted);
/* Executions of job ID queued or in flight. */
unsigned server_job_running(struct server *srv, uint64_t id);

/* Seconds on a monotonic clock, for rate limits and durations. */
double server_monotonic(void);

#endif
