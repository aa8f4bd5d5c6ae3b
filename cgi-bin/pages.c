/*
 * pages: the buyer's pages, plain HTML forms that work without
 * JavaScript.
 *
 *	GET  /				the show's events
 *	GET  /events/{id}		one event with the ticket picker
 *	POST /events/{id}/reserve	hold the picked tickets, then checkout
 *	GET  /checkout			summary, time left, e-mail form
 *
 * Paying (POST /payment onwards) is in the pay program, which alone
 * holds the Swish certificate.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "auth.h"
#include "buyer.h"
#include "catalog.h"
#include "db.h"
#include "field.h"
#include "http.h"
#include "i18n.h"
#include "limits.h"
#include "money.h"
#include "order.h"
#include "page.h"
#include "route.h"
#include "session.h"
#include "spawn.h"
#include "tfmt.h"

#define FEW_LEFT	20	/* "only N left" below this */

static enum err	h_index(struct req *);
static enum err	h_event(struct req *);
static enum err	h_reserve(struct req *);
static enum err	h_checkout(struct req *);
static enum err	h_verification(struct req *);

static const struct route routes[] = {
	{ METHOD_GET, "/", h_index, AUTH_NONE, STYLE_PAGE,
	    NULL, 0, 0, ERR_OK },
	{ METHOD_GET, "/events/{id}", h_event, AUTH_NONE, STYLE_PAGE,
	    NULL, 0, 0, ERR_EVENT_NOT_FOUND },
	{ METHOD_POST, "/events/{id}/reserve", h_reserve, AUTH_NONE,
	    STYLE_PAGE, NULL, 0, ROUTE_FORM, ERR_EVENT_NOT_FOUND },
	{ METHOD_GET, "/checkout", h_checkout, AUTH_NONE, STYLE_PAGE,
	    NULL, 0, 0, ERR_OK },
	{ METHOD_GET, "/verification-result/{result}", h_verification,
	    AUTH_NONE, STYLE_PAGE, NULL, 0, 0, ERR_OK },
};

/* "2026-12-05 19:00" in the configured zone. */
static void
add_when(cJSON *o, const char *name, int64_t t)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;
	char		 buf[32];

	localtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M", &tm);
	cJSON_AddStringToObject(o, name, buf);
}

/*
 * Adds what the templates show about an API event: when, few, and each
 * price formatted for the reader (price.text, "199.00 kr").
 */
static void
decorate(cJSON *ev, int64_t max_per, enum lang lang)
{
	cJSON		*t, *opts, *price;
	const char	*at;
	char		 money[MONEY_STR_MAX];
	int64_t		 left, i, when;

	left = (int64_t)cJSON_GetObjectItem(ev, "tickets_left")->valuedouble;
	at = cJSON_GetObjectItem(ev, "event_at")->valuestring;
	if (tfmt_parse_iso(at, &when) == 0)
		add_when(ev, "when", when);
	cJSON_AddBoolToObject(ev, "few", left > 0 && left < FEW_LEFT);
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(ev, "ticket_types")) {
		price = cJSON_GetObjectItem(t, "price");
		(void)money_format(money, sizeof(money), (int64_t)
		    cJSON_GetObjectItem(price, "amount")->valuedouble,
		    cJSON_GetObjectItem(price, "currency")->valuestring, lang);
		cJSON_AddStringToObject(price, "text", money);
		/* Counts offered: 0 .. min(left, max per order). */
		opts = cJSON_AddArrayToObject(t, "counts");
		for (i = 0; i <= max_per && i <= left; i++)
			cJSON_AddItemToArray(opts, cJSON_CreateNumber((double)i));
	}
}

/* GET /: the events on sale, with "sold out" and "only N left". */
static enum err
h_index(struct req *req)
{
	cJSON		*doc, *ev;
	enum db_rc	 rc;

	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = catalog_api_list(req->db, tfmt_now(), 1, PER_PAGE_MAX, 0, 0, &doc);
	db_tx_rollback(req->db);
	if (rc != DB_OK)
		return err_from_db(rc);
	cJSON_ArrayForEach(ev, cJSON_GetObjectItem(doc, "data"))
		decorate(ev, 0, req->lang);
	return page_render(req, 200, "index", doc);
}

