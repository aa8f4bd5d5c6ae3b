/*
 * tickets: seed 004's ticket types, tiers, day passes and day+tier
 * prices, exactly at its paths (one trailing slash optional).  One set
 * of handlers serves the four resources; the route says which.
 *
 *	GET POST		/api/tickets/types/
 *	GET			/api/tickets/types/by_event/?event_id=
 *	GET			/api/tickets/types/available/
 *	GET PUT PATCH DELETE	/api/tickets/types/{id}/
 *	(the same for /api/tickets/tiers/, /api/tickets/day-passes/ and
 *	 /api/tickets/day-tier-prices/)
 *	GET			/api/tickets/day-tier-prices/matrix/?ticket_type=
 *
 * and the buyer's own tickets (lib/wallet), seed 004's and seed 003's:
 *
 *	GET			/api/tickets/my-tickets/
 *	GET			/api/tickets/my-tickets/stats/
 *	GET			/api/tickets/my-tickets/{uid}/
 *	GET			/api/tickets/my-tickets/{uid}/download/?layout=
 *	POST			/api/tickets/my-tickets/{uid}/transfer/
 *				(give it to another person: lib/transfer)
 *	GET			/api/tickets/			(seed 003's wallet)
 *	GET			/api/tickets/{uid}/
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "auth.h"
#include "buyer.h"
#include "cart.h"
#include "conf.h"
#include "db.h"
#include "event.h"
#include "http.h"
#include "limits.h"
#include "log.h"
#include "order.h"
#include "orderview.h"
#include "pager.h"
#include "route.h"
#include "spawn.h"
#include "tfmt.h"
#include "ticketkey.h"
#include "ticketpdf.h"
#include "transfer.h"
#include "user.h"
#include "variant.h"
#include "wallet.h"

static enum err	h_list(struct req *);
static enum err	h_create(struct req *);
static enum err	h_one(struct req *);
static enum err	h_put(struct req *);
static enum err	h_delete(struct req *);
static enum err	h_by_event(struct req *);
static enum err	h_available(struct req *);
static enum err	h_matrix(struct req *);
static enum err	h_my_list(struct req *);
static enum err	h_my_stats(struct req *);
static enum err	h_my_one(struct req *);
static enum err	h_my_download(struct req *);
static enum err	h_wallet(struct req *);
static enum err	h_wallet_one(struct req *);

enum list_field {
	LF_PAGE, LF_PAGE_SIZE, LF_EVENT, LF_EVENT_ID, LF_TICKET_TYPE,
	LF_PRICING_TYPE, LF_IS_ACTIVE, LF_IS_ON_SALE, LF_IS_ALL_DAYS,
	LF_DAY_NUMBER, LF_TIER_NUMBER, LF_SEARCH, LF_ORDERING, LF__MAX
};

#define Q(name, type, min, max) { name, type, FIELD_QUERY, min, max, NULL, 0 }

static const struct field_spec list_fields[LF__MAX] = {
	[LF_PAGE] = PAGER_FIELD_PAGE,
	[LF_PAGE_SIZE] = PAGER_FIELD_SIZE,
	[LF_EVENT] = Q("event", FIELD_STRING, 1, SLUG_MAX),
	[LF_EVENT_ID] = Q("event_id", FIELD_STRING, 1, SLUG_MAX),
	[LF_TICKET_TYPE] = Q("ticket_type", FIELD_ID, 0, 0),
	[LF_PRICING_TYPE] = Q("pricing_type", FIELD_STRING, 1, 16),
	[LF_IS_ACTIVE] = Q("is_active", FIELD_BOOL, 0, 0),
	[LF_IS_ON_SALE] = Q("is_on_sale", FIELD_BOOL, 0, 0),
	[LF_IS_ALL_DAYS] = Q("is_all_days", FIELD_BOOL, 0, 0),
	[LF_DAY_NUMBER] = Q("day_number", FIELD_INT, 1, DAY_NUMBER_MAX),
	[LF_TIER_NUMBER] = Q("tier_number", FIELD_INT, 1, TIER_NUMBER_MAX),
	[LF_SEARCH] = Q("search", FIELD_STRING, 1, SEARCH_MAX),
	[LF_ORDERING] = Q("ordering", FIELD_STRING, 1, 24),
};

/* Seed 004's my-tickets filters. */
enum my_field {
	MF_PAGE, MF_PAGE_SIZE, MF_STATUS, MF_IS_USED, MF_EVENT, MF_ORDERING,
	MF__MAX
};

