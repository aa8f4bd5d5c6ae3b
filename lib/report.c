/*
 * Sales reports for the back office (report.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "jsonout.h"
#include "limits.h"
#include "money.h"
#include "report.h"
#include "text.h"
#include "tfmt.h"
#include "ticketstate.h"

/* A sold order (see report.h); paid_at lets orders_paid serve. */
#define SOLD \
	"o.paid_at IS NOT NULL AND o.status IN ('paid', 'partially_refunded')"
/* What was paid back of order o. */
#define REFUNDED \
	"(SELECT coalesce(sum(r.amount), 0) FROM payments p" \
	" JOIN refunds r ON r.payment_id = p.id" \
	" WHERE p.order_id = o.id AND r.status = 'paid')"
#define VALID_TICKETS(col, key) \
	"(SELECT count(*) FROM tickets t WHERE t." col " = " key \
	" AND t.status = 'valid')"

/* An event's sales (columns EV_*). */
#define EV_SALES \
	"SELECT e.id, e.slug, e.title, e.texts, e.event_at," \
	" coalesce(e.ends_at, e.event_at), e.status, e.currency," \
	" e.total_seats," \
	" (SELECT count(*) FROM orders o WHERE o.event_id = e.id AND " SOLD \
	")," \
	" (SELECT coalesce(sum(o.total - " REFUNDED "), 0) FROM orders o" \
	" WHERE o.event_id = e.id AND " SOLD ")," \
	" " VALID_TICKETS("event_id", "e.id") "," \
	" (SELECT count(*) FROM tickets t WHERE t.event_id = e.id" \
	" AND t.status = 'valid' AND " TICKET_ARRIVED ")," \
	" (SELECT q.size - q.used FROM quotas q WHERE q.event_id = e.id" \
	" AND q.scope = 'event' ORDER BY q.id LIMIT 1)" \
	" FROM events e"

enum {
	EV_ID, EV_SLUG, EV_TITLE, EV_TEXTS, EV_START, EV_END, EV_STATUS,
	EV_CURRENCY, EV_CAPACITY, EV_ORDERS, EV_REVENUE, EV_TICKETS,
	EV_CHECKED_IN, EV_LEFT
};

/*
 * The buyer's name: the ticket's attendee, else the account that was
 * signed in when the order was reserved (sessions_buyer).
 */
#define BUYER_NAME \
	"coalesce(t.attendee_name, (SELECT u.name FROM sessions s" \
	" JOIN users u ON u.id = s.user_id WHERE s.order_id = o.id" \
	" AND s.user_id IS NOT NULL ORDER BY s.id LIMIT 1))"

#define ATT_FROM \
	" FROM tickets t JOIN orders o ON o.id = t.order_id" \
	" JOIN ticket_types tt ON tt.id = t.ticket_type_id" \
	" JOIN events e ON e.id = t.event_id" \
	" WHERE t.event_id = ?1 AND (?2 = 0 OR t.ticket_type_id = ?2)" \
	" AND (?3 IS NULL OR instr(lower(coalesce(" BUYER_NAME ", '')), ?3) > 0" \
	" OR instr(lower(coalesce(o.email, '')), ?3) > 0" \
	" OR instr(lower(t.external_id), ?3) > 0)"

enum {
	AT_ID, AT_CODE, AT_TYPE, AT_TYPE_TITLE, AT_TYPE_TEXTS, AT_PRICE,
	AT_CURRENCY, AT_STATUS, AT_USED, AT_NAME, AT_EMAIL, AT_PURCHASED,
	AT_CHECKED_AT
};

/* The admins' sales report: orders matching the filter, per event. */
#define SALES_FROM \
	" FROM orders o JOIN events e ON e.id = o.event_id" \
	" LEFT JOIN users u ON u.id = e.organizer_id" \
	" WHERE (?1 = 0 OR o.event_id = ?1) AND (?2 = 0 OR e.organizer_id = ?2)" \
	" AND o.status IN (?3, ?4, ?5, ?6, ?7, ?8, ?9)" \
	" AND coalesce(o.paid_at, o.created_at) >= ?10" \
	" AND coalesce(o.paid_at, o.created_at) < ?11"
#define SALES_SUMS \
	" count(*), sum(o.seats), sum(" VALID_TICKETS("order_id", "o.id") ")," \
	" sum(o.total), sum(" REFUNDED "), sum(o.total) - sum(" REFUNDED ")"
#define SALES_PAGE(order) \
	"SELECT e.id, e.slug, e.title, e.texts, e.event_at, e.status," \
	" e.currency, coalesce(e.organizer_id, 0), coalesce(u.name, '')," \
	" coalesce(u.email, '')," SALES_SUMS SALES_FROM \
	" GROUP BY e.id, u.id ORDER BY " order ", 1 LIMIT ?12 OFFSET ?13"

enum {
	SA_ID, SA_SLUG, SA_TITLE, SA_TEXTS, SA_START, SA_STATUS, SA_CURRENCY,
	SA_ORG, SA_ORG_NAME, SA_ORG_EMAIL, SA_ORDERS, SA_SEATS, SA_TICKETS,
	SA_GROSS, SA_REFUNDED, SA_NET
};

enum stmt {
	STMT_EVENT_SALES,
	STMT_ORG_SALES,
	STMT_BUYERS,
	STMT_PER_TYPE,
	STMT_PER_DAY,
	STMT_ATT_COUNT,
	STMT_ATT_PAGE,
	STMT_ATT_ALL,
	STMT_ATT_GROUPS,
	STMT_SALES_COUNT,
	STMT_SALES_TOTALS,
	STMT_SALES_PAGE,	/* SALES__MAX of them, in enum sales_order */
	STMT__MAX = STMT_SALES_PAGE + SALES__MAX
};

