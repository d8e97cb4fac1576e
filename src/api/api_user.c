/*
 * api_user: user.* (admin tokens only): accounts of the whole server.
 */

#include <stdio.h>
#include <string.h>

#include "store/account.h"
#include "store/cascade.h"
#include "api/api.h"
#include "api/call.h"
#include "util/json.h"
#include "api/ratelimit.h"
#include "store/record.h"
#include "store/store.h"

int
api_user_list(struct api_call *c)
{
	struct store_txn t;
	struct store_iter it;
	int64_t page = 1, limit = 1000, skip;
	int rc;

	if (call_int(c, "page", 1, 1000000, &page) == -1 ||
	    call_int(c, "limit", 1, 1000, &limit) == -1)
		return -1;
	skip = (page - 1) * limit;
	if ((rc = store_begin(c->api->store, 0, &t)) != STORE_OK)
		return call_store_error(c, rc, "account");
	yajl_gen_array_open(c->g);
	store_iter_open(&t, DB_ACCOUNTS, NULL, 0, &it);
	while (limit > 0 && (rc = store_iter_next(&t, &it)) == 1) {
		struct account a;

		if (skip > 0) {
			skip--;
			continue;
		}
		if (account_load(&t, record_get_u64(it.key.mv_data), &a) != STORE_OK)
			break;
		account_json(c->g, &a, c->api->cfg, 0);
		account_free(&a);
		limit--;
	}
	store_iter_close(&it);
	rc = t.err;
	store_abort(&t);
	if (rc)
		return call_store_error(c, rc, "account");
	yajl_gen_array_close(c->g);
	return 0;
}

static int
api_user_load(struct api_call *c, struct store_txn *t, int write, struct account *a)
{
	uint64_t id;
	int rc;

	memset(a, 0, sizeof(*a));
	if (call_id(c, "id", &id) == -1)
		return -1;
	if ((rc = store_begin(c->api->store, write, t)) != STORE_OK)
		return call_store_error(c, rc, "account");
	if ((rc = account_load(t, id, a)) != STORE_OK) {
		store_abort(t);
		if (rc == STORE_NOTFOUND)
			return call_error(c, API_NOT_FOUND, "id", "account %llu not found",
			    (unsigned long long)id);
		return call_store_error(c, rc, "account");
	}
	return 0;
}

int
api_user_get(struct api_call *c)
{
	struct store_txn t;
	struct account a;

	if (api_user_load(c, &t, 0, &a) == -1)
		return -1;
	store_abort(&t);
	account_json(c->g, &a, c->api->cfg, 0);
	account_free(&a);
	return 0;
}

int
api_user_add(struct api_call *c)
{
	char token[TOKEN_LEN + 1];
	struct store_txn t;
	struct account a;
	const char *name;
	int rc;

	/* required here; its bounds and rules are the table's, which
	 * api_account_apply reads (account_fields of account.h) */
	if (call_str_req(c, "name", ACCOUNT_NAME_MAX, &name) == -1)
		return -1;
	account_init(&a, c->api->cfg);
	if (api_account_apply(c, &a, 1) == -1) {
		account_free(&a);
		return -1;
	}
	if ((rc = store_begin(c->api->store, 1, &t)) != STORE_OK) {
		account_free(&a);
		return call_store_error(c, rc, "account");
	}
	if (account_create(&t, &a, c->now, token) == -1 && t.err == 0) {
		store_abort(&t);
		account_free(&a);
		return call_error(c, API_INTERNAL, NULL, "internal error");
	}
	if ((rc = call_commit(c, &t)) != STORE_OK) {
		account_free(&a);
		return call_store_error(c, rc, "account");
	}
	c->api->hooks.account_changed(c->api->hooks.arg, &a, 0);
	yajl_gen_map_open(c->g);
	json_key(c->g, "account");
	account_json(c->g, &a, c->api->cfg, 0);
	json_kstr(c->g, "token", token);
	yajl_gen_map_close(c->g);
	account_free(&a);
	return 0;
}

int
api_user_edit(struct api_call *c)
{
	struct store_txn t;
	struct account a;
	int rc;

	if (api_user_load(c, &t, 1, &a) == -1)
		return -1;
	if (api_account_apply(c, &a, 1) == -1)
		goto fail;
	/* an admin who locks themselves out needs the operator to get back */
	if (a.id == c->caller.id && (a.status != ACCOUNT_ACTIVE || !a.admin)) {
		call_error(c, API_INVALID, a.admin ? "status" : "admin",
		    "you cannot suspend or demote your own account");
		goto fail;
	}
	account_save(&t, &a, c->now);
	if ((rc = call_commit(c, &t)) != STORE_OK) {
		account_free(&a);
		return call_store_error(c, rc, "account");
	}
	c->api->hooks.account_changed(c->api->hooks.arg, &a, 0);
	account_json(c->g, &a, c->api->cfg, 0);
	account_free(&a);
	return 0;
fail:
	store_abort(&t);
	account_free(&a);
	return -1;
}

int
api_user_delete(struct api_call *c)
{
	struct store_txn t;
	struct account a;
	uint8_t key[9];
	int rc;

	if (api_user_load(c, &t, 1, &a) == -1)
		return -1;
	if (a.id == c->caller.id) {
		store_abort(&t);
		account_free(&a);
		return call_error(c, API_INVALID, "id", "you cannot delete your own account");
	}
	cascade_account_delete(&t, &a, c->now);
	if ((rc = call_commit(c, &t)) != STORE_OK) {
		account_free(&a);
		return call_store_error(c, rc, "account");
	}
	key[0] = 'T';
	record_key_u64(key + 1, a.id);
	ratelimit_forget(c->api->rl, key, sizeof(key));
	c->api->hooks.account_changed(c->api->hooks.arg, &a, 1);
	account_json(c->g, &a, c->api->cfg, 1);
	account_free(&a);
	return 0;
}

int
api_user_token(struct api_call *c)
{
	struct store_txn t;
	struct account a;

	if (api_user_load(c, &t, 1, &a) == -1)
		return -1;
	return api_account_rotate(c, &t, &a);
}
