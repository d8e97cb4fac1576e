/*
 * cron_parse: schedule text -> struct cron, and back to normalized text.
 *
 * Exports cron_parse(), cron_from_fields(), cron_format(), cron_free(),
 * cron_is_manual() and cron_is_fixed_time(). The input is untrusted: every
 * length is bounded (CRON_TEXT_MAX), the scan is a single left-to-right
 * pass without recursion on the input, and no step costs more than a
 * field's width, so the work is linear in the input.
 *
 * Normalization is per list element, not per bitset: the normalized text
 * keeps the user's structure ("*\/15" stays "*\/15", "0,30" stays "0,30")
 * and only removes spelling differences (names, '?', 7 for Sunday, "5/15",
 * "a-a", step 1, macros, leading zeros, blanks). Keeping '*' apart from an
 * explicit full list matters: the OR rule for day and weekday depends on
 * whether a field is '*', and the daylight-saving policy on whether a time
 * field holds a range or step.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cron_impl.h"
#include "engine/tz.h"

struct field_def {
	const char *name;
	int lo, hi;  /* accepted values */
	int star_hi; /* last value '*' reaches (weekday: 6, not 7) */
};

static const struct field_def field_defs[CRON_F_COUNT] = {
	[CRON_F_SECOND] = { "second", 0, 59, 59 },
	[CRON_F_MINUTE] = { "minute", 0, 59, 59 },
	[CRON_F_HOUR] = { "hour", 0, 23, 23 },
	[CRON_F_DAY] = { "day", 1, 31, 31 },
	[CRON_F_MONTH] = { "month", 1, 12, 12 },
	[CRON_F_WEEKDAY] = { "weekday", 0, 7, 6 },
	[CRON_F_YEAR] = { "year", CRON_YEAR_MIN, CRON_YEAR_MAX, CRON_YEAR_MAX },
};

static const char month_names[12][4] = {
	"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"
};
static const char weekday_names[7][4] = { "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT" };

/* 0 .. 3649 days: a year's worth of @every is plenty, ten is generous. */
#define EVERY_MAX (3650LL * 86400)

/* ---- errors ---- */

__attribute__((format(printf, 3, 4))) static int
fail(struct cron_error *err, const char *field, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		snprintf(err->field, sizeof err->field, "%s", field);
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof err->message, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* S[0..N) as printable ASCII for a message: quotes and backslashes and
 * non-printable bytes escaped, at most 40 input bytes then "...". */
static const char *
quote(char *dst, size_t cap, const char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 8 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (i == 40) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		if (c == '"' || c == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			static const char hex[] = "0123456789abcdef";
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		} else {
			dst[o++] = (char)c;
		}
	}
	dst[o] = '\0';
	return dst;
}

/* ---- output text ---- */

struct tbuf {
	char *p;
	size_t len, cap;
	int full; /* something did not fit */
};

static void
tb_putc(struct tbuf *b, char c)
{
	if (b->len + 1 < b->cap)
		b->p[b->len++] = c;
	else
		b->full = 1;
}

static void
tb_put(struct tbuf *b, const char *s, size_t n)
{
	if (b->len + n < b->cap) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	} else {
		b->full = 1;
	}
}

static void
tb_putu(struct tbuf *b, uint64_t v)
{
	char d[24];
	int n = 0;
	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		tb_putc(b, d[--n]);
}

static void
tb_put2(struct tbuf *b, unsigned v)
{
	tb_putc(b, (char)('0' + v / 10 % 10));
	tb_putc(b, (char)('0' + v % 10));
}