/* Loads the event page's context; NULL when there is no such event. */
static cJSON *
event_context(struct req *req, enum err *e)
{
	cJSON		*ev = NULL, *ctx;
	int64_t		 id, stop;
	enum db_rc	 rc;

	*e = ERR_EVENT_NOT_FOUND;
	id = req->id;
	if ((rc = db_tx_read(req->db)) != DB_OK) {
		*e = err_from_db(rc);
		return NULL;
	}
	rc = catalog_api_event(req->db, id, &ev);
	db_tx_rollback(req->db);
	if (rc != DB_OK) {
		*e = rc == DB_NOTFOUND ? ERR_EVENT_NOT_FOUND :
		    err_from_db(rc);
		return NULL;
	}
	decorate(ev, (int64_t)cJSON_GetObjectItem(ev,
	    "max_tickets_per_order")->valuedouble, req->lang);
	if (tfmt_parse_iso(cJSON_GetObjectItem(ev, "sales_stop_at")->
	    valuestring, &stop) == 0 && stop <= tfmt_now())
		cJSON_AddBoolToObject(ev, "stopped", 1);
	ctx = cJSON_CreateObject();
	cJSON_AddItemToObject(ctx, "event", ev);
	*e = ERR_OK;
	return ctx;
}

/* GET /events/{id}: the ticket picker.  404 for unknown events. */
static enum err
h_event(struct req *req)
{
	cJSON	*ctx;
	enum err e;

	if ((ctx = event_context(req, &e)) == NULL)
		return e;
	return page_render(req, 200, "event", ctx);
}

/* The event page again, with a message saying why nothing was held. */
static enum err
event_error(struct req *req, int status, const char *msg, int64_t left)
{
	cJSON	*ctx;
	enum err e;

	if ((ctx = event_context(req, &e)) == NULL)
		return e;
	if (left == 0)
		cJSON_AddStringToObject(ctx, "error",
		    page_t(req, "Sold out: there are no tickets left."));
	else if (left > 0)
		cJSON_AddStringToObject(ctx, "error", page_tn(req,
		    "Only {n} tickets are left.", (long long)left));
	else
		cJSON_AddStringToObject(ctx, "error", page_t(req, msg));
	return page_render(req, status, "event", ctx);
}

/*
 * POST /events/{id}/reserve (form: csrf, t<type id>=<count>...).  303 to
 * /checkout with the session cookie; otherwise the event page with the
 * reason (403 sold out or too many, 422 too many on hold from this
 * address, 404 unknown type, 400 bad form).
 */
static enum err
h_reserve(struct req *req)
{
	struct order_line_req	 lines[ARRAY_ITEMS_MAX];
	struct session		 prev, *prevp = NULL;
	const cJSON		*m;
	char			 tok[TOKEN_HEX_LEN + 1];
	char			 client[CLIENT_KEY_MAX + 1];
	int64_t			 event_id, type_id, count, now = tfmt_now();
	int64_t			 left;
	size_t			 n = 0;
	int			 started;
	enum err		 e;

	event_id = req->id;
	/* The form's t<id> fields, validated here: their names vary. */
	if (req->body != NULL && !cJSON_IsObject(req->body))
		return ERR_BAD_REQUEST;
	cJSON_ArrayForEach(m, req->body) {
		if (m->string == NULL || m->string[0] != 't' ||
		    !cJSON_IsString(m))
			continue;
		if (field_strtonum(m->string + 1, 1, ID_MAX, &type_id) == -1 ||
		    field_strtonum(m->valuestring, 0, TICKET_COUNT_MAX,
		    &count) == -1)
			return event_error(req, 400, "Choose how many tickets "
			    "you want.", -1);
		if (count == 0)
			continue;
		if (n == ARRAY_ITEMS_MAX)
			return ERR_BAD_REQUEST;
		lines[n].ticket_type_id = type_id;
		lines[n++].count = count;
	}
	if (n == 0)
		return event_error(req, 400, "Choose how many tickets you "
		    "want.", -1);

	if (auth_cookie_session(req, now, &prev))
		prevp = &prev;
	buyer_addr_key(req->remote_addr, client);
	e = order_reserve(req->db, now, event_id, lines, n, prevp, client, tok,
	    &left, &started);
	switch (e) {
	case ERR_OK:
		break;
	case ERR_OUT_OF_TICKETS:
		return event_error(req, 403, NULL, left);
	case ERR_TOO_MANY_TICKETS:
		return event_error(req, 403, "That is more tickets than one "
		    "order may hold.", -1);
	case ERR_HOLD_LIMIT:
		return event_error(req, 422, "Too many tickets for this event "
		    "are already on hold from your connection. Pay for them or "
		    "wait until they are released, then try again.", -1);
	case ERR_SALES_STOPPED:
		return event_error(req, 403, "Ticket sales for this event "
		    "have stopped.", -1);
	case ERR_TICKET_TYPE_NOT_FOUND:
		return event_error(req, 404, "The ticket type does not exist "
		    "for this event.", -1);
	default:
		return e;
	}
	if (started)
		spawn_cli(req->conf, "expire");
	if (http_set_cookie(req, SESSION_COOKIE, tok, SESSION_SECONDS) == -1)
		return ERR_INTERNAL;
	return page_redirect(req, "/checkout");
}

