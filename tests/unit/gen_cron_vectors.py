#!/usr/bin/env python3
"""Generate tests/unit/cron_vectors.txt: expected fire times of schedules.

The expected values come from a slow reference written from SPEC 3.4 and
docs/SCHEDULES.md alone, sharing no code or data structure with the C engine
(src/engine/cron_*.c) and no time-zone code with src/engine/tz.c: Python's zoneinfo reads
the system tzdata on its own. Where the C engine jumps from field to field
and from offset span to offset span, this reference walks instants:

  * a civil (wall-clock) time matches a rule when each field matches, with
    the day/weekday OR rule;
  * walking instants u = t, t+1, ... and reading the zone's clock civil(u):
      - u fires when civil(u) matches and, for a fixed-time rule, no earlier
        instant showed the same civil time (first occurrence only);
      - for a fixed-time rule, when the clock jumps forward between u-1 and u,
        u fires if any skipped civil time matches (the first instant after
        the gap);
      - an interval rule fires at every instant whose civil time matches,
        so it fires in both copies of a repeated hour and never in a gap.
  * stretches of instants whose civil times, widened by 26 hours on both
    sides (more than any UTC offset), contain no matching day at all are
    stepped over whole; so are hours and minutes whose offset is constant
    and whose civil times do not match. Nothing else is clever.

Python 3 standard library only. Run from anywhere:
    python3 tests/unit/gen_cron_vectors.py > tests/unit/cron_vectors.txt

Line format (tests/unit/test_cron_next.c reads it):
    expression | timezone | from | t1 t2 ... [END] [| starts=N expires=N anchor=N]
Each t is the next fire time strictly after the previous one (the first
after FROM); END means the schedule has no fire time after the last t.
"""

import calendar
import re
import sys
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

YEAR_MIN, YEAR_MAX = 1970, 2199
EPOCH = date(1970, 1, 1)
MAX_OFF = 26 * 3600                     # > any UTC offset
HORIZON = int(datetime(2200, 1, 3, tzinfo=timezone.utc).timestamp())

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
FIELDS = {  # name: (lo, hi, hi reached by '*' and, but on weekdays, 'a/n')
    "second": (0, 59, 59), "minute": (0, 59, 59), "hour": (0, 23, 23),
    "day": (1, 31, 31), "month": (1, 12, 12), "weekday": (0, 7, 6),
    "year": (YEAR_MIN, YEAR_MAX, YEAR_MAX),
}
MACROS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
          "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
          "@hourly": "0 * * * *"}


# ---------------------------------------------------------------- parsing

def value(tok, field):
    if tok.isdigit():
        v = int(tok)
    elif field == "month" and tok.upper() in MONTHS:
        v = MONTHS.index(tok.upper()) + 1
    elif field == "weekday" and tok.upper() in DAYS:
        v = DAYS.index(tok.upper())
    else:
        raise ValueError(f"{field}: bad value {tok!r}")
    lo, hi, _ = FIELDS[field]
    if not lo <= v <= hi:
        raise ValueError(f"{field}: {v} out of range")
    return v


def expand(field, a, b, step):
    """Values a, a+step, ... through b; a range with a > b wraps around."""
    lo, hi, shi = FIELDS[field]
    if field == "weekday":
        a = 0 if a == 7 else a
    if a <= b:
        seq = list(range(a, b + 1))
    else:
        seq = list(range(a, shi + 1)) + list(range(lo, b + 1))
    vals = seq[::step]
    if field == "weekday":
        vals = [v % 7 for v in vals]
    return set(vals)


class Rule:
    def __init__(self):
        self.kind = "fields"
        self.sets = {}
        self.dom_specials = []      # ("L", n) | ("W", n) | ("LW", 0)
        self.dow_nth = set()        # (weekday, n)
        self.dow_last = set()       # weekday
        self.dom_star = self.dow_star = True
        self.fixed = True


