/*
 * wake: a thread's way to wake the event loop. A non-blocking pipe whose
 * read end the loop watches: wake_signal (any thread) writes a byte, and
 * the loop drains the pipe and calls the callback. The writer and the
 * start-up load's reader use it to say "there is something for you".
 */
#ifndef WEBCRON_WAKE_H
#define WEBCRON_WAKE_H

#include <event2/event.h>

struct wake;

/* A wake that calls FN(ARG) on BASE's loop. NAME is for log lines.
 * Returns NULL (logged) when no pipe can be made or watched. */
struct wake *wake_new(struct event_base *base, const char *name, void (*fn)(void *), void *arg);
/* Any thread: the loop calls FN soon. A full pipe already says so. */
void wake_signal(struct wake *);
void wake_free(struct wake *); /* NULL is fine */

#endif
