/*
 * Seats of seated events (see seat.h): guarded moves between the four
 * states, the counts lib/venue needs before it changes a map, and the
 * public listing.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "field.h"
#include "limits.h"
#include "log.h"
#include "seat.h"

/* A seat somebody has: sold, kept, or held past now (?N). */
#define TAKEN(now) \
	"(es.status IN ('RESERVED', 'SOLD') OR" \
	" (es.status = 'LOCKED' AND es.locked_until > " now "))"

#define TO_AVAILABLE \
	"UPDATE event_seats SET status = 'AVAILABLE', order_id = NULL," \
	" locked_until = NULL"

enum stmt {
	STMT_LOCK,
	STMT_RESERVE,
	STMT_SELL,
	STMT_TICKET_SEAT,
	STMT_SEAT_EXISTS,
	STMT_RELEASE,
	STMT_RELEASE_EXPIRED,
	STMT_UNSELL,
	STMT_EVENT_FILL,
	STMT_VENUE_FILL,
	STMT_EVENT_TAKEN,
	STMT_VENUE_DROPPED_TAKEN,
	STMT_EVENT_CLEAR,
	STMT_LISTING_EVENT,
	STMT_LISTING_SEATS,
	STMT__MAX
};

/*
 * The moves bind ?1 event, ?2 seat, ?3 order, ?4 now and ?5 (a lock's
 * until, a sale's ticket).  Each WHERE lists the states the move may
 * start from.
 */
static const char *const stmts[STMT__MAX] = {
	[STMT_LOCK] =
	    "UPDATE event_seats SET status = 'LOCKED', order_id = ?3,"
	    " locked_until = ?5"
	    " WHERE event_id = ?1 AND seat_id = ?2 AND (status = 'AVAILABLE'"
	    " OR (status = 'LOCKED' AND (order_id = ?3 OR locked_until <= ?4)))",
	[STMT_RESERVE] =
	    "UPDATE event_seats SET status = 'RESERVED', order_id = ?3,"
	    " locked_until = NULL"
	    " WHERE event_id = ?1 AND seat_id = ?2 AND (status = 'AVAILABLE'"
	    " OR (status = 'LOCKED' AND locked_until <= ?4)"
	    " OR (status IN ('LOCKED', 'RESERVED') AND order_id = ?3))",
	[STMT_SELL] =
	    "UPDATE event_seats SET status = 'SOLD', order_id = ?3,"
	    " locked_until = NULL"
	    " WHERE event_id = ?1 AND seat_id = ?2 AND (status = 'AVAILABLE'"
	    " OR (status = 'LOCKED' AND locked_until <= ?4)"
	    " OR (status IN ('LOCKED', 'RESERVED', 'SOLD') AND order_id = ?3))",
	[STMT_TICKET_SEAT] =
	    "UPDATE tickets SET seat_id = ?2"
	    " WHERE id = ?5 AND event_id = ?1 AND order_id = ?3",
	[STMT_SEAT_EXISTS] =
	    "SELECT 1 FROM event_seats WHERE event_id = ?1 AND seat_id = ?2",
	[STMT_RELEASE] =
	    TO_AVAILABLE " WHERE order_id = ?1 AND status IN ('LOCKED', 'RESERVED')",
	[STMT_RELEASE_EXPIRED] =
	    TO_AVAILABLE " WHERE status = 'LOCKED' AND locked_until <= ?1",
	[STMT_UNSELL] =
	    TO_AVAILABLE " WHERE order_id = ?1 AND status = 'SOLD'"
	    " AND NOT EXISTS (SELECT 1 FROM tickets t"
	    " WHERE t.event_id = event_seats.event_id"
	    " AND t.seat_id = event_seats.seat_id AND t.status = 'valid')",
	[STMT_EVENT_FILL] =
	    "INSERT INTO event_seats (event_id, seat_id)"
	    " SELECT e.id, s.id FROM events e JOIN seats s"
	    " ON s.venue_id = e.venue_id WHERE e.id = ?1"
	    " AND NOT EXISTS (SELECT 1 FROM event_seats x"
	    " WHERE x.event_id = e.id AND x.seat_id = s.id)",
	[STMT_VENUE_FILL] =
	    "INSERT INTO event_seats (event_id, seat_id)"
	    " SELECT e.id, s.id FROM events e JOIN seats s"
	    " ON s.venue_id = e.venue_id WHERE e.venue_id = ?1"
	    " AND NOT EXISTS (SELECT 1 FROM event_seats x"
	    " WHERE x.event_id = e.id AND x.seat_id = s.id)",
	[STMT_EVENT_TAKEN] =
	    "SELECT count(*) FROM event_seats es"
	    " WHERE es.event_id = ?1 AND " TAKEN("?2"),
	[STMT_VENUE_DROPPED_TAKEN] =
	    "SELECT count(*) FROM event_seats es JOIN seats s ON s.id = es.seat_id"
	    " WHERE s.venue_id = ?1 AND s.map_version < ?2 AND " TAKEN("?3"),
	[STMT_EVENT_CLEAR] =
	    "DELETE FROM event_seats WHERE event_id = ?1",
	/* A slug that happens to be a number wins over the id. */
	[STMT_LISTING_EVENT] =
	    "SELECT e.id, e.slug, e.title, e.venue_id, v.name, v.city"
	    " FROM events e LEFT JOIN venues v ON v.id = e.venue_id"
	    " WHERE (e.slug = ?1 OR e.id = ?2) AND e.status <> 'draft'"
	    " ORDER BY e.slug = ?1 DESC LIMIT 1",
	[STMT_LISTING_SEATS] =
	    "SELECT s.id, s.section, s.row_label, s.number, s.category,"
	    " CASE WHEN es.status = 'LOCKED' AND es.locked_until <= ?2"
	    " THEN 'AVAILABLE' ELSE es.status END"
	    " FROM event_seats es JOIN seats s ON s.id = es.seat_id"
	    " WHERE es.event_id = ?1 ORDER BY s.position, s.id",
};

