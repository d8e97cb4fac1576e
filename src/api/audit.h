/*
 * audit: the history event of an API write, recorded around its handler
 * in the write's own transaction (store/history.h).
 *
 * audit_begin opens a child transaction of the batch (the writer
 * thread's; see docs/ARCHITECTURE.md "Writes") and reads what the write
 * names as it is before: the job (cron.*, task.*), the group and its
 * jobs (group.*), the account (account.*, user.*), and the id counters.
 * The handler's own transaction is then a child of this one. audit_end
 * reads the same objects after it, and any the write created (the ids
 * the counters gave), writes one event for the object acted on and one
 * for each other job the write changed (a group's), and commits: the
 * write and its events are merged into the batch together. A write that
 * failed leaves no event: its transaction was dropped, and so is this.
 */
#ifndef WEBCRON_AUDIT_H
#define WEBCRON_AUDIT_H

struct api_call;
struct audit;

/* Returns the audit of C's write, or NULL with an error recorded in C
 * (then the handler must not run). */
struct audit *audit_begin(struct api_call *c);
/* Records and commits (or drops, when C failed) and frees A. Returns 0,
 * or -1 with a store error recorded in C: nothing of the write stays. */
int audit_end(struct audit *a, struct api_call *c);

#endif
