/*
 * ratelimit: token buckets in an open-addressing hash table.
 *
 * Keys come from clients (addresses), so the hash is SipHash-1-3 with a
 * random key: no one can aim many keys at one slot.
 */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "util/buf.h"
#include "util/log.h"
#include "api/ratelimit.h"

struct bucket {
	uint8_t key[RATELIMIT_KEY_MAX];
	uint8_t keylen; /* 0 = free slot */
	float rate;
	float burst;
	double tokens;
	double last;
};

struct ratelimit {
	struct bucket *slots;
	size_t cap; /* a power of two */
	size_t count;
	size_t max;
	uint64_t k0, k1;
};

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND \
	do { \
		v0 += v1; \
		v1 = ROTL(v1, 13); \
		v1 ^= v0; \
		v0 = ROTL(v0, 32); \
		v2 += v3; \
		v3 = ROTL(v3, 16); \
		v3 ^= v2; \
		v0 += v3; \
		v3 = ROTL(v3, 21); \
		v3 ^= v0; \
		v2 += v1; \
		v1 = ROTL(v1, 17); \
		v1 ^= v2; \
		v2 = ROTL(v2, 32); \
	} while (0)

static uint64_t
siphash13(uint64_t k0, uint64_t k1, const uint8_t *in, size_t len)
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	uint64_t b = (uint64_t)len << 56, m;
	size_t i, full = len & ~(size_t)7;

	for (i = 0; i < full; i += 8) {
		memcpy(&m, in + i, 8);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	for (i = full; i < len; i++)
		b |= (uint64_t)in[i] << (8 * (i - full));
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

struct ratelimit *
ratelimit_new(size_t max_buckets)
{
	struct ratelimit *rl = xcalloc(1, sizeof(*rl));
	uint64_t keys[2];

	if (RAND_bytes((unsigned char *)keys, sizeof(keys)) != 1)
		fatalx("RAND_bytes failed");
	rl->k0 = keys[0];
	rl->k1 = keys[1];
	rl->cap = 64;
	rl->max = max_buckets;
	rl->slots = xcalloc(rl->cap, sizeof(struct bucket));
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->slots);
	free(rl);
}

static size_t
rl_home(const struct ratelimit *rl, const void *key, size_t keylen)
{
	return (size_t)siphash13(rl->k0, rl->k1, key, keylen) & (rl->cap - 1);
}

static struct bucket *
rl_find(const struct ratelimit *rl, const void *key, size_t keylen)
{
	size_t i = rl_home(rl, key, keylen);

	while (rl->slots[i].keylen) {
		if (rl->slots[i].keylen == keylen && memcmp(rl->slots[i].key, key, keylen) == 0)
			return &rl->slots[i];
		i = (i + 1) & (rl->cap - 1);
	}
	return NULL;
}

/* Places B (whose key is not in the table) in its slot. */
static struct bucket *
rl_place(struct ratelimit *rl, const struct bucket *b)
{
	size_t i = rl_home(rl, b->key, b->keylen);

	while (rl->slots[i].keylen)
		i = (i + 1) & (rl->cap - 1);
	rl->slots[i] = *b;
	rl->count++;
	return &rl->slots[i];
}

/* Rebuilds the table with CAP slots, keeping the buckets KEEP says yes to. */
static void
rl_rebuild(struct ratelimit *rl, size_t cap, double now, int drop_full)
{
	struct bucket *old = rl->slots;
	size_t oldcap = rl->cap, i;

	rl->slots = xcalloc(cap, sizeof(struct bucket));
	rl->cap = cap;
	rl->count = 0;
	for (i = 0; i < oldcap; i++) {
		struct bucket *b = &old[i];

		if (!b->keylen)
			continue;
		if (drop_full && b->tokens + (now - b->last) * b->rate >= b->burst)
			continue;
		rl_place(rl, b);
	}
	free(old);
}

static void
rl_refill(struct bucket *b, double rate, double burst, double now)
{
	if (now > b->last) {
		b->tokens += (now - b->last) * rate;
		b->last = now;
	}
	b->rate = (float)rate;
	b->burst = (float)burst;
	if (b->tokens > burst)
		b->tokens = burst;
}

static int
rl_check(struct ratelimit *rl, const void *key, size_t keylen, double rate, double burst,
    double now, double *wait, int take)
{
	struct bucket *b, fresh;

	*wait = 0;
	if (keylen == 0 || keylen > RATELIMIT_KEY_MAX)
		fatalx("ratelimit: bad key length %zu", keylen);
	if ((b = rl_find(rl, key, keylen)) == NULL) {
		if (!take)
			return 1;
		if (rl->count >= rl->max) {
			/* full: forget the buckets that have refilled, or refuse */
			rl_rebuild(rl, rl->cap, now, 1);
			if (rl->count >= rl->max) {
				*wait = 1;
				return 0;
			}
		}
		if (rl->count + 1 > rl->cap / 2)
			rl_rebuild(rl, rl->cap * 2, now, 0);
		memset(&fresh, 0, sizeof(fresh));
		memcpy(fresh.key, key, keylen);
		fresh.keylen = (uint8_t)keylen;
		fresh.tokens = burst;
		fresh.last = now;
		b = rl_place(rl, &fresh);
	}
	rl_refill(b, rate, burst, now);
	if (b->tokens >= 1) {
		if (take)
			b->tokens -= 1;
		return 1;
	}
	*wait = (1 - b->tokens) / rate;
	return 0;
}

int
ratelimit_take(struct ratelimit *rl, const void *key, size_t keylen, double rate,
    double burst, double now, double *wait)
{
	return rl_check(rl, key, keylen, rate, burst, now, wait, 1);
}

int
ratelimit_peek(struct ratelimit *rl, const void *key, size_t keylen, double rate,
    double burst, double now, double *wait)
{
	return rl_check(rl, key, keylen, rate, burst, now, wait, 0);
}

void
ratelimit_forget(struct ratelimit *rl, const void *key, size_t keylen)
{
	struct bucket *b = rl_find(rl, key, keylen);
	size_t i, j;

	if (b == NULL)
		return;
	/* backward-shift deletion keeps every probe chain unbroken */
	i = (size_t)(b - rl->slots);
	rl->slots[i].keylen = 0;
	rl->count--;
	for (j = (i + 1) & (rl->cap - 1); rl->slots[j].keylen; j = (j + 1) & (rl->cap - 1)) {
		size_t home = rl_home(rl, rl->slots[j].key, rl->slots[j].keylen);

		/* move J back to I when its home is not within (I, J] */
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			rl->slots[i] = rl->slots[j];
			rl->slots[j].keylen = 0;
			i = j;
		}
	}
}

size_t
ratelimit_sweep(struct ratelimit *rl, double now)
{
	size_t cap = rl->cap;

	/* shrink when mostly empty, but not below the starting size */
	while (cap > 64 && rl->count * 8 < cap)
		cap /= 2;
	rl_rebuild(rl, cap, now, 1);
	return rl->count;
}

size_t
ratelimit_count(const struct ratelimit *rl)
{
	return rl->count;
}
