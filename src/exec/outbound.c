/*
 * outbound: building outgoing requests.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "util/buf.h"
#include "engine/cal.h"
#include "exec/httpc.h"
#include "store/job.h"
#include "util/json.h"
#include "util/log.h"
#include "exec/outbound.h"
#include "engine/tz.h"

static int64_t
outbound_now_ms(const struct outbound_ctx *ctx)
{
	struct timespec ts;

	if (ctx->now_ms)
		return ctx->now_ms;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* How a placeholder's text is written where it stands. */
enum outbound_escape { OUTBOUND_RAW,
	OUTBOUND_URL,
	OUTBOUND_JSON };

static void
outbound_add_escaped(struct buf *b, const char *s, enum outbound_escape esc)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		if (esc == OUTBOUND_URL && !((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~'))
			buf_printf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
		else if (esc == OUTBOUND_JSON && (*p == '"' || *p == '\\'))
			buf_printf(b, "\\%c", *p);
		else if (esc == OUTBOUND_JSON && *p < 0x20)
			buf_printf(b, "\\u%04x", *p);
		else
			buf_add(b, p, 1);
	}
}

/* The scheduled instant's wall clock in the job's zone. */
static void
outbound_local(const struct outbound_ctx *ctx, int64_t *y, int *mo, int *d, int *secs)
{
	const struct tz *zone = ctx->zone ? ctx->zone : tz_utc();
	int64_t local = ctx->scheduled + tz_offset_at(zone, ctx->scheduled);
	int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);

	cal_civil_from_days(days, y, mo, d);
	*secs = (int)(local - days * 86400);
}

static char *
outbound_expand_as(const char *s, const struct outbound_ctx *ctx, enum outbound_escape esc)
{
	struct buf b = BUF_INIT;
	int64_t ms = -1, y;
	int mo, d, secs;
	char *out;

	while (*s) {
		const char *p = strstr(s, "__");
		const char *names[] = { "__timestamp_ms__", "__timestamp__", "__cronjob__",
			"__execution__", "__secret__", "__name__", "__date__", "__time__" };
		size_t i;

		if (p == NULL) {
			buf_addstr(&b, s);
			break;
		}
		buf_add(&b, s, (size_t)(p - s));
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strncmp(p, names[i], strlen(names[i])) == 0)
				break;
		if (i == sizeof(names) / sizeof(names[0])) {
			buf_add(&b, p, 2);
			s = p + 2;
			continue;
		}
		if (ms < 0 && i < 2)
			ms = outbound_now_ms(ctx);
		switch (i) {
		case 0: buf_printf(&b, "%lld", (long long)ms); break;
		case 1: buf_printf(&b, "%lld", (long long)(ms / 1000)); break;
		case 2: buf_printf(&b, "%llu", (unsigned long long)ctx->job_id); break;
		case 3: buf_printf(&b, "%llu", (unsigned long long)ctx->execution_id); break;
		case 4: buf_addstr(&b, ctx->secret ? ctx->secret : ""); break;
		case 5: outbound_add_escaped(&b, ctx->name ? ctx->name : "", esc); break;
		case 6:
			outbound_local(ctx, &y, &mo, &d, &secs);
			buf_printf(&b, "%04lld-%02d-%02d", (long long)y, mo, d);
			break;
		case 7:
			outbound_local(ctx, &y, &mo, &d, &secs);
			buf_printf(&b, "%02d:%02d:%02d", secs / 3600, secs / 60 % 60, secs % 60);
			break;
		}
		s = p + strlen(names[i]);
	}
	out = xstrdup(buf_str(&b));
	buf_free(&b);
	return out;
}

char *
outbound_expand(const char *s, const struct outbound_ctx *ctx)
{
	return outbound_expand_as(s, ctx, OUTBOUND_RAW);
}

void
outbound_signature(const char *secret, int64_t t, const char *body, size_t len, char out[128])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0, i;
	struct buf msg = BUF_INIT;
	int n;

	buf_printf(&msg, "%lld.", (long long)t);
	buf_add(&msg, body, len);
	if (HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg.data, msg.len,
	        mac, &maclen) == NULL)
		fatalx("HMAC-SHA256 failed");
	buf_free(&msg);
	n = snprintf(out, 128, "t=%lld,v1=", (long long)t);
	for (i = 0; i < maclen && n + 2 < 127; i++) {
		out[n++] = hex[mac[i] >> 4];
		out[n++] = hex[mac[i] & 15];
	}
	out[n] = '\0';
}

static void
outbound_header(struct outbound *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
outbound_header(struct outbound *o, const char *fmt, ...)
{
	va_list ap;
	char *line;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	line = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(line, (size_t)n + 1, fmt, ap);
	va_end(ap);
	o->headers = xrealloc(o->headers, (o->nheaders + 1) * sizeof(char *));
	o->headers[o->nheaders++] = line;
}

static int
outbound_has_header(const struct outbound *o, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < o->nheaders; i++)
		if (strncasecmp(o->headers[i], name, n) == 0 && o->headers[i][n] == ':')
			return 1;
	return 0;
}

