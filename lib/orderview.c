/*
 * Seed 004's views of orders (orderview.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "actor.h"
#include "db.h"
#include "err.h"
#include "jsonout.h"
#include "order.h"
#include "orderview.h"

enum stmt {
	STMT_LIST_ALL,
	STMT_COUNT_ALL,
	STMT_LIST_USER,
	STMT_COUNT_USER,
	STMT_LIST_EVENT,
	STMT_COUNT_EVENT,
	STMT_BY_UID,
	STMT_DETAIL,
	STMT_PAYMENT,
	STMT_ITEMS,
	STMT_TICKETS,
	STMT_STATS,
	STMT_MY_ITEMS,
	STMT_ORGANIZER,
	STMT__MAX
};

/*
 * ?4 filter (enum orderview_filter), ?5 now; ?1 is the user or the
 * event, each with a statement of its own so that each finds its
 * orders through its index (orders_user, orders_event_expiry), not by
 * reading every order.
 */
#define FILTER \
	" (?4 = 0" \
	" OR (?4 = 1 AND o.status = 'reserved' AND o.payment_started = 0" \
	" AND o.expires_at > ?5) OR (?4 = 2 AND o.status = 'paid'))"
#define LIST(where) \
	"SELECT o.id FROM orders o WHERE " where " AND" FILTER \
	" ORDER BY o.created_at DESC, o.id DESC LIMIT ?2 OFFSET ?3"
#define COUNT(where) \
	"SELECT count(*) FROM orders o WHERE " where " AND" FILTER \
	" AND ?2 = ?2 AND ?3 = ?3"

/* An order line and the names of what it sold: its type's, tier's and
 * day's. */
#define ITEM_COLS \
	"l.id, t.kind, coalesce(t.parent_id, t.id), l.ticket_type_id," \
	" l.count, l.unit_price, coalesce(p.title, t.title)," \
	" CASE t.kind WHEN 'tier' THEN coalesce(t.tier_name, t.title)" \
	" ELSE coalesce(t.tier_name, '') END," \
	" CASE t.kind WHEN 'day_pass' THEN coalesce(t.day_name, t.title)" \
	" ELSE coalesce(t.day_name, '') END, o.currency," \
	" o.created_at, o.uid, o.order_number"
#define ITEM_FROM \
	" FROM order_lines l JOIN orders o ON o.id = l.order_id" \
	" JOIN ticket_types t ON t.id = l.ticket_type_id" \
	" LEFT JOIN ticket_types p ON p.id = t.parent_id"

static const char *const stmts[STMT__MAX] = {
	[STMT_LIST_ALL] = LIST("?1 = 0"),
	[STMT_COUNT_ALL] = COUNT("?1 = 0"),
	[STMT_LIST_USER] = LIST("o.user_id = ?1"),
	[STMT_COUNT_USER] = COUNT("o.user_id = ?1"),
	[STMT_LIST_EVENT] = LIST("o.event_id = ?1"),
	[STMT_COUNT_EVENT] = COUNT("o.event_id = ?1"),
	[STMT_BY_UID] =
	    "SELECT id FROM orders WHERE uid = ?1",
	[STMT_DETAIL] =
	    "SELECT e.title, e.slug, e.poster, e.event_at, e.venue_city,"
	    " o.buyer_name, o.buyer_phone, o.notes, o.cancel_reason,"
	    " coalesce(o.cancelled_at, 0), o.created_at,"
	    " coalesce(o.updated_at, o.created_at), o.discount"
	    " FROM orders o JOIN events e ON e.id = o.event_id WHERE o.id = ?1",
	/* The payment that paid the order, else its latest. */
	[STMT_PAYMENT] =
	    "SELECT provider, coalesce(provider_ref, ''), status FROM payments"
	    " WHERE order_id = ?1 ORDER BY status = 'paid' DESC, id DESC"
	    " LIMIT 1",
	[STMT_ITEMS] =
	    "SELECT " ITEM_COLS ITEM_FROM " WHERE l.order_id = ?1 ORDER BY l.id",
	/* Not the tickets a transfer gave to others: their codes are
	 * their holders' (lib/transfer). */
	[STMT_TICKETS] =
	    "SELECT id, external_id, status, times_used, ticket_type_id"
	    " FROM tickets WHERE order_id = ?1 AND holder_email IS NULL"
	    " ORDER BY id",
	[STMT_STATS] =
	    "SELECT count(*), coalesce(sum(status = 'reserved'"
	    " AND payment_started = 0 AND expires_at > ?2), 0),"
	    " coalesce(sum(status = 'paid'), 0),"
	    " coalesce(sum(status = 'cancelled'), 0),"
	    " coalesce(sum(CASE WHEN status IN ('paid', 'partially_refunded')"
	    " THEN total - refunded END), 0),"
	    " coalesce(sum(CASE WHEN status IN ('paid', 'partially_refunded')"
	    " THEN seats END), 0),"
	    " coalesce(max(currency), 'SEK')"
	    " FROM orders WHERE user_id = ?1",
	[STMT_ORGANIZER] =
	    "SELECT coalesce(organizer_id, 0) FROM events WHERE id = ?1",
	[STMT_MY_ITEMS] =
	    "SELECT " ITEM_COLS ITEM_FROM " WHERE o.user_id = ?1"
	    " AND o.status = 'paid' ORDER BY o.created_at DESC, l.id",
};

