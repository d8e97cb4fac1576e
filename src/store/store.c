/*
 * store: LMDB, with every error translated in one place.
 */

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"
#include "store/record.h"
#include "store/points.h"
#include "store/store.h"

struct store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	/* read-only, a database an older build did not make (keys, notices):
	 * read as empty */
	int absent[DB_COUNT];
	int readonly;
	struct points *points; /* the Job objects' "points", remembered */
	/* held by a batch from its beginning to its end (and by
	 * store_batch_hold): a map resize waits for it */
	pthread_mutex_t batch_lock;
	atomic_int resize_wanted; /* a batch met MDB_MAP_RESIZED */
	/* a read transaction's handle, reset, for the next read to renew
	 * (store_begin): a read then allocates nothing */
	_Atomic(MDB_txn *) spare_read;
};

/* The batch open on this thread (the writer's; see store.h): its root
 * transaction and the innermost one open inside it. */
static _Thread_local struct {
	struct store *store;
	MDB_txn *root;
	MDB_txn *top;
} store_batch;

static const struct {
	const char *name;
	unsigned int flags;
} store_dbs[DB_COUNT] = {
	[DB_META] = { "meta", 0 },
	[DB_ACCOUNTS] = { "accounts", 0 },
	[DB_TOKENS] = { "tokens", 0 },
	[DB_JOBS] = { "jobs", 0 },
	[DB_JOBSTATE] = { "jobstate", 0 },
	[DB_JOBS_BY_ACCOUNT] = { "jobs_by_account", 0 },
	[DB_JOBS_BY_GROUP] = { "jobs_by_group", 0 },
	[DB_TASKS] = { "tasks", 0 },
	[DB_GROUPS] = { "groups", 0 },
	[DB_GROUPS_BY_ACCOUNT] = { "groups_by_account", 0 },
	[DB_LOGS] = { "logs", 0 },
	[DB_FAILURES] = { "failures", 0 },
	[DB_NOTICES] = { "notices", 0 },
	[DB_KEYS] = { "keys", 0 },
	[DB_HISTORY] = { "history", 0 },
	[DB_HISTORY_BY_JOB] = { "history_by_job", 0 },
	[DB_HANDOFFS] = { "handoffs", 0 },
};

const char *
store_db_name(enum store_db db)
{
	return store_dbs[db].name;
}

/* The one place LMDB's error numbers become ours. */
static int
store_status(int rc, const char *what, enum store_db db)
{
	switch (rc) {
	case 0:
		return STORE_OK;
	case MDB_NOTFOUND:
		return STORE_NOTFOUND;
	case MDB_MAP_FULL:
	case ENOSPC:
	case EDQUOT:
		log_warnx("store: %s %s: %s", what, db < DB_COUNT ? store_dbs[db].name : "-",
		    mdb_strerror(rc));
		return STORE_FULL;
	default:
		log_warnx("store: %s %s: %s", what, db < DB_COUNT ? store_dbs[db].name : "-",
		    mdb_strerror(rc));
		return STORE_FAILED;
	}
}

static void
store_stick(struct store_txn *t, int status)
{
	if (status < 0 && t->err == 0)
		t->err = status;
}

MDB_env *
store_env(struct store *st)
{
	return st->env;
}

static int
store_open_dbs(struct store *st, char *err, size_t errlen)
{
	MDB_txn *txn;
	MDB_val k = { 6, "schema" }, v;
	unsigned int flags = st->readonly ? MDB_RDONLY : 0;
	int i, rc;

	if ((rc = mdb_txn_begin(st->env, NULL, flags, &txn)) != 0) {
		snprintf(err, errlen, "cannot begin a transaction: %s", mdb_strerror(rc));
		return -1;
	}
	for (i = 0; i < DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, store_dbs[i].name,
		    store_dbs[i].flags | (st->readonly ? 0 : MDB_CREATE), &st->dbi[i]);
		if (rc == MDB_NOTFOUND && st->readonly) {
			st->absent[i] = 1;
			continue;
		}
		if (rc != 0) {
			snprintf(err, errlen, "cannot open database %s: %s", store_dbs[i].name,
			    mdb_strerror(rc));
			goto fail;
		}
	}
	rc = mdb_get(txn, st->dbi[DB_META], &k, &v);
	if (rc == MDB_NOTFOUND && !st->readonly) {
		uint8_t ver[8];

		record_key_u64(ver, STORE_SCHEMA);
		v.mv_size = sizeof(ver);
		v.mv_data = ver;
		if ((rc = mdb_put(txn, st->dbi[DB_META], &k, &v, 0)) != 0) {
			snprintf(err, errlen, "cannot write the schema version: %s", mdb_strerror(rc));
			goto fail;
		}
	} else if (rc == 0) {
		uint64_t schema = v.mv_size == 8 ? record_get_u64(v.mv_data) : 0;

		if (schema == 0 || schema > STORE_SCHEMA) {
			snprintf(err, errlen, "the database has schema %llu; this build reads up to %d",
			    (unsigned long long)schema, STORE_SCHEMA);
			goto fail;
		}
	} else if (rc != MDB_NOTFOUND) {
		snprintf(err, errlen, "cannot read the schema version: %s", mdb_strerror(rc));
		goto fail;
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		snprintf(err, errlen, "cannot commit: %s", mdb_strerror(rc));
		return -1;
	}
	return 0;
