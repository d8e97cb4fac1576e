/*
 * handoff: an account on its way to another server (webcronctl move,
 * export --handoff).
 *
 * While an account has a handoff record, this server fires none of its
 * jobs and takes none of its writes: the scheduler and the API look for
 * the record inside the write transaction of each fire and each write,
 * so once the transaction that makes the record has committed, nothing
 * of the account changes here any more, and an export read after it holds
 * the account's last fired instants for good. The record goes with the
 * account (handoff done: the account is deleted) or alone (handoff
 * cancel: the account fires again, catching up by its jobs' policies).
 */
#ifndef WEBCRON_HANDOFF_H
#define WEBCRON_HANDOFF_H

#include <stdint.h>

struct store_txn;

#define HANDOFF_TO_MAX 64 /* bytes of the destination's name */

struct handoff {
	int64_t since;               /* when the move began, Unix seconds */
	char to[HANDOFF_TO_MAX + 1]; /* where to ("" = not said) */
};

/* Marks ACCOUNT as moving to TO since SINCE. Sticky errors. */
void handoff_put(struct store_txn *t, uint64_t account, int64_t since, const char *to);
/* Reads ACCOUNT's handoff into H (may be NULL): STORE_OK when it is
 * moving, STORE_NOTFOUND when not, or an error. */
int handoff_get(struct store_txn *t, uint64_t account, struct handoff *h);
/* Whether any account of the store is moving: one look for a whole batch
 * of fires, so that the fire path looks up no account when none is. */
int handoff_any(struct store_txn *t);
/* Ends ACCOUNT's handoff (no error when there is none). Sticky errors. */
void handoff_del(struct store_txn *t, uint64_t account);

#endif
