/*
 * params: query strings, form bodies and JSON bodies into one set of
 * folded names.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#include "util/buf.h"
#include "util/json.h"
#include "api/params.h"

/* Names from the source documents that mean one of webcron's names. An
 * inverted alias is a boolean "is it on?" for the status field, where
 * 0 means active. */
static const struct {
	const char *alias;
	const char *name;
	int invert;
} params_aliases[] = {
	{ "dayofmonth", "day", 0 },
	{ "dayofweek", "weekday", 0 },
	{ "cronexpression", "expression", 0 },
	{ "isactive", "status", 1 },
	{ "enabled", "status", 1 },
};

int
params_fold(const char *name, size_t len, char out[PARAMS_NAME_MAX + 1])
{
	size_t i, o = 0;

	/* "minute[]" and "minute[3]" are PHP's ways to send arrays. */
	if (len >= 2 && name[len - 1] == ']') {
		const char *open = memchr(name, '[', len);

		if (open) {
			const char *p;

			for (p = open + 1; p < name + len - 1; p++)
				if (!isdigit((unsigned char)*p))
					break;
			if (p == name + len - 1)
				len = (size_t)(open - name);
		}
	}
	/* ASCII by hand, whatever the locale: every lookup of every
	 * parameter comes here */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '_')
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
			return -1;
		if (o == PARAMS_NAME_MAX)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return o ? 0 : -1;
}

static void
params_error_set(struct params_error *err, const char *field, int malformed, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
params_error_set(struct params_error *err, const char *field, int malformed, const char *fmt, ...)
{
	va_list ap;

	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	err->malformed = malformed;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

static void
param_clear(struct param *p)
{
	size_t i;

	free(p->str);
	for (i = 0; i < p->nitems; i++)
		free(p->items[i]);
	free(p->items);
	free(p->json);
	p->str = p->json = NULL;
	p->items = NULL;
	p->nitems = 0;
}

void
params_free(struct params *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		param_clear(&ps->v[i]);
		free(ps->v[i].name);
		free(ps->v[i].given);
	}
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}

const struct param *
params_get(const struct params *ps, const char *name)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (strcmp(ps->v[i].name, name) == 0) {
			ps->v[i].read = 1; /* the array is the caller's, not const */
			return &ps->v[i];
		}
	return NULL;
}

const struct param *
params_unread(const struct params *ps, size_t n)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (!ps->v[i].read && n-- == 0)
			return &ps->v[i];
	return NULL;
}

/* 1 when the VLEN bytes at V are WORD, ASCII case aside. */
static int
params_word(const char *v, size_t vlen, const char *word)
{
	return strlen(word) == vlen && strncasecmp(v, word, vlen) == 0;
}

/* Resolves an alias; for an inverted one, sets *OUT to the boolean VALUE
 * (VLEN bytes, unterminated) inverted (a static string), else to NULL.
 * Returns the name to use, or NULL when the value of an inverted alias is
 * not a boolean. */
static const char *
params_alias(const char *folded, const char *value, size_t vlen, const char **out)
{
	size_t i;

	*out = NULL;
	for (i = 0; i < sizeof(params_aliases) / sizeof(params_aliases[0]); i++) {
		if (strcmp(folded, params_aliases[i].alias) != 0)
			continue;
		if (!params_aliases[i].invert)
			return params_aliases[i].name;
		if (value == NULL)
			return NULL;
		if (params_word(value, vlen, "true") || params_word(value, vlen, "1") ||
		    params_word(value, vlen, "yes") || params_word(value, vlen, "on"))
			*out = "0";
		else if (params_word(value, vlen, "false") || params_word(value, vlen, "0") ||
		    params_word(value, vlen, "no") || params_word(value, vlen, "off"))
			*out = "1";
		else
			return NULL;
		return params_aliases[i].name;
	}
	return folded;
}

/* The slot for NAME from SOURCE: a new one, or an existing one that is
 * cleared when SOURCE is stronger. Returns NULL when an existing value from
 * a stronger source wins (the new one is dropped), and sets *SAME when the
 * existing value comes from the same source. */
