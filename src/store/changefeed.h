/*
 * changefeed: how the running daemon learns of the changes webcronctl makes
 * to the same store (a suspended, deleted or imported account).
 *
 * webcronctl, in the transaction of its change, bumps a counter in the
 * meta database and writes the account's id under it; the daemon reads
 * the counter once a second and reloads the accounts written since it
 * last looked (their zone, status, limits and scheduled jobs).
 */
#ifndef WEBCRON_CHANGEFEED_H
#define WEBCRON_CHANGEFEED_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct store_txn;

/* Records in T that account ID changed. Errors are sticky in T. */
void changefeed_mark(struct store_txn *t, uint64_t id);

/* The last change recorded (0 = none): where the daemon starts. Returns 0
 * on a store error too. */
uint64_t changefeed_last(struct store *st);

/* Calls FN for each account recorded after *SEEN, and moves *SEEN on.
 * Opens and closes its own read transaction before calling FN. Returns the
 * number of accounts, or -1 on a store error. */
/* In T: the last change recorded (0 = none), and the accounts recorded
 * after AFTER (a malloc'd array of *N ids, in order, repeats kept; NULL
 * when none): what webcronctl's own command changed. */
uint64_t changefeed_last_in(struct store_txn *t);
uint64_t *changefeed_since(struct store_txn *t, uint64_t after, size_t *n);

int changefeed_poll(struct store *st, uint64_t *seen, void (*fn)(uint64_t account, void *arg),
    void *arg);

#endif
