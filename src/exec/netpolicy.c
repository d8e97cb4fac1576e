/*
 * netpolicy: the destination policy for outgoing requests (see netpolicy.h
 * for every refused range and why).
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "exec/netpolicy.h"

struct v4class {
	uint32_t net;
	int prefix;
	const char *what; /* completes "<address> is ..." */
};

/* Most specific first: the first match names the class. */
static const struct v4class v4classes[] = {
	{ 0xffffffffu, 32, "the limited broadcast address" },
	{ 0xa9fea9feu, 32, "a link-local address (the cloud metadata service)" },
	{ 0x00000000u, 32, "the unspecified address" },
	{ 0x00000000u, 8, "a \"this network\" address" },
	{ 0x0a000000u, 8, "a private address" },
	{ 0x64400000u, 10, "a CGNAT (shared) address" },
	{ 0x7f000000u, 8, "a loopback address" },
	{ 0xa9fe0000u, 16, "a link-local address" },
	{ 0xac100000u, 12, "a private address" },
	{ 0xc0000000u, 24, "an IETF protocol assignment address" },
	{ 0xc0000200u, 24, "a documentation address" },
	{ 0xc6336400u, 24, "a documentation address" },
	{ 0xcb007100u, 24, "a documentation address" },
	{ 0xc0a80000u, 16, "a private address" },
	{ 0xc6120000u, 15, "a benchmarking address" },
	{ 0xe0000000u, 4, "a multicast address" },
	{ 0xf0000000u, 4, "a reserved address" },
};

struct v6class {
	uint8_t net[16];
	int prefix;
	const char *what;
};

static const struct v6class v6classes[] = {
	{ { 0 }, 128, "the unspecified address" },
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128, "a loopback address" },
	{ { 0xfc }, 7, "a unique local (private) address" },
	{ { 0xfe, 0x80 }, 10, "a link-local address" },
	{ { 0xfe, 0xc0 }, 10, "a site-local address" },
	{ { 0xff }, 8, "a multicast address" },
	{ { 0x01, 0x00 }, 64, "a discard-only address" },
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, "a documentation address" },
};