static struct param *
params_slot(struct params *ps, const char *name, const char *given, size_t glen,
    enum param_source source, int *same, struct params_error *err, int *full)
{
	struct param *p;
	size_t i;

	*same = 0;
	*full = 0;
	for (i = 0; i < ps->n; i++) {
		p = &ps->v[i];
		if (strcmp(p->name, name) != 0)
			continue;
		if (p->source > source)
			return NULL;
		if (p->source == source) {
			*same = 1;
			return p;
		}
		param_clear(p);
		p->source = source;
		return p;
	}
	if (ps->n == PARAMS_MAX) {
		params_error_set(err, NULL, 1, "more than %d parameters", PARAMS_MAX);
		*full = 1;
		return NULL;
	}
	ps->v = xrealloc(ps->v, (ps->n + 1) * sizeof(*ps->v));
	p = &ps->v[ps->n++];
	memset(p, 0, sizeof(*p));
	p->name = xstrdup(name);
	p->given = xstrndup(given, glen);
	p->source = source;
	return p;
}

static int
params_store(struct params *ps, const char *name, size_t nlen, enum param_kind kind,
    const char *value, size_t vlen, char **items, size_t nitems, char *json,
    enum param_source source, struct params_error *err)
{
	char folded[PARAMS_NAME_MAX + 1], given[PARAMS_NAME_MAX + 1];
	const char *canon, *val = value, *inverted;
	size_t glen = nlen > PARAMS_NAME_MAX ? PARAMS_NAME_MAX : nlen;
	struct param *p;
	int same, full;

	if (params_fold(name, nlen, folded) == -1)
		goto ignore; /* no parameter of ours is spelled like that */
	memcpy(given, name, glen);
	given[glen] = '\0';
	/* VALUE may point into the request body, unterminated */
	canon = params_alias(folded, kind == PARAM_STR ? value : NULL, vlen, &inverted);
	if (canon == NULL) {
		params_error_set(err, given, 0, "%s must be true or false", given);
		goto fail;
	}
	if (inverted) {
		val = inverted;
		vlen = strlen(val);
	}
	p = params_slot(ps, canon, given, strlen(given), source, &same, err, &full);
	if (full)
		goto fail;
	if (p == NULL)
		goto ignore;
	if (same && source != PARAM_BODY_JSON && kind == PARAM_STR &&
	    (p->kind == PARAM_STR || p->kind == PARAM_LIST)) {
		/* the same name twice in a query or form: a list (in JSON, the
		 * last member wins, as in most parsers) */
		if (p->kind == PARAM_STR) {
			p->items = xmalloc(sizeof(char *) * 2);
			p->items[0] = xstrdup(p->str);
			p->nitems = 1;
			p->kind = PARAM_LIST;
		} else
			p->items = xrealloc(p->items, sizeof(char *) * (p->nitems + 1));
		p->items[p->nitems++] = xstrndup(val, vlen);
		free(p->str);
		p->str = xstrndup(val, vlen);
		goto ignore;
	}
	if (same)
		param_clear(p);
	p->kind = kind;
	if (kind == PARAM_STR)
		p->str = xstrndup(val, vlen);
	p->items = items;
	p->nitems = nitems;
	if (kind == PARAM_LIST && nitems)
		p->str = xstrdup(items[nitems - 1]);
	p->json = json;
	/* "name[]=a" alone is still a list of one */
	if (kind == PARAM_STR && nlen >= 2 && name[nlen - 1] == ']') {
		p->kind = PARAM_LIST;
		p->items = xmalloc(sizeof(char *));
		p->items[0] = xstrdup(p->str);
		p->nitems = 1;
	}
	return 0;
ignore:
	if (items) {
		size_t i;

		for (i = 0; i < nitems; i++)
			free(items[i]);
		free(items);
	}
	free(json);
	return 0;
fail:
	if (items) {
		size_t i;

		for (i = 0; i < nitems; i++)
			free(items[i]);
		free(items);
	}
	free(json);
	return -1;
}

