/*
 * tz: IANA time zones from the system's tzdata, without the C library's
 * time zone machinery.
 *
 * localtime()/mktime() work on one process-wide zone chosen through TZ;
 * a daemon that serves jobs in hundreds of zones cannot switch TZ back and
 * forth, so this module reads the TZif files itself (RFC 8536) and turns
 * each zone into one flat array of transition instants, extended from the
 * file's POSIX TZ footer up to the end of TZ_HORIZON_YEAR. A lookup is then
 * a bucket lookup and a binary search over a transition or two.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* opendir, lstat, O_CLOEXEC under -std=c11 */
#endif

#include "engine/tz.h"

#include "engine/cal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"
#define TZ_PATH_MAX 4096
#define TZ_NAME_MAX 255         /* longest IANA name is ~30 bytes */
#define TZ_FILE_MAX (1 << 20)   /* real TZif files are under 4 KB */
#define TZ_FOOTER_MAX 255       /* real footers are under 50 bytes */
#define TZ_WALK_DEPTH 4         /* America/Argentina/Buenos_Aires is 3 */
#define TZ_HORIZON_YEAR 2199    /* footer rules are expanded up to here */
#define TZ_FIRST_RULE_YEAR 1900 /* earliest year a footer is expanded from */

/* The bucket index (see struct tz): 2^25 s (388 days) per bucket from
 * 1900-01-01 to past the horizon, for zones with at least TZ_INDEX_MIN
 * transitions; smaller ones are searched whole. */
#define TZ_INDEX_FROM ((int64_t)-2208988800) /* 1900-01-01T00:00:00Z */
#define TZ_INDEX_SHIFT 25
#define TZ_INDEX_BUCKETS 284 /* to 2201-12-22, past 2200-01-02 */
#define TZ_INDEX_TO (TZ_INDEX_FROM + ((int64_t)TZ_INDEX_BUCKETS << TZ_INDEX_SHIFT))
#define TZ_INDEX_MIN 16

/* RFC 8536 section 3.2: utoff SHOULD be in -89999..93599 (-24:59:59 to
 * +25:59:59). Larger values are refused so that date arithmetic on them
 * cannot overflow and local_to_utc's search window stays bounded. */
#define TZ_OFFSET_MIN (-89999)
#define TZ_OFFSET_MAX 93599

#define SECS_PER_DAY 86400
#define TZ_LOCAL_LIMIT ((int64_t)1 << 62) /* tz_local_to_utc clamps to this */

struct tz_type {
	int32_t offset;
	int32_t is_dst;
};

/*
 * One allocation per zone: this header, the name, the transition instants,
 * the span types, the bucket index. Keeping the instants contiguous and
 * apart from the types makes the search touch as few cache lines as
 * possible.
 *
 * The index cuts the binary search to the one or two transitions of a
 * 388-day bucket: a search over a whole table of ~560 transitions is ten
 * dependent loads (~30 ns when each query waits for the last), the bucket
 * lookup one or two.
 */
struct tz {
	const char *name;
	size_t count;               /* transitions */
	const int64_t *at;          /* count instants, strictly ascending */
	const struct tz_type *type; /* count + 1: type[i] holds in [at[i-1], at[i]) */
	const uint32_t *index;      /* NULL, or TZ_INDEX_BUCKETS + 1 entries:
	                               * the span index at each bucket's start */
};

/* A zone being built: same layout, writable, with its capacity. */
struct tz_builder {
	struct tz *zone;
	int64_t *at;
	struct tz_type *type;
	uint32_t *index; /* NULL when cap < TZ_INDEX_MIN */
	size_t count;
	size_t cap;
};

/* One transition produced by a footer rule, before sorting. */
struct tz_event {
	int64_t at;
	size_t seq; /* generation order, breaks ties */
	struct tz_type type;
};

/* A date in a POSIX TZ rule: Jn, n or Mm.w.d, and the local time of day. */
struct tz_rule_date {
	char kind; /* 'J', 'D' (zero-based n) or 'M' */
	int n;
	int month, week, wday;
	int32_t time; /* seconds after local midnight, -167h..167h */
};

