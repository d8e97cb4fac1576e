/*
 * Unit tests of store.c on a fresh LMDB environment in a temporary
 * directory: the schema record, reads and writes, the sticky error of a
 * write transaction, counters, iterators, a full map, a schema from the
 * future and hot backups.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/outbox.h"
#include "conf/config.h"
#include "ctl/check.h"
#include "store/account.h"
#include "store/history.h"
#include "store/job.h"
#include "store/points.h"
#include "engine/tz.h"
#include "store/record.h"
#include "store/store.h"
#include "scratch.h"

#define MAP (16 * 1024 * 1024)

struct fixture {
	char tmp[64]; /* the temporary directory, removed at the end */
	char db[128]; /* tmp/db: the environment (not created yet) */
	struct store *st;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	scratch_dir(f->tmp, sizeof(f->tmp), "store");
	snprintf(f->db, sizeof(f->db), "%s/db", f->tmp);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st);
	scratch_remove(f->tmp);
	free(f);
	return 0;
}

/* Writes the string KEY = VALUE into DB in its own transaction. */
static void
put_one(struct store *st, enum store_db db, const char *key, const char *value)
{
	struct store_txn t;

	assert_int_equal(store_begin(st, 1, &t), STORE_OK);
	store_put(&t, db, key, strlen(key), value, strlen(value));
	assert_int_equal(store_commit(&t), STORE_OK);
}

/* Asserts that KEY in DB holds VALUE (NULL: is absent), in a new read
 * transaction. */
static void
expect_stored(struct store *st, enum store_db db, const char *key, const char *value)
{
	struct store_txn t;
	MDB_val v;
	int rc;

	assert_int_equal(store_begin(st, 0, &t), STORE_OK);
	rc = store_get(&t, db, key, strlen(key), &v);
	if (value == NULL) {
		if (rc != STORE_NOTFOUND)
			fail_msg("\"%s\" is there (%d), it should not be", key, rc);
	} else {
		if (rc != STORE_OK)
			fail_msg("\"%s\" is not there (%d)", key, rc);
		assert_int_equal(v.mv_size, strlen(value));
		assert_memory_equal(v.mv_data, value, v.mv_size);
	}
	assert_int_equal(store_commit(&t), STORE_OK);
}

