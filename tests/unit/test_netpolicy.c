/*
 * Unit tests of netpolicy.c: every refused class at its edges (first and
 * last address, and the neighbours just outside), the IPv6 forms that carry
 * an IPv4 address, inet_aton's numeric host forms, allowed_targets and
 * allow_private. Pure decisions: nothing here opens a socket.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "util/cidr.h"
#include "exec/netpolicy.h"

struct refusal {
	const char *addr;
	const char *reason; /* a substring of the reason given */
};

/* Every class, first and last address (and a few in the middle). */
static const struct refusal refused_v4[] = {
	{ "0.0.0.0", "0.0.0.0 is the unspecified address" },
	{ "0.0.0.1", "this network" },
	{ "0.255.255.255", "this network" },
	{ "10.0.0.0", "10.0.0.0 is a private address" },
	{ "10.0.0.1", "10.0.0.1 is a private address" },
	{ "10.255.255.255", "private" },
	{ "100.64.0.0", "CGNAT" },
	{ "100.127.255.255", "CGNAT" },
	{ "127.0.0.0", "loopback" },
	{ "127.0.0.1", "127.0.0.1 is a loopback address" },
	{ "127.255.255.255", "loopback" },
	{ "169.254.0.0", "link-local" },
	{ "169.254.169.254", "cloud metadata" },
	{ "169.254.255.255", "link-local" },
	{ "172.16.0.0", "private" },
	{ "172.31.255.255", "private" },
	{ "192.0.0.0", "IETF protocol assignment" },
	{ "192.0.0.255", "IETF protocol assignment" },
	{ "192.0.2.0", "documentation" },
	{ "192.0.2.255", "documentation" },
	{ "198.51.100.0", "documentation" },
	{ "198.51.100.255", "documentation" },
	{ "203.0.113.0", "documentation" },
	{ "203.0.113.255", "documentation" },
	{ "192.168.0.0", "private" },
	{ "192.168.255.255", "private" },
	{ "198.18.0.0", "benchmarking" },
	{ "198.19.255.255", "benchmarking" },
	{ "224.0.0.0", "multicast" },
	{ "239.255.255.255", "multicast" },
	{ "240.0.0.0", "reserved" },
	{ "255.255.255.254", "reserved" },
	{ "255.255.255.255", "broadcast" },
};

/* The public neighbours just outside each IPv4 class. */
static const char *const public_v4[] = {
	"1.0.0.0",
	"9.255.255.255",
	"11.0.0.0",
	"100.63.255.255",
	"100.128.0.0",
	"100.128.0.1",
	"126.255.255.255",
	"128.0.0.0",
	"169.253.255.255",
	"169.255.0.0",
	"172.15.255.255",
	"172.32.0.0",
	"172.32.0.1",
	"191.255.255.255",
	"192.0.1.0",
	"192.0.1.255",
	"192.0.3.0",
	"198.51.99.255",
	"198.51.101.0",
	"203.0.112.255",
	"203.0.114.0",
	"192.167.255.255",
	"192.169.0.0",
	"198.17.255.255",
	"198.20.0.0",
	"223.255.255.255",
	"8.8.8.8",
	"1.1.1.1",
};