static const char *const status_names[SEAT__MAX] = {
	[SEAT_AVAILABLE] = "AVAILABLE",
	[SEAT_LOCKED] = "LOCKED",
	[SEAT_RESERVED] = "RESERVED",
	[SEAT_SOLD] = "SOLD",
};

/* The summary's keys, in status order. */
static const char *const count_names[SEAT__MAX] = {
	[SEAT_AVAILABLE] = "available",
	[SEAT_LOCKED] = "locked",
	[SEAT_RESERVED] = "reserved",
	[SEAT_SOLD] = "sold",
};

const char *
seat_status_name(enum seat_status s)
{
	return (unsigned)s < SEAT__MAX ? status_names[s] : NULL;
}

enum seat_status
seat_status_parse(const char *s)
{
	int	 i;

	for (i = 0; s != NULL && i < SEAT__MAX; i++)
		if (strcmp(s, status_names[i]) == 0)
			return (enum seat_status)i;
	return SEAT__MAX;
}

/* Every move needs the caller's transaction: its guards hold only
 * together with what the caller checked and writes around it. */
static int
in_tx(struct db *db, const char *what)
{
	if (db_in_tx(db))
		return 1;
	log_err("%s outside a transaction", what);
	return 0;
}

/*
 * Prepares stmts[k] and binds v[0..n) to ?1..?n, as many as the
 * statement takes.  Returns the statement or NULL (logged).
 */
static struct db_stmt *
prepare(struct db *db, int k, const int64_t *v, int n)
{
	struct db_stmt	*st;
	int		 i;

	if ((st = db_stmt(db, stmts[k])) == NULL)
		return NULL;
	for (i = 0; i < n && i < db_param_count(st); i++)
		if (db_bind_int(st, i + 1, v[i]) == -1)
			return NULL;
	return st;
}

/*
 * Runs a statement that returns no rows; *changed gets its row count.
 * A constraint here can only be the unique index on valid tickets (the
 * link of seat_sell): the seat is somebody else's.
 */
static enum err
run(struct db *db, int k, const int64_t *v, int n, int64_t *changed)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = prepare(db, k, v, n)) == NULL)
		return ERR_INTERNAL;
	rc = db_exec(db, st);
	if (changed != NULL)
		*changed = rc == DB_OK ? db_changes(db) : 0;
	if (rc == DB_CONSTRAINT)
		return ERR_SEAT_TAKEN;
	return err_from_db(rc);
}

/* The first column of one row as a count. */
static enum err
count(struct db *db, int k, const int64_t *v, int n, int64_t *out)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	*out = 0;
	if ((st = prepare(db, k, v, n)) == NULL)
		return ERR_INTERNAL;
	if ((rc = db_step(db, st)) == DB_OK)
		*out = db_col_int(st, 0);
	db_reset(st);
	return rc == DB_OK || rc == DB_NOTFOUND ? ERR_OK : err_from_db(rc);
}

/*
 * One guarded move of one seat.  The UPDATE changing no row means the
 * seat is not the event's, or somebody else has it.
 */
static enum err
move(struct db *db, int k, const int64_t v[5])
{
	int64_t		 changed, exists;
	enum err	 e;

	if ((e = run(db, k, v, 5, &changed)) != ERR_OK || changed == 1)
		return e;
	if ((e = count(db, STMT_SEAT_EXISTS, v, 2, &exists)) != ERR_OK)
		return e;
	return exists ? ERR_SEAT_TAKEN : ERR_SEAT_NOT_FOUND;
}