static void
test_open_creates(void **state)
{
	struct fixture *f = *state;
	struct store_txn t;
	struct stat sb;
	char path[256];
	MDB_val v;

	f->st = scratch_store(f->db, MAP, 0);
	assert_int_equal(stat(f->db, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/data.mdb", f->db);
	assert_int_equal(stat(path, &sb), 0);

	/* the schema record */
	assert_int_equal(store_begin(f->st, 0, &t), STORE_OK);
	assert_int_equal(store_get(&t, DB_META, "schema", 6, &v), STORE_OK);
	assert_int_equal(v.mv_size, 8);
	assert_int_equal(record_get_u64(v.mv_data), STORE_SCHEMA);
	/* every database is there and empty */
	assert_int_equal(store_count(&t, DB_ACCOUNTS), 0);
	assert_int_equal(store_count(&t, DB_TOKENS), 0);
	assert_int_equal(store_count(&t, DB_META), 1);
	assert_int_equal(store_commit(&t), STORE_OK);
	assert_string_equal(store_db_name(DB_META), "meta");

	/* and it opens again, also read-only */
	put_one(f->st, DB_ACCOUNTS, "k", "v");
	store_close(f->st);
	f->st = scratch_store(f->db, MAP, 0);
	expect_stored(f->st, DB_ACCOUNTS, "k", "v");
	store_close(f->st);
	f->st = scratch_store(f->db, MAP, 1);
	expect_stored(f->st, DB_ACCOUNTS, "k", "v");
}

static void
test_open_failures(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	char err[512] = "", path[256];

	/* read-only creates nothing */
	assert_int_equal(store_open(f->db, MAP, 1, &st, err, sizeof(err)), -1);
	assert_true(strlen(err) > 0);
	assert_int_equal(access(f->db, F_OK), -1);
	/* a parent that does not exist */
	snprintf(path, sizeof(path), "%s/no/such/dir", f->tmp);
	err[0] = '\0';
	assert_int_equal(store_open(path, MAP, 0, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
}

static void
test_readonly_refuses_writes(void **state)
{
	struct fixture *f = *state;
	struct store_txn t;

	f->st = scratch_store(f->db, MAP, 0);
	put_one(f->st, DB_ACCOUNTS, "k", "v");
	store_close(f->st);
	f->st = scratch_store(f->db, MAP, 1);
	assert_int_equal(store_begin(f->st, 1, &t), STORE_FAILED);
	assert_int_equal(store_commit(&t), STORE_FAILED);
	expect_stored(f->st, DB_ACCOUNTS, "k", "v");
}

/* A store an older build wrote has no "keys" (nor "notices") database:
 * read-only, webcronctl must still open it, and read them as empty. */
static void
test_readonly_reads_a_missing_database_as_empty(void **state)
{
	struct fixture *f = *state;
	struct store_txn t;
	struct store_iter it;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;

	f->st = scratch_store(f->db, MAP, 0);
	put_one(f->st, DB_ACCOUNTS, "k", "v");
	put_one(f->st, DB_KEYS, "key", "record");
	store_close(f->st);
	f->st = NULL;
	/* what an older build left: the same file without the database */
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 64), 0);
	assert_int_equal(mdb_env_open(env, f->db, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "keys", 0, &dbi), 0);
	assert_int_equal(mdb_drop(txn, dbi, 1), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);

	f->st = scratch_store(f->db, MAP, 1);
	expect_stored(f->st, DB_ACCOUNTS, "k", "v");
	expect_stored(f->st, DB_KEYS, "key", NULL);
	assert_int_equal(store_begin(f->st, 0, &t), STORE_OK);
	assert_int_equal(store_count(&t, DB_KEYS), 0);
	assert_int_equal(store_iter_open(&t, DB_KEYS, NULL, 0, &it), STORE_OK);
	assert_int_equal(store_iter_next(&t, &it), 0);
	store_iter_close(&it);
	assert_int_equal(store_commit(&t), STORE_OK);
}

/* A read's handle is kept, reset, and renewed by the next read: that
 * read sees every commit made since, also one made by another thread; two
 * reads open at once on two threads each get their own. */
struct reader_arg {
	struct store *st;
	int rc;
	char seen[16];
};

static void *
reader_thread(void *p)
{
	struct reader_arg *r = p;
	struct store_txn t;
	MDB_val v;

	if ((r->rc = store_begin(r->st, 0, &t)) == STORE_OK) {
		if ((r->rc = store_get(&t, DB_ACCOUNTS, "k", 1, &v)) == STORE_OK)
			snprintf(r->seen, sizeof(r->seen), "%.*s", (int)v.mv_size, (char *)v.mv_data);
		store_abort(&t);
	}
	return NULL;
}

static void
test_reads_renew(void **state)
{
	struct fixture *f = *state;
	struct reader_arg r = { 0 };
	struct store_txn t;
	pthread_t th;
	MDB_val v;
	int i;

	f->st = scratch_store(f->db, MAP, 0);
	for (i = 0; i < 3; i++) {
		char value[16];

		snprintf(value, sizeof(value), "v%d", i);
		put_one(f->st, DB_ACCOUNTS, "k", value);
		expect_stored(f->st, DB_ACCOUNTS, "k", value);
	}
	/* a read held open here while another thread reads (and keeps its
	 * handle), then the next read here after a commit */
	assert_int_equal(store_begin(f->st, 0, &t), STORE_OK);
	r.st = f->st;
	assert_int_equal(pthread_create(&th, NULL, reader_thread, &r), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(r.rc, STORE_OK);
	assert_string_equal(r.seen, "v2");
	assert_int_equal(store_get(&t, DB_ACCOUNTS, "k", 1, &v), STORE_OK);
	store_abort(&t);
	put_one(f->st, DB_ACCOUNTS, "k", "v3");
	expect_stored(f->st, DB_ACCOUNTS, "k", "v3");
	assert_int_equal(pthread_create(&th, NULL, reader_thread, &r), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_string_equal(r.seen, "v3");
}

static void
test_put_get_del(void **state)
{
	struct fixture *f = *state;
	struct store_txn t;
	MDB_val v;

	f->st = scratch_store(f->db, MAP, 0);
	put_one(f->st, DB_ACCOUNTS, "alice", "1");
	put_one(f->st, DB_TOKENS, "alice", "token"); /* another database */
	expect_stored(f->st, DB_ACCOUNTS, "alice", "1");
	expect_stored(f->st, DB_TOKENS, "alice", "token");
	expect_stored(f->st, DB_ACCOUNTS, "bob", NULL);

	/* a miss is not an error: the transaction goes on */
	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	assert_int_equal(store_get(&t, DB_ACCOUNTS, "bob", 3, &v), STORE_NOTFOUND);
	assert_int_equal(t.err, 0);
	store_put(&t, DB_ACCOUNTS, "bob", 3, "2", 1);
	/* a write is visible inside its own transaction */
	assert_int_equal(store_get(&t, DB_ACCOUNTS, "bob", 3, &v), STORE_OK);
	assert_int_equal(v.mv_size, 1);
	store_put(&t, DB_ACCOUNTS, "alice", 5, "one", 3); /* overwrite */
	store_del(&t, DB_ACCOUNTS, "nobody", 6);          /* missing: fine */
	assert_int_equal(t.err, 0);
	assert_int_equal(store_commit(&t), STORE_OK);
	expect_stored(f->st, DB_ACCOUNTS, "alice", "one");
	expect_stored(f->st, DB_ACCOUNTS, "bob", "2");

	/* an abort keeps nothing */
	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	store_put(&t, DB_ACCOUNTS, "carol", 5, "3", 1);
	store_abort(&t);
	expect_stored(f->st, DB_ACCOUNTS, "carol", NULL);

	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	store_del(&t, DB_ACCOUNTS, "alice", 5);
	assert_int_equal(store_count(&t, DB_ACCOUNTS), 1);
	assert_int_equal(store_commit(&t), STORE_OK);
	expect_stored(f->st, DB_ACCOUNTS, "alice", NULL);
	expect_stored(f->st, DB_ACCOUNTS, "bob", "2");
	expect_stored(f->st, DB_TOKENS, "alice", "token");

	/* binary values come back byte for byte */
	{
		uint8_t key[8], val[300];
		size_t i;

		for (i = 0; i < sizeof(val); i++)
			val[i] = (uint8_t)i;
		record_key_u64(key, 42);
		assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
		store_put(&t, DB_ACCOUNTS, key, 8, val, sizeof(val));
		assert_int_equal(store_commit(&t), STORE_OK);
		assert_int_equal(store_begin(f->st, 0, &t), STORE_OK);
		assert_int_equal(store_get(&t, DB_ACCOUNTS, key, 8, &v), STORE_OK);
		assert_int_equal(v.mv_size, sizeof(val));
		assert_memory_equal(v.mv_data, val, sizeof(val));
		assert_int_equal(store_commit(&t), STORE_OK);
	}
}

static void
test_sticky_error(void **state)
{
	struct fixture *f = *state;
	struct store_txn t;
	MDB_val v;

	f->st = scratch_store(f->db, MAP, 0);
	put_one(f->st, DB_ACCOUNTS, "existing", "old");
	put_one(f->st, DB_ACCOUNTS, "victim", "stays");

	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	store_put(&t, DB_ACCOUNTS, "before", 6, "1", 1);
	store_put_new(&t, DB_ACCOUNTS, "existing", 8, "new", 3); /* fails */
	assert_int_equal(t.err, STORE_FAILED);
	/* everything after it does nothing */
	store_put(&t, DB_ACCOUNTS, "after", 5, "2", 1);
	store_del(&t, DB_ACCOUNTS, "victim", 6);
	store_put(&t, DB_ACCOUNTS, "existing", 8, "overwritten", 11);
	assert_int_equal(store_get(&t, DB_ACCOUNTS, "before", 6, &v), STORE_FAILED);
	assert_int_equal(store_next_id(&t, "job"), 0);
	assert_int_equal(t.err, STORE_FAILED);
	/* commit returns the first error and aborts */
	assert_int_equal(store_commit(&t), STORE_FAILED);
	assert_null(t.txn);
	expect_stored(f->st, DB_ACCOUNTS, "before", NULL);
	expect_stored(f->st, DB_ACCOUNTS, "after", NULL);
	expect_stored(f->st, DB_ACCOUNTS, "victim", "stays");
	expect_stored(f->st, DB_ACCOUNTS, "existing", "old");

	/* another failure (an empty key), and the first one is the one kept */
	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	store_put(&t, DB_ACCOUNTS, "x", 1, "1", 1);
	store_put(&t, DB_ACCOUNTS, "", 0, "1", 1);
	assert_int_equal(t.err, STORE_FAILED);
	t.err = STORE_FULL; /* pretend the first error was another one */
	store_put_new(&t, DB_ACCOUNTS, "existing", 8, "new", 3);
	assert_int_equal(store_commit(&t), STORE_FULL);
	expect_stored(f->st, DB_ACCOUNTS, "x", NULL);

	/* the store itself is fine afterwards */
	put_one(f->st, DB_ACCOUNTS, "later", "ok");
	expect_stored(f->st, DB_ACCOUNTS, "later", "ok");
}

static void
test_next_id(void **state)
{
	struct fixture *f = *state;
	struct store_txn t;
	uint64_t i;

	f->st = scratch_store(f->db, MAP, 0);
	for (i = 1; i <= 3; i++) {
		assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
		assert_int_equal(store_next_id(&t, "job"), i);
		assert_int_equal(store_commit(&t), STORE_OK);
	}
	/* counters are separate */
	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	assert_int_equal(store_next_id(&t, "account"), 1);
	assert_int_equal(store_next_id(&t, "account"), 2);
	assert_int_equal(store_next_id(&t, "job"), 4);
	assert_int_equal(store_commit(&t), STORE_OK);
	/* an aborted transaction uses up no id */
	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	assert_int_equal(store_next_id(&t, "job"), 5);
	store_abort(&t);
	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	assert_int_equal(store_next_id(&t, "job"), 5);
	assert_int_equal(store_commit(&t), STORE_OK);
	/* and they survive a reopen */
	store_close(f->st);
	f->st = scratch_store(f->db, MAP, 0);
	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	assert_int_equal(store_next_id(&t, "job"), 6);
	assert_int_equal(store_next_id(&t, "account"), 3);
	assert_int_equal(store_commit(&t), STORE_OK);
}

/* Walks IT to the end, writing the keys, comma separated, into OUT. */
static void
walk(struct store_txn *t, struct store_iter *it, char *out, size_t outlen)
{
	int rc;

	out[0] = '\0';
	while ((rc = store_iter_next(t, it)) == 1) {
		size_t used = strlen(out);

		snprintf(out + used, outlen - used, "%s%.*s", used ? "," : "",
		    (int)it->key.mv_size, (const char *)it->key.mv_data);
	}
	assert_int_equal(rc, 0);
}

static void
iter_expect(struct store *st, const char *prefix, const char *from, const char *want)
{
	struct store_txn t;
	struct store_iter it;
	char got[512];

	assert_int_equal(store_begin(st, 0, &t), STORE_OK);
	assert_int_equal(store_iter_open(&t, DB_ACCOUNTS, prefix, strlen(prefix), &it), STORE_OK);
	if (from)
		assert_int_equal(store_iter_seek(&t, &it, from, strlen(from)), STORE_OK);
	walk(&t, &it, got, sizeof(got));
	store_iter_close(&it);
	assert_int_equal(store_commit(&t), STORE_OK);
	if (strcmp(got, want) != 0)
		fail_msg("prefix \"%s\" from \"%s\": got \"%s\", want \"%s\"", prefix,
		    from ? from : "-", got, want);
}

static void
test_iterators(void **state)
{
	static const char *keys[] = { "b2", "a1", "c1", "b1", "b3", "a2", "b", "ba" };
	struct fixture *f = *state;
	struct store_txn t;
	size_t i;

	f->st = scratch_store(f->db, MAP, 0);
	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		store_put(&t, DB_ACCOUNTS, keys[i], strlen(keys[i]), "v", 1);
	store_put(&t, DB_TOKENS, "b0", 2, "other db", 8);
	assert_int_equal(store_commit(&t), STORE_OK);

	iter_expect(f->st, "", NULL, "a1,a2,b,b1,b2,b3,ba,c1");
	iter_expect(f->st, "b", NULL, "b,b1,b2,b3,ba");
	iter_expect(f->st, "b1", NULL, "b1");
	iter_expect(f->st, "a", NULL, "a1,a2");
	iter_expect(f->st, "c", NULL, "c1");
	iter_expect(f->st, "d", NULL, "");
	iter_expect(f->st, "0", NULL, "");
	iter_expect(f->st, "bz", NULL, "");
	/* seeking */
	iter_expect(f->st, "b", "b2", "b2,b3,ba");
	iter_expect(f->st, "b", "b25", "b3,ba");
	iter_expect(f->st, "b", "b9", "ba");
	iter_expect(f->st, "b", "bb", "");
	iter_expect(f->st, "", "b3", "b3,ba,c1");
	iter_expect(f->st, "", "z", "");
	iter_expect(f->st, "", "0", "a1,a2,b,b1,b2,b3,ba,c1");
}

static void
test_iterator_u64_keys(void **state)
{
	static const uint64_t pairs[][2] = {
		{ 1, 300 },
		{ 2, 5 },
		{ 1, 2 },
		{ 256, 1 },
		{ 1, 1 },
		{ 0, 7 },
	};
	struct fixture *f = *state;
	struct store_txn t;
	struct store_iter it;
	uint8_t key[16], prefix[8], from[16];
	uint64_t seen[8];
	size_t i, n = 0;
	int rc;

	f->st = scratch_store(f->db, MAP, 0);
	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		record_key_u64(key, pairs[i][0]);
		record_key_u64(key + 8, pairs[i][1]);
		store_put(&t, DB_ACCOUNTS, key, 16, "", 0);
	}
	assert_int_equal(store_commit(&t), STORE_OK);

	/* account 1's entries, in numeric order */
	assert_int_equal(store_begin(f->st, 0, &t), STORE_OK);
	record_key_u64(prefix, 1);
	assert_int_equal(store_iter_open(&t, DB_ACCOUNTS, prefix, 8, &it), STORE_OK);
	while ((rc = store_iter_next(&t, &it)) == 1) {
		assert_int_equal(it.key.mv_size, 16);
		assert_true(n < 8);
		seen[n++] = record_get_u64((const uint8_t *)it.key.mv_data + 8);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 3);
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[1], 2);
	assert_int_equal(seen[2], 300);
	/* the page after id 2 */
	record_key_u64(from, 1);
	record_key_u64(from + 8, 3);
	assert_int_equal(store_iter_seek(&t, &it, from, 16), STORE_OK);
	assert_int_equal(store_iter_next(&t, &it), 1);
	assert_int_equal(record_get_u64((const uint8_t *)it.key.mv_data + 8), 300);
	assert_int_equal(store_iter_next(&t, &it), 0);
	store_iter_close(&it);
	assert_int_equal(store_commit(&t), STORE_OK);
}

static void
test_iterator_delete(void **state)
{
	struct fixture *f = *state;
	struct store_txn t;
	struct store_iter it;
	char key[16], got[512];
	int i, rc, n = 0;

	f->st = scratch_store(f->db, MAP, 0);
	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	for (i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "k%02d", i);
		store_put(&t, DB_ACCOUNTS, key, 3, "v", 1);
	}
	store_put(&t, DB_ACCOUNTS, "z", 1, "v", 1);
	assert_int_equal(store_commit(&t), STORE_OK);

	/* delete the even ones while walking */
	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	assert_int_equal(store_iter_open(&t, DB_ACCOUNTS, "k", 1, &it), STORE_OK);
	while ((rc = store_iter_next(&t, &it)) == 1) {
		assert_int_equal(it.key.mv_size, 3);
		if (n++ % 2 == 0)
			store_iter_del(&t, &it);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 20); /* the walk saw every entry once */
	store_iter_close(&it);
	assert_int_equal(store_commit(&t), STORE_OK);

	assert_int_equal(store_begin(f->st, 0, &t), STORE_OK);
	assert_int_equal(store_iter_open(&t, DB_ACCOUNTS, "", 0, &it), STORE_OK);
	walk(&t, &it, got, sizeof(got));
	store_iter_close(&it);
	assert_int_equal(store_commit(&t), STORE_OK);
	assert_string_equal(got, "k01,k03,k05,k07,k09,k11,k13,k15,k17,k19,z");
}

static void
test_map_full(void **state)
{
	struct fixture *f = *state;
	struct store_txn t;
	char key[32], small[64], *big;
	int i, full_at = -1, rc;
	MDB_val v;

	f->st = scratch_store(f->db, 65536, 0);
	/* some data that fits */
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "early-%d", i);
		snprintf(small, sizeof(small), "value %d", i);
		put_one(f->st, DB_ACCOUNTS, key, small);
	}
	/* one transaction of large values: more than the map holds */
	big = malloc(8000);
	assert_non_null(big);
	memset(big, 'B', 8000);
	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	for (i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "big-%d", i);
		store_put(&t, DB_ACCOUNTS, key, strlen(key), big, 8000);
		if (t.err && full_at < 0)
			full_at = i;
	}
	free(big);
	rc = store_commit(&t);
	if (rc != STORE_FULL)
		fail_msg("commit of 320000 bytes into a 64K map returned %d (first put error at %d, err %d)",
		    rc, full_at, t.err);

	/* what was committed before is all there; nothing of the big one is */
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "early-%d", i);
		snprintf(small, sizeof(small), "value %d", i);
		expect_stored(f->st, DB_ACCOUNTS, key, small);
	}
	expect_stored(f->st, DB_ACCOUNTS, "big-0", NULL);
	assert_int_equal(store_begin(f->st, 0, &t), STORE_OK);
	assert_int_equal(store_count(&t, DB_ACCOUNTS), 10);
	assert_int_equal(store_get(&t, DB_META, "schema", 6, &v), STORE_OK);
	assert_int_equal(store_commit(&t), STORE_OK);
	/* and a small write still goes through */
	put_one(f->st, DB_ACCOUNTS, "after", "ok");
	expect_stored(f->st, DB_ACCOUNTS, "after", "ok");

	/* the same after a reopen */
	store_close(f->st);
	f->st = scratch_store(f->db, 65536, 0);
	expect_stored(f->st, DB_ACCOUNTS, "early-9", "value 9");
}

