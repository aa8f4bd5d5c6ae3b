/*
 * The buyer's tickets (wallet.h): one row shape for every listing,
 * rendered in seed 004's or seed 003's words.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "db.h"
#include "jsonout.h"
#include "limits.h"
#include "qr.h"
#include "seal.h"
#include "ticketkey.h"
#include "ticketstate.h"
#include "crypto.h"
#include "wallet.h"

#define STR_(x)	#x
#define STR(x)	STR_(x)

/* What a mail link's token signs (seal_mac()'s purpose). */
#define LINK_PURPOSE	"order tickets link"

/* Pixels per QR module of the detail's picture: a phone screen's. */
#define WALLET_QR_SCALE	8

static const char *const status_names[WALLET_STATUS__MAX] = {
	[WALLET_ANY] = "",
	[WALLET_ACTIVE] = "active",
	[WALLET_USED] = "used",
	[WALLET_CANCELLED] = "cancelled",
	[WALLET_EXPIRED] = "expired",
};

/* ?2 is now (lib/ticketstate's fragments). */
#define USED	TICKET_USED("?2")

/* ?2 is now.  Cancelled wins over used: a refunded ticket is no entry. */
#define STATUS \
	"(CASE WHEN " TICKET_CANCELLED " THEN 'cancelled'" \
	" WHEN " USED " THEN 'used'" \
	" WHEN " TICKET_EXPIRED("?2") " THEN 'expired' ELSE 'active' END)"

/* A ticket, the names of what it is (its type's, tier's, day's) and its
 * event's; the column numbers are enum col. */
#define COLS \
	"t.uid, t.external_id, t.event_id, e.title, e.event_at," \
	" e.venue_name, e.venue_address, e.venue_city," \
	" coalesce(p.title, tt.title)," \
	" CASE tt.kind WHEN 'tier' THEN coalesce(tt.tier_name, tt.title)" \
	" ELSE coalesce(tt.tier_name, '') END," \
	" CASE tt.kind WHEN 'day_pass' THEN coalesce(tt.day_name, tt.title)" \
	" ELSE coalesce(tt.day_name, '') END," \
	" t.price, o.currency, " STATUS ", t.times_used," \
	" t.first_admitted_at, t.attendee_name," \
	" coalesce(t.holder_email, o.email)," \
	" o.order_number, t.created_at, e.poster," \
	" coalesce(nullif(e.ends_at, 0), e.event_at), u.name, e.slug," \
	" o.buyer_name, s.section, s.row_label, s.number, t.id," \
	" t.transferred_at," \
	" " STATUS " = 'active' AND e.transfers_allowed = 1" \
	" AND ?2 <= e.event_at - e.transfer_cutoff_hours * 3600" \
	" AND (e.transfers_max IS NULL OR t.transfers < e.transfers_max)," \
	" " USED ", coalesce(t.admitted_day = " DOOR_DAY("?2") ", 0)"
#define FROM \
	" FROM tickets t JOIN orders o ON o.id = t.order_id" \
	" JOIN events e ON e.id = t.event_id" \
	" JOIN ticket_types tt ON tt.id = t.ticket_type_id" \
	" LEFT JOIN ticket_types p ON p.id = tt.parent_id" \
	" LEFT JOIN users u ON u.id = e.organizer_id" \
	" LEFT JOIN seats s ON s.id = t.seat_id"

enum col {
	C_UID, C_CODE, C_EVENT, C_TITLE, C_EVENT_AT, C_VENUE, C_ADDRESS,
	C_CITY, C_NAME, C_TIER, C_DAY, C_PRICE, C_CURRENCY, C_STATUS,
	C_TIMES_USED, C_USED_AT, C_ATTENDEE, C_EMAIL, C_ORDER_NUMBER,
	C_CREATED, C_POSTER, C_ENDS_AT, C_ORGANIZER, C_SLUG, C_BUYER,
	C_SECTION, C_ROW, C_SEAT, C_ID, C_TRANSFERRED, C_CAN_TRANSFER,
	C_USED, C_USED_TODAY
};

/* What rendering a row needs beside it: signing its QR code. */
struct row_ctx {
	struct db	*db;
	int64_t		 now;
	char		 qr[TICKETSIG_TEXT_LEN + 1];
};