const char *
orderview_status(const struct order *o, int64_t now)
{
	switch (o->status) {
	case ORDER_RESERVED:
		if (o->expires_at <= now)
			return "expired";
		return o->payment_started ? "processing" : "pending";
	case ORDER_PAID:
		return "confirmed";
	default:
		return order_status_str(o->status);
	}
}

/* The common fields of a list item and the detail. */
static void
add_summary(cJSON *j, const struct order *o, int64_t now)
{
	const char	*status = orderview_status(o, now);

	json_add_str(j, "id", o->uid);
	json_add_str(j, "uid", o->uid);
	json_add_str(j, "order_number", o->number);
	cJSON_AddNumberToObject(j, "event", (double)o->event_id);
	cJSON_AddStringToObject(j, "status", status);
	json_add_money(j, "total_amount", o->total, o->currency);
	json_add_str(j, "currency", o->currency);
	cJSON_AddNumberToObject(j, "total_tickets", (double)o->seats);
	cJSON_AddBoolToObject(j, "is_paid", strcmp(status, "confirmed") == 0);
	cJSON_AddBoolToObject(j, "is_expired", strcmp(status, "expired") == 0);
	json_add_time(j, "expires_at", o->status == ORDER_RESERVED ?
	    o->expires_at : 0);
}

/* The event's title for a list item. */
static void
add_event_name(struct db *db, cJSON *j, const struct order *o)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_DETAIL])) == NULL ||
	    db_bind_int(st, 1, o->id) == -1)
		return;
	if (db_step(db, st) == DB_OK) {
		json_add_str(j, "event_name", db_col_text(st, 0));
		json_add_str(j, "event_slug", db_col_text(st, 1));
		json_add_time(j, "created_at", db_col_int(st, 10));
	}
	db_reset(st);
}

enum db_rc
orderview_list(struct db *db, int64_t now, int64_t user_id, int64_t event_id,
    enum orderview_filter f, int64_t offset, int64_t limit, cJSON **results,
    int64_t *count)
{
	struct db_stmt	*st;
	struct order	 o;
	int64_t		 ids[PER_PAGE_MAX], n = 0, i, key = 0;
	enum db_rc	 rc;
	int		 k, list = STMT_LIST_ALL;
	cJSON		*item;

	*results = NULL;
	*count = 0;
	if (limit <= 0 || limit > PER_PAGE_MAX)
		limit = PER_PAGE_MAX;
	if (user_id != 0 && event_id != 0)
		return DB_ERROR;	/* no caller asks both; no index either */
	if (user_id != 0) {
		list = STMT_LIST_USER;
		key = user_id;
	} else if (event_id != 0) {
		list = STMT_LIST_EVENT;
		key = event_id;
	}
	/* The count (list + 1), then the page. */
	for (k = list + 1; k >= list; k--) {
		if ((st = db_stmt(db, stmts[k])) == NULL ||
		    db_bind_int(st, 1, key) == -1 ||
		    db_bind_int(st, 2, limit) == -1 ||
		    db_bind_int(st, 3, offset) == -1 ||
		    db_bind_int(st, 4, f) == -1 ||
		    db_bind_int(st, 5, now) == -1)
			return DB_ERROR;
		while ((rc = db_step(db, st)) == DB_OK)
			if (k == list + 1)
				*count = db_col_int(st, 0);
			else if (n < PER_PAGE_MAX)
				ids[n++] = db_col_int(st, 0);
		db_reset(st);
		if (rc != DB_NOTFOUND)
			return rc;
	}
	if ((*results = cJSON_CreateArray()) == NULL)
		return DB_ERROR;
	for (i = 0; i < n; i++) {
		if ((rc = order_load(db, ids[i], &o)) != DB_OK)
			return rc;
		item = cJSON_CreateObject();
		add_summary(item, &o, now);
		add_event_name(db, item, &o);
		json_add_str(item, "buyer_email", o.email);
		json_add_money(item, "refunded_amount", o.refunded, o.currency);
		cJSON_AddBoolToObject(item, "refundable", (o.status ==
		    ORDER_PAID || o.status == ORDER_PARTIALLY_REFUNDED) &&
		    o.refunded < o.total);
		cJSON_AddItemToArray(*results, item);
	}
	return DB_OK;
}