/* A parsed POSIX TZ string (the TZif footer). */
struct tz_rule {
	struct tz_type std;
	struct tz_type dst;
	bool has_dst;
	struct tz_rule_date start; /* std -> dst, in local standard time */
	struct tz_rule_date end;   /* dst -> std, in local daylight time */
};

struct tzif_header {
	uint8_t version; /* 0 for version 1, else '2', '3', '4' */
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

struct name_list {
	char **v;
	size_t n;
	size_t cap;
};

static const struct tz_type utc_type = { 0, 0 };
static const struct tz utc_zone = { "UTC", 0, NULL, &utc_type, NULL };

/* Global state: the directory setting, the zone cache, the name list. */
static char tz_dir[TZ_PATH_MAX] = TZ_DEFAULT_DIR;

/* tz_get runs on the loop thread and on the store's writer thread (group
 * commit): the cache is filled under this lock. A zone, once in the
 * cache, stays until tz_cache_free, so the pointers handed out need none. */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static struct {
	struct tz **slots; /* open addressing, linear probing */
	size_t cap;        /* power of two, or 0 */
	size_t used;
} cache;

static struct {
	char **names;
	size_t count;
	bool built;
} zone_list;

/* The list returned when building it failed (out of memory). */
static const char *const fallback_list[] = { "UTC" };

/* ---- POSIX TZ strings (RFC 8536 section 3.3) ---- */

/* Reads 1 to MAXDIGITS decimal digits at *P into *OUT. */
static int
parse_num(const char **p, int maxdigits, int *out)
{
	int v = 0, i = 0;

	while (i < maxdigits && **p >= '0' && **p <= '9') {
		v = v * 10 + (**p - '0');
		(*p)++;
		i++;
	}
	if (i == 0)
		return -1;
	*out = v;
	return 0;
}

/* [+-]hh[:mm[:ss]] with hours up to MAXHOURS, into seconds. */
static int
parse_hms(const char **p, int maxhours, int32_t *out)
{
	int sign = 1, h, m = 0, s = 0;

	if (**p == '+' || **p == '-')
		sign = *(*p)++ == '-' ? -1 : 1;
	if (parse_num(p, 3, &h) == -1 || h > maxhours)
		return -1;
	if (**p == ':') {
		(*p)++;
		if (parse_num(p, 2, &m) == -1 || m > 59)
			return -1;
		if (**p == ':') {
			(*p)++;
			if (parse_num(p, 2, &s) == -1 || s > 59)
				return -1;
		}
	}
	*out = sign * (h * 3600 + m * 60 + s);
	return 0;
}

/* A zone abbreviation: three or more letters, or <...> of [A-Za-z0-9+-].
 * The text is not kept: spans carry offsets, not abbreviations. */
static int
parse_abbr(const char **p)
{
	const char *s = *p;
	size_t n = 0;

	if (*s == '<') {
		s++;
		while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '+' || *s == '-') {
			s++;
			n++;
		}
		if (*s != '>' || n < 3)
			return -1;
		*p = s + 1;
		return 0;
	}
	while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')) {
		s++;
		n++;
	}
	if (n < 3)
		return -1;
	*p = s;
	return 0;
}

/* POSIX writes offsets west of UTC ("EST5"); spans store them east, within
 * the range the rest of the module relies on. */
static int
parse_posix_offset(const char **p, int32_t *out)
{
	int32_t west;

	if (parse_hms(p, 24, &west) == -1 || -west < TZ_OFFSET_MIN ||
	    -west > TZ_OFFSET_MAX)
		return -1;
	*out = -west;
	return 0;
}

/* Jn, n or Mm.w.d, then an optional /time (RFC 8536 3.3.1 allows hours
 * -167..167, so a rule can say "Saturday at 24:00" or "Thursday 50:00"). */
static int
parse_rule_date(const char **p, struct tz_rule_date *out)
{
	int32_t t = 2 * 3600;

	if (**p == 'J') {
		(*p)++;
		out->kind = 'J';
		if (parse_num(p, 3, &out->n) == -1 || out->n < 1 || out->n > 365)
			return -1;
	} else if (**p == 'M') {
		(*p)++;
		out->kind = 'M';
		if (parse_num(p, 2, &out->month) == -1 || out->month < 1 ||
		    out->month > 12 || *(*p)++ != '.' ||
		    parse_num(p, 1, &out->week) == -1 || out->week < 1 ||
		    out->week > 5 || *(*p)++ != '.' ||
		    parse_num(p, 1, &out->wday) == -1 || out->wday > 6)
			return -1;
	} else {
		out->kind = 'D';
		if (parse_num(p, 3, &out->n) == -1 || out->n > 365)
			return -1;
	}
	if (**p == '/') {
		(*p)++;
		if (parse_hms(p, 167, &t) == -1)
			return -1;
	}
	out->time = t;
	return 0;
}

