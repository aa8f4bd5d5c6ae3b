/*
 * venues: venues with their seat maps (seed 001, in seed 004's API
 * conventions), and the seats of a seated event.
 *
 *	GET    /api/venues/			every venue, paginated (public)
 *	POST   /api/venues/			a new venue (organizers, admins)
 *	GET    /api/venues/{id}/		one venue with its map (public)
 *	PUT    /api/venues/{id}/		change it (its organizer, admins)
 *	PATCH  /api/venues/{id}/		change some of it
 *	DELETE /api/venues/{id}/		delete it, unless an event has it
 *	GET    /api/events/{slug}/seats/	the event's seats and their
 *						status (public)
 *
 * Another organizer's venue is a 404 to writes, as if it did not exist.
 */
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "conf.h"
#include "db.h"
#include "http.h"
#include "limits.h"
#include "route.h"
#include "seat.h"
#include "tfmt.h"
#include "user.h"
#include "venue.h"

static enum err	h_list(struct req *);
static enum err	h_create(struct req *);
static enum err	h_get(struct req *);
static enum err	h_change(struct req *);
static enum err	h_delete(struct req *);
static enum err	h_seats(struct req *);

enum seat_field { SF_NUMBER, SF_CATEGORY, SF__MAX };

static const struct field_spec seat_fields[SF__MAX] = {
	[SF_NUMBER] = { "number", FIELD_STRING, FIELD_REQUIRED, 1,
	    SEAT_LABEL_MAX, NULL, 0 },
	[SF_CATEGORY] = { "category", FIELD_STRING, 0, 0, SEAT_CATEGORY_MAX,
	    NULL, 0 },
};

enum row_field { RF_LABEL, RF_CATEGORY, RF_COUNT, RF_FIRST, RF_SEATS,
	RF__MAX };

static const struct field_spec row_fields[RF__MAX] = {
	[RF_LABEL] = { "label", FIELD_STRING, FIELD_REQUIRED, 1,
	    SEAT_LABEL_MAX, NULL, 0 },
	[RF_CATEGORY] = { "category", FIELD_STRING, 0, 0, SEAT_CATEGORY_MAX,
	    NULL, 0 },
	[RF_COUNT] = { "count", FIELD_INT, 0, 1, ROW_SEATS_MAX, NULL, 0 },
	[RF_FIRST] = { "first", FIELD_INT, 0, 0, SEAT_NUMBER_MAX, NULL, 0 },
	[RF_SEATS] = { "seats", FIELD_OBJLIST, 0, 1, ROW_SEATS_MAX,
	    seat_fields, SF__MAX },
};

enum section_field { SC_NAME, SC_CATEGORY, SC_ROWS, SC__MAX };

static const struct field_spec section_fields[SC__MAX] = {
	[SC_NAME] = { "name", FIELD_STRING, FIELD_REQUIRED, 1,
	    SECTION_NAME_MAX, NULL, 0 },
	[SC_CATEGORY] = { "category", FIELD_STRING, 0, 0, SEAT_CATEGORY_MAX,
	    NULL, 0 },
	[SC_ROWS] = { "rows", FIELD_OBJLIST, FIELD_REQUIRED, 1,
	    VENUE_ROWS_MAX, row_fields, RF__MAX },
};

/*
 * A venue's fields; PUT requires what POST does, PATCH nothing.  Only
 * POST takes organizer_id (an admin creating for an organizer), so it
 * comes last and the others' tables stop before it.
 */
enum venue_field { VF_NAME, VF_ADDRESS, VF_CITY, VF_COUNTRY, VF_CAPACITY,
	VF_SECTIONS, VF_ORGANIZER, VF__MAX };