fail:
	mdb_txn_abort(txn);
	return -1;
}

int
store_open(const char *dir, int64_t map_size, int readonly, struct store **out,
    char *err, size_t errlen)
{
	struct store *st = xcalloc(1, sizeof(*st));
	int rc;

	st->readonly = readonly;
	pthread_mutex_init(&st->batch_lock, NULL);
	if (!readonly && mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if ((rc = mdb_env_create(&st->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(st->env, 32)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->env, (size_t)map_size)) != 0 ||
	    (rc = mdb_env_open(st->env, dir, readonly ? MDB_RDONLY : 0, 0600)) != 0) {
		snprintf(err, errlen, "%s: %s", dir, mdb_strerror(rc));
		goto fail;
	}
	if (store_open_dbs(st, err, errlen) == -1)
		goto fail;
	st->points = points_new();
	*out = st;
	return 0;
fail:
	if (st->env)
		mdb_env_close(st->env);
	free(st);
	return -1;
}

/* Frees the spare read handle, if any. */
static void
store_spare_drop(struct store *st)
{
	MDB_txn *txn = atomic_exchange(&st->spare_read, NULL);

	if (txn)
		mdb_txn_abort(txn);
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	store_spare_drop(st);
	mdb_env_close(st->env);
	points_free(st->points);
	pthread_mutex_destroy(&st->batch_lock);
	free(st);
}

struct points *
store_points(struct store *st)
{
	return store_batch.store == st ? NULL : st->points;
}

/* Another process (webcronctl) grew the map: adopts its size. Remapping
 * pulls the map from under every transaction of this process, so it is
 * done by a thread without a batch, between two batches, and never while
 * that thread has a transaction open (none is held across a callback). */
static void
store_adopt_mapsize(struct store *st)
{
	pthread_mutex_lock(&st->batch_lock);
	store_spare_drop(st);
	mdb_env_set_mapsize(st->env, 0);
	atomic_store(&st->resize_wanted, 0);
	pthread_mutex_unlock(&st->batch_lock);
}

/* Begins a transaction (FLAGS: LMDB's) holding the batch lock, on a
 * thread other than the loop's. Returns LMDB's code; the lock is held
 * only on success. */
static int
store_begin_locked(struct store *st, unsigned flags, MDB_txn **txn)
{
	int rc, tries;

	for (tries = 0;; tries++) {
		pthread_mutex_lock(&st->batch_lock);
		rc = mdb_txn_begin(st->env, NULL, flags, txn);
		if (rc != MDB_MAP_RESIZED || tries == 200)
			break;
		/* the loop thread may be reading the map: it adopts the new
		 * size at its next transaction (store_begin) */
		pthread_mutex_unlock(&st->batch_lock);
		atomic_store(&st->resize_wanted, 1);
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	}
	if (rc != 0)
		pthread_mutex_unlock(&st->batch_lock);
	return rc;
}

int
store_batch_begin(struct store *st)
{
	MDB_txn *txn;
	int rc;

	if ((rc = store_begin_locked(st, 0, &txn)) != 0)
		return store_status(rc, "begin", DB_COUNT);
	store_batch.store = st;
	store_batch.root = store_batch.top = txn;
	return STORE_OK;
}

int
store_batch_commit(struct store *st)
{
	int rc;

	if (store_batch.store != st || store_batch.root == NULL)
		return STORE_FAILED;
	if (store_batch.top != store_batch.root)
		log_warnx("store: a batch committed with a child still open");
	rc = mdb_txn_commit(store_batch.root);
	memset(&store_batch, 0, sizeof(store_batch));
	pthread_mutex_unlock(&st->batch_lock);
	return store_status(rc, "commit", DB_COUNT);
}

void
store_batch_abort(struct store *st)
{
	if (store_batch.store != st || store_batch.root == NULL)
		return;
	mdb_txn_abort(store_batch.root);
	memset(&store_batch, 0, sizeof(store_batch));
	pthread_mutex_unlock(&st->batch_lock);
}

void
store_batch_hold(struct store *st)
{
	pthread_mutex_lock(&st->batch_lock);
}

void
store_batch_release(struct store *st)
{
	pthread_mutex_unlock(&st->batch_lock);
}

int
store_begin_aside(struct store *st, struct store_txn *t)
{
	int rc;

	memset(t, 0, sizeof(*t));
	t->store = st;
	if ((rc = store_begin_locked(st, MDB_RDONLY, &t->txn)) != 0) {
		t->txn = NULL;
		t->err = store_status(rc, "begin", DB_COUNT);
		return t->err;
	}
	t->aside = 1;
	return STORE_OK;
}

/* Ends the child T inside the batch: its parent is the innermost again. */
static void
store_child_end(struct store_txn *t)
{
	if (store_batch.top != t->txn)
		log_warnx("store: a batch's children ended out of order");
	store_batch.top = t->outer;
	t->outer = NULL;
}

int
store_begin(struct store *st, int write, struct store_txn *t)
{
	int rc;

	memset(t, 0, sizeof(*t));
	t->store = st;
	t->write = write;
	if (store_batch.store == st && store_batch.top) {
		/* a child, read or write: it sees the batch so far, and a
		 * failure drops its writes alone */
		rc = mdb_txn_begin(st->env, store_batch.top, 0, &t->txn);
		if (rc != 0) {
			t->txn = NULL;
			t->err = store_status(rc, "begin", DB_COUNT);
			return t->err;
		}
		t->outer = store_batch.top;
		store_batch.top = t->txn;
		return STORE_OK;
	}
	if (atomic_load(&st->resize_wanted))
		store_adopt_mapsize(st);
	if (!write && (t->txn = atomic_exchange(&st->spare_read, NULL)) != NULL) {
		/* the reader slot is this thread's (LMDB finds it on renew);
		 * a handle that will not renew is freed, and a new one tried */
		if (mdb_txn_renew(t->txn) == 0)
			return STORE_OK;
		mdb_txn_abort(t->txn);
		t->txn = NULL;
	}
	rc = mdb_txn_begin(st->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
	if (rc == MDB_MAP_RESIZED) {
		store_adopt_mapsize(st);
		rc = mdb_txn_begin(st->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
	}
	if (rc != 0) {
		t->txn = NULL;
		t->err = store_status(rc, "begin", DB_COUNT);
		return t->err;
	}
	return STORE_OK;
}

int
store_commit(struct store_txn *t)
{
	int rc;

	if (t->txn == NULL)
		return t->err ? t->err : STORE_FAILED;
	if (t->err) {
		store_abort(t);
		return t->err;
	}
	if (!t->write) {
		store_abort(t);
		return STORE_OK;
	}
	rc = mdb_txn_commit(t->txn);
	if (t->outer)
		store_child_end(t);
	t->txn = NULL;
	if (rc != 0)
		t->err = store_status(rc, "commit", DB_COUNT);
	return t->err;
}

void
store_abort(struct store_txn *t)
{
	MDB_txn *none = NULL;

	if (t->aside) {
		if (t->txn)
			mdb_txn_abort(t->txn);
		t->txn = NULL;
		t->aside = 0;
		pthread_mutex_unlock(&t->store->batch_lock);
		return;
	}
	/* a read's handle is kept, reset, for the next read when there is
	 * none kept yet */
	if (t->txn && !t->write && !t->outer) {
		mdb_txn_reset(t->txn);
		if (!atomic_compare_exchange_strong(&t->store->spare_read, &none, t->txn))
			mdb_txn_abort(t->txn);
		t->txn = NULL;
		return;
	}
	if (t->txn)
		mdb_txn_abort(t->txn);
	if (t->outer)
		store_child_end(t);
	t->txn = NULL;
}

int
store_get(struct store_txn *t, enum store_db db, const void *key, size_t klen, MDB_val *val)
{
	MDB_val k = { klen, (void *)key };
	int status;

	if (t->err)
		return t->err;
	if (t->store->absent[db])
		return STORE_NOTFOUND;
	status = store_status(mdb_get(t->txn, t->store->dbi[db], &k, val), "get", db);
	store_stick(t, status);
	return status;
}

static void
store_put_flags(struct store_txn *t, enum store_db db, const void *key, size_t klen,
    const void *val, size_t vlen, unsigned int flags)
{
	MDB_val k = { klen, (void *)key }, v = { vlen, (void *)val };
	int rc;

	if (t->err)
		return;
	rc = mdb_put(t->txn, t->store->dbi[db], &k, &v, flags);
	if (rc == MDB_KEYEXIST) {
		log_warnx("store: put %s: the key exists already (a broken index?)",
		    store_dbs[db].name);
		store_stick(t, STORE_FAILED);
		return;
	}
	store_stick(t, store_status(rc, "put", db));
}

void
store_put(struct store_txn *t, enum store_db db, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	store_put_flags(t, db, key, klen, val, vlen, 0);
}

void
store_put_new(struct store_txn *t, enum store_db db, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	store_put_flags(t, db, key, klen, val, vlen, MDB_NOOVERWRITE);
}

void
store_del(struct store_txn *t, enum store_db db, const void *key, size_t klen)
{
	MDB_val k = { klen, (void *)key };
	int rc;

	if (t->err)
		return;
	rc = mdb_del(t->txn, t->store->dbi[db], &k, NULL);
	if (rc != MDB_NOTFOUND)
		store_stick(t, store_status(rc, "del", db));
}

uint64_t
store_reserve_ids(struct store_txn *t, const char *name, uint64_t n)
{
	char key[64];
	uint8_t enc[8];
	MDB_val v;
	uint64_t next = 1;
	int klen = snprintf(key, sizeof(key), "next.%s", name);

	if (store_get(t, DB_META, key, (size_t)klen, &v) == STORE_OK && v.mv_size == 8)
		next = record_get_u64(v.mv_data);
	if (t->err)
		return 0;
	record_key_u64(enc, next + n);
	store_put(t, DB_META, key, (size_t)klen, enc, sizeof(enc));
	return t->err ? 0 : next;
}

uint64_t
store_next_id(struct store_txn *t, const char *name)
{
	return store_reserve_ids(t, name, 1);
}

uint64_t
store_count(struct store_txn *t, enum store_db db)
{
	MDB_stat st;

	if (t->err || t->store->absent[db] || mdb_stat(t->txn, t->store->dbi[db], &st) != 0)
		return 0;
	return st.ms_entries;
}

uint64_t
store_count_prefix(struct store_txn *t, enum store_db db, const void *prefix, size_t plen)
{
	struct store_iter it;
	uint64_t n = 0;

	if (store_iter_open(t, db, prefix, plen, &it) != STORE_OK)
		return 0;
	while (store_iter_next(t, &it) == 1)
		n++;
	store_iter_close(&it);
	return n;
}

int
store_iter_open(struct store_txn *t, enum store_db db, const void *prefix, size_t plen,
    struct store_iter *it)
{
	int rc;

	memset(it, 0, sizeof(*it));
	if (t->err)
		return t->err;
	it->prefix = prefix;
	it->plen = plen;
	if (t->store->absent[db]) {
		it->empty = 1;
		return STORE_OK;
	}
	rc = mdb_cursor_open(t->txn, t->store->dbi[db], &it->cur);
	if (rc != 0) {
		it->cur = NULL;
		store_stick(t, store_status(rc, "cursor", db));
		return t->err;
	}
	return STORE_OK;
}

static int
store_iter_check(struct store_txn *t, struct store_iter *it, int rc)
{
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0) {
		store_stick(t, store_status(rc, "cursor", DB_COUNT));
		return t->err;
	}
	if (it->plen && (it->key.mv_size < it->plen || memcmp(it->key.mv_data, it->prefix, it->plen) != 0))
		return 0;
	return 1;
}

/* Puts the cursor on the first key >= FROM; STARTED says what the next
 * step does with it. */
static int
store_iter_place(struct store_txn *t, struct store_iter *it, const void *from, size_t flen,
    int started)
{
	if (it->empty)
		return STORE_OK;
	if (it->cur == NULL)
		return t->err ? t->err : STORE_FAILED;
	it->key.mv_size = flen;
	it->key.mv_data = (void *)from;
	it->seek_rc = mdb_cursor_get(it->cur, &it->key, &it->val, MDB_SET_RANGE);
	it->started = started;
	return STORE_OK;
}

int
store_iter_seek(struct store_txn *t, struct store_iter *it, const void *from, size_t flen)
{
	return store_iter_place(t, it, from, flen, 2); /* the next store_iter_next returns this entry */
}

int
store_iter_next(struct store_txn *t, struct store_iter *it)
{
	int rc;

	if (it->empty)
		return 0;
	if (it->cur == NULL)
		return t->err ? t->err : STORE_FAILED;
	if (it->started == 2) {
		it->started = 1;
		return store_iter_check(t, it, it->seek_rc);
	}
	if (!it->started) {
		it->started = 1;
		if (it->plen) {
			it->key.mv_size = it->plen;
			it->key.mv_data = (void *)it->prefix;
			rc = mdb_cursor_get(it->cur, &it->key, &it->val, MDB_SET_RANGE);
		} else
			rc = mdb_cursor_get(it->cur, &it->key, &it->val, MDB_FIRST);
	} else
		rc = mdb_cursor_get(it->cur, &it->key, &it->val, MDB_NEXT);
	return store_iter_check(t, it, rc);
}

int
store_iter_seek_before(struct store_txn *t, struct store_iter *it, const void *from, size_t flen)
{
	return store_iter_place(t, it, from, flen, 3); /* the next store_iter_prev steps back from here */
}

int
store_iter_prev(struct store_txn *t, struct store_iter *it)
{
	int rc;

	if (it->empty)
		return 0;
	if (it->cur == NULL)
		return t->err ? t->err : STORE_FAILED;
	if (it->started == 3) {
		it->started = 1;
		/* on the first key >= FROM: the one before it; past the end:
		 * the last key */
		rc = mdb_cursor_get(it->cur, &it->key, &it->val,
		    it->seek_rc == MDB_NOTFOUND ? MDB_LAST : MDB_PREV);
		if (it->seek_rc != 0 && it->seek_rc != MDB_NOTFOUND)
			rc = it->seek_rc;
	} else
		rc = mdb_cursor_get(it->cur, &it->key, &it->val, MDB_PREV);
	return store_iter_check(t, it, rc);
}

void
store_iter_del(struct store_txn *t, struct store_iter *it)
{
	/* LMDB leaves the cursor so that MDB_NEXT returns the entry after
	 * the deleted one (its C_DEL flag) */
	if (t->err == 0 && it->cur)
		store_stick(t, store_status(mdb_cursor_del(it->cur, 0), "del", DB_COUNT));
}

void
store_iter_close(struct store_iter *it)
{
	if (it->cur)
		mdb_cursor_close(it->cur);
	it->cur = NULL;
}

void
store_usage(struct store *st, uint64_t *used, uint64_t *size)
{
	MDB_envinfo info;
	MDB_stat stat;

	mdb_env_info(st->env, &info);
	mdb_env_stat(st->env, &stat);
	*used = (uint64_t)(info.me_last_pgno + 1) * stat.ms_psize;
	*size = info.me_mapsize;
}

void
store_release_pages(const void *lo, const void *hi)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)lo & ~(page - 1), b = ((uintptr_t)hi + page) & ~(page - 1);

	/* the map is read-only and shared (no MDB_WRITEMAP): dropping its
	 * pages loses nothing, a later read faults them back in */
	if (lo && hi && b > a)
		madvise((void *)a, b - a, MADV_DONTNEED);
}

int
store_backup(struct store *st, const char *dest, char *err, size_t errlen)
{
	char path[4096];
	mode_t old;
	int rc;

	if (mkdir(dest, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dest, strerror(errno));
		return -1;
	}
	/* the copy holds secrets and passwords: its owner's alone, whatever
	 * the umask or the directory it lands in */
	old = umask(077);
	rc = mdb_env_copy2(st->env, dest, MDB_CP_COMPACT);
	umask(old);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", dest, mdb_strerror(rc));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/data.mdb", dest);
	if (chmod(path, 0600) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
