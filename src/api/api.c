/*
 * api: the request path from the route table to the envelope.
 *
 *   route -> parameters -> client address -> token -> rate limit
 *   -> admin / asUser -> handler -> envelope
 */

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "store/account.h"
#include "api/api.h"
#include "util/buf.h"
#include "api/proxy.h"
#include "util/json.h"
#include "util/log.h"
#include "daemon/metrics.h"
#include "api/ratelimit.h"
#include "store/record.h"
#include "store/rules.h"
#include "daemon/server.h"
#include "store/store.h"

const struct api_route api_routes[] = {
	{ "cron",	"list",		api_cron_list,		0 },
	{ "cron",	"get",		api_cron_get,		0 },
	{ "cron",	"add",		api_cron_add,		API_WRITE },
	{ "cron",	"edit",		api_cron_edit,		API_WRITE },
	{ "cron",	"delete",	api_cron_delete,	API_WRITE },
	{ "cron",	"enable",	api_cron_enable,	API_WRITE },
	{ "cron",	"disable",	api_cron_disable,	API_WRITE },
	{ "cron",	"toggle",	api_cron_toggle,	API_WRITE },
	{ "cron",	"pause",	api_cron_pause,		API_WRITE },
	{ "cron",	"duplicate",	api_cron_duplicate,	API_WRITE },
	{ "cron",	"next",		api_cron_next,		0 },
	{ "cron",	"upcoming",	api_cron_upcoming,	0 },
	{ "cron",	"validate",	api_cron_validate,	0 },
	{ "cron",	"presets",	api_cron_presets,	0 },
	{ "cron",	"run",		api_cron_run,		API_WRITE },
	{ "cron",	"logs",		api_cron_logs,		0 },
	{ "cron",	"failures",	api_cron_failures,	0 },

	{ "task",	"list",		api_task_list,		0 },
	{ "task",	"get",		api_task_get,		0 },
	{ "task",	"add",		api_task_add,		API_WRITE },
	{ "task",	"edit",		api_task_edit,		API_WRITE },
	{ "task",	"delete",	api_task_delete,	API_WRITE },

	{ "group",	"list",		api_group_list,		0 },
	{ "group",	"get",		api_group_get,		0 },
	{ "group",	"lookup",	api_group_lookup,	0 },
	{ "group",	"add",		api_group_add,		API_WRITE },
	{ "group",	"edit",		api_group_edit,		API_WRITE },
	{ "group",	"delete",	api_group_delete,	API_WRITE },
	{ "group",	"vanish",	api_group_vanish,	API_WRITE },
	{ "group",	"empty",	api_group_empty,	API_WRITE },
	{ "group",	"items",	api_group_items,	0 },
	{ "group",	"enable",	api_group_enable,	API_WRITE },
	{ "group",	"disable",	api_group_disable,	API_WRITE },

	{ "account",	"get",		api_account_get,	0 },
	{ "account",	"edit",		api_account_edit,	API_WRITE },
	{ "account",	"secret",	api_account_secret,	API_WRITE },
	{ "account",	"token",	api_account_token,	API_WRITE },

	{ "server",	"time",		api_server_time,	0 },
	{ "server",	"timezones",	api_server_timezones,	0 },
	{ "server",	"useragent",	api_server_useragent,	0 },
	{ "server",	"ip",		api_server_ip,		0 },
	{ "server",	"info",		api_server_info,	0 },

	{ "user",	"list",		api_user_list,		API_ADMIN },
	{ "user",	"get",		api_user_get,		API_ADMIN },
	{ "user",	"add",		api_user_add,		API_ADMIN | API_WRITE },
	{ "user",	"edit",		api_user_edit,		API_ADMIN | API_WRITE },
	{ "user",	"delete",	api_user_delete,	API_ADMIN | API_WRITE },
	{ "user",	"token",	api_user_token,		API_ADMIN | API_WRITE },
	{ NULL, NULL, NULL, 0 }
};

/* The strict_http_status mapping, by code. */
static const struct {
	int code;
	int http;
} api_strict[] = {
	{ API_INTERNAL, 500 }, { API_STORAGE, 500 },
	{ API_NO_TOKEN, 401 }, { API_BAD_TOKEN, 401 },
	{ API_SUSPENDED, 403 }, { API_DENIED, 403 },
	{ API_UNKNOWN, 404 }, { API_MISSING, 400 },
	{ API_INVALID, 422 }, { API_SCHEDULE, 422 }, { API_TIMEZONE, 422 }, { API_URL, 422 },
	{ API_NOT_FOUND, 404 }, { API_RUNNING, 409 },
	{ API_LIMIT, 409 }, { API_DAILY, 409 }, { API_RATE, 503 },
};

