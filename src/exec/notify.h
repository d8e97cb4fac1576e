/*
 * notify: failure and recovery notices, as a signed JSON POST to the
 * account's notifyUrl (retried 3 times, kept in the store until delivered
 * or given up, so that they survive a restart) and a mail to its notifyEmail
 * through the configured sendmail. Notices never delay a job: both go
 * out on the loop and nothing waits for them.
 */
#ifndef WEBCRON_NOTIFY_H
#define WEBCRON_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct event_base;
struct execlog;
struct httpc;
struct job;
struct store;
struct taskclasses;

#define NOTIFY_ATTEMPTS 4 /* the first try and 3 retries */

/* What notices go out through; all outlive the notify object. CFG is read
 * at each notice (the daemon replaces its contents on a reload). */
struct notify_env {
	struct event_base *base;
	struct store *store;       /* the accounts' notifyUrl, notifyEmail, secret */
	const struct config *cfg;  /* sendmail, user_agent */
	struct httpc *httpc;       /* webhooks */
	struct taskclasses *tasks; /* sendmail */
};

struct notify;

struct notify *notify_new(const struct notify_env *env);

/* Resumes the webhook notices kept in the store by an earlier run (not
 * delivered before it stopped): each is sent when its next attempt is
 * due, with the attempts it had left. Notices of deleted accounts are
 * dropped. Errors are logged. */
void notify_resume(struct notify *);

/* Sends notice EVENT ("failure", "disabled", "recovered", "success") about
 * execution L of job J to J's account, through whichever channels it has. */
void notify_job(struct notify *, const struct job *j, const struct execlog *l, const char *event);

/* Notices being sent or waiting to retry, and notices given up after
 * their retries (for metrics). */
size_t notify_pending(const struct notify *);
uint64_t notify_failed(const struct notify *);

/* Lets go of (and logs the count of) the notices not delivered yet, at
 * shutdown: they stay in the store for notify_resume at the next start.
 * Then frees the object: after httpc_free(), which cancels
 * their requests without calling back, and before the event base is
 * freed. */
void notify_free(struct notify *);

/* The body of a webhook notice (a JSON object); exposed for tests. The
 * caller frees it. */
char *notify_body(const struct job *j, const struct execlog *l, const char *event, long long now);

#endif