/*
 * GET /checkout: the held tickets, the time left and the e-mail form;
 * a message page when there is no hold or it has lapsed.
 */
static enum err
h_checkout(struct req *req)
{
	struct session	 s;
	struct order	 o;
	cJSON		*ctx, *sum;
	int64_t		 now = tfmt_now();
	enum db_rc	 rc;

	if (!auth_cookie_session(req, now, &s) || s.order_id == 0)
		return page_no_reservation(req);
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = order_load(req->db, s.order_id, &o);
	sum = rc == DB_OK ? order_summary(req->db, s.order_id, now, req->lang) :
	    NULL;
	db_tx_rollback(req->db);
	if (sum == NULL)
		return ERR_INTERNAL;
	if (o.status == ORDER_PAID) {
		cJSON_Delete(sum);
		return page_redirect(req, "/done");
	}
	ctx = cJSON_CreateObject();
	cJSON_AddItemToObject(ctx, "order", sum);
	if (strcmp(order_compat_status(&o, now), "RESERVED") != 0)
		cJSON_AddBoolToObject(ctx, "expired", 1);
	if (o.payment_started && o.status == ORDER_RESERVED)
		cJSON_AddBoolToObject(ctx, "started", 1);
	return page_render(req, 200, "checkout", ctx);
}

/*
 * GET /verification-result/{success|invalid|already-verified|error|
 * email-changed}: where the mailed links land (seed 000).
 */
static enum err
h_verification(struct req *req)
{
	static const struct {
		const char	*name;
		int		 status;
		const char	*title;
		const char	*message;
	} results[] = {
		{ "success", 200, N_("E-mail address confirmed"),
		    N_("Your e-mail address is confirmed. You can sign in "
		    "now.") },
		{ "already-verified", 200, N_("Already confirmed"),
		    N_("This e-mail address was already confirmed.") },
		{ "email-changed", 200, N_("E-mail address changed"),
		    N_("Your account now uses the new e-mail address.") },
		{ "invalid", 400, N_("The link does not work"),
		    N_("The link is invalid or has expired. Ask for a new "
		    "one.") },
		{ "error", 500, N_("Something went wrong"),
		    N_("Something went wrong on our side.") },
	};
	const char	*which = http_param(req, 0);
	cJSON		*ctx;
	size_t		 i;

	for (i = 0; i < sizeof(results) / sizeof(results[0]); i++)
		if (strcmp(which, results[i].name) == 0) {
			ctx = cJSON_CreateObject();
			cJSON_AddStringToObject(ctx, "title",
			    page_t(req, results[i].title));
			cJSON_AddStringToObject(ctx, "message",
			    page_t(req, results[i].message));
			return page_render(req, results[i].status, "message",
			    ctx);
		}
	return ERR_NOT_FOUND;
}

int
main(int argc, char *argv[])
{
	static const struct app app = { "pages", routes, nitems(routes),
	    NULL };

	return route_main(argc, argv, &app);
}
