/*
 * tls: the optional HTTPS listener (OpenSSL under evhttp).
 */
#ifndef WEBCRON_TLS_H
#define WEBCRON_TLS_H

#include <stddef.h>

struct bufferevent;
struct event_base;
typedef struct ssl_ctx_st SSL_CTX;

/* A server context for CERT (a PEM chain) and KEY. Returns NULL with the
 * reason in ERR (the OpenSSL error queue is logged). */
SSL_CTX *tls_server_new(const char *cert, const char *key, char *err, size_t errlen);

/* A bufferevent for one accepted connection, doing the server side of the
 * handshake with CTX (evhttp sets its socket). Returns NULL when out of
 * memory (logged). */
struct bufferevent *tls_bev_new(struct event_base *base, SSL_CTX *ctx);

#endif