/* ---- lexing ---- */

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static char
up(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static int
name_eq(const char *s, size_t n, const char *name)
{
	size_t i;
	for (i = 0; i < n && name[i]; i++)
		if (up(s[i]) != name[i])
			return 0;
	return i == n && name[i] == '\0';
}

/* Digits at S[*I]: their value (saturated at 999999999) and count. */
static int
lex_digits(const char *s, size_t n, size_t *i, long *out)
{
	size_t start = *i;
	long v = 0;
	while (*i < n && is_digit(s[*i])) {
		if (v < 999999999)
			v = v * 10 + (s[*i] - '0');
		(*i)++;
	}
	if (v > 999999999)
		v = 999999999;
	*out = v;
	return (int)(*i - start);
}

struct parse_ctx {
	struct cron_error *err;
	const char *elem; /* the list element being parsed, for messages */
	size_t elem_len;
};

static int
bad_value(struct parse_ctx *cx, enum cron_field f)
{
	char q[200];
	const char *s = cx->elem;
	size_t n = cx->elem_len;

	/* Name the misplaced special character: more helpful than "invalid". */
	for (size_t i = 0; i < n; i++) {
		char c = up(s[i]);
		if (c == '?' && f != CRON_F_DAY && f != CRON_F_WEEKDAY)
			return fail(cx->err, field_defs[f].name,
			    "\"?\" is only allowed in the day and weekday fields");
		if (c == '#' && f != CRON_F_WEEKDAY)
			return fail(cx->err, field_defs[f].name,
			    "\"#\" is only allowed in the weekday field");
	}
	if (f != CRON_F_DAY && f != CRON_F_WEEKDAY) {
		/* L, L-n, LW, dL; nW */
		size_t d = 0;
		while (d < n && is_digit(s[d]))
			d++;
		if (n > 0 && up(s[n - 1]) == 'W' && d == n - 1 && d > 0)
			return fail(cx->err, field_defs[f].name,
			    "\"W\" is only allowed in the day field");
		if (n > 0 && ((d == 0 && up(s[0]) == 'L' && (n == 1 || s[1] == '-' || (n == 2 && up(s[1]) == 'W'))) || (d > 0 && d == n - 1 && up(s[d]) == 'L')))
			return fail(cx->err, field_defs[f].name,
			    "\"L\" is only allowed in the day and weekday fields");
	}
	return fail(cx->err, field_defs[f].name, "invalid value \"%s\"", quote(q, sizeof q, s, n));
}

static int
out_of_range(struct parse_ctx *cx, enum cron_field f, long v, int lo, int hi)
{
	if (v >= 999999999)
		return fail(cx->err, field_defs[f].name, "value in \"%s\" is out of range %d-%d",
		    quote((char[200]){ 0 }, 200, cx->elem, cx->elem_len), lo, hi);
	return fail(cx->err, field_defs[f].name, "%ld is out of range %d-%d", v, lo, hi);
}

/*
 * A value at S[*I]: digits, or in the month and weekday fields a
 * three-letter name. Returns 0 with *OUT, or -1 with the error set.
 */
static int
lex_value(struct parse_ctx *cx, enum cron_field f, const char *s, size_t n,
    size_t *i, int *out)
{
	const struct field_def *fd = &field_defs[f];
	long v;

	if (*i < n && is_digit(s[*i])) {
		lex_digits(s, n, i, &v);
		if (v < fd->lo || v > fd->hi)
			return out_of_range(cx, f, v, fd->lo, fd->hi);
		*out = (int)v;
		return 0;
	}
	if (*i < n && is_alpha(s[*i]) && (f == CRON_F_MONTH || f == CRON_F_WEEKDAY)) {
		size_t start = *i, len;
		while (*i < n && is_alpha(s[*i]))
			(*i)++;
		len = *i - start;
		/* "FRIL": a weekday name followed by L (the last Friday). */
		if (f == CRON_F_WEEKDAY && len == 4 && up(s[start + 3]) == 'L') {
			len = 3;
			*i = start + 3;
		}
		if (f == CRON_F_MONTH) {
			for (int k = 0; k < 12; k++)
				if (name_eq(s + start, len, month_names[k])) {
					*out = k + 1;
					return 0;
				}
		} else {
			for (int k = 0; k < 7; k++)
				if (name_eq(s + start, len, weekday_names[k])) {
					*out = k;
					return 0;
				}
			if (len == 1 && up(s[start]) == 'L')
				return fail(cx->err, fd->name,
				    "\"L\" needs a weekday before it, e.g. 5L for the last Friday");
		}
		char q[200];
		return fail(cx->err, fd->name, "unknown name \"%s\"", quote(q, sizeof q, s + start, len));
	}
	return bad_value(cx, f);
}

/* ---- one field ---- */

struct field_out {
	int fixed; /* only plain values */
	int star;  /* the whole field is '*' (or '?') */
	int elems;
	int question; /* a '?' was seen */
};

static void
set_bit(struct cron_rule *r, enum cron_field f, int v)
{
	switch (f) {
	case CRON_F_SECOND: r->second |= UINT64_C(1) << v; break;
	case CRON_F_MINUTE: r->minute |= UINT64_C(1) << v; break;
	case CRON_F_HOUR: r->hour |= UINT32_C(1) << v; break;
	case CRON_F_DAY: r->dom |= UINT32_C(1) << v; break;
	case CRON_F_MONTH: r->month |= (uint16_t)(1u << v); break;
	case CRON_F_WEEKDAY: r->dow |= (uint8_t)(1u << (v % 7)); break;
	case CRON_F_YEAR:
		v -= CRON_YEAR_MIN;
		r->years[v >> 6] |= UINT64_C(1) << (v & 63);
		break;
	default: break;
	}
}

/* Values A, A+STEP, ... through B of field F. A range whose start is above
 * its end wraps around the field (22-2 = 22,23,0,1,2), the step counting
 * on across the wrap; the caller refuses that for the year. */
static void
fill(struct cron_rule *r, enum cron_field f, int a, int b, int step)
{
	const struct field_def *fd = &field_defs[f];
	int lo = fd->lo, hi = fd->star_hi;

	if (f == CRON_F_WEEKDAY && a == 7)
		a = 0;
	if (a <= b && step == 1) {
		/* '*' and plain ranges, by far the most common: whole words */
		if (f == CRON_F_YEAR) {
			for (int w = 0; w < CRON_YEAR_WORDS; w++) {
				int lo_bit = a - CRON_YEAR_MIN - w * 64, hi_bit = b - CRON_YEAR_MIN - w * 64;
				if (hi_bit < 0 || lo_bit > 63)
					continue;
				uint64_t m = ~UINT64_C(0);
				if (lo_bit > 0)
					m &= ~UINT64_C(0) << lo_bit;
				if (hi_bit < 63)
					m &= ~(~UINT64_C(0) << (hi_bit + 1));
				r->years[w] |= m;
			}
			return;
		}
		uint64_t m = (b >= 63 ? ~UINT64_C(0) : ~(~UINT64_C(0) << (b + 1))) & (~UINT64_C(0) << a);
		switch (f) {
		case CRON_F_SECOND: r->second |= m; break;
		case CRON_F_MINUTE: r->minute |= m; break;
		case CRON_F_HOUR: r->hour |= (uint32_t)m; break;
		case CRON_F_DAY: r->dom |= (uint32_t)m; break;
		case CRON_F_MONTH: r->month |= (uint16_t)m; break;
		case CRON_F_WEEKDAY: r->dow |= (uint8_t)((m | m >> 7) & 0x7f); break;
		default: break;
		}
		return;
	}
	if (a <= b) {
		for (int v = a; v <= b; v += step)
			set_bit(r, f, v);
		return;
	}
	int width = hi - lo + 1;
	int count = (hi - a + 1) + (b - lo + 1);
	for (int k = 0; k < count; k += step) {
		int v = a + k;
		if (v > hi)
			v -= width;
		set_bit(r, f, v);
	}
}

static int
parse_step(struct parse_ctx *cx, enum cron_field f, const char *s, size_t n,
    size_t *i, int *step)
{
	const struct field_def *fd = &field_defs[f];
	int max = fd->star_hi - fd->lo + 1;
	long v;

	(*i)++; /* the '/' */
	if (lex_digits(s, n, i, &v) == 0)
		return bad_value(cx, f);
	if (v < 1 || v > max) {
		if (v >= 999999999)
			return out_of_range(cx, f, v, 1, max);
		return fail(cx->err, fd->name, "step %ld is out of range 1-%d", v, max);
	}
	*step = (int)v;
	return 0;
}

/* Day-of-month specials: L, L-n, LW, nW. Returns 1 when the element was
 * one (and was handled), 0 when it is not, -1 on error. */
static int
parse_day_special(struct parse_ctx *cx, const char *s, size_t n,
    struct cron_rule *r, struct tbuf *tb)
{
	long v;
	size_t i;

	if (up(s[0]) == 'L') {
		if (n == 1) {
			r->dom_last |= 1;
			tb_putc(tb, 'L');
		} else if (n == 2 && up(s[1]) == 'W') {
			r->last_weekday = 1;
			tb_put(tb, "LW", 2);
		} else if (s[1] == '-') {
			i = 2;
			if (lex_digits(s, n, &i, &v) == 0 || i != n)
				return bad_value(cx, CRON_F_DAY);
			if (v > 30) {
				char q[200];
				return fail(cx->err, "day", "offset %ld in \"%s\" is out of range 0-30",
				    v >= 999999999 ? 999999999 : v, quote(q, sizeof q, s, n));
			}
			r->dom_last |= UINT32_C(1) << v;
			tb_putc(tb, 'L');
			if (v) {
				tb_putc(tb, '-');
				tb_putu(tb, (uint64_t)v);
			}
		} else {
			return bad_value(cx, CRON_F_DAY);
		}
		r->flags |= CRON_R_DOM_SPECIAL;
		return 1;
	}
	if (is_digit(s[0]) && up(s[n - 1]) == 'W') {
		i = 0;
		lex_digits(s, n, &i, &v);
		if (i != n - 1)
			return bad_value(cx, CRON_F_DAY);
		if (v < 1 || v > 31)
			return out_of_range(cx, CRON_F_DAY, v, 1, 31);
		r->dom_nearest |= UINT32_C(1) << v;
		r->flags |= CRON_R_DOM_SPECIAL;
		tb_putu(tb, (uint64_t)v);
		tb_putc(tb, 'W');
		return 1;
	}
	return 0;
}

/* Weekday specials: d#n and dL. Same returns as parse_day_special(). */
static int
parse_weekday_special(struct parse_ctx *cx, const char *s, size_t n,
    struct cron_rule *r, struct tbuf *tb)
{
	size_t i = 0;
	int w;
	long k;

	if (memchr(s, '#', n) == NULL && !(n >= 2 && up(s[n - 1]) == 'L'))
		return 0;
	if (lex_value(cx, CRON_F_WEEKDAY, s, n, &i, &w) < 0)
		return -1;
	w %= 7;
	if (i < n && s[i] == '#') {
		i++;
		if (lex_digits(s, n, &i, &k) == 0 || i != n)
			return bad_value(cx, CRON_F_WEEKDAY);
		if (k < 1 || k > 5) {
			char q[200];
			return fail(cx->err, "weekday", "occurrence %ld in \"%s\" is out of range 1-5",
			    k >= 999999999 ? 999999999 : k, quote(q, sizeof q, s, n));
		}
		r->dow_nth[k] |= (uint8_t)(1u << w);
		tb_putu(tb, (uint64_t)w);
		tb_putc(tb, '#');
		tb_putu(tb, (uint64_t)k);
		return 1;
	}
	if (i == n - 1 && up(s[i]) == 'L') {
		r->dow_last |= (uint8_t)(1u << w);
		r->flags |= CRON_R_DOW_SPECIAL;
		tb_putu(tb, (uint64_t)w);
		tb_putc(tb, 'L');
		return 1;
	}
	return bad_value(cx, CRON_F_WEEKDAY);
}

/* One list element of field F: '*', '?', "*\/n", a, a-b, a-b/n, a/n, or a
 * special. Sets its bits in R and appends its normalized text to TB. */
static int
parse_element(struct parse_ctx *cx, enum cron_field f, const char *s, size_t n,
    struct cron_rule *r, struct tbuf *tb, struct field_out *fo)
{
	const struct field_def *fd = &field_defs[f];
	size_t i = 0;
	int a, b, step = 1, rc;

	cx->elem = s;
	cx->elem_len = n;
	if (n == 1 && s[0] == '?') {
		if (f != CRON_F_DAY && f != CRON_F_WEEKDAY)
			return bad_value(cx, f);
		fo->question = 1;
		fo->fixed = 0;
		tb_putc(tb, '*');
		fill(r, f, fd->lo, fd->star_hi, 1);
		return 0;
	}
	if (s[0] == '*') {
		if (n > 1 && s[1] != '/')
			return bad_value(cx, f);
		if (n > 1) {
			i = 1;
			if (parse_step(cx, f, s, n, &i, &step) < 0)
				return -1;
			if (i != n)
				return bad_value(cx, f);
		}
		fo->fixed = 0;
		tb_putc(tb, '*');
		if (step > 1) {
			tb_putc(tb, '/');
			tb_putu(tb, (uint64_t)step);
		}
		fill(r, f, fd->lo, fd->star_hi, step);
		return 0;
	}
	if (f == CRON_F_DAY && (rc = parse_day_special(cx, s, n, r, tb)) != 0)
		return rc < 0 ? -1 : 0;
	if (f == CRON_F_WEEKDAY && (rc = parse_weekday_special(cx, s, n, r, tb)) != 0)
		return rc < 0 ? -1 : 0;

	if (lex_value(cx, f, s, n, &i, &a) < 0)
		return -1;
	b = a;
	int range = 0, stepped = 0;
	if (i < n && s[i] == '-') {
		i++;
		if (lex_value(cx, f, s, n, &i, &b) < 0)
			return -1;
		range = 1;
	}
	if (i < n && s[i] == '/') {
		if (parse_step(cx, f, s, n, &i, &step) < 0)
			return -1;
		stepped = 1;
		if (!range) {
			/* Quartz's "5/15": from 5 to the end of the field.
			 * A weekday's end is 7, Sunday again, as cronie and
			 * Cronos read "d/n" as "d-7/n": Mon/2 reaches Sunday. */
			b = f == CRON_F_WEEKDAY ? fd->hi : fd->star_hi;
			range = 1;
		}
	}
	if (i != n)
		return bad_value(cx, f);
	if (f == CRON_F_YEAR && a > b) {
		char q[200];
		return fail(cx->err, fd->name, "range \"%s\" is backwards", quote(q, sizeof q, s, n));
	}
	if (range && a != b) {
		fo->fixed = 0;
		tb_putu(tb, (uint64_t)a);
		tb_putc(tb, '-');
		tb_putu(tb, (uint64_t)b);
		if (stepped && step > 1) {
			tb_putc(tb, '/');
			tb_putu(tb, (uint64_t)step);
		}
		fill(r, f, a, b, step);
	} else {
		/* a, a-a, a-a/n and 7 all mean one value */
		if (f == CRON_F_WEEKDAY)
			a %= 7;
		tb_putu(tb, (uint64_t)a);
		set_bit(r, f, a);
	}
	return 0;
}

/* Field F's text S[0..N) (no blanks inside) into R; its normalized text is
 * appended to TB. */
static int
parse_field(struct parse_ctx *cx, enum cron_field f, const char *s, size_t n,
    struct cron_rule *r, struct tbuf *tb, struct field_out *fo)
{
	size_t start = tb->len;

	memset(fo, 0, sizeof *fo);
	fo->fixed = 1;
	if (n == 0)
		return fail(cx->err, field_defs[f].name, "is empty");
	for (size_t i = 0; i <= n;) {
		size_t j = i;
		while (j < n && s[j] != ',')
			j++;
		if (j == i)
			return fail(cx->err, field_defs[f].name, "empty value in list");
		if (fo->elems)
			tb_putc(tb, ',');
		if (parse_element(cx, f, s + i, j - i, r, tb, fo) < 0)
			return -1;
		fo->elems++;
		i = j + 1;
	}
	if (fo->question && fo->elems > 1)
		return fail(cx->err, field_defs[f].name, "\"?\" cannot be combined with other values");
	fo->star = tb->len - start == 1 && tb->p[start] == '*';
	return 0;
}

/* ---- a whole rule ---- */

/* Weekday bits rotated so that bit k is the weekday of day k+1 of a month
 * starting on weekday F, then repeated over 31 days. */
static void
compile_weekdays(struct cron_rule *r)
{
	for (int f = 0; f < 7; f++) {
		uint64_t p = ((unsigned)r->dow >> f | (unsigned)r->dow << (7 - f)) & 0x7f;
		uint64_t m = (p | p << 7 | p << 14 | p << 21 | p << 28) << 1;
		for (int k = 1; k <= 5; k++)
			for (unsigned b = r->dow_nth[k]; b; b &= b - 1) {
				int w = __builtin_ctz(b);
				int d = 1 + (w - f + 7) % 7 + 7 * (k - 1);
				if (d <= 31)
					m |= UINT64_C(1) << d;
			}
		r->dow_days[f] = (uint32_t)(m & UINT64_C(0xfffffffe));
	}
}

/* The leap years 1970..2199 as a year bitset, built on the fly (cheap). */
static int
years_have_leap(const struct cron_rule *r)
{
	for (int y = CRON_YEAR_MIN; y <= CRON_YEAR_MAX; y++)
		if (cal_is_leap(y) && cron_year_has(r, y))
			return 1;
	return 0;
}

/*
 * Whether rule R can ever fire (SPEC: an expression that never fires is an
 * error). The calendar only matters through each month's length and the
 * weekday of its 1st, so rather than searching forward in time this looks
 * at the at most 14 (length, weekday) kinds a month takes over 1970..2199,
 * or at the rule's own years when it restricts them.
 */
static int
rule_can_fire(const struct cron_rule *r)
{
	int dom_star = r->flags & CRON_R_DOM_STAR, dow_star = r->flags & CRON_R_DOW_STAR;
	int all_years = r->flags & CRON_R_ALL_YEARS;

	/* The common cases need no calendar: every month has every weekday. */
	if (dom_star && dow_star)
		return 1;
	if (!dow_star && r->dow != 0)
		return 1;
	/* Every month has a 1st to 4th and a last of each weekday. */
	if (!dow_star && (r->dow_last | r->dow_nth[1] | r->dow_nth[2] | r->dow_nth[3] | r->dow_nth[4]))
		return 1;
	if (dow_star && !(r->flags & CRON_R_DOM_SPECIAL)) {
		int leap = all_years || years_have_leap(r);
		for (int m = 1; m <= 12; m++) {
			if (!(r->month >> m & 1))
				continue;
			int len = m == 2 ? 28 + leap : cal_days_in_month(2001, m);
			if (r->dom & (uint32_t)((UINT64_C(1) << (len + 1)) - 2))
				return 1;
		}
		return 0;
	}
	if (all_years) {
		for (int m = 1; m <= 12; m++) {
			if (!(r->month >> m & 1))
				continue;
			int len = cal_days_in_month(2001, m);
			for (int leap = 0; leap <= (m == 2); leap++)
				for (int f = 0; f < 7; f++)
					if (cron_day_mask(r, len + leap, f))
						return 1;
		}
		return 0;
	}
	/* A year's months are fixed by whether it is a leap year and the
	 * weekday of its January 1st: 14 kinds, each checked once. */
	unsigned seen = 0;
	for (int64_t y = cron_next_year(r, CRON_YEAR_MIN); y >= 0; y = cron_next_year(r, y + 1)) {
		unsigned kind = 1u << (cal_weekday(cal_days_from_civil(y, 1, 1)) * 2 + cal_is_leap(y));
		if (seen & kind)
			continue;
		seen |= kind;
		for (int m = 1; m <= 12; m++)
			if ((r->month >> m & 1) && cron_month_days(r, y, m))
				return 1;
	}
	return 0;
}

/* The fields of a rule, each parsed into its own normalized text. */
struct rule_fields {
	const char *text[CRON_F_COUNT];
	size_t len[CRON_F_COUNT];
};

/*
 * Compiles the six or seven field texts in RF (year may be absent) into R
 * and appends the rule's normalized text to OUT. SCRATCH holds the
 * per-field normalized texts while the output form is decided.
 */
static int
compile_fields(struct parse_ctx *cx, const struct rule_fields *rf,
    struct cron_rule *r, struct tbuf *out)
{
	char scratch[CRON_FORMAT_MAX];
	struct tbuf sb = { scratch, 0, sizeof scratch, 0 };
	size_t off[CRON_F_COUNT], len[CRON_F_COUNT];
	struct field_out fo[CRON_F_COUNT];

	for (int f = 0; f < CRON_F_COUNT; f++) {
		off[f] = sb.len;
		if (rf->text[f] == NULL) { /* year absent */
			tb_putc(&sb, '*');
			fill(r, (enum cron_field)f, field_defs[f].lo, field_defs[f].star_hi, 1);
			memset(&fo[f], 0, sizeof fo[f]);
			fo[f].star = 1;
		} else if (parse_field(cx, (enum cron_field)f, rf->text[f], rf->len[f], r, &sb,
		               &fo[f]) < 0) {
			return -1;
		}
		len[f] = sb.len - off[f];
	}
	if (sb.full)
		return fail(cx->err, "expression", "too long once normalized");
	if (fo[CRON_F_DAY].star)
		r->flags |= CRON_R_DOM_STAR;
	if (fo[CRON_F_WEEKDAY].star)
		r->flags |= CRON_R_DOW_STAR;
	if (fo[CRON_F_YEAR].star)
		r->flags |= CRON_R_ALL_YEARS;
	if (fo[CRON_F_SECOND].fixed && fo[CRON_F_MINUTE].fixed && fo[CRON_F_HOUR].fixed)
		r->flags |= CRON_R_FIXED;
	compile_weekdays(r);

	int has_year = !fo[CRON_F_YEAR].star;
	int has_sec = has_year || !(len[CRON_F_SECOND] == 1 && scratch[off[CRON_F_SECOND]] == '0');
	for (int f = 0; f < CRON_F_COUNT; f++) {
		r->field_off[f] = 0;
		r->field_len[f] = 0;
		if ((f == CRON_F_SECOND && !has_sec) || (f == CRON_F_YEAR && !has_year))
			continue;
		if (f != (has_sec ? CRON_F_SECOND : CRON_F_MINUTE))
			tb_putc(out, ' ');
		r->field_off[f] = (uint16_t)out->len;
		tb_put(out, scratch + off[f], len[f]);
		r->field_len[f] = (uint16_t)len[f];
	}
	if (!rule_can_fire(r))
		return fail(cx->err, "expression", "never fires");
	return 0;
}

static const struct {
	const char *name;
	const char *fields;
} macros[] = {
	{ "@YEARLY", "0 0 1 1 *" },
	{ "@ANNUALLY", "0 0 1 1 *" },
	{ "@MONTHLY", "0 0 1 * *" },
	{ "@WEEKLY", "0 0 * * 0" },
	{ "@DAILY", "0 0 * * *" },
	{ "@MIDNIGHT", "0 0 * * *" },
	{ "@HOURLY", "0 * * * *" },
};

/* Splits S[0..N) at blanks into at most 7 fields of RF (5 fields: minute
 * first, 6 or 7: second first). Returns 0, or -1 for a wrong count. */
static int
split_fields(struct parse_ctx *cx, const char *s, size_t n, struct rule_fields *rf)
{
	const char *tok[7];
	size_t tlen[7];
	int count = 0;

	for (size_t i = 0; i < n;) {
		while (i < n && is_blank(s[i]))
			i++;
		if (i == n)
			break;
		size_t j = i;
		while (j < n && !is_blank(s[j]))
			j++;
		if (count < 7) {
			tok[count] = s + i;
			tlen[count] = j - i;
		}
		count++;
		i = j;
	}
	if (count < 5 || count > 7)
		return fail(cx->err, "expression", "expected 5, 6 or 7 fields, got %d", count);
	memset(rf, 0, sizeof *rf);
	int f0 = count == 5 ? CRON_F_MINUTE : CRON_F_SECOND;
	if (count == 5) {
		rf->text[CRON_F_SECOND] = "0";
		rf->len[CRON_F_SECOND] = 1;
	}
	for (int k = 0; k < count; k++) {
		rf->text[f0 + k] = tok[k];
		rf->len[f0 + k] = tlen[k];
	}
	return 0;
}

/* "@every 1h30m": d, h, m, s each at most once, in that order. */
static int
parse_every(struct parse_ctx *cx, const char *s, size_t n, struct cron_rule *r,
    struct tbuf *out)
{
	static const char units[] = "dhms";
	static const int64_t secs[] = { 86400, 3600, 60, 1 };
	char q[200];
	int64_t total = 0;
	int last = -1;

	if (n == 0)
		return fail(cx->err, "expression", "@every needs a duration such as 90m or 1h30m");
	for (size_t i = 0; i < n;) {
		long v;
		int digits = lex_digits(s, n, &i, &v);
		const char *u = i < n ? strchr(units, s[i] | 0x20) : NULL;
		if (digits == 0 || digits > 9 || u == NULL || s[i] == '\0' || (int)(u - units) <= last)
			return fail(cx->err, "expression",
			    "invalid duration \"%s\": use d, h, m and s in that order, e.g. 1h30m",
			    quote(q, sizeof q, s, n));
		last = (int)(u - units);
		total += v * secs[last];
		i++;
	}
	if (total < 1)
		return fail(cx->err, "expression", "@every duration must be at least 1s");
	if (total > EVERY_MAX)
		return fail(cx->err, "expression", "@every duration must be at most 3650d");
	r->kind = CRON_RULE_EVERY;
	r->every = total;
	tb_put(out, "@every ", 7);
	for (int k = 0; k < 4; k++) {
		int64_t part = total / secs[k];
		total %= secs[k];
		if (part) {
			tb_putu(out, (uint64_t)part);
			tb_putc(out, units[k]);
		}
	}
	return 0;
}

/* Exactly N digits at S[*I]. */
static int
fixed_digits(const char *s, size_t len, size_t *i, int n, int *out)
{
	int v = 0;
	for (int k = 0; k < n; k++, (*i)++) {
		if (*i >= len || !is_digit(s[*i]))
			return -1;
		v = v * 10 + (s[*i] - '0');
	}
	*out = v;
	return 0;
}

/* An ISO 8601 date, optional time (seconds optional), optional zone (Z,
 * +hh:mm, +hhmm, +hh), as @at, startsAt and expiresAt take it. */
struct iso_time {
	int Y, M, D, h, mi, sec;
	int zoned; /* a zone was given: OFF seconds east of UTC */
	int off;
};

/* Reads S[0..N) into T. Returns 0, or -1 when S is not of that form (the
 * ranges of the fields are the caller's to check). */
static int
scan_iso(const char *s, size_t n, struct iso_time *t)
{
	size_t i = 0;

	memset(t, 0, sizeof(*t));
	if (fixed_digits(s, n, &i, 4, &t->Y) < 0 || i >= n || s[i++] != '-' ||
	    fixed_digits(s, n, &i, 2, &t->M) < 0 || i >= n || s[i++] != '-' ||
	    fixed_digits(s, n, &i, 2, &t->D) < 0)
		return -1;
	if (i < n && (s[i] == 'T' || s[i] == 't')) {
		i++;
		if (fixed_digits(s, n, &i, 2, &t->h) < 0 || i >= n || s[i++] != ':' ||
		    fixed_digits(s, n, &i, 2, &t->mi) < 0)
			return -1;
		if (i < n && s[i] == ':') {
			i++;
			if (fixed_digits(s, n, &i, 2, &t->sec) < 0)
				return -1;
		}
	}
	if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
		t->zoned = 1;
		i++;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		int sign = s[i++] == '-' ? -1 : 1, oh, om = 0;
		if (fixed_digits(s, n, &i, 2, &oh) < 0)
			return -1;
		if (i < n && s[i] == ':') {
			i++;
			if (fixed_digits(s, n, &i, 2, &om) < 0)
				return -1;
		} else if (i < n && fixed_digits(s, n, &i, 2, &om) < 0) {
			return -1;
		}
		if (oh > 23 || om > 59)
			return -1;
		t->zoned = 1;
		t->off = sign * (oh * 3600 + om * 60);
	}
	return i == n ? 0 : -1;
}

