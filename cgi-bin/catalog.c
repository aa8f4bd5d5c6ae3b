/*
 * catalog: the public, read-only catalogue.
 *
 *	GET /get_chapterevents/		seed 002, exactly as upstream answers
 *	GET /api/health			liveness and database reachability
 *	GET /api/events			events, paginated
 *	GET /api/events/{id}		one event
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "catalog.h"
#include "db.h"
#include "http.h"
#include "route.h"
#include "limits.h"
#include "tfmt.h"
#include "version.h"

static enum err	h_chapterevents(struct req *);
static enum err	h_health(struct req *);
static enum err	h_events(struct req *);
static enum err	h_event(struct req *);

enum list_field { LF_PAGE, LF_PER_PAGE, LF_INCLUDE_PAST, LF_ORDERING,
	LF_FORMAT, LF__MAX };

static const struct field_spec list_fields[LF__MAX] = {
	[LF_PAGE] = { "page", FIELD_INT, FIELD_QUERY, 1, PAGE_MAX, NULL, 0 },
	[LF_PER_PAGE] = { "per_page", FIELD_INT, FIELD_QUERY, 1, PER_PAGE_MAX,
	    NULL, 0 },
	[LF_INCLUDE_PAST] = { "include_past", FIELD_BOOL, FIELD_QUERY, 0, 0,
	    NULL, 0 },
	[LF_ORDERING] = { "ordering", FIELD_STRING, FIELD_QUERY, 1, 16,
	    NULL, 0 },
	[LF_FORMAT] = { "format", FIELD_STRING, FIELD_QUERY, 1, 16, NULL, 0 },
};

static const struct route routes[] = {
	{ METHOD_GET, "/get_chapterevents/", h_chapterevents, AUTH_NONE,
	    STYLE_COMPAT, NULL, 0, 0, ERR_OK },
	{ METHOD_GET, "/api/health", h_health, AUTH_NONE, STYLE_API,
	    NULL, 0, 0, ERR_OK },
	{ METHOD_GET, "/api/events", h_events, AUTH_NONE, STYLE_API,
	    list_fields, LF__MAX, 0, ERR_OK },
	{ METHOD_GET, "/api/events/{id}", h_event, AUTH_NONE, STYLE_API,
	    NULL, 0, 0, ERR_EVENT_NOT_FOUND },
};

/*
 * The last /get_chapterevents/ document, reused while no other
 * connection has written (PRAGMA data_version unchanged) and no listed
 * event's sales have stopped.  On an on-sale evening this turns the
 * busiest read into one pragma and a memcpy.
 */
static struct {
	char	*body;
	size_t	 len;
	int64_t	 data_version;
	int64_t	 valid_until;
} listing_cache;

static void
cache_store(char *body, int64_t version, int64_t valid_until)
{
	free(listing_cache.body);
	listing_cache.body = body;
	listing_cache.len = body != NULL ? strlen(body) : 0;
	listing_cache.data_version = version;
	listing_cache.valid_until = valid_until;
}

/*
 * GET /get_chapterevents/: 200 with the listing; ?format=json ignored.
 * 503 when the database is busy, 500 on failure.
 */
static enum err
h_chapterevents(struct req *req)
{
	cJSON		*doc;
	int64_t		 now = tfmt_now(), version, until;
	enum db_rc	 rc;
	char		*text;

	version = db_data_version(req->db);
	if (listing_cache.body != NULL && version >= 0 &&
	    version == listing_cache.data_version &&
	    now < listing_cache.valid_until)
		return http_bytes(req, 200, "application/json",
		    listing_cache.body, listing_cache.len);

	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = catalog_compat_listing(req->db, now, &doc, &until);
	db_tx_rollback(req->db);
	if (rc != DB_OK)
		return err_from_db(rc);
	if ((text = cJSON_PrintUnformatted(doc)) == NULL) {
		cJSON_Delete(doc);
		return ERR_INTERNAL;
	}
	cJSON_Delete(doc);
	cache_store(text, version, until);
	return http_bytes(req, 200, "application/json", listing_cache.body,
	    listing_cache.len);
}

/* GET /api/health: 200 {"status": "ok", ...}, or 503 when the database
 * cannot be read. */
static enum err
h_health(struct req *req)
{
	cJSON	*o = cJSON_CreateObject();
	int	 ok = db_data_version(req->db) >= 0;

	cJSON_AddStringToObject(o, "status", ok ? "ok" : "degraded");
	cJSON_AddStringToObject(o, "version", BILJETT_VERSION);
	cJSON_AddStringToObject(o, "database", ok ? "ok" : "unreachable");
	return http_json(req, ok ? 200 : 503, o);
}

/*
 * GET /api/events?page=&per_page=&include_past=&ordering=event_at|-event_at
 * 200 with {"data", "pagination"}; 400 on bad parameters.
 */
static enum err
h_events(struct req *req)
{
	const struct field_val	*f = req->f;
	cJSON			*doc;
	int64_t			 page, per_page;
	int			 desc = 0;
	enum db_rc		 rc;

	page = f[LF_PAGE].present ? f[LF_PAGE].i : 1;
	per_page = f[LF_PER_PAGE].present ? f[LF_PER_PAGE].i :
	    PER_PAGE_DEFAULT;
	if (f[LF_ORDERING].present) {
		if (strcmp(f[LF_ORDERING].s, "-event_at") == 0)
			desc = 1;
		else if (strcmp(f[LF_ORDERING].s, "event_at") != 0) {
			cJSON_AddStringToObject(req->field_errs, "ordering",
			    "must be event_at or -event_at");
			return ERR_BAD_REQUEST;
		}
	}
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = catalog_api_list(req->db, tfmt_now(), page, per_page,
	    f[LF_INCLUDE_PAST].present && f[LF_INCLUDE_PAST].i, desc, &doc);
	db_tx_rollback(req->db);
	if (rc != DB_OK)
		return err_from_db(rc);
	return http_json(req, 200, doc);
}

/* GET /api/events/{id}: 200 with the event, 404 EVENT_NOT_FOUND. */
static enum err
h_event(struct req *req)
{
	cJSON		*doc;
	int64_t		 id;
	enum db_rc	 rc;

	id = req->id;
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = catalog_api_event(req->db, id, &doc);
	db_tx_rollback(req->db);
	if (rc == DB_NOTFOUND)
		return ERR_EVENT_NOT_FOUND;
	if (rc != DB_OK)
		return err_from_db(rc);
	return http_json(req, 200, doc);
}

int
main(int argc, char *argv[])
{
	static const struct app app = { "catalog", routes, nitems(routes),
	    NULL };

	return route_main(argc, argv, &app);
}
