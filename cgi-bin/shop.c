/*
 * shop: reservations for guests, with the seed-002 session cookie.
 *
 *	POST /reserve_ticket/		hold seats, set the session cookie
 *	GET  /session_payment_status/	the session's order status
 *	POST /api/events/{id}/queue	join an event's on-sale queue
 *	GET  /api/events/{id}/queue	one's place in it, the pass when admitted
 */
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "auth.h"
#include "buyer.h"
#include "db.h"
#include "http.h"
#include "limits.h"
#include "order.h"
#include "payment.h"
#include "queue.h"
#include "route.h"
#include "session.h"
#include "spawn.h"
#include "tfmt.h"

static enum err	h_reserve(struct req *);
static enum err	h_status(struct req *);
static enum err	h_queue_join(struct req *);
static enum err	h_queue(struct req *);

enum line_field { LN_TYPE, LN_COUNT, LN__MAX };

static const struct field_spec line_fields[LN__MAX] = {
	[LN_TYPE] = { "ticket_type", FIELD_ID, FIELD_REQUIRED, 0, 0, NULL, 0 },
	[LN_COUNT] = { "count", FIELD_INT, FIELD_REQUIRED, 1,
	    TICKET_COUNT_MAX, NULL, 0 },
};

enum reserve_field { RF_EVENT, RF_TICKETS, RF_QUEUE_TOKEN, RF__MAX };

static const struct field_spec reserve_fields[RF__MAX] = {
	[RF_EVENT] = { "chapter_event", FIELD_ID, FIELD_REQUIRED, 0, 0,
	    NULL, 0 },
	[RF_TICKETS] = { "tickets", FIELD_OBJLIST, FIELD_REQUIRED, 1,
	    ARRAY_ITEMS_MAX, line_fields, LN__MAX },
	/* A queue event's pass, when not in its cookie (lib/queue.h). */
	[RF_QUEUE_TOKEN] = { "queue_token", FIELD_STRING, 0, 1,
	    QUEUE_PASS_MAX, NULL, 0 },
};

static const struct route routes[] = {
	{ METHOD_POST, "/reserve_ticket/", h_reserve, AUTH_NONE, STYLE_COMPAT,
	    reserve_fields, RF__MAX, ROUTE_BATCH, ERR_OK },
	{ METHOD_GET, "/session_payment_status/", h_status, AUTH_NONE,
	    STYLE_COMPAT, NULL, 0, 0, ERR_OK },
	{ METHOD_POST, "/api/events/{id}/queue", h_queue_join, AUTH_NONE,
	    STYLE_API, NULL, 0, 0, ERR_EVENT_NOT_FOUND },
	{ METHOD_GET, "/api/events/{id}/queue", h_queue, AUTH_NONE,
	    STYLE_API, NULL, 0, 0, ERR_EVENT_NOT_FOUND },
};


/*
 * POST /reserve_ticket/ {"chapter_event", "tickets": [{"ticket_type",
 * "count"}], "queue_token"?}.  201 with an empty body and a new session
 * cookie; 400 InvalidRequestData; 404 EventDoesNotExist; 403
 * SalesStopped; 403 QueueRequired (an event with a queue, and neither
 * queue_token nor the queuepass<id> cookie is a valid pass for it); 403
 * SalesNotStarted; 404 TicketTypeDoesNotExist; 403 TooManyTickets (also
 * when this address holds the event's max_held_per_client: upstream has
 * no answer closer); 403 OutOfTickets with tickets_left; 503 when the
 * write lock is not had in time.
 */
static enum err
h_reserve(struct req *req)
{
	struct order_line_req	 lines[ARRAY_ITEMS_MAX];
	const struct field_val	*t = &req->f[RF_TICKETS];
	struct session		 prev;
	const char		*pass;
	char			 token[TOKEN_HEX_LEN + 1];
	char			 pass_cookie[QUEUE_COOKIE_NAME_MAX];
	char			 client[CLIENT_KEY_MAX + 1];
	int64_t			 now = tfmt_now(), left;
	size_t			 i;
	int			 have_prev, released_started;
	enum err		 e;

	for (i = 0; i < t->nitems; i++) {
		lines[i].ticket_type_id = t->items[i][LN_TYPE].i;
		lines[i].count = t->items[i][LN_COUNT].i;
	}
	have_prev = auth_cookie_session(req, now, &prev);
	queue_pass_cookie(req->f[RF_EVENT].i, pass_cookie);
	pass = req->f[RF_QUEUE_TOKEN].present ? req->f[RF_QUEUE_TOKEN].s :
	    http_cookie(req, pass_cookie);
	buyer_addr_key(req->remote_addr, client);
	e = order_reserve(req->db, now, req->f[RF_EVENT].i, lines, t->nitems,
	    have_prev ? &prev : NULL, pass, client, token, &left,
	    &released_started);
	if (e == ERR_OUT_OF_TICKETS)
		req->err_count = left;
	if (e != ERR_OK)
		return e;
	if (released_started)
		spawn_cli(req->conf, "expire");
	if (http_set_cookie(req, SESSION_COOKIE, token, SESSION_SECONDS) == -1)
		return ERR_INTERNAL;
	return http_empty(req, 201);
}

