/*
 * params: an API request's parameters, merged from the query string, a
 * form body and a JSON object body.
 *
 * Names are folded (lower case, underscores dropped, a trailing "[]" or
 * "[n]" dropped) and aliases resolved, so "http_method", "httpMethod" and
 * "HTTPMETHOD" are one name. A name given in several places takes the
 * value of the strongest: JSON body > form body > query string. Within
 * one place, a name given more than once becomes a list.
 */
#ifndef WEBCRON_PARAMS_H
#define WEBCRON_PARAMS_H

#include <stddef.h>

#define PARAMS_MAX 256       /* distinct names per request */
#define PARAMS_NAME_MAX 64   /* bytes of a name */
#define PARAMS_JSON_DEPTH 32 /* nesting of a JSON body */

enum param_kind {
	PARAM_STR,  /* one value: str */
	PARAM_LIST, /* several scalar values: items (str holds the last one) */
	PARAM_JSON, /* a JSON object, or an array holding objects or arrays */
	PARAM_NULL, /* JSON null */
};

enum param_source { PARAM_QUERY = 0,
	PARAM_FORM = 1,
	PARAM_BODY_JSON = 2 };

struct param {
	char *name;  /* folded */
	char *given; /* as the client wrote it (for messages) */
	enum param_kind kind;
	enum param_source source;
	char *str;    /* PARAM_STR; numbers and booleans of JSON as text */
	char **items; /* PARAM_LIST */
	size_t nitems;
	char *json; /* PARAM_LIST and PARAM_JSON from a JSON body: the raw value */
	int read;   /* looked up by params_get: a parameter some reader knows */
};

struct params {
	struct param *v;
	size_t n;
};

struct params_error {
	char field[PARAMS_NAME_MAX + 1]; /* "" when no one parameter is at fault */
	char message[200];
	int malformed; /* 1 when the body itself is broken (HTTP 400 in strict mode) */
};

/* Folds NAME (LEN bytes) into OUT. Returns 0, or -1 when it is empty or
 * longer than PARAMS_NAME_MAX. */
int params_fold(const char *name, size_t len, char out[PARAMS_NAME_MAX + 1]);

/* Adds the pairs of an application/x-www-form-urlencoded string. */
int params_add_form(struct params *, const char *s, size_t len, enum param_source,
    struct params_error *);
/* Adds the members of a JSON object. */
int params_add_json(struct params *, const char *s, size_t len, struct params_error *);
/* Adds one value (already decoded). */
int params_add(struct params *, const char *name, size_t nlen, const char *value,
    size_t vlen, enum param_source, struct params_error *);

/* Parses everything of one request: QUERY (may be NULL), and BODY of
 * CONTENT_TYPE (may be NULL: the body is sniffed: '{' means JSON).
 * Returns 0, or -1 with ERR filled. PARAMS must be zeroed first. */
int params_parse(struct params *, const char *query, const char *body, size_t bodylen,
    const char *content_type, struct params_error *err);

/* The parameter called NAME (already folded), or NULL. A parameter found
 * is marked read: the ones no handler, field table or the dispatcher
 * looked up are the unknown ones (params_unread). */
const struct param *params_get(const struct params *, const char *name);
/* The Nth parameter (from 0) that was never looked up, or NULL. */
const struct param *params_unread(const struct params *, size_t n);

/* The values of P as a list: the items of a PARAM_LIST, or a PARAM_STR
 * split on commas (blanks around items dropped, empty items kept out).
 * *ITEMS is malloc'd (free with params_list_free). Returns 0, or -1 for a
 * PARAM_JSON or PARAM_NULL value. */
int params_list(const struct param *p, char ***items, size_t *n);
void params_list_free(char **items, size_t n);

void params_free(struct params *);

#endif
