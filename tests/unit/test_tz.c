/*
 * Unit tests of tz.c: known offsets and spans in the system's tzdata, the
 * POSIX TZ footer rules on hand-built TZif files, and refusal of bad names
 * and malformed files.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/tz.h"

#define ZONEINFO "/usr/share/zoneinfo"

/* Unix time of a UTC date, by counting days: deliberately not the
 * algorithm tz.c uses, so that a shared mistake cannot hide. */
static int64_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t days = 0;
	int i;

	for (i = 1970; i < y; i++)
		days += (i % 4 == 0 && (i % 100 != 0 || i % 400 == 0)) ? 366 : 365;
	for (i = y; i < 1970; i++)
		days -= (i % 4 == 0 && (i % 100 != 0 || i % 400 == 0)) ? 366 : 365;
	for (i = 1; i < mo; i++)
		days += mdays[i - 1] + (i == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
	days += d - 1;
	return days * 86400 + h * 3600 + mi * 60 + s;
}

static const struct tz *
zone(const char *name)
{
	const struct tz *z = tz_get(name);

	if (z == NULL)
		fail_msg("tz_get(\"%s\") failed", name);
	return z;
}

/* Asserts the offset and DST flag of Z at T, and at T - 1 the previous
 * ones: a transition at T. */
static void
check_transition(const struct tz *z, int64_t t, int32_t before,
    int dst_before, int32_t after, int dst_after)
{
	struct tz_span s;

	tz_span_at(z, t - 1, &s);
	assert_int_equal(s.offset, before);
	assert_int_equal(s.is_dst, dst_before);
	assert_int_equal(s.end, t);
	tz_span_at(z, t, &s);
	assert_int_equal(s.offset, after);
	assert_int_equal(s.is_dst, dst_after);
	assert_int_equal(s.start, t);
	assert_int_equal(tz_offset_at(z, t), after);
	assert_int_equal(tz_offset_at(z, t - 1), before);
}

static void
test_new_york(void **state)
{
	const struct tz *ny = zone("America/New_York");
	struct tz_span s;

	(void)state;
	assert_string_equal(tz_name(ny), "America/New_York");
	check_transition(ny, utc(2024, 3, 10, 7, 0, 0), -18000, 0, -14400, 1);
	check_transition(ny, utc(2024, 11, 3, 6, 0, 0), -14400, 1, -18000, 0);
	tz_span_at(ny, utc(2024, 7, 4, 16, 0, 0), &s);
	assert_int_equal(s.start, utc(2024, 3, 10, 7, 0, 0));
	assert_int_equal(s.end, utc(2024, 11, 3, 6, 0, 0));
	/* Cached: the same object comes back. */
	assert_ptr_equal(tz_get("America/New_York"), ny);
}

static void
test_london(void **state)
{
	const struct tz *lon = zone("Europe/London");

	(void)state;
	check_transition(lon, utc(2024, 3, 31, 1, 0, 0), 0, 0, 3600, 1);
	check_transition(lon, utc(2024, 10, 27, 1, 0, 0), 3600, 1, 0, 0);
	assert_int_equal(tz_offset_at(lon, utc(2024, 1, 15, 12, 0, 0)), 0);
}

static void
test_lord_howe(void **state)
{
	const struct tz *lh = zone("Australia/Lord_Howe");
	int64_t out[2];

	(void)state;
	/* A 30-minute shift, both ways. */
	check_transition(lh, utc(2024, 4, 6, 15, 0, 0), 39600, 1, 37800, 0);
	check_transition(lh, utc(2024, 10, 5, 15, 30, 0), 37800, 0, 39600, 1);
	/* 01:45 on 2024-04-07 happens twice, 30 minutes apart. */
	assert_int_equal(tz_local_to_utc(lh, utc(2024, 4, 7, 1, 45, 0), out), 2);
	assert_int_equal(out[0], utc(2024, 4, 6, 14, 45, 0));
	assert_int_equal(out[1], utc(2024, 4, 6, 15, 15, 0));
	/* 02:15 on 2024-10-06 does not happen. */
	assert_int_equal(tz_local_to_utc(lh, utc(2024, 10, 6, 2, 15, 0), out), 0);
	assert_int_equal(out[0], utc(2024, 10, 5, 15, 30, 0));
}

