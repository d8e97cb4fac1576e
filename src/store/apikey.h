/*
 * apikey: an account's named API keys besides its token: their records,
 * their entries in the token index, and their JSON form.
 *
 * A key's token has the form of an account's token (util/token.h) and its
 * SHA-256 digest goes into the same index, DB_TOKENS, with the value
 * account id || key id (16 bytes; an account's own token has the 8 bytes
 * of its id alone). So every transport of a token, and HAProxy's routing
 * by digest, work for keys unchanged. The key itself is never stored.
 */
#ifndef WEBCRON_APIKEY_H
#define WEBCRON_APIKEY_H

#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>

#include "util/token.h"

struct account;
struct store_txn;

/* Scopes: what a key may do. A route names the one it needs (api.h);
 * SCOPE_TOKEN (none) is for the account's token alone. */
#define SCOPE_TOKEN 0x00
#define SCOPE_READ 0x01
#define SCOPE_WRITE 0x02
#define SCOPE_RUN 0x04
#define SCOPE_ADMIN 0x08 /* only for the keys of admin accounts */
#define SCOPE_ALL 0x0f

#define APIKEY_NAME_MAX 100
#define APIKEY_ALLOW_MAX 1024 /* the allow-list's text */
#define APIKEY_MAX 100        /* keys per account */

struct apikey {
	uint64_t id;
	uint64_t account;
	char *name;
	unsigned scopes;    /* SCOPE_* bits */
	uint64_t group;     /* 0: any; else the one group it may act on */
	char *allow;        /* "" or addresses and CIDR ranges, ", " between */
	int64_t expires_at; /* 0: never */
	int64_t created_at;
	int64_t updated_at;
	int64_t last_used_at; /* 0: never (written lazily: see api.c) */
	char *last_used_from;
	uint8_t digest[TOKEN_DIGEST];
};

void apikey_init(struct apikey *k, uint64_t account);
void apikey_free(struct apikey *k);
void apikey_copy(struct apikey *dst, const struct apikey *src);

/* The name of scope bit S ("read", ...; "token" for SCOPE_TOKEN), and the
 * bit of NAME (LEN bytes), or -1. */
const char *apikey_scope_name(unsigned s);
int apikey_scope_parse(const char *name, size_t len);

/* Loads key ID of ACCOUNT. Returns STORE_OK, STORE_NOTFOUND or an error
 * (a corrupt record is STORE_FAILED, logged). */
int apikey_load(struct store_txn *t, uint64_t account, uint64_t id, struct apikey *out);
/* Finds the account (and the key, when the token is a key's) of TOKEN.
 * *IS_KEY says which. Returns STORE_OK, STORE_NOTFOUND or an error. */
int apikey_authenticate(struct store_txn *t, const char *token, size_t len,
    struct account *acct, struct apikey *key, int *is_key);
/* Gives K a new id, creation time and token (written to TOKEN), and saves
 * it with its index entry. Returns 0, or -1 (sticky error in T, or the
 * random generator). */
int apikey_create(struct store_txn *t, struct apikey *k, int64_t now, char token[TOKEN_LEN + 1]);
/* Adds K with a new id, keeping its digest and times (an import). The
 * digest must be free (store_put_new). Errors are sticky in T. */
void apikey_insert(struct store_txn *t, struct apikey *k);
/* Writes K (updated_at is set to NOW unless NOW is 0). Errors are sticky. */
void apikey_save(struct store_txn *t, struct apikey *k, int64_t now);
/* Deletes K's record and its index entry: its token stops working when T
 * commits. Errors are sticky. */
void apikey_delete(struct store_txn *t, const struct apikey *k);
/* Deletes every key of ACCOUNT (cascade). Errors are sticky. */
void apikey_delete_account(struct store_txn *t, uint64_t account);
/* Calls FN for each key of ACCOUNT in id order until it returns non-zero.
 * Returns STORE_OK or an error. */
int apikey_each(struct store_txn *t, uint64_t account, int (*fn)(struct apikey *, void *),
    void *arg);
uint64_t apikey_count(struct store_txn *t, uint64_t account);

/* 1 when ALLOW (a key's allow-list) holds ADDR (16 bytes, cidr.h); an
 * empty list holds every address. */
int apikey_allows(const char *allow, const void *addr);

/* Writes K as the Key object (docs/API.md); with ID_NULL, "id" is null
 * (the answer of a delete). */
void apikey_json(yajl_gen g, const struct apikey *k, int id_null);
/* Writes the scope bits S as an array of names. */
void apikey_scopes_json(yajl_gen g, unsigned s);

#endif
