/*
 * Reservations, expiry and ticket issue.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "buyer.h"
#include "crypto.h"
#include "db.h"
#include "invoice.h"
#include "log.h"
#include "money.h"
#include "order.h"
#include "queue.h"
#include "seat.h"
#include "session.h"
#include "tfmt.h"
#include "ticketkey.h"

#define CODE_LEN		10	/* public order code, A-Z */
#define ID_RETRIES		100	/* fresh random codes on collision */
#define TICKET_SECRET_BYTES	16

static const char *const status_names[ORDER_STATUS__MAX] = {
	[ORDER_RESERVED] = "reserved",
	[ORDER_PAID] = "paid",
	[ORDER_EXPIRED] = "expired",
	[ORDER_CANCELLED] = "cancelled",
	[ORDER_REFUNDED] = "refunded",
	[ORDER_PARTIALLY_REFUNDED] = "partially_refunded",
	[ORDER_FAILED] = "failed",
};

static const char *const ticket_status_names[TICKET_STATUS__MAX] = {
	[TICKET_VALID] = "valid",
	[TICKET_CANCELLED] = "cancelled",
	[TICKET_REFUNDED] = "refunded",
};

/* Does quota q (the outer row) cover order line l? */
#define COVERS \
	"(NOT EXISTS (SELECT 1 FROM quota_items qi WHERE qi.quota_id = quotas.id)" \
	" OR EXISTS (SELECT 1 FROM quota_items qi WHERE qi.quota_id = quotas.id" \
	" AND qi.ticket_type_id = l.ticket_type_id))"

