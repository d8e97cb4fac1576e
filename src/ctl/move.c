/*
 * move: an account handed from this server to another (move.h).
 */

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/config.h"
#include "ctl/haproxy.h"
#include "ctl/move.h"
#include "ctl/transfer.h"
#include "store/account.h"
#include "store/apikey.h"
#include "store/cascade.h"
#include "store/changefeed.h"
#include "store/handoff.h"
#include "store/history.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/token.h"

#define MOVE_DIGESTS_MAX 1024 /* the token and the keys of one account */

/* Records in ACCOUNT's history (in T) that webcronctl did ACTION to it,
 * with every field of A as a change when A is given (the account as it
 * arrived). */
static void
move_event(struct store_txn *t, const struct config *cfg, uint64_t account, const char *action,
    const struct account *a)
{
	struct passwd *pw = getpwuid(getuid());
	struct history_event e;

	memset(&e, 0, sizeof(e));
	e.account = account;
	e.time = (int64_t)time(NULL);
	e.actor = xstrdup("webcronctl");
	e.user = xstrdup(pw && pw->pw_name ? pw->pw_name : "?");
	e.action = xstrdup(action);
	e.object = xstrdup("account");
	e.object_id = account;
	if (a)
		history_diff_account(&e, NULL, a);
	history_put(t, &e, cfg->history_max, cfg->history_days);
	history_event_free(&e);
}

/* Begins (MOVING) or ends the handoff of ACCOUNT, telling a running
 * daemon through the change feed. */
static int
move_mark(struct store *st, const struct config *cfg, uint64_t account, int moving, const char *to,
    char *err, size_t errlen)
{
	struct store_txn t;
	struct handoff h;
	struct account a;
	int rc;

	if ((rc = store_begin(st, 1, &t)) != STORE_OK)
		goto fail;
	if ((rc = account_load(&t, account, &a)) != STORE_OK) {
		store_abort(&t);
		if (rc == STORE_NOTFOUND) {
			snprintf(err, errlen, "account %llu does not exist", (unsigned long long)account);
			return -1;
		}
		goto fail;
	}
	account_free(&a);
	rc = handoff_get(&t, account, &h);
	t.err = rc == STORE_NOTFOUND ? 0 : t.err;
	if (moving && rc == STORE_OK) {
		store_abort(&t);
		snprintf(err, errlen,
		    "account %llu is moving already (to %s, since %lld): "
		    "webcronctl handoff done or handoff cancel ends that",
		    (unsigned long long)account, *h.to ? h.to : "?", (long long)h.since);
		return -1;
	}
	if (!moving && rc == STORE_NOTFOUND) {
		store_abort(&t);
		snprintf(err, errlen, "account %llu is not moving", (unsigned long long)account);
		return -1;
	}
	if (moving)
		handoff_put(&t, account, (int64_t)time(NULL), to);
	else
		handoff_del(&t, account);
	move_event(&t, cfg, account, moving ? "handoff" : "handoff.cancel", NULL);
	changefeed_mark(&t, account); /* the daemon stops, or goes on, firing it */
	if ((rc = store_commit(&t)) == STORE_OK)
		return 0;
fail:
	snprintf(err, errlen, "the store failed (%s)", rc == STORE_FULL ? "full" : "see above");
	return -1;
}

int
move_handoff(struct store *st, const struct config *cfg, uint64_t account, const char *to, FILE *out,
    char *err, size_t errlen)
{
	char undo[256];

	/* committed before the export is read: from here on no fire and no
	 * write of the account commits on this server */
	if (move_mark(st, cfg, account, 1, to, err, errlen) == -1)
		return -1;
	if (transfer_export(st, account, out, err, errlen) == 0 && fflush(out) == 0)
		return 0;
	if (move_mark(st, cfg, account, 0, NULL, undo, sizeof(undo)) == -1)
		snprintf(err + strlen(err), errlen - strlen(err), "; and the handoff could not be undone: %s",
		    undo);
	return -1;
}

