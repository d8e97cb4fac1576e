/*
 * haproxy: one question to HAProxy's runtime API (its admin socket), the
 * way webcronctl waits for a moved account's tokens to route to their new
 * shard. Blocking, with a time limit: webcronctl is a command, not the
 * daemon (whose router, daemon/router.c, keeps the map on its loop).
 */
#ifndef WEBCRON_HAPROXY_H
#define WEBCRON_HAPROXY_H

#include <stddef.h>

/* Asks HAProxy at SOCKET (a unix socket path) for KEY in map MAP. Returns
 * 1 with its value in VALUE (LEN bytes at most), 0 when the map has no
 * entry for KEY, or -1 with the reason in ERR. */
int haproxy_map_get(const char *socket, const char *map, const char *key, char *value, size_t len,
    char *err, size_t errlen);

#endif
