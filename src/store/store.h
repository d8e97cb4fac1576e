/*
 * store: the LMDB environment, its named databases, and a write
 * transaction with a sticky error.
 *
 * Every LMDB error is translated here, once: callers see STORE_NOTFOUND,
 * STORE_FULL (the map or the disk is full) or STORE_FAILED (anything else;
 * the details are logged with mdb_strerror()). A write transaction keeps
 * the first error it meets; later puts and deletes do nothing, and
 * store_commit() returns that error after aborting. A commit is synced to
 * disk before store_commit() returns.
 */
#ifndef WEBCRON_STORE_H
#define WEBCRON_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

/* The schema this build reads and writes (kept in DB_META "schema"). */
#define STORE_SCHEMA 1

enum store_db {
	DB_META,              /* "schema", counters "next.<kind>" */
	DB_ACCOUNTS,          /* u64 account id -> account record */
	DB_TOKENS,            /* SHA-256 token digest -> u64 account id (|| u64 key id) */
	DB_JOBS,              /* u64 job id -> job record (with its tasks) */
	DB_JOBSTATE,          /* u64 job id -> job state record */
	DB_JOBS_BY_ACCOUNT,   /* u64 account || u64 job -> "" */
	DB_JOBS_BY_GROUP,     /* u64 group || u64 job -> "" */
	DB_TASKS,             /* u64 task id -> u64 job id */
	DB_GROUPS,            /* u64 group id -> group record */
	DB_GROUPS_BY_ACCOUNT, /* u64 account || u64 group -> "" */
	DB_LOGS,              /* u64 job || u64 log id -> log record */
	DB_FAILURES,          /* u64 account || u64 log id -> u64 job (failed logs) */
	DB_NOTICES,           /* u64 notice id -> webhook notice not delivered yet (outbox) */
	DB_KEYS,              /* u64 account || u64 key id -> key record (apikey.h) */
	DB_HISTORY,           /* u64 account || u64 event id -> event record (history.h);
				 * u64 account || 0 -> u64 count of its events */
	DB_HISTORY_BY_JOB,    /* u64 job || u64 event id -> u64 account */
	DB_HANDOFFS,          /* u64 account -> handoff record: the account is moving (handoff.h) */
	DB_COUNT
};

enum store_status {
	STORE_OK = 0,
	STORE_NOTFOUND = 1, /* not an error: nothing under that key */
	STORE_FULL = -2,    /* MDB_MAP_FULL, ENOSPC, EDQUOT */
	STORE_FAILED = -3,  /* anything else; logged */
};

struct store;

struct store_txn {
	struct store *store;
	MDB_txn *txn;
	int write;
	int err;        /* the first error, STORE_FULL or STORE_FAILED */
	MDB_txn *outer; /* inside a batch: the txn this one is a child of */
	int aside;      /* store_begin_aside's: holds the batch lock */
};

struct store_iter {
	MDB_cursor *cur;
	MDB_val key;
	MDB_val val;
	const void *prefix;
	size_t plen;
	int started;
	int seek_rc;
	int empty; /* a database absent from a read-only store: no entries */
};

/* Opens (creating DIR with mode 0700 and the databases if needed) the
 * environment in DIR with a map of MAP_SIZE bytes. READONLY opens without
 * creating anything. Returns 0, or -1 with a message in ERR (e.g. a schema
 * newer than this build). */
int store_open(const char *dir, int64_t map_size, int readonly, struct store **out,
    char *err, size_t errlen);
void store_close(struct store *);
MDB_env *store_env(struct store *);
/* The cache of the Job objects' "points" (points.h), owned by the store.
 * NULL on a thread inside a batch (the writer's): the cache is the loop
 * thread's, and a NULL cache walks the fire times instead. */
struct points *store_points(struct store *);

/* Begins a transaction. Returns STORE_OK or STORE_FAILED. */
int store_begin(struct store *, int write, struct store_txn *txn);
/* Commits a write transaction (synced), or ends a read one. Returns
 * STORE_OK, or the sticky error / the commit's error, after aborting. */
int store_commit(struct store_txn *txn);
void store_abort(struct store_txn *txn);

