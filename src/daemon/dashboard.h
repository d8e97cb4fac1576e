/*
 * dashboard: the browser UI, built into the binary from web/ (see
 * dashboard_embed.sh) and served at /, its screens' paths and /assets/.
 */
#ifndef WEBCRON_DASHBOARD_H
#define WEBCRON_DASHBOARD_H

#include <stddef.h>

struct evhttp_request;
struct server;

/* One file of web/, as it is and gzipped. */
struct dashboard_asset {
	const char *name; /* its path under web/, e.g. "js/app.js" */
	const char *type; /* Content-Type */
	const unsigned char *plain;
	size_t plain_len;
	const unsigned char *gz;
	size_t gz_len;
};

/* The generated table, ending with a NULL name, and the content hash of
 * web/ that versions the asset URLs: /assets/<dashboard_hash>/<name>. */
extern const struct dashboard_asset dashboard_assets[];
extern const char dashboard_hash[];

/* Answers REQ when PATH is the dashboard's (a GET or HEAD of /, a screen
 * such as /jobs/12, or /assets/...) and the config allows the dashboard.
 * Returns 1 when it answered, 0 when REQ is not the dashboard's (the caller
 * answers it). */
int dashboard_handle(struct server *srv, struct evhttp_request *req, const char *path);

/* Whether ACCEPT (an Accept-Encoding value, or NULL) allows gzip. */
int dashboard_accepts_gzip(const char *accept);

#endif
