/*
 * events: seed 004's events and categories, exactly at its paths (one
 * trailing slash optional), with its pagination and error shapes.
 *
 *	GET		/api/events/categories/		active categories
 *	POST		/api/events/categories/		admin
 *	GET PUT PATCH DELETE /api/events/categories/{slug}/
 *	GET		/api/events/			published, filtered
 *	POST		/api/events/			organizer
 *	GET		/api/events/my_events/		organizer's, all states
 *	GET		/api/events/upcoming/ featured/ search/
 *	GET PUT PATCH DELETE /api/events/{slug}/	(numeric ids too)
 *	POST		/api/events/{slug}/publish/ cancel/
 *	POST DELETE	/api/events/{slug}/poster/	multipart poster_image
 *	GET		/api/organizer/audit-log/	the back office's log
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "audit.h"
#include "auth.h"
#include "category.h"
#include "db.h"
#include "event.h"
#include "http.h"
#include "image.h"
#include "i18n.h"
#include "limits.h"
#include "money.h"
#include "pager.h"
#include "parse.h"
#include "respcache.h"
#include "route.h"
#include "spawn.h"
#include "store.h"
#include "tfmt.h"
#include "user.h"

static enum err	h_categories(struct req *);
static enum err	h_category_create(struct req *);
static enum err	h_category(struct req *);
static enum err	h_category_put(struct req *);
static enum err	h_category_delete(struct req *);
static enum err	h_list(struct req *);
static enum err	h_create(struct req *);
static enum err	h_my_events(struct req *);
static enum err	h_upcoming(struct req *);
static enum err	h_featured(struct req *);
static enum err	h_event(struct req *);
static enum err	h_put(struct req *);
static enum err	h_delete(struct req *);
static enum err	h_publish(struct req *);
static enum err	h_cancel(struct req *);
static enum err	h_audit(struct req *);
static enum err	h_poster(struct req *);
static enum err	h_poster_delete(struct req *);

enum list_field {
	LF_PAGE, LF_PAGE_SIZE, LF_STATUS, LF_CATEGORY, LF_IS_FREE,
	LF_IS_FEATURED, LF_CITY, LF_PRICING_TYPE, LF_SEARCH, LF_ORDERING,
	LF_AFTER, LF_BEFORE, LF_MIN_PRICE, LF_MAX_PRICE, LF__MAX
};

#define Q(name, type, min, max) { name, type, FIELD_QUERY, min, max, NULL, 0 }

static const struct field_spec list_fields[LF__MAX] = {
	[LF_PAGE] = PAGER_FIELD_PAGE,
	[LF_PAGE_SIZE] = PAGER_FIELD_SIZE,
	[LF_STATUS] = Q("status", FIELD_STRING, 1, 16),
	[LF_CATEGORY] = Q("category", FIELD_STRING, 1, SLUG_MAX),
	[LF_IS_FREE] = Q("is_free", FIELD_BOOL, 0, 0),
	[LF_IS_FEATURED] = Q("is_featured", FIELD_BOOL, 0, 0),
	[LF_CITY] = Q("venue_city", FIELD_STRING, 1, VENUE_TEXT_MAX),
	[LF_PRICING_TYPE] = Q("pricing_type", FIELD_STRING, 1, 16),
	[LF_SEARCH] = Q("search", FIELD_STRING, 1, SEARCH_MAX),
	[LF_ORDERING] = Q("ordering", FIELD_STRING, 1, 16),
	[LF_AFTER] = Q("start_date_after", FIELD_STRING, 10, 40),
	[LF_BEFORE] = Q("start_date_before", FIELD_STRING, 10, 40),
	[LF_MIN_PRICE] = Q("min_price", FIELD_MONEY, 0, 0),
	[LF_MAX_PRICE] = Q("max_price", FIELD_MONEY, 0, 0),
};

enum { AF_PAGE, AF_PAGE_SIZE, AF_ENTITY, AF__MAX };
static const struct field_spec audit_fields[AF__MAX] = {
	[AF_PAGE] = PAGER_FIELD_PAGE,
	[AF_PAGE_SIZE] = PAGER_FIELD_SIZE,
	[AF_ENTITY] = Q("entity", FIELD_STRING, 1, 32),
};

#define R(m, p, h, a, ...) { METHOD_##m, p, h, a, STYLE_API, \
	__VA_ARGS__, 0, ERR_EVENT_NOT_FOUND }
#define LIST_F	list_fields, LF__MAX
#define EVENT_F	event_fields, EVF__MAX
#define CAT_F	category_fields, CATF__MAX

static const struct route routes[] = {
	R(GET, "/api/events/categories/", h_categories, AUTH_NONE, NULL, 0),
	R(POST, "/api/events/categories/", h_category_create, AUTH_ADMIN,
	    CAT_F),
	R(GET, "/api/events/categories/{slug}/", h_category, AUTH_NONE,
	    NULL, 0),
	R(PUT, "/api/events/categories/{slug}/", h_category_put, AUTH_ADMIN,
	    CAT_F),
	R(PATCH, "/api/events/categories/{slug}/", h_category_put,
	    AUTH_ADMIN, CAT_F),
	R(DELETE, "/api/events/categories/{slug}/", h_category_delete,
	    AUTH_ADMIN, NULL, 0),
	R(GET, "/api/events/", h_list, AUTH_NONE, LIST_F),
	R(POST, "/api/events/", h_create, AUTH_ORGANIZER, EVENT_F),
	R(GET, "/api/events/my_events/", h_my_events, AUTH_ORGANIZER, LIST_F),
	R(GET, "/api/events/upcoming/", h_upcoming, AUTH_NONE, LIST_F),
	R(GET, "/api/events/featured/", h_featured, AUTH_NONE, LIST_F),
	R(GET, "/api/events/search/", h_list, AUTH_NONE, LIST_F),
	R(GET, "/api/events/{slug}/", h_event, AUTH_NONE, NULL, 0),
	R(PUT, "/api/events/{slug}/", h_put, AUTH_ORGANIZER, EVENT_F),
	R(PATCH, "/api/events/{slug}/", h_put, AUTH_ORGANIZER, EVENT_F),
	R(DELETE, "/api/events/{slug}/", h_delete, AUTH_ORGANIZER, NULL, 0),
	R(POST, "/api/events/{slug}/publish/", h_publish, AUTH_ORGANIZER,
	    NULL, 0),
	R(POST, "/api/events/{slug}/cancel/", h_cancel, AUTH_ORGANIZER,
	    NULL, 0),
	R(GET, "/api/organizer/audit-log/", h_audit, AUTH_ORGANIZER,
	    audit_fields, AF__MAX),
	{ METHOD_POST, "/api/events/{slug}/poster/", h_poster, AUTH_ORGANIZER,
	    STYLE_API, NULL, 0, ROUTE_UPLOAD, ERR_EVENT_NOT_FOUND },
	R(DELETE, "/api/events/{slug}/poster/", h_poster_delete,
	    AUTH_ORGANIZER, NULL, 0),
};

/* A start_date_after/before value: ISO time, or a date (midnight UTC). */
static int
parse_when(const char *s, int64_t *out)
{
	char	 buf[32];

	if (tfmt_parse_iso(s, out) == 0)
		return 0;
	if (strlen(s) != 10)
		return -1;
	snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
	return tfmt_parse_iso(buf, out);
}

