/*
 * The money ledger: every amount that moves for an order, one
 * append-only row each (sql/015 refuses updates and deletes).  A charge
 * is what a provider collected, a refund what it gave back (stored
 * negative); a fee row notes the service fee's share of a charge and is
 * not part of the sum.  So an order's charges plus refunds is what its
 * provider holds for it, which `make check` compares with the provider.
 */
#ifndef BILJETT_LEDGER_H
#define BILJETT_LEDGER_H

#include <stdint.h>

#include "db.h"

enum ledger_kind {
	LEDGER_CHARGE = 0,
	LEDGER_FEE,
	LEDGER_REFUND,
	LEDGER_KIND__MAX
};

/* One row to append; payment_id and refund_id may be 0 (none). */
struct ledger_entry {
	int64_t		 order_id;
	int64_t		 payment_id;
	int64_t		 refund_id;
	enum ledger_kind kind;
	int64_t		 amount;	/* minor units, > 0 */
	const char	*currency;
	const char	*provider;	/* "swish", "stripe", "free", ... */
	const char	*reference;	/* the provider's, or NULL */
};

/* Appends e inside the caller's write transaction (a refund's amount is
 * stored negated).  A zero amount writes nothing. */
enum db_rc	ledger_add(struct db *db, int64_t now,
		    const struct ledger_entry *e);

/* The order's charges plus refunds (minor units). */
enum db_rc	ledger_net(struct db *db, int64_t order_id, int64_t *net);

#endif
