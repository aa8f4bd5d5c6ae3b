/*
 * Sealing small secrets at rest (TOTP secrets, the token inside a queued
 * mail) with the installation's secret_key: XSalsa20-Poly1305
 * (libsodium secretbox), a random nonce per message, base64 text.
 */
#ifndef BILJETT_SEAL_H
#define BILJETT_SEAL_H

#include <stddef.h>

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

#endif
