/*
 * apikey: key records, their token index entries and JSON.
 */

#include <stdlib.h>
#include <string.h>

#include "store/account.h"
#include "store/apikey.h"
#include "store/record.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/cidr.h"
#include "util/json.h"
#include "util/log.h"

/* Record tags; never reuse a number. */
enum {
	K_NAME = 1,
	K_SCOPES,
	K_GROUP,
	K_ALLOW,
	K_EXPIRES,
	K_CREATED,
	K_UPDATED,
	K_LAST_USED,
	K_LAST_FROM,
	K_DIGEST,
};

static const char *const apikey_scopes[] = { "read", "write", "run", "admin" };

void
apikey_init(struct apikey *k, uint64_t account)
{
	memset(k, 0, sizeof(*k));
	k->account = account;
	k->name = xstrdup("");
	k->allow = xstrdup("");
	k->last_used_from = xstrdup("");
}

void
apikey_free(struct apikey *k)
{
	free(k->name);
	free(k->allow);
	free(k->last_used_from);
	memset(k, 0, sizeof(*k));
}

void
apikey_copy(struct apikey *dst, const struct apikey *src)
{
	*dst = *src;
	dst->name = xstrdup(src->name);
	dst->allow = xstrdup(src->allow);
	dst->last_used_from = xstrdup(src->last_used_from);
}

const char *
apikey_scope_name(unsigned s)
{
	size_t i;

	for (i = 0; i < sizeof(apikey_scopes) / sizeof(apikey_scopes[0]); i++)
		if (s == 1u << i)
			return apikey_scopes[i];
	return "token";
}

int
apikey_scope_parse(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(apikey_scopes) / sizeof(apikey_scopes[0]); i++)
		if (strlen(apikey_scopes[i]) == len && strncmp(apikey_scopes[i], name, len) == 0)
			return (int)(1u << i);
	return -1;
}

static void
apikey_encode(const struct apikey *k, struct buf *b)
{
	record_begin(b);
	record_str(b, K_NAME, k->name);
	record_uint(b, K_SCOPES, k->scopes);
	record_uint(b, K_GROUP, k->group);
	record_str(b, K_ALLOW, k->allow);
	record_sint(b, K_EXPIRES, k->expires_at);
	record_sint(b, K_CREATED, k->created_at);
	record_sint(b, K_UPDATED, k->updated_at);
	record_sint(b, K_LAST_USED, k->last_used_at);
	record_str(b, K_LAST_FROM, k->last_used_from);
	record_bytes(b, K_DIGEST, k->digest, TOKEN_DIGEST);
}

static int
apikey_decode(const void *data, size_t len, struct apikey *k)
{
	struct record_reader r;
	struct record_val v;
	uint8_t tag;
	int rc;

	if (record_open(&r, data, len) == -1)
		return -1;
	while ((rc = record_next(&r, &tag, &v)) == 1) {
		switch (tag) {
		case K_NAME: record_set_str(&k->name, &v); break;
		case K_SCOPES: k->scopes = (unsigned)v.u & SCOPE_ALL; break;
		case K_GROUP: k->group = v.u; break;
		case K_ALLOW: record_set_str(&k->allow, &v); break;
		case K_EXPIRES: k->expires_at = v.i; break;
		case K_CREATED: k->created_at = v.i; break;
		case K_UPDATED: k->updated_at = v.i; break;
		case K_LAST_USED: k->last_used_at = v.i; break;
		case K_LAST_FROM: record_set_str(&k->last_used_from, &v); break;
		case K_DIGEST:
			if (v.kind != RECORD_BYTES || v.len != TOKEN_DIGEST)
				return -1;
			memcpy(k->digest, v.p, TOKEN_DIGEST);
			break;
		default: break; /* a newer build's field */
		}
	}
	return rc == 0 ? 0 : -1;
}

static void
apikey_key(uint8_t key[16], uint64_t account, uint64_t id)
{
	record_key_u64(key, account);
	record_key_u64(key + 8, id);
}

