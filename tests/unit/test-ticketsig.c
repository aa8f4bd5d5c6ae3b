/*
 * lib/ticketsig: a test vector (made with PyNaCl, an independent Ed25519
 * and base32), round trip, determinism, every refusal, the QR version
 * the largest payload needs.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "check.h"
#include "qr.h"
#include "ticketsig.h"

/*
 * The vector: the key from seed bytes 0, 1, ..., 31; key 7, ticket 4242,
 * event 17, variant 3, valid from 2030-01-01T00:00Z to 2030-01-02T06:00Z.
 * Made with PyNaCl (Debian's python3-nacl) and Python's base64:
 *
 *	sk = nacl.signing.SigningKey(bytes(range(32)))
 *	body = struct.pack(">BIIIIII", 1, 7, 4242, 17, 3,
 *	    1893456000 // 60, (1893456000 + 30 * 3600) // 60)
 *	"BJ1:" + base64.b32encode(body + sk.sign(body).signature)
 *	    .decode().rstrip("=")
 *
 * tests/api/test_ticketsig.py checks it the same way.
 */
#define VECTOR	"BJ1:AEAAAAAHAAABBEQAAAABCAAAAABQDYMH4AA6DDXIXF4QOX6XV3ID3AW" \
		"WI6WO5HKVBQ7DRVIGJQPICV4EIYXR5OY62XMJVNOGN2C7MLJZS5BTM2BLGQ" \
		"YZ2DLJMUN35NZW5TOMIPP42TP2ABQ"

static unsigned char	pk[TICKETSIG_PK_LEN], sk[TICKETSIG_SK_LEN];
static unsigned char	other_pk[TICKETSIG_PK_LEN], other_sk[TICKETSIG_SK_LEN];

static int
key_of(void *arg, uint32_t key_id, unsigned char out[TICKETSIG_PK_LEN])
{
	(void)arg;
	if (key_id == 7) {
		memcpy(out, pk, TICKETSIG_PK_LEN);
		return 1;
	}
	if (key_id == 8) {
		memcpy(out, other_pk, TICKETSIG_PK_LEN);
		return 1;
	}
	return key_id == 9 ? -1 : 0;
}

static enum ticketsig_rc
verify(const char *text, uint32_t event, int64_t now, struct ticketsig *out)
{
	return ticketsig_verify(text, strlen(text), key_of, NULL, event, now,
	    out);
}

static const struct ticketsig	 fields = {
	7, 4242, 17, 3, 1893456000, 1893456000 + 30 * 3600
};

static void
test_vector(void)
{
	char			 text[TICKETSIG_TEXT_LEN + 1];
	struct ticketsig	 got;

	CHECK(ticketsig_sign(&fields, sk, text) == 0);
	CHECK(strlen(text) == TICKETSIG_TEXT_LEN);
	CHECK(strcmp(text, VECTOR) == 0);
	if (strcmp(text, VECTOR) != 0)
		fprintf(stderr, "signed: %s\n", text);
	CHECK(verify(VECTOR, 17, 1893456000 + 3600, &got) == TICKETSIG_OK);
	CHECK(memcmp(&got, &fields, sizeof(got)) == 0);
}

static void
test_round_trip(void)
{
	char			 a[TICKETSIG_TEXT_LEN + 1], b[TICKETSIG_TEXT_LEN + 1];
	struct ticketsig	 f = fields, got;
	size_t			 i;

	/* The window rounds outwards to whole minutes. */
	f.not_before += 59;
	f.not_after += 1;
	CHECK(ticketsig_sign(&f, sk, a) == 0);
	CHECK(ticketsig_sign(&f, sk, b) == 0);
	CHECK(strcmp(a, b) == 0);
	CHECK(verify(a, 0, f.not_before, &got) == TICKETSIG_OK);
	CHECK(got.not_before == fields.not_before);
	CHECK(got.not_after == fields.not_after + 60);
	/* Lower case reads the same (people and scanners fold case). */
	for (i = 0; a[i] != '\0'; i++)
		b[i] = (char)(a[i] >= 'A' && a[i] <= 'Z' ? a[i] + 32 : a[i]);
	CHECK(verify(b, 17, f.not_before, &got) == TICKETSIG_OK);
	CHECK(got.ticket_id == 4242 && got.variant == 3);
	/* Only QR alphanumeric characters. */
	for (i = 0; a[i] != '\0'; i++)
		CHECK(strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:",
		    a[i]) != NULL);
	/* Largest values: still the same length, and fits version 10. */
	f.key_id = f.ticket_id = f.event_id = f.variant = UINT32_MAX;
	f.not_before = 0;
	f.not_after = (int64_t)UINT32_MAX * 60;
	CHECK(ticketsig_sign(&f, sk, a) == 0);
	CHECK(strlen(a) == TICKETSIG_TEXT_LEN);
	CHECK(qr_version(a) >= 1 && qr_version(a) <= 10);
	printf("largest payload: %zu characters, QR version %d\n", strlen(a),
	    qr_version(a));
	/* Windows that cannot be written. */
	f.not_after = (int64_t)UINT32_MAX * 60 + 1;
	CHECK(ticketsig_sign(&f, sk, a) == -1);
	f.not_before = -1;
	f.not_after = 60;
	CHECK(ticketsig_sign(&f, sk, a) == -1);
	f.not_before = 120;
	CHECK(ticketsig_sign(&f, sk, a) == -1);
}

