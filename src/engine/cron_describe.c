/*
 * cron_describe: a schedule in plain English, and the presets.
 *
 * Exports cron_describe() and cron_presets().
 *
 * The description is built from the normalized text of each field, which
 * is small and regular (see cron_parse.c), so this file only has to tell
 * "*", "*\/n", plain values, one range and the specials apart. Common
 * shapes get a natural sentence ("At 08:00, Monday through Friday"); any
 * other shape gets a sentence that quotes the field text, which is less
 * pretty but never wrong.
 */
#include <string.h>

#include "engine/cron_impl.h"

/* ---- output ---- */

/* Like snprintf: LEN counts everything, BUF holds what fits. */
struct out {
	char *buf;
	size_t cap, len;
};

static void
put(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++, o->len++)
		if (o->len + 1 < o->cap)
			o->buf[o->len] = s[i];
}

static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void
putu(struct out *o, int64_t v)
{
	char d[24];
	int n = 0;
	uint64_t u = v < 0 ? 0 : (uint64_t)v;
	do {
		d[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (n) {
		char c = d[--n];
		put(o, &c, 1);
	}
}

static void
put2(struct out *o, int v)
{
	char d[2] = { (char)('0' + v / 10 % 10), (char)('0' + v % 10) };
	put(o, d, 2);
}

/* "1 minute" / "5 minutes" */
static void
put_count(struct out *o, int64_t n, const char *unit)
{
	putu(o, n);
	put(o, " ", 1);
	puts_(o, unit);
	if (n != 1)
		put(o, "s", 1);
}

static void
put_ordinal(struct out *o, int n)
{
	static const char *const words[] = { "", "first", "second", "third", "fourth", "fifth" };
	if (n >= 1 && n <= 5) {
		puts_(o, words[n]);
		return;
	}
	putu(o, n);
	puts_(o, n % 10 == 1 && n % 100 != 11 ? "st" : n % 10 == 2 && n % 100 != 12 ? "nd" :
	        n % 10 == 3 && n % 100 != 13                                        ? "rd" :
	                                                                              "th");
}

static const char *const weekday_words[7] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"
};
static const char *const month_words[13] = {
	"", "January", "February", "March", "April", "May", "June", "July", "August",
	"September", "October", "November", "December"
};

/* ---- the normalized field text, read back ---- */

enum elem_kind { E_STAR,
	E_STAR_STEP,
	E_VALUE,
	E_RANGE,
	E_SPECIAL };

struct elem {
	enum elem_kind kind;
	int a, b, step;
};

#define ELEMS_MAX 12

struct field {
	const char *text;
	size_t len;
	int n; /* elements read, or -1 when more than ELEMS_MAX */
	struct elem e[ELEMS_MAX];
};

static int
num(const char *s, size_t n, size_t *i)
{
	int v = 0;
	while (*i < n && s[*i] >= '0' && s[*i] <= '9')
		v = v * 10 + (s[(*i)++] - '0');
	return v;
}

static void
read_field(const struct cron *c, const struct cron_rule *r, enum cron_field f,
    struct field *fd)
{
	static const char *const absent[CRON_F_COUNT] = { "0", "*", "*", "*", "*", "*", "*" };

	if (r->field_len[f]) {
		fd->text = c->text + r->field_off[f];
		fd->len = r->field_len[f];
	} else {
		fd->text = absent[f];
		fd->len = 1;
	}
	fd->n = 0;
	for (size_t i = 0; i < fd->len;) {
		size_t j = i;
		while (j < fd->len && fd->text[j] != ',')
			j++;
		if (fd->n == ELEMS_MAX) {
			fd->n = -1;
			return;
		}
		struct elem *e = &fd->e[fd->n++];
		const char *s = fd->text + i;
		size_t n = j - i, k = 0;
		e->step = 1;
		if (s[0] == '*') {
			e->kind = n == 1 ? E_STAR : E_STAR_STEP;
			if (n > 2) {
				k = 2;
				e->step = num(s, n, &k);
			}
		} else if (s[0] >= '0' && s[0] <= '9') {
			e->a = e->b = num(s, n, &k);
			e->kind = E_VALUE;
			if (k < n && s[k] == '-') {
				k++;
				e->b = num(s, n, &k);
				e->kind = E_RANGE;
				if (k < n && s[k] == '/') {
					k++;
					e->step = num(s, n, &k);
				}
			}
			if (k != n) /* 15W, 5L, 1#2 */
				e->kind = E_SPECIAL;
		} else {
			e->kind = E_SPECIAL; /* L, L-n, LW */
		}
		i = j + 1;
	}
}

static int
only_values(const struct field *fd)
{
	if (fd->n < 1)
		return 0;
	for (int i = 0; i < fd->n; i++)
		if (fd->e[i].kind != E_VALUE)
			return 0;
	return 1;
}

static int
is_one(const struct field *fd, enum elem_kind kind)
{
	return fd->n == 1 && fd->e[0].kind == kind;
}

static int
is_value(const struct field *fd, int v)
{
	return is_one(fd, E_VALUE) && fd->e[0].a == v;
}

/* The field's values, sorted and without repeats (weekday 7 is 0). */
static int
sorted_values(const struct field *fd, int *v)
{
	int n = 0;
	for (int i = 0; i < fd->n; i++) {
		int x = fd->e[i].a, k = n;
		while (k > 0 && v[k - 1] > x)
			k--;
		if (k > 0 && v[k - 1] == x)
			continue;
		memmove(v + k + 1, v + k, (size_t)(n - k) * sizeof *v);
		v[k] = x;
		n++;
	}
	return n;
}

/* "a", "a and b", "a, b and c" with each item printed by ITEM. */
static void
put_list(struct out *o, const int *v, int n, void (*item)(struct out *, int))
{
	for (int i = 0; i < n; i++) {
		if (i > 0)
			puts_(o, i == n - 1 ? " and " : ", ");
		item(o, v[i]);
	}
}

static void
item_num(struct out *o, int v)
{
	putu(o, v);
}

static void
item_weekday(struct out *o, int v)
{
	puts_(o, weekday_words[v % 7]);
}

static void
item_month(struct out *o, int v)
{
	puts_(o, month_words[v]);
}

/* ---- time of day ---- */

/* At most this many listed times are spelled out ("At 08:00 and 17:00"). */
#define TIMES_MAX 6

static void
put_clock(struct out *o, int h, int m, int s, int with_seconds)
{
	put2(o, h);
	put(o, ":", 1);
	put2(o, m);
	if (with_seconds) {
		put(o, ":", 1);
		put2(o, s);
	}
}

/* A clause of the generic time sentence for one field: "every minute",
 * "every 5 minutes", "at minute 5", "at minutes 0-30/5"; capitalized
 * when it starts the sentence. */
static void
put_clause(struct out *o, const struct field *fd, const char *unit, int first)
{
	if (is_one(fd, E_STAR) || is_one(fd, E_STAR_STEP)) {
		puts_(o, first ? "Every " : "every ");
		if (is_one(fd, E_STAR))
			puts_(o, unit);
		else
			put_count(o, fd->e[0].step, unit);
		return;
	}
	puts_(o, first ? "At " : "at ");
	puts_(o, unit);
	if (!is_one(fd, E_VALUE))
		put(o, "s", 1);
	put(o, " ", 1);
	put(o, fd->text, fd->len);
}

static void
describe_time(struct out *o, const struct field *S, const struct field *M,
    const struct field *H)
{
	int sv[ELEMS_MAX], mv[ELEMS_MAX], hv[ELEMS_MAX];

	if (only_values(S) && only_values(M) && only_values(H)) {
		int ns = sorted_values(S, sv), nm = sorted_values(M, mv), nh = sorted_values(H, hv);
		if (ns * nm * nh <= TIMES_MAX) {
			int secs = ns > 1 || sv[0] != 0, k = 0, total = ns * nm * nh;
			puts_(o, "At ");
			for (int a = 0; a < nh; a++)
				for (int b = 0; b < nm; b++)
					for (int d = 0; d < ns; d++, k++) {
						if (k > 0)
							puts_(o, k == total - 1 ? " and " : ", ");
						put_clock(o, hv[a], mv[b], sv[d], secs);
					}
			return;
		}
	}
	int sec0 = is_value(S, 0);
	if (is_one(H, E_STAR) && is_one(M, E_STAR)) {
		if (is_one(S, E_STAR)) {
			puts_(o, "Every second");
			return;
		}
		if (is_one(S, E_STAR_STEP)) {
			puts_(o, "Every ");
			put_count(o, S->e[0].step, "second");
			return;
		}
		if (sec0) {
			puts_(o, "Every minute");
			return;
		}
	}
	if (is_one(H, E_STAR) && sec0) {
		if (is_one(M, E_STAR_STEP)) {
			puts_(o, "Every ");
			put_count(o, M->e[0].step, "minute");
			return;
		}
		if (is_value(M, 0)) {
			puts_(o, "Every hour");
			return;
		}
		if (only_values(M)) {
			int n = sorted_values(M, mv);
			puts_(o, "At ");
			put_list(o, mv, n, item_num);
			puts_(o, n == 1 && mv[0] == 1 ? " minute" : " minutes");
			puts_(o, " past every hour");
			return;
		}
	}
	if (is_one(H, E_STAR) && sec0 && is_one(M, E_RANGE) && M->e[0].step > 1 &&
	    M->e[0].a < M->e[0].b && M->e[0].b == 59) {
		/* "5-59/15", the normal form of Quartz's "5/15" */
		puts_(o, "Every ");
		put_count(o, M->e[0].step, "minute");
		puts_(o, ", starting at minute ");
		putu(o, M->e[0].a);
		return;
	}
	if (is_one(H, E_STAR_STEP) && sec0 && is_value(M, 0)) {
		puts_(o, "Every ");
		put_count(o, H->e[0].step, "hour");
		return;
	}
	if (is_one(H, E_RANGE) && H->e[0].step == 1 && H->e[0].a < H->e[0].b && sec0) {
		int a = H->e[0].a, b = H->e[0].b;
		if (is_one(M, E_STAR) || is_one(M, E_STAR_STEP)) {
			puts_(o, "Every ");
			if (is_one(M, E_STAR))
				puts_(o, "minute");
			else
				put_count(o, M->e[0].step, "minute");
			puts_(o, " between ");
			put_clock(o, a, 0, 0, 0);
			puts_(o, " and ");
			put_clock(o, b, 59, 0, 0);
			return;
		}
		if (is_one(M, E_VALUE)) {
			puts_(o, "Every hour from ");
			put_clock(o, a, M->e[0].a, 0, 0);
			puts_(o, " to ");
			put_clock(o, b, M->e[0].a, 0, 0);
			return;
		}
	}
	/* Generic: "At minutes 0,30, during hours 9-17". */
	int first = 1;
	int s_every = is_one(S, E_STAR) || is_one(S, E_STAR_STEP);
	if (!sec0) {
		put_clause(o, S, "second", first);
		first = 0;
	}
	if (!(s_every && is_one(M, E_STAR))) {
		if (!first)
			puts_(o, ", ");
		put_clause(o, M, "minute", first);
	}
	if (is_one(H, E_STAR)) {
		if (!is_one(M, E_STAR) && !is_one(M, E_STAR_STEP))
			puts_(o, " past every hour");
		return;
	}
	puts_(o, ", during ");
	if (is_one(H, E_STAR_STEP)) {
		puts_(o, "every ");
		put_ordinal(o, H->e[0].step);
		puts_(o, " hour");
	} else {
		puts_(o, is_one(H, E_VALUE) ? "hour " : "hours ");
		put(o, H->text, H->len);
	}
}

/* ---- days ---- */

static void
describe_dom(struct out *o, const struct field *D)
{
	int v[ELEMS_MAX];

	if (only_values(D)) {
		int n = sorted_values(D, v);
		puts_(o, n == 1 ? " on day " : " on days ");
		put_list(o, v, n, item_num);
		puts_(o, " of the month");
		return;
	}
	if (D->n == 1) {
		const char *s = D->text;
		if (D->len == 1 && s[0] == 'L') {
			puts_(o, " on the last day of the month");
			return;
		}
		if (D->len == 2 && s[0] == 'L' && s[1] == 'W') {
			puts_(o, " on the last weekday of the month");
			return;
		}
		if (s[0] == 'L' && s[1] == '-') {
			size_t k = 2;
			puts_(o, ", ");
			put_count(o, num(s, D->len, &k), "day");
			puts_(o, " before the last day of the month");
			return;
		}
		if (s[D->len - 1] == 'W') {
			size_t k = 0;
			puts_(o, " on the weekday nearest day ");
			putu(o, num(s, D->len, &k));
			puts_(o, " of the month");
			return;
		}
		if (D->e[0].kind == E_RANGE && D->e[0].step == 1 && D->e[0].a < D->e[0].b) {
			puts_(o, " on days ");
			putu(o, D->e[0].a);
			puts_(o, " through ");
			putu(o, D->e[0].b);
			puts_(o, " of the month");
			return;
		}
		if (D->e[0].kind == E_STAR_STEP) {
			puts_(o, " on every ");
			put_ordinal(o, D->e[0].step);
			puts_(o, " day of the month");
			return;
		}
	}
	puts_(o, " on days ");
	put(o, D->text, D->len);
	puts_(o, " of the month");
}

/* OR_MODE: the day field is restricted too, so this completes "..., and". */
static void
describe_dow(struct out *o, const struct field *W, int or_mode)
{
	int v[ELEMS_MAX];

	if (only_values(W)) {
		int n = sorted_values(W, v);
		puts_(o, or_mode ? " every " : ", only on ");
		put_list(o, v, n, item_weekday);
		return;
	}
	if (W->n == 1) {
		const struct elem *e = &W->e[0];
		const char *s = W->text;
		if (e->kind == E_RANGE && e->step == 1) {
			puts_(o, or_mode ? " every " : ", ");
			puts_(o, weekday_words[e->a % 7]);
			puts_(o, " through ");
			puts_(o, weekday_words[e->b % 7]);
			return;
		}
		if (e->kind == E_SPECIAL && W->len == 3 && s[1] == '#') {
			puts_(o, or_mode ? " on the " : ", on the ");
			put_ordinal(o, s[2] - '0');
			put(o, " ", 1);
			puts_(o, weekday_words[(s[0] - '0') % 7]);
			puts_(o, " of the month");
			return;
		}
		if (e->kind == E_SPECIAL && W->len == 2 && s[1] == 'L') {
			puts_(o, or_mode ? " on the last " : ", on the last ");
			puts_(o, weekday_words[(s[0] - '0') % 7]);
			puts_(o, " of the month");
			return;
		}
	}
	puts_(o, or_mode ? " on weekdays " : ", on weekdays ");
	put(o, W->text, W->len);
}

static void
describe_fields(struct out *o, const struct cron *c, const struct cron_rule *r)
{
	struct field f[CRON_F_COUNT];
	int v[ELEMS_MAX];

	for (int k = 0; k < CRON_F_COUNT; k++)
		read_field(c, r, (enum cron_field)k, &f[k]);
	describe_time(o, &f[CRON_F_SECOND], &f[CRON_F_MINUTE], &f[CRON_F_HOUR]);

	const struct field *D = &f[CRON_F_DAY], *Mo = &f[CRON_F_MONTH], *W = &f[CRON_F_WEEKDAY];
	int dom = !(r->flags & CRON_R_DOM_STAR), dow = !(r->flags & CRON_R_DOW_STAR);
	int all_months = is_one(Mo, E_STAR);

	if (dom && !dow && is_one(D, E_VALUE) && is_one(Mo, E_VALUE)) {
		/* "on January 1" */
		puts_(o, " on ");
		puts_(o, month_words[Mo->e[0].a]);
		put(o, " ", 1);
		putu(o, D->e[0].a);
		all_months = 1;
	} else if (dom) {
		describe_dom(o, D);
		if (dow) {
			puts_(o, ", and");
			describe_dow(o, W, 1);
		}
	} else if (dow) {
		describe_dow(o, W, 0);
	}
	if (!all_months) {
		if (only_values(Mo)) {
			int n = sorted_values(Mo, v);
			puts_(o, ", only in ");
			put_list(o, v, n, item_month);
		} else if (is_one(Mo, E_RANGE) && Mo->e[0].step == 1) {
			puts_(o, ", ");
			puts_(o, month_words[Mo->e[0].a]);
			puts_(o, " through ");
			puts_(o, month_words[Mo->e[0].b]);
		} else if (is_one(Mo, E_STAR_STEP)) {
			puts_(o, ", in every ");
			put_ordinal(o, Mo->e[0].step);
			puts_(o, " month");
		} else {
			puts_(o, ", in months ");
			put(o, Mo->text, Mo->len);
		}
	}
	if (!(r->flags & CRON_R_ALL_YEARS)) {
		const struct field *Y = &f[CRON_F_YEAR];
		puts_(o, is_one(Y, E_VALUE) ? ", in " : ", in years ");
		put(o, Y->text, Y->len);
	}
}

static void
describe_every(struct out *o, int64_t secs)
{
	static const char *const units[4] = { "day", "hour", "minute", "second" };
	static const int64_t size[4] = { 86400, 3600, 60, 1 };
	int64_t part[4];
	int nparts = 0, k, done = 0;

	for (k = 0; k < 4; k++) {
		part[k] = secs / size[k];
		secs %= size[k];
		nparts += part[k] != 0;
	}
	puts_(o, "Every ");
	for (k = 0; k < 4; k++) {
		if (!part[k])
			continue;
		if (done)
			puts_(o, done == nparts - 1 ? " and " : ", ");
		if (nparts == 1 && part[k] == 1 && k == 0)
			puts_(o, "24 hours"); /* real time, not calendar days */
		else if (nparts == 1 && part[k] == 1)
			puts_(o, units[k]);
		else
			put_count(o, part[k], units[k]);
		done++;
	}
}

static void
put_datetime(struct out *o, int64_t y, int m, int d, int h, int mi, int s)
{
	putu(o, y);
	put(o, "-", 1);
	put2(o, m);
	put(o, "-", 1);
	put2(o, d);
	put(o, " ", 1);
	put_clock(o, h, mi, s, 1);
}

static void
describe_rule(struct out *o, const struct cron *c, const struct cron_rule *r)
{
	if (r->kind == CRON_RULE_EVERY) {
		describe_every(o, r->every);
	} else if (r->kind == CRON_RULE_AT) {
		int64_t y;
		int m, d;
		cal_civil_from_days(r->at / 86400, &y, &m, &d);
		puts_(o, "Once, at ");
		put_datetime(o, y, m, d, (int)(r->at % 86400 / 3600), (int)(r->at % 3600 / 60),
		    (int)(r->at % 60));
		puts_(o, " UTC");
	} else if (r->flags & CRON_R_AT_LOCAL) {
		puts_(o, "Once, at ");
		put_datetime(o, cron_next_year(r, CRON_YEAR_MIN), __builtin_ctz(r->month),
		    __builtin_ctz(r->dom), __builtin_ctz(r->hour), __builtin_ctzll(r->minute),
		    __builtin_ctzll(r->second));
	} else {
		describe_fields(o, c, r);
	}
}

size_t
cron_describe(const struct cron *c, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };

	if (c->manual)
		puts_(&o, "Only when run manually");
	for (int i = 0; i < c->nrules; i++) {
		if (i > 0)
			puts_(&o, "; ");
		size_t start = o.len;
		describe_rule(&o, c, &c->rules[i]);
		/* "At 02:00; every 15 minutes": later rules continue the sentence. */
		if (i > 0 && start + 1 < o.cap && buf[start] >= 'A' && buf[start] <= 'Z')
			buf[start] = (char)(buf[start] - 'A' + 'a');
	}
	if (len)
		buf[o.len < len ? o.len : len - 1] = '\0';
	return o.len;
}