static void
test_schema_from_the_future(void **state)
{
	struct fixture *f = *state;
	struct store_txn t;
	struct store *st = NULL;
	uint8_t ver[8];
	char err[512] = "", want[32];

	f->st = scratch_store(f->db, MAP, 0);
	record_key_u64(ver, STORE_SCHEMA + 1);
	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	store_put(&t, DB_META, "schema", 6, ver, 8);
	assert_int_equal(store_commit(&t), STORE_OK);
	store_close(f->st);
	f->st = NULL;

	assert_int_equal(store_open(f->db, MAP, 0, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "schema"));
	snprintf(want, sizeof(want), "%d", STORE_SCHEMA + 1);
	assert_non_null(strstr(err, want));
	err[0] = '\0';
	assert_int_equal(store_open(f->db, MAP, 1, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "schema"));

	/* a damaged schema record is refused too */
	f->st = NULL;
	{
		MDB_env *env;
		MDB_txn *txn;
		MDB_dbi dbi;
		MDB_val k = { 6, "schema" }, v = { 3, "bad" };

		assert_int_equal(mdb_env_create(&env), 0);
		assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
		assert_int_equal(mdb_env_open(env, f->db, 0, 0600), 0);
		assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
		assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
		assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
		assert_int_equal(mdb_txn_commit(txn), 0);
		mdb_env_close(env);
	}
	err[0] = '\0';
	assert_int_equal(store_open(f->db, MAP, 0, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "schema"));
}