/*
 * The tickets user p holds: those of their orders that no transfer gave
 * to someone else (holder_email set), through orders_user and
 * tickets_order, and those given to them, through tickets_holder
 * (lib/transfer).  A ticket they transferred away stays theirs, and
 * shows as cancelled and transferred.
 */
#define HELD_BY(p) \
	" t.id IN (SELECT h.id FROM orders ho" \
	" JOIN tickets h ON h.order_id = ho.id WHERE ho.user_id = " p \
	" AND h.holder_email IS NULL" \
	" UNION ALL SELECT h.id FROM tickets h WHERE h.holder_user_id = " p ")"

/* ?1 user, ?3 status ('' any), ?4 used (-1 any), ?5 event id or slug
 * ('' any). */
#define WHERE \
	" WHERE" HELD_BY("?1") " AND (?3 = '' OR " STATUS " = ?3)" \
	" AND (?4 < 0 OR " USED " = ?4)" \
	" AND (?5 = '' OR e.slug = ?5 OR CAST(e.id AS TEXT) = ?5)"
#define LIST(order) \
	"SELECT " COLS FROM WHERE " ORDER BY " order \
	" LIMIT ?6 OFFSET ?7"

enum stmt {
	STMT_NEWEST = WALLET_NEWEST,
	STMT_OLDEST = WALLET_OLDEST,
	STMT_EVENT_FIRST = WALLET_EVENT_FIRST,
	STMT_EVENT_LAST = WALLET_EVENT_LAST,
	STMT_COUNT,
	STMT_ONE,
	STMT_ORDER,
	STMT_USER,
	STMT_STATS,
	STMT_FIND_ORDER,
	STMT_TICKET_UID,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_NEWEST] = LIST("t.created_at DESC, t.id DESC"),
	[STMT_OLDEST] = LIST("t.created_at, t.id"),
	[STMT_EVENT_FIRST] = LIST("e.event_at, t.id"),
	[STMT_EVENT_LAST] = LIST("e.event_at DESC, t.id DESC"),
	[STMT_COUNT] =
	    "SELECT count(*)" FROM WHERE " AND ?6 = ?6 AND ?7 = ?7",
	[STMT_ONE] =
	    "SELECT " COLS FROM " WHERE t.uid = ?1 AND" HELD_BY("?3"),
	/* The buyer's own, not those given to others by a transfer. */
	[STMT_ORDER] =
	    "SELECT " COLS FROM " WHERE o.uid = ?1 AND t.holder_email IS NULL"
	    " ORDER BY t.id",
	/* The page's order: the tickets that can still admit first (a
	 * festival under way among them), soonest event first, then the
	 * expired ones. */
	[STMT_USER] =
	    "SELECT " COLS FROM " WHERE" HELD_BY("?1")
	    " ORDER BY " TICKET_EXPIRED("?2") ", e.event_at, t.id"
	    " LIMIT " STR(WALLET_PAGE_MAX),
	/* easyTicket's counters: active means valid and not yet used;
	 * upcoming counts events, not tickets. */
	[STMT_STATS] =
	    "SELECT count(*), coalesce(sum(st = 'active'), 0),"
	    " coalesce(sum(used), 0), coalesce(sum(st = 'cancelled'), 0),"
	    " count(DISTINCT CASE WHEN st = 'active' AND event_at >= ?2"
	    " THEN event_id END)"
	    " FROM (SELECT " STATUS " AS st, " USED " AS used,"
	    " e.event_at AS event_at, t.event_id AS event_id" FROM
	    " WHERE" HELD_BY("?1") ")",
	/* An order named as people name it: its uid, its number, its
	 * seed-002 code, or the short code of one of its tickets. */
	[STMT_FIND_ORDER] =
	    "SELECT uid FROM orders WHERE uid = ?1 OR order_number = ?1"
	    " OR code = ?1"
	    " UNION ALL SELECT o.uid FROM tickets t"
	    " JOIN orders o ON o.id = t.order_id WHERE t.external_id = upper(?1)"
	    " LIMIT 1",
	/* One ticket, by its holder's link (lib/transfer). */
	[STMT_TICKET_UID] =
	    "SELECT " COLS FROM " WHERE t.uid = ?1",
};

enum wallet_status
wallet_status_parse(const char *s)
{
	int	 i;

	for (i = WALLET_ACTIVE; i < WALLET_STATUS__MAX; i++)
		if (strcmp(s, status_names[i]) == 0)
			return (enum wallet_status)i;
	return WALLET_STATUS__MAX;
}

