/*
 * Catalogue queries.  All read-only; callers wrap them in db_tx_read()
 * when they need one snapshot across statements.
 */
#include <stdio.h>

#include <cjson/cJSON.h>

#include "catalog.h"
#include "db.h"
#include "money.h"
#include "tfmt.h"

/* Seats left in the event-wide quota (the one with no quota_items). */
#define EVENT_LEFT \
	"(SELECT CASE WHEN min(q.size - q.used) > 0" \
	" THEN min(q.size - q.used) ELSE 0 END FROM quotas q" \
	" WHERE q.event_id = e.id AND NOT EXISTS" \
	" (SELECT 1 FROM quota_items qi WHERE qi.quota_id = q.id))"

#define EVENT_COLS \
	"e.id, e.title, e.description, e.event_at, " \
	"e.max_tickets_per_payment, e.sales_stop_at, " EVENT_LEFT ", " \
	"e.total_seats, e.status, e.sales_start_at, e.queue_enabled"

enum stmt {
	STMT_EVENTS_ON_SALE,
	STMT_EVENT_TYPE_IDS,
	STMT_VISIBLE_TYPES_ON_SALE,
	STMT_EVENTS_PAGE_ASC,
	STMT_EVENTS_PAGE_DESC,
	STMT_EVENTS_COUNT,
	STMT_EVENT_BY_ID,
	STMT_EVENT_VISIBLE_TYPES,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_EVENTS_ON_SALE] =
	    "SELECT " EVENT_COLS " FROM events e"
	    " WHERE e.sales_stop_at > ?1 AND e.status = 'published'"
	    " ORDER BY e.event_at, e.id",
	[STMT_EVENT_TYPE_IDS] =
	    "SELECT ticket_type_id FROM event_ticket_types"
	    " WHERE event_id = ?1 ORDER BY position, ticket_type_id",
	[STMT_VISIBLE_TYPES_ON_SALE] =
	    "SELECT DISTINCT t.id, t.price, t.title, t.description"
	    " FROM ticket_types t"
	    " JOIN event_ticket_types x ON x.ticket_type_id = t.id"
	    " JOIN events e ON e.id = x.event_id"
	    " WHERE e.sales_stop_at > ?1 AND e.status = 'published'"
	    " AND t.visible = 1 AND t.sellable = 1 ORDER BY t.id",
	[STMT_EVENTS_PAGE_ASC] =
	    "SELECT " EVENT_COLS " FROM events e"
	    " WHERE e.status IN ('published', 'cancelled', 'completed')"
	    " AND (?1 OR e.sales_stop_at > ?2)"
	    " ORDER BY e.event_at, e.id LIMIT ?3 OFFSET ?4",
	[STMT_EVENTS_PAGE_DESC] =
	    "SELECT " EVENT_COLS " FROM events e"
	    " WHERE e.status IN ('published', 'cancelled', 'completed')"
	    " AND (?1 OR e.sales_stop_at > ?2)"
	    " ORDER BY e.event_at DESC, e.id DESC LIMIT ?3 OFFSET ?4",
	[STMT_EVENTS_COUNT] =
	    "SELECT count(*) FROM events e"
	    " WHERE e.status IN ('published', 'cancelled', 'completed')"
	    " AND (?1 OR e.sales_stop_at > ?2)",
	[STMT_EVENT_BY_ID] =
	    "SELECT " EVENT_COLS " FROM events e"
	    " WHERE e.id = ?1 AND e.status <> 'draft'",
	[STMT_EVENT_VISIBLE_TYPES] =
	    "SELECT t.id, t.price, t.title, t.description, t.currency"
	    " FROM ticket_types t"
	    " JOIN event_ticket_types x ON x.ticket_type_id = t.id"
	    " WHERE x.event_id = ?1 AND t.visible = 1 AND t.sellable = 1"
	    " ORDER BY x.position, t.id",
};

/* Column positions of EVENT_COLS. */
enum {
	COL_ID, COL_TITLE, COL_DESCRIPTION, COL_EVENT_AT, COL_MAX_PER_PAYMENT,
	COL_SALES_STOP_AT, COL_LEFT, COL_TOTAL_SEATS, COL_STATUS,
	COL_SALES_START_AT, COL_QUEUE
};

static void
add_time(cJSON *o, const char *name, int64_t t)
{
	char	 buf[TFMT_ISO_LEN];

	tfmt_iso(t, buf);
	cJSON_AddStringToObject(o, name, buf);
}