/* Notices kept across a reopen, rewritten in place, deleted. */
static void
test_outbox(void **state)
{
	struct fixture *f = *state;
	struct outbox_notice a = { 0, 7, 9, 0, 1000, "http://127.0.0.1/n", "{\"event\":\"failure\"}" };
	struct outbox_notice b = { 0, 8, 10, 0, 1001, "http://127.0.0.1/m", "{}" };
	struct outbox_notice *list;
	struct store_txn t;
	size_t n;

	f->st = scratch_store(f->db, MAP, 0);
	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	outbox_put(&t, &a);
	outbox_put(&t, &b);
	assert_int_equal(store_commit(&t), STORE_OK);
	assert_true(a.id > 0 && b.id > a.id);
	a.attempts = 2;
	a.due = 1030;
	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	outbox_put(&t, &a); /* the same id: rewritten */
	outbox_del(&t, b.id);
	assert_int_equal(store_commit(&t), STORE_OK);
	store_close(f->st);

	f->st = scratch_store(f->db, MAP, 0);
	assert_int_equal(store_begin(f->st, 0, &t), STORE_OK);
	assert_int_equal(outbox_list(&t, &list, &n), STORE_OK);
	store_abort(&t);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, a.id);
	assert_int_equal(list[0].account, 7);
	assert_int_equal(list[0].job, 9);
	assert_int_equal(list[0].attempts, 2);
	assert_int_equal(list[0].due, 1030);
	assert_string_equal(list[0].url, a.url);
	assert_string_equal(list[0].body, a.body);
	outbox_notice_free(&list[0]);
	free(list);
}

