/*
 * api: /api/<target>.<action>: the API's context, the route table, token
 * auth and the rate limit; the handlers of each target (api_<target>.c).
 *
 * The API is below the daemon and beside the executor: it never calls
 * either. What it needs of them (a job or an account changed, run a job
 * now, whether a job runs, the executor's figures, the clock) it asks
 * through the hooks the daemon gives it in struct api. What the daemon
 * wants to know of it (its counters, for /metrics) it reads from there.
 */
#ifndef WEBCRON_API_H
#define WEBCRON_API_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "api/call.h"

struct account;
struct api_pending;
struct config;
struct evhttp_request;
struct job;
struct event_base;
struct idmap;
struct ratelimit;
struct store;
struct writer;

#define API_BODY_MAX (64 * 1024) /* larger API bodies get 413 */

/* What cron.run asked of the executor came to (api_hooks.run_now). */
struct api_run {
	uint64_t execution; /* the new execution's log id */
	int refused;        /* 0, or API_RUNNING, API_DAILY or API_STORAGE */
	unsigned active;    /* API_RUNNING: executions of the job queued or running */
	int store_status;   /* API_STORAGE: the store's status (STORE_*) */
};

/* The executor's figures for server.info. */
struct api_figures {
	size_t inflight;  /* executions running */
	size_t queued;    /* executions waiting for a slot */
	size_t scheduled; /* jobs with a next fire time */
};

/* What the API needs from above, filled by the daemon. Each hook gets ARG
 * first. None may be NULL. */
struct api_hooks {
	void *arg;
	/* Job J was written (with DELETED, removed) by a committed
	 * transaction. */
	void (*job_changed)(void *arg, const struct job *j, int deleted);
	/* The same for an account (its zone, limits, status or token). */
	void (*account_changed)(void *arg, const struct account *a, int deleted);
	/* Executions of job ID queued or running. */
	unsigned (*job_running)(void *arg, uint64_t id);
	/* 1 when ACCOUNT has used up its daily executions at NOW. */
	int (*daily_reached)(void *arg, uint64_t account, int64_t now);
	/* cron.run: job J (loaded and owned by the caller; no transaction
	 * open) runs now, planned at NOW, with PAYLOAD (NULL: the job's own)
	 * as the request body. Returns 0 with out->execution set, or -1 with
	 * out->refused saying why (and out->active or out->store_status). */
	int (*run_now)(void *arg, const struct job *j, const char *payload, int64_t now,
	    struct api_run *out);
	/* Makes the logs of finished executions visible in the store
	 * (their writes are batched). */
	void (*logs_flush)(void *arg);
	/* The executor's figures, into OUT. */
	void (*figures)(void *arg, struct api_figures *out);
	/* Seconds on a monotonic clock (rate limits, durations), and the
	 * wall clock in Unix seconds. */
	double (*monotonic)(void *arg);
	int64_t (*now)(void *arg);
};

#define API_COUNTED_ROUTES 96 /* more than api_routes[] holds; more are counted as no route */
#define API_COUNTED_CODES 64  /* envelope codes are 0..50 */
#define API_COUNTED_SCOPES 5  /* token, read, write, run, admin */

/* Requests answered, read by the daemon for /metrics. */
struct api_counters {
	/* [route + 1][code]: row 0 is "no such route" */
	uint64_t requests[API_COUNTED_ROUTES + 1][API_COUNTED_CODES];
	uint64_t rate_limited; /* code 50 */
	/* code 13, by the scope of the route refused: [0] token, then
	 * read, write, run, admin (api_scope_index) */
	uint64_t denied[API_COUNTED_SCOPES];
	uint64_t http5xx; /* HTTP 500 and more, rate limits aside */
};

/* The API's context: one per daemon. */
struct api {
	const struct config *cfg; /* the daemon's; replaced in place on reload */
	struct store *store;
	struct ratelimit *rl; /* buckets per account and per address */
	time_t started;       /* for uptime */
	struct api_hooks hooks;
	struct api_counters counters;
	/* group commit (api_writer_start): NULL until started, and in tests
	 * and tools, where writes run in their callback */
	struct writer *writer;
	struct api *wapi;            /* the context handlers see on the writer thread */
	struct api_pending *writing; /* the write running there (its thread's alone) */
	/* keys' last use (key id -> struct api_key_use), the loop's: written
	 * to their records by api_keys_flush; NULL on the writer's context */
	struct idmap *key_use;
	/* the answer's generator and envelope of the last request, kept
	 * for the next one (the loop thread's): a 40 KB cron.list then
	 * neither grows nor frees them at every request */
	yajl_gen spare_gen;
	struct buf spare_body;
	/* answered requests' state kept for the next ones (api.c) */
	struct api_pending *spare_pending;
	size_t nspare_pending;
};

/* A key's last use as the loop thread saw it. */
struct api_key_use {
	uint64_t account;
	int64_t at;
	char from[64];
	int dirty; /* newer than the record by a minute, or another address */
};

/* A handler writes one JSON value to c->g and returns 0, or returns the
 * result of call_error() (-1). */
