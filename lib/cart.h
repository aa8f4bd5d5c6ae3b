/*
 * Seed 000's cart: products (lib/product.h) and how many of each.  A
 * signed-in user's cart is stored under the account; a guest's under
 * the browser session of the sessionid cookie (lib/session.h), made by
 * the first change.  A cart holds no places: every change is capped by
 * what is left now and by the per-order limits (the type's
 * max_purchase, the event's max_tickets_per_payment over all the
 * event's lines), and paying turns the cart into an order on the order
 * core (lib/checkout.h), which holds them.  At sign-in the guest's cart
 * merges into the account's (cart_merge()).  Carts of sessions that
 * ended are pruned by `biljett expire` (cart_prune()).
 */
#ifndef BILJETT_CART_H
#define BILJETT_CART_H

#include <stddef.h>
#include <stdint.h>

#include "checkout.h"
#include "db.h"
#include "err.h"
#include "i18n.h"
#include "limits.h"
#include "order.h"

struct cJSON;

/* Whose cart: an account's (user_id) or a guest session's. */
struct cart_owner {
	int64_t	 user_id;	/* 0: a guest */
	int64_t	 session_id;	/* the guest's browser session */
};

/* Why a quantity was cut (CART_CAP_NONE: it was not). */
enum cart_cap {
	CART_CAP_NONE = 0,
	CART_CAP_STOCK,		/* no more places left */
	CART_CAP_ORDER_LIMIT,	/* max per order (type or event) */
	CART_CAP__MAX
};

/* What setting a quantity did. */
struct cart_set {
	int64_t		 requested;
	int64_t		 quantity;	/* now in the cart */
	int64_t		 available;	/* places left */
	enum cart_cap	 cap;
};

/* The cap's name in answers: "stock", "max_per_order" (NULL: none). */
const char	*cart_cap_str(enum cart_cap cap);

/*
 * Sets product_id's quantity in o's cart (made when there is none) to
 * quantity, capped (see above; out says how); 0 removes it (even when
 * its product is no longer published).  One write transaction.
 * ERR_PRODUCT_NOT_FOUND (unknown or unpublished, and not in the cart),
 * ERR_STOCK_UNAVAILABLE when nothing of it can be had (off sale or
 * sold out; nothing changes), ERR_BAD_REQUEST when the cart already
 * holds CART_LINES_MAX other products.
 */
enum err	 cart_set(struct db *db, int64_t now,
		    const struct cart_owner *o, int64_t product_id,
		    int64_t quantity, struct cart_set *out);

/* Empties o's cart (none is fine). */
enum err	 cart_clear(struct db *db, int64_t now,
		    const struct cart_owner *o);

/*
 * o's cart as billet-jo's CartResource, texts in lang: {"id", "user_id",
 * "cart_items": [{"id", "product_id", "quantity", "in_stock",
 * "available_quantity", "unit_price", "total_price", "original_price",
 * "discount_rate", "product": {"name", "image", "date", "time",
 * "location"}}], "total", "currency"} (id null while there is no
 * cart).  NULL on a storage error.  Free with cJSON_Delete().
 */
struct cJSON	*cart_json(struct db *db, int64_t now,
		    const struct cart_owner *o, enum lang lang);

/*
 * Merges the cart of guest session guest_session_id (0: none) into
 * user_id's in one write transaction: quantities add, capped as
 * cart_set() caps them; products no longer for sale are dropped; the
 * guest's cart is deleted.  *report (caller frees; NULL when there was
 * no guest cart) says what happened: {"merged": n, "items":
 * [{"product_id", "guest_quantity", "previous_quantity", "quantity",
 * "capped", "reason"}]}.
 */
enum err	 cart_merge(struct db *db, int64_t now,
		    int64_t guest_session_id, int64_t user_id,
		    struct cJSON **report);

/*
 * cart_merge() for a sign-in that does not report the merge (the pages'
 * /login, seed 001's /api/users/login): the user is signed in either
 * way, so a cart that cannot merge now stays with the guest session and
 * the failure is only logged.
 */
void		 cart_merge_quietly(struct db *db, int64_t now,
		    int64_t guest_session_id, int64_t user_id);

/* Deletes up to max guest carts whose session ended by now, in one
 * transaction (db_prune()); *deleted. */
enum db_rc	 cart_prune(struct db *db, int64_t now, size_t max,
		    int64_t *deleted);

/* A line that cannot be had (ERR_STOCK_UNAVAILABLE). */
struct cart_short {
	int64_t	 product_id;
	int64_t	 requested;
	int64_t	 available;
};

/* What cart_checkout() did. */
struct cart_checkout {
	struct checkout_placed	 placed;	/* order_id, confirmed */
	int			 existing;	/* the cart's live order */
	int			 released_started; /* an old order's payment
						      request to cancel */
	struct cart_short	 shortage[CART_LINES_MAX];
	size_t			 nshort;
};

/*
 * Turns user_id's cart into an order bought by b, asked by client, in
 * one write transaction: the same placement as POST /api/orders/
 * (checkout_place_lines(), service fee included) with the products'
 * sales as its discount.  While the cart is unchanged and its order
 * still a live hold, or paid, that order is answered again
 * (out->existing), so paying twice never makes two orders; a changed
 * cart's earlier hold is released.  ERR_CART_EMPTY, ERR_CART_MIXED (more than one event),
 * ERR_STOCK_UNAVAILABLE with out->shortage, then the hold's outcomes.
 * The cart itself is kept (the buyer empties it once paid).
 */
enum err	 cart_checkout(struct db *db, int64_t now, int64_t user_id,
		    const struct order_buyer *b, const char *client,
		    int fee_basis_points, struct cart_checkout *out);

/*
 * Seed 000's free tickets: places a confirmed order of quantity of
 * product_id for b (its lang is the ticket mail's), asked by client,
 * in one write transaction, on checkout's free path (tickets issued,
 * the mail queued).  ERR_PRODUCT_NOT_FOUND, ERR_NOT_FREE for a product
 * that costs something, then the hold's outcomes (OUT_OF_TICKETS with
 * *tickets_left).  *order_id is the new order.
 */
enum err	 cart_free_order(struct db *db, int64_t now, int64_t product_id,
		    int64_t quantity, const struct order_buyer *b,
		    const char *client, int64_t *order_id,
		    int64_t *tickets_left);

#endif