static void
test_apia(void **state)
{
	const struct tz *apia = zone("Pacific/Apia");
	int64_t out[2];

	(void)state;
	/* Samoa skipped 2011-12-30 entirely: -10 (DST) to +14 (DST). */
	check_transition(apia, utc(2011, 12, 30, 10, 0, 0), -36000, 1, 50400, 1);
	assert_int_equal(tz_local_to_utc(apia, utc(2011, 12, 30, 12, 0, 0), out), 0);
	assert_int_equal(out[0], utc(2011, 12, 30, 10, 0, 0));
	assert_int_equal(tz_local_to_utc(apia, utc(2011, 12, 29, 23, 59, 59), out), 1);
	assert_int_equal(out[0], utc(2011, 12, 30, 9, 59, 59));
	assert_int_equal(tz_local_to_utc(apia, utc(2011, 12, 31, 0, 0, 0), out), 1);
	assert_int_equal(out[0], utc(2011, 12, 30, 10, 0, 0));
}

static void
test_santiago(void **state)
{
	const struct tz *scl = zone("America/Santiago");
	int64_t out[2];

	(void)state;
	/* DST starts at 24:00 on Saturday: Sunday 00:00 local never happens. */
	check_transition(scl, utc(2024, 9, 8, 4, 0, 0), -14400, 0, -10800, 1);
	assert_int_equal(tz_local_to_utc(scl, utc(2024, 9, 8, 0, 0, 0), out), 0);
	assert_int_equal(out[0], utc(2024, 9, 8, 4, 0, 0));
	/* It ends at 24:00 too: Saturday 23:xx happens twice. */
	check_transition(scl, utc(2024, 4, 7, 3, 0, 0), -10800, 1, -14400, 0);
	assert_int_equal(tz_local_to_utc(scl, utc(2024, 4, 6, 23, 30, 0), out), 2);
	assert_int_equal(out[0], utc(2024, 4, 7, 2, 30, 0));
	assert_int_equal(out[1], utc(2024, 4, 7, 3, 30, 0));
}

static void
test_kolkata(void **state)
{
	const struct tz *kol = zone("Asia/Kolkata");
	struct tz_span s;
	int64_t out[2];

	(void)state;
	tz_span_at(kol, utc(2024, 6, 1, 0, 0, 0), &s);
	assert_int_equal(s.offset, 19800);
	assert_int_equal(s.is_dst, 0);
	assert_int_equal(s.start, utc(1945, 10, 14, 17, 30, 0));
	assert_true(s.end == INT64_MAX);
	assert_int_equal(tz_offset_at(kol, utc(2150, 1, 1, 0, 0, 0)), 19800);
	assert_int_equal(tz_local_to_utc(kol, utc(2024, 6, 1, 5, 30, 0), out), 1);
	assert_int_equal(out[0], utc(2024, 6, 1, 0, 0, 0));
}

static void
test_utc(void **state)
{
	const struct tz *u = tz_utc();
	struct tz_span s;
	int64_t out[2];

	(void)state;
	assert_non_null(u);
	assert_ptr_equal(tz_get("UTC"), u);
	assert_string_equal(tz_name(u), "UTC");
	tz_span_at(u, 0, &s);
	assert_true(s.start == INT64_MIN);
	assert_true(s.end == INT64_MAX);
	assert_int_equal(s.offset, 0);
	assert_int_equal(s.is_dst, 0);
	assert_int_equal(tz_offset_at(u, INT64_MAX), 0);
	assert_int_equal(tz_offset_at(u, INT64_MIN), 0);
	assert_int_equal(tz_local_to_utc(u, 12345, out), 1);
	assert_int_equal(out[0], 12345);
	/* Extreme inputs must not overflow. */
	assert_int_equal(tz_local_to_utc(zone("Asia/Tokyo"), INT64_MIN, out), 1);
	assert_int_equal(tz_local_to_utc(zone("America/New_York"), INT64_MAX, out), 1);
	assert_int_equal(tz_offset_at(zone("Etc/UTC"), 1700000000), 0);
}

