/*
 * tz.c against the C library: for every zone tz_list() returns, each
 * transition that `zdump -v` prints (glibc reading the same TZif files) must
 * give the same UTC offset and DST flag in tz_offset_at()/tz_span_at(), at
 * the instant before the transition and at the transition.
 *
 * zdump is slow (it scans time in steps with localtime()), so to stay within
 * a few seconds:
 * - names that are links to a file already checked (US/Eastern and
 *   America/New_York) are compared with that file's zone span by span
 *   instead of through zdump again;
 * - 1970-2037 is checked for every file; after the tables end (2037), time
 *   comes from the footer rule alone, so 2037-2049 and 2190-2199 (the end
 *   of tz.c's horizon) are checked for one file per distinct footer;
 * - several zdump processes run at once.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/tz.h"

#define ZONEINFO "/usr/share/zoneinfo"
#define WORKERS 4       /* zdump processes at once */
#define MAX_REPORTED 20 /* mismatches printed before keeping quiet */
#define LINE_MAX_LEN 1024

struct tally {
	size_t checked;    /* zdump lines compared */
	size_t ny_checked; /* of which America/New_York, to prove coverage */
	size_t mismatches;
	size_t bad_lines;
	int last_year; /* latest year compared */
};

/* One running zdump and the part of its output not yet split into lines. */
struct worker {
	FILE *fp;
	int fd;
	char buf[LINE_MAX_LEN];
	size_t len;
};

/* Unix time of a UTC date, by counting days (independent of tz.c). */
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

static int
month_number(const char *name)
{
	static const char *const months[12] = {
		"Jan",
		"Feb",
		"Mar",
		"Apr",
		"May",
		"Jun",
		"Jul",
		"Aug",
		"Sep",
		"Oct",
		"Nov",
		"Dec",
	};
	int i;

	for (i = 0; i < 12; i++) {
		if (strcmp(name, months[i]) == 0)
			return i + 1;
	}
	return 0;
}

/* Checks one line of zdump -v output:
 *   ZONE  Sun Mar 10 07:00:00 2024 UT = Sun Mar 10 03:00:00 2024 EDT isdst=1 gmtoff=-14400
 * Lines for the extremes of time_t ("ZONE  -9223372036854775808 = NULL")
 * carry nothing to compare. */
static void
check_line(const char *line, struct tally *tally)
{
	char zone_name[256], mon[4];
	int day, h, mi, s, y, isdst, mo;
	long gmtoff;
	const struct tz *z;
	struct tz_span span;
	int64_t t;

	if (strstr(line, "= NULL") != NULL)
		return;
	if (sscanf(line, "%255s %*3s %3s %d %d:%d:%d %d UT = %*s %*s %*d %*d:%*d:%*d %*d %*s "
	                 "isdst=%d gmtoff=%ld",
	        zone_name, mon, &day, &h, &mi, &s, &y, &isdst,
	        &gmtoff) != 9 ||
	    (mo = month_number(mon)) == 0) {
		print_error("cannot read zdump line: %s\n", line);
		tally->bad_lines++;
		return;
	}
	z = tz_get(zone_name);
	if (z == NULL) {
		print_error("%s: listed by tz_list but tz_get fails\n", zone_name);
		tally->bad_lines++;
		return;
	}
	t = utc(y, mo, day, h, mi, s);
	tz_span_at(z, t, &span);
	tally->checked++;
	if (y > tally->last_year)
		tally->last_year = y;
	if (strcmp(zone_name, "America/New_York") == 0)
		tally->ny_checked++;
	if (span.offset != gmtoff || span.is_dst != isdst ||
	    tz_offset_at(z, t) != gmtoff) {
		if (tally->mismatches < MAX_REPORTED) {
			print_error("%s at %lld (%04d-%02d-%02dT%02d:%02d:%02dZ): zdump says "
			            "gmtoff=%ld isdst=%d, tz says offset=%d is_dst=%d\n",
			    zone_name, (long long)t, y, mo, day, h, mi, s, gmtoff, isdst,
			    (int)span.offset, span.is_dst);
		}
		tally->mismatches++;
	}
}