enum stmt {
	STMT_EVENT,
	STMT_EVENT_TYPE,
	STMT_ORDER_BY_ID,
	STMT_ORDER_INSERT,
	STMT_NUMBER_NEXT,
	STMT_LINE_INSERT,
	STMT_QUOTA_ADJUST,
	STMT_OVERBOOKED,
	STMT_LEFT,
	STMT_STALE_EXISTS,
	STMT_EXPIRE_QUOTAS,
	STMT_EXPIRE_ORDERS,
	STMT_STALE_EXISTS_ALL,
	STMT_EXPIRE_QUOTAS_ALL,
	STMT_EXPIRE_ORDERS_ALL,
	STMT_SET_STATUS,
	STMT_SET_EXPIRY,
	STMT_MARK_PAID,
	STMT_LINES,
	STMT_TICKET_INSERT,
	STMT_OUTBOX_INSERT,
	STMT_SET_FLAG,
	STMT_SET_STARTED,
	STMT_SUMMARY,
	STMT_SUMMARY_LINES,
	STMT_SUMMARY_TICKETS,
	STMT_CAPS,
	STMT_HELD_BY_CLIENT,
	STMT_HELD_BY_EMAIL,
	STMT_SET_CLIENT,
	STMT_EXTEND,
	STMT_SET_BUYER,
	STMT_NOTE_CANCEL,
	STMT_ADD_REFUNDED,
	STMT_TICKETS_REFUNDED,
	STMT_ORDER_SEATS,
	STMT_SEAT_SALES,
	STMT_SEAT_LOCKS_MOVE,
	STMT_SET_DISCOUNT,
	STMT_VOID_TICKET,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_EVENT] =
	    "SELECT sales_stop_at, max_tickets_per_payment,"
	    " reservation_seconds, status, sales_start_at, queue_enabled,"
	    " coalesce(max_held_per_client, 0), total_seats"
	    " FROM events WHERE id = ?1",
	/*
	 * A line's variant: price; sellable (active, and its type active);
	 * its sales window (a variant's own, else its type's; 0: none);
	 * the type's purchase limits (0: the event's).
	 */
	[STMT_EVENT_TYPE] =
	    "SELECT t.price, t.visible AND t.sellable AND coalesce(p.visible, 1),"
	    " coalesce(t.sales_start, p.sales_start, 0),"
	    " coalesce(t.sales_end, p.sales_end, 0),"
	    " coalesce(p.min_purchase, t.min_purchase),"
	    " coalesce(p.max_purchase, t.max_purchase, 0)"
	    " FROM event_ticket_types x"
	    " JOIN ticket_types t ON t.id = x.ticket_type_id"
	    " LEFT JOIN ticket_types p ON p.id = t.parent_id"
	    " WHERE x.event_id = ?1 AND x.ticket_type_id = ?2",
	[STMT_ORDER_BY_ID] =
	    "SELECT id, event_id, status, holds_seats, payment_started, seats,"
	    " total, expires_at, coalesce(paid_at, 0), code,"
	    " coalesce(email, ''), coalesce(flag, ''), extensions,"
	    " coalesce(uid, ''), coalesce(order_number, ''), currency,"
	    " coalesce(user_id, 0), coalesce(subtotal, total), service_fee,"
	    " refunded FROM orders WHERE id = ?1",
	[STMT_ORDER_INSERT] =
	    "INSERT INTO orders (code, event_id, status, holds_seats, seats,"
	    " total, subtotal, created_at, expires_at, client_addr, uid,"
	    " order_number, updated_at, currency)"
	    " VALUES (?1, ?2, 'reserved', 1, ?3, ?4, ?4, ?5, ?6, ?7, ?8, ?9, ?5,"
	    " (SELECT currency FROM events WHERE id = ?2)) RETURNING id",
	/* The day's next order number, in the inserting transaction. */
	[STMT_NUMBER_NEXT] =
	    "INSERT INTO order_number_days (day, last) VALUES (?1, 1)"
	    " ON CONFLICT (day) DO UPDATE SET last = last + 1 RETURNING last",
	[STMT_LINE_INSERT] =
	    "INSERT INTO order_lines (order_id, ticket_type_id, count,"
	    " unit_price) VALUES (?1, ?2, ?3, ?4)",
	[STMT_QUOTA_ADJUST] =
	    "UPDATE quotas SET used = used + ?2 * (SELECT coalesce(sum(l.count),"
	    " 0) FROM order_lines l WHERE l.order_id = ?1 AND " COVERS ")"
	    " WHERE event_id = (SELECT event_id FROM orders WHERE id = ?1)",
	[STMT_OVERBOOKED] =
	    "SELECT count(*) FROM quotas WHERE event_id = ?1 AND used > size",
	[STMT_LEFT] =
	    "SELECT CASE WHEN min(size - used) > 0 THEN min(size - used)"
	    " ELSE 0 END FROM quotas"
	    " WHERE event_id = ?1",
	/*
	 * Expiry, for one event (inside a reservation: exact index probes on
	 * orders_event_expiry) and for all events (cron).
	 */
	[STMT_STALE_EXISTS] =
	    "SELECT EXISTS (SELECT 1 FROM orders WHERE status = 'reserved'"
	    " AND event_id = ?1 AND expires_at <= ?2)",
	[STMT_EXPIRE_QUOTAS] =
	    "UPDATE quotas SET used = used - (SELECT coalesce(sum(l.count), 0)"
	    " FROM orders o JOIN order_lines l ON l.order_id = o.id"
	    " WHERE o.event_id = quotas.event_id AND o.status = 'reserved'"
	    " AND o.expires_at <= ?2 AND " COVERS ") WHERE event_id = ?1",
	[STMT_EXPIRE_ORDERS] =
	    "UPDATE orders SET status = 'expired', holds_seats = 0,"
	    " client_addr = NULL"
	    " WHERE status = 'reserved' AND event_id = ?1 AND expires_at <= ?2",
	[STMT_STALE_EXISTS_ALL] =
	    "SELECT EXISTS (SELECT 1 FROM orders WHERE status = 'reserved'"
	    " AND expires_at <= ?2 AND ?1 = 0)",
	[STMT_EXPIRE_QUOTAS_ALL] =
	    "UPDATE quotas SET used = used - (SELECT coalesce(sum(l.count), 0)"
	    " FROM orders o JOIN order_lines l ON l.order_id = o.id"
	    " WHERE o.event_id = quotas.event_id AND o.status = 'reserved'"
	    " AND o.expires_at <= ?2 AND " COVERS ") WHERE ?1 = 0 AND event_id IN"
	    " (SELECT event_id FROM orders WHERE status = 'reserved'"
	    " AND expires_at <= ?2)",
	[STMT_EXPIRE_ORDERS_ALL] =
	    "UPDATE orders SET status = 'expired', holds_seats = 0,"
	    " client_addr = NULL"
	    " WHERE status = 'reserved' AND expires_at <= ?2 AND ?1 = 0",
	/*
	 * A transition of the state machine: only from a status in ?4
	 * (",reserved,expired,"), so a change count of 0 means the order
	 * was not in a state it may leave that way.  The client's address
	 * is kept only while the order is a hold.
	 */
	[STMT_SET_STATUS] =
	    "UPDATE orders SET status = ?2, holds_seats = ?3,"
	    " client_addr = CASE WHEN ?2 = 'reserved' THEN client_addr END,"
	    " updated_at = strftime('%s', 'now')"
	    " WHERE id = ?1 AND instr(?4, ',' || status || ',') > 0",
	[STMT_SET_EXPIRY] =
	    "UPDATE orders SET expires_at = ?2 WHERE id = ?1",
	[STMT_MARK_PAID] =
	    "UPDATE orders SET status = 'paid', holds_seats = 1, paid_at = ?2,"
	    " flag = coalesce(?3, flag), client_addr = NULL,"
	    " updated_at = ?2"
	    " WHERE id = ?1 AND holds_seats = 1 AND status = 'reserved'",
	[STMT_LINES] =
	    "SELECT l.ticket_type_id, l.count, l.unit_price, o.event_id,"
	    " coalesce(o.email, '') FROM order_lines l"
	    " JOIN orders o ON o.id = l.order_id"
	    " WHERE l.order_id = ?1 ORDER BY l.id",
	[STMT_TICKET_INSERT] =
	    "INSERT INTO tickets (order_id, event_id, ticket_type_id, price,"
	    " external_id, secret, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[STMT_OUTBOX_INSERT] =
	    "INSERT INTO outbox (kind, order_id, recipient, next_attempt_at,"
	    " created_at) VALUES ('tickets', ?1, ?2, ?3, ?3)",
	[STMT_SET_FLAG] =
	    "UPDATE orders SET flag = ?2 WHERE id = ?1",
	[STMT_SUMMARY] =
	    "SELECT o.code, o.status, coalesce(o.email, ''), o.total, o.seats,"
	    " o.expires_at, e.id, e.title, e.event_at, o.currency"
	    " FROM orders o JOIN events e ON e.id = o.event_id WHERE o.id = ?1",
	[STMT_SUMMARY_LINES] =
	    "SELECT t.title, l.count, l.unit_price FROM order_lines l"
	    " JOIN ticket_types t ON t.id = l.ticket_type_id"
	    " WHERE l.order_id = ?1 ORDER BY l.id",
	/* The buyer's own: not those a transfer gave to others. */
	[STMT_SUMMARY_TICKETS] =
	    "SELECT t.external_id, tt.title FROM tickets t"
	    " JOIN ticket_types tt ON tt.id = t.ticket_type_id"
	    " WHERE t.order_id = ?1 AND t.holder_email IS NULL ORDER BY t.id",
	[STMT_SET_STARTED] =
	    "UPDATE orders SET email = coalesce(?2, email),"
	    " email_key = coalesce(?4, email_key),"
	    " payment_started = ?3 WHERE id = ?1",
	/*
	 * The hold caps (0: the default, HOLD_CAP_ORDERS_DEFAULT orders'
	 * worth) and what counts against them: places held right now from
	 * one client (orders_event_client), and places held or bought by
	 * one e-mail address (orders_event_email); ?4 is an order not to
	 * count, the one asking.  Every order has a place, so ?5 rows (cap -
	 * seats + 1) are enough to know: a client at its cap costs a few
	 * index entries, not all of its holds.
	 */
	[STMT_CAPS] =
	    "SELECT max_tickets_per_payment, coalesce(max_held_per_client, 0),"
	    " coalesce(max_tickets_per_email, 0), total_seats"
	    " FROM events WHERE id = ?1",
	[STMT_HELD_BY_CLIENT] =
	    "SELECT coalesce(sum(seats), 0) FROM (SELECT seats FROM orders"
	    " WHERE event_id = ?1 AND client_addr = ?2 AND status = 'reserved'"
	    " AND expires_at > ?3 AND id <> ?4 LIMIT ?5)",
	[STMT_HELD_BY_EMAIL] =
	    "SELECT coalesce(sum(seats), 0) FROM (SELECT seats FROM orders"
	    " WHERE event_id = ?1 AND email_key = ?2 AND id <> ?4"
	    " AND (status IN ('paid', 'partially_refunded')"
	    " OR (status = 'reserved' AND expires_at > ?3)) LIMIT ?5)",
	[STMT_SET_CLIENT] =
	    "UPDATE orders SET client_addr = ?2 WHERE id = ?1",
	/* The buyer of an API order, and the fee on its subtotal. */
	[STMT_SET_BUYER] =
	    "UPDATE orders SET user_id = nullif(?2, 0), email = ?3,"
	    " email_key = ?4, buyer_name = ?5, buyer_phone = ?6, notes = ?7,"
	    " locale = ?8, service_fee = ?9, total = subtotal + ?9 - discount"
	    " WHERE id = ?1 AND status = 'reserved'",
	[STMT_NOTE_CANCEL] =
	    "UPDATE orders SET cancel_reason = ?3, cancelled_at = ?2"
	    " WHERE id = ?1",
	[STMT_ADD_REFUNDED] =
	    "UPDATE orders SET refunded = refunded + ?2 WHERE id = ?1",
	[STMT_TICKETS_REFUNDED] =
	    "UPDATE tickets SET status = 'refunded' WHERE order_id = ?1"
	    " AND status = 'valid'",
	[STMT_SET_DISCOUNT] =
	    "UPDATE orders SET discount = ?2, total = subtotal + service_fee"
	    " - ?2 WHERE id = ?1 AND status = 'reserved' AND ?2 <= subtotal",
	[STMT_VOID_TICKET] =
	    "UPDATE tickets SET status = 'refunded' WHERE id = ?2"
	    " AND order_id = ?1 AND status = 'valid' RETURNING price",
	[STMT_EXTEND] =
	    "UPDATE orders SET expires_at = ?2, extensions = extensions + 1"
	    " WHERE id = ?1",
	/*
	 * The seats of a seated order (sql/017), and each seat paired with
	 * one of the order's valid tickets of the seat's ticket type: the
	 * n-th seat of a type (by seat id) gets the n-th ticket (by id).
	 */
	[STMT_ORDER_SEATS] =
	    "SELECT seat_id FROM order_seats WHERE order_id = ?1"
	    " ORDER BY seat_id",
	[STMT_SEAT_SALES] =
	    "SELECT s.seat_id, t.id FROM"
	    " (SELECT seat_id, ticket_type_id, row_number() OVER"
	    " (PARTITION BY ticket_type_id ORDER BY seat_id) AS n"
	    " FROM order_seats WHERE order_id = ?1) s"
	    " JOIN (SELECT id, ticket_type_id, row_number() OVER"
	    " (PARTITION BY ticket_type_id ORDER BY id) AS n"
	    " FROM tickets WHERE order_id = ?1 AND status = 'valid') t"
	    " ON t.ticket_type_id = s.ticket_type_id AND t.n = s.n"
	    " ORDER BY s.seat_id",
	/* A hold's seats lapse with it: they follow its expiry. */
	[STMT_SEAT_LOCKS_MOVE] =
	    "UPDATE event_seats SET locked_until = ?2"
	    " WHERE order_id = ?1 AND status = 'LOCKED'",
};

