/*
 * Sales reports for the back office: an event's sales at a glance, the
 * organizer's dashboard (seed 003), the guest list of an event with its
 * CSV download, and the admins' sales report (seed 000).  Read-only; the
 * caller holds one read transaction around each call so that every
 * number of one answer comes from one snapshot.
 *
 * What counts, everywhere:
 *  - a sold order is one whose status is paid or partially_refunded;
 *  - revenue is what sold orders took (orders.total) less their refunds
 *    paid out, in the event's currency, shown as a decimal string;
 *    money of different currencies is never added up: totals are per
 *    currency ("revenue_by_currency"), and "total_revenue" is given only
 *    when there is one currency;
 *  - tickets sold are the valid tickets (tickets.status valid), checked
 *    in those of them used at the door at least once;
 *  - per ticket type, revenue is the price of its valid tickets.
 */
#ifndef BILJETT_REPORT_H
#define BILJETT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "i18n.h"

struct cJSON;

/*
 * Adds the sales of event event_id to o as "sales": {"orders",
 * "tickets_sold", "checked_in", "revenue", "currency", "capacity",
 * "available"}.  DB_NOTFOUND if there is no such event.
 */
enum db_rc	 report_event_sales(struct db *db, int64_t event_id,
		    struct cJSON *o);

/*
 * The dashboard of organizer_id (0: every organizer, for admins):
 * totals ("orders", "tickets_sold", "checked_in", "total_attendees"
 * (distinct buyer e-mail addresses), "total_revenue", "currency",
 * "revenue_by_currency", "avg_ticket_price", "events_count"), and the
 * lists "per_event" (events with their sales, latest first),
 * "per_day" (sales of the last days days by the configured zone's
 * calendar: {"date", "currency", "orders", "tickets_sold",
 * "revenue"}), "per_ticket_type" (best sellers first) and
 * "recent_events" (the latest five, in seed 003's shape: "id", "title",
 * "date", "status" Active or Past, "sold", "capacity", "revenue").
 * Lists hold at most REPORT_ROWS_MAX rows; totals count everything.
 * NULL on failure.
 */
struct cJSON	*report_dashboard(struct db *db, int64_t organizer_id,
		    int64_t now, int days, enum lang lang);

/* The guest list's filters. */
struct attendee_filter {
	int64_t		 event_id;
	int64_t		 ticket_type_id;	/* 0: every type */
	const char	*search;	/* lower case: name, e-mail or code */
};

/*
 * One page of event's tickets, grouped by ticket type (ordered by type,
 * then ticket), with the names, e-mail addresses and ticket codes
 * masked ("A*** S***", "a***@example.com", "****EF"; the QR secret is
 * never shown).  *results is an array of {"id", "ticket_code",
 * "attendee_name", "attendee_email", "ticket_type", "tier_name",
 * "tier_price", "currency", "status", "checked_in", "checked_in_at",
 * "purchase_date"}, *count the tickets matching in all, *groups an
 * array of {"ticket_type", "name", "count", "checked_in"} over all of
 * them.
 */
enum db_rc	 report_attendees(struct db *db,
		    const struct attendee_filter *flt, int64_t offset,
		    int64_t limit, enum lang lang, int64_t *count,
		    struct cJSON **results, struct cJSON **groups);

/*
 * Every ticket report_attendees() would list, as a CSV file (RFC 4180:
 * CRLF line ends, fields with commas, quotes or line breaks quoted,
 * quotes doubled) in UTF-8 with a byte order mark, the same masking,
 * and each field that a spreadsheet would read as a formula (starting
 * with = + - @, a tab or a carriage return) prefixed with an apostrophe.
 * *out is malloc'd (the caller frees it), *len its length.  DB_CONSTRAINT
 * when more than CSV_ROWS_MAX tickets match (nothing in *out).
 */
enum db_rc	 report_attendees_csv(struct db *db,
		    const struct attendee_filter *flt, enum lang lang,
		    char **out, size_t *len);

/* Orderings of the admins' sales report. */
enum sales_order {
	SALES_REVENUE_DESC = 0,	/* -revenue, the default */
	SALES_REVENUE,
	SALES_TICKETS_DESC,
	SALES_TICKETS,
	SALES_ORDERS_DESC,
	SALES_ORDERS,
	SALES_START_DESC,
	SALES_START,
	SALES_TITLE,
	SALES_TITLE_DESC,
	SALES__MAX
};

/* The ordering named s ("-revenue", "title", ...), or SALES__MAX. */
enum sales_order report_sales_order(const char *s);

/* The order statuses the report filters by: each stored status, "sold"
 * (paid and partially_refunded, the default) and "all".  Pure. */
int		 report_status_valid(const char *s);

struct sales_filter {
	int64_t		 event_id;	/* 0: every event */
	int64_t		 organizer_id;	/* 0: every organizer */
	int64_t		 from;		/* paid (else created) at or after */
	int64_t		 to;		/* ... and before; 0: no bound */
	const char	*status;	/* see report_status_valid; NULL sold */
	enum sales_order order;
};

/*
 * One page of the sales report: a row per event with orders matching
 * flt, {"event": {"id", "slug", "title", "start_date", "status",
 * "currency"}, "organizer": {"id", "name", "email"}, "orders", "seats",
 * "tickets_sold", "gross", "refunded", "revenue"} in *results; *count
 * the events in all; *totals {"events", "orders", "seats",
 * "tickets_sold", "by_currency": {"SEK": {"gross", "refunded",
 * "revenue"}}} over every matching order.
 */
enum db_rc	 report_sales(struct db *db, const struct sales_filter *flt,
		    int64_t offset, int64_t limit, enum lang lang,
		    int64_t *count, struct cJSON **results,
		    struct cJSON **totals);

#endif
