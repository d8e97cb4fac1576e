/*
 * Unit tests of cidr.c: addresses of both families, IPv4-mapped IPv6,
 * prefixes from /0 to /128 (odd ones too), lists, their errors, and the
 * text form of an address.
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
#include <sys/socket.h>
#include <sys/un.h>

#include "util/cidr.h"

static struct cidr_addr
addr(const char *s)
{
	struct cidr_addr a;

	if (cidr_addr_parse(s, &a) != 0)
		fail_msg("\"%s\" refused", s);
	return a;
}

/* Whether the address S is in the list LIST (which must parse). */
static int
in(const char *list, const char *s)
{
	struct cidr_list l;
	struct cidr_addr a = addr(s);
	char err[200];
	int r;

	if (cidr_list_parse(list, &l, err, sizeof(err)) != 0)
		fail_msg("\"%s\" refused: %s", list, err);
	r = cidr_list_match(&l, &a);
	cidr_list_free(&l);
	return r;
}

#define IN(list, s) \
	do { \
		if (!in(list, s)) \
			fail_msg("%s should be in %s", s, list); \
	} while (0)
#define OUT(list, s) \
	do { \
		if (in(list, s)) \
			fail_msg("%s should not be in %s", s, list); \
	} while (0)

static void
test_parse_ipv4(void **state)
{
	static const uint8_t want[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 33 };
	static const char *bad[] = {
		"",
		"1.2.3",
		"1.2.3.4.5",
		"256.1.1.1",
		"1.2.3.4/8",
		"01.2.3.4",
		"0x7f.0.0.1",
		"1.2.3.4 ",
		" 1.2.3.4",
		"example.com",
		"1.2.3.-4",
		"127.1",
	};
	struct cidr_addr a;
	size_t i;

	(void)state;
	a = addr("192.0.2.33");
	assert_memory_equal(a.b, want, 16);
	assert_true(cidr_addr_is_v4(&a));
	a = addr("0.0.0.0");
	assert_true(cidr_addr_is_v4(&a));
	a = addr("255.255.255.255");
	assert_int_equal(a.b[15], 255);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cidr_addr_parse(bad[i], &a) != -1)
			fail_msg("\"%s\" accepted", bad[i]);
}

static void
test_parse_ipv6(void **state)
{
	static const uint8_t loop[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t doc[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0xcd };
	static const char *bad[] = {
		"::1::",
		"2001:db8::g",
		"[::1]",
		"::1/128",
		"1:2:3:4:5:6:7:8:9",
		"fe80::1%eth0",
		":",
	};
	struct cidr_addr a;
	size_t i;

	(void)state;
	a = addr("::1");
	assert_memory_equal(a.b, loop, 16);
	assert_false(cidr_addr_is_v4(&a));
	a = addr("2001:DB8::ABCD");
	assert_memory_equal(a.b, doc, 16);
	a = addr("2001:0db8:0000:0000:0000:0000:0000:abcd");
	assert_memory_equal(a.b, doc, 16);
	a = addr("::");
	assert_false(cidr_addr_is_v4(&a));
	/* a mapped address is the IPv4 address */
	a = addr("::ffff:10.0.0.1");
	assert_true(cidr_addr_is_v4(&a));
	assert_memory_equal(a.b + 12, "\x0a\x00\x00\x01", 4);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cidr_addr_parse(bad[i], &a) != -1)
			fail_msg("\"%s\" accepted", bad[i]);
}

static void
test_from_sockaddr(void **state)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr_un sun;
	struct cidr_addr a, b;

	(void)state;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "10.1.2.3", &sin.sin_addr);
	assert_int_equal(cidr_addr_from_sockaddr((struct sockaddr *)&sin, &a), 0);
	b = addr("10.1.2.3");
	assert_memory_equal(a.b, b.b, 16);

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:10.1.2.3", &sin6.sin6_addr);
	assert_int_equal(cidr_addr_from_sockaddr((struct sockaddr *)&sin6, &a), 0);
	assert_memory_equal(a.b, b.b, 16);
	inet_pton(AF_INET6, "2001:db8::1", &sin6.sin6_addr);
	assert_int_equal(cidr_addr_from_sockaddr((struct sockaddr *)&sin6, &a), 0);
	b = addr("2001:db8::1");
	assert_memory_equal(a.b, b.b, 16);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_int_equal(cidr_addr_from_sockaddr((struct sockaddr *)&sun, &a), -1);
}