/* Reads the listing's query into flt; 400 with reasons when invalid. */
static enum err
read_filter(struct req *req, struct event_filter *flt)
{
	static const char *const orders[EVORDER__MAX] = { "start_date",
	    "-start_date", "base_price", "-base_price" };
	const struct field_val	*f = req->f;
	enum err		 e = ERR_OK;
	char			*search;
	size_t			 i;
	int			 k;

	memset(flt, 0, sizeof(*flt));
	flt->is_free = f[LF_IS_FREE].present ? (int)f[LF_IS_FREE].i : -1;
	flt->is_featured = f[LF_IS_FEATURED].present ?
	    (int)f[LF_IS_FEATURED].i : -1;
	flt->min_price = flt->max_price = -1;
	if (f[LF_STATUS].present) {
		if (!event_status_valid(f[LF_STATUS].s))
			e = http_field_error(req, "status", "must be draft, "
			    "published, "
			    "ongoing, completed or cancelled");
		flt->status = f[LF_STATUS].s;
	}
	if (f[LF_PRICING_TYPE].present) {
		if (!event_pricing_type_valid(f[LF_PRICING_TYPE].s))
			e = http_field_error(req, "pricing_type",
			    "must be simple, tiered, "
			    "day_based or tier_and_day");
		flt->pricing_type = f[LF_PRICING_TYPE].s;
	}
	if (f[LF_ORDERING].present) {
		for (k = 0; k < EVORDER__MAX; k++)
			if (strcmp(f[LF_ORDERING].s, orders[k]) == 0)
				break;
		if (k == EVORDER__MAX)
			e = http_field_error(req, "ordering",
			    "must be start_date, "
			    "-start_date, base_price or -base_price");
		else
			flt->order = (enum event_order)k;
	}
	if (f[LF_AFTER].present && parse_when(f[LF_AFTER].s,
	    &flt->start_after) == -1)
		e = http_field_error(req, "start_date_after",
		    "must be a date or an ISO "
		    "8601 time");
	if (f[LF_BEFORE].present && parse_when(f[LF_BEFORE].s,
	    &flt->start_before) == -1)
		e = http_field_error(req, "start_date_before",
		    "must be a date or an ISO "
		    "8601 time");
	if (f[LF_MIN_PRICE].present && money_parse_decimal(f[LF_MIN_PRICE].s,
	    MONEY_CURRENCY_DEFAULT, &flt->min_price) != MONEY_OK)
		e = http_field_error(req, "min_price", "must be an amount");
	if (f[LF_MAX_PRICE].present && money_parse_decimal(f[LF_MAX_PRICE].s,
	    MONEY_CURRENCY_DEFAULT, &flt->max_price) != MONEY_OK)
		e = http_field_error(req, "max_price", "must be an amount");
	flt->category = f[LF_CATEGORY].present ? f[LF_CATEGORY].s : NULL;
	flt->city = f[LF_CITY].present ? f[LF_CITY].s : NULL;
	if (f[LF_SEARCH].present) {
		search = arena_strdup(req->pool, f[LF_SEARCH].s);
		for (i = 0; search != NULL && search[i] != '\0'; i++)
			if (search[i] >= 'A' && search[i] <= 'Z')
				search[i] = (char)(search[i] - 'A' + 'a');
		flt->search = search;
	}
	return e;
}

