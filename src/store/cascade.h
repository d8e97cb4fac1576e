/*
 * cascade: deleting a record with everything that hangs off it.
 *
 * An account owns jobs and groups, a job owns its execution logs; each
 * of account, job and execlog knows only its own records (and job its
 * account's job count), and this file, above them all, deletes the
 * dependents first. So calls between the store's files go one way:
 * cascade -> account, group, job, execlog, and job -> account,
 * execlog -> job.
 */
#ifndef WEBCRON_CASCADE_H
#define WEBCRON_CASCADE_H

#include <stdint.h>

struct account;
struct job;
struct store_txn;

/* Deletes J with its logs, its tasks, its state and its index entries,
 * and uncounts it from its account. Errors are sticky in T. */
void cascade_job_remove(struct store_txn *t, const struct job *j, int64_t now);

/* Deletes A with its token, its jobs (as cascade_job_remove), its
 * groups and its history. Errors are sticky in T. */
void cascade_account_delete(struct store_txn *t, const struct account *a, int64_t now);

#endif