/* "Name: value" lines joined by "\n": split first, then each expanded,
 * so that no placeholder's value (a secret) can start a header of its
 * own; a line whose expansion holds a line break is dropped. */
static void
outbound_header_one(struct outbound *o, const char *line, const struct outbound_ctx *ctx)
{
	char *expanded = outbound_expand(line, ctx);

	if (strpbrk(expanded, "\r\n") == NULL)
		outbound_header(o, "%s", expanded);
	else
		log_warnx("job %llu: a header whose placeholders expand to a line break "
		          "was left out",
		    (unsigned long long)ctx->job_id);
	free(expanded);
}

static void
outbound_header_lines(struct outbound *o, const char *lines, const struct outbound_ctx *ctx)
{
	char *copy = xstrdup(lines), *p = copy, *line;

	while ((line = strsep(&p, "\n")) != NULL)
		if (*line)
			outbound_header_one(o, line, ctx);
	free(copy);
}

static int
outbound_is_json(const char *body, size_t len)
{
	size_t i = 0;
	yajl_val v;

	while (i < len && isspace((unsigned char)body[i]))
		i++;
	if (i == len || (body[i] != '{' && body[i] != '['))
		return 0;
	if ((v = json_tree_parse(body)) == NULL)
		return 0;
	yajl_tree_free(v);
	return 1;
}

/* How __name__ is escaped in a body: by the request's Content-Type (json,
 * a form, anything else), or without one, JSON when the template starts
 * like JSON (placeholders may stand where JSON would not parse). */
static enum outbound_escape
outbound_body_escape(const struct outbound *o, const char *tmpl)
{
	size_t i, n = strlen("Content-Type");

	for (i = 0; i < o->nheaders; i++)
		if (strncasecmp(o->headers[i], "Content-Type", n) == 0 && o->headers[i][n] == ':') {
			if (strcasestr(o->headers[i] + n, "json"))
				return OUTBOUND_JSON;
			if (strcasestr(o->headers[i] + n, "x-www-form-urlencoded"))
				return OUTBOUND_URL;
			return OUTBOUND_RAW;
		}
	tmpl += strspn(tmpl, " \t\r\n");
	return *tmpl == '{' || *tmpl == '[' ? OUTBOUND_JSON : OUTBOUND_RAW;
}

/* The headers every request carries, the Content-Type of a JSON body and
 * the signature: after the caller's own headers. */
static void
outbound_finish(struct outbound *o, const struct outbound_ctx *ctx)
{
	if (ctx->job_id) {
		outbound_header(o, "X-Webcron-Job: %llu", (unsigned long long)ctx->job_id);
		outbound_header(o, "X-Webcron-Scheduled-Time: %lld", (long long)ctx->scheduled);
		outbound_header(o, "X-Webcron-Execution: %llu", (unsigned long long)ctx->execution_id);
	}
	if (ctx->notice_id) /* the same at every attempt, for receivers to dedupe */
		outbound_header(o, "X-Webcron-Notice: %llu", (unsigned long long)ctx->notice_id);
	if (o->body_len && !outbound_has_header(o, "Content-Type") && outbound_is_json(o->body, o->body_len))
		outbound_header(o, "Content-Type: application/json");
	if (ctx->secret && *ctx->secret) {
		char sig[128];

		outbound_signature(ctx->secret, outbound_now_ms(ctx) / 1000, o->body ? o->body : "",
		    o->body_len, sig);
		outbound_header(o, "X-Webcron-Signature: %s", sig);
	}
}

static int
outbound_has_body(const char *method)
{
	return !strcasecmp(method, "POST") || !strcasecmp(method, "PUT") || !strcasecmp(method, "PATCH");
}

void
outbound_job(struct outbound *o, const struct job *j, const struct outbound_ctx *ctx, const char *payload)
{
	memset(o, 0, sizeof(*o));
	o->url = outbound_expand_as(j->url, ctx, OUTBOUND_URL);
	o->method = xstrdup(j->http_method);
	outbound_header_lines(o, j->http_headers, ctx);
	if (outbound_has_body(j->http_method)) {
		const char *tmpl = payload ? payload : j->post_data;

		o->body = outbound_expand_as(tmpl, ctx, outbound_body_escape(o, tmpl));
		o->body_len = strlen(o->body);
	}
	if (*j->username || *j->password) {
		o->username = outbound_expand(j->username, ctx);
		o->password = outbound_expand(j->password, ctx);
	}
	o->user_agent = xstrdup(*j->user_agent ? j->user_agent : ctx->user_agent);
	o->pattern = *j->pattern ? xstrdup(j->pattern) : NULL;
	o->timeout = j->timeout;
	o->follow_redirects = j->follow_redirects;
	o->ssl_verify = j->ssl_verify;
	o->egress_key = j->id;
	outbound_finish(o, ctx);
	/* a cron.run payload is not the job's postData: not form data unless
	 * the job's headers say so (curl would label it a form) */
	if (payload && o->body_len && !outbound_has_header(o, "Content-Type"))
		outbound_header(o, "Content-Type: text/plain; charset=utf-8");
}

