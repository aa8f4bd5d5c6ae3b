/*
 * Orders, holds and tickets: the inventory rules of DESIGN.md.  A
 * reservation is an order in status "reserved" that holds seats in every
 * quota covering its lines until expires_at; paying makes it "paid" and
 * issues one ticket per seat.  Every function that changes seats runs
 * inside a transaction, so SQLite's single writer makes overselling
 * impossible.
 */
#ifndef BILJETT_ORDER_H
#define BILJETT_ORDER_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "db.h"
#include "err.h"
#include "i18n.h"
#include "limits.h"

struct session;

enum order_status {
	ORDER_RESERVED = 0,
	ORDER_PAID,
	ORDER_EXPIRED,
	ORDER_CANCELLED,
	ORDER_REFUNDED,
	ORDER_PARTIALLY_REFUNDED,
	ORDER_FAILED,
	ORDER_STATUS__MAX
};

/* tickets.status: only a valid ticket admits anyone. */
enum ticket_status {
	TICKET_VALID = 0,
	TICKET_CANCELLED,
	TICKET_REFUNDED,
	TICKET_STATUS__MAX
};

struct order {
	int64_t			 id;
	int64_t			 event_id;
	enum order_status	 status;
	int			 holds_seats;
	int			 payment_started;
	int64_t			 seats;
	int64_t			 total;		/* minor units */
	int64_t			 expires_at;
	int64_t			 paid_at;	/* 0 if unpaid */
	int64_t			 extensions;	/* times paying pushed expiry */
	char			 code[16];
	char			 email[EMAIL_MAX + 1];	/* "" if none */
	char			 flag[40];		/* "" if none */
	char			 uid[UUID_LEN + 1];	/* /api/orders/{id} */
	char			 number[ORDER_NUMBER_MAX + 1];
	char			 currency[CURRENCY_LEN + 1];
	int64_t			 user_id;		/* 0: a guest's */
	int64_t			 subtotal;		/* total = subtotal */
	int64_t			 service_fee;		/*  + fee - discount */
	int64_t			 refunded;		/* minor units */
};

/* One requested line: ticket type and count, already validated. */
struct order_line_req {
	int64_t	 ticket_type_id;
	int64_t	 count;
};

/*
 * The stored names of the two closed sets ("reserved", "valid", ...)
 * and back, each from one table.  A name the schema does not allow
 * (or NULL) parses as the status that sells and admits nothing:
 * ORDER_FAILED, TICKET_CANCELLED.  Pure.
 */
const char		*order_status_str(enum order_status s);
enum order_status	 order_status_parse(const char *s);
const char		*ticket_status_str(enum ticket_status s);
enum ticket_status	 ticket_status_parse(const char *s);

/*
 * The seed-002 PaymentStatus for an order as the web client knows them:
 * RESERVED, PAID, FAILED_EXPIRED_RESERVATION, FAILED_ADMIN.  A
 * reservation past its expiry reads as expired even before cron runs.
 */
const char		*order_compat_status(const struct order *o, int64_t now);

/*
 * Reserves lines for event_id in one BEGIN IMMEDIATE transaction:
 * checks, in the seed's order, EVENT_NOT_FOUND, SALES_STOPPED,
 * QUEUE_REQUIRED (an event with a queue, and queue_pass, which may be
 * NULL, is not a valid pass for it: lib/queue.h), SALES_NOT_STARTED,
 * TICKET_TYPE_NOT_FOUND (unknown, hidden, or not this event's),
 * TOO_MANY_TICKETS; expires the event's stale holds; releases the
 * reservation of prev (the caller's current session, may be NULL) and
 * revokes it; then HOLD_LIMIT when client (buyer_addr_key()) would hold
 * more places of the event than its max_held_per_client, counting its
 * live holds but not the one just released; OUT_OF_TICKETS
 * (*tickets_left set); inserts the order, held by client, and a new
 * session, whose token is written to token.  On any failure nothing is
 * written.  *released_started is set when the released order had a
 * payment request open (the caller should have it cancelled).
 * Returns ERR_OK, one of the outcomes above, ERR_BUSY or ERR_INTERNAL.
 */
enum err		 order_reserve(struct db *db, int64_t now,
			    int64_t event_id, const struct order_line_req *lines,
			    size_t nlines, const struct session *prev,
			    const char *queue_pass, const char *client,
			    char token[TOKEN_HEX_LEN + 1],
			    int64_t *tickets_left, int *released_started);

/*
 * The hold at the heart of order_reserve(), inside the caller's write
 * transaction and without sessions: its checks in the seed's order
 * (as order_reserve() lists them); this event's stale holds expired;
 * release_id (0: none), if still a hold, released (cancelled) with
 * *released_started set as order_reserve() does; HOLD_LIMIT when client
 * would hold more of the event than its max_held_per_client;
 * OUT_OF_TICKETS (*tickets_left set); else the order is inserted
 * (status reserved, numbered, a fresh uid), held by client, and
 * *order_id set.  On an outcome the caller rolls back.
 */
enum err		 order_hold(struct db *db, int64_t now,
			    int64_t event_id, const struct order_line_req *lines,
			    size_t nlines, const char *queue_pass,
			    const char *client, int64_t release_id,
			    int *released_started, int64_t *order_id,
			    int64_t *tickets_left);

/*
 * Makes o, whose hold lapsed (status reserved past expires_at, or
 * expired or cancelled), a live hold of client again, inside the
 * caller's write transaction: HOLD_LIMIT when client's other live holds
 * plus o's seats would pass the event's max_held_per_client, else the
 * seats are taken back (SESSION_EXPIRED when they are gone) and client
 * recorded.  The caller sets the new expiry.  Returns ERR_OK, those
 * outcomes or a storage outcome; on an outcome nothing was written.
 */
