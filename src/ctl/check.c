/*
 * check: every index agrees with the records it points at, and every
 * record is where its indexes say (webcronctl check).
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/account.h"
#include "store/apikey.h"
#include "ctl/check.h"
#include "store/execlog.h"
#include "store/group.h"
#include "store/history.h"
#include "store/job.h"
#include "store/record.h"
#include "store/store.h"

struct check {
	struct store_txn *t;
	FILE *out;
	unsigned long faults;
};

static void
check_fault(struct check *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
check_fault(struct check *k, const char *fmt, ...)
{
	va_list ap;

	k->faults++;
	fputs("fault: ", k->out);
	va_start(ap, fmt);
	vfprintf(k->out, fmt, ap);
	va_end(ap);
	fputc('\n', k->out);
	k->t->err = 0; /* a failed read is a fault to report, not the end */
}

static int
check_has(struct check *k, enum store_db db, uint64_t a, uint64_t b, size_t klen)
{
	uint8_t key[16];
	MDB_val v;

	record_key_u64(key, a);
	record_key_u64(key + 8, b);
	if (store_get(k->t, db, key, klen, &v) == STORE_OK)
		return 1;
	k->t->err = 0;
	return 0;
}

static void
check_accounts(struct check *k, unsigned long *n)
{
	struct store_iter it;
	uint64_t jobs;

	store_iter_open(k->t, DB_ACCOUNTS, NULL, 0, &it);
	while (store_iter_next(k->t, &it) == 1) {
		uint64_t id = it.key.mv_size == 8 ? record_get_u64(it.key.mv_data) : 0;
		struct store_iter j;
		uint8_t prefix[8];
		struct account a;
		MDB_val v;

		(*n)++;
		if (id == 0 || account_load(k->t, id, &a) != STORE_OK) {
			check_fault(k, "account %llu: the record cannot be read", (unsigned long long)id);
			continue;
		}
		if (a.has_token && (store_get(k->t, DB_TOKENS, a.token_digest, TOKEN_DIGEST, &v) != STORE_OK || v.mv_size != 8 || record_get_u64(v.mv_data) != id))
			check_fault(k, "account %llu: its token is not in the token index", (unsigned long long)id);
		k->t->err = 0;
		jobs = 0;
		record_key_u64(prefix, id);
		store_iter_open(k->t, DB_JOBS_BY_ACCOUNT, prefix, sizeof(prefix), &j);
		while (store_iter_next(k->t, &j) == 1)
			jobs++;
		store_iter_close(&j);
		if (jobs != a.jobs)
			check_fault(k, "account %llu: counts %llu jobs but has %llu", (unsigned long long)id,
			    (unsigned long long)a.jobs, (unsigned long long)jobs);
		account_free(&a);
	}
	store_iter_close(&it);
}

static void
check_tokens(struct check *k)
{
	struct store_iter it;

	store_iter_open(k->t, DB_TOKENS, NULL, 0, &it);
	while (store_iter_next(k->t, &it) == 1) {
		uint64_t id = it.val.mv_size == 8 || it.val.mv_size == 16 ?
		    record_get_u64(it.val.mv_data) :
		    0;
		struct account a;

		if (id && it.val.mv_size == 16) {
			/* a key's: account id || key id */
			uint64_t key = record_get_u64((const uint8_t *)it.val.mv_data + 8);
			struct apikey ak;

			if (apikey_load(k->t, id, key, &ak) != STORE_OK) {
				check_fault(k, "a token points at key %llu of account %llu, which does not exist",
				    (unsigned long long)key, (unsigned long long)id);
				continue;
			}
			if (it.key.mv_size != TOKEN_DIGEST ||
			    memcmp(ak.digest, it.key.mv_data, TOKEN_DIGEST) != 0)
				check_fault(k, "a stale token points at key %llu of account %llu",
				    (unsigned long long)key, (unsigned long long)id);
			apikey_free(&ak);
			continue;
		}

		if (id == 0 || account_load(k->t, id, &a) != STORE_OK) {
			check_fault(k, "a token points at account %llu, which does not exist",
			    (unsigned long long)id);
			continue;
		}
		if (!a.has_token || it.key.mv_size != TOKEN_DIGEST ||
		    memcmp(a.token_digest, it.key.mv_data, TOKEN_DIGEST) != 0)
			check_fault(k, "a stale token points at account %llu", (unsigned long long)id);
		account_free(&a);
	}
	store_iter_close(&it);
}

