/*
 * Unit tests of ratelimit.c with an injected clock: bursts, refill, peek,
 * independent keys, forget and sweep, growth of the table, the fail-closed
 * limit on the number of buckets, and deletion in the probe chains.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/ratelimit.h"

#define T0 1000.0 /* a monotonic clock does not start at 0 */

/* Takes one request for the string KEY at rate 10/s, burst 10. */
static int
take10(struct ratelimit *rl, const char *key, double now, double *wait)
{
	return ratelimit_take(rl, key, strlen(key), 10, 10, now, wait);
}

/* Takes requests for KEY at NOW until one is refused; returns how many
 * were allowed (at most LIMIT). */
static int
drain(struct ratelimit *rl, const char *key, double rate, double burst, double now, int limit)
{
	double wait;
	int n = 0;

	while (n < limit && ratelimit_take(rl, key, strlen(key), rate, burst, now, &wait))
		n++;
	return n;
}

static void
test_burst_then_refused(void **state)
{
	struct ratelimit *rl = ratelimit_new(1000);
	double wait = -1;
	int i;

	(void)state;
	for (i = 0; i < 10; i++) {
		if (!take10(rl, "acct", T0, &wait))
			fail_msg("request %d of the burst refused", i + 1);
		assert_true(wait == 0);
	}
	assert_int_equal(take10(rl, "acct", T0, &wait), 0);
	assert_true(fabs(wait - 0.1) < 1e-9); /* 1 / rate */
	/* still refused, and still the same wait, at the same instant */
	assert_int_equal(take10(rl, "acct", T0, &wait), 0);
	assert_true(fabs(wait - 0.1) < 1e-9);
	assert_int_equal(ratelimit_count(rl), 1);

	/* another rate: 2/s with a burst of 3 */
	assert_int_equal(drain(rl, "slow", 2, 3, T0, 100), 3);
	assert_int_equal(ratelimit_take(rl, "slow", 4, 2, 3, T0, &wait), 0);
	assert_true(fabs(wait - 0.5) < 1e-9);
	ratelimit_free(rl);
}

static void
test_refill(void **state)
{
	struct ratelimit *rl = ratelimit_new(1000);
	double wait;

	(void)state;
	assert_int_equal(drain(rl, "k", 10, 10, T0, 100), 10);
	/* half a second at 10/s is 5 more */
	assert_int_equal(drain(rl, "k", 10, 10, T0 + 0.5, 100), 5);
	/* a part of a token makes the wait shorter */
	assert_int_equal(take10(rl, "k", T0 + 0.55, &wait), 0);
	assert_true(fabs(wait - 0.05) < 1e-6);
	assert_int_equal(take10(rl, "k", T0 + 0.6, &wait), 1);
	/* a long pause refills only up to the burst */
	assert_int_equal(drain(rl, "k", 10, 10, T0 + 3600, 100), 10);
	/* a clock that goes back does not add tokens */
	assert_int_equal(take10(rl, "k", T0, &wait), 0);
	ratelimit_free(rl);
}

static void
test_peek_does_not_consume(void **state)
{
	struct ratelimit *rl = ratelimit_new(1000);
	double wait = -1;
	int i;

	(void)state;
	/* a key never seen: allowed, and nothing is created */
	assert_int_equal(ratelimit_peek(rl, "new", 3, 10, 10, T0, &wait), 1);
	assert_true(wait == 0);
	assert_int_equal(ratelimit_count(rl), 0);

	assert_int_equal(drain(rl, "k", 10, 10, T0, 9), 9);
	for (i = 0; i < 100; i++)
		assert_int_equal(ratelimit_peek(rl, "k", 1, 10, 10, T0, &wait), 1);
	assert_int_equal(take10(rl, "k", T0, &wait), 1); /* the tenth */
	assert_int_equal(ratelimit_peek(rl, "k", 1, 10, 10, T0, &wait), 0);
	assert_true(fabs(wait - 0.1) < 1e-9);
	assert_int_equal(take10(rl, "k", T0, &wait), 0);
	ratelimit_free(rl);
}

