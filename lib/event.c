/*
 * Events for the back office and seed 004's API (event.h).
 *
 * A change loads the whole row into struct ev, applies the request's
 * fields, checks the rules that span fields, and writes the whole row
 * back: one INSERT or UPDATE statement with every column, so there is
 * no SQL built from which fields happened to be sent.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit.h"
#include "category.h"
#include "checkin.h"
#include "event.h"
#include "invoice.h"
#include "jsonout.h"
#include "limits.h"
#include "money.h"
#include "outbox.h"
#include "provider.h"
#include "quota.h"
#include "slug.h"
#include "text.h"
#include "variant.h"
#include "venue.h"

/* Events run at most this long; the listing's index range relies on it. */
#define EVENT_LENGTH_MAX	(366 * 86400)
#define DEFAULT_LENGTH		(3 * 3600)
/* What checkout offers unless the event says otherwise (sql/015). */
#define PROVIDERS_DEFAULT	"swish,stripe"

#define TEXT(name, max, req) { name, FIELD_TEXTS, req, 0, max, NULL, 0 }
#define STR(name, max) { name, FIELD_STRING, 0, 0, max, NULL, 0 }

const struct field_spec event_fields[EVF__MAX] = {
	[EVF_TITLE] = { "title", FIELD_TEXTS, 0, 1, TITLE_MAX, NULL, 0 },
	[EVF_DESCRIPTION] = TEXT("description", DESCRIPTION_MAX, 0),
	[EVF_SHORT_DESCRIPTION] = TEXT("short_description",
	    SHORT_DESCRIPTION_MAX, 0),
	[EVF_CATEGORY] = STR("category", SLUG_MAX),
	[EVF_PRICING_TYPE] = STR("pricing_type", 16),
	[EVF_VENUE_NAME] = STR("venue_name", VENUE_TEXT_MAX),
	[EVF_VENUE_ADDRESS] = STR("venue_address", VENUE_TEXT_MAX),
	[EVF_VENUE_CITY] = STR("venue_city", VENUE_TEXT_MAX),
	[EVF_VENUE_COUNTRY] = STR("venue_country", VENUE_TEXT_MAX),
	[EVF_START_DATE] = { "start_date", FIELD_TIME, 0, 0, 0, NULL, 0 },
	[EVF_END_DATE] = { "end_date", FIELD_TIME, 0, 0, 0, NULL, 0 },
	[EVF_TOTAL_CAPACITY] = { "total_capacity", FIELD_INT, 0, 1,
	    CAPACITY_MAX, NULL, 0 },
	[EVF_IS_FREE] = { "is_free", FIELD_BOOL, 0, 0, 0, NULL, 0 },
	[EVF_IS_FEATURED] = { "is_featured", FIELD_BOOL, 0, 0, 0, NULL, 0 },
	[EVF_TAGS] = STR("tags", TAGS_MAX),
	[EVF_CURRENCY] = { "currency", FIELD_STRING, 0, 3, 3, NULL, 0 },
	[EVF_LANGUAGE] = { "language", FIELD_STRING, 0, 2, 2, NULL, 0 },
	[EVF_SALES_START] = { "sales_start", FIELD_TIME, 0, 0, 0, NULL, 0 },
	[EVF_SALES_END] = { "sales_end", FIELD_TIME, 0, 0, 0, NULL, 0 },
	[EVF_MAX_PER_ORDER] = { "max_tickets_per_order", FIELD_INT, 0, 1,
	    TICKETS_PER_ORDER_MAX, NULL, 0 },
	[EVF_STATUS] = STR("status", 16),
	[EVF_TERMS] = TEXT("terms_and_conditions", DESCRIPTION_MAX, 0),
	[EVF_REFUND_POLICY] = TEXT("refund_policy", DESCRIPTION_MAX, 0),
	[EVF_AGE_RESTRICTION] = { "age_restriction", FIELD_INT, 0, 0, 120,
	    NULL, 0 },
	[EVF_QUEUE] = { "queue", FIELD_BOOL, 0, 0, 0, NULL, 0 },
	[EVF_MAX_HELD_PER_CLIENT] = { "max_held_per_client", FIELD_INT, 0, 1,
	    HOLD_CAP_MAX, NULL, 0 },
	[EVF_MAX_PER_EMAIL] = { "max_tickets_per_email", FIELD_INT, 0, 1,
	    HOLD_CAP_MAX, NULL, 0 },
	[EVF_VENUE] = { "venue", FIELD_ID, 0, 0, 0, NULL, 0 },
	[EVF_HOLD_MINUTES] = { "order_hold_minutes", FIELD_INT, 0,
	    HOLD_MINUTES_MIN, HOLD_MINUTES_MAX, NULL, 0 },
	[EVF_PROVIDERS] = { "payment_providers", FIELD_STRLIST, 0, 0,
	    PROVIDER__MAX, NULL, 0 },
	[EVF_VAT_RATE] = { "vat_rate", FIELD_MONEY, 0, 0, 0, NULL, 0 },
	[EVF_CANCEL_HOURS] = { "booking_cancel_hours", FIELD_INT, 0, 0,
	    BOOKING_CANCEL_HOURS_MAX, NULL, 0 },
	[EVF_REFUND_PERCENT] = { "booking_refund_percent", FIELD_INT, 0, 0,
	    100, NULL, 0 },
	[EVF_TRANSFERS] = { "transfers_allowed", FIELD_BOOL, 0, 0, 0, NULL,
	    0 },
	[EVF_TRANSFER_CUTOFF] = { "transfer_cutoff_hours", FIELD_INT, 0, 0,
	    TRANSFER_CUTOFF_HOURS_MAX, NULL, 0 },
	[EVF_TRANSFERS_MAX] = { "transfers_max", FIELD_INT, 0, 1,
	    TRANSFERS_MAX, NULL, 0 },
	[EVF_REENTRY] = { "reentry_allowed", FIELD_BOOL, 0, 0, 0, NULL, 0 },
	/* A time of day, read by checkin_day_starts_parse(). */
	[EVF_DAY_STARTS] = { "door_day_starts", FIELD_STRING, 0, 1,
	    CHECKIN_HHMM_LEN - 1, NULL, 0 },
};

const enum event_field event_required[] = { EVF_TITLE, EVF_START_DATE,
	EVF_TOTAL_CAPACITY };
const int event_nrequired = sizeof(event_required) /
	sizeof(event_required[0]);

/* The event's texts: texts key and request field, in ev_text()'s order. */
static const struct {
	const char		*key;
	enum event_field	 field;
} texts[] = {
	{ "title", EVF_TITLE },
	{ "description", EVF_DESCRIPTION },
	{ "short_description", EVF_SHORT_DESCRIPTION },
	{ "terms_and_conditions", EVF_TERMS },
	{ "refund_policy", EVF_REFUND_POLICY },
};

/* One event row, as loaded and written.  Strings are malloc'd. */
struct ev {
	int64_t	 id, organizer_id, category_id, event_at, ends_at;
	int64_t	 sales_start_at, sales_stop_at, total_seats, max_per;
	int64_t	 age, created_at, published_at, cancelled_at, base_price;
	int64_t	 queue, max_held, max_per_email;	/* caps: 0 default */
	int64_t	 venue_id;				/* 0: unseated */
	int64_t	 hold;				/* reservation_seconds */
	int64_t	 vat;				/* basis points; -1: none */
	int64_t	 cancel_hours, refund_percent;	/* bookings' policy */
	int64_t	 transfers, transfer_cutoff;	/* lib/transfer's policy */
	int64_t	 transfers_max;			/* 0: no cap */
	int64_t	 reentry, day_starts;		/* the door (lib/checkin) */
	int	 is_free, is_featured;
	char	 status[16], pricing_type[16], currency[CURRENCY_LEN + 1];
	char	 lang[3], slug[SLUG_MAX + 1];
	char	*title, *description, *short_description, *terms;
	char	*refund_policy, *venue_name, *venue_address, *venue_city;
	char	*venue_country, *tags, *poster, *organizer_name;
	char	*organizer_email, *category_name, *category_slug;
	char	*providers;			/* "swish,stripe" */
	cJSON	*texts;
};

static char **
ev_text(struct ev *e, size_t i)
{
	char	**slots[] = { &e->title, &e->description,
	    &e->short_description, &e->terms, &e->refund_policy };

	return slots[i];
}

enum stmt {
	STMT_LOAD,
	STMT_INSERT,
	STMT_UPDATE,
	STMT_SLUG_TAKEN,
	STMT_ID_BY_SLUG,
	STMT_TYPES_EXIST,
	STMT_ORDERS_EXIST,
	STMT_SELLABLE_EXISTS,
	STMT_SET_STATUS,
	STMT_DELETE,
	STMT_SET_POSTER,
	STMT_CANCEL_HOLDS_QUOTAS,
	STMT_CANCEL_HOLDS,
	STMT_FLAG_PAID,
	STMT_LEFT,
	STMT_PLACEHOLDER_SLUGS,
	STMT_SET_SLUG,
	STMT_VERSION,
	STMT__MAX
};

