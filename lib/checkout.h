/*
 * Orders placed through seed 004's API (POST /api/orders/), on the same
 * holds as the seed-002 reservation (lib/order.h): each item names a
 * ticket type and, by the type's pricing, a tier, a day pass or a
 * day+tier price; the variant it names is what the order holds.  The
 * service fee goes on the subtotal; an order that costs nothing is
 * confirmed at once, its tickets issued in the same transaction.
 */
#ifndef BILJETT_CHECKOUT_H
#define BILJETT_CHECKOUT_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"
#include "order.h"

/* One item as asked for; ids 0 when absent. */
struct checkout_item {
	int64_t	 ticket_type_id;
	int64_t	 tier_id;
	int64_t	 day_pass_id;
	int64_t	 day_tier_price_id;
	int64_t	 quantity;		/* 1..TICKET_COUNT_MAX */
};

/* Why an item was refused (ERR_BAD_REQUEST): its index and a reason. */
struct checkout_fault {
	size_t		 item;
	const char	*reason;	/* static English text */
};

/* What placing did. */
struct checkout_placed {
	int64_t		 order_id;
	int64_t		 tickets_left;	/* OUT_OF_TICKETS */
	int		 confirmed;	/* free: paid and issued already */
	struct checkout_fault fault;
};

/*
 * The service fee on subtotal at basis_points (hundredths of a
 * percent), rounded half to even as seed 004's Decimal.quantize does.
 */
int64_t		checkout_fee(int64_t subtotal, int basis_points);

/*
 * Parses a percentage with at most two decimals ("5", "2.5") into basis
 * points within 0..SERVICE_FEE_PERCENT_MAX percent.  Returns 0 or -1.
 */
int		checkout_parse_percent(const char *s, int *basis_points);

/*
 * Places an order of items (1..ARRAY_ITEMS_MAX) for event_id bought by
 * b, asked by client (buyer_addr_key()), in one write transaction: an
 * item that does not fit its type's pricing is ERR_BAD_REQUEST with
 * out->fault; then the outcomes of order_hold() (OUT_OF_TICKETS with
 * out->tickets_left) and EMAIL_LIMIT.  On ERR_OK out->order_id is the
 * new order.  On any outcome nothing is written.
 */
enum err	checkout_place(struct db *db, int64_t now, int64_t event_id,
		    const struct checkout_item *items, size_t nitems,
		    const struct order_buyer *b, const char *client,
		    int fee_basis_points, struct checkout_placed *out);

/*
 * The placing of checkout_place() for lines of variants already known
 * to be the event's (seed 000's cart), inside the caller's write
 * transaction: the hold (order_hold(), which releases release_id, 0:
 * none, setting *released_started as it does), discount (minor units,
 * at most the subtotal: the cart's sales) taken off, the buyer and the
 * service fee on what is left, the e-mail cap, and a free order
 * confirmed at once (out->confirmed).  On an outcome the caller rolls
 * back.
 */
enum err	checkout_place_lines(struct db *db, int64_t now,
		    int64_t event_id, const struct order_line_req *lines,
		    size_t nlines, int64_t discount,
		    const struct order_buyer *b, const char *client,
		    int fee_basis_points, int64_t release_id,
		    int *released_started, struct checkout_placed *out);

/*
 * Cancels a held order with reason (may be NULL): its seats are free at
 * once.  ERR_ORDER_STATE with *state_detail set when it is no longer a
 * hold (cancelled, paid, ...).  *payment_open is set when a payment
 * request was open: the caller withdraws it from the provider.
 */
enum err	checkout_cancel(struct db *db, int64_t now, int64_t order_id,
		    const char *reason, const char **state_detail,
		    int *payment_open);

#endif
