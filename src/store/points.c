/*
 * points: a direct-mapped cache of the fires of a day.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cron.h"
#include "store/points.h"
#include "util/buf.h"

#define POINTS_SLOTS 4096

struct points {
	struct {
		char *expression;
		const struct tz *zone;
		int64_t hour;
		int64_t points;
	} slot[POINTS_SLOTS];
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

static int64_t
points_walk(const char *expression, const struct tz *zone, const struct cron_window *w,
    int64_t now)
{
	struct cron *c;
	int64_t t = now, first = 0, next, n = 0;
	const int64_t cap = 1440;

	if (*expression == '\0' || cron_parse(expression, &c, NULL) == -1)
		return 0;
	while (n < cap && cron_next(c, zone, w, t, &next) == 0 && next <= now + 86400) {
		if (n++ == 0)
			first = next;
		t = next;
	}
	/* more than one a minute: count the rest from the pace of the first
	 * ones (cap - 1 gaps) rather than walking up to 86400 fire times */
	if (n == cap && t > first)
		n = (cap - 1) * 86400 / (t - first);
	cron_free(c);
	return n;
}

int64_t
points_count(struct points *p, const char *expression, const struct tz *zone,
    const struct cron_window *w, int64_t now)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const char *s;
	size_t i;

	/* a window or an anchor makes the count the job's own */
	if (p == NULL || w->starts_at || w->expires_at || strncmp(expression, "@every", 6) == 0)
		return points_walk(expression, zone, w, now);
	for (s = expression; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
	h ^= (uint64_t)(uintptr_t)zone;
	i = (size_t)(h % POINTS_SLOTS);
	if (p->slot[i].expression && p->slot[i].zone == zone && p->slot[i].hour == now / 3600 &&
	    strcmp(p->slot[i].expression, expression) == 0)
		return p->slot[i].points;
	free(p->slot[i].expression);
	p->slot[i].expression = xstrdup(expression);
	p->slot[i].zone = zone;
	p->slot[i].hour = now / 3600;
	p->slot[i].points = points_walk(expression, zone, w, now - now % 3600);
	return p->slot[i].points;
}
