/*
 * test_idmap: the id -> pointer map: growth, replacement, and deletions
 * that keep every other key findable (backward shifts across wrap-around).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "util/idmap.h"

static void
test_put_get_del(void **state)
{
	struct idmap *m = idmap_new();
	static int a, b;

	(void)state;
	assert_null(idmap_get(m, 1));
	idmap_put(m, 1, &a);
	idmap_put(m, 2, &b);
	assert_ptr_equal(idmap_get(m, 1), &a);
	idmap_put(m, 1, &b);
	assert_ptr_equal(idmap_get(m, 1), &b);
	assert_int_equal(idmap_count(m), 2);
	assert_ptr_equal(idmap_del(m, 2), &b);
	assert_null(idmap_del(m, 2));
	assert_null(idmap_get(m, 2));
	assert_int_equal(idmap_count(m), 1);
	idmap_free(m);
}

static void
sum(uint64_t id, void *value, void *arg)
{
	*(uint64_t *)arg += id + (uint64_t)(uintptr_t)value;
}

static void
test_many_with_deletions(void **state)
{
	struct idmap *m = idmap_new();
	const uint64_t n = 100000;
	uint64_t i, total = 0, want = 0;

	(void)state;
	for (i = 1; i <= n; i++)
		idmap_put(m, i * 7919, (void *)(uintptr_t)i);
	for (i = 1; i <= n; i += 2)
		assert_ptr_equal(idmap_del(m, i * 7919), (void *)(uintptr_t)i);
	assert_int_equal(idmap_count(m), n / 2);
	for (i = 1; i <= n; i++) {
		void *v = idmap_get(m, i * 7919);

		if (i % 2)
			assert_null(v);
		else
			assert_ptr_equal(v, (void *)(uintptr_t)i);
	}
	for (i = 2; i <= n; i += 2)
		want += i * 7919 + i;
	idmap_each(m, sum, &total);
	assert_true(total == want);
	idmap_free(m);
}

/* idmap_add adds once: a second add of the id leaves the first value and
 * returns it; consecutive ids made room for
 * at once, then every third deleted, keep every other findable, also
 * across the table's wrap-around. */
static void
test_add_runs_reserve(void **state)
{
	struct idmap *m = idmap_new();
	static int a, b;
	const uint64_t n = 50000, base = (1ull << 40) - 1000;
	uint64_t i;

	(void)state;
	assert_null(idmap_add(m, 5, &a));
	assert_ptr_equal(idmap_add(m, 5, &b), &a);
	assert_ptr_equal(idmap_get(m, 5), &a);
	assert_int_equal(idmap_count(m), 1);
	assert_ptr_equal(idmap_del(m, 5), &a);

	idmap_reserve(m, n);
	for (i = 0; i < n; i++)
		assert_null(idmap_add(m, base + i, (void *)(uintptr_t)(i + 1)));
	assert_int_equal(idmap_count(m), n);
	for (i = 0; i < n; i += 3)
		assert_ptr_equal(idmap_del(m, base + i), (void *)(uintptr_t)(i + 1));
	for (i = 0; i < n; i++) {
		void *v = idmap_get(m, base + i);

		if (i % 3 == 0)
			assert_null(v);
		else
			assert_ptr_equal(v, (void *)(uintptr_t)(i + 1));
	}
	/* and grown past what was reserved */
	for (i = n; i < 3 * n; i++)
		idmap_put(m, base + i, (void *)(uintptr_t)(i + 1));
	for (i = 1; i < 3 * n; i += 3)
		assert_ptr_equal(idmap_get(m, base + i), (void *)(uintptr_t)(i + 1));
	idmap_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_del),
		cmocka_unit_test(test_many_with_deletions),
		cmocka_unit_test(test_add_runs_reserve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
