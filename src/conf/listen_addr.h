/*
 * listen_addr: the addresses of the `listen` setting, parsed. The daemon
 * binds them (daemon/listen.h); the config check only parses them.
 */
#ifndef WEBCRON_LISTEN_ADDR_H
#define WEBCRON_LISTEN_ADDR_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

struct listen_addr {
	int family; /* AF_INET, AF_INET6 or AF_UNIX */
	struct sockaddr_storage ss;
	socklen_t sslen;
	char text[128]; /* as configured, for messages */
};

/* Parses one entry: "127.0.0.1:8080", "[::1]:0", "*:8080" (all IPv4),
 * "[::]:8080", "localhost:8080" (127.0.0.1) or "unix:/run/webcrond.sock".
 * Returns 0, or -1 with the reason in WHY. */
int listen_addr_parse(const char *spec, struct listen_addr *out, char *why, size_t whylen);
/* Parses a comma-separated list; *OUT is malloc'd. Returns 0 or -1. */
int listen_addr_parse_list(const char *list, struct listen_addr **out, size_t *n,
    char *why, size_t whylen);

#endif
