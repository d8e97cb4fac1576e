/*
 * Unit tests of token.c: the shape and spread of generated tokens, the
 * SHA-256 digest, and what counts as a well-formed token.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/token.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static int
in_alphabet(char c)
{
	return c != '\0' && strchr(alphabet, c) != NULL;
}

static void
test_generate_shape(void **state)
{
	char t[TOKEN_LEN + 1], u[TOKEN_LEN + 1];
	size_t i;

	(void)state;
	assert_int_equal(TOKEN_LEN, 32);
	memset(t, '!', sizeof(t));
	assert_int_equal(token_generate(t), 0);
	assert_int_equal(strlen(t), 32);
	for (i = 0; i < TOKEN_LEN; i++)
		if (!in_alphabet(t[i]))
			fail_msg("character %zu of \"%s\" is not [A-Za-z0-9]", i, t);
	assert_true(token_well_formed(t, strlen(t)));

	assert_int_equal(token_generate(u), 0);
	assert_int_equal(strlen(u), 32);
	assert_string_not_equal(t, u);
}

static void
test_generate_distribution(void **state)
{
	enum { N = 1000,
		K = 62 };
	unsigned long count[K] = { 0 }, total = 0;
	double expected, chi2 = 0;
	char t[TOKEN_LEN + 1];
	size_t i, j;

	(void)state;
	for (i = 0; i < N; i++) {
		assert_int_equal(token_generate(t), 0);
		for (j = 0; j < TOKEN_LEN; j++) {
			const char *p = strchr(alphabet, t[j]);

			assert_non_null(p);
			count[p - alphabet]++;
			total++;
		}
	}
	assert_int_equal(total, N * TOKEN_LEN);
	expected = (double)total / K; /* about 516 */
	for (i = 0; i < K; i++) {
		double d = (double)count[i] - expected;

		chi2 += d * d / expected;
		/* every character turns up; none is far from its share */
		if (count[i] < expected / 2 || count[i] > expected * 1.5)
			fail_msg("'%c' appeared %lu times, expected about %.0f", alphabet[i],
			    count[i], expected);
	}
	/* 61 degrees of freedom: the mean is 61 and P(chi2 > 150) is about
	 * 2e-9, so this does not flake; plain byte % 62 (which favours 8
	 * characters by 5/4) gives about 270 here. */
	if (chi2 > 150)
		fail_msg("chi-square %.1f over 61 degrees of freedom", chi2);
}

static void
test_digest_vectors(void **state)
{
	/* FIPS 180-2 test vectors */
	static const uint8_t abc[TOKEN_DIGEST] = {
		0xba,
		0x78,
		0x16,
		0xbf,
		0x8f,
		0x01,
		0xcf,
		0xea,
		0x41,
		0x41,
		0x40,
		0xde,
		0x5d,
		0xae,
		0x22,
		0x23,
		0xb0,
		0x03,
		0x61,
		0xa3,
		0x96,
		0x17,
		0x7a,
		0x9c,
		0xb4,
		0x10,
		0xff,
		0x61,
		0xf2,
		0x00,
		0x15,
		0xad,
	};
	static const uint8_t empty[TOKEN_DIGEST] = {
		0xe3,
		0xb0,
		0xc4,
		0x42,
		0x98,
		0xfc,
		0x1c,
		0x14,
		0x9a,
		0xfb,
		0xf4,
		0xc8,
		0x99,
		0x6f,
		0xb9,
		0x24,
		0x27,
		0xae,
		0x41,
		0xe4,
		0x64,
		0x9b,
		0x93,
		0x4c,
		0xa4,
		0x95,
		0x99,
		0x1b,
		0x78,
		0x52,
		0xb8,
		0x55,
	};
	uint8_t d[TOKEN_DIGEST], e[TOKEN_DIGEST];

	(void)state;
	assert_int_equal(TOKEN_DIGEST, 32);
	token_digest("abc", 3, d);
	assert_memory_equal(d, abc, TOKEN_DIGEST);
	/* only LEN bytes count */
	token_digest("abcdef", 3, d);
	assert_memory_equal(d, abc, TOKEN_DIGEST);
	token_digest("", 0, d);
	assert_memory_equal(d, empty, TOKEN_DIGEST);
	/* different tokens, different digests */
	token_digest("abd", 3, e);
	assert_memory_not_equal(d, e, TOKEN_DIGEST);
}

static void
test_well_formed(void **state)
{
	static const char *good[] = {
		"abcdefghijklmnopqrstuvwxyzABCDEF",
		"GHIJKLMNOPQRSTUVWXYZ0123456789ab",
		"00000000000000000000000000000000",
		"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzZ",
	};
	static const char *bad[] = {
		"",
		"abc",
		"abcdefghijklmnopqrstuvwxyzABCDE",   /* 31 */
		"abcdefghijklmnopqrstuvwxyzABCDEFG", /* 33 */
		"abcdefghijklmnopqrstuvwxyzABCDE-",
		"abcdefghijklmnopqrstuvwxyzABCDE_",
		"abcdefghijklmnopqrstuvwxyzABCDE ",
		" bcdefghijklmnopqrstuvwxyzABCDEF",
		"abcdefghijklmnopqrstuvwxyzABCD\xc3\xa9", /* 32 bytes, one of them é */
		"abcdefghijklmnop+rstuvwxyzABCDEF",
		"abcdefghijklmnop/rstuvwxyzABCDEF",
		"abcdefghijklmnop=rstuvwxyzABCDEF",
	};
	char nul[TOKEN_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!token_well_formed(good[i], strlen(good[i])))
			fail_msg("\"%s\" refused", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (token_well_formed(bad[i], strlen(bad[i])))
			fail_msg("\"%s\" accepted", bad[i]);
	/* a NUL inside the 32 bytes */
	memcpy(nul, good[0], TOKEN_LEN);
	nul[10] = '\0';
	assert_false(token_well_formed(nul, TOKEN_LEN));
	/* the length given is what counts */
	assert_false(token_well_formed(good[0], 31));
	assert_true(token_well_formed("abcdefghijklmnopqrstuvwxyzABCDEFxyz", 32));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate_shape),
		cmocka_unit_test(test_generate_distribution),
		cmocka_unit_test(test_digest_vectors),
		cmocka_unit_test(test_well_formed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
