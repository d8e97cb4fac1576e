/*
 * api_account: account.get, account.edit, account.secret, account.token,
 * and the field rules shared with user.add and user.edit.
 */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "store/account.h"
#include "api/api.h"
#include "api/call.h"
#include "util/buf.h"
#include "conf/config.h"
#include "util/json.h"
#include "store/rules.h"
#include "store/store.h"
#include "engine/tz.h"

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
	const struct rules_limit *l;
	yajl_val tree = NULL;
	size_t i;

	if (p == NULL || p->kind == PARAM_NULL)
		return 0;
	if (p->kind != PARAM_JSON || (tree = json_tree_parse(p->json)) == NULL ||
	    !YAJL_IS_OBJECT(tree)) {
		if (tree)
			yajl_tree_free(tree);
		return call_error(c, API_INVALID, "limits", "limits must be an object such as {\"maxJobs\": 100}");
	}
	for (i = 0; i < tree->u.object.len; i++) {
		const char *k = tree->u.object.keys[i];
		yajl_val v = tree->u.object.values[i];

		if (params_fold(k, strlen(k), folded) == -1)
			continue;
		for (l = rules_limits; l->name; l++) {
			char want[PARAMS_NAME_MAX + 1];
			int64_t min, max;

			params_fold(l->name, strlen(l->name), want);
			if (strcmp(folded, want) != 0)
				continue;
			rules_limit_range(l, &min, &max);
			if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < min || YAJL_GET_INTEGER(v) > max) {
				yajl_tree_free(tree);
				return call_error(c, API_INVALID, l->name,
				    "%s must be a whole number between %lld and %lld", l->name,
				    (long long)min, (long long)max);
			}
			*(int *)((char *)&a->lim + l->offset) = (int)YAJL_GET_INTEGER(v);
		}
	}
	yajl_tree_free(tree);
	return 0;
}

int
api_account_apply(struct api_call *c, struct account *a, int admin)
{
	const struct rules_limit *l;
	const char *s;
	char why[160];
	int64_t n;
	int rc, b;

	if ((rc = call_str(c, "name", ACCOUNT_NAME_MAX, &s)) == -1)
		return -1;
	if (rc == 1)
		api_set(&a->name, s);
	if ((rc = call_str(c, "email", ACCOUNT_EMAIL_MAX, &s)) == -1)
		return -1;
	if (rc == 1) {
		if (*s && rules_email(s, why, sizeof(why)) == -1)
			return call_error(c, API_INVALID, "email", "email %s", why);
		api_set(&a->email, s);
	}
	if ((rc = call_str(c, "timezone", ACCOUNT_TIMEZONE_MAX, &s)) == -1)
		return -1;
	if (rc == 1) {
		if (tz_get(s) == NULL)
			return call_error(c, API_TIMEZONE, "timezone", "unknown time zone \"%s\"", s);
		api_set(&a->timezone, s);
	}
	if ((rc = call_str(c, "notifyUrl", ACCOUNT_NOTIFY_URL_MAX, &s)) == -1)
		return -1;
	if (rc == 1) {
		if (*s && call_url_allowed(c, "notifyUrl", s) == -1)
			return -1;
		api_set(&a->notify_url, s);
	}
	if ((rc = call_str(c, "notifyEmail", ACCOUNT_EMAIL_MAX, &s)) == -1)
		return -1;
	if (rc == 1) {
		if (*s && rules_email(s, why, sizeof(why)) == -1)
			return call_error(c, API_INVALID, "notifyEmail", "notifyEmail %s", why);
		api_set(&a->notify_email, s);
	}
	if ((rc = call_bool(c, "strictParams", &b)) == -1)
		return -1;
	if (rc == 1)
		a->strict_params = b;
	if (!admin)
		return 0;
	if ((rc = call_int(c, "status", 0, 1, &n)) == -1)
		return -1;
	if (rc == 1)
		a->status = (int)n;
	if ((rc = call_bool(c, "admin", &b)) == -1)
		return -1;
	if (rc == 1)
		a->admin = b;
	if (api_limits_object(c, a) == -1)
		return -1;
	for (l = rules_limits; l->name; l++) {
		int64_t min, max;

		rules_limit_range(l, &min, &max);
		if ((rc = call_int(c, l->name, min, max, &n)) == -1)
			return -1;
		if (rc == 1)
			*(int *)((char *)&a->lim + l->offset) = (int)n;
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

	if ((rc = store_begin(c->api->store, 1, &t)) != STORE_OK)
		return call_store_error(c, rc, "account");
	if ((rc = account_load(&t, c->acct->id, a)) != STORE_OK) {
		store_abort(&t);
		return call_store_error(c, rc, "account");
	}
	if (apply(c, a) == -1) {
		store_abort(&t);
		return -1;
	}
	account_save(&t, a, c->now);
	if ((rc = call_commit(c, &t)) != STORE_OK)
		return call_store_error(c, rc, "account");
	c->api->hooks.account_changed(c->api->hooks.arg, a, 0);
	return 0;
}

int
api_account_get(struct api_call *c)
{
	account_json(c->g, c->acct, c->api->cfg, 0);
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
		account_json(c->g, &a, c->api->cfg, 0);
	account_free(&a);
	return rc;
}

static int
api_account_secret_apply(struct api_call *c, struct account *a)
{
	const char *s;
	char why[160];

	if (call_str_req(c, "secret", ACCOUNT_SECRET_MAX, &s) == -1)
		return -1;
	/* it is put into signatures and, through __secret__, into URLs and
	 * headers: a line break would be a header of its own */
	if (rules_header_text(s, why, sizeof(why)) == -1)
		return call_error(c, API_INVALID, "secret", "secret %s (line breaks, tabs...)", why);
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
		account_json(c->g, &a, c->api->cfg, 0);
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

	if ((rc = store_begin(c->api->store, 1, &t)) != STORE_OK)
		return call_store_error(c, rc, "account");
	if ((rc = account_load(&t, c->acct->id, &a)) != STORE_OK) {
		store_abort(&t);
		return call_store_error(c, rc, "account");
	}
	if (account_new_token(&t, &a, c->now, token) == -1 && t.err == 0) {
		store_abort(&t);
		account_free(&a);
		return call_error(c, API_INTERNAL, NULL, "internal error");
	}
	if ((rc = call_commit(c, &t)) != STORE_OK) {
		account_free(&a);
		return call_store_error(c, rc, "account");
	}
	/* the daemon's router moves the account's route to the new token */
	c->api->hooks.account_changed(c->api->hooks.arg, &a, 0);
	account_free(&a);
	yajl_gen_map_open(c->g);
	json_kstr(c->g, "token", token);
	yajl_gen_map_close(c->g);
	return 0;
}