/*
 * The catalogue's version: one row, read on every public listing.
 * (PRAGMA data_version would be cheaper but misses this worker's own
 * writes, and this program writes the catalogue.)
 */
static int64_t
catalogue_version(struct db *db)
{
	int64_t	 version;

	if (db_tx_read(db) != DB_OK)
		return -1;
	version = event_catalogue_version(db);
	db_tx_rollback(db);
	return version;
}

/*
 * Answers one page of the listing flt.  The public listing (the same
 * for everyone) comes from the worker's cache while the catalogue is
 * unchanged (lib/respcache.h).
 */
static enum err
list_reply(struct req *req, const struct event_filter *flt)
{
	struct pager	 pg;
	cJSON		*results, *doc;
	const char	*q = req->query_string, *key = NULL;
	const char	*body;
	char		*text;
	int64_t		 count, now = tfmt_now(), version = -1;
	size_t		 len;
	enum db_rc	 rc;
	enum err	 e;

	if (flt->organizer_id == 0 &&
	    (version = catalogue_version(req->db)) >= 0) {
		key = arena_printf(req->pool, "%s?%s|%s", req->path,
		    q != NULL ? q : "", i18n_code(req->lang));
		if (key != NULL && (body = respcache_get(key, version, now,
		    &len)) != NULL)
			return http_bytes(req, 200, "application/json", body,
			    len);
	}
	pager_read(&pg, &req->f[LF_PAGE], &req->f[LF_PAGE_SIZE]);
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = event_list(req->db, now, flt, pg.offset, pg.size, req->lang,
	    &count, &results);
	db_tx_rollback(req->db);
	if (rc != DB_OK)
		return err_from_db(rc);
	if ((doc = pager_envelope(req, &pg, count, results)) == NULL)
		return ERR_INTERNAL;
	if (key == NULL)
		return http_json(req, 200, doc);
	text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	if (text == NULL)
		return ERR_INTERNAL;
	len = strlen(text);
	respcache_put(key, version, now, text, len);
	e = http_bytes(req, 200, "application/json", text, len);
	free(text);
	return e;
}