#define VENUE_FIELDS(req) {						\
	[VF_NAME] = { "name", FIELD_STRING, req, 1, VENUE_NAME_MAX,	\
	    NULL, 0 },							\
	[VF_ADDRESS] = { "address", FIELD_STRING, req, 1,		\
	    VENUE_ADDRESS_MAX, NULL, 0 },				\
	[VF_CITY] = { "city", FIELD_STRING, req, 1, VENUE_CITY_MAX,	\
	    NULL, 0 },							\
	[VF_COUNTRY] = { "country", FIELD_STRING, req, 2, 2, NULL, 0 },	\
	[VF_CAPACITY] = { "capacity", FIELD_INT, req, 0,		\
	    VENUE_CAPACITY_MAX, NULL, 0 },				\
	[VF_SECTIONS] = { "sections", FIELD_OBJLIST, 0, 0,		\
	    VENUE_SECTIONS_MAX, section_fields, SC__MAX },		\
	[VF_ORGANIZER] = { "organizer_id", FIELD_ID, 0, 0, 0, NULL, 0 },	\
}

static const struct field_spec create_fields[VF__MAX] =
    VENUE_FIELDS(FIELD_REQUIRED);
static const struct field_spec patch_fields[VF__MAX] = VENUE_FIELDS(0);

/* DRF's page number pagination; page_size above the maximum is cut to
 * it, as DRF does. */
enum list_field { LF_PAGE, LF_PAGE_SIZE, LF_ORGANIZER, LF__MAX };

static const struct field_spec list_fields[LF__MAX] = {
	[LF_PAGE] = { "page", FIELD_INT, FIELD_QUERY, 1, PAGE_MAX, NULL, 0 },
	[LF_PAGE_SIZE] = { "page_size", FIELD_INT, FIELD_QUERY, 1, PAGE_MAX,
	    NULL, 0 },
	[LF_ORGANIZER] = { "organizer_id", FIELD_ID, FIELD_QUERY, 0, 0,
	    NULL, 0 },
};

static const struct route routes[] = {
	{ METHOD_GET, "/api/venues", h_list, AUTH_NONE, STYLE_API,
	    list_fields, LF__MAX, 0, ERR_OK },
	{ METHOD_POST, "/api/venues", h_create, AUTH_ORGANIZER, STYLE_API,
	    create_fields, VF__MAX, 0, ERR_OK },
	{ METHOD_GET, "/api/venues/{id}", h_get, AUTH_NONE, STYLE_API,
	    NULL, 0, 0, ERR_VENUE_NOT_FOUND },
	{ METHOD_PUT, "/api/venues/{id}", h_change, AUTH_ORGANIZER, STYLE_API,
	    create_fields, VF_ORGANIZER, 0, ERR_VENUE_NOT_FOUND },
	{ METHOD_PATCH, "/api/venues/{id}", h_change, AUTH_ORGANIZER,
	    STYLE_API, patch_fields, VF_ORGANIZER, 0, ERR_VENUE_NOT_FOUND },
	{ METHOD_DELETE, "/api/venues/{id}", h_delete, AUTH_ORGANIZER,
	    STYLE_API, NULL, 0, 0, ERR_VENUE_NOT_FOUND },
	{ METHOD_GET, "/api/events/{event}/seats", h_seats, AUTH_NONE,
	    STYLE_API, NULL, 0, 0, ERR_EVENT_NOT_FOUND },
};

/* -- input ------------------------------------------------------------ */

static const char *
opt(const struct field_val *v)
{
	return v->present ? v->s : NULL;
}

/* A row's listed seats; NULL when out of memory. */
static const struct venue_seat_in *
seats_in(struct arena *a, const struct field_val *v)
{
	struct venue_seat_in	*seats;
	size_t			 i;

	if ((seats = arena_calloc(a, v->nitems ? v->nitems : 1,
	    sizeof(*seats))) == NULL)
		return NULL;
	for (i = 0; i < v->nitems; i++) {
		seats[i].number = v->items[i][SF_NUMBER].s;
		seats[i].category = opt(&v->items[i][SF_CATEGORY]);
	}
	return seats;
}

