/*
 * cron_next: fire times of a compiled schedule (SPEC 3.4).
 *
 * Exports cron_next() and cron_min_gap().
 *
 * A rule is matched in civil (wall-clock) time, counted as seconds since
 * 1970-01-01 00:00:00 read on the job's clock. The civil search jumps from
 * field to field with bitsets (year, month, then the month's day mask,
 * hour, minute, second) and never walks second by second.
 *
 * Real time is then walked one offset span of the zone at a time (tz.h):
 * inside a span the offset is constant, so its instants map one to one onto
 * a contiguous stretch of civil time, and the first match in that stretch
 * is the answer. Between spans the daylight-saving policy applies:
 *   - forward jump (gap): civil times in the gap do not exist. A fixed-time
 *     rule that names one of them fires once at the first instant after the
 *     gap (the transition); an interval rule just has no such times.
 *   - backward jump (overlap): the repeated civil times exist twice. An
 *     interval rule fires in both copies, following real time; a fixed-time
 *     rule fires in the first only, so in the later span its search starts
 *     where the earlier span's civil time ended.
 * Far-off matches (leap days, year fields) are reached by skipping spans in
 * bulk rather than visiting each one; see rule_next().
 */
#include "engine/cron_impl.h"
#include "engine/tz.h"

/* Larger than any UTC offset tz.h admits (it refuses beyond +-26 hours):
 * every instant t has t - MARGIN < civil(t) < t + MARGIN. */
#define MARGIN (2 * 86400)

/* Instants further out than this are treated as these bounds, so no sum
 * below can overflow (2^40 s is about 34,000 years). */
#define INSTANT_LIMIT (INT64_C(1) << 40)

/*
 * The first civil time >= C (clamped to 1970-01-01T00:00:00) at which rule
 * R matches, into *OUT. Returns 0, or -1 when there is none up to the end
 * of CRON_YEAR_MAX.
 */
static int
civil_next(const struct cron_rule *r, int64_t c, int64_t *out)
{
	int64_t y, cache_y = -1;
	int m, d, cache_m = 0;
	uint32_t days = 0;

	if (c < 0)
		c = 0;
	if (c > CRON_CIVIL_MAX)
		return -1;
	cal_civil_from_days(c / 86400, &y, &m, &d);
	int sod = (int)(c % 86400);
	int H = sod / 3600, M = sod / 60 % 60, S = sod % 60;

	/* Each turn moves forward by at least a second-field step and resets
	 * the fields below the one that moved; 230 years of month-level misses
	 * is the worst case, far below the guard. */
	for (int guard = 0; guard < 100000; guard++) {
		if (y > CRON_YEAR_MAX)
			return -1;
		if (!(r->flags & CRON_R_ALL_YEARS) && !cron_year_has(r, y)) {
			int64_t ny = cron_next_year(r, y);
			if (ny < 0)
				return -1;
			y = ny;
			m = 1;
			d = 1;
			H = M = S = 0;
		}
		if (!(r->month >> m & 1)) {
			int nm = cron_next_bit64(r->month, m);
			if (nm < 0) {
				y++;
				m = 1;
				d = 1;
				H = M = S = 0;
				continue;
			}
			m = nm;
			d = 1;
			H = M = S = 0;
		}
		if (y != cache_y || m != cache_m) {
			days = cron_month_days(r, y, m);
			cache_y = y;
			cache_m = m;
		}
		uint64_t avail = (uint64_t)days & (~UINT64_C(0) << d);
		if (!avail) {
			if (++m > 12) {
				m = 1;
				y++;
			}
			d = 1;
			H = M = S = 0;
			continue;
		}
		int nd = __builtin_ctzll(avail);
		if (nd != d) {
			d = nd;
			H = M = S = 0;
		}
		int h = cron_next_bit64(r->hour, H);
		if (h < 0) {
			d++;
			H = M = S = 0;
			continue;
		}
		if (h != H) {
			H = h;
			M = S = 0;
		}
		int mi = cron_next_bit64(r->minute, M);
		if (mi < 0) {
			M = S = 0;
			if (++H > 23) {
				H = 0;
				d++;
			}
			continue;
		}
		if (mi != M) {
			M = mi;
			S = 0;
		}
		int s = cron_next_bit64(r->second, S);
		if (s < 0) {
			S = 0;
			if (++M > 59) {
				M = 0;
				if (++H > 23) {
					H = 0;
					d++;
				}
			}
			continue;
		}
		*out = cal_days_from_civil(y, m, d) * 86400 + H * 3600 + M * 60 + s;
		return 0;
	}
	return -1;
}

/*
 * The first fire time of field rule R after instant AFTER in ZONE. Returns
 * 0 with *OUT, or 1 when there is none.
 */
