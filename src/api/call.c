/*
 * call: parameters, errors and the envelope of one API request.
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
#include <event2/util.h>

#include "api/api.h"
#include "api/call.h"
#include "conf/config.h"
#include "store/rules.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/log.h"

/* The strict_http_status mapping, by code. */
static const struct {
	int code;
	int http;
} api_strict[] = {
	{ API_INTERNAL, 500 },
	{ API_STORAGE, 500 },
	{ API_NO_TOKEN, 401 },
	{ API_BAD_TOKEN, 401 },
	{ API_SUSPENDED, 403 },
	{ API_DENIED, 403 },
	{ API_UNKNOWN, 404 },
	{ API_MISSING, 400 },
	{ API_INVALID, 422 },
	{ API_SCHEDULE, 422 },
	{ API_TIMEZONE, 422 },
	{ API_URL, 422 },
	{ API_NOT_FOUND, 404 },
	{ API_RUNNING, 409 },
	{ API_LIMIT, 409 },
	{ API_DAILY, 409 },
	{ API_RATE, 503 },
};

int
call_strict_status(int code)
{
	size_t i;

	for (i = 0; i < sizeof(api_strict) / sizeof(api_strict[0]); i++)
		if (api_strict[i].code == code)
			return api_strict[i].http;
	return 400;
}

int
call_error(struct api_call *c, int code, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (c->code) /* the first error is the one that explains */
		return -1;
	c->code = code;
	snprintf(c->field, sizeof(c->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
	return -1;
}

int
call_error_http(struct api_call *c, int http, int code, const char *message)
{
	if (c->code)
		return -1;
	c->http_status = http;
	return call_error(c, code, NULL, "%s", message);
}

int
call_moving(struct api_call *c, uint64_t account)
{
	char msg[128];

	if (c->code)
		return -1;
	c->retry_after = 1;
	snprintf(msg, sizeof(msg),
	    "account %llu is moving to another server: retry in 1 second",
	    (unsigned long long)account);
	return call_error_http(c, 503, API_MOVING, msg);
}

int
call_rule_error(struct api_call *c, const char *name, int fault, const char *why)
{
	if (fault == RULES_URL_REFUSED)
		return call_error(c, API_URL, name, "%s %s", name, why);
	if (fault == RULES_ZONE_UNKNOWN)
		return call_error(c, API_TIMEZONE, name, "%s", why);
	return call_error(c, API_INVALID, name, "%s %s", name, why);
}

int
call_store_error(struct api_call *c, int status, const char *what)
{
	switch (status) {
	case STORE_NOTFOUND:
		return call_error(c, API_NOT_FOUND, NULL, "%s not found", what);
	case STORE_FULL:
		return call_error_http(c, 507, API_STORAGE, "storage is full: nothing was changed");
	default:
		return call_error_http(c, 500, API_STORAGE, "storage is unavailable: nothing was changed");
	}
}

/* ---- parameters */

/* NAME as SPEC spells it ("notifyUrl"), so that errors name it so. */
static const struct param *
call_param(struct api_call *c, const char *name)
{
	char folded[PARAMS_NAME_MAX + 1];

	if (params_fold(name, strlen(name), folded) == -1)
		return NULL;
	return params_get(&c->params, folded);
}

int
call_group_allowed(struct api_call *c, uint64_t group)
{
	if (c->key == NULL || c->key->group == 0 || c->key->group == group)
		return 0;
	return call_error(c, API_DENIED, "group", "permission denied: this key is limited to group %llu",
	    (unsigned long long)c->key->group);
}

int
call_str(struct api_call *c, const char *name, size_t maxlen, const char **out)
{
	const struct param *p = call_param(c, name);

	*out = NULL;
	if (p == NULL)
		return 0;
	switch (p->kind) {
	case PARAM_NULL:
		*out = "";
		return 1;
	case PARAM_JSON:
		return call_error(c, API_INVALID, name, "%s must be a single value, not an object or array", name);
	case PARAM_LIST:
		/* "name[]=x" alone is PHP's list of one and may stand for x; a
		 * JSON array is a list whatever its length */
		if (p->nitems != 1 || p->json != NULL)
			return call_error(c, API_INVALID, name, "%s must be a single value, not a list", name);
		/* FALLTHROUGH */
	case PARAM_STR:
		break;
	}
	if (strlen(p->str) > maxlen)
		return call_error(c, API_INVALID, name, "%s is longer than %zu bytes", name, maxlen);
	*out = p->str;
	return 1;
}

int
call_str_req(struct api_call *c, const char *name, size_t maxlen, const char **out)
{
	int rc = call_str(c, name, maxlen, out);

	if (rc == 0)
		return call_error(c, API_MISSING, name, "%s is required", name);
	return rc;
}

int
call_int(struct api_call *c, const char *name, int64_t min, int64_t max, int64_t *out)
{
	const char *s;
	char *end;
	long long v;
	int rc;

	if ((rc = call_str(c, name, 64, &s)) != 1)
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
		return call_error(c, API_INVALID, name, "%s must be a whole number", name);
	if (v < min || v > max)
		return call_error(c, API_INVALID, name, "%s must be between %lld and %lld", name,
		    (long long)min, (long long)max);
	*out = v;
	return 1;
}

int
call_int_req(struct api_call *c, const char *name, int64_t min, int64_t max, int64_t *out)
{
	int rc = call_int(c, name, min, max, out);

	if (rc == 0)
		return call_error(c, API_MISSING, name, "%s is required", name);
	return rc;
}

int
call_bool(struct api_call *c, const char *name, int *out)
{
	const char *s;
	int rc;

	if ((rc = call_str(c, name, 16, &s)) != 1)
		return rc;
	if (!strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "yes") || !strcasecmp(s, "on"))
		*out = 1;
	else if (!strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "no") ||
	    !strcasecmp(s, "off"))
		*out = 0;
	else
		return call_error(c, API_INVALID, name, "%s must be true or false", name);
	return 1;
}

