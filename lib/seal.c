/*
 * secretbox with one process-wide key.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "seal.h"

static unsigned char	key[crypto_secretbox_KEYBYTES];
static int		have_key;

int
seal_init(const char *hexkey)
{
	size_t	 n;

	have_key = 0;
	if (hexkey == NULL || strlen(hexkey) != 2 * sizeof(key) ||
	    sodium_hex2bin(key, sizeof(key), hexkey, strlen(hexkey), NULL, &n,
	    NULL) != 0 || n != sizeof(key))
		return -1;
	have_key = 1;
	return 0;
}

int
seal_ready(void)
{
	return have_key;
}

char *
seal(const void *plain, size_t len)
{
	unsigned char	*box;
	char		*out;
	size_t		 blen = crypto_secretbox_NONCEBYTES +
			    crypto_secretbox_MACBYTES + len, olen;

	if (!have_key || (box = malloc(blen)) == NULL)
		return NULL;
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, plain, len,
	    box, key);
	olen = sodium_base64_ENCODED_LEN(blen, sodium_base64_VARIANT_ORIGINAL);
	if ((out = malloc(olen)) != NULL)
		sodium_bin2base64(out, olen, box, blen,
		    sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(box, blen);
	free(box);
	return out;
}

char *
unseal(const char *sealed, size_t *len)
{
	unsigned char	*box;
	char		*out = NULL;
	size_t		 slen = strlen(sealed), blen;

	*len = 0;
	if (!have_key || (box = malloc(slen + 1)) == NULL)
		return NULL;
	if (sodium_base642bin(box, slen, sealed, slen, NULL, &blen, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    blen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
		goto out;
	*len = blen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
	if ((out = malloc(*len + 1)) == NULL)
		goto out;
	if (crypto_secretbox_open_easy((unsigned char *)out,
	    box + crypto_secretbox_NONCEBYTES,
	    blen - crypto_secretbox_NONCEBYTES, box, key) != 0) {
		free(out);
		out = NULL;
		*len = 0;
		goto out;
	}
	out[*len] = '\0';
out:
	free(box);
	return out;
}

int
seal_mac(const char *purpose, const void *msg, size_t len,
    char hex[SEAL_MAC_HEX_LEN + 1])
{
	unsigned char	 sub[crypto_auth_hmacsha256_KEYBYTES];
	unsigned char	 mac[crypto_auth_hmacsha256_BYTES];

	_Static_assert(SEAL_MAC_HEX_LEN == 2 * crypto_auth_hmacsha256_BYTES,
	    "SEAL_MAC_HEX_LEN");
	hex[0] = '\0';
	if (!have_key)
		return -1;
	crypto_generichash(sub, sizeof(sub), (const unsigned char *)purpose,
	    strlen(purpose), key, sizeof(key));
	crypto_auth_hmacsha256(mac, msg, len, sub);
	sodium_bin2hex(hex, SEAL_MAC_HEX_LEN + 1, mac, sizeof(mac));
	sodium_memzero(sub, sizeof(sub));
	return 0;
}