/* Parses the NUL-terminated POSIX TZ string S. */
static int
parse_posix_tz(const char *s, struct tz_rule *out)
{
	const char *p = s;

	memset(out, 0, sizeof(*out));
	if (parse_abbr(&p) == -1 || parse_posix_offset(&p, &out->std.offset) == -1)
		return -1;
	if (*p == '\0')
		return 0;
	if (parse_abbr(&p) == -1)
		return -1;
	out->has_dst = true;
	out->dst.is_dst = 1;
	out->dst.offset = out->std.offset + 3600;
	if (*p != ',' && *p != '\0' &&
	    parse_posix_offset(&p, &out->dst.offset) == -1)
		return -1;
	if (out->dst.offset > TZ_OFFSET_MAX)
		return -1;
	if (*p == '\0') {
		/* No rule: POSIX leaves it to the implementation; tzcode and
		 * glibc use the US rule, and so do we. */
		p = ",M3.2.0,M11.1.0";
	}
	if (*p++ != ',' || parse_rule_date(&p, &out->start) == -1 ||
	    *p++ != ',' || parse_rule_date(&p, &out->end) == -1 || *p != '\0')
		return -1;
	return 0;
}

/* The instant at which rule date R falls in YEAR, its time of day read on
 * a clock OFFSET seconds east of UTC. */
static int64_t
rule_instant(const struct tz_rule_date *r, int64_t year,
    int32_t offset)
{
	int64_t jan1 = cal_days_from_civil(year, 1, 1);
	int64_t day;

	switch (r->kind) {
	case 'J':
		/* J60 is always March 1: February 29 is never counted. */
		day = jan1 + r->n - 1 + (cal_is_leap(year) && r->n >= 60);
		break;
	case 'D':
		day = jan1 + r->n;
		break;
	default: {
		int64_t first = cal_days_from_civil(year, r->month, 1);
		int64_t mday = (r->wday - cal_weekday(first) + 7) % 7 + 7 * (r->week - 1);

		/* Week 5 means the last such weekday of the month. */
		while (mday >= cal_days_in_month(year, r->month))
			mday -= 7;
		day = first + mday;
		break;
	}
	}
	return day * SECS_PER_DAY + r->time - offset;
}

/* ---- building a zone ---- */

/* Appends a transition to TYPE at instant T. Transitions that change
 * nothing are dropped, so adjacent spans always differ; a transition at the
 * same instant as the previous one replaces it, which is how a footer that
 * keeps DST all year ("EST5EDT4,0/0,J365/25") collapses into one span. */
static void
builder_push(struct tz_builder *b, int64_t t, struct tz_type type)
{
	if (b->count > 0 && b->at[b->count - 1] >= t)
		b->count--;
	if (b->type[b->count].offset == type.offset &&
	    b->type[b->count].is_dst == type.is_dst)
		return;
	b->at[b->count] = t;
	b->type[b->count + 1] = type;
	b->count++;
}

static int
builder_init(struct tz_builder *b, const char *name, size_t cap)
{
	size_t namelen = strlen(name) + 1;
	size_t at_off = (sizeof(struct tz) + namelen + 7) & ~(size_t)7;
	size_t type_off = at_off + cap * sizeof(int64_t);
	size_t index_off = type_off + (cap + 1) * sizeof(struct tz_type);
	size_t size = index_off;
	char *mem;

	/* cap is bounded by the file size (1 MiB), so no overflow here. */
	if (cap >= TZ_INDEX_MIN)
		size += (TZ_INDEX_BUCKETS + 1) * sizeof(uint32_t);
	mem = malloc(size);
	if (mem == NULL)
		return -1;
	memcpy(mem + sizeof(struct tz), name, namelen);
	b->zone = (struct tz *)(void *)mem;
	b->at = (int64_t *)(void *)(mem + at_off);
	b->type = (struct tz_type *)(void *)(mem + type_off);
	b->index = cap >= TZ_INDEX_MIN ? (uint32_t *)(void *)(mem + index_off) : NULL;
	b->count = 0;
	b->cap = cap;
	b->zone->name = mem + sizeof(struct tz);
	return 0;
}