int
move_cancel(struct store *st, const struct config *cfg, uint64_t account, char *err, size_t errlen)
{
	return move_mark(st, cfg, account, 0, NULL, err, errlen);
}

/* Records on the new server that account MOVED came from FROM. */
static void
move_arrived(struct store *st, const struct config *cfg, uint64_t moved)
{
	struct store_txn t;
	struct account a;

	if (store_begin(st, 1, &t) != STORE_OK)
		return;
	if (account_load(&t, moved, &a) == STORE_OK) {
		move_event(&t, cfg, moved, "move", &a);
		account_free(&a);
	}
	if (store_commit(&t) != STORE_OK)
		fprintf(stderr, "webcronctl: move: the history event of account %llu could not be written\n",
		    (unsigned long long)moved);
}

struct move_digests {
	char hex[MOVE_DIGESTS_MAX][TOKEN_DIGEST * 2 + 1];
	size_t n;
};

static void
move_hex(struct move_digests *d, const uint8_t digest[TOKEN_DIGEST])
{
	static const char hexdigits[] = "0123456789abcdef";
	size_t i;

	if (d->n == MOVE_DIGESTS_MAX)
		return;
	for (i = 0; i < TOKEN_DIGEST; i++) {
		d->hex[d->n][2 * i] = hexdigits[digest[i] >> 4];
		d->hex[d->n][2 * i + 1] = hexdigits[digest[i] & 15];
	}
	d->hex[d->n++][2 * TOKEN_DIGEST] = '\0';
}

static int
move_key_digest(struct apikey *k, void *arg)
{
	move_hex(arg, k->digest);
	return 0;
}

/* The digests of ACCOUNT's token and keys. */
static int
move_digests(struct store *st, uint64_t account, struct move_digests *d, char *err, size_t errlen)
{
	struct store_txn t;
	struct account a;
	int rc;

	d->n = 0;
	if ((rc = store_begin(st, 0, &t)) != STORE_OK || (rc = account_load(&t, account, &a)) != STORE_OK) {
		if (rc == STORE_OK)
			store_abort(&t);
		snprintf(err, errlen, "account %llu cannot be read", (unsigned long long)account);
		return -1;
	}
	if (a.has_token)
		move_hex(d, a.token_digest);
	account_free(&a);
	apikey_each(&t, account, move_key_digest, d);
	store_abort(&t);
	return 0;
}

/* Waits up to TIMEOUT seconds until HAProxy (CFG's router) maps each of
 * D's digests to TO_BACKEND (NULL: to a backend other than CFG's). */
static int
move_wait_routes(const struct config *cfg, const struct move_digests *d, const char *to_backend,
    int timeout, char *err, size_t errlen)
{
	time_t until = time(NULL) + timeout;
	char value[128], why[256] = "";
	size_t i = 0;

	while (i < d->n) {
		int rc = haproxy_map_get(cfg->router, cfg->router_map, d->hex[i], value, sizeof(value), why,
		    sizeof(why));

		if (rc == 1 && (to_backend ? strcmp(value, to_backend) == 0 : strcmp(value, cfg->router_backend) != 0)) {
			i++;
			continue;
		}
		if (rc == 1)
			snprintf(why, sizeof(why), "a token still routes to %s", value);
		else if (rc == 0)
			snprintf(why, sizeof(why), "a token routes nowhere yet");
		if (time(NULL) >= until) {
			snprintf(err, errlen, "after %d seconds: %s", timeout, why);
			return -1;
		}
		nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 }, NULL);
	}
	return 0;
}

