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

/* The longest values of the account's texts, in bytes (SPEC 3.5): the
 * rows of account_fields, and webcronctl. */
#define ACCOUNT_NAME_MAX 255
#define ACCOUNT_EMAIL_MAX 254 /* email and notifyEmail */
#define ACCOUNT_TIMEZONE_MAX 64
#define ACCOUNT_NOTIFY_URL_MAX 4096
#define ACCOUNT_SECRET_MAX 256

#define ACCOUNT_ACTIVE 0
#define ACCOUNT_SUSPENDED 1

struct account_limits {
	int max_jobs;
	int max_tasks;
	int max_timeout;
	int min_interval;
	int max_concurrent;
	int rate_limit;       /* 0 = the server's [api] rate_limit */
	int daily_executions; /* 0 = no limit */
	int log_retention;
};

struct account {
	uint64_t id;
	char *name;
	char *email;
	char *timezone;
	char *notify_url;
	char *notify_email;
	char *secret; /* for __secret__ and signatures; never returned */
	int status;
	int admin;
	struct account_limits lim;
	int strict_params; /* unknown API parameters are code 22 */
	int64_t created_at;
	int64_t updated_at;
	uint8_t token_digest[TOKEN_DIGEST];
	int has_token;
	uint64_t jobs;       /* usage: jobs owned now */
	int64_t exec_day;    /* the day (days since 1970 in the account's zone) ... */
	uint64_t exec_today; /* ... and its executions */
};

/* ---- the account's fields: one table
 *
 * Every field of an account is one row of account_fields[], in the order
 * of the Account object of answers (SPEC 3.5). The row says how the field
 * is stored (its record tag), its default and bounds, the rule of rules.c
 * its value passes, how it is shown, who may set it through the API
 * (api/api_account.c) and whether the export (ctl/transfer.c) moves it.
 * A plain field is one row (and, for text with rules, its rule); a field
 * that needs more keeps a hook in its row (a rule, a show hook) or is of
 * a type of its own (the token's digest).
 */

enum account_field_type {
	ACCOUNT_FT_TEXT,   /* char *: at most MAX bytes; MIN 1: not empty */
	ACCOUNT_FT_INT,    /* int: MIN..MAX, or its config key's range */
	ACCOUNT_FT_BOOL,   /* int: 0 or 1 */
	ACCOUNT_FT_I64,    /* int64_t: MIN..MAX (times: Unix seconds) */
	ACCOUNT_FT_U64,    /* uint64_t: the id, a count */
	ACCOUNT_FT_DIGEST, /* uint8_t[TOKEN_DIGEST], there when has_token; moved as
				 * hexadecimal digits, or null */
};

#define ACCOUNT_FF_API 0x001          /* the account sets it (account.edit), and an admin
					 * (user.add, user.edit) */
#define ACCOUNT_FF_ADMIN 0x002        /* only an admin sets it (user.add, user.edit) */
#define ACCOUNT_FF_MOVE 0x004         /* export/import move it */
#define ACCOUNT_FF_MOVE_LAST 0x008    /* exported after the nested objects */
#define ACCOUNT_FF_HIDDEN 0x010       /* not in the Account object */
#define ACCOUNT_FF_RULE_EMPTY 0x020   /* the API asks RULE about "" too (the import says
					 * "must not be empty" when MIN is 1) */
#define ACCOUNT_FF_CONF_DEFAULT 0x040 /* a new account takes its config key's value */
#define ACCOUNT_FF_ZERO_OK 0x080      /* 0 too, below its config key's range: "the
					 * server's" */
#define ACCOUNT_FF_SECRET 0x100       /* the history says it changed, never its value */

struct account_view;