const char *
order_status_str(enum order_status s)
{
	return s < ORDER_STATUS__MAX ? status_names[s] : "unknown";
}

/* The index of s among the n names, or -1 when s is none (or NULL). */
static int
name_index(const char *const *names, int n, const char *s)
{
	int	 i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

enum order_status
order_status_parse(const char *s)
{
	int	 i = name_index(status_names, ORDER_STATUS__MAX, s);

	return i == -1 ? ORDER_FAILED : (enum order_status)i;
}

const char *
ticket_status_str(enum ticket_status s)
{
	return s < TICKET_STATUS__MAX ? ticket_status_names[s] : "unknown";
}

enum ticket_status
ticket_status_parse(const char *s)
{
	int	 i = name_index(ticket_status_names, TICKET_STATUS__MAX, s);

	return i == -1 ? TICKET_CANCELLED : (enum ticket_status)i;
}

const char *
order_compat_status(const struct order *o, int64_t now)
{
	switch (o->status) {
	case ORDER_RESERVED:
		return o->expires_at > now ? "RESERVED" :
		    "FAILED_EXPIRED_RESERVATION";
	case ORDER_PAID:
		return "PAID";
	case ORDER_EXPIRED:
	case ORDER_CANCELLED:
	case ORDER_FAILED:	/* a declined payment ends the hold */
		return "FAILED_EXPIRED_RESERVATION";
	default:
		return "FAILED_ADMIN";
	}
}


enum db_rc
order_load(struct db *db, int64_t id, struct order *out)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	memset(out, 0, sizeof(*out));
	if ((st = db_stmt(db, stmts[STMT_ORDER_BY_ID])) == NULL ||
	    db_bind_int(st, 1, id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		out->id = db_col_int(st, 0);
		out->event_id = db_col_int(st, 1);
		out->status = order_status_parse(db_col_text(st, 2));
		out->holds_seats = (int)db_col_int(st, 3);
		out->payment_started = (int)db_col_int(st, 4);
		out->seats = db_col_int(st, 5);
		out->total = db_col_int(st, 6);
		out->expires_at = db_col_int(st, 7);
		out->paid_at = db_col_int(st, 8);
		snprintf(out->code, sizeof(out->code), "%s", db_col_text(st, 9));
		snprintf(out->email, sizeof(out->email), "%s",
		    db_col_text(st, 10));
		snprintf(out->flag, sizeof(out->flag), "%s",
		    db_col_text(st, 11));
		out->extensions = db_col_int(st, 12);
		snprintf(out->uid, sizeof(out->uid), "%s", db_col_text(st, 13));
		snprintf(out->number, sizeof(out->number), "%s",
		    db_col_text(st, 14));
		snprintf(out->currency, sizeof(out->currency), "%s",
		    db_col_text(st, 15));
		out->user_id = db_col_int(st, 16);
		out->subtotal = db_col_int(st, 17);
		out->service_fee = db_col_int(st, 18);
		out->refunded = db_col_int(st, 19);
	}
	db_reset(st);
	return rc;
}

/* Adds sign * the order's line counts to every quota covering them. */
static enum db_rc
quota_adjust(struct db *db, int64_t order_id, int sign)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_QUOTA_ADJUST])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1 ||
	    db_bind_int(st, 2, sign) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

/* Sets *over when any quota of the event holds more than its size. */
static enum db_rc
overbooked(struct db *db, int64_t event_id, int *over)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_OVERBOOKED])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		*over = db_col_int(st, 0) > 0;
	db_reset(st);
	return rc;
}