static int
event_cmp(const struct tz_event *a, const struct tz_event *b)
{
	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Appends the transitions of footer RULE after instant LAST (INT64_MIN when
 * the table is empty) up to the end of TZ_HORIZON_YEAR. The year after is
 * computed too, and its transitions kept up to a day into it (UTC): a rule
 * that keeps DST all year ends it at every new year and starts it again at
 * the same instant, and without the next year's start the last span would
 * wrongly say standard time for ever. */
static int
builder_extend(struct tz_builder *b, const struct tz_rule *rule,
    int64_t last, int64_t first_year)
{
	struct tz_event *ev = NULL;
	size_t n = 0, i, j;
	int64_t y, cutoff;
	int rc = -1;

	if (first_year > TZ_HORIZON_YEAR)
		return 0;
	cutoff = (cal_days_from_civil(TZ_HORIZON_YEAR + 1, 1, 1) + 1) * SECS_PER_DAY;
	ev = malloc((size_t)(TZ_HORIZON_YEAR - first_year + 2) * 2 * sizeof(*ev));
	if (ev == NULL)
		goto out;
	for (y = first_year; y <= TZ_HORIZON_YEAR + 1; y++) {
		ev[n] = (struct tz_event){ rule_instant(&rule->start, y,
			                       rule->std.offset),
			n, rule->dst };
		n++;
		ev[n] = (struct tz_event){ rule_instant(&rule->end, y,
			                       rule->dst.offset),
			n, rule->std };
		n++;
	}
	/* Insertion sort: real rules come out in order already (linear time);
	 * rule times of up to 167 hours can carry a date past the next one. */
	for (i = 1; i < n; i++) {
		struct tz_event e = ev[i];

		for (j = i; j > 0 && event_cmp(&ev[j - 1], &e) > 0; j--)
			ev[j] = ev[j - 1];
		ev[j] = e;
	}
	for (i = 0; i < n; i++) {
		if (ev[i].at <= last || ev[i].at >= cutoff)
			continue;
		if (b->count >= b->cap)
			goto out;
		builder_push(b, ev[i].at, ev[i].type);
	}
	rc = 0;
out:
	free(ev);
	return rc;
}

/* ---- lookups ---- */

/* Index of the span that holds T: the number of transitions at or before
 * it. The step is arithmetic rather than a branch, because gcc compiles
 * the ternary form to a jump: with queries spread over the years, that jump
 * is mispredicted about every other step and costs more than the search. */
static size_t
span_index(const struct tz *zone, int64_t t)
{
	const int64_t *base = zone->at;
	size_t n = zone->count;

	if (zone->index != NULL && t >= TZ_INDEX_FROM && t < TZ_INDEX_TO) {
		/* The answer lies between the span indexes at the start of
		 * T's bucket and of the next: search only the transitions
		 * in between. */
		size_t b = (size_t)((uint64_t)(t - TZ_INDEX_FROM) >> TZ_INDEX_SHIFT);

		base += zone->index[b];
		n = zone->index[b + 1] - zone->index[b];
	}
	if (n == 0)
		return (size_t)(base - zone->at);
	while (n > 1) {
		size_t half = n / 2;

		base += half & -(size_t)(base[half - 1] <= t);
		n -= half;
	}
	return (size_t)(base - zone->at) + (*base <= t);
}

/* ---- TZif (RFC 8536) ---- */

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const uint8_t *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static int
tzif_read_header(const uint8_t *p, size_t avail,
    struct tzif_header *h)
{
	if (avail < 44 || memcmp(p, "TZif", 4) != 0)
		return -1;
	h->version = p[4];
	if (h->version != 0 && (h->version < '2' || h->version > '4'))
		return -1;
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	return 0;
}

/* Size of the data block that follows header H. Counts are 32-bit and the
 * factors small, so the 64-bit sum cannot overflow. */
static uint64_t
tzif_block_size(const struct tzif_header *h, unsigned timesize)
{
	return (uint64_t)h->timecnt * timesize + h->timecnt +
	    (uint64_t)h->typecnt * 6 + h->charcnt +
	    (uint64_t)h->leapcnt * (timesize + 4) + h->isstdcnt + h->isutcnt;
}

int
tz_parse_tzif(const uint8_t *data, size_t len, const char *name,
    struct tz **out)
{
	struct tzif_header h;
	struct tz_builder b = { 0 };
	struct tz_type types[256];
	struct tz_rule rule = { 0 };
	const uint8_t *block, *times, *idx, *ttinfo;
	char footer[TZ_FOOTER_MAX + 1];
	bool has_footer = false;
	unsigned timesize = 4;
	uint64_t size;
	size_t pos = 0, i, cap;
	int64_t last = INT64_MIN, prev = 0, first_year;
	int rc = -1;

	*out = NULL;
	if (data == NULL || tzif_read_header(data, len, &h) == -1)
		goto out;
	if (h.version != 0) {
		/* Skip the version 1 block: its 32-bit data is only a subset. */
		size = tzif_block_size(&h, 4);
		if (size > len - 44)
			goto out;
		pos = 44 + (size_t)size;
		if (tzif_read_header(data + pos, len - pos, &h) == -1)
			goto out;
		timesize = 8;
	}
	size = tzif_block_size(&h, timesize);
	if (size > len - pos - 44)
		goto out;
	block = data + pos + 44;
	pos += 44 + (size_t)size;

	/* RFC 8536 3.1. Leap-second files (right/) count time on another
	 * scale than Unix time, so they are refused rather than misread. */
	if (h.typecnt == 0 || h.typecnt > 256 || h.charcnt == 0 ||
	    h.leapcnt != 0 ||
	    (h.isstdcnt != 0 && h.isstdcnt != h.typecnt) ||
	    (h.isutcnt != 0 && h.isutcnt != h.typecnt))
		goto out;

	times = block;
	idx = times + (size_t)h.timecnt * timesize;
	ttinfo = idx + h.timecnt;
	for (i = 0; i < h.typecnt; i++) {
		const uint8_t *tt = ttinfo + i * 6;
		int32_t off = (int32_t)be32(tt);

		if (off < TZ_OFFSET_MIN || off > TZ_OFFSET_MAX || tt[4] > 1 ||
		    tt[5] >= h.charcnt)
			goto out;
		types[i].offset = off;
		types[i].is_dst = tt[4];
	}

	if (h.version != 0) {
		const uint8_t *nl;
		size_t flen;

		if (pos >= len || data[pos] != '\n')
			goto out;
		nl = memchr(data + pos + 1, '\n', len - pos - 1);
		if (nl == NULL)
			goto out;
		flen = (size_t)(nl - (data + pos + 1));
		if (flen > TZ_FOOTER_MAX ||
		    memchr(data + pos + 1, '\0', flen) != NULL)
			goto out;
		memcpy(footer, data + pos + 1, flen);
		footer[flen] = '\0';
		/* Bytes after the footer are ignored, for later versions. */
		if (flen > 0) {
			if (parse_posix_tz(footer, &rule) == -1)
				goto out;
			has_footer = true;
		}
	}

	if (h.timecnt > 0) {
		last = timesize == 8 ? be64(times + (size_t)(h.timecnt - 1) * 8) :
		                       (int32_t)be32(times + (size_t)(h.timecnt - 1) * 4);
	}
	first_year = TZ_FIRST_RULE_YEAR;
	if (h.timecnt > 0 && last > INT64_MIN / 2) {
		/* From the year before LAST's: a rule time of up to 167 h
		 * can carry that year's last transition a week into the
		 * next, past LAST. */
		int64_t y;
		int m, d;

		cal_civil_from_days(cal_floor_div(last, SECS_PER_DAY), &y, &m, &d);
		if (y - 1 > first_year)
			first_year = y - 1;
	}
	cap = h.timecnt;
	if (has_footer && rule.has_dst && first_year <= TZ_HORIZON_YEAR)
		cap += (size_t)(TZ_HORIZON_YEAR - first_year + 2) * 2;
	if (builder_init(&b, name != NULL ? name : "", cap) == -1)
		goto out;

	/* RFC 8536 3.2: type 0 holds before the first transition. */
	b.type[0] = types[0];
	for (i = 0; i < h.timecnt; i++) {
		int64_t t = timesize == 8 ? be64(times + i * 8) :
		                            (int32_t)be32(times + i * 4);

		if (idx[i] >= h.typecnt || (i > 0 && t <= prev))
			goto out;
		prev = t;
		builder_push(&b, t, types[idx[i]]);
	}
	if (has_footer && rule.has_dst &&
	    builder_extend(&b, &rule, h.timecnt > 0 ? last : INT64_MIN,
	        first_year) == -1)
		goto out;

	b.zone->count = b.count;
	b.zone->at = b.at;
	b.zone->type = b.type;
	b.zone->index = NULL;
	if (b.index != NULL) {
		/* Built with the plain search, before it is switched on. */
		for (i = 0; i <= TZ_INDEX_BUCKETS; i++) {
			b.index[i] = (uint32_t)span_index(b.zone, TZ_INDEX_FROM + ((int64_t)i << TZ_INDEX_SHIFT));
		}
		b.zone->index = b.index;
	}
	*out = b.zone;
	b.zone = NULL;
	rc = 0;
out:
	free(b.zone);
	return rc;
}

void
tz_free(struct tz *zone)
{
	if (zone != &utc_zone)
		free(zone);
}

void
tz_span_at(const struct tz *zone, int64_t t, struct tz_span *out)
{
	size_t i = span_index(zone, t);

	out->start = i > 0 ? zone->at[i - 1] : INT64_MIN;
	out->end = i < zone->count ? zone->at[i] : INT64_MAX;
	out->offset = zone->type[i].offset;
	out->is_dst = zone->type[i].is_dst;
}

int32_t
tz_offset_at(const struct tz *zone, int64_t t)
{
	return zone->type[span_index(zone, t)].offset;
}

int
tz_local_to_utc(const struct tz *zone, int64_t local, int64_t out[2])
{
	int64_t gap_end = 0;
	size_t i, n = 0;
	bool in_gap = false;

	/* Far beyond any date, so that the arithmetic below cannot overflow. */
	if (local > TZ_LOCAL_LIMIT)
		local = TZ_LOCAL_LIMIT;
	if (local < -TZ_LOCAL_LIMIT)
		local = -TZ_LOCAL_LIMIT;
	/* Any answer t has t + offset(t) == local with the offset bounded, so
	 * only the spans that meet [local - MAX, local - MIN] can hold one. */
	for (i = span_index(zone, local - TZ_OFFSET_MAX); i <= zone->count; i++) {
		int64_t start = i > 0 ? zone->at[i - 1] : INT64_MIN;
		int64_t end = i < zone->count ? zone->at[i] : INT64_MAX;
		int64_t t = local - zone->type[i].offset;

		if (start > local - TZ_OFFSET_MIN)
			break;
		if (t >= start && t < end) {
			if (n < 2)
				out[n] = t;
			n++;
		} else if (n == 0 && !in_gap && t < start) {
			/* The wall clock jumps from before LOCAL to after it at
			 * START: LOCAL never happens there. */
			in_gap = true;
			gap_end = start;
		}
	}
	if (n == 0)
		out[0] = gap_end;
	return n > 2 ? 2 : (int)n;
}

/* ---- names and files ---- */

/* Whether NAME is TOP or a path below it. */
static bool
is_under(const char *name, const char *top)
{
	size_t n = strlen(top);

	return strncmp(name, top, n) == 0 && (name[n] == '\0' || name[n] == '/');
}

/* Names a user would not call a zone: the leap-second and duplicate
 * trees, the host's own zone, zic's default rules, and "Factory" (the
 * "local time unknown" placeholder). tz_get refuses them too, so that the
 * names it accepts are exactly those tz_list offers. */
static bool
zone_name_excluded(const char *name)
{
	return is_under(name, "right") || is_under(name, "posix") ||
	    strcmp(name, "posixrules") == 0 || strcmp(name, "localtime") == 0 ||
	    strcmp(name, "Factory") == 0;
}

/* The character set has no '.', so "." and ".." components cannot occur;
 * with no leading '/', no empty components and a bounded length, the name
 * can only reach files below the tzdata directory. */
static bool
zone_name_valid(const char *name)
{
	size_t i;

	if (name[0] == '\0' || name[0] == '/')
		return false;
	for (i = 0; name[i] != '\0'; i++) {
		char c = name[i];

		if (i >= TZ_NAME_MAX)
			return false;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		        (c >= '0' && c <= '9') || c == '/' || c == '_' || c == '+' ||
		        c == '-'))
			return false;
		if (c == '/' && (name[i + 1] == '/' || name[i + 1] == '\0'))
			return false;
	}
	return !zone_name_excluded(name);
}

