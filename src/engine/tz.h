/*
 * tz: IANA time zones read from the system's tzdata (TZif, RFC 8536).
 *
 * Each zone is read once, on first use, and cached for the life of the
 * process; no function here touches TZ or calls tzset(). Transitions past
 * the end of a file's table come from the POSIX TZ rule in its footer and
 * are precomputed up to the end of year 2199, so every lookup is a binary
 * search over a flat array.
 */
#ifndef WEBCRON_TZ_H
#define WEBCRON_TZ_H

#include <stddef.h>
#include <stdint.h>

struct tz;

/* A stretch of real time [start, end) during which a zone's UTC offset is
 * constant. start is INT64_MIN before the first transition, end INT64_MAX
 * after the last (the last of 2199 at the latest). Adjacent spans differ in
 * offset or is_dst; they can share an offset when only is_dst changes. */
struct tz_span {
	int64_t start;
	int64_t end;
	int32_t offset; /* seconds east of UTC */
	int is_dst;
};

/* Directory that holds the TZif files; default /usr/share/zoneinfo (NULL
 * restores it). Call before the first tz_get(); zones already cached stay
 * cached (call tz_cache_free() first to drop them). Used by tests. */
void tz_set_dir(const char *dir);

/* The zone called NAME ("UTC", "Europe/London", ...), loaded and cached on
 * first use. Returns NULL when NAME is not a valid zone name or its file is
 * missing or malformed. Names with "..", a leading '/', or characters other
 * than [A-Za-z0-9/_+-] are refused without touching the file system, and so
 * are the names tz_list() leaves out ("right/...", "posix/...", "posixrules",
 * "localtime", "Factory"), so that the names accepted are the names listed.
 * Failures are not cached. The zone stays valid until tz_cache_free(). */
const struct tz *tz_get(const char *name);

/* The UTC zone; never NULL. */
const struct tz *tz_utc(void);

/* The zone's IANA name as given to tz_get(). */
const char *tz_name(const struct tz *zone);

/* The offset span that contains instant T (Unix seconds). Never fails. */
void tz_span_at(const struct tz *zone, int64_t t, struct tz_span *out);

/* Seconds east of UTC at instant T. */
int32_t tz_offset_at(const struct tz *zone, int64_t t);

/* The instants at which ZONE's wall clock reads LOCAL (seconds since
 * 1970-01-01 00:00:00 read as local time). Returns 1 normally, 2 in a
 * repeated hour (OUT[0] < OUT[1], the first and second occurrence), and 0
 * when LOCAL is skipped by a forward jump, in which case OUT[0] is the first
 * instant after the gap (the transition; its wall clock reads later than
 * LOCAL). LOCAL is clamped to +-2^62. Never fails. For callers that start
 * from a wall-clock time, as SPEC 3.4's DST rules do. */
int tz_local_to_utc(const struct tz *zone, int64_t local, int64_t out[2]);

/* Parses the TZif file (RFC 8536, versions 1 to 4) in DATA, LEN bytes of
 * untrusted input, into a zone called NAME (copied) that the caller frees
 * with tz_free(). Every count and offset is checked against LEN. Returns 0,
 * or -1 with *OUT set to NULL when the data is malformed, uses leap seconds
 * (the "right/" files count time on another scale), holds an offset beyond
 * -24:59:59..+25:59:59, or memory runs out. Exposed for the unit tests and
 * the fuzz target; the daemon goes through tz_get(). */
int tz_parse_tzif(const uint8_t *data, size_t len, const char *name,
    struct tz **out);

/* Frees a zone from tz_parse_tzif(); never one from tz_get() or tz_utc()
 * (the cache owns those). NULL is allowed. */
void tz_free(struct tz *zone);

/* The sorted names of every zone under the tzdata directory that loads
 * (the "right/" and "posix/" copies and non-zone files excluded; linked
 * names such as "US/Eastern" included; "UTC" always included). The array
 * is built on first call, by reading every file once without caching the
 * zones, and owned by this module until tz_cache_free(). Returns the count;
 * if memory runs out, a list of just "UTC" (not remembered). */
size_t tz_list(const char *const **names);

/* Frees every cached zone and the list; for tests and leak checkers. */
void tz_cache_free(void);

#endif
