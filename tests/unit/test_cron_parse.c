/*
 * Unit tests of the schedule parser: accepted forms and their normalized
 * text, every malformed form with the exact field and message, schedules
 * that can never fire, the SetCronJob fields, descriptions and presets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/cron.h"
#include "engine/tz.h"

/* Parses TEXT, which must be valid, and returns its normalized text. */
static const char *
normalized(const char *text)
{
	static char buf[CRON_FORMAT_MAX];
	struct cron *c;
	struct cron_error err;

	if (cron_parse(text, &c, &err) != 0) {
		print_error("\"%s\": %s: %s\n", text, err.field, err.message);
		fail();
	}
	size_t n = cron_format(c, buf, sizeof buf);
	assert_int_equal(n, strlen(buf));
	cron_free(c);
	return buf;
}

static void
test_accepted(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "* * * * *", "* * * * *" },
		{ "  *\t*  * *   *  ", "* * * * *" },
		{ "0 2 * * *", "0 2 * * *" },
		{ "*/15 * * * *", "*/15 * * * *" },
		{ "*/1 * * * *", "* * * * *" },
		{ "1-30/5 * * * *", "1-30/5 * * * *" },
		{ "5/15 * * * *", "5-59/15 * * * *" },
		{ "0-59/1 * * * *", "0-59 * * * *" },
		{ "7-7 * * * *", "7 * * * *" },
		{ "00 05 * * *", "0 5 * * *" },
		{ "0 0 1,15 * *", "0 0 1,15 * *" },
		{ "0 22-2 * * *", "0 22-2 * * *" },
		{ "0 8 * * MON-FRI", "0 8 * * 1-5" },
		{ "0 8 * * mon-fri", "0 8 * * 1-5" },
		{ "0 8 * * Sun", "0 8 * * 0" },
		{ "0 0 * * 7", "0 0 * * 0" },
		{ "0 0 * * 0-7", "0 0 * * 0-7" },
		{ "0 0 * * FRI-MON", "0 0 * * 5-1" },
		/* a weekday's d/n runs to 7, Sunday, as d-7/n (cronie, Cronos) */
		{ "0 0 * * Mon/2", "0 0 * * 1-7/2" },
		{ "0 0 * * 6/1", "0 0 * * 6-7" },
		{ "0 0 * * 7/2", "0 0 * * 0" },
		{ "0 0 1 JAN-MAR,jul *", "0 0 1 1-3,7 *" },
		{ "0 0 1 dec *", "0 0 1 12 *" },
		{ "0 0 ? * MON", "0 0 * * 1" },
		{ "0 0 1 * ?", "0 0 1 * *" },
		{ "0 0 L * *", "0 0 L * *" },
		{ "0 0 l * *", "0 0 L * *" },
		{ "0 0 L-0 * *", "0 0 L * *" },
		{ "0 0 L-3 * *", "0 0 L-3 * *" },
		{ "0 0 LW * *", "0 0 LW * *" },
		{ "0 0 15W * *", "0 0 15W * *" },
		{ "0 0 1w,L * *", "0 0 1W,L * *" },
		{ "0 0 * * 5L", "0 0 * * 5L" },
		{ "0 0 * * FRIL", "0 0 * * 5L" },
		{ "0 0 * * 7L", "0 0 * * 0L" },
		{ "0 0 * * MON#2", "0 0 * * 1#2" },
		{ "0 0 * * 1#1,5L,3", "0 0 * * 1#1,5L,3" },
		/* six fields: seconds first; a zero second is dropped */
		{ "0 0 2 * * *", "0 2 * * *" },
		{ "30 0 2 * * *", "30 0 2 * * *" },
		{ "* * * * * *", "* * * * * *" },
		{ "0 15 10 ? * 6L", "15 10 * * 6L" },
		/* seven fields: a year; '*' for the year is dropped */
		{ "0 0 12 1 1 ? 2030", "0 0 12 1 1 * 2030" },
		{ "0 0 0 1 1 ? *", "0 0 1 1 *" },
		{ "0 0 0 1 1 * 2025-2030/2", "0 0 0 1 1 * 2025-2030/2" },
		{ "0 0 0 1 1 * 2024/5", "0 0 0 1 1 * 2024-2199/5" },
		/* macros */
		{ "@yearly", "0 0 1 1 *" },
		{ "@annually", "0 0 1 1 *" },
		{ "@monthly", "0 0 1 * *" },
		{ "@weekly", "0 0 * * 0" },
		{ "@daily", "0 0 * * *" },
		{ "@midnight", "0 0 * * *" },
		{ "@hourly", "0 * * * *" },
		{ "@DAILY", "0 0 * * *" },
		{ "@every 90m", "@every 1h30m" },
		{ "@every 1h30m", "@every 1h30m" },
		{ "@every 45s", "@every 45s" },
		{ "@every 2d", "@every 2d" },
		{ "@every 1D2H", "@every 1d2h" },
		{ "@every 86400s", "@every 1d" },
		{ "@every 3650d", "@every 3650d" },
		{ "@at 2025-01-02T03:04:05Z", "@at 2025-01-02T03:04:05Z" },
		{ "@at 2025-01-02T03:04:05+02:00", "@at 2025-01-02T01:04:05Z" },
		{ "@at 2025-01-02T03:04:05-0530", "@at 2025-01-02T08:34:05Z" },
		{ "@at 2025-01-02T03:04:05+01", "@at 2025-01-02T02:04:05Z" },
		{ "@at 2025-01-02t03:04z", "@at 2025-01-02T03:04:00Z" },
		{ "@at 2025-01-02T03:04:05", "@at 2025-01-02T03:04:05" },
		{ "@at 2025-01-02", "@at 2025-01-02T00:00:00" },
		{ "@at 2024-02-29T23:59:59", "@at 2024-02-29T23:59:59" },
		{ "@manual", "@manual" },
		{ " @Manual ", "@manual" },
		/* rules joined by ';' */
		{ "0 9 * * 1-5;0 12 * * 0,6", "0 9 * * 1-5; 0 12 * * 0,6" },
		{ "@daily ; @at 2025-01-01T12:00:00Z", "0 0 * * *; @at 2025-01-01T12:00:00Z" },
		{ "0 0 30 2 1#5", "0 0 30 2 1#5" }, /* never Feb 30, but fifth Mondays: OR */
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = normalized(cases[i].in);
		if (strcmp(got, cases[i].out) != 0) {
			print_error("\"%s\": got \"%s\", want \"%s\"\n", cases[i].in, got, cases[i].out);
			fail();
		}
		/* normalizing again changes nothing */
		char again[CRON_FORMAT_MAX];
		snprintf(again, sizeof again, "%s", got);
		assert_string_equal(normalized(again), cases[i].out);
	}
}

