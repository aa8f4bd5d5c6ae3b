/*
 * Outcomes a request can end in, and the one table that maps each to an
 * HTTP status and a body.  Two body shapes exist:
 *  - the API shape of seed 004 and DESIGN.md:
 *    {"error": "...", "detail": "...", "field_errors": {"f": ["..."]},
 *     "code": "OUT_OF_TICKETS"}
 *  - the seed-002 compatibility shape: the upstream's exact bodies, mostly
 *    a bare JSON string such as "InvalidRequestData".
 * Handlers return an enum err; ERR_OK means they filled the response.
 */
#ifndef BILJETT_ERR_H
#define BILJETT_ERR_H

#include <stdint.h>

#include "db.h"

enum err {
	ERR_OK = 0,
	ERR_BAD_REQUEST,	/* malformed or invalid input */
	ERR_NOT_FOUND,		/* no such route */
	ERR_METHOD,		/* route exists, method does not */
	ERR_BODY_TOO_LARGE,
	ERR_MEDIA_TYPE,		/* body content type not accepted */
	ERR_UNAUTHORIZED,
	ERR_FORBIDDEN,
	ERR_CSRF,
	ERR_EVENT_NOT_FOUND,
	ERR_SALES_STOPPED,
	ERR_SALES_NOT_STARTED,
	ERR_QUEUE_REQUIRED,	/* a queue event without a valid pass */
	ERR_TICKET_TYPE_NOT_FOUND,
	ERR_TOO_MANY_TICKETS,
	ERR_TOO_FEW_TICKETS,	/* below a ticket type's min_purchase */
	ERR_OUT_OF_TICKETS,
	ERR_HOLD_LIMIT,		/* this client holds its cap of places */
	ERR_EMAIL_LIMIT,	/* this e-mail address has its cap */
	ERR_INVALID_SESSION,
	ERR_NO_TICKET_IN_SESSION,
	ERR_ALREADY_PAID,
	ERR_SESSION_EXPIRED,
	ERR_PAYMENT_START_FAILED,
	ERR_INCORRECT_PASSWORD,
	ERR_TICKET_NOT_FOUND,
	ERR_TICKET_USED,	/* a staff scan of a ticket already admitted */
	ERR_TICKET_INVALID,	/* ... of one refunded, cancelled, not paid */
	ERR_PAYMENT_NOT_FOUND,
	ERR_QR_FAILED,
	ERR_CALLBACK_REJECTED,
	ERR_EMAIL_TAKEN,
	ERR_WEAK_PASSWORD,
	ERR_INVALID_CREDENTIALS,
	ERR_LOGIN_FAILED,	/* seed 004's sign-in: a 400 */
	ERR_EMAIL_NOT_VERIFIED,
	ERR_ACCOUNT_DISABLED,
	ERR_TOO_MANY_ATTEMPTS,	/* err_count: seconds to wait */
	ERR_TOTP_REQUIRED,
	ERR_TOTP_INVALID,
	ERR_TOKEN_INVALID,
	ERR_TOKEN_REUSED,
	ERR_VENUE_NOT_FOUND,	/* also another organizer's, for writes */
	ERR_VENUE_IN_USE,	/* an event takes place there */
	ERR_SEATS_TAKEN,	/* a change would drop seats sold or held */
	ERR_SEAT_NOT_FOUND,	/* not a seat of the event's venue */
	ERR_SEAT_TAKEN,		/* the seat is held or sold for another order */
	ERR_ORDER_NOT_FOUND,	/* also another buyer's */
	ERR_ORDER_STATE,	/* not in a status that allows it */
	ERR_PROVIDER_UNAVAILABLE, /* the event does not take that provider */
	ERR_INVOICE_NOT_FOUND,	/* also another buyer's */
	ERR_PRODUCT_NOT_FOUND,	/* seed 000: unknown or unpublished */
	ERR_CART_EMPTY,		/* nothing to pay for */
	ERR_CART_MIXED,		/* the cart holds more than one event */
	ERR_STOCK_UNAVAILABLE,	/* a cart line has fewer places left */
	ERR_NOT_FREE,		/* free tickets of a priced product */
	ERR_IDEMPOTENCY_REUSED,	/* same key, another request */
	ERR_IDEMPOTENCY_BUSY,	/* same key, first request still running */
	ERR_NOT_CONFIGURED,
	ERR_CONFLICT,		/* the change contradicts stored data */
	ERR_IN_USE,		/* still referenced: orders, events, ... */
	ERR_SEAT_COUNT,		/* a booking of too few or too many seats */
	ERR_NOT_CANCELLABLE,	/* a booking that is not confirmed */
	ERR_CANCEL_WINDOW,	/* too close to the event to cancel */
	ERR_TRANSFER_NOT_ALLOWED, /* the event's tickets do not change hands */
	ERR_TRANSFER_CLOSED,	/* too close to the event to transfer */
	ERR_TRANSFER_LIMIT,	/* the seat changed hands as often as allowed */
	ERR_TICKET_TRANSFERRED,	/* the ticket was given to someone else */
	ERR_RESEND_LIMIT,	/* err_count: seconds to wait */
	ERR_BUSY,		/* database write lock not obtained in time */
	ERR_INTERNAL,
	ERR__MAX
};

struct err_def {
	int		 status;	/* HTTP status */
	const char	*code;		/* API code, e.g. "OUT_OF_TICKETS" */
	const char	*compat;	/* seed-002 string body, or NULL */
	const char	*message;	/* English message */
	int		 compat_status;	/* seed-002 status if not status */
};

/*
 * The outcome of a storage failure that is not an answer: DB_OK is
 * ERR_OK, DB_BUSY (the write lock not obtained in time) ERR_BUSY, and
 * anything else ERR_INTERNAL.  Callers map DB_NOTFOUND and DB_CONSTRAINT
 * themselves first when those mean something.
 */
enum err		 err_from_db(enum db_rc rc);

/* Returns the table row of e (ERR_INTERNAL's for out-of-range values). */
const struct err_def	*err_def(enum err e);

#endif