static const struct field_spec my_fields[MF__MAX] = {
	[MF_PAGE] = PAGER_FIELD_PAGE,
	[MF_PAGE_SIZE] = PAGER_FIELD_SIZE,
	[MF_STATUS] = Q("status", FIELD_STRING, 1, 16),
	[MF_IS_USED] = Q("is_used", FIELD_BOOL, 0, 0),
	[MF_EVENT] = Q("event", FIELD_STRING, 1, SLUG_MAX),
	[MF_ORDERING] = Q("ordering", FIELD_STRING, 1, 24),
};

/* The PDF's layout: a4 (the default) or ticket (3 x 5 inches). */
static const struct field_spec download_fields[1] = {
	Q("layout", FIELD_STRING, 1, 16),
};

static const struct field_spec page_fields[2] = {
	PAGER_FIELD_PAGE,
	PAGER_FIELD_SIZE,
};

#define R(m, p, h, a, ...) { METHOD_##m, p, h, a, STYLE_API, \
	__VA_ARGS__, 0, ERR_NOT_FOUND }
#define LIST_F	list_fields, LF__MAX
#define VAR_F	variant_fields, VF__MAX
#define RESOURCE(base) \
	R(GET, base "/", h_list, AUTH_NONE, LIST_F), \
	R(POST, base "/", h_create, AUTH_ORGANIZER, VAR_F), \
	R(GET, base "/{id}/", h_one, AUTH_NONE, NULL, 0), \
	R(PUT, base "/{id}/", h_put, AUTH_ORGANIZER, VAR_F), \
	R(PATCH, base "/{id}/", h_put, AUTH_ORGANIZER, VAR_F), \
	R(DELETE, base "/{id}/", h_delete, AUTH_ORGANIZER, NULL, 0)

/* Seed 000's free tickets (POST /api/tickets, see h_free_tickets()):
 * here, beside the other methods of the path. */
static enum err	h_free_tickets(struct req *);

enum free_field { FF_USER, FF_PRODUCT, FF_QUANTITY, FF_LOCALE, FF__MAX };

static const struct field_spec free_fields[FF__MAX] = {
	[FF_USER] = { "user_id", FIELD_ID, FIELD_REQUIRED, 0, 0, NULL, 0 },
	[FF_PRODUCT] = { "product_id", FIELD_ID, FIELD_REQUIRED, 0, 0,
	    NULL, 0 },
	[FF_QUANTITY] = { "quantity", FIELD_INT, FIELD_REQUIRED, 1,
	    TICKET_COUNT_MAX, NULL, 0 },
	[FF_LOCALE] = { "locale", FIELD_STRING, 0, 2, 5, NULL, 0 },
};

/* A ticket's holder gives it to another person (lib/transfer). */
static enum err	h_my_transfer(struct req *);

enum transfer_field { TR_NAME, TR_EMAIL, TR__MAX };

static const struct field_spec transfer_fields[TR__MAX] = {
	[TR_NAME] = { "name", FIELD_STRING, FIELD_REQUIRED, 1, BUYER_NAME_MAX,
	    NULL, 0 },
	[TR_EMAIL] = { "email", FIELD_EMAIL, FIELD_REQUIRED, 3, EMAIL_MAX,
	    NULL, 0 },
};

