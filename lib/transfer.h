/*
 * Resending an order's tickets and transferring one ticket to another
 * person (issue 10).
 *
 * Resending queues the order's ticket mail again, exactly as paying did
 * (an outbox row of kind "tickets", sent by `biljett mail` through
 * lib/ticketmail), at most RESEND_PER_WINDOW times per RESEND_WINDOW
 * seconds per order, so that it cannot be used to flood anyone.
 *
 * A transfer cancels the ticket and issues a new one for the same order,
 * type, price and seat, given to a name and an e-mail address, in one
 * write transaction: the old ticket's short code and signed QR code stop
 * working at every door (it is "transferred": refused by scan_ticket and
 * listed by scan_revocations), the new holder is mailed their ticket with
 * a link that shows that ticket only (transfer_link_*), and whom it was
 * taken from gets a confirmation.  The sale is unchanged: order, price,
 * invoice.  The event decides whether its tickets may change hands
 * (transfers_allowed), until when (transfer_cutoff_hours before it
 * starts) and how often per seat (transfers_max).
 */
#ifndef BILJETT_TRANSFER_H
#define BILJETT_TRANSFER_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"
#include "limits.h"

#define TRANSFER_TOKEN_LEN	32	/* hex digits: 128 bits */

/*
 * Queues order_id's ticket mail again, to email when it is not NULL
 * (which then becomes the order's address) or to the order's own, in a
 * write transaction of its own.  by_user_id is who asked (0: someone
 * holding the order's mail link); the resend is in the audit log.
 * Returns ERR_OK; ERR_ORDER_STATE (not paid, or no valid ticket of the
 * buyer's left); ERR_RESEND_LIMIT with *retry_after the seconds until
 * the next resend may go; ERR_BAD_REQUEST (email is not an address, or
 * the order has none and none is given); ERR_BUSY, ERR_INTERNAL.
 */
enum err	transfer_resend(struct db *db, int64_t now, int64_t order_id,
		    const char *email, int64_t by_user_id,
		    int64_t *retry_after);

/* What a transfer made. */
struct transfer_done {
	int64_t	 old_id;
	int64_t	 new_id;
	int64_t	 order_id;
	char	 uid[UUID_LEN + 1];		/* the new ticket's */
	char	 code[EXTERNAL_ID_LEN + 1];	/* its short code */
};

/*
 * Transfers ticket_id to name and email (checked by the caller; email
 * is stored case-folded) in one write transaction, queueing the new
 * holder's ticket mail and the confirmation.  by_user_id as for
 * transfer_resend.  Returns ERR_OK with out filled; ERR_TICKET_NOT_FOUND;
 * ERR_TICKET_TRANSFERRED (transferred already); ERR_TICKET_USED;
 * ERR_TICKET_INVALID (refunded, cancelled, its order not paid);
 * ERR_TRANSFER_NOT_ALLOWED; ERR_TRANSFER_CLOSED (past the cut-off);
 * ERR_TRANSFER_LIMIT; ERR_BUSY, ERR_INTERNAL.
 */
enum err	transfer_ticket(struct db *db, int64_t now, int64_t ticket_id,
		    const char *name, const char *email, int64_t by_user_id,
		    struct transfer_done *out);

/*
 * The ticket uid as its holder user_id may see it: a ticket of their
 * own order that was not given to someone else, or one given to them.
 * DB_OK with *ticket_id, DB_NOTFOUND, or an error.
 */
enum db_rc	transfer_find_held(struct db *db, const char *uid,
		    int64_t user_id, int64_t *ticket_id);

/*
 * The ticket uid of order_id: any of them when all is set (the event's
 * organizer, an admin), else only the buyer's own (not one given to
 * someone else).  DB_OK with *ticket_id, DB_NOTFOUND, or an error.
 */
enum db_rc	transfer_find_in_order(struct db *db, int64_t order_id,
		    const char *uid, int all, int64_t *ticket_id);

/* The ticket uid, by the holder's own link: DB_OK, DB_NOTFOUND. */
enum db_rc	transfer_find_uid(struct db *db, const char *uid,
		    int64_t *ticket_id);

/*
 * The token of the link in a transferred ticket's mail that shows that
 * one ticket without signing in: an HMAC of its uid under secret_key
 * (lib/seal), nothing stored, another purpose than the order link's.
 * -1 without a secret_key.
 */
int		transfer_link_token(const char *ticket_uid,
		    char token[TRANSFER_TOKEN_LEN + 1]);
/* Is token the link token of ticket_uid?  In constant time. */
int		transfer_link_valid(const char *ticket_uid, const char *token);
/* The link, /tickets/ticket/{uid}/{token} under public_url, into buf;
 * -1 if it does not fit or there is no secret_key. */
int		transfer_link_url(const char *public_url,
		    const char *ticket_uid, char *buf, size_t bufsz);

#endif
