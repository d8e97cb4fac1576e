/*
 * log: stderr or syslog, with libevent's messages routed in.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <event2/event.h>
#include <openssl/err.h>

#include "util/log.h"

static int log_foreground = 1;
static int log_verbose;
/* Until the daemon is up, warnings also go to stderr when it logs to
 * syslog: whoever started it by hand sees why it did not start. */
static int log_starting = 1;

static void
log_event_cb(int severity, const char *msg)
{
	char esc[512];

	if (severity < EVENT_LOG_WARN && log_verbose < 2)
		return;
	log_escape(esc, sizeof(esc), msg, strlen(msg));
	if (severity >= EVENT_LOG_WARN)
		log_warnx("libevent: %s", esc);
	else
		log_debug("libevent: %s", esc);
}

void
log_init(const char *name, int foreground, int verbose)
{
	log_foreground = foreground;
	log_verbose = verbose;
	/* Lines of information (one per API request) are written in blocks:
	 * log_flush() empties the buffer, and warnings go out at once. */
	if (foreground)
		setvbuf(stderr, NULL, _IOFBF, 64 * 1024);
	else
		openlog(name, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	event_set_log_callback(log_event_cb);
}

void
log_started(void)
{
	log_starting = 0;
}

void
log_flush(void)
{
	if (log_foreground)
		fflush(stderr);
}

int
log_verbosity(void)
{
	return log_verbose;
}

/* Declared with its format, so that the compiler checks FMT is one
 * (clang's -Wformat-nonliteral under -Wformat=2). */
static void log_vwrite(int, const char *, va_list, const char *)
    __attribute__((format(printf, 2, 0)));

/* The time stamp of a line on stderr, "2026-01-02T03:04:05.678Z", into
 * OUT (at least 32 bytes, terminated): its length. */
static size_t
log_stamp(char *out)
{
	/* per thread: the store's writer thread logs too */
	static _Thread_local time_t last;
	static _Thread_local char when[32];
	static _Thread_local size_t whenlen;
	struct timespec ts;
	long ms;

	/* one line per API request: format the second once */
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != last || whenlen == 0) {
		struct tm tm;

		gmtime_r(&ts.tv_sec, &tm);
		whenlen = strftime(when, sizeof(when) - 6, "%Y-%m-%dT%H:%M:%S", &tm);
		last = ts.tv_sec;
	}
	ms = ts.tv_nsec / 1000000;
	memcpy(out, when, whenlen);
	out[whenlen] = '.';
	out[whenlen + 1] = (char)('0' + ms / 100);
	out[whenlen + 2] = (char)('0' + ms / 10 % 10);
	out[whenlen + 3] = (char)('0' + ms % 10);
	out[whenlen + 4] = 'Z';
	out[whenlen + 5] = '\0';
	return whenlen + 5;
}

void
log_info_text(const char *msg, size_t len)
{
	char line[1024];
	size_t n;

	if (!log_foreground) {
		syslog(LOG_INFO, "%.*s", (int)len, msg);
		return;
	}
	n = log_stamp(line);
	line[n++] = ' ';
	if (len > sizeof(line) - n - 1)
		len = sizeof(line) - n - 1;
	memcpy(line + n, msg, len);
	n += len;
	line[n++] = '\n';
	fwrite(line, 1, n, stderr);
}

static void
log_vwrite(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_foreground) {
		char when[32];

		log_stamp(when);
		fprintf(stderr, "%s %s%s%s\n", when, msg, suffix ? ": " : "", suffix ? suffix : "");
		if (pri <= LOG_WARNING)
			fflush(stderr);
	} else {
		if (suffix)
			syslog(pri, "%s: %s", msg, suffix);
		else
			syslog(pri, "%s", msg);
		if (log_starting && pri <= LOG_WARNING)
			fprintf(stderr, "%s%s%s\n", msg, suffix ? ": " : "", suffix ? suffix : "");
	}
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERR, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERR, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

void
log_openssl(const char *what)
{
	unsigned long e;
	char buf[256];

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_warnx("%s: %s", what, buf);
	}
}

char *
log_escape(char *dst, size_t dstlen, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (dstlen == 0)
		return dst;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		int plain = c >= 0x20 && c < 0x7f && c != '\\' && c != '"';
		size_t need = plain ? 1 : 4;

		if (o + need + 4 > dstlen) { /* room for "..." and NUL */
			if (o + 4 <= dstlen) {
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (plain)
			dst[o++] = (char)c;
		else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
	return dst;
}
