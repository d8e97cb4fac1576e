/*
 * move: an account handed from this server (shard A) to another (B)
 * while its jobs keep their schedule: nothing fired twice, nothing lost.
 *
 *   move_handoff   A stops firing and writing the account (a handoff
 *                  record, store/handoff.h, committed before anything
 *                  else) and writes its export, which now holds the last
 *                  instants A fired for good
 *   (import on B)  B's daemon schedules the jobs with the fires they
 *                  missed since those instants, by their catch-up
 *                  policies, and routes the tokens to itself
 *   move_done      once HAProxy routes the account's tokens away from A
 *                  (when A has a router), A deletes the account
 *   move_cancel    or A takes it back: its jobs catch up and fire again
 *
 * move_account does all of it when both stores are on this machine
 * (webcronctl move ACCOUNT --to B.conf). docs/OPERATIONS.md tells the
 * steps for shards on other machines.
 */
#ifndef WEBCRON_MOVE_H
#define WEBCRON_MOVE_H

#include <stdint.h>
#include <stdio.h>

struct config;
struct store;

/* Marks ACCOUNT of ST as moving to TO and writes its export to OUT.
 * Returns 0, or -1 with ERR (the handoff is undone when the export
 * fails). The handoff and its cancel are events of the account's history
 * (CFG: how long it is kept); so is the move on the new server. */
int move_handoff(struct store *st, const struct config *cfg, uint64_t account, const char *to,
    FILE *out, char *err, size_t errlen);
/* Ends ACCOUNT's handoff by deleting it from ST, after waiting up to
 * TIMEOUT seconds for HAProxy (CFG's router, when set) to route each of
 * its tokens (its own and its API keys') to TO_BACKEND, or with NULL to
 * any backend but CFG's. Returns 0 or -1 with ERR (the account stays,
 * moving). */
int move_done(struct store *st, const struct config *cfg, uint64_t account,
    const char *to_backend, int timeout, char *err, size_t errlen);
/* Ends ACCOUNT's handoff by keeping it here. Returns 0 or -1 with ERR. */
int move_cancel(struct store *st, const struct config *cfg, uint64_t account, char *err,
    size_t errlen);
/* The whole move of ACCOUNT from ST (configured by CFG) to the server of
 * the config file TO_CONF, whose store is reachable from here. Prints
 * its steps to stdout. Returns 0, or -1 with ERR. */
int move_account(struct store *st, const struct config *cfg, uint64_t account,
    const char *to_conf, int timeout, char *err, size_t errlen);

#endif
