/*
 * pages: the buyer's pages, plain HTML forms that work without
 * JavaScript.
 *
 *	GET  /				the show's events
 *	GET  /events/{id}		one event with the ticket picker
 *	POST /events/{id}/reserve	hold the picked tickets, then checkout
 *	GET  /events/{id}/queue		one's place in the on-sale queue
 *	POST /events/{id}/queue		join it
 *	GET  /tickets/{order}/{token}	an order's tickets, from the mail's link
 *	GET  /tickets/{order}/{token}/pdf	the same as a PDF, a page each
 *	POST /tickets/{order}/{token}/resend	mail them again
 *	POST /tickets/{order}/{token}/transfer	give one to someone else
 *	GET  /tickets/ticket/{uid}/{token}	one ticket a transfer gave,
 *					from its mail's link
 *	POST /tickets/ticket/{uid}/{token}/transfer	give it on
 *	GET  /my-tickets		a signed-in buyer's tickets
 *	GET POST /login, POST /logout	signing in and out for it
 *
 * Checking out and paying (GET /checkout, POST /payment onwards) are in
 * the pay program, which alone holds the providers' keys and so knows
 * which ways to pay it can offer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "auth.h"
#include "buyer.h"
#include "catalog.h"
#include "conf.h"
#include "db.h"
#include "field.h"
#include "http.h"
#include "i18n.h"
#include "limits.h"
#include "money.h"
#include "order.h"
#include "orderview.h"
#include "page.h"
#include "pagelogin.h"
#include "queue.h"
#include "route.h"
#include "session.h"
#include "spawn.h"
#include "tfmt.h"
#include "ticketkey.h"
#include "ticketpdf.h"
#include "transfer.h"
#include "wallet.h"

#define FEW_LEFT	20	/* "only N left" below this */
#define QUEUE_REFRESH	10	/* seconds between looks at one's place
				   without JavaScript */

static enum err	h_index(struct req *);
static enum err	h_event(struct req *);
static enum err	h_reserve(struct req *);
static enum err	h_queue(struct req *);
static enum err	h_queue_join(struct req *);
static enum err	h_verification(struct req *);
static enum err	h_order_tickets(struct req *);
static enum err	h_order_pdf(struct req *);
static enum err	h_my_tickets(struct req *);
static enum err	h_order_resend(struct req *);
static enum err	h_order_transfer(struct req *);
static enum err	h_one_ticket(struct req *);
static enum err	h_one_transfer(struct req *);
static enum err	h_login_form(struct req *);
static enum err	h_login(struct req *);
static enum err	h_logout(struct req *);

static const struct field_spec next_fields[1] = {
	{ "next", FIELD_STRING, FIELD_QUERY, 1, PAGELOGIN_NEXT_MAX, NULL, 0 },
};

/* The PDF's layout: a4 (the default) or ticket (3 x 5 inches). */
static const struct field_spec layout_fields[1] = {
	{ "layout", FIELD_STRING, FIELD_QUERY, 1, 16, NULL, 0 },
};

static enum err	order_page(struct req *, int, const char *, const char *);

/* A page's transfer form: which ticket, to whom. */
enum transfer_field { TF_TICKET, TF_NAME, TF_EMAIL, TF_CSRF, TF__MAX };

static const struct field_spec transfer_fields[TF__MAX] = {
	[TF_TICKET] = { "ticket", FIELD_STRING, 0, 0, UUID_LEN, NULL, 0 },
	[TF_NAME] = { "name", FIELD_STRING, FIELD_REQUIRED, 1, BUYER_NAME_MAX,
	    NULL, 0 },
	[TF_EMAIL] = { "email", FIELD_EMAIL, FIELD_REQUIRED, 3, EMAIL_MAX,
	    NULL, 0 },
	[TF_CSRF] = { "csrf", FIELD_STRING, 0, 0, TOKEN_HEX_LEN, NULL, 0 },
};

static const struct field_spec resend_fields[1] = {
	{ "csrf", FIELD_STRING, 0, 0, TOKEN_HEX_LEN, NULL, 0 },
};