static int
read_file(const char *path, uint8_t **data, size_t *len)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > TZ_FILE_MAX)
		goto out;
	buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (buf == NULL)
		goto out;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			goto out;
		got += (size_t)r;
	}
	*data = buf;
	*len = got;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

/* Reads and parses the file of zone NAME, which must be valid. */
static int
tz_load(const char *name, struct tz **out)
{
	char path[TZ_PATH_MAX];
	uint8_t *data = NULL;
	size_t len;
	int n, rc = -1;

	n = snprintf(path, sizeof(path), "%s/%s", tz_dir, name);
	if (tz_dir[0] == '\0' || n < 0 || (size_t)n >= sizeof(path))
		goto out;
	if (read_file(path, &data, &len) == -1)
		goto out;
	rc = tz_parse_tzif(data, len, name, out);
out:
	free(data);
	return rc;
}

/* ---- the cache ---- */

/* FNV-1a: names are short and few; anything uniform enough will do. */
static size_t
name_hash(const char *s)
{
	uint64_t h = 14695981039346656037u;

	while (*s != '\0') {
		h ^= (uint8_t)*s++;
		h *= 1099511628211u;
	}
	return (size_t)h;
}

static struct tz *
cache_find(const char *name)
{
	size_t i;

	if (cache.cap == 0)
		return NULL;
	for (i = name_hash(name) & (cache.cap - 1); cache.slots[i] != NULL;
	     i = (i + 1) & (cache.cap - 1)) {
		if (strcmp(cache.slots[i]->name, name) == 0)
			return cache.slots[i];
	}
	return NULL;
}

