/*
 * taskclass: a task class's program, started with posix_spawn (or with
 * fork when it must run as another user) and followed with loop events
 * only: a write event feeds the payload to its stdin, a read event keeps
 * the ends of its output, a pidfd event reports its exit, and timers kill
 * it at its timeout and bound the wait for the output after the exit.
 *
 * The program leads a process group of its own, so a kill reaches what it
 * started too. The group is signalled only while the leader is still
 * unreaped (running or a zombie): that keeps its number from being reused
 * by an unrelated process between our check and our kill.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "util/buf.h"
#include "exec/output.h"
#include "util/log.h"
#include "exec/taskclass.h"

/* glibc 2.34 has everything the posix_spawn path needs (chdir and
 * closefrom as file actions); elsewhere every program is started through
 * the fork path, which needs nothing beyond POSIX and close_range. */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
#define TASKCLASS_HAVE_SPAWN_NP 1
#else
#define TASKCLASS_HAVE_SPAWN_NP 0
#endif

#define TASKCLASS_PATH "PATH=/usr/local/bin:/usr/bin:/bin"
#define TASKCLASS_POLL_MS 50 /* exit polling when there is no pidfd */
#define TASKCLASS_READ_CHUNK 16384
#define TASKCLASS_READS_PER_EVENT 4       /* so one chatty program cannot hog the loop */
#define TASKCLASS_DRAIN_MAX (1024 * 1024) /* bytes read at the end of the drain */

struct taskclass_run {
	struct event_base *base;
	taskclass_done_cb cb;
	void *arg;
	char *name;
	char *exec;
	char **argv; /* { exec, args..., NULL } */
	int timeout;

	pid_t pid;  /* 0 until started, and when it never did */
	int pidfd;  /* -1 when the exit is polled */
	int in_fd;  /* our end of its stdin; -1 once closed */
	int out_fd; /* our end of its stdout+stderr; -1 once at EOF */
	char *payload;
	size_t payload_len;
	size_t payload_off; /* bytes of the payload written so far */

	struct event *ev_in;
	struct event *ev_out;
	struct event *ev_exit;    /* on the pidfd, or a polling timer */
	struct event *ev_timeout; /* the timeout, then the SIGKILL grace */
	struct event *ev_drain;   /* the drain after the exit; or the report of a failed start */

	struct output output; /* the first and last bytes of what it wrote */

	struct timespec started;
	double duration;
	int reaped;      /* waitpid has taken its status (or found it gone) */
	int status;      /* from waitpid */
	int status_lost; /* ECHILD: someone else reaped it */
	int timed_out;   /* SIGTERM was sent at the timeout */
	int killed_hard; /* SIGKILL was sent after the grace */
	int cancelled;
	int failed; /* did not start, or could not be watched */
	char error[256];

	struct taskclasses *owner;
	TAILQ_ENTRY(taskclass_run)
	entry; /* in its owner's runs until freed */
};

/* The runs started on one event base whose callbacks have not fired. */
struct taskclasses {
	struct event_base *base;
	size_t nactive;
	TAILQ_HEAD(, taskclass_run)
	runs;
};

/* What the program runs as when a user is named. */
struct taskclass_user {
	int switch_user; /* 1 = fork, drop to uid/gid; 0 = posix_spawn as we are */
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	int ngroups;
	char *home;
};

static void taskclass_on_stdin(evutil_socket_t, short, void *);
static void taskclass_on_output(evutil_socket_t, short, void *);
static void taskclass_on_exit(evutil_socket_t, short, void *);
static void taskclass_on_timeout(evutil_socket_t, short, void *);
static void taskclass_on_drain(evutil_socket_t, short, void *);
static void taskclass_finish(struct taskclass_run *);

struct taskclasses *
taskclasses_new(struct event_base *base)
{
	struct taskclasses *tcs = xcalloc(1, sizeof(*tcs));

	tcs->base = base;
	TAILQ_INIT(&tcs->runs);
	return tcs;
}

size_t
taskclasses_active(const struct taskclasses *tcs)
{
	return tcs->nactive;
}

static void taskclass_free(struct taskclass_run *);

