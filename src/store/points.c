/*
 * points: the fires of a job's day, counted once and remembered.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cron.h"
#include "engine/tz.h"
#include "store/points.h"
#include "util/buf.h"

#define POINTS_SLOTS	4096	/* by (expression, zone, day) */
#define POINTS_JOBS	65536	/* by job id: a page of 1,000 consecutive ids never collides */

struct points {
	struct {
		char *expression;
		const struct tz *zone;
		int64_t day;
		int64_t points;
	} slot[POINTS_SLOTS];
	struct {
		uint64_t id;		/* 0 = empty */
		uint64_t digest;	/* of the schedule, the window and the zone */
		int64_t day;
		int64_t points;
	} job[POINTS_JOBS];
};

struct points *
points_new(void)
{
	return xcalloc(1, sizeof(struct points));
}

void
points_free(struct points *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < POINTS_SLOTS; i++)
		free(p->slot[i].expression);
	free(p);
}

int64_t
points_day(const struct tz *zone, int64_t now)
{
	int64_t local = now + tz_offset_at(zone ? zone : tz_utc(), now);

	return local >= 0 ? local / 86400 : (local - 86399) / 86400;
}

/* The first instant of local day DAY in ZONE: its midnight, or the end of
 * a gap that skips it. */
static int64_t
points_midnight(const struct tz *zone, int64_t day)
{
	int64_t t[2];

	tz_local_to_utc(zone, day * 86400, t);
	return t[0];
}

int64_t
points_walk(const char *expression, const struct tz *zone, const struct cron_window *w,
    int64_t now)
{
	struct cron *c;
	int64_t day, start, end, span_start, span_end, t, first = 0, next, n = 0;
	const int64_t cap = 1440;

	if (*expression == '\0' || cron_parse(expression, &c, NULL) == -1)
		return 0;
	if (zone == NULL)
		zone = tz_utc();
	day = points_day(zone, now);
	start = points_midnight(zone, day);
	end = points_midnight(zone, day + 1);
	for (t = start - 1; n < cap && cron_next(c, zone, w, t, &next) == 0 && next < end; t = next)
		if (n++ == 0)
			first = next;
	/* more than one a minute: count the rest of the day (of the window)
	 * from the pace of the first ones (cap - 1 gaps) rather than walking
	 * up to 86400 fire times */
	if (n == cap && t > first) {
		span_start = w->starts_at > start ? w->starts_at : start;
		span_end = w->expires_at && w->expires_at < end ? w->expires_at : end;
		n = (cap - 1) * (span_end - span_start) / (t - first);
		if (n < cap)
			n = cap;
	}
	cron_free(c);
	return n;
}

static uint64_t
points_hash(uint64_t h, const void *data, size_t len)
{
	const uint8_t *s = data;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	return h;
}

/* The count of the shared slots: a plain schedule's day is the same for
 * every job that has it. */
static int64_t
points_shared(struct points *p, const char *expression, const struct tz *zone,
    const struct cron_window *w, int64_t now, int64_t day)
{
	uint64_t h = points_hash(0xcbf29ce484222325ULL, expression, strlen(expression));
	size_t i;

	h ^= (uint64_t)(uintptr_t)zone;
	i = (size_t)(h % POINTS_SLOTS);
	if (p->slot[i].expression && p->slot[i].zone == zone && p->slot[i].day == day &&
	    strcmp(p->slot[i].expression, expression) == 0)
		return p->slot[i].points;
	free(p->slot[i].expression);
	p->slot[i].expression = xstrdup(expression);
	p->slot[i].zone = zone;
	p->slot[i].day = day;
	p->slot[i].points = points_walk(expression, zone, w, now);
	return p->slot[i].points;
}

int64_t
points_job(struct points *p, uint64_t id, const char *expression, const struct tz *zone,
    const struct cron_window *w, int64_t now)
{
	uint64_t digest = 0xcbf29ce484222325ULL;
	int64_t day;
	size_t i;

	if (zone == NULL)
		zone = tz_utc();
	if (p == NULL)
		return points_walk(expression, zone, w, now);
	day = points_day(zone, now);
	digest = points_hash(digest, expression, strlen(expression) + 1);
	digest = points_hash(digest, &zone, sizeof(zone));
	digest = points_hash(digest, w, sizeof(*w));
	i = (size_t)(id % POINTS_JOBS);
	if (p->job[i].id == id && p->job[i].digest == digest && p->job[i].day == day)
		return p->job[i].points;
	p->job[i].id = id;
	p->job[i].digest = digest;
	p->job[i].day = day;
	/* a window or an anchor makes the count the job's own */
	if (w->starts_at || w->expires_at || strncmp(expression, "@every", 6) == 0)
		p->job[i].points = points_walk(expression, zone, w, now);
	else
		p->job[i].points = points_shared(p, expression, zone, w, now, day);
	return p->job[i].points;
}
