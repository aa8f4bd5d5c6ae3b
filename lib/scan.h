/*
 * Door scanning: scanner credentials and ticket validation.  Marking a
 * ticket used is one write transaction, so of two doors scanning the same
 * ticket at the same moment exactly one sees times_used 0.  Every scan
 * lands in checkins: an admission in its own transaction, a look-up
 * through the journal of lib/scanlog (within a minute, by `biljett
 * expire`), so that looking at tickets never waits for the write lock.
 *
 * A door sees only the tickets its credential may admit (issue 13): a
 * scanner its organizer's events, all or a list of them (site-wide
 * scanners, made only by the operator, every event's); a signed-in
 * account as its role allows (lib/scanner.h has the rules and their
 * management).  Any other ticket is answered exactly as an unknown one.
 *
 * A code is a ticket's short code (tickets.external_id, what is printed)
 * or the signed content of its QR code (lib/ticketsig, "BJ1:..."): a
 * signed code is verified first -- its key still valid and its
 * organizer's, the signature, its window -- and then names the ticket by
 * id, event and variant; one that fails is an unknown ticket too.
 */
#ifndef BILJETT_SCAN_H
#define BILJETT_SCAN_H

#include <stdint.h>

#include "checkin.h"
#include "db.h"
#include "err.h"
#include "limits.h"
#include "seal.h"
#include "ticketsig.h"

struct session;

/* Longest code we look up: a short code or a signed QR's content. */
#define SCAN_ID_MAX	160
_Static_assert(SCAN_ID_MAX >= TICKETSIG_TEXT_LEN, "a signed code fits");
#define SCANNER_SECONDS	(12 * 3600)	/* a door's session: one evening */

/*
 * A scanner password's lookup: its MAC under secret_key (seal_mac,
 * purpose "scanner password"), stored unique in scanners.lookup so that
 * a password is found by index and names one scanner.  Returns 0, or -1
 * without a secret_key (mac is then "").
 */
int		scan_password_key(const char *password,
		    char mac[SEAL_MAC_HEX_LEN + 1]);

/*
 * Checks password against the active scanners: the one its lookup
 * names (one argon2id check), then any scanner without a lookup yet
 * (made before lookups or without a secret_key; one check each, and it
 * gets its lookup on success).  Successful checks are remembered in this
 * process for a few minutes (keyed by a keyed hash of the password,
 * never the password), so a scanning door pays for argon2 once, not per
 * ticket; a deactivated or re-keyed scanner is refused at once because
 * the cache is confirmed against the stored hash on every call.
 * Returns 1 and sets *scanner_id on success, 0 on a wrong password, -1
 * on a database error.
 */
int		scan_auth(struct db *db, const char *password, int64_t now,
		    int64_t *scanner_id);

/*
 * Guessing scanner passwords.  A scanner password names its scanner, so a
 * wrong one names no account to count against: wrong passwords are
 * counted per remote address, in memory shared by the program's
 * processes (scan_throttle_open()), and an address with SCAN_FAILS_MAX
 * of them within SCAN_FAILS_WINDOW seconds is answered 429 for further
 * wrong ones until the window ends.  The password is always checked
 * first and a right one always passes, throttled address or not: a door
 * behind the venue's NAT shares its address with whoever else is there,
 * and they must not be able to lock it out.
 */
#define SCAN_FAILS_MAX		10
#define SCAN_FAILS_WINDOW	60

/*
 * Makes the shared count of wrong passwords.  Call it before the
 * program's workers are forked (main, before route_main) so that they
 * all count together; scan_password() makes one for its process alone
 * otherwise.  Returns 0, or -1 when the memory cannot be had.
 */
int		scan_throttle_open(void);

/*
 * Checks a door's password (scan_auth) sent from addr (may be NULL; a
 * NULL password is a wrong one): ERR_OK with *scanner_id;
 * ERR_INCORRECT_PASSWORD, counted against addr; ERR_TOO_MANY_ATTEMPTS
 * for a wrong password from an address past SCAN_FAILS_MAX, with
 * *retry_after the seconds left in its window (counted as well);
 * ERR_INTERNAL.
 */
enum err	scan_password(struct db *db, const char *addr,
		    const char *password, int64_t now, int64_t *scanner_id,
		    int64_t *retry_after);

