/*
 * Secrets: random tokens, their stored hashes, constant-time comparison,
 * password hashing (argon2id) and random ticket codes.  All over
 * libsodium; crypto_init() must run once before anything else here.
 */
#ifndef BILJETT_CRYPTO_H
#define BILJETT_CRYPTO_H

#include <stddef.h>

#include "limits.h"

#define TOKEN_HASH_HEX_LEN	64
#define PWHASH_MAX		128	/* crypto_pwhash_STRBYTES */

/* Initialises libsodium.  Returns 0 or -1. */
int	crypto_init(void);

/* Fills hex with TOKEN_BYTES random bytes as lower-case hex. */
void	crypto_token(char hex[TOKEN_HEX_LEN + 1]);
/*
 * Fills hex like crypto_token, but its first 6 bytes are the time in
 * milliseconds: TOKEN_BYTES - 6 random bytes (208 bits) are left, and
 * tokens made later sort after earlier ones (see sess_key()).
 */
void	crypto_token_ordered(char hex[TOKEN_HEX_LEN + 1]);
/* Fills hex with n random bytes as lower-case hex (hex holds 2n+1). */
void	crypto_random_hex(char *hex, size_t n);
/* Fills out with a random (version 4) UUID, lower-case, 36 characters. */
void	crypto_uuid4(char out[UUID_LEN + 1]);
/*
 * Fills out with a version 7 UUID (RFC 9562): the time in milliseconds,
 * then 74 random bits.  For keys of tables that grow by many inserts at
 * once: new keys land at the end of their index, on the few pages a
 * commit writes anyway, where random ones would each dirty a page of
 * their own (docs/storage.md).
 */
void	crypto_uuid7(char out[UUID_LEN + 1]);

/*
 * Hashes a token for storage (BLAKE2b-256, lower-case hex).  Tokens are
 * 256-bit random, so a fast hash suffices; only the hash is stored.
 */
void	crypto_token_hash(const char *token, char hex[TOKEN_HASH_HEX_LEN + 1]);

/* Constant-time equality of two NUL-terminated strings (length leaks). */
int	crypto_streq(const char *a, const char *b);

/*
 * Hashes a password with argon2id; the encoded string carries its own
 * parameters, so they can be raised later.  Returns 0 or -1 (OOM).
 */
int	crypto_pw_hash(const char *password, char out[PWHASH_MAX]);
/* Returns non-zero if password matches the encoded hash. */
int	crypto_pw_verify(const char *hash, const char *password);
/* Does the encoded hash use weaker parameters than we use now? */
int	crypto_pw_needs_rehash(const char *hash);

/* Fills out with n uniformly random letters A-Z and a NUL. */
void	crypto_random_letters(char *out, size_t n);

#endif
