/*
 * Quotas made by the catalogue's rules (quota.h).  Every statement is
 * scoped to one event; the whole rebuild runs in the back office's write
 * transaction, so a reservation never sees a half-built set.
 */
#include <stdint.h>

#include "db.h"
#include "limits.h"
#include "quota.h"

enum stmt {
	STMT_EVENT_QUOTA,
	STMT_EVENT_QUOTA_INSERT,
	STMT_MARK_STALE,
	STMT_UPSERT_TYPE,
	STMT_UPSERT_VARIANT,
	STMT_DELETE_STALE,
	STMT_CLEAR_ITEMS,
	STMT_ITEMS_TYPE,
	STMT_ITEMS_VARIANT,
	STMT_ITEMS_ALL_DAYS,
	STMT_RECOUNT,
	STMT_OVER,
	STMT_BASE_PRICE,
	STMT_AVAILABLE,
	STMT__MAX
};

/* The derived quotas of event ?1 (and their items). */
#define DERIVED	"scope IN ('type', 'variant') AND event_id = ?1"

/* Places held by live orders of the event, per variant. */
#define HELD \
	"SELECT l.ticket_type_id AS tt, sum(l.count) AS n FROM orders o" \
	" JOIN order_lines l ON l.order_id = o.id" \
	" WHERE o.event_id = ?1 AND o.holds_seats = 1" \
	" GROUP BY l.ticket_type_id"

static const char *const stmts[STMT__MAX] = {
	[STMT_EVENT_QUOTA] =
	    "UPDATE quotas SET size = (SELECT total_seats FROM events"
	    " WHERE id = ?1) WHERE event_id = ?1 AND scope = 'event'",
	[STMT_EVENT_QUOTA_INSERT] =
	    "INSERT INTO quotas (event_id, name, size, scope)"
	    " SELECT id, 'event', total_seats, 'event' FROM events"
	    " WHERE id = ?1",
	/* A derived quota no rule remakes this time round stays "stale". */
	[STMT_MARK_STALE] =
	    "UPDATE quotas SET name = 'stale' WHERE " DERIVED,
	[STMT_UPSERT_TYPE] =
	    "INSERT INTO quotas (event_id, name, size, scope, ref_id)"
	    " SELECT ?1, 'type', quantity, 'type', id FROM ticket_types"
	    " WHERE event_id = ?1 AND kind = 'type'"
	    " AND pricing_type <> 'simple' AND quantity IS NOT NULL"
	    " ON CONFLICT (event_id, scope, ref_id)"
	    " WHERE scope IN ('type', 'variant')"
	    " DO UPDATE SET size = excluded.size, name = 'type'",
	[STMT_UPSERT_VARIANT] =
	    "INSERT INTO quotas (event_id, name, size, scope, ref_id)"
	    " SELECT ?1, 'variant', quantity, 'variant', id FROM ticket_types"
	    " WHERE event_id = ?1 AND sellable = 1 AND quantity IS NOT NULL"
	    " ON CONFLICT (event_id, scope, ref_id)"
	    " WHERE scope IN ('type', 'variant')"
	    " DO UPDATE SET size = excluded.size, name = 'variant'",
	[STMT_DELETE_STALE] =
	    "DELETE FROM quotas WHERE " DERIVED " AND name = 'stale'",
	[STMT_CLEAR_ITEMS] =
	    "DELETE FROM quota_items WHERE quota_id IN"
	    " (SELECT id FROM quotas WHERE " DERIVED ")",
	/* A type's quota covers its variants. */
	[STMT_ITEMS_TYPE] =
	    "INSERT INTO quota_items (quota_id, ticket_type_id)"
	    " SELECT q.id, t.id FROM quotas q JOIN ticket_types t"
	    " ON t.parent_id = q.ref_id"
	    " WHERE q.event_id = ?1 AND q.scope = 'type'",
	/* A variant's quota covers the variant. */
	[STMT_ITEMS_VARIANT] =
	    "INSERT INTO quota_items (quota_id, ticket_type_id)"
	    " SELECT id, ref_id FROM quotas"
	    " WHERE event_id = ?1 AND scope = 'variant'",
	/*
	 * A day pass's quota also covers its type's all-days passes; a
	 * day x tier cell's, the all-days pass of its tier.
	 */
	[STMT_ITEMS_ALL_DAYS] =
	    "INSERT OR IGNORE INTO quota_items (quota_id, ticket_type_id)"
	    " SELECT q.id, a.id FROM quotas q"
	    " JOIN ticket_types d ON d.id = q.ref_id"
	    " JOIN ticket_types a ON a.parent_id = d.parent_id"
	    " WHERE q.event_id = ?1 AND q.scope = 'variant'"
	    " AND a.kind = 'day_pass' AND a.is_all_days = 1"
	    " AND ((d.kind = 'day_pass' AND d.is_all_days = 0)"
	    " OR (d.kind = 'day_tier' AND d.tier_number = a.tier_number))",
	[STMT_RECOUNT] =
	    "WITH held AS (" HELD ")"
	    " UPDATE quotas SET used = coalesce((SELECT sum(h.n) FROM held h"
	    " WHERE NOT EXISTS (SELECT 1 FROM quota_items qi"
	    " WHERE qi.quota_id = quotas.id) OR EXISTS (SELECT 1"
	    " FROM quota_items qi WHERE qi.quota_id = quotas.id"
	    " AND qi.ticket_type_id = h.tt)), 0)"
	    " WHERE event_id = ?1",
	[STMT_OVER] =
	    "SELECT EXISTS (SELECT 1 FROM quotas WHERE event_id = ?1"
	    " AND used > size)",
	[STMT_BASE_PRICE] =
	    "UPDATE events SET base_price = (SELECT min(t.price)"
	    " FROM event_ticket_types x JOIN ticket_types t"
	    " ON t.id = x.ticket_type_id LEFT JOIN ticket_types p"
	    " ON p.id = t.parent_id WHERE x.event_id = ?1 AND t.sellable = 1"
	    " AND t.visible = 1 AND coalesce(p.visible, 1) = 1)"
	    " WHERE id = ?1",
	[STMT_AVAILABLE] =
	    "SELECT min(size - used) FROM quotas WHERE event_id = ?1"
	    " AND (NOT EXISTS (SELECT 1 FROM quota_items qi"
	    " WHERE qi.quota_id = quotas.id) OR EXISTS (SELECT 1"
	    " FROM quota_items qi WHERE qi.quota_id = quotas.id"
	    " AND qi.ticket_type_id = ?2))",
};