void
taskclasses_free(struct taskclasses *tcs)
{
	struct taskclass_run *run;

	if (tcs == NULL)
		return;
	while ((run = TAILQ_FIRST(&tcs->runs)) != NULL) {
		if (run->pid > 0 && !run->reaped)
			log_info("task class %s: pid %d still runs at exit; it is left to finish",
			    run->name, (int)run->pid);
		tcs->nactive--;
		taskclass_free(run);
	}
	free(tcs);
}

static char *
taskclass_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
taskclass_strf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("taskclass: vsnprintf");
	s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static double
taskclass_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
taskclass_close(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

/* Moves *FD to 3 or above (close-on-exec), so that the dup2s onto 0, 1
 * and 2 in the child cannot clobber one another when the daemon runs
 * with some of 0-2 closed. */
static int
taskclass_fd_above_stdio(int *fd)
{
	int nfd;

	if (*fd > 2)
		return 0;
	if ((nfd = fcntl(*fd, F_DUPFD_CLOEXEC, 3)) == -1)
		return -1;
	close(*fd);
	*fd = nfd;
	return 0;
}

/* A close-on-exec pipe whose ends are both above 2. */
static int
taskclass_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	if (taskclass_fd_above_stdio(&fds[0]) == -1 || taskclass_fd_above_stdio(&fds[1]) == -1) {
		int saved = errno;

		close(fds[0]);
		close(fds[1]);
		errno = saved;
		return -1;
	}
	return 0;
}

static int
taskclass_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl == -1 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void
taskclass_user_free(struct taskclass_user *u)
{
	free(u->groups);
	free(u->home);
	memset(u, 0, sizeof(*u));
}

/* Resolves USER into U. Running as ourselves (by name or by uid) needs no
 * switch; anyone else needs root. Returns 0, or -1 with RUN's error set. */
static int
taskclass_user_lookup(struct taskclass_run *run, const char *user, struct taskclass_user *u)
{
	struct passwd *pw;
	int n, tries;

	memset(u, 0, sizeof(*u));
	if (user == NULL || *user == '\0') {
		u->home = xstrdup("/");
		return 0;
	}
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		if (errno)
			snprintf(run->error, sizeof(run->error), "cannot run as %s: %s", user,
			    strerror(errno));
		else
			snprintf(run->error, sizeof(run->error), "cannot run as %s: no such user", user);
		return -1;
	}
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->home = xstrdup(pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : "/");
	if (pw->pw_uid == geteuid())
		return 0;
	if (geteuid() != 0) {
		snprintf(run->error, sizeof(run->error), "cannot run as %s: webcrond is not root", user);
		taskclass_user_free(u);
		return -1;
	}
	u->switch_user = 1;
	/* Its supplementary groups too, as a login would give (a backup user
	 * in group "disk", say). getgrouplist tells how many it needs. */
	n = 16;
	for (tries = 0; tries < 4; tries++) {
		int want = n;

		u->groups = xrealloc(u->groups, (size_t)want * sizeof(gid_t));
		if (getgrouplist(user, pw->pw_gid, u->groups, &n) != -1) {
			u->ngroups = n;
			return 0;
		}
		if (n <= want)
			n = want * 2;
	}
	/* Only the primary group, like priv_drop(). */
	u->groups[0] = pw->pw_gid;
	u->ngroups = 1;
	return 0;
}

/* The program's whole environment; NULL-terminated, free with
 * taskclass_env_free. */
