/*
 * lmdb_tool: raw LMDB yardsticks for bench/api and bench/fire, measured on
 * the same disk and in the same run as webcrond (plain LMDB, the flags of
 * webcrond's store: synced commits, no MDB_NOSYNC nor MDB_WRITEMAP).
 *
 *   lmdb_tool single DIR S        commits of one put each (8-byte key,
 *                                 256-byte value), each synced, for S
 *                                 seconds: prints
 *                                 "lmdb_single_commits_per_s R"
 *   lmdb_tool group DIR S B       the same puts in commits of B, for S
 *                                 seconds: prints "lmdb_group_puts_per_s R"
 *   lmdb_tool walk DIR DB         a read transaction's cursor over the named
 *                                 database DB of the environment in DIR (a
 *                                 webcrond data directory), each value's
 *                                 bytes read: prints "lmdb_walk_s S records N"
 *
 * DIR must exist; single and group write a fresh environment in it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lmdb.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
fail(const char *what, int rc)
{
	fprintf(stderr, "lmdb_tool: %s: %s\n", what, mdb_strerror(rc));
	exit(1);
}

static MDB_env *
env_open(const char *dir, unsigned flags)
{
	MDB_env *env;
	int rc;

	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_mapsize(env, (size_t)8 << 30)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, 32)) != 0 ||
	    (rc = mdb_env_open(env, dir, flags, 0600)) != 0)
		fail(dir, rc);
	return env;
}

/* puts in commits of B, each commit synced (LMDB's default), for SECS */
static double
puts_per_s(const char *dir, double secs, long b)
{
	MDB_env *env = env_open(dir, 0);
	unsigned char key[8], val[256];
	MDB_txn *txn;
	MDB_dbi dbi;
	double t0, end;
	long i = 0;
	int rc, k;

	memset(val, 'x', sizeof(val));
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "bench", MDB_CREATE, &dbi)) != 0 ||
	    (rc = mdb_txn_commit(txn)) != 0)
		fail("open", rc);
	t0 = now();
	end = t0 + secs;
	while (i == 0 || now() < end) {
		long j;

		if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0)
			fail("begin", rc);
		for (j = 0; j < b; j++, i++) {
			MDB_val kv = { sizeof(key), key }, vv = { sizeof(val), val };

			for (k = 0; k < 8; k++) /* big-endian: ids in order, like webcrond's */
				key[k] = (unsigned char)((uint64_t)(i + 1) >> (56 - 8 * k));
			if ((rc = mdb_put(txn, dbi, &kv, &vv, 0)) != 0)
				fail("put", rc);
		}
		if ((rc = mdb_txn_commit(txn)) != 0)
			fail("commit", rc);
	}
	t0 = now() - t0;
	mdb_env_close(env);
	return (double)i / t0;
}

static int
walk(const char *dir, const char *name)
{
	MDB_env *env = env_open(dir, MDB_RDONLY);
	MDB_cursor *c;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;
	unsigned long sum = 0, n = 0;
	double t0 = now();
	size_t i;
	int rc;

	if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, name, 0, &dbi)) != 0 ||
	    (rc = mdb_cursor_open(txn, dbi, &c)) != 0)
		fail(name, rc);
	while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0) {
		for (i = 0; i < v.mv_size; i += 64)
			sum += ((const unsigned char *)v.mv_data)[i];
		n++;
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	t0 = now() - t0;
	mdb_env_close(env);
	printf("lmdb_walk_s %.3f records %lu (sum %lu)\n", t0, n, sum & 1);
	return 0;
}

int
main(int argc, char *argv[])
{
	if (argc == 4 && strcmp(argv[1], "single") == 0)
		printf("lmdb_single_commits_per_s %.0f\n", puts_per_s(argv[2], atof(argv[3]), 1));
	else if (argc == 5 && strcmp(argv[1], "group") == 0)
		printf("lmdb_group_puts_per_s %.0f\n", puts_per_s(argv[2], atof(argv[3]), atol(argv[4])));
	else if (argc == 4 && strcmp(argv[1], "walk") == 0)
		return walk(argv[2], argv[3]);
	else {
		fprintf(stderr, "usage: lmdb_tool single DIR SECS | group DIR SECS B | walk DIR DB\n");
		return 2;
	}
	return 0;
}
