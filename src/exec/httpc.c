/*
 * httpc: libcurl's multi-socket API driven by the libevent loop (after
 * curl's hiperfifo and multi-event examples).
 *
 * curl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION: one
 * struct event per socket, kept with curl_multi_assign) and when to wake
 * it (CURLMOPT_TIMERFUNCTION: one timer event); every event ends in
 * curl_multi_socket_action(), after which finished transfers are collected
 * with curl_multi_info_read() and their callbacks run. No callback ever
 * runs inside a curl call, so callbacks may start and cancel transfers.
 *
 * The destination policy is enforced in two places: the open-socket
 * callback refuses to create a socket for a refused address (the peer
 * never sees a SYN), and the pre-request callback checks the connection's
 * address before every request, which also covers connections taken from
 * curl's pool after the policy changed.
 *
 * The egress addresses are bound in the open-socket callback too, where
 * the family of the destination is known.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "util/buf.h"
#include "exec/output.h"
#include "util/cidr.h"
#include "exec/httpc.h"
#include "util/log.h"
#include "util/idmap.h"
#include "exec/netpolicy.h"
#include "util/url.h"

/* Idle connections kept for reuse, in all. A cron service rarely calls the
 * same host twice within curl's idle limit (CURLOPT_MAXAGE_CONN, 118 s),
 * so the pool is only worth a few descriptors. */
#define HTTPC_POOL_MAX 1024 /* idle connections kept for reuse */
/* Transfers to one host (scheme, name, port) at once. Past it, transfers
 * wait here, in order, and their timeout runs meanwhile. Without a bound,
 * curl walks every connection to a host for each new transfer, which costs
 * O(n^2) when thousands of jobs call one host; and the wait is kept out of
 * curl because curl 7.88 walks its whole pending list each time a handle
 * is removed. It also spares a user's server a webcron-made flood. */
#define HTTPC_HOST_MAX 256

struct httpc_sock {
	struct httpc *hc;
	curl_socket_t fd;
	struct event *ev;
	struct httpc_sock *prev, *next;
};

/* The transfers of one host: those in curl, and those waiting their turn. */
struct httpc_host {
	uint64_t key; /* a hash of scheme://host:port */
	unsigned active;
	struct httpc_xfer *wait_head, *wait_tail;
};

/* The egress addresses of one family. */
struct httpc_egress {
	struct sockaddr_storage *v;
	size_t n;
};

struct httpc {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	struct netpolicy policy; /* our own copy of the list */
	struct httpc_egress egress4, egress6;
	struct httpc_xfer *xfers; /* in flight or waiting */
	size_t nxfers;
	struct httpc_sock *socks; /* watched for curl */
	struct idmap *hosts;      /* key -> struct httpc_host */
};

struct httpc_xfer {
	struct httpc *hc;
	CURL *easy;
	struct curl_slist *headers;
	httpc_done_cb cb;
	void *arg;
	struct httpc_xfer *prev, *next;
	int done; /* its callback is running */
	struct httpc_host *host;
	uint64_t egress_key;
	int waiting; /* in its host's queue, not yet in curl */
	struct httpc_xfer *wait_next;
	struct timespec queued;
	long timeout_ms;

	struct output capture; /* the response as received */
	uint64_t body_bytes;

	/* The pattern, and the last (pattern_len - 1) body bytes, so that a
	 * match across two writes is seen (room for twice that). */
	char *pattern;
	size_t pattern_len;
	char *window;
	size_t window_len;
	int pattern_found;

	/* The policy, for the current hop: whether it refused an address,
	 * and how many sockets it let curl open (so that a name with one
	 * refused and one unreachable address reads as unreachable). */
	int blocked;
	int opened;
	char blocked_why[160];
	char blocked_ip[48];
	char errbuf[CURL_ERROR_SIZE];
};

static void httpc_collect(struct httpc *);

/* ---- the loop side: sockets and the timer */