enum err		 order_rehold(struct db *db, int64_t now,
			    const struct order *o, const char *client);

/*
 * Would paying o with email (valid) give that address more places of
 * o's event than its max_tickets_per_email?  Counts o's seats and the
 * places of the address's other live holds and bought orders, the
 * address compared by buyer_email_key().  Returns ERR_OK, EMAIL_LIMIT
 * or a storage outcome.  Writes nothing.
 */
enum err		 order_email_cap(struct db *db, int64_t now,
			    const struct order *o, const char *email);

/* May an order in status from move to status to (the state machine of
 * lib/order.c, which every status change goes through)?  Pure. */
int			 order_may_become(enum order_status from,
			    enum order_status to);

/* Loads an order by id (inside or outside a transaction). */
enum db_rc		 order_load(struct db *db, int64_t id, struct order *out);

/*
 * Expires reservations past expires_at (of one event, or all when
 * event_id is 0) and frees their seats.  Call inside a write
 * transaction.  *expired counts the orders expired.
 */
enum db_rc		 order_expire_stale(struct db *db, int64_t now,
			    int64_t event_id, int64_t *expired);

/*
 * Takes the seats of an order that does not hold them (expired or
 * cancelled) back, if every quota has room.  Returns DB_OK when taken,
 * DB_CONSTRAINT when there is no room (nothing changed).  Inside a
 * write transaction.
 */
enum db_rc		 order_retake_seats(struct db *db, int64_t order_id);

/* Frees the seats of an order that holds them and sets its status
 * (expired, cancelled, refunded).  Inside a write transaction. */
enum db_rc		 order_release(struct db *db, int64_t order_id,
			    enum order_status status);

/* Sets a held order's new expiry (re-reservation, payment start). */
enum db_rc		 order_set_expiry(struct db *db, int64_t order_id,
			    int64_t expires_at);

/* Sets a held order's new expiry and counts it as one more extension
 * (struct order's extensions; HOLD_EXTENSIONS_MAX is the caller's). */
enum db_rc		 order_extend(struct db *db, int64_t order_id,
			    int64_t expires_at);

/*
 * Marks a held order paid, issues one ticket per seat (unique 6-letter
 * external_id, random secret) and queues the ticket mail, all inside the
 * caller's write transaction.  flag (may be NULL) is recorded on the
 * order.  Returns DB_OK or an error (the caller rolls back).
 */
enum db_rc		 order_mark_paid(struct db *db, int64_t order_id,
			    int64_t now, const char *flag);

/* Sets the order's flag (late payments, refunds) for operators. */
enum db_rc		 order_set_flag(struct db *db, int64_t order_id,
			    const char *flag);

/* Records the buyer's mail address (with its buyer_email_key(), when
 * not NULL) and that payment has started. */
enum db_rc		 order_set_payment_started(struct db *db,
			    int64_t order_id, const char *email, int started);

/* Who buys an order placed through the API (lib/checkout.h). */
struct order_buyer {
	int64_t		 user_id;	/* 0: a guest */
	const char	*email;		/* valid */
	const char	*name;		/* may be NULL */
	const char	*phone;
	const char	*notes;
	enum lang	 lang;		/* of the ticket mail */
};

/* Records b on the held order and adds service_fee to its total. */
enum db_rc		 order_set_buyer(struct db *db, int64_t order_id,
			    const struct order_buyer *b, int64_t service_fee);

/*
 * Adds amount to what was refunded of a paid order, inside the caller's
 * write transaction: full, the order is refunded, its seats free and
 * its tickets refunded (a scan says so); else partially refunded, its
 * tickets still valid.  DB_CONSTRAINT when the order is not paid.
 */
enum db_rc		 order_mark_refunded(struct db *db, int64_t order_id,
			    int64_t amount, int full);

/*
 * Takes discount (minor units, at most the subtotal) off a held order's
 * total, before order_set_buyer() adds the service fee (which keeps
 * it).  DB_CONSTRAINT when the order is not a hold or the discount too
 * large.  Inside the caller's write transaction.
 */
enum db_rc		 order_set_discount(struct db *db, int64_t order_id,
			    int64_t discount);

/*
 * Voids (refunds) one valid ticket of order_id, setting *price to what
 * it was sold for before any discount.  DB_NOTFOUND when ticket_id is
 * not a valid ticket of that order.  Inside the caller's write
 * transaction.
 */
enum db_rc		 order_void_ticket(struct db *db, int64_t order_id,
			    int64_t ticket_id, int64_t *price);

/* Records why and when the order was cancelled. */
enum db_rc		 order_note_cancel(struct db *db, int64_t order_id,
			    int64_t now, const char *reason);

/*
 * The order for pages: {"code", "status", "email", "event": {"id",
 * "title", "event_at"}, "lines": [{"title", "count", "unit_price",
 * "subtotal"}], "total", "seats", "expires_at", "seconds_left",
 * "tickets": [{"external_id", "type"}]} with money formatted for lang
 * ("199.00 kr", see money.h).  NULL if there is no such order.  Free
 * with cJSON_Delete().
 */
struct cJSON		*order_summary(struct db *db, int64_t order_id,
			    int64_t now, enum lang lang);

/* Seats still free in the event's tightest quota (>= 0). */
enum db_rc		 order_tickets_left(struct db *db, int64_t event_id,
			    int64_t *left);

#endif
