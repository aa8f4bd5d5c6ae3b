/*
 * TOTP over liboath.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <sodium.h>

#include "totp.h"

static int	oath_ready;

static void
ready(void)
{
	if (!oath_ready && oath_init() == OATH_OK)
		oath_ready = 1;
}

void
totp_new_secret(unsigned char secret[TOTP_SECRET_BYTES])
{
	randombytes_buf(secret, TOTP_SECRET_BYTES);
}

/* Percent-encodes everything but unreserved characters. */
static char *
pct(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			*out, *p;

	if ((out = p = malloc(strlen(s) * 3 + 1)) == NULL)
		return NULL;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~@", c) != NULL)
			*p++ = (char)c;
		else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return out;
}

char *
totp_uri(const unsigned char *secret, size_t len, const char *issuer,
    const char *account)
{
	char	*b32 = NULL, *is = NULL, *ac = NULL, *uri = NULL;
	size_t	 b32len, i, j;

	ready();
	if (oath_base32_encode((const char *)secret, len, &b32, &b32len) !=
	    OATH_OK)
		return NULL;
	/* Authenticator apps want no '=' padding. */
	for (i = j = 0; i < b32len; i++)
		if (b32[i] != '=')
			b32[j++] = b32[i];
	b32[j] = '\0';
	if ((is = pct(issuer)) != NULL && (ac = pct(account)) != NULL &&
	    asprintf(&uri, "otpauth://totp/%s:%s?secret=%s&issuer=%s"
	    "&algorithm=SHA1&digits=%d&period=%d", is, ac, b32, is,
	    TOTP_DIGITS, TOTP_STEP) == -1)
		uri = NULL;
	sodium_memzero(b32, b32len);
	free(b32);
	free(is);
	free(ac);
	return uri;
}

int
totp_code(const unsigned char *secret, size_t len, int64_t t, unsigned digits,
    char *out)
{
	ready();
	return oath_totp_generate((const char *)secret, len, (time_t)t,
	    TOTP_STEP, 0, digits, out) == OATH_OK ? 0 : -1;
}

int64_t
totp_check(const unsigned char *secret, size_t len, int64_t now,
    const char *code)
{
	int	 pos = 0, rc;
	size_t	 i;

	if (code == NULL || strlen(code) != TOTP_DIGITS)
		return 0;
	for (i = 0; i < TOTP_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return 0;
	ready();
	rc = oath_totp_validate2((const char *)secret, len, (time_t)now,
	    TOTP_STEP, 0, 1, &pos, code);
	if (rc < 0)
		return 0;
	return now / TOTP_STEP + pos;
}