static void
httpc_sock_event(evutil_socket_t fd, short what, void *arg)
{
	struct httpc_sock *hs = arg;
	struct httpc *hc = hs->hc; /* HS may be gone after the call */
	int action = 0, running;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(hc->multi, fd, action, &running);
	httpc_collect(hc);
}

static void
httpc_sock_free(struct httpc *hc, struct httpc_sock *hs)
{
	event_free(hs->ev);
	if (hs->prev)
		hs->prev->next = hs->next;
	else
		hc->socks = hs->next;
	if (hs->next)
		hs->next->prev = hs->prev;
	free(hs);
}

/* CURLMOPT_SOCKETFUNCTION: watch FD for what curl wants, or stop. */
static int
httpc_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *sockp)
{
	struct httpc *hc = userp;
	struct httpc_sock *hs = sockp;
	short kind = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (hs != NULL)
			httpc_sock_free(hc, hs);
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (hs == NULL) {
		hs = xcalloc(1, sizeof(*hs));
		hs->hc = hc;
		hs->fd = fd;
		hs->ev = event_new(hc->base, fd, kind, httpc_sock_event, hs);
		if (hs->ev == NULL)
			fatalx("httpc: event_new failed");
		hs->next = hc->socks;
		if (hc->socks)
			hc->socks->prev = hs;
		hc->socks = hs;
		curl_multi_assign(hc->multi, fd, hs);
	} else {
		event_del(hs->ev);
		event_assign(hs->ev, hc->base, fd, kind, httpc_sock_event, hs);
	}
	if (event_add(hs->ev, NULL) == -1)
		log_warnx("httpc: cannot watch socket %d", (int)fd);
	return 0;
}

