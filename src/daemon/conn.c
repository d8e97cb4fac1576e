/*
 * conn: the API's connections, where evhttp sets no limit.
 *
 * evhttp makes each connection's bufferevent through our hook
 * (conns_attach), so every connection is known from its start. Right after
 * evhttp has set it up (the same turn of the loop), the connection is
 * "adopted": its evhttp_connection is read back from the bufferevent's
 * callback argument, a close callback is set on it, and the input buffer
 * is watched for the first byte of each request.
 *
 * Each tracked connection holds a reference on its bufferevent, so the
 * pointer stays valid even if evhttp freed the connection without calling
 * the close callback; such a connection is found by the sweep (its
 * callbacks are gone) and let go then. At the deadline the socket is shut
 * down, and evhttp closes the connection through its own error path.
 */

#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "daemon/conn.h"
#include "util/idmap.h"
#include "util/log.h"
#include "daemon/tls.h"

#define CONN_ACCEPT_PAUSE_MS 100 /* after accept() failed */
#define CONN_LOG_EVERY 10        /* seconds between log lines about it */

struct conn {
	TAILQ_ENTRY(conn)
	entry;
	struct conn *next_fresh;
	struct conns *owner;
	struct bufferevent *bev;         /* one reference is ours */
	struct evhttp_connection *evcon; /* NULL until adopted */
	struct evbuffer_cb_entry *watch;
	time_t started; /* when the request arriving began */
	int arriving;   /* a request has begun, not yet read whole */
	int shut;       /* shut down at the deadline */
};

/* What a bufferevent hook needs: the plain and the TLS evhttp each get one. */
struct conn_kind {
	struct conns *owner;
	SSL_CTX *ctx;
};

struct conn_listener {
	struct conn_listener *next;
	struct conns *owner;
	struct evconnlistener *lev;
	struct event *resume;
	char *name;
	time_t logged;     /* last log line about accept() */
	uint64_t unlogged; /* failures since */
};

struct conns {
	struct event_base *base;
	int timeout;
	TAILQ_HEAD(, conn)
	all;
	struct idmap *byevcon; /* adopted connections */
	struct conn *fresh;    /* made, not yet adopted */
	struct event *adopt;
	struct event *sweep;
	struct conn_kind *kinds[2];
	size_t nkinds;
	size_t open;
	uint64_t timed_out;
	uint64_t accept_errors;
};

static time_t
conn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* The evhttp_connection that owns CN's bufferevent, or NULL once evhttp
 * has freed it (bufferevent_free clears the callbacks). */
static struct evhttp_connection *
conn_evcon(struct conn *cn)
{
	bufferevent_event_cb eventcb;
	void *arg;

	bufferevent_getcb(cn->bev, NULL, NULL, &eventcb, &arg);
	return eventcb != NULL ? arg : NULL;
}

static void
conn_release(struct conn *cn)
{
	struct conns *c = cn->owner;

	if (cn->watch != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_input(cn->bev), cn->watch);
	if (cn->evcon != NULL && idmap_get(c->byevcon, (uintptr_t)cn->evcon) == cn)
		idmap_del(c->byevcon, (uintptr_t)cn->evcon);
	TAILQ_REMOVE(&c->all, cn, entry);
	c->open--;
	bufferevent_decref(cn->bev);
	free(cn);
}

static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	conn_release(arg);
}

static void
conn_arriving(struct conn *cn)
{
	cn->arriving = 1;
	cn->started = conn_now();
}

static void
conn_input(struct evbuffer *input, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *cn = arg;

	if (info->n_added > 0 && !cn->arriving)
		conn_arriving(cn);
}