#define ATT_COLS \
	"t.id, t.external_id, t.ticket_type_id, tt.title, tt.texts, t.price," \
	" e.currency, t.status, t.times_used, " BUYER_NAME ", o.email," \
	" coalesce(o.paid_at, t.created_at)," \
	" t.first_admitted_at"

static const char *const stmts[STMT__MAX] = {
	[STMT_EVENT_SALES] = EV_SALES " WHERE e.id = ?1",
	[STMT_ORG_SALES] = EV_SALES " WHERE (?1 = 0 OR e.organizer_id = ?1)"
	    " ORDER BY e.event_at DESC, e.id DESC",
	[STMT_BUYERS] =
	    "SELECT count(DISTINCT lower(o.email)) FROM orders o"
	    " JOIN events e ON e.id = o.event_id"
	    " WHERE (?1 = 0 OR e.organizer_id = ?1) AND " SOLD,
	[STMT_PER_TYPE] =
	    "SELECT t.ticket_type_id, tt.title, tt.texts, e.id, e.title,"
	    " e.texts, e.currency, count(*), sum(t.price)"
	    " FROM tickets t JOIN events e ON e.id = t.event_id"
	    " JOIN ticket_types tt ON tt.id = t.ticket_type_id"
	    " WHERE (?1 = 0 OR e.organizer_id = ?1) AND t.status = 'valid'"
	    " GROUP BY t.ticket_type_id, e.id, tt.id"
	    " ORDER BY count(*) DESC, t.ticket_type_id LIMIT ?2",
	[STMT_PER_DAY] =
	    "SELECT o.paid_at, o.total - " REFUNDED ", "
	    VALID_TICKETS("order_id", "o.id") ", e.currency"
	    " FROM orders o JOIN events e ON e.id = o.event_id"
	    " WHERE (?1 = 0 OR e.organizer_id = ?1) AND " SOLD
	    " AND o.paid_at >= ?2 ORDER BY o.paid_at, o.id",
	[STMT_ATT_COUNT] = "SELECT count(*)" ATT_FROM,
	[STMT_ATT_PAGE] = "SELECT " ATT_COLS ATT_FROM
	    " ORDER BY t.ticket_type_id, t.id LIMIT ?4 OFFSET ?5",
	[STMT_ATT_ALL] = "SELECT " ATT_COLS ATT_FROM
	    " ORDER BY t.ticket_type_id, t.id LIMIT ?4",
	[STMT_ATT_GROUPS] =
	    "SELECT t.ticket_type_id, tt.title, tt.texts, count(*),"
	    " sum(CASE WHEN " TICKET_ARRIVED " THEN 1 ELSE 0 END)" ATT_FROM
	    " GROUP BY t.ticket_type_id, tt.id ORDER BY t.ticket_type_id",
	[STMT_SALES_COUNT] = "SELECT count(DISTINCT o.event_id)" SALES_FROM,
	[STMT_SALES_TOTALS] = "SELECT e.currency," SALES_SUMS SALES_FROM
	    " GROUP BY e.currency ORDER BY e.currency",
	[STMT_SALES_PAGE + SALES_REVENUE_DESC] = SALES_PAGE("16 DESC"),
	[STMT_SALES_PAGE + SALES_REVENUE] = SALES_PAGE("16"),
	[STMT_SALES_PAGE + SALES_TICKETS_DESC] = SALES_PAGE("13 DESC"),
	[STMT_SALES_PAGE + SALES_TICKETS] = SALES_PAGE("13"),
	[STMT_SALES_PAGE + SALES_ORDERS_DESC] = SALES_PAGE("11 DESC"),
	[STMT_SALES_PAGE + SALES_ORDERS] = SALES_PAGE("11"),
	[STMT_SALES_PAGE + SALES_START_DESC] = SALES_PAGE("5 DESC"),
	[STMT_SALES_PAGE + SALES_START] = SALES_PAGE("5"),
	[STMT_SALES_PAGE + SALES_TITLE] = SALES_PAGE("3"),
	[STMT_SALES_PAGE + SALES_TITLE_DESC] = SALES_PAGE("3 DESC"),
};

_Static_assert(sizeof(stmts) / sizeof(stmts[0]) == STMT__MAX,
    "one SQL text per statement");

/* name: minor units of currency as a decimal string. */
static void
add_money(cJSON *o, const char *name, int64_t minor, const char *currency)
{
	json_add_money(o, name, minor < 0 ? 0 : minor, currency);
}

/* The text of a row's title (key) in lang from its texts column. */
static void
add_text(cJSON *o, const char *name, const char *key, struct db_stmt *st,
    int texts_col, int plain_col, enum lang lang)
{
	cJSON	*t = text_parse(db_col_text(st, texts_col));

	cJSON_AddStringToObject(o, name, text_pick(t, key, lang,
	    db_col_text(st, plain_col)));
	cJSON_Delete(t);
}

/* Places still to sell: the event quota's room, else the capacity. */
static int64_t
available(struct db_stmt *st)
{
	int64_t	 left = db_col_isnull(st, EV_LEFT) ?
	    db_col_int(st, EV_CAPACITY) : db_col_int(st, EV_LEFT);

	return left < 0 ? 0 : left;
}