struct account_field {
	const char *name;   /* SPEC's spelling: the JSON key, parameter and export key */
	const char *object; /* NULL, or the nested object it is shown, moved and (by an
				 * admin) given in: "limits", "usage" */
	uint8_t tag;        /* record tag, 0 = not in the record; never reuse one */
	enum account_field_type type;
	size_t offset;            /* of the value in struct account */
	int64_t min, max;         /* the range; ACCOUNT_FT_TEXT: bytes */
	const char *text_default; /* ACCOUNT_FT_TEXT, without a config; NULL = "" */
	int64_t default_value;    /* the other types, without a config */
	/* A config key ([section] key): with ACCOUNT_FF_CONF_DEFAULT, a new
	 * account's value; for ACCOUNT_FT_INT, the range. */
	const char *conf_section, *conf_key;
	/* The rule (rules.c) that a text other than "" passes: 0, or -1 or a
	 * RULES_* fault (RULES_URL_REFUSED, RULES_ZONE_UNKNOWN) with WHY. */
	int (*rule)(const char *value, char *why, size_t whylen);
	/* Writes the field (or what is shown for it) instead of its type's
	 * way. */
	void (*show)(yajl_gen g, const struct account *a, const struct account_view *v);
	unsigned flags;
};

/* The rows, ended by one whose name is NULL. */
extern const struct account_field account_fields[];

/* The row of NAME, or NULL. */
const struct account_field *account_field(const char *name);
/* Where F's value is in A. */
void *account_field_ptr(struct account *a, const struct account_field *f);
const void *account_field_cptr(const struct account *a, const struct account_field *f);
/* The range of F's value: its config key's for an ACCOUNT_FT_INT that
 * has one (from 0 with ACCOUNT_FF_ZERO_OK), else MIN..MAX. */
void account_field_range(const struct account_field *f, int64_t *min, int64_t *max);

/* A fresh account with the config's defaults for new accounts; without
 * CFG, the table's (those of a record without the field's tag). */
void account_init(struct account *a, const struct config *cfg);
void account_free(struct account *a);
/* A deep copy of SRC into DST. */
void account_copy(struct account *dst, const struct account *src);

/* Loads account ID. Returns STORE_OK, STORE_NOTFOUND, or an error (a
 * corrupt record is STORE_FAILED, logged). */
int account_load(struct store_txn *t, uint64_t id, struct account *out);
/* Finds the account whose token is TOKEN (LEN bytes). Returns STORE_OK,
 * STORE_NOTFOUND (no such token) or an error. */
int account_by_token(struct store_txn *t, const char *token, size_t len, struct account *out);
/* Writes A (updated_at is set to NOW). Errors are sticky in T. */
void account_save(struct store_txn *t, struct account *a, int64_t now);
/* Adds DELTA to the job count of account ID ("usage.jobs") and stamps it
 * NOW, rewriting those two fields of its record alone (every job written
 * or deleted does this). A count that would go below zero stays and is
 * logged. Returns STORE_OK, STORE_NOTFOUND, or another error (sticky in
 * T). */
int account_count_jobs(struct store_txn *t, uint64_t id, int delta, int64_t now);
/* Gives A a new id, creation time and token (written to TOKEN) and saves
 * it. Returns 0, or -1 (sticky error in T, or the random generator). */
int account_create(struct store_txn *t, struct account *a, int64_t now,
    char token[TOKEN_LEN + 1]);
/* Replaces A's token with a new one: the old one stops working when T
 * commits. Returns 0 or -1. */
int account_new_token(struct store_txn *t, struct account *a, int64_t now,
    char token[TOKEN_LEN + 1]);
/* Deletes A's record and token alone: cascade_account_delete deletes its
 * jobs and groups first. Errors are sticky in T. */
void account_delete(struct store_txn *t, const struct account *a);

/* A's executions today (the day in A's zone): its counter, or 0 when the
 * counter is of an earlier day. */
uint64_t account_executions_today(const struct account *a, int64_t now);

/* The effective API rate of A. */
int account_rate(const struct account *a, const struct config *cfg);

/* Writes A as the Account object of SPEC 3.5; with ID_NULL, "id" is null
 * (the answer of a delete). */
void account_json(yajl_gen g, const struct account *a, const struct config *cfg, int id_null);

#endif
