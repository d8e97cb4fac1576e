/*
 * listen: the API's sockets: parsing `listen`, binding, the port file.
 */
#ifndef WEBCRON_LISTEN_H
#define WEBCRON_LISTEN_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

struct listen_addr {
	int family;			/* AF_INET, AF_INET6 or AF_UNIX */
	struct sockaddr_storage ss;
	socklen_t sslen;
	char text[128];			/* as configured, for messages */
};

/* Parses one entry: "127.0.0.1:8080", "[::1]:0", "*:8080" (all IPv4),
 * "[::]:8080", "localhost:8080" (127.0.0.1) or "unix:/run/webcrond.sock".
 * Returns 0, or -1 with the reason in WHY. */
int listen_parse(const char *spec, struct listen_addr *out, char *why, size_t whylen);
/* Parses a comma-separated list; *OUT is malloc'd. Returns 0 or -1. */
int listen_parse_list(const char *list, struct listen_addr **out, size_t *n,
	char *why, size_t whylen);

/* Creates a non-blocking listening socket for A (a stale unix socket file
 * is replaced). Returns the descriptor, or -1 with the reason in WHY. */
int listen_open(const struct listen_addr *a, char *why, size_t whylen);

/* The TCP port FD is bound to, or -1 (unix sockets). */
int listen_port(int fd);

/* Writes PORT and a newline to PATH through a temporary file and
 * rename(2), so readers never see half a number. Returns 0 or -1 (logged). */
int listen_write_port_file(const char *path, int port);

#endif