static void
httpc_timer_event(evutil_socket_t fd, short what, void *arg)
{
	struct httpc *hc = arg;
	int running;

	curl_multi_socket_action(hc->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	httpc_collect(hc);
}

/* CURLMOPT_TIMERFUNCTION: (re)arm the one timer; 0 means "as soon as
 * possible", which is a zero timeout, never a call back into curl from
 * here. */
static int
httpc_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct httpc *hc = userp;
	struct timeval tv;

	if (timeout_ms < 0) {
		evtimer_del(hc->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(hc->timer, &tv);
	return 0;
}

/* ---- the policy */

/* CURLOPT_OPENSOCKETFUNCTION: the socket(2) of every connection attempt,
 * made only when the policy allows the address. A refusal is, to curl, an
 * address that could not be connected to: it tries the next one, if any,
 * and otherwise fails with CURLE_COULDNT_CONNECT. */
static curl_socket_t
httpc_opensocket_cb(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
	struct httpc_xfer *x = clientp;
	const struct httpc_egress *eg;
	struct cidr_addr a;
	curl_socket_t fd;

	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKET_BAD;
	if (netpolicy_check_sockaddr(&x->hc->policy, &address->addr, x->blocked_why,
	        sizeof(x->blocked_why)) == 0) {
		x->blocked = 1;
		if (cidr_addr_from_sockaddr(&address->addr, &a) == 0)
			cidr_addr_format(&a, x->blocked_ip, sizeof(x->blocked_ip));
		log_debug("httpc: refused to connect: %s", x->blocked_why);
		return CURL_SOCKET_BAD;
	}
	x->opened++;
	/* Close-on-exec: task programs started by the daemon must not inherit
	 * connections. */
	fd = socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
	if (fd == -1)
		return CURL_SOCKET_BAD;
	eg = address->family == AF_INET ? &x->hc->egress4 :
	    address->family == AF_INET6 ? &x->hc->egress6 :
	                                  NULL;
	if (eg != NULL && eg->n > 0) {
		const struct sockaddr_storage *ss = &eg->v[x->egress_key % eg->n];
		socklen_t len = ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
		                                           sizeof(struct sockaddr_in6);

		if (bind(fd, (const struct sockaddr *)ss, len) == -1) {
			log_warnx("httpc: cannot bind to the egress address: %s", strerror(errno));
			close(fd);
			return CURL_SOCKET_BAD;
		}
	}
	return fd;
}

/* CURLOPT_PREREQFUNCTION: before every request (each redirect hop too),
 * on a new or a reused connection. */
static int
httpc_prereq_cb(void *clientp, char *primary_ip, char *local_ip, int primary_port,
    int local_port)
{
	struct httpc_xfer *x = clientp;
	struct cidr_addr a;

	if (cidr_addr_parse(primary_ip, &a) == -1) {
		x->blocked = 1;
		snprintf(x->blocked_why, sizeof(x->blocked_why),
		    "cannot read the connected address");
		return CURL_PREREQFUNC_ABORT;
	}
	if (netpolicy_check(&x->hc->policy, &a, x->blocked_why,
	        sizeof(x->blocked_why)) == 0) {
		x->blocked = 1;
		cidr_addr_format(&a, x->blocked_ip, sizeof(x->blocked_ip));
		return CURL_PREREQFUNC_ABORT;
	}
	/* This hop is connected: what was refused on the way does not
	 * matter any more, and the next hop starts afresh. */
	x->blocked = 0;
	x->opened = 0;
	return CURL_PREREQFUNC_OK;
}

/* ---- what is received */

static void
httpc_pattern_feed(struct httpc_xfer *x, const char *p, size_t len)
{
	size_t keep = x->pattern_len - 1, take, total;

	if (x->pattern == NULL || x->pattern_found || len == 0)
		return;
	/* Across the boundary: the kept tail of earlier data and the start of
	 * this chunk. */
	take = len < keep ? len : keep;
	memcpy(x->window + x->window_len, p, take);
	total = x->window_len + take;
	if (memmem(x->window, total, x->pattern, x->pattern_len) != NULL ||
	    memmem(p, len, x->pattern, x->pattern_len) != NULL) {
		x->pattern_found = 1;
		return;
	}
	if (len >= keep) {
		memcpy(x->window, p + len - keep, keep);
		x->window_len = keep;
	} else {
		/* The window now holds all of this chunk after the old bytes. */
		if (total > keep) {
			memmove(x->window, x->window + total - keep, keep);
			total = keep;
		}
		x->window_len = total;
	}
}

static size_t
httpc_write_cb(char *p, size_t size, size_t nmemb, void *userdata)
{
	struct httpc_xfer *x = userdata;
	size_t len = size * nmemb;

	x->body_bytes += len;
	output_add(&x->capture, p, len);
	httpc_pattern_feed(x, p, len);
	return len;
}

static size_t
httpc_header_cb(char *p, size_t size, size_t nmemb, void *userdata)
{
	struct httpc_xfer *x = userdata;
	size_t len = size * nmemb;

	output_add(&x->capture, p, len);
	return len;
}

/* CURLOPT_DEBUGFUNCTION, only at verbosity 2: curl's own messages. Headers
 * and data are never logged: they carry credentials and tokens. */
static int
httpc_debug_cb(CURL *easy, curl_infotype type, char *data, size_t size, void *userp)
{
	char esc[512];

	if (type != CURLINFO_TEXT)
		return 0;
	while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r'))
		size--;
	log_debug("curl: %s", log_escape(esc, sizeof(esc), data, size));
	return 0;
}

/* ---- hosts */

/* The host of URL as a key: FNV-1a of "scheme://host:port" as given. */
static uint64_t
httpc_host_key(const char *url)
{
	const char *p = strstr(url, "://");
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t n, i;

	n = p ? (size_t)(p - url) + 3 + strcspn(p + 3, "/?#") : strlen(url);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)url[i];

		if (c >= 'A' && c <= 'Z')
			c += 32;
		h = (h ^ c) * 0x100000001b3ULL;
	}
	return h;
}