static void
test_match_ipv4(void **state)
{
	(void)state;
	IN("10.0.0.0/8", "10.0.0.1");
	IN("10.0.0.0/8", "10.255.255.255");
	OUT("10.0.0.0/8", "11.0.0.0");
	OUT("10.0.0.0/8", "9.255.255.255");
	/* host bits in the range are ignored */
	IN("10.1.2.3/8", "10.200.0.1");
	/* /32 and no prefix: one address */
	IN("192.0.2.1/32", "192.0.2.1");
	OUT("192.0.2.1/32", "192.0.2.0");
	OUT("192.0.2.1/32", "192.0.2.2");
	IN("192.0.2.1", "192.0.2.1");
	OUT("192.0.2.1", "192.0.2.3");
	/* /0: every IPv4 address, no IPv6 one */
	IN("0.0.0.0/0", "1.2.3.4");
	IN("0.0.0.0/0", "255.255.255.255");
	OUT("0.0.0.0/0", "2001:db8::1");
	/* IPv4 ranges do not match IPv6 addresses that share bytes */
	OUT("10.0.0.0/8", "::a00:1");
}

static void
test_match_odd_prefixes(void **state)
{
	(void)state;
	/* /12: 172.16.0.0 - 172.31.255.255 */
	IN("172.16.0.0/12", "172.16.0.0");
	IN("172.16.0.0/12", "172.31.255.255");
	OUT("172.16.0.0/12", "172.32.0.0");
	OUT("172.16.0.0/12", "172.15.255.255");
	/* /10: 100.64.0.0 - 100.127.255.255 (CGNAT) */
	IN("100.64.0.0/10", "100.64.0.1");
	IN("100.64.0.0/10", "100.127.255.255");
	OUT("100.64.0.0/10", "100.128.0.0");
	OUT("100.64.0.0/10", "100.63.255.255");
	/* /31, /1, /25 */
	IN("192.0.2.6/31", "192.0.2.7");
	OUT("192.0.2.6/31", "192.0.2.8");
	IN("128.0.0.0/1", "200.1.1.1");
	OUT("128.0.0.0/1", "127.255.255.255");
	IN("192.0.2.128/25", "192.0.2.200");
	OUT("192.0.2.128/25", "192.0.2.127");
	/* IPv6: /10 link-local, /7 unique local, /65 */
	IN("fe80::/10", "febf:ffff::1");
	OUT("fe80::/10", "fec0::1");
	IN("fc00::/7", "fdff::1");
	OUT("fc00::/7", "fe00::1");
	IN("2001:db8::/65", "2001:db8::7fff:ffff:ffff:ffff");
	OUT("2001:db8::/65", "2001:db8::8000:0:0:0");
}

static void
test_match_ipv6(void **state)
{
	(void)state;
	IN("2001:db8::/32", "2001:db8:ffff::1");
	OUT("2001:db8::/32", "2001:db9::1");
	IN("::1/128", "::1");
	OUT("::1/128", "::2");
	IN("::1", "::1");
	OUT("::1", "::");
	/* ::/0 matches everything, IPv4 included */
	IN("::/0", "2001:db8::1");
	IN("::/0", "10.0.0.1");
	OUT("2001:db8::/32", "10.0.0.1");
}

static void
test_mapped_addresses(void **state)
{
	(void)state;
	/* an IPv4 client that reaches a dual-stack socket shows up mapped */
	IN("10.0.0.0/8", "::ffff:10.0.0.1");
	OUT("10.0.0.0/8", "::ffff:11.0.0.1");
	IN("127.0.0.1/32", "::ffff:127.0.0.1");
	IN("169.254.169.254", "::ffff:169.254.169.254");
	/* and a mapped range is the IPv4 range */
	IN("::ffff:10.0.0.0/104", "10.9.9.9");
	OUT("::ffff:10.0.0.0/104", "11.9.9.9");
	IN("::ffff:0.0.0.0/96", "8.8.8.8");
	OUT("::ffff:0.0.0.0/96", "2001:db8::1");
}

