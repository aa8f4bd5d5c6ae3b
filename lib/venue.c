/*
 * Venues, seat maps, and attaching a venue to an event (see venue.h).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "limits.h"
#include "log.h"
#include "seat.h"
#include "tfmt.h"
#include "user.h"
#include "venue.h"

#define VENUE_COLS \
	"v.id, v.organizer_id, v.name, v.address, v.city, v.country," \
	" v.capacity, (SELECT count(*) FROM seats s WHERE s.venue_id = v.id)," \
	" v.created_at, v.updated_at"

enum stmt {
	STMT_INSERT,
	STMT_OWNED,
	STMT_UPDATE,
	STMT_SEAT_PUT,
	STMT_SEATS_DROP,
	STMT_IN_USE,
	STMT_DELETE,
	STMT_BY_ID,
	STMT_MAP,
	STMT_COUNT,
	STMT_PAGE,
	STMT_EVENT,
	STMT_EVENT_VENUE,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_INSERT] =
	    "INSERT INTO venues (organizer_id, name, address, city, country,"
	    " capacity, map_version, created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, upper(?5), ?6, 1, ?7, ?7) RETURNING id",
	[STMT_OWNED] =
	    "SELECT v.organizer_id, v.capacity, v.map_version,"
	    " (SELECT count(*) FROM seats s WHERE s.venue_id = v.id)"
	    " FROM venues v WHERE v.id = ?1",
	/* NULL leaves a column as it is. */
	[STMT_UPDATE] =
	    "UPDATE venues SET name = coalesce(?2, name),"
	    " address = coalesce(?3, address), city = coalesce(?4, city),"
	    " country = coalesce(upper(?5), country),"
	    " capacity = coalesce(?6, capacity), map_version = ?7,"
	    " updated_at = ?8 WHERE id = ?1",
	/* A seat the map listed before keeps its id (and events' rows). */
	[STMT_SEAT_PUT] =
	    "INSERT INTO seats (venue_id, section, row_label, number, category,"
	    " position, map_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
	    " ON CONFLICT (venue_id, section, row_label, number) DO UPDATE"
	    " SET category = excluded.category, position = excluded.position,"
	    " map_version = excluded.map_version",
	[STMT_SEATS_DROP] =
	    "DELETE FROM seats WHERE venue_id = ?1 AND map_version < ?2",
	[STMT_IN_USE] =
	    "SELECT count(*) FROM events WHERE venue_id = ?1",
	[STMT_DELETE] =
	    "DELETE FROM venues WHERE id = ?1",
	[STMT_BY_ID] =
	    "SELECT " VENUE_COLS " FROM venues v WHERE v.id = ?1",
	[STMT_MAP] =
	    "SELECT id, section, row_label, number, category FROM seats"
	    " WHERE venue_id = ?1 ORDER BY position, id",
	[STMT_COUNT] =
	    "SELECT count(*) FROM venues v WHERE (?1 = 0 OR v.organizer_id = ?1)",
	[STMT_PAGE] =
	    "SELECT " VENUE_COLS " FROM venues v"
	    " WHERE (?1 = 0 OR v.organizer_id = ?1)"
	    " ORDER BY v.name, v.id LIMIT ?2 OFFSET ?3",
	[STMT_EVENT] =
	    "SELECT coalesce(organizer_id, 0), coalesce(venue_id, 0)"
	    " FROM events WHERE id = ?1",
	[STMT_EVENT_VENUE] =
	    "UPDATE events SET venue_id = nullif(?2, 0) WHERE id = ?1",
};

/* Column positions of VENUE_COLS. */
enum {
	COL_ID, COL_ORGANIZER, COL_NAME, COL_ADDRESS, COL_CITY, COL_COUNTRY,
	COL_CAPACITY, COL_SEATS, COL_CREATED, COL_UPDATED
};

/* -- the rules of a map --------------------------------------------- */