static const struct route routes[] = {
	R(POST, "/api/tickets", h_free_tickets, AUTH_USER, free_fields,
	    FF__MAX),
	R(GET, "/api/tickets/types/by_event/", h_by_event, AUTH_NONE, LIST_F),
	R(GET, "/api/tickets/types/available/", h_available, AUTH_NONE,
	    LIST_F),
	R(GET, "/api/tickets/day-tier-prices/matrix/", h_matrix, AUTH_NONE,
	    LIST_F),
	RESOURCE("/api/tickets/types"),
	RESOURCE("/api/tickets/tiers"),
	RESOURCE("/api/tickets/day-passes"),
	RESOURCE("/api/tickets/day-tier-prices"),
	R(GET, "/api/tickets/my-tickets/", h_my_list, AUTH_USER, my_fields,
	    MF__MAX),
	R(GET, "/api/tickets/my-tickets/stats/", h_my_stats, AUTH_USER, NULL,
	    0),
	R(GET, "/api/tickets/my-tickets/{uid}/download/", h_my_download,
	    AUTH_USER, download_fields, 1),
	R(GET, "/api/tickets/my-tickets/{uid}/", h_my_one, AUTH_USER, NULL,
	    0),
	R(POST, "/api/tickets/my-tickets/{uid}/transfer/", h_my_transfer,
	    AUTH_USER, transfer_fields, TR__MAX),
	R(GET, "/api/tickets/", h_wallet, AUTH_USER, page_fields, 2),
	/* Last: {uid} would match every literal segment above. */
	R(GET, "/api/tickets/{uid}/", h_wallet_one, AUTH_USER, NULL, 0),
};

/* Which resource a request's path names. */
static enum variant_kind
kind_of(const struct req *req)
{
	static const char *const bases[VK__MAX] = {
		[VK_TYPE] = "/api/tickets/types",
		[VK_TIER] = "/api/tickets/tiers",
		[VK_DAY_PASS] = "/api/tickets/day-passes",
		[VK_DAY_TIER] = "/api/tickets/day-tier-prices",
	};
	size_t	 n;
	int	 k;

	for (k = 0; k < VK__MAX; k++) {
		n = strlen(bases[k]);
		if (strncmp(req->path, bases[k], n) == 0 &&
		    (req->path[n] == '/' || req->path[n] == '\0'))
			return (enum variant_kind)k;
	}
	return VK_TYPE;
}

/* Reads the query into flt (inside a read transaction: an event given
 * by slug is looked up).  400 with reasons when invalid. */
static enum err
read_filter(struct req *req, enum variant_kind k, struct variant_filter *flt,
    struct actor *a)
{
	const struct field_val	*f = req->f;
	const struct field_val	*ev = f[LF_EVENT].present ? &f[LF_EVENT] :
	    &f[LF_EVENT_ID];
	int64_t			 owner;
	enum err		 e = ERR_OK;

	memset(flt, 0, sizeof(*flt));
	flt->actor = a;
	flt->type_id = f[LF_TICKET_TYPE].present ? f[LF_TICKET_TYPE].i : 0;
	flt->is_active = f[LF_IS_ACTIVE].present ? (int)f[LF_IS_ACTIVE].i : -1;
	flt->on_sale = f[LF_IS_ON_SALE].present ? (int)f[LF_IS_ON_SALE].i : -1;
	flt->is_all_days = f[LF_IS_ALL_DAYS].present ?
	    (int)f[LF_IS_ALL_DAYS].i : -1;
	flt->day_number = f[LF_DAY_NUMBER].present ? f[LF_DAY_NUMBER].i : 0;
	flt->tier_number = f[LF_TIER_NUMBER].present ?
	    f[LF_TIER_NUMBER].i : 0;
	flt->search = f[LF_SEARCH].present ? f[LF_SEARCH].s : NULL;
	flt->ordering = f[LF_ORDERING].present ? f[LF_ORDERING].s : NULL;
	if (flt->ordering != NULL && !variant_ordering_valid(k, flt->ordering))
		e = http_field_error(req, "ordering",
		    "not an ordering this list offers");
	if (f[LF_PRICING_TYPE].present) {
		if (!event_pricing_type_valid(f[LF_PRICING_TYPE].s))
			e = http_field_error(req, "pricing_type",
			    "must be simple, tiered, "
			    "day_based or tier_and_day");
		flt->pricing_type = f[LF_PRICING_TYPE].s;
	}
	/* An unknown event lists nothing, as a filter on it would. */
	if (ev->present && e == ERR_OK &&
	    event_find(req->db, ev->s, a, &flt->event_id, &owner) != ERR_OK)
		flt->event_id = -1;
	return e;
}