/* The descriptions are what cron_describe() prints; test_cron_parse checks
 * that they stay in step. */
static const struct cron_preset presets[] = {
	{ "every_minute", "* * * * *", "Every minute" },
	{ "every_5_minutes", "*/5 * * * *", "Every 5 minutes" },
	{ "every_10_minutes", "*/10 * * * *", "Every 10 minutes" },
	{ "every_15_minutes", "*/15 * * * *", "Every 15 minutes" },
	{ "every_30_minutes", "*/30 * * * *", "Every 30 minutes" },
	{ "hourly", "0 * * * *", "Every hour" },
	{ "every_2_hours", "0 */2 * * *", "Every 2 hours" },
	{ "every_6_hours", "0 */6 * * *", "Every 6 hours" },
	{ "every_12_hours", "0 */12 * * *", "Every 12 hours" },
	{ "daily", "0 0 * * *", "At 00:00" },
	{ "daily_0200", "0 2 * * *", "At 02:00" },
	{ "twice_daily", "0 0,12 * * *", "At 00:00 and 12:00" },
	{ "weekdays_0800", "0 8 * * 1-5", "At 08:00, Monday through Friday" },
	{ "weekends_1000", "0 10 * * 0,6", "At 10:00, only on Sunday and Saturday" },
	{ "weekly", "0 0 * * 0", "At 00:00, only on Sunday" },
	{ "weekly_monday_0900", "0 9 * * 1", "At 09:00, only on Monday" },
	{ "monthly", "0 0 1 * *", "At 00:00 on day 1 of the month" },
	{ "monthly_last_day", "0 0 L * *", "At 00:00 on the last day of the month" },
	{ "quarterly", "0 0 1 1,4,7,10 *",
	    "At 00:00 on day 1 of the month, only in January, April, July and October" },
	{ "yearly", "0 0 1 1 *", "At 00:00 on January 1" },
};

const struct cron_preset *
cron_presets(size_t *count)
{
	*count = sizeof presets / sizeof presets[0];
	return presets;
}
