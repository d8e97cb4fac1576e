/*
 * check: the consistency check of webcronctl check.
 */
#ifndef WEBCRON_CHECK_H
#define WEBCRON_CHECK_H

#include <stdio.h>

struct store;

/* Checks every record against its indexes and every index against its
 * records, in one read transaction, writing a line per fault and a
 * summary to OUT. Returns STORE_OK with *FAULTS set, or a store error
 * when the walk itself failed. */
int check_store(struct store *st, FILE *out, unsigned long *faults);

#endif