enum db_rc
order_tickets_left(struct db *db, int64_t event_id, int64_t *left)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	*left = 0;
	if ((st = db_stmt(db, stmts[STMT_LEFT])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		*left = db_col_int(st, 0);
	db_reset(st);
	return rc;
}

enum db_rc
order_expire_stale(struct db *db, int64_t now, int64_t event_id,
    int64_t *expired)
{
	struct db_stmt	*st;
	enum db_rc	 rc;
	int		 k, base, stale;

	*expired = 0;
	base = event_id != 0 ? STMT_STALE_EXISTS : STMT_STALE_EXISTS_ALL;

	/* Usually there is nothing to do: one index probe says so. */
	if ((st = db_stmt(db, stmts[base])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1 ||
	    db_bind_int(st, 2, now) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) != DB_OK)
		return rc;
	stale = (int)db_col_int(st, 0);
	db_reset(st);
	if (!stale)
		return DB_OK;

	/* Quotas first: the subquery finds the orders still "reserved". */
	for (k = base + 1; k <= base + 2; k++) {
		if ((st = db_stmt(db, stmts[k])) == NULL ||
		    db_bind_int(st, 1, event_id) == -1 ||
		    db_bind_int(st, 2, now) == -1)
			return DB_ERROR;
		if ((rc = db_exec(db, st)) != DB_OK)
			return rc;
	}
	*expired = db_changes(db);
	return DB_OK;
}

/*
 * The state machine: the statuses each status may be entered from.
 * reserved is a hold (seed 004's pending, or processing once a payment
 * has started), paid is confirmed.  A lapsed, cancelled or failed hold
 * is taken again when money arrives for it and seats remain.
 */
static const char *const entered_from[ORDER_STATUS__MAX] = {
	[ORDER_RESERVED] = ",expired,cancelled,failed,",
	[ORDER_PAID] = ",reserved,",
	[ORDER_EXPIRED] = ",reserved,",
	[ORDER_CANCELLED] = ",reserved,",
	[ORDER_FAILED] = ",reserved,",
	[ORDER_REFUNDED] = ",paid,partially_refunded,",
	[ORDER_PARTIALLY_REFUNDED] = ",paid,partially_refunded,",
};

int
order_may_become(enum order_status from, enum order_status to)
{
	char	 needle[32];

	if (from >= ORDER_STATUS__MAX || to >= ORDER_STATUS__MAX)
		return 0;
	snprintf(needle, sizeof(needle), ",%s,", status_names[from]);
	return strstr(entered_from[to], needle) != NULL;
}

/* Moves the order to status if the state machine allows it from where
 * it is: DB_CONSTRAINT (nothing written) when it does not. */
static enum db_rc
set_status(struct db *db, int64_t order_id, enum order_status status,
    int holds)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_SET_STATUS])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1 ||
	    db_bind_text(st, 2, status_names[status]) == -1 ||
	    db_bind_int(st, 3, holds) == -1 ||
	    db_bind_text(st, 4, entered_from[status]) == -1)
		return DB_ERROR;
	if ((rc = db_exec(db, st)) != DB_OK)
		return rc;
	return db_changes(db) == 1 ? DB_OK : DB_CONSTRAINT;
}

/* A seat move's outcome as a storage one (the seat moves speak enum err). */
static enum db_rc
db_from_err(enum err e)
{
	return e == ERR_OK ? DB_OK : e == ERR_BUSY ? DB_BUSY :
	    e == ERR_SEAT_TAKEN || e == ERR_SEAT_NOT_FOUND ? DB_CONSTRAINT :
	    DB_ERROR;
}

/* Reads the seats order_id was placed for (sql/017) into ids; *n is 0
 * for an order without seats. */
static enum db_rc
order_seat_ids(struct db *db, int64_t order_id,
    int64_t ids[ARRAY_ITEMS_MAX], size_t *n)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	*n = 0;
	if ((st = db_stmt(db, stmts[STMT_ORDER_SEATS])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1)
		return DB_ERROR;
	while ((rc = db_step(db, st)) == DB_OK && *n < ARRAY_ITEMS_MAX)
		ids[(*n)++] = db_col_int(st, 0);
	db_reset(st);
	return rc == DB_NOTFOUND || rc == DB_OK ? DB_OK : rc;
}

/* Moves the locks of order_id's seats to its new expiry. */
static enum db_rc
seat_locks_move(struct db *db, int64_t order_id, int64_t expires_at)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_SEAT_LOCKS_MOVE])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1 ||
	    db_bind_int(st, 2, expires_at) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

/*
 * Sells the seats of a seated order that is being marked paid, each
 * with one of the tickets just issued (seat_sell: the unique index of
 * sql/012 stands behind it).  Nothing to do for an unseated order.
 */
static enum db_rc
sell_seats(struct db *db, int64_t order_id, int64_t event_id, int64_t now)
{
	struct seat_sale	 sales[ARRAY_ITEMS_MAX];
	struct db_stmt		*st;
	enum db_rc		 rc;
	enum err		 e;
	size_t			 n = 0;

	if ((st = db_stmt(db, stmts[STMT_SEAT_SALES])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1)
		return DB_ERROR;
	while ((rc = db_step(db, st)) == DB_OK && n < ARRAY_ITEMS_MAX) {
		sales[n].seat_id = db_col_int(st, 0);
		sales[n].ticket_id = db_col_int(st, 1);
		n++;
	}
	db_reset(st);
	if (rc != DB_OK && rc != DB_NOTFOUND)
		return rc;
	if (n == 0)
		return DB_OK;
	if ((e = seat_sell(db, event_id, order_id, sales, n, now)) != ERR_OK) {
		/* The hold had them; only a bug or a hand gets here. */
		log_err("order %lld: its seats cannot be sold (%d)",
		    (long long)order_id, (int)e);
		return e == ERR_BUSY ? DB_BUSY : DB_ERROR;
	}
	return DB_OK;
}

/*
 * Takes the seats of order o, which lost its hold, back for it until
 * `until`: DB_CONSTRAINT (and none kept) when one went to someone else
 * or left the map.  Nothing to do for an unseated order.
 */
static enum db_rc
seats_retake(struct db *db, const struct order *o, int64_t now, int64_t until)
{
	int64_t		 ids[ARRAY_ITEMS_MAX];
	size_t		 n;
	enum db_rc	 rc;
	enum err	 e;

	if ((rc = order_seat_ids(db, o->id, ids, &n)) != DB_OK || n == 0)
		return rc;
	if ((e = seat_lock(db, o->event_id, o->id, ids, n, now, until)) ==
	    ERR_OK)
		return DB_OK;
	if ((rc = db_from_err(seat_release(db, o->id, NULL))) != DB_OK)
		return rc;
	return db_from_err(e);
}

enum db_rc
order_release(struct db *db, int64_t order_id, enum order_status status)
{
	struct order	 o;
	enum db_rc	 rc;

	if ((rc = order_load(db, order_id, &o)) != DB_OK)
		return rc;
	if (o.holds_seats && (rc = quota_adjust(db, order_id, -1)) != DB_OK)
		return rc;
	if ((rc = set_status(db, order_id, status, 0)) != DB_OK)
		return rc;
	/* A seated order's seats: held ones free, sold ones whose tickets
	 * no longer admit anyone free too. */
	if ((rc = db_from_err(seat_release(db, order_id, NULL))) != DB_OK)
		return rc;
	return db_from_err(seat_unsell(db, order_id, NULL));
}

enum db_rc
order_retake_seats(struct db *db, int64_t order_id)
{
	struct order	 o;
	enum db_rc	 rc;
	int		 over = 0;

	if ((rc = order_load(db, order_id, &o)) != DB_OK)
		return rc;
	if (o.holds_seats)
		return DB_OK;
	if ((rc = quota_adjust(db, order_id, 1)) != DB_OK ||
	    (rc = overbooked(db, o.event_id, &over)) != DB_OK)
		return rc;
	/*
	 * A seated order needs its very seats too.  They are locked until
	 * the order's expiry, which the caller moves (order_set_expiry,
	 * order_extend) or pays at once.
	 */
	if (!over && (rc = seats_retake(db, &o, tfmt_now(), o.expires_at)) ==
	    DB_CONSTRAINT)
		over = 1;
	else if (rc != DB_OK)
		return rc;
	if (over) {
		/* Put the counts back; the caller's seats are gone. */
		if ((rc = quota_adjust(db, order_id, -1)) != DB_OK)
			return rc;
		return DB_CONSTRAINT;
	}
	return set_status(db, order_id, ORDER_RESERVED, 1);
}

enum db_rc
order_set_expiry(struct db *db, int64_t order_id, int64_t expires_at)
{
	struct db_stmt	*st;

	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_SET_EXPIRY])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1 ||
	    db_bind_int(st, 2, expires_at) == -1)
		return DB_ERROR;
	if ((rc = db_exec(db, st)) != DB_OK)
		return rc;
	return seat_locks_move(db, order_id, expires_at);
}

