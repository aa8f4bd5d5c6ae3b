/*
 * catalog: the public, read-only catalogue.
 *
 *	GET /get_chapterevents/		seed 002, exactly as upstream answers
 *	GET /api/health			liveness and database reachability
 *
 * Seed 004's /api/events/ is cgi-bin/events.c's.
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

static const struct route routes[] = {
	{ METHOD_GET, "/get_chapterevents/", h_chapterevents, AUTH_NONE,
	    STYLE_COMPAT, NULL, 0, 0, ERR_OK },
	{ METHOD_GET, "/api/health", h_health, AUTH_NONE, STYLE_API,
	    NULL, 0, 0, ERR_OK },
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

int
main(int argc, char *argv[])
{
	static const struct app app = { "catalog", routes, nitems(routes),
	    NULL };

	return route_main(argc, argv, &app);
}