/* Adds reason under the formatted key (once per key) and counts it. */
static void __attribute__((format(printf, 4, 5)))
bad(cJSON *errs, size_t *nbad, const char *reason, const char *fmt, ...)
{
	char	 key[128];
	va_list	 ap;

	(*nbad)++;
	if (errs == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	if (cJSON_GetObjectItemCaseSensitive(errs, key) == NULL)
		cJSON_AddStringToObject(errs, key, reason);
}

/* One row: count or seats, numbers in range and unique. */
static void
check_row(const struct venue_row_in *r, size_t s, size_t k, cJSON *errs,
    size_t *nbad, int64_t *nseats)
{
	size_t	 i, j;

	if (r->count > 0 && r->nseats > 0)
		bad(errs, nbad, "give count or seats, not both",
		    "sections[%zu].rows[%zu].seats", s, k);
	else if (r->count <= 0 && r->nseats == 0)
		bad(errs, nbad, "is required unless seats are listed",
		    "sections[%zu].rows[%zu].count", s, k);
	if (r->count > 0 && r->first + r->count - 1 > SEAT_NUMBER_MAX)
		bad(errs, nbad, "the row's numbers would be out of range",
		    "sections[%zu].rows[%zu].first", s, k);
	for (i = 0; i < r->nseats; i++)
		for (j = 0; j < i; j++)
			if (strcmp(r->seats[i].number, r->seats[j].number) ==
			    0) {
				bad(errs, nbad, "is used by another seat of the"
				    " row", "sections[%zu].rows[%zu].seats[%zu]"
				    ".number", s, k, i);
				break;
			}
	*nseats += r->count > 0 ? r->count : (int64_t)r->nseats;
}

static void
check_section(const struct venue_in *in, size_t s, cJSON *errs,
    size_t *nbad, int64_t *nseats)
{
	const struct venue_section_in	*sec = &in->sections[s];
	size_t				 k, j;

	for (j = 0; j < s; j++)
		if (strcmp(in->sections[j].name, sec->name) == 0) {
			bad(errs, nbad, "is used by another section",
			    "sections[%zu].name", s);
			break;
		}
	for (k = 0; k < sec->nrows; k++) {
		for (j = 0; j < k; j++)
			if (strcmp(sec->rows[j].label, sec->rows[k].label) ==
			    0) {
				bad(errs, nbad, "is used by another row of the "
				    "section", "sections[%zu].rows[%zu].label",
				    s, k);
				break;
			}
		check_row(&sec->rows[k], s, k, errs, nbad, nseats);
	}
}

size_t
venue_in_check(const struct venue_in *in, cJSON *errs, int64_t *nseats)
{
	size_t	 nbad = 0, s;

	*nseats = 0;
	if (in->country != NULL && (strlen(in->country) != 2 ||
	    !isalpha((unsigned char)in->country[0]) ||
	    !isalpha((unsigned char)in->country[1])))
		bad(errs, &nbad, "must be a two-letter country code "
		    "(ISO 3166-1 alpha-2)", "country");
	if (!in->has_map)
		return nbad;
	for (s = 0; s < in->nsections; s++)
		check_section(in, s, errs, &nbad, nseats);
	if (*nseats > VENUE_SEATS_MAX)
		bad(errs, &nbad, "the seat map has more seats than a venue may "
		    "have", "sections");
	else if (in->capacity >= 0 && *nseats > in->capacity)
		bad(errs, &nbad, "is less than the seats in the seat map",
		    "capacity");
	return nbad;
}

/* -- writing -------------------------------------------------------- */

static int
bind_opt(struct db_stmt *st, int i, const char *s)
{
	return s != NULL ? db_bind_text(st, i, s) : db_bind_null(st, i);
}

static enum err
tx_end(struct db *db, enum err e)
{
	if (e == ERR_OK)
		e = err_from_db(db_tx_commit(db));
	if (e != ERR_OK)
		db_tx_rollback(db);
	return e;
}

/* Inserts or keeps one seat of the map, stamped with version. */
static enum err
put_seat(struct db *db, int64_t venue_id, const char *section,
    const char *row, const char *number, const char *category,
    int64_t position, int64_t version)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_SEAT_PUT])) == NULL ||
	    db_bind_int(st, 1, venue_id) == -1 ||
	    db_bind_text(st, 2, section) == -1 ||
	    db_bind_text(st, 3, row) == -1 ||
	    db_bind_text(st, 4, number) == -1 ||
	    db_bind_text(st, 5, category) == -1 ||
	    db_bind_int(st, 6, position) == -1 ||
	    db_bind_int(st, 7, version) == -1)
		return ERR_INTERNAL;
	return err_from_db(db_exec(db, st));
}

