/*
 * Seat bookings (seed 001): a booking is an order (lib/order) whose lines
 * are seats of a seated event (lib/seat), paid by a card the buyer gave
 * us as a Stripe payment method, charged on the server after the answer:
 *
 *	POST /api/bookings: booking_place() holds the seats in one short
 *	transaction (a taken seat is answered at once, 409) -> 202 PENDING
 *	`biljett booking-charge UID`: booking_charge() creates and confirms
 *	the PaymentIntent, then applies what Stripe says through the
 *	payment state machine: paid -> CONFIRMED (tickets, mail); declined
 *	-> FAILED (seats free at once)
 *	`biljett expire`: booking_list_due() finds charges that never
 *	finished (a worker died) and booking_charge() picks them up again,
 *	never charging twice (the Idempotency-Key is the payment's ref)
 *	POST /api/bookings/{id}/cancel: booking_cancel() refunds per the
 *	event's policy (booking_cancel_hours, booking_refund_percent)
 *
 * Seed 001's statuses are words for our order statuses, from one table
 * (booking_status_word).  Its ids: a booking is "bkg_" + the order's uid.
 */
#ifndef BILJETT_BOOKING_H
#define BILJETT_BOOKING_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "err.h"
#include "i18n.h"
#include "limits.h"
#include "order.h"

struct cJSON;
struct db;
struct provider;

/* Seed 001: "Must book between 1 and 10 seats". */
#define BOOKING_SEATS_MAX	10

/* A POST /api/bookings body, validated (booking_parse). */
struct booking_in {
	char		 event[SLUG_MAX + 1];	/* an event id or slug */
	int64_t		 seats[BOOKING_SEATS_MAX];
	size_t		 nseats;
	char		 payment_method[PAY_METHOD_MAX + 1];
};

/*
 * Validates body ({"eventId", "seatIds": ["seat_12" | 12, ...],
 * "paymentMethod": {"type": "card", "token": "pm_..." | "tok_..."}})
 * into in.  Adds one reason per bad field to errs.
 * Returns ERR_OK; ERR_SEAT_COUNT when seatIds is a list of fewer than 1
 * or more than BOOKING_SEATS_MAX (and nothing else is wrong);
 * ERR_BAD_REQUEST with reasons (also for a seat given twice).  Pure.
 */
enum err	 booking_parse(const struct cJSON *body, struct booking_in *in,
		    struct cJSON *errs);

/*
 * Seed 001's word for an order's status: PENDING (a hold), CONFIRMED
 * (paid, also partly refunded), FAILED (declined, or lapsed before a
 * charge went through), CANCELLED (cancelled or refunded).  Pure.
 */
const char	*booking_status_word(enum order_status s);

/*
 * The order statuses a seed 001 word stands for, as ",paid,...," (for a
 * filter), or NULL for a word it does not have.  Pure.
 */
const char	*booking_status_set(const char *word);

/* Who books, and from where (buyer_addr_key()). */
struct booking_who {
	int64_t		 user_id;
	const char	*email;
	const char	*name;
	const char	*client;
	enum lang	 lang;
};

/*
 * Holds in's seats for who in one write transaction: the event (not a
 * draft; EVENT_NOT_FOUND), that it takes card payments
 * (PROVIDER_UNAVAILABLE), every seat of the event's map with a price
 * (its category names one of the event's ticket types, or the event has
 * exactly one: SEAT_NOT_FOUND otherwise) and free (SEAT_TAKEN, before
 * the quotas the seats fill are looked at), the order hold of lib/order
 * (SALES_STOPPED, TOO_MANY_TICKETS, HOLD_LIMIT, OUT_OF_TICKETS, ...),
 * then the seats locked until the hold's end (SEAT_TAKEN again, should
 * the guarded move find one gone).  On ERR_OK, uid is the new order's; on an outcome
 * nothing is written.
 */
enum err	 booking_place(struct db *db, int64_t now,
		    const struct booking_in *in, const struct booking_who *who,
		    char uid[UUID_LEN + 1]);

/* What booking_charge() came to. */
struct booking_charged {
	int		 tickets_issued;	/* send the mail now */
	int		 refund_needed;		/* send refunds now */
	const char	*outcome;		/* static, for the log */
};

