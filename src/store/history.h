/*
 * history: the record of every change made through the API or
 * webcronctl: when, who (an account's token or key, or webcronctl and
 * the local user), from where, the action, the object, and each field
 * changed with its old and new value (secrets only as "changed").
 *
 * An event is written in the transaction of the change it describes, so
 * the two commit or fail together. Events are kept per account (key:
 * account id, event id; under event id 0 the account's count), newest
 * last, and a job's events are indexed by job too (cron.history). Each
 * insert trims the account's events to history_max and history_days.
 */
#ifndef WEBCRON_HISTORY_H
#define WEBCRON_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>

struct account;
struct group;
struct history_texts;
struct job;
struct store_txn;

/* One field changed. OLD and NEW are typed texts ("s" and a string, "i"
 * and a decimal integer, "b0"/"b1", "n" for null) of OLD_LEN and NEW_LEN
 * bytes (the type letter counted), NULL when absent (a field of a new or
 * a deleted object); a secret has neither. TAG: a job field's record tag,
 * FIELD then its row's name, and the tag is what the record keeps; 0: a
 * field named by FIELD alone (a task's, an account's, a group's). The
 * texts are in the event's blocks, freed with the event. */
struct history_change {
	const char *field;
	const char *old;
	const char *new;
	size_t old_len, new_len;
	uint8_t tag;
	int secret;
};

struct history_event {
	uint64_t id;      /* given by history_put */
	uint64_t account; /* whose history it is in */
	int64_t time;
	char *actor;  /* "api" or "webcronctl" */
	uint64_t by;  /* the API caller's account (an admin's for asUser), 0 = none */
	char *key;    /* "token" (the account's token) or the API key's name */
	char *user;   /* webcronctl: the local user */
	char *client; /* the client's address, NULL = none */
	char *action; /* "cron.edit", "user add", ... */
	char *object; /* "job", "group", "account" */
	uint64_t object_id;
	struct history_change *changes;
	size_t nchanges;
	struct history_texts *texts; /* the blocks the changes' texts are in */
};

void history_event_free(struct history_event *e);

/* Appends the changes from OLD to NEW (either may be NULL: a new or a
 * deleted object) to E; the job's fields are walked from job_fields[],
 * secrets (JOB_FF_SECRET, task payloads) recorded as changed only. */
void history_diff_job(struct history_event *e, const struct job *old, const struct job *new);
void history_diff_account(struct history_event *e, const struct account *old,
    const struct account *new);
void history_diff_group(struct history_event *e, const struct group *old, const struct group *new);

/* Writes E (giving it an id) into e->account's history and the job
 * index, then trims that history to MAX events and none older than DAYS
 * days before e->time. Errors are sticky in T. */
void history_put(struct store_txn *t, struct history_event *e, int64_t max, int64_t days);

/* Calls FN with the events of ACCOUNT (or of job JOB: history_each_job),
 * newest first, starting below event id BEFORE (0: from the newest); FN
 * returns 0 to go on, 1 to stop. The event is freed after FN. Returns
 * STORE_OK or an error. history_each_job passes only ACCOUNT's events. */
int history_each(struct store_txn *t, uint64_t account, uint64_t before,
    int (*fn)(const struct history_event *, void *), void *arg);
int history_each_job(struct store_txn *t, uint64_t account, uint64_t job, uint64_t before,
    int (*fn)(const struct history_event *, void *), void *arg);

/* Deletes up to a slice of events older than CUTOFF (Unix seconds) of
 * every account, walking at most MAX entries from CURSOR (all zero: the
 * start; left where the walk stopped, zeroed at the end). Returns how many
 * went. Sticky errors. */
size_t history_expire(struct store_txn *t, int64_t cutoff, uint8_t cursor[16], size_t max);
/* Deletes ACCOUNT's history with its job index entries. Sticky errors. */
void history_delete_account(struct store_txn *t, uint64_t account);

/* Decodes a stored event. Returns 0 or -1 (corrupt). */
int history_decode(const void *data, size_t len, struct history_event *e);

/* The next id counter NAME ("job", "group", "account") will give, without
 * taking it: the ids a write gave are those between two peeks. */
uint64_t history_peek_id(struct store_txn *t, const char *name);

/* The Event object. */
void history_json(yajl_gen g, const struct history_event *e);

#endif