/* Every key: its account exists, and its digest is in the token index,
 * pointing back at it. */
static void
check_keys(struct check *k, unsigned long *n)
{
	struct store_iter it;

	store_iter_open(k->t, DB_KEYS, NULL, 0, &it);
	while (store_iter_next(k->t, &it) == 1) {
		uint64_t account = it.key.mv_size == 16 ? record_get_u64(it.key.mv_data) : 0;
		uint64_t id = it.key.mv_size == 16 ?
		    record_get_u64((const uint8_t *)it.key.mv_data + 8) :
		    0;
		struct account a;
		struct apikey ak;
		MDB_val v;

		(*n)++;
		if (id == 0 || apikey_load(k->t, account, id, &ak) != STORE_OK) {
			check_fault(k, "key %llu of account %llu: the record cannot be read",
			    (unsigned long long)id, (unsigned long long)account);
			continue;
		}
		if (account_load(k->t, account, &a) == STORE_OK)
			account_free(&a);
		else
			check_fault(k, "key %llu: its account %llu does not exist", (unsigned long long)id,
			    (unsigned long long)account);
		if (store_get(k->t, DB_TOKENS, ak.digest, TOKEN_DIGEST, &v) != STORE_OK ||
		    v.mv_size != 16 || record_get_u64(v.mv_data) != account ||
		    record_get_u64((const uint8_t *)v.mv_data + 8) != id)
			check_fault(k, "key %llu of account %llu: its token is not in the token index",
			    (unsigned long long)id, (unsigned long long)account);
		k->t->err = 0;
		apikey_free(&ak);
	}
	store_iter_close(&it);
}

static void
check_jobs(struct check *k, unsigned long *n)
{
	struct store_iter it;

	store_iter_open(k->t, DB_JOBS, NULL, 0, &it);
	while (store_iter_next(k->t, &it) == 1) {
		uint64_t id = it.key.mv_size == 8 ? record_get_u64(it.key.mv_data) : 0;
		struct account a;
		struct group g;
		struct job j;
		size_t i;

		(*n)++;
		if (id == 0 || job_load(k->t, id, &j) != STORE_OK) {
			check_fault(k, "job %llu: the record cannot be read", (unsigned long long)id);
			continue;
		}
		if (account_load(k->t, j.account, &a) == STORE_OK)
			account_free(&a);
		else
			check_fault(k, "job %llu: its account %llu does not exist", (unsigned long long)id,
			    (unsigned long long)j.account);
		if (!check_has(k, DB_JOBS_BY_ACCOUNT, j.account, id, 16))
			check_fault(k, "job %llu: missing from the index of account %llu",
			    (unsigned long long)id, (unsigned long long)j.account);
		if (!check_has(k, DB_JOBSTATE, id, 0, 8))
			check_fault(k, "job %llu: has no state record", (unsigned long long)id);
		if (j.group) {
			if (group_load_owned(k->t, j.account, j.group, &g) == STORE_OK)
				group_free(&g);
			else
				check_fault(k, "job %llu: its group %llu does not exist in its account",
				    (unsigned long long)id, (unsigned long long)j.group);
			if (!check_has(k, DB_JOBS_BY_GROUP, j.group, id, 16))
				check_fault(k, "job %llu: missing from the index of group %llu",
				    (unsigned long long)id, (unsigned long long)j.group);
		}
		for (i = 0; i < j.ntasks; i++) {
			uint64_t owner;

			if (j.tasks[i].id == 0 || job_of_task(k->t, j.tasks[i].id, &owner) != STORE_OK ||
			    owner != id)
				check_fault(k, "job %llu: task %llu is not in the task index",
				    (unsigned long long)id, (unsigned long long)j.tasks[i].id);
		}
		job_free(&j);
	}
	store_iter_close(&it);
}

/* Each entry of an OWNER || JOB index names a job whose record says so. */
static void
check_job_index(struct check *k, enum store_db db, int by_group)
{
	struct store_iter it;

	store_iter_open(k->t, db, NULL, 0, &it);
	while (store_iter_next(k->t, &it) == 1) {
		uint64_t owner, id;
		struct job j;

		if (it.key.mv_size != 16) {
			check_fault(k, "%s: a key of %zu bytes", store_db_name(db), it.key.mv_size);
			continue;
		}
		owner = record_get_u64(it.key.mv_data);
		id = record_get_u64((const uint8_t *)it.key.mv_data + 8);
		if (job_load(k->t, id, &j) != STORE_OK) {
			check_fault(k, "%s: names job %llu, which does not exist", store_db_name(db),
			    (unsigned long long)id);
			continue;
		}
		if ((by_group ? j.group : j.account) != owner)
			check_fault(k, "%s: puts job %llu under %llu, but the job says %llu",
			    store_db_name(db), (unsigned long long)id, (unsigned long long)owner,
			    (unsigned long long)(by_group ? j.group : j.account));
		job_free(&j);
	}
	store_iter_close(&it);
}