static int
cache_insert(struct tz *zone)
{
	size_t i;

	/* Grow at half full, which keeps probe sequences short. */
	if ((cache.used + 1) * 2 > cache.cap) {
		size_t ncap = cache.cap ? cache.cap * 2 : 64, j;
		struct tz **nslots = calloc(ncap, sizeof(*nslots));

		if (nslots == NULL)
			return -1;
		for (j = 0; j < cache.cap; j++) {
			if (cache.slots[j] == NULL)
				continue;
			for (i = name_hash(cache.slots[j]->name) & (ncap - 1);
			     nslots[i] != NULL; i = (i + 1) & (ncap - 1))
				;
			nslots[i] = cache.slots[j];
		}
		free(cache.slots);
		cache.slots = nslots;
		cache.cap = ncap;
	}
	for (i = name_hash(zone->name) & (cache.cap - 1); cache.slots[i] != NULL;
	     i = (i + 1) & (cache.cap - 1))
		;
	cache.slots[i] = zone;
	cache.used++;
	return 0;
}

void
tz_set_dir(const char *dir)
{
	if (dir == NULL)
		dir = TZ_DEFAULT_DIR;
	/* A directory too long to use makes every load fail (UTC still works)
	 * rather than silently reading a truncated path. */
	if (strlen(dir) >= sizeof(tz_dir))
		tz_dir[0] = '\0';
	else
		memcpy(tz_dir, dir, strlen(dir) + 1);
}

