/*
 * call: one API request as the handlers see it, and what they do with it:
 * read its parameters, record an error, and make and send the
 * status/code/data envelope.
 *
 * This is the floor of the api wing: the dispatcher (api.c) and the
 * handlers (api_<target>.c, jobparams.c) both call it, and it calls
 * neither, so that no two files of the wing call each other.
 */
#ifndef WEBCRON_CALL_H
#define WEBCRON_CALL_H

#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>

#include "store/account.h"
#include "store/apikey.h"
#include "util/buf.h"
#include "util/cidr.h"
#include "api/params.h"

struct api;
struct evhttp_request;

/* The envelope's error codes (SPEC 3.2). */
enum api_code {
	API_OK = 0,
	API_INTERNAL = 1,
	API_STORAGE = 2,
	API_NO_TOKEN = 10,
	API_BAD_TOKEN = 11,
	API_SUSPENDED = 12,
	API_DENIED = 13,
	API_UNKNOWN = 20,
	API_MISSING = 21,
	API_INVALID = 22,
	API_SCHEDULE = 23,
	API_TIMEZONE = 24,
	API_URL = 25,
	API_NOT_FOUND = 30,
	API_RUNNING = 31,
	API_LIMIT = 40,
	API_DAILY = 41,
	API_RATE = 50,
	API_MOVING = 51, /* the account is moving to another server: HTTP 503, Retry-After */
};

struct api_call {
	struct api *api; /* the API's context (api.h) */
	struct evhttp_request *req;
	const struct api_route *route;
	struct params params;
	struct account caller; /* the token's account */
	struct account target; /* asUser's account, when given */
	struct account *acct;  /* the account acted for: &caller or &target */
	/* the key whose token authenticated the call (the history records
	 * it), or NULL for the account's own token */
	const struct apikey *key;
	struct apikey keyrec; /* what key points at */
	yajl_gen g;           /* the handler writes the "data" value here */
	/* the answer, made by call_finish(): body, or for a success the
	 * envelope's head, the value in g's buffer, then body (its tail),
	 * so that a long value is not copied once more */
	struct buf body;
	const unsigned char *data;
	size_t data_len;
	int64_t now; /* wall clock, Unix seconds */

	/* the answer, when it is an error */
	int code;
	char field[PARAMS_NAME_MAX + 1];
	char message[512];
	int http_status; /* 0 = from the code */
	int retry_after;

	struct cidr_addr client; /* after trusted_proxies */
	int client_known;        /* 0 for a unix socket without X-Forwarded-For */
	char client_text[64];
	int strict_malformed; /* HTTP 400 rather than 422 in strict mode */
	int params_checked;   /* call_params_check passed before a write */
};

/* Records an error for the reply; FIELD may be NULL. Returns -1 so that a
 * handler can `return call_error(...)`. Only the first error of a call
 * counts. */
int call_error(struct api_call *c, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* An error with its own HTTP status HTTP; like call_error, only the first
 * error of a call counts, status included. Returns -1. */
int call_error_http(struct api_call *c, int http, int code, const char *message);
/* The error for a store status (STORE_FULL: code 2 and HTTP 507;
 * STORE_NOTFOUND: code 30 for WHAT; others code 2 and HTTP 500). */
int call_store_error(struct api_call *c, int status, const char *what);
/* ACCOUNT is moving to another server (store/handoff.h): code 51 with
 * HTTP 503 and Retry-After: 1. Returns -1. */
int call_moving(struct api_call *c, uint64_t account);
/* Records a fault of store/rules.h's checks (RULES_URL_REFUSED,
 * RULES_ZONE_UNKNOWN, else invalid) in parameter NAME, WHY its reason.
 * Returns -1. */
int call_rule_error(struct api_call *c, const char *name, int fault, const char *why);

/* A key limited to a group (c->key->group) may act on that group's
 * objects alone: returns 0 when GROUP (0: no group) is its group or the
 * call has no such key, or -1 after recording code 13 naming the group. */
int call_group_allowed(struct api_call *c, uint64_t group);

/* Parameter accessors. Each returns 1 when the parameter is present (and
 * valid), 0 when it is absent, and -1 after recording an error (code 22
 * naming the field; for the _req forms, code 21 when absent). */
int call_str(struct api_call *, const char *name, size_t maxlen, const char **out);
int call_str_req(struct api_call *, const char *name, size_t maxlen, const char **out);
int call_int(struct api_call *, const char *name, int64_t min, int64_t max, int64_t *out);
int call_int_req(struct api_call *, const char *name, int64_t min, int64_t max, int64_t *out);
int call_bool(struct api_call *, const char *name, int *out);
/* An object id: a whole number >= 1; absent is code 21. */
int call_id(struct api_call *, const char *name, uint64_t *out);

/* Checks a URL that webcron will call (a job's, an http task's, a
 * notifyUrl): scheme, length, a host. Where it may point is decided on
 * the address actually connected to, at run time (Log status 5), so that
 * a literal address and a name are treated alike. Returns 0, or -1 with
 * code 25 recorded for FIELD. */
int call_url_allowed(struct api_call *c, const char *field, const char *url);

/* Unknown parameters: those no reader looked up (params_unread). With
 * strictParams on (the server's [api] strict_params, or the calling
 * account's), the first is code 22 naming it; otherwise they are named in
 * the success envelope's `warnings` (call_finish). Returns 0 or -1.
 * A handler that changes something calls it (through call_commit) once it
 * has read its parameters and before the change is made; the dispatcher
 * calls it after every handler. */
int call_params_check(struct api_call *c);

/* store_commit(T), after call_params_check: with an unknown parameter
 * refused, T is aborted and STORE_FAILED returned, the error recorded. */
struct store_txn;
int call_commit(struct api_call *c, struct store_txn *t);

/* The HTTP status an error code gets when strict_http_status is on. */
int call_strict_status(int code);

/* The HTTP status of C's answer as it stands. Needs c->api only for its
 * config (strict_http_status). */
int call_http_status(const struct api_call *c);

/* Makes the answer of C: the success envelope around the one value the
 * handler wrote to c->g (c->data, which points into g's buffer, then
 * c->body, the envelope's tail), or the error envelope of c->code in
 * c->body alone (also when the handler wrote no value or an unfinished
 * one: code 1; c->data is NULL then). Returns the HTTP status the answer
 * gets. Needs c->api only for its config (strict_http_status). */
int call_finish(struct api_call *c);
/* The head of every success envelope, which call_finish leaves out. */
#define CALL_SUCCESS_HEAD "{\"status\":\"success\",\"code\":0,\"data\":"

/* Sends BODY (LEN bytes of JSON) as the answer to REQ with status HTTP;
 * RETRY_AFTER > 0 adds that header. */
void call_send(struct evhttp_request *req, int http, const unsigned char *body, size_t len,
    int retry_after);
/* Sends the answer call_finish made in C with status HTTP. */
void call_send_answer(struct api_call *c, int http);

/* Answers REQ with an error envelope and HTTP status HTTP (paths outside
 * /api/, pages refused to an address). */
void call_send_error(struct evhttp_request *req, int http, int code, const char *message);

#endif
