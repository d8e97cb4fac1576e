/*
 * tls: the server's OpenSSL context and its connections' bufferevents.
 */

#include <stdio.h>

#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "util/log.h"
#include "daemon/tls.h"

SSL_CTX *
tls_server_new(const char *cert, const char *key, char *err, size_t errlen)
{
	SSL_CTX *ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		log_openssl("SSL_CTX_new");
		snprintf(err, errlen, "cannot create a TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		log_openssl(cert);
		snprintf(err, errlen, "tls_cert %s: cannot load the certificate chain", cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		log_openssl(key);
		snprintf(err, errlen, "tls_key %s: cannot load the private key", key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		log_openssl(key);
		snprintf(err, errlen, "tls_key %s does not match tls_cert %s", key, cert);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

struct bufferevent *
tls_bev_new(struct event_base *base, SSL_CTX *ctx)
{
	SSL *ssl = SSL_new(ctx);

	if (ssl == NULL) {
		log_openssl("SSL_new");
		return NULL;
	}
	return bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
	    BEV_OPT_CLOSE_ON_FREE);
}
