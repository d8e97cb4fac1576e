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

#define POINTS_SLOTS 4096  /* by (expression, zone, day) */
#define POINTS_JOBS 65536  /* by job id: a page of 1,000 consecutive ids never collides */
#define POINTS_TEXTS 16384 /* Job objects' texts, about 1 KB each: at most 16 MB */

struct points {
	struct {
		char *expression;
		const struct tz *zone;
		int64_t day;
		int64_t points;
	} slot[POINTS_SLOTS];
	struct {
		uint64_t id;     /* 0 = empty */
		uint64_t digest; /* of the schedule, the window and the zone */
		int64_t day;
		int64_t points;
		uint64_t next_digest; /* 0 = none remembered */
		int64_t next_from, next_at;
	} job[POINTS_JOBS];
	struct {
		uint64_t id;
		uint64_t digest;
		char *text;
		size_t len;
	} text[POINTS_TEXTS];
	struct {
		uint64_t id; /* 0 = empty */
		uint64_t digest;
		size_t len;
		unsigned char data[POINTS_FIELDS_MAX];
	} fields[POINTS_TEXTS];
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
	for (i = 0; i < POINTS_TEXTS; i++)
		free(p->text[i].text);
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
	digest = points_hash(digest, &w->starts_at, sizeof(w->starts_at));
	digest = points_hash(digest, &w->expires_at, sizeof(w->expires_at));
	digest = points_hash(digest, &w->anchor, sizeof(w->anchor));
	if (w->rules && w->nrules > 0) /* the rules' windows, by value */
		digest = points_hash(digest, w->rules, (size_t)w->nrules * sizeof(*w->rules));
	i = (size_t)(id % POINTS_JOBS);
	if (p->job[i].id == id && p->job[i].digest == digest && p->job[i].day == day)
		return p->job[i].points;
	if (p->job[i].id != id)
		p->job[i].next_digest = 0;
	p->job[i].id = id;
	p->job[i].digest = digest;
	p->job[i].day = day;
	/* a window or an anchor makes the count the job's own */
	if (w->starts_at || w->expires_at || w->nrules || strncmp(expression, "@every", 6) == 0)
		p->job[i].points = points_walk(expression, zone, w, now);
	else
		p->job[i].points = points_shared(p, expression, zone, w, now, day);
	return p->job[i].points;
}

uint64_t
points_digest(uint64_t h, const void *data, size_t len)
{
	const uint8_t *s = data;
	uint64_t w;

	/* a word at a time: a record of 1 KB costs about a hundred multiplies */
	h ^= len * 0x9e3779b97f4a7c15ULL;
	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	for (; len > 0; s++, len--)
		h = (h ^ *s) * 0x100000001b3ULL;
	h ^= h >> 29;
	return h ? h : 1;
}

int
points_next_get(struct points *p, uint64_t id, uint64_t digest, int64_t now, int64_t *next)
{
	size_t i = (size_t)(id % POINTS_JOBS);

	if (p == NULL || p->job[i].id != id || p->job[i].next_digest != digest ||
	    now < p->job[i].next_from || (p->job[i].next_at && now >= p->job[i].next_at))
		return 0;
	*next = p->job[i].next_at;
	return 1;
}

void
points_next_put(struct points *p, uint64_t id, uint64_t digest, int64_t now, int64_t next)
{
	size_t i = (size_t)(id % POINTS_JOBS);

	if (p == NULL)
		return;
	if (p->job[i].id != id) {
		p->job[i].id = id;
		p->job[i].digest = 0; /* no points remembered */
	}
	p->job[i].next_digest = digest;
	p->job[i].next_from = now;
	p->job[i].next_at = next;
}

const char *
points_text_get(struct points *p, uint64_t id, uint64_t digest, size_t *len)
{
	size_t i = (size_t)(id % POINTS_TEXTS);

	if (p == NULL || p->text[i].text == NULL || p->text[i].id != id ||
	    p->text[i].digest != digest)
		return NULL;
	*len = p->text[i].len;
	return p->text[i].text;
}

int
points_fields_get(struct points *p, uint64_t id, uint64_t digest, void *out, size_t len)
{
	size_t i = (size_t)(id % POINTS_TEXTS);

	if (p == NULL || p->fields[i].id != id || id == 0 || p->fields[i].digest != digest ||
	    p->fields[i].len != len)
		return 0;
	memcpy(out, p->fields[i].data, len);
	return 1;
}

void
points_fields_put(struct points *p, uint64_t id, uint64_t digest, const void *data, size_t len)
{
	size_t i = (size_t)(id % POINTS_TEXTS);

	if (p == NULL || len > POINTS_FIELDS_MAX)
		return;
	memcpy(p->fields[i].data, data, len);
	p->fields[i].len = len;
	p->fields[i].id = id;
	p->fields[i].digest = digest;
}

void
points_text_put(struct points *p, uint64_t id, uint64_t digest, const char *text, size_t len)
{
	size_t i = (size_t)(id % POINTS_TEXTS);

	if (p == NULL)
		return;
	free(p->text[i].text);
	p->text[i].text = xmalloc(len + 1);
	memcpy(p->text[i].text, text, len);
	p->text[i].text[len] = '\0';
	p->text[i].len = len;
	p->text[i].id = id;
	p->text[i].digest = digest;
}