enum db_rc
order_set_flag(struct db *db, int64_t order_id, const char *flag)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_SET_FLAG])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1 ||
	    db_bind_text(st, 2, flag) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

enum db_rc
order_set_payment_started(struct db *db, int64_t order_id, const char *email,
    int started)
{
	struct db_stmt	*st;
	char		 key[EMAIL_MAX + 1];

	if (email != NULL)
		buyer_email_key(email, key);
	if ((st = db_stmt(db, stmts[STMT_SET_STARTED])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1 ||
	    db_bind_text(st, 2, email) == -1 ||
	    db_bind_int(st, 3, started) == -1 ||
	    db_bind_text(st, 4, email != NULL ? key : NULL) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

enum db_rc
order_extend(struct db *db, int64_t order_id, int64_t expires_at)
{
	struct db_stmt	*st;

	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_EXTEND])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1 ||
	    db_bind_int(st, 2, expires_at) == -1)
		return DB_ERROR;
	if ((rc = db_exec(db, st)) != DB_OK)
		return rc;
	return seat_locks_move(db, order_id, expires_at);
}

/*
 * An event's cap as stored, or the default when it stores none (0);
 * -1 when it is at least the event's seats and so can never bind (the
 * count is then skipped: a generous cap costs nothing).
 */
static int64_t
cap_of(int64_t cap, int64_t max_per_payment, int64_t total_seats)
{
	if (cap <= 0)
		cap = HOLD_CAP_ORDERS_DEFAULT * max_per_payment;
	return cap >= total_seats ? -1 : cap;
}

/* Reads event_id's caps (see cap_of()): places per client, per e-mail
 * address. */
static enum db_rc
event_caps(struct db *db, int64_t event_id, int64_t *per_client,
    int64_t *per_email)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_CAPS])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		*per_client = cap_of(db_col_int(st, 1), db_col_int(st, 0),
		    db_col_int(st, 3));
		*per_email = cap_of(db_col_int(st, 2), db_col_int(st, 0),
		    db_col_int(st, 3));
	}
	db_reset(st);
	return rc;
}

/*
 * Would seats more places of event_id for key go over cap (-1: none)?
 * Counts with statement k (STMT_HELD_BY_CLIENT or STMT_HELD_BY_EMAIL),
 * leaving out order except.  Returns ERR_OK, over (the outcome to give),
 * or a storage outcome.
 */
static enum err
over_cap(struct db *db, int k, int64_t now, int64_t event_id,
    const char *key, int64_t except, int64_t seats, int64_t cap,
    enum err over)
{
	struct db_stmt	*st;
	enum db_rc	 rc;
	int64_t		 had;

