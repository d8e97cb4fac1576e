/*
 * libFuzzer target for the API's parameters (params.h): a query string, a
 * Content-Type and a body, parsed with params_parse(), then every
 * parameter checked and read back the ways the API reads them.
 *
 * The input: the first byte picks the Content-Type (its value modulo 6:
 * '0' none, '1' application/json, '2' application/x-www-form-urlencoded,
 * '3' multipart/form-data, '4' text/plain, '5' application/merge-patch+json);
 * what follows up to the first 0 byte is the query string and the rest is
 * the body. Without a 0 byte there is no query string and all of it is the
 * body.
 *
 * What must hold after a successful parse: at most PARAMS_MAX parameters,
 * each with a distinct folded name of 1-PARAMS_NAME_MAX bytes that folds
 * to itself; every text value (query, form and JSON alike: yajl checks the
 * UTF-8 of JSON strings and params.c refuses a NUL in them) valid UTF-8;
 * the JSON text kept for lists and containers parses again. After a
 * failure, a message. Either way params_free() frees everything (the leak
 * checker sees the rest).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "api/params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const content_types[] = {
	NULL,
	"application/json",
	"application/x-www-form-urlencoded",
	"multipart/form-data",
	"text/plain",
	"application/merge-patch+json",
};

static void
check_text(const char *s)
{
	if (s == NULL || !json_utf8_valid(s, strlen(s)))
		abort();
}

/* A folded name: 1-PARAMS_NAME_MAX bytes of [a-z0-9.-] that fold to themselves. */
static void
check_name(const char *name)
{
	char again[PARAMS_NAME_MAX + 1];
	size_t len = strlen(name);

	if (len == 0 || len > PARAMS_NAME_MAX)
		abort();
	if (strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789.-") != len)
		abort();
	if (params_fold(name, len, again) != 0 || strcmp(again, name) != 0)
		abort();
}

static void
check_json_text(const char *json)
{
	yajl_val tree;

	if (json == NULL)
		abort();
	if ((tree = json_tree_parse(json)) == NULL)
		abort();
	yajl_tree_free(tree);
}

static void
check_param(const struct params *ps, const struct param *p)
{
	char **items;
	size_t n, i;

	check_name(p->name);
	if (p->given == NULL || strlen(p->given) > PARAMS_NAME_MAX)
		abort();
	if (params_get(ps, p->name) != p)
		abort(); /* a name twice, or params_get misses it */
	switch (p->kind) {
	case PARAM_STR:
		check_text(p->str);
		if (p->items != NULL || p->nitems != 0 || p->json != NULL)
			abort();
		break;
	case PARAM_LIST:
		/* an empty JSON array is a list of none, with no last value */
		if ((p->nitems == 0) != (p->str == NULL))
			abort();
		if (p->nitems == 0 && p->source != PARAM_BODY_JSON)
			abort();
		for (i = 0; i < p->nitems; i++)
			check_text(p->items[i]);
		if (p->nitems && strcmp(p->str, p->items[p->nitems - 1]) != 0)
			abort();
		/* a JSON array keeps its text; a JSON member "name[]" with
		 * one scalar is a list of one without */
		if (p->json != NULL) {
			if (p->source != PARAM_BODY_JSON)
				abort();
			check_json_text(p->json);
		}
		break;
	case PARAM_JSON:
		if (p->source != PARAM_BODY_JSON || p->str != NULL)
			abort();
		check_json_text(p->json);
		break;
	case PARAM_NULL:
		if (p->source != PARAM_BODY_JSON || p->str != NULL)
			abort();
		break;
	default:
		abort();
	}

	if (params_list(p, &items, &n) != 0) {
		if (p->kind != PARAM_JSON && p->kind != PARAM_NULL)
			abort();
		if (items != NULL || n != 0)
			abort();
		return;
	}
	if (p->kind == PARAM_LIST && n != p->nitems)
		abort();
	for (i = 0; i < n; i++) {
		check_text(items[i]);
		if (p->kind == PARAM_LIST) {
			if (strcmp(items[i], p->items[i]) != 0)
				abort();
		} else {
			size_t len = strlen(items[i]);

			/* a comma-separated item: trimmed, not empty */
			if (len == 0 || strchr(items[i], ',') != NULL ||
			    items[i][0] == ' ' || items[i][len - 1] == ' ')
				abort();
		}
	}
	params_list_free(items, n);
}

static void
check_fold(const uint8_t *data, size_t size)
{
	char out[PARAMS_NAME_MAX + 1], again[PARAMS_NAME_MAX + 1];
	size_t len;

	if (params_fold((const char *)data, size, out) != 0)
		return;
	len = strlen(out);
	if (len == 0 || len > PARAMS_NAME_MAX)
		abort();
	if (params_fold(out, len, again) != 0 || strcmp(out, again) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct params ps;
	struct params_error err;
	const char *ct;
	const uint8_t *sep;
	char *query = NULL, *body;
	size_t bodylen, i;

	if (size == 0)
		return 0;
	ct = content_types[data[0] % (sizeof content_types / sizeof content_types[0])];
	data++;
	size--;
	check_fold(data, size > 80 ? 80 : size);

	sep = memchr(data, '\0', size);
	if (sep != NULL) {
		query = malloc((size_t)(sep - data) + 1);
		if (query == NULL)
			return 0;
		memcpy(query, data, (size_t)(sep - data));
		query[sep - data] = '\0';
		bodylen = size - (size_t)(sep - data) - 1;
		data = sep + 1;
	} else
		bodylen = size;
	/* a copy of its exact size, so that a read past the end is caught */
	body = malloc(bodylen ? bodylen : 1);
	if (body == NULL) {
		free(query);
		return 0;
	}
	memcpy(body, data, bodylen);

	memset(&ps, 0, sizeof ps);
	if (params_parse(&ps, query, body, bodylen, ct, &err) != 0) {
		if (memchr(err.message, '\0', sizeof err.message) == NULL ||
		    memchr(err.field, '\0', sizeof err.field) == NULL || err.message[0] == '\0')
			abort();
	} else {
		if (ps.n > PARAMS_MAX || (ps.n > 0 && ps.v == NULL))
			abort();
		for (i = 0; i < ps.n; i++)
			check_param(&ps, &ps.v[i]);
	}
	params_free(&ps);
	free(body);
	free(query);
	return 0;
}