struct bad_case {
	const char *in, *field, *message;
};

static const struct bad_case bad_cases[] = {
	{ "", "expression", "is empty" },
	{ "   ", "expression", "is empty" },
	{ "* * * *", "expression", "expected 5, 6 or 7 fields, got 4" },
	{ "1 2 3 4 5 6 7 8", "expression", "expected 5, 6 or 7 fields, got 8" },
	{ "61 * * * *", "minute", "61 is out of range 0-59" },
	{ "0 24 * * *", "hour", "24 is out of range 0-23" },
	{ "60 * * * * *", "second", "60 is out of range 0-59" },
	{ "* * 32 * *", "day", "32 is out of range 1-31" },
	{ "* * 0 * *", "day", "0 is out of range 1-31" },
	{ "* * * 13 *", "month", "13 is out of range 1-12" },
	{ "* * * 0 *", "month", "0 is out of range 1-12" },
	{ "* * * * 8", "weekday", "8 is out of range 0-7" },
	{ "0 0 0 * * * 1969", "year", "1969 is out of range 1970-2199" },
	{ "0 0 0 * * * 2200", "year", "2200 is out of range 1970-2199" },
	{ "0 0 0 * * * 2030-2025", "year", "range \"2030-2025\" is backwards" },
	{ "0 0 * * FOO", "weekday", "unknown name \"FOO\"" },
	{ "0 0 * * MONDAY", "weekday", "unknown name \"MONDAY\"" },
	{ "0 0 * FOO *", "month", "unknown name \"FOO\"" },
	{ "0 0 * * JAN", "weekday", "unknown name \"JAN\"" },
	{ "0 0 * MON *", "month", "unknown name \"MON\"" },
	{ "a * * * *", "minute", "invalid value \"a\"" },
	{ "1-2-3 * * * *", "minute", "invalid value \"1-2-3\"" },
	{ "1- * * * *", "minute", "invalid value \"1-\"" },
	{ "-1 * * * *", "minute", "invalid value \"-1\"" },
	{ "*x * * * *", "minute", "invalid value \"*x\"" },
	{ "1/ * * * *", "minute", "invalid value \"1/\"" },
	{ "1,,2 * * * *", "minute", "empty value in list" },
	{ ",1 * * * *", "minute", "empty value in list" },
	{ "1, * * * *", "minute", "empty value in list" },
	{ "*/0 * * * *", "minute", "step 0 is out of range 1-60" },
	{ "*/61 * * * *", "minute", "step 61 is out of range 1-60" },
	{ "0 */25 * * *", "hour", "step 25 is out of range 1-24" },
	{ "* * * * */8", "weekday", "step 8 is out of range 1-7" },
	{ "99999999999999 * * * *", "minute", "value in \"99999999999999\" is out of range 0-59" },
	{ "? * * * *", "minute", "\"?\" is only allowed in the day and weekday fields" },
	{ "* * ?,1 * *", "day", "\"?\" cannot be combined with other values" },
	{ "* * ?/2 * *", "day", "invalid value \"?/2\"" },
	{ "L * * * *", "minute", "\"L\" is only allowed in the day and weekday fields" },
	{ "* 5L * * *", "hour", "\"L\" is only allowed in the day and weekday fields" },
	{ "* 5W * * *", "hour", "\"W\" is only allowed in the day field" },
	{ "* * * * 5W", "weekday", "invalid value \"5W\"" },
	{ "1#2 * * * *", "minute", "\"#\" is only allowed in the weekday field" },
	{ "* * L-31 * *", "day", "offset 31 in \"L-31\" is out of range 0-30" },
	{ "* * L-x * *", "day", "invalid value \"L-x\"" },
	{ "* * LX * *", "day", "invalid value \"LX\"" },
	{ "* * 32W * *", "day", "32 is out of range 1-31" },
	{ "* * 0W * *", "day", "0 is out of range 1-31" },
	{ "* * 1W-5 * *", "day", "invalid value \"1W-5\"" },
	{ "* * * * L", "weekday", "\"L\" needs a weekday before it, e.g. 5L for the last Friday" },
	{ "* * * * 1#6", "weekday", "occurrence 6 in \"1#6\" is out of range 1-5" },
	{ "* * * * 1#0", "weekday", "occurrence 0 in \"1#0\" is out of range 1-5" },
	{ "* * * * 8#1", "weekday", "8 is out of range 0-7" },
	{ "* * * * 1#", "weekday", "invalid value \"1#\"" },
	{ "\x01 * * * *", "minute", "invalid value \"\\x01\"" },
	{ "\xc3\xa9 * * * *", "minute", "invalid value \"\\xc3\\xa9\"" },
	{ "\" * * * *", "minute", "invalid value \"\\\"\"" },
	/* macros */
	{ "@foo", "expression", "unknown macro \"@foo\"" },
	{ "@daily 5", "expression", "@daily takes no argument" },
	{ "@every", "expression", "@every needs a duration such as 90m or 1h30m" },
	{ "@every 0s", "expression", "@every duration must be at least 1s" },
	{ "@every 3651d", "expression", "@every duration must be at most 3650d" },
	{ "@every 90", "expression",
	    "invalid duration \"90\": use d, h, m and s in that order, e.g. 1h30m" },
	{ "@every 30m1h", "expression",
	    "invalid duration \"30m1h\": use d, h, m and s in that order, e.g. 1h30m" },
	{ "@every 1h1h", "expression",
	    "invalid duration \"1h1h\": use d, h, m and s in that order, e.g. 1h30m" },
	{ "@every 1h 30m", "expression",
	    "invalid duration \"1h 30m\": use d, h, m and s in that order, e.g. 1h30m" },
	{ "@every 1w", "expression",
	    "invalid duration \"1w\": use d, h, m and s in that order, e.g. 1h30m" },
	{ "@at", "expression", "@at needs a time such as 2025-01-02T03:04:05Z" },
	{ "@at 2025-13-01", "expression", "@at: \"2025-13-01\" is not a valid date and time" },
	{ "@at 2025-02-29T00:00:00Z", "expression",
	    "@at: \"2025-02-29T00:00:00Z\" is not a valid date and time" },
	{ "@at 2025-01-01T24:00", "expression",
	    "@at: \"2025-01-01T24:00\" is not a valid date and time" },
	{ "@at 1969-12-31T23:59:59Z", "expression", "@at: year 1969 is out of range 1970-2199" },
	{ "@at 2200-01-01", "expression", "@at: year 2200 is out of range 1970-2199" },
	{ "@at 1970-01-01T00:30:00+01:00", "expression", "@at: the time is out of range 1970-2199" },
	{ "@at 2025-01-01X", "expression",
	    "invalid @at time \"2025-01-01X\": expected e.g. 2025-01-02T03:04:05Z" },
	{ "@at 2025-01-01T00:00:00+2", "expression",
	    "invalid @at time \"2025-01-01T00:00:00+2\": expected e.g. 2025-01-02T03:04:05Z" },
	{ "@at 2025-01-01T00:00:00+02:", "expression",
	    "invalid @at time \"2025-01-01T00:00:00+02:\": expected e.g. 2025-01-02T03:04:05Z" },
	{ "@manual 5", "expression", "@manual cannot be combined with other rules" },
	/* rules */
	{ ";", "expression", "rule 1 is empty" },
	{ "* * * * *;", "expression", "rule 2 is empty" },
	{ "* * * * *; 61 * * * *", "minute", "61 is out of range 0-59 (rule 2)" },
	{ "@manual; @daily", "expression", "@manual cannot be combined with other rules (rule 1)" },
	/* can never fire */
	{ "0 0 30 2 *", "expression", "never fires" },
	{ "0 0 31 4,6,9,11 *", "expression", "never fires" },
	{ "0 0 31 2,4 *", "expression", "never fires" },
	{ "0 0 0 29 2 * 2101", "expression", "never fires" },
	{ "0 0 0 29 2 * 2100", "expression", "never fires" },
	{ "0 0 0 29 2 ? 2097-2099", "expression", "never fires" },
	{ "0 0 0 ? 2 1#5 2025", "expression", "never fires" },
	{ "0 0 0 L-30 2 ?", "expression", "never fires" },
	{ "0 0 0 L-29 2 ?", "expression", "never fires" },
	{ "0 0 0 30W 2 ?", "expression", "never fires" },
	{ "0 0 0 * 2 1#5 2025-2027", "expression", "never fires" },
	{ "@daily; 0 0 30 2 *", "expression", "never fires (rule 2)" },
	/* the seven-field example written with the year in the sixth place
	 * puts 29 in the hour field */
	{ "0 0 29 2 * * 2101", "hour", "29 is out of range 0-23" },
};

