/*
 * notify: webhooks through httpc, mails through taskclass.
 */

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "store/account.h"
#include "util/buf.h"
#include "conf/config.h"
#include "store/execlog.h"
#include "exec/httpc.h"
#include "store/job.h"
#include "util/json.h"
#include "util/log.h"
#include "exec/notify.h"
#include "exec/outbound.h"
#include "store/outbox.h"
#include "store/store.h"
#include "exec/taskclass.h"

/* Seconds before each retry of a webhook. */
static const int notify_backoff[NOTIFY_ATTEMPTS - 1] = { 5, 30, 120 };

struct notice {
	struct notify *nf;
	uint64_t id; /* in the store's outbox; 0 = only here */
	uint64_t account;
	char *url;
	char *body;
	char *secret;
	int attempt;
	uint64_t job;
	struct event *timer;
	TAILQ_ENTRY(notice)
	entry;
};

struct notify {
	struct notify_env env;
	/* every notice not yet delivered or given up: sent, or waiting to retry */
	TAILQ_HEAD(, notice)
	notices;
	size_t inflight;
	uint64_t failed; /* given up after the retries */
};

struct notify *
notify_new(const struct notify_env *env)
{
	struct notify *nf = xcalloc(1, sizeof(*nf));

	nf->env = *env;
	TAILQ_INIT(&nf->notices);
	return nf;
}

size_t
notify_pending(const struct notify *nf)
{
	return nf->inflight;
}

uint64_t
notify_failed(const struct notify *nf)
{
	return nf->failed;
}

char *
notify_body(const struct job *j, const struct execlog *l, const char *event, long long now)
{
	yajl_gen g = json_gen_new();
	const unsigned char *out;
	size_t len;
	char *body;

	yajl_gen_map_open(g);
	json_kstr(g, "event", event);
	json_kint(g, "time", now);
	json_kint(g, "account", (int64_t)j->account);
	json_key(g, "job");
	yajl_gen_map_open(g);
	json_kint(g, "id", (int64_t)j->id);
	json_kstr(g, "name", j->name);
	json_kstr(g, "url", j->url);
	json_kint(g, "status", strcmp(event, "disabled") == 0 ? JOB_FAILED : j->status);
	yajl_gen_map_close(g);
	json_key(g, "execution");
	execlog_json(g, l);
	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &out, &len);
	body = xstrndup((const char *)out, len);
	yajl_gen_free(g);
	return body;
}

static void
notice_free(struct notice *n)
{
	if (n->timer)
		event_free(n->timer);
	free(n->url);
	free(n->body);
	free(n->secret);
	TAILQ_REMOVE(&n->nf->notices, n, entry);
	n->nf->inflight--;
	free(n);
}

/* Writes N's state to the outbox (made, or an attempt failed and the
 * next is due at DUE), or deletes it (DELIVERED or given up). A notice the
 * store cannot keep is still sent from memory. */
static void
notice_save(struct notice *n, int64_t due, int done)
{
	struct outbox_notice on;
	struct store_txn t;
	int rc;

	if (done && n->id == 0)
		return;
	if ((rc = store_begin(n->nf->env.store, 1, &t)) == STORE_OK) {
		if (done)
			outbox_del(&t, n->id);
		else {
			memset(&on, 0, sizeof(on));
			on.id = n->id;
			on.account = n->account;
			on.job = n->job;
			on.attempts = n->attempt;
			on.due = due;
			on.url = n->url;
			on.body = n->body;
			outbox_put(&t, &on);
		}
		rc = store_commit(&t);
		if (rc == STORE_OK && !done)
			n->id = on.id;
	}
	if (rc != STORE_OK)
		log_warnx("notify: job %llu: the notice could not be %s the store (%s)",
		    (unsigned long long)n->job, done ? "removed from" : "kept in",
		    rc == STORE_FULL ? "storage full" : "storage error");
}

void
notify_free(struct notify *nf)
{
	struct notice *n;
	size_t kept = 0, lost = 0;

	if (nf == NULL)
		return;
	TAILQ_FOREACH(n, &nf->notices, entry)
	if (n->id)
		kept++;
	else
		lost++;
	if (kept)
		log_info("notify: %zu notice%s not delivered yet, kept for the next start",
		    kept, kept == 1 ? "" : "s");
	if (lost)
		log_warnx("notify: %zu notice%s not delivered yet, dropped at shutdown",
		    lost, lost == 1 ? "" : "s");
	while (!TAILQ_EMPTY(&nf->notices))
		notice_free(TAILQ_FIRST(&nf->notices));
	free(nf);
}

