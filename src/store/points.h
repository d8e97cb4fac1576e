/*
 * points: how many times a job fires in its day, remembered.
 *
 * A job's points are the fires of its schedule in the calendar day that
 * holds NOW in the job's zone (local midnight to the next local midnight,
 * 23 or 25 hours on a daylight-saving day), within its startsAt/expiresAt.
 * They change only with the schedule, the zone or the day, so they are
 * counted once per job and day, not at every read: the count walks up to
 * 1440 fire times. Two caches remember them: one by job (id and a digest
 * of what the count depends on), and one by (expression, zone, day) that
 * jobs with the same plain schedule share. Both are direct-mapped, so
 * their memory is fixed; the object's owner makes and frees it (the
 * daemon's store holds one), so no state outlives it.
 */
#ifndef WEBCRON_POINTS_H
#define WEBCRON_POINTS_H

#include <stdint.h>

struct cron_window;
struct tz;

struct points;

/* A new, empty cache; never NULL (memory exhaustion is fatal). */
struct points *points_new(void);
void points_free(struct points *);

/* The day (days since 1970-01-01, local) that holds NOW in ZONE. */
int64_t points_day(const struct tz *zone, int64_t now);

/* Fires of EXPRESSION (normalized) in ZONE within W during the day of
 * NOW, counted now (no cache): more than 1440 are extrapolated from the
 * pace of the first 1440. 0 for an expression that does not parse or
 * never fires that day. */
int64_t points_walk(const char *expression, const struct tz *zone, const struct cron_window *w,
    int64_t now);

/* The same for job ID, through the caches of P (NULL: walked). */
int64_t points_job(struct points *p, uint64_t id, const char *expression, const struct tz *zone,
    const struct cron_window *w, int64_t now);

/*
 * Two more things a read derives from a job's record, kept in the same
 * object (the cache of what reads derive from a job's record): the job's
 * next fire time, which stays the same from the instant it was computed
 * for until it comes, and the text of its Job object without the fields
 * that change without a write (job.c's template). DIGEST names the
 * version of what the value was derived from; a slot holds one job.
 */

/* 1 with *NEXT when job ID's next fire after NOW, computed for DIGEST
 * at an instant not after NOW, is still ahead (or was none); else 0. */
int points_next_get(struct points *p, uint64_t id, uint64_t digest, int64_t now,
    int64_t *next);
/* Remembers NEXT (0 = none) as job ID's next fire after NOW for DIGEST. */
void points_next_put(struct points *p, uint64_t id, uint64_t digest, int64_t now, int64_t next);
/* The text remembered for job ID and DIGEST (with *LEN), or NULL. */
const char *points_text_get(struct points *p, uint64_t id, uint64_t digest, size_t *len);
/* Remembers LEN bytes of TEXT (copied) for job ID and DIGEST. */
void points_text_put(struct points *p, uint64_t id, uint64_t digest, const char *text,
    size_t len);
/* LEN bytes (at most POINTS_FIELDS_MAX) remembered for job ID and DIGEST:
 * the fields of its record a read needs (job.c), so that a record seen
 * before is not decoded again. The get returns 1 with OUT filled, or 0. */
#define POINTS_FIELDS_MAX 160
int points_fields_get(struct points *p, uint64_t id, uint64_t digest, void *out, size_t len);
void points_fields_put(struct points *p, uint64_t id, uint64_t digest, const void *data,
    size_t len);
/* A digest of LEN bytes of DATA, continuing H (0 to start). */
uint64_t points_digest(uint64_t h, const void *data, size_t len);

#endif