def parse_field(rule, field, text):
    lo, hi, shi = FIELDS[field]
    vals = set()
    single_only = True
    for el in text.split(","):
        m_step = re.fullmatch(r"\*/(\d+)", el)
        if el in ("*", "?"):
            vals |= expand(field, lo, shi, 1)
            single_only = False
        elif m_step:
            vals |= expand(field, lo, shi, int(m_step.group(1)))
            single_only = False
        elif field == "day" and re.fullmatch(r"[Ll](-\d+)?", el):
            rule.dom_specials.append(("L", int(el[2:]) if len(el) > 1 else 0))
        elif field == "day" and el.upper() == "LW":
            rule.dom_specials.append(("LW", 0))
        elif field == "day" and re.fullmatch(r"\d+[Ww]", el):
            rule.dom_specials.append(("W", int(el[:-1])))
        elif field == "weekday" and "#" in el:
            w, n = el.split("#")
            rule.dow_nth.add((value(w, field) % 7, int(n)))
        elif field == "weekday" and len(el) > 1 and el[-1] in "Ll":
            rule.dow_last.add(value(el[:-1], field) % 7)
        else:
            m = re.fullmatch(r"([0-9A-Za-z]+)(?:-([0-9A-Za-z]+))?(?:/(\d+))?", el)
            if not m:
                raise ValueError(f"{field}: bad element {el!r}")
            a = value(m.group(1), field)
            if m.group(2) is not None:
                b = value(m.group(2), field)
            elif m.group(3) is not None:
                b = hi if field == "weekday" else shi       # d/n is d-7/n
            else:
                b = a
            step = int(m.group(3) or 1)
            if a != b:
                single_only = False
            if a != b:
                vals |= expand(field, a, b, step)
            else:
                vals.add(a % 7 if field == "weekday" else a)
    unrestricted = text in ("*", "?") or re.fullmatch(r"\*/0*1", text) is not None
    return vals, single_only, unrestricted


def parse_rule(text, zone):
    text = text.strip()
    rule = Rule()
    low = text.lower()
    if low in MACROS:
        text = MACROS[low]
    elif low.startswith("@every"):
        m = re.fullmatch(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text.split()[1].lower())
        d, h, mi, s = (int(x or 0) for x in m.groups())
        rule.kind, rule.every = "every", ((d * 24 + h) * 60 + mi) * 60 + s
        rule.fixed = False
        return rule
    elif low.startswith("@at"):
        arg = text.split()[1]
        m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)(?:[Tt](\d\d):(\d\d)(?::(\d\d))?)?"
                         r"(Z|z|[+-]\d\d(?::?\d\d)?)?", arg)
        y, mo, d, h, mi, s = (int(x or 0) for x in m.groups()[:6])
        z = m.group(7)
        if z:
            if z in "Zz":
                off = 0
            else:
                sign = -1 if z[0] == "-" else 1
                digits = z[1:].replace(":", "")
                off = sign * (int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60)
            rule.kind = "at"
            rule.at = int(datetime(y, mo, d, h, mi, s, tzinfo=timezone(timedelta(seconds=off))).timestamp())
            return rule
        # Without a zone: one wall-clock time, a fixed-time rule.
        text = f"{s} {mi} {h} {d} {mo} * {y}"
    parts = text.split()
    if len(parts) == 5:
        parts = ["0"] + parts
    if len(parts) == 6:
        parts = parts + ["*"]
    names = ["second", "minute", "hour", "day", "month", "weekday", "year"]
    for name, part in zip(names, parts):
        vals, single_only, unrestricted = parse_field(rule, name, part)
        rule.sets[name] = vals
        if name in ("second", "minute", "hour") and not single_only:
            rule.fixed = False
        if name == "day":
            rule.dom_star = unrestricted
        if name == "weekday":
            rule.dow_star = unrestricted
    return rule


def parse(expr, zone):
    if expr.strip().lower() == "@manual":
        return []
    return [parse_rule(part, zone) for part in expr.split(";")]


# ---------------------------------------------------------------- matching

def weekday(d):
    return (d.weekday() + 1) % 7                # Python: Monday 0; here Sunday 0


def nearest_weekday(y, mo, n):
    last = calendar.monthrange(y, mo)[1]
    if n > last:
        return None
    w = weekday(date(y, mo, n))
    if w == 6:                                  # Saturday
        return n + 2 if n == 1 else n - 1
    if w == 0:                                  # Sunday
        return n - 2 if n == last else n + 1
    return n


