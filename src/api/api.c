/*
 * api: the request path from the route table to the envelope.
 *
 *   route -> parameters -> client address -> token -> rate limit
 *   -> admin / asUser -> handler -> envelope
 */

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "store/account.h"
#include "store/apikey.h"
#include "api/api.h"
#include "api/audit.h"
#include "api/call.h"
#include "conf/config.h"
#include "util/buf.h"
#include "util/idmap.h"
#include "api/proxy.h"
#include "util/json.h"
#include "util/log.h"
#include "api/ratelimit.h"
#include "store/job.h"
#include "store/record.h"
#include "store/store.h"
#include "store/writer.h"

const struct api_route api_routes[] = {
	{ "cron", "list", api_cron_list, 0, SCOPE_READ },
	{ "cron", "get", api_cron_get, 0, SCOPE_READ },
	{ "cron", "add", api_cron_add, API_WRITE, SCOPE_WRITE },
	{ "cron", "edit", api_cron_edit, API_WRITE, SCOPE_WRITE },
	{ "cron", "delete", api_cron_delete, API_WRITE, SCOPE_WRITE },
	{ "cron", "enable", api_cron_enable, API_WRITE, SCOPE_WRITE },
	{ "cron", "disable", api_cron_disable, API_WRITE, SCOPE_WRITE },
	{ "cron", "toggle", api_cron_toggle, API_WRITE, SCOPE_WRITE },
	{ "cron", "pause", api_cron_pause, API_WRITE, SCOPE_WRITE },
	{ "cron", "duplicate", api_cron_duplicate, API_WRITE, SCOPE_WRITE },
	{ "cron", "next", api_cron_next, 0, SCOPE_READ },
	{ "cron", "upcoming", api_cron_upcoming, 0, SCOPE_READ },
	{ "cron", "validate", api_cron_validate, 0, SCOPE_READ },
	{ "cron", "presets", api_cron_presets, 0, SCOPE_READ },
	{ "cron", "run", api_cron_run, API_WRITE, SCOPE_RUN },
	{ "cron", "log", api_cron_log, 0, SCOPE_READ },
	{ "cron", "logs", api_cron_logs, 0, SCOPE_READ },
	{ "cron", "failures", api_cron_failures, 0, SCOPE_READ },
	{ "cron", "history", api_cron_history, 0, SCOPE_READ },

	{ "task", "list", api_task_list, 0, SCOPE_READ },
	{ "task", "get", api_task_get, 0, SCOPE_READ },
	{ "task", "add", api_task_add, API_WRITE, SCOPE_WRITE },
	{ "task", "edit", api_task_edit, API_WRITE, SCOPE_WRITE },
	{ "task", "delete", api_task_delete, API_WRITE, SCOPE_WRITE },

	{ "group", "list", api_group_list, 0, SCOPE_READ },
	{ "group", "get", api_group_get, 0, SCOPE_READ },
	{ "group", "lookup", api_group_lookup, 0, SCOPE_READ },
	{ "group", "add", api_group_add, API_WRITE | API_ACCOUNT, SCOPE_WRITE },
	{ "group", "edit", api_group_edit, API_WRITE, SCOPE_WRITE },
	{ "group", "delete", api_group_delete, API_WRITE, SCOPE_WRITE },
	{ "group", "vanish", api_group_vanish, API_WRITE, SCOPE_WRITE },
	{ "group", "empty", api_group_empty, API_WRITE, SCOPE_WRITE },
	{ "group", "items", api_group_items, 0, SCOPE_READ },
	{ "group", "enable", api_group_enable, API_WRITE, SCOPE_WRITE },
	{ "group", "disable", api_group_disable, API_WRITE, SCOPE_WRITE },

	{ "account", "get", api_account_get, 0, SCOPE_READ },
	{ "account", "edit", api_account_edit, API_WRITE | API_ACCOUNT, SCOPE_WRITE },
	{ "account", "secret", api_account_secret, API_WRITE, SCOPE_TOKEN },
	{ "account", "token", api_account_token, API_WRITE, SCOPE_TOKEN },
	{ "account", "keys", api_key_list, 0, SCOPE_TOKEN },
	{ "account", "keyAdd", api_key_add, API_WRITE, SCOPE_TOKEN },
	{ "account", "keyEdit", api_key_edit, API_WRITE, SCOPE_TOKEN },
	{ "account", "keyDelete", api_key_delete, API_WRITE, SCOPE_TOKEN },
	{ "account", "history", api_account_history, 0, SCOPE_READ },

	{ "server", "time", api_server_time, 0, SCOPE_READ },
	{ "server", "timezones", api_server_timezones, 0, SCOPE_READ },
	{ "server", "useragent", api_server_useragent, 0, SCOPE_READ },
	{ "server", "ip", api_server_ip, 0, SCOPE_READ },
	{ "server", "info", api_server_info, 0, SCOPE_READ },

	{ "user", "list", api_user_list, API_ADMIN, SCOPE_ADMIN },
	{ "user", "get", api_user_get, API_ADMIN, SCOPE_ADMIN },
	{ "user", "add", api_user_add, API_ADMIN | API_WRITE, SCOPE_ADMIN },
	{ "user", "edit", api_user_edit, API_ADMIN | API_WRITE, SCOPE_ADMIN },
	{ "user", "delete", api_user_delete, API_ADMIN | API_WRITE, SCOPE_ADMIN },
	{ "user", "token", api_user_token, API_ADMIN | API_WRITE, SCOPE_ADMIN },
	{ NULL, NULL, NULL, 0, 0 }
};