static void
check_tasks(struct check *k)
{
	struct store_iter it;

	store_iter_open(k->t, DB_TASKS, NULL, 0, &it);
	while (store_iter_next(k->t, &it) == 1) {
		uint64_t task = it.key.mv_size == 8 ? record_get_u64(it.key.mv_data) : 0;
		uint64_t id = it.val.mv_size == 8 ? record_get_u64(it.val.mv_data) : 0;
		struct job j;
		size_t i;

		if (job_load(k->t, id, &j) != STORE_OK) {
			check_fault(k, "tasks: task %llu names job %llu, which does not exist",
			    (unsigned long long)task, (unsigned long long)id);
			continue;
		}
		for (i = 0; i < j.ntasks; i++)
			if (j.tasks[i].id == task)
				break;
		if (i == j.ntasks)
			check_fault(k, "tasks: task %llu is not in job %llu", (unsigned long long)task,
			    (unsigned long long)id);
		job_free(&j);
	}
	store_iter_close(&it);
}

static void
check_groups(struct check *k, unsigned long *n)
{
	struct store_iter it;

	store_iter_open(k->t, DB_GROUPS_BY_ACCOUNT, NULL, 0, &it);
	while (store_iter_next(k->t, &it) == 1) {
		uint64_t account, id;
		struct group g;

		(*n)++;
		if (it.key.mv_size != 16) {
			check_fault(k, "groups_by_account: a key of %zu bytes", it.key.mv_size);
			continue;
		}
		account = record_get_u64(it.key.mv_data);
		id = record_get_u64((const uint8_t *)it.key.mv_data + 8);
		if (group_load_owned(k->t, account, id, &g) != STORE_OK)
			check_fault(k, "groups_by_account: group %llu of account %llu does not exist there",
			    (unsigned long long)id, (unsigned long long)account);
		else
			group_free(&g);
	}
	store_iter_close(&it);
	if (store_count(k->t, DB_GROUPS) != *n)
		check_fault(k, "groups: %llu records but %lu index entries",
		    (unsigned long long)store_count(k->t, DB_GROUPS), *n);
}

static void
check_logs(struct check *k)
{
	struct store_iter it;
	uint64_t last = 0;
	int exists;

	store_iter_open(k->t, DB_LOGS, NULL, 0, &it);
	while (store_iter_next(k->t, &it) == 1) {
		uint64_t job = it.key.mv_size == 16 ? record_get_u64(it.key.mv_data) : 0;

		if (job != last || job == 0) {
			last = job;
			exists = job && check_has(k, DB_JOBS, job, 0, 8);
			if (!exists)
				check_fault(k, "logs: kept for job %llu, which does not exist",
				    (unsigned long long)job);
		}
	}
	store_iter_close(&it);
}

/* Each failures entry names a failed log of a job of that account. */
static void
check_failures(struct check *k)
{
	struct store_iter it;

	store_iter_open(k->t, DB_FAILURES, NULL, 0, &it);
	while (store_iter_next(k->t, &it) == 1) {
		uint64_t account, id, job;
		struct execlog l;

		if (it.key.mv_size != 16 || it.val.mv_size != 8) {
			check_fault(k, "failures: an entry of the wrong size");
			continue;
		}
		account = record_get_u64(it.key.mv_data);
		id = record_get_u64((const uint8_t *)it.key.mv_data + 8);
		job = record_get_u64(it.val.mv_data);
		if (execlog_load(k->t, job, id, &l) != STORE_OK) {
			check_fault(k, "failures: log %llu of job %llu does not exist",
			    (unsigned long long)id, (unsigned long long)job);
			continue;
		}
		if (l.account != account || !LOG_IS_FAILURE(l.status))
			check_fault(k, "failures: log %llu is not a failure of account %llu",
			    (unsigned long long)id, (unsigned long long)account);
		execlog_free(&l);
	}
	store_iter_close(&it);
}

/* Each history event is readable, of an account that exists, counted in
 * its account's count, and a job's is in the job index; each job index
 * entry names an event of that job in that account's history. */