static char **
taskclass_env(const struct taskclass_run *run, const struct taskclass_request *req,
    const char *home)
{
	char **env = xcalloc(16, sizeof(char *));
	size_t n = 0, plen;

	env[n++] = xstrdup(TASKCLASS_PATH);
	env[n++] = taskclass_strf("HOME=%s", home);
	env[n++] = xstrdup("LANG=C.UTF-8");
	env[n++] = taskclass_strf("WEBCRON_TASK_CLASS=%s", run->name);
	env[n++] = taskclass_strf("WEBCRON_JOB=%" PRIu64, req->job_id);
	env[n++] = taskclass_strf("WEBCRON_EXECUTION=%" PRIu64, req->execution_id);
	env[n++] = taskclass_strf("WEBCRON_ACCOUNT=%" PRIu64, req->account_id);
	env[n++] = taskclass_strf("WEBCRON_TASK_SEQUENCE=%d", req->sequence);
	env[n++] = taskclass_strf("WEBCRON_SCHEDULED_TIME=%" PRId64, req->scheduled_time);
	env[n++] = taskclass_strf("WEBCRON_TIMEOUT=%d", run->timeout);
	/* The environment is C strings: a NUL in the payload ends it there
	 * (stdin still gets every byte). */
	plen = run->payload_len ? strnlen(run->payload, run->payload_len) : 0;
	env[n++] = taskclass_strf("WEBCRON_PAYLOAD=%.*s", (int)plen, plen ? run->payload : "");
	env[n] = NULL;
	return env;
}

