/*
 * libFuzzer target for the schedule engine: parse, normalize, re-parse the
 * normalized text (it must give the same text), describe, and compute a few
 * fire times in UTC and in a daylight-saving zone. The input is also read
 * as six '|'-separated SetCronJob fields for cron_from_fields().
 *
 *   clang -fsanitize=fuzzer,address,undefined -Isrc tests/fuzz/fuzz_cron.c \
 *       src/engine/cron_*.c src/engine/tz.c -o fuzz_cron
 *   ./fuzz_cron tests/fuzz/corpus/cron
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cron.h"
#include "engine/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_error(const struct cron_error *err)
{
	if (memchr(err->field, '\0', sizeof err->field) == NULL ||
	    memchr(err->message, '\0', sizeof err->message) == NULL || err->field[0] == '\0')
		abort();
	for (const char *s = err->message; *s; s++)
		if (*s < 0x20 || *s >= 0x7f)
			abort();
}

static void
fire_times(const struct cron *a, const struct cron *b, const struct tz *zone)
{
	int64_t t = 1700000000;

	for (int i = 0; i < 4; i++) {
		int64_t n1 = 0, n2 = 0;
		int r1 = cron_next(a, zone, NULL, t, &n1);
		int r2 = cron_next(b, zone, NULL, t, &n2);
		if (r1 != r2 || (r1 == 0 && (n1 != n2 || n1 <= t)))
			abort();
		if (r1 != 0)
			break;
		t = n1;
	}
}

static void
from_fields(const char *text)
{
	char copy[CRON_TEXT_MAX + 2], out[CRON_FORMAT_MAX];
	const char *f[6] = { NULL, NULL, NULL, NULL, NULL, NULL };
	struct cron_error err;
	struct cron *c;
	int k = 0;

	snprintf(copy, sizeof copy, "%s", text);
	if (strchr(copy, '|') == NULL)
		return;
	for (char *s = copy; k < 6 && s; k++) {
		char *bar = strchr(s, '|');
		if (bar)
			*bar = '\0';
		f[k] = *s == '~' ? NULL : s; /* '~' stands for an absent field */
		s = bar ? bar + 1 : NULL;
	}
	if (cron_from_fields(f[0], f[1], f[2], f[3], f[4], f[5], out, sizeof out, &err) != 0) {
		check_error(&err);
		return;
	}
	/* what it returns is a valid, normalized expression */
	if (cron_parse(out, &c, &err) != 0)
		abort();
	char again[CRON_FORMAT_MAX];
	cron_format(c, again, sizeof again);
	if (strcmp(out, again) != 0)
		abort();
	cron_free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tz *ny;
	char text[CRON_TEXT_MAX + 2];
	char norm[CRON_FORMAT_MAX], norm2[CRON_FORMAT_MAX];
	char desc[CRON_FORMAT_MAX * 2], desc2[CRON_FORMAT_MAX * 2];
	struct cron *c, *c2;
	struct cron_error err;

	if (ny == NULL)
		ny = tz_get("America/New_York");
	if (size > CRON_TEXT_MAX + 1)
		size = CRON_TEXT_MAX + 1; /* one byte over the limit is worth trying */
	memcpy(text, data, size);
	text[size] = '\0';

	from_fields(text);
	if (cron_parse(text, &c, &err) != 0) {
		check_error(&err);
		return 0;
	}
	size_t n = cron_format(c, norm, sizeof norm);
	if (n >= sizeof norm || n != strlen(norm))
		abort();
	if (cron_parse(norm, &c2, &err) != 0)
		abort();
	cron_format(c2, norm2, sizeof norm2);
	if (strcmp(norm, norm2) != 0)
		abort();
	size_t d1 = cron_describe(c, desc, sizeof desc);
	cron_describe(c2, desc2, sizeof desc2);
	if (d1 >= sizeof desc || strcmp(desc, desc2) != 0 || desc[0] == '\0')
		abort();
	if (cron_is_fixed_time(c) != cron_is_fixed_time(c2) || cron_is_manual(c) != cron_is_manual(c2))
		abort();
	fire_times(c, c2, NULL);
	if (ny)
		fire_times(c, c2, ny);
	cron_free(c);
	cron_free(c2);
	return 0;
}
