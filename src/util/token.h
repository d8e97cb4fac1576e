/*
 * token: API tokens. 32 characters of [A-Za-z0-9] from RAND_bytes; only
 * their SHA-256 digests are ever stored.
 */
#ifndef WEBCRON_TOKEN_H
#define WEBCRON_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define TOKEN_LEN 32
#define TOKEN_DIGEST 32

/* Writes a new token (TOKEN_LEN characters and a NUL) to OUT. Returns 0,
 * or -1 when the random generator fails (logged). */
int token_generate(char out[TOKEN_LEN + 1]);
/* SHA-256 of the LEN bytes of TOKEN; the digests of the last tokens of
 * TOKEN_LEN bytes are remembered per thread (and so are those tokens, in
 * the daemon's memory). */
void token_digest(const char *token, size_t len, uint8_t out[TOKEN_DIGEST]);
/* 1 when S (LEN bytes) has the form of a token, else 0. */
int token_well_formed(const char *s, size_t len);

#endif