/* ---- the client's address */

static void
api_client(struct api_call *c)
{
	c->client_known = proxy_client_address(c->api->cfg, c->req, &c->client, c->client_text,
	    sizeof(c->client_text));
}

/* The address bucket's key: IPv6 clients count per /64, since one host
 * usually holds a whole /64. */
static size_t
api_client_key(const struct api_call *c, uint8_t key[RATELIMIT_KEY_MAX])
{
	key[0] = 'A';
	if (!c->client_known) {
		key[1] = 'U';
		return 2;
	}
	memcpy(key + 1, c->client.b, 16);
	if (!cidr_addr_is_v4(&c->client))
		memset(key + 9, 0, 8);
	return 17;
}

static int
api_rate_refused(struct api_call *c, double wait)
{
	char msg[64];
	int secs = (int)wait;

	if ((double)secs < wait)
		secs++;
	if (c->code)
		return -1;
	c->retry_after = secs < 1 ? 1 : secs;
	snprintf(msg, sizeof(msg), "rate limit exceeded: retry in %d second%s",
	    c->retry_after, c->retry_after == 1 ? "" : "s");
	return call_error_http(c, 503, API_RATE, msg);
}

/* ---- authentication */

static int
api_token(struct api_call *c, const char **token, size_t *len)
{
	const char *s, *auth;
	int rc;

	if ((rc = call_str(c, "token", 256, &s)) == -1)
		return -1;
	if (rc == 1 && *s) {
		*token = s;
		*len = strlen(s);
		return 1;
	}
	auth = evhttp_find_header(evhttp_request_get_input_headers(c->req), "Authorization");
	if (auth && strncasecmp(auth, "Bearer ", 7) == 0) {
		for (s = auth + 7; *s == ' '; s++)
			;
		*token = s;
		*len = strlen(s);
		while (*len && s[*len - 1] == ' ')
			(*len)--;
		return *len ? 1 : 0;
	}
	return 0;
}