static void
test_utc_without_files(void **state)
{
	const char *const *names;
	size_t n;

	(void)state;
	tz_cache_free();
	tz_set_dir("/nonexistent/zoneinfo");
	assert_non_null(tz_get("UTC"));
	assert_null(tz_get("America/New_York"));
	n = tz_list(&names);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "UTC");
	tz_cache_free();
	tz_set_dir(NULL);
	assert_non_null(tz_get("America/New_York"));
}

static void
test_footer_far_future(void **state)
{
	const struct tz *ny = zone("America/New_York");
	const struct tz *scl = zone("America/Santiago");
	const struct tz *lh = zone("Australia/Lord_Howe");
	struct tz_span s;

	(void)state;
	/* Past the file's table (2037): the footer's rule. */
	check_transition(ny, utc(2100, 3, 14, 7, 0, 0), -18000, 0, -14400, 1);
	assert_int_equal(tz_offset_at(ny, utc(2100, 3, 14, 16, 0, 0)), -14400);
	check_transition(ny, utc(2100, 11, 7, 6, 0, 0), -14400, 1, -18000, 0);
	check_transition(scl, utc(2150, 9, 6, 4, 0, 0), -14400, 0, -10800, 1);
	check_transition(lh, utc(2150, 10, 3, 15, 30, 0), 37800, 0, 39600, 1);
	/* The last year of the horizon, and the span that runs past it. */
	check_transition(ny, utc(2199, 3, 10, 7, 0, 0), -18000, 0, -14400, 1);
	check_transition(ny, utc(2199, 11, 3, 6, 0, 0), -14400, 1, -18000, 0);
	tz_span_at(ny, utc(2199, 12, 31, 23, 59, 59), &s);
	assert_true(s.end == INT64_MAX);
}

static void
test_bad_names(void **state)
{
	static const char *const bad[] = {
		"../etc/passwd",
		"/etc/passwd",
		"Nope/Nowhere",
		"",
		"America/New York",
		" UTC",
		"UTC ",
		"America/../Europe/London",
		"America//New_York",
		"America/",
		"America",
		"zone.tab",
		"tzdata.zi",
		"leapseconds",
		"iso3166.tab",
		"America/New_York\n",
		"Europe/London;ls",
		"Europe/Lond%6fn",
		"right/America/New_York",
		"posix/America/New_York",
		"posixrules",
		"localtime",
		"Factory",
		"right",
		"posix",
	};
	char longname[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (tz_get(bad[i]) != NULL)
			fail_msg("tz_get(\"%s\") accepted a bad name", bad[i]);
	}
	assert_null(tz_get(NULL));
	memset(longname, 'A', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_null(tz_get(longname));
	/* Linked names and signs in names are fine. */
	assert_non_null(tz_get("US/Eastern"));
	assert_int_equal(tz_offset_at(tz_get("Etc/GMT+5"), 0), -18000);
}

static bool
listed(const char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(names[i], name) == 0)
			return true;
	}
	return false;
}

static void
test_list(void **state)
{
	const char *const *names, *const *again;
	size_t n, i;

	(void)state;
	n = tz_list(&names);
	assert_true(n > 300);
	for (i = 1; i < n; i++) {
		if (strcmp(names[i - 1], names[i]) >= 0)
			fail_msg("not sorted: \"%s\" before \"%s\"", names[i - 1], names[i]);
	}
	for (i = 0; i < n; i++) {
		if (strncmp(names[i], "right/", 6) == 0 || strncmp(names[i], "posix/", 6) == 0 ||
		    strchr(names[i], '.') != NULL)
			fail_msg("\"%s\" should not be listed", names[i]);
		if (tz_get(names[i]) == NULL)
			fail_msg("listed \"%s\" does not load", names[i]);
	}
	assert_true(listed(names, n, "America/New_York"));
	assert_true(listed(names, n, "UTC"));
	assert_true(listed(names, n, "America/Argentina/Buenos_Aires"));
	assert_true(listed(names, n, "US/Eastern"));
	assert_false(listed(names, n, "posixrules"));
	assert_false(listed(names, n, "localtime"));
	assert_false(listed(names, n, "Factory"));
	assert_false(listed(names, n, "leapseconds"));
	/* Built once. */
	assert_int_equal(tz_list(&again), n);
	assert_ptr_equal(again, names);
}