int
params_add(struct params *ps, const char *name, size_t nlen, const char *value, size_t vlen,
    enum param_source source, struct params_error *err)
{
	char folded[PARAMS_NAME_MAX + 1];

	if (!json_utf8_valid(value, vlen)) {
		if (params_fold(name, nlen, folded) == -1)
			return 0;
		params_error_set(err, folded, 0, "%s is not valid UTF-8 text", folded);
		return -1;
	}
	return params_store(ps, name, nlen, PARAM_STR, value, vlen, NULL, 0, NULL, source, err);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decoding with '+' as a space; a '%' not followed by two hex
 * digits stays as it is, as PHP does. */
static void
params_urldecode(const char *s, size_t len, struct buf *out)
{
	size_t i, o = 0;
	char *d;

	/* the text is never longer decoded: copied, then decoded in place */
	buf_reset(out);
	buf_add(out, s, len);
	d = out->data;
	for (i = 0; i < len; i++) {
		if (d[i] == '+')
			d[o++] = ' ';
		else if (d[i] == '%' && i + 2 < len && hexval(d[i + 1]) >= 0 && hexval(d[i + 2]) >= 0) {
			d[o++] = (char)(hexval(d[i + 1]) * 16 + hexval(d[i + 2]));
			i += 2;
		} else
			d[o++] = d[i];
	}
	out->len = o;
	if (d)
		d[o] = '\0';
}

int
params_add_form(struct params *ps, const char *s, size_t len, enum param_source source,
    struct params_error *err)
{
	struct buf name = BUF_INIT, value = BUF_INIT;
	const char *p = s, *end = s + len;
	int rc = 0;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pair_end = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(pair_end - p));

		if (pair_end > p) {
			params_urldecode(p, (size_t)((eq ? eq : pair_end) - p), &name);
			if (eq)
				params_urldecode(eq + 1, (size_t)(pair_end - eq - 1), &value);
			else
				buf_reset(&value);
			if (name.len && params_add(ps, buf_str(&name), name.len, buf_str(&value), value.len, source, err) == -1) {
				rc = -1;
				break;
			}
		}
		p = pair_end + 1;
	}
	buf_free(&name);
	buf_free(&value);
	return rc;
}

/*
 * The JSON body, through yajl's callback parser: no recursion and no tree,
 * so the depth limit holds and nothing deep is built. Members of the top
 * object become parameters; a member that is an array of scalars becomes a
 * list, any other container is kept as JSON text.
 */
struct params_json {
	struct params *ps;
	struct params_error *err;
	int depth;      /* containers open */
	struct buf key; /* the member being read */
	yajl_gen raw;   /* the member's container, re-written */
	int is_array;
	int complex; /* the array holds containers or nulls */
	char **items;
	size_t nitems;
};

static int
pj_fail(struct params_json *pj, const char *message)
{
	params_error_set(pj->err, pj->key.len ? buf_str(&pj->key) : NULL, 1, "%s", message);
	return 0;
}

static void
pj_items_free(struct params_json *pj)
{
	size_t i;

	for (i = 0; i < pj->nitems; i++)
		free(pj->items[i]);
	free(pj->items);
	pj->items = NULL;
	pj->nitems = 0;
}

/* A scalar: a member's value at depth 1, or part of a container. */
static int
pj_scalar(struct params_json *pj, enum param_kind kind, const char *s, size_t len)
{
	if (pj->depth == 0)
		return pj_fail(pj, "the JSON body must be an object");
	if (pj->depth == 1) {
		if (params_store(pj->ps, buf_str(&pj->key), pj->key.len, kind, s, len, NULL, 0,
		        NULL, PARAM_BODY_JSON, pj->err) == -1)
			return 0;
		return 1;
	}
	if (pj->depth == 2 && pj->is_array) {
		if (kind == PARAM_NULL)
			pj->complex = 1;
		else {
			pj->items = xrealloc(pj->items, (pj->nitems + 1) * sizeof(char *));
			pj->items[pj->nitems++] = xstrndup(s, len);
		}
	}
	return 1;
}