const struct tz *
tz_utc(void)
{
	return &utc_zone;
}

const struct tz *
tz_get(const char *name)
{
	struct tz *zone;

	if (name == NULL || !zone_name_valid(name))
		return NULL;
	if (strcmp(name, "UTC") == 0)
		return &utc_zone;
	pthread_mutex_lock(&cache_lock);
	zone = cache_find(name);
	if (zone != NULL)
		goto out;
	/* Failures are not cached: an API client could otherwise fill the
	 * cache with made-up names. */
	if (tz_load(name, &zone) == -1) {
		zone = NULL;
		goto out;
	}
	if (cache_insert(zone) == -1) {
		tz_free(zone);
		zone = NULL;
	}
out:
	pthread_mutex_unlock(&cache_lock);
	return zone;
}

const char *
tz_name(const struct tz *zone)
{
	return zone->name;
}

/* ---- the list ---- */

static int
list_add(struct name_list *l, const char *name)
{
	char *copy;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 256;
		char **nv = realloc(l->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		l->v = nv;
		l->cap = ncap;
	}
	copy = strdup(name);
	if (copy == NULL)
		return -1;
	l->v[l->n++] = copy;
	return 0;
}

/* Whether NAME is a zone that tz_get would return, without caching it:
 * the daemon uses a handful of zones, and the list has ~600. */