static const struct venue_row_in *
rows_in(struct arena *a, const struct field_val *v)
{
	struct venue_row_in	*rows;
	const struct field_val	*r;
	size_t			 k;

	if ((rows = arena_calloc(a, v->nitems ? v->nitems : 1,
	    sizeof(*rows))) == NULL)
		return NULL;
	for (k = 0; k < v->nitems; k++) {
		r = v->items[k];
		rows[k].label = r[RF_LABEL].s;
		rows[k].category = opt(&r[RF_CATEGORY]);
		rows[k].count = r[RF_COUNT].present ? r[RF_COUNT].i : 0;
		rows[k].first = r[RF_FIRST].present ? r[RF_FIRST].i : 1;
		if (r[RF_SEATS].present) {
			if ((rows[k].seats = seats_in(a, &r[RF_SEATS])) ==
			    NULL)
				return NULL;
			rows[k].nseats = r[RF_SEATS].nitems;
		}
	}
	return rows;
}

/* The validated fields as lib/venue's input.  Returns 0 or -1 (OOM). */
static int
venue_in(struct req *req, struct venue_in *in)
{
	const struct field_val	*f = req->f, *v = &f[VF_SECTIONS];
	struct venue_section_in	*secs;
	size_t			 s;

	memset(in, 0, sizeof(*in));
	in->name = opt(&f[VF_NAME]);
	in->address = opt(&f[VF_ADDRESS]);
	in->city = opt(&f[VF_CITY]);
	in->country = opt(&f[VF_COUNTRY]);
	in->capacity = f[VF_CAPACITY].present ? f[VF_CAPACITY].i : -1;
	if (!v->present)
		return 0;
	in->has_map = 1;
	if ((secs = arena_calloc(req->pool, v->nitems ? v->nitems : 1,
	    sizeof(*secs))) == NULL)
		return -1;
	for (s = 0; s < v->nitems; s++) {
		secs[s].name = v->items[s][SC_NAME].s;
		secs[s].category = opt(&v->items[s][SC_CATEGORY]);
		secs[s].nrows = v->items[s][SC_ROWS].nitems;
		if ((secs[s].rows = rows_in(req->pool,
		    &v->items[s][SC_ROWS])) == NULL)
			return -1;
	}
	in->sections = secs;
	in->nsections = v->nitems;
	return 0;
}

/* Whom a write acts for: an admin for anyone (0), else the caller. */
static int64_t
acting(const struct req *req)
{
	return req->user.role == ROLE_ADMIN ? 0 : req->user.id;
}

/* Answers status with venue id as it now is. */
static enum err
venue_reply(struct req *req, int status, int64_t id)
{
	cJSON		*doc;
	enum err	 e;

	if ((e = venue_get(req->db, id, &doc)) != ERR_OK)
		return e;
	return http_json(req, status, doc);
}

/* -- handlers --------------------------------------------------------- */

/* The list's address for page, keeping the other parameters given. */
static const char *
page_url(struct req *req, int64_t page)
{
	const struct field_val	*f = req->f;
	const char		*base = conf_str(req->conf, CONF_PUBLIC_URL);
	size_t			 n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	return arena_printf(req->pool, "%.*s/api/venues/?page=%lld%s%s",
	    (int)n, base, (long long)page,
	    f[LF_PAGE_SIZE].present ? arena_printf(req->pool,
	    "&page_size=%lld", (long long)f[LF_PAGE_SIZE].i) : "",
	    f[LF_ORGANIZER].present ? arena_printf(req->pool,
	    "&organizer_id=%lld", (long long)f[LF_ORGANIZER].i) : "");
}

static void
add_link(struct req *req, cJSON *o, const char *name, int on, int64_t page)
{
	const char	*url = on ? page_url(req, page) : NULL;

	if (url != NULL)
		cJSON_AddStringToObject(o, name, url);
	else
		cJSON_AddNullToObject(o, name);
}

/*
 * GET /api/venues/?page=&page_size=&organizer_id=: 200 with
 * {"count", "next", "previous", "results"}, venues by name without their
 * maps; 404 "Invalid page." past the last page; 400 on bad parameters.
 */
