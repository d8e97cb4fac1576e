/*
 * proxy: who sent a request: the peer, or, behind trusted proxies, the
 * client they name.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "util/buf.h"
#include "util/cidr.h"
#include "api/proxy.h"
#include "conf/config.h"

/* The client of a request that came through trusted proxies: the
 * right-most address of X-Forwarded-For (or Forwarded: for=) that is not
 * itself a trusted proxy. Returns 0, or -1 when the header is absent or
 * unusable (then the peer is the client). */
static int
proxy_forwarded(const struct config *cfg, struct evhttp_request *req,
    struct cidr_addr *out)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	const char *xff = evhttp_find_header(h, "X-Forwarded-For");
	const char *fwd = evhttp_find_header(h, "Forwarded");
	char *copy, *items[32];
	size_t n = 0, i;
	int found = -1;

	if (xff == NULL && fwd == NULL)
		return -1;
	copy = xstrdup(xff ? xff : fwd);
	{
		char *p = copy, *item;

		while ((item = strsep(&p, ",")) != NULL && n < 32)
			items[n++] = item;
	}
	for (i = n; i-- > 0;) {
		char *s = items[i], *end;
		struct cidr_addr a;

		if (xff == NULL) { /* Forwarded: for=1.2.3.4;proto=https */
			char *f = strcasestr(s, "for=");

			if (f == NULL)
				break;
			s = f + 4;
			if ((end = strchr(s, ';')) != NULL)
				*end = '\0';
			if (*s == '"')
				s++;
		}
		while (isspace((unsigned char)*s))
			s++;
		end = s + strlen(s);
		while (end > s && (isspace((unsigned char)end[-1]) || end[-1] == '"'))
			*--end = '\0';
		if (*s == '[') { /* [v6] or [v6]:port */
			char *close = strchr(s, ']');

			if (close == NULL)
				break;
			*close = '\0';
			s++;
		} else if (strchr(s, '.') && (end = strchr(s, ':')) != NULL &&
		    strchr(end + 1, ':') == NULL)
			*end = '\0'; /* v4:port */
		if (cidr_addr_parse(s, &a) == -1)
			break;
		*out = a;
		found = 0;
		if (!cidr_list_match(&cfg->trusted_proxies, &a))
			break;
	}
	free(copy);
	return found;
}

int
proxy_client_address(const struct config *cfg, struct evhttp_request *req, struct cidr_addr *out,
    char *text, size_t len)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	char *peer = NULL;
	ev_uint16_t port = 0;
	struct cidr_addr a;
	int known = 0, trusted;

	if (evcon)
		evhttp_connection_get_peer(evcon, &peer, &port);
	if (peer && cidr_addr_parse(peer, &a) == 0)
		known = 1;
	/* a unix socket can only be reached by local processes the operator
	 * allowed: it is treated as a trusted proxy */
	trusted = !known || cidr_list_match(&cfg->trusted_proxies, &a);
	if (trusted && proxy_forwarded(cfg, req, &a) == 0)
		known = 1;
	if (known) {
		*out = a;
		cidr_addr_format(&a, text, len);
	} else {
		memset(out, 0, sizeof(*out));
		snprintf(text, len, "unix");
	}
	return known;
}
