/*
 * webcronctl: the operator's tool. It works on the same LMDB environment
 * as a running webcrond (LMDB allows several processes).
 */

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/account.h"
#include "store/cascade.h"
#include "ctl/check.h"
#include "store/changefeed.h"
#include "util/json.h"
#include "conf/config.h"
#include "store/group.h"
#include "store/history.h"
#include "store/job.h"
#include "util/log.h"
#include "store/record.h"
#include "store/store.h"
#include "util/token.h"
#include "ctl/move.h"
#include "ctl/transfer.h"
#include "engine/tz.h"
#include "util/version.h"

struct ctl {
	struct config cfg;
	struct store *store;
	int argc;
	char **argv;
};

static int ctl_user_add(struct ctl *);
static int ctl_user_token(struct ctl *);
static int ctl_user_list(struct ctl *);
static int ctl_user_digests(struct ctl *);
static int ctl_user_suspend(struct ctl *);
static int ctl_user_resume(struct ctl *);
static int ctl_user_delete(struct ctl *);
static int ctl_backup(struct ctl *);
static int ctl_check(struct ctl *);
static int ctl_stats(struct ctl *);
static int ctl_export(struct ctl *);
static int ctl_import(struct ctl *);
static int ctl_move(struct ctl *);
static int ctl_handoff_done(struct ctl *);
static int ctl_handoff_cancel(struct ctl *);

static const struct {
	const char *word1;
	const char *word2; /* NULL for one-word commands */
	int (*fn)(struct ctl *);
	int writes;
	const char *usage;
} ctl_commands[] = {
	{ "user", "add", ctl_user_add, 1, "user add NAME [--admin] [--email ADDR] [--timezone ZONE]" },
	{ "user", "token", ctl_user_token, 1, "user token ID" },
	{ "user", "list", ctl_user_list, 0, "user list" },
	{ "user", "digests", ctl_user_digests, 0,
	    "user digests (SHA-256 of each account's token, for a router's map)" },
	{ "user", "suspend", ctl_user_suspend, 1, "user suspend ID" },
	{ "user", "resume", ctl_user_resume, 1, "user resume ID" },
	{ "user", "delete", ctl_user_delete, 1, "user delete ID" },
	{ "backup", NULL, ctl_backup, 0, "backup DEST (a compacted hot copy into directory DEST)" },
	{ "check", NULL, ctl_check, 0, "check (every index matches its records)" },
	{ "stats", NULL, ctl_stats, 0, "stats" },
	{ "export", NULL, ctl_export, 0,
	    "export ACCOUNT [--handoff [--to NAME]] (the account, its groups, jobs and tasks as JSON on stdout; "
	    "--handoff: and it stops firing and taking writes here, moving)" },
	{ "import", NULL, ctl_import, 1, "import FILE (what export wrote; - for stdin; the account gets new ids)" },
	{ "move", NULL, ctl_move, 0,
	    "move ACCOUNT --to FILE [--timeout SECONDS] (to the server of config FILE, its jobs firing on)" },
	{ "handoff", "done", ctl_handoff_done, 0,
	    "handoff done ACCOUNT [--timeout SECONDS] (the moved account is deleted here once its tokens route away)" },
	{ "handoff", "cancel", ctl_handoff_cancel, 0, "handoff cancel ACCOUNT (it stays here and fires again)" },
};

#define NCOMMANDS (sizeof(ctl_commands) / sizeof(ctl_commands[0]))

static void
usage(void)
{
	size_t i;

	fprintf(stderr, "usage: webcronctl [-f file] command\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(stderr, "  %s\n", ctl_commands[i].usage);
	exit(2);
}

static int
ctl_id(const char *s, uint64_t *id)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v == 0) {
		fprintf(stderr, "webcronctl: \"%s\" is not an account id\n", s);
		return -1;
	}
	*id = v;
	return 0;
}

static int
ctl_fail(const char *what, int status)
{
	fprintf(stderr, "webcronctl: %s: %s\n", what,
	    status == STORE_NOTFOUND ? "not found" :
	        status == STORE_FULL ? "storage is full" :
	                               "storage error (see above)");
	return 1;
}