/* ---- hand-built TZif files ---- */

struct ttype {
	int32_t off;
	uint8_t dst;
};

static size_t
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 4;
}

static size_t
put_header(uint8_t *p, char version, uint32_t timecnt, uint32_t typecnt,
    uint32_t charcnt)
{
	memset(p, 0, 44);
	memcpy(p, "TZif", 4);
	p[4] = (uint8_t)version;
	put32(p + 32, timecnt);
	put32(p + 36, typecnt);
	put32(p + 40, charcnt);
	return 44;
}

/* A version 2 file (or 1 when VERSION is 0) with the given transitions,
 * types and footer (NULL: none, for version 1). Returns its length. */
static size_t
build_tzif(uint8_t *buf, char version, const int64_t *at, const uint8_t *idx,
    size_t timecnt, const struct ttype *types, size_t typecnt, const char *footer)
{
	size_t len = 0, i;

	if (version != 0) {
		/* A minimal version 1 block, as zic -b slim writes. */
		len += put_header(buf, version, 0, 1, 4);
		len += put32(buf + len, 0);
		buf[len++] = 0;
		buf[len++] = 0;
		memcpy(buf + len, "XXX", 4);
		len += 4;
	}
	len += put_header(buf + len, version, (uint32_t)timecnt, (uint32_t)typecnt, 4);
	for (i = 0; i < timecnt; i++) {
		if (version != 0)
			len += put32(buf + len, (uint32_t)((uint64_t)at[i] >> 32));
		len += put32(buf + len, (uint32_t)at[i]);
	}
	for (i = 0; i < timecnt; i++)
		buf[len++] = idx[i];
	for (i = 0; i < typecnt; i++) {
		len += put32(buf + len, (uint32_t)types[i].off);
		buf[len++] = types[i].dst;
		buf[len++] = 0;
	}
	memcpy(buf + len, "XXX", 4);
	len += 4;
	if (version != 0) {
		buf[len++] = '\n';
		memcpy(buf + len, footer, strlen(footer));
		len += strlen(footer);
		buf[len++] = '\n';
	}
	return len;
}

/* A version 2 zone with no transitions, type STD, and FOOTER. */
static struct tz *
footer_zone(const char *footer, int32_t std_off, int std_dst)
{
	static uint8_t buf[512];
	struct ttype t = { std_off, (uint8_t)std_dst };
	struct tz *z = NULL;
	size_t len;

	len = build_tzif(buf, '2', NULL, NULL, 0, &t, 1, footer);
	if (tz_parse_tzif(buf, len, footer, &z) != 0)
		fail_msg("footer \"%s\" refused", footer);
	assert_string_equal(tz_name(z), footer);
	return z;
}

static void
check_footer(const char *footer, int32_t std_off, int64_t t, int32_t before,
    int dst_before, int32_t after, int dst_after)
{
	struct tz *z = footer_zone(footer, std_off, 0);

	check_transition(z, t, before, dst_before, after, dst_after);
	tz_free(z);
}