static int
pj_null(void *ctx)
{
	struct params_json *pj = ctx;

	if (pj->depth >= 2)
		yajl_gen_null(pj->raw);
	return pj_scalar(pj, PARAM_NULL, "", 0);
}

static int
pj_boolean(void *ctx, int v)
{
	struct params_json *pj = ctx;

	if (pj->depth >= 2)
		yajl_gen_bool(pj->raw, v);
	return pj_scalar(pj, PARAM_STR, v ? "true" : "false", v ? 4 : 5);
}

static int
pj_number(void *ctx, const char *s, size_t len)
{
	struct params_json *pj = ctx;

	if (pj->depth >= 2)
		yajl_gen_number(pj->raw, s, len);
	return pj_scalar(pj, PARAM_STR, s, len);
}

static int
pj_string(void *ctx, const unsigned char *s, size_t len)
{
	struct params_json *pj = ctx;

	if (memchr(s, '\0', len))
		return pj_fail(pj, "a string of the JSON body contains a NUL character");
	/* yajl checks the UTF-8 it reads, not what an escape decodes to: a
	 * lone "\udc00" comes out as the bytes of a surrogate */
	if (!json_utf8_valid((const char *)s, len))
		return pj_fail(pj, "a string of the JSON body is not valid UTF-8");
	if (pj->depth >= 2)
		yajl_gen_string(pj->raw, s, len);
	return pj_scalar(pj, PARAM_STR, (const char *)s, len);
}

static int
pj_open(struct params_json *pj, int is_map)
{
	if (pj->depth == 0) {
		if (!is_map)
			return pj_fail(pj, "the JSON body must be an object");
		pj->depth = 1;
		return 1;
	}
	if (pj->depth >= PARAMS_JSON_DEPTH)
		return pj_fail(pj, "the JSON body is nested too deeply");
	if (pj->depth == 1) {
		pj->raw = json_gen_new();
		pj->is_array = !is_map;
		pj->complex = 0;
	} else if (pj->depth == 2 && pj->is_array)
		pj->complex = 1;
	if (is_map)
		yajl_gen_map_open(pj->raw);
	else
		yajl_gen_array_open(pj->raw);
	pj->depth++;
	return 1;
}

static int
pj_close(struct params_json *pj, int is_map)
{
	const unsigned char *out;
	size_t len;
	int rc;

	pj->depth--;
	if (pj->depth == 0)
		return 1;
	if (is_map)
		yajl_gen_map_close(pj->raw);
	else
		yajl_gen_array_close(pj->raw);
	if (pj->depth > 1)
		return 1;
	/* a member's container is complete */
	yajl_gen_get_buf(pj->raw, &out, &len);
	if (pj->is_array && !pj->complex) {
		rc = params_store(pj->ps, buf_str(&pj->key), pj->key.len, PARAM_LIST, NULL, 0,
		    pj->items, pj->nitems, xstrndup((const char *)out, len), PARAM_BODY_JSON, pj->err);
		pj->items = NULL;
		pj->nitems = 0;
	} else {
		pj_items_free(pj);
		rc = params_store(pj->ps, buf_str(&pj->key), pj->key.len, PARAM_JSON, NULL, 0,
		    NULL, 0, xstrndup((const char *)out, len), PARAM_BODY_JSON, pj->err);
	}
	yajl_gen_free(pj->raw);
	pj->raw = NULL;
	return rc == 0;
}

static int
pj_start_map(void *ctx)
{
	return pj_open(ctx, 1);
}
static int
pj_end_map(void *ctx)
{
	return pj_close(ctx, 1);
}
static int
pj_start_array(void *ctx)
{
	return pj_open(ctx, 0);
}
static int
pj_end_array(void *ctx)
{
	return pj_close(ctx, 0);
}

