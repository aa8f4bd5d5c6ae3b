/*
 * lib/stripe: stripe_sig_check, the Stripe-Signature scheme of
 * protocols.md 2.5 (its test vector, several v1 values, tampering,
 * wrong secrets, the time window, malformed and over-long headers).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "check.h"
#include "limits.h"
#include "stripe.h"

/* protocols.md 2.5, verbatim. */
#define SECRET	"whsec_test_secret"
#define T	INT64_C(1700000000)
#define BODY	"{\"id\":\"evt_test\",\"object\":\"event\"," \
		"\"type\":\"payment_intent.succeeded\"}"
#define SIG	"f457ee3d89f52f9f02936e1cd1173dd5dfa132cdc78ec55ea964a53098c5a1c0"
#define WRONG	"0000000000000000000000000000000000000000000000000000000000000000"

static enum stripe_sig
check(const char *secret, const char *header, const char *body, int64_t now)
{
	return stripe_sig_check(secret, header, body, strlen(body), now);
}

/* Writes the v1 signature of body at t with secret into hex (computed
 * here the long way, to sign other times and bodies than the vector). */
static void
sign(const char *secret, int64_t t, const char *body, char hex[65])
{
	crypto_auth_hmacsha256_state	 st;
	unsigned char			 mac[crypto_auth_hmacsha256_BYTES];
	char				 msg[1024];
	int				 len;

	len = snprintf(msg, sizeof(msg), "%" PRId64 ".%s", t, body);
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret,
	    strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg,
	    (unsigned long long)len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, 65, mac, sizeof(mac));
}

static void
test_vector(void)
{
	char	 hex[65];

	/* The helper agrees with the vector, so its other signatures are
	 * as good. */
	sign(SECRET, T, BODY, hex);
	CHECK(strcmp(hex, SIG) == 0);
	CHECK(check(SECRET, "t=1700000000,v1=" SIG, BODY, T) == STRIPE_SIG_OK);
	/* Exactly at the edges of the window, either side. */
	CHECK(check(SECRET, "t=1700000000,v1=" SIG, BODY,
	    T + STRIPE_SIG_TOLERANCE) == STRIPE_SIG_OK);
	CHECK(check(SECRET, "t=1700000000,v1=" SIG, BODY,
	    T - STRIPE_SIG_TOLERANCE) == STRIPE_SIG_OK);
	/* Order does not matter; other schemes are ignored. */
	CHECK(check(SECRET, "v1=" SIG ",t=1700000000", BODY, T) ==
	    STRIPE_SIG_OK);
	CHECK(check(SECRET, "t=1700000000,v0=abc,v1=" SIG, BODY, T) ==
	    STRIPE_SIG_OK);
}

static void
test_several_v1(void)
{
	/* While a secret is rolled, any v1 may be the one. */
	CHECK(check(SECRET, "t=1700000000,v1=" WRONG ",v1=" SIG ",v0=" WRONG,
	    BODY, T) == STRIPE_SIG_OK);
	CHECK(check(SECRET, "t=1700000000,v1=" SIG ",v1=" WRONG, BODY, T) ==
	    STRIPE_SIG_OK);
	CHECK(check(SECRET, "t=1700000000,v1=" WRONG ",v1=" WRONG, BODY, T) ==
	    STRIPE_SIG_MISMATCH);
}

static void
test_forgeries(void)
{
	char	 upper[65], header[256];
	size_t	 i;

	/* One byte of the body changed. */
	CHECK(check(SECRET, "t=1700000000,v1=" SIG,
	    "{\"id\":\"evt_test\",\"object\":\"event\","
	    "\"type\":\"payment_intent.succeedeD\"}", T) ==
	    STRIPE_SIG_MISMATCH);
	/* The body signed at another time. */
	CHECK(check(SECRET, "t=1700000001,v1=" SIG, BODY, T) ==
	    STRIPE_SIG_MISMATCH);
	/* Another secret, or the secret without its prefix. */
	CHECK(check("whsec_other", "t=1700000000,v1=" SIG, BODY, T) ==
	    STRIPE_SIG_MISMATCH);
	CHECK(check("test_secret", "t=1700000000,v1=" SIG, BODY, T) ==
	    STRIPE_SIG_MISMATCH);
	CHECK(check("", "t=1700000000,v1=" SIG, BODY, T) ==
	    STRIPE_SIG_MISMATCH);
	CHECK(stripe_sig_check(NULL, "t=1700000000,v1=" SIG, BODY,
	    strlen(BODY), T) == STRIPE_SIG_MISMATCH);
	/* Lower-case hex only; a prefix of the signature is not it. */
	for (i = 0; i < 64; i++)
		upper[i] = (char)(SIG[i] >= 'a' ? SIG[i] - 32 : SIG[i]);
	upper[64] = '\0';
	snprintf(header, sizeof(header), "t=1700000000,v1=%s", upper);
	CHECK(check(SECRET, header, BODY, T) == STRIPE_SIG_MISMATCH);
	snprintf(header, sizeof(header), "t=1700000000,v1=%.63s", SIG);
	CHECK(check(SECRET, header, BODY, T) == STRIPE_SIG_MISMATCH);
	snprintf(header, sizeof(header), "t=1700000000,v1=%s0", SIG);
	CHECK(check(SECRET, header, BODY, T) == STRIPE_SIG_MISMATCH);
	CHECK(check(SECRET, "t=1700000000,v1=", BODY, T) ==
	    STRIPE_SIG_MISMATCH);
}