static int
ctl_user_add(struct ctl *ctl)
{
	char token[TOKEN_LEN + 1];
	struct store_txn t;
	struct account a;
	int i, rc;

	if (ctl->argc < 1)
		usage();
	account_init(&a, &ctl->cfg);
	free(a.name);
	a.name = strdup(ctl->argv[0]);
	for (i = 1; i < ctl->argc; i++) {
		if (strcmp(ctl->argv[i], "--admin") == 0)
			a.admin = 1;
		else if (strcmp(ctl->argv[i], "--email") == 0 && i + 1 < ctl->argc) {
			free(a.email);
			a.email = strdup(ctl->argv[++i]);
		} else if (strcmp(ctl->argv[i], "--timezone") == 0 && i + 1 < ctl->argc) {
			if (tz_get(ctl->argv[++i]) == NULL) {
				fprintf(stderr, "webcronctl: unknown time zone \"%s\"\n", ctl->argv[i]);
				account_free(&a);
				return 1;
			}
			free(a.timezone);
			a.timezone = strdup(ctl->argv[i]);
		} else
			usage();
	}
	if (strlen(a.name) == 0 || strlen(a.name) > ACCOUNT_NAME_MAX || !json_utf8_valid(a.name, strlen(a.name))) {
		fprintf(stderr, "webcronctl: the name must be 1-%d bytes of UTF-8 text\n",
		    ACCOUNT_NAME_MAX);
		account_free(&a);
		return 1;
	}
	if (store_begin(ctl->store, 1, &t) != STORE_OK || account_create(&t, &a, time(NULL), token) == -1 ||
	    (changefeed_mark(&t, a.id), t.err)) {
		rc = t.err;
		store_abort(&t);
		account_free(&a);
		return ctl_fail("user add", rc);
	}
	if ((rc = store_commit(&t)) != STORE_OK) {
		account_free(&a);
		return ctl_fail("user add", rc);
	}
	printf("account %llu (%s%s) created; its API token:\n%s\n", (unsigned long long)a.id,
	    a.name, a.admin ? ", admin" : "", token);
	account_free(&a);
	return 0;
}

/* Loads account ARGV[0] in a write transaction, lets FN change it, saves. */
static int
ctl_user_change(struct ctl *ctl, const char *what, int (*fn)(struct store_txn *, struct account *, void *),
    void *arg)
{
	struct store_txn t;
	struct account a;
	uint64_t id;
	int rc;

	if (ctl->argc != 1)
		usage();
	if (ctl_id(ctl->argv[0], &id) == -1)
		return 1;
	if ((rc = store_begin(ctl->store, 1, &t)) != STORE_OK)
		return ctl_fail(what, rc);
	if ((rc = account_load(&t, id, &a)) != STORE_OK) {
		store_abort(&t);
		return ctl_fail(what, rc);
	}
	if (fn(&t, &a, arg) == -1) {
		rc = t.err;
		store_abort(&t);
		account_free(&a);
		return ctl_fail(what, rc);
	}
	/* a running daemon reloads the account within a second */
	changefeed_mark(&t, a.id);
	account_free(&a);
	if ((rc = store_commit(&t)) != STORE_OK)
		return ctl_fail(what, rc);
	return 0;
}

static int
ctl_do_token(struct store_txn *t, struct account *a, void *arg)
{
	return account_new_token(t, a, time(NULL), arg);
}

static int
ctl_user_token(struct ctl *ctl)
{
	char token[TOKEN_LEN + 1];

	if (ctl_user_change(ctl, "user token", ctl_do_token, token) != 0)
		return 1;
	printf("a new API token for account %s; the old one no longer works:\n%s\n",
	    ctl->argv[0], token);
	return 0;
}

static int
ctl_do_status(struct store_txn *t, struct account *a, void *arg)
{
	a->status = *(int *)arg;
	account_save(t, a, time(NULL));
	return t->err ? -1 : 0;
}

static int
ctl_user_suspend(struct ctl *ctl)
{
	int status = ACCOUNT_SUSPENDED;

	if (ctl_user_change(ctl, "user suspend", ctl_do_status, &status) != 0)
		return 1;
	printf("account %s suspended\n", ctl->argv[0]);
	return 0;
}

