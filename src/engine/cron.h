/*
 * cron: the schedule engine (SPEC 3.4). Parses a job's schedule, prints it
 * back in normalized form and in plain English, and computes its fire
 * times in the job's time zone, daylight-saving days included.
 *
 * Everything here is a pure function of its arguments: no I/O, no global
 * state, no locks. A compiled schedule (struct cron) is immutable and may
 * be shared between threads. docs/SCHEDULES.md describes the syntax, the
 * daylight-saving policy and the normalized form.
 */
#ifndef WEBCRON_CRON_H
#define WEBCRON_CRON_H

#include <stddef.h>
#include <stdint.h>

struct tz;
struct cron; /* compiled, immutable */

#define CRON_TEXT_MAX 1024   /* longest accepted expression or field, bytes */
#define CRON_FORMAT_MAX 4096 /* a normalized expression always fits in this */
#define CRON_YEAR_MIN 1970
#define CRON_YEAR_MAX 2199  /* no fire time lies after this year */
#define CRON_RULES_MAX 32   /* rules joined by ';' */
#define CRON_GAP_FIRES 1000 /* fires cron_min_gap() looks at */

/* What a parse error is about: FIELD is "expression" for the expression as
 * a whole (field count, macros, length, "never fires"), else "second",
 * "minute", "hour", "day", "month", "weekday" or "year". MESSAGE says why,
 * e.g. "61 is out of range 0-59"; the API shows "<field>: <message>".
 * Both are NUL-terminated printable ASCII: bytes from the input that are
 * not are escaped as \xNN, so the message is safe to log and to return. */
struct cron_error {
	char field[16];
	char message[200];
};

/* One rule's own bounds, Unix seconds; 0 = unset. */
struct cron_bounds {
	int64_t starts_at;
	int64_t expires_at;
};

/* The job's bounds, Unix seconds; 0 = unset. ANCHOR is where @every
 * counts from (the job's startsAt or creation time); unset, @every counts
 * from STARTS_AT, or else from the Unix epoch. RULES, when not NULL, holds
 * the bounds of the first NRULES rules of the schedule (in the order of
 * its ';' rules), each intersected with the job's: a rule fires only
 * within both, and an @every rule with a start of its own counts from
 * it. */
struct cron_window {
	int64_t starts_at;
	int64_t expires_at;
	int64_t anchor;
	const struct cron_bounds *rules;
	int nrules;
};

/* Compiles TEXT (NUL-terminated). Returns 0 and a schedule in *OUT that the
 * caller frees with cron_free(); or -1 with *OUT = NULL and ERR filled (ERR
 * may be NULL) when TEXT is malformed, longer than CRON_TEXT_MAX, holds
 * more than CRON_RULES_MAX rules, can never fire (e.g. "0 0 30 2 *"), or
 * memory runs out (field "expression", message "out of memory"). */
int cron_parse(const char *text, struct cron **out, struct cron_error *err);

/* Frees a schedule; NULL is allowed. */
void cron_free(struct cron *c);

/* Reads TEXT as an ISO 8601 date or date and time, the form @at takes:
 * "2027-05-06", "2027-05-06T08:00" or "2027-05-06T08:00:00", then an
 * optional zone "Z", "+02:00", "+0200" or "+02". Without a zone it is a
 * wall-clock time in ZONE (UTC when NULL), a bare date its midnight; a
 * time a forward jump skips is the end of the gap, a repeated one its
 * first occurrence. Returns 0 with *OUT in Unix seconds, or -1 when TEXT
 * is not of that form, not a valid date, or outside CRON_YEAR_MIN to
 * CRON_YEAR_MAX. */
int cron_parse_time(const char *text, const struct tz *zone, int64_t *out);

/*
 * Turns the SetCronJob fields into one normalized expression written to OUT
 * (OUTLEN bytes, NUL-terminated). Each field is a comma list ("0,15,30";
 * ranges, steps and names are accepted too), or NULL or "" when absent: an
 * absent field is "*", an absent SECOND is "0". "-1" alone means "*" (the
 * convention of cron-job.org's API). Returns 0, or -1 with ERR filled: the
 * field at fault and why (field "minute", message "61 is out of range
 * 0-59"), field "expression" with "never fires" when the fields can never
 * match, or "normalized expression too long" when OUTLEN is too small
 * (CRON_FORMAT_MAX always suffices).
 */
int cron_from_fields(const char *second, const char *minute, const char *hour,
    const char *day, const char *month, const char *weekday,
    char *out, size_t outlen, struct cron_error *err);

/* Writes the normalized expression to BUF (LEN bytes, NUL-terminated,
 * truncated when it does not fit; LEN may be 0). Returns its full length,
 * like snprintf(). Parsing the normalized text gives the same schedule and
 * the same text. Never fails. */
size_t cron_format(const struct cron *c, char *buf, size_t len);

/* Writes a short English description ("At 08:00, Monday through Friday")
 * to BUF the same way as cron_format(). Returns its full length. Never
 * fails. */
size_t cron_describe(const struct cron *c, char *buf, size_t len);

/*
 * The first fire time strictly after AFTER, in ZONE (NULL = UTC), within
 * WIN (NULL = unbounded): not before WIN->starts_at, not after
 * WIN->expires_at. Daylight-saving days follow SPEC 3.4 (docs/SCHEDULES.md).
 * Returns 0 with *NEXT set, or 1 when there is no further fire time: a
 * past @at, @manual, past expires_at, or beyond year CRON_YEAR_MAX. Never
 * fails otherwise.
 */
int cron_next(const struct cron *c, const struct tz *zone,
    const struct cron_window *win, int64_t after, int64_t *next);

/*
 * cron_next with a memo of its last answer, kept by the caller with the
 * schedule (zeroed at first): jobs that share a schedule and a zone ask the
 * same question (the start-up load asks it of each of a million jobs, most
 * of them with one of a few schedules). The memo is used only where the
 * answer depends on nothing else: WIN without bounds or rules of its own,
 * and no @every rule (which counts from the job's anchor). Same results as
 * cron_next.
 */
struct cron_memo {
	const struct tz *zone;
	int64_t after;
	int64_t next;
	int rc;
	int valid;
};
int cron_next_memo(const struct cron *c, const struct tz *zone, const struct cron_window *win,
    int64_t after, int64_t *next, struct cron_memo *m);

/* 1 when the schedule is @manual (it never fires by itself), else 0. */
int cron_is_manual(const struct cron *c);

/* 1 when every rule names fixed times of day (no '*', range or step in the
 * second, minute and hour fields; @at), so that a time skipped by a
 * daylight-saving jump still runs once; 0 otherwise (@every, @manual, or an
 * interval rule). */
int cron_is_fixed_time(const struct cron *c);

/* The smallest gap, in seconds, between consecutive fire times among the
 * next CRON_GAP_FIRES fires after FROM (for the account's minInterval).
 * Returns 0 with *GAP set, or 1 when the schedule fires fewer than twice
 * after FROM (@at, @manual, an expiring window). Bounded: at most
 * CRON_GAP_FIRES cron_next() calls. */
int cron_min_gap(const struct cron *c, const struct tz *zone,
    const struct cron_window *win, int64_t from, int64_t *gap);

/* The suggested schedules offered by cron.presets. */
struct cron_preset {
	const char *name;        /* a stable identifier, e.g. "every_5_minutes" */
	const char *expression;  /* normalized */
	const char *description; /* cron_describe() of the expression */
};

/* The presets, a constant table; *COUNT receives their number. Never
 * fails. */
const struct cron_preset *cron_presets(size_t *count);

#endif
