/*
 * libsodium wrappers.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "crypto.h"

/*
 * argon2id parameters: 2 passes over 19 MiB, OWASP's minimum, about half
 * the cost of libsodium's INTERACTIVE preset.  The encoded hash stores
 * them, so raising these later only affects new hashes (and rehash on
 * login).
 */
#define PW_OPSLIMIT	2
#define PW_MEMLIMIT	(19UL * 1024 * 1024)

_Static_assert(PWHASH_MAX >= crypto_pwhash_STRBYTES, "PWHASH_MAX too small");

int
crypto_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void
crypto_random_hex(char *hex, size_t n)
{
	unsigned char	 buf[64];
	size_t		 chunk;

	while (n > 0) {
		chunk = n < sizeof(buf) ? n : sizeof(buf);
		randombytes_buf(buf, chunk);
		sodium_bin2hex(hex, chunk * 2 + 1, buf, chunk);
		hex += chunk * 2;
		n -= chunk;
	}
	sodium_memzero(buf, sizeof(buf));
}

/* b's version and variant set, written as a UUID. */
static void
uuid_format(unsigned char b[16], int version, char out[UUID_LEN + 1])
{
	char	 hex[33];

	b[6] = (unsigned char)((b[6] & 0x0f) | (version << 4));
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);	/* RFC 9562 variant */
	sodium_bin2hex(hex, sizeof(hex), b, 16);
	snprintf(out, UUID_LEN + 1, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8,
	    hex + 12, hex + 16, hex + 20);
}

void
crypto_uuid4(char out[UUID_LEN + 1])
{
	unsigned char	 b[16];

	randombytes_buf(b, sizeof(b));
	uuid_format(b, 4, out);
}

/* Writes the time in milliseconds over b's first 6 bytes, big-endian:
 * what makes keys made later sort after earlier ones. */
static void
time_prefix(unsigned char b[6])
{
	struct timespec	 ts;
	uint64_t	 unix_ms;
	int		 i;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	unix_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	for (i = 0; i < 6; i++)
		b[i] = (unsigned char)(unix_ms >> (40 - 8 * i));
}

void
crypto_uuid7(char out[UUID_LEN + 1])
{
	unsigned char	 b[16];

	randombytes_buf(b, sizeof(b));
	time_prefix(b);
	uuid_format(b, 7, out);
}

void
crypto_token_ordered(char hex[TOKEN_HEX_LEN + 1])
{
	unsigned char	 b[TOKEN_BYTES];

	randombytes_buf(b, sizeof(b));
	time_prefix(b);
	sodium_bin2hex(hex, TOKEN_HEX_LEN + 1, b, sizeof(b));
	sodium_memzero(b, sizeof(b));
}

void
crypto_token(char hex[TOKEN_HEX_LEN + 1])
{
	crypto_random_hex(hex, TOKEN_BYTES);
}

void
crypto_token_hash(const char *token, char hex[TOKEN_HASH_HEX_LEN + 1])
{
	unsigned char	 h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)token,
	    strlen(token), NULL, 0);
	sodium_bin2hex(hex, TOKEN_HASH_HEX_LEN + 1, h, sizeof(h));
}

int
crypto_streq(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);

	if (la != lb)
		return 0;
	return sodium_memcmp(a, b, la) == 0;
}

int
crypto_pw_hash(const char *password, char out[PWHASH_MAX])
{
	return crypto_pwhash_str_alg(out, password, strlen(password),
	    PW_OPSLIMIT, PW_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13) == 0 ?
	    0 : -1;
}

int
crypto_pw_verify(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

int
crypto_pw_needs_rehash(const char *hash)
{
	return crypto_pwhash_str_needs_rehash(hash, PW_OPSLIMIT,
	    PW_MEMLIMIT) != 0;
}

/*
 * One getrandom() for the whole string rather than one per letter (a
 * reservation makes ten of these): bytes of 234 or more are rejected so
 * every letter stays equally likely (234 = 9 * 26).
 */
void
crypto_random_letters(char *out, size_t n)
{
	unsigned char	 buf[64];
	size_t		 i = 0, j = sizeof(buf);

	while (i < n) {
		if (j == sizeof(buf)) {
			randombytes_buf(buf, sizeof(buf));
			j = 0;
		}
		if (buf[j] < 234)
			out[i++] = (char)('A' + buf[j] % 26);
		j++;
	}
	out[n] = '\0';
	sodium_memzero(buf, sizeof(buf));
}