/* One row's seats, listed or numbered from first. */
static enum err
put_row(struct db *db, int64_t venue_id, int64_t version,
    const struct venue_section_in *sec, const struct venue_row_in *r,
    int64_t *position)
{
	const char	*cat;
	char		 num[24];
	int64_t		 n;
	size_t		 i;
	enum err	 e = ERR_OK;

	cat = r->category ? r->category : sec->category ? sec->category : "";
	for (n = 0; n < r->count && e == ERR_OK; n++) {
		snprintf(num, sizeof(num), "%lld", (long long)(r->first + n));
		e = put_seat(db, venue_id, sec->name, r->label, num, cat,
		    (*position)++, version);
	}
	for (i = 0; r->count <= 0 && i < r->nseats && e == ERR_OK; i++)
		e = put_seat(db, venue_id, sec->name, r->label,
		    r->seats[i].number, r->seats[i].category ?
		    r->seats[i].category : cat, (*position)++, version);
	return e;
}

static enum err
put_map(struct db *db, int64_t venue_id, int64_t version,
    const struct venue_in *in)
{
	const struct venue_section_in	*sec;
	int64_t				 position = 0;
	size_t				 s, k;
	enum err			 e = ERR_OK;

	for (s = 0; s < in->nsections && e == ERR_OK; s++) {
		sec = &in->sections[s];
		for (k = 0; k < sec->nrows && e == ERR_OK; k++)
			e = put_row(db, venue_id, version, sec, &sec->rows[k],
			    &position);
	}
	return e;
}

/* Runs stmts[k] with ?1 = a, ?2 = b to completion. */
static enum err
exec2(struct db *db, int k, int64_t a, int64_t b)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[k])) == NULL ||
	    db_bind_int(st, 1, a) == -1 ||
	    (db_param_count(st) > 1 && db_bind_int(st, 2, b) == -1))
		return ERR_INTERNAL;
	return err_from_db(db_exec(db, st));
}

/* The first column of stmts[k] with ?1 = a, as a number (0: no row). */
static enum err
scalar(struct db *db, int k, int64_t a, int64_t *out)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	*out = 0;
	if ((st = db_stmt(db, stmts[k])) == NULL ||
	    db_bind_int(st, 1, a) == -1)
		return ERR_INTERNAL;
	if ((rc = db_step(db, st)) == DB_OK)
		*out = db_col_int(st, 0);
	db_reset(st);
	return rc == DB_OK || rc == DB_NOTFOUND ? ERR_OK : err_from_db(rc);
}

/* Is organizer_id an active account that may own venues? */
static enum err
owner_ok(struct db *db, int64_t organizer_id, cJSON *errs)
{
	struct user	 u;
	enum db_rc	 rc;

	rc = user_by_id(db, organizer_id, &u);
	if (rc != DB_OK && rc != DB_NOTFOUND)
		return err_from_db(rc);
	if (rc == DB_OK && u.is_active && (u.role == ROLE_ORGANIZER ||
	    u.role == ROLE_ADMIN))
		return ERR_OK;
	if (errs != NULL)
		cJSON_AddStringToObject(errs, "organizer_id",
		    "is not an organizer");
	return ERR_BAD_REQUEST;
}

enum err
venue_create(struct db *db, const struct venue_in *in, int64_t organizer_id,
    int64_t now, int64_t *id, cJSON *errs)
{
	struct db_stmt	*st;
	enum err	 e;
	int64_t		 nseats;

	*id = 0;
	if (venue_in_check(in, errs, &nseats) > 0)
		return ERR_BAD_REQUEST;
	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	if ((e = owner_ok(db, organizer_id, errs)) != ERR_OK)
		return tx_end(db, e);
	if ((st = db_stmt(db, stmts[STMT_INSERT])) == NULL ||
	    db_bind_int(st, 1, organizer_id) == -1 ||
	    db_bind_text(st, 2, in->name) == -1 ||
	    db_bind_text(st, 3, in->address) == -1 ||
	    db_bind_text(st, 4, in->city) == -1 ||
	    db_bind_text(st, 5, in->country) == -1 ||
	    db_bind_int(st, 6, in->capacity) == -1 ||
	    db_bind_int(st, 7, now) == -1)
		return tx_end(db, ERR_INTERNAL);
	if ((e = err_from_db(db_insert_id(db, st, id))) == ERR_OK &&
	    in->has_map)
		e = put_map(db, *id, 1, in);
	return tx_end(db, e);
}