static void
test_window(void)
{
	char	 hex[65], header[256];
	int64_t	 now = T + 86400;

	/* Properly signed, 301 s old: stale, not a mismatch. */
	sign(SECRET, now - 301, BODY, hex);
	snprintf(header, sizeof(header), "t=%" PRId64 ",v1=%s", now - 301,
	    hex);
	CHECK(check(SECRET, header, BODY, now) == STRIPE_SIG_STALE);
	CHECK(check(SECRET, header, BODY, now - 1) == STRIPE_SIG_OK);
	/* And 301 s ahead of our clock. */
	sign(SECRET, now + 301, BODY, hex);
	snprintf(header, sizeof(header), "t=%" PRId64 ",v1=%s", now + 301,
	    hex);
	CHECK(check(SECRET, header, BODY, now) == STRIPE_SIG_STALE);
	CHECK(check(SECRET, header, BODY, now + 1) == STRIPE_SIG_OK);
	/* The vector a day later. */
	CHECK(check(SECRET, "t=1700000000,v1=" SIG, BODY, now) ==
	    STRIPE_SIG_STALE);
}

static void
test_malformed(void)
{
	static const char *const bad[] = {
		"v1=" SIG,				/* no t */
		"t=1700000000",				/* no v1 */
		"t=1700000000,v0=" SIG,			/* v0 only */
		"t=1700000000,v2=" SIG,
		"garbage",
		"",
		",",
		"t=,v1=" SIG,
		"t=17e8,v1=" SIG,
		"t=-1700000000,v1=" SIG,
		"t=1700000000,t=1700000000,v1=" SIG,	/* two t */
		"t=1700000000,,v1=" SIG,
		"t=1700000000,v1",
		"t=1700000000000000,v1=" SIG,		/* t past any date */
		"T=1700000000,V1=" SIG,
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(check(SECRET, bad[i], BODY, T) == STRIPE_SIG_MALFORMED);
		if (check(SECRET, bad[i], BODY, T) != STRIPE_SIG_MALFORMED)
			fprintf(stderr, "  accepted as well-formed: %s\n",
			    bad[i]);
	}
	CHECK(stripe_sig_check(SECRET, NULL, BODY, strlen(BODY), T) ==
	    STRIPE_SIG_MALFORMED);
}

static void
test_limits(void)
{
	char	 header[STRIPE_SIG_HEADER_MAX + 2];
	size_t	 len, i;

	/* A valid header padded with a v0 to exactly the cap verifies... */
	len = (size_t)snprintf(header, sizeof(header),
	    "t=1700000000,v1=" SIG ",v0=");
	memset(header + len, 'a', STRIPE_SIG_HEADER_MAX - len);
	header[STRIPE_SIG_HEADER_MAX] = '\0';
	CHECK(check(SECRET, header, BODY, T) == STRIPE_SIG_OK);
	/* ...and one byte more does not. */
	header[STRIPE_SIG_HEADER_MAX] = 'a';
	header[STRIPE_SIG_HEADER_MAX + 1] = '\0';
	CHECK(check(SECRET, header, BODY, T) == STRIPE_SIG_MALFORMED);

	/* STRIPE_SIG_V1_MAX values are tried, the right one last... */
	len = (size_t)snprintf(header, sizeof(header), "t=1700000000");
	for (i = 0; i + 1 < STRIPE_SIG_V1_MAX; i++)
		len += (size_t)snprintf(header + len, sizeof(header) - len,
		    ",v1=" WRONG);
	snprintf(header + len, sizeof(header) - len, ",v1=" SIG);
	CHECK(check(SECRET, header, BODY, T) == STRIPE_SIG_OK);
	/* ...and a header with more is refused. */
	len = (size_t)snprintf(header, sizeof(header), "t=1700000000");
	for (i = 0; i < STRIPE_SIG_V1_MAX; i++)
		len += (size_t)snprintf(header + len, sizeof(header) - len,
		    ",v1=" WRONG);
	snprintf(header + len, sizeof(header) - len, ",v1=" SIG);
	CHECK(check(SECRET, header, BODY, T) == STRIPE_SIG_MALFORMED);
}

static void
test_names(void)
{
	CHECK(strcmp(stripe_sig_str(STRIPE_SIG_OK), "ok") == 0);
	CHECK(strcmp(stripe_sig_str(STRIPE_SIG_STALE), "stale") == 0);
	CHECK(strcmp(stripe_sig_str(STRIPE_SIG__MAX), "unknown") == 0);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_vector();
	test_several_v1();
	test_forgeries();
	test_window();
	test_malformed();
	test_limits();
	test_names();
	return CHECK_DONE();
}
