/*
 * cron_impl: the compiled form of a schedule, shared by cron_parse.c,
 * cron_next.c and cron_describe.c only. Nothing outside the schedule engine
 * includes this file.
 *
 * A rule is a set of bitsets, one per field, so that matching a value is a
 * shift and finding the next matching value is a count of trailing zeros.
 * The day-of-month and weekday fields, whose meaning depends on the month
 * (L, nW, d#n, dL and the OR rule), are folded into one 31-bit mask of
 * matching days per month by cron_day_mask().
 */
#ifndef WEBCRON_CRON_IMPL_H
#define WEBCRON_CRON_IMPL_H

#include <stdint.h>

#include "engine/cal.h"
#include "engine/cron.h"

enum cron_field {
	CRON_F_SECOND,
	CRON_F_MINUTE,
	CRON_F_HOUR,
	CRON_F_DAY,
	CRON_F_MONTH,
	CRON_F_WEEKDAY,
	CRON_F_YEAR,
	CRON_F_COUNT
};

enum cron_rule_kind {
	CRON_RULE_FIELDS, /* a cron expression (also @daily ..., and @at without a zone) */
	CRON_RULE_EVERY,  /* @every <duration>: real-time period from an anchor */
	CRON_RULE_AT      /* @at <ISO 8601 with a zone>: one instant */
};

/* rule flags */
#define CRON_R_DOM_STAR 0x0001    /* day field is '*' or '?': unrestricted */
#define CRON_R_DOW_STAR 0x0002    /* weekday field is '*' or '?' */
#define CRON_R_DOM_SPECIAL 0x0004 /* L, L-n, nW or LW present */
#define CRON_R_DOW_SPECIAL 0x0008 /* dL present (d#n lives in dow_days) */
#define CRON_R_ALL_YEARS 0x0010   /* year field absent or '*' */
#define CRON_R_FIXED 0x0020       /* second, minute, hour are plain values */
#define CRON_R_AT_LOCAL 0x0040    /* compiled from "@at" without a zone */

/* The last second of 2199-12-31 and 2200-01-01T00:00:00Z. */
#define CRON_CIVIL_MAX 7258118399LL
#define CRON_INSTANT_END 7258118400LL

#define CRON_YEAR_WORDS 4 /* 230 years, bit (year - 1970) */

struct cron_rule {
	uint64_t second; /* bit s */
	uint64_t minute; /* bit m */
	uint64_t years[CRON_YEAR_WORDS];
	uint32_t hour;        /* bit h */
	uint32_t dom;         /* plain days, bits 1..31 */
	uint32_t dom_last;    /* bit n: L-n (bit 0: L) */
	uint32_t dom_nearest; /* bit n: nW */
	uint32_t dow_days[7]; /* by weekday of the 1st: days 1..31 that plain
	                               weekdays and d#n select, before the month's
	                               length is applied */
	uint16_t month;       /* bits 1..12 */
	uint16_t flags;       /* CRON_R_* */
	uint8_t dow;          /* plain weekdays, bits 0..6 */
	uint8_t dow_last;     /* bit w: wL */
	uint8_t dow_nth[6];   /* [n] bit w: w#n, n 1..5 */
	uint8_t last_weekday; /* LW */
	uint8_t kind;         /* enum cron_rule_kind */
	int64_t every;        /* CRON_RULE_EVERY: seconds */
	int64_t at;           /* CRON_RULE_AT: Unix time */
	uint16_t text_off;    /* this rule's normalized text in cron->text */
	uint16_t text_len;
	uint16_t field_off[CRON_F_COUNT]; /* each field's normalized text; */
	uint16_t field_len[CRON_F_COUNT]; /* len 0 = absent (second 0, year *) */
};

struct cron {
	int manual; /* @manual: no rules */
	int nrules;
	size_t text_len;
	char *text; /* normalized expression, in the same block */
	struct cron_rule rules[];
};