/* The venue as its owner sees it before a change. */
struct owned {
	int64_t	 capacity;
	int64_t	 version;
	int64_t	 seats;
};

static enum err
owned(struct db *db, int64_t id, int64_t organizer_id, struct owned *o)
{
	struct db_stmt	*st;
	enum db_rc	 rc;
	enum err	 e = ERR_VENUE_NOT_FOUND;

	if ((st = db_stmt(db, stmts[STMT_OWNED])) == NULL ||
	    db_bind_int(st, 1, id) == -1)
		return ERR_INTERNAL;
	if ((rc = db_step(db, st)) == DB_OK && (organizer_id == 0 ||
	    db_col_int(st, 0) == organizer_id)) {
		o->capacity = db_col_int(st, 1);
		o->version = db_col_int(st, 2);
		o->seats = db_col_int(st, 3);
		e = ERR_OK;
	} else if (rc != DB_OK && rc != DB_NOTFOUND)
		e = err_from_db(rc);
	db_reset(st);
	return e;
}

/*
 * The new map under version: every seat written, then the seats it no
 * longer lists dropped unless an event has them, then the new ones
 * given to every event at the venue.
 */
static enum err
replace_map(struct db *db, int64_t id, int64_t version,
    const struct venue_in *in, int64_t now)
{
	int64_t		 taken;
	enum err	 e;

	if ((e = put_map(db, id, version, in)) != ERR_OK ||
	    (e = seat_venue_dropped_taken(db, id, version, now, &taken)) !=
	    ERR_OK)
		return e;
	if (taken > 0)
		return ERR_SEATS_TAKEN;
	if ((e = exec2(db, STMT_SEATS_DROP, id, version)) != ERR_OK)
		return e;
	return seat_venue_fill(db, id);
}

enum err
venue_update(struct db *db, int64_t id, int64_t organizer_id,
    const struct venue_in *in, int64_t now, cJSON *errs)
{
	struct db_stmt	*st;
	struct owned	 cur;
	int64_t		 nseats, cap, version;
	enum err	 e;

	if (venue_in_check(in, errs, &nseats) > 0)
		return ERR_BAD_REQUEST;
	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	if ((e = owned(db, id, organizer_id, &cur)) != ERR_OK)
		return tx_end(db, e);
	/* The capacity holds the seats, whichever of the two is new. */
	cap = in->capacity >= 0 ? in->capacity : cur.capacity;
	if ((in->has_map ? nseats : cur.seats) > cap) {
		if (errs != NULL)
			cJSON_AddStringToObject(errs, "capacity",
			    "is less than the seats in the seat map");
		return tx_end(db, ERR_BAD_REQUEST);
	}
	version = cur.version + (in->has_map ? 1 : 0);
	if ((st = db_stmt(db, stmts[STMT_UPDATE])) == NULL ||
	    db_bind_int(st, 1, id) == -1 || bind_opt(st, 2, in->name) == -1 ||
	    bind_opt(st, 3, in->address) == -1 ||
	    bind_opt(st, 4, in->city) == -1 ||
	    bind_opt(st, 5, in->country) == -1 ||
	    (in->capacity >= 0 ? db_bind_int(st, 6, in->capacity) :
	    db_bind_null(st, 6)) == -1 ||
	    db_bind_int(st, 7, version) == -1 || db_bind_int(st, 8, now) == -1)
		return tx_end(db, ERR_INTERNAL);
	if ((e = err_from_db(db_exec(db, st))) == ERR_OK && in->has_map)
		e = replace_map(db, id, version, in, now);
	return tx_end(db, e);
}

enum err
venue_delete(struct db *db, int64_t id, int64_t organizer_id)
{
	struct owned	 cur;
	int64_t		 events;
	enum err	 e;

	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	if ((e = owned(db, id, organizer_id, &cur)) == ERR_OK &&
	    (e = scalar(db, STMT_IN_USE, id, &events)) == ERR_OK)
		e = events > 0 ? ERR_VENUE_IN_USE :
		    exec2(db, STMT_DELETE, id, 0);
	return tx_end(db, e);
}

