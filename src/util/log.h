/*
 * log: the daemon's one log, stderr (with -d) or syslog.
 *
 * Anything that came from a client must pass through log_escape() (or the
 * %s of a log_* call must be known-safe) before it reaches the log.
 */
#ifndef WEBCRON_LOG_H
#define WEBCRON_LOG_H

#include <stdarg.h>
#include <stddef.h>

/* Sets the destination: stderr when FOREGROUND, otherwise syslog under
 * NAME. VERBOSE 0 logs warnings and info, 1 adds debug, 2 adds libevent's
 * and curl's chatter. Safe to call again (e.g. from webcronctl). */
void log_init(const char *name, int foreground, int verbose);
int log_verbosity(void);
/* The daemon is up: from now on, without -d, messages go to syslog only
 * (before, warnings and fatal errors also go to stderr). */
void log_started(void);
/* Writes out buffered lines (the daemon calls it a few times a second and
 * at exit; warnings are never buffered). */
void log_flush(void);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* appends strerror(errno) */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_info of a line the caller made (LEN bytes of MSG, no newline): the
 * API's access log, one line per request, written without printf. A line
 * longer than about 1 KB is cut. */
void log_info_text(const char *msg, size_t len);
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Logs the OpenSSL error queue (and empties it) after a warning. */
void log_openssl(const char *what);

/* Writes SRC (LEN bytes, not necessarily terminated) into DST (size
 * DSTLEN, always terminated) with every byte outside printable ASCII, and
 * the backslash and double quote, written as \xHH; truncates with "..."
 * when DST is too small. Returns DST. */
char *log_escape(char *dst, size_t dstlen, const char *src, size_t len);

#endif