static int
api_authenticate(struct api_call *c)
{
	const struct config *cfg = c->api->cfg;
	uint8_t akey[RATELIMIT_KEY_MAX], tkey[9];
	size_t aklen = api_client_key(c, akey);
	double now = c->api->hooks.monotonic(c->api->hooks.arg), wait;
	struct store_txn t;
	const char *token;
	size_t len;
	int rc, rate, is_key;

	if ((rc = api_token(c, &token, &len)) == -1)
		return -1;
	if (rc == 0) {
		if (!ratelimit_take(c->api->rl, akey, aklen, cfg->rate_limit, cfg->rate_burst, now, &wait))
			return api_rate_refused(c, wait);
		return call_error(c, API_NO_TOKEN, "token", "token is missing");
	}
	/* An address that has used up its bad-token allowance is refused
	 * before the token is looked at, so that the answer says nothing
	 * about whether a guess was right. */
	if (!ratelimit_peek(c->api->rl, akey, aklen, cfg->rate_limit, cfg->rate_burst, now, &wait))
		return api_rate_refused(c, wait);
	if ((rc = store_begin(c->api->store, 0, &t)) != STORE_OK)
		return call_store_error(c, rc, "account");
	rc = apikey_authenticate(&t, token, len, &c->caller, &c->keyrec, &is_key);
	store_abort(&t);
	if (rc == STORE_NOTFOUND) {
		ratelimit_take(c->api->rl, akey, aklen, cfg->rate_limit, cfg->rate_burst, now, &wait);
		return call_error(c, API_BAD_TOKEN, "token", "Invalid API token, user not found.");
	}
	if (rc != STORE_OK)
		return call_store_error(c, rc, "account");
	c->acct = &c->caller;
	if (is_key) {
		c->key = &c->keyrec;
		/* expired is as good as deleted: refused like a wrong token,
		 * but it was no guess */
		if (c->key->expires_at && c->key->expires_at <= c->now)
			return call_error(c, API_BAD_TOKEN, "token", "Invalid API token: this key expired at %lld.",
			    (long long)c->key->expires_at);
	}
	if (c->caller.status == ACCOUNT_SUSPENDED)
		return call_error(c, API_SUSPENDED, NULL, "account suspended");
	tkey[0] = 'T';
	record_key_u64(tkey + 1, c->caller.id);
	rate = account_rate(&c->caller, cfg);
	if (!ratelimit_take(c->api->rl, tkey, sizeof(tkey), rate,
	        c->caller.lim.rate_limit > 0 ? rate : cfg->rate_burst, now, &wait))
		return api_rate_refused(c, wait);
	return 0;
}

/* What a key may do: the route's scope, the key's addresses, and for a
 * key limited to a group, no action on the whole account. The account's
 * token may do everything its account may. */
static int
api_key_permits(struct api_call *c)
{
	const struct apikey *k = c->key;
	const struct api_route *r = c->route;

	if (k == NULL)
		return 0;
	if (r->scope == SCOPE_TOKEN)
		return call_error(c, API_DENIED, "token", "permission denied: %s.%s is for the account's "
		                                          "token, not for keys",
		    r->target, r->action);
	if ((k->scopes & r->scope) != r->scope)
		return call_error(c, API_DENIED, "token", "permission denied: this key lacks the scope "
		                                          "\"%s\" that %s.%s needs",
		    apikey_scope_name(r->scope), r->target, r->action);
	if (*k->allow && (!c->client_known || !apikey_allows(k->allow, c->client.b)))
		return call_error(c, API_DENIED, "token", "permission denied: this key may not be used "
		                                          "from the address %s",
		    c->client_text);
	if (k->group && (r->flags & API_ACCOUNT))
		return call_error(c, API_DENIED, "group", "permission denied: this key is limited to group "
		                                          "%llu and %s.%s acts on the whole account",
		    (unsigned long long)k->group,
		    r->target, r->action);
	return 0;
}

/* The key's use, kept in memory: a read must not become a write. */
static void
api_key_used(struct api *api, const struct api_call *c)
{
	struct api_key_use *u;

	if (c->key == NULL || api->key_use == NULL)
		return;
	if ((u = idmap_get(api->key_use, c->key->id)) == NULL) {
		u = xcalloc(1, sizeof(*u));
		u->account = c->key->account;
		idmap_put(api->key_use, c->key->id, u);
	}
	u->at = c->now;
	snprintf(u->from, sizeof(u->from), "%s", c->client_text);
	if (c->now - c->key->last_used_at >= 60 || strcmp(u->from, c->key->last_used_from) != 0)
		u->dirty = 1;
}

struct api_flush {
	struct store_txn *t;
	uint64_t *gone;
	size_t ngone;
};

static void
api_key_flush_one(uint64_t id, void *value, void *arg)
{
	struct api_flush *f = arg;
	struct api_key_use *u = value;
	struct apikey k;
	int rc;

	if (!u->dirty)
		return;
	if ((rc = apikey_load(f->t, u->account, id, &k)) != STORE_OK) {
		if (rc == STORE_NOTFOUND) {
			f->gone = xrealloc(f->gone, (f->ngone + 1) * sizeof(*f->gone));
			f->gone[f->ngone++] = id;
		}
		return;
	}
	if (u->at > k.last_used_at) {
		k.last_used_at = u->at;
		free(k.last_used_from);
		k.last_used_from = xstrdup(u->from);
		apikey_save(f->t, &k, 0);
	}
	apikey_free(&k);
}