static int
pj_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct params_json *pj = ctx;

	if (pj->depth == 1) {
		buf_reset(&pj->key);
		buf_add(&pj->key, s, len);
		return 1;
	}
	/* a key inside a member's container is kept in its JSON text, and
	 * checked as its strings are (one at depth 1 is a name: folded, or
	 * ignored when it cannot be) */
	if (memchr(s, '\0', len))
		return pj_fail(pj, "a string of the JSON body contains a NUL character");
	if (!json_utf8_valid((const char *)s, len))
		return pj_fail(pj, "a string of the JSON body is not valid UTF-8");
	yajl_gen_string(pj->raw, s, len);
	return 1;
}

static const yajl_callbacks pj_callbacks = {
	pj_null, pj_boolean, NULL, NULL, pj_number, pj_string,
	pj_start_map, pj_map_key, pj_end_map, pj_start_array, pj_end_array
};

int
params_add_json(struct params *ps, const char *s, size_t len, struct params_error *err)
{
	struct params_json pj;
	yajl_handle h;
	yajl_status st;
	int rc = 0;

	memset(&pj, 0, sizeof(pj));
	pj.ps = ps;
	pj.err = err;
	err->message[0] = '\0';
	h = yajl_alloc(&pj_callbacks, NULL, &pj);
	st = yajl_parse(h, (const unsigned char *)s, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	if (st != yajl_status_ok) {
		if (err->message[0] == '\0') {
			unsigned char *msg = yajl_get_error(h, 0, (const unsigned char *)s, len);
			char *nl;

			params_error_set(err, NULL, 1, "invalid JSON body: %s (at byte %zu)",
			    (char *)msg, yajl_get_bytes_consumed(h));
			if ((nl = strchr(err->message, '\n')) != NULL)
				*nl = '\0';
			yajl_free_error(h, msg);
		}
		rc = -1;
	}
	if (pj.raw)
		yajl_gen_free(pj.raw);
	pj_items_free(&pj);
	buf_free(&pj.key);
	yajl_free(h);
	return rc;
}

static int
params_is_type(const char *ct, const char *type)
{
	size_t n = strlen(type);

	while (*ct == ' ')
		ct++;
	return strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

int
params_parse(struct params *ps, const char *query, const char *body, size_t bodylen,
    const char *content_type, struct params_error *err)
{
	size_t i;

	memset(err, 0, sizeof(*err));
	if (query && params_add_form(ps, query, strlen(query), PARAM_QUERY, err) == -1)
		return -1;
	for (i = 0; i < bodylen && isspace((unsigned char)body[i]); i++)
		;
	if (i == bodylen)
		return 0;
	if (content_type && params_is_type(content_type, "multipart/form-data")) {
		params_error_set(err, NULL, 1,
		    "multipart/form-data bodies are not supported: send JSON or form data");
		return -1;
	}
	/* A body that starts like JSON is JSON whatever its Content-Type says:
	 * `curl -d '{...}'` labels it as a form, and no form field starts
	 * with a brace. */
	if (body[i] == '{' || body[i] == '[' || (content_type && (params_is_type(content_type, "application/json") || strstr(content_type, "+json"))))
		return params_add_json(ps, body, bodylen, err);
	return params_add_form(ps, body, bodylen, PARAM_FORM, err);
}

int
params_list(const struct param *p, char ***items, size_t *n)
{
	const char *s, *end;
	size_t i;

	*items = NULL;
	*n = 0;
	if (p->kind == PARAM_LIST) {
		*items = xmalloc(sizeof(char *) * (p->nitems ? p->nitems : 1));
		for (i = 0; i < p->nitems; i++)
			(*items)[i] = xstrdup(p->items[i]);
		*n = p->nitems;
		return 0;
	}
	if (p->kind != PARAM_STR)
		return -1;
	for (s = p->str; *s; s = *end ? end + 1 : end) {
		const char *a = s, *b;

		end = s + strcspn(s, ",");
		b = end;
		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (a == b)
			continue;
		*items = xrealloc(*items, sizeof(char *) * (*n + 1));
		(*items)[(*n)++] = xstrndup(a, (size_t)(b - a));
	}
	return 0;
}

void
params_list_free(char **items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(items[i]);
	free(items);
}
