/*
 * Orders as seed 004's API shows them (OrderListSerializer,
 * OrderDetailSerializer, OrderItemSerializer, the stats), read-only.
 * Our statuses in seed 004's words: a hold is "pending", or
 * "processing" once a payment has started; paid is "confirmed"; a hold
 * past its expiry reads "expired" before cron has run.  Money is a
 * decimal string in the order's currency; ids of orders are their uid.
 */
#ifndef BILJETT_ORDERVIEW_H
#define BILJETT_ORDERVIEW_H

#include <stdint.h>

#include "actor.h"
#include "db.h"
#include "err.h"
#include "order.h"

struct cJSON;

/* Which orders a listing shows. */
enum orderview_filter {
	OV_ALL = 0,
	OV_PENDING,		/* live holds, no payment started */
	OV_CONFIRMED,		/* paid */
	OV__MAX
};

/* Seed 004's name of o's status at now. */
const char	*orderview_status(const struct order *o, int64_t now);

/*
 * The orders of user_id (0: everyone's, for admins) for event_id (0:
 * every event), newest first, offset/limit (limit 0: all): *results an
 * array of list items (with buyer_email, refunded_amount and whether
 * it can be refunded, for the back office), *count how many match in
 * all.  Free *results with cJSON_Delete().
 */
enum db_rc	orderview_list(struct db *db, int64_t now, int64_t user_id,
		    int64_t event_id, enum orderview_filter f, int64_t offset,
		    int64_t limit, struct cJSON **results, int64_t *count);

/* The order's detail, with items, tickets and payment.  NULL on memory
 * exhaustion or a storage failure. */
struct cJSON	*orderview_detail(struct db *db, int64_t now,
		    const struct order *o);

/* Finds the order by uid (DB_NOTFOUND if none). */
enum db_rc	orderview_find(struct db *db, const char *uid,
		    struct order *out);

/*
 * The order uid (may be NULL or malformed: not found) as actor may see it: its buyer's, any for an admin, and
 * when organizer_may the event's organizer's too.  Anyone else's is
 * ERR_ORDER_NOT_FOUND, as if it did not exist.
 */
enum err	orderview_for(struct db *db, const char *uid,
		    const struct actor *a, int organizer_may,
		    struct order *out);

/* Seed 004's stats of user_id's orders. */
struct cJSON	*orderview_stats(struct db *db, int64_t user_id, int64_t now);

/* The items of user_id's confirmed orders (seed 004's my_tickets). */
struct cJSON	*orderview_my_items(struct db *db, int64_t user_id);

#endif