/* Adds the sales members of a row of EV_SALES to o. */
static void
add_sales(cJSON *o, struct db_stmt *st)
{
	const char	*cur = db_col_text(st, EV_CURRENCY);

	cJSON_AddNumberToObject(o, "orders", (double)db_col_int(st, EV_ORDERS));
	cJSON_AddNumberToObject(o, "tickets_sold",
	    (double)db_col_int(st, EV_TICKETS));
	cJSON_AddNumberToObject(o, "checked_in",
	    (double)db_col_int(st, EV_CHECKED_IN));
	add_money(o, "revenue", db_col_int(st, EV_REVENUE), cur);
	cJSON_AddStringToObject(o, "currency", cur);
	cJSON_AddNumberToObject(o, "capacity",
	    (double)db_col_int(st, EV_CAPACITY));
	cJSON_AddNumberToObject(o, "available", (double)available(st));
}

/* The sales of a row of EV_SALES as an object. */
static cJSON *
sales_json(struct db_stmt *st)
{
	cJSON	*o;

	if ((o = cJSON_CreateObject()) != NULL)
		add_sales(o, st);
	return o;
}

enum db_rc
report_event_sales(struct db *db, int64_t event_id, cJSON *o)
{
	struct db_stmt	*st;
	cJSON		*s = NULL;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_EVENT_SALES])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK &&
	    (s = sales_json(st)) == NULL)
		rc = DB_ERROR;
	db_reset(st);
	if (s != NULL)
		cJSON_AddItemToObject(o, "sales", s);
	return rc;
}

/* Sums in one currency. */
struct sums {
	char	 currency[CURRENCY_LEN + 1];
	int64_t	 orders, tickets, checked_in, revenue;
};

/* Up to as many currencies as biljett sells in. */
#define CURRENCIES_MAX	16

struct totals {
	struct sums	 by[CURRENCIES_MAX];
	size_t		 n;
};

/* The sums of currency in t, added when new; NULL when full. */
static struct sums *
sums_of(struct totals *t, const char *currency)
{
	size_t	 i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->by[i].currency, currency) == 0)
			return &t->by[i];
	if (t->n == CURRENCIES_MAX)
		return NULL;
	memset(&t->by[t->n], 0, sizeof(t->by[t->n]));
	snprintf(t->by[t->n].currency, sizeof(t->by[t->n].currency), "%s",
	    currency);
	return &t->by[t->n++];
}

/* An event of the dashboard's per_event list. */
static cJSON *
per_event_json(struct db_stmt *st, enum lang lang)
{
	cJSON	*o;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)db_col_int(st, EV_ID));
	json_add_str(o, "slug", db_col_text(st, EV_SLUG));
	add_text(o, "title", "title", st, EV_TEXTS, EV_TITLE, lang);
	json_add_time(o, "start_date", db_col_int(st, EV_START));
	cJSON_AddStringToObject(o, "status", db_col_text(st, EV_STATUS));
	add_sales(o, st);	/* flat, as a row of a table */
	return o;
}

/* A recent event in seed 003's dashboard shape. */
static cJSON *
recent_json(struct db_stmt *st, enum lang lang, int64_t now)
{
	cJSON		*o;
	const char	*cur = db_col_text(st, EV_CURRENCY);

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)db_col_int(st, EV_ID));
	json_add_str(o, "slug", db_col_text(st, EV_SLUG));
	add_text(o, "title", "title", st, EV_TEXTS, EV_TITLE, lang);
	json_add_time(o, "date", db_col_int(st, EV_START));
	cJSON_AddStringToObject(o, "status", db_col_int(st, EV_END) > now ?
	    "Active" : "Past");
	cJSON_AddNumberToObject(o, "sold", (double)db_col_int(st, EV_TICKETS));
	cJSON_AddNumberToObject(o, "capacity",
	    (double)db_col_int(st, EV_CAPACITY));
	add_money(o, "revenue", db_col_int(st, EV_REVENUE), cur);
	cJSON_AddStringToObject(o, "currency", cur);
	return o;
}

/* Fills per_event, recent_events and the totals of the dashboard. */
static enum db_rc
dash_events(struct db *db, int64_t organizer_id, int64_t now, enum lang lang,
    cJSON *doc, struct totals *t, int64_t *nevents)
{
	struct db_stmt	*st;
	struct sums	*s;
	cJSON		*per, *recent;
	enum db_rc	 rc;

	per = cJSON_AddArrayToObject(doc, "per_event");
	recent = cJSON_AddArrayToObject(doc, "recent_events");
	if (per == NULL || recent == NULL ||
	    (st = db_stmt(db, stmts[STMT_ORG_SALES])) == NULL ||
	    db_bind_int(st, 1, organizer_id) == -1)
		return DB_ERROR;
	*nevents = 0;
	while ((rc = db_step(db, st)) == DB_OK) {
		if ((s = sums_of(t, db_col_text(st, EV_CURRENCY))) == NULL) {
			rc = DB_ERROR;
			break;
		}
		s->orders += db_col_int(st, EV_ORDERS);
		s->tickets += db_col_int(st, EV_TICKETS);
		s->checked_in += db_col_int(st, EV_CHECKED_IN);
		s->revenue += db_col_int(st, EV_REVENUE);
		if (*nevents < REPORT_ROWS_MAX)
			cJSON_AddItemToArray(per, per_event_json(st, lang));
		if (*nevents < 5)
			cJSON_AddItemToArray(recent, recent_json(st, lang, now));
		(*nevents)++;
	}
	db_reset(st);
	return rc == DB_NOTFOUND ? DB_OK : rc;
}