static struct httpc_host *
httpc_host_of(struct httpc *hc, const char *url)
{
	uint64_t key = httpc_host_key(url);
	struct httpc_host *h = idmap_get(hc->hosts, key);

	if (h == NULL) {
		h = xcalloc(1, sizeof(*h));
		h->key = key;
		idmap_put(hc->hosts, key, h);
	}
	return h;
}

static long
httpc_elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* Hands X to curl; its timeout is what is left after its wait. Returns 0
 * or -1 (logged). */
static int
httpc_add(struct httpc_xfer *x)
{
	long left = x->timeout_ms - (x->waiting ? httpc_elapsed_ms(&x->queued) : 0);
	CURLMcode mrc;

	x->waiting = 0;
	curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, left > 1 ? left : 1L);
	if ((mrc = curl_multi_add_handle(x->hc->multi, x->easy)) != CURLM_OK) {
		log_warnx("httpc: cannot start a transfer: %s", curl_multi_strerror(mrc));
		return -1;
	}
	x->host->active++;
	return 0;
}

static void httpc_unlink(struct httpc_xfer *x);
static void httpc_xfer_free(struct httpc_xfer *x);

/* Ends X, which never reached curl, with an error. */
static void
httpc_fail_now(struct httpc_xfer *x, const char *why)
{
	struct httpc_result r;

	memset(&r, 0, sizeof(r));
	r.outcome = HTTPC_ERROR;
	snprintf(r.error, sizeof(r.error), "%s", why);
	r.result = "";
	x->host = NULL;
	httpc_unlink(x);
	x->done = 1;
	x->cb(&r, x->arg);
	httpc_xfer_free(x);
}

/* X leaves its host (it ended or was cancelled): the next ones in line
 * get its place. */
static void
httpc_host_leave(struct httpc_xfer *x)
{
	struct httpc_host *h = x->host;

	if (h == NULL)
		return;
	x->host = NULL;
	if (x->waiting) {
		struct httpc_xfer **pp;

		for (pp = &h->wait_head; *pp && *pp != x; pp = &(*pp)->wait_next)
			;
		if (*pp) {
			*pp = x->wait_next;
			if (h->wait_tail == x) {
				struct httpc_xfer *last = h->wait_head;

				while (last && last->wait_next)
					last = last->wait_next;
				h->wait_tail = last;
			}
		}
		x->waiting = 0;
	} else if (h->active)
		h->active--;
	while (h->wait_head && h->active < HTTPC_HOST_MAX) {
		struct httpc_xfer *next = h->wait_head;

		h->wait_head = next->wait_next;
		if (h->wait_head == NULL)
			h->wait_tail = NULL;
		next->wait_next = NULL;
		if (httpc_add(next) == -1)
			httpc_fail_now(next, "the transfer could not be started");
	}
	if (h->active == 0 && h->wait_head == NULL)
		free(idmap_del(x->hc->hosts, h->key));
}

/* ---- transfers */

static void
httpc_unlink(struct httpc_xfer *x)
{
	struct httpc *hc = x->hc;

	if (x->prev)
		x->prev->next = x->next;
	else
		hc->xfers = x->next;
	if (x->next)
		x->next->prev = x->prev;
	x->prev = x->next = NULL;
	hc->nxfers--;
}

static void
httpc_xfer_free(struct httpc_xfer *x)
{
	if (x->easy)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->headers);
	free(x->pattern);
	free(x->window);
	free(x);
}

static int
httpc_connect_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return 1;
	default:
		return 0;
	}
}

static double
httpc_seconds(CURL *easy, CURLINFO info)
{
	curl_off_t us = 0;

	if (curl_easy_getinfo(easy, info, &us) != CURLE_OK)
		return 0;
	return (double)us / 1e6;
}