_Static_assert(sizeof(stmts) / sizeof(stmts[0]) == STMT__MAX,
    "one SQL text per statement");

/* Runs statement k with the event id as ?1. */
static enum db_rc
run(struct db *db, enum stmt k, int64_t event_id)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[k])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

enum db_rc
quota_sync(struct db *db, int64_t event_id)
{
	static const enum stmt	 steps[] = { STMT_MARK_STALE,
	    STMT_UPSERT_TYPE, STMT_UPSERT_VARIANT, STMT_DELETE_STALE,
	    STMT_CLEAR_ITEMS, STMT_ITEMS_TYPE, STMT_ITEMS_VARIANT,
	    STMT_ITEMS_ALL_DAYS, STMT_RECOUNT, STMT_BASE_PRICE };
	struct db_stmt		*st;
	enum db_rc		 rc;
	size_t			 i;
	int			 over;

	if ((rc = run(db, STMT_EVENT_QUOTA, event_id)) != DB_OK)
		return rc;
	if (db_changes(db) == 0 &&
	    (rc = run(db, STMT_EVENT_QUOTA_INSERT, event_id)) != DB_OK)
		return rc;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if ((rc = run(db, steps[i], event_id)) != DB_OK)
			return rc;
	if ((st = db_stmt(db, stmts[STMT_OVER])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) != DB_OK) {
		db_reset(st);
		return rc;
	}
	over = db_col_int(st, 0) != 0;
	db_reset(st);
	return over ? DB_CONSTRAINT : DB_OK;
}

enum db_rc
quota_available(struct db *db, int64_t event_id, int64_t ticket_type_id,
    int64_t *left)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_AVAILABLE])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1 ||
	    db_bind_int(st, 2, ticket_type_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		*left = db_col_isnull(st, 0) ? CAPACITY_MAX :
		    db_col_int(st, 0) < 0 ? 0 : db_col_int(st, 0);
	db_reset(st);
	return rc;
}