static void
taskclass_env_free(char **env)
{
	size_t i;

	for (i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

/* Starts the program as the daemon's own user. Returns 0, or an errno
 * value (the exec's own failure included: glibc's posix_spawn reports it). */
static int
taskclass_spawn(struct taskclass_run *run, char **envp, int in_r, int out_w)
{
#if TASKCLASS_HAVE_SPAWN_NP
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t empty, all;
	char **argv = run->argv;
	int rc;

	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		return rc;
	if ((rc = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	sigemptyset(&empty);
	/* Every signal, glibc's two internal ones included: sigfillset leaves
	 * them out, and glibc's child then sets them to SIG_IGN, which would
	 * outlive the exec. */
	memset(&all, 0xff, sizeof(all));
	/* dup2 clears close-on-exec on 0-2; closefrom takes whatever someone
	 * else in the daemon opened without O_CLOEXEC. */
	if ((rc = posix_spawn_file_actions_adddup2(&fa, in_r, 0)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, out_w, 1)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, out_w, 2)) != 0 ||
	    (rc = posix_spawn_file_actions_addchdir_np(&fa, "/")) != 0 ||
	    (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) != 0 ||
	    /* An ignored SIGPIPE (the daemon's) would be inherited through
	     * exec; SETSIGDEF resets every signal to its default. */
	    (rc = posix_spawnattr_setsigmask(&at, &empty)) != 0 ||
	    (rc = posix_spawnattr_setsigdefault(&at, &all)) != 0 ||
	    (rc = posix_spawnattr_setpgroup(&at, 0)) != 0 ||
	    (rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP)) != 0)
		goto done;
	rc = posix_spawn(&run->pid, run->exec, &fa, &at, argv, envp);
	if (rc != 0)
		run->pid = 0;
done:
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
#else
	(void)run;
	(void)envp;
	(void)in_r;
	(void)out_w;
	return ENOSYS;
#endif
}

/* The steps of the fork path's child, for the message of a failed one. */
enum taskclass_step {
	STEP_PGROUP,
	STEP_DUP2,
	STEP_CHDIR,
	STEP_SETGROUPS,
	STEP_SETRESGID,
	STEP_SETRESUID,
	STEP_CLOSE,
	STEP_EXEC,
};

static const char *const taskclass_step_names[] = {
	"setpgid",
	"dup2",
	"chdir",
	"setgroups",
	"setresgid",
	"setresuid",
	"close_range",
	"execve",
};

/*
 * The fork path's child: only async-signal-safe calls, as the daemon may
 * have threads (a resolver's). Reports a failure as { step, errno } on
 * STATUS_W, which close-on-exec closes on success.
 */
static void __attribute__((noreturn))
taskclass_child(const struct taskclass_run *run, const struct taskclass_user *u, char **envp,
    int in_r, int out_w, int status_w, int open_max)
{
	struct sigaction sa;
	sigset_t empty;
	char **argv = run->argv;
	int msg[2], sig, fd;

	/* Handlers must go before signals are unblocked below: the daemon's
	 * (libevent's) would write into the parent's signal pipe. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL); /* SIGKILL, SIGSTOP: refused, fine */

	msg[0] = STEP_PGROUP;
	if (setpgid(0, 0) == -1)
		goto fail;
	msg[0] = STEP_DUP2;
	if (dup2(in_r, 0) == -1 || dup2(out_w, 1) == -1 || dup2(out_w, 2) == -1)
		goto fail;
	msg[0] = STEP_CHDIR;
	if (chdir("/") == -1)
		goto fail;
	if (u->switch_user) {
		msg[0] = STEP_SETGROUPS;
		if (setgroups((size_t)u->ngroups, u->groups) == -1)
			goto fail;
		msg[0] = STEP_SETRESGID;
		if (setresgid(u->gid, u->gid, u->gid) == -1)
			goto fail;
		msg[0] = STEP_SETRESUID;
		if (setresuid(u->uid, u->uid, u->uid) == -1)
			goto fail;
	}
	/* Everything above 2 but the status pipe (close-on-exec). */
	msg[0] = STEP_CLOSE;
#ifdef SYS_close_range
	if ((status_w == 3 || syscall(SYS_close_range, 3U, (unsigned)status_w - 1, 0U) == 0) &&
	    syscall(SYS_close_range, (unsigned)status_w + 1, ~0U, 0U) == 0)
		open_max = 0;
#endif
	for (fd = 3; fd < open_max; fd++)
		if (fd != status_w)
			(void)close(fd);
	sigemptyset(&empty);
	(void)sigprocmask(SIG_SETMASK, &empty, NULL);
	msg[0] = STEP_EXEC;
	execve(run->exec, argv, envp);
fail:
	msg[1] = errno;
	(void)!write(status_w, msg, sizeof(msg));
	_exit(127);
}

/* Starts the program through fork, as U when it says so. Returns 0, or
 * -1 with RUN's error set. Waits (briefly) until the child has exec'd,
 * just as posix_spawn does. */
static int
taskclass_fork(struct taskclass_run *run, const struct taskclass_user *u, const char *user,
    char **envp, int in_r, int out_w)
{
	sigset_t all, old;
	int status[2], msg[2], open_max, st;
	long om;
	ssize_t n;
	pid_t pid;

	if (taskclass_pipe(status) == -1) {
		snprintf(run->error, sizeof(run->error), "cannot start %s: pipe: %s", run->exec,
		    strerror(errno));
		return -1;
	}
	om = sysconf(_SC_OPEN_MAX);
	open_max = om < 0 || om > 65536 ? 65536 : (int)om;

	/* No signal may run a daemon handler in the child before it has
	 * reset them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		taskclass_child(run, u, envp, in_r, out_w, status[1], open_max);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(status[1]);
	if (pid == -1) {
		snprintf(run->error, sizeof(run->error), "cannot start %s: fork: %s", run->exec,
		    strerror(errno));
		close(status[0]);
		return -1;
	}
	do
		n = read(status[0], msg, sizeof(msg));
	while (n == -1 && errno == EINTR);
	close(status[0]);
	if (n == 0) {
		run->pid = pid;
		return 0;
	}
	/* It failed before exec and is exiting now: reap it here. */
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(msg) || msg[0] < 0 || msg[0] > STEP_EXEC)
		snprintf(run->error, sizeof(run->error), "cannot start %s: the child failed before exec",
		    run->exec);
	else if (msg[0] == STEP_EXEC)
		snprintf(run->error, sizeof(run->error), "cannot start %s: %s", run->exec,
		    strerror(msg[1]));
	else if (msg[0] >= STEP_SETGROUPS && msg[0] <= STEP_SETRESUID)
		snprintf(run->error, sizeof(run->error), "cannot run as %s: %s: %s", user,
		    taskclass_step_names[msg[0]], strerror(msg[1]));
	else
		snprintf(run->error, sizeof(run->error), "cannot start %s: %s: %s", run->exec,
		    taskclass_step_names[msg[0]], strerror(msg[1]));
	return -1;
}

static int
taskclass_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	/* The pidfd is close-on-exec by definition. */
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/* Sends SIG to the program's group, and to the program itself in case it
 * moved to another group. Only while it is unreaped (see the top). */