enum db_rc
orderview_find(struct db *db, const char *uid, struct order *out)
{
	struct db_stmt	*st;
	enum db_rc	 rc;
	int64_t		 id = 0;

	if ((st = db_stmt(db, stmts[STMT_BY_UID])) == NULL ||
	    db_bind_text(st, 1, uid) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		id = db_col_int(st, 0);
	db_reset(st);
	return rc == DB_OK ? order_load(db, id, out) : rc;
}

/* A row of STMT_ITEMS or STMT_MY_ITEMS as seed 004's OrderItem. */
static cJSON *
item_json(struct db_stmt *st)
{
	cJSON		*j = cJSON_CreateObject();
	const char	*kind = db_col_text(st, 1);
	const char	*name = db_col_text(st, 6), *tier = db_col_text(st, 7);
	const char	*day = db_col_text(st, 8), *cur = db_col_text(st, 9);
	int64_t		 row = db_col_int(st, 3), count = db_col_int(st, 4);
	int64_t		 unit = db_col_int(st, 5);
	char		 full[3 * NAME_TEXT_MAX + 8];

	cJSON_AddNumberToObject(j, "uid", (double)db_col_int(st, 0));
	cJSON_AddNumberToObject(j, "ticket_type", (double)db_col_int(st, 2));
#define VARIANT(field, k) \
	if (strcmp(kind, k) == 0) \
		cJSON_AddNumberToObject(j, field, (double)row); \
	else \
		cJSON_AddNullToObject(j, field)
	VARIANT("ticket_tier", "tier");
	VARIANT("day_pass", "day_pass");
	VARIANT("day_tier_price", "day_tier");
#undef VARIANT
	cJSON_AddNumberToObject(j, "quantity", (double)count);
	json_add_money(j, "unit_price", unit, cur);
	json_add_money(j, "subtotal", unit * count, cur);
	json_add_str(j, "ticket_name", name);
	json_add_str(j, "tier_name", tier);
	json_add_str(j, "day_name", day);
	snprintf(full, sizeof(full), "%s%s%s%s%s", name, *tier ? " - " : "",
	    tier, *day ? " - " : "", day);
	json_add_str(j, "full_ticket_name", full);
	json_add_time(j, "created_at", db_col_int(st, 10));
	json_add_str(j, "order", db_col_text(st, 11));
	json_add_str(j, "order_number", db_col_text(st, 12));
	return j;
}

/* Rows of statement k for ?1 = id, as an array of items. */
static cJSON *
items_of(struct db *db, int k, int64_t id)
{
	struct db_stmt	*st;
	cJSON		*a = cJSON_CreateArray();
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[k])) == NULL ||
	    db_bind_int(st, 1, id) == -1) {
		cJSON_Delete(a);
		return NULL;
	}
	while ((rc = db_step(db, st)) == DB_OK)
		cJSON_AddItemToArray(a, item_json(st));
	db_reset(st);
	if (rc != DB_NOTFOUND) {
		cJSON_Delete(a);
		return NULL;
	}
	return a;
}