static void
test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *b = &bad_cases[i];
		struct cron *c = (struct cron *)1;
		struct cron_error err;
		memset(&err, 0x55, sizeof err);
		if (cron_parse(b->in, &c, &err) != -1) {
			print_error("\"%s\" was accepted\n", b->in);
			fail();
		}
		assert_null(c);
		if (strcmp(err.field, b->field) != 0 || strcmp(err.message, b->message) != 0) {
			print_error("\"%s\": got %s: %s\n       want %s: %s\n", b->in, err.field,
			    err.message, b->field, b->message);
			fail();
		}
	}
}

static void
test_never_fires_vs_rare(void **state)
{
	/* Rare but possible: accepted (and found by cron_next, see test_cron_next). */
	static const char *const rare[] = {
		"0 0 29 2 *",
		"0 0 0 29 2 * 2104",
		"0 0 0 ? 2 1#5",
		"0 0 0 ? 2 1#5 2044",
		"0 0 0 L-28 2 ?",
		"0 0 0 29W 2 ?",
		"0 0 0 31 * ?",
		"0 0 0 * * 4#5 2199",
		"0 0 0 31 12 ? 2199",
		"0 0 29 2 1",
	};
	(void)state;
	for (size_t i = 0; i < sizeof rare / sizeof rare[0]; i++)
		normalized(rare[i]);
}