static int
ctl_user_resume(struct ctl *ctl)
{
	int status = ACCOUNT_ACTIVE;

	if (ctl_user_change(ctl, "user resume", ctl_do_status, &status) != 0)
		return 1;
	printf("account %s active\n", ctl->argv[0]);
	return 0;
}

static int
ctl_do_delete(struct store_txn *t, struct account *a, void *arg)
{
	cascade_account_delete(t, a, time(NULL));
	return t->err ? -1 : 0;
}

static int
ctl_user_delete(struct ctl *ctl)
{
	if (ctl_user_change(ctl, "user delete", ctl_do_delete, NULL) != 0)
		return 1;
	printf("account %s deleted\n", ctl->argv[0]);
	return 0;
}

static int
ctl_user_list(struct ctl *ctl)
{
	struct store_txn t;
	struct store_iter it;
	int rc;

	if (ctl->argc != 0)
		usage();
	if ((rc = store_begin(ctl->store, 0, &t)) != STORE_OK)
		return ctl_fail("user list", rc);
	printf("%-8s %-6s %-9s %-24s %s\n", "ID", "ADMIN", "STATUS", "NAME", "EMAIL");
	store_iter_open(&t, DB_ACCOUNTS, NULL, 0, &it);
	while (store_iter_next(&t, &it) == 1) {
		struct account a;

		if (account_load(&t, record_get_u64(it.key.mv_data), &a) != STORE_OK)
			break;
		printf("%-8llu %-6s %-9s %-24s %s\n", (unsigned long long)a.id, a.admin ? "yes" : "no",
		    a.status == ACCOUNT_ACTIVE ? "active" : "suspended", a.name, a.email);
		account_free(&a);
	}
	store_iter_close(&it);
	rc = t.err;
	store_abort(&t);
	return rc ? ctl_fail("user list", rc) : 0;
}

/* "<hex SHA-256 of the token> <account id>" per account with a token: a
 * router in front of several servers (HAProxy's sha2(256) converter and a
 * map file) can send each token to the server that holds its account. */
static int
ctl_user_digests(struct ctl *ctl)
{
	static const char hex[] = "0123456789abcdef";
	struct store_txn t;
	struct store_iter it;
	int rc;

	if (ctl->argc != 0)
		usage();
	if ((rc = store_begin(ctl->store, 0, &t)) != STORE_OK)
		return ctl_fail("user digests", rc);
	store_iter_open(&t, DB_TOKENS, NULL, 0, &it);
	while (store_iter_next(&t, &it) == 1) {
		const uint8_t *d = it.key.mv_data;
		char text[2 * TOKEN_DIGEST + 1];
		size_t i;

		/* an account's token (8 bytes) or one of its keys' (16) */
		if (it.key.mv_size != TOKEN_DIGEST || (it.val.mv_size != 8 && it.val.mv_size != 16))
			continue;
		for (i = 0; i < TOKEN_DIGEST; i++) {
			text[2 * i] = hex[d[i] >> 4];
			text[2 * i + 1] = hex[d[i] & 15];
		}
		text[2 * TOKEN_DIGEST] = '\0';
		printf("%s %llu\n", text, (unsigned long long)record_get_u64(it.val.mv_data));
	}
	store_iter_close(&it);
	rc = t.err;
	store_abort(&t);
	return rc ? ctl_fail("user digests", rc) : 0;
}

static int
ctl_backup(struct ctl *ctl)
{
	char err[512];

	if (ctl->argc != 1)
		usage();
	if (store_backup(ctl->store, ctl->argv[0], err, sizeof(err)) == -1) {
		fprintf(stderr, "webcronctl: backup: %s\n", err);
		return 1;
	}
	printf("backup written to %s/data.mdb\n", ctl->argv[0]);
	return 0;
}

static int
ctl_check(struct ctl *ctl)
{
	unsigned long faults;
	int rc;

	if (ctl->argc != 0)
		usage();
	if ((rc = check_store(ctl->store, stdout, &faults)) != STORE_OK)
		return ctl_fail("check", rc);
	return faults ? 1 : 0;
}

