/*
 * Benchmark of the schedule engine (run through bench/cron-next): the cost
 * of cron_parse() and of cron_next() for a mix of expressions, in UTC and
 * in America/New_York, chained the way the scheduler calls it (each call
 * starts from the previous fire time).
 *
 * cron_next() is timed call by call with CLOCK_MONOTONIC and the timer's
 * own cost (the median of empty measurements) subtracted, so the median
 * and the 99th percentile are per call.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/cron.h"
#include "engine/tz.h"

static const char *const mix[] = {
	"* * * * *",
	"*/15 * * * *",
	"0 2 * * *",
	"30 2 * * *",
	"0 8 * * 1-5",
	"0 0 1 * *",
	"0 0 L * *",
	"*/5 9-17 * * 1-5",
	"*/10 * * * * *",
	"0 0 13 * 5",
	"0 15 10 ? * 6L",
	"0 0 12 15W * ?",
	"0 0 29 2 *",
	"@every 90m",
	"0 0,12 1 */2 *",
	"5 4 * * sun",
	"0 0 * * 0",
	"0 */6 * * *",
	"0 9 * * 1#1",
	"0 0 1 1 *",
};
#define NMIX (sizeof mix / sizeof mix[0])

static int64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int64_t
timer_cost(void)
{
	enum { N = 100001 };
	static int64_t d[N];
	for (int i = 0; i < N; i++) {
		int64_t t0 = now_ns();
		d[i] = now_ns() - t0;
	}
	qsort(d, N, sizeof d[0], cmp64);
	return d[N / 2];
}

static void
bench_parse(void)
{
	enum { ROUNDS = 20000 };
	struct cron *c;
	int64_t t0 = now_ns();
	for (int r = 0; r < ROUNDS; r++)
		for (size_t i = 0; i < NMIX; i++) {
			if (cron_parse(mix[i], &c, NULL) != 0)
				abort();
			cron_free(c);
		}
	double ns = (double)(now_ns() - t0) / (ROUNDS * NMIX);
	printf("parse %36.0f ns mean (%d calls, malloc and free included)\n",
	    ns, ROUNDS * (int)NMIX);
}

static const char *const rare[] = {
	"0 0 29 2 *",
	"0 0 0 ? 2 1#5",
	"0 0 0 29 2 1",
	"0 0 12 31W * ?",
	"0 0 0 1 1 * */25",
};
#define NRARE (sizeof rare / sizeof rare[0])

/* cron_next() over the expressions EXPRS, each chained from its own last
 * fire time, starting in 2024 (so the chains cross DST days) and restarted
 * after 20 years. */
static void
bench_next(const char *label, const char *const *exprs, size_t n,
    const char *zone_name, int64_t overhead)
{
	enum { SAMPLES = 400000,
		NMAX = 32 };
	static int64_t d[SAMPLES];
	const struct tz *zone = tz_get(zone_name);
	struct cron *c[NMAX];
	int64_t at[NMAX];
	const int64_t start = 1704067200, stop = start + 20LL * 365 * 86400;

	if (zone == NULL) {
		fprintf(stderr, "zone %s does not load\n", zone_name);
		exit(1);
	}
	for (size_t i = 0; i < n; i++) {
		if (cron_parse(exprs[i], &c[i], NULL) != 0)
			abort();
		at[i] = start + (int64_t)i * 7919;
	}
	for (int i = 0; i < 10000; i++) { /* warm the caches and the zone */
		int64_t t;
		cron_next(c[i % n], zone, NULL, at[i % n], &t);
	}
	/* per call, for the median and the tail */
	for (int i = 0; i < SAMPLES; i++) {
		size_t k = (size_t)i % n;
		int64_t t, t0 = now_ns();
		int rc = cron_next(c[k], zone, NULL, at[k], &t);
		d[i] = now_ns() - t0 - overhead;
		at[k] = rc == 0 && t < stop ? t : start;
	}
	/* in one batch, for the mean without the timer */
	int64_t b0 = now_ns();
	for (int i = 0; i < SAMPLES; i++) {
		size_t k = (size_t)i % n;
		int64_t t;
		int rc = cron_next(c[k], zone, NULL, at[k], &t);
		at[k] = rc == 0 && t < stop ? t : start;
	}
	double mean = (double)(now_ns() - b0) / SAMPLES;
	qsort(d, SAMPLES, sizeof d[0], cmp64);
	printf("next %-5s %-20s %5lld ns median %6lld ns p99 %7lld ns p99.9 %7.0f ns mean\n",
	    label, zone_name, (long long)(d[SAMPLES / 2] < 0 ? 0 : d[SAMPLES / 2]),
	    (long long)d[SAMPLES * 99 / 100], (long long)d[SAMPLES * 999 / 1000], mean);
	for (size_t i = 0; i < n; i++)
		cron_free(c[i]);
}

int
main(void)
{
	int64_t overhead = timer_cost();

	printf("schedule engine: mix of %zu expressions, rare set of %zu; timer cost %lld ns "
	       "subtracted\n",
	    NMIX, NRARE, (long long)overhead);
	bench_parse();
	bench_next("mix", mix, NMIX, "UTC", overhead);
	bench_next("mix", mix, NMIX, "America/New_York", overhead);
	bench_next("mix", mix, NMIX, "Australia/Lord_Howe", overhead);
	bench_next("rare", rare, NRARE, "UTC", overhead);
	bench_next("rare", rare, NRARE, "America/New_York", overhead);
	return 0;
}
