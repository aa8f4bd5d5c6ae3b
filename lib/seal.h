/*
 * Sealing small secrets at rest (TOTP secrets, the token inside a queued
 * mail) with the installation's secret_key: XSalsa20-Poly1305
 * (libsodium secretbox), a random nonce per message, base64 text.
 */
#ifndef BILJETT_SEAL_H
#define BILJETT_SEAL_H

#include <stddef.h>

#define SEAL_MAC_HEX_LEN	64	/* HMAC-SHA256 as lower-case hex */

/* Sets the key from 64 hex characters.  Returns 0, or -1 if malformed. */
int	seal_init(const char *hexkey);
/* Is a key set? */
int	seal_ready(void);
/*
 * Seals len bytes into a malloc'd NUL-terminated base64 string (free
 * with free()), or NULL without a key or on OOM.
 */
char	*seal(const void *plain, size_t len);
/*
 * Opens a sealed string into a malloc'd buffer (NUL-terminated for
 * convenience; free with free()), *len its length; NULL if forged,
 * truncated or sealed with another key.
 */
char	*unseal(const char *sealed, size_t *len);

/*
 * Signs msg for purpose: HMAC-SHA256 under the key BLAKE2b-256(key =
 * secret_key, message = purpose), so a signature made for one purpose
 * (e.g. "queue pass") never verifies for another, written to hex.
 * Returns 0, or -1 without a key.  Compare signatures with
 * crypto_streq().
 */
int	seal_mac(const char *purpose, const void *msg, size_t len,
	    char hex[SEAL_MAC_HEX_LEN + 1]);

#endif
