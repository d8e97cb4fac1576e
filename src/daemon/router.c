/*
 * router: keeps HAProxy's token map in step with this shard's tokens (see
 * router.h).
 */

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "conf/config.h"
#include "daemon/router.h"
#include "store/account.h"
#include "store/apikey.h"
#include "store/record.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/idmap.h"
#include "util/log.h"
#include "util/token.h"

#define ROUTER_TIMEOUT 5        /* seconds an exchange may take */
#define ROUTER_PROBE_EVERY 5    /* seconds between looks at "show info" when idle */
#define ROUTER_ANSWER_MAX 65536 /* bytes of an answer read; "show info" is ~1 KB */

enum router_kind {
	ROUTER_PUT, /* "set map": the digest is ours (then "add map" when new) */
	ROUTER_ADD, /* "add map": the digest was in no entry */
	ROUTER_GET, /* "get map": a digest no longer ours; whose is it? */
	ROUTER_DEL, /* "del map": ... ours still: it goes */
};

struct router_op {
	TAILQ_ENTRY(router_op)
	entry;
	enum router_kind kind;
	char hex[TOKEN_DIGEST * 2 + 1];
};

TAILQ_HEAD(router_queue, router_op);

/* An account's key, routed like its token. */
struct router_key {
	uint64_t account;
	uint8_t digest[TOKEN_DIGEST];
	int seen; /* router_keys_sync: still in the store */
};

struct router {
	struct event_base *base;
	const struct config *cfg;
	struct store *store;
	struct idmap *tokens;      /* account id -> its digest (TOKEN_DIGEST bytes) */
	struct idmap *keys;        /* key id -> struct router_key (store/apikey.h) */
	struct router_queue queue; /* changes not yet acknowledged by HAProxy */
	struct bufferevent *bev;   /* the exchange in flight, or NULL */
	int probing;               /* ... and it is "show info" */
	struct event *tick;        /* every second: retries, probes */
	int failing;               /* the last exchange failed: probe, then retry */
	int known;                 /* pid and uptime below are HAProxy's */
	long pid;
	long uptime;
	int idle_ticks; /* seconds since the last probe */
	uint64_t failures;
};

static void router_kick(struct router *r);

static void
router_hex(const uint8_t digest[TOKEN_DIGEST], char out[TOKEN_DIGEST * 2 + 1])
{
	static const char hexdigits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < TOKEN_DIGEST; i++) {
		out[2 * i] = hexdigits[digest[i] >> 4];
		out[2 * i + 1] = hexdigits[digest[i] & 15];
	}
	out[2 * TOKEN_DIGEST] = '\0';
}

static void
router_enqueue(struct router *r, enum router_kind kind, const uint8_t digest[TOKEN_DIGEST])
{
	struct router_op *op = xcalloc(1, sizeof(*op));

	op->kind = kind;
	router_hex(digest, op->hex);
	TAILQ_INSERT_TAIL(&r->queue, op, entry);
}

static void
router_clear(struct router *r)
{
	struct router_op *op;

	while ((op = TAILQ_FIRST(&r->queue)) != NULL) {
		TAILQ_REMOVE(&r->queue, op, entry);
		free(op);
	}
}

static void
router_put_one(uint64_t id, void *value, void *arg)
{
	router_enqueue(arg, ROUTER_PUT, value);
}

static void
router_put_key(uint64_t id, void *value, void *arg)
{
	router_enqueue(arg, ROUTER_PUT, ((struct router_key *)value)->digest);
}

/* HAProxy (re)started with the map of its file: every digest of ours is
 * pushed again; what was queued is in that. */
static void
router_resync(struct router *r)
{
	router_clear(r);
	idmap_each(r->tokens, router_put_one, r);
	idmap_each(r->keys, router_put_key, r);
	log_info("router: pushing %zu token%s and %zu key%s to HAProxy's map", idmap_count(r->tokens),
	    idmap_count(r->tokens) == 1 ? "" : "s", idmap_count(r->keys),
	    idmap_count(r->keys) == 1 ? "" : "s");
}

static void
router_end(struct router *r)
{
	if (r->bev)
		bufferevent_free(r->bev);
	r->bev = NULL;
}

/* The exchange failed: WHY, the answer or the socket's error. The tick
 * retries it after a probe. */
static void
router_failed(struct router *r, const char *why)
{
	struct router_op *op = TAILQ_FIRST(&r->queue);
	char safe[256];

	router_end(r);
	r->failures++;
	if (!r->failing)
		log_warnx("router: %s: %s%s%s; retrying every second", r->cfg->router,
		    r->probing ? "show info" : op && op->kind == ROUTER_DEL ? "del map" :
		        op && op->kind == ROUTER_GET                        ? "get map" :
		        op && op->kind == ROUTER_ADD                        ? "add map" :
		                                                              "set map",
		    *why ? ": " : "",
		    log_escape(safe, sizeof(safe), why, strlen(why)));
	r->failing = 1;
	r->probing = 0;
}