static void
test_footer_rules(void **state)
{
	struct tz *z;
	struct tz_span s;

	(void)state;
	check_footer("EST5EDT,M3.2.0,M11.1.0", -18000, utc(2024, 3, 10, 7, 0, 0),
	    -18000, 0, -14400, 1);
	check_footer("EST5EDT,M3.2.0,M11.1.0", -18000, utc(2024, 11, 3, 6, 0, 0),
	    -14400, 1, -18000, 0);
	/* No rule: the US one, as tzcode and glibc do. */
	check_footer("EST5EDT", -18000, utc(2024, 3, 10, 7, 0, 0), -18000, 0, -14400, 1);
	/* Half-hour offsets, southern hemisphere. */
	check_footer("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", 37800,
	    utc(2024, 10, 5, 15, 30, 0), 37800, 0, 39600, 1);
	check_footer("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", 37800,
	    utc(2024, 4, 6, 15, 0, 0), 39600, 1, 37800, 0);
	/* Hour 24 of the first Saturday. */
	check_footer("<-04>4<-03>,M9.1.6/24,M4.1.6/24", -14400, utc(2024, 9, 8, 4, 0, 0),
	    -14400, 0, -10800, 1);
	check_footer("<-04>4<-03>,M9.1.6/24,M4.1.6/24", -14400, utc(2024, 4, 7, 3, 0, 0),
	    -10800, 1, -14400, 0);
	/* Negative DST (Dublin): winter is the "daylight" time. */
	check_footer("IST-1GMT0,M10.5.0,M3.5.0/1", 3600, utc(2024, 10, 27, 1, 0, 0),
	    3600, 0, 0, 1);
	check_footer("IST-1GMT0,M10.5.0,M3.5.0/1", 3600, utc(2024, 3, 31, 1, 0, 0),
	    0, 1, 3600, 0);
	/* Week 5 is the last one; hours up to 167 and negative. */
	check_footer("EET-2EEST,M3.4.4/50,M10.4.4/50", 7200, utc(2024, 3, 30, 0, 0, 0),
	    7200, 0, 10800, 1);
	check_footer("XXX3YYY,M3.2.0/167,M11.1.0/-1", -10800, utc(2024, 3, 17, 2, 0, 0),
	    -10800, 0, -7200, 1);
	check_footer("XXX3YYY,M3.2.0/167,M11.1.0/-1", -10800, utc(2024, 11, 3, 1, 0, 0),
	    -7200, 1, -10800, 0);
	check_footer("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", -7200, utc(2024, 3, 31, 1, 0, 0),
	    -7200, 0, -3600, 1);
	/* Jn never counts February 29: J60 is March 1, J300 October 27. */
	check_footer("XXX3YYY,J60,J300", -10800, utc(2024, 3, 1, 5, 0, 0), -10800, 0, -7200, 1);
	check_footer("XXX3YYY,J60,J300", -10800, utc(2023, 3, 1, 5, 0, 0), -10800, 0, -7200, 1);
	check_footer("XXX3YYY,J60,J300", -10800, utc(2024, 10, 27, 4, 0, 0), -7200, 1, -10800, 0);
	/* n is zero-based and counts it: 59 is February 29 in a leap year. */
	check_footer("XXX3YYY,59,299", -10800, utc(2024, 2, 29, 5, 0, 0), -10800, 0, -7200, 1);
	check_footer("XXX3YYY,59,299", -10800, utc(2023, 3, 1, 5, 0, 0), -10800, 0, -7200, 1);
	check_footer("XXX3YYY,59,299", -10800, utc(2024, 10, 26, 4, 0, 0), -7200, 1, -10800, 0);
	check_footer("XXX3YYY,59,299", -10800, utc(2023, 10, 27, 4, 0, 0), -7200, 1, -10800, 0);
	/* Seconds in offsets and times. */
	check_footer("<+0130>-1:30:15<+02>-2,M3.5.0/2:00:30,M10.5.0", 5415,
	    utc(2024, 3, 31, 0, 30, 15), 5415, 0, 7200, 1);

	/* No DST: one span. */
	z = footer_zone("<+0530>-5:30", 19800, 0);
	tz_span_at(z, utc(2150, 1, 1, 0, 0, 0), &s);
	assert_true(s.start == INT64_MIN && s.end == INT64_MAX);
	assert_int_equal(s.offset, 19800);
	tz_free(z);

	/* DST all year (RFC 8536 3.3.1): one transition, then no more. */
	z = footer_zone("EST5EDT4,0/0,J365/25", -18000, 0);
	tz_span_at(z, utc(2024, 12, 31, 23, 0, 0), &s);
	assert_int_equal(s.offset, -14400);
	assert_int_equal(s.is_dst, 1);
	assert_int_equal(s.start, utc(1900, 1, 1, 5, 0, 0));
	assert_true(s.end == INT64_MAX);
	tz_free(z);
}