static int
iso_valid(const struct iso_time *t)
{
	return t->M >= 1 && t->M <= 12 && t->D >= 1 && t->D <= cal_days_in_month(t->Y, t->M) &&
	    t->h <= 23 && t->mi <= 59 && t->sec <= 59;
}

int
cron_parse_time(const char *text, const struct tz *zone, int64_t *out)
{
	struct iso_time it;
	int64_t local, at[2];

	if (text == NULL || strlen(text) > 64 || scan_iso(text, strlen(text), &it) < 0 ||
	    !iso_valid(&it) || it.Y < CRON_YEAR_MIN || it.Y > CRON_YEAR_MAX)
		return -1;
	local = cal_days_from_civil(it.Y, it.M, it.D) * 86400 + it.h * 3600 + it.mi * 60 + it.sec;
	if (it.zoned)
		*out = local - it.off;
	else {
		/* a wall-clock time in ZONE: its first occurrence, or the end
		 * of the gap a forward jump skipped it in */
		tz_local_to_utc(zone ? zone : tz_utc(), local, at);
		*out = at[0];
	}
	return *out < 0 || *out >= CRON_INSTANT_END ? -1 : 0;
}

/*
 * "@at 2025-01-02T03:04:05Z": ISO 8601 (scan_iso). With a zone it is one
 * instant; without, a wall-clock time in the job's zone, compiled as a
 * fixed-time rule so that the daylight-saving policy applies to it.
 */