/* The listing of the path's resource; paged or a plain array. */
static enum err
list(struct req *req, int paged, int need_event, int on_sale)
{
	enum variant_kind	 k = kind_of(req);
	struct variant_filter	 flt;
	struct pager		 pg;
	struct actor		 a;
	cJSON			*results, *doc;
	int64_t			 count;
	enum db_rc		 rc;
	enum err		 e;

	if (need_event && !req->f[LF_EVENT_ID].present &&
	    !req->f[LF_EVENT].present)
		return http_field_error(req, "event_id",
		    "This field is required.");
	if ((e = auth_identify(req)) != ERR_OK)
		return e;
	a = auth_actor(req);
	pager_read(&pg, &req->f[LF_PAGE], &req->f[LF_PAGE_SIZE]);
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((e = read_filter(req, k, &flt, &a)) != ERR_OK) {
		db_tx_rollback(req->db);
		return e;
	}
	if (on_sale)
		flt.on_sale = 1;
	rc = variant_list(req->db, k, tfmt_now(), &flt, paged ? pg.offset : 0,
	    paged ? pg.size : PER_PAGE_MAX, req->lang, &count, &results);
	db_tx_rollback(req->db);
	if (rc != DB_OK)
		return err_from_db(rc);
	if (!paged)
		return http_json(req, 200, results);
	if ((doc = pager_envelope(req, &pg, count, results)) == NULL)
		return ERR_INTERNAL;
	return http_json(req, 200, doc);
}

/*
 * POST /api/tickets {"user_id", "product_id", "quantity", "locale"}
 * (seed 000): free tickets of a product that costs nothing, for
 * user_id: an order on the order core, confirmed at once, its tickets
 * issued and mailed in locale (else the request's language).  billet-jo
 * lets admins do it for anyone; here a signed-in user may also do it
 * for themselves (the seed's front end calls it for the buyer).  201
 * {"message", "order"}; 422 PRODUCT_NOT_FREE for a priced product; 404
 * PRODUCT_NOT_FOUND; 404 NOT_FOUND when user_id is another's and the
 * caller not an admin, or no such account; the hold's outcomes
 * (OUT_OF_TICKETS, TOO_MANY_TICKETS, SALES_STOPPED, ...).
 */
static enum err
h_free_tickets(struct req *req)
{
	struct order_buyer	 b;
	struct order		 o;
	struct user		 u;
	enum lang		 lang = req->lang;
	char			 client[CLIENT_KEY_MAX + 1];
	int64_t			 order_id = 0;
	cJSON			*root, *j;
	enum err		 e;

	if (req->f[FF_LOCALE].present &&
	    (lang = i18n_parse(req->f[FF_LOCALE].s)) == LANG__MAX)
		return http_field_error(req, "locale", "One of sv, en, de, fr.");
	if ((req->f[FF_USER].i != req->user.id && !auth_actor(req).is_admin) ||
	    user_by_id(req->db, req->f[FF_USER].i, &u) != DB_OK) {
		req->err_detail = "No such user.";
		return ERR_NOT_FOUND;
	}
	memset(&b, 0, sizeof(b));
	b.user_id = u.id;
	b.email = u.email;
	b.name = u.name;
	b.lang = lang;
	buyer_addr_key(req->remote_addr, client);
	if ((e = cart_free_order(req->db, tfmt_now(), req->f[FF_PRODUCT].i,
	    req->f[FF_QUANTITY].i, &b, client, &order_id, &req->err_count)) !=
	    ERR_OK)
		return e;
	log_info("free order %lld of product %lld for user %lld by user %lld",
	    (long long)order_id, (long long)req->f[FF_PRODUCT].i,
	    (long long)u.id, (long long)req->user.id);
	spawn_cli(req->conf, "mail");
	if (order_load(req->db, order_id, &o) != DB_OK ||
	    (j = orderview_detail(req->db, tfmt_now(), &o)) == NULL)
		return ERR_INTERNAL;
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "message", "Tickets created");
	cJSON_AddItemToObject(root, "order", j);
	return http_json(req, 201, root);
}