static void
test_keys_independent(void **state)
{
	struct ratelimit *rl = ratelimit_new(1000);
	uint8_t a[17] = { 'A' }, b[17] = { 'A' };
	double wait;

	(void)state;
	assert_int_equal(drain(rl, "alice", 10, 10, T0, 100), 10);
	assert_int_equal(drain(rl, "bob", 10, 10, T0, 100), 10);
	assert_int_equal(take10(rl, "alice", T0, &wait), 0);
	/* a key that is a prefix of another is another key */
	assert_int_equal(drain(rl, "ali", 10, 10, T0, 100), 10);
	assert_int_equal(drain(rl, "alice2", 10, 10, T0, 100), 10);
	/* binary keys with NUL bytes, differing only in the last byte */
	b[16] = 1;
	assert_int_equal(ratelimit_take(rl, a, sizeof(a), 1, 1, T0, &wait), 1);
	assert_int_equal(ratelimit_take(rl, a, sizeof(a), 1, 1, T0, &wait), 0);
	assert_int_equal(ratelimit_take(rl, b, sizeof(b), 1, 1, T0, &wait), 1);
	/* the longest key */
	{
		char k[RATELIMIT_KEY_MAX];

		memset(k, 'x', sizeof(k));
		assert_int_equal(ratelimit_take(rl, k, sizeof(k), 1, 1, T0, &wait), 1);
		assert_int_equal(ratelimit_take(rl, k, sizeof(k), 1, 1, T0, &wait), 0);
		assert_int_equal(ratelimit_take(rl, k, sizeof(k) - 1, 1, 1, T0, &wait), 1);
	}
	assert_int_equal(ratelimit_count(rl), 8);
	ratelimit_free(rl);
}

static void
test_forget(void **state)
{
	struct ratelimit *rl = ratelimit_new(1000);
	double wait;

	(void)state;
	assert_int_equal(drain(rl, "k", 10, 10, T0, 100), 10);
	assert_int_equal(drain(rl, "other", 10, 10, T0, 3), 3);
	ratelimit_forget(rl, "k", 1);
	assert_int_equal(ratelimit_count(rl), 1);
	/* a fresh bucket: the whole burst again */
	assert_int_equal(drain(rl, "k", 10, 10, T0, 100), 10);
	/* the other key kept its state */
	assert_int_equal(drain(rl, "other", 10, 10, T0, 100), 7);
	/* forgetting a key never seen is harmless */
	ratelimit_forget(rl, "nobody", 6);
	assert_int_equal(ratelimit_count(rl), 2);
	(void)wait;
	ratelimit_free(rl);
}

static void
test_sweep(void **state)
{
	struct ratelimit *rl = ratelimit_new(1000);
	double wait;

	(void)state;
	assert_int_equal(take10(rl, "one", T0, &wait), 1);       /* 9 left */
	assert_int_equal(drain(rl, "all", 10, 10, T0, 100), 10); /* 0 left */
	assert_int_equal(drain(rl, "slow", 1, 10, T0, 100), 10); /* 0 left, 1/s */
	assert_int_equal(ratelimit_count(rl), 3);
	/* nothing is full yet */
	assert_int_equal(ratelimit_sweep(rl, T0), 3);
	/* after 0.1 s "one" is full again, the others are not */
	assert_int_equal(ratelimit_sweep(rl, T0 + 0.1), 2);
	/* "all" is full after 1 s, "slow" after 10 s */
	assert_int_equal(ratelimit_sweep(rl, T0 + 1.0), 1);
	/* the kept bucket kept its state: 5 s at 1/s is 5 requests */
	assert_int_equal(drain(rl, "slow", 1, 10, T0 + 5, 100), 5);
	assert_int_equal(ratelimit_sweep(rl, T0 + 100), 0);
	assert_int_equal(ratelimit_count(rl), 0);
	ratelimit_free(rl);
}

static void
test_growth_keeps_every_bucket(void **state)
{
	struct ratelimit *rl = ratelimit_new(100000);
	char key[RATELIMIT_KEY_MAX];
	double wait;
	int i, n;

	(void)state;
	/* even keys are drained, odd keys used once (burst 3) */
	for (i = 0; i < 10000; i++) {
		n = snprintf(key, sizeof(key), "key-%d", i);
		if (i % 2 == 0) {
			assert_int_equal(drain(rl, key, 1, 3, T0, 10), 3);
		} else
			assert_int_equal(ratelimit_take(rl, key, (size_t)n, 1, 3, T0, &wait), 1);
	}
	assert_int_equal(ratelimit_count(rl), 10000);
	for (i = 0; i < 10000; i++) {
		n = snprintf(key, sizeof(key), "key-%d", i);
		if (ratelimit_peek(rl, key, (size_t)n, 1, 3, T0, &wait) != (i % 2))
			fail_msg("%s forgot its state after the table grew", key);
	}
	/* the odd keys have exactly 2 left */
	for (i = 1; i < 10000; i += 2) {
		snprintf(key, sizeof(key), "key-%d", i);
		assert_int_equal(drain(rl, key, 1, 3, T0, 10), 2);
	}
	assert_int_equal(ratelimit_count(rl), 10000);
	ratelimit_free(rl);
}