static void
test_footer_after_table(void **state)
{
	static uint8_t buf[512];
	const int64_t at[] = { utc(2000, 4, 2, 7, 0, 0), utc(2000, 10, 29, 6, 0, 0) };
	const uint8_t idx[] = { 1, 0 };
	const struct ttype types[] = { { -18000, 0 }, { -14400, 1 } };
	struct tz *z;
	size_t len;

	(void)state;
	len = build_tzif(buf, '3', at, idx, 2, types, 2, "EST5EDT,M3.2.0,M11.1.0");
	assert_int_equal(tz_parse_tzif(buf, len, "T", &z), 0);
	check_transition(z, at[0], -18000, 0, -14400, 1);
	check_transition(z, at[1], -14400, 1, -18000, 0);
	/* The first year from the rule: 2000's November date is not added
	 * after the table's October one. */
	check_transition(z, utc(2001, 3, 11, 7, 0, 0), -18000, 0, -14400, 1);
	check_transition(z, utc(2001, 11, 4, 6, 0, 0), -14400, 1, -18000, 0);
	tz_free(z);

	/* Version 1: 32-bit times, no footer; the last type holds for ever. */
	len = build_tzif(buf, 0, at, idx, 2, types, 2, NULL);
	assert_int_equal(tz_parse_tzif(buf, len, "V1", &z), 0);
	check_transition(z, at[0], -18000, 0, -14400, 1);
	assert_int_equal(tz_offset_at(z, utc(2024, 7, 1, 0, 0, 0)), -18000);
	tz_free(z);
	tz_free(NULL);
}

/* Reads a whole file for the parser tests. */
static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(1 << 16);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 16, f);
	fclose(f);
	assert_true(*len > 44);
	return buf;
}

static void
expect_refused(const uint8_t *buf, size_t len, const char *what)
{
	struct tz *z = (struct tz *)1;

	if (tz_parse_tzif(buf, len, "bad", &z) != -1)
		fail_msg("accepted: %s", what);
	assert_null(z);
}