/* GET /api/events/ and /api/events/search/: published events. */
static enum err
h_list(struct req *req)
{
	struct event_filter	 flt;
	enum err		 e;

	if ((e = read_filter(req, &flt)) != ERR_OK)
		return e;
	return list_reply(req, &flt);
}

/* GET /api/events/upcoming/: published events not yet started. */
static enum err
h_upcoming(struct req *req)
{
	struct event_filter	 flt;
	enum err		 e;

	if ((e = read_filter(req, &flt)) != ERR_OK)
		return e;
	flt.upcoming = 1;
	return list_reply(req, &flt);
}

/* GET /api/events/featured/: featured published events. */
static enum err
h_featured(struct req *req)
{
	struct event_filter	 flt;
	enum err		 e;

	if ((e = read_filter(req, &flt)) != ERR_OK)
		return e;
	flt.is_featured = 1;
	return list_reply(req, &flt);
}

/* GET /api/events/my_events/: the organizer's events, drafts too. */
static enum err
h_my_events(struct req *req)
{
	struct event_filter	 flt;
	enum err		 e;

	if ((e = read_filter(req, &flt)) != ERR_OK)
		return e;
	if (flt.status == NULL)
		flt.status = "any";
	flt.organizer_id = req->user.id;
	return list_reply(req, &flt);
}