enum wallet_order
wallet_order_parse(const char *s)
{
	static const struct {
		const char		*name;
		enum wallet_order	 order;
	} names[] = {
		{ "-created_at", WALLET_NEWEST },
		{ "created_at", WALLET_OLDEST },
		{ "event_date", WALLET_EVENT_FIRST },
		{ "-event_date", WALLET_EVENT_LAST },
		{ "event__start_date", WALLET_EVENT_FIRST },
		{ "-event__start_date", WALLET_EVENT_LAST },
	};
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0)
			return names[i].order;
	return WALLET_ORDER__MAX;
}

static const char *
text(struct db_stmt *st, enum col c)
{
	const char	*s = db_col_text(st, c);

	return s != NULL ? s : "";
}

/* "Friday, May 01, 2026 at 07:30 PM" in the configured zone, as
 * easyTicket's event_date_formatted (English, like its strftime). */
static void
add_formatted(cJSON *o, int64_t t)
{
	static const char *const days[] = { "Sunday", "Monday", "Tuesday",
	    "Wednesday", "Thursday", "Friday", "Saturday" };
	static const char *const months[] = { "January", "February",
	    "March", "April", "May", "June", "July", "August", "September",
	    "October", "November", "December" };
	struct tm	 tm;
	time_t		 tt = (time_t)t;
	char		 buf[64];
	int		 h;

	if (localtime_r(&tt, &tm) == NULL) {
		cJSON_AddNullToObject(o, "event_date_formatted");
		return;
	}
	h = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
	snprintf(buf, sizeof(buf), "%s, %s %02d, %04d at %02d:%02d %s",
	    days[tm.tm_wday % 7], months[tm.tm_mon % 12], tm.tm_mday % 100,
	    (tm.tm_year + 1900) % 10000, h, tm.tm_min % 100,
	    tm.tm_hour < 12 ? "AM" : "PM");
	cJSON_AddStringToObject(o, "event_date_formatted", buf);
}

/*
 * What the ticket's QR code holds: its signed code (lib/ticketkey), as
 * in the ticket mail, which a door checks offline.  These listings run
 * in read-only transactions, so they never make a key: the callers
 * make sure keys exist first (ticketkey_ensure_*); the printed short
 * code, which every door path looks up too, when it still cannot be
 * signed (no secret_key).
 */
static const char *
qr_text(struct db_stmt *st, struct row_ctx *c)
{
	if (ticketkey_sign(c->db, db_col_int(st, C_ID), c->now, c->qr) ==
	    DB_OK)
		return c->qr;
	return text(st, C_CODE);
}

/* The seat of a seated event's ticket, or null. */
static void
add_seat(cJSON *o, struct db_stmt *st)
{
	cJSON	*seat;

	if (db_col_isnull(st, C_SEAT)) {
		cJSON_AddNullToObject(o, "seat");
		return;
	}
	seat = cJSON_AddObjectToObject(o, "seat");
	json_add_str(seat, "section", text(st, C_SECTION));
	json_add_str(seat, "row", text(st, C_ROW));
	json_add_str(seat, "number", text(st, C_SEAT));
}

/* Seed 004's TicketSerializer of the current row, with the link to its
 * PDF (seed 004: "with QR codes and PDF download links"). */
