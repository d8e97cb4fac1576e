/*
 * outbox: the webhook notices waiting for delivery, in the store.
 */

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/log.h"
#include "store/outbox.h"
#include "store/record.h"
#include "store/store.h"

enum { N_ACCOUNT = 1,
	N_JOB,
	N_ATTEMPTS,
	N_DUE,
	N_URL,
	N_BODY };

void
outbox_put(struct store_txn *t, struct outbox_notice *n)
{
	struct buf b = BUF_INIT;
	uint8_t key[8];

	if (n->id == 0 && (n->id = store_next_id(t, "notice")) == 0)
		return;
	record_begin(&b);
	record_uint(&b, N_ACCOUNT, n->account);
	record_uint(&b, N_JOB, n->job);
	record_uint(&b, N_ATTEMPTS, (uint64_t)n->attempts);
	record_sint(&b, N_DUE, n->due);
	record_str(&b, N_URL, n->url);
	record_str(&b, N_BODY, n->body);
	record_key_u64(key, n->id);
	store_put(t, DB_NOTICES, key, sizeof(key), b.data, b.len);
	buf_free(&b);
}

void
outbox_del(struct store_txn *t, uint64_t id)
{
	uint8_t key[8];

	record_key_u64(key, id);
	store_del(t, DB_NOTICES, key, sizeof(key));
}

static int
outbox_decode(const void *data, size_t len, struct outbox_notice *n)
{
	struct record_reader r;
	struct record_val v;
	uint8_t tag;
	int rc;

	if (record_open(&r, data, len) == -1)
		return -1;
	while ((rc = record_next(&r, &tag, &v)) == 1) {
		switch (tag) {
		case N_ACCOUNT: n->account = v.u; break;
		case N_JOB: n->job = v.u; break;
		case N_ATTEMPTS: n->attempts = (int)v.u; break;
		case N_DUE: n->due = v.i; break;
		case N_URL: record_set_str(&n->url, &v); break;
		case N_BODY: record_set_str(&n->body, &v); break;
		default: break;
		}
	}
	return rc == 0 && n->url && n->body ? 0 : -1;
}

int
outbox_list(struct store_txn *t, struct outbox_notice **out, size_t *count)
{
	struct outbox_notice *list = NULL;
	struct store_iter it;
	size_t n = 0;
	int rc;

	if ((rc = store_iter_open(t, DB_NOTICES, NULL, 0, &it)) != STORE_OK)
		goto done;
	while ((rc = store_iter_next(t, &it)) == 1) {
		struct outbox_notice nn;

		memset(&nn, 0, sizeof(nn));
		if (it.key.mv_size != 8 || outbox_decode(it.val.mv_data, it.val.mv_size, &nn) == -1) {
			log_warnx("store: %s: a notice cannot be read; skipped",
			    store_db_name(DB_NOTICES));
			outbox_notice_free(&nn);
			continue;
		}
		nn.id = record_get_u64(it.key.mv_data);
		list = xrealloc(list, (n + 1) * sizeof(*list));
		list[n++] = nn;
	}
	store_iter_close(&it);
	if (rc == 0)
		rc = STORE_OK;
done:
	*out = list;
	*count = n;
	return rc;
}

void
outbox_notice_free(struct outbox_notice *n)
{
	free(n->url);
	free(n->body);
	memset(n, 0, sizeof(*n));
}