static int
parse_at(struct parse_ctx *cx, const char *s, size_t n, struct cron_rule *r,
    struct tbuf *out)
{
	char q[200];
	struct iso_time it;
	int Y, M, D, h, mi, sec, zoned, off;

	if (n == 0)
		return fail(cx->err, "expression", "@at needs a time such as 2025-01-02T03:04:05Z");
	if (scan_iso(s, n, &it) < 0)
		goto bad;
	Y = it.Y, M = it.M, D = it.D, h = it.h, mi = it.mi, sec = it.sec;
	zoned = it.zoned, off = it.off;
	if (!iso_valid(&it))
		return fail(cx->err, "expression", "@at: \"%s\" is not a valid date and time",
		    quote(q, sizeof q, s, n));
	if (Y < CRON_YEAR_MIN || Y > CRON_YEAR_MAX)
		return fail(cx->err, "expression", "@at: year %d is out of range %d-%d",
		    Y, CRON_YEAR_MIN, CRON_YEAR_MAX);

	int64_t civil = cal_days_from_civil(Y, M, D) * 86400 + h * 3600 + mi * 60 + sec;
	tb_put(out, "@at ", 4);
	if (zoned) {
		int64_t t = civil - off;
		if (t < 0 || t >= CRON_INSTANT_END)
			return fail(cx->err, "expression", "@at: the time is out of range %d-%d",
			    CRON_YEAR_MIN, CRON_YEAR_MAX);
		r->kind = CRON_RULE_AT;
		r->at = t;
		int64_t y64;
		cal_civil_from_days(t / 86400, &y64, &M, &D);
		Y = (int)y64;
		h = (int)(t % 86400 / 3600);
		mi = (int)(t % 3600 / 60);
		sec = (int)(t % 60);
	} else {
		r->kind = CRON_RULE_FIELDS;
		r->second = UINT64_C(1) << sec;
		r->minute = UINT64_C(1) << mi;
		r->hour = UINT32_C(1) << h;
		r->dom = UINT32_C(1) << D;
		r->month = (uint16_t)(1u << M);
		r->years[(Y - CRON_YEAR_MIN) >> 6] = UINT64_C(1) << ((Y - CRON_YEAR_MIN) & 63);
		r->flags = CRON_R_DOW_STAR | CRON_R_FIXED | CRON_R_AT_LOCAL;
		compile_weekdays(r);
	}
	tb_putu(out, (uint64_t)Y);
	tb_putc(out, '-');
	tb_put2(out, (unsigned)M);
	tb_putc(out, '-');
	tb_put2(out, (unsigned)D);
	tb_putc(out, 'T');
	tb_put2(out, (unsigned)h);
	tb_putc(out, ':');
	tb_put2(out, (unsigned)mi);
	tb_putc(out, ':');
	tb_put2(out, (unsigned)sec);
	if (zoned)
		tb_putc(out, 'Z');
	return 0;
bad:
	return fail(cx->err, "expression",
	    "invalid @at time \"%s\": expected e.g. 2025-01-02T03:04:05Z", quote(q, sizeof q, s, n));
}