static void
test_backup(void **state)
{
	struct fixture *f = *state;
	struct store_txn t;
	struct store_iter it;
	struct store *copy;
	char dest[128], err[512] = "", key[32];
	MDB_val v;
	int i, n = 0;

	f->st = scratch_store(f->db, MAP, 0);
	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	for (i = 0; i < 500; i++) {
		snprintf(key, sizeof(key), "key-%04d", i);
		store_put(&t, DB_ACCOUNTS, key, strlen(key), key, strlen(key));
	}
	store_put(&t, DB_TOKENS, "digest", 6, "1", 1);
	assert_int_equal(store_next_id(&t, "account"), 1);
	assert_int_equal(store_commit(&t), STORE_OK);
	/* some garbage for the compaction to leave out */
	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	for (i = 0; i < 500; i += 2) {
		snprintf(key, sizeof(key), "key-%04d", i);
		store_del(&t, DB_ACCOUNTS, key, strlen(key));
	}
	assert_int_equal(store_commit(&t), STORE_OK);

	/* hot: the environment is open and in use */
	snprintf(dest, sizeof(dest), "%s/backup", f->tmp);
	if (store_backup(f->st, dest, err, sizeof(err)) != 0)
		fail_msg("store_backup: %s", err);
	/* a write after the backup is not in it */
	put_one(f->st, DB_ACCOUNTS, "later", "x");

	copy = scratch_store(dest, MAP, 0);
	assert_int_equal(store_begin(copy, 0, &t), STORE_OK);
	assert_int_equal(store_get(&t, DB_META, "schema", 6, &v), STORE_OK);
	assert_int_equal(record_get_u64(v.mv_data), STORE_SCHEMA);
	assert_int_equal(store_get(&t, DB_TOKENS, "digest", 6, &v), STORE_OK);
	assert_int_equal(store_get(&t, DB_ACCOUNTS, "later", 5, &v), STORE_NOTFOUND);
	assert_int_equal(store_iter_open(&t, DB_ACCOUNTS, "key-", 4, &it), STORE_OK);
	while (store_iter_next(&t, &it) == 1) {
		snprintf(key, sizeof(key), "key-%04d", 2 * n + 1);
		assert_int_equal(it.key.mv_size, strlen(key));
		assert_memory_equal(it.key.mv_data, key, strlen(key));
		assert_int_equal(it.val.mv_size, strlen(key));
		assert_memory_equal(it.val.mv_data, key, strlen(key));
		n++;
	}
	store_iter_close(&it);
	assert_int_equal(n, 250);
	assert_int_equal(store_commit(&t), STORE_OK);
	/* the copy's counters go on from where the original's were */
	assert_int_equal(store_begin(copy, 1, &t), STORE_OK);
	assert_int_equal(store_next_id(&t, "account"), 2);
	assert_int_equal(store_commit(&t), STORE_OK);
	store_close(copy);

	/* a destination that holds a database already is refused */
	err[0] = '\0';
	assert_int_equal(store_backup(f->st, dest, err, sizeof(err)), -1);
	assert_true(strlen(err) > 0);
}

/* An event of job JOB in ACCOUNT's history, at time WHEN. */
static void
put_event(struct store_txn *t, uint64_t account, uint64_t job, int64_t when, int64_t max)
{
	struct history_event e;

	memset(&e, 0, sizeof(e));
	e.account = account;
	e.time = when;
	e.actor = strdup("api");
	e.action = strdup("cron.edit");
	e.object = strdup("job");
	e.object_id = job;
	history_put(t, &e, max, 90);
	history_event_free(&e);
}

