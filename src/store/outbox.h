/*
 * outbox: webhook notices not delivered yet, kept in the store so that a
 * restart resumes them instead of dropping them (a notice is delivered
 * at least once). One record per notice in DB_NOTICES, keyed by its id
 * (counter "notice"); it is written when the notice is made, rewritten
 * after each failed attempt with the time of the next one, and deleted
 * when the notice is delivered or given up.
 */
#ifndef WEBCRON_OUTBOX_H
#define WEBCRON_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

struct store_txn;

struct outbox_notice {
	uint64_t id;
	uint64_t account; /* whose secret signs it */
	uint64_t job;
	int attempts; /* attempts made so far */
	int64_t due;  /* Unix seconds: when the next attempt is due */
	char *url;
	char *body;
};

/* Writes N (a new id from counter "notice" when N->id is 0, set in N).
 * Errors are the transaction's (sticky). */
void outbox_put(struct store_txn *, struct outbox_notice *n);
void outbox_del(struct store_txn *, uint64_t id);

/* Every stored notice, in id order, into *OUT (*N of them; free each with
 * outbox_notice_free, then the array). Unreadable records are logged and
 * skipped. Returns STORE_OK or the transaction's error. */
int outbox_list(struct store_txn *, struct outbox_notice **out, size_t *n);
void outbox_notice_free(struct outbox_notice *n);

#endif