static void
httpc_finish(struct httpc *hc, struct httpc_xfer *x, CURLcode rc)
{
	struct buf text = BUF_INIT;
	struct httpc_result r;
	const char *ip = NULL;
	long redirects = 0;

	memset(&r, 0, sizeof(r));
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r.status);
	curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_COUNT, &redirects);
	r.redirects = (int)redirects;
	r.dns = httpc_seconds(x->easy, CURLINFO_NAMELOOKUP_TIME_T);
	r.connect = httpc_seconds(x->easy, CURLINFO_CONNECT_TIME_T);
	r.tls = httpc_seconds(x->easy, CURLINFO_APPCONNECT_TIME_T);
	r.first_byte = httpc_seconds(x->easy, CURLINFO_STARTTRANSFER_TIME_T);
	r.total = httpc_seconds(x->easy, CURLINFO_TOTAL_TIME_T);
	r.downloaded = x->body_bytes;
	r.pattern_found = x->pattern_found;
	output_render(&x->capture, &text);
	r.result_len = text.len;
	r.result = buf_str(&text);

	if (rc == CURLE_OK)
		r.outcome = HTTPC_RESPONSE;
	else if (x->blocked && (rc == CURLE_ABORTED_BY_CALLBACK || (rc == CURLE_COULDNT_CONNECT && x->opened == 0))) {
		r.outcome = HTTPC_BLOCKED;
		snprintf(r.error, sizeof(r.error), "destination refused: %s",
		    x->blocked_why);
	} else if (rc == CURLE_OPERATION_TIMEDOUT)
		r.outcome = HTTPC_TIMEOUT;
	else if (httpc_connect_error(rc))
		r.outcome = HTTPC_CONNECT;
	else
		r.outcome = HTTPC_ERROR;
	if (rc != CURLE_OK && r.error[0] == '\0') {
		const char *msg = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);

		if (x->blocked) /* one address refused, another failed */
			snprintf(r.error, sizeof(r.error), "%.150s (and refused: %.80s)", msg,
			    x->blocked_why);
		else
			snprintf(r.error, sizeof(r.error), "%s", msg);
	}

	if (r.outcome == HTTPC_BLOCKED)
		ip = x->blocked_ip;
	else if (curl_easy_getinfo(x->easy, CURLINFO_PRIMARY_IP, &ip) != CURLE_OK)
		ip = NULL;
	snprintf(r.ip, sizeof(r.ip), "%s", ip ? ip : "");

	curl_multi_remove_handle(hc->multi, x->easy);
	httpc_unlink(x);
	httpc_host_leave(x);
	x->done = 1;
	x->cb(&r, x->arg);
	httpc_xfer_free(x);
	buf_free(&text);
}

/* Runs the callbacks of finished transfers. Every message is read before
 * any handle is removed: curl_multi_remove_handle() walks the messages
 * still queued, so removing while reading costs O(n^2) when thousands of
 * transfers end in one turn. */
static void
httpc_collect(struct httpc *hc)
{
	struct done {
		struct httpc_xfer *x;
		CURLcode rc;
	} *done = NULL;
	size_t n = 0, cap = 0, i;
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(hc->multi, &left)) != NULL) {
		char *priv = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			done = xrealloc(done, cap * sizeof(*done));
		}
		done[n].x = (struct httpc_xfer *)(void *)priv;
		done[n++].rc = msg->data.result;
	}
	for (i = 0; i < n; i++)
		httpc_finish(hc, done[i].x, done[i].rc);
	free(done);
}

static const char *const httpc_methods[] = {
	"GET",
	"POST",
	"PUT",
	"PATCH",
	"DELETE",
	"HEAD",
	"OPTIONS",
};

