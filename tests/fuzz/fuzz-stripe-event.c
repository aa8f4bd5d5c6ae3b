/*
 * Fuzzes what a Stripe webhook reaches: stripe_sig_check on the
 * Stripe-Signature header and body, then stripe_parse_event (and
 * stripe_parse_intent on the same body).  An input whose first byte is
 * odd is signed here with a fixed secret, so half the runs get past the
 * signature to the parser, as a real event would; an even one is split
 * at its first newline into a header and a body, as a forger sends them.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "limits.h"
#include "provider.h"
#include "stripe.h"

#define SECRET	"whsec_fuzz"
#define NOW	INT64_C(1700000000)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Writes the header Stripe would send for body at NOW. */
static void
sign(const char *body, size_t len, char header[128])
{
	crypto_auth_hmacsha256_state	 st;
	unsigned char			 mac[crypto_auth_hmacsha256_BYTES];
	char				 hex[65];

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)SECRET,
	    strlen(SECRET));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)
	    "1700000000.", 11);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	snprintf(header, 128, "t=1700000000,v1=%s", hex);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pay_confirmed	 c;
	char			 header[128], *copy, *nl, *body;
	size_t			 len;

	if (size == 0 || size > PROVIDER_BODY_MAX || sodium_init() < 0)
		return 0;
	/* The header must be a C string: work on a NUL-terminated copy. */
	if ((copy = malloc(size)) == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	if (data[0] & 1) {
		body = copy;
		len = size - 1;
		sign(body, len, header);
		if (stripe_sig_check(SECRET, header, body, len, NOW) !=
		    STRIPE_SIG_OK)
			abort();	/* our own signature refused */
	} else {
		if ((nl = memchr(copy, '\n', size - 1)) == NULL) {
			free(copy);
			return 0;
		}
		*nl = '\0';
		body = nl + 1;
		len = (size_t)(copy + size - 1 - body);
		if (stripe_sig_check(SECRET, copy, body, len, NOW) !=
		    STRIPE_SIG_OK) {
			free(copy);
			return 0;
		}
	}
	(void)stripe_parse_event(body, len, &c);
	(void)stripe_parse_intent(body, len, &c);
	free(copy);
	return 0;
}
