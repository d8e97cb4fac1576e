/*
 * Unit tests of points (store/points.h): a job's fires in its local day,
 * counted once per job and day and counted again when the day, the zone
 * or the schedule changes, for plain schedules, @every and windows
 * (startsAt, expiresAt), and the same through the cache as walked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "engine/cron.h"
#include "engine/tz.h"
#include "store/points.h"

/* 2027-01-15 10:00:00 UTC, a Friday; days are 86400 s in UTC */
#define DAY0 1800000000LL
#define MIDNIGHT (DAY0 - DAY0 % 86400)

static int64_t
count(struct points *p, uint64_t id, const char *expr, const char *zone, int64_t starts,
    int64_t expires, int64_t anchor, int64_t now)
{
	struct cron_window w = { starts, expires, anchor, NULL, 0 };
	const struct tz *z = tz_get(zone);
	int64_t walked, cached;

	assert_non_null(z);
	walked = points_walk(expr, z, &w, now);
	cached = points_job(p, id, expr, z, &w, now);
	assert_int_equal(walked, cached);
	return cached;
}

static void
test_plain(void **state)
{
	struct points *p = points_new();

	(void)state;
	assert_int_equal(count(p, 1, "*/15 * * * *", "UTC", 0, 0, MIDNIGHT, DAY0), 96);
	assert_int_equal(count(p, 2, "0 2 * * *", "UTC", 0, 0, MIDNIGHT, DAY0), 1);
	assert_int_equal(count(p, 3, "* * * * * *", "UTC", 0, 0, MIDNIGHT, DAY0), 86400);
	assert_int_equal(count(p, 4, "*/10 * * * * *", "UTC", 0, 0, MIDNIGHT, DAY0), 8640);
	assert_int_equal(count(p, 5, "0 * * * *", "UTC", 0, 0, MIDNIGHT, DAY0), 24);
	assert_int_equal(count(p, 6, "@manual", "UTC", 0, 0, MIDNIGHT, DAY0), 0);
	/* Friday is weekday 5: none on Friday, two on Monday */
	assert_int_equal(count(p, 7, "10 0 9,17 * * 1,3", "UTC", 0, 0, MIDNIGHT, DAY0), 0);
	assert_int_equal(count(p, 7, "10 0 9,17 * * 1,3", "UTC", 0, 0, MIDNIGHT,
	                     DAY0 + 3 * 86400),
	    2);
	points_free(p);
}

static void
test_windows_and_every(void **state)
{
	struct points *p = points_new();

	(void)state;
	/* expires at noon: the morning's 12 hours, noon included */
	assert_int_equal(count(p, 10, "* * * * *", "UTC", 0, MIDNIGHT + 12 * 3600, MIDNIGHT, DAY0),
	    721);
	/* the next day is past the window */
	assert_int_equal(count(p, 10, "* * * * *", "UTC", 0, MIDNIGHT + 12 * 3600, MIDNIGHT,
	                     DAY0 + 86400),
	    0);
	/* starts at 18:00: 6 hours of hourly fires */
	assert_int_equal(count(p, 11, "0 * * * *", "UTC", MIDNIGHT + 18 * 3600, 0,
	                     MIDNIGHT + 18 * 3600, DAY0),
	    6);
	/* @every 90m anchored at midnight: 0:00, 1:30 ... 22:30 */
	assert_int_equal(count(p, 12, "@every 90m", "UTC", 0, 0, MIDNIGHT, DAY0), 16);
	/* anchored at 00:45 the day before: 00:15 is the first of the day */
	assert_int_equal(count(p, 13, "@every 90m", "UTC", 0, 0, MIDNIGHT - 86400 + 2700, DAY0),
	    16);
	/* every second until 06:00: extrapolated within the window */
	assert_int_equal(count(p, 14, "* * * * * *", "UTC", 0, MIDNIGHT + 6 * 3600, MIDNIGHT,
	                     DAY0),
	    21600);
	points_free(p);
}

static void
test_day_and_zone_change(void **state)
{
	struct points *p = points_new();
	/* 2027-03-14, the day New York springs forward: 23 hours */
	int64_t dst = 1805032800LL; /* 2027-03-14 12:00 UTC, 08:00 EDT */

	(void)state;
	assert_int_equal(count(p, 20, "*/15 * * * *", "America/New_York", 0, 0, MIDNIGHT, dst),
	    92);
	/* the same job the next day (a new day: counted again) */
	assert_int_equal(count(p, 20, "*/15 * * * *", "America/New_York", 0, 0, MIDNIGHT,
	                     dst + 86400),
	    96);
	/* a zone change of the same job: UTC's day has 24 hours */
	assert_int_equal(count(p, 20, "*/15 * * * *", "UTC", 0, 0, MIDNIGHT, dst), 96);
	/* @every with a window that ends at 14:00 UTC (inclusive), in the zone's
	 * day: New York's day of 14 March began at 05:00 UTC (05:00 to 14:00),
	 * UTC's at 00:00 */
	assert_int_equal(count(p, 21, "@every 1h", "America/New_York", 0, dst, dst - 86400, dst),
	    10);
	assert_int_equal(count(p, 21, "@every 1h", "UTC", 0, dst, dst - 86400, dst), 15);
	/* an edited window is counted again, not served from the cache */
	assert_int_equal(count(p, 21, "@every 1h", "UTC", 0, dst - 3600, dst - 86400, dst), 14);
	/* a day change with expiresAt: nothing the day after */
	assert_int_equal(count(p, 21, "@every 1h", "UTC", 0, dst - 3600, dst - 86400,
	                     dst + 86400),
	    0);
	points_free(p);
}

static void
test_day(void **state)
{
	(void)state;
	assert_int_equal(points_day(tz_utc(), MIDNIGHT), MIDNIGHT / 86400);
	assert_int_equal(points_day(tz_utc(), MIDNIGHT - 1), MIDNIGHT / 86400 - 1);
	/* 03:00 UTC is the evening before in New York */
	assert_int_equal(points_day(tz_get("America/New_York"), MIDNIGHT + 3 * 3600),
	    MIDNIGHT / 86400 - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_windows_and_every),
		cmocka_unit_test(test_day_and_zone_change),
		cmocka_unit_test(test_day),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