/* GET /api/tickets/<resource>/ */
static enum err
h_list(struct req *req)
{
	return list(req, 1, 0, 0);
}

/* GET /api/tickets/types/by_event/?event_id=: the event's types. */
static enum err
h_by_event(struct req *req)
{
	return list(req, 0, 1, 0);
}

/* GET /api/tickets/types/available/: on sale and not sold out. */
static enum err
h_available(struct req *req)
{
	return list(req, 0, 0, 1);
}

/* Answers row id of the path's kind (inside or outside a transaction). */
static enum err
one_reply(struct req *req, int status, int64_t id)
{
	cJSON		*doc;
	enum db_rc	 rc;

	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	doc = variant_json(req->db, kind_of(req), id, req->lang, tfmt_now());
	db_tx_rollback(req->db);
	return doc != NULL ? http_json(req, status, doc) : ERR_NOT_FOUND;
}

/* GET /api/tickets/<resource>/{id}/ */
static enum err
h_one(struct req *req)
{
	struct actor	 a;
	int64_t		 owner;
	enum db_rc	 rc;
	enum err	 e;

	if ((e = auth_identify(req)) != ERR_OK)
		return e;
	a = auth_actor(req);
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	e = variant_find(req->db, kind_of(req), req->id, &a, &owner);
	db_tx_rollback(req->db);
	return e != ERR_OK ? e : one_reply(req, 200, req->id);
}

/* Creates (id 0) or changes a row in one write transaction. */
static enum err
save(struct req *req, int64_t id, int status)
{
	struct actor	 a = auth_actor(req);
	int64_t		 out = 0;
	enum db_rc	 rc;
	enum err	 e;

	if ((rc = db_tx_immediate(req->db)) != DB_OK)
		return err_from_db(rc);
	e = variant_save(req->db, tfmt_now(), &a, kind_of(req), id, req->f,
	    http_field_errs(req), &out);
	if (e != ERR_OK) {
		db_tx_rollback(req->db);
		return e;
	}
	if ((rc = db_tx_commit(req->db)) != DB_OK)
		return err_from_db(rc);
	return one_reply(req, status, out);
}

/* POST /api/tickets/<resource>/: 201. */
static enum err
h_create(struct req *req)
{
	return save(req, 0, 201);
}

/* PUT and PATCH /api/tickets/<resource>/{id}/: 200. */
static enum err
h_put(struct req *req)
{
	return save(req, req->id, 200);
}

