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

static void
api_set(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

/* The parameter of field F, by the rules of its row. */
static int
api_account_field(struct api_call *c, struct account *a, const struct account_field *f)
{
	void *field = account_field_ptr(a, f);
	int rule_empty = (f->flags & ACCOUNT_FF_RULE_EMPTY) != 0;
	int64_t min, max, n;
	const char *s;
	char why[160];
	int rc, b;

	switch (f->type) {
	case ACCOUNT_FT_TEXT:
		if ((rc = call_str(c, f->name, (size_t)f->max, &s)) != 1)
			return rc;
		if (*s == '\0' && f->min > 0 && !rule_empty)
			return call_error(c, API_INVALID, f->name, "%s must not be empty", f->name);
		if ((*s || rule_empty) && f->rule && (rc = f->rule(s, why, sizeof(why))) != 0)
			return call_rule_error(c, f->name, rc, why);
		api_set((char **)field, s);
		return 0;
	case ACCOUNT_FT_INT:
		account_field_range(f, &min, &max);
		if ((rc = call_int(c, f->name, min, max, &n)) != 1)
			return rc;
		*(int *)field = (int)n;
		return 0;
	case ACCOUNT_FT_BOOL:
		if ((rc = call_bool(c, f->name, &b)) != 1)
			return rc;
		*(int *)field = b;
		return 0;
	case ACCOUNT_FT_I64:
	case ACCOUNT_FT_U64:
	case ACCOUNT_FT_DIGEST:
		break;
	}
	return 0;
}

/* The object parameter of the rows in OBJECT, FIRST the first of them:
 * "limits": {"maxJobs": 5, ...} (their values are whole numbers). */
static int
api_account_object(struct api_call *c, struct account *a, const char *object,
    const struct account_field *first)
{
	char folded[PARAMS_NAME_MAX + 1], want[PARAMS_NAME_MAX + 1];
	const struct account_field *f;
	const struct param *p;
	yajl_val tree = NULL;
	size_t i;

	params_fold(object, strlen(object), want);
	p = params_get(&c->params, want);
	if (p == NULL || p->kind == PARAM_NULL)
		return 0;
	if (p->kind != PARAM_JSON || (tree = json_tree_parse(p->json)) == NULL ||
	    !YAJL_IS_OBJECT(tree)) {
		if (tree)
			yajl_tree_free(tree);
		return call_error(c, API_INVALID, object, "%s must be an object such as {\"%s\": 100}",
		    object, first->name);
	}
	for (i = 0; i < tree->u.object.len; i++) {
		const char *k = tree->u.object.keys[i];
		yajl_val v = tree->u.object.values[i];

		if (params_fold(k, strlen(k), folded) == -1)
			continue;
		for (f = first; f->name && f->object && strcmp(f->object, object) == 0; f++) {
			int64_t min, max;

			params_fold(f->name, strlen(f->name), want);
			if (!(f->flags & ACCOUNT_FF_ADMIN) || f->type != ACCOUNT_FT_INT ||
			    strcmp(folded, want) != 0)
				continue;
			account_field_range(f, &min, &max);
			if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < min || YAJL_GET_INTEGER(v) > max) {
				yajl_tree_free(tree);
				return call_error(c, API_INVALID, f->name,
				    "%s must be a whole number between %lld and %lld", f->name,
				    (long long)min, (long long)max);
			}
			*(int *)account_field_ptr(a, f) = (int)YAJL_GET_INTEGER(v);
		}
	}
	yajl_tree_free(tree);
	return 0;
}

/* The account's table (account_fields of account.h) read from C's
 * parameters: the fields the account sets itself, then, for an admin,
 * the plain fields only an admin sets, then each object of theirs (its
 * object parameter, then its members as parameters of their own, which
 * win). */
int
api_account_apply(struct api_call *c, struct account *a, int admin)
{
	const struct account_field *f;
	const char *object = NULL;

	for (f = account_fields; f->name; f++)
		if ((f->flags & ACCOUNT_FF_API) && api_account_field(c, a, f) == -1)
			return -1;
	if (!admin)
		return 0;
	for (f = account_fields; f->name; f++)
		if ((f->flags & ACCOUNT_FF_ADMIN) && f->object == NULL &&
		    api_account_field(c, a, f) == -1)
			return -1;
	for (f = account_fields; f->name; f++) {
		if (!(f->flags & ACCOUNT_FF_ADMIN) || f->object == NULL)
			continue;
		if (object == NULL || strcmp(object, f->object) != 0) {
			object = f->object;
			if (api_account_object(c, a, object, f) == -1)
				return -1;
		}
		if (api_account_field(c, a, f) == -1)
			return -1;
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
	const struct account_field *f = account_field("secret");
	const char *s;
	char why[160];

	if (call_str_req(c, f->name, (size_t)f->max, &s) == -1)
		return -1;
	/* it is put into signatures and, through __secret__, into URLs and
	 * headers: a line break would be a header of its own */
	if (*s && f->rule(s, why, sizeof(why)) != 0)
		return call_error(c, API_INVALID, f->name, "%s %s (line breaks, tabs...)", f->name, why);
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

/* Gives A (loaded in the write transaction T, which this ends) a new
 * token and answers it; the daemon's router moves the account's route to
 * the new token. */
int
api_account_rotate(struct api_call *c, struct store_txn *t, struct account *a)
{
	char token[TOKEN_LEN + 1];
	int rc;

	if (account_new_token(t, a, c->now, token) == -1 && t->err == 0) {
		store_abort(t);
		account_free(a);
		return call_error(c, API_INTERNAL, NULL, "internal error");
	}
	if ((rc = call_commit(c, t)) != STORE_OK) {
		account_free(a);
		return call_store_error(c, rc, "account");
	}
	c->api->hooks.account_changed(c->api->hooks.arg, a, 0);
	account_free(a);
	yajl_gen_map_open(c->g);
	json_kstr(c->g, "token", token);
	yajl_gen_map_close(c->g);
	return 0;
}

int
api_account_token(struct api_call *c)
{
	struct store_txn t;
	struct account a;
	int rc;

	if ((rc = store_begin(c->api->store, 1, &t)) != STORE_OK)
		return call_store_error(c, rc, "account");
	if ((rc = account_load(&t, c->acct->id, &a)) != STORE_OK) {
		store_abort(&t);
		return call_store_error(c, rc, "account");
	}
	return api_account_rotate(c, &t, &a);
}