static void
test_limits(void **state)
{
	char text[CRON_TEXT_MAX + 2];
	struct cron *c;
	struct cron_error err;

	(void)state;
	/* exactly CRON_TEXT_MAX bytes: a long list of minutes */
	size_t n = 0;
	n += (size_t)snprintf(text, sizeof text, "0");
	while (n + 2 <= CRON_TEXT_MAX - 8)
		n += (size_t)snprintf(text + n, sizeof text - n, ",5");
	while (n < CRON_TEXT_MAX - 8)
		text[n++] = ' ';
	memcpy(text + n, " * * * *", 8);
	text[CRON_TEXT_MAX] = '\0';
	assert_int_equal(strlen(text), CRON_TEXT_MAX);
	assert_int_equal(cron_parse(text, &c, &err), 0);
	cron_free(c);
	/* one byte more */
	memmove(text + 1, text, CRON_TEXT_MAX + 1);
	text[0] = ' ';
	assert_int_equal(cron_parse(text, &c, &err), -1);
	assert_string_equal(err.field, "expression");
	assert_string_equal(err.message, "is longer than 1024 bytes");

	/* CRON_RULES_MAX rules, then one more */
	char rules[CRON_TEXT_MAX];
	n = 0;
	for (int i = 0; i < CRON_RULES_MAX; i++)
		n += (size_t)snprintf(rules + n, sizeof rules - n, "%s@hourly", i ? ";" : "");
	assert_int_equal(cron_parse(rules, &c, &err), 0);
	cron_free(c);
	snprintf(rules + n, sizeof rules - n, ";@daily");
	assert_int_equal(cron_parse(rules, &c, &err), -1);
	assert_string_equal(err.message, "has more than 32 rules");

	/* normalization that grows the text ("0/1" is "0-59") past the limit
	 * is refused: the normalized text is what is stored and parsed again */
	n = 0;
	while (n + 4 < CRON_TEXT_MAX - 8)
		n += (size_t)snprintf(rules + n, sizeof rules - n, "%s0/1", n ? "," : "");
	snprintf(rules + n, sizeof rules - n, " * * * *");
	assert_int_equal(cron_parse(rules, &c, &err), -1);
	assert_string_equal(err.field, "expression");
	assert_string_equal(err.message, "is longer than 1024 bytes once normalized");
	/* and up to the limit it is taken, and parses again */
	n = 0;
	while (n + 4 + 4 < (CRON_TEXT_MAX - 8) * 3 / 4)
		n += (size_t)snprintf(rules + n, sizeof rules - n, "%s0/1", n ? "," : "");
	snprintf(rules + n, sizeof rules - n, " * * * *");
	assert_int_equal(cron_parse(rules, &c, &err), 0);
	assert_true(cron_format(c, NULL, 0) > strlen(rules));
	assert_true(cron_format(c, NULL, 0) <= CRON_TEXT_MAX);
	char again[CRON_FORMAT_MAX];
	cron_format(c, again, sizeof again);
	cron_free(c);
	assert_int_equal(cron_parse(again, &c, &err), 0);
	cron_free(c);
	n = 0;
	for (int i = 0; i < CRON_RULES_MAX; i++)
		n += (size_t)snprintf(rules + n, sizeof rules - n, "%s@at 2025-01-02", i ? ";" : "");
	assert_int_equal(cron_parse(rules, &c, &err), 0);
	cron_free(c);

	/* NULL text and NULL error */
	assert_int_equal(cron_parse(NULL, &c, &err), -1);
	assert_null(c);
	assert_int_equal(cron_parse("61 * * * *", &c, NULL), -1);
	cron_free(NULL);
}