/* With the table at its limit and every bucket in use, a new key is
 * refused; an old key still works. */
static void
check_fail_closed(size_t max)
{
	struct ratelimit *rl = ratelimit_new(max);
	char key[RATELIMIT_KEY_MAX];
	double wait = 0;
	size_t i;

	for (i = 0; i < max; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		if (drain(rl, key, 1, 2, T0, 10) != 2)
			fail_msg("max_buckets %zu: key %zu refused", max, i);
	}
	assert_int_equal(ratelimit_count(rl), max);
	if (ratelimit_take(rl, "newcomer", 8, 1, 2, T0, &wait) != 0)
		fail_msg("max_buckets %zu: a new key was allowed with %zu buckets in use", max,
		    ratelimit_count(rl));
	assert_true(wait >= 1);
	assert_true(ratelimit_count(rl) <= max);
	/* the refusal did not throw anyone out */
	assert_int_equal(ratelimit_take(rl, "k0", 2, 1, 2, T0, &wait), 0);
	assert_int_equal(ratelimit_take(rl, "k0", 2, 1, 2, T0 + 1, &wait), 1);
	/* once buckets fill up again, they make room */
	assert_int_equal(ratelimit_take(rl, "newcomer", 8, 1, 2, T0 + 10, &wait), 1);
	ratelimit_free(rl);
}

static void
test_fail_closed(void **state)
{
	(void)state;
	check_fail_closed(32);
	check_fail_closed(64);
}

static void
test_fail_closed_small_limits(void **state)
{
	(void)state;
	/* "a table of at most MAX_BUCKETS buckets", whatever the number */
	check_fail_closed(4);
	check_fail_closed(100);
}

static void
test_forget_keeps_others_findable(void **state)
{
	struct ratelimit *rl = ratelimit_new(100000);
	char key[32]; /* the keys are shorter than RATELIMIT_KEY_MAX */
	double wait;
	int i, round;

	(void)state;
	for (round = 0; round < 3; round++) {
		/* 600 keys in a table that starts with 64 slots: long chains */
		for (i = 0; i < 600; i++) {
			snprintf(key, sizeof(key), "r%d-%d", round, i);
			assert_int_equal(drain(rl, key, 1, 1, T0, 5), 1);
		}
		for (i = round % 2; i < 600; i += 2) {
			snprintf(key, sizeof(key), "r%d-%d", round, i);
			ratelimit_forget(rl, key, strlen(key));
		}
		assert_int_equal(ratelimit_count(rl), 300 * (round + 1));
		for (i = 0; i < 600; i++) {
			int forgotten = i % 2 == round % 2;

			snprintf(key, sizeof(key), "r%d-%d", round, i);
			/* a forgotten key starts full; a kept one is still empty */
			if (ratelimit_peek(rl, key, strlen(key), 1, 1, T0, &wait) != forgotten)
				fail_msg("round %d: %s %s", round, key,
				    forgotten ? "was not forgotten" : "was lost");
		}
	}
	/* forget in an order unlike insertion: every key of round 0 that is left */
	for (i = 599; i >= 0; i--) {
		snprintf(key, sizeof(key), "r0-%d", i);
		ratelimit_forget(rl, key, strlen(key));
	}
	assert_int_equal(ratelimit_count(rl), 600);
	for (i = 0; i < 600; i++) {
		snprintf(key, sizeof(key), "r1-%d", i);
		assert_int_equal(ratelimit_peek(rl, key, strlen(key), 1, 1, T0, &wait), i % 2 == 1);
		snprintf(key, sizeof(key), "r2-%d", i);
		assert_int_equal(ratelimit_peek(rl, key, strlen(key), 1, 1, T0, &wait), i % 2 == 0);
	}
	ratelimit_free(rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_refused),
		cmocka_unit_test(test_refill),
		cmocka_unit_test(test_peek_does_not_consume),
		cmocka_unit_test(test_keys_independent),
		cmocka_unit_test(test_forget),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_growth_keeps_every_bucket),
		cmocka_unit_test(test_fail_closed),
		cmocka_unit_test(test_fail_closed_small_limits),
		cmocka_unit_test(test_forget_keeps_others_findable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
