/*
 * handoff: an account on its way to another server (handoff.h).
 */

#include <stdio.h>
#include <string.h>

#include "store/handoff.h"
#include "store/record.h"
#include "store/store.h"
#include "util/buf.h"

enum {
	H_SINCE = 1,
	H_TO,
};

void
handoff_put(struct store_txn *t, uint64_t account, int64_t since, const char *to)
{
	struct buf b = BUF_INIT;
	uint8_t key[8];

	record_sint(&b, H_SINCE, since);
	record_str(&b, H_TO, to ? to : "");
	record_key_u64(key, account);
	store_put(t, DB_HANDOFFS, key, sizeof(key), b.data, b.len);
	buf_free(&b);
}

int
handoff_any(struct store_txn *t)
{
	return store_count(t, DB_HANDOFFS) > 0;
}

int
handoff_get(struct store_txn *t, uint64_t account, struct handoff *h)
{
	struct record_reader r;
	struct record_val v;
	uint8_t key[8], tag;
	MDB_val val;
	int rc;

	record_key_u64(key, account);
	if ((rc = store_get(t, DB_HANDOFFS, key, sizeof(key), &val)) != STORE_OK)
		return rc;
	if (h == NULL)
		return STORE_OK;
	memset(h, 0, sizeof(*h));
	if (record_open(&r, val.mv_data, val.mv_size) == -1)
		return STORE_OK; /* moving all the same */
	while (record_next(&r, &tag, &v) == 1) {
		if (tag == H_SINCE)
			h->since = v.i;
		else if (tag == H_TO && v.kind == RECORD_BYTES)
			snprintf(h->to, sizeof(h->to), "%.*s", (int)v.len, (const char *)v.p);
	}
	return STORE_OK;
}

void
handoff_del(struct store_txn *t, uint64_t account)
{
	uint8_t key[8];

	record_key_u64(key, account);
	store_del(t, DB_HANDOFFS, key, sizeof(key));
}
