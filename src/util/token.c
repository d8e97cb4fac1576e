/*
 * token: generation and digests.
 */

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "util/log.h"
#include "util/token.h"

static const char token_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

int
token_generate(char out[TOKEN_LEN + 1])
{
	unsigned char rnd[64];
	size_t n = 0, i;

	/* Rejection sampling: bytes >= 248 (4 * 62) are dropped so that every
	 * character is equally likely. */
	while (n < TOKEN_LEN) {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
			log_openssl("RAND_bytes");
			return -1;
		}
		for (i = 0; i < sizeof(rnd) && n < TOKEN_LEN; i++)
			if (rnd[i] < 248)
				out[n++] = token_alphabet[rnd[i] % 62];
	}
	out[TOKEN_LEN] = '\0';
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return 0;
}

/* The digests of the tokens seen last, per thread: every API request
 * hashes its token, and SHA-256 is a tenth of a cron.get's CPU. A digest
 * is a function of the token alone, so a remembered one is never stale:
 * what the token opens is still looked up in the store at each request
 * (a rotated token stops working at once). Slots by a hash of the token,
 * the last one seen in a slot wins. */
#define TOKEN_MEMO 64
struct token_memo {
	char token[TOKEN_LEN];
	uint8_t digest[TOKEN_DIGEST];
	int used;
};
static _Thread_local struct token_memo token_memo[TOKEN_MEMO];

static void
token_sha256(const char *token, size_t len, uint8_t out[TOKEN_DIGEST])
{
	/* fetched once: OpenSSL 3 looks EVP_sha256() up again at each use */
	static EVP_MD *sha256;
	unsigned int olen = TOKEN_DIGEST;

	if (sha256 == NULL && (sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		fatalx("SHA-256 is not available");
	if (EVP_Digest(token, len, out, &olen, sha256, NULL) != 1)
		fatalx("SHA-256 failed");
}

void
token_digest(const char *token, size_t len, uint8_t out[TOKEN_DIGEST])
{
	struct token_memo *m;
	uint32_t h = 2166136261u;
	size_t i;

	if (len != TOKEN_LEN) {
		token_sha256(token, len, out);
		return;
	}
	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)token[i]) * 16777619u;
	m = &token_memo[h % TOKEN_MEMO];
	/* in constant time: a client picks the slot (by its token's hash),
	 * and memcmp's early end would tell it how much of another's token
	 * its guess shares */
	if (!m->used || CRYPTO_memcmp(m->token, token, TOKEN_LEN) != 0) {
		token_sha256(token, len, m->digest);
		memcpy(m->token, token, TOKEN_LEN);
		m->used = 1;
	}
	memcpy(out, m->digest, TOKEN_DIGEST);
}

int
token_well_formed(const char *s, size_t len)
{
	size_t i;

	if (len != TOKEN_LEN)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}