int
outbound_task(struct outbound *o, const struct job *j, const char *payload,
    const struct outbound_ctx *ctx, char *why, size_t whylen)
{
	yajl_val tree = NULL, v;
	const char *url_path[] = { "url", NULL }, *method_path[] = { "method", NULL };
	const char *headers_path[] = { "headers", NULL }, *body_path[] = { "body", NULL };
	const char *timeout_path[] = { "timeout", NULL };

	memset(o, 0, sizeof(*o));
	o->user_agent = xstrdup(*j->user_agent ? j->user_agent : ctx->user_agent);
	o->timeout = j->timeout;
	o->follow_redirects = j->follow_redirects;
	o->ssl_verify = j->ssl_verify;
	o->egress_key = j->id;
	if (*payload != '{') {
		o->url = outbound_expand_as(payload, ctx, OUTBOUND_URL);
		o->method = xstrdup("GET");
		outbound_finish(o, ctx);
		return 0;
	}
	if ((tree = json_tree_parse(payload)) == NULL || (v = yajl_tree_get(tree, url_path, yajl_t_string)) == NULL) {
		snprintf(why, whylen, "the task's payload is neither a URL nor an object with url");
		if (tree)
			yajl_tree_free(tree);
		return -1;
	}
	o->url = outbound_expand_as(YAJL_GET_STRING(v), ctx, OUTBOUND_URL);
	v = yajl_tree_get(tree, method_path, yajl_t_string);
	o->method = xstrdup(v ? YAJL_GET_STRING(v) : "GET");
	if ((v = yajl_tree_get(tree, headers_path, yajl_t_any)) != NULL) {
		size_t i;

		if (YAJL_IS_OBJECT(v)) {
			for (i = 0; i < v->u.object.len; i++) {
				const char *val = YAJL_GET_STRING(v->u.object.values[i]);
				char *line;

				if (val == NULL)
					continue;
				line = xmalloc(strlen(v->u.object.keys[i]) + strlen(val) + 3);
				sprintf(line, "%s: %s", v->u.object.keys[i], val);
				outbound_header_one(o, line, ctx);
				free(line);
			}
		} else if (YAJL_IS_ARRAY(v)) {
			for (i = 0; i < v->u.array.len; i++)
				if (YAJL_IS_STRING(v->u.array.values[i]))
					outbound_header_one(o, YAJL_GET_STRING(v->u.array.values[i]), ctx);
		} else if (YAJL_IS_STRING(v))
			outbound_header_lines(o, YAJL_GET_STRING(v), ctx);
	}
	if ((v = yajl_tree_get(tree, body_path, yajl_t_any)) != NULL && !YAJL_IS_NULL(v)) {
		if (YAJL_IS_STRING(v))
			o->body = outbound_expand_as(YAJL_GET_STRING(v), ctx,
			    outbound_body_escape(o, YAJL_GET_STRING(v)));
		else {
			/* a JSON body written as JSON */
			char *text = json_tree_text(v);

			o->body = outbound_expand_as(text, ctx, OUTBOUND_JSON);
			free(text);
		}
		o->body_len = strlen(o->body);
	}
	if ((v = yajl_tree_get(tree, timeout_path, yajl_t_number)) != NULL && YAJL_IS_INTEGER(v) &&
	    YAJL_GET_INTEGER(v) > 0 && YAJL_GET_INTEGER(v) < o->timeout)
		o->timeout = (int)YAJL_GET_INTEGER(v);
	yajl_tree_free(tree);
	outbound_finish(o, ctx);
	return 0;
}

void
outbound_notice(struct outbound *o, const char *url, const char *body, int timeout,
    const struct outbound_ctx *ctx)
{
	memset(o, 0, sizeof(*o));
	o->url = xstrdup(url);
	o->method = xstrdup("POST");
	o->body = xstrdup(body);
	o->body_len = strlen(body);
	o->user_agent = xstrdup(ctx->user_agent);
	o->timeout = timeout;
	o->follow_redirects = 0;
	o->ssl_verify = 1;
	outbound_header(o, "Content-Type: application/json");
	outbound_finish(o, ctx);
}

void
outbound_httpc(const struct outbound *o, struct httpc_request *r)
{
	memset(r, 0, sizeof(*r));
	r->url = o->url;
	r->method = o->method;
	r->headers = (const char *const *)o->headers;
	r->nheaders = o->nheaders;
	r->body = o->body;
	r->body_len = o->body_len;
	r->username = o->username;
	r->password = o->password;
	r->user_agent = o->user_agent;
	r->timeout = o->timeout;
	r->follow_redirects = o->follow_redirects;
	r->ssl_verify = o->ssl_verify;
	r->pattern = o->pattern;
	r->egress_key = o->egress_key;
}

void
outbound_free(struct outbound *o)
{
	size_t i;

	for (i = 0; i < o->nheaders; i++)
		free(o->headers[i]);
	free(o->headers);
	free(o->url);
	free(o->method);
	free(o->body);
	free(o->username);
	free(o->password);
	free(o->user_agent);
	free(o->pattern);
	memset(o, 0, sizeof(*o));
}