/* An exchange went through: a failure before it is over. */
static void
router_recovered(struct router *r)
{
	if (r->failing)
		log_info("router: %s answers again", r->cfg->router);
	r->failing = 0;
}

static long
router_field(const char *text, const char *name)
{
	const char *p = text;
	size_t n = strlen(name);

	while (p && *p) {
		if (strncmp(p, name, n) == 0)
			return strtol(p + n, NULL, 10);
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return -1;
}

/* An answer to "show info": a new HAProxy (another pid, or an uptime that
 * went back) has only its file's map. */
static void
router_probed(struct router *r, const char *text)
{
	long pid = router_field(text, "Pid: "), uptime = router_field(text, "Uptime_sec: ");

	if (pid < 0) {
		router_failed(r, "no Pid in its answer");
		return;
	}
	if (!r->known || pid != r->pid || uptime < r->uptime)
		router_resync(r);
	r->known = 1;
	r->pid = pid;
	r->uptime = uptime;
	router_recovered(r);
}

/* 1 when the answer of "get map" has value="BACKEND". */
static int
router_value_is(const char *text, const char *backend)
{
	const char *v = strstr(text, "value=\"");
	size_t n = strlen(backend);

	return v && strncmp(v + 7, backend, n) == 0 && v[7 + n] == '"';
}

/* The answer to the queue's head. HAProxy answers an empty line when a
 * command succeeds. */
static void
router_answered(struct router *r, const char *text)
{
	struct router_op *op = TAILQ_FIRST(&r->queue);
	int ok = strspn(text, "\r\n") == strlen(text);

	if (op == NULL)
		return;
	if (op->kind == ROUTER_GET) {
		/* An account moved to another shard keeps its token: once the
		 * other shard has set the digest to itself, it is not ours to
		 * delete. */
		if (strstr(text, "found=yes") == NULL) {
			ok = 1; /* in no entry */
		} else if (router_value_is(text, r->cfg->router_backend)) {
			op->kind = ROUTER_DEL;
			return;
		} else if (strstr(text, "value=\"") != NULL)
			ok = 1; /* another shard's now */
	}
	if (!ok && op->kind == ROUTER_PUT && strncmp(text, "entry not found", 15) == 0) {
		op->kind = ROUTER_ADD; /* a digest new to the map */
		return;
	}
	if (!ok && op->kind == ROUTER_DEL && strncmp(text, "Key not found", 13) == 0)
		ok = 1; /* gone already */
	if (!ok) {
		text += strspn(text, "\r\n");
		router_failed(r, text);
		return;
	}
	TAILQ_REMOVE(&r->queue, op, entry);
	free(op);
	router_recovered(r);
}

static void
router_event(struct bufferevent *bev, short what, void *arg)
{
	struct router *r = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *text;
	size_t len;

	if (what & BEV_EVENT_CONNECTED)
		return;
	if (what & BEV_EVENT_TIMEOUT) {
		router_failed(r, "no answer in time");
		return;
	}
	if ((what & BEV_EVENT_ERROR) && !(what & BEV_EVENT_EOF)) {
		router_failed(r, evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		return;
	}
	/* HAProxy closes the connection after answering a command */
	len = evbuffer_get_length(in);
	text = xmalloc(len + 1);
	evbuffer_remove(in, text, len);
	text[len] = '\0';
	router_end(r);
	if (r->probing) {
		r->probing = 0;
		router_probed(r, text);
	} else
		router_answered(r, text);
	free(text);
	if (r->bev == NULL && !r->failing)
		router_kick(r);
}

static void
router_read(struct bufferevent *bev, void *arg)
{
	struct router *r = arg;

	if (evbuffer_get_length(bufferevent_get_input(bev)) > ROUTER_ANSWER_MAX)
		router_failed(r, "answer too long");
}

/* Sends CMD (a line) on a new connection to the admin socket. */
static void
router_send(struct router *r, const char *cmd, int probing)
{
	struct timeval tv = { ROUTER_TIMEOUT, 0 };
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(r->cfg->router) >= sizeof(sun.sun_path)) {
		router_failed(r, "the socket's path is too long");
		return;
	}
	memcpy(sun.sun_path, r->cfg->router, strlen(r->cfg->router));
	r->probing = probing;
	r->bev = bufferevent_socket_new(r->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (r->bev == NULL) {
		router_failed(r, "bufferevent_socket_new failed");
		return;
	}
	bufferevent_setcb(r->bev, router_read, NULL, router_event, r);
	bufferevent_set_timeouts(r->bev, &tv, &tv);
	bufferevent_write(r->bev, cmd, strlen(cmd));
	bufferevent_enable(r->bev, EV_READ | EV_WRITE);
	/* a connect that fails at once (no such socket) may have called
	 * router_event already, which ended the exchange */
	if (bufferevent_socket_connect(r->bev, (struct sockaddr *)&sun, sizeof(sun)) == -1 &&
	    r->bev != NULL)
		router_failed(r, evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

/* Starts the next exchange, if none is in flight: a probe first when
 * HAProxy is not known yet, else the queue's head. */
static void
router_kick(struct router *r)
{
	struct router_op *op;
	struct buf cmd = BUF_INIT;

	if (r->bev)
		return;
	if (!r->known) {
		r->idle_ticks = 0;
		router_send(r, "show info\n", 1);
		return;
	}
	if ((op = TAILQ_FIRST(&r->queue)) == NULL)
		return;
	switch (op->kind) {
	case ROUTER_PUT:
		buf_printf(&cmd, "set map %s %s %s\n", r->cfg->router_map, op->hex,
		    r->cfg->router_backend);
		break;
	case ROUTER_ADD:
		buf_printf(&cmd, "add map %s %s %s\n", r->cfg->router_map, op->hex,
		    r->cfg->router_backend);
		break;
	case ROUTER_GET:
		buf_printf(&cmd, "get map %s %s\n", r->cfg->router_map, op->hex);
		break;
	case ROUTER_DEL:
		buf_printf(&cmd, "del map %s %s\n", r->cfg->router_map, op->hex);
		break;
	}
	router_send(r, buf_str(&cmd), 0);
	buf_free(&cmd);
}

static void
router_tick(evutil_socket_t fd, short what, void *arg)
{
	struct router *r = arg;

	if (r->bev)
		return;
	/* after a failure, or now and then when idle: has HAProxy restarted? */
	if (r->failing || (TAILQ_EMPTY(&r->queue) && ++r->idle_ticks >= ROUTER_PROBE_EVERY)) {
		r->idle_ticks = 0;
		router_send(r, "show info\n", 1);
		return;
	}
	router_kick(r);
}

static int
router_load(struct router *r)
{
	struct store_txn t;
	struct store_iter it;
	int rc;

	if ((rc = store_begin(r->store, 0, &t)) != STORE_OK)
		return -1;
	if ((rc = store_iter_open(&t, DB_TOKENS, NULL, 0, &it)) != STORE_OK) {
		store_abort(&t);
		return -1;
	}
	while ((rc = store_iter_next(&t, &it)) == 1) {
		uint8_t *digest;

		if (it.key.mv_size == TOKEN_DIGEST && it.val.mv_size == 16) {
			/* a key's: account id || key id */
			struct router_key *k = xcalloc(1, sizeof(*k));
			uint64_t id = record_get_u64((const uint8_t *)it.val.mv_data + 8);

			k->account = record_get_u64(it.val.mv_data);
			memcpy(k->digest, it.key.mv_data, TOKEN_DIGEST);
			free(idmap_del(r->keys, id));
			idmap_put(r->keys, id, k);
			continue;
		}
		if (it.key.mv_size != TOKEN_DIGEST || it.val.mv_size != 8)
			continue;
		digest = xmalloc(TOKEN_DIGEST);
		memcpy(digest, it.key.mv_data, TOKEN_DIGEST);
		free(idmap_del(r->tokens, record_get_u64(it.val.mv_data)));
		idmap_put(r->tokens, record_get_u64(it.val.mv_data), digest);
	}
	store_iter_close(&it);
	store_abort(&t);
	return rc == 0 ? 0 : -1;
}

struct router *
router_new(struct event_base *base, const struct config *cfg, struct store *st, int *failed)
{
	struct timeval one = { 1, 0 };
	struct router *r;

	*failed = 0;
	if (*cfg->router == '\0')
		return NULL;
	r = xcalloc(1, sizeof(*r));
	r->base = base;
	r->cfg = cfg;
	r->store = st;
	r->tokens = idmap_new();
	r->keys = idmap_new();
	TAILQ_INIT(&r->queue);
	if (router_load(r) == -1) {
		log_warnx("router: the tokens cannot be read from the store");
		router_free(r);
		*failed = 1;
		return NULL;
	}
	r->tick = event_new(base, -1, EV_PERSIST, router_tick, r);
	event_add(r->tick, &one);
	log_info("router: keeping %zu token%s of backend %s in %s through %s",
	    idmap_count(r->tokens), idmap_count(r->tokens) == 1 ? "" : "s",
	    cfg->router_backend, cfg->router_map, cfg->router);
	router_kick(r);
	return r;
}

static void
router_free_one(uint64_t id, void *value, void *arg)
{
	free(value);
}

void
router_free(struct router *r)
{
	if (r == NULL)
		return;
	router_end(r);
	if (r->tick)
		event_free(r->tick);
	router_clear(r);
	idmap_each(r->tokens, router_free_one, NULL);
	idmap_free(r->tokens);
	idmap_each(r->keys, router_free_one, NULL);
	idmap_free(r->keys);
	free(r);
}

struct router_sync {
	struct router *r;
	uint64_t account;
	uint64_t *gone;
	size_t ngone;
	int changed;
};

static int
router_key_seen(struct apikey *k, void *arg)
{
	struct router_sync *s = arg;
	struct router_key *rk = idmap_get(s->r->keys, k->id);

	if (rk && memcmp(rk->digest, k->digest, TOKEN_DIGEST) == 0) {
		rk->seen = 1;
		return 0;
	}
	rk = xcalloc(1, sizeof(*rk));
	rk->account = k->account;
	memcpy(rk->digest, k->digest, TOKEN_DIGEST);
	rk->seen = 1;
	free(idmap_del(s->r->keys, k->id));
	idmap_put(s->r->keys, k->id, rk);
	router_enqueue(s->r, ROUTER_PUT, rk->digest);
	s->changed = 1;
	return 0;
}

static void
router_key_unseen(uint64_t id, void *value, void *arg)
{
	struct router_sync *s = arg;
	struct router_key *rk = value;

	if (rk->account != s->account)
		return;
	if (rk->seen) {
		rk->seen = 0;
		return;
	}
	s->gone = xrealloc(s->gone, (s->ngone + 1) * sizeof(*s->gone));
	s->gone[s->ngone++] = id;
}

/* The keys of ACCOUNT as the store has them now: new digests are pushed,
 * the ones gone are taken out (after a "get map", as tokens). Returns 1
 * when something was queued. */
static int
router_keys_sync(struct router *r, uint64_t account)
{
	struct router_sync s = { r, account, NULL, 0, 0 };
	struct store_txn t;
	size_t i;

	if (store_begin(r->store, 0, &t) != STORE_OK)
		return 0;
	if (apikey_each(&t, account, router_key_seen, &s) != STORE_OK) {
		store_abort(&t);
		log_warnx("router: the keys of account %llu cannot be read", (unsigned long long)account);
		return s.changed;
	}
	store_abort(&t);
	idmap_each(r->keys, router_key_unseen, &s);
	for (i = 0; i < s.ngone; i++) {
		struct router_key *rk = idmap_del(r->keys, s.gone[i]);

		router_enqueue(r, ROUTER_GET, rk->digest);
		free(rk);
	}
	free(s.gone);
	return s.changed || s.ngone;
}

void
router_account_changed(struct router *r, const struct account *a, int deleted)
{
	uint8_t *old;

	if (r == NULL)
		return;
	/* a key's change comes as its account's */
	if (router_keys_sync(r, a->id) && !r->failing)
		router_kick(r);
	old = idmap_get(r->tokens, a->id);
	if (deleted || !a->has_token) {
		if (old == NULL)
			return;
		router_enqueue(r, ROUTER_GET, old);
		free(idmap_del(r->tokens, a->id));
	} else if (old == NULL || memcmp(old, a->token_digest, TOKEN_DIGEST) != 0) {
		uint8_t *digest = xmalloc(TOKEN_DIGEST);

		memcpy(digest, a->token_digest, TOKEN_DIGEST);
		/* the new token first: the client holds it already */
		router_enqueue(r, ROUTER_PUT, digest);
		if (old)
			router_enqueue(r, ROUTER_GET, old);
		free(idmap_del(r->tokens, a->id));
		idmap_put(r->tokens, a->id, digest);
	} else
		return;
	if (!r->failing)
		router_kick(r);
}

void
router_account_reload(struct router *r, uint64_t id)
{
	struct store_txn t;
	struct account a;
	int rc;

	if (r == NULL)
		return;
	if (store_begin(r->store, 0, &t) != STORE_OK)
		return;
	memset(&a, 0, sizeof(a));
	rc = account_load(&t, id, &a);
	store_abort(&t);
	if (rc == STORE_NOTFOUND) {
		a.id = id;
		router_account_changed(r, &a, 1);
	} else if (rc == STORE_OK)
		router_account_changed(r, &a, 0);
	account_free(&a);
}

uint64_t
router_failures(const struct router *r)
{
	return r ? r->failures : 0;
}
