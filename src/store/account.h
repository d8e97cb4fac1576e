/*
 * account: a tenant: its record, its token index and its JSON form.
 */
#ifndef WEBCRON_ACCOUNT_H
#define WEBCRON_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>

#include "util/token.h"

struct config;
struct store_txn;

/* The longest values of the account's texts, in bytes (SPEC 3.5): for the
 * API, the import and webcronctl alike. */
#define ACCOUNT_NAME_MAX	255
#define ACCOUNT_EMAIL_MAX	254	/* email and notifyEmail */
#define ACCOUNT_TIMEZONE_MAX	64
#define ACCOUNT_NOTIFY_URL_MAX	4096
#define ACCOUNT_SECRET_MAX	256

#define ACCOUNT_ACTIVE		0
#define ACCOUNT_SUSPENDED	1

struct account_limits {
	int max_jobs;
	int max_tasks;
	int max_timeout;
	int min_interval;
	int max_concurrent;
	int rate_limit;		/* 0 = the server's [api] rate_limit */
	int daily_executions;	/* 0 = no limit */
	int log_retention;
};

struct account {
	uint64_t id;
	char *name;
	char *email;
	char *timezone;
	char *notify_url;
	char *notify_email;
	char *secret;		/* for __secret__ and signatures; never returned */
	int status;
	int admin;
	struct account_limits lim;
	int strict_params;	/* unknown API parameters are code 22 */
	int64_t created_at;
	int64_t updated_at;
	uint8_t token_digest[TOKEN_DIGEST];
	int has_token;
	uint64_t jobs;		/* usage: jobs owned now */
	int64_t exec_day;	/* the day (days since 1970 in the account's zone) ... */
	uint64_t exec_today;	/* ... and its executions */
};

/* A fresh account with the config's defaults for new accounts. */
void account_init(struct account *a, const struct config *cfg);
void account_free(struct account *a);
/* A deep copy of SRC into DST. */
void account_copy(struct account *dst, const struct account *src);

/* Loads account ID. Returns STORE_OK, STORE_NOTFOUND, or an error (a
 * corrupt record is STORE_FAILED, logged). */
int  account_load(struct store_txn *t, uint64_t id, struct account *out);
/* Finds the account whose token is TOKEN (LEN bytes). Returns STORE_OK,
 * STORE_NOTFOUND (no such token) or an error. */
int  account_by_token(struct store_txn *t, const char *token, size_t len, struct account *out);
/* Writes A (updated_at is set to NOW). Errors are sticky in T. */
void account_save(struct store_txn *t, struct account *a, int64_t now);
/* Gives A a new id, creation time and token (written to TOKEN) and saves
 * it. Returns 0, or -1 (sticky error in T, or the random generator). */
int  account_create(struct store_txn *t, struct account *a, int64_t now,
	char token[TOKEN_LEN + 1]);
/* Replaces A's token with a new one: the old one stops working when T
 * commits. Returns 0 or -1. */
int  account_new_token(struct store_txn *t, struct account *a, int64_t now,
	char token[TOKEN_LEN + 1]);
/* Deletes A's record and token alone: cascade_account_delete deletes its
 * jobs and groups first. Errors are sticky in T. */
void account_delete(struct store_txn *t, const struct account *a);

/* A's executions today (the day in A's zone): its counter, or 0 when the
 * counter is of an earlier day. */
uint64_t account_executions_today(const struct account *a, int64_t now);

/* The effective API rate of A. */
int  account_rate(const struct account *a, const struct config *cfg);

/* Writes A as the Account object of SPEC 3.5; with ID_NULL, "id" is null
 * (the answer of a delete). */
void account_json(yajl_gen g, const struct account *a, const struct config *cfg, int id_null);

#endif
