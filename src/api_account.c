/*
 * api_account: account.get, account.edit, account.secret, account.token,
 * and the field rules shared with user.add and user.edit.
 */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "account.h"
#include "api.h"
#include "buf.h"
#include "config.h"
#include "json.h"
#include "server.h"
#include "store.h"
#include "tz.h"
#include "url.h"

#define L(f) offsetof(struct account_limits, f)

/* The limits an admin may set, with the config key whose range they take. */
static const struct {
	const char *name;	/* the API's name */
	const char *section;
	const char *key;
	size_t offset;
	int zero_ok;		/* 0 is allowed and means "the server default" */
} api_limits[] = {
	{ "maxJobs", "limits", "max_jobs", L(max_jobs), 0 },
	{ "maxTasks", "limits", "max_tasks", L(max_tasks), 0 },
	{ "maxTimeout", "limits", "max_timeout", L(max_timeout), 0 },
	{ "minInterval", "limits", "min_interval", L(min_interval), 0 },
	{ "maxConcurrent", "limits", "max_concurrent", L(max_concurrent), 0 },
	{ "rateLimit", "api", "rate_limit", L(rate_limit), 1 },
	{ "dailyExecutions", "limits", "daily_executions", L(daily_executions), 0 },
	{ "logRetention", "limits", "log_retention", L(log_retention), 0 },
};

static const struct config_key *
api_limit_key(size_t i)
{
	const struct config_key *k;

	for (k = config_keys; k->name; k++)
		if (strcmp(k->section, api_limits[i].section) == 0 &&
		    strcmp(k->name, api_limits[i].key) == 0)
			return k;
	return NULL;
}

static int
api_email_valid(const char *s)
{
	const char *at = strchr(s, '@');
	size_t i;

	if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@') || strlen(s) > 254)
		return 0;
	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c == 0x7f || strchr("<>(),;:\\\"[]", c))
			return 0;
	}
	return strchr(at + 1, '.') != NULL;
}

static void
api_set(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

/* The "limits" object of user.add / user.edit: {"maxJobs": 5, ...}. */
static int
api_limits_object(struct api_call *c, struct account *a)
{
	const struct param *p = params_get(&c->params, "limits");
	char folded[PARAMS_NAME_MAX + 1];
	yajl_val tree = NULL;
	size_t i, j;

	if (p == NULL || p->kind == PARAM_NULL)
		return 0;
	if (p->kind != PARAM_JSON || (tree = json_tree_parse(p->json)) == NULL ||
	    !YAJL_IS_OBJECT(tree)) {
		if (tree)
			yajl_tree_free(tree);
		return api_error(c, API_INVALID, "limits", "limits must be an object such as {\"maxJobs\": 100}");
	}
	for (i = 0; i < tree->u.object.len; i++) {
		const char *k = tree->u.object.keys[i];
		yajl_val v = tree->u.object.values[i];

		if (params_fold(k, strlen(k), folded) == -1)
			continue;
		for (j = 0; j < sizeof(api_limits) / sizeof(api_limits[0]); j++) {
			const struct config_key *ck = api_limit_key(j);
			int64_t min = api_limits[j].zero_ok ? 0 : ck->min;

			char want[PARAMS_NAME_MAX + 1];

			params_fold(api_limits[j].name, strlen(api_limits[j].name), want);
			if (strcmp(folded, want) != 0)
				continue;
			if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < min ||
			    YAJL_GET_INTEGER(v) > ck->max) {
				yajl_tree_free(tree);
				return api_error(c, API_INVALID, api_limits[j].name,
				    "%s must be a whole number between %lld and %lld", api_limits[j].name,
				    (long long)min, (long long)ck->max);
			}
			*(int *)((char *)&a->lim + api_limits[j].offset) = (int)YAJL_GET_INTEGER(v);
		}
	}
	yajl_tree_free(tree);
	return 0;
}