static void
api_key_clean_one(uint64_t id, void *value, void *arg)
{
	((struct api_key_use *)value)->dirty = 0;
}

void
api_keys_flush(struct api *api)
{
	struct api_flush f = { NULL, NULL, 0 };
	struct store_txn t;
	size_t i;

	if (api->key_use == NULL || idmap_count(api->key_use) == 0)
		return;
	if (store_begin(api->store, 1, &t) != STORE_OK)
		return;
	f.t = &t;
	idmap_each(api->key_use, api_key_flush_one, &f);
	if (store_commit(&t) != STORE_OK)
		log_warnx("api: the keys' last use cannot be written");
	else
		idmap_each(api->key_use, api_key_clean_one, NULL);
	for (i = 0; i < f.ngone; i++)
		free(idmap_del(api->key_use, f.gone[i]));
	free(f.gone);
}

int
api_scope_index(unsigned s)
{
	switch (s) {
	case SCOPE_READ: return 1;
	case SCOPE_WRITE: return 2;
	case SCOPE_RUN: return 3;
	case SCOPE_ADMIN: return 4;
	default: return 0;
	}
}

/* asUser=<id>: an admin acting for another account. */
static int
api_as_user(struct api_call *c)
{
	struct store_txn t;
	int64_t id;
	int rc;

	if ((rc = call_int(c, "asUser", 1, INT64_MAX, &id)) <= 0)
		return rc;
	if (!c->caller.admin)
		return call_error(c, API_DENIED, "asUser", "asUser is for admin tokens only");
	if (c->key && !(c->key->scopes & SCOPE_ADMIN))
		return call_error(c, API_DENIED, "asUser", "permission denied: asUser needs the scope \"admin\"");
	if ((uint64_t)id == c->caller.id)
		return 0;
	if ((rc = store_begin(c->api->store, 0, &t)) != STORE_OK)
		return call_store_error(c, rc, "account");
	rc = account_load(&t, (uint64_t)id, &c->target);
	store_abort(&t);
	if (rc == STORE_NOTFOUND)
		return call_error(c, API_NOT_FOUND, "asUser", "account %lld not found", (long long)id);
	if (rc != STORE_OK)
		return call_store_error(c, rc, "account");
	c->acct = &c->target;
	return 0;
}

/* ---- routing and the envelope */

static const struct api_route *
api_route_find(const char *path, char *name, size_t namelen)
{
	const struct api_route *r;
	const char *dot = strchr(path, '.');
	size_t tlen, alen = strlen(path), i;

	if (alen > 0 && path[alen - 1] == '/')
		alen--;
	/* the name as given, cut to NAMELEN, for the error and the log */
	i = alen < namelen - 1 ? alen : namelen - 1;
	memcpy(name, path, i);
	name[i] = '\0';
	for (i = 0; name[i]; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '.' && name[i] != '_') {
			memcpy(name, "?", 2);
			return NULL;
		}
	if (dot == NULL)
		return NULL;
	tlen = (size_t)(dot - path);
	alen -= tlen + 1;
	for (r = api_routes; r->target; r++)
		if (strlen(r->target) == tlen && strncasecmp(r->target, path, tlen) == 0 &&
		    strlen(r->action) == alen && strncasecmp(r->action, dot + 1, alen) == 0)
			return r;
	return NULL;
}

static const char *
api_method(struct evhttp_request *req)
{
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_PATCH: return "PATCH";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	default: return "OTHER";
	}
}

struct api *
api_new(const struct config *cfg, struct store *store, struct ratelimit *rl, time_t started,
    const struct api_hooks *hooks)
{
	struct api *api;

	if ((api = calloc(1, sizeof(*api))) == NULL)
		fatal("api_new");
	api->cfg = cfg;
	api->store = store;
	api->rl = rl;
	api->started = started;
	api->hooks = *hooks;
	api->key_use = idmap_new();
	return api;
}

static void
api_key_free_use(uint64_t id, void *value, void *arg)
{
	free(value);
}

static void api_spare_pending_free(struct api *api);

void
api_free(struct api *api)
{
	if (api == NULL)
		return;
	if (api->writer)
		api_writer_stop(api);
	if (api->key_use) {
		idmap_each(api->key_use, api_key_free_use, NULL);
		idmap_free(api->key_use);
	}
	if (api->spare_gen)
		yajl_gen_free(api->spare_gen);
	buf_free(&api->spare_body);
	api_spare_pending_free(api);
	free(api);
}