/* The totals members of the dashboard from t. */
static void
dash_totals(cJSON *doc, const struct totals *t, int64_t nevents)
{
	cJSON	*by = cJSON_AddObjectToObject(doc, "revenue_by_currency");
	char	 buf[MONEY_STR_MAX];
	int64_t	 orders = 0, tickets = 0, checked = 0;
	size_t	 i;

	for (i = 0; i < t->n; i++) {
		orders += t->by[i].orders;
		tickets += t->by[i].tickets;
		checked += t->by[i].checked_in;
		if (money_decimal_string(buf, sizeof(buf), t->by[i].revenue,
		    t->by[i].currency) == 0 && by != NULL)
			cJSON_AddStringToObject(by, t->by[i].currency, buf);
	}
	cJSON_AddNumberToObject(doc, "events_count", (double)nevents);
	cJSON_AddNumberToObject(doc, "orders", (double)orders);
	cJSON_AddNumberToObject(doc, "tickets_sold", (double)tickets);
	cJSON_AddNumberToObject(doc, "checked_in", (double)checked);
	/* One currency: a plain total and average; several: none. */
	if (t->n == 1) {
		add_money(doc, "total_revenue", t->by[0].revenue,
		    t->by[0].currency);
		cJSON_AddStringToObject(doc, "currency", t->by[0].currency);
		add_money(doc, "avg_ticket_price", t->by[0].tickets > 0 ?
		    t->by[0].revenue / t->by[0].tickets : 0,
		    t->by[0].currency);
	} else {
		cJSON_AddItemToObject(doc, "total_revenue", t->n == 0 ?
		    cJSON_CreateString("0.00") : cJSON_CreateNull());
		json_add_str(doc, "currency", t->n == 0 ?
		    MONEY_CURRENCY_DEFAULT : NULL);
		cJSON_AddItemToObject(doc, "avg_ticket_price", t->n == 0 ?
		    cJSON_CreateString("0.00") : cJSON_CreateNull());
	}
}

/* One count from statement k bound to organizer_id. */
static enum db_rc
count_of(struct db *db, enum stmt k, int64_t organizer_id, int64_t *n)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[k])) == NULL ||
	    db_bind_int(st, 1, organizer_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		*n = db_col_int(st, 0);
	db_reset(st);
	return rc;
}

/* The dashboard's per_ticket_type list. */
static enum db_rc
dash_types(struct db *db, int64_t organizer_id, enum lang lang, cJSON *doc)
{
	struct db_stmt	*st;
	cJSON		*arr, *o;
	enum db_rc	 rc;

	if ((arr = cJSON_AddArrayToObject(doc, "per_ticket_type")) == NULL ||
	    (st = db_stmt(db, stmts[STMT_PER_TYPE])) == NULL ||
	    db_bind_int(st, 1, organizer_id) == -1 ||
	    db_bind_int(st, 2, REPORT_ROWS_MAX) == -1)
		return DB_ERROR;
	while ((rc = db_step(db, st)) == DB_OK) {
		if ((o = cJSON_CreateObject()) == NULL)
			continue;
		cJSON_AddNumberToObject(o, "ticket_type",
		    (double)db_col_int(st, 0));
		add_text(o, "name", "name", st, 2, 1, lang);
		cJSON_AddNumberToObject(o, "event", (double)db_col_int(st, 3));
		add_text(o, "event_title", "title", st, 5, 4, lang);
		cJSON_AddNumberToObject(o, "tickets_sold",
		    (double)db_col_int(st, 7));
		add_money(o, "revenue", db_col_int(st, 8), db_col_text(st, 6));
		cJSON_AddStringToObject(o, "currency", db_col_text(st, 6));
		cJSON_AddItemToArray(arr, o);
	}
	db_reset(st);
	return rc == DB_NOTFOUND ? DB_OK : rc;
}

/* A day's sales in one currency. */
struct day {
	char	 date[11];
	char	 currency[CURRENCY_LEN + 1];
	int64_t	 orders, tickets, revenue;
};

/* The calendar date of t in the configured zone (tfmt_init's TZ). */
static void
local_date(int64_t t, char out[11])
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(out, 11, "%Y-%m-%d", &tm) == 0)
		snprintf(out, 11, "0000-00-00");
}

/* The bucket of date and currency among days[0..*n), added when new. */
static struct day *
day_of(struct day *days, size_t *n, size_t max, const char *date,
    const char *currency)
{
	size_t	 i;

	/* Rows come by time, so a day's buckets are the last ones. */
	for (i = *n; i > 0; i--) {
		if (strcmp(days[i - 1].date, date) != 0)
			break;
		if (strcmp(days[i - 1].currency, currency) == 0)
			return &days[i - 1];
	}
	if (*n == max)
		return NULL;
	memset(&days[*n], 0, sizeof(days[*n]));
	memcpy(days[*n].date, date, 11);
	snprintf(days[*n].currency, sizeof(days[*n].currency), "%s",
	    currency);
	return &days[(*n)++];
}

