/*
 * token: generation and digests.
 */

#include <string.h>

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

void
token_digest(const char *token, size_t len, uint8_t out[TOKEN_DIGEST])
{
	/* fetched once: OpenSSL 3 looks EVP_sha256() up again at each use,
	 * and every API request hashes its token */
	static EVP_MD *sha256;
	unsigned int olen = TOKEN_DIGEST;

	if (sha256 == NULL && (sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		fatalx("SHA-256 is not available");
	if (EVP_Digest(token, len, out, &olen, sha256, NULL) != 1)
		fatalx("SHA-256 failed");
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