static const struct route routes[] = {
	{ METHOD_GET, "/", h_index, AUTH_NONE, STYLE_PAGE,
	    NULL, 0, 0, ERR_OK },
	{ METHOD_GET, "/events/{id}", h_event, AUTH_NONE, STYLE_PAGE,
	    NULL, 0, 0, ERR_EVENT_NOT_FOUND },
	{ METHOD_POST, "/events/{id}/reserve", h_reserve, AUTH_NONE,
	    STYLE_PAGE, NULL, 0, ROUTE_FORM, ERR_EVENT_NOT_FOUND },
	{ METHOD_GET, "/events/{id}/queue", h_queue, AUTH_NONE, STYLE_PAGE,
	    NULL, 0, 0, ERR_EVENT_NOT_FOUND },
	{ METHOD_POST, "/events/{id}/queue", h_queue_join, AUTH_NONE,
	    STYLE_PAGE, NULL, 0, ROUTE_FORM, ERR_EVENT_NOT_FOUND },
	{ METHOD_GET, "/verification-result/{result}", h_verification,
	    AUTH_NONE, STYLE_PAGE, NULL, 0, 0, ERR_OK },
	{ METHOD_GET, "/tickets/{order}/{token}", h_order_tickets, AUTH_NONE,
	    STYLE_PAGE, NULL, 0, ROUTE_SECRET_PATH, ERR_TICKET_NOT_FOUND },
	{ METHOD_GET, "/tickets/{order}/{token}/pdf", h_order_pdf, AUTH_NONE,
	    STYLE_PAGE, layout_fields, 1, ROUTE_SECRET_PATH,
	    ERR_TICKET_NOT_FOUND },
	{ METHOD_POST, "/tickets/{order}/{token}/resend", h_order_resend,
	    AUTH_NONE, STYLE_PAGE, resend_fields, 1,
	    ROUTE_FORM | ROUTE_SECRET_PATH, ERR_TICKET_NOT_FOUND },
	{ METHOD_POST, "/tickets/{order}/{token}/transfer", h_order_transfer,
	    AUTH_NONE, STYLE_PAGE, transfer_fields, TF__MAX,
	    ROUTE_FORM | ROUTE_SECRET_PATH, ERR_TICKET_NOT_FOUND },
	{ METHOD_GET, "/tickets/ticket/{uid}/{token}", h_one_ticket,
	    AUTH_NONE, STYLE_PAGE, NULL, 0, ROUTE_SECRET_PATH,
	    ERR_TICKET_NOT_FOUND },
	{ METHOD_POST, "/tickets/ticket/{uid}/{token}/transfer",
	    h_one_transfer, AUTH_NONE, STYLE_PAGE, transfer_fields, TF__MAX,
	    ROUTE_FORM | ROUTE_SECRET_PATH, ERR_TICKET_NOT_FOUND },
	{ METHOD_GET, "/my-tickets", h_my_tickets, AUTH_NONE, STYLE_PAGE,
	    NULL, 0, 0, ERR_OK },
	{ METHOD_GET, "/login", h_login_form, AUTH_NONE, STYLE_PAGE,
	    next_fields, 1, 0, ERR_OK },
	{ METHOD_POST, "/login", h_login, AUTH_NONE, STYLE_PAGE,
	    pagelogin_fields, PAGELOGIN__MAX, ROUTE_FORM, ERR_OK },
	{ METHOD_POST, "/logout", h_logout, AUTH_NONE, STYLE_PAGE,
	    NULL, 0, ROUTE_FORM, ERR_OK },
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
	cJSON		*ev = NULL, *ctx, *start;
	char		 pass[QUEUE_COOKIE_NAME_MAX];
	int64_t		 id, stop, when, now = tfmt_now();
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
	    valuestring, &stop) == 0 && stop <= now)
		cJSON_AddBoolToObject(ev, "stopped", 1);

	/* Not on sale yet, or only to those whose turn in the line it is. */
	start = cJSON_GetObjectItem(ev, "sales_start_at");
	if (cJSON_IsString(start) &&
	    tfmt_parse_iso(start->valuestring, &when) == 0 && when > now)
		add_when(ev, "starts", when);
	queue_pass_cookie(id, pass);
	if (cJSON_IsTrue(cJSON_GetObjectItem(ev, "queue"))) {
		if (!queue_pass_valid(http_cookie(req, pass), id, now))
			cJSON_AddBoolToObject(ev, "queue_needed", 1);
	} else if (cJSON_GetObjectItem(ev, "starts") != NULL)
		cJSON_AddBoolToObject(ev, "not_started", 1);
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