/* A macro rule S[0..N) (S[0] == '@'). */
static int
parse_macro(struct parse_ctx *cx, const char *s, size_t n, struct cron_rule *r,
    struct tbuf *out)
{
	char q[200];
	size_t i = 0, name_len;

	while (i < n && !is_blank(s[i]))
		i++;
	name_len = i;
	while (i < n && is_blank(s[i]))
		i++;
	const char *arg = s + i;
	size_t arg_len = n - i;

	if (name_eq(s, name_len, "@EVERY"))
		return parse_every(cx, arg, arg_len, r, out);
	if (name_eq(s, name_len, "@AT"))
		return parse_at(cx, arg, arg_len, r, out);
	if (name_eq(s, name_len, "@MANUAL"))
		return fail(cx->err, "expression", "@manual cannot be combined with other rules");
	for (size_t k = 0; k < sizeof macros / sizeof macros[0]; k++) {
		if (!name_eq(s, name_len, macros[k].name))
			continue;
		if (arg_len)
			return fail(cx->err, "expression", "%s takes no argument",
			    quote(q, sizeof q, s, name_len));
		struct rule_fields rf;
		split_fields(cx, macros[k].fields, strlen(macros[k].fields), &rf);
		return compile_fields(cx, &rf, r, out);
	}
	return fail(cx->err, "expression", "unknown macro \"%s\"", quote(q, sizeof q, s, name_len));
}

