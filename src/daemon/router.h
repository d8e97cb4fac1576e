/*
 * router: keeps HAProxy's token map in step with this shard's tokens.
 *
 * HAProxy routes each API request by the SHA-256 hex digest of its token
 * through a map (digest -> backend). This shard tells it, through its
 * runtime API (the admin socket, [cluster] router), which digests are its
 * own: all of them at start and whenever HAProxy has restarted, and each
 * change of a token as it happens: "set map" (or "add map" for a new
 * digest) for the new one, "del map" for the one rotated away or deleted
 * (after a "get map" that shows it still maps to this shard: an account
 * moved away keeps its token, which the new shard has set to itself).
 *
 * Every exchange is one short connection to the unix socket, made with a
 * bufferevent on the daemon's loop: nothing blocks. A failed exchange is
 * logged and retried a second later, after a look at "show info" to see
 * whether HAProxy restarted (then every digest is pushed again).
 */
#ifndef WEBCRON_ROUTER_H
#define WEBCRON_ROUTER_H

#include <stdint.h>

struct account;
struct config;
struct event_base;
struct store;

struct router;

/* The router of CFG's [cluster] keys (CFG and STORE must outlive it), or
 * NULL when no router is configured. Reads this shard's tokens from STORE
 * and starts pushing them. Returns NULL with *FAILED set when the tokens
 * cannot be read (logged). */
struct router *router_new(struct event_base *base, const struct config *cfg, struct store *st,
    int *failed);
void router_free(struct router *);

/* Account A was written (with DELETED, removed) by a committed
 * transaction: its token may have changed. */
void router_account_changed(struct router *, const struct account *a, int deleted);
/* The same for account ID, read from the store (webcronctl's changes). */
void router_account_reload(struct router *, uint64_t id);

/* Exchanges that failed since start (for tests and /metrics). */
uint64_t router_failures(const struct router *);

#endif