/* Sets the options of X's handle from REQ. Returns 0, or -1 (logged). */
static int
httpc_setup(struct httpc_xfer *x, const struct httpc_request *req)
{
	const char *method = req->method ? req->method : "GET";
	int has_expect = 0, known = 0, send_body;
	CURL *e = x->easy;
	CURLcode rc = CURLE_OK;
	size_t i;

	for (i = 0; i < sizeof(httpc_methods) / sizeof(httpc_methods[0]); i++)
		if (strcmp(method, httpc_methods[i]) == 0)
			known = 1;
	if (!known) {
		char esc[64];

		log_warnx("httpc: method \"%s\" is not supported",
		    log_escape(esc, sizeof(esc), method, strlen(method)));
		return -1;
	}
	for (i = 0; i < req->nheaders; i++) {
		const char *h = req->headers[i];

		if (strpbrk(h, "\r\n") != NULL) {
			log_warnx("httpc: a request header contains CR or LF");
			return -1;
		}
		if (strncasecmp(h, "Expect:", 7) == 0)
			has_expect = 1;
		x->headers = curl_slist_append(x->headers, h);
		if (x->headers == NULL)
			fatalx("httpc: out of memory");
	}
	/* curl sends "Expect: 100-continue" for large bodies and then waits
	 * for the server's go-ahead (a second, with servers that ignore it):
	 * an empty Expect header turns that off. */
	if (!has_expect && (x->headers = curl_slist_append(x->headers, "Expect:")) == NULL)
		fatalx("httpc: out of memory");

#define SET(opt, val) \
	do { \
		if (rc == CURLE_OK) \
			rc = curl_easy_setopt(e, opt, val); \
	} while (0)
	SET(CURLOPT_PRIVATE, (char *)x);
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_PROXY, ""); /* never from the environment */
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_ERRORBUFFER, x->errbuf);
	SET(CURLOPT_OPENSOCKETFUNCTION, httpc_opensocket_cb);
	SET(CURLOPT_OPENSOCKETDATA, x);
	SET(CURLOPT_PREREQFUNCTION, httpc_prereq_cb);
	SET(CURLOPT_PREREQDATA, x);
	SET(CURLOPT_WRITEFUNCTION, httpc_write_cb);
	SET(CURLOPT_WRITEDATA, x);
	SET(CURLOPT_HEADERFUNCTION, httpc_header_cb);
	SET(CURLOPT_HEADERDATA, x);
	SET(CURLOPT_FOLLOWLOCATION, req->follow_redirects ? 1L : 0L);
	SET(CURLOPT_MAXREDIRS, (long)HTTPC_MAX_REDIRECTS);
	SET(CURLOPT_SSL_VERIFYPEER, req->ssl_verify ? 1L : 0L);
	SET(CURLOPT_SSL_VERIFYHOST, req->ssl_verify ? 2L : 0L);
	SET(CURLOPT_HTTPHEADER, x->headers);
	if (x->hc->egress4.n > 0 || x->hc->egress6.n > 0) {
		/* a pooled connection was bound for another request */
		SET(CURLOPT_FRESH_CONNECT, 1L);
		SET(CURLOPT_FORBID_REUSE, 1L);
	}
	if (req->user_agent != NULL)
		SET(CURLOPT_USERAGENT, req->user_agent);
	if (req->username != NULL) {
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SET(CURLOPT_USERNAME, req->username);
		SET(CURLOPT_PASSWORD, req->password ? req->password : "");
	}

	send_body = strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
	    strcmp(method, "PATCH") == 0 ||
	    ((strcmp(method, "DELETE") == 0 || strcmp(method, "OPTIONS") == 0) &&
	        req->body_len > 0);
	if (strcmp(method, "HEAD") == 0)
		SET(CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") != 0) {
		if (strcmp(method, "POST") == 0)
			SET(CURLOPT_POST, 1L);
		else
			SET(CURLOPT_CUSTOMREQUEST, method);
	}
	if (send_body) {
		/* The size first: COPYPOSTFIELDS copies that many bytes. */
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req->body ? req->body_len : 0));
		SET(CURLOPT_COPYPOSTFIELDS, req->body ? req->body : "");
	}
	if (log_verbosity() >= 2) {
		SET(CURLOPT_DEBUGFUNCTION, httpc_debug_cb);
		SET(CURLOPT_VERBOSE, 1L);
	}