typedef int (*api_handler)(struct api_call *c);

#define API_ADMIN 0x01   /* admin tokens only (code 13 otherwise) */
#define API_WRITE 0x02   /* changes the store */
#define API_ACCOUNT 0x04 /* acts on the whole account: not for a key limited to a group */

struct api_route {
	const char *target;
	const char *action;
	api_handler handler;
	int flags;
	/* the scope (store/apikey.h) a key needs for it; SCOPE_TOKEN (0,
	 * also a row that names none): the account's token only */
	unsigned scope;
};

/* The table, ending with a NULL target. */
extern const struct api_route api_routes[];

/* A context on CFG, STORE and RL (which the caller keeps, and which must
 * outlive it), with HOOKS copied. Never NULL. */
struct api *api_new(const struct config *cfg, struct store *store, struct ratelimit *rl,
    time_t started, const struct api_hooks *hooks);
void api_free(struct api *);

/* Answers one request under /api/: at once, or for a write (the route's
 * API_WRITE, but cron.run) once the group commit that holds it is on
 * disk, from a later turn of BASE's loop. */
void api_handle(struct api *api, struct evhttp_request *req);

/* Writes the keys' last use seen since the last call (a minute or more
 * newer than their records, or from another address) in one transaction.
 * For a timer of the daemon's, and at its stop: a request never writes. */
void api_keys_flush(struct api *api);
/* The index of scope S (store/apikey.h) in api_counters.denied. */
int api_scope_index(unsigned s);

/* Writes go to a writer thread (store/writer.h) from now on, in batches
 * of at most BATCH_MAX. Returns 0, or -1 (logged; writes then stay on
 * the loop thread, one synced commit each). */
int api_writer_start(struct api *api, struct event_base *base, size_t batch_max);
/* Answers every write in flight and stops the thread (before the
 * requests go away). */
void api_writer_stop(struct api *api);
/* Around a change of what the handlers read (a reload of the config):
 * waits for the batch in progress, and holds the next one. No-ops
 * without a writer. */
void api_writer_pause(struct api *api);
void api_writer_resume(struct api *api);

/* Handlers, by target (api_account.c, api_user.c, api_server.c). */
int api_account_get(struct api_call *);
int api_account_edit(struct api_call *);
int api_account_secret(struct api_call *);
int api_account_token(struct api_call *);
int api_account_history(struct api_call *);

/* account.keys, account.keyAdd, account.keyEdit, account.keyDelete
 * (api_key.c). */
int api_key_list(struct api_call *);
int api_key_add(struct api_call *);
int api_key_edit(struct api_call *);
int api_key_delete(struct api_call *);

int api_user_list(struct api_call *);
int api_user_get(struct api_call *);
int api_user_add(struct api_call *);
int api_user_edit(struct api_call *);
int api_user_delete(struct api_call *);
int api_user_token(struct api_call *);

int api_cron_list(struct api_call *);
int api_cron_get(struct api_call *);
int api_cron_add(struct api_call *);
int api_cron_edit(struct api_call *);
int api_cron_delete(struct api_call *);
int api_cron_enable(struct api_call *);
int api_cron_disable(struct api_call *);
int api_cron_toggle(struct api_call *);
int api_cron_pause(struct api_call *);
int api_cron_duplicate(struct api_call *);
int api_cron_next(struct api_call *);
int api_cron_upcoming(struct api_call *);
int api_cron_validate(struct api_call *);
int api_cron_presets(struct api_call *);
int api_cron_run(struct api_call *);
int api_cron_log(struct api_call *);
int api_cron_logs(struct api_call *);
int api_cron_history(struct api_call *);
int api_cron_failures(struct api_call *);
/* cron.list of one group's jobs (group.items); GROUP 0 = all. */
int api_cron_list_group(struct api_call *, uint64_t group);

int api_task_list(struct api_call *);
int api_task_get(struct api_call *);
int api_task_add(struct api_call *);
int api_task_edit(struct api_call *);
int api_task_delete(struct api_call *);

int api_group_list(struct api_call *);
int api_group_get(struct api_call *);
int api_group_lookup(struct api_call *);
int api_group_add(struct api_call *);
int api_group_edit(struct api_call *);
int api_group_delete(struct api_call *);
int api_group_vanish(struct api_call *);
int api_group_empty(struct api_call *);
int api_group_items(struct api_call *);
int api_group_enable(struct api_call *);
int api_group_disable(struct api_call *);

int api_server_time(struct api_call *);
int api_server_timezones(struct api_call *);
int api_server_useragent(struct api_call *);
int api_server_ip(struct api_call *);
int api_server_info(struct api_call *);

/* Shared by account.edit, user.add and user.edit: reads name, email,
 * timezone, notifyUrl, notifyEmail into A; with ADMIN also status, admin
 * and the limits. Returns 0 or -1 (error recorded). */
int api_account_apply(struct api_call *c, struct account *a, int admin);
/* Gives A, loaded in the write transaction T, a new token: commits T and
 * answers {"token": ...} (account.token, user.token). */
int api_account_rotate(struct api_call *c, struct store_txn *t, struct account *a);

#endif