class Matcher:
    def __init__(self, rule):
        self.r = rule
        self.cache = {}

    def day_ok(self, d):
        hit = self.cache.get(d)
        if hit is None:
            hit = self.cache[d] = self._day_ok(d)
        return hit

    def _day_ok(self, d):
        r = self.r
        if d.year not in r.sets["year"] or d.month not in r.sets["month"]:
            return False
        last = calendar.monthrange(d.year, d.month)[1]
        dom = d.day in r.sets["day"]
        for kind, n in r.dom_specials:
            if kind == "L" and d.day == last - n:
                dom = True
            if kind == "W" and nearest_weekday(d.year, d.month, n) == d.day:
                dom = True
            if kind == "LW":
                lw = last
                while weekday(date(d.year, d.month, lw)) in (0, 6):
                    lw -= 1
                if d.day == lw:
                    dom = True
        w = weekday(d)
        dow = w in r.sets["weekday"] or (w, (d.day - 1) // 7 + 1) in r.dow_nth \
            or (w in r.dow_last and d.day + 7 > last)
        if r.dom_star and r.dow_star:
            return True
        if r.dom_star:
            return dow
        if r.dow_star:
            return dom
        return dom or dow

    def match(self, c):
        """Does civil time C (seconds since 1970-01-01 00:00 on the clock) match?"""
        days, sod = divmod(c, 86400)
        r = self.r
        if sod // 3600 not in r.sets["hour"] or sod // 60 % 60 not in r.sets["minute"] \
                or sod % 60 not in r.sets["second"]:
            return False
        return self.day_ok(EPOCH + timedelta(days=days))

    def hour_may_match(self, c):
        days, sod = divmod(c, 86400)
        return sod // 3600 in self.r.sets["hour"] and self.day_ok(EPOCH + timedelta(days=days))

    def no_day_matches(self, c_lo, c_hi):
        """No civil time in [c_lo, c_hi] falls on a matching day."""
        d = EPOCH + timedelta(days=c_lo // 86400)
        end = EPOCH + timedelta(days=c_hi // 86400)
        years, months = self.r.sets["year"], self.r.sets["month"]
        while d <= end:
            if d.year > YEAR_MAX:
                return True
            if d.year not in years:
                d = date(d.year + 1, 1, 1)
            elif d.month not in months:
                d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
            elif self.day_ok(d):
                return False
            else:
                d += timedelta(days=1)
        return True


# ---------------------------------------------------------------- the walk

class Clock:
    def __init__(self, zone):
        self.zi = ZoneInfo(zone)

    def off(self, t):
        return int(datetime.fromtimestamp(t, self.zi).utcoffset().total_seconds())

    def civil(self, t):
        return t + self.off(t)

    def constant(self, t, size):
        """Same offset over [t-1, t+size)?  Real zones never change twice in an hour."""
        o = self.off(t - 1)
        return all(self.off(u) == o for u in (t, t + size // 2, t + size - 1))


def walk(rule, clock, after, count):
    """The first COUNT fire times of a field rule after AFTER (fewer at the horizon)."""
    m = Matcher(rule)
    out = []
    t = after - 3 * 86400                      # start early to learn which civil times ran
    prev_c = clock.civil(t - 1)
    max_c = prev_c

    def visit(u, c):
        nonlocal prev_c, max_c
        fire = m.match(c) and (not rule.fixed or c > max_c)
        if rule.fixed and c > prev_c + 1 and not fire:
            # the clock jumped forward: does a skipped civil time match?
            fire = any(m.match(x) for x in range(prev_c + 1, c))
        if fire and u > after:
            out.append(u)
        prev_c = c
        max_c = max(max_c, c)

    while len(out) < count and t < HORIZON:
        skipped = False
        for size in (366 * 86400, 31 * 86400, 86400, 3600):
            if m.no_day_matches(t - 1 - MAX_OFF, t + size + MAX_OFF):
                # No civil time near these instants is on a matching day: no
                # fire here, and none of them can count as "already ran".
                t += size
                max_c = max(max_c, t + MAX_OFF)
                prev_c = clock.civil(t - 1)
                skipped = True
                break
        if skipped:
            continue
        if clock.constant(t, 3600):
            o = clock.off(t)
            for k in range(0, 3600, 60):
                u = t + k
                c0 = u + o
                if c0 % 60 == 0 and not m.hour_may_match(c0):
                    prev_c = c0 + 59
                    max_c = max(max_c, prev_c)
                    continue
                if c0 % 60 == 0 and (c0 // 60 % 60) not in rule.sets["minute"]:
                    prev_c = c0 + 59
                    max_c = max(max_c, prev_c)
                    continue
                for s in range(60):
                    visit(u + s, c0 + s)
        else:
            for u in range(t, t + 3600):
                visit(u, clock.civil(u))
        t += 3600
    return out[:count]


def fires(expr, zone, after, count, starts=0, expires=0, anchor=0):
    """Expected next fire times, chained; returns (times, ended)."""
    rules = parse(expr, zone)
    clock = Clock(zone)
    lo = max(after, starts - 1) if starts else after
    found = set()
    for r in rules:
        if r.kind == "every":
            a = anchor or starts or 0
            t = a if lo < a else a + ((lo - a) // r.every + 1) * r.every
            for _ in range(count):
                if t < HORIZON - 2 * 86400:
                    found.add(t)
                t += r.every
        elif r.kind == "at":
            if r.at > lo:
                found.add(r.at)
        else:
            found.update(walk(r, clock, lo, count))
    times = sorted(found)
    if expires:
        times = [t for t in times if t <= expires]
    ended = len(times) < count
    return times[:count], ended


# ---------------------------------------------------------------- the cases

def Z(s):
    """Unix time of an ISO UTC time."""
    return int(datetime.fromisoformat(s).replace(tzinfo=timezone.utc).timestamp())


def L(s, zone):
    """Unix time of a local wall-clock time (the first occurrence)."""
    return int(datetime.fromisoformat(s).replace(tzinfo=ZoneInfo(zone), fold=0).timestamp())


CASES = []      # (comment or None, expr, zone, from, count, options)


def case(expr, zone, frm, count=4, note=None, **opts):
    CASES.append((note, expr, zone, frm, count, opts))


def utc_cases():
    T0 = 1700000000                         # 2023-11-14T22:13:20Z, a Tuesday
    NY = Z("2024-12-31T23:59:30")           # the last seconds of a leap year
    for e in ["* * * * *", "*/5 * * * *", "*/15 * * * *", "*/7 * * * *", "0 * * * *",
              "30 * * * *", "0 */2 * * *", "0 */5 * * *", "0 0 * * *", "30 2 * * *",
              "59 23 * * *", "5 4 * * sun", "0 22 * * 1-5", "23 0-20/2 * * *",
              "0 0,12 1 */2 *", "0 4 8-14 * *", "0 9-17 * * 1-5", "15 14 1 * *",
              "0 0 1 1 *", "0 12 * * MON,WED,FRI", "0 0 * * 6,0", "0 0 * * 7", "0 0 * * 0-7",
              "47 3 * * *", "*/3 * * * *", "0 8-18/3 * * *", "0 9,12 * * 2-4", "1-30/5 * * * *",
              "5/15 * * * *", "0 0 */2 * *", "0 0 1/3 * *", "0 0 * * 1/2", "0 0 5-20/5 * *",
              "0 0 1 jan *", "0 0 1 JAN-MAR *", "0 0 * * Mon-Fri", "0 12 * 2,4,6 *"]:
        case(e, "UTC", T0)
    for e in ["* * * * *", "0 0 * * *", "0 0 1 * *", "0 0 1 1 *", "*/20 * * * * *", "@hourly"]:
        case(e, "UTC", NY, note="across the new year 2025")
    # wrap-around ranges
    for e in ["0 22-2 * * *", "0 0 * * FRI-MON", "0 0 28-3 * *", "0 0 1 NOV-FEB *", "0 22-2/2 * * *"]:
        case(e, "UTC", Z("2024-01-26T12:00:00"), 5)
    # a weekday's d/n runs to 7, Sunday (cronie and Cronos read d-7/n)
    case("0 0 0 * Feb Mon/2", "UTC", Z("2012-07-09T00:00:00"), 3,
         note="Mon/2 is Mon, Wed, Fri, Sun: 2013-02-01 (Fri), 02-03 (Sun), 02-04 (Mon)")
    case("0 0 * * Sat/2", "UTC", T0, 3, note="Sat/2 is 6-7/2: Saturdays only")
    case("0 0 * * Sun/3", "UTC", T0, 4, note="Sun/3 is 0-7/3: Sun, Wed, Sat")
    # the OR rule (Vixie): both day and weekday restricted
    case("0 0 1,15 * 3", "UTC", Z("2024-01-01T00:00:00"), 6,
         note="1st and 15th, and every Wednesday (2024-01-03 is a Wednesday)")
    case("0 0 13 * 5", "UTC", Z("2024-09-01T00:00:00"), 6, note="the 13th or any Friday")
    case("0 0 1 * 1", "UTC", Z("2024-03-20T00:00:00"), 5)
    case("0 0 29 2 1", "UTC", Z("2024-02-20T00:00:00"), 5, note="Feb 29 or any Monday: frequent")
    case("0 0 */10 * 0", "UTC", Z("2024-05-01T00:00:00"), 6, note="'*/10' is restricted: OR")
    case("0 0 1-7 * 1", "UTC", Z("2024-06-25T00:00:00"), 8)
    case("0 0 L * 6", "UTC", Z("2024-06-25T00:00:00"), 5)
    case("0 0 ? * MON", "UTC", Z("2024-06-25T00:00:00"), 3)
    case("0 0 1 * ?", "UTC", Z("2024-06-25T00:00:00"), 3)
    case("0 0 * * *", "UTC", Z("2024-06-25T00:00:00"), 2)
    case("0 0 */1 * 1", "UTC", Z("2024-06-25T00:00:00"), 3, note="'*/1' is '*': weekday alone")
    # month ends and leap years
    for e, frm in [("0 0 31 * *", "2024-01-15"), ("0 0 30 * *", "2024-01-15"),
                   ("0 0 29 * *", "2023-01-15"), ("0 0 29 * *", "2024-01-15"),
                   ("0 0 L * *", "2024-01-15"), ("0 0 L 2 *", "2023-01-15"),
                   ("0 0 L-1 * *", "2024-01-15"), ("0 0 L-5 2 *", "2023-01-15"),
                   ("0 0 L-30 1,3 *", "2024-01-15"), ("0 0 L-28 * *", "2024-01-15"),
                   ("0 0 31 12 *", "2024-06-01"), ("59 59 23 L 12 *", "2024-06-01")]:
        case(e, "UTC", Z(frm + "T00:00:00"), 5)
    case("0 0 29 2 *", "UTC", Z("2023-06-01T00:00:00"), 4)
    case("0 0 29 2 *", "UTC", Z("2096-03-01T00:00:00"), 3,
         note="2100 is not a leap year: 2096 -> 2104 (hand-checked: 2104-02-29T00:00Z = 4233686400)")
    case("0 0 0 29 2 * 2100-2110", "UTC", Z("2090-01-01T00:00:00"), 3, note="2104, 2108, then none")
    case("0 0 L 2 *", "UTC", Z("2099-03-01T00:00:00"), 3, note="Feb 28 2100")
    case("0 0 28 2 *", "UTC", Z("2024-02-28T00:00:00"), 3)
    case("0 0 0 1 3 *", "UTC", Z("2024-02-29T23:59:59"), 2)
    # Quartz-style L, W, #
    for e, frm in [("0 0 12 15W * ?", "2024-01-01"), ("0 0 12 1W * ?", "2024-05-01"),
                   ("0 0 12 31W * ?", "2024-01-01"), ("0 0 12 LW * ?", "2024-01-01"),
                   ("0 0 12 1W,15W * ?", "2024-01-01"), ("0 0 12 30W * ?", "2024-01-01"),
                   ("0 0 12 2W * ?", "2024-05-01"), ("0 0 12 ? * MON#1", "2024-01-01"),
                   ("0 0 12 ? * 5#3", "2024-01-01"), ("0 0 12 ? * 2#5", "2024-01-01"),
                   ("0 0 12 ? * FRI#5", "2024-01-01"), ("0 0 12 ? * 0#5", "2024-01-01"),
                   ("0 0 12 ? * 1#2,3#4", "2024-01-01"), ("0 15 10 ? * 6L", "2024-01-01"),
                   ("0 0 12 ? * FRIL", "2024-01-01"), ("0 0 12 ? * 7L", "2024-01-01"),
                   ("0 0 12 ? * 1L,5#1", "2024-01-01"), ("0 0 12 L * 1#1", "2024-01-01"),
                   ("0 0 12 15W * 0", "2024-01-01"), ("0 0 12 ? 2 1#5", "2024-01-01"),
                   ("0 0 12 ? 2 4#5", "2024-01-01")]:
        case(e, "UTC", Z(frm + "T00:00:00"), 5)
    # year fields
    case("0 0 12 1 1 ? 2030", "UTC", Z("2024-01-01T00:00:00"), 1, note="then none")
    case("0 0 0 1 1 * 2199", "UTC", Z("2024-01-01T00:00:00"), 1)
    case("0 0 0 * * * 2050-2052", "UTC", Z("2024-01-01T00:00:00"), 3)
    case("0 0 0 1 1 * */50", "UTC", Z("1969-12-31T00:00:00"), 5, note="1970, 2020, 2070, ...")
    case("30 15 10 1 1 ? 2024/5", "UTC", Z("2024-06-01T00:00:00"), 3)
    case("0 0 0 29 2 * 2096,2100,2104", "UTC", Z("2024-01-01T00:00:00"), 2, note="2100 has no Feb 29")
    case("0 0 0 ? 2 1#5 2020-2199", "UTC", Z("2021-01-01T00:00:00"), 3, note="a fifth Monday in February: rare")
    case("0 0 0 13 * 5 2026", "UTC", Z("2025-12-31T00:00:00"), 3)
    # seconds
    for e in ["* * * * * *", "*/10 * * * * *", "30 * * * * *", "15,45 * * * * *", "0 0 0 * * *",
              "1-30/5 * * * * *", "5/15 * * * * *", "59 59 23 * * *", "*/7 */7 * * * *"]:
        case(e, "UTC", Z("2024-06-30T23:59:50"), 5)
    # macros
    for e in ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]:
        case(e, "UTC", Z("2024-06-15T12:34:56"), 3)
    # the end of the range: nothing after 2199
    case("0 0 31 12 *", "UTC", Z("2199-06-01T00:00:00"), 2, note="2199-12-31, then none")
    case("* * * * *", "UTC", Z("2199-12-31T23:57:30"), 3, note="23:58, 23:59, then none")
    case("@manual", "UTC", T0, 1, note="never fires by schedule")
    case("0 0 1 1 *", "UTC", Z("2199-01-01T00:00:00"), 1, note="none after 2199-01-01")


# Daylight-saving transitions used below (tzdata 2024):
#   America/New_York   2024-03-10 02:00 EST -> 03:00 EDT (07:00Z); 2024-11-03 02:00 EDT -> 01:00 EST (06:00Z)
#   Europe/London      2024-03-31 01:00 GMT -> 02:00 BST (01:00Z); 2024-10-27 02:00 BST -> 01:00 GMT (01:00Z)
#   Australia/Lord_Howe 2024-04-07 02:00 +11 -> 01:30 +1030; 2024-10-06 02:00 +1030 -> 02:30 +11
#   Pacific/Apia       2011-12-29 24:00 -10 -> 2011-12-31 00:00 +14 (the 30th never happened)
#   America/Santiago   2024-04-06 24:00 -03 -> 23:00 -04; 2024-09-08 00:00 -04 -> 01:00 -03
DST = [
    ("America/New_York", "2024-03-10 02:30", "2024-03-09 20:00", "2024-11-03 01:30", "2024-11-02 20:00"),
    ("Europe/London", "2024-03-31 01:30", "2024-03-30 20:00", "2024-10-27 01:30", "2024-10-26 20:00"),
    ("Australia/Lord_Howe", "2024-10-06 02:15", "2024-10-05 20:00", "2024-04-07 01:45", "2024-04-06 20:00"),
    ("America/Santiago", "2024-09-08 00:30", "2024-09-07 18:00", "2024-04-06 23:30", "2024-04-06 18:00"),
]


def dst_cases():
    fixed = ["30 2 * * *", "0 2 * * *", "30 1 * * *", "0 1 * * *", "0,30 1,2 * * *", "15 3 * * *",
             "0 0 * * *", "0 23 * * *", "45 1 * * *", "30 30 2 * * *", "15 2 * * *", "45 0 * * *",
             "@daily", "0 2,3 * * *", "59 1 * * *", "30 23 * * *"]
    interval = ["*/15 * * * *", "0 * * * *", "30 * * * *", "*/30 1-3 * * *", "0 1-3 * * *",
                "* 2 * * *", "0 */2 * * *", "0 */10 * * * *", "*/20 0-2 * * *", "15 * * * *",
                "0 0-3 * * *", "30 22-3 * * *"]
    for zone, gap_time, gap_from, overlap_time, overlap_from in DST:
        for e in fixed:
            case(e, zone, L(gap_from, zone), 3)
            case(e, zone, L(overlap_from, zone), 3)
        for e in interval:
            case(e, zone, L(gap_from, zone), 8)
            case(e, zone, L(overlap_from, zone), 8)
        # starting inside the repeated hour and at the transitions
        first = L(overlap_time, zone)
        case("*/15 * * * *", zone, first, 6, note=f"from inside the first copy of {overlap_time}")
        case("*/15 * * * *", zone, first + 3600, 6, note="from the second copy")
        case("45 * * * *", zone, first, 4)
        hh, mm = overlap_time[11:13], overlap_time[14:16]
        case(f"{int(mm)} {int(hh)} * * *", zone, first, 3, note="from the first copy itself")
        case(f"{int(mm)} {int(hh)} * * *", zone, first - 1, 3)
        case("0 0 * * *", zone, L(gap_time[:10] + " 00:00", zone) - 7200, 3)
        # the @at wall-clock times in the gap and in the overlap
        case("@at " + gap_time.replace(" ", "T"), zone, L(gap_from, zone), 1,
             note="a wall-clock time in the gap runs at the end of the gap")
        case("@at " + overlap_time.replace(" ", "T"), zone, L(overlap_from, zone), 1,
             note="a repeated wall-clock time runs at its first occurrence")

    ny = "America/New_York"
    case("30 2 * * *", ny, 1710043200, 3,
         note="SPEC acceptance: 02:30 does not exist on 2024-03-10; that day runs at 03:00 EDT "
              "= 1710054000, then 02:30 EDT = 1710138600, 1710225000")
    case("0 2 10 3 *", ny, Z("2024-01-01T00:00:00"), 2, note="a date whose time is in the gap every year")
    case("30 1 3 11 *", ny, Z("2024-01-01T00:00:00"), 2, note="in the repeated hour: first copy (EDT)")
    case("30 1 * * 0", ny, L("2024-10-30 00:00", ny), 3)
    case("*/30 * * * *", ny, 1730611800, 6,
         note="from 01:30 EDT: 01:00 EST follows in real time (hand-checked: 1730613600)")

    apia = "Pacific/Apia"
    frm = L("2011-12-28 18:00", apia)
    for e in ["0 12 * * *", "0 0 * * *", "0 9,12 * * *", "0 12 30 12 *", "30 23 * * *", "0 6 * * 5"]:
        case(e, apia, frm, 4, note="2011-12-30 does not exist in Samoa: fixed times run at 2011-12-31 00:00 +14")
    for e in ["0 * * * *", "*/30 * * * *", "0 */6 * * *", "0 12 30 * *", "0 0-6 * * *"]:
        case(e, apia, L("2011-12-29 21:00", apia), 6, note="interval rules skip the missing day")
    case("0 0 30 * *", apia, frm, 3, note="fixed: Dec 30 runs at Dec 31 00:00")
    case("0 3 * * *", apia, L("2011-09-23 12:00", apia), 3, note="DST start 2011-09-24 03:00 -> 04:00")
    case("*/30 3 * * *", apia, L("2011-09-23 12:00", apia), 4)
    case("30 3 * * *", apia, L("2012-03-31 12:00", apia), 3, note="DST end 2012-04-01 04:00 -> 03:00")
    case("*/30 3 * * *", apia, L("2012-03-31 12:00", apia), 6)

    kol = "Asia/Kolkata"
    for e in ["0 0 * * *", "30 * * * *", "0 9 * * 1-5", "*/45 * * * *", "0 0 1 1 *", "0 5 L * *"]:
        case(e, kol, Z("2024-12-30T12:00:00"), 4, note="+05:30 all year")

    for zone in ["America/Santiago", "Australia/Lord_Howe", "Europe/London", ny]:
        case("0 0 29 2 *", zone, Z("2024-03-01T00:00:00"), 2, note="far leap days through the spans")
        case("0 0 0 1 1 * 2150", zone, Z("2024-01-01T00:00:00"), 1)
        case("0 0 12 ? 2 1#5", zone, Z("2024-03-01T00:00:00"), 2)
    case("59 23 31 12 *", ny, Z("2199-12-01T00:00:00"), 2,
         note="2199-12-31 23:59 EST is 2200-01-01T04:59Z, still in 2199 locally; then none")
    case("0 0 * * *", "Europe/London", Z("2199-12-30T00:00:00"), 3)


def window_cases():
    T = Z("2024-06-01T00:00:00")
    case("0 * * * *", "UTC", T, 4, starts=T + 7200 + 1800, note="not before startsAt")
    case("0 * * * *", "UTC", T, 4, expires=T + 3 * 3600, note="nothing after expiresAt")
    case("0 * * * *", "UTC", T, 3, starts=T + 3600, expires=T + 3600 * 10)
    case("0 * * * *", "UTC", T, 2, starts=T + 3600, note="startsAt itself may fire")
    case("*/15 * * * *", "America/New_York", L("2024-11-03 00:00", "America/New_York"), 6,
         starts=L("2024-11-03 01:20", "America/New_York"), expires=L("2024-11-03 03:00", "America/New_York"))
    case("0 0 1 1 *", "UTC", T, 1, expires=T + 86400, note="expires before the first fire")
    case("@every 90m", "UTC", T, 4, anchor=T - 1000, note="anchored at creation")
    case("@every 1h30m", "UTC", T, 4, starts=T + 100, anchor=T + 100, note="first fire at startsAt")
    case("@every 45s", "UTC", T, 5, anchor=T - 7)
    case("@every 2d", "UTC", T, 3, anchor=T + 86400 * 5, note="anchor in the future: the first fire is the anchor")
    case("@every 1d", "America/New_York", Z("2024-03-08T00:00:00"), 4, anchor=Z("2024-03-07T07:00:00"),
         note="@every is real time: 24 h apart across the DST change")
    case("@every 1h", "UTC", T, 3, note="no anchor: counted from the epoch")
    case("@every 7m", "UTC", T, 3, starts=T + 30, note="no anchor: counted from startsAt")
    case("@every 10m", "UTC", T, 3, anchor=T, expires=T + 1200)
    case("@at 2025-01-02T03:04:05Z", "UTC", T, 1)
    case("@at 2025-01-02T03:04:05+02:00", "UTC", T, 1)
    case("@at 2025-01-02T03:04:05-0530", "UTC", T, 1)
    case("@at 2025-01-02T03:04:05Z", "UTC", Z("2025-01-02T03:04:05"), 1, note="already past")
    case("@at 2025-01-02T03:04:05", "America/New_York", T, 1, note="no zone: the job's zone")
    case("@at 2025-06-01", "Europe/London", T, 1)
    case("@at 2024-03-10T02:30:00", "America/New_York", T - 86400 * 100, 1, note="in the gap: 03:00 EDT")
    case("@at 2024-11-03T01:30:00", "America/New_York", T, 1, note="in the overlap: the EDT one")
    case("@at 2025-01-02T03:04:05Z", "UTC", T, 1, starts=T + 86400 * 365)
    case("0 9 * * 1-5; 0 12 * * 0,6", "UTC", T, 6)
    case("@daily; @at 2024-06-01T12:00:00Z", "UTC", T, 3)
    case("0 0 * * *;0 0 * * *", "UTC", T, 3, note="the same instant from two rules fires once")
    case("0 2 * * *; */30 2 * * *", "America/New_York", L("2024-03-09 12:00", "America/New_York"), 6,
         note="fixed rule shifts to 03:00 on the gap day, the interval rule has no 02:xx that day")
    case("30 1 * * *; 0 1 * * *", "America/New_York", L("2024-11-02 12:00", "America/New_York"), 4)
    case("@every 25m; 0 * * * *", "UTC", T, 6, anchor=T)
    case("0 12 * * *; @at 2024-06-03T00:00:00Z", "UTC", T, 4, expires=T + 3 * 86400)


# Vectors checked by hand (with date(1) and a calendar), printed as comments.
HAND_CHECKED = {
    ("0 12 * * *", "Pacific/Apia", 1325131200):
        "hand-checked: 2011-12-29 12:00 -10 = 1325196000; the 30th's noon runs at "
        "2011-12-31 00:00 +14 = 2011-12-30T10:00Z = 1325239200; then 12:00 +14 = 1325282400",
    ("15 2 * * *", "Australia/Lord_Howe", 1728120600):
        "hand-checked: 02:15 is in the 30-minute gap of 2024-10-06; it runs at 02:30 +11 = "
        "2024-10-05T15:30Z = 1728142200, then 2024-10-07 02:15 +11 = 1728227700",
    ("0 0 * * *", "America/Santiago", 1725746400):
        "hand-checked: midnight of 2024-09-08 does not exist; it runs at 01:00 -03 = "
        "2024-09-08T04:00Z = 1725768000, then 2024-09-09 00:00 -03 = 1725850800",
    ("30 1 * * *", "America/New_York", 1730592000):
        "hand-checked: 01:30 runs once on 2024-11-03, at 01:30 EDT = 05:30Z = 1730611800; "
        "the next is 2024-11-04 01:30 EST = 06:30Z = 1730701800",
}


def main():
    utc_cases()
    dst_cases()
    window_cases()
    out = sys.stdout
    out.write("# Generated by tests/unit/gen_cron_vectors.py from an independent reference;\n")
    out.write("# edit the generator, not this file.\n")
    out.write("# expression | timezone | from | expected fire times (END: no more) [| starts= expires= anchor=]\n")
    n = 0
    for note, expr, zone, frm, count, opts in CASES:
        times, ended = fires(expr, zone, frm, count, **opts)
        if note:
            out.write(f"# {note}\n")
        if (expr, zone, frm) in HAND_CHECKED:
            out.write(f"# {HAND_CHECKED[(expr, zone, frm)]}\n")
        line = f"{expr} | {zone} | {frm} | " + " ".join(str(t) for t in times)
        if ended:
            line += (" " if times else "") + "END"
        if opts:
            line += " | " + " ".join(f"{k}={v}" for k, v in sorted(opts.items()))
        out.write(line + "\n")
        n += 1
    print(f"{n} vectors", file=sys.stderr)


if __name__ == "__main__":
    main()
