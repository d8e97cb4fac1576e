/*
 * Scratch stores for the unit tests: a temporary directory of the test's
 * own, LMDB environments in it, and its removal with all it holds.
 */
#ifndef WEBCRON_TEST_SCRATCH_H
#define WEBCRON_TEST_SCRATCH_H

#include <stddef.h>
#include <stdint.h>

#include "conf/config.h"

struct store;

/* Makes DIR (LEN bytes at most) a new directory webcron-test-NAME-XXXXXX
 * under /tmp, failing the test when it cannot. */
void scratch_dir(char *dir, size_t len, const char *name);
/* Removes DIR and everything below it. */
void scratch_remove(const char *dir);
/* Opens (creating it) the store at DIR, failing the test when it cannot. */
struct store *scratch_store(const char *dir, int64_t map_size, int readonly);

/* Two stores side by side (an export's source and the import's
 * destination) and a config of the defaults: the cmocka state that
 * scratch_pair_setup makes and scratch_pair_teardown undoes. */
struct scratch_pair {
	char tmp[64];
	char db[2][128];
	struct store *st[2];
	struct config cfg;
};

int scratch_pair_setup(void **state); /* names the directory after the program */
int scratch_pair_teardown(void **state);

#endif