static void
taskclass_signal(struct taskclass_run *run, int sig)
{
	if (run->pid <= 0 || run->reaped)
		return;
	if (kill(-run->pid, sig) == -1 && errno != ESRCH)
		log_warn("task class %s: kill -%d -%d", run->name, sig, (int)run->pid);
	(void)kill(run->pid, sig);
}

/* The program is running but cannot be followed: kill it, and report a
 * failure once it is reaped. */
static void
taskclass_abandon(struct taskclass_run *run, const char *what)
{
	log_warnx("task class %s: cannot watch %s of pid %d; killing it", run->name, what,
	    (int)run->pid);
	if (!run->failed)
		snprintf(run->error, sizeof(run->error), "cannot watch %s of %s; it was killed",
		    what, run->exec);
	run->failed = 1;
	taskclass_signal(run, SIGKILL);
	if (run->ev_in)
		event_del(run->ev_in);
	taskclass_close(&run->in_fd);
}

static struct event *
taskclass_event(struct taskclass_run *run, int fd, short what, event_callback_fn fn)
{
	struct event *ev = event_new(run->base, fd, what, fn, run);

	if (ev == NULL)
		fatalx("taskclass: event_new");
	return ev;
}

/* Arms the exit watch: the pidfd when there is one, else a 50 ms poll. */
static void
taskclass_watch_exit(struct taskclass_run *run)
{
	struct timeval every = { 0, TASKCLASS_POLL_MS * 1000 };

	if (run->pidfd == -1)
		run->pidfd = taskclass_pidfd_open(run->pid);
	if (run->pidfd != -1) {
		run->ev_exit = taskclass_event(run, run->pidfd, EV_READ | EV_PERSIST,
		    taskclass_on_exit);
		if (event_add(run->ev_exit, NULL) == 0)
			return;
		event_free(run->ev_exit);
		taskclass_close(&run->pidfd);
	}
	log_debug("task class %s: no pidfd for pid %d (%s); polling its exit", run->name,
	    (int)run->pid, strerror(errno));
	run->ev_exit = taskclass_event(run, -1, EV_PERSIST, taskclass_on_exit);
	if (event_add(run->ev_exit, &every) == -1)
		fatalx("taskclass: event_add of a timer");
}

