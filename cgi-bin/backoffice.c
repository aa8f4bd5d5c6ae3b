/*
 * backoffice: seed 003's storefronts and organizer portal, at its paths
 * exactly (one trailing slash optional), and seed 000's sales report for
 * admins, in seed 004's pagination and error shapes.
 *
 *	POST		/api/stores/create/		organizer: their store
 *	GET PATCH DELETE /api/stores/manage/		organizer: their store
 *	GET		/api/stores/			published stores
 *	GET		/api/stores/{slug}/		a store and its events
 *	GET		/api/organizer/dashboard/	sales totals and lists
 *	GET		/api/organizer/events/		the organizer's events
 *	POST		/api/organizer/events/create/	event and tiers at once
 *	GET		/api/organizer/events/{id}/	one, with its sales
 *	PATCH		/api/organizer/events/{id}/edit/
 *	GET		/api/organizer/events/{id}/attendees/	guest list
 *	GET		/api/organizer/events/{id}/attendees.csv
 *	GET		/api/organizer/events/{id}/checkins/	live check-in
 *							numbers
 *	GET		/api/admin/sales/		admins: sales per event
 *
 * Organizers see and change only their own: another organizer's store,
 * event or guest list is a 404.  Admins may act for anyone (?organizer=
 * names whose store or dashboard).  Every change is one write
 * transaction and is audited by the lib/ functions it calls; every
 * answer's reads are one read transaction.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "auth.h"
#include "checkin.h"
#include "db.h"
#include "event.h"
#include "http.h"
#include "limits.h"
#include "pager.h"
#include "parse.h"
#include "report.h"
#include "route.h"
#include "store.h"
#include "tfmt.h"
#include "user.h"
#include "variant.h"

static enum err	h_store_create(struct req *);
static enum err	h_store_get(struct req *);
static enum err	h_store_patch(struct req *);
static enum err	h_store_delete(struct req *);
static enum err	h_stores(struct req *);
static enum err	h_store_public(struct req *);
static enum err	h_dashboard(struct req *);
static enum err	h_events(struct req *);
static enum err	h_event(struct req *);
static enum err	h_event_create(struct req *);
static enum err	h_event_edit(struct req *);
static enum err	h_attendees(struct req *);
static enum err	h_attendees_csv(struct req *);
static enum err	h_checkins(struct req *);
static enum err	h_sales(struct req *);

#define Q(name, type, min, max) { name, type, FIELD_QUERY, min, max, NULL, 0 }

/* ?organizer=: whose data an admin means. */
enum { OF_ORGANIZER, OF__MAX };
static const struct field_spec org_fields[OF__MAX] = {
	[OF_ORGANIZER] = Q("organizer", FIELD_ID, 0, 0),
};

enum { SL_PAGE, SL_PAGE_SIZE, SL_SEARCH, SL__MAX };
static const struct field_spec stores_fields[SL__MAX] = {
	[SL_PAGE] = PAGER_FIELD_PAGE,
	[SL_PAGE_SIZE] = PAGER_FIELD_SIZE,
	[SL_SEARCH] = Q("search", FIELD_STRING, 1, SEARCH_MAX),
};

enum { DF_ORGANIZER, DF_DAYS, DF__MAX };
static const struct field_spec dash_fields[DF__MAX] = {
	[DF_ORGANIZER] = Q("organizer", FIELD_ID, 0, 0),
	[DF_DAYS] = Q("days", FIELD_INT, 1, REPORT_DAYS_MAX),
};

enum { EL_PAGE, EL_PAGE_SIZE, EL_ORGANIZER, EL_STATUS, EL_SEARCH,
	EL_ORDERING, EL__MAX };
static const struct field_spec events_fields[EL__MAX] = {
	[EL_PAGE] = PAGER_FIELD_PAGE,
	[EL_PAGE_SIZE] = PAGER_FIELD_SIZE,
	[EL_ORGANIZER] = Q("organizer", FIELD_ID, 0, 0),
	[EL_STATUS] = Q("status", FIELD_STRING, 1, 16),
	[EL_SEARCH] = Q("search", FIELD_STRING, 1, SEARCH_MAX),
	[EL_ORDERING] = Q("ordering", FIELD_STRING, 1, 16),
};

enum { AF_PAGE, AF_PAGE_SIZE, AF_SEARCH, AF_TICKET_TYPE, AF_FORMAT,
	AF__MAX };
static const struct field_spec att_fields[AF__MAX] = {
	[AF_PAGE] = PAGER_FIELD_PAGE,
	[AF_PAGE_SIZE] = PAGER_FIELD_SIZE,
	[AF_SEARCH] = Q("search", FIELD_STRING, 1, SEARCH_MAX),
	[AF_TICKET_TYPE] = Q("ticket_type", FIELD_ID, 0, 0),
	[AF_FORMAT] = Q("format", FIELD_STRING, 1, 8),
};

enum { SF_PAGE, SF_PAGE_SIZE, SF_EVENT, SF_ORGANIZER, SF_FROM, SF_TO,
	SF_STATUS, SF_ORDERING, SF__MAX };
static const struct field_spec sales_fields[SF__MAX] = {
	[SF_PAGE] = PAGER_FIELD_PAGE,
	[SF_PAGE_SIZE] = PAGER_FIELD_SIZE,
	[SF_EVENT] = Q("event", FIELD_STRING, 1, SLUG_MAX),
	[SF_ORGANIZER] = Q("organizer", FIELD_ID, 0, 0),
	[SF_FROM] = Q("date_from", FIELD_STRING, 10, 40),
	[SF_TO] = Q("date_to", FIELD_STRING, 10, 40),
	[SF_STATUS] = Q("status", FIELD_STRING, 1, 24),
	[SF_ORDERING] = Q("ordering", FIELD_STRING, 1, 24),
};

/* seed 003's names for event fields, beside seed 004's. */
enum { XF_PUBLISHED, XF__MAX };
static const struct field_spec extra_fields[XF__MAX] = {
	[XF_PUBLISHED] = { "is_published", FIELD_BOOL, 0, 0, 0, NULL, 0 },
};

/* A tier of seed 003's `tiers` (upstream's NestedTicketTier). */
enum { TF_ID, TF_NAME, TF_DESCRIPTION, TF_PRICE, TF_QUANTITY,
	TF_TOTAL_QUANTITY, TF_IS_ACTIVE, TF__MAX };