static void
test_parse_malformed(void **state)
{
	static const char *const bad_footers[] = {
		"EST",
		"EST5EDT,M13.1.0,M11.1.0",
		"EST5EDT,M3.6.0,M11.1.0",
		"EST5EDT,M3.2.7,M11.1.0",
		"EST5EDT,J0,J300",
		"EST5EDT,J366,J300",
		"EST5EDT,366,300",
		"EST5EDT,M3.2.0/168,M11.1.0",
		"<AB>5",
		"EST5EDT,M3.2.0",
		"EST5EDT,M3.2.0,M11.1.0junk",
		"EST25",
		"ES5",
		"EST5EDT,M3.2.0,",
		"EST5EDT,M3.2.0,M11.1",
		"<EST5",
		"EST5:60",
		"EST-24:59:59EDT-26",
		"EST 5",
	};
	static uint8_t buf[1 << 16];
	const int64_t at[] = { 1000, 2000 };
	const uint8_t idx[] = { 1, 0 };
	struct ttype types[] = { { -18000, 0 }, { -14400, 1 } };
	const char *footer = "EST5EDT,M3.2.0,M11.1.0";
	uint8_t *ny;
	size_t len, ny_len, i;
	struct tz *z;

	(void)state;
	len = build_tzif(buf, '2', at, idx, 2, types, 2, footer);
	assert_int_equal(tz_parse_tzif(buf, len, "ok", &z), 0);
	tz_free(z);

	expect_refused(buf, 0, "empty");
	expect_refused(buf, 43, "truncated header");
	expect_refused(NULL, 0, "NULL");
	memcpy(buf, "TZiF", 4);
	expect_refused(buf, len, "bad magic");
	memcpy(buf, "TZif", 4);
	buf[4] = '1';
	expect_refused(buf, len, "version '1'");
	buf[4] = '2';
	/* Counts beyond the data, in the version 1 and version 2 headers. */
	put32(buf + 32, 0x7fffffff);
	expect_refused(buf, len, "v1 timecnt past the end");
	put32(buf + 32, 0);
	put32(buf + 54 + 36, 0xffffffff);
	expect_refused(buf, len, "v2 typecnt past the end");
	put32(buf + 54 + 36, 2);
	put32(buf + 54 + 40, 0xffffff00);
	expect_refused(buf, len, "v2 charcnt past the end");
	put32(buf + 54 + 40, 4);
	assert_int_equal(tz_parse_tzif(buf, len, "ok", &z), 0);
	tz_free(z);

	/* Every byte short: the footer's closing newline is missing. */
	for (i = 0; i < len; i++)
		expect_refused(buf, i, "a truncated file");

	len = build_tzif(buf, '2', at, idx, 2, types, 0, footer);
	expect_refused(buf, len, "no types");
	len = build_tzif(buf, '2', (const int64_t[]){ 2000, 1000 }, idx, 2, types, 2, footer);
	expect_refused(buf, len, "transitions out of order");
	len = build_tzif(buf, '2', (const int64_t[]){ 1000, 1000 }, idx, 2, types, 2, footer);
	expect_refused(buf, len, "transitions at the same time");
	len = build_tzif(buf, '2', at, (const uint8_t[]){ 1, 2 }, 2, types, 2, footer);
	expect_refused(buf, len, "type index past typecnt");
	types[1].off = 26 * 3600;
	len = build_tzif(buf, '2', at, idx, 2, types, 2, footer);
	expect_refused(buf, len, "offset beyond +25:59:59");
	types[1].off = INT32_MIN;
	len = build_tzif(buf, '2', at, idx, 2, types, 2, footer);
	expect_refused(buf, len, "offset -2^31");
	types[1].off = -14400;
	types[1].dst = 2;
	len = build_tzif(buf, '2', at, idx, 2, types, 2, footer);
	expect_refused(buf, len, "isdst 2");
	types[1].dst = 1;
	for (i = 0; i < sizeof(bad_footers) / sizeof(bad_footers[0]); i++) {
		len = build_tzif(buf, '2', at, idx, 2, types, 2, bad_footers[i]);
		if (tz_parse_tzif(buf, len, "bad", &z) != -1)
			fail_msg("accepted footer \"%s\"", bad_footers[i]);
	}
	len = build_tzif(buf, '2', at, idx, 2, types, 2, footer);
	buf[len - 1] = 'x';
	expect_refused(buf, len, "footer without its closing newline");

	/* A leap-second record (12 bytes after the designations). */
	len = build_tzif(buf, '2', at, idx, 2, types, 2, footer);
	i = len - strlen(footer) - 2;
	memmove(buf + i + 12, buf + i, len - i);
	memset(buf + i, 0, 12);
	put32(buf + 54 + 28, 1);
	expect_refused(buf, len + 12, "leap seconds");
	put32(buf + 54 + 28, 0);
	expect_refused(buf, len + 12, "12 bytes more than the counts say");

	/* The real thing, truncated anywhere, and with leap seconds. */
	ny = slurp(ZONEINFO "/America/New_York", &ny_len);
	assert_int_equal(tz_parse_tzif(ny, ny_len, "America/New_York", &z), 0);
	tz_free(z);
	for (i = 0; i < ny_len; i++)
		expect_refused(ny, i, "a truncated America/New_York");
	free(ny);
	/* Newer Debian moves right/ to tzdata-legacy: check it where it is. */
	if (access(ZONEINFO "/right/America/New_York", R_OK) == 0) {
		ny = slurp(ZONEINFO "/right/America/New_York", &ny_len);
		expect_refused(ny, ny_len, "right/America/New_York (leap seconds)");
		free(ny);
	}
}

/* Every span of Z in order, from INT64_MIN: adjacent, different, and what
 * tz_span_at returns for instants inside, at and just before each end. */