static cJSON *
ticket004(struct db_stmt *st, struct row_ctx *c)
{
	char		 url[sizeof(WALLET_DOWNLOAD_PATH) + UUID_LEN + 16];
	cJSON		*o = cJSON_CreateObject(), *venue;
	const char	*name = text(st, C_NAME), *tier = text(st, C_TIER);
	const char	*day = text(st, C_DAY), *status = text(st, C_STATUS);
	char		 full[3 * NAME_TEXT_MAX + 8];

	json_add_str(o, "uid", text(st, C_UID));
	json_add_str(o, "ticket_number", text(st, C_CODE));
	json_add_str(o, "qr_code_data", qr_text(st, c));
	cJSON_AddNumberToObject(o, "event", (double)db_col_int(st, C_EVENT));
	json_add_str(o, "event_slug", text(st, C_SLUG));
	json_add_str(o, "event_title", text(st, C_TITLE));
	json_add_time(o, "event_date", db_col_int(st, C_EVENT_AT));
	add_formatted(o, db_col_int(st, C_EVENT_AT));
	venue = cJSON_AddObjectToObject(o, "venue");
	json_add_str(venue, "name", db_col_text(st, C_VENUE));
	json_add_str(venue, "address", db_col_text(st, C_ADDRESS));
	json_add_str(venue, "city", db_col_text(st, C_CITY));
	json_add_str(o, "ticket_name", name);
	json_add_str(o, "tier_name", tier);
	json_add_str(o, "day_name", day);
	snprintf(full, sizeof(full), "%s%s%s%s%s", name, *tier ? " - " : "",
	    tier, *day ? " - " : "", day);
	json_add_str(o, "full_ticket_name", full);
	json_add_money(o, "price", db_col_int(st, C_PRICE),
	    text(st, C_CURRENCY));
	json_add_str(o, "currency", text(st, C_CURRENCY));
	json_add_str(o, "status", status);
	/* Used: it can no longer admit (a pass its last day, see USED);
	 * used_today (ours): admitted this door day, as the staff answers
	 * read a pass. */
	cJSON_AddBoolToObject(o, "is_used", db_col_int(st, C_USED) != 0);
	cJSON_AddBoolToObject(o, "used_today",
	    db_col_int(st, C_USED_TODAY) != 0);
	json_add_time(o, "used_at", db_col_int(st, C_USED_AT));
	cJSON_AddBoolToObject(o, "is_valid", strcmp(status, "active") == 0);
	json_add_str(o, "attendee_name", db_col_text(st, C_ATTENDEE) != NULL ?
	    db_col_text(st, C_ATTENDEE) : text(st, C_BUYER));
	json_add_str(o, "attendee_email", text(st, C_EMAIL));
	json_add_str(o, "order_number", text(st, C_ORDER_NUMBER));
	json_add_time(o, "created_at", db_col_int(st, C_CREATED));
	add_seat(o, st);
	snprintf(url, sizeof(url), WALLET_DOWNLOAD_PATH, text(st, C_UID));
	json_add_str(o, "download_url", url);
	/* Given to someone else (lib/transfer): cancelled for its holder. */
	cJSON_AddBoolToObject(o, "is_transferred",
	    !db_col_isnull(st, C_TRANSFERRED));
	json_add_time(o, "transferred_at", db_col_isnull(st, C_TRANSFERRED) ?
	    0 : db_col_int(st, C_TRANSFERRED));
	/* Whether its holder may give it to someone now (lib/transfer). */
	cJSON_AddBoolToObject(o, "can_transfer",
	    db_col_int(st, C_CAN_TRANSFER) != 0);
	return o;
}

/* Seed 003's TicketSerializer of the current row. */
static cJSON *
ticket003(struct db_stmt *st, struct row_ctx *c)
{
	cJSON		*o = cJSON_CreateObject();
	const char	*status = text(st, C_STATUS);
	const char	*poster = db_col_text(st, C_POSTER);

	json_add_str(o, "id", text(st, C_UID));
	json_add_str(o, "qr_code_hash", qr_text(st, c));
	json_add_str(o, "status", strcmp(status, "cancelled") == 0 ?
	    "CANCELLED" : strcmp(status, "used") == 0 ? "CHECKED_IN" :
	    "ACTIVE");
	json_add_time(o, "purchase_date", db_col_int(st, C_CREATED));
	json_add_str(o, "attendee_name", db_col_text(st, C_ATTENDEE) != NULL ?
	    db_col_text(st, C_ATTENDEE) : text(st, C_BUYER));
	json_add_str(o, "attendee_email", text(st, C_EMAIL));
	json_add_str(o, "event_title", text(st, C_TITLE));
	json_add_str(o, "event_image", poster != NULL && *poster ? poster :
	    NULL);
	json_add_str(o, "event_location", db_col_text(st, C_VENUE));
	json_add_time(o, "event_start_date", db_col_int(st, C_EVENT_AT));
	json_add_time(o, "event_end_date", db_col_int(st, C_ENDS_AT));
	json_add_str(o, "organizer_name", db_col_text(st, C_ORGANIZER));
	json_add_str(o, "tier_name", *text(st, C_TIER) ? text(st, C_TIER) :
	    text(st, C_NAME));
	json_add_money(o, "tier_price", db_col_int(st, C_PRICE),
	    text(st, C_CURRENCY));
	return o;
}