static const struct field_spec tier_fields[TF__MAX] = {
	[TF_ID] = { "id", FIELD_ID, 0, 0, 0, NULL, 0 },
	[TF_NAME] = { "name", FIELD_TEXTS, 0, 1, NAME_TEXT_MAX, NULL, 0 },
	[TF_DESCRIPTION] = { "description", FIELD_TEXTS, 0, 0,
	    DESCRIPTION_MAX, NULL, 0 },
	[TF_PRICE] = { "price", FIELD_MONEY, 0, 0, 0, NULL, 0 },
	[TF_QUANTITY] = { "quantity_allocated", FIELD_INT, 0, 1, CAPACITY_MAX,
	    NULL, 0 },
	[TF_TOTAL_QUANTITY] = { "total_quantity", FIELD_INT, 0, 1,
	    CAPACITY_MAX, NULL, 0 },
	[TF_IS_ACTIVE] = { "is_active", FIELD_BOOL, 0, 0, 0, NULL, 0 },
};
static const struct field_spec tiers_spec[] = {
	{ "tiers", FIELD_OBJLIST, 0, 0, ARRAY_ITEMS_MAX, tier_fields,
	    TF__MAX },
};

#define R(m, p, h, a, ...) { METHOD_##m, p, h, a, STYLE_API, \
	__VA_ARGS__, 0, ERR_NOT_FOUND }
#define RE(m, p, h, a, ...) { METHOD_##m, p, h, a, STYLE_API, \
	__VA_ARGS__, 0, ERR_EVENT_NOT_FOUND }
#define ORG_F	org_fields, OF__MAX

static const struct route routes[] = {
	R(POST, "/api/stores/create/", h_store_create, AUTH_ORGANIZER, ORG_F),
	R(GET, "/api/stores/manage/", h_store_get, AUTH_ORGANIZER, ORG_F),
	R(PATCH, "/api/stores/manage/", h_store_patch, AUTH_ORGANIZER, ORG_F),
	R(DELETE, "/api/stores/manage/", h_store_delete, AUTH_ORGANIZER,
	    ORG_F),
	R(GET, "/api/stores/", h_stores, AUTH_NONE, stores_fields, SL__MAX),
	R(GET, "/api/stores/{slug}/", h_store_public, AUTH_NONE, NULL, 0),
	R(GET, "/api/organizer/dashboard/", h_dashboard, AUTH_ORGANIZER,
	    dash_fields, DF__MAX),
	R(GET, "/api/organizer/events/", h_events, AUTH_ORGANIZER,
	    events_fields, EL__MAX),
	R(POST, "/api/organizer/events/create/", h_event_create,
	    AUTH_ORGANIZER, NULL, 0),
	RE(GET, "/api/organizer/events/{id}/", h_event, AUTH_ORGANIZER,
	    NULL, 0),
	RE(PATCH, "/api/organizer/events/{id}/edit/", h_event_edit,
	    AUTH_ORGANIZER, NULL, 0),
	RE(GET, "/api/organizer/events/{id}/attendees/", h_attendees,
	    AUTH_ORGANIZER, att_fields, AF__MAX),
	RE(GET, "/api/organizer/events/{id}/attendees.csv", h_attendees_csv,
	    AUTH_ORGANIZER, att_fields, AF__MAX),
	RE(GET, "/api/organizer/events/{id}/checkins/", h_checkins,
	    AUTH_ORGANIZER, NULL, 0),
	R(GET, "/api/admin/sales/", h_sales, AUTH_ADMIN, sales_fields,
	    SF__MAX),
};

/* A reason for field name unless it has one already. */
static void
bad_once(struct req *req, const char *name, const char *reason)
{
	if (name != NULL &&
	    cJSON_GetObjectItemCaseSensitive(http_field_errs(req),
	    name) == NULL)
		(void)http_field_error(req, name, reason);
}

/* Ends the open write transaction: commits on ERR_OK, else rolls back. */
static enum err
finish(struct req *req, enum err e)
{
	enum db_rc	 rc;

	if (e != ERR_OK) {
		db_tx_rollback(req->db);
		return e;
	}
	return (rc = db_tx_commit(req->db)) == DB_OK ? ERR_OK :
	    err_from_db(rc);
}

/*
 * Whose data the request is about: the asker's own, or for an admin the
 * organizer ?organizer= names (which must be an organizer: 400), or
 * with none given, everyone's when all_ok (0) or the admin's own.  An
 * organizer naming someone else is refused (403).  Inside a
 * transaction.
 */
static enum err
whose(struct req *req, const struct field_val *v, int all_ok, int64_t *out)
{
	struct user	 u;
	enum db_rc	 rc;

	if (!auth_actor(req).is_admin) {
		if (v->present && v->i != req->user.id) {
			req->err_detail = "Only admins act for another "
			    "organizer.";
			return ERR_FORBIDDEN;
		}
		*out = req->user.id;
		return ERR_OK;
	}
	if (!v->present) {
		*out = all_ok ? 0 : req->user.id;
		return ERR_OK;
	}
	if ((rc = user_by_id(req->db, v->i, &u)) != DB_OK &&
	    rc != DB_NOTFOUND)
		return err_from_db(rc);
	if (rc == DB_NOTFOUND || (u.role != ROLE_ORGANIZER &&
	    u.role != ROLE_ADMIN))
		return http_field_error(req, "organizer", "no such organizer");
	*out = v->i;
	return ERR_OK;
}

/* ---- stores ------------------------------------------------------------ */

/* The store's answer (status), read in its own transaction. */
static enum err
store_reply(struct req *req, int status, int64_t id)
{
	cJSON		*doc;
	enum db_rc	 rc;

	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	doc = store_json(req->db, id, req->lang, 1, tfmt_now());
	db_tx_rollback(req->db);
	return doc != NULL ? http_json(req, status, doc) : ERR_INTERNAL;
}

/* Validates the body against the store's fields into f (arena). */
static enum err
store_input(struct req *req, struct field_val **f)
{
	if ((*f = arena_calloc(req->pool, STF__MAX, sizeof(**f))) == NULL)
		return ERR_INTERNAL;
	if (field_validate(req->pool, store_fields, STF__MAX, req->body,
	    NULL, *f, http_field_errs(req)) > 0)
		return ERR_BAD_REQUEST;
	return ERR_OK;
}

/* The organizer's store for a change: 404 when they have none. */
static enum err
own_store(struct req *req, int64_t *organizer, int64_t *id)
{
	enum db_rc	 rc;
	enum err	 e;

	if ((e = whose(req, &req->f[OF_ORGANIZER], 0, organizer)) != ERR_OK)
		return e;
	if ((rc = store_of(req->db, *organizer, id)) == DB_NOTFOUND) {
		req->err_detail = "You have no store yet: create it with "
		    "POST /api/stores/create/.";
		return ERR_NOT_FOUND;
	}
	return err_from_db(rc);
}

/*
 * POST /api/stores/create/: 201 with the new store; 400 for bad fields
 * (a name is required), 409 when the organizer has a store already or
 * the slug is taken.
 */
