/*
 * cascade: an account's or a job's dependents deleted before it.
 */

#include <stdlib.h>

#include "store/account.h"
#include "store/apikey.h"
#include "store/cascade.h"
#include "store/execlog.h"
#include "store/group.h"
#include "store/handoff.h"
#include "store/history.h"
#include "store/job.h"
#include "store/store.h"
#include "util/buf.h"

void
cascade_job_remove(struct store_txn *t, const struct job *j, int64_t now)
{
	execlog_remove_job(t, j->id);
	job_delete(t, j, now);
}

struct cascade_ids {
	uint64_t *v;
	size_t n;
};

static void
cascade_add(struct cascade_ids *ids, uint64_t id)
{
	ids->v = xrealloc(ids->v, (ids->n + 1) * sizeof(*ids->v));
	ids->v[ids->n++] = id;
}

static int
cascade_collect_job(struct job *j, void *arg)
{
	cascade_add(arg, j->id);
	return 0;
}

static int
cascade_collect_group(struct group *g, void *arg)
{
	cascade_add(arg, g->id);
	return 0;
}

void
cascade_account_delete(struct store_txn *t, const struct account *a, int64_t now)
{
	struct cascade_ids jobs = { NULL, 0 }, groups = { NULL, 0 };
	size_t i;

	/* ids first, then deletions: the indexes are what is walked */
	job_each(t, a->id, cascade_collect_job, &jobs);
	group_each(t, a->id, cascade_collect_group, &groups);
	for (i = 0; i < jobs.n && t->err == 0; i++) {
		struct job j;

		if (job_load(t, jobs.v[i], &j) == STORE_OK) {
			cascade_job_remove(t, &j, now);
			job_free(&j);
		}
	}
	for (i = 0; i < groups.n && t->err == 0; i++) {
		struct group g;

		if (group_load_owned(t, a->id, groups.v[i], &g) == STORE_OK) {
			group_remove(t, &g);
			group_free(&g);
		}
	}
	free(jobs.v);
	free(groups.v);
	apikey_delete_account(t, a->id);
	history_delete_account(t, a->id);
	handoff_del(t, a->id);
	account_delete(t, a);
}
