/*
 * changefeed: a counter and a short list of ids in the meta database.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "store/changefeed.h"
#include "store/record.h"
#include "store/store.h"

#define CHANGEFEED_KEEP 1024 /* entries kept behind the counter */

static int
changefeed_key(char *key, size_t len, uint64_t n)
{
	return snprintf(key, len, "ctl.%020llu", (unsigned long long)n);
}

void
changefeed_mark(struct store_txn *t, uint64_t id)
{
	uint64_t n = store_next_id(t, "ctl");
	uint8_t val[8];
	char key[32];
	int klen;

	if (n == 0)
		return;
	record_key_u64(val, id);
	klen = changefeed_key(key, sizeof(key), n);
	store_put(t, DB_META, key, (size_t)klen, val, sizeof(val));
	/* a daemon that was down reloads everything anyway: old entries go */
	if (n > CHANGEFEED_KEEP) {
		klen = changefeed_key(key, sizeof(key), n - CHANGEFEED_KEEP);
		store_del(t, DB_META, key, (size_t)klen);
	}
}

/* The counter: the next id of "ctl", minus one. */
static uint64_t
changefeed_counter(struct store_txn *t)
{
	MDB_val v;

	if (store_get(t, DB_META, "next.ctl", 8, &v) != STORE_OK || v.mv_size != 8)
		return 0;
	return record_get_u64(v.mv_data) - 1;
}

uint64_t
changefeed_last_in(struct store_txn *t)
{
	return changefeed_counter(t);
}

uint64_t *
changefeed_since(struct store_txn *t, uint64_t after, size_t *n)
{
	uint64_t last = changefeed_counter(t), i, *ids;
	char key[32];

	*n = 0;
	if (last <= after)
		return NULL;
	ids = xcalloc((size_t)(last - after), sizeof(*ids));
	for (i = after + 1; i <= last; i++) {
		int klen = changefeed_key(key, sizeof(key), i);
		MDB_val v;

		if (store_get(t, DB_META, key, (size_t)klen, &v) == STORE_OK && v.mv_size == 8)
			ids[(*n)++] = record_get_u64(v.mv_data);
	}
	return ids;
}

uint64_t
changefeed_last(struct store *st)
{
	struct store_txn t;
	uint64_t n;

	if (store_begin(st, 0, &t) != STORE_OK)
		return 0;
	n = changefeed_counter(&t);
	store_abort(&t);
	return n;
}

int
changefeed_poll(struct store *st, uint64_t *seen, void (*fn)(uint64_t, void *), void *arg)
{
	struct store_txn t;
	uint64_t last, i, *ids = NULL;
	size_t n = 0, k;
	char key[32];

	if (store_begin(st, 0, &t) != STORE_OK)
		return -1;
	last = changefeed_counter(&t);
	if (last <= *seen) {
		store_abort(&t);
		return 0;
	}
	if (last - *seen > CHANGEFEED_KEEP)
		*seen = last - CHANGEFEED_KEEP;
	ids = xcalloc((size_t)(last - *seen), sizeof(*ids));
	for (i = *seen + 1; i <= last; i++) {
		int klen = changefeed_key(key, sizeof(key), i);
		MDB_val v;

		if (store_get(&t, DB_META, key, (size_t)klen, &v) == STORE_OK && v.mv_size == 8)
			ids[n++] = record_get_u64(v.mv_data);
	}
	store_abort(&t);
	*seen = last;
	for (k = 0; k < n; k++)
		fn(ids[k], arg);
	free(ids);
	return (int)n;
}