static void
test_format_buffer(void **state)
{
	struct cron *c;
	char buf[8];

	(void)state;
	assert_int_equal(cron_parse("*/15 9-17 * * 1-5", &c, NULL), 0);
	assert_int_equal(cron_format(c, NULL, 0), strlen("*/15 9-17 * * 1-5"));
	assert_int_equal(cron_format(c, buf, sizeof buf), 17);
	assert_string_equal(buf, "*/15 9-");
	assert_int_equal(cron_describe(c, buf, sizeof buf), strlen("Every 15 minutes between 09:00 and 17:59, Monday through Friday"));
	assert_string_equal(buf, "Every 1");
	assert_int_equal(cron_describe(c, buf, 1), 63);
	assert_string_equal(buf, "");
	cron_free(c);
}

static void
test_flags(void **state)
{
	static const struct {
		const char *in;
		int fixed, manual;
	} cases[] = {
		{ "0 2 * * *", 1, 0 },
		{ "30 2 * * *", 1, 0 },
		{ "0,30 1,2 * * *", 1, 0 },
		{ "0 0 2 * * *", 1, 0 },
		{ "5-5 2 * * *", 1, 0 }, /* one value, however written */
		{ "*/15 * * * *", 0, 0 },
		{ "0 * * * *", 0, 0 },
		{ "0 1-3 * * *", 0, 0 },
		{ "0 22-2 * * *", 0, 0 },
		{ "* 0 2 * * *", 0, 0 },
		{ "5/15 2 * * *", 0, 0 },
		{ "@daily", 1, 0 },
		{ "@hourly", 0, 0 },
		{ "@every 1h", 0, 0 },
		{ "@at 2025-01-01T00:00:00Z", 1, 0 },
		{ "@at 2025-01-01T00:00:00", 1, 0 },
		{ "@manual", 0, 1 },
		{ "0 2 * * *; 30 4 * * *", 1, 0 },
		{ "0 2 * * *; */30 * * * *", 0, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cron *c;
		assert_int_equal(cron_parse(cases[i].in, &c, NULL), 0);
		if (cron_is_fixed_time(c) != cases[i].fixed || cron_is_manual(c) != cases[i].manual) {
			print_error("\"%s\": fixed %d manual %d\n", cases[i].in, cron_is_fixed_time(c),
			    cron_is_manual(c));
			fail();
		}
		cron_free(c);
	}
}

static void
test_from_fields(void **state)
{
	static const struct {
		const char *f[6];
		const char *out, *field, *message;
	} cases[] = {
		{ { NULL, NULL, NULL, NULL, NULL, NULL }, "* * * * *", NULL, NULL },
		{ { NULL, "0", "2", NULL, NULL, NULL }, "0 2 * * *", NULL, NULL },
		{ { "0", "0,15,30,45", NULL, NULL, NULL, NULL }, "0,15,30,45 * * * *", NULL, NULL },
		{ { "30", "0", "8", NULL, NULL, "1,2,3,4,5" }, "30 0 8 * * 1,2,3,4,5", NULL, NULL },
		{ { NULL, "0, 30", " 9 ", "", NULL, "" }, "0,30 9 * * *", NULL, NULL },
		{ { NULL, "-1", "-1", "1", "-1", "-1" }, "* * 1 * *", NULL, NULL },
		{ { NULL, "0", "0", "1,15", NULL, "1" }, "0 0 1,15 * 1", NULL, NULL },
		{ { NULL, "*/5", NULL, NULL, "JAN", "MON-FRI" }, "*/5 * * 1 1-5", NULL, NULL },
		{ { NULL, "0", "0", "L", NULL, NULL }, "0 0 L * *", NULL, NULL },
		{ { "*", NULL, NULL, NULL, NULL, NULL }, "* * * * * *", NULL, NULL },
		{ { NULL, "61", NULL, NULL, NULL, NULL }, NULL, "minute", "61 is out of range 0-59" },
		{ { "60", NULL, NULL, NULL, NULL, NULL }, NULL, "second", "60 is out of range 0-59" },
		{ { NULL, NULL, "24", NULL, NULL, NULL }, NULL, "hour", "24 is out of range 0-23" },
		{ { NULL, NULL, NULL, "0", NULL, NULL }, NULL, "day", "0 is out of range 1-31" },
		{ { NULL, NULL, NULL, NULL, "13", NULL }, NULL, "month", "13 is out of range 1-12" },
		{ { NULL, NULL, NULL, NULL, NULL, "FOO" }, NULL, "weekday", "unknown name \"FOO\"" },
		{ { NULL, "1;2", NULL, NULL, NULL, NULL }, NULL, "minute", "invalid value \"1;2\"" },
		{ { NULL, "1 2", NULL, NULL, NULL, NULL }, NULL, "minute",
		    "has a blank inside a value; separate values with commas" },
		{ { NULL, " 1 , 2 ", "\t3,\t4", NULL, NULL, NULL }, "1,2 3,4 * * *", NULL, NULL },
		{ { NULL, "1,", NULL, NULL, NULL, NULL }, NULL, "minute", "empty value in list" },
		{ { NULL, "-1,5", NULL, NULL, NULL, NULL }, NULL, "minute", "invalid value \"-1\"" },
		{ { NULL, "0", "0", "30", "2", NULL }, NULL, "expression", "never fires" },
		{ { NULL, "0", "0", "31", "4,6,9,11", NULL }, NULL, "expression", "never fires" },
		{ { NULL, "@daily", NULL, NULL, NULL, NULL }, NULL, "minute", "invalid value \"@daily\"" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[CRON_FORMAT_MAX];
		struct cron_error err;
		const char *const *f = cases[i].f;
		int rc = cron_from_fields(f[0], f[1], f[2], f[3], f[4], f[5], out, sizeof out, &err);
		if (cases[i].out) {
			if (rc != 0) {
				print_error("case %zu: %s: %s\n", i, err.field, err.message);
				fail();
			}
			if (strcmp(out, cases[i].out) != 0) {
				print_error("case %zu: got \"%s\", want \"%s\"\n", i, out, cases[i].out);
				fail();
			}
			/* the result is a valid expression that normalizes to itself */
			assert_string_equal(normalized(out), out);
		} else {
			assert_int_equal(rc, -1);
			if (strcmp(err.field, cases[i].field) || strcmp(err.message, cases[i].message)) {
				print_error("case %zu: got %s: %s\n", i, err.field, err.message);
				fail();
			}
		}
	}

	/* a field over the limit, and an output buffer too small */
	char big[CRON_TEXT_MAX + 10], out[8];
	struct cron_error err;
	memset(big, '1', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(cron_from_fields(NULL, big, NULL, NULL, NULL, NULL, out, sizeof out, &err), -1);
	assert_string_equal(err.field, "minute");
	assert_string_equal(err.message, "is longer than 1024 bytes");
	assert_int_equal(cron_from_fields(NULL, "0", "2", NULL, NULL, "1-5", out, sizeof out, &err), -1);
	assert_string_equal(err.field, "expression");
	assert_string_equal(err.message, "normalized expression too long");
	/* fields within the limit whose normalized expression is not (found
	 * by fuzz_cron: such an expression was stored and never parsed again) */
	char grow[CRON_TEXT_MAX], wide[CRON_FORMAT_MAX];
	size_t n = 0;
	while (n + 4 < CRON_TEXT_MAX)
		n += (size_t)snprintf(grow + n, sizeof grow - n, "%s0/1", n ? "," : "");
	assert_int_equal(cron_from_fields(NULL, grow, NULL, NULL, NULL, NULL, wide, sizeof wide, &err), -1);
	assert_string_equal(err.field, "expression");
	assert_string_equal(err.message, "is longer than 1024 bytes once normalized");
}

static void
test_describe(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "0 2 * * *", "At 02:00" },
		{ "*/15 * * * *", "Every 15 minutes" },
		{ "0 8 * * 1-5", "At 08:00, Monday through Friday" },
		{ "* * * * * *", "Every second" },
		{ "* * * * *", "Every minute" },
		{ "0 0 1 * *", "At 00:00 on day 1 of the month" },
		{ "30 9 L * *", "At 09:30 on the last day of the month" },
		{ "0 * * * *", "Every hour" },
		{ "0 */2 * * *", "Every 2 hours" },
		{ "*/10 * * * * *", "Every 10 seconds" },
		{ "30 0 8 * * *", "At 08:00:30" },
		{ "0 8,12,17 * * *", "At 08:00, 12:00 and 17:00" },
		{ "0,30 8 * * *", "At 08:00 and 08:30" },
		{ "5 * * * *", "At 5 minutes past every hour" },
		{ "1 * * * *", "At 1 minute past every hour" },
		{ "0,15,45 * * * *", "At 0, 15 and 45 minutes past every hour" },
		{ "5/15 * * * *", "Every 15 minutes, starting at minute 5" },
		{ "0 9-17 * * *", "Every hour from 09:00 to 17:00" },
		{ "*/5 9-17 * * 1-5", "Every 5 minutes between 09:00 and 17:59, Monday through Friday" },
		{ "0 0 * * 0", "At 00:00, only on Sunday" },
		{ "0 0 * * 1,3,5", "At 00:00, only on Monday, Wednesday and Friday" },
		{ "0 0 * * 5#3", "At 00:00, on the third Friday of the month" },
		{ "0 0 * * 5L", "At 00:00, on the last Friday of the month" },
		{ "0 0 1,15 * *", "At 00:00 on days 1 and 15 of the month" },
		{ "0 0 1-7 * *", "At 00:00 on days 1 through 7 of the month" },
		{ "0 0 LW * *", "At 00:00 on the last weekday of the month" },
		{ "0 0 15W * *", "At 00:00 on the weekday nearest day 15 of the month" },
		{ "0 0 L-3 * *", "At 00:00, 3 days before the last day of the month" },
		{ "0 0 13 * 5", "At 00:00 on day 13 of the month, and every Friday" },
		{ "0 0 1 1 *", "At 00:00 on January 1" },
		{ "0 0 * 1-3 *", "At 00:00, January through March" },
		{ "0 0 1 1,7 *", "At 00:00 on day 1 of the month, only in January and July" },
		{ "0 0 0 1 1 * 2030", "At 00:00 on January 1, in 2030" },
		{ "0,30 9-17 * * *", "At minutes 0,30, during hours 9-17" },
		{ "@every 90m", "Every 1 hour and 30 minutes" },
		{ "@every 45s", "Every 45 seconds" },
		{ "@every 1h", "Every hour" },
		{ "@every 1d", "Every 24 hours" },
		{ "@every 2d", "Every 2 days" },
		{ "@at 2025-01-02T03:04:05Z", "Once, at 2025-01-02 03:04:05 UTC" },
		{ "@at 2025-01-02T03:04:05", "Once, at 2025-01-02 03:04:05" },
		{ "@manual", "Only when run manually" },
		{ "*/15 * * * *; 0 2 * * *", "Every 15 minutes; at 02:00" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cron *c;
		char buf[512];
		assert_int_equal(cron_parse(cases[i].in, &c, NULL), 0);
		size_t n = cron_describe(c, buf, sizeof buf);
		assert_int_equal(n, strlen(buf));
		if (strcmp(buf, cases[i].out) != 0) {
			print_error("\"%s\": got \"%s\", want \"%s\"\n", cases[i].in, buf, cases[i].out);
			fail();
		}
		cron_free(c);
	}
}

static void
test_presets(void **state)
{
	size_t n;
	const struct cron_preset *p = cron_presets(&n);

	(void)state;
	assert_true(n >= 10);
	for (size_t i = 0; i < n; i++) {
		struct cron *c;
		char buf[512];
		assert_non_null(p[i].name);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(p[i].name, p[j].name);
		assert_int_equal(cron_parse(p[i].expression, &c, NULL), 0);
		cron_format(c, buf, sizeof buf);
		assert_string_equal(buf, p[i].expression);
		cron_describe(c, buf, sizeof buf);
		if (strcmp(buf, p[i].description) != 0) {
			print_error("preset %s: describe says \"%s\"\n", p[i].name, buf);
			fail();
		}
		cron_free(c);
	}
}

/* Whatever the bytes, the parser answers, and its messages stay printable. */
static void
test_garbage(void **state)
{
	static const char alphabet[] = "0123456789*/-,?#LW @;abcdefjmnorstuvwyFMSTJ:+Z\t\x01\xff";
	uint32_t seed = 12345;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		char text[48];
		size_t len = (seed = seed * 1103515245u + 12345u) >> 16 & 31;
		for (size_t k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			text[k] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
		}
		text[len] = '\0';
		struct cron *c;
		struct cron_error err;
		if (cron_parse(text, &c, &err) == 0) {
			char buf[CRON_FORMAT_MAX];
			cron_format(c, buf, sizeof buf);
			assert_string_equal(normalized(buf), buf);
			cron_free(c);
			continue;
		}
		assert_non_null(memchr(err.field, '\0', sizeof err.field));
		for (const char *s = err.message; *s; s++)
			assert_true(*s >= 0x20 && *s < 0x7f);
	}
}

/* cron_parse_time: the dates startsAt and expiresAt take, as @at reads them. */
static void
test_parse_time(void **state)
{
	const struct tz *paris = tz_get("Europe/Paris");
	int64_t t;

	(void)state;
	assert_non_null(paris);
	assert_int_equal(cron_parse_time("2027-05-06T06:00:00Z", NULL, &t), 0);
	assert_int_equal(t, 1809669600 - 86400);
	assert_int_equal(cron_parse_time("2027-05-06T08:00:00+02:00", NULL, &t), 0);
	assert_int_equal(t, 1809583200);
	assert_int_equal(cron_parse_time("2027-05-06T08:00+0200", NULL, &t), 0);
	assert_int_equal(t, 1809583200);
	assert_int_equal(cron_parse_time("2027-05-06", NULL, &t), 0); /* UTC midnight */
	assert_int_equal(t, 1809561600);
	assert_int_equal(cron_parse_time("2027-05-06", paris, &t), 0); /* Paris midnight */
	assert_int_equal(t, 1809554400);
	assert_int_equal(cron_parse_time("2027-05-06T08:00:00Z", paris, &t), 0); /* the zone given wins */
	assert_int_equal(t, 1809590400);
	/* 2027-03-28 02:30 does not exist in Paris: the end of the gap, 01:00Z */
	assert_int_equal(cron_parse_time("2027-03-28T02:30", paris, &t), 0);
	assert_int_equal(t, 1806195600);
	/* 2027-10-31 02:30 happens twice: the first, 00:30Z */
	assert_int_equal(cron_parse_time("2027-10-31T02:30", paris, &t), 0);
	assert_int_equal(t, 1824942600);
	assert_int_equal(cron_parse_time("1970-01-01", NULL, &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(cron_parse_time("1970-01-01T00:00:00+01:00", NULL, &t), -1);
	assert_int_equal(cron_parse_time("2200-01-01", NULL, &t), -1);
	assert_int_equal(cron_parse_time("2027-02-29", NULL, &t), -1);
	assert_int_equal(cron_parse_time("2027-5-6", NULL, &t), -1);
	assert_int_equal(cron_parse_time("2027-05-06T08", NULL, &t), -1);
	assert_int_equal(cron_parse_time("2027-05-06 08:00", NULL, &t), -1);
	assert_int_equal(cron_parse_time("2027-05-06T08:00:00+24:00", NULL, &t), -1);
	assert_int_equal(cron_parse_time("", NULL, &t), -1);
	assert_int_equal(cron_parse_time("1809554400", NULL, &t), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_never_fires_vs_rare),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_format_buffer),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_from_fields),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_presets),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_parse_time),
	};
	return cmocka_run_group_tests_name("cron_parse", tests, NULL, NULL);
}