/* The event's detail as seen by the asker (owners see translations). */
static enum err
event_reply(struct req *req, int status, int64_t id, int64_t organizer_id)
{
	struct actor	 a = auth_actor(req);
	cJSON		*doc;
	enum db_rc	 rc;

	if (!db_in_tx(req->db) && (rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	doc = event_json(req->db, id, req->lang, 1, a.is_admin ||
	    (a.user_id > 0 && a.user_id == organizer_id), tfmt_now());
	db_tx_rollback(req->db);
	if (doc == NULL)
		return ERR_EVENT_NOT_FOUND;
	return http_json(req, status, doc);
}

/* GET /api/events/{slug}/: 200, or 404 (drafts only for their owner). */
static enum err
h_event(struct req *req)
{
	struct actor	 a;
	int64_t		 id, owner;
	enum db_rc	 rc;
	enum err	 e;

	if ((e = auth_identify(req)) != ERR_OK)
		return e;
	a = auth_actor(req);
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	e = event_find(req->db, req->params[0], &a, &id, &owner);
	db_tx_rollback(req->db);
	if (e != ERR_OK)
		return e;
	return event_reply(req, 200, id, owner);
}

/* The fields a create or PUT lacks, as 400. */
static enum err
required(struct req *req)
{
	enum err	 e = ERR_OK;
	int		 i;

	for (i = 0; i < event_nrequired; i++)
		if (!req->f[event_required[i]].present)
			e = http_field_error(req,
			    event_fields[event_required[i]].name,
			    "This field is required.");
	return e;
}

/* Finds the path's event for a change by its owner (404 otherwise). */
static enum err
owned_event(struct req *req, const struct actor *a, int64_t *id,
    int64_t *owner)
{
	enum err	 e;

	if ((e = event_find(req->db, req->params[0], a, id, owner)) !=
	    ERR_OK)
		return e;
	return a->is_admin || *owner == a->user_id ? ERR_OK :
	    ERR_EVENT_NOT_FOUND;
}

/* Runs change (inside one write transaction) and answers the event. */
static enum err
write_reply(struct req *req, int status, enum err e, int64_t id,
    int64_t owner)
{
	enum db_rc	 rc;

	if (e != ERR_OK) {
		db_tx_rollback(req->db);
		return e;
	}
	if ((rc = db_tx_commit(req->db)) != DB_OK)
		return err_from_db(rc);
	return event_reply(req, status, id, owner);
}

/* POST /api/events/: 201 with the new (draft) event. */
static enum err
h_create(struct req *req)
{
	struct actor	 a = auth_actor(req);
	int64_t		 id = 0;
	enum db_rc	 rc;
	enum err	 e;

	if ((e = required(req)) != ERR_OK)
		return e;
	if ((rc = db_tx_immediate(req->db)) != DB_OK)
		return err_from_db(rc);
	e = event_save(req->db, tfmt_now(), &a, 0, req->f,
	    http_field_errs(req), &id);
	/* Sold in the organizer's store, when they have one (seed 003). */
	if (e == ERR_OK)
		e = err_from_db(store_attach_event(req->db, tfmt_now(),
		    a.user_id, id, a.user_id));
	return write_reply(req, 201, e, id, a.user_id);
}

/* PUT and PATCH /api/events/{slug}/: 200 with the changed event. */
static enum err
h_put(struct req *req)
{
	struct actor	 a = auth_actor(req);
	int64_t		 id, owner;
	enum db_rc	 rc;
	enum err	 e;

	if (req->method == METHOD_PUT && (e = required(req)) != ERR_OK)
		return e;
	if ((rc = db_tx_immediate(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((e = owned_event(req, &a, &id, &owner)) == ERR_OK)
		e = event_save(req->db, tfmt_now(), &a, id, req->f,
		    http_field_errs(req), &id);
	return write_reply(req, 200, e, id, owner);
}

/* DELETE /api/events/{slug}/: 204; 409 once anything was ordered. */
static enum err
h_delete(struct req *req)
{
	struct actor	 a = auth_actor(req);
	int64_t		 id, owner;
	enum db_rc	 rc;
	enum err	 e;

	if ((rc = db_tx_immediate(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((e = owned_event(req, &a, &id, &owner)) == ERR_OK)
		e = event_delete(req->db, tfmt_now(), &a, id);
	if (e != ERR_OK) {
		db_tx_rollback(req->db);
		if (e == ERR_IN_USE)
			req->err_detail = "Tickets were ordered for this "
			    "event: cancel it instead.";
		return e;
	}
	if ((rc = db_tx_commit(req->db)) != DB_OK)
		return err_from_db(rc);
	return http_empty(req, 204);
}

/* POST /api/events/{slug}/publish/: 200 with the published event. */
static enum err
h_publish(struct req *req)
{
	struct actor	 a = auth_actor(req);
	int64_t		 id, owner;
	enum db_rc	 rc;
	enum err	 e;

	if ((rc = db_tx_immediate(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((e = owned_event(req, &a, &id, &owner)) == ERR_OK &&
	    (e = event_publish(req->db, tfmt_now(), &a, id)) == ERR_CONFLICT)
		req->err_detail = "An event is published with at least one "
		    "active ticket to sell, and never once cancelled.";
	return write_reply(req, 200, e, id, owner);
}

/* POST /api/events/{slug}/cancel/: 200 with the cancelled event. */
static enum err
h_cancel(struct req *req)
{
	struct actor	 a = auth_actor(req);
	int64_t		 id, owner;
	enum db_rc	 rc;
	enum err	 e;

	if ((rc = db_tx_immediate(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((e = owned_event(req, &a, &id, &owner)) == ERR_OK)
		e = event_cancel(req->db, tfmt_now(), &a, id);
	if ((e = write_reply(req, 200, e, id, owner)) == ERR_OK)
		spawn_cli(req->conf, "mail");	/* buyers hear at once */
	return e;
}

/*
 * The poster_image part of a multipart upload (binary: lib/parse's
 * parts, never the JSON view of the body).  400 with a field reason
 * when there is none, 415 when the body is not multipart.
 */
static enum err
poster_part(struct req *req, const char **buf, size_t *len)
{
	struct kvlist	 parts;
	const char	*mime, *boundary;
	size_t		 i;

	if (req->content_type == NULL || parse_content_type(req->pool,
	    req->content_type, "boundary", &mime, &boundary) != PARSE_OK ||
	    strcmp(mime, "multipart/form-data") != 0 || boundary == NULL)
		return ERR_MEDIA_TYPE;
	if (parse_multipart_max(req->pool, boundary, req->raw_body,
	    req->raw_len, UPLOAD_BODY_MAX, &parts) != PARSE_OK)
		return http_field_error(req, "poster_image",
		    "not a well-formed upload");
	for (i = 0; i < parts.n; i++)
		if (strcmp(parts.v[i].key, "poster_image") == 0) {
			*buf = parts.v[i].val;
			*len = parts.v[i].vlen;
			return ERR_OK;
		}
	return http_field_error(req, "poster_image", "This field is required.");
}

/* The outcome of storing an image, as the answer to give. */
static enum err
image_outcome(struct req *req, enum image_rc rc)
{
	switch (rc) {
	case IMAGE_OK:
		return ERR_OK;
	case IMAGE_TOO_LARGE:
		return ERR_BODY_TOO_LARGE;
	case IMAGE_UNSUPPORTED:
		req->err_detail = "A poster is a JPEG or PNG image.";
		return ERR_MEDIA_TYPE;
	case IMAGE_DIMENSIONS:
		return http_field_error(req, "poster_image",
		    "at most 4096 pixels a side");
	case IMAGE_CORRUPT:
		return http_field_error(req, "poster_image",
		    "not a whole JPEG or PNG image");
	default:
		return ERR_INTERNAL;
	}
}

/*
 * POST /api/events/{slug}/poster/ (multipart, poster_image): 200 with
 * the event.  The image is checked and stored first (a file named by
 * its hash: storing it twice is harmless), then the event points at it.
 */
static enum err
h_poster(struct req *req)
{
	struct actor	 a = auth_actor(req);
	const char	*buf = NULL;
	char		 path[MEDIA_PATH_MAX];
	size_t		 len = 0;
	int64_t		 id, owner;
	enum db_rc	 rc;
	enum err	 e;

	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	e = owned_event(req, &a, &id, &owner);
	db_tx_rollback(req->db);
	if (e != ERR_OK || (e = poster_part(req, &buf, &len)) != ERR_OK ||
	    (e = image_outcome(req, image_store_poster(req->conf, buf, len,
	    path, sizeof(path)))) != ERR_OK)
		return e;
	if ((rc = db_tx_immediate(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((e = owned_event(req, &a, &id, &owner)) == ERR_OK)
		e = event_set_poster(req->db, tfmt_now(), &a, id, path);
	return write_reply(req, 200, e, id, owner);
}

/* DELETE /api/events/{slug}/poster/: 204; the event shows none. */
static enum err
h_poster_delete(struct req *req)
{
	struct actor	 a = auth_actor(req);
	int64_t		 id, owner;
	enum db_rc	 rc;
	enum err	 e;

	if ((rc = db_tx_immediate(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((e = owned_event(req, &a, &id, &owner)) == ERR_OK)
		e = event_set_poster(req->db, tfmt_now(), &a, id, NULL);
	if (e != ERR_OK) {
		db_tx_rollback(req->db);
		return e;
	}
	if ((rc = db_tx_commit(req->db)) != DB_OK)
		return err_from_db(rc);
	return http_empty(req, 204);
}

/* GET /api/events/categories/: the active categories (admins: all). */
static enum err
h_categories(struct req *req)
{
	cJSON		*arr;
	enum db_rc	 rc;
	enum err	 e;

	if ((e = auth_identify(req)) != ERR_OK)
		return e;
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = category_list(req->db, req->lang, auth_actor(req).is_admin, &arr);
	db_tx_rollback(req->db);
	if (rc != DB_OK)
		return err_from_db(rc);
	return http_json(req, 200, arr);
}

static enum err
category_reply(struct req *req, int status, int64_t id)
{
	cJSON		*doc;
	enum db_rc	 rc;

	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	doc = category_json(req->db, id, req->lang, auth_actor(req).is_admin);
	db_tx_rollback(req->db);
	return doc != NULL ? http_json(req, status, doc) : ERR_NOT_FOUND;
}

/* GET /api/events/categories/{slug}/ */
static enum err
h_category(struct req *req)
{
	int64_t		 id = 0;
	enum db_rc	 rc;
	enum err	 e;

	if ((e = auth_identify(req)) != ERR_OK)
		return e;
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = category_find(req->db, req->params[0], &id);
	db_tx_rollback(req->db);
	if (rc != DB_OK)
		return rc == DB_NOTFOUND ? ERR_NOT_FOUND : err_from_db(rc);
	return category_reply(req, 200, id);
}

/* Creates (id 0) or changes a category in one transaction. */
static enum err
category_write(struct req *req, int64_t id, int status)
{
	int64_t		 out = 0;
	enum db_rc	 rc;
	enum err	 e;

	if ((rc = db_tx_immediate(req->db)) != DB_OK)
		return err_from_db(rc);
	e = category_save(req->db, tfmt_now(), req->user.id, id, req->f,
	    http_field_errs(req), &out);
	if (e != ERR_OK) {
		db_tx_rollback(req->db);
		return e;
	}
	if ((rc = db_tx_commit(req->db)) != DB_OK)
		return err_from_db(rc);
	return category_reply(req, status, out);
}

/* POST /api/events/categories/: 201. */
static enum err
h_category_create(struct req *req)
{
	if (!req->f[CATF_NAME].present)
		return http_field_error(req, "name", "This field is required.");
	return category_write(req, 0, 201);
}

/* PUT and PATCH /api/events/categories/{slug}/: 200. */
static enum err
h_category_put(struct req *req)
{
	int64_t		 id;
	enum db_rc	 rc;

	if (req->method == METHOD_PUT && !req->f[CATF_NAME].present)
		return http_field_error(req, "name", "This field is required.");
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = category_find(req->db, req->params[0], &id);
	db_tx_rollback(req->db);
	if (rc != DB_OK)
		return rc == DB_NOTFOUND ? ERR_NOT_FOUND : err_from_db(rc);
	return category_write(req, id, 200);
}

/* DELETE /api/events/categories/{slug}/: 204. */
static enum err
h_category_delete(struct req *req)
{
	int64_t		 id;
	enum db_rc	 rc;
	enum err	 e;

	if ((rc = db_tx_immediate(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((rc = category_find(req->db, req->params[0], &id)) != DB_OK)
		e = rc == DB_NOTFOUND ? ERR_NOT_FOUND : err_from_db(rc);
	else
		e = category_delete(req->db, tfmt_now(), req->user.id, id);
	if (e != ERR_OK) {
		db_tx_rollback(req->db);
		return e;
	}
	if ((rc = db_tx_commit(req->db)) != DB_OK)
		return err_from_db(rc);
	return http_empty(req, 204);
}

/* GET /api/organizer/audit-log/: the asker's changes (admins: all). */
static enum err
h_audit(struct req *req)
{
	struct pager	 pg;
	cJSON		*results, *doc;
	int64_t		 count;
	enum db_rc	 rc;

	pager_read(&pg, &req->f[AF_PAGE], &req->f[AF_PAGE_SIZE]);
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = audit_list(req->db, auth_actor(req).is_admin ? 0 : req->user.id,
	    req->f[AF_ENTITY].present ? req->f[AF_ENTITY].s : NULL,
	    pg.offset, pg.size, &count, &results);
	db_tx_rollback(req->db);
	if (rc != DB_OK)
		return err_from_db(rc);
	if ((doc = pager_envelope(req, &pg, count, results)) == NULL)
		return ERR_INTERNAL;
	return http_json(req, 200, doc);
}

int
main(int argc, char *argv[])
{
	static const struct app app = { "events", routes, nitems(routes),
	    NULL };

	return route_main(argc, argv, &app);
}
