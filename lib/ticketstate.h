/*
 * A ticket's state by the door's rules (lib/checkin.h), as SQL fragments
 * for the statements that show tickets: the wallet (lib/wallet), the
 * ticket PDFs (lib/ticketpdf) and the window of a signed code
 * (lib/ticketkey).  One definition, so that a ticket is not "expired" on
 * one page and "active" on another.
 *
 * The fragments name the tables as those statements do: t tickets,
 * e events, tt the ticket's type, p that type's parent (LEFT JOIN).
 * `now` is an SQL expression for the time, usually a parameter.
 *
 * A door day is local (SQLite's 'localtime' is the process's zone, the
 * configured timezone) and begins at the event's day_starts: the small
 * hours belong to the evening before.
 */
#ifndef BILJETT_TICKETSTATE_H
#define BILJETT_TICKETSTATE_H

/* The door day of time x: the date of x less the event's day_starts. */
#define DOOR_DAY(x) \
	"date(" x " - e.day_starts * 60, 'unixepoch', 'localtime')"

/* The last day one of the event's day tickets is for (NULL: none): its
 * own types, and those it lists (seed 002's, shared between events). */
#define DAY_TICKETS_LAST_DAY \
	"(SELECT max(x.day_date) FROM ticket_types x" \
	" WHERE x.day_date IS NOT NULL AND (x.event_id = e.id OR x.id IN" \
	" (SELECT l.ticket_type_id FROM event_ticket_types l" \
	" WHERE l.event_id = e.id)))"

/*
 * The event's last door day: that of its end, or of its start when it
 * has none -- or a later day one of its day tickets is for.  A
 * three-day festival entered without an end date still lasts until its
 * third day.
 */
#define EVENT_LAST_DAY \
	"max(" DOOR_DAY("coalesce(nullif(e.ends_at, 0), e.event_at)") "," \
	" coalesce(" DAY_TICKETS_LAST_DAY ", ''))"

/* When the door day of the event's last day ticket is over, as a time
 * (0: it has none).  A signed code stays valid until then. */
#define DAY_TICKETS_CLOSE \
	"coalesce(CAST(strftime('%s', " DAY_TICKETS_LAST_DAY ", '+1 day'," \
	" printf('%+d minutes', e.day_starts), 'utc') AS INTEGER), 0)"

/* The last door day the ticket admits on: a day ticket's own, else the
 * event's last. */
#define TICKET_LAST_DAY \
	"(CASE WHEN tt.kind IN ('day_pass', 'day_tier') AND tt.is_all_days = 0" \
	" AND tt.day_date IS NOT NULL THEN tt.day_date" \
	" ELSE " EVENT_LAST_DAY " END)"

/* An all-days pass: let in once every door day. */
#define TICKET_PASS	"(tt.kind = 'day_pass' AND tt.is_all_days = 1)"
#define TICKET_REENTRY \
	"coalesce(tt.reentry_allowed, p.reentry_allowed, e.reentry_allowed)"

/*
 * Arrived: admitted at least once.  admitted_day is set by every
 * admission and cleared by nothing; times_used counts refused scans of
 * a used ticket too, and is left out of tickets_checkin (sql/028) so
 * that such a scan writes no index.
 */
#define TICKET_ARRIVED	"(t.admitted_day IS NOT NULL)"

/*
 * Used: admitted, and it can no longer admit.  A ticket without
 * re-entry that is not an all-days pass once admitted; a pass once
 * admitted on its last day (it is let in once a door day); with
 * re-entry (it comes back in after an exit), or a pass admitted
 * earlier, once its last day is over.
 */
#define TICKET_USED(now) \
	"(" TICKET_ARRIVED " AND (NOT (" TICKET_PASS " OR " TICKET_REENTRY ")" \
	" OR " DOOR_DAY(now) " > " TICKET_LAST_DAY \
	" OR (" TICKET_PASS " AND NOT " TICKET_REENTRY \
	" AND coalesce(t.admitted_day, '') >= " TICKET_LAST_DAY ")))"

/* Expired: its last door day is over (a late-comer's ticket to a show
 * that began is not expired: the door still lets it in). */
#define TICKET_EXPIRED(now) \
	"(" DOOR_DAY(now) " > " TICKET_LAST_DAY ")"

/* Cancelled: refunded, voided, or its order not (or no longer) paid. */
#define TICKET_CANCELLED \
	"(t.status <> 'valid' OR o.status NOT IN ('paid'," \
	" 'partially_refunded'))"

#endif
