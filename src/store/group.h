/*
 * group: a named set of an account's jobs.
 */
#ifndef WEBCRON_GROUP_H
#define WEBCRON_GROUP_H

#include <stdint.h>

#include <yajl/yajl_gen.h>

struct store_txn;

#define GROUP_NAME_MAX 255
#define GROUP_DESCRIPTION_MAX 1024

struct group {
	uint64_t id;
	uint64_t account;
	char *name;
	char *description;
	int64_t created_at;
	int64_t updated_at;
};

void group_init(struct group *g, uint64_t account);
void group_free(struct group *g);

/* Loads group ID when it belongs to ACCOUNT (another account's group is
 * STORE_NOTFOUND, like a missing one). Returns STORE_OK, STORE_NOTFOUND or
 * an error. */
int group_load_owned(struct store_txn *t, uint64_t account, uint64_t id, struct group *out);
/* Writes a new group (gives it an id) or an existing one. Sticky errors. */
void group_insert(struct store_txn *t, struct group *g, int64_t now);
void group_update(struct store_txn *t, struct group *g, int64_t now);
/* Deletes the group's record and index entry (not its jobs). */
void group_remove(struct store_txn *t, const struct group *g);
/* The number of groups of ACCOUNT. */
uint64_t group_count(struct store_txn *t, uint64_t account);
/* Calls FN for each group of ACCOUNT; FN returns 0 to go on, 1 to stop.
 * Returns STORE_OK or an error. */
int group_each(struct store_txn *t, uint64_t account, int (*fn)(struct group *, void *), void *arg);

/* The Group object: id, name, description, jobCount. */
void group_json(yajl_gen gen, const struct group *g, uint64_t job_count, int id_null);

#endif