static int
count_event(const struct history_event *e, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

/* The walk of job states beside a walk of the jobs finds what a lookup
 * finds, for ids with a state and without, from the first and from the
 * middle. */
static void
test_state_walk(void **state)
{
	struct fixture *f = *state;
	static const uint64_t with[] = { 2, 3, 5, 9 };
	struct job_state_walk w;
	struct job_fires fires;
	struct job_state a, b;
	struct store_txn t;
	uint64_t id, from;
	size_t i;

	f->st = scratch_store(f->db, MAP, 0);
	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	for (i = 0; i < sizeof(with) / sizeof(with[0]); i++) {
		memset(&a, 0, sizeof(a));
		a.last_status = 1;
		a.last_fire = 1000 + (int64_t)with[i];
		a.since = 500 + (int64_t)with[i];
		a.runs = with[i] * 10;
		job_put_state(&t, with[i], &a);
	}
	/* a state as an older build wrote it: the fields in their tags' order
	 * (last_fire 6 and since 8 among them, not first) */
	{
		struct buf rec = BUF_INIT;
		uint8_t key[8];

		record_begin(&rec);
		record_uint(&rec, 1, 0);
		record_uint(&rec, 2, 7);
		record_sint(&rec, 3, 900);
		record_sint(&rec, 4, 1);
		record_uint(&rec, 5, 12);
		record_sint(&rec, 6, 1000 + 11);
		record_uint(&rec, 7, 0);
		record_sint(&rec, 8, 500 + 11);
		record_uint(&rec, 9, 3);
		record_key_u64(key, 11);
		store_put(&t, DB_JOBSTATE, key, sizeof(key), rec.data, rec.len);
		/* and a key of no job (not 8 bytes) between 5 and 9: passed over */
		store_put(&t, DB_JOBSTATE, "\0\0\0\0\0\0\0\6x", 9, rec.data, rec.len);
		buf_free(&rec);
	}
	assert_int_equal(store_commit(&t), STORE_OK);
	for (from = 1; from <= 4; from += 3) {
		int found = 0;

		assert_int_equal(store_begin(f->st, 0, &t), STORE_OK);
		job_state_walk_open(&t, &w, from);
		for (id = from; id <= 11; id++) {
			int rc = job_state_walk_fires(&t, &w, id, &fires);

			assert_int_equal(rc, job_load_state(&t, id, &b));
			assert_int_equal(fires.last_fire, b.last_fire);
			assert_int_equal(fires.since, b.since);
			if (rc == STORE_OK) {
				assert_int_equal(fires.last_fire, 1000 + (int64_t)id);
				assert_int_equal(fires.since, 500 + (int64_t)id);
				found++;
			}
		}
		job_state_walk_close(&w);
		assert_int_equal(t.err, 0);
		store_abort(&t);
		assert_int_equal(found, from == 1 ? 5 : 3);
	}
}

/* Opens F's store and begins a write in T that creates account A (the
 * defaults of CFG, filled in here; its token to TOKEN). */
static void
open_with_account(struct fixture *f, struct config *cfg, struct account *a, struct store_txn *t,
    char token[TOKEN_LEN + 1])
{
	f->st = scratch_store(f->db, MAP, 0);
	config_defaults(cfg);
	account_init(a, cfg);
	assert_int_equal(store_begin(f->st, 1, t), STORE_OK);
	assert_int_equal(account_create(t, a, 1000, token), 0);
}

/* history: trimmed by count and by age on insert; webcronctl check sees
 * an index entry without its event, and an event without its entry. */
static void
test_history(void **state)
{
	struct fixture *f = *state;
	char token[TOKEN_LEN + 1];
	struct config cfg;
	struct account a;
	struct store_txn t;
	unsigned long faults;
	uint8_t key[16], val[8];
	FILE *out = fopen("/dev/null", "w");
	int i, n;

	open_with_account(f, &cfg, &a, &t, token);
	put_event(&t, a.id, 5, 1000, 100); /* too old once the others come */
	for (i = 0; i < 6; i++)
		put_event(&t, a.id, 5, 1000 + 91 * 86400 + i, 4);
	assert_int_equal(store_commit(&t), STORE_OK);

	assert_int_equal(store_begin(f->st, 0, &t), STORE_OK);
	n = 0;
	assert_int_equal(history_each(&t, a.id, 0, count_event, &n), STORE_OK);
	assert_int_equal(n, 4);
	n = 0;
	assert_int_equal(history_each_job(&t, a.id, 5, 0, count_event, &n), STORE_OK);
	assert_int_equal(n, 4);
	n = 0;
	assert_int_equal(history_each_job(&t, a.id + 1, 5, 0, count_event, &n), STORE_OK);
	assert_int_equal(n, 0);
	store_abort(&t);
	assert_int_equal(check_store(f->st, out, &faults), STORE_OK);
	assert_int_equal(faults, 0);

	/* the newest event's index entry gone: one fault */
	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	record_key_u64(key, 5);
	record_key_u64(key + 8, 7);
	store_del(&t, DB_HISTORY_BY_JOB, key, sizeof(key));
	assert_int_equal(store_commit(&t), STORE_OK);
	assert_int_equal(check_store(f->st, out, &faults), STORE_OK);
	assert_int_equal(faults, 1);
	/* an entry for an event that is not there: one more */
	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	record_key_u64(key + 8, 99);
	record_key_u64(val, a.id);
	store_put(&t, DB_HISTORY_BY_JOB, key, sizeof(key), val, sizeof(val));
	assert_int_equal(store_commit(&t), STORE_OK);
	assert_int_equal(check_store(f->st, out, &faults), STORE_OK);
	assert_int_equal(faults, 2);

	account_free(&a);
	config_free(&cfg);
	fclose(out);
}

/* The Job object written from the remembered template (a job read light,
 * with the cache) and the live values filled in by hand is the one that
 * job_json_fields writes through yajl from the whole record, whatever the
 * run state: never run, a request's status, none, an odd duration, a
 * run in progress. */
static void
render_job(struct store *st, uint64_t account, uint64_t id, struct points *points,
    char *out, size_t cap)
{
	struct store_txn t;
	struct job j;
	struct job_view v;
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *text;
	size_t len;

	assert_int_equal(store_begin(st, 0, &t), STORE_OK);
	assert_int_equal(job_load_light(&t, account, id, &j), STORE_OK);
	memset(&v, 0, sizeof(v));
	v.zone = tz_utc();
	v.now = 2000;
	v.next_run = 2060;
	v.status = j.status;
	v.processing = j.st.runs % 2 == 1;
	v.user_agent = "webcron/test";
	v.points = points;
	job_json(g, &j, &v);
	yajl_gen_get_buf(g, &text, &len);
	assert_true(len < cap);
	memcpy(out, text, len);
	out[len] = '\0';
	job_free(&j);
	store_abort(&t);
	yajl_gen_free(g);
}

static void
test_job_json_template(void **state)
{
	static const struct {
		int last_status, last_http_status, fail;
		double last_duration;
		int64_t last_run;
	} cases[] = {
		{ -1, 0, 0, 0, 0 },          /* never run */
		{ 1, 200, 0, 0.25, 1900 },   /* a request answered 200 */
		{ 4, 0, 2, 1.5, 1900 },      /* failed without an HTTP status */
		{ 2, 503, 3, 1.2345, 1900 }, /* a duration not in whole ms */
		{ 1, 204, 0, 12, 1900 },
	};
	struct fixture *f = *state;
	char token[TOKEN_LEN + 1], fast[8192], slow[8192];
	struct points *points = points_new();
	struct config cfg;
	struct account a;
	struct store_txn t;
	struct job j;
	struct job_state s;
	size_t i;

	open_with_account(f, &cfg, &a, &t, token);
	job_init(&j, &a);
	free(j.url);
	j.url = strdup("https://example.com/x");
	job_insert(&t, &j, 1000);
	assert_int_equal(store_commit(&t), STORE_OK);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&s, 0, sizeof(s));
		s.runs = i;
		s.last_status = cases[i].last_status;
		s.last_http_status = cases[i].last_http_status;
		s.fail = cases[i].fail;
		s.last_duration = cases[i].last_duration;
		s.last_run = cases[i].last_run;
		assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
		job_put_state(&t, j.id, &s);
		assert_int_equal(store_commit(&t), STORE_OK);
		render_job(f->st, a.id, j.id, points, fast, sizeof(fast)); /* makes the template */
		render_job(f->st, a.id, j.id, points, fast, sizeof(fast)); /* uses it */
		render_job(f->st, a.id, j.id, NULL, slow, sizeof(slow));
		assert_string_equal(fast, slow);
		if (cases[i].last_http_status)
			assert_non_null(strstr(fast, cases[i].last_http_status == 200 ? "\"lastHttpStatus\":200" : cases[i].last_http_status == 204 ? "\"lastHttpStatus\":204" :
			                                                                                                                              "\"lastHttpStatus\":503"));
		else
			assert_non_null(strstr(fast, "\"lastHttpStatus\":null"));
	}
	job_free(&j);
	account_free(&a);
	config_free(&cfg);
	points_free(points);
}

/* Asserts that A and B agree in every field of account_fields[]. */
static void
account_fields_equal(const struct account *a, const struct account *b)
{
	const struct account_field *f;

	for (f = account_fields; f->name; f++) {
		const void *p = account_field_cptr(a, f), *q = account_field_cptr(b, f);

		switch (f->type) {
		case ACCOUNT_FT_TEXT: assert_string_equal(*(char *const *)p, *(char *const *)q); break;
		case ACCOUNT_FT_INT:
		case ACCOUNT_FT_BOOL: assert_int_equal(*(const int *)p, *(const int *)q); break;
		case ACCOUNT_FT_I64: assert_int_equal(*(const int64_t *)p, *(const int64_t *)q); break;
		case ACCOUNT_FT_U64: assert_int_equal(*(const uint64_t *)p, *(const uint64_t *)q); break;
		case ACCOUNT_FT_DIGEST: assert_memory_equal(p, q, TOKEN_DIGEST); break;
		}
	}
}