/*
 * Charges booking uid's card with pv (Stripe), outside any transaction:
 * an open payment with a PaymentIntent is asked about again; one never
 * created is created again under the same Idempotency-Key (our ref), so
 * Stripe answers it with the first outcome and never charges twice;
 * otherwise a payment is begun (pay_begin) and created with confirm.
 * What Stripe then reports is applied by pay_apply(): paid confirms the
 * order, declined fails it and frees the seats.  A card Stripe refuses
 * outright (no intent made) fails the booking too.  Once the booking
 * has its answer, its payment method is forgotten.  Returns ERR_OK
 * (also when there was nothing to do), ERR_ORDER_NOT_FOUND,
 * ERR_PAYMENT_START_FAILED (Stripe could not be reached: try again
 * later), ERR_BUSY or ERR_INTERNAL.
 */
enum err	 booking_charge(struct db *db, const struct provider *pv,
		    const char *uid, struct booking_charged *out);

/*
 * Up to max uids of bookings whose charge has no answer yet and started
 * before `before` (the payment method is still kept): for `biljett
 * expire`.  uids is max rows of UUID_LEN + 1.
 */
enum err	 booking_list_due(struct db *db, int64_t before,
		    char (*uids)[UUID_LEN + 1], size_t max, size_t *n);

/*
 * The booking uid of user_id (0: anyone's, for an admin) in seed 001's
 * shape: {"id", "userId", "eventId", "eventName", "eventDate",
 * "venueName", "seatIds", "status", "totalAmount", "currency",
 * "paymentId", "createdAt", "confirmedAt"} with amounts in minor units
 * as the seed has them.  ERR_ORDER_NOT_FOUND for another's or none.
 * *out: free with cJSON_Delete.
 */
enum err	 booking_get(struct db *db, const char *uid, int64_t user_id,
		    struct cJSON **out);

/*
 * One page (1-based, per_page items) of user_id's bookings, newest
 * first, those whose status is in set (booking_status_set(); NULL:
 * all) only, each as booking_get()'s without userId, venueName and
 * paymentId; *total counts all that match.  *out: a JSON array.
 */
enum err	 booking_list(struct db *db, int64_t user_id, const char *set,
		    int64_t page, int64_t per_page, struct cJSON **out,
		    int64_t *total);

/*
 * Cancels user_id's confirmed booking uid by the event's policy: only
 * CONFIRMED (NOT_CANCELLABLE), only until booking_cancel_hours before
 * the event (CANCEL_WINDOW); booking_refund_percent of what is left of
 * the payment is refunded (recorded here; `biljett expire` sends it),
 * the order ends (pay_refund_close: tickets stopped, seats free).  Fills
 * *out with {"bookingId", "status", "refundAmount", "currency",
 * "cancelledAt"}; *refund_due says a refund is to be sent.
 * ERR_ORDER_NOT_FOUND for another's or none.
 */
enum err	 booking_cancel(struct db *db, int64_t now, const char *uid,
		    int64_t user_id, struct cJSON **out, int *refund_due);

/*
 * The last payment of booking uid (of user_id; 0: anyone's) in seed
 * 001's shape: {"id": "pay_N", "bookingId", "userId", "amount",
 * "currency", "status" (PENDING, SUCCESS, FAILED, CANCELLED, REFUNDED),
 * "providerTransactionId", "processedAt"}.  ERR_ORDER_NOT_FOUND for
 * another's or no booking; ERR_PAYMENT_NOT_FOUND before any payment.
 */
enum err	 booking_payment(struct db *db, const char *uid,
		    int64_t user_id, struct cJSON **out);

/*
 * GET /api/inventory/events/{eventId}/seats: the event's seats from
 * seat_event_listing() in seed 001's shape: {"eventId", "seats": [{"id",
 * "row", "number", "section", "tier", "price", "currency", "status"}],
 * "summary": {"total", "available", "locked", "reserved"}} with the
 * seed's words: AVAILABLE, LOCKED (held, or kept for the box office),
 * RESERVED (sold).  ERR_EVENT_NOT_FOUND.
 */
enum err	 booking_seats(struct db *db, const char *ref, int64_t now,
		    struct cJSON **out);

#endif
