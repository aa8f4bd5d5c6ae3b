/*
 * The quotas the catalogue's rules make (DESIGN.md, "one quota engine
 * under four pricing kinds").  A variant is sellable while every quota
 * covering it has room; lib/order counts places in quotas.used as
 * orders take and free them.  The back office never edits quotas: it
 * edits events, ticket types and variants, then calls quota_sync(),
 * which rebuilds the event's derived quotas from them:
 *
 *	event    total_capacity, covering everything
 *	type     a non-simple type's total_quantity, over its variants
 *	variant  a variant's (or simple type's) own quantity; a day pass's
 *	         quota also covers the type's all-days passes, so an
 *	         all-days pass takes one place on every day, and a sold-out
 *	         day makes every all-days pass unavailable
 *
 * 'manual' quotas (from imports) are left alone.
 */
#ifndef BILJETT_QUOTA_H
#define BILJETT_QUOTA_H

#include <stdint.h>

#include "db.h"

/*
 * Rebuilds event_id's derived quotas, recounts every quota's used
 * places from the orders that hold places, and refreshes the event's
 * base_price (the lowest price of its active sellable variants).  Inside
 * the caller's write transaction.  DB_CONSTRAINT when some quota would
 * hold more places than its size (a quantity lowered below what is sold
 * or held): the caller rolls back.
 */
enum db_rc	quota_sync(struct db *db, int64_t event_id);

/*
 * Places still free for variant ticket_type_id of event_id: the least
 * room among the quotas covering it (CAPACITY_MAX when none does).
 * Inside a transaction.
 */
enum db_rc	quota_available(struct db *db, int64_t event_id,
		    int64_t ticket_type_id, int64_t *left);

#endif
