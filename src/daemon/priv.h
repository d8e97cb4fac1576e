/*
 * priv: dropping root after the sockets are bound.
 */
#ifndef WEBCRON_PRIV_H
#define WEBCRON_PRIV_H

/* Switches to USER (its uid, primary gid and no supplementary groups) and
 * checks that root cannot be regained. Returns 0, or -1 (logged). */
int priv_drop(const char *user);

#endif
