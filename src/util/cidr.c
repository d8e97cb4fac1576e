/*
 * cidr: address parsing and range matching.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/cidr.h"
#include "util/json.h"

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int
cidr_addr_is_v4(const struct cidr_addr *a)
{
	return memcmp(a->b, v4mapped_prefix, 12) == 0;
}

int
cidr_addr_parse(const char *s, struct cidr_addr *out)
{
	struct in_addr v4;

	/* inet_pton accepts only the dotted-quad form for AF_INET: no octal,
	 * hex or short forms, which is what a config file should mean. */
	if (inet_pton(AF_INET, s, &v4) == 1) {
		memcpy(out->b, v4mapped_prefix, 12);
		memcpy(out->b + 12, &v4, 4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->b) == 1)
		return 0;
	return -1;
}

int
cidr_addr_from_sockaddr(const struct sockaddr *sa, struct cidr_addr *out)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		memcpy(out->b, v4mapped_prefix, 12);
		memcpy(out->b + 12, &sin->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		memcpy(out->b, &sin6->sin6_addr, 16);
		return 0;
	}
	return -1;
}

void
cidr_addr_format(const struct cidr_addr *a, char *buf, size_t len)
{
	char v4[16], *p = v4;
	int i;

	if (!cidr_addr_is_v4(a)) {
		inet_ntop(AF_INET6, a->b, buf, (socklen_t)len);
		return;
	}
	/* IPv4 without printf: every request's client address is written
	 * here, and inet_ntop goes through sprintf */
	for (i = 12; i < 16; i++) {
		p += json_int_text(p, a->b[i]);
		*p++ = i < 15 ? '.' : '\0';
	}
	if ((size_t)(p - v4) <= len)
		memcpy(buf, v4, (size_t)(p - v4));
	else if (len)
		buf[0] = '\0'; /* too small, as inet_ntop would refuse */
}

static int
cidr_parse_one(const char *s, struct cidr *out)
{
	char addr[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	int max, prefix;

	if (alen == 0 || alen >= sizeof(addr))
		return -1;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (cidr_addr_parse(addr, &out->addr) == -1)
		return -1;
	max = strchr(addr, ':') ? 128 : 32;
	if (slash) {
		char *end;
		long p;

		if (!isdigit((unsigned char)slash[1]))
			return -1;
		p = strtol(slash + 1, &end, 10);
		if (*end != '\0' || p < 0 || p > max)
			return -1;
		prefix = (int)p;
	} else
		prefix = max;
	out->prefix = max == 32 ? prefix + 96 : prefix;
	return 0;
}

int
cidr_list_parse(const char *s, struct cidr_list *list, char *err, size_t errlen)
{
	char *copy = xstrdup(s), *p = copy, *item;

	list->v = NULL;
	list->n = 0;
	while ((item = strsep(&p, ",")) != NULL) {
		char *end;
		struct cidr c;

		while (isspace((unsigned char)*item))
			item++;
		end = item + strlen(item);
		while (end > item && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*item == '\0')
			continue;
		if (cidr_parse_one(item, &c) == -1) {
			snprintf(err, errlen, "\"%.60s\" is not an address or CIDR range", item);
			free(copy);
			cidr_list_free(list);
			return -1;
		}
		list->v = xrealloc(list->v, (list->n + 1) * sizeof(*list->v));
		list->v[list->n++] = c;
	}
	free(copy);
	return 0;
}

static int
cidr_contains(const struct cidr *c, const struct cidr_addr *a)
{
	int full = c->prefix / 8, rest = c->prefix % 8;

	if (memcmp(c->addr.b, a->b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((c->addr.b[full] ^ a->b[full]) & (0xff << (8 - rest))) == 0;
}

int
cidr_list_match(const struct cidr_list *list, const struct cidr_addr *a)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		if (cidr_contains(&list->v[i], a))
			return 1;
	return 0;
}

void
cidr_list_free(struct cidr_list *list)
{
	free(list->v);
	list->v = NULL;
	list->n = 0;
}