static void
check_history(struct check *k)
{
	struct store_iter it;
	uint64_t account = 0, counted = 0, seen = 0;
	int have_count = 0;

	store_iter_open(k->t, DB_HISTORY, NULL, 0, &it);
	for (;;) {
		int more = store_iter_next(k->t, &it) == 1;
		uint64_t a = 0, id;
		struct history_event e;

		if (more && it.key.mv_size != 16) {
			check_fault(k, "history: a key of the wrong size");
			continue;
		}
		if (more)
			a = record_get_u64(it.key.mv_data);
		if (!more || a != account) {
			if (account && (!have_count || counted != seen))
				check_fault(k, "history: account %llu counts %llu events of %llu",
				    (unsigned long long)account, (unsigned long long)counted,
				    (unsigned long long)seen);
			if (!more)
				break;
			account = a;
			counted = seen = 0;
			have_count = 0;
			if (!check_has(k, DB_ACCOUNTS, a, 0, 8))
				check_fault(k, "history: kept for account %llu, which does not exist",
				    (unsigned long long)a);
		}
		id = record_get_u64((const uint8_t *)it.key.mv_data + 8);
		if (id == 0) {
			have_count = it.val.mv_size == 8;
			counted = have_count ? record_get_u64(it.val.mv_data) : 0;
			continue;
		}
		seen++;
		if (history_decode(it.val.mv_data, it.val.mv_size, &e) == -1) {
			check_fault(k, "history: event %llu of account %llu is corrupt",
			    (unsigned long long)id, (unsigned long long)a);
			continue;
		}
		if (e.object && strcmp(e.object, "job") == 0 &&
		    !check_has(k, DB_HISTORY_BY_JOB, e.object_id, id, 16))
			check_fault(k, "history: event %llu of job %llu is not in history_by_job",
			    (unsigned long long)id, (unsigned long long)e.object_id);
		history_event_free(&e);
	}
	store_iter_close(&it);

	store_iter_open(k->t, DB_HISTORY_BY_JOB, NULL, 0, &it);
	while (store_iter_next(k->t, &it) == 1) {
		uint8_t key[16];
		struct history_event e;
		uint64_t job, id;
		MDB_val v;

		if (it.key.mv_size != 16 || it.val.mv_size != 8) {
			check_fault(k, "history_by_job: an entry of the wrong size");
			continue;
		}
		job = record_get_u64(it.key.mv_data);
		id = record_get_u64((const uint8_t *)it.key.mv_data + 8);
		memcpy(key, it.val.mv_data, 8);
		memcpy(key + 8, (const uint8_t *)it.key.mv_data + 8, 8);
		if (store_get(k->t, DB_HISTORY, key, sizeof(key), &v) != STORE_OK) {
			check_fault(k, "history_by_job: event %llu of job %llu does not exist",
			    (unsigned long long)id, (unsigned long long)job);
			continue;
		}
		if (history_decode(v.mv_data, v.mv_size, &e) == -1)
			continue; /* reported above */
		if (e.object == NULL || strcmp(e.object, "job") != 0 || e.object_id != job)
			check_fault(k, "history_by_job: event %llu is not of job %llu",
			    (unsigned long long)id, (unsigned long long)job);
		history_event_free(&e);
	}
	store_iter_close(&it);
}

int
check_store(struct store *st, FILE *out, unsigned long *faults)
{
	struct store_txn t;
	struct check k;
	unsigned long accounts = 0, jobs = 0, groups = 0, keys = 0;
	int rc;

	if ((rc = store_begin(st, 0, &t)) != STORE_OK)
		return rc;
	memset(&k, 0, sizeof(k));
	k.t = &t;
	k.out = out;
	check_accounts(&k, &accounts);
	check_tokens(&k);
	check_keys(&k, &keys);
	check_jobs(&k, &jobs);
	check_job_index(&k, DB_JOBS_BY_ACCOUNT, 0);
	check_job_index(&k, DB_JOBS_BY_GROUP, 1);
	check_tasks(&k);
	check_groups(&k, &groups);
	check_logs(&k);
	check_failures(&k);
	check_history(&k);
	rc = t.err;
	store_abort(&t);
	fprintf(out, "%lu accounts, %lu jobs, %lu groups, %lu keys: %lu fault%s\n", accounts, jobs,
	    groups, keys, k.faults, k.faults == 1 ? "" : "s");
	*faults = k.faults;
	return rc;
}