static int
prefix_match(const uint8_t *net, const uint8_t *a, int prefix)
{
	int full = prefix / 8, rest = prefix % 8;

	if (memcmp(net, a, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((net[full] ^ a[full]) & (0xff << (8 - rest))) == 0;
}

/* The class of IPv4 address V4 (host order), or NULL when it is public. */
static const char *
v4_class(uint32_t v4)
{
	size_t i;

	for (i = 0; i < sizeof(v4classes) / sizeof(v4classes[0]); i++) {
		uint32_t mask = v4classes[i].prefix == 0 ? 0 :
		                                           0xffffffffu << (32 - v4classes[i].prefix);

		if ((v4 & mask) == v4classes[i].net)
			return v4classes[i].what;
	}
	return NULL;
}

static uint32_t
load_v4(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* When A is one of the IPv6 forms that carry an IPv4 address (other than
 * the mapped form), stores it in V4 and returns 1. */
static int
embedded_v4(const struct cidr_addr *a, uint32_t *v4)
{
	static const uint8_t compat[12] = { 0 };
	static const uint8_t nat64[12] = { 0x00, 0x64, 0xff, 0x9b };
	static const uint8_t nat64_local[6] = { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 };

	if (memcmp(a->b, compat, 12) == 0 || memcmp(a->b, nat64, 12) == 0 ||
	    memcmp(a->b, nat64_local, 6) == 0) {
		*v4 = load_v4(a->b + 12);
		return 1;
	}
	if (a->b[0] == 0x20 && a->b[1] == 0x02) {
		*v4 = load_v4(a->b + 2);
		return 1;
	}
	return 0;
}

static void
v4_format(uint32_t v4, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", v4 >> 24, (v4 >> 16) & 0xff, (v4 >> 8) & 0xff,
	    v4 & 0xff);
}

int
netpolicy_check(const struct netpolicy *np, const struct cidr_addr *a, char *why,
    size_t whylen)
{
	char text[INET6_ADDRSTRLEN], inner[INET_ADDRSTRLEN];
	const char *what;
	uint32_t v4;
	size_t i;

	if (np->allow_private || cidr_list_match(&np->allowed, a))
		return 1;
	cidr_addr_format(a, text, sizeof(text));
	if (cidr_addr_is_v4(a)) {
		if ((what = v4_class(load_v4(a->b + 12))) == NULL)
			return 1;
		if (why != NULL && whylen > 0)
			snprintf(why, whylen, "%s is %s", text, what);
		return 0;
	}
	for (i = 0; i < sizeof(v6classes) / sizeof(v6classes[0]); i++) {
		if (prefix_match(v6classes[i].net, a->b, v6classes[i].prefix)) {
			if (why != NULL && whylen > 0)
				snprintf(why, whylen, "%s is %s", text, v6classes[i].what);
			return 0;
		}
	}
	if (embedded_v4(a, &v4) && (what = v4_class(v4)) != NULL) {
		v4_format(v4, inner, sizeof(inner));
		if (why != NULL && whylen > 0)
			snprintf(why, whylen, "%s embeds %s, %s", text, inner, what);
		return 0;
	}
	return 1;
}

int
netpolicy_check_sockaddr(const struct netpolicy *np, const struct sockaddr *sa,
    char *why, size_t whylen)
{
	struct cidr_addr a;

	if (cidr_addr_from_sockaddr(sa, &a) == -1) {
		if (why != NULL && whylen > 0)
			snprintf(why, whylen, "address family %d is not allowed",
			    (int)sa->sa_family);
		return 0;
	}
	return netpolicy_check(np, &a, why, whylen);
}

static int
digit_value(char c, int base)
{
	int d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	else
		return -1;
	return d < base ? d : -1;
}

/* inet_aton's grammar, on LEN bytes of S (no terminator needed): one to
 * four parts separated by dots, each decimal, 0-prefixed octal or
 * 0x-prefixed hex; the last part fills the remaining bytes ("10.1" is
 * 10.0.0.1). Returns 0 with V4 in host order, or -1. */
static int
parse_v4_aton(const char *s, size_t len, uint32_t *v4)
{
	static const uint64_t last_max[4] = { 0xffffffffu, 0xffffffu, 0xffffu, 0xffu };
	uint64_t parts[4];
	size_t i = 0;
	int n = 0, k;

	if (len > 0 && s[len - 1] == '.') /* a fully-qualified "10.0.0.1." */
		len--;
	if (len == 0)
		return -1;
	for (;;) {
		uint64_t v = 0;
		int base = 10, digits = 0, d;

		if (n == 4)
			return -1;
		if (i < len && s[i] == '0') {
			if (i + 1 < len && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
				base = 16;
				i += 2;
			} else {
				base = 8;
				i++;
				digits = 1;
			}
		}
		for (; i < len && s[i] != '.'; i++) {
			if ((d = digit_value(s[i], base)) == -1)
				return -1;
			v = v * (uint64_t)base + (uint64_t)d;
			if (v > 0xffffffffu)
				return -1;
			digits++;
		}
		if (digits == 0)
			return -1;
		parts[n++] = v;
		if (i == len)
			break;
		if (++i == len) /* "1..": an empty last part */
			return -1;
	}
	for (k = 0; k < n - 1; k++)
		if (parts[k] > 0xff)
			return -1;
	if (parts[n - 1] > last_max[n - 1])
		return -1;
	*v4 = 0;
	for (k = 0; k < n - 1; k++)
		*v4 |= (uint32_t)parts[k] << (24 - 8 * k);
	*v4 |= (uint32_t)parts[n - 1];
	return 0;
}

int
netpolicy_parse_host(const char *host, struct cidr_addr *out)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char v6[INET6_ADDRSTRLEN + 1];
	size_t len = strlen(host);
	const char *pct;
	uint32_t v4;
	int bracketed = 0;

	if (len > 0 && host[0] == '[') {
		if (len < 2 || host[len - 1] != ']')
			return -1;
		host++;
		len -= 2;
		bracketed = 1;
	}
	if (memchr(host, ':', len) != NULL) {
		if ((pct = memchr(host, '%', len)) != NULL) /* a zone */
			len = (size_t)(pct - host);
		if (len >= sizeof(v6))
			return -1;
		memcpy(v6, host, len);
		v6[len] = '\0';
		return inet_pton(AF_INET6, v6, out->b) == 1 ? 0 : -1;
	}
	if (bracketed || parse_v4_aton(host, len, &v4) == -1)
		return -1;
	memcpy(out->b, v4mapped, 12);
	out->b[12] = (uint8_t)(v4 >> 24);
	out->b[13] = (uint8_t)(v4 >> 16);
	out->b[14] = (uint8_t)(v4 >> 8);
	out->b[15] = (uint8_t)v4;
	return 0;
}
