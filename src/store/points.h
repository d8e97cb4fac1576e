/*
 * points: how many times a schedule fires in 24 hours, remembered.
 *
 * Points only change with daylight saving, and many jobs share an
 * expression: a direct-mapped cache by (expression, zone, hour) saves
 * walking up to 1440 fire times per job in every cron.list. The cache is
 * an object its owner makes and frees (the daemon's store holds one), so
 * no state outlives it.
 */
#ifndef WEBCRON_POINTS_H
#define WEBCRON_POINTS_H

#include <stdint.h>

struct cron_window;
struct tz;

struct points;

struct points *points_new(void);
void points_free(struct points *);

/* Fires of EXPRESSION (normalized) in ZONE within W in the 24 hours after
 * NOW; with a window, an @every anchor or no cache P, walked every time.
 * 0 for an expression that does not parse. */
int64_t points_count(struct points *p, const char *expression, const struct tz *zone,
	const struct cron_window *w, int64_t now);

#endif
