/*
 * fire_tool: the store side of bench/fire, linked with libwebcron.
 *
 *   fire_tool seed CONF N URL EXPRESSION   one account and N jobs, straight into
 *                                          the store (the API's rate limit and
 *                                          round trips are not what is measured)
 *   fire_tool report CONF PLANNED          for the logs of runs planned at
 *                                          PLANNED (0 = all): count, the time
 *                                          until the last one started, jitter
 *                                          percentiles
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/account.h"
#include "conf/config.h"
#include "store/execlog.h"
#include "store/job.h"
#include "util/log.h"
#include "store/record.h"
#include "store/store.h"

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
seed(struct store *st, const struct config *cfg, long n, const char *url, const char *expr)
{
	char token[TOKEN_LEN + 1];
	struct store_txn t;
	struct account a;
	int64_t now = (int64_t)time(NULL);
	long i = 0;

	account_init(&a, cfg);
	free(a.name);
	a.name = strdup("bench");
	a.lim.max_jobs = 100000000;
	a.lim.max_concurrent = 1000000;
	a.lim.min_interval = 1;
	a.lim.log_retention = 10;
	if (store_begin(st, 1, &t) != STORE_OK || account_create(&t, &a, now, token) == -1 ||
	    store_commit(&t) != STORE_OK) {
		fprintf(stderr, "fire_tool: cannot create the account\n");
		return 1;
	}
	while (i < n) {
		long batch = 0;

		if (store_begin(st, 1, &t) != STORE_OK)
			return 1;
		for (; i < n && batch < 20000; i++, batch++) {
			struct job j;

			job_init(&j, &a);
			free(j.url);
			j.url = strdup(url);
			free(j.expression);
			j.expression = strdup(expr);
			job_insert(&t, &j, now);
			job_free(&j);
		}
		if (store_commit(&t) != STORE_OK) {
			fprintf(stderr, "fire_tool: the store is full or failing after %ld jobs\n", i);
			return 1;
		}
	}
	printf("token %s\n", token);
	account_free(&a);
	return 0;
}

struct report {
	int64_t planned;
	int64_t *jitter;
	size_t n, cap;
	double last_start;
	unsigned long statuses[9];
};

static int
report(struct store *st, int64_t planned)
{
	struct report r;
	struct store_txn t;
	struct store_iter it;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.planned = planned;
	if (store_begin(st, 0, &t) != STORE_OK)
		return 1;
	store_iter_open(&t, DB_LOGS, NULL, 0, &it);
	while (store_iter_next(&t, &it) == 1) {
		struct execlog l;

		if (it.key.mv_size != 16 || execlog_load(&t, record_get_u64(it.key.mv_data), record_get_u64((const uint8_t *)it.key.mv_data + 8), &l) != STORE_OK)
			continue;
		if (planned == 0 || l.time == planned) {
			if (r.n == r.cap) {
				r.cap = r.cap ? r.cap * 2 : 4096;
				r.jitter = realloc(r.jitter, r.cap * sizeof(*r.jitter));
			}
			r.jitter[r.n++] = l.jitter_ms;
			if (l.start_time > r.last_start)
				r.last_start = l.start_time;
			if (l.status >= 0 && l.status < 9)
				r.statuses[l.status]++;
		}
		execlog_free(&l);
	}
	store_iter_close(&it);
	store_abort(&t);
	qsort(r.jitter, r.n, sizeof(*r.jitter), cmp_i64);
	printf("runs %zu\n", r.n);
	if (r.n) {
		printf("all_started_after_ms %.0f\n", planned ? (r.last_start - (double)planned) * 1000 : 0);
		printf("jitter_p50_ms %lld\njitter_p99_ms %lld\njitter_max_ms %lld\n",
		    (long long)r.jitter[r.n / 2], (long long)r.jitter[(r.n * 99) / 100],
		    (long long)r.jitter[r.n - 1]);
	}
	for (i = 0; i < 9; i++)
		if (r.statuses[i])
			printf("status_%zu %lu\n", i, r.statuses[i]);
	free(r.jitter);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct config cfg;
	struct store *st;
	char err[512];
	int rc;

	log_init("fire_tool", 1, 0);
	if (argc < 3 || config_load(argv[2], &cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "usage: fire_tool seed|report CONF ... (%s)\n", argc < 3 ? "" : err);
		return 2;
	}
	if (store_open(cfg.data_dir, cfg.map_size, 0, &st, err, sizeof(err)) == -1) {
		fprintf(stderr, "fire_tool: %s\n", err);
		return 1;
	}
	if (strcmp(argv[1], "seed") == 0 && argc == 6)
		rc = seed(st, &cfg, atol(argv[3]), argv[4], argv[5]);
	else if (strcmp(argv[1], "report") == 0 && argc == 4)
		rc = report(st, atoll(argv[3]));
	else {
		fprintf(stderr, "usage: fire_tool seed CONF N URL EXPR | report CONF PLANNED\n");
		rc = 2;
	}
	store_close(st);
	config_free(&cfg);
	return rc;
}