#define EV_COLS \
	"e.id, coalesce(e.organizer_id, 0), coalesce(e.category_id, 0)," \
	" e.event_at, coalesce(e.ends_at, e.event_at), e.sales_start_at," \
	" e.sales_stop_at, e.total_seats, e.max_tickets_per_payment," \
	" coalesce(e.age_restriction, -1), e.created_at," \
	" coalesce(e.published_at, 0), coalesce(e.cancelled_at, 0)," \
	" coalesce(e.base_price, -1), e.queue_enabled, e.is_free," \
	" e.is_featured, e.status, e.pricing_type, e.currency," \
	" e.default_lang, coalesce(e.slug, ''), e.title, e.description," \
	" e.short_description, e.terms, e.refund_policy, e.venue_name," \
	" e.venue_address, e.venue_city, e.venue_country, e.tags, e.poster," \
	" coalesce(u.name, ''), coalesce(u.email, ''), c.name, c.slug," \
	" e.texts, coalesce(e.max_held_per_client, 0)," \
	" coalesce(e.max_tickets_per_email, 0), coalesce(e.venue_id, 0)," \
	" e.reservation_seconds, e.payment_providers," \
	" coalesce(e.vat_rate, -1), e.booking_cancel_hours," \
	" e.booking_refund_percent, e.transfers_allowed," \
	" e.transfer_cutoff_hours, coalesce(e.transfers_max, 0)," \
	" e.reentry_allowed, e.day_starts" \
	" FROM events e LEFT JOIN users u ON u.id = e.organizer_id" \
	" LEFT JOIN categories c ON c.id = e.category_id"

/*
 * The listing's filters.  The public listing names one status and an
 * indexed range of start times, so it walks events_status_start in
 * start order and stops at the page; an organizer's own listing (any
 * status) walks events_organizer.  The other filters test rows.
 */
#define LIST_FILTERS \
	" AND e.event_at >= ?5 AND e.event_at < ?6" \
	" AND coalesce(e.ends_at, e.event_at) >= ?7" \
	" AND coalesce(e.ends_at, e.event_at) < ?8" \
	" AND (?10 = 0 OR e.category_id = ?10)" \
	" AND (?11 < 0 OR e.is_free = ?11)" \
	" AND (?12 < 0 OR e.is_featured = ?12)" \
	" AND (?13 IS NULL OR e.venue_city = ?13 COLLATE NOCASE)" \
	" AND (?14 IS NULL OR e.pricing_type = ?14)" \
	" AND (?15 IS NULL OR instr(e.search_text, ?15) > 0)" \
	" AND (?16 < 0 OR e.base_price >= ?16)" \
	" AND (?17 < 0 OR e.base_price <= ?17)"
#define BY_STATUS	" WHERE e.status = ?1 AND ?9 = 0" LIST_FILTERS
#define BY_OWNER	" WHERE e.organizer_id = ?9 AND (?1 = 'any'" \
	" OR e.status = ?1)" LIST_FILTERS
#define BY_ANY		" WHERE ?1 = 'any' AND ?9 = 0" LIST_FILTERS
#define LIST(where, order) "SELECT " EV_COLS where " ORDER BY " order \
	" LIMIT ?18 OFFSET ?19"
#define ORDERS(where) \
	LIST(where, "e.event_at, e.id"), \
	LIST(where, "e.event_at DESC, e.id DESC"), \
	LIST(where, "e.base_price, e.event_at, e.id"), \
	LIST(where, "e.base_price DESC, e.event_at, e.id")

/*
 * The listing's statements: [by status, one owner's, everyone's in any
 * status (admins)][enum event_order].
 */
static const char *const list_stmts[3][EVORDER__MAX] = {
	{ ORDERS(BY_STATUS) },
	{ ORDERS(BY_OWNER) },
	{ ORDERS(BY_ANY) },
};
static const char *const count_stmts[3] = {
	"SELECT count(*) FROM events e" BY_STATUS,
	"SELECT count(*) FROM events e" BY_OWNER,
	"SELECT count(*) FROM events e" BY_ANY,
};

static const char *const stmts[STMT__MAX] = {
	[STMT_LOAD] = "SELECT " EV_COLS " WHERE e.id = ?1",
	[STMT_INSERT] =
	    "INSERT INTO events (organizer_id, category_id, event_at, ends_at,"
	    " sales_start_at, sales_stop_at, total_seats,"
	    " max_tickets_per_payment, age_restriction, created_at,"
	    " published_at, cancelled_at, queue_enabled, is_free, is_featured,"
	    " status, pricing_type, currency, default_lang, slug, title,"
	    " description, short_description, terms, refund_policy,"
	    " venue_name, venue_address, venue_city, venue_country, tags,"
	    " texts, search_text, max_held_per_client, max_tickets_per_email,"
	    " reservation_seconds, payment_providers, updated_at, vat_rate,"
	    " booking_cancel_hours, booking_refund_percent, transfers_allowed,"
	    " transfer_cutoff_hours, transfers_max, reentry_allowed,"
	    " day_starts)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26,"
	    " ?27, ?28, ?29, ?30, ?31, ?32, nullif(?35, 0), nullif(?36, 0), ?37,"
	    " ?38, ?10, nullif(?39, -1), ?40, ?41, ?42, ?43, nullif(?44, 0),"
	    " ?45, ?46)"
	    " RETURNING id",
	[STMT_UPDATE] =
	    "UPDATE events SET organizer_id = ?1, category_id = ?2,"
	    " event_at = ?3, ends_at = ?4, sales_start_at = ?5,"
	    " sales_stop_at = ?6, total_seats = ?7,"
	    " max_tickets_per_payment = ?8, age_restriction = ?9,"
	    " published_at = ?11, cancelled_at = ?12,"
	    " queue_enabled = ?13, is_free = ?14, is_featured = ?15,"
	    " status = ?16, pricing_type = ?17, currency = ?18,"
	    " default_lang = ?19, slug = ?20, title = ?21, description = ?22,"
	    " short_description = ?23, terms = ?24, refund_policy = ?25,"
	    " venue_name = ?26, venue_address = ?27, venue_city = ?28,"
	    " venue_country = ?29, tags = ?30, texts = ?31, search_text = ?32,"
	    " updated_at = ?33, max_held_per_client = nullif(?35, 0),"
	    " max_tickets_per_email = nullif(?36, 0),"
	    " reservation_seconds = ?37, payment_providers = ?38,"
	    " vat_rate = nullif(?39, -1), booking_cancel_hours = ?40,"
	    " booking_refund_percent = ?41, transfers_allowed = ?42,"
	    " transfer_cutoff_hours = ?43, transfers_max = nullif(?44, 0),"
	    " reentry_allowed = ?45, day_starts = ?46 WHERE id = ?34",
	[STMT_SLUG_TAKEN] =
	    "SELECT EXISTS (SELECT 1 FROM events WHERE slug = ?1)",
	[STMT_ID_BY_SLUG] =
	    "SELECT id, coalesce(organizer_id, 0), status FROM events"
	    " WHERE slug = ?1 OR (?2 > 0 AND id = ?2) ORDER BY slug = ?1 DESC"
	    " LIMIT 1",
	[STMT_TYPES_EXIST] =
	    "SELECT EXISTS (SELECT 1 FROM ticket_types WHERE event_id = ?1)",
	[STMT_ORDERS_EXIST] =
	    "SELECT EXISTS (SELECT 1 FROM orders WHERE event_id = ?1)",
	[STMT_SELLABLE_EXISTS] =
	    "SELECT EXISTS (SELECT 1 FROM event_ticket_types x"
	    " JOIN ticket_types t ON t.id = x.ticket_type_id"
	    " WHERE x.event_id = ?1 AND t.sellable = 1 AND t.visible = 1)",
	[STMT_SET_STATUS] =
	    "UPDATE events SET status = ?2, updated_at = ?3,"
	    " published_at = CASE WHEN ?2 = 'published'"
	    " THEN coalesce(published_at, ?3) ELSE published_at END,"
	    " cancelled_at = CASE WHEN ?2 = 'cancelled' THEN ?3"
	    " ELSE cancelled_at END WHERE id = ?1",
	[STMT_DELETE] = "DELETE FROM events WHERE id = ?1",
	[STMT_SET_POSTER] =
	    "UPDATE events SET poster = ?2, updated_at = ?3 WHERE id = ?1",
	/* Cancelling: live holds end at once, paid orders await refund. */
	[STMT_CANCEL_HOLDS_QUOTAS] =
	    "UPDATE quotas SET used = 0 WHERE event_id = ?1",
	[STMT_CANCEL_HOLDS] =
	    "UPDATE orders SET status = 'cancelled', holds_seats = 0,"
	    " client_addr = NULL WHERE event_id = ?1 AND status = 'reserved'",
	[STMT_FLAG_PAID] =
	    "UPDATE orders SET flag = 'refund_due', holds_seats = 0"
	    " WHERE event_id = ?1 AND status = 'paid'",
	[STMT_LEFT] =
	    "SELECT size - used FROM quotas WHERE event_id = ?1"
	    " AND scope = 'event' ORDER BY id LIMIT 1",
	[STMT_PLACEHOLDER_SLUGS] =
	    "SELECT id, title FROM events WHERE slug IS NULL"
	    " OR slug = 'event-' || id",
	[STMT_SET_SLUG] = "UPDATE events SET slug = ?2 WHERE id = ?1",
	[STMT_VERSION] = "SELECT v FROM catalogue_version WHERE id = 1",
};

