/*
 * Unit tests of fire times: the vectors in cron_vectors.txt (computed by
 * gen_cron_vectors.py, an independent brute-force reference), the SPEC's
 * acceptance example, bounds, speed on rare schedules, and cron_min_gap().
 *
 * The vectors file is found through WEBCRON_SRCDIR (make check sets it to
 * the source directory), else in the current directory.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "engine/cron.h"
#include "engine/tz.h"

#define VECTORS "tests/unit/cron_vectors.txt"

static struct cron *
parse_ok(const char *text)
{
	struct cron *c;
	struct cron_error err;

	if (cron_parse(text, &c, &err) != 0) {
		print_error("\"%s\": %s: %s\n", text, err.field, err.message);
		fail();
	}
	return c;
}

static const struct tz *
zone(const char *name)
{
	const struct tz *z = tz_get(name);
	if (z == NULL) {
		print_error("zone %s does not load\n", name);
		fail();
	}
	return z;
}

static char *
trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static FILE *
open_vectors(char *path, size_t len)
{
	const char *dir = getenv("WEBCRON_SRCDIR");
	snprintf(path, len, "%s/%s", dir && *dir ? dir : ".", VECTORS);
	return fopen(path, "r");
}

/* One vector line; returns 0 when it holds, else prints why and returns -1. */
static int
check_vector(char *line, int lineno)
{
	char *col[5] = { 0 };
	int ncol = 0;
	char *p = line;

	while (ncol < 5) {
		col[ncol++] = p;
		char *bar = strchr(p, '|');
		if (bar == NULL)
			break;
		*bar = '\0';
		p = bar + 1;
	}
	if (ncol < 4) {
		print_error("line %d: expected 4 or 5 columns\n", lineno);
		return -1;
	}
	for (int i = 0; i < ncol; i++)
		col[i] = trim(col[i]);

	struct cron_window win = { 0, 0, 0, NULL, 0 };
	if (ncol == 5) {
		char key[16];
		long long v;
		int used;
		for (char *s = col[4]; sscanf(s, " %15[a-z]=%lld%n", key, &v, &used) == 2; s += used) {
			if (strcmp(key, "starts") == 0)
				win.starts_at = v;
			else if (strcmp(key, "expires") == 0)
				win.expires_at = v;
			else if (strcmp(key, "anchor") == 0)
				win.anchor = v;
			else {
				print_error("line %d: unknown option %s\n", lineno, key);
				return -1;
			}
		}
	}

	struct cron *c;
	struct cron_error err;
	if (cron_parse(col[0], &c, &err) != 0) {
		print_error("line %d: \"%s\": %s: %s\n", lineno, col[0], err.field, err.message);
		return -1;
	}
	const struct tz *z = tz_get(col[1]);
	if (z == NULL) {
		print_error("line %d: zone %s does not load\n", lineno, col[1]);
		cron_free(c);
		return -1;
	}

	int64_t after = strtoll(col[2], NULL, 10);
	int rc = 0, checked = 0;
	char tok[32];
	int used;
	for (char *s = col[3]; sscanf(s, "%31s%n", tok, &used) == 1; s += used) {
		int64_t next = 0;
		int got = cron_next(c, z, &win, after, &next);
		if (strcmp(tok, "END") == 0) {
			if (got != 1) {
				print_error("line %d: %s | %s: after %lld want no fire, got %lld\n", lineno,
				    col[0], col[1], (long long)after, (long long)next);
				rc = -1;
			}
			checked++;
			break;
		}
		int64_t want = strtoll(tok, NULL, 10);
		if (got != 0 || next != want) {
			print_error("line %d: %s | %s: after %lld want %lld, got %s%lld\n", lineno,
			    col[0], col[1], (long long)after, (long long)want,
			    got ? "no fire " : "", (long long)next);
			rc = -1;
			break;
		}
		if (next <= after) {
			print_error("line %d: not strictly after\n", lineno);
			rc = -1;
			break;
		}
		after = next;
		checked++;
	}
	if (checked == 0) {
		print_error("line %d: no expected times\n", lineno);
		rc = -1;
	}
	cron_free(c);
	return rc;
}

static void
test_vectors(void **state)
{
	char path[4096], line[8192];
	int lineno = 0, vectors = 0, failed = 0;

	(void)state;
	FILE *f = open_vectors(path, sizeof path);
	if (f == NULL) {
		print_error("cannot open %s (set WEBCRON_SRCDIR to the source tree)\n", path);
		fail();
	}
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		vectors++;
		if (check_vector(s, lineno) != 0)
			failed++;
	}
	fclose(f);
	print_message("# %d vectors from %s, %d failed\n", vectors, path, failed);
	assert_int_equal(failed, 0);
	assert_true(vectors >= 300);
}