/* -- reading -------------------------------------------------------- */

static void
add_time(cJSON *o, const char *name, int64_t t)
{
	char	 buf[TFMT_ISO_LEN];

	tfmt_iso(t, buf);
	cJSON_AddStringToObject(o, name, buf);
}

static cJSON *
venue_json(struct db_stmt *st)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)db_col_int(st, COL_ID));
	cJSON_AddNumberToObject(o, "organizer_id",
	    (double)db_col_int(st, COL_ORGANIZER));
	cJSON_AddStringToObject(o, "name", db_col_text(st, COL_NAME));
	cJSON_AddStringToObject(o, "address", db_col_text(st, COL_ADDRESS));
	cJSON_AddStringToObject(o, "city", db_col_text(st, COL_CITY));
	cJSON_AddStringToObject(o, "country", db_col_text(st, COL_COUNTRY));
	cJSON_AddNumberToObject(o, "capacity",
	    (double)db_col_int(st, COL_CAPACITY));
	cJSON_AddNumberToObject(o, "seat_count",
	    (double)db_col_int(st, COL_SEATS));
	add_time(o, "created_at", db_col_int(st, COL_CREATED));
	add_time(o, "updated_at", db_col_int(st, COL_UPDATED));
	return o;
}

/* The last element of list if its key equals s, else a new one. */
static cJSON *
group(cJSON *list, const char *key, const char *s, const char *children)
{
	cJSON	*last = cJSON_GetArrayItem(list, cJSON_GetArraySize(list) - 1);
	cJSON	*o;

	if (last != NULL && strcmp(cJSON_GetObjectItem(last, key)->valuestring,
	    s) == 0)
		return last;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, key, s);
	cJSON_AddArrayToObject(o, children);
	cJSON_AddItemToArray(list, o);
	return o;
}

/* "sections": the seats in map order, grouped into sections and rows. */
static enum err
add_map(struct db *db, int64_t id, cJSON *root)
{
	struct db_stmt	*st;
	cJSON		*sections, *sec, *row, *seat;
	enum db_rc	 rc;

	sections = cJSON_AddArrayToObject(root, "sections");
	if ((st = db_stmt(db, stmts[STMT_MAP])) == NULL ||
	    db_bind_int(st, 1, id) == -1)
		return ERR_INTERNAL;
	while ((rc = db_step(db, st)) == DB_OK) {
		sec = group(sections, "name", db_col_text(st, 1), "rows");
		row = group(cJSON_GetObjectItem(sec, "rows"), "label",
		    db_col_text(st, 2), "seats");
		seat = cJSON_CreateObject();
		cJSON_AddNumberToObject(seat, "id", (double)db_col_int(st, 0));
		cJSON_AddStringToObject(seat, "number", db_col_text(st, 3));
		cJSON_AddStringToObject(seat, "category", db_col_text(st, 4));
		cJSON_AddItemToArray(cJSON_GetObjectItem(row, "seats"), seat);
	}
	db_reset(st);
	return rc == DB_NOTFOUND ? ERR_OK : err_from_db(rc);
}

enum err
venue_get(struct db *db, int64_t id, cJSON **out)
{
	struct db_stmt	*st;
	cJSON		*o = NULL;
	enum db_rc	 rc;
	enum err	 e;

	*out = NULL;
	if ((e = err_from_db(db_tx_read(db))) != ERR_OK)
		return e;
	if ((st = db_stmt(db, stmts[STMT_BY_ID])) == NULL ||
	    db_bind_int(st, 1, id) == -1)
		e = ERR_INTERNAL;
	else if ((rc = db_step(db, st)) == DB_OK)
		o = venue_json(st);
	else
		e = rc == DB_NOTFOUND ? ERR_VENUE_NOT_FOUND : err_from_db(rc);
	db_reset(st);
	if (e == ERR_OK)
		e = add_map(db, id, o);
	db_tx_rollback(db);
	if (e != ERR_OK) {
		cJSON_Delete(o);
		return e;
	}
	*out = o;
	return ERR_OK;
}

