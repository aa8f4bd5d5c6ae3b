/*
 * Organizers' signing keys for tickets' QR codes (sql/020), and the QR
 * content of a ticket (lib/ticketsig signed with its organizer's live
 * key).  One live key per organizer (0 here: events without one), made
 * on first need; `biljett rotate-keys` retires it for a new one.  A
 * retired key still verifies until valid_until, the latest end of the
 * organizer's events when it was retired: the tickets it signed cannot
 * be valid longer (their window ends with their event).  Secret keys
 * are sealed at rest (lib/seal), so signing needs secret_key.
 */
#ifndef BILJETT_TICKETKEY_H
#define BILJETT_TICKETKEY_H

#include <stdint.h>

#include "db.h"
#include "ticketsig.h"

/*
 * How long a ticket's code stays valid after its event starts when the
 * event gives no end (events.ends_at NULL): the evening and the night.
 */
#define TICKETKEY_SLACK_SECONDS	(12 * 3600)

/* A public key, as doors get it. */
struct ticketkey_info {
	uint32_t	 id;
	int64_t		 organizer_id;	/* 0: events without an organizer */
	unsigned char	 public_key[TICKETSIG_PK_LEN];
	int64_t		 created_at;
	int64_t		 retired_at;	/* 0: the live key */
	int64_t		 valid_until;	/* 0: as long as it is live */
};

/*
 * The QR content of ticket ticket_id: its signed code under the live key
 * of its event's organizer (made now if there is none, in a write
 * transaction of its own: call outside a transaction).  Deterministic
 * for one key.  Returns DB_OK, DB_NOTFOUND (no such ticket), DB_BUSY or
 * DB_ERROR (also without secret_key: callers then show the short code).
 */
enum db_rc	ticketkey_code(struct db *db, int64_t ticket_id, int64_t now,
		    char text[TICKETSIG_TEXT_LEN + 1]);

/*
 * ticketkey_code without ever writing: DB_NOTFOUND also when the
 * organizer has no live key yet.  For read-only transactions (the
 * wallet, the ticket pages and PDFs), after ticketkey_ensure_*().
 */
enum db_rc	ticketkey_sign(struct db *db, int64_t ticket_id, int64_t now,
		    char text[TICKETSIG_TEXT_LEN + 1]);

/*
 * Makes sure the organizer of event_id has a live key, so that every
 * ticket of theirs can be shown with a signed code: inside the caller's
 * write transaction (the one issuing tickets), or in one of its own.
 * DB_OK also when there is no secret_key (nothing is signed then).
 */
enum db_rc	ticketkey_ensure_event(struct db *db, int64_t event_id,
		    int64_t now);

/*
 * The same for the organizers of user_id's tickets (of the order
 * order_uid's): a short write transaction for each one missing a key
 * (tickets issued before keys were made at issue), nothing when none
 * is.  Call outside a transaction, before the read; on failure the
 * reader shows short codes.  DB_OK, DB_BUSY or DB_ERROR.
 */
enum db_rc	ticketkey_ensure_user(struct db *db, int64_t user_id,
		    int64_t now);
enum db_rc	ticketkey_ensure_order(struct db *db, const char *order_uid,
		    int64_t now);

/*
 * The public key key_id if it still verifies at now (live, or retired
 * with valid_until after now): 1 with pk and *organizer_id (0: none), 0
 * for no such key, -1 on a storage error.
 */
int		ticketkey_public(struct db *db, uint32_t key_id, int64_t now,
		    unsigned char pk[TICKETSIG_PK_LEN], int64_t *organizer_id);

/*
 * Calls fn for every key still verifying at now that a door may use:
 * scanner_id's (its organizer's keys; a site-wide scanner's: all) or
 * user_id's (an admin's: all; an organizer's own; staff their
 * organizer's).  fn returns 0 to go on.  Returns DB_OK or an error.
 */
enum db_rc	ticketkey_list(struct db *db, int64_t scanner_id,
		    int64_t user_id, int64_t now,
		    int (*fn)(void *, const struct ticketkey_info *), void *arg);

/*
 * Retires organizer_id's live key (if any) and makes a new live one, in
 * one write transaction of its own.  *new_id gets the new key's id.
 * Returns DB_OK, DB_BUSY or DB_ERROR (also without secret_key).
 */
enum db_rc	ticketkey_rotate(struct db *db, int64_t organizer_id,
		    int64_t now, uint32_t *new_id);

/*
 * ticketkey_rotate for every organizer that has a live key, each in a
 * transaction of its own; *count says how many.  Returns DB_OK or an
 * error (keys rotated before it stay rotated).
 */
enum db_rc	ticketkey_rotate_all(struct db *db, int64_t now, int *count);

#endif
