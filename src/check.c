/*
 * check: every index agrees with the records it points at, and every
 * record is where its indexes say (webcronctl check).
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "check.h"
#include "rec.h"
#include "store.h"

struct check {
	struct store_txn *t;
	FILE *out;
	unsigned long faults;
};

static void
check_fault(struct check *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
check_fault(struct check *k, const char *fmt, ...)
{
	va_list ap;

	k->faults++;
	fputs("fault: ", k->out);
	va_start(ap, fmt);
	vfprintf(k->out, fmt, ap);
	va_end(ap);
	fputc('\n', k->out);
	k->t->err = 0;		/* a failed read is a fault to report, not the end */
}

static void
check_accounts(struct check *k, unsigned long *n)
{
	struct store_iter it;

	store_iter_open(k->t, DB_ACCOUNTS, NULL, 0, &it);
	while (store_iter_next(k->t, &it) == 1) {
		uint64_t id = it.key.mv_size == 8 ? rec_get_u64(it.key.mv_data) : 0;
		struct account a;
		MDB_val v;

		(*n)++;
		if (id == 0 || account_load(k->t, id, &a) != STORE_OK) {
			check_fault(k, "account %llu: the record cannot be read", (unsigned long long)id);
			continue;
		}
		if (a.has_token && (store_get(k->t, DB_TOKENS, a.token_digest, TOKEN_DIGEST, &v) != STORE_OK ||
		    v.mv_size != 8 || rec_get_u64(v.mv_data) != id))
			check_fault(k, "account %llu: its token is not in the token index", (unsigned long long)id);
		k->t->err = 0;
		account_free(&a);
	}
	store_iter_close(&it);
}

static void
check_tokens(struct check *k)
{
	struct store_iter it;

	store_iter_open(k->t, DB_TOKENS, NULL, 0, &it);
	while (store_iter_next(k->t, &it) == 1) {
		uint64_t id = it.val.mv_size == 8 ? rec_get_u64(it.val.mv_data) : 0;
		struct account a;

		if (id == 0 || account_load(k->t, id, &a) != STORE_OK) {
			check_fault(k, "a token points at account %llu, which does not exist",
			    (unsigned long long)id);
			continue;
		}
		if (!a.has_token || it.key.mv_size != TOKEN_DIGEST ||
		    memcmp(a.token_digest, it.key.mv_data, TOKEN_DIGEST) != 0)
			check_fault(k, "a stale token points at account %llu", (unsigned long long)id);
		account_free(&a);
	}
	store_iter_close(&it);
}

int
check_store(struct store *st, FILE *out, unsigned long *faults)
{
	struct store_txn t;
	struct check k;
	unsigned long accounts = 0;
	int rc;

	if ((rc = store_begin(st, 0, &t)) != STORE_OK)
		return rc;
	memset(&k, 0, sizeof(k));
	k.t = &t;
	k.out = out;
	check_accounts(&k, &accounts);
	check_tokens(&k);
	rc = t.err;
	store_abort(&t);
	fprintf(out, "%lu accounts: %lu fault%s\n", accounts,
	    k.faults, k.faults == 1 ? "" : "s");
	*faults = k.faults;
	return rc;
}
