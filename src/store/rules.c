/*
 * rules: the checks that a job, a task and an account's fields pass
 * before they are stored, whoever stores them (the API, webcronctl
 * import).
 */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yajl/yajl_tree.h>

#include "store/account.h"
#include "engine/cron.h"
#include "store/headers.h"
#include "util/json.h"
#include "store/rules.h"
#include "util/text.h"
#include "engine/tz.h"
#include "util/url.h"

/* In RULES_METHODS' order. */
static const char *const rules_methods[] = {
	"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"
};

int
rules_codes(const char *codes, char *why, size_t whylen)
{
	const char *p = codes;

	while (*p) {
		char *end;
		long lo, hi;

		while (*p == ' ')
			p++;
		lo = strtol(p, &end, 10);
		hi = lo;
		if (end == p)
			goto bad;
		p = end;
		if (*p == '-') {
			hi = strtol(p + 1, &end, 10);
			if (end == p + 1)
				goto bad;
			p = end;
		}
		if (lo < 100 || hi > 599 || lo > hi)
			goto bad;
		while (*p == ' ')
			p++;
		if (*p == ',')
			p++;
		else if (*p)
			goto bad;
	}
	return 0;
bad:
	snprintf(why, whylen, "must be HTTP statuses or ranges of 100-599, such as 200-299,304");
	return -1;
}

int
rules_email(const char *addr, char *why, size_t whylen)
{
	const char *at = strchr(addr, '@');
	size_t i;

	if (at == NULL || at == addr || at[1] == '\0' || strchr(at + 1, '@') ||
	    strchr(at + 1, '.') == NULL || strlen(addr) > ACCOUNT_EMAIL_MAX)
		goto bad;
	for (i = 0; addr[i]; i++) {
		unsigned char c = (unsigned char)addr[i];

		if (c <= 0x20 || c == 0x7f || strchr("<>(),;:\\\"[]", c))
			goto bad;
	}
	return 0;
bad:
	snprintf(why, whylen, "is not an e-mail address");
	return -1;
}

int
rules_timezone(const char *zone, char *why, size_t whylen)
{
	if (tz_get(zone) != NULL)
		return 0;
	snprintf(why, whylen, "unknown time zone \"%s\"", zone);
	return RULES_ZONE_UNKNOWN;
}

int
rules_method(const char *method, const char **canonical, char *why, size_t whylen)
{
	size_t i;

	for (i = 0; i < sizeof(rules_methods) / sizeof(rules_methods[0]); i++)
		if (strcasecmp(method, rules_methods[i]) == 0) {
			*canonical = rules_methods[i];
			return 0;
		}
	snprintf(why, whylen, "must be one of " RULES_METHODS);
	return -1;
}

int
rules_header_text(const char *text, char *why, size_t whylen)
{
	if (text_has_control(text)) {
		snprintf(why, whylen, "must not contain control characters");
		return -1;
	}
	return 0;
}

int
rules_url(const char *url, char *why, size_t whylen)
{
	char host[256];

	if (url_check(url, why, whylen) == -1)
		return -1;
	if (url_host(url, host, sizeof(host)) == -1) {
		snprintf(why, whylen, "has no usable host");
		return -1;
	}
	return 0;
}

int
rules_expression(const char *text, char *normal, size_t normlen, struct cron_error *e)
{
	struct cron *c;

	if (cron_parse(text, &c, e) == -1)
		return -1;
	cron_format(c, normal, normlen);
	cron_free(c);
	return 0;
}

int
rules_headers(struct buf *out, const char *text, char *why, size_t whylen)
{
	return headers_parse_text(out, text, strlen(text), why, whylen);
}

/* The method and headers of an http task's object payload TREE, checked
 * as a job's own are. */
static int
rules_http_payload_rest(yajl_val tree, char *why, size_t whylen)
{
	const char *mpath[] = { "method", NULL }, *hpath[] = { "headers", NULL };
	yajl_val method = yajl_tree_get(tree, mpath, yajl_t_any);
	yajl_val headers = yajl_tree_get(tree, hpath, yajl_t_any);
	struct buf out = BUF_INIT;
	char reason[160];
	const char *canonical;
	int rc = 0;

	/* (a method that is not a string is not a method: "") */
	if (method && rules_method(YAJL_IS_STRING(method) ? YAJL_GET_STRING(method) : "", &canonical, reason, sizeof(reason)) == -1) {
		snprintf(why, whylen, "method %s", reason);
		return -1;
	}
	if (headers && !YAJL_IS_NULL(headers)) {
		if (YAJL_IS_STRING(headers))
			rc = rules_headers(&out, YAJL_GET_STRING(headers), reason, sizeof(reason));
		else {
			char *json = json_tree_text(headers);

			rc = headers_parse_json(&out, json, reason, sizeof(reason));
			free(json);
		}
		if (rc == -1)
			snprintf(why, whylen, "headers: %s", reason);
	}
	buf_free(&out);
	return rc;
}

int
rules_http_payload(const char *payload, char *why, size_t whylen)
{
	const char *path[] = { "url", NULL };
	yajl_val tree, url;
	int rc;

	if (payload[0] != '{')
		return rules_url(payload, why, whylen) == -1 ? RULES_URL_REFUSED : 0;
	if ((tree = json_tree_parse(payload)) == NULL || !YAJL_IS_OBJECT(tree)) {
		if (tree)
			yajl_tree_free(tree);
		snprintf(why, whylen, "an http payload is a URL or a JSON object with url");
		return -1;
	}
	if ((url = yajl_tree_get(tree, path, yajl_t_string)) == NULL) {
		snprintf(why, whylen, "the http payload needs a url");
		rc = -1;
	} else if (rules_url(YAJL_GET_STRING(url), why, whylen) == -1)
		rc = RULES_URL_REFUSED;
	else
		rc = rules_http_payload_rest(tree, why, whylen);
	yajl_tree_free(tree);
	return rc;
}