/* 303 to the event's queue page. */
static enum err
to_queue(struct req *req)
{
	const char	*to;

	if ((to = arena_printf(req->pool, "/events/%lld/queue",
	    (long long)req->id)) == NULL)
		return ERR_INTERNAL;
	return page_redirect(req, to);
}

/* 303 to the event's page. */
static enum err
to_event(struct req *req)
{
	const char	*to;

	if ((to = arena_printf(req->pool, "/events/%lld",
	    (long long)req->id)) == NULL)
		return ERR_INTERNAL;
	return page_redirect(req, to);
}

/*
 * POST /events/{id}/reserve (form: csrf, t<type id>=<count>...).  303 to
 * /checkout with the session cookie; 303 to /events/{id}/queue for an
 * event with a queue when the queuepass<id> cookie is no valid pass;
 * otherwise the event page with the reason (403 sold out, too many or
 * not on sale yet, 422 too many on hold from this address, 404 unknown
 * type, 400 bad form).
 */
static enum err
h_reserve(struct req *req)
{
	struct order_line_req	 lines[ARRAY_ITEMS_MAX];
	struct session		 prev, *prevp = NULL;
	const cJSON		*m;
	char			 tok[TOKEN_HEX_LEN + 1];
	char			 pass[QUEUE_COOKIE_NAME_MAX];
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
	queue_pass_cookie(event_id, pass);
	buyer_addr_key(req->remote_addr, client);
	e = order_reserve(req->db, now, event_id, lines, n, prevp,
	    http_cookie(req, pass), client, tok, &left, &started);
	switch (e) {
	case ERR_OK:
		break;
	case ERR_QUEUE_REQUIRED:
		return to_queue(req);
	case ERR_SALES_NOT_STARTED:
		return event_error(req, 403, "Ticket sales for this event "
		    "have not started yet.", -1);
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
 * Sets the cookies of a place in the line: queueid when new_visitor is
 * set, the pass while admitted (deleted once it lapses).  Returns 0/-1.
 */
static int
place_cookies(struct req *req, int64_t now, const char *new_visitor,
    const struct queue_place *p)
{
	char	 name[QUEUE_COOKIE_NAME_MAX];

	queue_pass_cookie(p->event_id, name);
	if (new_visitor[0] != '\0' && http_set_cookie(req,
	    QUEUE_VISITOR_COOKIE, new_visitor, QUEUE_VISITOR_SECONDS) == -1)
		return -1;
	if (p->state == QUEUE_ADMITTED)
		return http_set_cookie(req, name, p->pass,
		    (long)(p->pass_expires_at - now));
	if (p->state == QUEUE_LAPSED && http_cookie(req, name) != NULL)
		return http_set_cookie(req, name, "", 0);
	return 0;
}

/* "About 5 minutes", "Less than a minute". */
static const char *
minutes_text(struct req *req, int64_t seconds)
{
	if (seconds < 60)
		return page_t(req, "Less than a minute");
	return page_tn(req, "About {n} minutes", (long long)
	    ((seconds + 59) / 60));
}

/*
 * GET /events/{id}/queue: one's place in the event's line (the queueid
 * cookie's): a form to join without one; the place and the estimated
 * wait while waiting (the page looks again by itself); when it is one's
 * turn the pass cookie and a link to the tickets; when the turn lapsed,
 * a form to join again.  303 to the event page when it has no queue or
 * its sales have stopped; 404 for unknown events.
 */
static enum err
h_queue(struct req *req)
{
	struct queue_place	 p;
	cJSON			*ctx, *place;
	int64_t			 now = tfmt_now();
	enum err		 e;

	e = queue_status(req->db, now, req->id,
	    http_cookie(req, QUEUE_VISITOR_COOKIE), &p);
	if (e == ERR_NOT_FOUND || e == ERR_SALES_STOPPED)
		return to_event(req);
	if (e != ERR_OK)
		return e;
	if ((ctx = event_context(req, &e)) == NULL)
		return e;
	if ((place = queue_place_json(&p)) == NULL) {
		cJSON_Delete(ctx);
		return ERR_INTERNAL;
	}
	cJSON_AddItemToObject(ctx, "place", place);
	cJSON_AddBoolToObject(ctx, queue_state_str(p.state), 1);
	cJSON_AddStringToObject(ctx, "title", page_t(req, "Waiting line"));
	switch (p.state) {
	case QUEUE_WAITING:
		cJSON_AddStringToObject(ctx, "wait",
		    minutes_text(req, p.wait_seconds));
		cJSON_AddNumberToObject(ctx, "refresh", QUEUE_REFRESH);
		break;
	case QUEUE_ADMITTED:
		cJSON_AddStringToObject(ctx, "turn", page_tn(req,
		    "Reserve your tickets within {n} minutes.", (long long)
		    ((p.pass_expires_at - now + 59) / 60)));
		break;
	default:
		break;
	}
	if (place_cookies(req, now, "", &p) == -1) {
		cJSON_Delete(ctx);
		return ERR_INTERNAL;
	}
	return page_render(req, 200, "queue", ctx);
}

/*
 * POST /events/{id}/queue (form: csrf): joins the event's line, once
 * per queueid cookie (set here when missing; a lapsed turn goes to the
 * back), then 303 to the queue page; 303 to the event page when it has
 * no queue or its sales have stopped; 404 for unknown events.
 */
static enum err
h_queue_join(struct req *req)
{
	struct queue_place	 p;
	char			 fresh[TOKEN_HEX_LEN + 1];
	int64_t			 now = tfmt_now();
	enum err		 e;

	e = queue_join(req->db, now, req->id,
	    http_cookie(req, QUEUE_VISITOR_COOKIE), fresh, &p);
	if (e == ERR_NOT_FOUND || e == ERR_SALES_STOPPED)
		return to_event(req);
	if (e != ERR_OK)
		return e;
	if (place_cookies(req, now, fresh, &p) == -1)
		return ERR_INTERNAL;
	return to_queue(req);
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

/*
 * What the tickets page shows of each ticket (lib/wallet's seed-004
 * shape with its QR picture): its status as a flag for the template,
 * and the times in the configured zone.
 */
static void
decorate_tickets(cJSON *tickets)
{
	static const char *const states[] = { "active", "used", "cancelled",
	    "expired" };
	cJSON		*t, *v;
	const char	*status;
	int64_t		 when;
	size_t		 i;

	cJSON_ArrayForEach(t, tickets) {
		status = cJSON_GetStringValue(cJSON_GetObjectItem(t, "status"));
		/* A transferred ticket says so rather than "cancelled". */
		if (cJSON_IsTrue(cJSON_GetObjectItem(t, "is_transferred"))) {
			cJSON_AddBoolToObject(t, "transferred", 1);
			status = "transferred";
		}
		for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
			cJSON_AddBoolToObject(t, states[i], status != NULL &&
			    strcmp(status, states[i]) == 0);
		v = cJSON_GetObjectItem(t, "event_date");
		if (cJSON_IsString(v) && tfmt_parse_iso(v->valuestring,
		    &when) == 0)
			add_when(t, "when", when);
		v = cJSON_GetObjectItem(t, "used_at");
		if (cJSON_IsString(v) && tfmt_parse_iso(v->valuestring,
		    &when) == 0)
			add_when(t, "used_when", when);
	}
}

/*
 * What a tickets page offers besides the tickets: action, the page's own
 * path, under which its forms post (NULL: none; a mail link's page);
 * resend adds the "send again" button; notice or error (may be NULL)
 * says how the last form went.
 */
struct page_extra {
	const char	*action;
	int		 resend;
	const char	*notice;
	const char	*error;
	const char	*pdf_url;	/* all of them as a PDF, or NULL */
};

/* The tickets page with title and intro over tickets (owned: freed);
 * signed_in adds the sign-out button, x (may be NULL) the forms. */
static enum err
tickets_page_x(struct req *req, int status, const char *title,
    const char *intro, cJSON *tickets, int signed_in,
    const struct page_extra *x)
{
	cJSON	*ctx = cJSON_CreateObject();

	decorate_tickets(tickets);
	if (x != NULL) {
		if (x->action != NULL)
			cJSON_AddStringToObject(ctx, "action", x->action);
		cJSON_AddBoolToObject(ctx, "resend", x->resend);
		if (x->notice != NULL)
			cJSON_AddStringToObject(ctx, "notice", x->notice);
		if (x->error != NULL)
			cJSON_AddStringToObject(ctx, "error", x->error);
	}
	cJSON_AddStringToObject(ctx, "title", title);
	if (x != NULL && x->pdf_url != NULL)
		cJSON_AddStringToObject(ctx, "pdf_url", x->pdf_url);
	cJSON_AddBoolToObject(ctx, "signed_in", signed_in);
	if (intro != NULL)
		cJSON_AddStringToObject(ctx, "intro", intro);
	cJSON_AddItemToObject(ctx, "tickets", tickets);
	/* A bearer link: never kept by a shared cache or a search engine. */
	if (http_add_header(req, "X-Robots-Tag", "noindex") == -1) {
		cJSON_Delete(ctx);
		return ERR_INTERNAL;
	}
	return page_render(req, status, "tickets", ctx);
}

static enum err
tickets_page(struct req *req, const char *title, const char *intro,
    cJSON *tickets, int signed_in)
{
	return tickets_page_x(req, 200, title, intro, tickets, signed_in,
	    NULL);
}

/*
 * The tickets page of a mail link once its token checked out: the
 * tickets load() (wallet_order_tickets() or wallet_ticket()) finds for
 * uid, under title with the forms of x.  404 when it finds none.
 */
static enum err
linked_tickets_page(struct req *req, int status, const char *title,
    enum db_rc (*load)(struct db *, int64_t, const char *, cJSON **),
    const char *uid, const struct page_extra *x)
{
	cJSON		*tickets = NULL;
	enum db_rc	 rc;

	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = load(req->db, tfmt_now(), uid, &tickets);
	db_tx_rollback(req->db);
	if (rc != DB_OK || cJSON_GetArraySize(tickets) == 0) {
		cJSON_Delete(tickets);
		return rc != DB_OK ? err_from_db(rc) : ERR_TICKET_NOT_FOUND;
	}
	return tickets_page_x(req, status, title, NULL, tickets, 0, x);
}

/*
 * GET /tickets/{order}/{token}: the link in the ticket mail opens the
 * order's tickets, one a screen with its QR code, without signing in;
 * the token is the order's HMAC (lib/wallet), so a wrong one, or an
 * order without tickets, is 404.
 */
static enum err
h_order_tickets(struct req *req)
{
	return order_page(req, 200, NULL, NULL);
}

/*
 * An order's tickets by its mail link (404 for a wrong token or no
 * tickets) with its forms, and how the last one went.
 */
static enum err
order_page(struct req *req, int status, const char *notice,
    const char *error)
{
	const char		*uid = http_param(req, 0);
	struct page_extra	 x = { NULL, 1, notice, error, NULL };

	if (!wallet_link_valid(uid, http_param(req, 1)))
		return ERR_TICKET_NOT_FOUND;
	(void)ticketkey_ensure_order(req->db, uid, tfmt_now());
	x.action = arena_printf(req->pool, "/tickets/%s/%s", uid,
	    http_param(req, 1));
	x.pdf_url = arena_printf(req->pool, "/tickets/%s/%s/pdf", uid,
	    http_param(req, 1));
	return linked_tickets_page(req, status, page_t(req, "Your tickets"),
	    wallet_order_tickets, uid, &x);
}

/*
 * GET /tickets/{order}/{token}/pdf?layout=a4|ticket: the order's
 * tickets as one PDF, a page each (lib/ticketpdf), under the same token
 * check as the page: 404 for a wrong one.  Used, cancelled and past
 * tickets are in it, marked so and without a QR code.
 */
static enum err
h_order_pdf(struct req *req)
{
	const char		*uid = http_param(req, 0);
	enum ticketpdf_layout	 layout = TICKETPDF_A4;
	struct ticketpdf_set	 set;
	int64_t			 now = tfmt_now();
	enum db_rc		 rc;

	if (!wallet_link_valid(uid, http_param(req, 1)))
		return ERR_TICKET_NOT_FOUND;
	if (req->f[0].present && (layout =
	    ticketpdf_layout_parse(req->f[0].s)) == TICKETPDF__MAX)
		return http_field_error(req, "layout", "must be a4 or ticket");
	(void)ticketkey_ensure_order(req->db, uid, now);
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = ticketpdf_load_order(req->db, now, uid, &set);
	db_tx_rollback(req->db);
	if (rc == DB_NOTFOUND)
		return ERR_TICKET_NOT_FOUND;
	if (rc != DB_OK)
		return err_from_db(rc);
	/* Its link needs no sign-in: keep it out of search engines. */
	if (http_add_header(req, "X-Robots-Tag", "noindex") == -1) {
		ticketpdf_set_free(&set);
		return ERR_INTERNAL;
	}
	return ticketpdf_answer(req, &set, layout, 1);
}

/* A refused resend or transfer in the reader's words. */
static const char *
refused_text(struct req *req, enum err e)
{
	return i18n_get(req->lang, err_def(e)->message);
}

/*
 * POST /tickets/{order}/{token}/resend (csrf): the order's tickets are
 * mailed again to the order's address (lib/transfer); the page again,
 * saying so, or why not (429 past the resend limit).
 */
static enum err
h_order_resend(struct req *req)
{
	struct order	 o;
	int64_t		 wait;
	enum db_rc	 rc;
	enum err	 e;

	if (!wallet_link_valid(http_param(req, 0), http_param(req, 1)))
		return ERR_TICKET_NOT_FOUND;
	if ((rc = orderview_find(req->db, http_param(req, 0), &o)) != DB_OK)
		return rc == DB_NOTFOUND ? ERR_TICKET_NOT_FOUND :
		    err_from_db(rc);
	e = transfer_resend(req->db, tfmt_now(), o.id, NULL, 0, &wait);
	if (e == ERR_BUSY || e == ERR_INTERNAL)
		return e;
	if (e != ERR_OK)
		return order_page(req, err_def(e)->status, NULL,
		    refused_text(req, e));
	spawn_cli(req->conf, "mail");
	return order_page(req, 200, page_t(req, "Your tickets are on their "
	    "way to your e-mail again."), NULL);
}

/* Transfers ticket_id as the form says; the outcome (ERR_OK or why). */
static enum err
page_transfer(struct req *req, int64_t ticket_id)
{
	struct transfer_done	 done;

	return transfer_ticket(req->db, tfmt_now(), ticket_id,
	    req->f[TF_NAME].s, req->f[TF_EMAIL].s, 0, &done);
}

/*
 * POST /tickets/{order}/{token}/transfer (ticket, name, email, csrf):
 * gives one of the order's own tickets to another person; the page
 * again, saying so (the ticket now shows as transferred), or why not.
 */
static enum err
h_order_transfer(struct req *req)
{
	struct order	 o;
	int64_t		 ticket_id;
	enum db_rc	 rc;
	enum err	 e;

	if (!wallet_link_valid(http_param(req, 0), http_param(req, 1)))
		return ERR_TICKET_NOT_FOUND;
	if ((rc = orderview_find(req->db, http_param(req, 0), &o)) != DB_OK)
		return rc == DB_NOTFOUND ? ERR_TICKET_NOT_FOUND :
		    err_from_db(rc);
	rc = transfer_find_in_order(req->db, o.id, req->f[TF_TICKET].s, 0,
	    &ticket_id);
	e = rc == DB_OK ? page_transfer(req, ticket_id) :
	    rc == DB_NOTFOUND ? ERR_TICKET_NOT_FOUND : err_from_db(rc);
	if (e == ERR_BUSY || e == ERR_INTERNAL)
		return e;
	if (e != ERR_OK)
		return order_page(req, err_def(e)->status, NULL,
		    refused_text(req, e));
	spawn_cli(req->conf, "mail");
	return order_page(req, 200, page_t(req, "The ticket was transferred: "
	    "its new holder gets it by e-mail."), NULL);
}

/* One ticket by its holder's link (404 for a wrong token). */
static enum err
one_page(struct req *req, int status, const char *notice, const char *error)
{
	const char		*uid = http_param(req, 0);
	struct page_extra	 x = { NULL, 0, notice, error, NULL };

	if (!transfer_link_valid(uid, http_param(req, 1)))
		return ERR_TICKET_NOT_FOUND;
	x.action = arena_printf(req->pool, "/tickets/ticket/%s/%s", uid,
	    http_param(req, 1));
	return linked_tickets_page(req, status, page_t(req, "Your ticket"),
	    wallet_ticket, uid, &x);
}

/*
 * GET /tickets/ticket/{uid}/{token}: the link in a transferred ticket's
 * mail shows that one ticket, as the order link shows an order's; the
 * token is the ticket's HMAC (lib/transfer), so the buyer's other
 * tickets stay the buyer's.
 */
static enum err
h_one_ticket(struct req *req)
{
	return one_page(req, 200, NULL, NULL);
}

/* POST /tickets/ticket/{uid}/{token}/transfer (name, email, csrf): its
 * holder gives the ticket on, as on the order's page. */
static enum err
h_one_transfer(struct req *req)
{
	int64_t		 ticket_id;
	enum db_rc	 rc;
	enum err	 e;

	if (!transfer_link_valid(http_param(req, 0), http_param(req, 1)))
		return ERR_TICKET_NOT_FOUND;
	rc = transfer_find_uid(req->db, http_param(req, 0), &ticket_id);
	e = rc == DB_OK ? page_transfer(req, ticket_id) :
	    rc == DB_NOTFOUND ? ERR_TICKET_NOT_FOUND : err_from_db(rc);
	if (e == ERR_BUSY || e == ERR_INTERNAL)
		return e;
	if (e != ERR_OK)
		return one_page(req, err_def(e)->status, NULL,
		    refused_text(req, e));
	spawn_cli(req->conf, "mail");
	return one_page(req, 200, page_t(req, "The ticket was transferred: "
	    "its new holder gets it by e-mail."), NULL);
}

/*
 * GET /my-tickets: a signed-in buyer's tickets, the coming events
 * first.  Not signed in: 303 to the sign-in form, back here after.
 */
static enum err
h_my_tickets(struct req *req)
{
	cJSON		*tickets = NULL;
	enum db_rc	 rc;

	if (auth_gate(req, AUTH_USER) != ERR_OK)
		return page_redirect(req, "/login?next=/my-tickets");
	(void)ticketkey_ensure_user(req->db, req->user.id, tfmt_now());
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = wallet_user_tickets(req->db, tfmt_now(), req->user.id, &tickets);
	db_tx_rollback(req->db);
	if (rc != DB_OK) {
		cJSON_Delete(tickets);
		return err_from_db(rc);
	}
	return tickets_page(req, page_t(req, "My tickets"), page_t(req,
	    "Each ticket lets one person in once. Show its QR code or its "
	    "code at the door."), tickets, 1);
}

/* The sign-in form, again with what pagelogin() says (NULL: fresh). */
static enum err
login_page(struct req *req, const char *next,
    const struct pagelogin_again *again)
{
	cJSON	*ctx = cJSON_CreateObject();

	cJSON_AddStringToObject(ctx, "next", next);
	cJSON_AddStringToObject(ctx, "email", again != NULL ? again->email :
	    "");
	cJSON_AddBoolToObject(ctx, "code", again != NULL && again->code);
	if (again != NULL && again->message != NULL)
		cJSON_AddStringToObject(ctx, "error", again->message);
	return page_render(req, again != NULL ? again->status : 200, "login",
	    ctx);
}

/* Any account may sign in here: these pages show only its own. */
static int
any_role(enum role r)
{
	(void)r;
	return 1;
}

/* GET /login?next=: the form; signed in already, straight to next. */
static enum err
h_login_form(struct req *req)
{
	const char	*next = pagelogin_next(&req->f[0], "/my-tickets");

	if (auth_gate(req, AUTH_USER) == ERR_OK)
		return page_redirect(req, next);
	return login_page(req, next, NULL);
}

/*
 * POST /login (form: csrf, email, password, code?, remember?, next?):
 * 303 to next (a path of this site; /my-tickets otherwise) with the
 * sessionid cookie, or the form again as lib/pagelogin says.
 */
static enum err
h_login(struct req *req)
{
	struct pagelogin_again	 again;
	const char		*next = pagelogin_next(&req->f[PAGELOGIN_NEXT],
				    "/my-tickets");
	enum err		 e;

	e = pagelogin(req, any_role, NULL, &again);
	if (e == ERR_OK)
		return page_redirect(req, next);
	if (e == ERR_BAD_REQUEST)
		return login_page(req, next, &again);
	return e;
}

/* POST /logout (form: csrf): signed out, 303 to the sign-in form. */
static enum err
h_logout(struct req *req)
{
	enum err	 e;

	if ((e = pagelogout(req)) != ERR_OK)
		return e;
	return page_redirect(req, "/login");
}
