/*
 * lib/totp against the RFC 6238 test vectors (SHA-1 seed
 * "12345678901234567890"), the one-step drift window, the otpauth URI,
 * and lib/seal round trips; lib/user's password policy.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "check.h"
#include "seal.h"
#include "totp.h"
#include "user.h"

static const unsigned char seed[] = "12345678901234567890";

static void
test_vectors(void)
{
	static const struct {
		int64_t		 t;
		const char	*otp8;
	} v[] = {
		{ 59, "94287082" }, { 1111111109, "07081804" },
		{ 1111111111, "14050471" }, { 1234567890, "89005924" },
		{ 2000000000, "69279037" }, { 20000000000LL, "65353130" },
	};
	char	 out[16];
	size_t	 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		CHECK(totp_code(seed, 20, v[i].t, 8, out) == 0);
		CHECK(strcmp(out, v[i].otp8) == 0);
		/* Six digits are the last six of the eight. */
		CHECK(totp_code(seed, 20, v[i].t, 6, out) == 0);
		CHECK(strcmp(out, v[i].otp8 + 2) == 0);
	}
}

static void
test_check(void)
{
	char	 code[8];
	int64_t	 t = 1234567890;

	CHECK(totp_code(seed, 20, t, 6, code) == 0);
	CHECK(totp_check(seed, 20, t, code) == t / 30);
	CHECK(totp_check(seed, 20, t + 30, code) == t / 30);	/* drift */
	CHECK(totp_check(seed, 20, t - 30, code) == t / 30);
	CHECK(totp_check(seed, 20, t + 90, code) == 0);
	CHECK(totp_check(seed, 20, t, "000000") == 0 ||
	    strcmp(code, "000000") == 0);
	CHECK(totp_check(seed, 20, t, "12345") == 0);
	CHECK(totp_check(seed, 20, t, "12345a") == 0);
	CHECK(totp_check(seed, 20, t, NULL) == 0);
}

static void
test_uri(void)
{
	char	*uri = totp_uri(seed, 20, "biljett", "anna@example.com");

	CHECK(uri != NULL);
	CHECK(strcmp(uri, "otpauth://totp/biljett:anna@example.com?secret="
	    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=biljett&algorithm=SHA1"
	    "&digits=6&period=30") == 0);
	free(uri);
}

static void
test_seal(void)
{
	char	*s, *o;
	size_t	 len;

	CHECK(seal_init("xyz") == -1);
	CHECK(seal("a", 1) == NULL);
	CHECK(seal_init("000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f") == 0);
	s = seal("hemlighet", 9);
	CHECK(s != NULL && strstr(s, "hemlighet") == NULL);
	o = unseal(s, &len);
	CHECK(o != NULL && len == 9 && strcmp(o, "hemlighet") == 0);
	free(o);
	s[5] = s[5] == 'A' ? 'B' : 'A';
	CHECK(unseal(s, &len) == NULL);
	CHECK(unseal("", &len) == NULL);
	free(s);
}

static void
test_password_policy(void)
{
	CHECK(user_password_weak("short", NULL) != NULL);
	CHECK(user_password_weak("anna@example.com", "anna@example.com") !=
	    NULL);
	CHECK(user_password_weak("ANNA@example.com", "anna@example.com") !=
	    NULL);
	CHECK(user_password_weak("password123", NULL) != NULL);
	CHECK(user_password_weak("aaaaaaaaaaaa", NULL) != NULL);
	CHECK(user_password_weak("korrekt häst batteri", "a@b.se") == NULL);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_vectors();
	test_check();
	test_uri();
	test_seal();
	test_password_policy();
	return CHECK_DONE();
}
