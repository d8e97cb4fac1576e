/*
 * api: /api/<target>.<action>: the route table, token auth, the rate
 * limit, parameter accessors and the status/code/data envelope.
 */
#ifndef WEBCRON_API_H
#define WEBCRON_API_H

#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>

#include "store/account.h"
#include "util/buf.h"
#include "util/cidr.h"
#include "api/params.h"

struct server;
struct evhttp_request;

/* The envelope's error codes (SPEC 3.2). */
enum api_code {
	API_OK		= 0,
	API_INTERNAL	= 1,
	API_STORAGE	= 2,
	API_NO_TOKEN	= 10,
	API_BAD_TOKEN	= 11,
	API_SUSPENDED	= 12,
	API_DENIED	= 13,
	API_UNKNOWN	= 20,
	API_MISSING	= 21,
	API_INVALID	= 22,
	API_SCHEDULE	= 23,
	API_TIMEZONE	= 24,
	API_URL		= 25,
	API_NOT_FOUND	= 30,
	API_RUNNING	= 31,
	API_LIMIT	= 40,
	API_DAILY	= 41,
	API_RATE	= 50,
};

#define API_BODY_MAX	(64 * 1024)	/* larger API bodies get 413 */

struct api_call {
	struct server *srv;
	struct evhttp_request *req;
	const struct api_route *route;
	struct params params;
	struct account caller;		/* the token's account */
	struct account target;		/* asUser's account, when given */
	struct account *acct;		/* the account acted for: &caller or &target */
	yajl_gen g;			/* the handler writes the "data" value here */
	struct buf body;		/* the answer, made by api_finish() */
	int64_t now;			/* wall clock, Unix seconds */

	/* the answer, when it is an error */
	int code;
	char field[PARAMS_NAME_MAX + 1];
	char message[512];
	int http_status;		/* 0 = from the code */
	int retry_after;

	struct cidr_addr client;	/* after trusted_proxies */
	int client_known;		/* 0 for a unix socket without X-Forwarded-For */
	char client_text[64];
	int strict_malformed;		/* HTTP 400 rather than 422 in strict mode */
};

/* A handler writes one JSON value to c->g and returns 0, or returns the
 * result of api_error() (-1). */
typedef int (*api_handler)(struct api_call *c);

#define API_ADMIN	0x01	/* admin tokens only (code 13 otherwise) */
#define API_WRITE	0x02	/* changes the store */

struct api_route {
	const char *target;
	const char *action;
	api_handler handler;
	int flags;
};

/* The table, ending with a NULL target. */
extern const struct api_route api_routes[];

/* Answers one request under /api/. */
void api_handle(struct server *srv, struct evhttp_request *req);

/* Answers REQ with an error envelope and HTTP status HTTP (paths outside
 * /api/, unreachable pages). */
void api_send_error(struct server *srv, struct evhttp_request *req, int http, int code,
	const char *message);

/* Records an error for the reply; FIELD may be NULL. Returns -1 so that a
 * handler can `return api_error(...)`. */
int api_error(struct api_call *c, int code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The error for a store status (STORE_FULL: code 2 and HTTP 507;
 * STORE_NOTFOUND: code 30 for WHAT; others code 2 and HTTP 500). */
int api_store_error(struct api_call *c, int status, const char *what);

/* Parameter accessors. Each returns 1 when the parameter is present (and
 * valid), 0 when it is absent, and -1 after recording an error (code 22
 * naming the field; for the _req forms, code 21 when absent). */
int api_str(struct api_call *, const char *name, size_t maxlen, const char **out);
int api_str_req(struct api_call *, const char *name, size_t maxlen, const char **out);
int api_int(struct api_call *, const char *name, int64_t min, int64_t max, int64_t *out);
int api_int_req(struct api_call *, const char *name, int64_t min, int64_t max, int64_t *out);
int api_bool(struct api_call *, const char *name, int *out);
/* An object id: a whole number >= 1; absent is code 21. */
int api_id(struct api_call *, const char *name, uint64_t *out);

/* Checks a URL that webcron will call (a job's, an http task's, a
 * notifyUrl): scheme, length, a host. Where it may point is decided on
 * the address actually connected to, at run time (Log status 5), so that
 * a literal address and a name are treated alike. Returns 0, or -1 with
 * code 25 recorded for FIELD. */
int api_url_allowed(struct api_call *c, const char *field, const char *url);

/* The HTTP status an error code gets when strict_http_status is on. */
int api_strict_status(int code);

/* Makes the answer of C in c->body: the success envelope around the one
 * value the handler wrote to c->g, or the error envelope of c->code (also
 * when the handler wrote no value or an unfinished one: code 1). Returns
 * the HTTP status the answer gets. Needs c->srv only for its config
 * (strict_http_status). */
int api_finish(struct api_call *c);

/* Handlers, by target (api_account.c, api_user.c, api_server.c). */
int api_account_get(struct api_call *);
int api_account_edit(struct api_call *);
int api_account_secret(struct api_call *);
int api_account_token(struct api_call *);

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
int api_cron_logs(struct api_call *);
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

#endif