/* The dashboard's per_day list: the sold orders of the last days. */
static enum db_rc
dash_days(struct db *db, int64_t organizer_id, int64_t now, int days,
    cJSON *doc)
{
	struct db_stmt	*st;
	struct day	*buckets, *d;
	size_t		 n = 0, max = (size_t)days * CURRENCIES_MAX + 1, i;
	char		 date[11];
	cJSON		*arr, *o;
	enum db_rc	 rc;

	if ((arr = cJSON_AddArrayToObject(doc, "per_day")) == NULL ||
	    (buckets = calloc(max, sizeof(*buckets))) == NULL)
		return DB_ERROR;
	if ((st = db_stmt(db, stmts[STMT_PER_DAY])) == NULL ||
	    db_bind_int(st, 1, organizer_id) == -1 ||
	    db_bind_int(st, 2, now - (int64_t)days * 86400) == -1) {
		free(buckets);
		return DB_ERROR;
	}
	while ((rc = db_step(db, st)) == DB_OK) {
		local_date(db_col_int(st, 0), date);
		if ((d = day_of(buckets, &n, max, date,
		    db_col_text(st, 3))) == NULL)
			continue;
		d->orders++;
		d->revenue += db_col_int(st, 1);
		d->tickets += db_col_int(st, 2);
	}
	db_reset(st);
	for (i = 0; rc == DB_NOTFOUND && i < n; i++) {
		if ((o = cJSON_CreateObject()) == NULL)
			continue;
		cJSON_AddStringToObject(o, "date", buckets[i].date);
		cJSON_AddStringToObject(o, "currency", buckets[i].currency);
		cJSON_AddNumberToObject(o, "orders", (double)buckets[i].orders);
		cJSON_AddNumberToObject(o, "tickets_sold",
		    (double)buckets[i].tickets);
		add_money(o, "revenue", buckets[i].revenue,
		    buckets[i].currency);
		cJSON_AddItemToArray(arr, o);
	}
	free(buckets);
	return rc == DB_NOTFOUND ? DB_OK : rc;
}

cJSON *
report_dashboard(struct db *db, int64_t organizer_id, int64_t now, int days,
    enum lang lang)
{
	struct totals	 t;
	cJSON		*doc;
	int64_t		 nevents = 0, buyers = 0;

	memset(&t, 0, sizeof(t));
	if ((doc = cJSON_CreateObject()) == NULL)
		return NULL;
	json_add_count(doc, "organizer", organizer_id > 0 ? organizer_id : -1);
	cJSON_AddNumberToObject(doc, "days", days);
	if (dash_events(db, organizer_id, now, lang, doc, &t, &nevents) !=
	    DB_OK || count_of(db, STMT_BUYERS, organizer_id, &buyers) !=
	    DB_OK || dash_types(db, organizer_id, lang, doc) != DB_OK ||
	    dash_days(db, organizer_id, now, days, doc) != DB_OK) {
		cJSON_Delete(doc);
		return NULL;
	}
	dash_totals(doc, &t, nevents);
	cJSON_AddNumberToObject(doc, "total_attendees", (double)buyers);
	return doc;
}

/* The length of the UTF-8 sequence that starts with byte c. */
static size_t
utf8_len(unsigned char c)
{
	if (c >= 0xf0)
		return 4;
	if (c >= 0xe0)
		return 3;
	return c >= 0xc0 ? 2 : 1;
}

/* Appends the first character of s and "***" to out (outsz bytes). */
static void
mask_word(const char *s, size_t wlen, char *out, size_t outsz)
{
	size_t	 n = strlen(out), c = utf8_len((unsigned char)s[0]);

	if (c > wlen)
		c = wlen;
	if (n + c + 4 >= outsz)
		return;
	memcpy(out + n, s, c);
	memcpy(out + n + c, "***", 4);
}

/* "Anna Svensson" -> "A*** S***": a name the guest list may show. */
static void
mask_name(const char *s, char *out, size_t outsz)
{
	size_t	 w;

	out[0] = '\0';
	while (*s != '\0') {
		if (*s == ' ') {
			s++;
			continue;
		}
		w = strcspn(s, " ");
		if (out[0] != '\0' && strlen(out) + 1 < outsz)
			strcat(out, " ");
		mask_word(s, w, out, outsz);
		s += w;
	}
}

/* "anna@example.com" -> "a***@example.com". */
static void
mask_email(const char *s, char *out, size_t outsz)
{
	const char	*at = strchr(s, '@');

	out[0] = '\0';
	if (at == NULL || at == s) {
		mask_name(s, out, outsz);
		return;
	}
	mask_word(s, (size_t)(at - s), out, outsz);
	if (strlen(out) + strlen(at) < outsz)
		strcat(out, at);
}

/* "ABCDEF" -> "****EF": enough to tell tickets apart, not to use one. */
static void
mask_code(const char *s, char out[EXTERNAL_ID_LEN + 1])
{
	size_t	 n = strlen(s);

	snprintf(out, EXTERNAL_ID_LEN + 1, "****%s", n >= 2 ? s + n - 2 : "");
}

/* One guest-list row, masked; strings valid until the next step. */
struct att {
	int64_t		 id, type_id, price, used, purchased, checked_at;
	char		 code[EXTERNAL_ID_LEN + 1];
	char		 name[3 * 256], email[EMAIL_MAX + 8];
	const char	*type_name, *currency, *status;
	cJSON		*texts;		/* the type's, owned */
};