#undef SET
	if (rc != CURLE_OK) {
		log_warnx("httpc: cannot set the request up: %s", curl_easy_strerror(rc));
		return -1;
	}

	if (req->pattern != NULL && req->pattern[0] != '\0') {
		x->pattern_len = strlen(req->pattern);
		x->pattern = xstrndup(req->pattern, x->pattern_len);
		x->window = xmalloc(2 * x->pattern_len);
	}
	return 0;
}

struct httpc_xfer *
httpc_start(struct httpc *hc, const struct httpc_request *req, httpc_done_cb cb,
    void *arg)
{
	struct httpc_xfer *x = xcalloc(1, sizeof(*x));

	x->hc = hc;
	x->cb = cb;
	x->arg = arg;
	x->egress_key = req->egress_key;
	if ((x->easy = curl_easy_init()) == NULL) {
		log_warnx("httpc: curl_easy_init failed");
		goto fail;
	}
	if (httpc_setup(x, req) == -1)
		goto fail;
	x->timeout_ms = 1000L * (req->timeout > 0 ? req->timeout : HTTPC_DEFAULT_TIMEOUT);
	x->host = httpc_host_of(hc, req->url);
	if (x->host->active >= HTTPC_HOST_MAX) {
		/* its turn comes when one of the host's transfers ends */
		x->waiting = 1;
		clock_gettime(CLOCK_MONOTONIC, &x->queued);
		if (x->host->wait_tail)
			x->host->wait_tail->wait_next = x;
		else
			x->host->wait_head = x;
		x->host->wait_tail = x;
	} else if (httpc_add(x) == -1) {
		/* Adding only arms curl's timer (zero: our next loop turn);
		 * nothing runs, and no callback is called, before we return. */
		httpc_host_leave(x);
		goto fail;
	}
	x->next = hc->xfers;
	if (hc->xfers)
		hc->xfers->prev = x;
	hc->xfers = x;
	hc->nxfers++;
	return x;
fail:
	httpc_xfer_free(x);
	return NULL;
}

void
httpc_cancel(struct httpc_xfer *x)
{
	if (x == NULL || x->done)
		return;
	if (!x->waiting)
		curl_multi_remove_handle(x->hc->multi, x->easy);
	httpc_unlink(x);
	httpc_host_leave(x);
	httpc_xfer_free(x);
}

size_t
httpc_active(const struct httpc *hc)
{
	return hc->nxfers;
}

static void
httpc_policy_free(struct netpolicy *np)
{
	cidr_list_free(&np->allowed);
	np->allow_private = 0;
}

void
httpc_set_policy(struct httpc *hc, const struct netpolicy *np)
{
	httpc_policy_free(&hc->policy);
	hc->policy.allow_private = np->allow_private;
	if (np->allowed.n > 0) {
		hc->policy.allowed.v = xcalloc(np->allowed.n, sizeof(*np->allowed.v));
		memcpy(hc->policy.allowed.v, np->allowed.v,
		    np->allowed.n * sizeof(*np->allowed.v));
		hc->policy.allowed.n = np->allowed.n;
	}
}

/* LIST's addresses of FAMILY into EG, each checked to be this machine's
 * (bound on a port of the system's choice). Returns 0, or -1 with ERR. */