	if (cap < 0)
		return ERR_OK;
	/* No query needed, and it keeps cap - seats from going negative. */
	if (seats > cap)
		return over;
	if ((st = db_stmt(db, stmts[k])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1 ||
	    db_bind_text(st, 2, key) == -1 ||
	    db_bind_int(st, 3, now) == -1 ||
	    db_bind_int(st, 4, except) == -1 ||
	    db_bind_int(st, 5, cap - seats + 1) == -1)
		return ERR_INTERNAL;
	if ((rc = db_step(db, st)) != DB_OK) {
		db_reset(st);
		return err_from_db(rc);
	}
	had = db_col_int(st, 0);
	db_reset(st);
	return had > cap - seats ? over : ERR_OK;
}

enum err
order_email_cap(struct db *db, int64_t now, const struct order *o,
    const char *email)
{
	char		 key[EMAIL_MAX + 1];
	int64_t		 per_client, per_email;
	enum db_rc	 rc;

	if ((rc = event_caps(db, o->event_id, &per_client, &per_email)) !=
	    DB_OK)
		return err_from_db(rc);
	buyer_email_key(email, key);
	return over_cap(db, STMT_HELD_BY_EMAIL, now, o->event_id, key, o->id,
	    o->seats, per_email, ERR_EMAIL_LIMIT);
}

enum err
order_rehold(struct db *db, int64_t now, const struct order *o,
    const char *client)
{
	struct db_stmt	*st;
	int64_t		 per_client, per_email;
	enum db_rc	 rc;
	enum err	 e;

	/* The seats come back as a new hold: the client's cap applies. */
	if ((rc = event_caps(db, o->event_id, &per_client, &per_email)) !=
	    DB_OK)
		return err_from_db(rc);
	if ((e = over_cap(db, STMT_HELD_BY_CLIENT, now, o->event_id, client,
	    o->id, o->seats, per_client, ERR_HOLD_LIMIT)) != ERR_OK)
		return e;
	if (!o->holds_seats) {
		if ((rc = order_retake_seats(db, o->id)) == DB_CONSTRAINT)
			return ERR_SESSION_EXPIRED;
		if (rc != DB_OK)
			return err_from_db(rc);
	}
	if ((st = db_stmt(db, stmts[STMT_SET_CLIENT])) == NULL ||
	    db_bind_int(st, 1, o->id) == -1 ||
	    db_bind_text(st, 2, client) == -1)
		return ERR_INTERNAL;
	return err_from_db(db_exec(db, st));
}

/* May count places of the variant STMT_EVENT_TYPE's row st describes
 * be bought at now? */
static enum err
line_allowed(struct db_stmt *st, int64_t count, int64_t now)
{
	int64_t	 start = db_col_int(st, 2), end = db_col_int(st, 3);
	int64_t	 max = db_col_int(st, 5);

	if (db_col_int(st, 1) == 0)
		return ERR_TICKET_TYPE_NOT_FOUND;
	if (start > now)
		return ERR_SALES_NOT_STARTED;
	if (end != 0 && end <= now)
		return ERR_SALES_STOPPED;
	if (count < db_col_int(st, 4))
		return ERR_TOO_FEW_TICKETS;
	if (max != 0 && count > max)
		return ERR_TOO_MANY_TICKETS;
	return ERR_OK;
}

/*
 * The checks before any write: event, sales, the queue's pass, types,
 * count.  Fills the event's limits (hold time, places per client) and
 * each line's unit price.
 */
static enum err
reserve_checks(struct db *db, int64_t now, int64_t event_id,
    const char *queue_pass, const struct order_line_req *lines, size_t n,
    int64_t *prices, int64_t *seats, int64_t *hold_seconds,
    int64_t *per_client)
{
	struct db_stmt	*st;
	const char	*status;
	enum db_rc	 rc;
	enum err	 e = ERR_OK;
	int64_t		 stop, max_per;
	size_t		 i;

	if ((st = db_stmt(db, stmts[STMT_EVENT])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1)
		return ERR_INTERNAL;
	if ((rc = db_step(db, st)) != DB_OK) {
		db_reset(st);
		return rc == DB_NOTFOUND ? ERR_EVENT_NOT_FOUND : err_from_db(rc);
	}
	stop = db_col_int(st, 0);
	max_per = db_col_int(st, 1);
	*hold_seconds = db_col_int(st, 2);
	status = db_col_text(st, 3);
	*per_client = cap_of(db_col_int(st, 6), max_per, db_col_int(st, 7));
	if (strcmp(status, "draft") == 0)
		e = ERR_EVENT_NOT_FOUND;
	else if (strcmp(status, "published") != 0 || stop <= now)
		e = ERR_SALES_STOPPED;
	else if (db_col_int(st, 5) != 0 &&
	    !queue_pass_valid(queue_pass, event_id, now))
		e = ERR_QUEUE_REQUIRED;
	else if (db_col_int(st, 4) > now)
		e = ERR_SALES_NOT_STARTED;
	db_reset(st);
	if (e != ERR_OK)
		return e;

	*seats = 0;
	for (i = 0; i < n; i++) {
		if ((st = db_stmt(db, stmts[STMT_EVENT_TYPE])) == NULL ||
		    db_bind_int(st, 1, event_id) == -1 ||
		    db_bind_int(st, 2, lines[i].ticket_type_id) == -1)
			return ERR_INTERNAL;
		if ((rc = db_step(db, st)) != DB_OK) {
			db_reset(st);
			return rc == DB_NOTFOUND ? ERR_TICKET_TYPE_NOT_FOUND :
			    err_from_db(rc);
		}
		prices[i] = db_col_int(st, 0);
		e = line_allowed(st, lines[i].count, now);
		db_reset(st);
		if (e != ERR_OK)
			return e;
		/* Counts are capped by validation; the sum cannot wrap. */
		*seats += lines[i].count;
	}
	return *seats > max_per ? ERR_TOO_MANY_TICKETS : ERR_OK;
}

/*
 * The next order number of now's day in the configured time zone
 * ("OE-20251119-0001"), taken inside the caller's transaction: a
 * rollback gives it back, so the numbers of a day have no gaps.
 */
static enum db_rc
next_number(struct db *db, int64_t now, char out[ORDER_NUMBER_MAX + 1])
{
	struct db_stmt	*st;
	struct tm	 tm;
	time_t		 t = (time_t)now;
	char		 day[9];
	enum db_rc	 rc;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(day, sizeof(day), "%Y%m%d", &tm) == 0)
		return DB_ERROR;
	if ((st = db_stmt(db, stmts[STMT_NUMBER_NEXT])) == NULL ||
	    db_bind_text(st, 1, day) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		snprintf(out, ORDER_NUMBER_MAX + 1, "OE-%s-%04lld", day,
		    (long long)db_col_int(st, 0));
	db_reset(st);
	return rc == DB_NOTFOUND ? DB_ERROR : rc;
}

/* Inserts the order, held by client, and its lines; *order_id is the
 * new order. */
static enum db_rc
insert_order(struct db *db, int64_t now, int64_t event_id,
    const struct order_line_req *lines, size_t n, const int64_t *prices,
    int64_t seats, int64_t hold_seconds, const char *client,
    int64_t *order_id)
{
	struct db_stmt	*st;
	char		 code[CODE_LEN + 1], uid[UUID_LEN + 1];
	char		 number[ORDER_NUMBER_MAX + 1];
	int64_t		 total = 0;
	enum db_rc	 rc;
	size_t		 i;
	int		 tries;

	for (i = 0; i < n; i++)
		total += prices[i] * lines[i].count;
	if ((rc = next_number(db, now, number)) != DB_OK)
		return rc;
	rc = DB_CONSTRAINT;
	for (tries = 0; tries < ID_RETRIES && rc == DB_CONSTRAINT; tries++) {
		crypto_random_letters(code, CODE_LEN);
		crypto_uuid7(uid);
		if ((st = db_stmt(db, stmts[STMT_ORDER_INSERT])) == NULL ||
		    db_bind_text(st, 1, code) == -1 ||
		    db_bind_int(st, 2, event_id) == -1 ||
		    db_bind_int(st, 3, seats) == -1 ||
		    db_bind_int(st, 4, total) == -1 ||
		    db_bind_int(st, 5, now) == -1 ||
		    db_bind_int(st, 6, now + hold_seconds) == -1 ||
		    db_bind_text(st, 7, client) == -1 ||
		    db_bind_text(st, 8, uid) == -1 ||
		    db_bind_text(st, 9, number) == -1)
			return DB_ERROR;
		rc = db_insert_id(db, st, order_id);
	}
	if (rc != DB_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if ((st = db_stmt(db, stmts[STMT_LINE_INSERT])) == NULL ||
		    db_bind_int(st, 1, *order_id) == -1 ||
		    db_bind_int(st, 2, lines[i].ticket_type_id) == -1 ||
		    db_bind_int(st, 3, lines[i].count) == -1 ||
		    db_bind_int(st, 4, prices[i]) == -1)
			return DB_ERROR;
		if ((rc = db_exec(db, st)) != DB_OK)
			return rc;
	}
	return DB_OK;
}

/* Releases order_id (0: none) if it is still a hold; *started says
 * whether it had a payment request open. */
static enum db_rc
release_held(struct db *db, int64_t order_id, int *started)
{
	struct order	 o;
	enum db_rc	 rc;

	*started = 0;
	if (order_id == 0)
		return DB_OK;
	if ((rc = order_load(db, order_id, &o)) == DB_NOTFOUND)
		return DB_OK;
	if (rc != DB_OK || o.status != ORDER_RESERVED)
		return rc;
	*started = o.payment_started;
	return order_release(db, o.id, ORDER_CANCELLED);
}

enum err
order_hold(struct db *db, int64_t now, int64_t event_id,
    const struct order_line_req *lines, size_t nlines, const char *queue_pass,
    const char *client, int64_t release_id, int *released_started,
    int64_t *order_id, int64_t *tickets_left)
{
	int64_t		 prices[ARRAY_ITEMS_MAX], seats = 0, hold = 0;
	int64_t		 expired, left, per_client = 0;
	enum db_rc	 rc;
	enum err	 e;
	int		 over = 0;

	*tickets_left = 0;
	*released_started = 0;
	if (nlines == 0 || nlines > ARRAY_ITEMS_MAX)
		return ERR_BAD_REQUEST;
	if ((e = reserve_checks(db, now, event_id, queue_pass, lines, nlines,
	    prices, &seats, &hold, &per_client)) != ERR_OK)
		return e;
	/* Capacity never waits for cron: drop this event's stale holds. */
	if ((rc = order_expire_stale(db, now, event_id, &expired)) != DB_OK ||
	    (rc = release_held(db, release_id, released_started)) != DB_OK)
		return err_from_db(rc);
	/* The client's live holds plus these seats, within the event's cap. */
	if ((e = over_cap(db, STMT_HELD_BY_CLIENT, now, event_id, client, 0,
	    seats, per_client, ERR_HOLD_LIMIT)) != ERR_OK)
		return e;

	/* Take the seats, then check no quota went over. */
	if ((rc = insert_order(db, now, event_id, lines, nlines, prices,
	    seats, hold, client, order_id)) != DB_OK ||
	    (rc = quota_adjust(db, *order_id, 1)) != DB_OK ||
	    (rc = overbooked(db, event_id, &over)) != DB_OK)
		return err_from_db(rc);
	if (over) {
		/* What was left before we took ours, for the answer. */
		if ((rc = quota_adjust(db, *order_id, -1)) != DB_OK ||
		    (rc = order_tickets_left(db, event_id, &left)) != DB_OK)
			return err_from_db(rc);
		*tickets_left = left;
		return ERR_OUT_OF_TICKETS;
	}
	return ERR_OK;
}

enum err
order_reserve(struct db *db, int64_t now, int64_t event_id,
    const struct order_line_req *lines, size_t nlines,
    const struct session *prev, const char *queue_pass, const char *client,
    char token[TOKEN_HEX_LEN + 1], int64_t *tickets_left,
    int *released_started)
{
	int64_t		 order_id, user_id = 0, ttl = SESSION_SECONDS;
	enum db_rc	 rc;
	enum err	 e;

	*tickets_left = 0;
	*released_started = 0;
	if (nlines == 0 || nlines > ARRAY_ITEMS_MAX)
		return ERR_BAD_REQUEST;
	if ((rc = db_tx_immediate(db)) != DB_OK)
		return err_from_db(rc);
	/*
	 * The session's previous reservation is released (after the checks,
	 * so a refused request keeps it) and does not count against the
	 * client's cap; a session holds one reservation at a time, so the
	 * cap holds for the session too.  The session itself is revoked.
	 */
	if ((e = order_hold(db, now, event_id, lines, nlines, queue_pass,
	    client, prev != NULL ? prev->order_id : 0, released_started,
	    &order_id, tickets_left)) != ERR_OK)
		goto fail;
	if (prev != NULL && (rc = sess_revoke(db, prev->id, now)) != DB_OK)
		goto dbfail;
	/*
	 * The reservation gets a fresh session (the previous one is revoked
	 * above); a signed-in buyer's stays theirs, and ends when their
	 * sign-in would have, so reserving never signs anyone out.
	 */
	if (prev != NULL && prev->user_id != 0 && prev->expires_at > now) {
		user_id = prev->user_id;
		ttl = prev->expires_at - now;
	}
	if ((rc = sess_create(db, SESS_BROWSER, order_id, user_id, now, ttl,
	    token)) != DB_OK || (rc = db_tx_commit(db)) != DB_OK)
		goto dbfail;
	return ERR_OK;
dbfail:
	e = err_from_db(rc);
fail:
	db_tx_rollback(db);
	*released_started = 0;
	return e;
}

/* Inserts one ticket, retrying external ids that are taken. */
static enum db_rc
issue_ticket(struct db *db, int64_t order_id, int64_t event_id,
    int64_t type_id, int64_t price, int64_t now)
{
	struct db_stmt	*st;
	char		 external_id[EXTERNAL_ID_LEN + 1];
	char		 secret[TICKET_SECRET_BYTES * 2 + 1];
	enum db_rc	 rc = DB_CONSTRAINT;
	int		 tries;

	crypto_random_hex(secret, TICKET_SECRET_BYTES);
	for (tries = 0; tries < ID_RETRIES && rc == DB_CONSTRAINT; tries++) {
		crypto_random_letters(external_id, EXTERNAL_ID_LEN);
		if ((st = db_stmt(db, stmts[STMT_TICKET_INSERT])) == NULL ||
		    db_bind_int(st, 1, order_id) == -1 ||
		    db_bind_int(st, 2, event_id) == -1 ||
		    db_bind_int(st, 3, type_id) == -1 ||
		    db_bind_int(st, 4, price) == -1 ||
		    db_bind_text(st, 5, external_id) == -1 ||
		    db_bind_text(st, 6, secret) == -1 ||
		    db_bind_int(st, 7, now) == -1)
			return DB_ERROR;
		rc = db_exec(db, st);
	}
	if (rc == DB_CONSTRAINT)
		log_err("order %lld: no free ticket id after %d tries",
		    (long long)order_id, ID_RETRIES);
	return rc;
}

enum db_rc
order_mark_paid(struct db *db, int64_t order_id, int64_t now,
    const char *flag)
{
	struct {
		int64_t	 type_id, count, price;
	}		 lines[ARRAY_ITEMS_MAX];
	struct db_stmt	*st;
	char		 email[EMAIL_MAX + 1] = "";
	int64_t		 event_id = 0, k;
	size_t		 n = 0, i;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_MARK_PAID])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1 ||
	    db_bind_int(st, 2, now) == -1 ||
	    db_bind_text(st, 3, flag) == -1)
		return DB_ERROR;
	if ((rc = db_exec(db, st)) != DB_OK)
		return rc;
	if (db_changes(db) != 1) {
		log_err("order %lld: marked paid without holding seats",
		    (long long)order_id);
		return DB_ERROR;
	}

	/* Read the lines first: one statement at a time keeps it simple. */
	if ((st = db_stmt(db, stmts[STMT_LINES])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1)
		return DB_ERROR;
	while ((rc = db_step(db, st)) == DB_OK && n < ARRAY_ITEMS_MAX) {
		lines[n].type_id = db_col_int(st, 0);
		lines[n].count = db_col_int(st, 1);
		lines[n].price = db_col_int(st, 2);
		event_id = db_col_int(st, 3);
		snprintf(email, sizeof(email), "%s", db_col_text(st, 4));
		n++;
	}
	db_reset(st);
	if (rc != DB_OK && rc != DB_NOTFOUND)
		return rc;

	for (i = 0; i < n; i++)
		for (k = 0; k < lines[i].count; k++)
			if ((rc = issue_ticket(db, order_id, event_id,
			    lines[i].type_id, lines[i].price, now)) != DB_OK)
				return rc;
	if ((rc = sell_seats(db, order_id, event_id, now)) != DB_OK)
		return rc;
	/* The organizer's signing key exists before any of these tickets
	 * is shown, so read-only pages can show signed QR codes.  Never a
	 * reason to refuse a payment: without it they show short codes. */
	if (n > 0 && ticketkey_ensure_event(db, event_id, now) != DB_OK)
		log_warn("order %lld: no signing key for its organizer yet",
		    (long long)order_id);
	/* Paid if and only if invoiced: the same transaction. */
	if ((rc = invoice_issue(db, order_id, now)) != DB_OK)
		return rc;

	if (email[0] == '\0')
		return DB_OK;
	if ((st = db_stmt(db, stmts[STMT_OUTBOX_INSERT])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1 ||
	    db_bind_text(st, 2, email) == -1 ||
	    db_bind_int(st, 3, now) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

static void
add_money(cJSON *o, const char *name, int64_t minor, const char *currency,
    enum lang lang)
{
	char	 buf[MONEY_STR_MAX];

	(void)money_format(buf, sizeof(buf), minor, currency, lang);
	cJSON_AddStringToObject(o, name, buf);
}

cJSON *
order_summary(struct db *db, int64_t order_id, int64_t now, enum lang lang)
{
	struct db_stmt	*st;
	cJSON		*o, *ev, *list, *item;
	char		 currency[CURRENCY_LEN + 1];
	int64_t		 left;

	if ((st = db_stmt(db, stmts[STMT_SUMMARY])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1)
		return NULL;
	if (db_step(db, st) != DB_OK) {
		db_reset(st);
		return NULL;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "code", db_col_text(st, 0));
	cJSON_AddStringToObject(o, "status", db_col_text(st, 1));
	cJSON_AddStringToObject(o, "email", db_col_text(st, 2));
	if ((size_t)snprintf(currency, sizeof(currency), "%s",
	    db_col_text(st, 9)) >= sizeof(currency))
		currency[0] = '\0';	/* not a code: money shows as "" */
	add_money(o, "total", db_col_int(st, 3), currency, lang);
	cJSON_AddNumberToObject(o, "seats", (double)db_col_int(st, 4));
	cJSON_AddNumberToObject(o, "expires_at", (double)db_col_int(st, 5));
	left = db_col_int(st, 5) - now;
	cJSON_AddNumberToObject(o, "seconds_left", (double)(left > 0 ? left : 0));
	cJSON_AddNumberToObject(o, "minutes_left",
	    (double)(left > 0 ? (left + 59) / 60 : 0));
	ev = cJSON_AddObjectToObject(o, "event");
	cJSON_AddNumberToObject(ev, "id", (double)db_col_int(st, 6));
	cJSON_AddStringToObject(ev, "title", db_col_text(st, 7));
	cJSON_AddNumberToObject(ev, "event_at", (double)db_col_int(st, 8));
	db_reset(st);

	list = cJSON_AddArrayToObject(o, "lines");
	if ((st = db_stmt(db, stmts[STMT_SUMMARY_LINES])) != NULL &&
	    db_bind_int(st, 1, order_id) == 0) {
		while (db_step(db, st) == DB_OK) {
			item = cJSON_CreateObject();
			cJSON_AddStringToObject(item, "title", db_col_text(st, 0));
			cJSON_AddNumberToObject(item, "count",
			    (double)db_col_int(st, 1));
			add_money(item, "unit_price", db_col_int(st, 2),
			    currency, lang);
			add_money(item, "subtotal",
			    db_col_int(st, 1) * db_col_int(st, 2), currency,
			    lang);
			cJSON_AddItemToArray(list, item);
		}
		db_reset(st);
	}
	list = cJSON_AddArrayToObject(o, "tickets");
	if ((st = db_stmt(db, stmts[STMT_SUMMARY_TICKETS])) != NULL &&
	    db_bind_int(st, 1, order_id) == 0) {
		while (db_step(db, st) == DB_OK) {
			item = cJSON_CreateObject();
			cJSON_AddStringToObject(item, "external_id",
			    db_col_text(st, 0));
			cJSON_AddStringToObject(item, "type", db_col_text(st, 1));
			cJSON_AddItemToArray(list, item);
		}
		db_reset(st);
	}
	return o;
}

enum db_rc
order_set_buyer(struct db *db, int64_t order_id, const struct order_buyer *b,
    int64_t service_fee)
{
	struct db_stmt	*st;
	char		 key[EMAIL_MAX + 1];

	buyer_email_key(b->email, key);
	if ((st = db_stmt(db, stmts[STMT_SET_BUYER])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1 ||
	    db_bind_int(st, 2, b->user_id) == -1 ||
	    db_bind_text(st, 3, b->email) == -1 ||
	    db_bind_text(st, 4, key) == -1 ||
	    db_bind_text(st, 5, b->name != NULL ? b->name : "") == -1 ||
	    db_bind_text(st, 6, b->phone != NULL ? b->phone : "") == -1 ||
	    db_bind_text(st, 7, b->notes != NULL ? b->notes : "") == -1 ||
	    db_bind_text(st, 8, i18n_code(b->lang)) == -1 ||
	    db_bind_int(st, 9, service_fee) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

enum db_rc
order_note_cancel(struct db *db, int64_t order_id, int64_t now,
    const char *reason)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_NOTE_CANCEL])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1 ||
	    db_bind_int(st, 2, now) == -1 ||
	    db_bind_text(st, 3, reason) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

enum db_rc
order_mark_refunded(struct db *db, int64_t order_id, int64_t amount, int full)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_ADD_REFUNDED])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1 ||
	    db_bind_int(st, 2, amount) == -1)
		return DB_ERROR;
	if ((rc = db_exec(db, st)) != DB_OK)
		return rc;
	if (!full)
		return set_status(db, order_id, ORDER_PARTIALLY_REFUNDED, 1);
	if ((st = db_stmt(db, stmts[STMT_TICKETS_REFUNDED])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1)
		return DB_ERROR;
	if ((rc = db_exec(db, st)) != DB_OK)
		return rc;
	return order_release(db, order_id, ORDER_REFUNDED);
}

enum db_rc
order_set_discount(struct db *db, int64_t order_id, int64_t discount)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_SET_DISCOUNT])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1 ||
	    db_bind_int(st, 2, discount) == -1)
		return DB_ERROR;
	if ((rc = db_exec(db, st)) == DB_OK && db_changes(db) != 1)
		rc = DB_CONSTRAINT;
	return rc;
}

enum db_rc
order_void_ticket(struct db *db, int64_t order_id, int64_t ticket_id,
    int64_t *price)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	*price = 0;
	if ((st = db_stmt(db, stmts[STMT_VOID_TICKET])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1 ||
	    db_bind_int(st, 2, ticket_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		*price = db_col_int(st, 0);
		db_reset(st);
	}
	return rc;
}
