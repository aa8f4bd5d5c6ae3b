/*
 * The seats of seated events: one event_seats row per seat of the
 * event's venue (sql/012), what the order code does with them, and the
 * public listing.  A seat is named by its event and its venue seat id
 * (seats.id, the "id" of GET /api/events/{slug}/seats/).
 *
 *	AVAILABLE --seat_lock--> LOCKED until a time --seat_sell--> SOLD
 *	AVAILABLE --seat_reserve--> RESERVED (no expiry) --seat_sell--> SOLD
 *	LOCKED, RESERVED --seat_release--> AVAILABLE	(the order lapsed,
 *						 was cancelled)
 *	LOCKED past its time --seat_release_expired--> AVAILABLE
 *	SOLD --seat_unsell--> AVAILABLE		(its ticket refunded)
 *
 * A LOCKED seat whose time has passed reads as AVAILABLE and may be
 * locked, reserved or sold by anyone, so a lapsed hold never waits for
 * cron; seat_release_expired only tidies.
 *
 * Each move is one guarded UPDATE per seat that changes the row only
 * from a state the move allows: of two orders racing for a seat exactly
 * one changes it, the other changes nothing and gets ERR_SEAT_TAKEN.
 * Every function here runs inside the caller's write transaction
 * (db_tx_immediate), refusing with ERR_INTERNAL outside one; a move over
 * several seats that fails part-way has changed the earlier ones, so
 * the caller rolls back.  Behind the guards, a partial unique index
 * makes a second valid ticket for a seat of an event impossible to
 * write (tickets_seat, sql/012): seat_sell links each ticket to its
 * seat and answers ERR_SEAT_TAKEN when the index refuses.
 */
#ifndef BILJETT_SEAT_H
#define BILJETT_SEAT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct cJSON;
struct db;

enum seat_status {
	SEAT_AVAILABLE = 0,
	SEAT_LOCKED,
	SEAT_RESERVED,
	SEAT_SOLD,
	SEAT__MAX
};

/* "AVAILABLE", ... as stored and shown; NULL out of range. */
const char	*seat_status_name(enum seat_status s);
/* The status named s, or SEAT__MAX. */
enum seat_status seat_status_parse(const char *s);

/*
 * Holds seat_ids[0..n) of event_id for order_id (> 0) until `until`.
 * Takes a seat that is AVAILABLE, LOCKED past its time, or LOCKED by
 * this order already (whose time becomes `until`).  Returns ERR_OK,
 * ERR_SEAT_NOT_FOUND (not a seat of the event), ERR_SEAT_TAKEN, ERR_BUSY
 * or ERR_INTERNAL; on failure roll back.
 */
enum err	 seat_lock(struct db *db, int64_t event_id, int64_t order_id,
		    const int64_t *seat_ids, size_t n, int64_t now,
		    int64_t until);

/*
 * Keeps seat_ids[0..n) of event_id for order_id (> 0) without expiry
 * (a box-office order, an invoice): from AVAILABLE, a lapsed LOCKED, or
 * LOCKED or RESERVED by this order.  Outcomes as seat_lock.
 */
enum err	 seat_reserve(struct db *db, int64_t event_id,
		    int64_t order_id, const int64_t *seat_ids, size_t n,
		    int64_t now);

/* One seat sold, and the ticket (of the same order and event) that
 * names it, or 0 when the order has no ticket for it yet. */
struct seat_sale {
	int64_t	 seat_id;
	int64_t	 ticket_id;
};

/*
 * Marks sales[0..n) of event_id SOLD to order_id (> 0), in the
 * transaction that marks the order paid: from AVAILABLE, a lapsed
 * LOCKED, or LOCKED, RESERVED or SOLD by this order (so a repeated call
 * changes nothing), and sets each ticket's seat_id.  Returns ERR_OK,
 * ERR_SEAT_NOT_FOUND, ERR_SEAT_TAKEN (held or sold for another order,
 * or a valid ticket already has the seat: the unique index),
 * ERR_TICKET_NOT_FOUND (ticket_id is not this order's for the event),
 * ERR_BUSY or ERR_INTERNAL; on failure roll back.
 */
enum err	 seat_sell(struct db *db, int64_t event_id, int64_t order_id,
		    const struct seat_sale *sales, size_t n, int64_t now);

/*
 * Frees the LOCKED and RESERVED seats of order_id (its hold lapsed or
 * it was cancelled); sold seats stay.  *released (may be NULL) gets how
 * many.  Returns ERR_OK, ERR_BUSY or ERR_INTERNAL.
 */
enum err	 seat_release(struct db *db, int64_t order_id,
		    int64_t *released);

/* Frees every LOCKED seat whose time is at or before now (cron). */
enum err	 seat_release_expired(struct db *db, int64_t now,
		    int64_t *released);

/*
 * Frees the SOLD seats of order_id that no valid ticket holds any more:
 * call it after refunding or cancelling the order's tickets.  A seat
 * whose ticket is still valid stays SOLD.
 */
enum err	 seat_unsell(struct db *db, int64_t order_id,
		    int64_t *released);

/*
 * For lib/venue, inside its transaction.  seat_event_fill adds an
 * AVAILABLE row for every seat of the event's venue it lacks;
 * seat_venue_fill does so for every event at venue_id.
 * seat_event_taken counts the event's seats that are RESERVED, SOLD or
 * LOCKED until after now; seat_venue_dropped_taken counts those of any
 * event among the venue's seats whose map_version is below version (the
 * seats a map edit is removing).  seat_event_clear deletes the event's
 * rows.  Each returns ERR_OK, ERR_BUSY or ERR_INTERNAL.
 */
enum err	 seat_event_fill(struct db *db, int64_t event_id);
enum err	 seat_venue_fill(struct db *db, int64_t venue_id);
enum err	 seat_event_taken(struct db *db, int64_t event_id,
		    int64_t now, int64_t *taken);
enum err	 seat_venue_dropped_taken(struct db *db, int64_t venue_id,
		    int64_t version, int64_t now, int64_t *taken);
enum err	 seat_event_clear(struct db *db, int64_t event_id);

/*
 * GET /api/events/{ref}/seats/: the event named ref (its slug, or its
 * id when ref is a number and no slug is ref) unless a draft, with every
 * seat and its status (a LOCKED seat past its time reads AVAILABLE),
 * counts per section in map order and in all:
 *   {"event": {"id", "slug", "title"}, "seated",
 *    "venue": {"id", "name", "city"} | null,
 *    "summary": {"total", "available", "locked", "reserved", "sold"},
 *    "sections": [{"section", "total", "available", ...}],
 *    "seats": [{"id", "section", "row", "number", "category",
 *               "status"}]}
 * An unseated event has "seated": false and empty lists.  Returns ERR_OK
 * with *out (free with cJSON_Delete), ERR_EVENT_NOT_FOUND or a database
 * outcome.  Run it inside db_tx_read for one snapshot.
 */
enum err	 seat_event_listing(struct db *db, const char *ref,
		    int64_t now, struct cJSON **out);

#endif
