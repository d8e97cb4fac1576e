/*
 * api_history: cron.history and account.history: the history of changes
 * (store/history.h), newest first.
 */

#include <stdint.h>
#include <string.h>

#include "api/api.h"
#include "api/call.h"
#include "store/history.h"
#include "store/job.h"
#include "store/store.h"

#define HISTORY_LIMIT_MAX 1000

struct history_walk {
	struct api_call *c;
	int64_t limit;
	const char *object; /* NULL = any */
	uint64_t object_id; /* 0 = any */
	const char *action; /* "cron.edit", or a target ("cron"); NULL = any */
	int found;
};

static int
api_history_one(const struct history_event *e, void *arg)
{
	struct history_walk *w = arg;
	size_t n;

	w->found = 1;
	if (w->object && (e->object == NULL || strcmp(e->object, w->object) != 0))
		return 0;
	if (w->object_id && e->object_id != w->object_id)
		return 0;
	if (w->action) {
		n = strlen(w->action);
		if (e->action == NULL || strncmp(e->action, w->action, n) != 0 ||
		    (e->action[n] != '\0' && (e->action[n] != '.' || strchr(w->action, '.'))))
			return 0;
	}
	history_json(w->c->g, e);
	return --w->limit == 0;
}

static int
api_history_paging(struct api_call *c, struct history_walk *w, int64_t *before)
{
	memset(w, 0, sizeof(*w));
	w->c = c;
	w->limit = 50;
	*before = 0;
	if (call_int(c, "limit", 1, HISTORY_LIMIT_MAX, &w->limit) == -1 ||
	    call_int(c, "before", 1, INT64_MAX, before) == -1)
		return -1;
	return 0;
}

int
api_cron_history(struct api_call *c)
{
	struct history_walk w;
	struct store_txn t;
	struct job j;
	int64_t before;
	uint64_t id;
	int rc, exists;

	if (api_history_paging(c, &w, &before) == -1 || call_id(c, "id", &id) == -1)
		return -1;
	if ((rc = store_begin(c->api->store, 0, &t)) != STORE_OK)
		return call_store_error(c, rc, "job");
	/* a deleted job's history stays: its events are the account's */
	rc = job_load_owned(&t, c->acct->id, id, &j);
	exists = rc == STORE_OK;
	if (exists)
		job_free(&j);
	else if (rc != STORE_NOTFOUND) {
		store_abort(&t);
		return call_store_error(c, rc, "job");
	}
	t.err = 0;
	yajl_gen_array_open(c->g);
	rc = history_each_job(&t, c->acct->id, id, (uint64_t)before, api_history_one, &w);
	store_abort(&t);
	if (rc != STORE_OK)
		return call_store_error(c, rc, "history");
	if (!exists && !w.found && before == 0)
		return call_error(c, API_NOT_FOUND, "id", "job %llu not found", (unsigned long long)id);
	yajl_gen_array_close(c->g);
	return 0;
}

int
api_account_history(struct api_call *c)
{
	static const char *const objects[] = { "job", "group", "account", NULL };
	struct history_walk w;
	struct store_txn t;
	int64_t before, oid = 0;
	size_t i;
	int rc;

	if (api_history_paging(c, &w, &before) == -1 ||
	    call_str(c, "object", 16, &w.object) == -1 ||
	    call_int(c, "objectId", 1, INT64_MAX, &oid) == -1 ||
	    call_str(c, "action", 64, &w.action) == -1)
		return -1;
	if (w.object && *w.object == '\0')
		w.object = NULL;
	if (w.action && *w.action == '\0')
		w.action = NULL;
	for (i = 0; w.object && objects[i] && strcmp(objects[i], w.object) != 0; i++)
		;
	if (w.object && objects[i] == NULL)
		return call_error(c, API_INVALID, "object", "object must be job, group or account");
	w.object_id = (uint64_t)oid;
	if ((rc = store_begin(c->api->store, 0, &t)) != STORE_OK)
		return call_store_error(c, rc, "history");
	yajl_gen_array_open(c->g);
	rc = history_each(&t, c->acct->id, (uint64_t)before, api_history_one, &w);
	store_abort(&t);
	if (rc != STORE_OK)
		return call_store_error(c, rc, "history");
	yajl_gen_array_close(c->g);
	return 0;
}