static struct bufferevent *
conn_bev(struct event_base *base, void *arg)
{
	struct conn_kind *kind = arg;
	struct conns *c = kind->owner;
	struct bufferevent *bev;
	struct conn *cn;

	bev = kind->ctx != NULL ? tls_bev_new(base, kind->ctx) :
	                          bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL || (cn = calloc(1, sizeof(*cn))) == NULL)
		return bev; /* untracked: evhttp's own timeouts only */
	cn->owner = c;
	cn->bev = bev;
	bufferevent_incref(bev);
	TAILQ_INSERT_TAIL(&c->all, cn, entry);
	c->open++;
	cn->next_fresh = c->fresh;
	c->fresh = cn;
	event_active(c->adopt, EV_TIMEOUT, 0);
	return bev;
}

static void
conn_adopt(evutil_socket_t fd, short what, void *arg)
{
	struct conns *c = arg;
	struct conn *cn, *next, *stale;
	struct evhttp_connection *evcon;
	struct evbuffer *input;

	for (cn = c->fresh, c->fresh = NULL; cn != NULL; cn = next) {
		next = cn->next_fresh;
		cn->next_fresh = NULL;
		if ((evcon = conn_evcon(cn)) == NULL) {
			conn_release(cn);
			continue;
		}
		/* an entry under the same address is one whose connection
		 * went without its close callback */
		if ((stale = idmap_get(c->byevcon, (uintptr_t)evcon)) != NULL)
			conn_release(stale);
		cn->evcon = evcon;
		idmap_put(c->byevcon, (uintptr_t)evcon, cn);
		evhttp_connection_set_closecb(evcon, conn_closed, cn);
		input = bufferevent_get_input(cn->bev);
		cn->watch = evbuffer_add_cb(input, conn_input, cn);
		if (evbuffer_get_length(input) > 0)
			conn_arriving(cn);
	}
}

static void
conn_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct conns *c = arg;
	struct conn *cn, *next;
	time_t now = conn_now();

	for (cn = TAILQ_FIRST(&c->all); cn != NULL; cn = next) {
		next = TAILQ_NEXT(cn, entry);
		if (cn->evcon == NULL)
			continue; /* not adopted yet */
		if (conn_evcon(cn) != cn->evcon) {
			conn_release(cn);
			continue;
		}
		if (!cn->arriving || cn->shut || now - cn->started < c->timeout)
			continue;
		/* evhttp sees end of file and frees the connection on its
		 * own path; the close callback then releases CN */
		cn->shut = 1;
		c->timed_out++;
		log_debug("closing a connection: its request did not arrive whole in %d s",
		    c->timeout);
		shutdown(bufferevent_getfd(cn->bev), SHUT_RDWR);
	}
}

void
conns_dispatched(struct conns *c, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct conn *cn;

	if (evcon == NULL || (cn = idmap_get(c->byevcon, (uintptr_t)evcon)) == NULL)
		return;
	/* bytes already there belong to the next request (pipelining) */
	cn->arriving = 0;
	if (evbuffer_get_length(bufferevent_get_input(cn->bev)) > 0)
		conn_arriving(cn);
}

static void
conn_resume(evutil_socket_t fd, short what, void *arg)
{
	struct conn_listener *l = arg;

	evconnlistener_enable(l->lev);
}

/* Listeners of every conns: libevent hands the error callback evhttp's
 * argument, not ours, so the listener is found by its address. */
static struct conn_listener *conn_listeners;

/* accept() failed with an error that is not "try again": without this,
 * libevent logs it and returns, and the listening socket, still readable,
 * wakes the loop again at once: a spin that floods the log. The listener
 * pauses instead; clients wait in the backlog meanwhile. */