/*
 * GET /session_payment_status/: 200 {"status", "mail"} (plus "reference",
 * the Swish payment request id, when PAID); 400 "No ticket attatched to
 * session" without a session holding an order.
 */
static enum err
h_status(struct req *req)
{
	struct session	 s;
	struct order	 o;
	struct payment	 p;
	cJSON		*body;
	int64_t		 now = tfmt_now();
	enum db_rc	 rc;

	if (!auth_cookie_session(req, now, &s) || s.order_id == 0)
		return ERR_NO_TICKET_IN_SESSION;
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((rc = order_load(req->db, s.order_id, &o)) == DB_OK &&
	    o.status == ORDER_PAID)
		rc = pay_find_paid(req->db, o.id, &p);
	db_tx_rollback(req->db);
	if (rc == DB_NOTFOUND && o.id == 0)
		return ERR_NO_TICKET_IN_SESSION;
	if (rc != DB_OK && rc != DB_NOTFOUND)
		return err_from_db(rc);

	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "status", order_compat_status(&o, now));
	if (o.email[0] != '\0')
		cJSON_AddStringToObject(body, "mail", o.email);
	else
		cJSON_AddNullToObject(body, "mail");
	if (o.status == ORDER_PAID)
		cJSON_AddStringToObject(body, "reference",
		    rc == DB_OK ? p.provider_ref : "");
	return http_json(req, 200, body);
}

/*
 * Answers a place in the line: the queueid cookie when new_visitor is
 * set, the pass cookie while admitted (deleted once it lapses), and the
 * place as JSON.
 */
static enum err
queue_answer(struct req *req, int64_t now, const char *new_visitor,
    const struct queue_place *p)
{
	char	 name[QUEUE_COOKIE_NAME_MAX];

	queue_pass_cookie(p->event_id, name);
	if ((new_visitor[0] != '\0' && http_set_cookie(req,
	    QUEUE_VISITOR_COOKIE, new_visitor, QUEUE_VISITOR_SECONDS) == -1) ||
	    (p->state == QUEUE_ADMITTED && http_set_cookie(req, name, p->pass,
	    (long)(p->pass_expires_at - now)) == -1) ||
	    (p->state == QUEUE_LAPSED && http_cookie(req, name) != NULL &&
	    http_set_cookie(req, name, "", 0) == -1))
		return ERR_INTERNAL;
	return http_json(req, 200, queue_place_json(p));
}

/*
 * POST /api/events/{id}/queue: joins the event's on-sale queue, once
 * per queueid cookie (set here when missing); a visitor whose turn
 * lapsed goes to the back.  200 with the place (see GET); 404
 * EVENT_NOT_FOUND; 404 NOT_FOUND when the event has no queue; 403
 * SALES_STOPPED; 503 BUSY.
 */
static enum err
h_queue_join(struct req *req)
{
	struct queue_place	 p;
	char			 fresh[TOKEN_HEX_LEN + 1];
	int64_t			 now = tfmt_now();
	enum err		 e;

	if ((e = queue_join(req->db, now, req->id,
	    http_cookie(req, QUEUE_VISITOR_COOKIE), fresh, &p)) != ERR_OK)
		return e;
	return queue_answer(req, now, fresh, &p);
}

/*
 * GET /api/events/{id}/queue: the queueid cookie's place: {"state":
 * "out"|"waiting"|"admitted"|"lapsed", "position", "drawn",
 * "estimated_wait_seconds", "token" (the pass, also set as the
 * queuepass<id> cookie, while admitted), ...} (queue_place_json()).
 * 200; 404 EVENT_NOT_FOUND; 404 NOT_FOUND without a queue; 403
 * SALES_STOPPED; 503 BUSY or NOT_CONFIGURED (no secret_key).
 */
static enum err
h_queue(struct req *req)
{
	struct queue_place	 p;
	int64_t			 now = tfmt_now();
	enum err		 e;

	if ((e = queue_status(req->db, now, req->id,
	    http_cookie(req, QUEUE_VISITOR_COOKIE), &p)) != ERR_OK)
		return e;
	return queue_answer(req, now, "", &p);
}

int
main(int argc, char *argv[])
{
	static const struct app app = { "shop", routes, nitems(routes), NULL };

	return route_main(argc, argv, &app);
}