static void
test_list_parse(void **state)
{
	struct cidr_list l;
	char err[200];

	(void)state;
	assert_int_equal(cidr_list_parse("", &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 0);
	assert_false(cidr_list_match(&l, &(struct cidr_addr){ .b = { 0 } }));
	cidr_list_free(&l);
	assert_int_equal(cidr_list_parse(" , ,, ", &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 0);
	cidr_list_free(&l);
	assert_int_equal(cidr_list_parse("  10.0.0.0/8 ,, ::1/128,\t192.168.1.5 , ", &l, err,
	                     sizeof(err)),
	    0);
	assert_int_equal(l.n, 3);
	cidr_list_free(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.v);

	IN("10.0.0.0/8, 192.168.0.0/16 ,::1", "192.168.7.7");
	IN("10.0.0.0/8, 192.168.0.0/16 ,::1", "::1");
	OUT("10.0.0.0/8, 192.168.0.0/16 ,::1", "172.16.0.1");
	OUT("10.0.0.0/8, 192.168.0.0/16 ,::1", "::2");
}

static void
test_list_errors(void **state)
{
	static const struct {
		const char *list;
		const char *entry;
	} bad[] = {
		{ "10.0.0.0/8, 300.1.1.1", "300.1.1.1" },
		{ "10.0.0.0/33", "10.0.0.0/33" },
		{ "::/129", "::/129" },
		{ "10.0.0.0/", "10.0.0.0/" },
		{ "10.0.0.0/-1", "10.0.0.0/-1" },
		{ "10.0.0.0/+8", "10.0.0.0/+8" },
		{ "10.0.0.0/8x", "10.0.0.0/8x" },
		{ "10.0.0.0/ 8", "10.0.0.0/ 8" },
		{ "/8", "/8" },
		{ "example.com", "example.com" },
		{ "10.0.0.0 /8", "10.0.0.0 /8" },
		{ "1.2.3.4 5.6.7.8", "1.2.3.4 5.6.7.8" },
		{ "::1, [::2]", "[::2]" },
		{ "10.0.0.0/8; 11.0.0.0/8", "10.0.0.0/8; 11.0.0.0/8" },
	};
	struct cidr_list l;
	char err[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(err, 0, sizeof(err));
		if (cidr_list_parse(bad[i].list, &l, err, sizeof(err)) != -1)
			fail_msg("\"%s\" accepted", bad[i].list);
		assert_int_equal(l.n, 0);
		assert_null(l.v);
		if (strstr(err, bad[i].entry) == NULL)
			fail_msg("\"%s\": the message \"%s\" does not name \"%s\"", bad[i].list, err,
			    bad[i].entry);
	}
	/* an entry too long for a message is cut, the message still ends */
	{
		char list[400];

		memset(list, 'x', sizeof(list) - 1);
		list[sizeof(list) - 1] = '\0';
		assert_int_equal(cidr_list_parse(list, &l, err, sizeof(err)), -1);
		assert_true(strlen(err) < sizeof(err));
		assert_non_null(strstr(err, "xxxxxxxx"));
	}
}

static void
test_format(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{ "10.0.0.1", "10.0.0.1" },
		{ "0.0.0.0", "0.0.0.0" },
		{ "255.255.255.255", "255.255.255.255" },
		{ "192.168.100.9", "192.168.100.9" },
		{ "1.20.3.45", "1.20.3.45" },
		{ "::ffff:10.0.0.1", "10.0.0.1" },
		{ "::1", "::1" },
		{ "::", "::" },
		{ "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1" },
		{ "fe80::1:2", "fe80::1:2" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	};
	char buf[INET6_ADDRSTRLEN];
	struct cidr_addr a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a = addr(cases[i].in);
		memset(buf, 'x', sizeof(buf));
		cidr_addr_format(&a, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ipv4),
		cmocka_unit_test(test_parse_ipv6),
		cmocka_unit_test(test_from_sockaddr),
		cmocka_unit_test(test_match_ipv4),
		cmocka_unit_test(test_match_odd_prefixes),
		cmocka_unit_test(test_match_ipv6),
		cmocka_unit_test(test_mapped_addresses),
		cmocka_unit_test(test_list_parse),
		cmocka_unit_test(test_list_errors),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
