/*
 * proxy: the address a request comes from, after trusted_proxies.
 */
#ifndef WEBCRON_PROXY_H
#define WEBCRON_PROXY_H

#include <stddef.h>

#include "util/cidr.h"

struct config;
struct evhttp_request;

/* The client of REQ: its peer's address, or when the peer is in
 * trusted_proxies (or is a unix socket, which only local processes the
 * operator allowed can reach), the right-most address of X-Forwarded-For
 * (or of Forwarded: for=) that is not itself a trusted proxy. Writes the
 * address to OUT and its text to TEXT. Returns 1, or 0 when there is no
 * address (a unix socket without a forwarding header; TEXT is "unix"). */
int proxy_client_address(const struct config *cfg, struct evhttp_request *req, struct cidr_addr *out,
    char *text, size_t len);

#endif
