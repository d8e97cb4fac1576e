/*
 * tls: the optional HTTPS listener (OpenSSL under evhttp).
 */
#ifndef WEBCRON_TLS_H
#define WEBCRON_TLS_H

#include <stddef.h>

struct evhttp;
typedef struct ssl_ctx_st SSL_CTX;

/* A server context for CERT (a PEM chain) and KEY. Returns NULL with the
 * reason in ERR (the OpenSSL error queue is logged). */
SSL_CTX *tls_server_new(const char *cert, const char *key, char *err, size_t errlen);

/* Makes HTTP accept TLS connections with CTX. */
void tls_attach(struct evhttp *http, SSL_CTX *ctx);

#endif