/* One rule S[0..N), already trimmed and not empty. */
static int
parse_rule(struct parse_ctx *cx, const char *s, size_t n, struct cron_rule *r,
    struct tbuf *out)
{
	memset(r, 0, sizeof *r);
	r->text_off = (uint16_t)out->len;
	if (s[0] == '@') {
		if (parse_macro(cx, s, n, r, out) < 0)
			return -1;
	} else {
		struct rule_fields rf;
		if (split_fields(cx, s, n, &rf) < 0 || compile_fields(cx, &rf, r, out) < 0)
			return -1;
	}
	r->text_len = (uint16_t)(out->len - r->text_off);
	return 0;
}

static void
trim(const char **s, size_t *n)
{
	while (*n && is_blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_blank((*s)[*n - 1]))
		(*n)--;
}

int
cron_parse(const char *text, struct cron **out, struct cron_error *err)
{
	struct cron_rule rules[CRON_RULES_MAX];
	char textbuf[CRON_FORMAT_MAX];
	struct tbuf tb = { textbuf, 0, sizeof textbuf, 0 };
	struct parse_ctx cx = { err, NULL, 0 };
	size_t len, nrules = 0;
	int manual = 0;

	*out = NULL;
	if (text == NULL)
		return fail(err, "expression", "is empty");
	for (len = 0; len <= CRON_TEXT_MAX && text[len]; len++)
		;
	if (len > CRON_TEXT_MAX)
		return fail(err, "expression", "is longer than %d bytes", CRON_TEXT_MAX);
	if (memchr(text, ';', len) == NULL) {
		const char *s = text;
		size_t n = len;
		trim(&s, &n);
		if (n == 0)
			return fail(err, "expression", "is empty");
		if (name_eq(s, n, "@MANUAL")) {
			manual = 1;
			tb_put(&tb, "@manual", 7);
		}
	}
	for (size_t i = 0; !manual && i <= len;) {
		size_t j = i;
		while (j < len && text[j] != ';')
			j++;
		const char *s = text + i;
		size_t n = j - i;
		trim(&s, &n);
		if (nrules == CRON_RULES_MAX)
			return fail(err, "expression", "has more than %d rules", CRON_RULES_MAX);
		if (n == 0)
			return fail(err, "expression", "rule %zu is empty", nrules + 1);
		if (nrules)
			tb_put(&tb, "; ", 2);
		if (parse_rule(&cx, s, n, &rules[nrules], &tb) < 0) {
			/* Say which rule, when there are several. */
			if (err && (nrules > 0 || j < len)) {
				size_t m = strlen(err->message);
				snprintf(err->message + m, sizeof err->message - m, " (rule %zu)", nrules + 1);
			}
			return -1;
		}
		nrules++;
		i = j + 1;
	}
	/* the normalized text is what is stored, and must parse again */
	if (tb.full || tb.len > CRON_TEXT_MAX)
		return fail(err, "expression", "is longer than %d bytes once normalized",
		    CRON_TEXT_MAX);

	struct cron *c = malloc(sizeof *c + nrules * sizeof c->rules[0] + tb.len + 1);
	if (c == NULL)
		return fail(err, "expression", "out of memory");
	c->manual = manual;
	c->nrules = (int)nrules;
	c->text_len = tb.len;
	memcpy(c->rules, rules, nrules * sizeof rules[0]);
	c->text = (char *)(c->rules + nrules);
	memcpy(c->text, textbuf, tb.len);
	c->text[tb.len] = '\0';
	*out = c;
	return 0;
}