/* DELETE /api/tickets/<resource>/{id}/: 204; 409 once ordered. */
static enum err
h_delete(struct req *req)
{
	struct actor	 a = auth_actor(req);
	enum db_rc	 rc;
	enum err	 e;

	if ((rc = db_tx_immediate(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((e = variant_delete(req->db, tfmt_now(), &a, kind_of(req),
	    req->id)) != ERR_OK) {
		db_tx_rollback(req->db);
		if (e == ERR_IN_USE)
			req->err_detail = "Tickets of this kind were ordered: "
			    "make it inactive instead.";
		return e;
	}
	if ((rc = db_tx_commit(req->db)) != DB_OK)
		return err_from_db(rc);
	return http_empty(req, 204);
}

/* GET /api/tickets/day-tier-prices/matrix/?ticket_type= */
static enum err
h_matrix(struct req *req)
{
	struct actor	 a;
	cJSON		*doc = NULL;
	int64_t		 owner;
	enum db_rc	 rc;
	enum err	 e;

	if (!req->f[LF_TICKET_TYPE].present)
		return http_field_error(req, "ticket_type",
		    "This field is required.");
	if ((e = auth_identify(req)) != ERR_OK)
		return e;
	a = auth_actor(req);
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((e = variant_find(req->db, VK_TYPE, req->f[LF_TICKET_TYPE].i, &a,
	    &owner)) == ERR_OK)
		doc = variant_matrix(req->db, req->f[LF_TICKET_TYPE].i,
		    req->lang, tfmt_now());
	db_tx_rollback(req->db);
	if (e != ERR_OK)
		return e;
	return doc != NULL ? http_json(req, 200, doc) : ERR_INTERNAL;
}

int
main(int argc, char *argv[])
{
	static const struct app app = { "tickets", routes, nitems(routes),
	    NULL };

	return route_main(argc, argv, &app);
}

/* 200 with results in the pagination envelope, or rc's error. */
static enum err
paged_reply(struct req *req, enum db_rc rc, const struct pager *pg,
    int64_t count, cJSON *results)
{
	cJSON	*doc;

	if (rc != DB_OK) {
		cJSON_Delete(results);
		return err_from_db(rc);
	}
	if ((doc = pager_envelope(req, pg, count, results)) == NULL)
		return ERR_INTERNAL;
	return http_json(req, 200, doc);
}

/*
 * GET /api/tickets/my-tickets/ (seed 004): the signed-in user's tickets,
 * filtered by status (active, used, cancelled, expired), is_used and
 * event (id or slug), ordered by created_at or event_date (either
 * descending with "-"), paginated.
 */
static enum err
h_my_list(struct req *req)
{
	struct wallet_filter	 flt = { WALLET_ANY, -1, NULL, WALLET_NEWEST };
	struct pager		 pg;
	cJSON			*results = NULL;
	int64_t			 count = 0;
	enum db_rc		 rc;
	enum err		 e = ERR_OK;

	if (req->f[MF_STATUS].present && (flt.status =
	    wallet_status_parse(req->f[MF_STATUS].s)) == WALLET_STATUS__MAX)
		e = http_field_error(req, "status",
		    "must be active, used, cancelled or expired");
	if (req->f[MF_ORDERING].present && (flt.order =
	    wallet_order_parse(req->f[MF_ORDERING].s)) == WALLET_ORDER__MAX)
		e = http_field_error(req, "ordering",
		    "not an ordering this list offers");
	if (e != ERR_OK)
		return e;
	if (req->f[MF_IS_USED].present)
		flt.used = (int)req->f[MF_IS_USED].i;
	if (req->f[MF_EVENT].present)
		flt.event = req->f[MF_EVENT].s;
	pager_read(&pg, &req->f[MF_PAGE], &req->f[MF_PAGE_SIZE]);
	(void)ticketkey_ensure_user(req->db, req->user.id, tfmt_now());
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = wallet_list(req->db, tfmt_now(), req->user.id, &flt, pg.offset,
	    pg.size, &results, &count);
	db_tx_rollback(req->db);
	return paged_reply(req, rc, &pg, count, results);
}

/* GET /api/tickets/my-tickets/stats/ (seed 004's five counters). */
static enum err
h_my_stats(struct req *req)
{
	cJSON		*doc = NULL;
	enum db_rc	 rc;

	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = wallet_stats(req->db, tfmt_now(), req->user.id, &doc);
	db_tx_rollback(req->db);
	return rc == DB_OK ? http_json(req, 200, doc) : err_from_db(rc);
}

/* One of the user's tickets by uid, in seed 004's or 003's shape, with
 * its QR code as a picture; anyone else's is 404 as if it did not
 * exist. */
static enum err
one_ticket(struct req *req, int seed003)
{
	const char	*uid = http_param(req, 0);
	cJSON		*doc = NULL;
	enum db_rc	 rc;

	if (uid == NULL || strlen(uid) != UUID_LEN)
		return ERR_TICKET_NOT_FOUND;
	(void)ticketkey_ensure_user(req->db, req->user.id, tfmt_now());
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = wallet_get(req->db, tfmt_now(), req->user.id, uid, seed003,
	    &doc);
	db_tx_rollback(req->db);
	if (rc == DB_NOTFOUND)
		return ERR_TICKET_NOT_FOUND;
	return rc == DB_OK ? http_json(req, 200, doc) : err_from_db(rc);
}

/* GET /api/tickets/my-tickets/{uid}/ (seed 004) */
static enum err
h_my_one(struct req *req)
{
	return one_ticket(req, 0);
}

/*
 * GET /api/tickets/my-tickets/{uid}/download/?layout=a4|ticket (seed
 * 004): the user's ticket as a PDF to keep or print (lib/ticketpdf),
 * saved as ticket-<code>.pdf.  A used, cancelled or past ticket still
 * downloads, marked so and without a QR code, as on the ticket pages.
 * 400 for another layout, 404 for anyone else's ticket.
 */
static enum err
h_my_download(struct req *req)
{
	const char		*uid = http_param(req, 0);
	enum ticketpdf_layout	 layout = TICKETPDF_A4;
	struct ticketpdf_set	 set;
	int64_t			 now = tfmt_now();
	enum db_rc		 rc;

	if (req->f[0].present && (layout =
	    ticketpdf_layout_parse(req->f[0].s)) == TICKETPDF__MAX)
		return http_field_error(req, "layout", "must be a4 or ticket");
	if (uid == NULL || strlen(uid) != UUID_LEN)
		return ERR_TICKET_NOT_FOUND;
	(void)ticketkey_ensure_user(req->db, req->user.id, now);
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = ticketpdf_load_ticket(req->db, now, req->user.id, uid, &set);
	db_tx_rollback(req->db);
	if (rc == DB_NOTFOUND)
		return ERR_TICKET_NOT_FOUND;
	if (rc != DB_OK)
		return err_from_db(rc);
	return ticketpdf_answer(req, &set, layout, 0);
}

/* GET /api/tickets/{uid}/ (seed 003: the ticket for its QR page) */
static enum err
h_wallet_one(struct req *req)
{
	return one_ticket(req, 1);
}

/*
 * POST /api/tickets/my-tickets/{uid}/transfer/ {"name", "email"}: the
 * signed-in holder gives the ticket to another person: its code stops
 * working at once, a new ticket is mailed to them, the holder gets a
 * confirmation.  200 {"message", "ticket"} with the ticket as the
 * holder now sees it (cancelled, is_transferred), never the new one's
 * code.  404 TICKET_NOT_FOUND (not theirs); 409 TICKET_TRANSFERRED,
 * TICKET_ALREADY_USED, TICKET_NOT_VALID; 422 TRANSFER_NOT_ALLOWED,
 * TRANSFER_WINDOW_CLOSED, TRANSFER_LIMIT_REACHED.
 */
static enum err
h_my_transfer(struct req *req)
{
	struct transfer_done	 done;
	const char		*uid = http_param(req, 0);
	cJSON			*j, *doc = NULL;
	int64_t			 ticket_id, now = tfmt_now();
	enum db_rc		 rc;
	enum err		 e;

	if ((rc = transfer_find_held(req->db, uid, req->user.id,
	    &ticket_id)) != DB_OK)
		return rc == DB_NOTFOUND ? ERR_TICKET_NOT_FOUND :
		    err_from_db(rc);
	if ((e = transfer_ticket(req->db, now, ticket_id, req->f[TR_NAME].s,
	    req->f[TR_EMAIL].s, req->user.id, &done)) != ERR_OK)
		return e;
	spawn_cli(req->conf, "mail");
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = wallet_get(req->db, now, req->user.id, uid, 0, &doc);
	db_tx_rollback(req->db);
	if (rc != DB_OK)
		return err_from_db(rc == DB_NOTFOUND ? DB_ERROR : rc);
	cJSON_DeleteItemFromObject(doc, "qr_code");
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "message", "Ticket transferred.");
	cJSON_AddItemToObject(j, "ticket", doc);
	return http_json(req, 200, j);
}

/* GET /api/tickets/ (seed 003's wallet): every ticket of the user,
 * newest first, in pages of 20 as its DRF settings give. */
static enum err
h_wallet(struct req *req)
{
	struct pager	 pg;
	cJSON		*results = NULL;
	int64_t		 count = 0;
	enum db_rc	 rc;

	pager_read(&pg, &req->f[0], &req->f[1]);
	(void)ticketkey_ensure_user(req->db, req->user.id, tfmt_now());
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = wallet_list003(req->db, tfmt_now(), req->user.id, pg.offset,
	    pg.size, &results, &count);
	db_tx_rollback(req->db);
	return paged_reply(req, rc, &pg, count, results);
}