/* Counts the answer of C for /metrics. */
static void
api_count(struct api *api, const struct api_call *c)
{
	struct api_counters *n = &api->counters;
	int route = c->route ? (int)(c->route - api_routes) : -1;
	int code = c->code, http = call_http_status(c);

	if (route >= API_COUNTED_ROUTES)
		route = -1;
	if (code < 0 || code >= API_COUNTED_CODES)
		code = API_INTERNAL;
	n->requests[route + 1][code]++;
	if (code == API_RATE)
		n->rate_limited++;
	if (code == API_DENIED && c->route)
		n->denied[api_scope_index(c->route->scope)]++;
	if (http >= 500 && code != API_RATE)
		n->http5xx++;
}

/* A hook a write called, to run on the loop thread after its commit. */
struct api_change {
	int is_account;
	int deleted;
	struct job j;
	struct account a;
};

/* The changes of one write, made on the writer thread and freed there
 * (writer_return): memory goes back to the thread that took it, so that
 * neither waits for the other's malloc arena. */
struct api_changes {
	size_t n;
	struct api_change v[];
};

/* One request from its arrival to its answer: the call, and for a write
 * on the writer thread what it brings back. */
struct api_pending {
	struct api_call c;
	char name[80];
	const char *method;
	double t0;
	/* the loop's state a write's answer shows (a job's "processing",
	 * the account's daily limit), read on the loop before it goes */
	uint64_t job;
	unsigned running;
	uint64_t account;
	int daily;
	/* job_changed / account_changed, in the order the handler called
	 * them; NULL = none */
	struct api_changes *changes;
	struct api_pending *next_spare; /* api->spare_pending's list */
};

static void
api_changes_free(struct api_changes *l)
{
	size_t i;

	for (i = 0; l && i < l->n; i++) {
		if (l->v[i].is_account)
			account_free(&l->v[i].a);
		else
			job_free(&l->v[i].j);
	}
	free(l);
}

/* On the writer thread: frees what it made for a write (api_done gives it
 * back). */
static void
api_write_release(void *arg, void *item)
{
	api_changes_free(item);
}

/* Appends S to the line LINE of CAP bytes, at *O. */
static void
api_log_add(char *line, size_t cap, size_t *o, const char *s, size_t n)
{
	if (n > cap - *o)
		n = cap - *o;
	memcpy(line + *o, s, n);
	*o += n;
}

static void
api_log_int(char *line, size_t cap, size_t *o, int64_t v)
{
	char num[24];

	api_log_add(line, cap, o, num, json_int_text(num, v));
}

/* The access log line of C, exactly as
 * "api %s %s code=%d http=%d %.1fms client=%s" would be, made without
 * printf: one line per request. */
static void
api_log(const struct api_pending *p, int http, double ms)
{
	const struct api_call *c = &p->c;
	char line[512];
	size_t o = 0;
	const char *name = c->route ? p->name : "-";
	double t = ms * 10, r = floor(t);

	api_log_add(line, sizeof(line), &o, "api ", 4);
	api_log_add(line, sizeof(line), &o, p->method, strlen(p->method));
	api_log_add(line, sizeof(line), &o, " ", 1);
	api_log_add(line, sizeof(line), &o, name, strlen(name));
	api_log_add(line, sizeof(line), &o, " code=", 6);
	api_log_int(line, sizeof(line), &o, c->code);
	api_log_add(line, sizeof(line), &o, " http=", 6);
	api_log_int(line, sizeof(line), &o, http);
	api_log_add(line, sizeof(line), &o, " ", 1);
	/* %.1f by hand, but for a value near a tie (where the exact binary
	 * value decides) or out of range */
	if (t >= 0 && t < 1e15 && fabs(t - r - 0.5) > 1e-6) {
		int64_t tenths = (int64_t)r + (t - r > 0.5);

		api_log_int(line, sizeof(line), &o, tenths / 10);
		api_log_add(line, sizeof(line), &o, ".", 1);
		api_log_int(line, sizeof(line), &o, tenths % 10);
	} else {
		char num[64];
		int n = snprintf(num, sizeof(num), "%.1f", ms);

		api_log_add(line, sizeof(line), &o, num, n > 0 ? (size_t)n : 0);
	}
	api_log_add(line, sizeof(line), &o, "ms client=", 10);
	api_log_add(line, sizeof(line), &o, c->client_text, strlen(c->client_text));
	log_info_text(line, o);
}

