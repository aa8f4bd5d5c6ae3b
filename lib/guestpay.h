/*
 * Seed 003's guest checkout (POST /api/pay/initiate/): what its tier_id
 * names on our catalogue, and the "shadow" account a guest's new e-mail
 * address gets, on the one order core (lib/checkout places the order).
 *
 * A tier_id is the id of a sellable ticket_types row, as /api/events/
 * and /api/tickets/ show them: a simple ticket type, or a variant of one
 * (a tier, a day pass or a day + tier price), each sold as one ticket.
 */
#ifndef BILJETT_GUESTPAY_H
#define BILJETT_GUESTPAY_H

#include <stdint.h>

#include "checkout.h"
#include "db.h"
#include "err.h"
#include "i18n.h"

/* The password hash of an account made without a password: matches no
 * password (lib/account refuses it as it does a wrong one) until the
 * owner sets one through a password reset. */
#define GUESTPAY_NO_PASSWORD	"!"

/* What a tier_id sells. */
struct guestpay_tier {
	int64_t			 event_id;
	struct checkout_item	 item;		/* quantity left 0 */
};

/*
 * Reads what tier_id names: its event (its own, its type's, or the one
 * event a shared type is sold at) and the checkout item that buys it.
 * Returns ERR_OK, ERR_TICKET_TYPE_NOT_FOUND (no such row, or none we can
 * tie to one event), or a storage outcome.  Reads only.
 */
enum err	guestpay_tier(struct db *db, int64_t tier_id,
		    struct guestpay_tier *out);

/*
 * The account a guest buys as: the one with email (any role), or a new
 * customer account without a password (GUESTPAY_NO_PASSWORD, not
 * verified) with name, phone and lang, which its owner claims by
 * resetting the password.  In a write transaction of its own; two
 * guests racing with one new address get the same account.  Sets
 * *user_id and *created.  Returns ERR_OK or a storage outcome.
 */
enum err	guestpay_owner(struct db *db, int64_t now, const char *email,
		    const char *name, const char *phone, enum lang lang,
		    int64_t *user_id, int *created);

#endif