void
cron_free(struct cron *c)
{
	free(c);
}

size_t
cron_format(const struct cron *c, char *buf, size_t len)
{
	if (len) {
		size_t n = c->text_len < len ? c->text_len : len - 1;
		memcpy(buf, c->text, n);
		buf[n] = '\0';
	}
	return c->text_len;
}

int
cron_is_manual(const struct cron *c)
{
	return c->manual;
}

int
cron_is_fixed_time(const struct cron *c)
{
	if (c->manual || c->nrules == 0)
		return 0;
	for (int i = 0; i < c->nrules; i++) {
		const struct cron_rule *r = &c->rules[i];
		if (r->kind == CRON_RULE_EVERY ||
		    (r->kind == CRON_RULE_FIELDS && !(r->flags & CRON_R_FIXED)))
			return 0;
	}
	return 1;
}

/* One SetCronJob field: blanks at either end and next to commas removed
 * (arrays arrive as "0, 15"), NULL, "" and "-1" meaning absent. A blank
 * between two values ("2 1") is an error rather than a guess at "21" or
 * "2,1". Returns 0 with the text in *S and *N (*S is NULL when absent),
 * or -1 when too long or blank inside a value. */
static int
field_arg(const char *in, const char *name, char *buf, const char **s, size_t *n,
    struct cron_error *err)
{
	size_t k = 0;