static void
test_refusals(void)
{
	char			 t[TICKETSIG_TEXT_LEN + 2];
	struct ticketsig	 f = fields, got;
	int64_t			 in = fields.not_before + 60;

	CHECK(ticketsig_sign(&fields, sk, t) == 0);
	CHECK(verify(t, 18, in, &got) == TICKETSIG_WRONG_EVENT);
	CHECK(got.event_id == 17);
	CHECK(verify(t, 17, fields.not_before - 1, &got) ==
	    TICKETSIG_NOT_YET_VALID);
	CHECK(verify(t, 17, fields.not_after, &got) == TICKETSIG_EXPIRED);
	CHECK(verify(t, 17, fields.not_after - 1, &got) == TICKETSIG_OK);

	/* Tampered: one character of the signed fields changed. */
	t[TICKETSIG_PREFIX_LEN + 10] = t[TICKETSIG_PREFIX_LEN + 10] == 'A' ?
	    'B' : 'A';
	CHECK(verify(t, 17, in, &got) == TICKETSIG_BAD_SIGNATURE);
	/* Signed by another key than the one its id names. */
	CHECK(ticketsig_sign(&fields, other_sk, t) == 0);
	CHECK(verify(t, 17, in, &got) == TICKETSIG_BAD_SIGNATURE);
	f.key_id = 8;
	CHECK(ticketsig_sign(&f, other_sk, t) == 0);
	CHECK(verify(t, 17, in, &got) == TICKETSIG_OK);
	f.key_id = 99;
	CHECK(ticketsig_sign(&f, sk, t) == 0);
	CHECK(verify(t, 17, in, &got) == TICKETSIG_UNKNOWN_KEY);
	f.key_id = 9;
	CHECK(ticketsig_sign(&f, sk, t) == 0);
	CHECK(verify(t, 17, in, &got) == TICKETSIG_ERROR);

	/* Format. */
	CHECK(ticketsig_sign(&fields, sk, t) == 0);
	CHECK(verify("ABCDEF", 0, in, &got) == TICKETSIG_FORMAT);
	CHECK(verify("", 0, in, &got) == TICKETSIG_FORMAT);
	CHECK(verify("BJ1:", 0, in, &got) == TICKETSIG_FORMAT);
	t[TICKETSIG_TEXT_LEN - 1] = '\0';		/* one short */
	CHECK(verify(t, 0, in, &got) == TICKETSIG_FORMAT);
	CHECK(ticketsig_sign(&fields, sk, t) == 0);
	strcat(t, "A");					/* one long */
	CHECK(verify(t, 0, in, &got) == TICKETSIG_FORMAT);
	CHECK(ticketsig_sign(&fields, sk, t) == 0);
	t[TICKETSIG_PREFIX_LEN + 3] = '1';		/* not base32 */
	CHECK(verify(t, 0, in, &got) == TICKETSIG_FORMAT);
	CHECK(ticketsig_sign(&fields, sk, t) == 0);
	t[0] = 'X';					/* prefix */
	CHECK(verify(t, 0, in, &got) == TICKETSIG_FORMAT);
	/* The version byte is the first 8 bits: "AE" would be 1, "AI" 2. */
	CHECK(ticketsig_sign(&fields, sk, t) == 0);
	CHECK(t[4] == 'A' && t[5] == 'E');
	t[5] = 'I';
	CHECK(verify(t, 0, in, &got) == TICKETSIG_FORMAT);
	/* The last character's unused bits must be zero. */
	CHECK(ticketsig_sign(&fields, sk, t) == 0);
	t[TICKETSIG_TEXT_LEN - 1] = (char)(t[TICKETSIG_TEXT_LEN - 1] ^ 1);
	CHECK(verify(t, 0, in, &got) == TICKETSIG_FORMAT ||
	    verify(t, 0, in, &got) == TICKETSIG_BAD_SIGNATURE);
	CHECK(strcmp(ticketsig_reason(TICKETSIG_EXPIRED), "expired") == 0);
	CHECK(strcmp(ticketsig_reason((enum ticketsig_rc)99), "unknown") == 0);
}

int
main(void)
{
	unsigned char	 seed[crypto_sign_SEEDBYTES];
	size_t		 i;

	CHECK(sodium_init() >= 0);
	for (i = 0; i < sizeof(seed); i++)
		seed[i] = (unsigned char)i;
	crypto_sign_seed_keypair(pk, sk, seed);
	for (i = 0; i < sizeof(seed); i++)
		seed[i] = (unsigned char)(255 - i);
	crypto_sign_seed_keypair(other_pk, other_sk, seed);
	test_vector();
	test_round_trip();
	test_refusals();
	return CHECK_DONE();
}