int
move_done(struct store *st, const struct config *cfg, uint64_t account, const char *to_backend,
    int timeout, char *err, size_t errlen)
{
	struct move_digests *d;
	struct store_txn t;
	struct account a;
	int rc;

	if ((rc = store_begin(st, 0, &t)) != STORE_OK)
		goto fail;
	rc = handoff_get(&t, account, NULL);
	store_abort(&t);
	if (rc == STORE_NOTFOUND) {
		snprintf(err, errlen, "account %llu is not moving (webcronctl export --handoff begins a move)",
		    (unsigned long long)account);
		return -1;
	}
	if (rc != STORE_OK)
		goto fail;
	/* the old shard lets go only once the new one gets the requests:
	 * until then its writes wait (503, Retry-After) rather than fail */
	if (*cfg->router) {
		d = calloc(1, sizeof(*d));
		if (d == NULL || move_digests(st, account, d, err, errlen) == -1 ||
		    move_wait_routes(cfg, d, to_backend, timeout, err, errlen) == -1) {
			free(d);
			return -1;
		}
		free(d);
	}
	if ((rc = store_begin(st, 1, &t)) != STORE_OK)
		goto fail;
	if ((rc = account_load(&t, account, &a)) != STORE_OK) {
		store_abort(&t);
		goto fail;
	}
	cascade_account_delete(&t, &a, (int64_t)time(NULL)); /* its handoff too */
	changefeed_mark(&t, account);
	account_free(&a);
	if ((rc = store_commit(&t)) == STORE_OK)
		return 0;
fail:
	snprintf(err, errlen, "the store failed (%s)",
	    rc == STORE_FULL ? "full" : rc == STORE_NOTFOUND ? "the account is gone" :
	                                                       "see above");
	return -1;
}

int
move_account(struct store *st, const struct config *cfg, uint64_t account, const char *to_conf,
    int timeout, char *err, size_t errlen)
{
	struct config to;
	struct store *dst = NULL;
	char why[512];
	uint64_t moved;
	FILE *doc = NULL;
	int ret = -1;

	if (config_load(to_conf, &to, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	if (strcmp(to.data_dir, cfg->data_dir) == 0 || strcmp(to.name, cfg->name) == 0) {
		snprintf(err, errlen, "%s is this server's own config (data_dir or name)", to_conf);
		goto done;
	}
	if (store_open(to.data_dir, to.map_size, 0, &dst, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s", why);
		goto done;
	}
	if ((doc = tmpfile()) == NULL) {
		snprintf(err, errlen, "no temporary file for the export");
		goto done;
	}
	if (move_handoff(st, cfg, account, to.name, doc, err, errlen) == -1)
		goto done;
	printf("account %llu stopped here (%s): no more fires or writes\n", (unsigned long long)account,
	    cfg->name);
	fflush(stdout);
	rewind(doc);
	if (transfer_import(dst, doc, &moved, why, sizeof(why)) == -1) {
		char undo[256];

		snprintf(err, errlen, "import into %s: %s", to.name, why);
		if (move_cancel(st, cfg, account, undo, sizeof(undo)) == -1)
			snprintf(err + strlen(err), errlen - strlen(err), "; and the handoff could not be undone: %s",
			    undo);
		else
			snprintf(err + strlen(err), errlen - strlen(err), "; the account stays here and fires again");
		goto done;
	}
	move_arrived(dst, &to, moved);
	printf("account %llu imported into %s as account %llu: it fires there from now on\n",
	    (unsigned long long)account, to.name, (unsigned long long)moved);
	fflush(stdout);
	if (move_done(st, cfg, account, to.router_backend, timeout, why, sizeof(why)) == -1) {
		snprintf(err, errlen,
		    "%s; account %llu is on %s and stays here, moving (its writes get 503): "
		    "webcronctl handoff done %llu deletes it here once its tokens route to %s",
		    why, (unsigned long long)account, to.name, (unsigned long long)account, to.name);
		goto done;
	}
	printf("account %llu deleted here: moved to %s\n", (unsigned long long)account, to.name);
	ret = 0;
done:
	if (doc)
		fclose(doc);
	if (dst)
		store_close(dst);
	config_free(&to);
	return ret;
}