int
call_id(struct api_call *c, const char *name, uint64_t *out)
{
	int64_t v;
	int rc = call_int_req(c, name, 1, INT64_MAX, &v);

	if (rc == 1)
		*out = (uint64_t)v;
	return rc;
}

int
call_url_allowed(struct api_call *c, const char *field, const char *url)
{
	char why[160];

	if (rules_url(url, why, sizeof(why)) == -1)
		return call_error(c, API_URL, field, "%s %s", field, why);
	return 0;
}

/* ---- unknown parameters */

static int
call_strict_params(const struct api_call *c)
{
	return c->api->cfg->strict_params || (c->caller.id && c->caller.strict_params);
}

int
call_params_check(struct api_call *c)
{
	const struct param *p;

	if (c->code || c->params_checked || !call_strict_params(c))
		return c->code ? -1 : 0;
	if ((p = params_unread(&c->params, 0)) != NULL)
		return call_error(c, API_INVALID, p->given,
		    "unknown parameter %s (strictParams is on)", p->given);
	c->params_checked = 1;
	return 0;
}

int
call_commit(struct api_call *c, struct store_txn *t)
{
	if (call_params_check(c) == -1) {
		store_abort(t);
		return STORE_FAILED;
	}
	return store_commit(t);
}

/* The Date header's text for the present second, made once a second with
 * libevent's own formatter (evhttp would run it for every answer). Per
 * thread, so that it needs no lock. The second is CLOCK_REALTIME's, not
 * time()'s: glibc's time() reads the clock of the kernel's last tick, a
 * few ms behind at the turn of a second, and a client reading the real
 * clock before it asked would get the Date of the second before. */
static const char *
call_date(void)
{
	static _Thread_local char text[40];
	static _Thread_local time_t made = -1;
	struct timespec ts;
	struct tm tm;
	time_t now;

	now = clock_gettime(CLOCK_REALTIME, &ts) == 0 ? ts.tv_sec : time(NULL);
	if (now != made && gmtime_r(&now, &tm)) {
		evutil_date_rfc1123(text, sizeof(text), &tm);
		made = now;
	}
	return text;
}

