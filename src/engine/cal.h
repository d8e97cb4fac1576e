/*
 * cal: proleptic Gregorian calendar arithmetic on day numbers.
 *
 * A day number counts days since 1970-01-01 (day 0, a Thursday). The
 * conversions are Howard Hinnant's branch-light algorithms
 * (http://howardhinnant.github.io/date_algorithms.html), exact for every
 * year that fits in an int64_t day count. Everything here is static inline:
 * the schedule engine calls these in its inner loops, and none of them can
 * fail, so there is no error to document.
 */
#ifndef WEBCRON_CAL_H
#define WEBCRON_CAL_H

#include <stdint.h>

/* 1 when Y is a leap year, else 0. */
static inline int
cal_is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days in month M (1..12) of year Y. */
static inline int
cal_days_in_month(int64_t y, int m)
{
	static const uint8_t len[13] = { 0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 ? 28 + cal_is_leap(y) : len[m];
}

/* The day number of Y-M-D (M 1..12, D 1..31; not range checked). */
static inline int64_t
cal_days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;                                  /* [0, 399] */
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* [0, 146096] */
	return era * 146097 + doe - 719468;
}

/* The civil date of day number Z. */
static inline void
cal_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;                                      /* [0, 146096] */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
	int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Weekday of day number Z: 0 = Sunday .. 6 = Saturday. */
static inline int
cal_weekday(int64_t z)
{
	int64_t w = (z + 4) % 7; /* day 0 was a Thursday */
	return (int)(w < 0 ? w + 7 : w);
}

/* Floor division (B > 0), for splitting possibly negative second counts
 * into days: -1 s is day -1, not day 0. */
static inline int64_t
cal_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && a < 0) ? q - 1 : q;
}

#endif