static void
att_fill(struct att *a, struct db_stmt *st, enum lang lang)
{
	const char	*s;

	memset(a, 0, sizeof(*a));
	a->id = db_col_int(st, AT_ID);
	a->type_id = db_col_int(st, AT_TYPE);
	a->price = db_col_int(st, AT_PRICE);
	a->used = db_col_int(st, AT_USED);
	a->purchased = db_col_int(st, AT_PURCHASED);
	a->checked_at = db_col_isnull(st, AT_CHECKED_AT) ? 0 :
	    db_col_int(st, AT_CHECKED_AT);
	mask_code(db_col_text(st, AT_CODE), a->code);
	if ((s = db_col_text(st, AT_NAME)) != NULL)
		mask_name(s, a->name, sizeof(a->name));
	if ((s = db_col_text(st, AT_EMAIL)) != NULL)
		mask_email(s, a->email, sizeof(a->email));
	a->texts = text_parse(db_col_text(st, AT_TYPE_TEXTS));
	a->type_name = text_pick(a->texts, "name", lang,
	    db_col_text(st, AT_TYPE_TITLE));
	a->currency = db_col_text(st, AT_CURRENCY);
	a->status = db_col_text(st, AT_STATUS);
}

static cJSON *
att_json(const struct att *a)
{
	cJSON	*o;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)a->id);
	cJSON_AddStringToObject(o, "ticket_code", a->code);
	json_add_str(o, "attendee_name", a->name[0] != '\0' ? a->name : NULL);
	json_add_str(o, "attendee_email", a->email[0] != '\0' ?
	    a->email : NULL);
	cJSON_AddNumberToObject(o, "ticket_type", (double)a->type_id);
	cJSON_AddStringToObject(o, "tier_name", a->type_name);
	add_money(o, "tier_price", a->price, a->currency);
	cJSON_AddStringToObject(o, "currency", a->currency);
	cJSON_AddStringToObject(o, "status", a->status);
	cJSON_AddBoolToObject(o, "checked_in", a->used > 0);
	json_add_time(o, "checked_in_at", a->checked_at);
	json_add_time(o, "purchase_date", a->purchased);
	return o;
}

/* Binds the guest list's filters (ATT_FROM's ?1 .. ?3). */
static int
bind_att(struct db_stmt *st, const struct attendee_filter *flt)
{
	return db_bind_int(st, 1, flt->event_id) == -1 ||
	    db_bind_int(st, 2, flt->ticket_type_id) == -1 ||
	    db_bind_text(st, 3, flt->search) == -1 ? -1 : 0;
}

/* The guest list's groups: a summary per ticket type. */
static enum db_rc
att_groups(struct db *db, const struct attendee_filter *flt, enum lang lang,
    cJSON **out)
{
	struct db_stmt	*st;
	cJSON		*arr, *o;
	enum db_rc	 rc;

	if ((arr = cJSON_CreateArray()) == NULL)
		return DB_ERROR;
	if ((st = db_stmt(db, stmts[STMT_ATT_GROUPS])) == NULL ||
	    bind_att(st, flt) == -1) {
		cJSON_Delete(arr);
		return DB_ERROR;
	}
	while ((rc = db_step(db, st)) == DB_OK) {
		if ((o = cJSON_CreateObject()) == NULL)
			continue;
		cJSON_AddNumberToObject(o, "ticket_type",
		    (double)db_col_int(st, 0));
		add_text(o, "name", "name", st, 2, 1, lang);
		cJSON_AddNumberToObject(o, "count", (double)db_col_int(st, 3));
		cJSON_AddNumberToObject(o, "checked_in",
		    (double)db_col_int(st, 4));
		cJSON_AddItemToArray(arr, o);
	}
	db_reset(st);
	if (rc != DB_NOTFOUND) {
		cJSON_Delete(arr);
		return rc;
	}
	*out = arr;
	return DB_OK;
}