/* The QR code as a PNG data URL, for a page to show as it is. */
static void
add_qr_picture(cJSON *o, const char *content)
{
	unsigned char	*png = NULL;
	size_t		 len = 0, b64len;
	char		*url;

	if (qr_png(content, WALLET_QR_SCALE, &png, &len) == -1) {
		cJSON_AddNullToObject(o, "qr_code");
		return;
	}
	b64len = sodium_base64_ENCODED_LEN(len,
	    sodium_base64_VARIANT_ORIGINAL);
	if ((url = malloc(sizeof("data:image/png;base64,") + b64len)) ==
	    NULL) {
		free(png);
		cJSON_AddNullToObject(o, "qr_code");
		return;
	}
	memcpy(url, "data:image/png;base64,", sizeof("data:image/png;base64,"));
	sodium_bin2base64(url + sizeof("data:image/png;base64,") - 1, b64len,
	    png, len, sodium_base64_VARIANT_ORIGINAL);
	cJSON_AddStringToObject(o, "qr_code", url);
	free(url);
	free(png);
}

/* Binds the list's parameters; -1 on failure. */
static int
bind_list(struct db_stmt *st, int64_t now, int64_t user_id,
    const struct wallet_filter *f, int64_t offset, int64_t limit)
{
	return db_bind_int(st, 1, user_id) == -1 ||
	    db_bind_int(st, 2, now) == -1 ||
	    db_bind_text(st, 3, status_names[f->status]) == -1 ||
	    db_bind_int(st, 4, f->used) == -1 ||
	    db_bind_text(st, 5, f->event != NULL ? f->event : "") == -1 ||
	    db_bind_int(st, 6, limit) == -1 ||
	    db_bind_int(st, 7, offset) == -1 ? -1 : 0;
}

static enum db_rc
list(struct db *db, int64_t now, int64_t user_id,
    const struct wallet_filter *f, int64_t offset, int64_t limit,
    cJSON *(*render)(struct db_stmt *, struct row_ctx *), cJSON **results,
    int64_t *count)
{
	struct row_ctx	 c = { db, now, "" };
	struct db_stmt	*st;
	enum db_rc	 rc;

	*results = NULL;
	*count = 0;
	if (limit <= 0 || limit > PER_PAGE_MAX)
		limit = PER_PAGE_MAX;
	if ((unsigned)f->order >= WALLET_ORDER__MAX ||
	    (unsigned)f->status >= WALLET_STATUS__MAX)
		return DB_ERROR;
	if ((st = db_stmt(db, stmts[STMT_COUNT])) == NULL ||
	    bind_list(st, now, user_id, f, offset, limit) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		*count = db_col_int(st, 0);
	db_reset(st);
	if (rc != DB_OK)
		return rc;
	if ((*results = cJSON_CreateArray()) == NULL ||
	    (st = db_stmt(db, stmts[f->order])) == NULL ||
	    bind_list(st, now, user_id, f, offset, limit) == -1)
		return DB_ERROR;
	while ((rc = db_step(db, st)) == DB_OK)
		cJSON_AddItemToArray(*results, render(st, &c));
	db_reset(st);
	return rc == DB_NOTFOUND ? DB_OK : rc;
}

enum db_rc
wallet_list(struct db *db, int64_t now, int64_t user_id,
    const struct wallet_filter *f, int64_t offset, int64_t limit,
    cJSON **results, int64_t *count)
{
	return list(db, now, user_id, f, offset, limit, ticket004, results,
	    count);
}

enum db_rc
wallet_list003(struct db *db, int64_t now, int64_t user_id, int64_t offset,
    int64_t limit, cJSON **results, int64_t *count)
{
	const struct wallet_filter	 all = { WALLET_ANY, -1, NULL,
					    WALLET_NEWEST };

	return list(db, now, user_id, &all, offset, limit, ticket003, results,
	    count);
}

enum db_rc
wallet_get(struct db *db, int64_t now, int64_t user_id, const char *uid,
    int seed003, cJSON **out)
{
	struct row_ctx	 c = { db, now, "" };
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_ONE])) == NULL ||
	    db_bind_text(st, 1, uid) == -1 || db_bind_int(st, 2, now) == -1 ||
	    db_bind_int(st, 3, user_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		*out = seed003 ? ticket003(st, &c) : ticket004(st, &c);
		add_qr_picture(*out, qr_text(st, &c));
	}
	db_reset(st);
	return rc;
}

