/*
 * api_key: account.keys, account.keyAdd, account.keyEdit and
 * account.keyDelete: the account's named keys (store/apikey.h). Only the
 * account's token manages them (the routes' SCOPE_TOKEN): a key can never
 * make a key of more power than its own.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/call.h"
#include "store/account.h"
#include "store/apikey.h"
#include "store/group.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/cidr.h"
#include "util/idmap.h"
#include "util/json.h"

#define APIKEY_EXPIRES_MAX 253402300799LL /* 9999-12-31T23:59:59Z */

static const struct param *
api_key_param(struct api_call *c, const char *name)
{
	char folded[PARAMS_NAME_MAX + 1];

	if (params_fold(name, strlen(name), folded) == -1)
		return NULL;
	return params_get(&c->params, folded);
}

/* scopes: a list ("read,write" or a JSON array of names). */
static int
api_key_scopes(struct api_call *c, struct apikey *k)
{
	const struct param *p;
	char **items;
	size_t n, i;
	int s;

	if ((p = api_key_param(c, "scopes")) == NULL)
		return 0;
	if (params_list(p, &items, &n) == -1)
		return call_error(c, API_INVALID, "scopes", "scopes must be a list of read, write, run, admin");
	k->scopes = 0;
	for (i = 0; i < n; i++) {
		if ((s = apikey_scope_parse(items[i], strlen(items[i]))) == -1) {
			call_error(c, API_INVALID, "scopes", "scopes: \"%.32s\" is none of read, write, run, admin",
			    items[i]);
			params_list_free(items, n);
			return -1;
		}
		k->scopes |= (unsigned)s;
	}
	params_list_free(items, n);
	if (k->scopes == 0)
		return call_error(c, API_INVALID, "scopes", "scopes must name at least one of read, write, run, admin");
	return 0;
}

/* allow: addresses and CIDR ranges, a list; empty: any address. */
static int
api_key_allow(struct api_call *c, struct apikey *k)
{
	struct cidr_list list = { NULL, 0 };
	const struct param *p;
	struct buf b = BUF_INIT;
	char **items, err[160];
	size_t n, i;

	if ((p = api_key_param(c, "allow")) == NULL)
		return 0;
	if (p->kind == PARAM_NULL) {
		n = 0;
		items = NULL;
	} else if (params_list(p, &items, &n) == -1)
		return call_error(c, API_INVALID, "allow", "allow must be a list of addresses or CIDR ranges");
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", items[i]);
	params_list_free(items, n);
	if (b.len > APIKEY_ALLOW_MAX) {
		buf_free(&b);
		return call_error(c, API_INVALID, "allow", "allow: longer than %d bytes", APIKEY_ALLOW_MAX);
	}
	if (cidr_list_parse(buf_str(&b), &list, err, sizeof(err)) == -1) {
		buf_free(&b);
		return call_error(c, API_INVALID, "allow", "allow: %s", err);
	}
	cidr_list_free(&list);
	free(k->allow);
	k->allow = xstrdup(buf_str(&b));
	buf_free(&b);
	return 0;
}

/* name, scopes, group, allow, expiresAt into K; ADDING requires name and
 * scopes. T is open (the group is looked up in it). */
static int
api_key_apply(struct api_call *c, struct store_txn *t, struct apikey *k, int adding)
{
	const char *s;
	int64_t v;
	int rc;

	if ((rc = (adding ? call_str_req : call_str)(c, "name", APIKEY_NAME_MAX, &s)) == -1)
		return -1;
	if (rc == 1) {
		if (*s == '\0')
			return call_error(c, API_INVALID, "name", "name must not be empty");
		free(k->name);
		k->name = xstrdup(s);
	}
	if (adding && api_key_param(c, "scopes") == NULL)
		return call_error(c, API_MISSING, "scopes", "scopes is required");
	if (api_key_scopes(c, k) == -1 || api_key_allow(c, k) == -1)
		return -1;
	if ((rc = call_str(c, "group", 32, &s)) == -1)
		return -1;
	if (rc == 1 && (*s == '\0' || strcmp(s, "0") == 0 || strcmp(s, "null") == 0))
		k->group = 0;
	else if (rc == 1) {
		struct group g;
		char *end;
		unsigned long long id = strtoull(s, &end, 10);

		if (*end != '\0' || id == 0)
			return call_error(c, API_INVALID, "group", "group must be a group id or null");
		if ((rc = group_load_owned(t, c->acct->id, id, &g)) == STORE_NOTFOUND)
			return call_error(c, API_NOT_FOUND, "group", "group %llu not found", id);
		if (rc != STORE_OK)
			return call_store_error(c, rc, "group");
		group_free(&g);
		k->group = id;
	}
	if (api_key_param(c, "expiresAt") && api_key_param(c, "expiresAt")->kind == PARAM_NULL)
		k->expires_at = 0;
	else if ((rc = call_int(c, "expiresAt", 0, APIKEY_EXPIRES_MAX, &v)) == -1)
		return -1;
	else if (rc == 1) {
		if (v != 0 && v <= c->now)
			return call_error(c, API_INVALID, "expiresAt", "expiresAt must be in the future (or 0: never)");
		k->expires_at = v;
	}
	if ((k->scopes & SCOPE_ADMIN) && !c->acct->admin)
		return call_error(c, API_DENIED, "scopes", "the scope \"admin\" is for the keys of admin accounts");
	if ((k->scopes & SCOPE_ADMIN) && k->group)
		return call_error(c, API_INVALID, "group", "a key with the scope \"admin\" cannot be limited to a group");
	return 0;
}