/* Reads what worker W has written and checks each whole line. Returns 0 at
 * the end of its output, 1 while there is more. */
static int
worker_read(struct worker *w, struct tally *tally)
{
	ssize_t r;
	char *nl;

	r = read(w->fd, w->buf + w->len, sizeof(w->buf) - 1 - w->len);
	if (r == -1 && errno == EINTR)
		return 1;
	if (r <= 0) {
		if (w->len > 0) {
			w->buf[w->len] = '\0';
			check_line(w->buf, tally);
		}
		return 0;
	}
	w->len += (size_t)r;
	w->buf[w->len] = '\0';
	while ((nl = strchr(w->buf, '\n')) != NULL) {
		*nl = '\0';
		check_line(w->buf, tally);
		w->len -= (size_t)(nl + 1 - w->buf);
		memmove(w->buf, nl + 1, w->len + 1);
	}
	if (w->len == sizeof(w->buf) - 1) {
		print_error("zdump line too long\n");
		tally->bad_lines++;
		w->len = 0;
	}
	return 1;
}

/* Runs zdump over NAMES[0..N) for the years [FROM, TO) in WORKERS processes
 * at once and checks every line. The names passed tz_get's check
 * ([A-Za-z0-9/_+-] only), so they are safe in a shell command; "--" keeps
 * a leading '-' from being read as an option. */
static void
run_zdump(const char *const *names, size_t n, int from, int to,
    struct tally *tally)
{
	struct worker *w = calloc(WORKERS, sizeof(*w));
	struct pollfd pfd[WORKERS];
	size_t i, k, cap, len, running = 0;
	char *cmd;

	assert_non_null(w);
	for (k = 0; k < WORKERS; k++) {
		cap = 64;
		for (i = k; i < n; i += WORKERS)
			cap += strlen(names[i]) + 1;
		cmd = malloc(cap);
		assert_non_null(cmd);
		len = (size_t)snprintf(cmd, cap, "zdump -v -c %d,%d --", from, to);
		for (i = k; i < n; i += WORKERS)
			len += (size_t)snprintf(cmd + len, cap - len, " %s", names[i]);
		w[k].fp = popen(cmd, "r");
		free(cmd);
		assert_non_null(w[k].fp);
		w[k].fd = fileno(w[k].fp);
		running++;
	}
	while (running > 0) {
		for (k = 0; k < WORKERS; k++) {
			pfd[k].fd = w[k].fp != NULL ? w[k].fd : -1;
			pfd[k].events = POLLIN;
			pfd[k].revents = 0;
		}
		if (poll(pfd, WORKERS, -1) == -1) {
			assert_int_equal(errno, EINTR);
			continue;
		}
		for (k = 0; k < WORKERS; k++) {
			int status;

			if (w[k].fp == NULL || pfd[k].revents == 0 ||
			    worker_read(&w[k], tally) == 1)
				continue;
			status = pclose(w[k].fp);
			if (status != 0) {
				print_error("zdump exited with status %d\n", status);
				tally->bad_lines++;
			}
			w[k].fp = NULL;
			running--;
		}
	}
	free(w);
}

/* Whether A and B have the same spans all the way through. */
static bool
same_zone(const struct tz *a, const struct tz *b)
{
	struct tz_span sa, sb;
	int64_t t = INT64_MIN;

	for (;;) {
		tz_span_at(a, t, &sa);
		tz_span_at(b, t, &sb);
		if (sa.start != sb.start || sa.end != sb.end || sa.offset != sb.offset ||
		    sa.is_dst != sb.is_dst)
			return false;
		if (sa.end == INT64_MAX)
			return true;
		/* A span must end after T; otherwise the walk never would. */
		if (sa.end <= t)
			return false;
		t = sa.end;
	}
}

/* The footer line of zone NAME's file, into BUF. */
static void
read_footer(const char *name, char *buf, size_t size)
{
	char path[512], data[1 << 16];
	size_t len, i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", ZONEINFO, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	len = fread(data, 1, sizeof(data), f);
	fclose(f);
	assert_true(len > 2 && data[len - 1] == '\n');
	for (i = len - 1; i > 0 && data[i - 1] != '\n'; i--)
		;
	snprintf(buf, size, "%.*s", (int)(len - 1 - i), data + i);
}