_Static_assert(sizeof(stmts) / sizeof(stmts[0]) == STMT__MAX,
    "one SQL text per statement");

static const char *const statuses[] = { "draft", "published", "ongoing",
	"completed", "cancelled" };
static const char *const pricing_types[] = { "simple", "tiered",
	"day_based", "tier_and_day" };

static int
in_list(const char *s, const char *const *list, size_t n)
{
	size_t	 i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

int
event_status_valid(const char *s)
{
	return in_list(s, statuses, sizeof(statuses) / sizeof(statuses[0]));
}

int
event_pricing_type_valid(const char *s)
{
	return in_list(s, pricing_types,
	    sizeof(pricing_types) / sizeof(pricing_types[0]));
}

static char *
dup_col(struct db_stmt *st, int i)
{
	const char	*s = db_col_text(st, i);

	return s != NULL ? strdup(s) : NULL;
}

static void
ev_free(struct ev *e)
{
	size_t	 i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		free(*ev_text(e, i));
	free(e->venue_name);
	free(e->venue_address);
	free(e->venue_city);
	free(e->venue_country);
	free(e->tags);
	free(e->poster);
	free(e->organizer_name);
	free(e->organizer_email);
	free(e->category_name);
	free(e->category_slug);
	free(e->providers);
	cJSON_Delete(e->texts);
	memset(e, 0, sizeof(*e));
}

/* Fills e from a row of EV_COLS. */
static void
ev_fill(struct ev *e, struct db_stmt *st)
{
	memset(e, 0, sizeof(*e));
	e->id = db_col_int(st, 0);
	e->organizer_id = db_col_int(st, 1);
	e->category_id = db_col_int(st, 2);
	e->event_at = db_col_int(st, 3);
	e->ends_at = db_col_int(st, 4);
	e->sales_start_at = db_col_int(st, 5);
	e->sales_stop_at = db_col_int(st, 6);
	e->total_seats = db_col_int(st, 7);
	e->max_per = db_col_int(st, 8);
	e->age = db_col_int(st, 9);
	e->created_at = db_col_int(st, 10);
	e->published_at = db_col_int(st, 11);
	e->cancelled_at = db_col_int(st, 12);
	e->base_price = db_col_int(st, 13);
	e->queue = db_col_int(st, 14);
	e->is_free = (int)db_col_int(st, 15);
	e->is_featured = (int)db_col_int(st, 16);
	snprintf(e->status, sizeof(e->status), "%s", db_col_text(st, 17));
	snprintf(e->pricing_type, sizeof(e->pricing_type), "%s",
	    db_col_text(st, 18));
	snprintf(e->currency, sizeof(e->currency), "%s", db_col_text(st, 19));
	snprintf(e->lang, sizeof(e->lang), "%s", db_col_text(st, 20));
	snprintf(e->slug, sizeof(e->slug), "%s", db_col_text(st, 21));
	e->title = dup_col(st, 22);
	e->description = dup_col(st, 23);
	e->short_description = dup_col(st, 24);
	e->terms = dup_col(st, 25);
	e->refund_policy = dup_col(st, 26);
	e->venue_name = dup_col(st, 27);
	e->venue_address = dup_col(st, 28);
	e->venue_city = dup_col(st, 29);
	e->venue_country = dup_col(st, 30);
	e->tags = dup_col(st, 31);
	e->poster = dup_col(st, 32);
	e->organizer_name = dup_col(st, 33);
	e->organizer_email = dup_col(st, 34);
	e->category_name = dup_col(st, 35);
	e->category_slug = dup_col(st, 36);
	e->texts = text_parse(db_col_text(st, 37));
	e->max_held = db_col_int(st, 38);
	e->max_per_email = db_col_int(st, 39);
	e->venue_id = db_col_int(st, 40);
	e->hold = db_col_int(st, 41);
	e->providers = dup_col(st, 42);
	e->vat = db_col_int(st, 43);
	e->cancel_hours = db_col_int(st, 44);
	e->refund_percent = db_col_int(st, 45);
	e->transfers = db_col_int(st, 46);
	e->transfer_cutoff = db_col_int(st, 47);
	e->transfers_max = db_col_int(st, 48);
	e->reentry = db_col_int(st, 49);
	e->day_starts = db_col_int(st, 50);
}

static enum db_rc
ev_load(struct db *db, int64_t id, struct ev *e)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	memset(e, 0, sizeof(*e));
	if ((st = db_stmt(db, stmts[STMT_LOAD])) == NULL ||
	    db_bind_int(st, 1, id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		ev_fill(e, st);
	db_reset(st);
	return rc;
}

/* The status shown: a published event is ongoing while it runs and
 * completed once over. */
static const char *
shown_status(const struct ev *e, int64_t now)
{
	if (strcmp(e->status, "published") != 0)
		return e->status;
	if (e->ends_at < now)
		return "completed";
	return e->event_at <= now ? "ongoing" : "published";
}

static int64_t
event_left(struct db *db, int64_t id, int64_t total)
{
	struct db_stmt	*st;
	int64_t		 left = total;

	if ((st = db_stmt(db, stmts[STMT_LEFT])) == NULL ||
	    db_bind_int(st, 1, id) == -1)
		return left;
	if (db_step(db, st) == DB_OK)
		left = db_col_int(st, 0);
	db_reset(st);
	return left < 0 ? 0 : left;
}

/* The summary members (seed 004's EventList). */
static void
ev_summary(cJSON *o, const struct ev *e, enum lang lang, int64_t now)
{
	cJSON_AddNumberToObject(o, "id", (double)e->id);
	cJSON_AddStringToObject(o, "title", text_pick(e->texts, "title", lang,
	    e->title));
	cJSON_AddStringToObject(o, "slug", e->slug);
	cJSON_AddStringToObject(o, "short_description", text_pick(e->texts,
	    "short_description", lang, e->short_description));
	json_add_count(o, "organizer", e->organizer_id > 0 ?
	    e->organizer_id : -1);
	cJSON_AddStringToObject(o, "organizer_name", e->organizer_name);
	json_add_count(o, "category", e->category_id > 0 ?
	    e->category_id : -1);
	json_add_str(o, "category_name", e->category_name);
	json_add_count(o, "venue", e->venue_id > 0 ? e->venue_id : -1);
	cJSON_AddStringToObject(o, "venue_name", e->venue_name);
	cJSON_AddStringToObject(o, "venue_city", e->venue_city);
	cJSON_AddStringToObject(o, "venue_country", e->venue_country);
	json_add_time(o, "start_date", e->event_at);
	json_add_time(o, "end_date", e->ends_at);
	json_add_str(o, "thumbnail_image", e->poster);
	cJSON_AddStringToObject(o, "status", shown_status(e, now));
	cJSON_AddStringToObject(o, "pricing_type", e->pricing_type);
	cJSON_AddBoolToObject(o, "is_free", e->is_free);
	json_add_money(o, "base_price", e->base_price, e->currency);
	cJSON_AddStringToObject(o, "currency", e->currency);
	cJSON_AddBoolToObject(o, "is_featured", e->is_featured);
	cJSON_AddBoolToObject(o, "is_upcoming", e->event_at > now);
	cJSON_AddBoolToObject(o, "is_ongoing", e->event_at <= now &&
	    now <= e->ends_at);
	cJSON_AddBoolToObject(o, "is_past", e->ends_at < now);
	cJSON_AddNumberToObject(o, "duration_days",
	    (double)((e->ends_at - e->event_at) / 86400));
	json_add_time(o, "created_at", e->created_at);
}

/* The detail's further members (seed 004's EventDetail). */
static void
ev_detail(struct db *db, cJSON *o, const struct ev *e, enum lang lang,
    int owner, int64_t now)
{
	cJSON	*cat, *types;

	cJSON_AddStringToObject(o, "description", text_pick(e->texts,
	    "description", lang, e->description));
	cJSON_AddStringToObject(o, "organizer_email", e->organizer_email);
	if (e->category_id > 0) {
		cat = cJSON_AddObjectToObject(o, "category_details");
		cJSON_AddNumberToObject(cat, "id", (double)e->category_id);
		json_add_str(cat, "name", e->category_name);
		json_add_str(cat, "slug", e->category_slug);
	} else
		cJSON_AddNullToObject(o, "category_details");
	cJSON_AddStringToObject(o, "venue_address", e->venue_address);
	json_add_str(o, "banner_image", e->poster);
	cJSON_AddNumberToObject(o, "total_capacity", (double)e->total_seats);
	cJSON_AddNumberToObject(o, "available_tickets",
	    (double)event_left(db, e->id, e->total_seats));
	cJSON_AddStringToObject(o, "tags", e->tags);
	cJSON_AddStringToObject(o, "terms_and_conditions", text_pick(e->texts,
	    "terms_and_conditions", lang, e->terms));
	cJSON_AddStringToObject(o, "refund_policy", text_pick(e->texts,
	    "refund_policy", lang, e->refund_policy));
	json_add_count(o, "age_restriction", e->age);
	cJSON_AddStringToObject(o, "language", e->lang);
	json_add_time(o, "sales_start", e->sales_start_at);
	json_add_time(o, "sales_end", e->sales_stop_at);
	cJSON_AddNumberToObject(o, "max_tickets_per_order",
	    (double)e->max_per);
	cJSON_AddBoolToObject(o, "queue", e->queue != 0);
	json_add_count(o, "max_held_per_client", e->max_held > 0 ?
	    e->max_held : -1);
	json_add_count(o, "max_tickets_per_email", e->max_per_email > 0 ?
	    e->max_per_email : -1);
	json_add_time(o, "published_at", e->published_at);
	json_add_time(o, "cancelled_at", e->cancelled_at);
	if ((types = variant_event_json(db, e->id, now, lang, owner)) != NULL)
		cJSON_AddItemToObject(o, "ticket_types", types);
	if (owner) {
		if (e->texts != NULL)
			cJSON_AddItemToObject(o, "translations",
			    cJSON_Duplicate(e->texts, 1));
		else
			cJSON_AddObjectToObject(o, "translations");
	}
}

/* The door's rules (lib/checkin.h): re-entry by default, and when a
 * door day begins ("HH:MM"). */
static void
ev_door(cJSON *o, const struct ev *e)
{
	char	 hhmm[CHECKIN_HHMM_LEN];

	cJSON_AddBoolToObject(o, "reentry_allowed", e->reentry != 0);
	checkin_day_starts_str(e->day_starts, hhmm);
	cJSON_AddStringToObject(o, "door_day_starts", hhmm);
}

/*
 * How the event is paid: "payment_providers" as a list (checkout needs
 * it, so everyone who sees the detail gets it) and, for the owner, the
 * hold in minutes (rounded up should `biljett import` have set seconds).
 */
static void
ev_payment(cJSON *o, const struct ev *e, int owner)
{
	cJSON		*list;
	const char	*p = e->providers != NULL ? e->providers : "";
	char		 name[FIELD_NAME_MAX + 1];
	size_t		 n;

	if ((list = cJSON_AddArrayToObject(o, "payment_providers")) != NULL)
		while (*p != '\0') {
			/* Stored by hand, a list may carry spaces. */
			p += strspn(p, " ,");
			if ((n = strcspn(p, " ,")) > 0 && n < sizeof(name)) {
				memcpy(name, p, n);
				name[n] = '\0';
				cJSON_AddItemToArray(list,
				    cJSON_CreateString(name));
			}
			p += n;
		}
	if (owner)
		cJSON_AddNumberToObject(o, "order_hold_minutes",
		    (double)((e->hold + 59) / 60));
	invoice_vat_out(o, e->vat);
	/* What a seat booking's buyer may get back, and until when. */
	cJSON_AddNumberToObject(o, "booking_cancel_hours",
	    (double)e->cancel_hours);
	cJSON_AddNumberToObject(o, "booking_refund_percent",
	    (double)e->refund_percent);
	/* Whether a ticket may change hands, until when, how often. */
	cJSON_AddBoolToObject(o, "transfers_allowed", e->transfers != 0);
	cJSON_AddNumberToObject(o, "transfer_cutoff_hours",
	    (double)e->transfer_cutoff);
	if (e->transfers_max > 0)
		cJSON_AddNumberToObject(o, "transfers_max",
		    (double)e->transfers_max);
	else
		cJSON_AddNullToObject(o, "transfers_max");
	ev_door(o, e);
}

cJSON *
event_json(struct db *db, int64_t id, enum lang lang, int detail, int owner,
    int64_t now)
{
	struct ev	 e;
	cJSON		*o;

	if (ev_load(db, id, &e) != DB_OK)
		return NULL;
	if ((o = cJSON_CreateObject()) != NULL) {
		ev_summary(o, &e, lang, now);
		if (detail)
			ev_detail(db, o, &e, lang, owner, now);
		/* The owner's summary is also the audit log's snapshot. */
		if (detail || owner)
			ev_payment(o, &e, owner);
	}
	ev_free(&e);
	return o;
}

enum err
event_find(struct db *db, const char *key, const struct actor *actor,
    int64_t *id, int64_t *organizer_id)
{
	struct db_stmt	*st;
	enum db_rc	 rc;
	int64_t		 num = 0;
	int		 visible;

	(void)field_strtonum(key, 1, ID_MAX, &num);
	if ((st = db_stmt(db, stmts[STMT_ID_BY_SLUG])) == NULL ||
	    db_bind_text(st, 1, key) == -1 || db_bind_int(st, 2, num) == -1)
		return ERR_INTERNAL;
	if ((rc = db_step(db, st)) != DB_OK) {
		db_reset(st);
		return rc == DB_NOTFOUND ? ERR_EVENT_NOT_FOUND :
		    err_from_db(rc);
	}
	*id = db_col_int(st, 0);
	*organizer_id = db_col_int(st, 1);
	visible = strcmp(db_col_text(st, 2), "draft") != 0 ||
	    (actor != NULL && (actor->is_admin ||
	    (actor->user_id > 0 && actor->user_id == *organizer_id)));
	db_reset(st);
	return visible ? ERR_OK : ERR_EVENT_NOT_FOUND;
}

/* Binds the listing's filters (?1 and ?5 to ?17). */
static int
bind_filter(struct db_stmt *st, const struct event_filter *f, int64_t now,
    int64_t category_id)
{
	const char	*status = "published";
	int64_t		 start_lo = now - EVENT_LENGTH_MAX, start_hi = INT64_MAX;
	int64_t		 end_lo = now, end_hi = INT64_MAX;

	if (f->status != NULL && strcmp(f->status, "any") == 0) {
		status = "any";
		start_lo = end_lo = INT64_MIN;
	} else if (f->status != NULL && strcmp(f->status, "ongoing") == 0)
		start_hi = now + 1;
	else if (f->status != NULL && strcmp(f->status, "completed") == 0) {
		/* Published events that are over: nothing stores completed. */
		start_lo = end_lo = INT64_MIN;
		end_hi = now;
	} else if (f->status != NULL && strcmp(f->status, "published") != 0) {
		status = f->status;
		start_lo = end_lo = INT64_MIN;
	}
	if (f->upcoming)
		start_lo = now + 1;
	if (f->start_after > 0 && f->start_after > start_lo)
		start_lo = f->start_after;
	if (f->start_before > 0 && f->start_before < start_hi)
		start_hi = f->start_before;
	return db_bind_text(st, 1, status) == -1 ||
	    db_bind_int(st, 5, start_lo) == -1 ||
	    db_bind_int(st, 6, start_hi) == -1 ||
	    db_bind_int(st, 7, end_lo) == -1 ||
	    db_bind_int(st, 8, end_hi) == -1 ||
	    db_bind_int(st, 9, f->organizer_id) == -1 ||
	    db_bind_int(st, 10, category_id) == -1 ||
	    db_bind_int(st, 11, f->is_free) == -1 ||
	    db_bind_int(st, 12, f->is_featured) == -1 ||
	    db_bind_text(st, 13, f->city) == -1 ||
	    db_bind_text(st, 14, f->pricing_type) == -1 ||
	    db_bind_text(st, 15, f->search) == -1 ||
	    db_bind_int(st, 16, f->min_price) == -1 ||
	    db_bind_int(st, 17, f->max_price) == -1 ? -1 : 0;
}

int64_t
event_catalogue_version(struct db *db)
{
	struct db_stmt	*st;
	int64_t		 v = -1;

	if ((st = db_stmt(db, stmts[STMT_VERSION])) == NULL)
		return -1;
	if (db_step(db, st) == DB_OK)
		v = db_col_int(st, 0);
	db_reset(st);
	return v;
}

enum db_rc
event_list(struct db *db, int64_t now, const struct event_filter *flt,
    int64_t offset, int64_t limit, enum lang lang, int64_t *count,
    cJSON **results)
{
	struct db_stmt		*st;
	int			 mine = flt->organizer_id > 0 ? 1 :
	    flt->status != NULL && strcmp(flt->status, "any") == 0 ? 2 : 0;
	struct ev		 e;
	cJSON			*arr, *o;
	enum db_rc		 rc;
	int64_t			 category_id = 0;

	*results = NULL;
	*count = 0;
	/* Drafts and cancelled events are listed to their owner only. */
	if (flt->organizer_id == 0 && flt->status != NULL &&
	    (strcmp(flt->status, "draft") == 0 ||
	    strcmp(flt->status, "cancelled") == 0))
		return (*results = cJSON_CreateArray()) != NULL ? DB_OK :
		    DB_ERROR;
	if (flt->category != NULL) {
		if ((rc = category_find(db, flt->category, &category_id)) ==
		    DB_NOTFOUND)
			return (*results = cJSON_CreateArray()) != NULL ?
			    DB_OK : DB_ERROR;
		if (rc != DB_OK)
			return rc;
	}
	if ((st = db_stmt(db, count_stmts[mine])) == NULL ||
	    bind_filter(st, flt, now, category_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) != DB_OK) {
		db_reset(st);
		return rc;
	}
	*count = db_col_int(st, 0);
	db_reset(st);
	if ((arr = cJSON_CreateArray()) == NULL)
		return DB_ERROR;
	if ((st = db_stmt(db, list_stmts[mine][flt->order])) == NULL ||
	    bind_filter(st, flt, now, category_id) == -1 ||
	    db_bind_int(st, 18, limit) == -1 ||
	    db_bind_int(st, 19, offset) == -1) {
		cJSON_Delete(arr);
		return DB_ERROR;
	}
	while ((rc = db_step(db, st)) == DB_OK) {
		ev_fill(&e, st);
		if ((o = cJSON_CreateObject()) != NULL) {
			ev_summary(o, &e, lang, now);
			cJSON_AddItemToArray(arr, o);
		}
		ev_free(&e);
	}
	db_reset(st);
	if (rc != DB_NOTFOUND) {
		cJSON_Delete(arr);
		return rc;
	}
	*results = arr;
	return DB_OK;
}

/* Replaces *slot with a copy of s (NULL keeps nothing). */
static int
set_str(char **slot, const char *s)
{
	char	*c = s != NULL ? strdup(s) : NULL;

	if (s != NULL && c == NULL)
		return -1;
	free(*slot);
	*slot = c;
	return 0;
}

/* The defaults of a new event. */
static void
ev_defaults(struct ev *e, const struct actor *actor, int64_t now)
{
	memset(e, 0, sizeof(*e));
	e->organizer_id = actor->user_id;
	e->max_per = MAX_PER_PAYMENT_DEFAULT;
	e->age = -1;
	e->created_at = now;
	e->base_price = -1;
	snprintf(e->status, sizeof(e->status), "draft");
	snprintf(e->pricing_type, sizeof(e->pricing_type), "simple");
	snprintf(e->currency, sizeof(e->currency), "%s",
	    MONEY_CURRENCY_DEFAULT);
	snprintf(e->lang, sizeof(e->lang), "sv");
	e->title = strdup("");
	e->description = strdup("");
	e->short_description = strdup("");
	e->terms = strdup("");
	e->refund_policy = strdup("");
	e->venue_name = strdup("");
	e->venue_address = strdup("");
	e->venue_city = strdup("");
	e->venue_country = strdup("");
	e->tags = strdup("");
	e->hold = RESERVATION_SECONDS_DEFAULT;
	e->providers = strdup(PROVIDERS_DEFAULT);
	e->vat = -1;
	e->cancel_hours = BOOKING_CANCEL_HOURS_DEFAULT;
	e->refund_percent = BOOKING_REFUND_PERCENT_DEFAULT;
	e->transfer_cutoff = TRANSFER_CUTOFF_HOURS_DEFAULT;
	e->day_starts = DAY_STARTS_DEFAULT;
}

static int
has_rows(struct db *db, enum stmt k, int64_t id)
{
	struct db_stmt	*st;
	int		 yes = 1;

	if ((st = db_stmt(db, stmts[k])) == NULL ||
	    db_bind_int(st, 1, id) == -1)
		return -1;
	if (db_step(db, st) == DB_OK)
		yes = db_col_int(st, 0) != 0;
	else
		yes = -1;
	db_reset(st);
	return yes;
}

/*
 * Applies the plain (non-text) fields of f to e, noting reasons in
 * errs.  Returns ERR_OK, ERR_BAD_REQUEST or ERR_CONFLICT.
 */
static enum err
apply_fields(struct db *db, struct ev *e, const struct field_val *f,
    cJSON *errs)
{
	enum err	 e2 = ERR_OK;
	int64_t		 cat;
	int		 had_types;

	if (f[EVF_CATEGORY].null)
		e->category_id = 0;
	else if (f[EVF_CATEGORY].present) {
		if (category_find(db, f[EVF_CATEGORY].s, &cat) != DB_OK) {
			cJSON_AddStringToObject(errs, "category",
			    "no such category");
			e2 = ERR_BAD_REQUEST;
		} else
			e->category_id = cat;
	}
	if (f[EVF_PRICING_TYPE].present &&
	    strcmp(f[EVF_PRICING_TYPE].s, e->pricing_type) != 0) {
		if (!event_pricing_type_valid(f[EVF_PRICING_TYPE].s)) {
			cJSON_AddStringToObject(errs, "pricing_type", "must be "
			    "simple, tiered, day_based or tier_and_day");
			e2 = ERR_BAD_REQUEST;
		} else if (e->id > 0 && (had_types = has_rows(db,
		    STMT_TYPES_EXIST, e->id)) != 0) {
			if (had_types < 0)
				return ERR_INTERNAL;
			cJSON_AddStringToObject(errs, "pricing_type",
			    "cannot change once the event has ticket types");
			if (e2 == ERR_OK)
				e2 = ERR_CONFLICT;
		} else
			snprintf(e->pricing_type, sizeof(e->pricing_type),
			    "%s", f[EVF_PRICING_TYPE].s);
	}
	if (f[EVF_CURRENCY].present) {
		if (!money_currency_known(f[EVF_CURRENCY].s)) {
			cJSON_AddStringToObject(errs, "currency",
			    "not a currency biljett sells in");
			e2 = ERR_BAD_REQUEST;
		} else if (strcmp(e->currency, f[EVF_CURRENCY].s) != 0 &&
		    e->id > 0 && has_rows(db, STMT_TYPES_EXIST, e->id) != 0) {
			cJSON_AddStringToObject(errs, "currency",
			    "cannot change once the event has ticket types");
			if (e2 == ERR_OK)
				e2 = ERR_CONFLICT;
		} else
			snprintf(e->currency, sizeof(e->currency), "%s",
			    f[EVF_CURRENCY].s);
	}
	if (f[EVF_LANGUAGE].present) {
		if (i18n_parse(f[EVF_LANGUAGE].s) == LANG__MAX) {
			cJSON_AddStringToObject(errs, "language",
			    "must be sv, en, de or fr");
			e2 = ERR_BAD_REQUEST;
		} else
			snprintf(e->lang, sizeof(e->lang), "%s",
			    f[EVF_LANGUAGE].s);
	}
	if (f[EVF_STATUS].present && strcmp(f[EVF_STATUS].s, e->status) != 0) {
		if (strcmp(f[EVF_STATUS].s, "draft") != 0 &&
		    strcmp(f[EVF_STATUS].s, "published") != 0) {
			cJSON_AddStringToObject(errs, "status", "must be draft "
			    "or published (cancel with /cancel/)");
			e2 = ERR_BAD_REQUEST;
		} else if (strcmp(e->status, "cancelled") == 0 ||
		    strcmp(e->status, "completed") == 0) {
			cJSON_AddStringToObject(errs, "status",
			    "a cancelled or completed event stays so");
			e2 = ERR_BAD_REQUEST;
		} else
			snprintf(e->status, sizeof(e->status), "%s",
			    f[EVF_STATUS].s);
	}
	if (f[EVF_START_DATE].present)
		e->event_at = f[EVF_START_DATE].i;
	if (f[EVF_END_DATE].present)
		e->ends_at = f[EVF_END_DATE].i;
	if (f[EVF_SALES_START].present || f[EVF_SALES_START].null)
		e->sales_start_at = f[EVF_SALES_START].present ?
		    f[EVF_SALES_START].i : 0;
	if (f[EVF_SALES_END].present)
		e->sales_stop_at = f[EVF_SALES_END].i;
	if (f[EVF_TOTAL_CAPACITY].present)
		e->total_seats = f[EVF_TOTAL_CAPACITY].i;
	if (f[EVF_MAX_PER_ORDER].present)
		e->max_per = f[EVF_MAX_PER_ORDER].i;
	if (f[EVF_AGE_RESTRICTION].present || f[EVF_AGE_RESTRICTION].null)
		e->age = f[EVF_AGE_RESTRICTION].present ?
		    f[EVF_AGE_RESTRICTION].i : -1;
	if (f[EVF_IS_FREE].present)
		e->is_free = (int)f[EVF_IS_FREE].i;
	if (f[EVF_IS_FEATURED].present)
		e->is_featured = (int)f[EVF_IS_FEATURED].i;
	if (f[EVF_QUEUE].present)
		e->queue = f[EVF_QUEUE].i;
	if (f[EVF_MAX_HELD_PER_CLIENT].present ||
	    f[EVF_MAX_HELD_PER_CLIENT].null)
		e->max_held = f[EVF_MAX_HELD_PER_CLIENT].i;
	if (f[EVF_MAX_PER_EMAIL].present || f[EVF_MAX_PER_EMAIL].null)
		e->max_per_email = f[EVF_MAX_PER_EMAIL].i;
	if ((f[EVF_VENUE_NAME].present &&
	    set_str(&e->venue_name, f[EVF_VENUE_NAME].s) == -1) ||
	    (f[EVF_VENUE_ADDRESS].present &&
	    set_str(&e->venue_address, f[EVF_VENUE_ADDRESS].s) == -1) ||
	    (f[EVF_VENUE_CITY].present &&
	    set_str(&e->venue_city, f[EVF_VENUE_CITY].s) == -1) ||
	    (f[EVF_VENUE_COUNTRY].present &&
	    set_str(&e->venue_country, f[EVF_VENUE_COUNTRY].s) == -1) ||
	    (f[EVF_TAGS].present && set_str(&e->tags, f[EVF_TAGS].s) == -1))
		return ERR_INTERNAL;
	return e2;
}

/*
 * The payment providers of v as stored: "swish,stripe", in the order
 * given.  NULL with a reason in *why for an unknown or repeated name;
 * NULL with *why NULL when out of memory.  The result is malloc'd.
 */
static char *
providers_join(const struct field_val *v, const char **why)
{
	char	*out;
	size_t	 i, j, n = 1, at = 0;

	*why = NULL;
	for (i = 0; i < v->nitems; i++) {
		if (provider_parse(v->strs[i]) == PROVIDER__MAX) {
			*why = "must be swish, stripe or mpesa";
			return NULL;
		}
		for (j = 0; j < i; j++)
			if (strcmp(v->strs[i], v->strs[j]) == 0) {
				*why = "names a provider twice";
				return NULL;
			}
		n += strlen(v->strs[i]) + 1;
	}
	if ((out = malloc(n)) == NULL)
		return NULL;
	out[0] = '\0';
	for (i = 0; i < v->nitems; i++)
		at += (size_t)snprintf(out + at, n - at, "%s%s", i ? "," : "",
		    v->strs[i]);
	return out;
}

/*
 * Applies the checkout settings: the hold in minutes (stored in
 * seconds, as the seed-002 reservation reads it) and the providers,
 * and the door's (re-entry, when a door day begins); null puts any
 * back to its default.  ERR_OK, ERR_BAD_REQUEST with
 * the field's reason in errs, or ERR_INTERNAL.
 */
static enum err
apply_payment(struct ev *e, const struct field_val *f, cJSON *errs)
{
	const struct field_val	*pv = &f[EVF_PROVIDERS];
	const char		*why;
	char			*joined;
	enum err		 bad = ERR_OK;

	if (e->providers == NULL)
		return ERR_INTERNAL;
	if ((f[EVF_VAT_RATE].present || f[EVF_VAT_RATE].null) &&
	    invoice_vat_in(&f[EVF_VAT_RATE], &e->vat, errs) == -1)
		return ERR_BAD_REQUEST;
	if (f[EVF_HOLD_MINUTES].present)
		e->hold = f[EVF_HOLD_MINUTES].i * 60;
	else if (f[EVF_HOLD_MINUTES].null)
		e->hold = RESERVATION_SECONDS_DEFAULT;
	/* Seed 001's bookings: null puts the policy back to the seed's. */
	if (f[EVF_CANCEL_HOURS].present)
		e->cancel_hours = f[EVF_CANCEL_HOURS].i;
	else if (f[EVF_CANCEL_HOURS].null)
		e->cancel_hours = BOOKING_CANCEL_HOURS_DEFAULT;
	if (f[EVF_REFUND_PERCENT].present)
		e->refund_percent = f[EVF_REFUND_PERCENT].i;
	else if (f[EVF_REFUND_PERCENT].null)
		e->refund_percent = BOOKING_REFUND_PERCENT_DEFAULT;
	/* Transfers (lib/transfer): null is the default again. */
	if (f[EVF_TRANSFERS].present)
		e->transfers = f[EVF_TRANSFERS].i != 0;
	else if (f[EVF_TRANSFERS].null)
		e->transfers = 0;
	if (f[EVF_TRANSFER_CUTOFF].present)
		e->transfer_cutoff = f[EVF_TRANSFER_CUTOFF].i;
	else if (f[EVF_TRANSFER_CUTOFF].null)
		e->transfer_cutoff = TRANSFER_CUTOFF_HOURS_DEFAULT;
	if (f[EVF_TRANSFERS_MAX].present)
		e->transfers_max = f[EVF_TRANSFERS_MAX].i;
	else if (f[EVF_TRANSFERS_MAX].null)
		e->transfers_max = 0;
	/* The door (lib/checkin): null is the default again. */
	if (f[EVF_REENTRY].present || f[EVF_REENTRY].null)
		e->reentry = f[EVF_REENTRY].present && f[EVF_REENTRY].i != 0;
	if (f[EVF_DAY_STARTS].null)
		e->day_starts = DAY_STARTS_DEFAULT;
	else if (f[EVF_DAY_STARTS].present && !checkin_day_starts_parse(
	    f[EVF_DAY_STARTS].s, &e->day_starts)) {
		cJSON_AddStringToObject(errs, "door_day_starts",
		    "must be a time of day HH:MM from 00:00 to 12:00");
		bad = ERR_BAD_REQUEST;
	}
	if (!pv->present && !pv->null)
		return bad;
	if (pv->null)
		joined = strdup(PROVIDERS_DEFAULT);
	else if ((joined = providers_join(pv, &why)) == NULL && why != NULL) {
		cJSON_AddStringToObject(errs, "payment_providers", why);
		return ERR_BAD_REQUEST;
	}
	if (joined == NULL)
		return ERR_INTERNAL;
	free(e->providers);
	e->providers = joined;
	return bad;
}

/* Applies the text fields (in the event's default language). */
static enum err
apply_texts(struct ev *e, const struct field_val *f)
{
	const char	*plain;
	size_t		 i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if (!f[texts[i].field].present)
			continue;
		if ((plain = text_set(&e->texts, texts[i].key,
		    &f[texts[i].field], e->lang)) == NULL ||
		    set_str(ev_text(e, i), plain) == -1)
			return ERR_INTERNAL;
	}
	return ERR_OK;
}

/* The rules across fields, once every field is applied. */
static enum err
check_rules(struct ev *e, cJSON *errs)
{
	enum err	 e2 = ERR_OK;

	if (*e->title == '\0') {
		cJSON_AddStringToObject(errs, "title", "must not be empty");
		e2 = ERR_BAD_REQUEST;
	}
	if (e->ends_at == 0)
		e->ends_at = e->event_at + DEFAULT_LENGTH;
	if (e->ends_at <= e->event_at) {
		cJSON_AddStringToObject(errs, "end_date",
		    "End date must be after start date");
		e2 = ERR_BAD_REQUEST;
	} else if (e->ends_at - e->event_at > EVENT_LENGTH_MAX) {
		cJSON_AddStringToObject(errs, "end_date",
		    "an event lasts at most a year");
		e2 = ERR_BAD_REQUEST;
	}
	if (e->sales_stop_at == 0)
		e->sales_stop_at = e->ends_at;
	if (e->sales_start_at > 0 && e->sales_stop_at <= e->sales_start_at) {
		cJSON_AddStringToObject(errs, "sales_end",
		    "Sales end date must be after sales start date");
		e2 = ERR_BAD_REQUEST;
	}
	/* Something to pay with, unless there is nothing to pay. */
	if (!e->is_free && *e->providers == '\0' &&
	    cJSON_GetObjectItemCaseSensitive(errs, "payment_providers") ==
	    NULL) {
		cJSON_AddStringToObject(errs, "payment_providers",
		    "at least one unless the event is free");
		e2 = ERR_BAD_REQUEST;
	}
	return e2;
}

/* The lower-case text the search filter looks in. */
static char *
search_text(const struct ev *e)
{
	char	*all, *j = e->texts != NULL ?
	    cJSON_PrintUnformatted(e->texts) : NULL;
	size_t	 n, i;

	n = strlen(e->title) + strlen(e->description) + strlen(e->tags) +
	    strlen(e->venue_name) + strlen(e->venue_city) +
	    (j != NULL ? strlen(j) : 0) + 8;
	if ((all = malloc(n)) != NULL) {
		snprintf(all, n, "%s %s %s %s %s %s", e->title, e->description,
		    e->tags, e->venue_name, e->venue_city, j != NULL ? j : "");
		for (i = 0; all[i] != '\0'; i++)
			if (all[i] >= 'A' && all[i] <= 'Z')
				all[i] = (char)(all[i] - 'A' + 'a');
	}
	free(j);
	return all;
}

/* A free slug from the title: "spring-show", then "spring-show-2" ... */
static enum db_rc
pick_slug(struct db *db, const char *title, char slug[SLUG_MAX + 1])
{
	struct db_stmt	*st;
	char		 base[SLUG_MAX - 12];
	enum db_rc	 rc;
	int		 n, taken;

	/*
	 * Addresses take a slug or an id: a slug of digits alone ("2027")
	 * could name another event, so it gets a word in front.
	 */
	if (slug_make(title, base, sizeof(base) - 6) ==
	    strspn(base, "0123456789")) {
		snprintf(slug, SLUG_MAX + 1, "%s", base);
		snprintf(base, sizeof(base), "event-%.60s", slug);
	}
	for (n = 1; n < 1000; n++) {
		if (n == 1)
			snprintf(slug, SLUG_MAX + 1, "%s", base);
		else
			snprintf(slug, SLUG_MAX + 1, "%s-%d", base, n);
		if ((st = db_stmt(db, stmts[STMT_SLUG_TAKEN])) == NULL ||
		    db_bind_text(st, 1, slug) == -1)
			return DB_ERROR;
		if ((rc = db_step(db, st)) != DB_OK) {
			db_reset(st);
			return rc;
		}
		taken = db_col_int(st, 0) != 0;
		db_reset(st);
		if (!taken)
			return DB_OK;
	}
	return DB_CONSTRAINT;
}

/* Binds the row's columns for STMT_INSERT/STMT_UPDATE (?1 .. ?40 but
 * ?34, the id). */
static int
bind_row(struct db_stmt *st, const struct ev *e, const char *texts_col,
    const char *search, int64_t now)
{
	return db_bind_int(st, 1, e->organizer_id) == -1 ||
	    (e->category_id > 0 ? db_bind_int(st, 2, e->category_id) :
	    db_bind_null(st, 2)) == -1 ||
	    db_bind_int(st, 3, e->event_at) == -1 ||
	    db_bind_int(st, 4, e->ends_at) == -1 ||
	    db_bind_int(st, 5, e->sales_start_at) == -1 ||
	    db_bind_int(st, 6, e->sales_stop_at) == -1 ||
	    db_bind_int(st, 7, e->total_seats) == -1 ||
	    db_bind_int(st, 8, e->max_per) == -1 ||
	    (e->age >= 0 ? db_bind_int(st, 9, e->age) :
	    db_bind_null(st, 9)) == -1 ||
	    db_bind_int(st, 10, e->created_at) == -1 ||
	    (e->published_at > 0 ? db_bind_int(st, 11, e->published_at) :
	    db_bind_null(st, 11)) == -1 ||
	    (e->cancelled_at > 0 ? db_bind_int(st, 12, e->cancelled_at) :
	    db_bind_null(st, 12)) == -1 ||
	    db_bind_int(st, 13, e->queue) == -1 ||
	    db_bind_int(st, 14, e->is_free) == -1 ||
	    db_bind_int(st, 15, e->is_featured) == -1 ||
	    db_bind_text(st, 16, e->status) == -1 ||
	    db_bind_text(st, 17, e->pricing_type) == -1 ||
	    db_bind_text(st, 18, e->currency) == -1 ||
	    db_bind_text(st, 19, e->lang) == -1 ||
	    db_bind_text(st, 20, e->slug) == -1 ||
	    db_bind_text(st, 21, e->title) == -1 ||
	    db_bind_text(st, 22, e->description) == -1 ||
	    db_bind_text(st, 23, e->short_description) == -1 ||
	    db_bind_text(st, 24, e->terms) == -1 ||
	    db_bind_text(st, 25, e->refund_policy) == -1 ||
	    db_bind_text(st, 26, e->venue_name) == -1 ||
	    db_bind_text(st, 27, e->venue_address) == -1 ||
	    db_bind_text(st, 28, e->venue_city) == -1 ||
	    db_bind_text(st, 29, e->venue_country) == -1 ||
	    db_bind_text(st, 30, e->tags) == -1 ||
	    db_bind_text(st, 31, texts_col) == -1 ||
	    db_bind_text(st, 32, search) == -1 ||
	    db_bind_int(st, 35, e->max_held) == -1 ||
	    db_bind_int(st, 36, e->max_per_email) == -1 ||
	    db_bind_int(st, 37, e->hold) == -1 ||
	    db_bind_text(st, 38, e->providers) == -1 ||
	    db_bind_int(st, 39, e->vat) == -1 ||
	    db_bind_int(st, 40, e->cancel_hours) == -1 ||
	    db_bind_int(st, 41, e->refund_percent) == -1 ||
	    db_bind_int(st, 42, e->transfers) == -1 ||
	    db_bind_int(st, 43, e->transfer_cutoff) == -1 ||
	    db_bind_int(st, 44, e->transfers_max) == -1 ||
	    db_bind_int(st, 45, e->reentry) == -1 ||
	    db_bind_int(st, 46, e->day_starts) == -1 ||
	    db_bind_int(st, 33, now) == -1 ? -1 : 0;
}

/* Writes e (inserting when e->id is 0, setting it). */
static enum db_rc
ev_write(struct db *db, struct ev *e, int64_t now)
{
	struct db_stmt	*st;
	char		*tcol = text_column(e->texts), *search = search_text(e);
	enum db_rc	 rc = DB_ERROR;

	if (search == NULL)
		goto out;
	if (e->id == 0) {
		if ((st = db_stmt(db, stmts[STMT_INSERT])) == NULL ||
		    bind_row(st, e, tcol, search, now) == -1)
			goto out;
		rc = db_insert_id(db, st, &e->id);
	} else {
		if ((st = db_stmt(db, stmts[STMT_UPDATE])) == NULL ||
		    bind_row(st, e, tcol, search, now) == -1 ||
		    db_bind_int(st, 34, e->id) == -1)
			goto out;
		rc = db_exec(db, st);
	}
out:
	free(tcol);
	free(search);
	return rc;
}

/*
 * Seats event id at the venue v names (lib/venue.h), or unseats it when
 * v is null; nothing when v is absent.  Another organizer's or an
 * unknown venue is the field's reason.
 */
static enum err
seat_event(struct db *db, int64_t now, const struct actor *actor, int64_t id,
    const struct field_val *v, cJSON *errs)
{
	int64_t		 owner = actor->is_admin ? 0 : actor->user_id;
	enum err	 e;

	if (v->present)
		e = venue_attach_event(db, id, v->i, owner, now);
	else if (v->null)
		e = venue_detach_event(db, id, owner, now);
	else
		return ERR_OK;
	if (e == ERR_VENUE_NOT_FOUND) {
		cJSON_AddStringToObject(errs, "venue", "no such venue of yours");
		return ERR_BAD_REQUEST;
	}
	if (e == ERR_SEATS_TAKEN)
		cJSON_AddStringToObject(errs, "venue",
		    "seats of the present venue are taken");
	return e;
}

/* The audit snapshot of event id (every language: the owner's view). */
static cJSON *
snapshot(struct db *db, int64_t id, int64_t now)
{
	return event_json(db, id, LANG_SV, 0, 1, now);
}

enum err
event_save(struct db *db, int64_t now, const struct actor *actor,
    int64_t id, const struct field_val *f, cJSON *errs, int64_t *out_id)
{
	struct ev	 e;
	cJSON		*before = NULL, *after = NULL;
	enum db_rc	 rc;
	enum err	 e1, e2, e3;

	if (id == 0)
		ev_defaults(&e, actor, now);
	else if ((rc = ev_load(db, id, &e)) != DB_OK)
		return rc == DB_NOTFOUND ? ERR_EVENT_NOT_FOUND :
		    err_from_db(rc);
	else
		before = snapshot(db, id, now);
	e1 = apply_fields(db, &e, f, errs);
	if ((e2 = apply_payment(&e, f, errs)) != ERR_INTERNAL &&
	    apply_texts(&e, f) == ERR_OK) {
		if (check_rules(&e, errs) != ERR_OK)
			e2 = ERR_BAD_REQUEST;
	} else
		e2 = ERR_INTERNAL;
	e3 = e1 == ERR_INTERNAL || e2 == ERR_INTERNAL ? ERR_INTERNAL :
	    e1 == ERR_BAD_REQUEST || e2 == ERR_BAD_REQUEST ? ERR_BAD_REQUEST :
	    e1;
	if (e3 != ERR_OK)
		goto out;
	if (strcmp(e.status, "published") == 0 && e.published_at == 0)
		e.published_at = now;
	if (id == 0 && (rc = pick_slug(db, e.title, e.slug)) != DB_OK) {
		e3 = err_from_db(rc);
		goto out;
	}
	if ((rc = ev_write(db, &e, now)) == DB_OK &&
	    (e3 = seat_event(db, now, actor, e.id, &f[EVF_VENUE], errs)) !=
	    ERR_OK)
		goto out;
	if (rc != DB_OK || (rc = quota_sync(db, e.id)) != DB_OK) {
		if (rc == DB_CONSTRAINT)
			cJSON_AddStringToObject(errs, "total_capacity",
			    "below the places already sold or held");
		e3 = rc == DB_CONSTRAINT ? ERR_CONFLICT : err_from_db(rc);
		goto out;
	}
	after = snapshot(db, e.id, now);
	if (audit_record(db, now, actor->user_id, e.organizer_id, "event",
	    e.id, id == 0 ? "create" : "update", before, after) != DB_OK) {
		e3 = ERR_INTERNAL;
		goto out;
	}
	*out_id = e.id;
out:
	cJSON_Delete(before);
	cJSON_Delete(after);
	ev_free(&e);
	return e3;
}

/* Sets the stored status and audits the change as action. */
static enum err
set_status(struct db *db, int64_t now, const struct actor *actor,
    int64_t id, const char *status, const char *action)
{
	struct db_stmt	*st;
	struct ev	 e;
	cJSON		*before, *after;
	enum db_rc	 rc;

	if ((rc = ev_load(db, id, &e)) != DB_OK)
		return rc == DB_NOTFOUND ? ERR_EVENT_NOT_FOUND :
		    err_from_db(rc);
	before = snapshot(db, id, now);
	if ((st = db_stmt(db, stmts[STMT_SET_STATUS])) == NULL ||
	    db_bind_int(st, 1, id) == -1 ||
	    db_bind_text(st, 2, status) == -1 ||
	    db_bind_int(st, 3, now) == -1)
		rc = DB_ERROR;
	else
		rc = db_exec(db, st);
	after = rc == DB_OK ? snapshot(db, id, now) : NULL;
	if (rc == DB_OK)
		rc = audit_record(db, now, actor->user_id, e.organizer_id,
		    "event", id, action, before, after);
	cJSON_Delete(before);
	cJSON_Delete(after);
	ev_free(&e);
	return err_from_db(rc);
}

enum err
event_publish(struct db *db, int64_t now, const struct actor *actor,
    int64_t id)
{
	struct ev	 e;
	enum db_rc	 rc;
	int		 cancelled, sellable;

	if ((rc = ev_load(db, id, &e)) != DB_OK)
		return rc == DB_NOTFOUND ? ERR_EVENT_NOT_FOUND :
		    err_from_db(rc);
	cancelled = strcmp(e.status, "cancelled") == 0 ||
	    strcmp(e.status, "completed") == 0;
	ev_free(&e);
	if (cancelled)
		return ERR_CONFLICT;
	if ((sellable = has_rows(db, STMT_SELLABLE_EXISTS, id)) < 0)
		return ERR_INTERNAL;
	if (!sellable)
		return ERR_CONFLICT;
	return set_status(db, now, actor, id, "published", "publish");
}

enum err
event_cancel(struct db *db, int64_t now, const struct actor *actor,
    int64_t id)
{
	static const enum stmt	 steps[] = { STMT_CANCEL_HOLDS,
	    STMT_FLAG_PAID, STMT_CANCEL_HOLDS_QUOTAS };
	struct db_stmt		*st;
	enum err		 e;
	size_t			 i;

	if ((e = set_status(db, now, actor, id, "cancelled", "cancel")) !=
	    ERR_OK)
		return e;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if ((st = db_stmt(db, stmts[steps[i]])) == NULL ||
		    db_bind_int(st, 1, id) == -1)
			return ERR_INTERNAL;
		if (db_exec(db, st) != DB_OK)
			return ERR_INTERNAL;
	}
	/* Each paying buyer is told, once, by this same transaction. */
	if (outbox_queue_cancelled(db, id, now, NULL) != DB_OK)
		return ERR_INTERNAL;
	return ERR_OK;
}