static int
httpc_egress_parse(const char *key, const char *list, int family, struct httpc_egress *eg,
    char *err, size_t errlen)
{
	const char *p = list ? list : "";
	char addr[INET6_ADDRSTRLEN];

	memset(eg, 0, sizeof(*eg));
	while (*p != '\0') {
		struct sockaddr_storage ss;
		socklen_t len;
		size_t n;
		int fd, rc;

		p += strspn(p, " \t,");
		n = strcspn(p, ",");
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 0)
			continue;
		snprintf(addr, sizeof(addr), "%.*s", (int)n, p);
		p += n;
		memset(&ss, 0, sizeof(ss));
		if (family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

			sin->sin_family = AF_INET;
			rc = inet_pton(AF_INET, addr, &sin->sin_addr);
			len = sizeof(*sin);
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

			sin6->sin6_family = AF_INET6;
			rc = inet_pton(AF_INET6, addr, &sin6->sin6_addr);
			len = sizeof(*sin6);
		}
		if (rc != 1) {
			snprintf(err, errlen, "[jobs] %s: \"%s\" is not an address", key, addr);
			goto fail;
		}
		if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
		    bind(fd, (struct sockaddr *)&ss, len) == -1) {
			snprintf(err, errlen, "[jobs] %s: %s is not an address of this machine (%s)",
			    key, addr, strerror(errno));
			if (fd != -1)
				close(fd);
			goto fail;
		}
		close(fd);
		eg->v = xrealloc(eg->v, (eg->n + 1) * sizeof(*eg->v));
		eg->v[eg->n++] = ss;
	}
	return 0;
fail:
	free(eg->v);
	memset(eg, 0, sizeof(*eg));
	return -1;
}

int
httpc_set_egress(struct httpc *hc, const char *ipv4, const char *ipv6, char *err, size_t errlen)
{
	struct httpc_egress v4, v6;

	if (httpc_egress_parse("egress_ipv4", ipv4, AF_INET, &v4, err, errlen) == -1)
		return -1;
	if (httpc_egress_parse("egress_ipv6", ipv6, AF_INET6, &v6, err, errlen) == -1) {
		free(v4.v);
		return -1;
	}
	free(hc->egress4.v);
	free(hc->egress6.v);
	hc->egress4 = v4;
	hc->egress6 = v6;
	return 0;
}

struct httpc *
httpc_new(struct event_base *base)
{
	const curl_version_info_data *vi;
	struct httpc *hc;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("httpc: curl_global_init failed");
	vi = curl_version_info(CURLVERSION_NOW);
	if (!(vi->features & CURL_VERSION_ASYNCHDNS))
		log_warnx("httpc: libcurl %s resolves names synchronously: "
		          "a slow DNS server will stall the daemon",
		    vi->version);

	hc = xcalloc(1, sizeof(*hc));
	hc->base = base;
	if ((hc->multi = curl_multi_init()) == NULL)
		fatalx("httpc: curl_multi_init failed");
	if ((hc->timer = evtimer_new(base, httpc_timer_event, hc)) == NULL)
		fatalx("httpc: evtimer_new failed");
	curl_multi_setopt(hc->multi, CURLMOPT_SOCKETFUNCTION, httpc_socket_cb);
	curl_multi_setopt(hc->multi, CURLMOPT_SOCKETDATA, hc);
	curl_multi_setopt(hc->multi, CURLMOPT_TIMERFUNCTION, httpc_timer_cb);
	curl_multi_setopt(hc->multi, CURLMOPT_TIMERDATA, hc);
	curl_multi_setopt(hc->multi, CURLMOPT_MAXCONNECTS, (long)HTTPC_POOL_MAX);
	hc->hosts = idmap_new();
	return hc;
}

void
httpc_free(struct httpc *hc)
{
	if (hc == NULL)
		return;
	while (hc->xfers != NULL)
		httpc_cancel(hc->xfers);
	/* Closing the pooled connections may still call the socket and timer
	 * callbacks, so those are freed after. */
	curl_multi_cleanup(hc->multi);
	while (hc->socks != NULL)
		httpc_sock_free(hc, hc->socks);
	event_free(hc->timer);
	httpc_policy_free(&hc->policy);
	free(hc->egress4.v);
	free(hc->egress6.v);
	idmap_free(hc->hosts);
	free(hc);
	curl_global_cleanup();
}