/* account_count_jobs rewrites the job count and the stamp of an account's
 * record and nothing else: every other field reads back as it was. */
static void
test_account_count_jobs(void **state)
{
	struct fixture *f = *state;
	char token[TOKEN_LEN + 1];
	struct config cfg;
	struct account a, back;
	struct store_txn t;

	open_with_account(f, &cfg, &a, &t, token);
	free(a.name);
	a.name = strdup("counted");
	free(a.email);
	a.email = strdup("ops@example.com");
	account_save(&t, &a, 1000);
	assert_int_equal(account_count_jobs(&t, a.id, 1, 2000), STORE_OK);
	assert_int_equal(account_count_jobs(&t, a.id, 1, 2001), STORE_OK);
	assert_int_equal(account_count_jobs(&t, a.id, -1, 2002), STORE_OK);
	assert_int_equal(account_count_jobs(&t, a.id + 1, 1, 2002), STORE_NOTFOUND);
	assert_int_equal(store_commit(&t), STORE_OK);

	assert_int_equal(store_begin(f->st, 0, &t), STORE_OK);
	assert_int_equal(account_load(&t, a.id, &back), STORE_OK);
	store_abort(&t);
	assert_int_equal(back.jobs, 1);
	assert_int_equal(back.updated_at, 2002);
	/* every other field as written */
	a.jobs = back.jobs;
	a.updated_at = back.updated_at;
	account_fields_equal(&a, &back);
	assert_string_equal(back.name, "counted");
	assert_true(back.has_token);

	/* below zero: the count stays at zero */
	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	assert_int_equal(account_count_jobs(&t, a.id, -1, 2003), STORE_OK);
	assert_int_equal(account_count_jobs(&t, a.id, -1, 2004), STORE_OK);
	assert_int_equal(store_commit(&t), STORE_OK);
	account_free(&back);
	assert_int_equal(store_begin(f->st, 0, &t), STORE_OK);
	assert_int_equal(account_load(&t, a.id, &back), STORE_OK);
	store_abort(&t);
	assert_int_equal(back.jobs, 0);
	assert_int_equal(back.updated_at, 2004);

	account_free(&back);
	account_free(&a);
	config_free(&cfg);
}

/* The event read back from the store: what history_each gives, kept. */
struct read_event {
	struct history_event e;
	size_t stored; /* the record's bytes */
	int seen;
};

static int
keep_event(const struct history_event *e, void *arg)
{
	struct read_event *r = arg;
	size_t i;

	memset(&r->e, 0, sizeof(r->e));
	r->e.nchanges = e->nchanges;
	r->e.changes = calloc(e->nchanges, sizeof(*e->changes));
	r->e.action = strdup(e->action);
	for (i = 0; i < e->nchanges; i++) {
		r->e.changes[i].field = strdup(e->changes[i].field);
		r->e.changes[i].old = e->changes[i].old ? strdup(e->changes[i].old) : NULL;
		r->e.changes[i].new = e->changes[i].new ? strdup(e->changes[i].new) : NULL;
		r->e.changes[i].secret = e->changes[i].secret;
	}
	r->seen = 1;
	return 1;
}

static void
read_event_free(struct read_event *r)
{
	size_t i;

	for (i = 0; i < r->e.nchanges; i++) {
		free((char *)r->e.changes[i].field);
		free((char *)r->e.changes[i].old);
		free((char *)r->e.changes[i].new);
	}
	free(r->e.changes);
	free(r->e.action);
}

static void
assert_same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/* Writes E with history_put, reads it back into R with its record's
 * size. */
static void
event_round_trip(struct fixture *f, struct history_event *e, struct read_event *r)
{
	struct store_txn t;
	uint8_t key[16];
	MDB_val v;

	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	history_put(&t, e, 100, 90);
	assert_int_equal(store_commit(&t), STORE_OK);
	assert_int_equal(store_begin(f->st, 0, &t), STORE_OK);
	record_key_u64(key, e->account);
	record_key_u64(key + 8, e->id);
	memset(r, 0, sizeof(*r));
	assert_int_equal(store_get(&t, DB_HISTORY, key, sizeof(key), &v), STORE_OK);
	r->stored = v.mv_size;
	assert_int_equal(history_each(&t, e->account, 0, keep_event, r), STORE_OK);
	store_abort(&t);
	assert_true(r->seen);
}

/* E's changes in the form every build before the tags wrote: a nested
 * record a change, the field by name (tags as history.c numbers them). */
static void
encode_by_names(struct buf *b, const struct history_event *e)
{
	size_t i, len;

	record_begin(b);
	record_sint(b, 1, e->time);      /* H_TIME */
	record_str(b, 2, e->actor);      /* H_ACTOR */
	record_str(b, 7, e->action);     /* H_ACTION */
	record_str(b, 8, e->object);     /* H_OBJECT */
	record_uint(b, 9, e->object_id); /* H_OBJECT_ID */
	for (i = 0; i < e->nchanges; i++) {
		const struct history_change *c = &e->changes[i];

		len = 1 + record_str_size(c->field) +
		    (c->secret ? record_uint_size(1) : record_str_size(c->old) + record_str_size(c->new));
		record_nest_begin(b, 10, len); /* H_CHANGE */
		record_str(b, 1, c->field);    /* C_FIELD */
		if (c->secret)
			record_uint(b, 4, 1); /* C_SECRET */
		else {
			record_str(b, 2, c->old); /* C_OLD */
			record_str(b, 3, c->new); /* C_NEW */
		}
	}
}

static void
assert_same_changes(const struct history_event *a, const struct history_event *b)
{
	size_t i;

	assert_int_equal(a->nchanges, b->nchanges);
	for (i = 0; i < a->nchanges; i++) {
		assert_string_equal(a->changes[i].field, b->changes[i].field);
		assert_same_text(a->changes[i].old, b->changes[i].old);
		assert_same_text(a->changes[i].new, b->changes[i].new);
		assert_int_equal(a->changes[i].secret, b->changes[i].secret);
	}
}

