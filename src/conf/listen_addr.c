/*
 * listen_addr: parsing the `listen` setting.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/listen_addr.h"
#include "util/buf.h"

static int
listen_addr_port(const char *s, int *port)
{
	char *end;
	long p;

	if (*s < '0' || *s > '9')
		return -1;
	p = strtol(s, &end, 10);
	if (*end != '\0' || p < 0 || p > 65535)
		return -1;
	*port = (int)p;
	return 0;
}

int
listen_addr_parse(const char *spec, struct listen_addr *a, char *why, size_t whylen)
{
	char host[128];
	const char *colon;
	int port;

	memset(a, 0, sizeof(*a));
	snprintf(a->text, sizeof(a->text), "%s", spec);
	if (strncmp(spec, "unix:", 5) == 0) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&a->ss;
		const char *path = spec + 5;

		if (*path != '/') {
			snprintf(why, whylen, "\"%.60s\": a unix socket needs an absolute path", spec);
			return -1;
		}
		if (strlen(path) >= sizeof(sun->sun_path)) {
			snprintf(why, whylen, "\"%.60s\": the socket path is too long", spec);
			return -1;
		}
		sun->sun_family = AF_UNIX;
		strcpy(sun->sun_path, path);
		a->family = AF_UNIX;
		a->sslen = sizeof(*sun);
		return 0;
	}
	if (*spec == '[') {
		const char *close = strchr(spec, ']');

		if (close == NULL || close[1] != ':' || (size_t)(close - spec - 1) >= sizeof(host))
			goto bad;
		memcpy(host, spec + 1, (size_t)(close - spec - 1));
		host[close - spec - 1] = '\0';
		colon = close + 1;
	} else {
		colon = strrchr(spec, ':');
		if (colon == NULL || (size_t)(colon - spec) >= sizeof(host) || memchr(spec, ':', (size_t)(colon - spec)))
			goto bad;
		memcpy(host, spec, (size_t)(colon - spec));
		host[colon - spec] = '\0';
	}
	if (listen_addr_port(colon + 1, &port) == -1) {
		snprintf(why, whylen, "\"%.60s\": the port must be 0-65535", spec);
		return -1;
	}
	if (strcmp(host, "*") == 0 || strcmp(host, "") == 0)
		snprintf(host, sizeof(host), "0.0.0.0");
	else if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	{
		struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

		if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
			sin->sin_family = AF_INET;
			sin->sin_port = htons((uint16_t)port);
			a->family = AF_INET;
			a->sslen = sizeof(*sin);
			return 0;
		}
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons((uint16_t)port);
			a->family = AF_INET6;
			a->sslen = sizeof(*sin6);
			return 0;
		}
	}
bad:
	snprintf(why, whylen, "\"%.60s\" is not host:port, [v6]:port or unix:/path "
	                      "(the host must be a literal address)",
	    spec);
	return -1;
}

int
listen_addr_parse_list(const char *list, struct listen_addr **out, size_t *n, char *why, size_t whylen)
{
	char *copy = xstrdup(list), *p = copy, *item;

	*out = NULL;
	*n = 0;
	while ((item = strsep(&p, ",")) != NULL) {
		char *end;

		while (*item == ' ' || *item == '\t')
			item++;
		end = item + strlen(item);
		while (end > item && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*item == '\0')
			continue;
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		if (listen_addr_parse(item, &(*out)[*n], why, whylen) == -1) {
			free(*out);
			*out = NULL;
			*n = 0;
			free(copy);
			return -1;
		}
		(*n)++;
	}
	free(copy);
	return 0;
}