int
api_strict_status(int code)
{
	size_t i;

	for (i = 0; i < sizeof(api_strict) / sizeof(api_strict[0]); i++)
		if (api_strict[i].code == code)
			return api_strict[i].http;
	return 400;
}

int
api_error(struct api_call *c, int code, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (c->code)	/* the first error is the one that explains */
		return -1;
	c->code = code;
	snprintf(c->field, sizeof(c->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
	return -1;
}

/* An error with its own HTTP status; like api_error, only the first
 * error of a call counts, status included. */
static int
api_error_http(struct api_call *c, int http, int code, const char *message)
{
	if (c->code)
		return -1;
	c->http_status = http;
	return api_error(c, code, NULL, "%s", message);
}

int
api_store_error(struct api_call *c, int status, const char *what)
{
	switch (status) {
	case STORE_NOTFOUND:
		return api_error(c, API_NOT_FOUND, NULL, "%s not found", what);
	case STORE_FULL:
		return api_error_http(c, 507, API_STORAGE, "storage is full: nothing was changed");
	default:
		return api_error_http(c, 500, API_STORAGE, "storage is unavailable: nothing was changed");
	}
}

/* ---- parameters */

/* NAME as SPEC spells it ("notifyUrl"), so that errors name it so. */
static const struct param *
api_param(struct api_call *c, const char *name)
{
	char folded[PARAMS_NAME_MAX + 1];

	if (params_fold(name, strlen(name), folded) == -1)
		return NULL;
	return params_get(&c->params, folded);
}

int
api_str(struct api_call *c, const char *name, size_t maxlen, const char **out)
{
	const struct param *p = api_param(c, name);

	*out = NULL;
	if (p == NULL)
		return 0;
	switch (p->kind) {
	case PARAM_NULL:
		*out = "";
		return 1;
	case PARAM_JSON:
		return api_error(c, API_INVALID, name, "%s must be a single value, not an object or array", name);
	case PARAM_LIST:
		if (p->nitems != 1)
			return api_error(c, API_INVALID, name, "%s must be a single value, not a list", name);
		/* FALLTHROUGH */
	case PARAM_STR:
		break;
	}
	if (strlen(p->str) > maxlen)
		return api_error(c, API_INVALID, name, "%s is longer than %zu bytes", name, maxlen);
	*out = p->str;
	return 1;
}

int
api_str_req(struct api_call *c, const char *name, size_t maxlen, const char **out)
{
	int rc = api_str(c, name, maxlen, out);

	if (rc == 0)
		return api_error(c, API_MISSING, name, "%s is required", name);
	return rc;
}

int
api_int(struct api_call *c, const char *name, int64_t min, int64_t max, int64_t *out)
{
	const char *s;
	char *end;
	long long v;
	int rc;

	if ((rc = api_str(c, name, 64, &s)) != 1)
		return rc;
	errno = 0;
	v = strtoll(s, &end, 10);
	/* JSON may send 5.0 for 5 */
	if (end != s && *end == '.') {
		const char *z = end + 1;

		while (*z == '0')
			z++;
		if (*z == '\0' && z > end + 1)
			end = (char *)z;
	}
	if (*s == '\0' || isspace((unsigned char)*s) || *end != '\0' || errno == ERANGE)
		return api_error(c, API_INVALID, name, "%s must be a whole number", name);
	if (v < min || v > max)
		return api_error(c, API_INVALID, name, "%s must be between %lld and %lld", name,
		    (long long)min, (long long)max);
	*out = v;
	return 1;
}

int
api_int_req(struct api_call *c, const char *name, int64_t min, int64_t max, int64_t *out)
{
	int rc = api_int(c, name, min, max, out);

	if (rc == 0)
		return api_error(c, API_MISSING, name, "%s is required", name);
	return rc;
}

int
api_bool(struct api_call *c, const char *name, int *out)
{
	const char *s;
	int rc;

	if ((rc = api_str(c, name, 16, &s)) != 1)
		return rc;
	if (!strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "yes") || !strcasecmp(s, "on"))
		*out = 1;
	else if (!strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "no") ||
	    !strcasecmp(s, "off"))
		*out = 0;
	else
		return api_error(c, API_INVALID, name, "%s must be true or false", name);
	return 1;
}

int
api_id(struct api_call *c, const char *name, uint64_t *out)
{
	int64_t v;
	int rc = api_int_req(c, name, 1, INT64_MAX, &v);

	if (rc == 1)
		*out = (uint64_t)v;
	return rc;
}

int
api_url_allowed(struct api_call *c, const char *field, const char *url)
{
	char why[160];

	if (rules_url(url, why, sizeof(why)) == -1)
		return api_error(c, API_URL, field, "%s %s", field, why);
	return 0;
}

/* ---- the client's address */