	*s = NULL;
	*n = 0;
	if (in == NULL)
		return 0;
	for (size_t i = 0; in[i]; i++) {
		if (i >= CRON_TEXT_MAX)
			return fail(err, name, "is longer than %d bytes", CRON_TEXT_MAX);
		if (!is_blank(in[i])) {
			buf[k++] = in[i];
			continue;
		}
		size_t j = i;
		while (in[j + 1] && is_blank(in[j + 1]))
			j++;
		if (k > 0 && buf[k - 1] != ',' && in[j + 1] && in[j + 1] != ',')
			return fail(err, name, "has a blank inside a value; separate values with commas");
		i = j;
	}
	if (k == 0 || (k == 2 && buf[0] == '-' && buf[1] == '1'))
		return 0;
	*s = buf;
	*n = k;
	return 0;
}

int
cron_from_fields(const char *second, const char *minute, const char *hour,
    const char *day, const char *month, const char *weekday,
    char *out, size_t outlen, struct cron_error *err)
{
	static char star[] = "*";
	const char *in[6] = { second, minute, hour, day, month, weekday };
	char bufs[6][CRON_TEXT_MAX];
	char textbuf[CRON_FORMAT_MAX];
	struct tbuf tb = { textbuf, 0, sizeof textbuf, 0 };
	struct parse_ctx cx = { err, NULL, 0 };
	struct rule_fields rf;
	struct cron_rule r;

	if (outlen)
		out[0] = '\0';
	memset(&rf, 0, sizeof rf);
	for (int f = 0; f < 6; f++) {
		if (field_arg(in[f], field_defs[f].name, bufs[f], &rf.text[f], &rf.len[f], err) < 0)
			return -1;
		if (rf.text[f] == NULL) {
			rf.text[f] = f == CRON_F_SECOND ? "0" : star;
			rf.len[f] = 1;
		}
	}
	memset(&r, 0, sizeof r);
	if (compile_fields(&cx, &rf, &r, &tb) < 0)
		return -1;
	/* what is stored must parse again: within cron_parse's limit */
	if (tb.full || tb.len > CRON_TEXT_MAX)
		return fail(err, "expression", "is longer than %d bytes once normalized",
		    CRON_TEXT_MAX);
	if (tb.len >= outlen)
		return fail(err, "expression", "normalized expression too long");
	memcpy(out, textbuf, tb.len);
	out[tb.len] = '\0';
	return 0;
}