static int
ctl_stats(struct ctl *ctl)
{
	struct store_txn t;
	uint64_t used, size;
	int rc;

	if (ctl->argc != 0)
		usage();
	if ((rc = store_begin(ctl->store, 0, &t)) != STORE_OK)
		return ctl_fail("stats", rc);
	printf("accounts %llu\njobs %llu\ngroups %llu\nlogs %llu\n",
	    (unsigned long long)store_count(&t, DB_ACCOUNTS),
	    (unsigned long long)store_count(&t, DB_JOBS),
	    (unsigned long long)store_count(&t, DB_GROUPS),
	    (unsigned long long)store_count(&t, DB_LOGS));
	store_abort(&t);
	store_usage(ctl->store, &used, &size);
	printf("map_used_bytes %llu\nmap_size_bytes %llu\n", (unsigned long long)used,
	    (unsigned long long)size);
	return 0;
}

static int
ctl_export(struct ctl *ctl)
{
	const char *to = "";
	char err[512];
	uint64_t id;
	int handoff = 0, i;

	if (ctl->argc < 1)
		usage();
	for (i = 1; i < ctl->argc; i++) {
		if (strcmp(ctl->argv[i], "--handoff") == 0)
			handoff = 1;
		else if (strcmp(ctl->argv[i], "--to") == 0 && i + 1 < ctl->argc)
			to = ctl->argv[++i];
		else
			usage();
	}
	if (ctl_id(ctl->argv[0], &id) == -1)
		return 1;
	if (handoff ? move_handoff(ctl->store, &ctl->cfg, id, to, stdout, err, sizeof(err)) :
	              transfer_export(ctl->store, id, stdout, err, sizeof(err))) {
		fprintf(stderr, "webcronctl: export: %s\n", err);
		return 1;
	}
	if (handoff)
		fprintf(stderr, "webcronctl: account %llu is moving: it no longer fires or takes writes "
		                "here; import the document on the new server, then run webcronctl "
		                "handoff done %llu here (or handoff cancel %llu)\n",
		    (unsigned long long)id, (unsigned long long)id, (unsigned long long)id);
	return 0;
}

/* ACCOUNT, then --to FILE and --timeout SECONDS as the command allows. */
static int
ctl_move_args(struct ctl *ctl, uint64_t *id, const char **to, int *timeout)
{
	int i;

	if (ctl->argc < 1)
		usage();
	for (i = 1; i < ctl->argc; i++) {
		if (to && strcmp(ctl->argv[i], "--to") == 0 && i + 1 < ctl->argc)
			*to = ctl->argv[++i];
		else if (timeout && strcmp(ctl->argv[i], "--timeout") == 0 && i + 1 < ctl->argc &&
		    (*timeout = atoi(ctl->argv[++i])) > 0)
			;
		else
			usage();
	}
	if (to && *to == NULL)
		usage();
	return ctl_id(ctl->argv[0], id);
}

static int
ctl_move(struct ctl *ctl)
{
	const char *to = NULL;
	char err[1024];
	uint64_t id;
	int timeout = 30;

	if (ctl_move_args(ctl, &id, &to, &timeout) == -1)
		return 1;
	if (move_account(ctl->store, &ctl->cfg, id, to, timeout, err, sizeof(err)) == -1) {
		fprintf(stderr, "webcronctl: move: %s\n", err);
		return 1;
	}
	return 0;
}

static int
ctl_handoff_done(struct ctl *ctl)
{
	char err[1024];
	uint64_t id;
	int timeout = 30;

	if (ctl_move_args(ctl, &id, NULL, &timeout) == -1)
		return 1;
	if (move_done(ctl->store, &ctl->cfg, id, NULL, timeout, err, sizeof(err)) == -1) {
		fprintf(stderr, "webcronctl: handoff done: %s\n", err);
		return 1;
	}
	printf("account %llu deleted here: moved\n", (unsigned long long)id);
	return 0;
}

static int
ctl_handoff_cancel(struct ctl *ctl)
{
	char err[512];
	uint64_t id;

	if (ctl_move_args(ctl, &id, NULL, NULL) == -1)
		return 1;
	if (move_cancel(ctl->store, &ctl->cfg, id, err, sizeof(err)) == -1) {
		fprintf(stderr, "webcronctl: handoff cancel: %s\n", err);
		return 1;
	}
	printf("account %llu stays here: its jobs fire again, catching up by their policies\n",
	    (unsigned long long)id);
	return 0;
}

