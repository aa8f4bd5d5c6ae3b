/*
 * The buyer's tickets, read-only: seed 004's my-tickets (TicketSerializer
 * and the stats) and seed 003's wallet (its TicketSerializer), over the
 * tickets the signed-in user holds: their orders' own, and those a
 * transfer gave to them (lib/transfer).  A ticket is addressed by its
 * uid; another user's is not found, as if it did not exist.
 *
 * A ticket's QR code (qr_code_data, qr_code_hash, the pictures) holds
 * its signed code (lib/ticketkey); call ticketkey_ensure_user() or
 * _order() before the read transaction, so that its organizer's key
 * exists.
 *
 * A ticket's status is derived, never stored twice: "cancelled" when the
 * ticket or its order was cancelled or refunded, else "used" once it has
 * been scanned in, else "expired" once its event is over, else "active".
 */
#ifndef BILJETT_WALLET_H
#define BILJETT_WALLET_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "limits.h"

struct cJSON;

#define WALLET_TOKEN_LEN	32	/* hex digits: 128 bits */
#define WALLET_PAGE_MAX		200	/* tickets on the "my tickets" page */
/* A ticket's PDF (seed 004), its uid in the %s: each ticket's
 * download_url. */
#define WALLET_DOWNLOAD_PATH	"/api/tickets/my-tickets/%s/download/"

enum wallet_status {
	WALLET_ANY = 0,
	WALLET_ACTIVE,
	WALLET_USED,
	WALLET_CANCELLED,
	WALLET_EXPIRED,
	WALLET_STATUS__MAX
};

/* Seed 004's orderings of the list. */
enum wallet_order {
	WALLET_NEWEST = 0,	/* -created_at, the default */
	WALLET_OLDEST,		/* created_at */
	WALLET_EVENT_FIRST,	/* event_date: soonest event first */
	WALLET_EVENT_LAST,	/* -event_date */
	WALLET_ORDER__MAX
};

struct wallet_filter {
	enum wallet_status	 status;
	int			 used;		/* -1 either, 0, 1 */
	const char		*event;		/* id or slug; NULL: any */
	enum wallet_order	 order;
};

/* "active" and so on to the enum; WALLET_STATUS__MAX if unknown. */
enum wallet_status	wallet_status_parse(const char *s);
/* "-created_at", "event_date" (or seed 004's "event__start_date") ... to
 * the enum; WALLET_ORDER__MAX if unknown. */
enum wallet_order	wallet_order_parse(const char *s);

/*
 * One page of user_id's tickets matching f at now, as seed 004 shows
 * them: *results an array (free with cJSON_Delete()), *count how many
 * match in all.
 */
enum db_rc	wallet_list(struct db *db, int64_t now, int64_t user_id,
		    const struct wallet_filter *f, int64_t offset,
		    int64_t limit, struct cJSON **results, int64_t *count);

/*
 * user_id's ticket uid as seed 004 shows it (seed003 zero) or as seed
 * 003's wallet does (seed003 non-zero).  DB_NOTFOUND for no such ticket
 * of theirs; *out is set on DB_OK only.
 */
enum db_rc	wallet_get(struct db *db, int64_t now, int64_t user_id,
		    const char *uid, int seed003, struct cJSON **out);

/* Seed 003's wallet: every ticket of user_id, newest first. */
enum db_rc	wallet_list003(struct db *db, int64_t now, int64_t user_id,
		    int64_t offset, int64_t limit, struct cJSON **results,
		    int64_t *count);

/*
 * The tickets of the order uid (any status), or of user_id (the coming
 * events first, at most WALLET_PAGE_MAX), each as seed 004 shows it
 * with its QR code as a picture: for the buyer's pages.  *out is an
 * array, empty when there is no such order or ticket.
 */
enum db_rc	wallet_order_tickets(struct db *db, int64_t now,
		    const char *order_uid, struct cJSON **out);
enum db_rc	wallet_user_tickets(struct db *db, int64_t now,
		    int64_t user_id, struct cJSON **out);
/* The one ticket ticket_uid, as above: for the link of a ticket a
 * transfer gave to someone (lib/transfer). */
enum db_rc	wallet_ticket(struct db *db, int64_t now,
		    const char *ticket_uid, struct cJSON **out);

/*
 * The token of the link in the ticket mail that opens an order's
 * tickets without signing in: an HMAC of the order's uid under
 * secret_key (lib/seal), nothing stored.  -1 without a secret_key.
 */
int		wallet_link_token(const char *order_uid,
		    char token[WALLET_TOKEN_LEN + 1]);
/* Is token the link token of order_uid?  In constant time. */
int		wallet_link_valid(const char *order_uid, const char *token);
/* The link itself, under public_url, into buf; -1 if it does not fit or
 * there is no secret_key. */
int		wallet_link_url(const char *public_url, const char *order_uid,
		    char *buf, size_t bufsz);

/*
 * The uid of the order name names: its uid, its order number, its seed
 * 002 code or one of its tickets' short codes (for the support desk:
 * "biljett ticket-link").  DB_NOTFOUND if none.
 */
enum db_rc	wallet_order_find(struct db *db, const char *name,
		    char uid[UUID_LEN + 1]);

/* Seed 004's five counters of user_id's tickets at now. */
enum db_rc	wallet_stats(struct db *db, int64_t now, int64_t user_id,
		    struct cJSON **out);

#endif
