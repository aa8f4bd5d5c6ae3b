/*
 * The buyer's tickets, read-only: seed 004's my-tickets (TicketSerializer
 * and the stats) and seed 003's wallet (its TicketSerializer), over the
 * tickets of the signed-in user's orders.  A ticket is addressed by its
 * uid; another user's is not found, as if it did not exist.
 *
 * A ticket's status is derived, never stored twice: "cancelled" when the
 * ticket or its order was cancelled or refunded, else "used" once it has
 * been scanned in, else "expired" once its event is over, else "active".
 */
#ifndef BILJETT_WALLET_H
#define BILJETT_WALLET_H

#include <stdint.h>

#include "db.h"

struct cJSON;

enum wallet_status {
	WALLET_ANY = 0,
	WALLET_ACTIVE,
	WALLET_USED,
	WALLET_CANCELLED,
	WALLET_EXPIRED,
	WALLET_STATUS__MAX
};

/* Seed 004's orderings of the list. */
enum wallet_order {
	WALLET_NEWEST = 0,	/* -created_at, the default */
	WALLET_OLDEST,		/* created_at */
	WALLET_EVENT_FIRST,	/* event_date: soonest event first */
	WALLET_EVENT_LAST,	/* -event_date */
	WALLET_ORDER__MAX
};

struct wallet_filter {
	enum wallet_status	 status;
	int			 used;		/* -1 either, 0, 1 */
	const char		*event;		/* id or slug; NULL: any */
	enum wallet_order	 order;
};

/* "active" and so on to the enum; WALLET_STATUS__MAX if unknown. */
enum wallet_status	wallet_status_parse(const char *s);
/* "-created_at", "event_date" (or seed 004's "event__start_date") ... to
 * the enum; WALLET_ORDER__MAX if unknown. */
enum wallet_order	wallet_order_parse(const char *s);

/*
 * One page of user_id's tickets matching f at now, as seed 004 shows
 * them: *results an array (free with cJSON_Delete()), *count how many
 * match in all.
 */
enum db_rc	wallet_list(struct db *db, int64_t now, int64_t user_id,
		    const struct wallet_filter *f, int64_t offset,
		    int64_t limit, struct cJSON **results, int64_t *count);

/*
 * user_id's ticket uid as seed 004 shows it (seed003 zero) or as seed
 * 003's wallet does (seed003 non-zero).  DB_NOTFOUND for no such ticket
 * of theirs; *out is set on DB_OK only.
 */
enum db_rc	wallet_get(struct db *db, int64_t now, int64_t user_id,
		    const char *uid, int seed003, struct cJSON **out);

/* Seed 003's wallet: every ticket of user_id, newest first. */
enum db_rc	wallet_list003(struct db *db, int64_t now, int64_t user_id,
		    int64_t offset, int64_t limit, struct cJSON **results,
		    int64_t *count);

/* Seed 004's five counters of user_id's tickets at now. */
enum db_rc	wallet_stats(struct db *db, int64_t now, int64_t user_id,
		    struct cJSON **out);

#endif