/*
 * Batches (group commit, see docs/ARCHITECTURE.md "Writes"). While a
 * batch is open on a thread, every store_begin on that thread, write or
 * read, begins a child of the innermost transaction open on it (LMDB's
 * nested transactions), so each request's writes stay its own:
 * store_commit merges a child into its parent without a sync,
 * store_abort drops it and leaves the parent as it was, and a read child
 * sees what the batch wrote so far and is dropped at its end. Children
 * must end in the reverse order of their beginning. Nothing is on disk
 * until store_batch_commit, which is LMDB's synced commit.
 *
 * store_batch_begin returns STORE_OK or an error (no batch is open then).
 * store_batch_commit returns STORE_OK or the commit's error (nothing of
 * the batch is written then). Both end the batch. */
int store_batch_begin(struct store *);
int store_batch_commit(struct store *);
void store_batch_abort(struct store *);
/* Waits for the batch in progress to end and keeps the next from
 * beginning, until store_batch_release (a batch also holds this lock:
 * a map resize by another process is adopted outside of batches). */
void store_batch_hold(struct store *);
void store_batch_release(struct store *);
/* A read transaction on a thread of its own (neither the loop's nor the
 * writer's: the start-up load's reader). It holds the batch lock until
 * store_abort, so that no map resize pulls the map from under it, and
 * adopts none itself. Returns STORE_OK or an error. */
int store_begin_aside(struct store *, struct store_txn *txn);

/* Reads KEY. Returns STORE_OK with VAL pointing into the map (valid until
 * the transaction ends), STORE_NOTFOUND, or an error (also made sticky). */
int store_get(struct store_txn *, enum store_db, const void *key, size_t klen, MDB_val *val);
/* Writes or deletes; on failure the error becomes sticky. store_del of a
 * missing key is not an error. NOOVERWRITE: an existing key is an error
 * (STORE_FAILED, logged as a broken index). */
void store_put(struct store_txn *, enum store_db, const void *key, size_t klen,
    const void *val, size_t vlen);
void store_put_new(struct store_txn *, enum store_db, const void *key, size_t klen,
    const void *val, size_t vlen);
void store_del(struct store_txn *, enum store_db, const void *key, size_t klen);

/* Returns the next id of counter NAME (1, 2, ...), or 0 after an error. */
uint64_t store_next_id(struct store_txn *, const char *name);

/* Reserves N ids of counter NAME: returns the first, or 0 after an error
 * (the others follow it). */
uint64_t store_reserve_ids(struct store_txn *, const char *name, uint64_t n);

/* The number of entries in DB. */
uint64_t store_count(struct store_txn *, enum store_db);
/* The number of entries of DB whose keys start with PREFIX (PLEN bytes). */
uint64_t store_count_prefix(struct store_txn *, enum store_db, const void *prefix, size_t plen);

/* Walks the keys of DB that start with PREFIX (PLEN may be 0 for all).
 * store_iter_next returns 1 with it->key/it->val set, 0 at the end, or an
 * error (sticky). Close before the transaction ends. */
int store_iter_open(struct store_txn *, enum store_db, const void *prefix, size_t plen,
    struct store_iter *it);
int store_iter_next(struct store_txn *, struct store_iter *it);
/* Positions the iterator so that the next store_iter_next returns the
 * first key >= FROM (within the prefix). Returns STORE_OK or an error. */
int store_iter_seek(struct store_txn *, struct store_iter *it, const void *from, size_t flen);
void store_iter_close(struct store_iter *it);
/* Positions the iterator so that store_iter_prev returns the last key
 * below FROM within the prefix, then the ones before it. Returns
 * STORE_OK or an error. */
int store_iter_seek_before(struct store_txn *, struct store_iter *it, const void *from, size_t flen);
/* Like store_iter_next, walking backwards (after store_iter_seek_before). */
int store_iter_prev(struct store_txn *, struct store_iter *it);
/* Deletes the entry the iterator is on; the next store_iter_next returns
 * the entry after it. Errors are sticky. */
void store_iter_del(struct store_txn *, struct store_iter *it);

/* Map use: bytes in use and the map's size. */
void store_usage(struct store *, uint64_t *used, uint64_t *size);

/* Lets go of the map's pages between LO and HI (values read from the
 * store) that this process has touched; they stay in the page cache. For
 * after a walk over every record at start-up, so that the daemon's
 * resident memory is what it keeps, not what it read. */
void store_release_pages(const void *lo, const void *hi);

/* A hot, compacted copy of the environment into the directory DEST
 * (created if missing, must be empty). Returns 0 or -1 with ERR set. */
int store_backup(struct store *, const char *dest, char *err, size_t errlen);

/* The name of a database, for messages. */
const char *store_db_name(enum store_db);

#endif
