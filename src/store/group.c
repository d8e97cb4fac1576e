/*
 * group: records and the by-account index.
 */

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "store/group.h"
#include "util/json.h"
#include "util/log.h"
#include "store/record.h"
#include "store/store.h"

enum { G_ACCOUNT = 1,
	G_NAME,
	G_DESCRIPTION,
	G_CREATED,
	G_UPDATED };

void
group_init(struct group *g, uint64_t account)
{
	memset(g, 0, sizeof(*g));
	g->account = account;
	g->name = xstrdup("");
	g->description = xstrdup("");
}

void
group_free(struct group *g)
{
	free(g->name);
	free(g->description);
	memset(g, 0, sizeof(*g));
}

static int
group_decode(const void *data, size_t len, struct group *g)
{
	struct record_reader r;
	struct record_val v;
	uint8_t tag;
	int rc;

	if (record_open(&r, data, len) == -1)
		return -1;
	while ((rc = record_next(&r, &tag, &v)) == 1) {
		switch (tag) {
		case G_ACCOUNT: g->account = v.u; break;
		case G_NAME: record_set_str(&g->name, &v); break;
		case G_DESCRIPTION: record_set_str(&g->description, &v); break;
		case G_CREATED: g->created_at = v.i; break;
		case G_UPDATED: g->updated_at = v.i; break;
		default: break;
		}
	}
	return rc == 0 ? 0 : -1;
}

int
group_load_owned(struct store_txn *t, uint64_t account, uint64_t id, struct group *out)
{
	uint8_t key[8];
	MDB_val v;
	int rc;

	group_init(out, 0);
	record_key_u64(key, id);
	if ((rc = store_get(t, DB_GROUPS, key, sizeof(key), &v)) != STORE_OK) {
		group_free(out);
		return rc;
	}
	if (group_decode(v.mv_data, v.mv_size, out) == -1) {
		log_warnx("store: group %llu: corrupt record", (unsigned long long)id);
		group_free(out);
		return STORE_FAILED;
	}
	out->id = id;
	if (out->account != account) {
		group_free(out);
		return STORE_NOTFOUND;
	}
	return STORE_OK;
}

static void
group_write(struct store_txn *t, const struct group *g)
{
	struct buf b = BUF_INIT;
	uint8_t key[8];

	record_begin(&b);
	record_uint(&b, G_ACCOUNT, g->account);
	record_str(&b, G_NAME, g->name);
	record_str(&b, G_DESCRIPTION, g->description);
	record_sint(&b, G_CREATED, g->created_at);
	record_sint(&b, G_UPDATED, g->updated_at);
	record_key_u64(key, g->id);
	store_put(t, DB_GROUPS, key, sizeof(key), b.data, b.len);
	buf_free(&b);
}

void
group_insert(struct store_txn *t, struct group *g, int64_t now)
{
	uint8_t key[16];

	if ((g->id = store_next_id(t, "group")) == 0)
		return;
	g->created_at = g->updated_at = now;
	group_write(t, g);
	record_key_u64(key, g->account);
	record_key_u64(key + 8, g->id);
	store_put(t, DB_GROUPS_BY_ACCOUNT, key, sizeof(key), "", 0);
}

void
group_update(struct store_txn *t, struct group *g, int64_t now)
{
	g->updated_at = now;
	group_write(t, g);
}

void
group_remove(struct store_txn *t, const struct group *g)
{
	uint8_t key[16];

	record_key_u64(key, g->id);
	store_del(t, DB_GROUPS, key, 8);
	record_key_u64(key, g->account);
	record_key_u64(key + 8, g->id);
	store_del(t, DB_GROUPS_BY_ACCOUNT, key, sizeof(key));
}

uint64_t
group_count(struct store_txn *t, uint64_t account)
{
	uint8_t prefix[8];

	record_key_u64(prefix, account);
	return store_count_prefix(t, DB_GROUPS_BY_ACCOUNT, prefix, sizeof(prefix));
}

int
group_each(struct store_txn *t, uint64_t account, int (*fn)(struct group *, void *), void *arg)
{
	struct store_iter it;
	uint8_t prefix[8];
	int rc;

	record_key_u64(prefix, account);
	if ((rc = store_iter_open(t, DB_GROUPS_BY_ACCOUNT, prefix, sizeof(prefix), &it)) != STORE_OK)
		return rc;
	while ((rc = store_iter_next(t, &it)) == 1) {
		struct group g;

		if (it.key.mv_size != 16 || group_load_owned(t, account, record_get_u64((const uint8_t *)it.key.mv_data + 8), &g) != STORE_OK) {
			log_warnx("store: groups_by_account: an entry of account %llu cannot be read",
			    (unsigned long long)account);
			rc = STORE_FAILED;
			break;
		}
		rc = fn(&g, arg);
		group_free(&g);
		if (rc != 0)
			break;
	}
	store_iter_close(&it);
	return rc < 0 ? rc : STORE_OK;
}

void
group_json(yajl_gen gen, const struct group *g, uint64_t job_count, int id_null)
{
	yajl_gen_map_open(gen);
	if (id_null)
		json_knull(gen, "id");
	else
		json_kint(gen, "id", (int64_t)g->id);
	json_kstr(gen, "name", g->name);
	json_kstr(gen, "description", g->description);
	json_kint(gen, "jobCount", (int64_t)job_count);
	yajl_gen_map_close(gen);
}