struct taskclass_run *
taskclass_start(struct taskclasses *tcs, const struct taskclass_request *req,
    taskclass_done_cb cb, void *arg)
{
	struct taskclass_run *run = xcalloc(1, sizeof(*run));
	struct taskclass_user u = { 0, 0, 0, NULL, 0, NULL };
	struct timeval tv = { 0, 0 };
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	char **envp = NULL;
	int rc;

	TAILQ_INSERT_TAIL(&tcs->runs, run, entry);
	run->owner = tcs;
	run->base = tcs->base;
	run->cb = cb;
	run->arg = arg;
	run->name = xstrdup(req->name ? req->name : "");
	run->exec = xstrdup(req->exec ? req->exec : "");
	{
		size_t n = 0, i;

		while (req->args && req->args[n])
			n++;
		run->argv = xcalloc(n + 2, sizeof(char *));
		run->argv[0] = run->exec;
		for (i = 0; i < n; i++)
			run->argv[i + 1] = xstrdup(req->args[i]);
	}
	run->timeout = req->timeout > 0 ? req->timeout : TASKCLASS_DEFAULT_TIMEOUT;
	run->pidfd = run->in_fd = run->out_fd = -1;
	run->payload_len = req->payload ? req->payload_len : 0;
	run->payload = xmalloc(run->payload_len + 1);
	if (run->payload_len)
		memcpy(run->payload, req->payload, run->payload_len);
	run->payload[run->payload_len] = '\0';
	run->ev_timeout = taskclass_event(run, -1, 0, taskclass_on_timeout);
	run->ev_drain = taskclass_event(run, -1, 0, taskclass_on_drain);
	tcs->nactive++;
	clock_gettime(CLOCK_MONOTONIC, &run->started);

	if (run->exec[0] != '/') {
		snprintf(run->error, sizeof(run->error), "task class %s: exec \"%s\" is not an absolute path",
		    run->name, run->exec);
		goto fail;
	}
	if (run->payload_len > TASKCLASS_PAYLOAD_MAX) {
		snprintf(run->error, sizeof(run->error),
		    "payload of %zu bytes is over the %d bytes a program's environment can take",
		    run->payload_len, TASKCLASS_PAYLOAD_MAX);
		goto fail;
	}
	if (taskclass_user_lookup(run, req->user, &u) == -1)
		goto fail;
	if (taskclass_pipe(in) == -1 || taskclass_pipe(out) == -1) {
		snprintf(run->error, sizeof(run->error), "cannot start %s: pipe: %s", run->exec,
		    strerror(errno));
		goto fail;
	}
	envp = taskclass_env(run, req, u.home);
	if (u.switch_user || !TASKCLASS_HAVE_SPAWN_NP) {
		if (taskclass_fork(run, &u, req->user, envp, in[0], out[1]) == -1)
			goto fail;
	} else if ((rc = taskclass_spawn(run, envp, in[0], out[1])) != 0) {
		snprintf(run->error, sizeof(run->error), "cannot start %s: %s", run->exec, strerror(rc));
		goto fail;
	}
	taskclass_env_free(envp);
	envp = NULL;
	taskclass_user_free(&u);
	close(in[0]);
	close(out[1]);
	run->in_fd = in[1];
	run->out_fd = out[0];
	log_debug("task class %s: started %s as pid %d", run->name, run->exec, (int)run->pid);

	taskclass_watch_exit(run);
	tv.tv_sec = run->timeout;
	if (event_add(run->ev_timeout, &tv) == -1)
		fatalx("taskclass: event_add of a timer");
	run->ev_out = taskclass_event(run, run->out_fd, EV_READ | EV_PERSIST, taskclass_on_output);
	if (taskclass_nonblock(run->out_fd) == -1 || event_add(run->ev_out, NULL) == -1) {
		taskclass_close(&run->out_fd);
		taskclass_abandon(run, "the output");
	}
	if (run->payload_len == 0 || run->failed) {
		/* Nothing to write: it reads EOF at once. */
		taskclass_close(&run->in_fd);
	} else {
		run->ev_in = taskclass_event(run, run->in_fd, EV_WRITE | EV_PERSIST, taskclass_on_stdin);
		if (taskclass_nonblock(run->in_fd) == -1 || event_add(run->ev_in, NULL) == -1)
			taskclass_abandon(run, "the stdin");
	}
	return run;

fail:
	/* Reported on a later loop turn, like every other outcome. */
	run->failed = 1;
	log_debug("task class %s: %s", run->name, run->error);
	taskclass_env_free(envp);
	taskclass_user_free(&u);
	taskclass_close(&in[0]);
	taskclass_close(&in[1]);
	taskclass_close(&out[0]);
	taskclass_close(&out[1]);
	if (event_add(run->ev_drain, &tv) == -1)
		fatalx("taskclass: event_add of a timer");
	return run;
}

void
taskclass_cancel(struct taskclass_run *run, int sig)
{
	if (run == NULL || run->pid <= 0 || run->reaped)
		return;
	run->cancelled = 1;
	log_debug("task class %s: cancelling pid %d with signal %d", run->name, (int)run->pid, sig);
	taskclass_signal(run, sig);
}

/*
 * Writes to a pipe whose reader may be gone without dying of SIGPIPE,
 * whatever the daemon did with that signal: it is blocked for the write
 * and a SIGPIPE the write raised is taken back (a pending one from before
 * is left alone). SIGPIPE is sent to the writing thread, which is this one.
 */
static ssize_t
taskclass_write_nosigpipe(int fd, const void *p, size_t n)
{
	sigset_t pipeset, old, pending;
	struct timespec zero = { 0, 0 };
	ssize_t w;
	int saved, was_pending;

	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipeset, &old);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	w = write(fd, p, n);
	saved = errno;
	if (w == -1 && saved == EPIPE && !was_pending)
		while (sigtimedwait(&pipeset, NULL, &zero) == -1 && errno == EINTR)
			;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return w;
}