static enum err
h_list(struct req *req)
{
	const struct field_val	*f = req->f;
	cJSON			*doc, *results;
	int64_t			 page, size, count;
	enum err		 e;

	page = f[LF_PAGE].present ? f[LF_PAGE].i : 1;
	size = f[LF_PAGE_SIZE].present ? f[LF_PAGE_SIZE].i : PER_PAGE_DEFAULT;
	if (size > PER_PAGE_MAX)
		size = PER_PAGE_MAX;
	if ((e = venue_list(req->db, f[LF_ORGANIZER].present ?
	    f[LF_ORGANIZER].i : 0, page, size, &count, &results)) != ERR_OK)
		return e;
	if (page > 1 && (page - 1) * size >= count) {
		cJSON_Delete(results);
		req->err_detail = "Invalid page.";
		return ERR_NOT_FOUND;
	}
	doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, "count", (double)count);
	add_link(req, doc, "next", page * size < count, page + 1);
	add_link(req, doc, "previous", page > 1, page - 1);
	cJSON_AddItemToObject(doc, "results", results);
	return http_json(req, 200, doc);
}

/*
 * POST /api/venues/ {name, address, city, country, capacity, sections?,
 * organizer_id?}: 201 with the venue, owned by the caller (or, from an
 * admin, by organizer_id).  400 with every bad field; 403 for an
 * organizer naming another organizer.
 */
static enum err
h_create(struct req *req)
{
	const struct field_val	*f = req->f;
	struct venue_in		 in;
	int64_t			 owner = req->user.id, id;
	enum err		 e;

	if (f[VF_ORGANIZER].present && f[VF_ORGANIZER].i != owner) {
		if (req->user.role != ROLE_ADMIN)
			return ERR_FORBIDDEN;
		owner = f[VF_ORGANIZER].i;
	}
	if (venue_in(req, &in) == -1)
		return ERR_INTERNAL;
	if ((e = venue_create(req->db, &in, owner, tfmt_now(), &id,
	    req->field_errs)) != ERR_OK)
		return e;
	return venue_reply(req, 201, id);
}

/* GET /api/venues/{id}/: 200 with the venue and its map, or 404. */
static enum err
h_get(struct req *req)
{
	int64_t	 id;

	id = req->id;
	return venue_reply(req, 200, id);
}

/*
 * PUT (every field) or PATCH (some) /api/venues/{id}/: 200 with the
 * venue.  "sections" replaces the map; without it the map stays.  400
 * with every bad field; 404 for another organizer's venue; 409
 * SEATS_TAKEN when the new map lacks a seat an event has sold or holds.
 */
static enum err
h_change(struct req *req)
{
	struct venue_in	 in;
	int64_t		 id;
	enum err	 e;

	id = req->id;
	if (venue_in(req, &in) == -1)
		return ERR_INTERNAL;
	if ((e = venue_update(req->db, id, acting(req), &in, tfmt_now(),
	    req->field_errs)) != ERR_OK)
		return e;
	return venue_reply(req, 200, id);
}

/* DELETE /api/venues/{id}/: 204; 404 for another organizer's; 409
 * VENUE_IN_USE while an event has it. */
static enum err
h_delete(struct req *req)
{
	int64_t		 id;
	enum err	 e;

	id = req->id;
	if ((e = venue_delete(req->db, id, acting(req))) != ERR_OK)
		return e;
	return http_empty(req, 204);
}

/*
 * GET /api/events/{slug or id}/seats/: 200 with every seat and its
 * status and the counts per section (lib/seat.h); 404 EVENT_NOT_FOUND
 * for an unknown or draft event.
 */
static enum err
h_seats(struct req *req)
{
	cJSON		*doc;
	enum err	 e;

	if ((e = err_from_db(db_tx_read(req->db))) != ERR_OK)
		return e;
	e = seat_event_listing(req->db, http_param(req, 0), tfmt_now(), &doc);
	db_tx_rollback(req->db);
	if (e != ERR_OK)
		return e;
	return http_json(req, 200, doc);
}

int
main(int argc, char *argv[])
{
	static const struct app app = { "venues", routes, nitems(routes),
	    NULL };

	return route_main(argc, argv, &app);
}
