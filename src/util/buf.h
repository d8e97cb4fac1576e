/*
 * buf: a growable byte buffer, always NUL-terminated after its data.
 *
 * Allocation failure is fatal (the daemon cannot do anything useful
 * without memory), so these functions do not return errors.
 */
#ifndef WEBCRON_BUF_H
#define WEBCRON_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT \
	{ \
		NULL, 0, 0 \
	}

void buf_add(struct buf *, const void *data, size_t len);
void buf_addstr(struct buf *, const char *s);
void buf_addch(struct buf *, char c);
void buf_printf(struct buf *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *); /* len = 0, keeps the memory */
/* Makes room for MORE bytes (and the terminator) past len, at once. */
void buf_reserve(struct buf *, size_t more);
void buf_free(struct buf *);
/* Returns the data as a terminated string ("" when empty); still owned by
 * the buffer. */
const char *buf_str(struct buf *);

/* Allocation helpers that abort on failure. */
void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);

#endif
