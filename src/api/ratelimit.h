/*
 * ratelimit: token buckets keyed by short byte strings (an account id, a
 * client address), in one hash table.
 *
 * Time is passed in by the caller (seconds on a monotonic clock), so the
 * buckets can be tested without waiting. A bucket that has filled up again
 * holds no information and is dropped by ratelimit_sweep().
 */
#ifndef WEBCRON_RATELIMIT_H
#define WEBCRON_RATELIMIT_H

#include <stddef.h>

#define RATELIMIT_KEY_MAX 24

struct ratelimit;

/* A table of at most MAX_BUCKETS buckets. Never NULL. */
struct ratelimit *ratelimit_new(size_t max_buckets);
void ratelimit_free(struct ratelimit *);

/* Takes one request from the bucket KEY, which refills at RATE per second
 * up to BURST. Returns 1 when the request may go ahead; 0 when the bucket
 * is empty, with *WAIT set to the seconds until one more request is
 * allowed. When the table is full and KEY is new, the request is refused
 * (fail closed) with *WAIT = 1. */
int ratelimit_take(struct ratelimit *, const void *key, size_t keylen, double rate,
    double burst, double now, double *wait);

/* Like ratelimit_take, but only looks: 1 when a request would be allowed. */
int ratelimit_peek(struct ratelimit *, const void *key, size_t keylen, double rate,
    double burst, double now, double *wait);

/* Forgets KEY (e.g. when an account's token is rotated nothing changes,
 * but a deleted account's bucket can go). */
void ratelimit_forget(struct ratelimit *, const void *key, size_t keylen);

/* Drops every bucket that is full again at NOW. Returns how many remain. */
size_t ratelimit_sweep(struct ratelimit *, double now);

size_t ratelimit_count(const struct ratelimit *);

#endif
