/*
 * taskclass: runs the program of an operator-defined task class ([task.NAME]
 * in the config) for one task, on the event loop.
 *
 * The program is started without a shell (argv is just { exec, NULL }),
 * in a process group of its own, with working directory "/", default
 * signal dispositions, an empty signal mask, no file descriptors but 0, 1
 * and 2, and a small clean environment:
 *
 *   PATH=/usr/local/bin:/usr/bin:/bin
 *   HOME=/ (or the home of USER when one is named)
 *   LANG=C.UTF-8
 *   WEBCRON_TASK_CLASS, WEBCRON_JOB, WEBCRON_EXECUTION, WEBCRON_ACCOUNT,
 *   WEBCRON_TASK_SEQUENCE, WEBCRON_SCHEDULED_TIME, WEBCRON_TIMEOUT,
 *   WEBCRON_PAYLOAD
 *
 * Its stdin is a pipe carrying the payload, then end of file; its stdout
 * and stderr are one pipe, so the output is kept interleaved as written.
 * Both pipes are served by loop events; nothing here waits on the child.
 *
 * The exit is watched with a pidfd (pidfd_open(2), Linux 5.3) and reaped
 * with waitpid(pid, WNOHANG) for that pid only. There is deliberately no
 * SIGCHLD handler: a handler that reaps with waitpid(-1) would steal the
 * statuses of children other modules start (a sendmail for notices, say),
 * and libevent keeps one handler per signal. The daemon must therefore not
 * set SIGCHLD to SIG_IGN (that makes the kernel reap children itself) nor
 * reap with waitpid(-1). Without pidfds the exit is polled every 50 ms.
 */
#ifndef WEBCRON_TASKCLASS_H
#define WEBCRON_TASKCLASS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct event_base;

#define TASKCLASS_DEFAULT_TIMEOUT 900      /* seconds, when timeout <= 0 */
#define TASKCLASS_KILL_GRACE 5             /* seconds from SIGTERM to SIGKILL */
#define TASKCLASS_DRAIN_MS 100             /* output drain after the exit */
#define TASKCLASS_OUTPUT_KEEP 4096         /* bytes kept at each end of the output */
#define TASKCLASS_PAYLOAD_MAX (127 * 1024) /* bytes: one environment string may
						 * be at most 128 KB (MAX_ARG_STRLEN) */

struct taskclass_request {
	const char *exec;        /* absolute path of the program */
	const char *const *args; /* NULL, or its arguments after argv[0] (NULL-terminated):
				 * the sendmail command of notices has some */
	const char *name;        /* the class name, for messages and WEBCRON_TASK_CLASS; NULL = "" */
	const char *user;        /* NULL or "" = the daemon's user; otherwise run as this
				 * user, which needs the daemon to be root unless it is
				 * the daemon's own user */
	int timeout;             /* seconds (<= 0: TASKCLASS_DEFAULT_TIMEOUT); then SIGTERM
				 * to the process group, and SIGKILL 5 s later */
	const char *payload;     /* on stdin (then EOF) and in WEBCRON_PAYLOAD (up to a
				 * first NUL byte, as the environment cannot hold one) */
	size_t payload_len;      /* at most TASKCLASS_PAYLOAD_MAX */
	uint64_t job_id;         /* WEBCRON_JOB */
	uint64_t execution_id;   /* WEBCRON_EXECUTION */
	uint64_t account_id;     /* WEBCRON_ACCOUNT */
	int sequence;            /* WEBCRON_TASK_SEQUENCE */
	int64_t scheduled_time;  /* WEBCRON_SCHEDULED_TIME, unix seconds */
};

enum taskclass_outcome {
	TASKCLASS_EXITED,       /* it exited by itself: see exit_code (0 = success) */
	TASKCLASS_SIGNALED,     /* a signal ended it before its timeout: see signal */
	TASKCLASS_TIMEOUT,      /* it ran past its timeout and was signalled */
	TASKCLASS_SPAWN_FAILED, /* it did not run (or could not be watched and was killed) */
};

struct taskclass_result {
	enum taskclass_outcome outcome;
	pid_t pid;          /* also its process group; 0 when it never started */
	int exit_code;      /* EXITED (and TIMEOUT when it exited after SIGTERM);
				 * -1 when the status was lost (reaped elsewhere) */
	int signal;         /* SIGNALED / TIMEOUT: the signal that ended it (0 when
				 * a timed-out program exited by itself) */
	int cancelled;      /* taskclass_cancel() was called on this run */
	const char *output; /* stdout and stderr interleaved as written: all of it
				 * up to 8 KB; beyond that the first 4 KB and the last
				 * 4 KB joined by "\n[... N bytes omitted ...]\n". NUL-
				 * terminated; valid only during the callback */
	size_t output_len;
	uint64_t output_bytes; /* everything it wrote, kept or not */
	double duration;       /* seconds from the start to its exit */
	char error[256];       /* "" on exit 0; otherwise a plain reason, such as
				 * "cannot start /x: No such file or directory",
				 * "cannot run as nobody: webcrond is not root",
				 * "killed after its timeout of 900 s",
				 * "killed by signal 9 (Killed)", "exit status 3" */
};

typedef void (*taskclass_done_cb)(const struct taskclass_result *, void *arg);

struct taskclass_run;
struct taskclasses;

/* The owner of the runs started on BASE: each run is counted and listed
 * there until its callback has fired. */
struct taskclasses *taskclasses_new(struct event_base *base);

/*
 * Starts REQ's program on the event base of TCS and returns its run;
 * never NULL (memory exhaustion is fatal, as everywhere in webcrond). The
 * request's strings are copied.
 *
 * CB is called exactly once, never before taskclass_start returns: when
 * the program has exited and its output pipe reached end of file, or 100 ms
 * after the exit if something it left behind (a background grandchild)
 * still holds the pipe open. Every failure to start (a relative exec, a
 * payload over TASKCLASS_PAYLOAD_MAX, an unknown user, another user while
 * not root, fork/pipe/exec errors) is reported the same way, with outcome
 * TASKCLASS_SPAWN_FAILED, on a later loop turn, so callers have one path.
 * The run is freed when CB returns; the handle must not be used after.
 *
 * Starting does two short synchronous steps: posix_spawn (or fork) waits
 * until the child has exec'd, and a named user is looked up with
 * getpwnam(3). Nothing else waits.
 */
struct taskclass_run *taskclass_start(struct taskclasses *tcs, const struct taskclass_request *req,
    taskclass_done_cb cb, void *arg);

/* Sends SIG to the run's process group (e.g. SIGTERM at shutdown, then
 * SIGKILL when the grace is over) and marks the result as cancelled. CB
 * still fires, once the program has exited. Does nothing to a program
 * that has already been reaped. */
void taskclass_cancel(struct taskclass_run *run, int sig);

/* Runs of TCS whose callback has not fired yet. */
size_t taskclasses_active(const struct taskclasses *tcs);

/* At exit, once the loop has stopped: frees every run whose callback has
 * not fired, without calling it, and leaves its program (if it still runs)
 * to finish on its own, logging its pid; then TCS. Only programs no caller
 * waits for are left by then (webcrond's job runs end within
 * shutdown_grace; a notice's sendmail may not). Call before the event base
 * is freed. */
void taskclasses_free(struct taskclasses *tcs);

#endif