/* seat_lock and seat_reserve: the same move over every seat. */
static enum err
move_all(struct db *db, int k, int64_t event_id, int64_t order_id,
    const int64_t *seat_ids, size_t n, int64_t now, int64_t until)
{
	int64_t		 v[5] = { event_id, 0, order_id, now, until };
	enum err	 e = ERR_OK;
	size_t		 i;

	if (!in_tx(db, "seat move") || order_id <= 0)
		return ERR_INTERNAL;
	for (i = 0; i < n && e == ERR_OK; i++) {
		v[1] = seat_ids[i];
		e = move(db, k, v);
	}
	return e;
}

enum err
seat_lock(struct db *db, int64_t event_id, int64_t order_id,
    const int64_t *seat_ids, size_t n, int64_t now, int64_t until)
{
	return move_all(db, STMT_LOCK, event_id, order_id, seat_ids, n, now,
	    until);
}

enum err
seat_reserve(struct db *db, int64_t event_id, int64_t order_id,
    const int64_t *seat_ids, size_t n, int64_t now)
{
	return move_all(db, STMT_RESERVE, event_id, order_id, seat_ids, n,
	    now, 0);
}

/*
 * Each seat: the guarded move to SOLD, then its ticket names it.  The
 * ticket's UPDATE is where the unique index on valid tickets answers
 * should the seat states ever be wrong.
 */
enum err
seat_sell(struct db *db, int64_t event_id, int64_t order_id,
    const struct seat_sale *sales, size_t n, int64_t now)
{
	int64_t		 v[5] = { event_id, 0, order_id, now, 0 }, changed;
	enum err	 e;
	size_t		 i;

	if (!in_tx(db, "seat_sell") || order_id <= 0)
		return ERR_INTERNAL;
	for (i = 0; i < n; i++) {
		v[1] = sales[i].seat_id;
		v[4] = sales[i].ticket_id;
		if ((e = move(db, STMT_SELL, v)) != ERR_OK)
			return e;
		if (sales[i].ticket_id == 0)
			continue;
		if ((e = run(db, STMT_TICKET_SEAT, v, 5, &changed)) != ERR_OK)
			return e;
		if (changed != 1)
			return ERR_TICKET_NOT_FOUND;
	}
	return ERR_OK;
}

enum err
seat_release(struct db *db, int64_t order_id, int64_t *released)
{
	int64_t	 n;

	if (!in_tx(db, "seat_release"))
		return ERR_INTERNAL;
	return run(db, STMT_RELEASE, &order_id, 1, released ? released : &n);
}

enum err
seat_release_expired(struct db *db, int64_t now, int64_t *released)
{
	int64_t	 n;

	if (!in_tx(db, "seat_release_expired"))
		return ERR_INTERNAL;
	return run(db, STMT_RELEASE_EXPIRED, &now, 1,
	    released ? released : &n);
}

enum err
seat_unsell(struct db *db, int64_t order_id, int64_t *released)
{
	int64_t	 n;

	if (!in_tx(db, "seat_unsell"))
		return ERR_INTERNAL;
	return run(db, STMT_UNSELL, &order_id, 1, released ? released : &n);
}

enum err
seat_event_fill(struct db *db, int64_t event_id)
{
	if (!in_tx(db, "seat_event_fill"))
		return ERR_INTERNAL;
	return run(db, STMT_EVENT_FILL, &event_id, 1, NULL);
}

enum err
seat_venue_fill(struct db *db, int64_t venue_id)
{
	if (!in_tx(db, "seat_venue_fill"))
		return ERR_INTERNAL;
	return run(db, STMT_VENUE_FILL, &venue_id, 1, NULL);
}

enum err
seat_event_taken(struct db *db, int64_t event_id, int64_t now,
    int64_t *taken)
{
	int64_t	 v[2] = { event_id, now };

	return count(db, STMT_EVENT_TAKEN, v, 2, taken);
}

enum err
seat_venue_dropped_taken(struct db *db, int64_t venue_id, int64_t version,
    int64_t now, int64_t *taken)
{
	int64_t	 v[3] = { venue_id, version, now };

	return count(db, STMT_VENUE_DROPPED_TAKEN, v, 3, taken);
}

enum err
seat_event_clear(struct db *db, int64_t event_id)
{
	if (!in_tx(db, "seat_event_clear"))
		return ERR_INTERNAL;
	return run(db, STMT_EVENT_CLEAR, &event_id, 1, NULL);
}

/* {"total", "available", "locked", "reserved", "sold"} into o. */
static void
add_counts(cJSON *o, const int64_t c[SEAT__MAX])
{
	int64_t	 total = 0;
	int	 i;

	for (i = 0; i < SEAT__MAX; i++)
		total += c[i];
	cJSON_AddNumberToObject(o, "total", (double)total);
	for (i = 0; i < SEAT__MAX; i++)
		cJSON_AddNumberToObject(o, count_names[i], (double)c[i]);
}