/* The next set bit at or above FROM in SET, or -1. */
static inline int
cron_next_bit64(uint64_t set, int from)
{
	if (from >= 64)
		return -1;
	uint64_t m = set & (~UINT64_C(0) << from);
	return m ? __builtin_ctzll(m) : -1;
}

static inline int
cron_year_has(const struct cron_rule *r, int64_t y)
{
	int64_t i = y - CRON_YEAR_MIN;
	if (i < 0 || i > CRON_YEAR_MAX - CRON_YEAR_MIN)
		return 0;
	return (int)(r->years[i >> 6] >> (i & 63)) & 1;
}

/* The first year >= Y in the rule's year set, or -1. */
static inline int64_t
cron_next_year(const struct cron_rule *r, int64_t y)
{
	int64_t i = y < CRON_YEAR_MIN ? 0 : y - CRON_YEAR_MIN;
	for (int64_t w = i >> 6; w < CRON_YEAR_WORDS; w++) {
		uint64_t bits = r->years[w];
		if (w == i >> 6)
			bits &= ~UINT64_C(0) << (i & 63);
		if (bits)
			return CRON_YEAR_MIN + w * 64 + __builtin_ctzll(bits);
	}
	return -1;
}

/* Nearest weekday (Monday..Friday) to day N of a month of LEN days whose
 * 1st is weekday F, without leaving the month; 0 when the month has no
 * day N (Quartz's nW). */
static inline int
cron_nearest_weekday(int n, int len, int f)
{
	if (n > len)
		return 0;
	int w = (f + n - 1) % 7;
	if (w == 6) /* Saturday: Friday, or Monday on the 1st */
		return n == 1 ? 3 : n - 1;
	if (w == 0) /* Sunday: Monday, or Friday on the last */
		return n == len ? n - 2 : n + 1;
	return n;
}

/*
 * The days (bits 1..LEN) of a month with LEN days whose 1st is weekday F
 * on which rule R may fire. When both the day and the weekday field are
 * restricted a day matches if either matches (Vixie cron); '*' or '?' in
 * one of them leaves the other alone in charge.
 */
static inline uint32_t
cron_day_mask(const struct cron_rule *r, int len, int f)
{
	uint32_t all = (uint32_t)((UINT64_C(1) << (len + 1)) - 2);
	uint32_t dm = 0, wm = 0;
	int dom_star = r->flags & CRON_R_DOM_STAR, dow_star = r->flags & CRON_R_DOW_STAR;

	if (dom_star && dow_star)
		return all;
	if (!dom_star) {
		dm = r->dom;
		if (r->flags & CRON_R_DOM_SPECIAL) {
			for (uint32_t b = r->dom_last; b; b &= b - 1) {
				int d = len - __builtin_ctz(b);
				if (d >= 1)
					dm |= UINT32_C(1) << d;
			}
			for (uint32_t b = r->dom_nearest; b; b &= b - 1) {
				int d = cron_nearest_weekday(__builtin_ctz(b), len, f);
				if (d)
					dm |= UINT32_C(1) << d;
			}
			if (r->last_weekday) {
				int wl = (f + len - 1) % 7;
				int d = wl == 6 ? len - 1 : wl == 0 ? len - 2 :
				                                      len;
				dm |= UINT32_C(1) << d;
			}
		}
	}
	if (!dow_star) {
		wm = r->dow_days[f];
		if (r->flags & CRON_R_DOW_SPECIAL) {
			int wl = (f + len - 1) % 7;
			for (unsigned b = r->dow_last; b; b &= b - 1) {
				int w = __builtin_ctz(b);
				wm |= UINT32_C(1) << (len - (wl - w + 7) % 7);
			}
		}
	}
	if (dom_star)
		return wm & all;
	if (dow_star)
		return dm & all;
	return (dm | wm) & all;
}

/* Rule R's day mask for month M of year Y. */
static inline uint32_t
cron_month_days(const struct cron_rule *r, int64_t y, int m)
{
	return cron_day_mask(r, cal_days_in_month(y, m),
	    cal_weekday(cal_days_from_civil(y, m, 1)));
}

#endif
