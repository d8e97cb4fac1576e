/*
 * Scratch stores for the unit tests (scratch.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store.h"
#include "scratch.h"

void
scratch_dir(char *dir, size_t len, const char *name)
{
	if ((size_t)snprintf(dir, len, "/tmp/webcron-test-%s-XXXXXX", name) >= len)
		fail_msg("scratch_dir: the name %s is too long", name);
	if (mkdtemp(dir) == NULL)
		fail_msg("mkdtemp(%s): %s", dir, strerror(errno));
}

static int
scratch_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
scratch_remove(const char *dir)
{
	nftw(dir, scratch_rm, 16, FTW_DEPTH | FTW_PHYS);
}

struct store *
scratch_store(const char *dir, int64_t map_size, int readonly)
{
	struct store *st = NULL;
	char err[512];

	if (store_open(dir, map_size, readonly, &st, err, sizeof(err)) != 0)
		fail_msg("store_open(%s): %s", dir, err);
	assert_non_null(st);
	return st;
}

int
scratch_pair_setup(void **state)
{
	struct scratch_pair *f = calloc(1, sizeof(*f));
	const char *name = strrchr(program_invocation_short_name, '_');
	int i;

	if (f == NULL)
		return -1;
	scratch_dir(f->tmp, sizeof(f->tmp), name ? name + 1 : "pair");
	for (i = 0; i < 2; i++) {
		/* through a copy: gcc 12 at -O1 takes two members of *F for
		 * buffers that may overlap (-Werror=restrict) */
		char tmp[sizeof(f->tmp)];

		memcpy(tmp, f->tmp, sizeof(tmp));
		snprintf(f->db[i], sizeof(f->db[i]), "%s/db%d", tmp, i);
		f->st[i] = scratch_store(f->db[i], 16 * 1024 * 1024, 0);
	}
	config_defaults(&f->cfg);
	*state = f;
	return 0;
}

int
scratch_pair_teardown(void **state)
{
	struct scratch_pair *f = *state;

	store_close(f->st[0]);
	store_close(f->st[1]);
	config_free(&f->cfg);
	scratch_remove(f->tmp);
	free(f);
	return 0;
}