/* Answers up to this size leave their generator and envelope buffer to
 * the next request; a bigger one frees them. */
#define API_SPARE_MAX (256 * 1024)

/* Answered requests keep up to this many states for the next (a state is
 * larger than malloc's per-thread cache takes, so each new one would go
 * to the arena's slow path). */
#define API_SPARE_PENDING 64

/* A request's state, zeroed: a spare one or a new one. */
static struct api_pending *
api_pending_new(struct api *api)
{
	struct api_pending *p = api->spare_pending;

	if (p == NULL)
		return xcalloc(1, sizeof(*p));
	api->spare_pending = p->next_spare;
	api->nspare_pending--;
	memset(p, 0, sizeof(*p));
	return p;
}

static void
api_pending_free(struct api *api, struct api_pending *p)
{
	if (api->nspare_pending >= API_SPARE_PENDING) {
		free(p);
		return;
	}
	p->next_spare = api->spare_pending;
	api->spare_pending = p;
	api->nspare_pending++;
}

static void
api_spare_pending_free(struct api *api)
{
	struct api_pending *p;

	while ((p = api->spare_pending) != NULL) {
		api->spare_pending = p->next_spare;
		free(p);
	}
	api->nspare_pending = 0;
}

/* A generator for a request: the spare one, emptied, or a new one. */
static yajl_gen
api_gen_new(struct api *api)
{
	yajl_gen g = api->spare_gen;

	if (g == NULL)
		return json_gen_new();
	api->spare_gen = NULL;
	return g;
}

/* Keeps C's generator and envelope buffer as the spare ones, or frees
 * them. */
static void
api_spare_keep(struct api *api, struct api_call *c)
{
	const unsigned char *out;
	size_t len = 0;

	if (c->g) {
		yajl_gen_get_buf(c->g, &out, &len);
		if (api->spare_gen == NULL && len <= API_SPARE_MAX) {
			yajl_gen_clear(c->g);
			yajl_gen_reset(c->g, NULL);
			api->spare_gen = c->g;
		} else
			yajl_gen_free(c->g);
		c->g = NULL;
	}
	if (api->spare_body.data == NULL && c->body.cap <= API_SPARE_MAX) {
		buf_reset(&c->body);
		api->spare_body = c->body;
	} else
		buf_free(&c->body);
	memset(&c->body, 0, sizeof(c->body));
}

/* Sends the answer of P (its hooks first), counts and logs it, and frees
 * P. On the loop thread. */
static void
api_done(struct api *api, struct api_pending *p)
{
	struct api_call *c = &p->c;
	struct api_change *ch;
	size_t i;
	int http;

	for (i = 0; p->changes && i < p->changes->n; i++) {
		ch = &p->changes->v[i];
		if (ch->is_account && ch->deleted) {
			/* user.delete forgot the token's bucket in the writer's
			 * table (api_writer_start): the loop's is this one */
			uint8_t key[9];

			key[0] = 'T';
			record_key_u64(key + 1, ch->a.id);
			ratelimit_forget(api->rl, key, sizeof(key));
		}
		if (ch->is_account)
			api->hooks.account_changed(api->hooks.arg, &ch->a, ch->deleted);
		else
			api->hooks.job_changed(api->hooks.arg, &ch->j, ch->deleted);
	}
	if (p->changes && api->writer)
		writer_return(api->writer, p->changes);
	else
		api_changes_free(p->changes);
	p->changes = NULL;
	c->api = api;
	if (c->body.data == NULL) {
		c->body = api->spare_body;
		memset(&api->spare_body, 0, sizeof(api->spare_body));
	}
	http = call_finish(c);
	/* after the reply REQ may be gone (a client that left): nothing
	 * below reads it */
	call_send_answer(c, http);
	api_count(api, c);
	api_log(p, http, (api->hooks.monotonic(api->hooks.arg) - p->t0) * 1000);
	api_spare_keep(api, c);
	params_free(&c->params);
	account_free(&c->caller);
	account_free(&c->target);
	apikey_free(&c->keyrec);
	api_pending_free(api, p);
}