static bool
zone_loads(const char *name)
{
	struct tz *zone;

	if (!zone_name_valid(name))
		return false;
	if (strcmp(name, "UTC") == 0 || cache_find(name) != NULL)
		return true;
	if (tz_load(name, &zone) == -1)
		return false;
	tz_free(zone);
	return true;
}

/* Adds the zones below PATH (LEN bytes, in a TZ_PATH_MAX buffer) to L;
 * names are relative to PATH + ROOT_LEN + 1. Fails only when out of memory:
 * unreadable directories and files are not zones, and are skipped. */
static int
walk(char *path, size_t len, size_t root_len, int depth,
    struct name_list *l)
{
	struct dirent *e;
	DIR *d;
	int rc = -1;

	d = opendir(path);
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		size_t nlen = strlen(e->d_name);
		const char *rel = path + root_len + 1;
		struct stat st;

		/* Dot files are never zones (and "." and ".." are not ours). */
		if (e->d_name[0] == '.' || len + 1 + nlen >= TZ_PATH_MAX)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, e->d_name, nlen + 1);
		if (zone_name_excluded(rel) || stat(path, &st) == -1)
			continue;
		if (S_ISDIR(st.st_mode)) {
			/* Linked directories (posix/Africa) repeat names already
			 * listed, and could loop. */
			if (depth >= TZ_WALK_DEPTH || lstat(path, &st) == -1 ||
			    S_ISLNK(st.st_mode))
				continue;
			if (walk(path, len + 1 + nlen, root_len, depth + 1, l) == -1)
				goto out;
		} else if (S_ISREG(st.st_mode) && zone_loads(rel)) {
			if (list_add(l, rel) == -1)
				goto out;
		}
	}
	rc = 0;
out:
	path[len] = '\0';
	closedir(d);
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
list_free(struct name_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

size_t
tz_list(const char *const **names)
{
	struct name_list l = { 0 };
	char path[TZ_PATH_MAX];
	size_t i, root_len = strlen(tz_dir);
	bool have_utc = false;

	if (zone_list.built) {
		*names = (const char *const *)zone_list.names;
		return zone_list.count;
	}
	memcpy(path, tz_dir, root_len + 1);
	if (root_len > 0 && walk(path, root_len, root_len, 0, &l) == -1)
		goto fail;
	for (i = 0; i < l.n && !have_utc; i++)
		have_utc = strcmp(l.v[i], "UTC") == 0;
	/* UTC is built in, so it is a zone even without its file. */
	if (!have_utc && list_add(&l, "UTC") == -1)
		goto fail;
	qsort(l.v, l.n, sizeof(*l.v), name_cmp);
	zone_list.names = l.v;
	zone_list.count = l.n;
	zone_list.built = true;
	*names = (const char *const *)zone_list.names;
	return zone_list.count;
fail:
	/* Not remembered, so that a later call tries again. */
	list_free(&l);
	*names = fallback_list;
	return 1;
}

void
tz_cache_free(void)
{
	size_t i;

	for (i = 0; i < cache.cap; i++)
		tz_free(cache.slots[i]);
	free(cache.slots);
	memset(&cache, 0, sizeof(cache));
	for (i = 0; i < zone_list.count; i++)
		free(zone_list.names[i]);
	free(zone_list.names);
	memset(&zone_list, 0, sizeof(zone_list));
}