void
call_send(struct evhttp_request *req, int http, const unsigned char *body, size_t len,
    int retry_after)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	const char *reason;
	char ra[16];

	evhttp_add_header(h, "Date", call_date());
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
	case 405: reason = "Method Not Allowed"; break;
	case 409: reason = "Conflict"; break;
	case 413: reason = "Payload Too Large"; break;
	case 417: reason = "Expectation Failed"; break;
	case 422: reason = "Unprocessable Entity"; break;
	case 500: reason = "Internal Server Error"; break;
	case 503: reason = "Service Unavailable"; break;
	case 507: reason = "Insufficient Storage"; break;
	default: reason = "Error"; break;
	}
	evbuffer_add(out, body, len);
	evhttp_send_reply(req, http, reason, out);
}

void
call_send_answer(struct api_call *c, int http)
{
	struct evbuffer *out;

	if (c->data == NULL) {
		call_send(c->req, http, (const unsigned char *)c->body.data, c->body.len,
		    http == 503 ? c->retry_after : 0);
		return;
	}
	/* the head and the value first; call_send adds the tail and sends */
	out = evhttp_request_get_output_buffer(c->req);
	evbuffer_add(out, CALL_SUCCESS_HEAD, sizeof(CALL_SUCCESS_HEAD) - 1);
	evbuffer_add(out, c->data, c->data_len);
	call_send(c->req, http, (const unsigned char *)c->body.data, c->body.len, 0);
}

static void
call_error_body(yajl_gen g, int code, const char *message, const char *field)
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
call_send_error(struct evhttp_request *req, int http, int code, const char *message)
{
	yajl_gen g = json_gen_new();
	const unsigned char *body;
	size_t len;

	call_error_body(g, code, message, NULL);
	yajl_gen_get_buf(g, &body, &len);
	call_send(req, http, body, len, 0);
	yajl_gen_free(g);
}

int
call_http_status(const struct api_call *c)
{
	if (c->http_status)
		return c->http_status;
	if (c->code == API_INTERNAL)
		return 500;
	if (c->api->cfg->strict_http_status && c->code) {
		if (c->code == API_INVALID && c->strict_malformed)
			return 400;
		return call_strict_status(c->code);
	}
	return 200;
}

/* 1 when G holds exactly one complete JSON value. yajl refuses a second
 * top-level value only once the first is complete, which is the test. */
static int
call_value_complete(yajl_gen g)
{
	const unsigned char *out;
	size_t len;

	yajl_gen_get_buf(g, &out, &len);
	return len > 0 && yajl_gen_null(g) == yajl_gen_generation_complete;
}

int
call_finish(struct api_call *c)
{
	const unsigned char *out;
	size_t len;

	buf_reset(&c->body);
	c->data = NULL;
	c->data_len = 0;
	if (c->code == 0 && (c->g == NULL || !call_value_complete(c->g))) {
		log_warnx("api %s.%s: the handler wrote no answer or an unfinished one",
		    c->route ? c->route->target : "-", c->route ? c->route->action : "-");
		call_error(c, API_INTERNAL, NULL, "internal error");
	}
	if (c->code == 0) {
		const struct param *p;
		size_t i;

		/* the value stays in g's buffer; body is the tail */
		yajl_gen_get_buf(c->g, &c->data, &c->data_len);
		/* the parameters nobody read were ignored: say so */
		for (i = 0; (p = params_unread(&c->params, i)) != NULL; i++) {
			yajl_gen w = json_gen_new();
			const unsigned char *name;
			size_t nlen;

			yajl_gen_string(w, (const unsigned char *)p->given, strlen(p->given));
			yajl_gen_get_buf(w, &name, &nlen);
			buf_addstr(&c->body, i ? "," : ",\"warnings\":[");
			buf_add(&c->body, name, nlen);
			yajl_gen_free(w);
		}
		if (i)
			buf_addch(&c->body, ']');
		buf_addch(&c->body, '}');
	} else {
		yajl_gen g = json_gen_new();

		call_error_body(g, c->code, c->message, c->field);
		yajl_gen_get_buf(g, &out, &len);
		buf_add(&c->body, out, len);
		yajl_gen_free(g);
	}
	return call_http_status(c);
}
