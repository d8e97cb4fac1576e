/*
 * outbound: the HTTP request a job, an http task or a notice sends, with
 * SPEC 4's placeholders, X-Webcron-* headers and signature.
 */
#ifndef WEBCRON_OUTBOUND_H
#define WEBCRON_OUTBOUND_H

#include <stddef.h>
#include <stdint.h>

struct httpc_request;
struct job;
struct tz;

/* What placeholders and headers need to know of the execution. */
struct outbound_ctx {
	uint64_t job_id; /* 0 for a notice */
	uint64_t execution_id;
	int64_t scheduled;      /* the planned fire time */
	const char *secret;     /* the account's; "" = none (no signature) */
	const char *user_agent; /* the server's default */
	int64_t now_ms;         /* __timestamp__ and __timestamp_ms__; 0 = the clock's */
	uint64_t notice_id;     /* a notice's X-Webcron-Notice; 0 = none */
	const char *name;       /* __name__: the job's name; NULL = "" */
	const struct tz *zone;  /* __date__, __time__ of SCHEDULED; NULL = UTC */
};

struct outbound {
	char *url;
	char *method;
	char **headers;
	size_t nheaders;
	char *body;
	size_t body_len;
	char *username; /* NULL = no basic auth */
	char *password;
	char *user_agent;
	char *pattern; /* NULL = none */
	int timeout;
	int follow_redirects;
	int ssl_verify;
	uint64_t egress_key; /* the job's id: its egress address */
};

/* The request of job J's url. PAYLOAD (may be NULL) replaces the body for
 * POST, PUT and PATCH (cron.run's payload). Never fails. */
void outbound_job(struct outbound *o, const struct job *j, const struct outbound_ctx *ctx,
    const char *payload);
/* The request of an http task of J: PAYLOAD is a URL or a JSON object with
 * url, method, headers, body, timeout. Returns 0, or -1 with the reason
 * in WHY when the payload is unusable. */
int outbound_task(struct outbound *o, const struct job *j, const char *payload,
    const struct outbound_ctx *ctx, char *why, size_t whylen);
/* A signed JSON POST of BODY to URL (notices). */
void outbound_notice(struct outbound *o, const char *url, const char *body, int timeout,
    const struct outbound_ctx *ctx);

/* Points R at O's fields (O must outlive R's use). */
void outbound_httpc(const struct outbound *o, struct httpc_request *r);
void outbound_free(struct outbound *o);

/* S with __timestamp__, __timestamp_ms__, __cronjob__, __execution__,
 * __secret__, __name__, __date__ (YYYY-MM-DD) and __time__ (HH:MM:SS, both
 * of the scheduled instant in ctx->zone) replaced, each as it is. Returns
 * a new string. The requests' URLs and bodies escape __name__ for where it
 * stands: URL-encoded in a URL (and a form body), JSON-escaped in a JSON
 * body (a Content-Type saying json, or without one, a body that starts
 * with { or [), as it is elsewhere (a text body, headers, task classes). */
char *outbound_expand(const char *s, const struct outbound_ctx *ctx);

/* The value of X-Webcron-Signature for BODY at time T:
 * "t=<T>,v1=<hex HMAC-SHA256(secret, "<T>.<body>")>". OUT holds 128 bytes. */
void outbound_signature(const char *secret, int64_t t, const char *body, size_t len, char out[128]);

#endif