static int
rule_next(const struct cron_rule *r, const struct tz *zone, int64_t after,
    int64_t *out)
{
	int64_t t0 = after + 1, c;

	if (zone == NULL || zone == tz_utc()) {
		if (civil_next(r, t0, &c) < 0)
			return 1;
		*out = c;
		return 0;
	}
	/* Every turn moves t0 to a later span; tz.h has about two spans a year
	 * up to 2199, so the bound is never reached with real data. */
	for (int turn = 0; turn < 8192; turn++) {
		struct tz_span sp;
		tz_span_at(zone, t0, &sp);
		int64_t o = sp.offset, clo = t0 + o;

		if ((r->flags & CRON_R_FIXED) && sp.start != INT64_MIN && t0 - sp.start < MARGIN) {
			struct tz_span pv;
			tz_span_at(zone, sp.start - 1, &pv);
			if (pv.offset < o && t0 == sp.start) {
				/* Forward jump: a fixed time in the gap runs at its end. */
				if (civil_next(r, sp.start + pv.offset, &c) == 0 && c < sp.start + o) {
					*out = sp.start;
					return 0;
				}
			} else if (pv.offset > o && clo < sp.start + pv.offset) {
				/* Backward jump: the repeated times already ran once. */
				clo = sp.start + pv.offset;
			}
		}
		int64_t chi = sp.end == INT64_MAX ? INT64_MAX : sp.end + o;
		int found = civil_next(r, clo, &c) == 0;
		if (found && c < chi) {
			*out = c - o;
			return 0;
		}
		if (sp.end == INT64_MAX)
			return 1;
		t0 = sp.end;
		if (!found || c - chi > 2 * MARGIN) {
			/*
			 * The next match is far (or, above clo, absent). Later spans
			 * can reach back below clo by at most an offset change, so
			 * search again from well below this span's end: if the first
			 * match from there is FAR, no instant before FAR - MARGIN has
			 * a civil time in [chi - 2 MARGIN, FAR), which covers every
			 * civil time (and every gap) those instants can have.
			 */
			int64_t far;
			if (civil_next(r, chi - 2 * MARGIN, &far) < 0)
				return 1;
			if (far - MARGIN > t0)
				t0 = far - MARGIN;
		}
	}
	return 1;
}

static int
every_next(const struct cron_rule *r, const struct cron_window *win,
    const struct cron_bounds *own, int64_t after, int64_t *out)
{
	int64_t anchor = 0, t;

	if (own && own->starts_at)
		anchor = own->starts_at;
	else if (win && win->anchor)
		anchor = win->anchor;
	else if (win && win->starts_at)
		anchor = win->starts_at;
	if (anchor < -INSTANT_LIMIT)
		anchor = -INSTANT_LIMIT;
	if (anchor > INSTANT_LIMIT)
		anchor = INSTANT_LIMIT;
	if (after < anchor)
		t = anchor;
	else
		t = anchor + ((after - anchor) / r->every + 1) * r->every;
	if (t >= CRON_INSTANT_END)
		return 1;
	*out = t;
	return 0;
}

int
cron_next(const struct cron *c, const struct tz *zone,
    const struct cron_window *win, int64_t after, int64_t *next)
{
	int64_t lo = after, best = INT64_MAX;
	int found = 0;

	if (c->manual)
		return 1;
	if (win && win->starts_at && win->starts_at - 1 > lo)
		lo = win->starts_at - 1;
	if (lo < -INSTANT_LIMIT)
		lo = -INSTANT_LIMIT;
	if (lo > CRON_INSTANT_END + MARGIN)
		return 1;
	for (int i = 0; i < c->nrules; i++) {
		const struct cron_rule *r = &c->rules[i];
		const struct cron_bounds *own = win && win->rules && i < win->nrules ? &win->rules[i] : NULL;
		int64_t t, rlo = lo;
		int rc;

		/* a rule's own window narrows the job's */
		if (own && own->starts_at && own->starts_at - 1 > rlo)
			rlo = own->starts_at - 1;
		if (rlo > CRON_INSTANT_END + MARGIN)
			continue;
		switch (r->kind) {
		case CRON_RULE_EVERY:
			rc = every_next(r, win, own, rlo, &t);
			break;
		case CRON_RULE_AT:
			rc = r->at > rlo ? 0 : 1;
			t = r->at;
			break;
		default:
			rc = rule_next(r, zone, rlo, &t);
			break;
		}
		if (rc == 0 && own && own->expires_at && t > own->expires_at)
			rc = 1;
		if (rc == 0 && t < best) {
			best = t;
			found = 1;
		}
	}
	if (!found || (win && win->expires_at && best > win->expires_at))
		return 1;
	*next = best;
	return 0;
}

int
cron_next_memo(const struct cron *c, const struct tz *zone, const struct cron_window *win,
    int64_t after, int64_t *next, struct cron_memo *m)
{
	int i, rc;

	if (m == NULL || (win && (win->starts_at || win->expires_at || win->nrules)))
		return cron_next(c, zone, win, after, next);
	for (i = 0; i < c->nrules; i++)
		if (c->rules[i].kind == CRON_RULE_EVERY)
			return cron_next(c, zone, win, after, next);
	if (m->valid && m->zone == zone && m->after == after) {
		if (m->rc == 0)
			*next = m->next;
		return m->rc;
	}
	rc = cron_next(c, zone, win, after, &m->next);
	m->zone = zone;
	m->after = after;
	m->rc = rc;
	m->valid = 1;
	if (rc == 0)
		*next = m->next;
	return rc;
}

int
cron_min_gap(const struct cron *c, const struct tz *zone,
    const struct cron_window *win, int64_t from, int64_t *gap)
{
	int64_t prev, t, best = INT64_MAX;

	if (cron_next(c, zone, win, from, &prev) != 0)
		return 1;
	for (int i = 1; i < CRON_GAP_FIRES; i++) {
		if (cron_next(c, zone, win, prev, &t) != 0)
			break;
		if (t - prev < best)
			best = t - prev;
		if (best <= 1) /* nothing fires more often than every second */
			break;
		prev = t;
	}
	if (best == INT64_MAX)
		return 1;
	*gap = best;
	return 0;
}
