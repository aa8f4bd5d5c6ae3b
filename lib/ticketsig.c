/*
 * Signed QR content: packing, base32, Ed25519 (libsodium).
 */
#include <ctype.h>
#include <strings.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "ticketsig.h"

_Static_assert(TICKETSIG_SIG_LEN == crypto_sign_BYTES, "signature size");
_Static_assert(TICKETSIG_PK_LEN == crypto_sign_PUBLICKEYBYTES, "key size");
_Static_assert(TICKETSIG_SK_LEN == crypto_sign_SECRETKEYBYTES, "key size");

static const char	b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static const char *const reasons[TICKETSIG__MAX] = {
	[TICKETSIG_OK] = "valid",
	[TICKETSIG_FORMAT] = "not a ticket code",
	[TICKETSIG_UNKNOWN_KEY] = "unknown key",
	[TICKETSIG_BAD_SIGNATURE] = "bad signature",
	[TICKETSIG_WRONG_EVENT] = "another event's ticket",
	[TICKETSIG_NOT_YET_VALID] = "not yet valid",
	[TICKETSIG_EXPIRED] = "expired",
	[TICKETSIG_ERROR] = "keys unavailable",
};

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Writes len bytes as unpadded base32 into out (ceil(len*8/5) chars). */
static void
b32_encode(const unsigned char *in, size_t len, char *out)
{
	uint32_t	 acc = 0;
	size_t		 i, o = 0;
	int		 bits = 0;

	for (i = 0; i < len; i++) {
		acc = (acc << 8 | in[i]) & 0xfffu;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = b32[(acc >> bits) & 31];
		}
	}
	if (bits > 0)
		out[o++] = b32[(acc << (5 - bits)) & 31];
	out[o] = '\0';
}

/*
 * Reads exactly TICKETSIG_B32_LEN characters (any case) into
 * TICKETSIG_RAW_LEN bytes.  The bits past the last byte must be zero, so
 * that one payload has one text.  Returns 0 or -1.
 */
static int
b32_decode(const char *in, unsigned char out[TICKETSIG_RAW_LEN])
{
	const char	*p;
	uint32_t	 acc = 0;
	size_t		 i, o = 0;
	int		 bits = 0, c;

	for (i = 0; i < TICKETSIG_B32_LEN; i++) {
		c = toupper((unsigned char)in[i]);
		if (c == '\0' || (p = strchr(b32, c)) == NULL)
			return -1;
		acc = (acc << 5 | (uint32_t)(p - b32)) & 0xfffu;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return o == TICKETSIG_RAW_LEN && (acc & ((1u << bits) - 1)) == 0 ?
	    0 : -1;
}

/* Seconds to minutes since the epoch, rounded down or up; -1 if out of
 * 32-bit range. */
static int64_t
minutes(int64_t t, int up)
{
	int64_t	 m;

	if (t < 0)
		return -1;
	m = t / 60 + (up && t % 60 != 0);
	return m > (int64_t)UINT32_MAX ? -1 : m;
}

int
ticketsig_sign(const struct ticketsig *f,
    const unsigned char sk[TICKETSIG_SK_LEN], char text[TICKETSIG_TEXT_LEN + 1])
{
	unsigned char	 raw[TICKETSIG_RAW_LEN];
	int64_t		 nb, na;

	nb = minutes(f->not_before, 0);
	na = minutes(f->not_after, 1);
	if (nb < 0 || na < 0 || na <= nb)
		return -1;
	raw[0] = TICKETSIG_VERSION;
	put32(raw + 1, f->key_id);
	put32(raw + 5, f->ticket_id);
	put32(raw + 9, f->event_id);
	put32(raw + 13, f->variant);
	put32(raw + 17, (uint32_t)nb);
	put32(raw + 21, (uint32_t)na);
	if (crypto_sign_detached(raw + TICKETSIG_BODY_LEN, NULL, raw,
	    TICKETSIG_BODY_LEN, sk) != 0)
		return -1;
	memcpy(text, TICKETSIG_PREFIX, TICKETSIG_PREFIX_LEN);
	b32_encode(raw, sizeof(raw), text + TICKETSIG_PREFIX_LEN);
	return 0;
}

int
ticketsig_looks_signed(const char *text, size_t len)
{
	return len >= TICKETSIG_PREFIX_LEN &&
	    strncasecmp(text, TICKETSIG_PREFIX, TICKETSIG_PREFIX_LEN) == 0;
}

enum ticketsig_rc
ticketsig_parse(const char *text, size_t len, struct ticketsig *out,
    unsigned char body[TICKETSIG_BODY_LEN], unsigned char sig[TICKETSIG_SIG_LEN])
{
	unsigned char	 raw[TICKETSIG_RAW_LEN];

	memset(out, 0, sizeof(*out));
	if (len != TICKETSIG_TEXT_LEN || !ticketsig_looks_signed(text, len) ||
	    b32_decode(text + TICKETSIG_PREFIX_LEN, raw) == -1 ||
	    raw[0] != TICKETSIG_VERSION)
		return TICKETSIG_FORMAT;
	out->key_id = get32(raw + 1);
	out->ticket_id = get32(raw + 5);
	out->event_id = get32(raw + 9);
	out->variant = get32(raw + 13);
	out->not_before = (int64_t)get32(raw + 17) * 60;
	out->not_after = (int64_t)get32(raw + 21) * 60;
	if (body != NULL)
		memcpy(body, raw, TICKETSIG_BODY_LEN);
	if (sig != NULL)
		memcpy(sig, raw + TICKETSIG_BODY_LEN, TICKETSIG_SIG_LEN);
	return TICKETSIG_OK;
}

enum ticketsig_rc
ticketsig_verify(const char *text, size_t len, ticketsig_key_fn key_fn,
    void *arg, uint32_t event_id, int64_t now, struct ticketsig *out)
{
	unsigned char		 body[TICKETSIG_BODY_LEN];
	unsigned char		 sig[TICKETSIG_SIG_LEN];
	unsigned char		 pk[TICKETSIG_PK_LEN];
	struct ticketsig	 f;
	int			 found;

	memset(out, 0, sizeof(*out));
	if (ticketsig_parse(text, len, &f, body, sig) != TICKETSIG_OK)
		return TICKETSIG_FORMAT;
	if ((found = key_fn(arg, f.key_id, pk)) < 0)
		return TICKETSIG_ERROR;
	if (found == 0)
		return TICKETSIG_UNKNOWN_KEY;
	if (crypto_sign_verify_detached(sig, body, sizeof(body), pk) != 0)
		return TICKETSIG_BAD_SIGNATURE;
	*out = f;
	if (event_id != 0 && f.event_id != event_id)
		return TICKETSIG_WRONG_EVENT;
	if (now < f.not_before)
		return TICKETSIG_NOT_YET_VALID;
	if (now >= f.not_after)
		return TICKETSIG_EXPIRED;
	return TICKETSIG_OK;
}

const char *
ticketsig_reason(enum ticketsig_rc rc)
{
	return (unsigned)rc < TICKETSIG__MAX ? reasons[rc] : "unknown";
}