static enum err
h_store_create(struct req *req)
{
	struct field_val	*f;
	int64_t			 organizer, id = 0;
	enum db_rc		 rc;
	enum err		 e;

	if ((e = store_input(req, &f)) != ERR_OK)
		return e;
	if (!f[STF_NAME].present)
		return http_field_error(req, "name", "This field is required.");
	if ((rc = db_tx_immediate(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((e = whose(req, &req->f[OF_ORGANIZER], 0, &organizer)) == ERR_OK &&
	    (e = store_save(req->db, tfmt_now(), req->user.id, organizer, 0,
	    f, http_field_errs(req), &id)) == ERR_CONFLICT &&
	    cJSON_GetObjectItemCaseSensitive(req->field_errs, "slug") == NULL)
		req->err_detail = "You have a store already: change it with "
		    "PATCH /api/stores/manage/.";
	if ((e = finish(req, e)) != ERR_OK)
		return e;
	return store_reply(req, 201, id);
}

/* GET /api/stores/manage/: 200 with the organizer's store, or 404. */
static enum err
h_store_get(struct req *req)
{
	cJSON		*doc = NULL;
	int64_t		 organizer, id;
	enum db_rc	 rc;
	enum err	 e;

	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((e = own_store(req, &organizer, &id)) == ERR_OK &&
	    (doc = store_json(req->db, id, req->lang, 1, tfmt_now())) == NULL)
		e = ERR_INTERNAL;
	db_tx_rollback(req->db);
	return e != ERR_OK ? e : http_json(req, 200, doc);
}

/* PATCH /api/stores/manage/: 200 with the changed store; 400, 404, 409. */
static enum err
h_store_patch(struct req *req)
{
	struct field_val	*f;
	int64_t			 organizer, id = 0;
	enum db_rc		 rc;
	enum err		 e;

	if ((e = store_input(req, &f)) != ERR_OK)
		return e;
	if ((rc = db_tx_immediate(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((e = own_store(req, &organizer, &id)) == ERR_OK)
		e = store_save(req->db, tfmt_now(), req->user.id, organizer,
		    id, f, http_field_errs(req), &id);
	if ((e = finish(req, e)) != ERR_OK)
		return e;
	return store_reply(req, 200, id);
}

/* DELETE /api/stores/manage/: 204; the events stay, without a store. */
static enum err
h_store_delete(struct req *req)
{
	int64_t		 organizer, id;
	enum db_rc	 rc;
	enum err	 e;

	if ((rc = db_tx_immediate(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((e = own_store(req, &organizer, &id)) == ERR_OK)
		e = store_delete(req->db, tfmt_now(), req->user.id, id);
	if ((e = finish(req, e)) != ERR_OK)
		return e;
	return http_empty(req, 204);
}

/* GET /api/stores/: the published stores by name, paginated. */
static enum err
h_stores(struct req *req)
{
	struct pager	 pg;
	cJSON		*results, *doc;
	char		*search = NULL;
	int64_t		 count;
	enum db_rc	 rc;
	size_t		 i;

	pager_read(&pg, &req->f[SL_PAGE], &req->f[SL_PAGE_SIZE]);
	if (req->f[SL_SEARCH].present &&
	    (search = arena_strdup(req->pool, req->f[SL_SEARCH].s)) != NULL)
		for (i = 0; search[i] != '\0'; i++)
			if (search[i] >= 'A' && search[i] <= 'Z')
				search[i] = (char)(search[i] - 'A' + 'a');
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = store_list(req->db, tfmt_now(), search, pg.offset, pg.size,
	    req->lang, &count, &results);
	db_tx_rollback(req->db);
	if (rc != DB_OK)
		return err_from_db(rc);
	if ((doc = pager_envelope(req, &pg, count, results)) == NULL)
		return ERR_INTERNAL;
	return http_json(req, 200, doc);
}

/*
 * GET /api/stores/{slug}/: a published store's branding and its
 * published events that have not ended ("events"); 404 otherwise.
 */
static enum err
h_store_public(struct req *req)
{
	cJSON		*doc = NULL, *events = NULL;
	int64_t		 id, now = tfmt_now();
	enum db_rc	 rc;

	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((rc = store_find_slug(req->db, req->params[0], &id)) == DB_OK &&
	    ((doc = store_json(req->db, id, req->lang, 0, now)) == NULL ||
	    (rc = store_events(req->db, id, now, req->lang, &events)) !=
	    DB_OK))
		rc = DB_ERROR;
	db_tx_rollback(req->db);
	if (rc != DB_OK) {
		cJSON_Delete(doc);
		if (rc == DB_NOTFOUND)
			req->err_detail = "There is no such store.";
		return rc == DB_NOTFOUND ? ERR_NOT_FOUND : err_from_db(rc);
	}
	cJSON_AddItemToObject(doc, "events", events);
	return http_json(req, 200, doc);
}

/* ---- the organizer portal ---------------------------------------------- */

/*
 * GET /api/organizer/dashboard/: the organizer's totals, sales per
 * event, per day (?days=, 30 by default) and per ticket type, and the
 * recent events; an admin's covers everyone unless ?organizer= says.
 */
static enum err
h_dashboard(struct req *req)
{
	cJSON		*doc = NULL;
	int64_t		 organizer;
	int		 days = req->f[DF_DAYS].present ?
			    (int)req->f[DF_DAYS].i : 30;
	enum db_rc	 rc;
	enum err	 e;

	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((e = whose(req, &req->f[DF_ORGANIZER], 1, &organizer)) == ERR_OK &&
	    (doc = report_dashboard(req->db, organizer, tfmt_now(), days,
	    req->lang)) == NULL)
		e = ERR_INTERNAL;
	db_tx_rollback(req->db);
	return e != ERR_OK ? e : http_json(req, 200, doc);
}

/* Lower-cases an ASCII search string into the arena. */
static const char *
lower(struct req *req, const struct field_val *v)
{
	char	*s;
	size_t	 i;

	if (!v->present || (s = arena_strdup(req->pool, v->s)) == NULL)
		return NULL;
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
	return s;
}

/* The organizer's listing's query as event_list()'s filter. */
static enum err
events_filter(struct req *req, struct event_filter *flt)
{
	static const char *const orders[EVORDER__MAX] = { "start_date",
	    "-start_date", "base_price", "-base_price" };
	const struct field_val	*f = req->f;
	enum err		 e = ERR_OK;
	int			 k;

	memset(flt, 0, sizeof(*flt));
	flt->status = "any";
	flt->is_free = flt->is_featured = -1;
	flt->min_price = flt->max_price = -1;
	flt->order = EVORDER_START_DESC;	/* seed 003: latest first */
	if (f[EL_STATUS].present) {
		if (!event_status_valid(f[EL_STATUS].s))
			e = http_field_error(req, "status", "must be draft, "
			    "published, "
			    "ongoing, completed or cancelled");
		flt->status = f[EL_STATUS].s;
	}
	if (f[EL_ORDERING].present) {
		for (k = 0; k < EVORDER__MAX; k++)
			if (strcmp(f[EL_ORDERING].s, orders[k]) == 0)
				break;
		if (k == EVORDER__MAX)
			e = http_field_error(req, "ordering",
			    "must be start_date, "
			    "-start_date, base_price or -base_price");
		else
			flt->order = (enum event_order)k;
	}
	flt->search = lower(req, &f[EL_SEARCH]);
	return e;
}

/* Adds each listed event's sales at a glance. */
static enum err
add_sales(struct req *req, cJSON *results)
{
	cJSON		*ev, *id;

	cJSON_ArrayForEach(ev, results) {
		if ((id = cJSON_GetObjectItemCaseSensitive(ev, "id")) == NULL ||
		    report_event_sales(req->db, (int64_t)id->valuedouble, ev) !=
		    DB_OK)
			return ERR_INTERNAL;
	}
	return ERR_OK;
}

/*
 * GET /api/organizer/events/: the organizer's events, drafts included,
 * latest first, each with "sales"; filters status, search, ordering.
 */
static enum err
h_events(struct req *req)
{
	struct event_filter	 flt;
	struct pager		 pg;
	cJSON			*results = NULL, *doc;
	int64_t			 count;
	enum db_rc		 rc;
	enum err		 e;

	if ((e = events_filter(req, &flt)) != ERR_OK)
		return e;
	pager_read(&pg, &req->f[EL_PAGE], &req->f[EL_PAGE_SIZE]);
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((e = whose(req, &req->f[EL_ORGANIZER], 1,
	    &flt.organizer_id)) == ERR_OK) {
		rc = event_list(req->db, tfmt_now(), &flt, pg.offset, pg.size,
		    req->lang, &count, &results);
		if ((e = err_from_db(rc)) == ERR_OK)
			e = add_sales(req, results);
	}
	db_tx_rollback(req->db);
	if (e != ERR_OK) {
		cJSON_Delete(results);
		return e;
	}
	if ((doc = pager_envelope(req, &pg, count, results)) == NULL)
		return ERR_INTERNAL;
	return http_json(req, 200, doc);
}

/*
 * The path's event, if the asker may see it in the back office (its
 * organizer, or an admin): ERR_EVENT_NOT_FOUND otherwise, also for
 * another organizer's.  *summary (may be NULL) gets its summary, the
 * caller's to free.  Inside a transaction.
 */
static enum err
owned(struct req *req, cJSON **summary)
{
	struct actor	 a = auth_actor(req);
	cJSON		*ev, *org;
	int64_t		 owner;

	if ((ev = event_json(req->db, req->id, req->lang, 0, 1,
	    tfmt_now())) == NULL)
		return ERR_EVENT_NOT_FOUND;
	org = cJSON_GetObjectItemCaseSensitive(ev, "organizer");
	owner = cJSON_IsNumber(org) ? (int64_t)org->valuedouble : 0;
	if (!a.is_admin && (owner == 0 || owner != a.user_id)) {
		cJSON_Delete(ev);
		return ERR_EVENT_NOT_FOUND;
	}
	if (summary != NULL)
		*summary = ev;
	else
		cJSON_Delete(ev);
	return ERR_OK;
}

/* The event's ticket types as seed 003's tiers ({"id", "name", ...}). */
static cJSON *
tiers_json(struct req *req, int64_t event_id)
{
	static const char *const keep[][2] = { { "id", "id" },
	    { "name", "name" }, { "description", "description" },
	    { "price", "price" }, { "total_quantity", "quantity_allocated" },
	    { "quantity_sold", "quantity_sold" },
	    { "available_quantity", "available_qty" },
	    { "is_active", "is_active" } };
	struct variant_filter	 flt;
	struct actor		 a = auth_actor(req);
	cJSON			*types = NULL, *out, *t, *o, *v, *ev;
	int64_t			 count;
	size_t			 i;

	memset(&flt, 0, sizeof(flt));
	flt.event_id = event_id;
	flt.is_active = flt.on_sale = flt.is_all_days = -1;
	flt.actor = &a;		/* the owner or an admin: every type */
	if (variant_list(req->db, VK_TYPE, tfmt_now(), &flt, 0, VARIANTS_MAX,
	    req->lang, &count, &types) != DB_OK ||
	    (out = cJSON_CreateArray()) == NULL) {
		cJSON_Delete(types);
		return NULL;
	}
	cJSON_ArrayForEach(t, types) {
		/* Only the event's own (not types shared by an import). */
		ev = cJSON_GetObjectItemCaseSensitive(t, "event");
		if (!cJSON_IsNumber(ev) || (int64_t)ev->valuedouble != event_id ||
		    (o = cJSON_CreateObject()) == NULL)
			continue;
		for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
			if ((v = cJSON_GetObjectItemCaseSensitive(t,
			    keep[i][0])) != NULL)
				cJSON_AddItemToObject(o, keep[i][1],
				    cJSON_Duplicate(v, 1));
		cJSON_AddItemToArray(out, o);
	}
	cJSON_Delete(types);
	return out;
}

/*
 * The back office's view of event id, in one read transaction (the
 * caller's, if one is open; ended here): seed 004's detail (with every
 * language), seed 003's "tiers", its "store" and "sales".
 */
static enum err
event_reply(struct req *req, int status, int64_t id)
{
	cJSON		*doc = NULL, *tiers = NULL, *store = NULL;
	enum db_rc	 rc;
	enum err	 e = ERR_INTERNAL;

	if (!db_in_tx(req->db) && (rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((doc = event_json(req->db, id, req->lang, 1, 1,
	    tfmt_now())) != NULL &&
	    (tiers = tiers_json(req, id)) != NULL &&
	    (store = store_of_event_json(req->db, id, req->lang)) != NULL &&
	    report_event_sales(req->db, id, doc) == DB_OK)
		e = ERR_OK;
	db_tx_rollback(req->db);
	if (e != ERR_OK) {
		cJSON_Delete(doc);
		cJSON_Delete(tiers);
		cJSON_Delete(store);
		return e;
	}
	cJSON_AddItemToObject(doc, "tiers", tiers);
	cJSON_AddItemToObject(doc, "store", store);
	return http_json(req, status, doc);
}

/* GET /api/organizer/events/{id}/: 200, or 404 unless it is theirs. */
static enum err
h_event(struct req *req)
{
	enum db_rc	 rc;
	enum err	 e;

	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((e = owned(req, NULL)) != ERR_OK) {
		db_tx_rollback(req->db);
		return e;
	}
	return event_reply(req, 200, req->id);
}

/* An event's fields from a create or edit request, validated. */
struct event_in {
	struct field_val	*f;		/* event_fields, EVF__MAX */
	struct field_val	 x[XF__MAX];
	struct field_val	 tiers;		/* present: tiers given */
	cJSON			*parsed;	/* tiers parsed from text */
	int			 publish;	/* 1, 0 (draft), -1 unsaid */
};

/* Moves seed 003's names of event fields to seed 004's when absent. */
static void
aliases(cJSON *body)
{
	static const char *const names[][2] = {
	    { "start_datetime", "start_date" },
	    { "end_datetime", "end_date" },
	    { "location_name", "venue_name" } };
	cJSON	*v;
	size_t	 i;

	if (!cJSON_IsObject(body))
		return;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (cJSON_GetObjectItemCaseSensitive(body, names[i][1]) ==
		    NULL && (v = cJSON_DetachItemFromObjectCaseSensitive(body,
		    names[i][0])) != NULL)
			cJSON_AddItemToObject(body, names[i][1], v);
}

/*
 * Validates `tiers`: a JSON list, or (from a form) its text.  Reasons
 * in errs as "tiers[1].price".  Returns the number of bad fields.
 */
static size_t
tiers_input(struct req *req, struct event_in *in)
{
	cJSON	*tv, *list, *w;
	size_t	 nbad;

	tv = cJSON_IsObject(req->body) ?
	    cJSON_GetObjectItemCaseSensitive(req->body, "tiers") : NULL;
	if (tv == NULL || cJSON_IsNull(tv))
		return 0;
	list = tv;
	/* From a form: parsed as a JSON body is, depth limit included. */
	if (cJSON_IsString(tv)) {
		if (parse_body(req->pool, "application/json", tv->valuestring,
		    strlen(tv->valuestring), &in->parsed) != PARSE_OK)
			in->parsed = NULL;
		list = in->parsed;
	}
	if (!cJSON_IsArray(list)) {
		(void)http_field_error(req, "tiers",
		    "must be a JSON list of tiers");
		return 1;
	}
	if ((w = cJSON_CreateObject()) == NULL ||
	    !cJSON_AddItemReferenceToObject(w, "tiers", list)) {
		cJSON_Delete(w);
		(void)http_field_error(req, "tiers", "out of memory");
		return 1;
	}
	nbad = field_validate(req->pool, tiers_spec, 1, w, NULL, &in->tiers,
	    http_field_errs(req));
	cJSON_Delete(w);
	return nbad;
}

/*
 * Reads an event's request: seed 004's fields and seed 003's names for
 * them, `is_published`, and `tiers`.  Publishing is taken out of the
 * fields (in->publish) so that it goes through event_publish(), which
 * checks there is something to sell.  The poster_image part of a form
 * is not read: images are not stored yet.  400 with every bad field.
 */
static enum err
event_input(struct req *req, struct event_in *in)
{
	struct field_val	*st;
	size_t			 nbad;

	memset(in, 0, sizeof(*in));
	in->publish = -1;
	aliases(req->body);
	if ((in->f = arena_calloc(req->pool, EVF__MAX, sizeof(*in->f))) ==
	    NULL)
		return ERR_INTERNAL;
	nbad = field_validate(req->pool, event_fields, EVF__MAX, req->body,
	    NULL, in->f, http_field_errs(req));
	nbad += field_validate(req->pool, extra_fields, XF__MAX, req->body,
	    NULL, in->x, http_field_errs(req));
	nbad += tiers_input(req, in);
	st = &in->f[EVF_STATUS];
	if (st->present && strcmp(st->s, "published") == 0) {
		in->publish = 1;
		st->present = 0;
	} else if (st->present && strcmp(st->s, "draft") == 0)
		in->publish = 0;
	else if (!st->present && in->x[XF_PUBLISHED].present) {
		in->publish = (int)in->x[XF_PUBLISHED].i;
		if (!in->publish) {
			st->present = 1;
			st->s = "draft";
		}
	}
	return nbad > 0 ? ERR_BAD_REQUEST : ERR_OK;
}

/* The fields a new tier must have, as reasons under tiers[k]. */
static enum err
tiers_required(struct req *req, const struct event_in *in)
{
	const struct field_val	*t;
	enum err		 e = ERR_OK;
	size_t			 k;
	char			*name;

	for (k = 0; k < in->tiers.nitems; k++) {
		t = in->tiers.items[k];
		if (t[TF_ID].present)
			continue;
		if (!t[TF_NAME].present) {
			name = arena_printf(req->pool, "tiers[%zu].name", k);
			bad_once(req, name, "This field is required.");
			e = ERR_BAD_REQUEST;
		}
		if (!t[TF_PRICE].present) {
			name = arena_printf(req->pool, "tiers[%zu].price", k);
			bad_once(req, name, "This field is required.");
			e = ERR_BAD_REQUEST;
		}
		if (!t[TF_QUANTITY].present && !t[TF_TOTAL_QUANTITY].present) {
			name = arena_printf(req->pool,
			    "tiers[%zu].quantity_allocated", k);
			bad_once(req, name, "This field is required.");
			e = ERR_BAD_REQUEST;
		}
	}
	return e;
}

/* Moves a tier's reasons from terrs into the request's, under tiers[k]. */
static void
tier_errors(struct req *req, cJSON *terrs, size_t k)
{
	cJSON		*it;
	const char	*field, *name;

	cJSON_ArrayForEach(it, terrs) {
		field = strcmp(it->string, "total_quantity") == 0 ?
		    "quantity_allocated" : it->string;
		if ((name = arena_printf(req->pool, "tiers[%zu].%s", k,
		    field)) != NULL && cJSON_IsString(it))
			cJSON_AddStringToObject(http_field_errs(req), name,
			    it->valuestring);
	}
}

/*
 * Creates tier k (no id) or changes it, as a simple ticket type of the
 * event event_key names.  Inside the write transaction.
 */
static enum err
tier_save(struct req *req, const struct actor *a, const char *event_key,
    size_t k, const struct field_val *t)
{
	struct field_val	*vf;
	cJSON			*terrs;
	int64_t			 out;
	enum err		 e;

	if ((vf = arena_calloc(req->pool, VF__MAX, sizeof(*vf))) == NULL ||
	    (terrs = cJSON_CreateObject()) == NULL)
		return ERR_INTERNAL;
	vf[VF_EVENT].present = 1;
	vf[VF_EVENT].s = event_key;
	vf[VF_NAME] = t[TF_NAME];
	vf[VF_DESCRIPTION] = t[TF_DESCRIPTION];
	vf[VF_PRICE] = t[TF_PRICE];
	vf[VF_TOTAL_QUANTITY] = t[TF_QUANTITY].present ? t[TF_QUANTITY] :
	    t[TF_TOTAL_QUANTITY];
	vf[VF_IS_ACTIVE] = t[TF_IS_ACTIVE];
	e = variant_save(req->db, tfmt_now(), a, VK_TYPE, t[TF_ID].present ?
	    t[TF_ID].i : 0, vf, terrs, &out);
	tier_errors(req, terrs, k);
	cJSON_Delete(terrs);
	return e;
}

/* Is id among the ids of tiers (an array of tiers_json())? */
static int
has_tier(const cJSON *tiers, int64_t id)
{
	const cJSON	*t, *v;

	cJSON_ArrayForEach(t, tiers)
		if ((v = cJSON_GetObjectItemCaseSensitive(t, "id")) != NULL &&
		    (int64_t)v->valuedouble == id)
			return 1;
	return 0;
}

/* Was tier id sent in the request? */
static int
tier_sent(const struct event_in *in, int64_t id)
{
	size_t	 k;

	for (k = 0; k < in->tiers.nitems; k++)
		if (in->tiers.items[k][TF_ID].present &&
		    in->tiers.items[k][TF_ID].i == id)
			return 1;
	return 0;
}

/* Stops the sale of tier id (is_active false), keeping its history. */
static enum err
tier_stop(struct req *req, const struct actor *a, int64_t id)
{
	struct field_val	*vf;
	cJSON			*terrs;
	int64_t			 out;
	enum err		 e;

	if ((vf = arena_calloc(req->pool, VF__MAX, sizeof(*vf))) == NULL ||
	    (terrs = cJSON_CreateObject()) == NULL)
		return ERR_INTERNAL;
	vf[VF_IS_ACTIVE].present = 1;
	vf[VF_IS_ACTIVE].i = 0;
	e = variant_save(req->db, tfmt_now(), a, VK_TYPE, id, vf, terrs, &out);
	cJSON_Delete(terrs);
	return e;
}

/*
 * Makes the event's ticket types what `tiers` says (upstream's nested
 * update): a tier with an id changes that type (it must be the
 * event's), one without is created, and the event's types not sent stop
 * selling (is_active false).  Upstream deletes those never sold; here
 * none is deleted, so that a tier's sales and audit trail stay whole
 * (DELETE /api/tickets/types/{id}/ removes one).  Inside the write
 * transaction.
 */
static enum err
tiers_sync(struct req *req, const struct actor *a, int64_t event_id,
    const char *event_key, const struct event_in *in)
{
	const struct field_val	*t;
	cJSON			*have, *it, *v;
	enum err		 e = ERR_OK;
	int64_t			 id;
	size_t			 k;
	char			*name;

	if ((have = tiers_json(req, event_id)) == NULL)
		return ERR_INTERNAL;
	for (k = 0; k < in->tiers.nitems; k++) {
		t = in->tiers.items[k];
		if (t[TF_ID].present && !has_tier(have, t[TF_ID].i)) {
			name = arena_printf(req->pool, "tiers[%zu].id", k);
			bad_once(req, name, "not a tier of this event");
			e = ERR_BAD_REQUEST;
			continue;
		}
		if (e == ERR_OK)
			e = tier_save(req, a, event_key, k, t);
	}
	cJSON_ArrayForEach(it, have) {
		if (e != ERR_OK)
			break;
		v = cJSON_GetObjectItemCaseSensitive(it, "id");
		id = cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
		if (id == 0 || tier_sent(in, id) ||
		    cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(it,
		    "is_active")))
			continue;
		e = tier_stop(req, a, id);
	}
	cJSON_Delete(have);
	return e;
}

/* The new tiers' places, the capacity of an event that gives none. */
static enum err
capacity_from_tiers(struct req *req, struct event_in *in)
{
	const struct field_val	*t;
	int64_t			 sum = 0;
	size_t			 k;

	for (k = 0; k < in->tiers.nitems; k++) {
		t = in->tiers.items[k];
		sum += t[TF_QUANTITY].present ? t[TF_QUANTITY].i :
		    t[TF_TOTAL_QUANTITY].present ? t[TF_TOTAL_QUANTITY].i : 0;
		if (sum > CAPACITY_MAX)
			return http_field_error(req, "total_capacity",
			    "the tiers hold more "
			    "places than an event may");
	}
	in->f[EVF_TOTAL_CAPACITY].present = 1;
	in->f[EVF_TOTAL_CAPACITY].i = sum;
	return ERR_OK;
}

/* Tiers are simple ticket types: the event must price simply. */
static enum err
tiers_fit(struct req *req, const struct event_in *in, const char *pricing)
{
	if (!in->tiers.present)
		return ERR_OK;
	if (in->f[EVF_PRICING_TYPE].present)
		pricing = in->f[EVF_PRICING_TYPE].s;
	if (pricing != NULL && strcmp(pricing, "simple") != 0)
		return http_field_error(req, "tiers",
		    "tiers are for events with pricing_type "
		    "simple; give the others' prices with /api/tickets/");
	return ERR_OK;
}

/* Publishes the event when the request asked for it (409 if nothing
 * sells or it was cancelled). */
static enum err
publish_if_asked(struct req *req, const struct actor *a, int64_t id,
    const struct event_in *in, const char *shown_status)
{
	enum err	 e;

	if (in->publish != 1 || (strcmp(shown_status, "draft") != 0 &&
	    strcmp(shown_status, "cancelled") != 0))
		return ERR_OK;
	if ((e = event_publish(req->db, tfmt_now(), a, id)) == ERR_CONFLICT)
		req->err_detail = "An event is published with at least one "
		    "active ticket to sell, and never once cancelled.";
	return e;
}

/* The event's slug from its summary (arena), the key variants take. */
static const char *
slug_of(struct req *req, const cJSON *summary)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(summary, "slug");

	return cJSON_IsString(v) ? arena_strdup(req->pool, v->valuestring) :
	    NULL;
}

/* A summary's string member ("" when absent). */
static const char *
member(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/*
 * POST /api/organizer/events/create/ (multipart/form-data, a form or
 * JSON): the event from its fields and its ticket types from `tiers`
 * (a JSON list of {name, description, price, quantity_allocated}), all
 * in one transaction; total_capacity defaults to the tiers' places.
 * In the organizer's store if they have one.  A draft unless
 * is_published (or status) says published.  201 with the event; 400
 * for bad fields, 409 when publishing finds nothing to sell.
 */
static enum err
h_event_create(struct req *req)
{
	struct actor	 a = auth_actor(req);
	struct event_in	 in;
	cJSON		*summary = NULL;
	const char	*key = NULL;
	int64_t		 id = 0;
	size_t		 k, i;
	enum db_rc	 rc;
	enum err	 e;

	/* Every bad or missing field at once. */
	if ((e = event_input(req, &in)) == ERR_INTERNAL)
		goto out;
	if (tiers_fit(req, &in, NULL) != ERR_OK ||
	    tiers_required(req, &in) != ERR_OK)
		e = ERR_BAD_REQUEST;
	if (!in.f[EVF_TOTAL_CAPACITY].present && in.tiers.nitems > 0 &&
	    capacity_from_tiers(req, &in) != ERR_OK)
		e = ERR_BAD_REQUEST;
	for (i = 0; i < (size_t)event_nrequired; i++)
		if (!in.f[event_required[i]].present &&
		    cJSON_GetObjectItemCaseSensitive(req->field_errs,
		    event_fields[event_required[i]].name) == NULL)
			e = http_field_error(req,
			    event_fields[event_required[i]].name,
			    "This field is required.");
	if (e != ERR_OK)
		goto out;
	for (k = 0; k < in.tiers.nitems; k++)
		in.tiers.items[k][TF_ID].present = 0;	/* all new */
	if ((rc = db_tx_immediate(req->db)) != DB_OK) {
		e = err_from_db(rc);
		goto out;
	}
	if ((e = event_save(req->db, tfmt_now(), &a, 0, in.f,
	    http_field_errs(req),
	    &id)) == ERR_OK && (rc = store_attach_event(req->db, tfmt_now(),
	    a.user_id, id, a.user_id)) != DB_OK)
		e = err_from_db(rc);
	if (e == ERR_OK && ((summary = event_json(req->db, id, req->lang, 0, 1,
	    tfmt_now())) == NULL || (key = slug_of(req, summary)) == NULL))
		e = ERR_INTERNAL;
	for (k = 0; e == ERR_OK && k < in.tiers.nitems; k++)
		e = tier_save(req, &a, key, k, in.tiers.items[k]);
	if (e == ERR_OK)
		e = publish_if_asked(req, &a, id, &in, "draft");
	if ((e = finish(req, e)) == ERR_OK)
		e = event_reply(req, 201, id);
out:
	cJSON_Delete(in.parsed);
	cJSON_Delete(summary);
	return e;
}

/* Did the request give any of the event's own fields? */
static int
event_fields_given(const struct event_in *in)
{
	int	 i;

	for (i = 0; i < EVF__MAX; i++)
		if (in->f[i].present || in->f[i].null)
			return 1;
	return 0;
}

/*
 * PATCH /api/organizer/events/{id}/edit/: changes the fields given and,
 * with `tiers`, the event's ticket types (see tiers_sync), in one
 * transaction.  200 with the event; 400, 404 (not theirs), 409.
 */
static enum err
h_event_edit(struct req *req)
{
	struct actor	 a = auth_actor(req);
	struct event_in	 in;
	cJSON		*summary = NULL;
	const char	*key = NULL;
	int64_t		 id = req->id;
	enum db_rc	 rc;
	enum err	 e;

	if ((e = event_input(req, &in)) == ERR_INTERNAL)
		goto out;
	if (tiers_required(req, &in) != ERR_OK)
		e = ERR_BAD_REQUEST;
	if (e != ERR_OK)
		goto out;
	if ((rc = db_tx_immediate(req->db)) != DB_OK) {
		e = err_from_db(rc);
		goto out;
	}
	if ((e = owned(req, &summary)) == ERR_OK &&
	    (e = tiers_fit(req, &in, member(summary, "pricing_type"))) ==
	    ERR_OK && (key = slug_of(req, summary)) == NULL)
		e = ERR_INTERNAL;
	if (e == ERR_OK && event_fields_given(&in))
		e = event_save(req->db, tfmt_now(), &a, id, in.f,
		    http_field_errs(req), &id);
	if (e == ERR_OK && in.tiers.present)
		e = tiers_sync(req, &a, id, key, &in);
	if (e == ERR_OK)
		e = publish_if_asked(req, &a, id, &in,
		    member(summary, "status"));
	if ((e = finish(req, e)) == ERR_OK)
		e = event_reply(req, 200, id);
out:
	cJSON_Delete(in.parsed);
	cJSON_Delete(summary);
	return e;
}

/* The guest list's filter from the query. */
static void
att_filter(struct req *req, struct attendee_filter *flt)
{
	memset(flt, 0, sizeof(*flt));
	flt->event_id = req->id;
	flt->ticket_type_id = req->f[AF_TICKET_TYPE].present ?
	    req->f[AF_TICKET_TYPE].i : 0;
	flt->search = lower(req, &req->f[AF_SEARCH]);
}

/*
 * Answers the guest list as a CSV download: text/csv, UTF-8 with a byte
 * order mark, as an attachment named after the event.  400 when it
 * would pass CSV_ROWS_MAX rows.
 */
static enum err
csv_reply(struct req *req)
{
	struct attendee_filter	 flt;
	cJSON			*summary = NULL;
	char			*csv = NULL;
	const char		*disp;
	size_t			 len = 0;
	enum db_rc		 rc;
	enum err		 e;

	att_filter(req, &flt);
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((e = owned(req, &summary)) == ERR_OK &&
	    (rc = report_attendees_csv(req->db, &flt, req->lang, &csv,
	    &len)) != DB_OK)
		e = rc == DB_CONSTRAINT ? ERR_BAD_REQUEST : err_from_db(rc);
	db_tx_rollback(req->db);
	if (e == ERR_BAD_REQUEST)
		req->err_detail = "Too many attendees for one file: filter "
		    "by ticket_type or search.";
	if (e == ERR_OK && ((disp = arena_printf(req->pool, "attachment; "
	    "filename=\"attendees-%s.csv\"", member(summary, "slug"))) ==
	    NULL || http_add_header(req, "Content-Disposition", disp) == -1))
		e = ERR_INTERNAL;
	if (e == ERR_OK)
		/* lib/http adds "; charset=utf-8" to text types. */
		e = http_bytes(req, 200, "text/csv", csv, len);
	free(csv);
	cJSON_Delete(summary);
	return e;
}

/*
 * GET /api/organizer/events/{id}/attendees/: the guest list, one page
 * of tickets grouped by ticket type ("groups" sums them up), masked;
 * ?search= (name, e-mail, ticket code), ?ticket_type=; ?format=csv
 * answers the whole list as CSV.  404 unless the event is theirs.
 */
static enum err
h_attendees(struct req *req)
{
	struct attendee_filter	 flt;
	struct pager		 pg;
	cJSON			*summary = NULL, *results = NULL;
	cJSON			*groups = NULL, *doc;
	int64_t			 count = 0;
	enum db_rc		 rc;
	enum err		 e;

	if (req->f[AF_FORMAT].present) {
		if (strcmp(req->f[AF_FORMAT].s, "csv") == 0)
			return csv_reply(req);
		if (strcmp(req->f[AF_FORMAT].s, "json") != 0)
			return http_field_error(req, "format",
			    "must be json or csv");
	}
	att_filter(req, &flt);
	pager_read(&pg, &req->f[AF_PAGE], &req->f[AF_PAGE_SIZE]);
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((e = owned(req, &summary)) == ERR_OK)
		e = err_from_db(report_attendees(req->db, &flt, pg.offset,
		    pg.size, req->lang, &count, &results, &groups));
	db_tx_rollback(req->db);
	if (e != ERR_OK || (doc = pager_envelope(req, &pg, count,
	    results)) == NULL) {
		cJSON_Delete(summary);
		cJSON_Delete(groups);
		return e != ERR_OK ? e : ERR_INTERNAL;
	}
	cJSON_AddItemToObject(doc, "event", summary);
	cJSON_AddItemToObject(doc, "groups", groups);
	return http_json(req, 200, doc);
}

/* GET /api/organizer/events/{id}/attendees.csv: the CSV download. */
static enum err
h_attendees_csv(struct req *req)
{
	return csv_reply(req);
}

/* ---- the admins' sales report ------------------------------------------ */

/* The n digits at s as a number in [min, max]: 0, or -1. */
static int
number(const char *s, size_t n, int64_t min, int64_t max, int64_t *out)
{
	char	 buf[8];

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return field_strtonum(buf, min, max, out);
}

/*
 * A date_from/date_to value: an ISO 8601 time, or a date meaning the
 * start of that day in the configured zone (to_end: of the next day,
 * so that date_to includes its day).  Returns 0 or -1.
 */
static int
parse_bound(const char *s, int to_end, int64_t *out)
{
	struct tm	 tm;
	int64_t		 y, m, d;
	time_t		 t;

	if (strlen(s) != 10)
		return tfmt_parse_iso(s, out);
	if (s[4] != '-' || s[7] != '-')
		return -1;
	memset(&tm, 0, sizeof(tm));
	if (number(s, 4, 1970, 9999, &y) == -1 ||
	    number(s + 5, 2, 1, 12, &m) == -1 ||
	    number(s + 8, 2, 1, 31, &d) == -1)
		return -1;
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)m - 1;
	tm.tm_mday = (int)d + (to_end ? 1 : 0);
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1)
		return -1;
	*out = (int64_t)t;
	return 0;
}

/* The report's query as its filter; 400 with reasons when invalid. */
static enum err
sales_filter(struct req *req, struct sales_filter *flt)
{
	const struct field_val	*f = req->f;
	struct actor		 a = auth_actor(req);
	int64_t			 owner;
	enum err		 e = ERR_OK;

	memset(flt, 0, sizeof(*flt));
	flt->organizer_id = f[SF_ORGANIZER].present ? f[SF_ORGANIZER].i : 0;
	if (f[SF_STATUS].present) {
		if (!report_status_valid(f[SF_STATUS].s))
			e = http_field_error(req, "status", "must be sold, "
			    "all, reserved, "
			    "paid, partially_refunded, refunded, expired, "
			    "cancelled or failed");
		flt->status = f[SF_STATUS].s;
	}
	if (f[SF_ORDERING].present &&
	    (flt->order = report_sales_order(f[SF_ORDERING].s)) == SALES__MAX)
		e = http_field_error(req, "ordering", "must be revenue, "
		    "tickets_sold, "
		    "orders, start_date or title, - first for descending");
	if (f[SF_FROM].present && parse_bound(f[SF_FROM].s, 0,
	    &flt->from) == -1)
		e = http_field_error(req, "date_from",
		    "must be a date or an ISO 8601 time");
	if (f[SF_TO].present && parse_bound(f[SF_TO].s, 1, &flt->to) == -1)
		e = http_field_error(req, "date_to",
		    "must be a date or an ISO 8601 time");
	if (e == ERR_OK && flt->to > 0 && flt->to <= flt->from)
		e = http_field_error(req, "date_to", "must be after date_from");
	/* An unknown event matches nothing, as a filter on it would. */
	if (e == ERR_OK && f[SF_EVENT].present && event_find(req->db,
	    f[SF_EVENT].s, &a, &flt->event_id, &owner) != ERR_OK)
		flt->event_id = -1;
	return e;
}

/*
 * GET /api/admin/sales/ (admins): sales per event with orders matching
 * the filters (event id or slug, organizer, date_from/date_to on the
 * payment time, order status: sold by default), paginated, with
 * "totals" over every matching order.
 */
static enum err
h_sales(struct req *req)
{
	struct sales_filter	 flt;
	struct pager		 pg;
	cJSON			*results = NULL, *totals = NULL, *doc;
	int64_t			 count = 0;
	enum db_rc		 rc;
	enum err		 e;

	pager_read(&pg, &req->f[SF_PAGE], &req->f[SF_PAGE_SIZE]);
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((e = sales_filter(req, &flt)) == ERR_OK)
		e = err_from_db(report_sales(req->db, &flt, pg.offset, pg.size,
		    req->lang, &count, &results, &totals));
	db_tx_rollback(req->db);
	if (e != ERR_OK || (doc = pager_envelope(req, &pg, count,
	    results)) == NULL) {
		cJSON_Delete(totals);
		return e != ERR_OK ? e : ERR_INTERNAL;
	}
	cJSON_AddItemToObject(doc, "totals", totals);
	return http_json(req, 200, doc);
}

int
main(int argc, char *argv[])
{
	static const struct app app = { "backoffice", routes, nitems(routes),
	    NULL };

	return route_main(argc, argv, &app);
}

/*
 * GET /api/organizer/events/{id}/checkins/: the event's live check-in
 * numbers (lib/checkin.h checkin_numbers(): "sold", "arrived",
 * "arrived_today", "inside", "by_type", "by_gate"), one statement in
 * one read transaction, so a door page polling it every few seconds on
 * a big event costs little.  403 for a role below organizer; 404 for an
 * event that is not theirs (admins: any).
 */
static enum err
h_checkins(struct req *req)
{
	cJSON		*o = NULL;
	enum db_rc	 rc;

	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = checkin_numbers(req->db, req->id, auth_actor(req).is_admin ? 0 :
	    req->user.id, tfmt_now(), &o);
	db_tx_rollback(req->db);
	if (rc != DB_OK)
		return rc == DB_NOTFOUND ? ERR_EVENT_NOT_FOUND :
		    err_from_db(rc);
	(void)http_add_header(req, "Cache-Control", "no-store");
	return http_json(req, 200, o);
}
