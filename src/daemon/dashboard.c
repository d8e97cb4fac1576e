/*
 * dashboard: serves the files of web/ that the build embedded (see
 * dashboard_embed.sh). index.html answers / and every screen of the app
 * (history.pushState routes), with Cache-Control: no-cache; the other files
 * live under /assets/<hash>/, whose hash changes whenever a file does, so
 * they are cached for a year. Every answer carries a strict CSP: the app
 * has no inline script or style and talks to /api/ only.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "daemon/dashboard.h"
#include "daemon/server.h"

#define DASHBOARD_CSP "default-src 'self'; script-src 'self'; style-src 'self'; " \
	              "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; " \
	              "base-uri 'none'; form-action 'self'"
#define DASHBOARD_ASSETS "/assets/"

/* The app's screens: each is served index.html. A trailing "/#" matches
 * one path segment of digits (an id). */
static const char *const dashboard_routes[] = {
	"/", "/signin", "/overview", "/jobs", "/jobs/new", "/jobs/#",
	"/jobs/#/edit", "/failures", "/upcoming", "/groups", "/account",
	"/users", "/users/#/history", NULL
};

static int
dashboard_route_match(const char *route, const char *path)
{
	for (;;) {
		if (*route == '#') {
			if (!isdigit((unsigned char)*path))
				return 0;
			while (isdigit((unsigned char)*path))
				path++;
			route++;
			continue;
		}
		if (*route != *path)
			return 0;
		if (*route == '\0')
			return 1;
		route++;
		path++;
	}
}

static int
dashboard_is_route(const char *path)
{
	size_t i, len = strlen(path);
	char trimmed[64];

	/* /jobs/ is /jobs */
	if (len > 1 && path[len - 1] == '/' && len < sizeof(trimmed)) {
		memcpy(trimmed, path, len - 1);
		trimmed[len - 1] = '\0';
		path = trimmed;
	}
	for (i = 0; dashboard_routes[i]; i++)
		if (dashboard_route_match(dashboard_routes[i], path))
			return 1;
	return 0;
}

static const struct dashboard_asset *
dashboard_find(const char *name)
{
	const struct dashboard_asset *a;

	for (a = dashboard_assets; a->name; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

int
dashboard_accepts_gzip(const char *accept)
{
	const char *p = accept;

	if (p == NULL)
		return 0;
	while (*p) {
		const char *tok, *end, *semi;
		size_t len;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		tok = p;
		while (*p && *p != ',')
			p++;
		end = p;
		semi = memchr(tok, ';', (size_t)(end - tok));
		len = (size_t)((semi ? semi : end) - tok);
		while (len > 0 && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
			len--;
		if ((len == 4 && strncasecmp(tok, "gzip", 4) == 0) ||
		    (len == 1 && tok[0] == '*')) {
			/* q=0 (0, 0.0, 0.000) refuses it */
			const char *q = semi;
			int refused = 0;

			while (q && q < end) {
				q++;
				while (q < end && (*q == ' ' || *q == '\t'))
					q++;
				if (end - q >= 2 && (q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
					const char *v = q + 2;

					refused = v < end && *v == '0';
					for (v++; refused && v < end && *v != ';' && *v != ' '; v++)
						if (*v != '.' && *v != '0')
							refused = 0;
				}
				q = memchr(q, ';', (size_t)(end - q));
			}
			return !refused;
		}
	}
	return 0;
}

static void
dashboard_send(struct evhttp_request *req, const struct dashboard_asset *a, int immutable)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	const char *inm = evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match");
	int gz = dashboard_accepts_gzip(evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Accept-Encoding"));
	char etag[64];

	evhttp_remove_header(h, "Content-Type");
	evhttp_add_header(h, "Content-Type", a->type);
	evhttp_add_header(h, "Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
	evhttp_add_header(h, "Vary", "Accept-Encoding");
	/* index.html names the hash of every asset: it is its version too */
	snprintf(etag, sizeof(etag), "\"%s%s\"", dashboard_hash, gz ? "-gz" : "");
	evhttp_add_header(h, "ETag", etag);
	if (inm && strstr(inm, etag)) {
		evhttp_send_reply(req, 304, "Not Modified", NULL);
		return;
	}
	if (gz) {
		evhttp_add_header(h, "Content-Encoding", "gzip");
		evbuffer_add_reference(out, a->gz, a->gz_len, NULL, NULL);
	} else
		evbuffer_add_reference(out, a->plain, a->plain_len, NULL, NULL);
	evhttp_send_reply(req, 200, "OK", out);
}

static void
dashboard_not_found(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evhttp_request_get_output_buffer(req);

	evhttp_remove_header(h, "Content-Type");
	evhttp_add_header(h, "Content-Type", "text/plain; charset=utf-8");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evbuffer_add_printf(out, "not found\n");
	evhttp_send_reply(req, 404, "Not Found", out);
}

int
dashboard_handle(struct server *srv, struct evhttp_request *req, const char *path)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	const struct dashboard_asset *a;
	size_t hlen = strlen(dashboard_hash);
	int asset;

	if (!srv->cfg.dashboard || (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD))
		return 0;
	asset = strncmp(path, DASHBOARD_ASSETS, strlen(DASHBOARD_ASSETS)) == 0;
	if (!asset && !dashboard_is_route(path))
		return 0;

	evhttp_add_header(h, "Content-Security-Policy", DASHBOARD_CSP);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "X-Frame-Options", "DENY");

	if (!asset) {
		dashboard_send(req, dashboard_find("index.html"), 0);
		return 1;
	}
	/* /assets/<hash>/<name>: an old hash is a file this build does not
	 * have (it would be cached for a year under the wrong version) */
	path += strlen(DASHBOARD_ASSETS);
	if (strncmp(path, dashboard_hash, hlen) != 0 || path[hlen] != '/' ||
	    strcmp(path + hlen + 1, "index.html") == 0 ||
	    (a = dashboard_find(path + hlen + 1)) == NULL) {
		dashboard_not_found(req);
		return 1;
	}
	dashboard_send(req, a, 1);
	return 1;
}