/* Closes the current section's summary into sections. */
static void
add_section(cJSON *sections, const char *name, const int64_t c[SEAT__MAX])
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "section", name);
	add_counts(o, c);
	cJSON_AddItemToArray(sections, o);
}

static cJSON *
seat_json(struct db_stmt *st, const char *status)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)db_col_int(st, 0));
	cJSON_AddStringToObject(o, "section", db_col_text(st, 1));
	cJSON_AddStringToObject(o, "row", db_col_text(st, 2));
	cJSON_AddStringToObject(o, "number", db_col_text(st, 3));
	cJSON_AddStringToObject(o, "category", db_col_text(st, 4));
	cJSON_AddStringToObject(o, "status", status);
	return o;
}

/*
 * The seats in map order, each section's counts closed when the next
 * section starts (a map keeps a section's seats together).
 */
static enum err
listing_seats(struct db *db, int64_t event_id, int64_t now, cJSON *root)
{
	cJSON			*seats, *sections;
	struct db_stmt		*st;
	int64_t			 v[2] = { event_id, now };
	int64_t			 all[SEAT__MAX] = { 0 }, sec[SEAT__MAX] = { 0 };
	char			 cur[SECTION_NAME_MAX + 1] = "";
	const char		*name;
	enum seat_status	 s;
	enum db_rc		 rc;
	int			 any = 0;

	sections = cJSON_AddArrayToObject(root, "sections");
	seats = cJSON_AddArrayToObject(root, "seats");
	if ((st = prepare(db, STMT_LISTING_SEATS, v, 2)) == NULL)
		return ERR_INTERNAL;
	while ((rc = db_step(db, st)) == DB_OK) {
		name = db_col_text(st, 1);
		if ((s = seat_status_parse(db_col_text(st, 5))) == SEAT__MAX)
			s = SEAT_SOLD;	/* unknown: never offer it */
		if (any && strcmp(name, cur) != 0) {
			add_section(sections, cur, sec);
			memset(sec, 0, sizeof(sec));
		}
		snprintf(cur, sizeof(cur), "%s", name);
		any = 1;
		sec[s]++;
		all[s]++;
		cJSON_AddItemToArray(seats, seat_json(st, status_names[s]));
	}
	db_reset(st);
	if (rc != DB_NOTFOUND)
		return err_from_db(rc);
	if (any)
		add_section(sections, cur, sec);
	add_counts(cJSON_AddObjectToObject(root, "summary"), all);
	return ERR_OK;
}

enum err
seat_event_listing(struct db *db, const char *ref, int64_t now, cJSON **out)
{
	struct db_stmt	*st;
	cJSON		*root, *ev, *venue;
	int64_t		 id = 0, event_id, venue_id;
	enum db_rc	 rc;
	enum err	 e;

	*out = NULL;
	(void)field_strtonum(ref, 1, ID_MAX, &id);
	if ((st = db_stmt(db, stmts[STMT_LISTING_EVENT])) == NULL ||
	    db_bind_text(st, 1, ref) == -1 || db_bind_int(st, 2, id) == -1)
		return ERR_INTERNAL;
	if ((rc = db_step(db, st)) != DB_OK) {
		db_reset(st);
		return rc == DB_NOTFOUND ? ERR_EVENT_NOT_FOUND :
		    err_from_db(rc);
	}
	root = cJSON_CreateObject();
	ev = cJSON_AddObjectToObject(root, "event");
	event_id = db_col_int(st, 0);
	cJSON_AddNumberToObject(ev, "id", (double)event_id);
	cJSON_AddStringToObject(ev, "slug", db_col_text(st, 1) ?
	    db_col_text(st, 1) : "");
	cJSON_AddStringToObject(ev, "title", db_col_text(st, 2));
	venue_id = db_col_isnull(st, 3) ? 0 : db_col_int(st, 3);
	cJSON_AddBoolToObject(root, "seated", venue_id != 0);
	if (venue_id != 0) {
		venue = cJSON_AddObjectToObject(root, "venue");
		cJSON_AddNumberToObject(venue, "id", (double)venue_id);
		cJSON_AddStringToObject(venue, "name", db_col_text(st, 4));
		cJSON_AddStringToObject(venue, "city", db_col_text(st, 5));
	} else
		cJSON_AddNullToObject(root, "venue");
	db_reset(st);
	if ((e = listing_seats(db, event_id, now, root)) != ERR_OK) {
		cJSON_Delete(root);
		return e;
	}
	*out = root;
	return ERR_OK;
}
