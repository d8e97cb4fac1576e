/*
 * wake: a self-pipe watched by the loop. See wake.h.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/wake.h"

struct wake {
	const char *name;
	int pipe[2];
	struct event *ev;
	void (*fn)(void *);
	void *arg;
};

static void
wake_readable(evutil_socket_t fd, short what, void *arg)
{
	struct wake *k = arg;
	char drain[64];

	(void)what;
	while (read(fd, drain, sizeof(drain)) > 0)
		;
	k->fn(k->arg);
}

struct wake *
wake_new(struct event_base *base, const char *name, void (*fn)(void *), void *arg)
{
	struct wake *k = xcalloc(1, sizeof(*k));
	int i;

	k->name = name;
	k->fn = fn;
	k->arg = arg;
	k->pipe[0] = k->pipe[1] = -1;
	if (pipe(k->pipe) == -1) {
		log_warn("%s: pipe", name);
		goto fail;
	}
	for (i = 0; i < 2; i++)
		if (fcntl(k->pipe[i], F_SETFL, O_NONBLOCK) == -1 ||
		    fcntl(k->pipe[i], F_SETFD, FD_CLOEXEC) == -1) {
			log_warn("%s: fcntl", name);
			goto fail;
		}
	if ((k->ev = event_new(base, k->pipe[0], EV_READ | EV_PERSIST, wake_readable, k)) == NULL ||
	    event_add(k->ev, NULL) == -1) {
		log_warnx("%s: cannot watch its pipe", name);
		goto fail;
	}
	return k;
fail:
	wake_free(k);
	return NULL;
}

void
wake_signal(struct wake *k)
{
	if (write(k->pipe[1], "", 1) == -1 && errno != EAGAIN)
		log_warn("%s: cannot wake the loop", k->name);
}

void
wake_free(struct wake *k)
{
	if (k == NULL)
		return;
	if (k->ev)
		event_free(k->ev);
	if (k->pipe[0] != -1)
		close(k->pipe[0]);
	if (k->pipe[1] != -1)
		close(k->pipe[1]);
	free(k);
}