/* ---- writes on the writer thread (group commit; docs/ARCHITECTURE.md
 * "Writes"). The handlers run there unchanged, on a context (api->wapi)
 * whose hooks touch nothing of the loop thread's: the changes are kept
 * for api_done, and what the answer shows of the executor was read
 * before the write left the loop. */

static struct api_change *
api_change_add(struct api *api, int is_account, int deleted)
{
	struct api_pending *p = api->writing;
	struct api_change *ch;
	size_t n = p->changes ? p->changes->n : 0;

	p->changes = realloc(p->changes, sizeof(*p->changes) + (n + 1) * sizeof(p->changes->v[0]));
	if (p->changes == NULL)
		fatal("api_change_add");
	p->changes->n = n + 1;
	ch = &p->changes->v[n];
	memset(ch, 0, sizeof(*ch));
	ch->is_account = is_account;
	ch->deleted = deleted;
	return ch;
}

static void
api_w_job_changed(void *arg, const struct job *j, int deleted)
{
	job_copy(&api_change_add(arg, 0, deleted)->j, j);
}

static void
api_w_account_changed(void *arg, const struct account *a, int deleted)
{
	account_copy(&api_change_add(arg, 1, deleted)->a, a);
}

static unsigned
api_w_job_running(void *arg, uint64_t id)
{
	struct api_pending *p = ((struct api *)arg)->writing;

	/* a job the write created has never run */
	return id == p->job ? p->running : 0;
}

static int
api_w_daily_reached(void *arg, uint64_t account, int64_t now)
{
	struct api_pending *p = ((struct api *)arg)->writing;

	return account == p->account ? p->daily : 0;
}

static int
api_w_run_now(void *arg, const struct job *j, const char *payload, int64_t now,
    struct api_run *out)
{
	/* cron.run stays on the loop thread (api_handle) */
	log_warnx("api: run_now on the writer thread");
	out->refused = API_STORAGE;
	out->store_status = STORE_FAILED;
	return -1;
}

static void
api_w_logs_flush(void *arg)
{
}

static void
api_w_figures(void *arg, struct api_figures *out)
{
	memset(out, 0, sizeof(*out));
}

static double
api_w_monotonic(void *arg)
{
	struct api *api = arg;

	return api->hooks.monotonic(api->hooks.arg); /* a clock: any thread */
}

static int64_t
api_w_now(void *arg)
{
	struct api *api = arg;

	return api->hooks.now(api->hooks.arg);
}

/* On the loop thread: what the write's answer will show of the loop's
 * state. */
static void
api_write_prepare(struct api *api, struct api_pending *p)
{
	struct api_call *c = &p->c;
	const struct param *id;

	p->account = c->acct->id;
	p->daily = api->hooks.daily_reached(api->hooks.arg, c->acct->id, c->now);
	if (strcmp(c->route->target, "cron") == 0 &&
	    (id = params_get(&c->params, "id")) != NULL && id->kind == PARAM_STR) {
		p->job = strtoull(id->str, NULL, 10);
		if (p->job)
			p->running = api->hooks.job_running(api->hooks.arg, p->job);
	}
}

/* Runs the write of P with its history event (api/audit.h), inside the
 * batch open on this thread. */
static void
api_write_audited(struct api_pending *p)
{
	struct audit *a;

	if ((a = audit_begin(&p->c)) == NULL)
		return;
	p->c.route->handler(&p->c);
	if (audit_end(a, &p->c) == -1) {
		api_changes_free(p->changes); /* the write is not in the batch */
		p->changes = NULL;
	}
}

static void
api_write_run(void *arg, void *item)
{
	struct api *api = arg;
	struct api_pending *p = item;

	api->writing = p;
	p->c.api = api->wapi;
	api_write_audited(p);
	call_params_check(&p->c);
	p->c.api = api;
	api->writing = NULL;
}

static void
api_write_failed(void *arg, void *item, int status)
{
	struct api_pending *p = item;

	/* the batch is not on disk: neither is this write, whatever its
	 * handler answered */
	api_changes_free(p->changes);
	p->changes = NULL;
	if (p->c.code == 0)
		call_store_error(&p->c, status, "job");
}

static void
api_write_done(void *arg, void *item)
{
	api_done(arg, item);
}