static const struct refusal refused_v6[] = {
	{ "::", ":: is the unspecified address" },
	{ "::1", "::1 is a loopback address" },
	{ "fc00::", "unique local" },
	{ "fd12:3456::1", "unique local" },
	{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "unique local" },
	{ "fe80::", "link-local" },
	{ "fe80::1", "fe80::1 is a link-local address" },
	{ "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "link-local" },
	{ "fec0::", "site-local" },
	{ "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "site-local" },
	{ "ff00::", "multicast" },
	{ "ff02::1", "multicast" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "multicast" },
	{ "100::", "discard" },
	{ "100::ffff:ffff:ffff:ffff", "discard" },
	{ "2001:db8::", "documentation" },
	{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "documentation" },
};

static const char *const public_v6[] = {
	"2606:4700::1111",
	"2a00:1450:4001:82b::200e",
	"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	"fe00::",
	"fe7f:ffff::1",
	"ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	"100:0:0:1::",
	"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
	"2001:db9::",
};

/* IPv6 forms carrying an IPv4 address. */
static const struct refusal refused_embedded[] = {
	{ "::ffff:10.0.0.1", "10.0.0.1 is a private address" },
	{ "::ffff:127.0.0.2", "127.0.0.2 is a loopback address" },
	{ "::ffff:169.254.169.254", "cloud metadata" },
	{ "::10.0.0.1", "embeds 10.0.0.1, a private address" },
	{ "::0.0.0.2", "embeds 0.0.0.2, a \"this network\" address" },
	{ "::127.0.0.1", "embeds 127.0.0.1, a loopback address" },
	{ "64:ff9b::10.0.0.1", "64:ff9b::a00:1 embeds 10.0.0.1, a private address" },
	{ "64:ff9b::a9fe:a9fe", "embeds 169.254.169.254" },
	{ "64:ff9b::7f00:1", "embeds 127.0.0.1, a loopback address" },
	{ "64:ff9b:1::7f00:1", "embeds 127.0.0.1, a loopback address" },
	{ "64:ff9b:1:ffff::c0a8:101", "embeds 192.168.1.1, a private address" },
	{ "2002:a00:1::", "embeds 10.0.0.1, a private address" },
	{ "2002:7f00:1::1", "embeds 127.0.0.1, a loopback address" },
	{ "2002:c0a8:101:1:2:3:4:5", "embeds 192.168.1.1" },
	{ "2002:a9fe:a9fe::", "embeds 169.254.169.254" },
	{ "2002:6440::", "embeds 100.64.0.0, a CGNAT" },
};

static const char *const public_embedded[] = {
	"::ffff:8.8.8.8",
	"::8.8.8.8",
	"64:ff9b::8.8.8.8",
	"64:ff9b:1::101:101",
	"2002:808:808::1",
	"2002:6480::",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static struct cidr_addr
addr(const char *s)
{
	struct cidr_addr a;

	if (cidr_addr_parse(s, &a) == -1)
		fail_msg("test address \"%s\" does not parse", s);
	return a;
}

/* S must be refused by NP with a reason containing REASON. */
static void
assert_refused(const struct netpolicy *np, const char *s, const char *reason)
{
	struct cidr_addr a = addr(s);
	char why[256] = "";

	if (netpolicy_check(np, &a, why, sizeof(why)) != 0)
		fail_msg("%s was allowed", s);
	if (strstr(why, reason) == NULL)
		fail_msg("%s: reason \"%s\" lacks \"%s\"", s, why, reason);
	/* WHY is optional. */
	assert_int_equal(netpolicy_check(np, &a, NULL, 0), 0);
}

static void
assert_allowed(const struct netpolicy *np, const char *s)
{
	struct cidr_addr a = addr(s);
	char why[256] = "";

	if (netpolicy_check(np, &a, why, sizeof(why)) != 1)
		fail_msg("%s was refused: %s", s, why);
}

static const struct netpolicy strict; /* the default: nothing private */

static void
test_v4_classes(void **state)
{
	size_t i;

	for (i = 0; i < NELEM(refused_v4); i++)
		assert_refused(&strict, refused_v4[i].addr, refused_v4[i].reason);
	for (i = 0; i < NELEM(public_v4); i++)
		assert_allowed(&strict, public_v4[i]);
}

static void
test_v6_classes(void **state)
{
	size_t i;

	for (i = 0; i < NELEM(refused_v6); i++)
		assert_refused(&strict, refused_v6[i].addr, refused_v6[i].reason);
	for (i = 0; i < NELEM(public_v6); i++)
		assert_allowed(&strict, public_v6[i]);
}

static void
test_v6_embedded(void **state)
{
	size_t i;

	for (i = 0; i < NELEM(refused_embedded); i++)
		assert_refused(&strict, refused_embedded[i].addr, refused_embedded[i].reason);
	for (i = 0; i < NELEM(public_embedded); i++)
		assert_allowed(&strict, public_embedded[i]);
}

/* HOST must parse as numeric, to the address WANT (a literal). */
static void
assert_host(const char *host, const char *want)
{
	struct cidr_addr got, w = addr(want);
	char text[INET6_ADDRSTRLEN];

	if (netpolicy_parse_host(host, &got) != 0)
		fail_msg("\"%s\" was not read as numeric", host);
	cidr_addr_format(&got, text, sizeof(text));
	if (memcmp(got.b, w.b, 16) != 0)
		fail_msg("\"%s\" read as %s, not %s", host, text, want);
}

static void
test_parse_host_numeric(void **state)
{
	assert_host("10.0.0.1", "10.0.0.1");
	assert_host("167772161", "10.0.0.1");
	assert_host("0xa.1", "10.0.0.1");
	assert_host("0XA.0X1", "10.0.0.1");
	assert_host("012.0.0.1", "10.0.0.1");
	assert_host("10.1", "10.0.0.1");
	assert_host("10.0.1", "10.0.0.1");
	assert_host("0x7f.1", "127.0.0.1");
	assert_host("0x7F000001", "127.0.0.1");
	assert_host("017700000001", "127.0.0.1");
	assert_host("2130706433", "127.0.0.1");
	assert_host("127.0.0.1.", "127.0.0.1");
	assert_host("0", "0.0.0.0");
	assert_host("0.0.0.0", "0.0.0.0");
	assert_host("4294967295", "255.255.255.255");
	assert_host("1.16777215", "1.255.255.255");
	assert_host("1.2.65535", "1.2.255.255");
	assert_host("0251.0376.0251.0376", "169.254.169.254");
	assert_host("8.8.8.8", "8.8.8.8");
	assert_host("[::ffff:10.0.0.1]", "::ffff:10.0.0.1");
	assert_host("[::1]", "::1");
	assert_host("::1", "::1");
	assert_host("[fe80::1%25eth0]", "fe80::1");
	assert_host("[2606:4700::1111]", "2606:4700::1111");
}

static void
test_parse_host_names(void **state)
{
	static const char *const names[] = {
		"example.com",
		"localhost",
		"10.0.0.1.example",
		"1.2.3.4.5",
		"256.0.0.1",
		"10.256.0.1",
		"1.2.65536",
		"1.16777216",
		"4294967296",
		"0x100000000",
		"08.0.0.1",
		"0x",
		"0x.1",
		"1..2",
		".1.2.3",
		"1.2.3.4..",
		"",
		"[10.0.0.1]",
		"[::1",
		"::1]",
		"[]",
		"[::g]",
		"-1",
		"+1",
		"1.2.3.-4",
		"0xg",
		"1 .2.3.4",
	};
	struct cidr_addr a;
	size_t i;

	for (i = 0; i < NELEM(names); i++)
		if (netpolicy_parse_host(names[i], &a) != -1)
			fail_msg("\"%s\" was read as a numeric address", names[i]);
}

/* The numeric forms a URL may hide a private address in: parsed, then
 * refused like the dotted form. */
static void
test_parse_then_check(void **state)
{
	static const struct refusal hosts[] = {
		{ "167772161", "10.0.0.1 is a private address" },
		{ "0xa.1", "10.0.0.1 is a private address" },
		{ "012.0.0.1", "10.0.0.1 is a private address" },
		{ "10.1", "10.0.0.1 is a private address" },
		{ "0x7f.1", "127.0.0.1 is a loopback address" },
		{ "2852039166", "cloud metadata" },
		{ "[::ffff:10.0.0.1]", "10.0.0.1 is a private address" },
		{ "[::ffff:127.0.0.2]", "127.0.0.2 is a loopback address" },
		{ "[64:ff9b::7f00:1]", "embeds 127.0.0.1" },
		{ "[2002:a00:1::]", "embeds 10.0.0.1" },
		{ "0", "unspecified" },
	};
	struct cidr_addr a;
	char why[256];
	size_t i;

	for (i = 0; i < NELEM(hosts); i++) {
		if (netpolicy_parse_host(hosts[i].addr, &a) != 0)
			fail_msg("\"%s\" was not read as numeric", hosts[i].addr);
		why[0] = '\0';
		if (netpolicy_check(&strict, &a, why, sizeof(why)) != 0)
			fail_msg("\"%s\" was allowed", hosts[i].addr);
		if (strstr(why, hosts[i].reason) == NULL)
			fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", hosts[i].addr, why,
			    hosts[i].reason);
	}
	assert_int_equal(netpolicy_parse_host("0x8.0x8.0x8.0x8", &a), 0);
	assert_int_equal(netpolicy_check(&strict, &a, why, sizeof(why)), 1);
}

/*
 * The hosts of issue 7 and of tests/e2e/test_security.py, as they appear in
 * a URL: each is read as a number (never resolved) and refused, with the
 * default policy and with the end-to-end tests' allowed_targets =
 * 127.0.0.1/32, which must not open any of them. Middle addresses of each
 * class too, not only its edges.
 */
static const struct refusal issue_hosts[] = {
	/* 0.0.0.0 and its spellings */
	{ "0.0.0.0", "0.0.0.0 is the unspecified address" },
	{ "0", "0.0.0.0 is the unspecified address" },
	{ "0x0", "0.0.0.0 is the unspecified address" },
	{ "0.0", "0.0.0.0 is the unspecified address" },
	{ "[::]", ":: is the unspecified address" },
	{ "[::ffff:0.0.0.0]", "0.0.0.0 is the unspecified address" },
	/* 10/8 */
	{ "10.1.2.3", "10.1.2.3 is a private address" },
	{ "167772161", "10.0.0.1 is a private address" },
	{ "0xa.1", "10.0.0.1 is a private address" },
	{ "0xa.0.0.1", "10.0.0.1 is a private address" },
	{ "0x0a000001", "10.0.0.1 is a private address" },
	{ "012.0.0.1", "10.0.0.1 is a private address" },
	{ "[::ffff:10.0.0.1]", "10.0.0.1 is a private address" },
	{ "[::ffff:a00:1]", "10.0.0.1 is a private address" },
	{ "[0:0:0:0:0:ffff:10.0.0.1]", "10.0.0.1 is a private address" },
	{ "[::FFFF:0A00:0001]", "10.0.0.1 is a private address" },
	/* 172.16/12 */
	{ "172.16.0.1", "172.16.0.1 is a private address" },
	{ "172.20.10.5", "172.20.10.5 is a private address" },
	{ "172.31.255.254", "private" },
	{ "2886729729", "172.16.0.1 is a private address" },
	{ "[::ffff:172.20.10.5]", "172.20.10.5 is a private address" },
	/* 192.168/16 */
	{ "192.168.1.1", "192.168.1.1 is a private address" },
	{ "0xc0a80101", "192.168.1.1 is a private address" },
	{ "192.168.257", "192.168.1.1 is a private address" },
	{ "[::ffff:192.168.1.1]", "192.168.1.1 is a private address" },
	/* 100.64/10 */
	{ "100.64.0.1", "CGNAT" },
	{ "100.100.100.100", "CGNAT" },
	{ "100.127.255.254", "CGNAT" },
	{ "[::ffff:100.100.0.1]", "CGNAT" },
	/* 169.254.169.254, the metadata service, and link-local around it */
	{ "169.254.169.254", "cloud metadata" },
	{ "2852039166", "cloud metadata" },
	{ "0xa9fea9fe", "cloud metadata" },
	{ "0xa9.0xfe.0xa9.0xfe", "cloud metadata" },
	{ "0251.0376.0251.0376", "cloud metadata" },
	{ "169.254.43518", "cloud metadata" },
	{ "[::ffff:169.254.169.254]", "cloud metadata" },
	{ "[::ffff:a9fe:a9fe]", "cloud metadata" },
	{ "169.254.1.1", "link-local" },
	/* fc00::/7 */
	{ "[fc00::1]", "unique local" },
	{ "[fd00::1]", "unique local" },
	{ "[fd12:3456:789a::1]", "unique local" },
	{ "[fdff::ffff]", "unique local" },
	/* fe80::/10 */
	{ "[fe80::1]", "link-local" },
	{ "[fe80::dead:beef]", "link-local" },
	{ "[fe80::1%25eth0]", "link-local" },
	{ "[fe9f::1]", "link-local" },
	{ "[febf::1]", "link-local" },
	/* the loopback forms test_security.py sends jobs to */
	{ "127.0.0.2", "127.0.0.2 is a loopback address" },
	{ "2130706434", "127.0.0.2 is a loopback address" },
	{ "0x7f000002", "127.0.0.2 is a loopback address" },
	{ "0177.0.0.2", "127.0.0.2 is a loopback address" },
	{ "127.2", "127.0.0.2 is a loopback address" },
	{ "127.0.2", "127.0.0.2 is a loopback address" },
	{ "[::ffff:127.0.0.2]", "127.0.0.2 is a loopback address" },
	{ "[::ffff:7f00:2]", "127.0.0.2 is a loopback address" },
	{ "[::1]", "::1 is a loopback address" },
	{ "[0:0:0:0:0:0:0:1]", "::1 is a loopback address" },
	{ "::1", "::1 is a loopback address" },
};

/* The 127.0.0.1 forms the end-to-end tests' receivers use: allowed by
 * allowed_targets = 127.0.0.1/32, refused by default. */
static const char *const issue_allowed[] = {
	"127.0.0.1",
	"2130706433",
	"0x7f000001",
	"0x7f.1",
	"127.1",
	"0177.0.0.1",
	"[::ffff:127.0.0.1]",
	"[::ffff:7f00:1]",
};

static void
test_issue_hosts(void **state)
{
	struct netpolicy e2e = { 0 };
	struct cidr_addr a;
	char err[128], why[256], text[INET6_ADDRSTRLEN];
	size_t i;

	assert_int_equal(cidr_list_parse("127.0.0.1/32", &e2e.allowed, err, sizeof(err)), 0);
	for (i = 0; i < NELEM(issue_hosts); i++) {
		const struct netpolicy *np[] = { &strict, &e2e };
		size_t k;

		if (netpolicy_parse_host(issue_hosts[i].addr, &a) != 0)
			fail_msg("\"%s\" was not read as numeric", issue_hosts[i].addr);
		for (k = 0; k < NELEM(np); k++) {
			why[0] = '\0';
			if (netpolicy_check(np[k], &a, why, sizeof(why)) != 0) {
				cidr_addr_format(&a, text, sizeof(text));
				fail_msg("\"%s\" (%s) was allowed%s", issue_hosts[i].addr, text,
				    k ? " with allowed_targets = 127.0.0.1/32" : "");
			}
			if (strstr(why, issue_hosts[i].reason) == NULL)
				fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", issue_hosts[i].addr, why,
				    issue_hosts[i].reason);
		}
	}
	for (i = 0; i < NELEM(issue_allowed); i++) {
		if (netpolicy_parse_host(issue_allowed[i], &a) != 0)
			fail_msg("\"%s\" was not read as numeric", issue_allowed[i]);
		if (netpolicy_check(&e2e, &a, why, sizeof(why)) != 1)
			fail_msg("\"%s\" was refused with 127.0.0.1/32 allowed: %s", issue_allowed[i], why);
		if (netpolicy_check(&strict, &a, why, sizeof(why)) != 0)
			fail_msg("\"%s\" was allowed by default", issue_allowed[i]);
		if (strstr(why, "127.0.0.1 is a loopback address") == NULL)
			fail_msg("\"%s\": reason \"%s\"", issue_allowed[i], why);
	}
	/* names are names, whatever they look like: only a resolver (curl's,
	 * at connect time, checked there) can say where they point */
	assert_int_equal(netpolicy_parse_host("localhost", &a), -1);
	assert_int_equal(netpolicy_parse_host("127.0.0.2.nip.io", &a), -1);
	assert_int_equal(netpolicy_parse_host("0x7f000002.example", &a), -1);
	cidr_list_free(&e2e.allowed);
}

static void
test_allowed_targets(void **state)
{
	struct netpolicy np = { 0 };
	char err[128];

	assert_int_equal(cidr_list_parse("127.0.0.1/32, fd00::/8", &np.allowed, err,
	                     sizeof(err)),
	    0);
	assert_allowed(&np, "127.0.0.1");
	assert_allowed(&np, "::ffff:127.0.0.1");
	assert_refused(&np, "127.0.0.2", "127.0.0.2 is a loopback address");
	assert_refused(&np, "10.0.0.1", "private");
	assert_allowed(&np, "fd00::1");
	assert_refused(&np, "fc00::1", "unique local");
	assert_allowed(&np, "8.8.8.8");
	/* Matched on the address connected to, not an embedded one. */
	assert_refused(&np, "64:ff9b::7f00:1", "embeds 127.0.0.1");
	cidr_list_free(&np.allowed);

	/* allowed_targets wins over every class. */
	assert_int_equal(cidr_list_parse("0.0.0.0/0, ::/0", &np.allowed, err,
	                     sizeof(err)),
	    0);
	{
		size_t i;

		for (i = 0; i < NELEM(refused_v4); i++)
			assert_allowed(&np, refused_v4[i].addr);
		for (i = 0; i < NELEM(refused_v6); i++)
			assert_allowed(&np, refused_v6[i].addr);
		for (i = 0; i < NELEM(refused_embedded); i++)
			assert_allowed(&np, refused_embedded[i].addr);
	}
	cidr_list_free(&np.allowed);
}

static void
test_allow_private(void **state)
{
	struct netpolicy np = { 0 };
	size_t i;

	np.allow_private = 1;
	for (i = 0; i < NELEM(refused_v4); i++)
		assert_allowed(&np, refused_v4[i].addr);
	for (i = 0; i < NELEM(refused_v6); i++)
		assert_allowed(&np, refused_v6[i].addr);
	for (i = 0; i < NELEM(refused_embedded); i++)
		assert_allowed(&np, refused_embedded[i].addr);
	assert_allowed(&np, "8.8.8.8");
}

static void
test_sockaddr(void **state)
{
	struct sockaddr_in sin = { 0 };
	struct sockaddr_in6 sin6 = { 0 };
	struct sockaddr_un sun = { 0 };
	char why[256] = "";

	sin.sin_family = AF_INET;
	sin.sin_port = htons(80);
	inet_pton(AF_INET, "10.0.0.1", &sin.sin_addr);
	assert_int_equal(netpolicy_check_sockaddr(&strict, (struct sockaddr *)&sin, why,
	                     sizeof(why)),
	    0);
	assert_string_equal(why, "10.0.0.1 is a private address");
	inet_pton(AF_INET, "1.1.1.1", &sin.sin_addr);
	assert_int_equal(netpolicy_check_sockaddr(&strict, (struct sockaddr *)&sin, why,
	                     sizeof(why)),
	    1);

	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:169.254.169.254", &sin6.sin6_addr);
	assert_int_equal(netpolicy_check_sockaddr(&strict, (struct sockaddr *)&sin6, why,
	                     sizeof(why)),
	    0);
	assert_non_null(strstr(why, "169.254.169.254"));
	inet_pton(AF_INET6, "::1", &sin6.sin6_addr);
	assert_int_equal(netpolicy_check_sockaddr(&strict, (struct sockaddr *)&sin6, why,
	                     sizeof(why)),
	    0);
	assert_string_equal(why, "::1 is a loopback address");
	inet_pton(AF_INET6, "2606:4700::1111", &sin6.sin6_addr);
	assert_int_equal(netpolicy_check_sockaddr(&strict, (struct sockaddr *)&sin6, why,
	                     sizeof(why)),
	    1);

	/* Not an IP socket: refused, even with allow_private. */
	sun.sun_family = AF_UNIX;
	assert_int_equal(netpolicy_check_sockaddr(&strict, (struct sockaddr *)&sun, why,
	                     sizeof(why)),
	    0);
	assert_non_null(strstr(why, "family"));
}

/* A reason longer than WHY is cut, and stays terminated. */
static void
test_short_why(void **state)
{
	struct cidr_addr a = addr("10.0.0.1");
	char why[8];

	memset(why, 'x', sizeof(why));
	assert_int_equal(netpolicy_check(&strict, &a, why, sizeof(why)), 0);
	assert_string_equal(why, "10.0.0.");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_classes),
		cmocka_unit_test(test_v6_classes),
		cmocka_unit_test(test_v6_embedded),
		cmocka_unit_test(test_parse_host_numeric),
		cmocka_unit_test(test_parse_host_names),
		cmocka_unit_test(test_parse_then_check),
		cmocka_unit_test(test_issue_hosts),
		cmocka_unit_test(test_allowed_targets),
		cmocka_unit_test(test_allow_private),
		cmocka_unit_test(test_sockaddr),
		cmocka_unit_test(test_short_why),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