static void
conn_accept_error(struct evconnlistener *lev, void *arg)
{
	int err = EVUTIL_SOCKET_ERROR();
	struct timeval pause = { 0, CONN_ACCEPT_PAUSE_MS * 1000 };
	struct conn_listener *l;
	time_t now = conn_now();

	for (l = conn_listeners; l != NULL && l->lev != lev; l = l->next)
		;
	if (l == NULL) {
		evconnlistener_disable(lev); /* cannot happen: never spin */
		return;
	}
	l->owner->accept_errors++;
	evconnlistener_disable(lev);
	event_add(l->resume, &pause);
	if (l->logged != 0 && now - l->logged < CONN_LOG_EVERY) {
		l->unlogged++;
		return;
	}
	if (l->unlogged > 0)
		log_warnx("listen %s: cannot accept: %s (and %llu more times); pausing %d ms each time",
		    l->name, evutil_socket_error_to_string(err),
		    (unsigned long long)l->unlogged, CONN_ACCEPT_PAUSE_MS);
	else
		log_warnx("listen %s: cannot accept: %s; pausing %d ms",
		    l->name, evutil_socket_error_to_string(err), CONN_ACCEPT_PAUSE_MS);
	l->logged = now;
	l->unlogged = 0;
}

struct conns *
conns_new(struct event_base *base, int request_timeout)
{
	struct timeval one = { 1, 0 };
	struct conns *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("conns_new");
	c->base = base;
	c->timeout = request_timeout;
	TAILQ_INIT(&c->all);
	c->byevcon = idmap_new();
	if ((c->adopt = event_new(base, -1, 0, conn_adopt, c)) == NULL ||
	    (c->sweep = event_new(base, -1, EV_PERSIST, conn_sweep, c)) == NULL)
		fatalx("conns_new: event_new failed");
	event_add(c->sweep, &one);
	return c;
}

void
conns_set_timeout(struct conns *c, int request_timeout)
{
	c->timeout = request_timeout;
}

int
conns_attach(struct conns *c, struct evhttp *http, SSL_CTX *ctx)
{
	struct conn_kind *kind;

	if (c->nkinds == sizeof(c->kinds) / sizeof(c->kinds[0]) ||
	    (kind = calloc(1, sizeof(*kind))) == NULL) {
		log_warnx("conns_attach: no room");
		return -1;
	}
	kind->owner = c;
	kind->ctx = ctx;
	c->kinds[c->nkinds++] = kind;
	evhttp_set_bevcb(http, conn_bev, kind);
	return 0;
}

int
conns_listen(struct conns *c, struct evhttp_bound_socket *bound, const char *name)
{
	struct evconnlistener *lev = evhttp_bound_socket_get_listener(bound);
	struct conn_listener *l;

	if (lev == NULL || (l = calloc(1, sizeof(*l))) == NULL ||
	    (l->name = strdup(name)) == NULL ||
	    (l->resume = event_new(c->base, -1, 0, conn_resume, l)) == NULL) {
		log_warnx("listen %s: cannot watch the listener", name);
		return -1; /* L is lost: the daemon does not start */
	}
	l->owner = c;
	l->lev = lev;
	l->next = conn_listeners;
	conn_listeners = l;
	evconnlistener_set_error_cb(lev, conn_accept_error);
	return 0;
}

void
conns_unlisten(struct conns *c)
{
	struct conn_listener **lp, *l;

	for (lp = &conn_listeners; (l = *lp) != NULL;) {
		if (l->owner != c) {
			lp = &l->next;
			continue;
		}
		*lp = l->next;
		event_free(l->resume);
		free(l->name);
		free(l);
	}
}

void
conns_free(struct conns *c)
{
	struct conn *cn;
	size_t i;

	if (c == NULL)
		return;
	/* the evhttp objects are gone, and their connections with them */
	while ((cn = TAILQ_FIRST(&c->all)) != NULL)
		conn_release(cn);
	conns_unlisten(c);
	for (i = 0; i < c->nkinds; i++)
		free(c->kinds[i]);
	event_free(c->adopt);
	event_free(c->sweep);
	idmap_free(c->byevcon);
	free(c);
}

size_t
conns_open(const struct conns *c)
{
	return c->open;
}

uint64_t
conns_timed_out(const struct conns *c)
{
	return c->timed_out;
}

uint64_t
conns_accept_errors(const struct conns *c)
{
	return c->accept_errors;
}