int
api_writer_start(struct api *api, struct event_base *base, size_t batch_max)
{
	const struct writer_ops ops = {
		.arg = api,
		.run = api_write_run,
		.failed = api_write_failed,
		.done = api_write_done,
		.release = api_write_release,
	};
	struct api *w = xcalloc(1, sizeof(*w));

	w->cfg = api->cfg;
	w->store = api->store;
	/* the rate limits are the loop's: a handler that forgets a bucket
	 * (user.delete) forgets it in this table of the writer's own, and
	 * api_done does it again in the loop's */
	w->rl = ratelimit_new(64);
	w->started = api->started;
	w->hooks.arg = api;
	w->hooks.job_changed = api_w_job_changed;
	w->hooks.account_changed = api_w_account_changed;
	w->hooks.job_running = api_w_job_running;
	w->hooks.daily_reached = api_w_daily_reached;
	w->hooks.run_now = api_w_run_now;
	w->hooks.logs_flush = api_w_logs_flush;
	w->hooks.figures = api_w_figures;
	w->hooks.monotonic = api_w_monotonic;
	w->hooks.now = api_w_now;
	api->wapi = w;
	if ((api->writer = writer_new(api->store, base, &ops, batch_max)) == NULL) {
		api->wapi = NULL;
		ratelimit_free(w->rl);
		free(w);
		return -1;
	}
	return 0;
}

void
api_writer_stop(struct api *api)
{
	writer_free(api->writer);
	api->writer = NULL;
	if (api->wapi)
		ratelimit_free(api->wapi->rl);
	free(api->wapi);
	api->wapi = NULL;
}

void
api_writer_pause(struct api *api)
{
	if (api->writer)
		writer_pause(api->writer);
}

void
api_writer_resume(struct api *api)
{
	if (api->writer)
		writer_resume(api->writer);
}

void
api_handle(struct api *api, struct evhttp_request *req)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t bodylen = evbuffer_get_length(in);
	struct api_pending *p = api_pending_new(api);
	struct api_call *c = &p->c;
	struct params_error perr;
	char *name = p->name;
	const size_t namelen = sizeof(p->name);

	p->t0 = api->hooks.monotonic(api->hooks.arg);
	p->method = api_method(req);
	c->api = api;
	c->req = req;
	c->now = api->hooks.now(api->hooks.arg);
	api_client(c);

	if ((c->route = api_route_find(evhttp_uri_get_path(uri) + 5, name, namelen)) == NULL) {
		if (strcmp(name, "?") == 0)
			call_error(c, API_UNKNOWN, NULL, "unknown target or action");
		else
			call_error(c, API_UNKNOWN, NULL, "unknown target or action \"%s\"", name);
		goto reply;
	}
	if (bodylen > API_BODY_MAX) {
		c->http_status = 413;
		call_error(c, API_INVALID, NULL, "the request body is larger than %d bytes", API_BODY_MAX);
		goto reply;
	}
	if (params_parse(&c->params, evhttp_uri_get_query(uri),
	        (const char *)evbuffer_pullup(in, -1), bodylen,
	        evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type"), &perr) == -1) {
		c->strict_malformed = perr.malformed;
		call_error(c, API_INVALID, perr.field, "%s", perr.message);
		goto reply;
	}
	if (api_authenticate(c) == -1)
		goto reply;
	if (api_key_permits(c) == -1)
		goto reply;
	api_key_used(api, c);
	if ((c->route->flags & API_ADMIN) && !c->caller.admin) {
		call_error(c, API_DENIED, NULL, "%s.%s is for admin tokens only", c->route->target,
		    c->route->action);
		goto reply;
	}
	if (api_as_user(c) == -1)
		goto reply;
	c->g = api_gen_new(api);
	/* a write goes to the writer thread and is answered after its
	 * commit; cron.run fires through the scheduler, which is the loop's */
	if ((c->route->flags & API_WRITE) && api->writer && c->route->handler != api_cron_run) {
		api_write_prepare(api, p);
		writer_submit(api->writer, p);
		return;
	}
	if ((c->route->flags & API_WRITE) && c->route->handler != api_cron_run) {
		/* no writer thread: a batch of one, on this thread */
		int rc;

		if ((rc = store_batch_begin(api->store)) != STORE_OK) {
			call_store_error(c, rc, "job");
			goto reply;
		}
		api_write_audited(p);
		if ((rc = store_batch_commit(api->store)) != STORE_OK && c->code == 0)
			call_store_error(c, rc, "job");
		goto reply;
	}
	c->route->handler(c);
	call_params_check(c);
reply:
	api_done(api, p);
}
