/*
 * transfer: an account with its groups, jobs, tasks and job state as one
 * JSON document, so that an operator can move it to another server
 * (webcronctl export / import). docs/OPERATIONS.md describes the format.
 *
 * The document holds the account's secret, its jobs' passwords and its
 * token digest (so that the account's token keeps working on the new
 * server): whoever holds it can act as the account. Execution logs are
 * not part of it.
 */
#ifndef WEBCRON_TRANSFER_H
#define WEBCRON_TRANSFER_H

#include <stdint.h>
#include <stdio.h>

struct store;

/* What the document says it is; other values are refused. */
#define TRANSFER_FORMAT "webcron-account"
#define TRANSFER_VERSION 1

/* The largest document transfer_import reads, in bytes. */
#define TRANSFER_MAX (512L * 1024 * 1024)

/* Writes account ACCOUNT with its groups, jobs and tasks to OUT as one
 * JSON document, read in one transaction. Nothing is written unless the
 * whole document could be made. Returns 0, or -1 with a message in ERR:
 * the account does not exist, the store cannot be read, or OUT cannot be
 * written (part of the document may then have been written). */
int transfer_export(struct store *st, uint64_t account, FILE *out, char *err, size_t errlen);

/* Reads a document of transfer_export from IN, checks every value as the
 * API would (lengths, ranges, time zones, schedules, URLs, headers), and
 * creates the account, its groups and its jobs with new ids in one write
 * transaction: all of it, or nothing. Returns 0 with the new account's id
 * in *NEW_ACCOUNT, or -1 with a message in ERR that names the field at
 * fault ("jobs[2].expression: minute: 61 is out of range 0-59"), says that
 * the account's token is already in use here (the document was imported
 * before, or comes from this server), or that the store failed. Prints
 * nothing. */
int transfer_import(struct store *st, FILE *in, uint64_t *new_account, char *err, size_t errlen);

#endif