static void
api_client(struct api_call *c)
{
	c->client_known = proxy_client_address(&c->srv->cfg, c->req, &c->client, c->client_text,
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
	return api_error_http(c, 503, API_RATE, msg);
}

/* ---- authentication */

static int
api_token(struct api_call *c, const char **token, size_t *len)
{
	const char *s, *auth;
	int rc;

	if ((rc = api_str(c, "token", 256, &s)) == -1)
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
	const struct config *cfg = &c->srv->cfg;
	uint8_t akey[RATELIMIT_KEY_MAX], tkey[9];
	size_t aklen = api_client_key(c, akey);
	double now = server_monotonic(), wait;
	struct store_txn t;
	const char *token;
	size_t len;
	int rc, rate;

	if ((rc = api_token(c, &token, &len)) == -1)
		return -1;
	if (rc == 0) {
		if (!ratelimit_take(c->srv->rl, akey, aklen, cfg->rate_limit, cfg->rate_burst, now, &wait))
			return api_rate_refused(c, wait);
		return api_error(c, API_NO_TOKEN, "token", "token is missing");
	}
	/* An address that has used up its bad-token allowance is refused
	 * before the token is looked at, so that the answer says nothing
	 * about whether a guess was right. */
	if (!ratelimit_peek(c->srv->rl, akey, aklen, cfg->rate_limit, cfg->rate_burst, now, &wait))
		return api_rate_refused(c, wait);
	if ((rc = store_begin(c->srv->store, 0, &t)) != STORE_OK)
		return api_store_error(c, rc, "account");
	rc = account_by_token(&t, token, len, &c->caller);
	store_abort(&t);
	if (rc == STORE_NOTFOUND) {
		ratelimit_take(c->srv->rl, akey, aklen, cfg->rate_limit, cfg->rate_burst, now, &wait);
		return api_error(c, API_BAD_TOKEN, "token", "Invalid API token, user not found.");
	}
	if (rc != STORE_OK)
		return api_store_error(c, rc, "account");
	c->acct = &c->caller;
	if (c->caller.status == ACCOUNT_SUSPENDED)
		return api_error(c, API_SUSPENDED, NULL, "account suspended");
	tkey[0] = 'T';
	record_key_u64(tkey + 1, c->caller.id);
	rate = account_rate(&c->caller, cfg);
	if (!ratelimit_take(c->srv->rl, tkey, sizeof(tkey), rate,
	    c->caller.lim.rate_limit > 0 ? rate : cfg->rate_burst, now, &wait))
		return api_rate_refused(c, wait);
	return 0;
}

/* asUser=<id>: an admin acting for another account. */
static int
api_as_user(struct api_call *c)
{
	struct store_txn t;
	int64_t id;
	int rc;

	if ((rc = api_int(c, "asUser", 1, INT64_MAX, &id)) <= 0)
		return rc;
	if (!c->caller.admin)
		return api_error(c, API_DENIED, "asUser", "asUser is for admin tokens only");
	if ((uint64_t)id == c->caller.id)
		return 0;
	if ((rc = store_begin(c->srv->store, 0, &t)) != STORE_OK)
		return api_store_error(c, rc, "account");
	rc = account_load(&t, (uint64_t)id, &c->target);
	store_abort(&t);
	if (rc == STORE_NOTFOUND)
		return api_error(c, API_NOT_FOUND, "asUser", "account %lld not found", (long long)id);
	if (rc != STORE_OK)
		return api_store_error(c, rc, "account");
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
	snprintf(name, namelen, "%.*s", (int)alen, path);
	for (i = 0; name[i]; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '.' && name[i] != '_') {
			snprintf(name, namelen, "?");
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

static void
api_send(struct evhttp_request *req, int http, const unsigned char *body, size_t len,
    int retry_after)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	const char *reason;
	char ra[16];

	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (retry_after > 0) {
		snprintf(ra, sizeof(ra), "%d", retry_after);
		evhttp_add_header(h, "Retry-After", ra);
	}
	switch (http) {
	case 200: reason = "OK"; break;
	case 400: reason = "Bad Request"; break;
	case 401: reason = "Unauthorized"; break;
	case 403: reason = "Forbidden"; break;
	case 404: reason = "Not Found"; break;
	case 409: reason = "Conflict"; break;
	case 413: reason = "Payload Too Large"; break;
	case 422: reason = "Unprocessable Entity"; break;
	case 500: reason = "Internal Server Error"; break;
	case 503: reason = "Service Unavailable"; break;
	case 507: reason = "Insufficient Storage"; break;
	default: reason = "Error"; break;
	}
	evbuffer_add(out, body, len);
	evhttp_send_reply(req, http, reason, out);
}

static void
api_error_body(yajl_gen g, int code, const char *message, const char *field)
{
	yajl_gen_map_open(g);
	json_kstr(g, "status", "error");
	json_kint(g, "code", code);
	json_kstr(g, "message", message);
	if (field && *field)
		json_kstr(g, "field", field);
	yajl_gen_map_close(g);
}

void
api_send_error(struct server *srv, struct evhttp_request *req, int http, int code,
    const char *message)
{
	yajl_gen g = json_gen_new();
	const unsigned char *body;
	size_t len;

	api_error_body(g, code, message, NULL);
	yajl_gen_get_buf(g, &body, &len);
	api_send(req, http, body, len, 0);
	yajl_gen_free(g);
}

static int
api_http_status(const struct api_call *c)
{
	if (c->http_status)
		return c->http_status;
	if (c->code == API_INTERNAL)
		return 500;
	if (c->srv->cfg.strict_http_status && c->code) {
		if (c->code == API_INVALID && c->strict_malformed)
			return 400;
		return api_strict_status(c->code);
	}
	return 200;
}

/* 1 when G holds exactly one complete JSON value. yajl refuses a second
 * top-level value only once the first is complete, which is the test. */
static int
api_value_complete(yajl_gen g)
{
	const unsigned char *out;
	size_t len;

	yajl_gen_get_buf(g, &out, &len);
	return len > 0 && yajl_gen_null(g) == yajl_gen_generation_complete;
}

int
api_finish(struct api_call *c)
{
	const unsigned char *out;
	size_t len;

	buf_reset(&c->body);
	if (c->code == 0 && (c->g == NULL || !api_value_complete(c->g))) {
		log_warnx("api %s.%s: the handler wrote no answer or an unfinished one",
		    c->route ? c->route->target : "-", c->route ? c->route->action : "-");
		api_error(c, API_INTERNAL, NULL, "internal error");
	}
	if (c->code == 0) {
		yajl_gen_get_buf(c->g, &out, &len);
		buf_addstr(&c->body, "{\"status\":\"success\",\"code\":0,\"data\":");
		buf_add(&c->body, out, len);
		buf_addch(&c->body, '}');
	} else {
		yajl_gen g = json_gen_new();

		api_error_body(g, c->code, c->message, c->field);
		yajl_gen_get_buf(g, &out, &len);
		buf_add(&c->body, out, len);
		yajl_gen_free(g);
	}
	return api_http_status(c);
}

static void
api_reply(struct api_call *c)
{
	int http = api_finish(c);

	api_send(c->req, http, (const unsigned char *)c->body.data, c->body.len,
	    http == 503 ? c->retry_after : 0);
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

void
api_handle(struct server *srv, struct evhttp_request *req)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t bodylen = evbuffer_get_length(in);
	double t0 = server_monotonic();
	struct params_error perr;
	struct api_call c;
	char name[80];

	memset(&c, 0, sizeof(c));
	c.srv = srv;
	c.req = req;
	c.now = (int64_t)time(NULL);
	api_client(&c);

	if ((c.route = api_route_find(evhttp_uri_get_path(uri) + 5, name, sizeof(name))) == NULL) {
		if (strcmp(name, "?") == 0)
			api_error(&c, API_UNKNOWN, NULL, "unknown target or action");
		else
			api_error(&c, API_UNKNOWN, NULL, "unknown target or action \"%s\"", name);
		goto reply;
	}
	if (bodylen > API_BODY_MAX) {
		c.http_status = 413;
		api_error(&c, API_INVALID, NULL, "the request body is larger than %d bytes", API_BODY_MAX);
		goto reply;
	}
	if (params_parse(&c.params, evhttp_uri_get_query(uri),
	    (const char *)evbuffer_pullup(in, -1), bodylen,
	    evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type"), &perr) == -1) {
		c.strict_malformed = perr.malformed;
		api_error(&c, API_INVALID, perr.field, "%s", perr.message);
		goto reply;
	}
	if (api_authenticate(&c) == -1)
		goto reply;
	if ((c.route->flags & API_ADMIN) && !c.caller.admin) {
		api_error(&c, API_DENIED, NULL, "%s.%s is for admin tokens only", c.route->target,
		    c.route->action);
		goto reply;
	}
	if (api_as_user(&c) == -1)
		goto reply;
	c.g = json_gen_new();
	c.route->handler(&c);
reply:
	api_reply(&c);
	metrics_api(c.route ? (int)(c.route - api_routes) : -1, c.code, api_http_status(&c));
	log_info("api %s %s code=%d http=%d %.1fms client=%s", api_method(req),
	    c.route ? name : "-", c.code, api_http_status(&c),
	    (server_monotonic() - t0) * 1000, c.client_text);
	if (c.g)
		yajl_gen_free(c.g);
	buf_free(&c.body);
	params_free(&c.params);
	account_free(&c.caller);
	account_free(&c.target);
}