/* The task classes an imported account's tasks name that this server's
 * config does not define: each is said once, as a warning (its tasks fail
 * at run time until [task.NAME] is added). */
struct ctl_classes {
	const struct config *cfg;
	char names[16][33];
	size_t n, more;
};

static int
ctl_missing_classes(struct job *j, void *arg)
{
	struct ctl_classes *cc = arg;
	size_t i, k;

	for (i = 0; i < j->ntasks; i++) {
		const char *action = j->tasks[i].action;

		if (strcmp(action, "http") == 0 || config_task_class(cc->cfg, action) != NULL)
			continue;
		for (k = 0; k < cc->n && strcmp(cc->names[k], action) != 0; k++)
			;
		if (k < cc->n)
			continue;
		if (cc->n == sizeof(cc->names) / sizeof(cc->names[0])) {
			cc->more++;
			continue;
		}
		snprintf(cc->names[cc->n++], sizeof(cc->names[0]), "%s", action);
	}
	return 0;
}

static int
ctl_import(struct ctl *ctl)
{
	const char *path;
	struct store_txn t;
	struct account a;
	struct ctl_classes cc;
	char err[512];
	uint64_t id, groups;
	size_t i;
	FILE *in;
	int rc;

	if (ctl->argc != 1)
		usage();
	path = ctl->argv[0];
	if (strcmp(path, "-") == 0)
		in = stdin;
	else if ((in = fopen(path, "r")) == NULL) {
		fprintf(stderr, "webcronctl: import: %s: %s\n", path, strerror(errno));
		return 1;
	}
	rc = transfer_import(ctl->store, in, &id, err, sizeof(err));
	if (in != stdin)
		fclose(in);
	if (rc == -1) {
		fprintf(stderr, "webcronctl: import: %s\n", err);
		return 1;
	}
	/* the counts are read back: what the store holds, not what was meant */
	memset(&cc, 0, sizeof(cc));
	cc.cfg = &ctl->cfg;
	if (store_begin(ctl->store, 0, &t) == STORE_OK && account_load(&t, id, &a) == STORE_OK) {
		groups = group_count(&t, id);
		printf("account %llu imported (%llu jobs, %llu groups)\n", (unsigned long long)id,
		    (unsigned long long)a.jobs, (unsigned long long)groups);
		account_free(&a);
		job_each(&t, id, ctl_missing_classes, &cc);
	} else
		printf("account %llu imported\n", (unsigned long long)id);
	store_abort(&t);
	for (i = 0; i < cc.n; i++)
		fprintf(stderr, "webcronctl: import: warning: tasks of class \"%s\", which this "
		                "server's config does not define ([task.%s]), will fail until it does\n",
		    cc.names[i], cc.names[i]);
	if (cc.more)
		fprintf(stderr, "webcronctl: import: warning: and %zu more undefined task classes\n",
		    cc.more);
	printf("%llu\n", (unsigned long long)id);
	/* a running daemon learns of the new account through changefeed */
	return 0;
}

/* ---- the history of webcronctl's changes (store/history.h)
 *
 * A writing command runs inside one batch (store.h): its own transaction
 * is a child, and the events of the accounts it changed (those it marked
 * in the change feed) are written in the batch too, so the change and its
 * record commit together. */

struct ctl_history {
	uint64_t feed;      /* the change feed before the command */
	struct account old; /* account ARGV[0] before, when it names one */
	int has_old;
};

static int
ctl_history_begin(struct ctl *ctl, struct ctl_history *h)
{
	struct store_txn t;
	uint64_t id;
	int rc;

	memset(h, 0, sizeof(*h));
	if ((rc = store_batch_begin(ctl->store)) != STORE_OK)
		return ctl_fail("begin", rc);
	if ((rc = store_begin(ctl->store, 0, &t)) != STORE_OK) {
		store_batch_abort(ctl->store);
		return ctl_fail("begin", rc);
	}
	h->feed = changefeed_last_in(&t);
	if (ctl->argc >= 1 && strspn(ctl->argv[0], "0123456789") == strlen(ctl->argv[0]) &&
	    (id = strtoull(ctl->argv[0], NULL, 10)) != 0 && account_load(&t, id, &h->old) == STORE_OK)
		h->has_old = 1;
	store_abort(&t);
	return 0;
}