static void
taskclass_on_stdin(evutil_socket_t fd, short what, void *arg)
{
	struct taskclass_run *run = arg;
	ssize_t w;

	while (run->payload_off < run->payload_len) {
		w = taskclass_write_nosigpipe(run->in_fd, run->payload + run->payload_off,
		    run->payload_len - run->payload_off);
		if (w > 0) {
			run->payload_off += (size_t)w;
			continue;
		}
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		/* EPIPE: it exited or closed stdin without reading it all. That
		 * is its business; its exit status tells how it went. */
		if (errno != EPIPE)
			log_warn("task class %s: writing the payload to pid %d", run->name,
			    (int)run->pid);
		break;
	}
	event_del(run->ev_in);
	taskclass_close(&run->in_fd);
}

/* Reads what the pipe has, up to MAX bytes. Returns 1 at EOF (or on an
 * error, which ends the output just the same), else 0. */
static int
taskclass_read(struct taskclass_run *run, size_t max)
{
	char chunk[TASKCLASS_READ_CHUNK];
	size_t done = 0;
	ssize_t r;

	while (done < max) {
		r = read(run->out_fd, chunk, sizeof(chunk));
		if (r > 0) {
			output_add(&run->output, chunk, (size_t)r);
			done += (size_t)r;
			continue;
		}
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (r == -1)
			log_warn("task class %s: reading the output of pid %d", run->name,
			    (int)run->pid);
		return 1;
	}
	return 0;
}

static void
taskclass_output_done(struct taskclass_run *run)
{
	if (run->ev_out)
		event_del(run->ev_out);
	taskclass_close(&run->out_fd);
}

static void
taskclass_on_output(evutil_socket_t fd, short what, void *arg)
{
	struct taskclass_run *run = arg;

	if (!taskclass_read(run, TASKCLASS_READ_CHUNK * TASKCLASS_READS_PER_EVENT))
		return;
	taskclass_output_done(run);
	if (run->reaped)
		taskclass_finish(run);
}

static void
taskclass_on_exit(evutil_socket_t fd, short what, void *arg)
{
	struct taskclass_run *run = arg;
	struct timeval drain = { 0, TASKCLASS_DRAIN_MS * 1000 };
	pid_t r;

	/* A program that ran past its timeout or was cancelled takes what it
	 * left behind with it; the zombie leader still holds the group's
	 * number, so this cannot reach a stranger. */
	if (run->timed_out || run->cancelled || run->failed) {
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)run->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    si.si_pid == run->pid)
			(void)kill(-run->pid, SIGKILL);
	}
	do
		r = waitpid(run->pid, &run->status, WNOHANG);
	while (r == -1 && errno == EINTR);
	if (r == 0)
		return; /* not yet (a poll, or a spurious wake-up) */
	if (r == -1) {
		log_warn("task class %s: waitpid %d", run->name, (int)run->pid);
		run->status_lost = 1;
	}
	run->reaped = 1;
	run->duration = taskclass_since(&run->started);
	event_del(run->ev_exit);
	event_del(run->ev_timeout);
	taskclass_close(&run->pidfd);
	if (run->ev_in)
		event_del(run->ev_in);
	taskclass_close(&run->in_fd);
	if (run->out_fd == -1) {
		taskclass_finish(run);
		return;
	}
	/* Usually the EOF is already waiting; but something it started in
	 * the background may hold the pipe open for as long as it likes. */
	if (event_add(run->ev_drain, &drain) == -1)
		fatalx("taskclass: event_add of a timer");
}

static void
taskclass_on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct taskclass_run *run = arg;
	struct timeval grace = { TASKCLASS_KILL_GRACE, 0 };

	if (!run->timed_out) {
		run->timed_out = 1;
		log_info("task class %s: pid %d ran past its timeout of %d s; terminating it",
		    run->name, (int)run->pid, run->timeout);
		taskclass_signal(run, SIGTERM);
		if (event_add(run->ev_timeout, &grace) == -1)
			fatalx("taskclass: event_add of a timer");
		return;
	}
	run->killed_hard = 1;
	log_info("task class %s: pid %d still there %d s after SIGTERM; killing it", run->name,
	    (int)run->pid, TASKCLASS_KILL_GRACE);
	taskclass_signal(run, SIGKILL);
}

