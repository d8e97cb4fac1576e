/*
 * notify: failure and recovery notices, as a signed JSON POST to the
 * account's notifyUrl (retried 3 times) and a mail to its notifyEmail
 * through the configured sendmail. Notices never delay a job: both go
 * out on the loop and nothing waits for them.
 */
#ifndef WEBCRON_NOTIFY_H
#define WEBCRON_NOTIFY_H

#include <stddef.h>

struct execlog;
struct job;
struct server;

#define NOTIFY_ATTEMPTS	4	/* the first try and 3 retries */

/* Sends notice EVENT ("failure", "disabled", "recovered", "success") about
 * execution L of job J to J's account, through whichever channels it has. */
void notify_job(struct server *srv, const struct job *j, const struct execlog *l, const char *event);

/* Notices being sent or waiting to retry (for metrics). */
size_t notify_pending(void);

/* Drops (and logs the count of) the notices not delivered yet, at
 * shutdown: after httpc_free(), which cancels their requests without
 * calling back, and before the event base is freed. */
void notify_free_all(void);

/* The body of a webhook notice (a JSON object); exposed for tests. The
 * caller frees it. */
char *notify_body(const struct job *j, const struct execlog *l, const char *event, long long now);

#endif
