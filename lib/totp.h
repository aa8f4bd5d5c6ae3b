/*
 * TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30 s steps) over Debian's
 * liboath, as Google Authenticator expects.
 */
#ifndef BILJETT_TOTP_H
#define BILJETT_TOTP_H

#include <stddef.h>
#include <stdint.h>

#define TOTP_SECRET_BYTES	20
#define TOTP_STEP		30
#define TOTP_DIGITS		6

/* Fills secret with TOTP_SECRET_BYTES random bytes. */
void	totp_new_secret(unsigned char secret[TOTP_SECRET_BYTES]);

/*
 * Writes the otpauth:// URI for an authenticator app into out (malloc'd,
 * free with free()): issuer and account label percent-encoded, the
 * secret in base32.  NULL on OOM.
 */
char	*totp_uri(const unsigned char *secret, size_t len, const char *issuer,
	    const char *account);

/* The code for time t (for tests and the RFC vectors); 0 or -1. */
int	totp_code(const unsigned char *secret, size_t len, int64_t t,
	    unsigned digits, char *out);

/*
 * Checks code against the steps around now (one step either way, for
 * clock drift).  Returns the matching step number (> 0), or 0 if the
 * code is wrong.  The caller refuses steps it has seen (replay).
 */
int64_t	totp_check(const unsigned char *secret, size_t len, int64_t now,
	    const char *code);

#endif