static void notice_send(struct notice *n);

static void
notice_retry(evutil_socket_t fd, short what, void *arg)
{
	notice_send(arg);
}

static void
notice_wait(struct notice *n, const struct timeval *tv)
{
	if (n->timer == NULL)
		n->timer = evtimer_new(n->nf->env.base, notice_retry, n);
	evtimer_add(n->timer, tv);
}

static void
notice_done(const struct httpc_result *res, void *arg)
{
	struct notice *n = arg;
	struct timeval tv = { 0, 0 };

	if (res->outcome == HTTPC_RESPONSE && res->status >= 200 && res->status < 300) {
		log_debug("notify: job %llu: notice delivered", (unsigned long long)n->job);
		notice_save(n, 0, 1);
		notice_free(n);
		return;
	}
	if (n->attempt >= NOTIFY_ATTEMPTS || res->outcome == HTTPC_BLOCKED) {
		n->nf->failed++;
		log_warnx("notify: job %llu: the notice could not be delivered after %d attempt%s: %s",
		    (unsigned long long)n->job, n->attempt, n->attempt == 1 ? "" : "s",
		    res->outcome == HTTPC_RESPONSE ? "a status other than 2xx" : res->error);
		notice_save(n, 0, 1);
		notice_free(n);
		return;
	}
	tv.tv_sec = notify_backoff[n->attempt - 1];
	log_info("notify: job %llu: notice %llu: attempt %d failed (%s); the next in %lld s",
	    (unsigned long long)n->job, (unsigned long long)n->id, n->attempt,
	    res->outcome == HTTPC_RESPONSE ? "a status other than 2xx" : res->error,
	    (long long)tv.tv_sec);
	notice_save(n, (int64_t)time(NULL) + tv.tv_sec, 0);
	notice_wait(n, &tv);
}

static void
notice_send(struct notice *n)
{
	struct httpc_request hr;
	struct outbound_ctx ctx;
	struct outbound req;
	char ua[512];

	n->attempt++;
	memset(&ctx, 0, sizeof(ctx));
	config_user_agent(n->nf->env.cfg, ua, sizeof(ua));
	ctx.secret = n->secret;
	ctx.user_agent = ua;
	ctx.notice_id = n->id;
	/* signed afresh at each attempt, so the timestamp is current */
	outbound_notice(&req, n->url, n->body, 30, &ctx);
	outbound_httpc(&req, &hr);
	hr.egress_key = n->job; /* from the job's egress address */
	if (httpc_start(n->nf->env.httpc, &hr, notice_done, n) == NULL) {
		log_warnx("notify: job %llu: the notice could not be started", (unsigned long long)n->job);
		notice_save(n, 0, 1);
		notice_free(n);
	}
	outbound_free(&req);
}

static void
notify_mail_done(const struct taskclass_result *res, void *arg)
{
	if (res->outcome != TASKCLASS_EXITED || res->exit_code != 0)
		log_warnx("notify: sendmail failed: %s", res->error);
	(void)arg;
}

/* The configured sendmail, split on blanks (it is the operator's, not a
 * client's, so no quoting is needed). */