static cJSON *
tickets_of(struct db *db, int64_t order_id)
{
	struct db_stmt	*st;
	cJSON		*a = cJSON_CreateArray(), *t;

	if ((st = db_stmt(db, stmts[STMT_TICKETS])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1) {
		cJSON_Delete(a);
		return NULL;
	}
	while (db_step(db, st) == DB_OK) {
		t = cJSON_CreateObject();
		cJSON_AddNumberToObject(t, "id", (double)db_col_int(st, 0));
		json_add_str(t, "ticket_number", db_col_text(st, 1));
		json_add_str(t, "status", db_col_int(st, 3) > 0 &&
		    strcmp(db_col_text(st, 2), "valid") == 0 ? "used" :
		    db_col_text(st, 2));
		cJSON_AddNumberToObject(t, "ticket_type",
		    (double)db_col_int(st, 4));
		cJSON_AddItemToArray(a, t);
	}
	db_reset(st);
	return a;
}

/* payment_method and payment_id: the provider that paid, or "pending". */
static void
add_payment(struct db *db, cJSON *j, const struct order *o)
{
	struct db_stmt	*st;
	int		 paid = 0;

	if ((st = db_stmt(db, stmts[STMT_PAYMENT])) != NULL &&
	    db_bind_int(st, 1, o->id) == 0 && db_step(db, st) == DB_OK) {
		json_add_str(j, "payment_method", db_col_text(st, 0));
		json_add_str(j, "payment_id", db_col_text(st, 1));
		paid = 1;
	}
	if (st != NULL)
		db_reset(st);
	if (!paid) {
		json_add_str(j, "payment_method", "pending");
		json_add_str(j, "payment_id", "");
	}
}

cJSON *
orderview_detail(struct db *db, int64_t now, const struct order *o)
{
	struct db_stmt	*st;
	cJSON		*j = cJSON_CreateObject(), *a;
	const char	*poster;
	enum db_rc	 rc;

	add_summary(j, o, now);
	if ((st = db_stmt(db, stmts[STMT_DETAIL])) == NULL ||
	    db_bind_int(st, 1, o->id) == -1 ||
	    (rc = db_step(db, st)) != DB_OK) {
		if (st != NULL)
			db_reset(st);
		cJSON_Delete(j);
		return NULL;
	}
	if (o->user_id != 0)
		cJSON_AddNumberToObject(j, "user", (double)o->user_id);
	else
		cJSON_AddNullToObject(j, "user");
	json_add_str(j, "event_name", db_col_text(st, 0));
	json_add_str(j, "event_slug", db_col_text(st, 1));
	poster = db_col_text(st, 2);
	json_add_str(j, "event_image", poster != NULL && *poster ? poster :
	    NULL);
	json_add_time(j, "event_date", db_col_int(st, 3));
	json_add_str(j, "event_location", db_col_text(st, 4));
	json_add_money(j, "subtotal", o->subtotal, o->currency);
	json_add_money(j, "service_fee", o->service_fee, o->currency);
	json_add_money(j, "discount_amount", db_col_int(st, 12), o->currency);
	json_add_money(j, "refunded_amount", o->refunded, o->currency);
	json_add_time(j, "paid_at", o->paid_at);
	json_add_str(j, "buyer_email", o->email);
	json_add_str(j, "buyer_phone", db_col_text(st, 6));
	json_add_str(j, "buyer_name", db_col_text(st, 5));
	json_add_str(j, "promo_code", "");
	json_add_str(j, "notes", db_col_text(st, 7));
	json_add_str(j, "cancellation_reason", db_col_text(st, 8) != NULL ?
	    db_col_text(st, 8) : "");
	json_add_time(j, "cancelled_at", db_col_int(st, 9));
	json_add_time(j, "created_at", db_col_int(st, 10));
	json_add_time(j, "updated_at", db_col_int(st, 11));
	db_reset(st);
	add_payment(db, j, o);
	if ((a = items_of(db, STMT_ITEMS, o->id)) == NULL ||
	    !cJSON_AddItemToObject(j, "items", a) ||
	    (a = tickets_of(db, o->id)) == NULL ||
	    !cJSON_AddItemToObject(j, "tickets", a)) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

cJSON *
orderview_stats(struct db *db, int64_t user_id, int64_t now)
{
	struct db_stmt	*st;
	cJSON		*j = NULL;

	if ((st = db_stmt(db, stmts[STMT_STATS])) == NULL ||
	    db_bind_int(st, 1, user_id) == -1 ||
	    db_bind_int(st, 2, now) == -1)
		return NULL;
	if (db_step(db, st) == DB_OK) {
		j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "total_orders",
		    (double)db_col_int(st, 0));
		cJSON_AddNumberToObject(j, "pending_orders",
		    (double)db_col_int(st, 1));
		cJSON_AddNumberToObject(j, "confirmed_orders",
		    (double)db_col_int(st, 2));
		cJSON_AddNumberToObject(j, "cancelled_orders",
		    (double)db_col_int(st, 3));
		json_add_money(j, "total_spent", db_col_int(st, 4),
		    db_col_text(st, 6));
		cJSON_AddNumberToObject(j, "total_tickets",
		    (double)db_col_int(st, 5));
	}
	db_reset(st);
	return j;
}

cJSON *
orderview_my_items(struct db *db, int64_t user_id)
{
	return items_of(db, STMT_MY_ITEMS, user_id);
}

enum err
orderview_for(struct db *db, const char *uid, const struct actor *a,
    int organizer_may, struct order *out)
{
	struct db_stmt	*st;
	enum db_rc	 rc;
	int		 ok;

	if (uid == NULL || strlen(uid) != UUID_LEN)
		return ERR_ORDER_NOT_FOUND;
	if ((rc = orderview_find(db, uid, out)) != DB_OK)
		return rc == DB_NOTFOUND ? ERR_ORDER_NOT_FOUND : err_from_db(rc);
	if (a->is_admin || (a->user_id != 0 && a->user_id == out->user_id))
		return ERR_OK;
	if (!organizer_may || a->user_id == 0)
		return ERR_ORDER_NOT_FOUND;
	if ((st = db_stmt(db, stmts[STMT_ORGANIZER])) == NULL ||
	    db_bind_int(st, 1, out->event_id) == -1)
		return ERR_INTERNAL;
	ok = db_step(db, st) == DB_OK && db_col_int(st, 0) == a->user_id;
	db_reset(st);
	return ok ? ERR_OK : ERR_ORDER_NOT_FOUND;
}