enum db_rc
wallet_stats(struct db *db, int64_t now, int64_t user_id, cJSON **out)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_STATS])) == NULL ||
	    db_bind_int(st, 1, user_id) == -1 || db_bind_int(st, 2, now) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		*out = cJSON_CreateObject();
		cJSON_AddNumberToObject(*out, "total_tickets",
		    (double)db_col_int(st, 0));
		cJSON_AddNumberToObject(*out, "active_tickets",
		    (double)db_col_int(st, 1));
		cJSON_AddNumberToObject(*out, "used_tickets",
		    (double)db_col_int(st, 2));
		cJSON_AddNumberToObject(*out, "cancelled_tickets",
		    (double)db_col_int(st, 3));
		cJSON_AddNumberToObject(*out, "upcoming_events",
		    (double)db_col_int(st, 4));
	}
	db_reset(st);
	return rc;
}

/* Every ticket statement k finds for ?1 = key, with its QR picture. */
static enum db_rc
tickets_with_qr(struct db *db, enum stmt k, int64_t now, int64_t key,
    const char *uid, cJSON **out)
{
	struct row_ctx	 c = { db, now, "" };
	struct db_stmt	*st;
	cJSON		*t;
	enum db_rc	 rc;

	if ((*out = cJSON_CreateArray()) == NULL ||
	    (st = db_stmt(db, stmts[k])) == NULL ||
	    (uid != NULL ? db_bind_text(st, 1, uid) :
	    db_bind_int(st, 1, key)) == -1 || db_bind_int(st, 2, now) == -1)
		return DB_ERROR;
	while ((rc = db_step(db, st)) == DB_OK) {
		t = ticket004(st, &c);
		add_qr_picture(t, qr_text(st, &c));
		cJSON_AddItemToArray(*out, t);
	}
	db_reset(st);
	return rc == DB_NOTFOUND ? DB_OK : rc;
}

enum db_rc
wallet_order_tickets(struct db *db, int64_t now, const char *order_uid,
    cJSON **out)
{
	return tickets_with_qr(db, STMT_ORDER, now, 0, order_uid, out);
}

enum db_rc
wallet_ticket(struct db *db, int64_t now, const char *ticket_uid,
    cJSON **out)
{
	return tickets_with_qr(db, STMT_TICKET_UID, now, 0, ticket_uid, out);
}

enum db_rc
wallet_user_tickets(struct db *db, int64_t now, int64_t user_id,
    cJSON **out)
{
	return tickets_with_qr(db, STMT_USER, now, user_id, NULL, out);
}

int
wallet_link_token(const char *order_uid, char token[WALLET_TOKEN_LEN + 1])
{
	char	 mac[SEAL_MAC_HEX_LEN + 1];

	if (seal_mac(LINK_PURPOSE, order_uid, strlen(order_uid), mac) == -1)
		return -1;
	memcpy(token, mac, WALLET_TOKEN_LEN);
	token[WALLET_TOKEN_LEN] = '\0';
	return 0;
}

int
wallet_link_valid(const char *order_uid, const char *token)
{
	char	 want[WALLET_TOKEN_LEN + 1];

	if (order_uid == NULL || token == NULL ||
	    strlen(order_uid) != UUID_LEN ||
	    strlen(token) != WALLET_TOKEN_LEN ||
	    wallet_link_token(order_uid, want) == -1)
		return 0;
	return crypto_streq(want, token);
}

int
wallet_link_url(const char *public_url, const char *order_uid, char *buf,
    size_t bufsz)
{
	char	 token[WALLET_TOKEN_LEN + 1];

	if (order_uid == NULL || wallet_link_token(order_uid, token) == -1)
		return -1;
	return (size_t)snprintf(buf, bufsz, "%s/tickets/%s/%s", public_url,
	    order_uid, token) < bufsz ? 0 : -1;
}

enum db_rc
wallet_order_find(struct db *db, const char *name,
    char uid[UUID_LEN + 1])
{
	struct db_stmt	*st;
	enum db_rc	 rc;
	const char	*got;

	if ((st = db_stmt(db, stmts[STMT_FIND_ORDER])) == NULL ||
	    db_bind_text(st, 1, name) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		got = db_col_text(st, 0);
		if (got == NULL || strlen(got) != UUID_LEN)
			rc = DB_NOTFOUND;	/* an order from before uids */
		else
			memcpy(uid, got, UUID_LEN + 1);
	}
	db_reset(st);
	return rc;
}