enum db_rc
report_attendees(struct db *db, const struct attendee_filter *flt,
    int64_t offset, int64_t limit, enum lang lang, int64_t *count,
    cJSON **results, cJSON **groups)
{
	struct db_stmt	*st;
	struct att	 a;
	cJSON		*arr;
	enum db_rc	 rc;

	*results = *groups = NULL;
	*count = 0;
	if ((st = db_stmt(db, stmts[STMT_ATT_COUNT])) == NULL ||
	    bind_att(st, flt) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		*count = db_col_int(st, 0);
	db_reset(st);
	if (rc != DB_OK || (rc = att_groups(db, flt, lang, groups)) != DB_OK)
		return rc;
	if ((arr = cJSON_CreateArray()) == NULL ||
	    (st = db_stmt(db, stmts[STMT_ATT_PAGE])) == NULL ||
	    bind_att(st, flt) == -1 || db_bind_int(st, 4, limit) == -1 ||
	    db_bind_int(st, 5, offset) == -1) {
		cJSON_Delete(arr);
		rc = DB_ERROR;
		goto fail;
	}
	while ((rc = db_step(db, st)) == DB_OK) {
		att_fill(&a, st, lang);
		cJSON_AddItemToArray(arr, att_json(&a));
		cJSON_Delete(a.texts);
	}
	db_reset(st);
	if (rc != DB_NOTFOUND) {
		cJSON_Delete(arr);
		goto fail;
	}
	*results = arr;
	return DB_OK;
fail:
	cJSON_Delete(*groups);
	*groups = NULL;
	return rc;
}

/* A growing CSV text (malloc'd); failed once memory ran out. */
struct buf {
	char	*p;
	size_t	 len, cap;
	int	 failed;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	char	*p;
	size_t	 cap;

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap > 0 ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->failed = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/*
 * Appends one field (NULL: empty) after a comma unless first.  A field
 * a spreadsheet would evaluate (= + - @ first, or a tab or carriage
 * return, OWASP's list) gets an apostrophe in front; a field with a
 * comma, quote or line break is quoted, its quotes doubled (RFC 4180).
 */
static void
csv_field(struct buf *b, const char *s, int first)
{
	size_t	 n;
	int	 guard, quote;

	if (s == NULL)
		s = "";
	if (!first)
		buf_add(b, ",", 1);
	guard = s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
	quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		buf_add(b, "\"", 1);
	if (guard)
		buf_add(b, "'", 1);
	while (*s != '\0') {
		n = strcspn(s, "\"");
		buf_add(b, s, n);
		s += n;
		if (*s == '"') {
			buf_add(b, "\"\"", 2);
			s++;
		}
	}
	if (quote)
		buf_add(b, "\"", 1);
}

/* Ends a CSV record. */
static void
csv_end(struct buf *b)
{
	buf_add(b, "\r\n", 2);
}

/* One guest-list row as a CSV record. */
static void
csv_att(struct buf *b, const struct att *a)
{
	char	 money[MONEY_STR_MAX], when[TFMT_ISO_LEN], at[TFMT_ISO_LEN];

	if (money_decimal_string(money, sizeof(money), a->price,
	    a->currency) == -1)
		money[0] = '\0';
	tfmt_iso(a->purchased, when);
	if (a->checked_at > 0)
		tfmt_iso(a->checked_at, at);
	else
		at[0] = '\0';
	csv_field(b, a->code, 1);
	csv_field(b, a->type_name, 0);
	csv_field(b, money, 0);
	csv_field(b, a->currency, 0);
	csv_field(b, a->status, 0);
	csv_field(b, a->used > 0 ? "yes" : "no", 0);
	csv_field(b, at, 0);
	csv_field(b, a->name, 0);
	csv_field(b, a->email, 0);
	csv_field(b, when, 0);
	csv_end(b);
}

enum db_rc
report_attendees_csv(struct db *db, const struct attendee_filter *flt,
    enum lang lang, char **out, size_t *len)
{
	static const char *const head[] = { "ticket_code", "ticket_type",
	    "price", "currency", "status", "checked_in", "checked_in_at",
	    "attendee_name", "buyer_email", "purchase_date" };
	struct db_stmt	*st;
	struct buf	 b;
	struct att	 a;
	enum db_rc	 rc;
	size_t		 i, rows = 0;

	*out = NULL;
	*len = 0;
	memset(&b, 0, sizeof(b));
	/* The byte order mark tells spreadsheets the text is UTF-8. */
	buf_add(&b, "\xef\xbb\xbf", 3);
	for (i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		csv_field(&b, head[i], i == 0);
	csv_end(&b);
	if ((st = db_stmt(db, stmts[STMT_ATT_ALL])) == NULL ||
	    bind_att(st, flt) == -1 ||
	    db_bind_int(st, 4, CSV_ROWS_MAX + 1) == -1) {
		free(b.p);
		return DB_ERROR;
	}
	while ((rc = db_step(db, st)) == DB_OK && ++rows <= CSV_ROWS_MAX) {
		att_fill(&a, st, lang);
		csv_att(&b, &a);
		cJSON_Delete(a.texts);
	}
	db_reset(st);
	if (rows > CSV_ROWS_MAX)
		rc = DB_CONSTRAINT;
	else if (rc == DB_NOTFOUND)
		rc = b.failed ? DB_ERROR : DB_OK;
	if (rc != DB_OK) {
		free(b.p);
		return rc;
	}
	*out = b.p;
	*len = b.len;
	return DB_OK;
}

enum sales_order
report_sales_order(const char *s)
{
	static const char *const names[SALES__MAX] = {
		[SALES_REVENUE_DESC] = "-revenue",
		[SALES_REVENUE] = "revenue",
		[SALES_TICKETS_DESC] = "-tickets_sold",
		[SALES_TICKETS] = "tickets_sold",
		[SALES_ORDERS_DESC] = "-orders",
		[SALES_ORDERS] = "orders",
		[SALES_START_DESC] = "-start_date",
		[SALES_START] = "start_date",
		[SALES_TITLE] = "title",
		[SALES_TITLE_DESC] = "-title",
	};
	int	 k;

	for (k = 0; s != NULL && k < SALES__MAX; k++)
		if (strcmp(s, names[k]) == 0)
			return (enum sales_order)k;
	return SALES__MAX;
}

/* The stored order statuses, as sql/001_initial.sql allows them. */
static const char *const order_statuses[] = { "reserved", "paid",
	"expired", "cancelled", "refunded", "partially_refunded", "failed" };
#define NSTATUSES	(sizeof(order_statuses) / sizeof(order_statuses[0]))

int
report_status_valid(const char *s)
{
	size_t	 i;

	if (s == NULL)
		return 0;
	if (strcmp(s, "sold") == 0 || strcmp(s, "all") == 0)
		return 1;
	for (i = 0; i < NSTATUSES; i++)
		if (strcmp(s, order_statuses[i]) == 0)
			return 1;
	return 0;
}

/* Binds SALES_FROM's ?1 .. ?11. */
static int
bind_sales(struct db_stmt *st, const struct sales_filter *flt)
{
	const char	*s[NSTATUSES];
	const char	*status = flt->status != NULL ? flt->status : "sold";
	size_t		 i;

	for (i = 0; i < NSTATUSES; i++)
		s[i] = strcmp(status, "all") == 0 ? order_statuses[i] :
		    strcmp(status, "sold") == 0 ? (i % 2 ? "paid" :
		    "partially_refunded") : status;
	for (i = 0; i < NSTATUSES; i++)
		if (db_bind_text(st, (int)i + 3, s[i]) == -1)
			return -1;
	return db_bind_int(st, 1, flt->event_id) == -1 ||
	    db_bind_int(st, 2, flt->organizer_id) == -1 ||
	    db_bind_int(st, 10, flt->from) == -1 ||
	    db_bind_int(st, 11, flt->to > 0 ? flt->to : INT64_MAX) == -1 ?
	    -1 : 0;
}

/* gross, refunded and revenue (net) from columns col.. of st. */
static void
add_amounts(cJSON *o, struct db_stmt *st, int col, const char *currency)
{
	add_money(o, "gross", db_col_int(st, col), currency);
	add_money(o, "refunded", db_col_int(st, col + 1), currency);
	add_money(o, "revenue", db_col_int(st, col + 2), currency);
}

/* A row of SALES_PAGE. */
static cJSON *
sales_row(struct db_stmt *st, enum lang lang)
{
	cJSON		*o, *ev, *org;
	const char	*cur = db_col_text(st, SA_CURRENCY);

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if ((ev = cJSON_AddObjectToObject(o, "event")) != NULL) {
		cJSON_AddNumberToObject(ev, "id", (double)db_col_int(st, SA_ID));
		json_add_str(ev, "slug", db_col_text(st, SA_SLUG));
		add_text(ev, "title", "title", st, SA_TEXTS, SA_TITLE, lang);
		json_add_time(ev, "start_date", db_col_int(st, SA_START));
		cJSON_AddStringToObject(ev, "status",
		    db_col_text(st, SA_STATUS));
		cJSON_AddStringToObject(ev, "currency", cur);
	}
	if ((org = cJSON_AddObjectToObject(o, "organizer")) != NULL) {
		json_add_count(org, "id", db_col_int(st, SA_ORG) > 0 ?
		    db_col_int(st, SA_ORG) : -1);
		cJSON_AddStringToObject(org, "name",
		    db_col_text(st, SA_ORG_NAME));
		cJSON_AddStringToObject(org, "email",
		    db_col_text(st, SA_ORG_EMAIL));
	}
	cJSON_AddNumberToObject(o, "orders", (double)db_col_int(st, SA_ORDERS));
	cJSON_AddNumberToObject(o, "seats", (double)db_col_int(st, SA_SEATS));
	cJSON_AddNumberToObject(o, "tickets_sold",
	    (double)db_col_int(st, SA_TICKETS));
	add_amounts(o, st, SA_GROSS, cur);
	return o;
}

/* The report's totals over every matching order, per currency. */
static enum db_rc
sales_totals(struct db *db, const struct sales_filter *flt, int64_t events,
    cJSON **out)
{
	struct db_stmt	*st;
	cJSON		*doc, *by, *c;
	int64_t		 orders = 0, seats = 0, tickets = 0;
	enum db_rc	 rc;

	if ((doc = cJSON_CreateObject()) == NULL ||
	    (by = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(doc);
		return DB_ERROR;
	}
	if ((st = db_stmt(db, stmts[STMT_SALES_TOTALS])) == NULL ||
	    bind_sales(st, flt) == -1) {
		cJSON_Delete(doc);
		cJSON_Delete(by);
		return DB_ERROR;
	}
	while ((rc = db_step(db, st)) == DB_OK) {
		orders += db_col_int(st, 1);
		seats += db_col_int(st, 2);
		tickets += db_col_int(st, 3);
		if ((c = cJSON_AddObjectToObject(by, db_col_text(st, 0))) !=
		    NULL)
			add_amounts(c, st, 4, db_col_text(st, 0));
	}
	db_reset(st);
	cJSON_AddNumberToObject(doc, "events", (double)events);
	cJSON_AddNumberToObject(doc, "orders", (double)orders);
	cJSON_AddNumberToObject(doc, "seats", (double)seats);
	cJSON_AddNumberToObject(doc, "tickets_sold", (double)tickets);
	cJSON_AddItemToObject(doc, "by_currency", by);
	if (rc != DB_NOTFOUND) {
		cJSON_Delete(doc);
		return rc;
	}
	*out = doc;
	return DB_OK;
}

enum db_rc
report_sales(struct db *db, const struct sales_filter *flt, int64_t offset,
    int64_t limit, enum lang lang, int64_t *count, cJSON **results,
    cJSON **totals)
{
	struct db_stmt	*st;
	cJSON		*arr;
	enum db_rc	 rc;

	*results = *totals = NULL;
	*count = 0;
	if ((st = db_stmt(db, stmts[STMT_SALES_COUNT])) == NULL ||
	    bind_sales(st, flt) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		*count = db_col_int(st, 0);
	db_reset(st);
	if (rc != DB_OK || (rc = sales_totals(db, flt, *count, totals)) !=
	    DB_OK)
		return rc;
	if ((arr = cJSON_CreateArray()) == NULL ||
	    (st = db_stmt(db, stmts[STMT_SALES_PAGE + (flt->order <
	    SALES__MAX ? flt->order : SALES_REVENUE_DESC)])) == NULL ||
	    bind_sales(st, flt) == -1 || db_bind_int(st, 12, limit) == -1 ||
	    db_bind_int(st, 13, offset) == -1) {
		cJSON_Delete(arr);
		rc = DB_ERROR;
		goto fail;
	}
	while ((rc = db_step(db, st)) == DB_OK)
		cJSON_AddItemToArray(arr, sales_row(st, lang));
	db_reset(st);
	if (rc != DB_NOTFOUND) {
		cJSON_Delete(arr);
		goto fail;
	}
	*results = arr;
	return DB_OK;
fail:
	cJSON_Delete(*totals);
	*totals = NULL;
	return rc;
}