enum err
venue_list(struct db *db, int64_t organizer_id, int64_t page,
    int64_t per_page, int64_t *count, cJSON **results)
{
	struct db_stmt	*st;
	cJSON		*list;
	enum db_rc	 rc;
	enum err	 e;

	*results = NULL;
	if ((e = err_from_db(db_tx_read(db))) != ERR_OK)
		return e;
	if ((e = scalar(db, STMT_COUNT, organizer_id, count)) != ERR_OK) {
		db_tx_rollback(db);
		return e;
	}
	if ((st = db_stmt(db, stmts[STMT_PAGE])) == NULL ||
	    db_bind_int(st, 1, organizer_id) == -1 ||
	    db_bind_int(st, 2, per_page) == -1 ||
	    db_bind_int(st, 3, (page - 1) * per_page) == -1) {
		db_tx_rollback(db);
		return ERR_INTERNAL;
	}
	list = cJSON_CreateArray();
	while ((rc = db_step(db, st)) == DB_OK)
		cJSON_AddItemToArray(list, venue_json(st));
	db_reset(st);
	db_tx_rollback(db);
	if (rc != DB_NOTFOUND) {
		cJSON_Delete(list);
		return err_from_db(rc);
	}
	*results = list;
	return ERR_OK;
}

/* -- events --------------------------------------------------------- */

/*
 * The event's organizer and venue (0: none), if organizer_id may act on
 * it.  ERR_EVENT_NOT_FOUND otherwise.
 */
static enum err
event_of(struct db *db, int64_t event_id, int64_t organizer_id,
    int64_t *owner, int64_t *venue_id)
{
	struct db_stmt	*st;
	enum db_rc	 rc;
	enum err	 e = ERR_EVENT_NOT_FOUND;

	if ((st = db_stmt(db, stmts[STMT_EVENT])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1)
		return ERR_INTERNAL;
	if ((rc = db_step(db, st)) == DB_OK) {
		*owner = db_col_int(st, 0);
		*venue_id = db_col_int(st, 1);
		if (organizer_id == 0 || *owner == organizer_id)
			e = ERR_OK;
	} else if (rc != DB_NOTFOUND)
		e = err_from_db(rc);
	db_reset(st);
	return e;
}

/* Drops the event's seats unless one is taken; ERR_SEATS_TAKEN if so. */
static enum err
drop_event_seats(struct db *db, int64_t event_id, int64_t now)
{
	int64_t		 taken;
	enum err	 e;

	if ((e = seat_event_taken(db, event_id, now, &taken)) != ERR_OK)
		return e;
	return taken > 0 ? ERR_SEATS_TAKEN : seat_event_clear(db, event_id);
}

enum err
venue_attach_event(struct db *db, int64_t event_id, int64_t venue_id,
    int64_t organizer_id, int64_t now)
{
	struct owned	 v;
	int64_t		 owner, current;
	enum err	 e;

	if (!db_in_tx(db)) {
		log_err("venue_attach_event outside a transaction");
		return ERR_INTERNAL;
	}
	if ((e = event_of(db, event_id, organizer_id, &owner, &current)) !=
	    ERR_OK)
		return e;
	/* An admin still never mixes two organizers' event and venue. */
	if ((e = owned(db, venue_id, organizer_id != 0 ? organizer_id : owner,
	    &v)) != ERR_OK)
		return e;
	if (current != venue_id) {
		if (current != 0 &&
		    (e = drop_event_seats(db, event_id, now)) != ERR_OK)
			return e;
		if ((e = exec2(db, STMT_EVENT_VENUE, event_id, venue_id)) !=
		    ERR_OK)
			return e;
	}
	return seat_event_fill(db, event_id);
}

enum err
venue_detach_event(struct db *db, int64_t event_id, int64_t organizer_id,
    int64_t now)
{
	int64_t		 owner, current;
	enum err	 e;

	if (!db_in_tx(db)) {
		log_err("venue_detach_event outside a transaction");
		return ERR_INTERNAL;
	}
	if ((e = event_of(db, event_id, organizer_id, &owner, &current)) !=
	    ERR_OK || current == 0)
		return e;
	if ((e = drop_event_seats(db, event_id, now)) != ERR_OK)
		return e;
	return exec2(db, STMT_EVENT_VENUE, event_id, 0);
}