int
api_account_apply(struct api_call *c, struct account *a, int admin)
{
	const char *s;
	int64_t n;
	size_t i;
	int rc, b;

	if ((rc = api_str(c, "name", 255, &s)) == -1)
		return -1;
	if (rc == 1)
		api_set(&a->name, s);
	if ((rc = api_str(c, "email", 254, &s)) == -1)
		return -1;
	if (rc == 1) {
		if (*s && !api_email_valid(s))
			return api_error(c, API_INVALID, "email", "email is not an e-mail address");
		api_set(&a->email, s);
	}
	if ((rc = api_str(c, "timezone", 64, &s)) == -1)
		return -1;
	if (rc == 1) {
		if (tz_get(s) == NULL)
			return api_error(c, API_TIMEZONE, "timezone", "unknown time zone \"%s\"", s);
		api_set(&a->timezone, s);
	}
	if ((rc = api_str(c, "notifyUrl", 4096, &s)) == -1)
		return -1;
	if (rc == 1) {
		if (*s && api_url_allowed(c, "notifyUrl", s) == -1)
			return -1;
		api_set(&a->notify_url, s);
	}
	if ((rc = api_str(c, "notifyEmail", 254, &s)) == -1)
		return -1;
	if (rc == 1) {
		if (*s && !api_email_valid(s))
			return api_error(c, API_INVALID, "notifyEmail", "notifyEmail is not an e-mail address");
		api_set(&a->notify_email, s);
	}
	if (!admin)
		return 0;
	if ((rc = api_int(c, "status", 0, 1, &n)) == -1)
		return -1;
	if (rc == 1)
		a->status = (int)n;
	if ((rc = api_bool(c, "admin", &b)) == -1)
		return -1;
	if (rc == 1)
		a->admin = b;
	if (api_limits_object(c, a) == -1)
		return -1;
	for (i = 0; i < sizeof(api_limits) / sizeof(api_limits[0]); i++) {
		const struct config_key *ck = api_limit_key(i);

		rc = api_int(c, api_limits[i].name, api_limits[i].zero_ok ? 0 : ck->min, ck->max, &n);
		if (rc == -1)
			return -1;
		if (rc == 1)
			*(int *)((char *)&a->lim + api_limits[i].offset) = (int)n;
	}
	return 0;
}

/* Loads the acting account in a write transaction, lets APPLY change it,
 * saves and commits. On success A holds the saved account. */
static int
api_account_update(struct api_call *c, struct account *a,
    int (*apply)(struct api_call *, struct account *))
{
	struct store_txn t;
	int rc;

	if ((rc = store_begin(c->srv->store, 1, &t)) != STORE_OK)
		return api_store_error(c, rc, "account");
	if ((rc = account_load(&t, c->acct->id, a)) != STORE_OK) {
		store_abort(&t);
		return api_store_error(c, rc, "account");
	}
	if (apply(c, a) == -1) {
		store_abort(&t);
		return -1;
	}
	account_save(&t, a, c->now);
	if ((rc = store_commit(&t)) != STORE_OK)
		return api_store_error(c, rc, "account");
	server_account_changed(c->srv, a, 0);
	return 0;
}

int
api_account_get(struct api_call *c)
{
	account_json(c->g, c->acct, &c->srv->cfg, 0);
	return 0;
}

static int
api_account_edit_apply(struct api_call *c, struct account *a)
{
	return api_account_apply(c, a, 0);
}

int
api_account_edit(struct api_call *c)
{
	struct account a;
	int rc;

	memset(&a, 0, sizeof(a));
	if ((rc = api_account_update(c, &a, api_account_edit_apply)) == 0)
		account_json(c->g, &a, &c->srv->cfg, 0);
	account_free(&a);
	return rc;
}

static int
api_account_secret_apply(struct api_call *c, struct account *a)
{
	const char *s;

	if (api_str_req(c, "secret", 256, &s) == -1)
		return -1;
	api_set(&a->secret, s);
	return 0;
}

int
api_account_secret(struct api_call *c)
{
	struct account a;
	int rc;

	memset(&a, 0, sizeof(a));
	if ((rc = api_account_update(c, &a, api_account_secret_apply)) == 0)
		account_json(c->g, &a, &c->srv->cfg, 0);
	account_free(&a);
	return rc;
}

int
api_account_token(struct api_call *c)
{
	char token[TOKEN_LEN + 1];
	struct store_txn t;
	struct account a;
	int rc;

	if ((rc = store_begin(c->srv->store, 1, &t)) != STORE_OK)
		return api_store_error(c, rc, "account");
	if ((rc = account_load(&t, c->acct->id, &a)) != STORE_OK) {
		store_abort(&t);
		return api_store_error(c, rc, "account");
	}
	if (account_new_token(&t, &a, c->now, token) == -1 && t.err == 0) {
		store_abort(&t);
		account_free(&a);
		return api_error(c, API_INTERNAL, NULL, "internal error");
	}
	account_free(&a);
	if ((rc = store_commit(&t)) != STORE_OK)
		return api_store_error(c, rc, "account");
	yajl_gen_map_open(c->g);
	json_kstr(c->g, "token", token);
	yajl_gen_map_close(c->g);
	return 0;
}