enum err
event_set_poster(struct db *db, int64_t now, const struct actor *actor,
    int64_t id, const char *path)
{
	struct db_stmt	*st;
	struct ev	 e;
	cJSON		*before, *after = NULL;
	enum db_rc	 rc;

	if ((rc = ev_load(db, id, &e)) != DB_OK)
		return rc == DB_NOTFOUND ? ERR_EVENT_NOT_FOUND :
		    err_from_db(rc);
	before = snapshot(db, id, now);
	if ((st = db_stmt(db, stmts[STMT_SET_POSTER])) == NULL ||
	    db_bind_int(st, 1, id) == -1 || db_bind_text(st, 2, path) == -1 ||
	    db_bind_int(st, 3, now) == -1)
		rc = DB_ERROR;
	else
		rc = db_exec(db, st);
	if (rc == DB_OK && (after = snapshot(db, id, now)) == NULL)
		rc = DB_ERROR;
	if (rc == DB_OK)
		rc = audit_record(db, now, actor->user_id, e.organizer_id,
		    "event", id, path != NULL ? "poster" : "poster_delete",
		    before, after);
	cJSON_Delete(before);
	cJSON_Delete(after);
	ev_free(&e);
	return err_from_db(rc);
}

enum err
event_delete(struct db *db, int64_t now, const struct actor *actor,
    int64_t id)
{
	struct db_stmt	*st;
	cJSON		*before;
	int64_t		 organizer_id;
	int		 ordered;
	enum db_rc	 rc;
	struct ev	 e;

	if ((ordered = has_rows(db, STMT_ORDERS_EXIST, id)) < 0)
		return ERR_INTERNAL;
	if (ordered)
		return ERR_IN_USE;
	if ((rc = ev_load(db, id, &e)) != DB_OK)
		return rc == DB_NOTFOUND ? ERR_EVENT_NOT_FOUND :
		    err_from_db(rc);
	organizer_id = e.organizer_id;
	ev_free(&e);
	before = snapshot(db, id, now);
	if ((rc = variant_delete_event(db, id)) == DB_OK) {
		if ((st = db_stmt(db, stmts[STMT_DELETE])) == NULL ||
		    db_bind_int(st, 1, id) == -1)
			rc = DB_ERROR;
		else
			rc = db_exec(db, st);
	}
	if (rc == DB_OK)
		rc = audit_record(db, now, actor->user_id, organizer_id,
		    "event", id, "delete", before, NULL);
	cJSON_Delete(before);
	return err_from_db(rc);
}