/* SPEC 3.4's example: 02:30 does not exist in New York on 2024-03-10, so
 * that day's run is at 03:00 EDT (07:00Z). */
static void
test_acceptance(void **state)
{
	static const int64_t want[3] = { 1710054000, 1710138600, 1710225000 };
	struct cron *c = parse_ok("30 2 * * *");
	const struct tz *ny = zone("America/New_York");
	int64_t t = 1710043200;

	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(cron_next(c, ny, NULL, t, &t), 0);
		assert_int_equal(t, want[i]);
	}
	cron_free(c);
}

/* A weekday's d/n is d-7/n, 7 being Sunday (cronie, Cronos): Mon/2 is
 * Monday, Wednesday, Friday and Sunday. From 2012-07-09, February 2013's
 * first three are Fri 1st, Sun 3rd and Mon 4th. */
static void
test_weekday_step_reaches_sunday(void **state)
{
	static const int64_t want[3] = { 1359676800, 1359849600, 1359936000 };
	struct cron *c = parse_ok("0 0 0 * Feb Mon/2");
	int64_t t = 1341792000;

	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(cron_next(c, tz_utc(), NULL, t, &t), 0);
		assert_int_equal(t, want[i]);
	}
	cron_free(c);
}

static void
test_bounds(void **state)
{
	struct cron *c = parse_ok("*/15 * * * *");
	struct cron *m = parse_ok("@manual");
	struct cron *at = parse_ok("@at 2025-01-02T03:04:05Z");
	int64_t t;

	(void)state;
	/* NULL zone is UTC; NULL window is unbounded */
	assert_int_equal(cron_next(c, NULL, NULL, 0, &t), 0);
	assert_int_equal(t, 900);
	assert_int_equal(cron_next(c, tz_utc(), NULL, 899, &t), 0);
	assert_int_equal(t, 900);
	assert_int_equal(cron_next(c, tz_utc(), NULL, 900, &t), 0);
	assert_int_equal(t, 1800);
	/* before 1970 the schedule starts at 1970-01-01T00:00:00 */
	assert_int_equal(cron_next(c, NULL, NULL, INT64_MIN, &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(cron_next(c, zone("America/New_York"), NULL, INT64_MIN, &t), 0);
	assert_int_equal(t, 18000);
	/* nothing after 2199 */
	assert_int_equal(cron_next(c, NULL, NULL, INT64_MAX, &t), 1);
	assert_int_equal(cron_next(c, NULL, NULL, 7258118399 - 900, &t), 0);
	assert_int_equal(t, 7258118400 - 900);
	assert_int_equal(cron_next(c, NULL, NULL, 7258118400 - 900, &t), 1);
	assert_int_equal(cron_next(m, NULL, NULL, 0, &t), 1);
	assert_int_equal(cron_next(at, NULL, NULL, 0, &t), 0);
	assert_int_equal(t, 1735787045);
	assert_int_equal(cron_next(at, NULL, NULL, 1735787045, &t), 1);
	/* a window that closes before the next fire */
	struct cron_window w = { 0, 1000, 0, NULL, 0 };
	assert_int_equal(cron_next(c, NULL, &w, 0, &t), 0);
	assert_int_equal(cron_next(c, NULL, &w, 900, &t), 1);
	w.expires_at = 1800; /* expiresAt itself may fire */
	assert_int_equal(cron_next(c, NULL, &w, 900, &t), 0);
	assert_int_equal(t, 1800);
	cron_free(c);
	cron_free(m);
	cron_free(at);
}

/* Each ';' rule within its own window, inside the job's: the fire time is
 * the first of each rule's next fire in its window. */
static void
test_rule_windows(void **state)
{
	struct cron_bounds b[2] = { { 7200, 3 * 3600 }, { 0, 3600 } };
	struct cron_window w = { 0, 0, 0, b, 2 };
	struct cron *c, *e;
	int64_t t, got[8];
	int n = 0;

	(void)state;
	/* rule 1 every 15 minutes from 02:00 to 03:00, rule 2 at minute 30
	 * until 01:00 */
	assert_int_equal(cron_parse("*/15 * * * *; 30 * * * *", &c, NULL), 0);
	for (t = 0; n < 8 && cron_next(c, NULL, &w, t, &t) == 0;)
		got[n++] = t;
	assert_int_equal(n, 6);
	assert_int_equal(got[0], 1800);
	assert_int_equal(got[1], 7200);
	assert_int_equal(got[2], 7200 + 900);
	assert_int_equal(got[5], 3 * 3600);
	/* the job's window still bounds every rule */
	w.starts_at = 7200 + 1;
	w.expires_at = 7200 + 1800;
	assert_int_equal(cron_next(c, NULL, &w, 0, &t), 0);
	assert_int_equal(t, 7200 + 900);
	assert_int_equal(cron_next(c, NULL, &w, t, &t), 0);
	assert_int_equal(t, 7200 + 1800);
	assert_int_equal(cron_next(c, NULL, &w, t, &t), 1);
	/* rules past NRULES have no bounds of their own */
	w.starts_at = w.expires_at = 0;
	w.nrules = 1;
	assert_int_equal(cron_next(c, NULL, &w, 3 * 3600, &t), 0);
	assert_int_equal(t, 3 * 3600 + 1800);
	/* an @every rule counts from its own start */
	struct cron_bounds eb[1] = { { 1000, 0 } };
	struct cron_window ew = { 0, 0, 7, eb, 1 };
	assert_int_equal(cron_parse("@every 1h", &e, NULL), 0);
	assert_int_equal(cron_next(e, NULL, &ew, 0, &t), 0);
	assert_int_equal(t, 1000);
	assert_int_equal(cron_next(e, NULL, &ew, t, &t), 0);
	assert_int_equal(t, 1000 + 3600);
	/* and the gap of minInterval sees the windows */
	w.nrules = 2;
	b[0].starts_at = 0;
	b[0].expires_at = 0;
	assert_int_equal(cron_min_gap(c, NULL, &w, 0, &t), 0);
	assert_int_equal(t, 900);
	b[0].expires_at = 1;
	assert_int_equal(cron_min_gap(c, NULL, &w, 0, &t), 1);
	cron_free(c);
	cron_free(e);
}

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Rare and far schedules are found by jumping, not by searching: each of
 * these takes microseconds; the bound is loose for sanitizer builds. */
static void
test_far_is_quick(void **state)
{
	static const struct {
		const char *expr, *zone;
		int64_t from, want;
	} cases[] = {
		{ "0 0 29 2 *", "UTC", 4070908800, 4233686400 }, /* 2099 -> 2104 */
		{ "0 0 29 2 *", "America/New_York", 4070908800, 4233704400 },
		{ "0 0 0 1 1 * 2199", "America/New_York", 0, 7226600400 },
		{ "0 0 0 1 1 * 2199", "Australia/Lord_Howe", 0, 7226542800 },
		{ "0 0 0 ? 2 1#5 2196", "Europe/London", 0, 7136985600 },
		{ "59 59 23 31 12 ? 2199", "Pacific/Apia", 0, 7258071599 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cron *c = parse_ok(cases[i].expr);
		const struct tz *z = zone(cases[i].zone);
		int64_t t;
		double t0 = now_ms();
		assert_int_equal(cron_next(c, z, NULL, cases[i].from, &t), 0);
		double ms = now_ms() - t0;
		if (t != cases[i].want) {
			print_error("%s | %s: got %lld, want %lld\n", cases[i].expr, cases[i].zone,
			    (long long)t, (long long)cases[i].want);
			fail();
		}
		assert_true(ms < 20.0);
		cron_free(c);
	}
}

/* Property: in every zone and for a mix of schedules, next() is strictly
 * later, and no fire is skipped: asking from any instant between two
 * consecutive fires gives the later one. */
static void
test_consistency(void **state)
{
	static const char *const exprs[] = {
		"*/7 * * * *",
		"30 2 * * *",
		"0 1-3 * * *",
		"0,30 1,2 * * *",
		"*/20 0-3 * * 0",
		"0 0 L * *",
		"15 10 * * 5#2",
		"0 12 15W * *",
		"@every 97m",
		"*/13 */5 * * * *",
	};
	static const char *const zones[] = {
		"UTC",
		"America/New_York",
		"Europe/London",
		"Australia/Lord_Howe",
		"Pacific/Apia",
		"America/Santiago",
		"Asia/Kolkata",
	};
	(void)state;
	for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
		const struct tz *tz = zone(zones[z]);
		for (size_t e = 0; e < sizeof exprs / sizeof exprs[0]; e++) {
			struct cron *c = parse_ok(exprs[e]);
			int64_t prev = 1293840000, next; /* 2011-01-01 */
			for (int i = 0; i < 300; i++) {
				assert_int_equal(cron_next(c, tz, NULL, prev, &next), 0);
				assert_true(next > prev);
				int64_t mid = prev + (next - prev) / 2, again;
				assert_int_equal(cron_next(c, tz, NULL, mid, &again), 0);
				assert_int_equal(again, next);
				assert_int_equal(cron_next(c, tz, NULL, next - 1, &again), 0);
				assert_int_equal(again, next);
				prev = next + (i % 3 == 0 ? 86400 * 17 : 0); /* hop around the year */
			}
			cron_free(c);
		}
	}
}

static void
test_min_gap(void **state)
{
	static const struct {
		const char *expr, *zone;
		int64_t from;
		int rc;
		int64_t gap;
	} cases[] = {
		{ "*/15 * * * *", "UTC", 1700000000, 0, 900 },
		{ "* * * * * *", "UTC", 1700000000, 0, 1 },
		{ "*/2 * * * * *", "UTC", 1700000000, 0, 2 },
		{ "0 9 * * 1-5; 5 9 * * *", "UTC", 1700000000, 0, 300 },
		{ "0 0 1 1 *", "UTC", 1700000000, 0, 365 * 86400 },
		{ "0,1 0 1 1 *", "UTC", 1700000000, 0, 60 },
		{ "0 0 * * *", "UTC", 1700000000, 0, 86400 },
		/* daily at 02:00 in New York: the spring day runs at 03:00 EDT, 23 h
		 * after the day before, 24 h before the day after */
		{ "0 2 * * *", "America/New_York", 1704067200, 0, 23 * 3600 },
		/* interval rules in the repeated hour: still an hour apart */
		{ "0 * * * *", "America/New_York", 1730000000, 0, 3600 },
		/* fixed 01:00 and 01:30 on the fall-back day: 30 min apart */
		{ "0,30 1 * * *", "America/New_York", 1730000000, 0, 1800 },
		{ "@every 90m", "UTC", 1700000000, 0, 5400 },
		{ "@at 2030-01-01T00:00:00Z", "UTC", 1700000000, 1, 0 },
		{ "@manual", "UTC", 1700000000, 1, 0 },
		{ "0 0 0 1 1 * 2199", "UTC", 1700000000, 1, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cron *c = parse_ok(cases[i].expr);
		int64_t gap = -1;
		int rc = cron_min_gap(c, zone(cases[i].zone), NULL, cases[i].from, &gap);
		if (rc != cases[i].rc || (rc == 0 && gap != cases[i].gap)) {
			print_error("%s | %s: rc %d gap %lld\n", cases[i].expr, cases[i].zone, rc,
			    (long long)gap);
			fail();
		}
		cron_free(c);
	}
	/* a window that lets one fire through has no gap */
	struct cron *c = parse_ok("0 * * * *");
	struct cron_window w = { 0, 1700000000 + 3600, 0, NULL, 0 };
	int64_t gap;
	assert_int_equal(cron_min_gap(c, NULL, &w, 1700000000, &gap), 1);
	cron_free(c);
}

/* cron_next_memo answers as cron_next, with one memo shared by jobs of
 * other zones, windows and anchors, asked the same instants again: the
 * memo answers only for a window without bounds and no @every. */
static void
test_memo_same_answers(void **state)
{
	static const char *const exprs[] = { "0 3 * * *", "*/5 * * * *", "@every 90s",
		"0 0 * * *;@every 1h", "0 3 * * *;30 4 * * *", "@at 2027-01-01T00:00:00Z" };
	const struct tz *zones[] = { NULL, zone("Europe/Berlin"), zone("UTC") };
	const int64_t base = 1798700000; /* 2026-12-31 */
	const struct cron_bounds own[2] = { { base + 3 * 86400, 0 }, { 0, base + 2 * 86400 } };
	struct cron_window wins[5];
	size_t e, i, w, z;

	(void)state;
	memset(wins, 0, sizeof(wins));
	wins[1].anchor = base + 7;
	wins[2].anchor = base + 40;
	wins[3].starts_at = base + 86400;
	wins[4].rules = own;
	wins[4].nrules = 2;
	for (e = 0; e < sizeof(exprs) / sizeof(exprs[0]); e++) {
		struct cron *c = parse_ok(exprs[e]);
		struct cron_memo memo;

		memset(&memo, 0, sizeof(memo));
		for (i = 0; i < 40; i++) {
			int64_t after = base + (int64_t)(i / 4) * 1000; /* each instant asked 4 times */

			for (z = 0; z < 3; z++)
				for (w = 0; w < 5; w++) {
					const struct cron_window *win = w == 0 ? NULL : &wins[w];
					int64_t want = -1, got = -1;
					int rc = cron_next(c, zones[z], win, after, &want);

					assert_int_equal(cron_next_memo(c, zones[z], win, after, &got, &memo), rc);
					assert_int_equal(got, rc == 0 ? want : -1);
					assert_int_equal(cron_next_memo(c, zones[z], win, after, &got, &memo), rc);
					assert_int_equal(got, rc == 0 ? want : -1);
				}
		}
		cron_free(c);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_acceptance),
		cmocka_unit_test(test_weekday_step_reaches_sunday),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_far_is_quick),
		cmocka_unit_test(test_consistency),
		cmocka_unit_test(test_min_gap),
		cmocka_unit_test(test_rule_windows),
		cmocka_unit_test(test_memo_same_answers),
	};
	return cmocka_run_group_tests_name("cron_next", tests, NULL, NULL);
}