static void
taskclass_on_drain(evutil_socket_t fd, short what, void *arg)
{
	struct taskclass_run *run = arg;

	if (run->out_fd != -1) {
		(void)taskclass_read(run, TASKCLASS_DRAIN_MAX);
		taskclass_output_done(run);
	}
	taskclass_finish(run);
}

/* Fills RES from the exit status. */
static void
taskclass_outcome(const struct taskclass_run *run, struct taskclass_result *res)
{
	int st = run->status;
	const char *what = run->cancelled ? "cancelled: " : "";

	if (run->failed) {
		res->outcome = TASKCLASS_SPAWN_FAILED;
		snprintf(res->error, sizeof(res->error), "%s", run->error);
	} else if (run->status_lost) {
		res->outcome = TASKCLASS_EXITED;
		res->exit_code = -1;
		snprintf(res->error, sizeof(res->error), "%sits exit status was lost (reaped elsewhere)",
		    what);
	} else if (run->timed_out) {
		res->outcome = TASKCLASS_TIMEOUT;
		if (WIFSIGNALED(st)) {
			res->signal = WTERMSIG(st);
			snprintf(res->error, sizeof(res->error),
			    "killed after its timeout of %d s (signal %d, %s)", run->timeout,
			    res->signal, strsignal(res->signal));
		} else {
			res->exit_code = WEXITSTATUS(st);
			snprintf(res->error, sizeof(res->error),
			    "timed out after %d s; exited with status %d on SIGTERM", run->timeout,
			    res->exit_code);
		}
	} else if (WIFSIGNALED(st)) {
		res->outcome = TASKCLASS_SIGNALED;
		res->signal = WTERMSIG(st);
		snprintf(res->error, sizeof(res->error), "%skilled by signal %d (%s)%s", what,
		    res->signal, strsignal(res->signal), WCOREDUMP(st) ? ", core dumped" : "");
	} else {
		res->outcome = TASKCLASS_EXITED;
		res->exit_code = WEXITSTATUS(st);
		if (res->exit_code != 0)
			snprintf(res->error, sizeof(res->error), "%sexit status %d", what,
			    res->exit_code);
		else if (run->cancelled)
			snprintf(res->error, sizeof(res->error), "cancelled; exited with status 0");
	}
}

static void
taskclass_free(struct taskclass_run *run)
{
	TAILQ_REMOVE(&run->owner->runs, run, entry);
	if (run->ev_in)
		event_free(run->ev_in);
	if (run->ev_out)
		event_free(run->ev_out);
	if (run->ev_exit)
		event_free(run->ev_exit);
	event_free(run->ev_timeout);
	event_free(run->ev_drain);
	taskclass_close(&run->in_fd);
	taskclass_close(&run->out_fd);
	taskclass_close(&run->pidfd);
	free(run->payload);
	free(run->name);
	if (run->argv) {
		size_t i;

		for (i = 1; run->argv[i]; i++)
			free(run->argv[i]);
		free(run->argv);
	}
	free(run->exec);
	free(run);
}

static void
taskclass_finish(struct taskclass_run *run)
{
	struct taskclass_result res;
	struct buf out = BUF_INIT;

	memset(&res, 0, sizeof(res));
	res.pid = run->failed && !run->reaped ? 0 : run->pid;
	res.cancelled = run->cancelled;
	res.duration = run->reaped ? run->duration : taskclass_since(&run->started);
	taskclass_outcome(run, &res);

	output_render(&run->output, &out);
	res.output = buf_str(&out);
	res.output_len = out.len;
	res.output_bytes = run->output.total;

	log_debug("task class %s: pid %d done after %.3f s, %" PRIu64 " bytes of output%s%s",
	    run->name, (int)res.pid, res.duration, res.output_bytes, res.error[0] ? ": " : "",
	    res.error);
	run->owner->nactive--;
	if (run->cb)
		run->cb(&res, run->arg);
	buf_free(&out);
	taskclass_free(run);
}
