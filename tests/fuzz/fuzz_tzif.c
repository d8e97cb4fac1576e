/*
 * libFuzzer target for the TZif reader (tz.h): the input is a TZif file
 * (RFC 8536, versions 1-4, with its POSIX TZ footer). When it parses, the
 * zone is looked up at a few instants: fixed ones around the table and the
 * footer's horizon (2199), the extremes of int64, and instants read from
 * the first bytes of the file (big-endian 64-bit words, the header
 * included, so that mutations of it move them).
 *
 * What must hold: every span holds its instant, its offset is the one
 * tz_offset_at() gives and within -24:59:59..+25:59:59, the spans on
 * either side of a transition differ, and tz_local_to_utc() returns
 * instants whose wall clock reads the local time asked for, in order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OFFSET_MIN (-89999)
#define OFFSET_MAX 93599

static void
check_span(const struct tz *zone, int64_t t)
{
	struct tz_span s, near;

	tz_span_at(zone, t, &s);
	if (!(s.start <= t && t < s.end) && !(t == INT64_MAX && s.end == INT64_MAX))
		abort();
	if (s.offset < OFFSET_MIN || s.offset > OFFSET_MAX || (s.is_dst != 0 && s.is_dst != 1))
		abort();
	if (tz_offset_at(zone, t) != s.offset)
		abort();
	/* the span before this one differs from it, and ends where it starts */
	if (s.start != INT64_MIN) {
		tz_span_at(zone, s.start - 1, &near);
		if (near.end != s.start || (near.offset == s.offset && near.is_dst == s.is_dst))
			abort();
	}
	if (s.end != INT64_MAX) {
		tz_span_at(zone, s.end, &near);
		if (near.start != s.end || (near.offset == s.offset && near.is_dst == s.is_dst))
			abort();
	}
}

static void
check_local(const struct tz *zone, int64_t local)
{
	int64_t out[2];
	int n;

	if (local > ((int64_t)1 << 61) || local < -((int64_t)1 << 61))
		return; /* clamped to 2^62 by tz_local_to_utc: not comparable */
	n = tz_local_to_utc(zone, local, out);
	if (n < 0 || n > 2)
		abort();
	if (n >= 1 && out[0] + tz_offset_at(zone, out[0]) != local)
		abort();
	if (n == 2 && (out[1] <= out[0] || out[1] + tz_offset_at(zone, out[1]) != local))
		abort();
	if (n == 0 && out[0] + tz_offset_at(zone, out[0]) <= local)
		abort(); /* the first instant after a gap reads later */
}

static int64_t
be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (int64_t)v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t fixed[] = {
		INT64_MIN,
		INT64_MIN + 1,
		-((int64_t)1 << 59),
		-2208988800,
		-1,
		0,
		1700000000,
		2147483647,
		2147483648,
		7258118400 /* 2200 */,
		7258118400 + 86400,
		(int64_t)1 << 59,
		INT64_MAX - 1,
		INT64_MAX,
	};
	struct tz *zone;
	uint8_t *copy;
	size_t i;

	/* a copy of its exact size, so that a read past the end is caught */
	copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	if (tz_parse_tzif(copy, size, "fuzz", &zone) != 0) {
		if (zone != NULL)
			abort();
		free(copy);
		return 0;
	}
	free(copy); /* the zone must not point into the file */
	if (zone == NULL)
		abort();
	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		check_span(zone, fixed[i]);
		check_local(zone, fixed[i]);
	}
	for (i = 0; i + 8 <= size && i < 64; i += 8) {
		int64_t t = be64(data + i);

		check_span(zone, t);
		check_local(zone, t);
		check_local(zone, t % ((int64_t)1 << 40));
	}
	tz_free(zone);
	return 0;
}
