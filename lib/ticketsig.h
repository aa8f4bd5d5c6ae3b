/*
 * The signed content of a ticket's QR code, which a door can check
 * offline with its organizer's public key (issue 10).  Binary, big-endian:
 *
 *	version (1 byte, TICKETSIG_VERSION)
 *	key id, ticket id, event id, variant (ticket_types.id)  4 bytes each
 *	not before, not after (minutes since the epoch, UTC)     4 bytes each
 *	Ed25519 signature over the 25 bytes above                64 bytes
 *
 * written as TICKETSIG_PREFIX and the 89 bytes in RFC 4648 base32
 * (upper case, no padding): only characters of the QR alphanumeric set
 * (0-9 A-Z space $ % * + - . / :), so the 147 characters fit a version 6
 * code at lib/qr's level M, well within version 10
 * (tests/unit/test-ticketsig asks libqrencode).
 * Nothing here touches storage or the clock: the caller gives the keys
 * and the time (lib/ticketkey has the keys).
 */
#ifndef BILJETT_TICKETSIG_H
#define BILJETT_TICKETSIG_H

#include <stddef.h>
#include <stdint.h>

#define TICKETSIG_PREFIX	"BJ1:"
#define TICKETSIG_PREFIX_LEN	4
#define TICKETSIG_VERSION	1
#define TICKETSIG_BODY_LEN	25
#define TICKETSIG_SIG_LEN	64	/* crypto_sign_BYTES */
#define TICKETSIG_PK_LEN	32	/* crypto_sign_PUBLICKEYBYTES */
#define TICKETSIG_SK_LEN	64	/* crypto_sign_SECRETKEYBYTES */
#define TICKETSIG_RAW_LEN	(TICKETSIG_BODY_LEN + TICKETSIG_SIG_LEN)
/* base32 of TICKETSIG_RAW_LEN bytes: ceil(89 * 8 / 5) */
#define TICKETSIG_B32_LEN	((TICKETSIG_RAW_LEN * 8 + 4) / 5)
#define TICKETSIG_TEXT_LEN	(TICKETSIG_PREFIX_LEN + TICKETSIG_B32_LEN)

/* What a code says.  Times are seconds since the epoch, whole minutes. */
struct ticketsig {
	uint32_t	 key_id;
	uint32_t	 ticket_id;
	uint32_t	 event_id;
	uint32_t	 variant;
	int64_t		 not_before;
	int64_t		 not_after;
};

/* Why a code is refused; TICKETSIG_OK is 0. */
enum ticketsig_rc {
	TICKETSIG_OK = 0,
	TICKETSIG_FORMAT,	/* not our prefix, length, base32 or version */
	TICKETSIG_UNKNOWN_KEY,
	TICKETSIG_BAD_SIGNATURE,
	TICKETSIG_WRONG_EVENT,
	TICKETSIG_NOT_YET_VALID,
	TICKETSIG_EXPIRED,
	TICKETSIG_ERROR,	/* the key look-up failed */
	TICKETSIG__MAX
};

/*
 * Looks up the public key of key_id for ticketsig_verify: returns 1 with
 * pk filled, 0 for no such key (or one the caller will not accept), -1
 * on a storage error.
 */
typedef int	(*ticketsig_key_fn)(void *arg, uint32_t key_id,
		    unsigned char pk[TICKETSIG_PK_LEN]);

/*
 * Signs f with the Ed25519 secret key sk into text (NUL-terminated).
 * The window is rounded outwards to whole minutes.  Deterministic: the
 * same fields and key give the same text.  Returns 0, or -1 when a time
 * is before the epoch, past what 32 bits of minutes hold, or the window
 * is empty.
 */
int		ticketsig_sign(const struct ticketsig *f,
		    const unsigned char sk[TICKETSIG_SK_LEN],
		    char text[TICKETSIG_TEXT_LEN + 1]);

/* Does text (len bytes) start like a signed code (the prefix, in any
 * case)?  Anything else is a short code. */
int		ticketsig_looks_signed(const char *text, size_t len);

/*
 * Reads text (len bytes, any case) into out without checking the
 * signature: TICKETSIG_OK or TICKETSIG_FORMAT.  body and sig, when not
 * NULL, get the signed bytes and the signature.
 */
enum ticketsig_rc ticketsig_parse(const char *text, size_t len,
		    struct ticketsig *out,
		    unsigned char body[TICKETSIG_BODY_LEN],
		    unsigned char sig[TICKETSIG_SIG_LEN]);

/*
 * Parses and checks text: format, key (through key_fn), signature, event
 * (event_id 0: any) and window against now, in that order; out is
 * filled from TICKETSIG_WRONG_EVENT on (the fields are then authentic).
 */
enum ticketsig_rc ticketsig_verify(const char *text, size_t len,
		    ticketsig_key_fn key_fn, void *arg, uint32_t event_id,
		    int64_t now, struct ticketsig *out);

/* A short English reason for rc ("expired"), for logs and answers. */
const char	*ticketsig_reason(enum ticketsig_rc rc);

#endif
