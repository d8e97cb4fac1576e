/*
 * listen: the API's sockets: binding what `listen` names, the port file.
 */
#ifndef WEBCRON_LISTEN_H
#define WEBCRON_LISTEN_H

#include <stddef.h>

#include "conf/listen_addr.h"

/* Creates a non-blocking listening socket for A (a stale unix socket file
 * is replaced). Returns the descriptor, or -1 with the reason in WHY. */
int listen_open(const struct listen_addr *a, char *why, size_t whylen);

/* The TCP port FD is bound to, or -1 (unix sockets). */
int listen_port(int fd);

/* Writes PORT and a newline to PATH through a temporary file and
 * rename(2), so readers never see half a number. Returns 0 or -1 (logged). */
int listen_write_port_file(const char *path, int port);

#endif