int
apikey_load(struct store_txn *t, uint64_t account, uint64_t id, struct apikey *out)
{
	uint8_t key[16];
	MDB_val v;
	int rc;

	apikey_init(out, account);
	apikey_key(key, account, id);
	if ((rc = store_get(t, DB_KEYS, key, sizeof(key), &v)) != STORE_OK) {
		apikey_free(out);
		return rc;
	}
	if (apikey_decode(v.mv_data, v.mv_size, out) == -1) {
		log_warnx("store: key %llu of account %llu: corrupt record", (unsigned long long)id,
		    (unsigned long long)account);
		apikey_free(out);
		return STORE_FAILED;
	}
	out->id = id;
	out->account = account;
	return STORE_OK;
}

int
apikey_authenticate(struct store_txn *t, const char *token, size_t len, struct account *acct,
    struct apikey *key, int *is_key)
{
	uint8_t digest[TOKEN_DIGEST];
	uint64_t account, id;
	MDB_val v;
	int rc;

	memset(acct, 0, sizeof(*acct));
	memset(key, 0, sizeof(*key));
	*is_key = 0;
	if (!token_well_formed(token, len))
		return STORE_NOTFOUND;
	token_digest(token, len, digest);
	if ((rc = store_get(t, DB_TOKENS, digest, sizeof(digest), &v)) != STORE_OK)
		return rc;
	if (v.mv_size != 8 && v.mv_size != 16) {
		log_warnx("store: tokens: corrupt entry");
		return STORE_FAILED;
	}
	account = record_get_u64(v.mv_data);
	id = v.mv_size == 16 ? record_get_u64((const uint8_t *)v.mv_data + 8) : 0;
	if ((rc = account_load(t, account, acct)) != STORE_OK)
		return rc;
	if (id == 0)
		return STORE_OK;
	if ((rc = apikey_load(t, account, id, key)) != STORE_OK ||
	    memcmp(key->digest, digest, TOKEN_DIGEST) != 0) {
		if (rc == STORE_OK) {
			log_warnx("store: tokens: key %llu has another digest", (unsigned long long)id);
			apikey_free(key);
			rc = STORE_FAILED;
		}
		account_free(acct);
		return rc == STORE_NOTFOUND ? STORE_FAILED : rc;
	}
	*is_key = 1;
	return STORE_OK;
}

void
apikey_save(struct store_txn *t, struct apikey *k, int64_t now)
{
	struct buf b = BUF_INIT;
	uint8_t key[16];

	if (now)
		k->updated_at = now;
	apikey_encode(k, &b);
	apikey_key(key, k->account, k->id);
	store_put(t, DB_KEYS, key, sizeof(key), b.data, b.len);
	buf_free(&b);
}

void
apikey_insert(struct store_txn *t, struct apikey *k)
{
	uint8_t val[16];

	if ((k->id = store_next_id(t, "key")) == 0)
		return;
	apikey_key(val, k->account, k->id);
	store_put_new(t, DB_TOKENS, k->digest, TOKEN_DIGEST, val, sizeof(val));
	apikey_save(t, k, 0);
}

int
apikey_create(struct store_txn *t, struct apikey *k, int64_t now, char token[TOKEN_LEN + 1])
{
	if (token_generate(token) == -1)
		return -1;
	token_digest(token, TOKEN_LEN, k->digest);
	k->created_at = now;
	k->updated_at = now;
	apikey_insert(t, k);
	return t->err ? -1 : 0;
}

void
apikey_delete(struct store_txn *t, const struct apikey *k)
{
	uint8_t key[16];

	store_del(t, DB_TOKENS, k->digest, TOKEN_DIGEST);
	apikey_key(key, k->account, k->id);
	store_del(t, DB_KEYS, key, sizeof(key));
}

static int
apikey_delete_one(struct apikey *k, void *arg)
{
	apikey_delete(arg, k);
	return 0;
}