/* The last use the loop has seen (api.c) is newer than the record's. */
static void
api_key_seen(const struct api_call *c, struct apikey *k)
{
	const struct api_key_use *u;

	if (c->api->key_use == NULL || (u = idmap_get(c->api->key_use, k->id)) == NULL ||
	    u->at <= k->last_used_at)
		return;
	k->last_used_at = u->at;
	free(k->last_used_from);
	k->last_used_from = xstrdup(u->from);
}

static int
api_key_list_one(struct apikey *k, void *arg)
{
	struct api_call *c = arg;

	api_key_seen(c, k);
	apikey_json(c->g, k, 0);
	return 0;
}

int
api_key_list(struct api_call *c)
{
	struct store_txn t;
	int rc;

	if ((rc = store_begin(c->api->store, 0, &t)) != STORE_OK)
		return call_store_error(c, rc, "key");
	yajl_gen_array_open(c->g);
	rc = apikey_each(&t, c->acct->id, api_key_list_one, c);
	store_abort(&t);
	if (rc != STORE_OK)
		return call_store_error(c, rc, "key");
	yajl_gen_array_close(c->g);
	return 0;
}

/* Commits T; the router learns the account's digests again. */
static int
api_key_commit(struct api_call *c, struct store_txn *t)
{
	int rc;

	if ((rc = store_commit(t)) != STORE_OK)
		return call_store_error(c, rc, "key");
	c->api->hooks.account_changed(c->api->hooks.arg, c->acct, 0);
	return 0;
}

int
api_key_add(struct api_call *c)
{
	char token[TOKEN_LEN + 1];
	struct store_txn t;
	struct apikey k;
	int rc;

	apikey_init(&k, c->acct->id);
	if ((rc = store_begin(c->api->store, 1, &t)) != STORE_OK) {
		apikey_free(&k);
		return call_store_error(c, rc, "key");
	}
	if (api_key_apply(c, &t, &k, 1) == -1)
		goto fail;
	if (apikey_count(&t, c->acct->id) >= APIKEY_MAX) {
		call_error(c, API_LIMIT, NULL, "limit reached: an account may have at most %d keys",
		    APIKEY_MAX);
		goto fail;
	}
	if (apikey_create(&t, &k, c->now, token) == -1 && t.err == 0) {
		call_error(c, API_INTERNAL, NULL, "internal error");
		goto fail;
	}
	if (api_key_commit(c, &t) == -1) {
		apikey_free(&k);
		return -1;
	}
	yajl_gen_map_open(c->g);
	json_key(c->g, "key");
	apikey_json(c->g, &k, 0);
	json_kstr(c->g, "token", token);
	yajl_gen_map_close(c->g);
	apikey_free(&k);
	return 0;
fail:
	store_abort(&t);
	apikey_free(&k);
	return -1;
}

/* The key named by `id`, the account's own, in T (left open). */
static int
api_key_load(struct api_call *c, struct store_txn *t, struct apikey *k)
{
	uint64_t id;
	int rc;

	memset(k, 0, sizeof(*k));
	if (call_id(c, "id", &id) == -1)
		return -1;
	if ((rc = store_begin(c->api->store, 1, t)) != STORE_OK)
		return call_store_error(c, rc, "key");
	if ((rc = apikey_load(t, c->acct->id, id, k)) != STORE_OK) {
		store_abort(t);
		if (rc == STORE_NOTFOUND)
			return call_error(c, API_NOT_FOUND, "id", "key %llu not found", (unsigned long long)id);
		return call_store_error(c, rc, "key");
	}
	return 0;
}

int
api_key_edit(struct api_call *c)
{
	struct store_txn t;
	struct apikey k;

	if (api_key_load(c, &t, &k) == -1)
		return -1;
	if (api_key_apply(c, &t, &k, 0) == -1) {
		store_abort(&t);
		apikey_free(&k);
		return -1;
	}
	apikey_save(&t, &k, c->now);
	if (api_key_commit(c, &t) == -1) {
		apikey_free(&k);
		return -1;
	}
	apikey_json(c->g, &k, 0);
	apikey_free(&k);
	return 0;
}

int
api_key_delete(struct api_call *c)
{
	struct store_txn t;
	struct apikey k;

	if (api_key_load(c, &t, &k) == -1)
		return -1;
	apikey_delete(&t, &k);
	if (api_key_commit(c, &t) == -1) {
		apikey_free(&k);
		return -1;
	}
	apikey_json(c->g, &k, 1);
	apikey_free(&k);
	return 0;
}