enum db_rc
event_backfill_slugs(struct db *db)
{
	struct db_stmt	*st, *up;
	char		 slug[SLUG_MAX + 1];
	int64_t		 ids[256];
	char		*titles[256];
	size_t		 n = 0, i;
	enum db_rc	 rc = DB_OK;

	/* In batches: the reading statement must end before writing. */
	do {
		n = 0;
		if ((st = db_stmt(db, stmts[STMT_PLACEHOLDER_SLUGS])) == NULL)
			return DB_ERROR;
		while (n < 256 && (rc = db_step(db, st)) == DB_OK) {
			ids[n] = db_col_int(st, 0);
			titles[n++] = dup_col(st, 1);
		}
		db_reset(st);
		for (i = 0; i < n; i++) {
			if (rc == DB_OK || rc == DB_NOTFOUND)
				rc = pick_slug(db, titles[i] != NULL ?
				    titles[i] : "", slug);
			if (rc == DB_OK && ((up = db_stmt(db,
			    stmts[STMT_SET_SLUG])) == NULL ||
			    db_bind_int(up, 1, ids[i]) == -1 ||
			    db_bind_text(up, 2, slug) == -1))
				rc = DB_ERROR;
			else if (rc == DB_OK)
				rc = db_exec(db, up);
			free(titles[i]);
		}
	} while (n == 256 && rc == DB_OK);
	return rc == DB_NOTFOUND ? DB_OK : rc;
}