/*
 * Signs a door in: scan_password, then a scanner session of
 * SCANNER_SECONDS in a transaction of its own.  token gets the session
 * token (the cookie to set).  Outcomes as scan_password, and ERR_BUSY.
 */
enum err	scan_login(struct db *db, const char *addr, const char *password,
		    int64_t now, char token[TOKEN_HEX_LEN + 1],
		    int64_t *retry_after);

/* Is token (the door's cookie, may be NULL) a live scanner session?
 * Returns 1 and fills s, or 0. */
int		scan_session(struct db *db, const char *token, int64_t now,
		    struct session *s);

/* Ends the scanner session of token, if it is one, in a transaction of
 * its own.  A failure is not reported: the caller signs the browser out
 * either way. */
void		scan_logout(struct db *db, const char *token, int64_t now);

/* Who is at the door: a scanner credential or a signed-in account. */
struct scan_door {
	int64_t	 scanner_id;	/* 0: not a scanner */
	int64_t	 user_id;	/* 0: not an account */
};

struct scan_result {
	char	 external_id[SCAN_ID_MAX + 1];	/* the short code */
	int64_t	 times_used;		/* before this scan */
	char	 event_title[TITLE_MAX * 4 + 1];
	char	 status[32];		/* seed-002 payment status */
	char	 ticket_type[TITLE_MAX * 4 + 1];
	int	 admitted;		/* this scan was the first use */
	/* For the staff APIs (seeds 000 and 004). */
	int64_t	 ticket_id;
	int64_t	 event_id;
	int64_t	 event_at;
	int	 valid;			/* paid for and not revoked */
	char	 ticket_status[16];	/* tickets.status, or "transferred" */
	int64_t	 used_at;		/* first admission; 0: none */
	char	 venue[VENUE_NAME_MAX * 2 + 2];	/* name, city */
	char	 first_name[BUYER_NAME_MAX + 1];
	char	 last_name[BUYER_NAME_MAX + 1];
	char	 email[EMAIL_MAX + 1];
	/* Entry and exit (lib/checkin.h). */
	const char *result;		/* checkins.result of this scan */
	int	 used;			/* admitted before (a pass: today) */
	int	 inside;		/* the holder is inside, after it */
	int	 reentry;		/* its type allows re-entry */
	int	 pass;			/* an all-days pass */
	char	 day[CHECKIN_DAY_LEN];	/* a day ticket's date; "": any */
	char	 door_day[CHECKIN_DAY_LEN];	/* the scan's door day */
};

/*
 * Looks up external_id (a code, case-insensitive) among the tickets door
 * may see and, when use is set and the ticket is paid and valid, counts
 * one use (never a transferred one's: its status is "TRANSFERRED",
 * ticket_status and result "transferred"; nor a cancelled or refunded
 * one's of a paid order: status "FAILED_ADMIN").  Returns ERR_OK, ERR_TICKET_NOT_FOUND (no such ticket, not
 * door's, or a signed code that fails: the same answer), ERR_BUSY or
 * ERR_INTERNAL.  The scan is logged in checkins either way, with door.
 */
enum err	scan_ticket(struct db *db, int64_t now,
		    const struct scan_door *door, const char *external_id,
		    int use, struct scan_result *out);

/*
 * scan_ticket() in direction dir: with use set, an entry admits or
 * refuses by the rules of lib/checkin.h and an exit marks the holder
 * outside, in one write transaction with its checkins row (direction,
 * door).  out->admitted is set for an admission (a first use, a pass's
 * first today, or a re-entry), out->result names the outcome.  Without
 * use it only shows the ticket, as scan_ticket().  scan_ticket() is
 * this with CHECKIN_ENTRY.
 */
enum err	scan_ticket_dir(struct db *db, int64_t now,
		    const struct scan_door *door, const char *external_id,
		    int use, enum checkin_dir dir, struct scan_result *out);

/*
 * The tickets of event_id a door must refuse although their codes verify
 * (refunded, cancelled, transferred, or their order no longer paid: exactly those
 * scan_ticket would not admit): fn(arg, ticket id) for each, in id
 * order, from one read snapshot.  DB_NOTFOUND when door may not see the
 * event (or it does not exist); DB_OK or an error otherwise.
 */
enum db_rc	scan_revocations(struct db *db, const struct scan_door *door,
		    int64_t event_id, void (*fn)(void *, int64_t), void *arg);

#endif
