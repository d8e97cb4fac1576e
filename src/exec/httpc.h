/*
 * httpc: outgoing HTTP(S) requests (job URLs, http tasks, notification
 * webhooks) on the daemon's libevent loop, through libcurl's multi-socket
 * API. Nothing here blocks: names are resolved by curl's threaded
 * resolver, sockets and curl's timer are libevent events, and each
 * transfer ends in a callback.
 *
 * Every socket curl opens is checked against the destination policy
 * (netpolicy.h) before it exists, on the address actually connected to, so
 * DNS names, rebinding and redirects cannot reach a refused address; a
 * reused connection is checked again before each request.
 *
 * A transfer keeps a bounded amount of memory whatever the response size:
 * the body is streamed through, keeping the first 4 KB and the last 4 KB
 * of what was received and a window of the pattern's length.
 */
#ifndef WEBCRON_HTTPC_H
#define WEBCRON_HTTPC_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "exec/netpolicy.h"

/* How much of the response (headers and body) the result keeps from each
 * end. */
#define HTTPC_CAPTURE_HEAD 4096
#define HTTPC_CAPTURE_TAIL 4096

/* The default whole-transfer timeout, when the request gives none. */
#define HTTPC_DEFAULT_TIMEOUT 30
/* Redirects followed at most, when follow_redirects is set. */
#define HTTPC_MAX_REDIRECTS 5

struct httpc;      /* one per event base */
struct httpc_xfer; /* one transfer in flight */

struct httpc_request {
	const char *url;            /* http:// or https:// (others fail with
					 * HTTPC_ERROR, as do redirects to them) */
	const char *method;         /* GET (also when NULL), POST, PUT, PATCH,
					 * DELETE, HEAD, OPTIONS */
	const char *const *headers; /* NHEADERS "Name: value" lines, sent as
					 * given (no CR or LF inside) */
	size_t nheaders;
	const char *body; /* BODY_LEN bytes (NULL = none), sent for
					 * POST, PUT and PATCH (empty when NULL), and
					 * for DELETE and OPTIONS when not empty;
					 * without a Content-Type header among
					 * HEADERS, curl sends
					 * application/x-www-form-urlencoded */
	size_t body_len;
	const char *username;   /* HTTP basic auth when not NULL */
	const char *password;   /* NULL = "" */
	const char *user_agent; /* NULL = no User-Agent header */
	int timeout;            /* seconds for the whole transfer (resolve,
					 * connect, redirects, body); <= 0 means
					 * HTTPC_DEFAULT_TIMEOUT */
	int follow_redirects;   /* 1: follow up to HTTPC_MAX_REDIRECTS, each
					 * hop's connection checked by the policy;
					 * 0: the 3xx response is the result */
	int ssl_verify;         /* 1: verify the peer's certificate and name */
	const char *pattern;    /* NULL or "": none; otherwise bytes looked
					 * for in the response body (not the
					 * headers), across chunk boundaries */
	uint64_t egress_key;    /* picks the egress address (the job's id):
					 * the same key, the same address */
};

enum httpc_outcome {
	HTTPC_RESPONSE, /* a complete response; see status */
	HTTPC_TIMEOUT,  /* the timeout passed first */
	HTTPC_CONNECT,  /* resolving, connecting or TLS failed, or the
				 * connection broke before the response ended */
	HTTPC_BLOCKED,  /* the policy refused the destination (of the
				 * URL or of a redirect) */
	HTTPC_ERROR,    /* anything else: a malformed URL, a protocol
				 * that is not http(s), too many redirects, a
				 * malformed response */
};

struct httpc_result {
	enum httpc_outcome outcome;
	long status;         /* HTTP status of the last response, 0 if none */
	char ip[48];         /* the address connected to (for
					 * HTTPC_BLOCKED, the one refused); "" if
					 * none */
	uint64_t downloaded; /* response body bytes received (of the
					 * last response) */
	const char *result;  /* the response headers (of every hop) and
					 * body as received, NUL-terminated: all of
					 * it up to 8 KB, otherwise the first 4 KB,
					 * "\n[... N bytes omitted ...]\n" and the
					 * last 4 KB */
	size_t result_len;
	int pattern_found; /* 1 when the request's pattern occurred in
					 * the body */
	double dns, connect, tls, first_byte, total;
	/* seconds, curl's timings: from the start
					 * of the last hop to name resolved, TCP
					 * connected, TLS done (0 for http or a
					 * reused connection), first response byte;
					 * total from the start of the transfer
					 * (all hops) to its end */
	int redirects;   /* redirects followed */
	char error[256]; /* curl's message or the policy's reason; ""
					 * on HTTPC_RESPONSE */
};

/* Called once when a transfer ends (never for a cancelled one). RESULT and
 * the strings in it are valid only during the call. The callback may start
 * and cancel transfers, but must not call httpc_free(). */
typedef void (*httpc_done_cb)(const struct httpc_result *result, void *arg);

/* Creates the client for BASE. The policy starts strict (no private
 * destinations) until httpc_set_policy(). Never returns NULL: failure to
 * set curl up is fatal. */
struct httpc *httpc_new(struct event_base *base);

/* Cancels every transfer without calling its callback, and frees the
 * client. Not from within a done callback. */
void httpc_free(struct httpc *);

/* Replaces the destination policy with a copy of NP (the caller keeps its
 * list). Applies to every connection opened from now on, and to every
 * request sent from now on, including on connections already open. */
void httpc_set_policy(struct httpc *, const struct netpolicy *np);

/* Binds every connection opened from now on to an egress address of its
 * family: IPV4 and IPV6 are comma-separated lists of literal addresses
 * ([jobs] egress_ipv4 and egress_ipv6; "" or NULL = none), and a request
 * connects from the address at its egress_key modulo the list's length. A
 * family without addresses is left to the routing. While any is set, no
 * connection is reused (it would carry another request's address).
 * Returns 0, or -1 with ERR naming the key and the address when one is not
 * an address of this machine (and nothing changes). */
int httpc_set_egress(struct httpc *, const char *ipv4, const char *ipv6, char *err,
    size_t errlen);

/* Starts a transfer. Everything needed is copied from REQ, which the
 * caller may free on return. CB is never called before httpc_start()
 * returns. Returns the transfer, or NULL (logged) when the request is
 * unusable (unknown method, CR or LF in a header) or curl refuses it. */
struct httpc_xfer *httpc_start(struct httpc *, const struct httpc_request *req,
    httpc_done_cb cb, void *arg);

/* Stops a transfer; its callback is not called, and the transfer is freed.
 * Does nothing for a transfer whose callback is running. */
void httpc_cancel(struct httpc_xfer *);

/* The number of transfers started and not yet finished or cancelled. */
size_t httpc_active(const struct httpc *);

#endif