void
apikey_delete_account(struct store_txn *t, uint64_t account)
{
	struct apikey *v = NULL;
	size_t n = 0, i;
	struct store_iter it;
	uint8_t prefix[8];

	/* the keys first, then the deletions: the database is what is walked */
	record_key_u64(prefix, account);
	if (store_iter_open(t, DB_KEYS, prefix, sizeof(prefix), &it) != STORE_OK)
		return;
	while (store_iter_next(t, &it) == 1) {
		if (it.key.mv_size != 16)
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		if (apikey_load(t, account, record_get_u64((const uint8_t *)it.key.mv_data + 8),
		        &v[n]) == STORE_OK)
			n++;
	}
	store_iter_close(&it);
	for (i = 0; i < n; i++) {
		apikey_delete_one(&v[i], t);
		apikey_free(&v[i]);
	}
	free(v);
}

int
apikey_each(struct store_txn *t, uint64_t account, int (*fn)(struct apikey *, void *), void *arg)
{
	struct store_iter it;
	uint8_t prefix[8];
	int rc;

	record_key_u64(prefix, account);
	if ((rc = store_iter_open(t, DB_KEYS, prefix, sizeof(prefix), &it)) != STORE_OK)
		return rc;
	while ((rc = store_iter_next(t, &it)) == 1) {
		struct apikey k;

		if (it.key.mv_size != 16 || (rc = apikey_load(t, account, record_get_u64((const uint8_t *)it.key.mv_data + 8), &k)) != STORE_OK) {
			log_warnx("store: keys: an entry of account %llu cannot be read",
			    (unsigned long long)account);
			rc = STORE_FAILED;
			break;
		}
		rc = fn(&k, arg);
		apikey_free(&k);
		if (rc) {
			rc = 0;
			break;
		}
	}
	store_iter_close(&it);
	return rc == 0 ? STORE_OK : rc;
}

uint64_t
apikey_count(struct store_txn *t, uint64_t account)
{
	uint8_t prefix[8];

	record_key_u64(prefix, account);
	return store_count_prefix(t, DB_KEYS, prefix, sizeof(prefix));
}

int
apikey_allows(const char *allow, const void *addr)
{
	struct cidr_list list = { NULL, 0 };
	struct cidr_addr a;
	char err[128];
	int ok;

	if (allow == NULL || *allow == '\0')
		return 1;
	if (cidr_list_parse(allow, &list, err, sizeof(err)) == -1)
		return 0; /* checked when written: refuse rather than guess */
	memcpy(a.b, addr, sizeof(a.b));
	ok = cidr_list_match(&list, &a);
	cidr_list_free(&list);
	return ok;
}

void
apikey_scopes_json(yajl_gen g, unsigned s)
{
	size_t i;

	yajl_gen_array_open(g);
	for (i = 0; i < sizeof(apikey_scopes) / sizeof(apikey_scopes[0]); i++)
		if (s & (1u << i))
			json_str(g, apikey_scopes[i]);
	yajl_gen_array_close(g);
}

void
apikey_json(yajl_gen g, const struct apikey *k, int id_null)
{
	const char *p, *e;

	yajl_gen_map_open(g);
	if (id_null)
		json_knull(g, "id");
	else
		json_kint(g, "id", (int64_t)k->id);
	json_kstr(g, "name", k->name);
	json_key(g, "scopes");
	apikey_scopes_json(g, k->scopes);
	json_kintnull(g, "group", (int64_t)k->group);
	json_key(g, "allow");
	yajl_gen_array_open(g);
	for (p = k->allow; *p; p = e) {
		p += strspn(p, ", ");
		e = p + strcspn(p, ", ");
		if (e > p)
			json_strn(g, p, (size_t)(e - p));
	}
	yajl_gen_array_close(g);
	json_kintnull(g, "expiresAt", k->expires_at);
	json_kint(g, "createdAt", k->created_at);
	json_kintnull(g, "lastUsedAt", k->last_used_at);
	if (*k->last_used_from)
		json_kstr(g, "lastUsedFrom", k->last_used_from);
	else
		json_knull(g, "lastUsedFrom");
	yajl_gen_map_close(g);
}