/* A job's events keep its fields by their record tags, a new job's in one
 * run: read back, they are the changes the diff made, in its order, with
 * the secrets as changed only; the record is under half the size of the
 * same changes by name, which are still read as before. */
static void
test_history_job_events(void **state)
{
	struct fixture *f = *state;
	char token[TOKEN_LEN + 1];
	struct config cfg;
	struct account a;
	struct store_txn t;
	struct job j, k;
	struct job_task task = { 0 };
	struct history_event e, legacy;
	struct read_event r;
	struct buf b = BUF_INIT;
	size_t i;

	open_with_account(f, &cfg, &a, &t, token);
	assert_int_equal(store_commit(&t), STORE_OK);
	job_init(&j, &a);
	free(j.name);
	j.name = strdup("nightly \"report\"");
	free(j.url);
	j.url = strdup("https://example.com/r");
	free(j.password);
	j.password = strdup("hunter2");
	j.timeout = 45;
	task.id = 7;
	task.action = strdup("http");
	task.payload = strdup("{\"url\":\"https://example.com/t\"}");
	j.tasks = &task;
	j.ntasks = 1;
	j.id = 3;

	/* a new job: its fields, the secret among them, then its task's */
	memset(&e, 0, sizeof(e));
	e.account = a.id;
	e.time = 1000;
	e.actor = strdup("api");
	e.action = strdup("cron.add");
	e.object = strdup("job");
	e.object_id = j.id;
	history_diff_job(&e, NULL, &j);
	assert_true(e.nchanges > 20);
	event_round_trip(f, &e, &r);
	assert_same_changes(&e, &r.e);
	for (i = 0; i < e.nchanges; i++) {
		if (strcmp(e.changes[i].field, "name") == 0)
			assert_string_equal(r.e.changes[i].new, "snightly \"report\"");
		if (strcmp(e.changes[i].field, "password") == 0)
			assert_true(r.e.changes[i].secret && r.e.changes[i].new == NULL);
	}
	assert_string_equal(r.e.changes[e.nchanges - 1].field, "tasks.7.payload");
	/* the same changes by name: read the same, and twice the size */
	encode_by_names(&b, &e);
	assert_int_equal(history_decode(b.data, b.len, &legacy), 0);
	assert_same_changes(&e, &legacy);
	assert_true(r.stored * 2 < b.len);
	history_event_free(&legacy);
	read_event_free(&r);
	history_event_free(&e);

	/* an edit: old and new by tag, the secret changed only */
	job_init(&k, &a);
	k.id = j.id;
	free(k.name);
	k.name = strdup("renamed");
	free(k.url);
	k.url = strdup(j.url);
	free(k.password);
	k.password = strdup("other");
	k.timeout = j.timeout;
	memset(&e, 0, sizeof(e));
	e.account = a.id;
	e.time = 1001;
	e.actor = strdup("api");
	e.action = strdup("cron.edit");
	e.object = strdup("job");
	e.object_id = j.id;
	j.tasks = NULL;
	j.ntasks = 0;
	history_diff_job(&e, &j, &k);
	assert_int_equal(e.nchanges, 2);
	event_round_trip(f, &e, &r);
	assert_same_changes(&e, &r.e);
	assert_string_equal(r.e.changes[0].field, "name");
	assert_string_equal(r.e.changes[0].old, "snightly \"report\"");
	assert_string_equal(r.e.changes[0].new, "srenamed");
	assert_string_equal(r.e.changes[1].field, "password");
	assert_true(r.e.changes[1].secret);
	read_event_free(&r);
	history_event_free(&e);
	buf_free(&b);
	free(task.action);
	free(task.payload);
	job_free(&j);
	job_free(&k);
	account_free(&a);
	config_free(&cfg);
}

/* history_expire: a slice at a time, every account's events older than
 * the cutoff go with their index entries, the newer stay, and the count
 * that history_max trims by follows. */
static void
test_history_expire(void **state)
{
	struct fixture *f = *state;
	char token[TOKEN_LEN + 1];
	struct config cfg;
	struct account a, b;
	struct store_txn t;
	unsigned long faults;
	uint8_t cursor[16] = { 0 };
	FILE *out = fopen("/dev/null", "w");
	size_t gone = 0, slices = 0;
	int i, n;

	open_with_account(f, &cfg, &a, &t, token);
	account_init(&b, &cfg);
	assert_int_equal(account_create(&t, &b, 1000, token), 0);
	for (i = 0; i < 5; i++) {
		put_event(&t, a.id, 5, 1000 + i, 100);
		put_event(&t, b.id, 6, 1000 + i, 100);
	}
	for (i = 0; i < 3; i++) {
		put_event(&t, a.id, 5, 2000 + i, 100);
		put_event(&t, b.id, 6, 2000 + i, 100);
	}
	assert_int_equal(store_commit(&t), STORE_OK);

	do {
		assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
		gone += history_expire(&t, 1500, cursor, 3);
		assert_int_equal(store_commit(&t), STORE_OK);
		slices++;
	} while (memcmp(cursor, (uint8_t[16]){ 0 }, 16) != 0 && slices < 100);
	assert_int_equal(gone, 10);
	assert_true(slices > 1);

	assert_int_equal(store_begin(f->st, 0, &t), STORE_OK);
	n = 0;
	assert_int_equal(history_each(&t, a.id, 0, count_event, &n), STORE_OK);
	assert_int_equal(n, 3);
	n = 0;
	assert_int_equal(history_each_job(&t, b.id, 6, 0, count_event, &n), STORE_OK);
	assert_int_equal(n, 3);
	store_abort(&t);
	assert_int_equal(check_store(f->st, out, &faults), STORE_OK);
	assert_int_equal(faults, 0);

	/* the count went down with them: one more event with a maximum of 3
	 * drops exactly one */
	assert_int_equal(store_begin(f->st, 1, &t), STORE_OK);
	put_event(&t, a.id, 5, 3000, 3);
	assert_int_equal(store_commit(&t), STORE_OK);
	assert_int_equal(store_begin(f->st, 0, &t), STORE_OK);
	n = 0;
	assert_int_equal(history_each(&t, a.id, 0, count_event, &n), STORE_OK);
	assert_int_equal(n, 3);
	store_abort(&t);

	account_free(&a);
	account_free(&b);
	config_free(&cfg);
	fclose(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_refuses_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_reads_a_missing_database_as_empty,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_get_del, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reads_renew, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sticky_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iterators, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iterator_u64_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iterator_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_from_the_future, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbox, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_expire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_job_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_json_template, setup, teardown),
		cmocka_unit_test_setup_teardown(test_account_count_jobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_walk, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