static int
ctl_history_end(struct ctl *ctl, struct ctl_history *h, const char *action, int failed)
{
	struct passwd *pw = getpwuid(getuid());
	struct history_event e;
	struct store_txn t;
	struct account a;
	uint64_t *ids;
	size_t n, i, k;
	int rc, found;

	if (failed) {
		store_batch_abort(ctl->store);
		goto done;
	}
	if ((rc = store_begin(ctl->store, 1, &t)) != STORE_OK) {
		store_batch_abort(ctl->store);
		failed = ctl_fail("history", rc);
		goto done;
	}
	ids = changefeed_since(&t, h->feed, &n);
	for (i = 0; i < n && t.err == 0; i++) {
		for (k = 0; k < i && ids[k] != ids[i]; k++)
			;
		if (k < i)
			continue; /* marked twice */
		found = account_load(&t, ids[i], &a) == STORE_OK;
		t.err = found ? t.err : 0;
		/* a deleted account's history went with it: nowhere to keep
		 * the event */
		if (!found)
			continue;
		memset(&e, 0, sizeof(e));
		e.account = ids[i];
		e.time = (int64_t)time(NULL);
		e.actor = xstrdup("webcronctl");
		e.user = xstrdup(pw && pw->pw_name ? pw->pw_name : "?");
		e.action = xstrdup(action);
		e.object = xstrdup("account");
		e.object_id = ids[i];
		history_diff_account(&e, h->has_old && h->old.id == ids[i] ? &h->old : NULL, &a);
		history_put(&t, &e, ctl->cfg.history_max, ctl->cfg.history_days);
		history_event_free(&e);
		account_free(&a);
	}
	free(ids);
	if ((rc = store_commit(&t)) != STORE_OK) {
		store_batch_abort(ctl->store);
		failed = ctl_fail("history", rc);
		goto done;
	}
	if ((rc = store_batch_commit(ctl->store)) != STORE_OK)
		failed = ctl_fail("commit", rc);
done:
	if (h->has_old)
		account_free(&h->old);
	return failed;
}

int
main(int argc, char *argv[])
{
	const char *conf = SYSCONFDIR "/webcrond.conf";
	struct ctl ctl;
	char err[512];
	size_t i;
	int ch, rc, words;

	while ((ch = getopt(argc, argv, "+f:V")) != -1) {
		switch (ch) {
		case 'f': conf = optarg; break;
		case 'V': printf("webcronctl %s\n", WEBCRON_VERSION); return 0;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	log_init("webcronctl", 1, 0);
	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[0], ctl_commands[i].word1) != 0)
			continue;
		if (ctl_commands[i].word2 && (argc < 2 || strcmp(argv[1], ctl_commands[i].word2) != 0))
			continue;
		break;
	}
	if (i == NCOMMANDS)
		usage();
	words = ctl_commands[i].word2 ? 2 : 1;
	memset(&ctl, 0, sizeof(ctl));
	if (config_load(conf, &ctl.cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "webcronctl: %s\n", err);
		return 1;
	}
	if (store_open(ctl.cfg.data_dir, ctl.cfg.map_size, 0,
	        &ctl.store, err, sizeof(err)) == -1) {
		fprintf(stderr, "webcronctl: %s\n", err);
		config_free(&ctl.cfg);
		return 1;
	}
	ctl.argc = argc - words;
	ctl.argv = argv + words;
	if (ctl_commands[i].writes) {
		struct ctl_history h;
		char action[64];

		snprintf(action, sizeof(action), "%s%s%s", ctl_commands[i].word1,
		    ctl_commands[i].word2 ? "." : "", ctl_commands[i].word2 ? ctl_commands[i].word2 : "");
		if ((rc = ctl_history_begin(&ctl, &h)) == 0) {
			rc = ctl_commands[i].fn(&ctl);
			rc = ctl_history_end(&ctl, &h, action, rc) ? 1 : rc;
		}
	} else
		rc = ctl_commands[i].fn(&ctl);
	store_close(ctl.store);
	config_free(&ctl.cfg);
	return rc;
}