/* Appends the event's type ids (hidden ones too) as a number array. */
static enum db_rc
add_type_ids(struct db *db, cJSON *ev, int64_t event_id)
{
	struct db_stmt	*st;
	cJSON		*ids;
	enum db_rc	 rc;

	if ((ids = cJSON_AddArrayToObject(ev, "ticket_types")) == NULL ||
	    (st = db_stmt(db, stmts[STMT_EVENT_TYPE_IDS])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1)
		return DB_ERROR;
	while ((rc = db_step(db, st)) == DB_OK)
		cJSON_AddItemToArray(ids,
		    cJSON_CreateNumber((double)db_col_int(st, 0)));
	db_reset(st);
	return rc == DB_NOTFOUND ? DB_OK : rc;
}

enum db_rc
catalog_compat_listing(struct db *db, int64_t now, cJSON **out,
    int64_t *valid_until)
{
	struct db_stmt	*st;
	cJSON		*root, *events, *types, *ev, *tt;
	enum db_rc	 rc = DB_ERROR;
	int64_t		 id, stop;

	*out = NULL;
	*valid_until = INT64_MAX;
	root = cJSON_CreateObject();
	events = cJSON_AddArrayToObject(root, "chapter_events");
	types = cJSON_AddArrayToObject(root, "ticket_types");
	if (events == NULL || types == NULL)
		goto out;

	if ((st = db_stmt(db, stmts[STMT_EVENTS_ON_SALE])) == NULL ||
	    db_bind_int(st, 1, now) == -1)
		goto out;
	while ((rc = db_step(db, st)) == DB_OK) {
		if ((ev = cJSON_CreateObject()) == NULL) {
			rc = DB_ERROR;
			break;
		}
		cJSON_AddItemToArray(events, ev);
		id = db_col_int(st, COL_ID);
		stop = db_col_int(st, COL_SALES_STOP_AT);
		if (stop < *valid_until)
			*valid_until = stop;
		cJSON_AddNumberToObject(ev, "id", (double)id);
		cJSON_AddStringToObject(ev, "title", db_col_text(st, COL_TITLE));
		cJSON_AddStringToObject(ev, "description",
		    db_col_text(st, COL_DESCRIPTION));
		add_time(ev, "event_at", db_col_int(st, COL_EVENT_AT));
		cJSON_AddNumberToObject(ev, "max_tickets_per_payment",
		    (double)db_col_int(st, COL_MAX_PER_PAYMENT));
		add_time(ev, "sales_stop_at", stop);
		if ((rc = add_type_ids(db, ev, id)) != DB_OK)
			break;
		cJSON_AddNumberToObject(ev, "tickets_left",
		    (double)(db_col_isnull(st, COL_LEFT) ?
		    db_col_int(st, COL_TOTAL_SEATS) : db_col_int(st, COL_LEFT)));
	}
	db_reset(st);
	if (rc != DB_NOTFOUND)
		goto out;

	if ((st = db_stmt(db, stmts[STMT_VISIBLE_TYPES_ON_SALE])) == NULL ||
	    db_bind_int(st, 1, now) == -1) {
		rc = DB_ERROR;
		goto out;
	}
	while ((rc = db_step(db, st)) == DB_OK) {
		if ((tt = cJSON_CreateObject()) == NULL) {
			rc = DB_ERROR;
			break;
		}
		cJSON_AddItemToArray(types, tt);
		cJSON_AddNumberToObject(tt, "id", (double)db_col_int(st, 0));
		/* Upstream's IntegerField of whole kronor. */
		cJSON_AddNumberToObject(tt, "price",
		    (double)db_col_int(st, 1) / 100.0);
		cJSON_AddStringToObject(tt, "title", db_col_text(st, 2));
		cJSON_AddStringToObject(tt, "description", db_col_text(st, 3));
	}
	db_reset(st);
	if (rc != DB_NOTFOUND)
		goto out;
	rc = DB_OK;
	*out = root;
	root = NULL;
out:
	cJSON_Delete(root);
	return rc;
}

/* The API representation of one event row plus its visible types. */
static cJSON *
api_event(struct db *db, struct db_stmt *st, enum db_rc *rc)
{
	struct db_stmt	*ts;
	cJSON		*ev, *types, *tt, *price;
	char		 money[MONEY_STR_MAX];
	int64_t		 id, left;

	*rc = DB_ERROR;
	if ((ev = cJSON_CreateObject()) == NULL)
		return NULL;
	id = db_col_int(st, COL_ID);
	left = db_col_isnull(st, COL_LEFT) ? db_col_int(st, COL_TOTAL_SEATS) :
	    db_col_int(st, COL_LEFT);
	cJSON_AddNumberToObject(ev, "id", (double)id);
	cJSON_AddStringToObject(ev, "title", db_col_text(st, COL_TITLE));
	cJSON_AddStringToObject(ev, "description",
	    db_col_text(st, COL_DESCRIPTION));
	add_time(ev, "event_at", db_col_int(st, COL_EVENT_AT));
	add_time(ev, "sales_stop_at", db_col_int(st, COL_SALES_STOP_AT));
	/* 0: on sale from the start, shown as null. */
	if (db_col_int(st, COL_SALES_START_AT) > 0)
		add_time(ev, "sales_start_at",
		    db_col_int(st, COL_SALES_START_AT));
	else
		cJSON_AddNullToObject(ev, "sales_start_at");
	/* Reserving needs a turn in the line first (lib/queue.h). */
	cJSON_AddBoolToObject(ev, "queue", db_col_int(st, COL_QUEUE) != 0);
	cJSON_AddStringToObject(ev, "status", db_col_text(st, COL_STATUS));
	cJSON_AddNumberToObject(ev, "max_tickets_per_order",
	    (double)db_col_int(st, COL_MAX_PER_PAYMENT));
	cJSON_AddNumberToObject(ev, "total_seats",
	    (double)db_col_int(st, COL_TOTAL_SEATS));
	cJSON_AddNumberToObject(ev, "tickets_left", (double)left);
	cJSON_AddBoolToObject(ev, "sold_out", left <= 0);
	types = cJSON_AddArrayToObject(ev, "ticket_types");

	if ((ts = db_stmt(db, stmts[STMT_EVENT_VISIBLE_TYPES])) == NULL ||
	    db_bind_int(ts, 1, id) == -1)
		goto err;
	while ((*rc = db_step(db, ts)) == DB_OK) {
		tt = cJSON_CreateObject();
		cJSON_AddItemToArray(types, tt);
		cJSON_AddNumberToObject(tt, "id", (double)db_col_int(ts, 0));
		cJSON_AddStringToObject(tt, "title", db_col_text(ts, 2));
		cJSON_AddStringToObject(tt, "description", db_col_text(ts, 3));
		price = cJSON_AddObjectToObject(tt, "price");
		cJSON_AddNumberToObject(price, "amount",
		    (double)db_col_int(ts, 1));
		cJSON_AddStringToObject(price, "currency", db_col_text(ts, 4));
		(void)money_decimal_string(money, sizeof(money),
		    db_col_int(ts, 1), db_col_text(ts, 4));
		cJSON_AddStringToObject(price, "display", money);
	}
	db_reset(ts);
	if (*rc != DB_NOTFOUND)
		goto err;
	*rc = DB_OK;
	return ev;
err:
	cJSON_Delete(ev);
	return NULL;
}

enum db_rc
catalog_api_list(struct db *db, int64_t now, int64_t page, int64_t per_page,
    int include_past, int descending, cJSON **out)
{
	struct db_stmt	*st;
	cJSON		*root, *data, *ev, *pg;
	enum db_rc	 rc = DB_ERROR;
	int64_t		 total = 0;
	int		 k;

	*out = NULL;
	root = cJSON_CreateObject();
	data = cJSON_AddArrayToObject(root, "data");

	if ((st = db_stmt(db, stmts[STMT_EVENTS_COUNT])) == NULL ||
	    db_bind_int(st, 1, include_past) == -1 ||
	    db_bind_int(st, 2, now) == -1)
		goto out;
	if ((rc = db_step(db, st)) == DB_OK)
		total = db_col_int(st, 0);
	db_reset(st);
	if (rc != DB_OK)
		goto out;

	k = descending ? STMT_EVENTS_PAGE_DESC : STMT_EVENTS_PAGE_ASC;
	if ((st = db_stmt(db, stmts[k])) == NULL ||
	    db_bind_int(st, 1, include_past) == -1 ||
	    db_bind_int(st, 2, now) == -1 ||
	    db_bind_int(st, 3, per_page) == -1 ||
	    db_bind_int(st, 4, (page - 1) * per_page) == -1) {
		rc = DB_ERROR;
		goto out;
	}
	while ((rc = db_step(db, st)) == DB_OK) {
		if ((ev = api_event(db, st, &rc)) == NULL)
			break;
		cJSON_AddItemToArray(data, ev);
	}
	db_reset(st);
	if (rc != DB_NOTFOUND)
		goto out;

	pg = cJSON_AddObjectToObject(root, "pagination");
	cJSON_AddNumberToObject(pg, "page", (double)page);
	cJSON_AddNumberToObject(pg, "per_page", (double)per_page);
	cJSON_AddNumberToObject(pg, "total", (double)total);
	cJSON_AddNumberToObject(pg, "total_pages",
	    (double)((total + per_page - 1) / per_page));
	*out = root;
	root = NULL;
	rc = DB_OK;
out:
	cJSON_Delete(root);
	return rc;
}

enum db_rc
catalog_api_event(struct db *db, int64_t id, cJSON **out)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	*out = NULL;
	if ((st = db_stmt(db, stmts[STMT_EVENT_BY_ID])) == NULL ||
	    db_bind_int(st, 1, id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		*out = api_event(db, st, &rc);
	db_reset(st);
	return rc;
}
