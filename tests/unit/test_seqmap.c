/*
 * test_seqmap: the map of ids that mostly come in rising order: appends,
 * ids that come below the last (kept beside), holes refilled by the same
 * id, the squeeze of holes, and that every entry is found and visited once
 * through all of it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "util/seqmap.h"

#define V(i) ((void *)(uintptr_t)(i))

static void
test_rising_and_below(void **state)
{
	struct seqmap *m = seqmap_new();

	(void)state;
	assert_null(seqmap_get(m, 1));
	assert_null(seqmap_del(m, 1));
	assert_null(seqmap_add(m, 10, V(10)));
	assert_null(seqmap_add(m, 20, V(20)));
	assert_ptr_equal(seqmap_add(m, 20, V(99)), V(20)); /* there already */
	/* below the last, never there: kept beside */
	assert_null(seqmap_add(m, 15, V(15)));
	assert_null(seqmap_add(m, 5, V(5)));
	assert_ptr_equal(seqmap_add(m, 15, V(99)), V(15));
	assert_ptr_equal(seqmap_get(m, 5), V(5));
	assert_ptr_equal(seqmap_get(m, 15), V(15));
	assert_null(seqmap_get(m, 16));
	assert_int_equal(seqmap_count(m), 4);
	/* a deletion leaves a hole the same id fills; put replaces */
	assert_ptr_equal(seqmap_del(m, 10), V(10));
	assert_null(seqmap_get(m, 10));
	assert_null(seqmap_del(m, 10));
	assert_int_equal(seqmap_count(m), 3);
	assert_null(seqmap_add(m, 10, V(11)));
	assert_ptr_equal(seqmap_get(m, 10), V(11));
	seqmap_put(m, 15, V(16));
	seqmap_put(m, 20, V(21));
	seqmap_put(m, 30, V(30));
	assert_ptr_equal(seqmap_get(m, 15), V(16));
	assert_ptr_equal(seqmap_get(m, 20), V(21));
	assert_ptr_equal(seqmap_del(m, 5), V(5));
	assert_int_equal(seqmap_count(m), 4);
	seqmap_free(m);
}

static void
sum(uint64_t id, void *value, void *arg)
{
	uint64_t *s = arg;

	s[0] += id;
	s[1] += (uint64_t)(uintptr_t)value;
	s[2]++;
}

/* Many ids, most rising, every fourth below the last; three in four
 * deleted (the holes squeezed out on the way); then the rest found, the
 * deleted ones not, those re-added found again, and each visited once. */
static void
test_many_squeezed(void **state)
{
	struct seqmap *m = seqmap_new();
	const uint64_t n = 20000;
	uint64_t i, want[3] = { 0, 0, 0 }, got[3] = { 0, 0, 0 };

	(void)state;
	seqmap_reserve(m, n);
	for (i = 1; i <= n; i++)
		if (i % 4)
			assert_null(seqmap_add(m, i * 2, V(i)));
	for (i = 4; i <= n; i += 4) /* below the last: beside */
		assert_null(seqmap_add(m, i * 2, V(i)));
	assert_int_equal(seqmap_count(m), n);
	for (i = 1; i <= n; i++)
		if (i % 4 != 1)
			assert_ptr_equal(seqmap_del(m, i * 2), V(i));
	assert_int_equal(seqmap_count(m), n / 4);
	for (i = 1; i <= n; i++) {
		void *v = seqmap_get(m, i * 2);

		if (i % 4 == 1)
			assert_ptr_equal(v, V(i));
		else
			assert_null(v);
		assert_null(seqmap_get(m, i * 2 + 1));
	}
	/* the last id was deleted: one below it, and one above, added */
	assert_null(seqmap_add(m, n * 2, V(n)));
	assert_null(seqmap_add(m, n * 2 + 7, V(n + 7)));
	assert_ptr_equal(seqmap_get(m, n * 2), V(n));
	for (i = 1; i <= n; i += 4) {
		want[0] += i * 2;
		want[1] += i;
		want[2]++;
	}
	want[0] += n * 2 + n * 2 + 7;
	want[1] += n + n + 7;
	want[2] += 2;
	seqmap_each(m, sum, got);
	assert_true(got[0] == want[0] && got[1] == want[1] && got[2] == want[2]);
	seqmap_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rising_and_below),
		cmocka_unit_test(test_many_squeezed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