struct picked {
	const char **files; /* one name per distinct file */
	size_t nfiles;
	const char **footers; /* one name per distinct footer */
	size_t nfooters;
	size_t links; /* names compared with their file's first name */
};

/* Sorts the listed names into the ones zdump must see. */
static void
pick_zones(const char *const *names, size_t n, struct picked *p)
{
	struct stat *seen = calloc(n, sizeof(*seen));
	char(*footer)[256] = calloc(n, sizeof(*footer));
	size_t i, j;

	p->files = calloc(n, sizeof(*p->files));
	p->footers = calloc(n, sizeof(*p->footers));
	assert_true(seen != NULL && footer != NULL && p->files != NULL && p->footers != NULL);
	for (i = 0; i < n; i++) {
		char path[512];
		struct stat st;
		const struct tz *z = tz_get(names[i]);

		if (z == NULL)
			fail_msg("%s: listed by tz_list but tz_get fails", names[i]);
		snprintf(path, sizeof(path), "%s/%s", ZONEINFO, names[i]);
		if (stat(path, &st) == -1) {
			/* UTC is built in and may have no file. */
			assert_string_equal(names[i], "UTC");
			continue;
		}
		for (j = 0; j < p->nfiles; j++) {
			if (seen[j].st_dev == st.st_dev && seen[j].st_ino == st.st_ino)
				break;
		}
		if (j < p->nfiles) {
			if (!same_zone(z, tz_get(p->files[j])))
				fail_msg("%s differs from %s, the same file", names[i], p->files[j]);
			p->links++;
			continue;
		}
		seen[p->nfiles] = st;
		p->files[p->nfiles++] = names[i];
		read_footer(names[i], footer[p->nfooters], sizeof(footer[0]));
		for (j = 0; j < p->nfooters; j++) {
			if (strcmp(footer[j], footer[p->nfooters]) == 0)
				break;
		}
		if (j == p->nfooters)
			p->footers[p->nfooters++] = names[i];
	}
	free(seen);
	free(footer);
}

/* Runs zdump over NAMES for the years [FROM, TO) and asserts the result. */
static void
check_range(const char *const *names, size_t n, int from, int to,
    size_t ny_min)
{
	struct tally tally = { 0 };

	run_zdump(names, n, from, to, &tally);
	print_message("# zdump %d-%d: %zu zones, %zu instants compared, %zu mismatches\n",
	    from, to - 1, n, tally.checked, tally.mismatches);
	assert_int_equal(tally.bad_lines, 0);
	assert_int_equal(tally.mismatches, 0);
	/* Guards against comparing nothing (say, zdump's format changed). */
	assert_true(tally.checked > 2 * n);
	assert_true(tally.ny_checked >= ny_min);
	assert_int_equal(tally.last_year, to - 1);
}

static void
test_zdump_all_zones(void **state)
{
	const char *const *names;
	struct picked p = { 0 };
	size_t n;

	(void)state;
	n = tz_list(&names);
	assert_true(n > 300);
	pick_zones(names, n, &p);
	print_message("# %zu names: %zu files, %zu links to them, %zu distinct footers\n",
	    n, p.nfiles, p.links, p.nfooters);
	assert_true(p.nfiles > 300);
	assert_true(p.nfooters > 20);

	/* 1970-2037: the files' tables (zdump's upper year is exclusive). */
	check_range(p.files, p.nfiles, 1970, 2038, 2 * 2 * 60);
	/* The footer rules that tz.c expands: where they take over from the
	 * tables, and the last years before the 2199 horizon (the whole of
	 * 2037-2199 would take zdump ten times as long). */
	check_range(p.footers, p.nfooters, 2037, 2050, 0);
	check_range(p.footers, p.nfooters, 2190, 2200, 0);

	free(p.files);
	free(p.footers);
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
		cmocka_unit_test(test_zdump_all_zones),
	};

	/* zdump reads TZDIR like the rest of glibc; it must see our files. */
	unsetenv("TZDIR");
	return cmocka_run_group_tests(tests, NULL, teardown);
}