static void
notify_mail(struct notify *nf, const char *to, const struct job *j, const struct execlog *l,
    const char *event)
{
	struct taskclass_request tr;
	struct buf msg = BUF_INIT;
	char *cmd = xstrdup(nf->env.cfg->sendmail), *p = cmd, *word, *args[16];
	const char *exec = NULL;
	size_t n = 0;

	while ((word = strsep(&p, " \t")) != NULL) {
		if (*word == '\0')
			continue;
		if (exec == NULL)
			exec = word;
		else if (n < sizeof(args) / sizeof(args[0]) - 1)
			args[n++] = word;
	}
	args[n] = NULL;
	buf_printf(&msg, "To: %s\nSubject: [webcron] %s: job %llu (%s)\n"
	                 "Content-Type: text/plain; charset=utf-8\nAuto-Submitted: auto-generated\n\n",
	    to, event, (unsigned long long)j->id, j->name);
	buf_printf(&msg, "Job %llu (%s) %s.\n\nURL: %s\nExecution: %llu, planned at %lld\n"
	                 "Status: %d\nHTTP status: %d\nError: %s\nConsecutive failures: %d\n",
	    (unsigned long long)j->id, j->name,
	    strcmp(event, "failure") == 0 ? "failed" : strcmp(event, "disabled") == 0 ? "failed and was disabled" :
	        strcmp(event, "recovered") == 0                                       ? "recovered" :
	                                                                                "ran",
	    j->url, (unsigned long long)l->id, (long long)l->time, l->status, l->http_status, l->error,
	    j->st.fail);
	memset(&tr, 0, sizeof(tr));
	tr.exec = exec;
	tr.args = (const char *const *)args;
	tr.name = "sendmail";
	tr.timeout = 60;
	tr.payload = msg.data;
	tr.payload_len = msg.len;
	tr.job_id = j->id;
	tr.execution_id = l->id;
	tr.account_id = j->account;
	if (exec)
		taskclass_start(nf->env.tasks, &tr, notify_mail_done, NULL);
	buf_free(&msg);
	free(cmd);
}

static struct notice *
notice_new(struct notify *nf, uint64_t account, uint64_t job, const char *url, const char *body,
    const char *secret)
{
	struct notice *n = xcalloc(1, sizeof(*n));

	n->nf = nf;
	n->account = account;
	n->job = job;
	n->url = xstrdup(url);
	n->body = xstrdup(body);
	n->secret = xstrdup(secret);
	TAILQ_INSERT_TAIL(&nf->notices, n, entry);
	nf->inflight++;
	return n;
}

void
notify_resume(struct notify *nf)
{
	struct outbox_notice *list = NULL;
	struct store_txn t;
	struct account a;
	size_t n = 0, i, resumed = 0;
	int64_t now = (int64_t)time(NULL);
	int rc;

	if ((rc = store_begin(nf->env.store, 1, &t)) != STORE_OK)
		goto fail;
	if ((rc = outbox_list(&t, &list, &n)) != STORE_OK) {
		store_abort(&t);
		goto fail;
	}
	for (i = 0; i < n; i++) {
		struct outbox_notice *on = &list[i];
		struct notice *no;
		struct timeval tv = { 0, 0 };

		if (on->attempts >= NOTIFY_ATTEMPTS || account_load(&t, on->account, &a) != STORE_OK) {
			/* its account was deleted, or it was given up just before a crash */
			outbox_del(&t, on->id);
			continue;
		}
		no = notice_new(nf, on->account, on->job, on->url, on->body, a.secret);
		account_free(&a);
		no->id = on->id;
		no->attempt = on->attempts;
		if (on->due > now)
			tv.tv_sec = (time_t)(on->due - now);
		notice_wait(no, &tv);
		resumed++;
	}
	if ((rc = store_commit(&t)) != STORE_OK)
		goto fail;
	if (resumed)
		log_info("notify: %zu notice%s not delivered before the last stop, resumed",
		    resumed, resumed == 1 ? "" : "s");
	goto done;
fail:
	log_warnx("notify: the notices kept in the store could not be read (%s)",
	    rc == STORE_FULL ? "storage full" : "storage error");
done:
	for (i = 0; i < n; i++)
		outbox_notice_free(&list[i]);
	free(list);
}

void
notify_job(struct notify *nf, const struct job *j, const struct execlog *l, const char *event)
{
	struct store_txn t;
	struct account a;

	if (store_begin(nf->env.store, 0, &t) != STORE_OK)
		return;
	if (account_load(&t, j->account, &a) != STORE_OK) {
		store_abort(&t);
		return;
	}
	store_abort(&t);
	if (*a.notify_url) {
		char *body = notify_body(j, l, event, (long long)time(NULL));
		struct notice *n = notice_new(nf, j->account, j->id, a.notify_url, body, a.secret);

		free(body);
		notice_save(n, (int64_t)time(NULL), 0);
		notice_send(n);
	}
	if (*a.notify_email && *nf->env.cfg->sendmail)
		notify_mail(nf, a.notify_email, j, l, event);
	account_free(&a);
}