static void
check_span_chain(const struct tz *z)
{
	struct tz_span s, prev, in;
	size_t n = 0;

	tz_span_at(z, INT64_MIN, &s);
	assert_true(s.start == INT64_MIN);
	for (;;) {
		assert_true(s.start < s.end);
		tz_span_at(z, s.start, &in);
		assert_true(in.start == s.start && in.end == s.end);
		tz_span_at(z, s.end - 1, &in);
		assert_true(in.start == s.start && in.end == s.end);
		assert_true(in.offset == s.offset && in.is_dst == s.is_dst);
		if (s.end == INT64_MAX)
			break;
		prev = s;
		tz_span_at(z, prev.end, &s);
		assert_true(s.start == prev.end);
		assert_true(s.offset != prev.offset || s.is_dst != prev.is_dst);
		n++;
		assert_true(n < 100000);
	}
}

/* Flipped bytes in a real file: refused, or a zone whose spans hold
 * together. Under ASan this is a small fuzz run. */
static void
test_parse_mutations(void **state)
{
	static const uint8_t values[] = { 0x00, 0x01, 0x7f, 0x80, 0xff, '\n', '9', ',' };
	uint8_t *ny;
	size_t len, i, v, accepted = 0;
	struct tz *z;

	(void)state;
	ny = slurp(ZONEINFO "/America/New_York", &len);
	for (i = 0; i < len; i++) {
		uint8_t orig = ny[i];

		for (v = 0; v < sizeof(values); v++) {
			ny[i] = values[v];
			if (tz_parse_tzif(ny, len, "mutant", &z) == 0) {
				check_span_chain(z);
				tz_free(z);
				accepted++;
			}
		}
		ny[i] = orig;
	}
	/* Most bytes are times and types, which can change and stay valid. */
	assert_true(accepted > 0);
	free(ny);
}

/* T must lie in the span tz_span_at returns for it, and that span must be
 * the one its own start and end - 1 return. */
static void
check_span_contains(const struct tz *z, int64_t t)
{
	struct tz_span s, e;

	tz_span_at(z, t, &s);
	if (!(s.start <= t && t < s.end))
		fail_msg("%s: %lld not in [%lld, %lld)", tz_name(z), (long long)t,
		    (long long)s.start, (long long)s.end);
	tz_span_at(z, s.start, &e);
	assert_true(e.start == s.start && e.end == s.end && e.offset == s.offset);
	if (s.end != INT64_MAX) {
		tz_span_at(z, s.end, &e);
		assert_true(e.start == s.end);
	}
	assert_int_equal(tz_offset_at(z, t), s.offset);
}

/* Daily from 1890 to 2210, and around every 2^25-second step from 1900:
 * the edges of the buckets tz.c indexes its transitions by. */
static void
check_span_lookups(const struct tz *z)
{
	int64_t t, k, d;

	for (t = utc(1890, 1, 1, 0, 0, 0); t < utc(2210, 1, 1, 0, 0, 0); t += 86400 + 3599)
		check_span_contains(z, t);
	for (k = 0; k <= 300; k++) {
		for (d = -1; d <= 1; d++)
			check_span_contains(z, utc(1900, 1, 1, 0, 0, 0) + (k << 25) + d);
	}
}

static void
test_span_chains(void **state)
{
	static const char *const names[] = {
		"America/New_York",
		"Europe/Dublin",
		"Australia/Lord_Howe",
		"Pacific/Apia",
		"America/Santiago",
		"Asia/Kolkata",
		"Africa/Casablanca",
		"America/Nuuk",
		"Asia/Gaza",
		"Antarctica/Troll",
		"UTC",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		check_span_chain(zone(names[i]));
		check_span_lookups(zone(names[i]));
	}
}

static int
teardown(void **state)
{
	(void)state;
	tz_cache_free();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_york),
		cmocka_unit_test(test_london),
		cmocka_unit_test(test_lord_howe),
		cmocka_unit_test(test_apia),
		cmocka_unit_test(test_santiago),
		cmocka_unit_test(test_kolkata),
		cmocka_unit_test(test_utc),
		cmocka_unit_test(test_utc_without_files),
		cmocka_unit_test(test_footer_far_future),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_footer_rules),
		cmocka_unit_test(test_footer_after_table),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_mutations),
		cmocka_unit_test(test_span_chains),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
