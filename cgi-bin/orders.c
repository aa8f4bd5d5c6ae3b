/*
 * orders: seed 004's orders (its Orders section), on the holds of
 * lib/order.h.  Payments of an order (create-payment-intent,
 * payment-status, refund) and the provider webhooks are pay's, the one
 * program holding provider keys.
 *
 *	GET  /api/orders/			the user's orders (admins: all),
 *						paginated
 *	POST /api/orders/			a new order: a hold on its
 *						tickets for the event's hold time
 *	GET  /api/orders/pending/		held, not yet paying
 *	GET  /api/orders/confirmed/		paid
 *	GET  /api/orders/stats/			counters
 *	GET  /api/orders/my_tickets/		the items of paid orders
 *	POST /api/orders/cleanup_expired/	expire lapsed holds (admins)
 *	GET  /api/orders/{id}/			one order, with items, tickets
 *						and payment
 *	POST /api/orders/{id}/cancel/		cancel a held order
 *	POST /api/orders/{id}/confirm_payment/	pay by hand: only where
 *						test_payments = on, else 404
 *	POST /api/orders/{id}/resend/		send its tickets again
 *						(buyer, organizer, admin)
 *	POST /api/orders/{id}/tickets/{ticket}/transfer/
 *						give one ticket to another
 *						person (lib/transfer)
 *
 * {id} is the order's uid.  Another user's order is a 404.  POSTs take
 * an Idempotency-Key (lib/idem.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "auth.h"
#include "buyer.h"
#include "checkout.h"
#include "conf.h"
#include "db.h"
#include "event.h"
#include "http.h"
#include "idem.h"
#include "limits.h"
#include "log.h"
#include "order.h"
#include "orderview.h"
#include "pager.h"
#include "payment.h"
#include "route.h"
#include "spawn.h"
#include "tfmt.h"
#include "transfer.h"
#include "user.h"

static enum err	h_list(struct req *);
static enum err	h_create(struct req *);
static enum err	h_pending(struct req *);
static enum err	h_confirmed(struct req *);
static enum err	h_stats(struct req *);
static enum err	h_my_tickets(struct req *);
static enum err	h_cleanup(struct req *);
static enum err	h_get(struct req *);
static enum err	h_cancel(struct req *);
static enum err	h_confirm_payment(struct req *);
static enum err	h_resend(struct req *);
static enum err	h_transfer(struct req *);

enum item_field { IF_TYPE, IF_TIER, IF_DAY_PASS, IF_DAY_TIER, IF_QUANTITY,
	IF__MAX };

static const struct field_spec item_fields[IF__MAX] = {
	[IF_TYPE] = { "ticket_type_id", FIELD_ID, FIELD_REQUIRED, 0, 0,
	    NULL, 0 },
	[IF_TIER] = { "ticket_tier_id", FIELD_ID, 0, 0, 0, NULL, 0 },
	[IF_DAY_PASS] = { "day_pass_id", FIELD_ID, 0, 0, 0, NULL, 0 },
	[IF_DAY_TIER] = { "day_tier_price_id", FIELD_ID, 0, 0, 0, NULL, 0 },
	[IF_QUANTITY] = { "quantity", FIELD_INT, FIELD_REQUIRED, 1,
	    TICKET_COUNT_MAX, NULL, 0 },
};

enum create_field { CF_EMAIL, CF_PHONE, CF_NAME, CF_NOTES, CF_ITEMS,
	CF_PROMO, CF__MAX };

/* "event" is read by hand: an id (number) or a slug (string). */
static const struct field_spec create_fields[CF__MAX] = {
	[CF_EMAIL] = { "buyer_email", FIELD_EMAIL, 0, 3, EMAIL_MAX, NULL, 0 },
	[CF_PHONE] = { "buyer_phone", FIELD_STRING, 0, 0, BUYER_PHONE_MAX,
	    NULL, 0 },
	[CF_NAME] = { "buyer_name", FIELD_STRING, 0, 0, BUYER_NAME_MAX,
	    NULL, 0 },
	[CF_NOTES] = { "notes", FIELD_TEXT, 0, 0, ORDER_NOTES_MAX, NULL, 0 },
	[CF_ITEMS] = { "items", FIELD_OBJLIST, FIELD_REQUIRED, 1,
	    ARRAY_ITEMS_MAX, item_fields, IF__MAX },
	[CF_PROMO] = { "promo_code", FIELD_STRING, 0, 0, 50, NULL, 0 },
};

enum list_field { LF_PAGE, LF_SIZE, LF__MAX };

static const struct field_spec list_fields[LF__MAX] = {
	[LF_PAGE] = PAGER_FIELD_PAGE,
	[LF_SIZE] = PAGER_FIELD_SIZE,
};

enum cancel_field { XF_REASON, XF__MAX };

static const struct field_spec cancel_fields[XF__MAX] = {
	[XF_REASON] = { "reason", FIELD_TEXT, 0, 0, CANCEL_REASON_MAX,
	    NULL, 0 },
};

enum confirm_field { PF_PAYMENT_ID, PF_METHOD, PF__MAX };

static const struct field_spec confirm_fields[PF__MAX] = {
	[PF_PAYMENT_ID] = { "payment_id", FIELD_STRING, FIELD_REQUIRED, 1,
	    PAY_REF_MAX, NULL, 0 },
	[PF_METHOD] = { "payment_method", FIELD_STRING, FIELD_REQUIRED, 1,
	    32, NULL, 0 },
};

enum resend_field { RS_EMAIL, RS__MAX };

static const struct field_spec resend_fields[RS__MAX] = {
	[RS_EMAIL] = { "email", FIELD_EMAIL, 0, 3, EMAIL_MAX, NULL, 0 },
};

enum transfer_field { TR_NAME, TR_EMAIL, TR__MAX };

static const struct field_spec transfer_fields[TR__MAX] = {
	[TR_NAME] = { "name", FIELD_STRING, FIELD_REQUIRED, 1, BUYER_NAME_MAX,
	    NULL, 0 },
	[TR_EMAIL] = { "email", FIELD_EMAIL, FIELD_REQUIRED, 3, EMAIL_MAX,
	    NULL, 0 },
};

#define R(m, p, h, auth, f, n) \
	{ METHOD_##m, p, h, auth, STYLE_API, f, n, 0, ERR_ORDER_NOT_FOUND }

static const struct route routes[] = {
	R(GET, "/api/orders/", h_list, AUTH_USER, list_fields, LF__MAX),
	{ METHOD_POST, "/api/orders/", h_create, AUTH_USER, STYLE_API,
	    create_fields, CF__MAX, ROUTE_BATCH, ERR_ORDER_NOT_FOUND },
	R(GET, "/api/orders/pending/", h_pending, AUTH_USER, NULL, 0),
	R(GET, "/api/orders/confirmed/", h_confirmed, AUTH_USER, NULL, 0),
	R(GET, "/api/orders/stats/", h_stats, AUTH_USER, NULL, 0),
	R(GET, "/api/orders/my_tickets/", h_my_tickets, AUTH_USER, NULL, 0),
	R(POST, "/api/orders/cleanup_expired/", h_cleanup, AUTH_USER,
	    NULL, 0),
	R(GET, "/api/orders/{uid}/", h_get, AUTH_USER, NULL, 0),
	R(POST, "/api/orders/{uid}/cancel/", h_cancel, AUTH_USER,
	    cancel_fields, XF__MAX),
	{ METHOD_POST, "/api/orders/{uid}/confirm_payment/", h_confirm_payment,
	    AUTH_USER, STYLE_API, confirm_fields, PF__MAX, ROUTE_TESTING,
	    ERR_ORDER_NOT_FOUND },
	R(POST, "/api/orders/{uid}/resend/", h_resend, AUTH_USER,
	    resend_fields, RS__MAX),
	R(POST, "/api/orders/{uid}/tickets/{ticket}/transfer/", h_transfer,
	    AUTH_USER, transfer_fields, TR__MAX),
};

/* The service fee, read once per worker (0.05 of the subtotal: 500). */
static int	fee_basis_points = 500;

static int
worker_init(const struct conf *conf, struct db *db)
{
	(void)db;
	if (checkout_parse_percent(conf_str(conf, CONF_SERVICE_FEE_PERCENT),
	    &fee_basis_points) == -1) {
		log_err("service_fee_percent: a percentage 0-%d with at most "
		    "two decimals", SERVICE_FEE_PERCENT_MAX);
		return -1;
	}
	return 0;
}

/* The order of the path's {uid} as the signed-in user may see it. */
static enum err
path_order(struct req *req, struct order *o)
{
	struct actor	 a = auth_actor(req);

	return orderview_for(req->db, http_param(req, 0), &a, 0, o);
}

/* Answers with the order's detail, bare or under "order" beside a
 * message (and a warning, if not NULL). */
static enum err
detail(struct req *req, int status, const char *message, const char *warning,
    int64_t order_id)
{
	struct order	 o;
	cJSON		*j, *root;
	enum db_rc	 rc;

	if ((rc = order_load(req->db, order_id, &o)) != DB_OK)
		return err_from_db(rc);
	if ((j = orderview_detail(req->db, tfmt_now(), &o)) == NULL)
		return ERR_INTERNAL;
	if (message == NULL)
		return http_json(req, status, j);
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "message", message);
	if (warning != NULL)
		cJSON_AddStringToObject(root, "warning", warning);
	cJSON_AddItemToObject(root, "order", j);
	return http_json(req, status, root);
}

/*
 * GET /api/orders/?page=&page_size=: the signed-in user's orders,
 * newest first (an admin sees everyone's), in seed 004's envelope.
 */
static enum err
h_list(struct req *req)
{
	struct pager	 pg;
	struct actor	 a = auth_actor(req);
	cJSON		*results, *env;
	int64_t		 count;
	enum db_rc	 rc;

	pager_read(&pg, &req->f[LF_PAGE], &req->f[LF_SIZE]);
	if ((rc = orderview_list(req->db, tfmt_now(), a.is_admin ? 0 :
	    a.user_id, 0, OV_ALL, pg.offset, pg.size, &results, &count)) !=
	    DB_OK) {
		cJSON_Delete(results);
		return err_from_db(rc);
	}
	if ((env = pager_envelope(req, &pg, count, results)) == NULL)
		return ERR_INTERNAL;
	return http_json(req, 200, env);
}

/* The pending/ and confirmed/ arrays: the user's own, unpaginated. */
static enum err
filtered(struct req *req, enum orderview_filter f)
{
	cJSON		*results;
	int64_t		 count;
	enum db_rc	 rc;

	if ((rc = orderview_list(req->db, tfmt_now(), req->user.id, 0, f, 0, 0,
	    &results, &count)) != DB_OK) {
		cJSON_Delete(results);
		return err_from_db(rc);
	}
	return http_json(req, 200, results);
}

static enum err
h_pending(struct req *req)
{
	return filtered(req, OV_PENDING);
}

static enum err
h_confirmed(struct req *req)
{
	return filtered(req, OV_CONFIRMED);
}

/* GET /api/orders/stats/: seed 004's six counters. */
static enum err
h_stats(struct req *req)
{
	cJSON	*j;

	if ((j = orderview_stats(req->db, req->user.id, tfmt_now())) == NULL)
		return ERR_INTERNAL;
	return http_json(req, 200, j);
}

/* GET /api/orders/my_tickets/: the items of the user's paid orders. */
static enum err
h_my_tickets(struct req *req)
{
	cJSON	*j;

	if ((j = orderview_my_items(req->db, req->user.id)) == NULL)
		return ERR_INTERNAL;
	return http_json(req, 200, j);
}

/* The event of the body's "event": an id or a slug, published. */
static enum err
body_event(struct req *req, int64_t *event_id)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(req->body,
			    "event");
	char		 key[SLUG_MAX + 1];
	int64_t		 organizer;
	enum err	 e;

	if (cJSON_IsNumber(v) && v->valuedouble >= 1 &&
	    v->valuedouble <= (double)ID_MAX &&
	    v->valuedouble == (double)(int64_t)v->valuedouble)
		snprintf(key, sizeof(key), "%lld", (long long)v->valuedouble);
	else if (cJSON_IsString(v) && strlen(v->valuestring) <= SLUG_MAX &&
	    v->valuestring[0] != '\0')
		snprintf(key, sizeof(key), "%s", v->valuestring);
	else
		return http_field_error(req, "event", v == NULL ?
		    "This field is required." : "An event id or slug.");
	/* The public's view: drafts and cancelled events are not for sale. */
	e = event_find(req->db, key, NULL, event_id, &organizer);
	return e == ERR_EVENT_NOT_FOUND ? http_field_error(req, "event",
	    "Cannot create order for unpublished event") : e;
}

/* The request's items, validated by the field table. */
static void
items_of(const struct req *req, struct checkout_item *items, size_t *n)
{
	const struct field_val	*fv = &req->f[CF_ITEMS];
	size_t			 i;

	*n = fv->nitems;
	for (i = 0; i < *n; i++) {
		items[i].ticket_type_id = fv->items[i][IF_TYPE].i;
		items[i].tier_id = fv->items[i][IF_TIER].i;
		items[i].day_pass_id = fv->items[i][IF_DAY_PASS].i;
		items[i].day_tier_price_id = fv->items[i][IF_DAY_TIER].i;
		items[i].quantity = fv->items[i][IF_QUANTITY].i;
	}
}

/*
 * POST /api/orders/ {"event", "items": [...], "buyer_email",
 * "buyer_phone", "buyer_name", "notes"}: 201 with the order's detail,
 * its tickets held for the event's hold time (15 minutes unless the
 * event says otherwise); an order that costs nothing is confirmed at
 * once.  400 on an item that does not fit its ticket type; the hold's
 * outcomes otherwise (OUT_OF_TICKETS with tickets_left, SALES_STOPPED,
 * ...).  The buyer's e-mail defaults to the account's.
 */
static enum err
create(struct req *req)
{
	struct checkout_item	 items[ARRAY_ITEMS_MAX];
	struct checkout_placed	 placed;
	struct order_buyer	 b;
	struct user		 u;
	char			 client[CLIENT_KEY_MAX + 1], field[32];
	int64_t			 event_id;
	size_t			 n;
	enum err		 e;

	if ((e = body_event(req, &event_id)) != ERR_OK)
		return e;
	if (user_by_id(req->db, req->user.id, &u) != DB_OK)
		return ERR_UNAUTHORIZED;
	items_of(req, items, &n);
	memset(&b, 0, sizeof(b));
	b.user_id = u.id;
	b.email = req->f[CF_EMAIL].present ? req->f[CF_EMAIL].s : u.email;
	b.name = req->f[CF_NAME].present ? req->f[CF_NAME].s : u.name;
	b.phone = req->f[CF_PHONE].s;
	b.notes = req->f[CF_NOTES].s;
	b.lang = req->lang;
	buyer_addr_key(req->remote_addr, client);

	e = checkout_place(req->db, tfmt_now(), event_id, items, n, &b,
	    client, fee_basis_points, &placed);
	switch (e) {
	case ERR_OK:
		break;
	case ERR_BAD_REQUEST:
		snprintf(field, sizeof(field), "items[%zu]", placed.fault.item);
		return http_field_error(req, field, placed.fault.reason);
	case ERR_OUT_OF_TICKETS:
		req->err_count = placed.tickets_left;
		return e;
	default:
		return e;
	}
	log_info("order %lld placed by user %lld%s", (long long)placed.order_id,
	    (long long)u.id, placed.confirmed ? ", free: confirmed" : "");
	if (placed.confirmed)
		spawn_cli(req->conf, "mail");
	return detail(req, 201, NULL, NULL, placed.order_id);
}

static enum err
h_create(struct req *req)
{
	return idem_run(req, create);
}

/* GET /api/orders/{id}/: the order's detail. */
static enum err
h_get(struct req *req)
{
	struct order	 o;
	cJSON		*j;
	enum err	 e;

	if ((e = path_order(req, &o)) != ERR_OK)
		return e;
	if ((j = orderview_detail(req->db, tfmt_now(), &o)) == NULL)
		return ERR_INTERNAL;
	return http_json(req, 200, j);
}

/*
 * POST /api/orders/{id}/cancel/ {"reason"}: 200 {"message", "order"};
 * its tickets are on sale again at once.  400 ORDER_STATE when it is no
 * longer a hold.  An open payment request is withdrawn by the next
 * `biljett expire` (pay holds the provider keys, not this program).
 */
static enum err
cancel(struct req *req)
{
	struct order	 o;
	const char	*why;
	enum err	 e;
	int		 payment_open;

	if ((e = path_order(req, &o)) != ERR_OK)
		return e;
	if ((e = checkout_cancel(req->db, tfmt_now(), o.id,
	    req->f[XF_REASON].s, &why, &payment_open)) != ERR_OK) {
		req->err_detail = why;
		return e;
	}
	if (payment_open)
		spawn_cli(req->conf, "expire");
	return detail(req, 200, "Order cancelled successfully", NULL, o.id);
}

static enum err
h_cancel(struct req *req)
{
	return idem_run(req, cancel);
}

/*
 * POST /api/orders/cleanup_expired/ (admins): expires every lapsed hold
 * now, as `biljett expire` does, and asks it to withdraw their payment
 * requests.  200 {"message", "count"}; 403 for anyone else.
 */
static enum err
h_cleanup(struct req *req)
{
	struct actor	 a = auth_actor(req);
	cJSON		*j;
	char		 msg[64];
	int64_t		 n = 0;
	enum db_rc	 rc;

	if (!a.is_admin) {
		req->err_detail = "Only administrators can trigger order "
		    "cleanup.";
		return ERR_FORBIDDEN;
	}
	if ((rc = db_tx_immediate(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((rc = order_expire_stale(req->db, tfmt_now(), 0, &n)) != DB_OK ||
	    (rc = db_tx_commit(req->db)) != DB_OK) {
		db_tx_rollback(req->db);
		return err_from_db(rc);
	}
	if (n > 0)
		spawn_cli(req->conf, "expire");
	snprintf(msg, sizeof(msg), "%lld expired orders marked as expired",
	    (long long)n);
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "message", msg);
	cJSON_AddNumberToObject(j, "count", (double)n);
	return http_json(req, 200, j);
}

/*
 * POST /api/orders/{id}/confirm_payment/ {"payment_id",
 * "payment_method"}: seed 004's "testing only" confirmation, which marks
 * the order paid without any provider.  It exists only where the
 * configuration says test_payments = on (make run): elsewhere the route
 * is not there (ROUTE_TESTING), a 404 like any unknown path.  Owner
 * only.
 */
static enum err
confirm_payment(struct req *req)
{
	struct order	 o;
	enum db_rc	 rc;
	enum err	 e;

	if ((e = path_order(req, &o)) != ERR_OK)
		return e;
	if (o.user_id != req->user.id)
		return ERR_ORDER_NOT_FOUND;
	if (o.status == ORDER_PAID) {
		req->err_detail = "Order is already confirmed";
		return ERR_ORDER_STATE;
	}
	if (o.status != ORDER_RESERVED || o.expires_at <= tfmt_now()) {
		req->err_detail = "Order has expired";
		return ERR_ORDER_STATE;
	}
	if ((rc = db_tx_immediate(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = pay_confirm_direct(req->db, tfmt_now(), o.id, "manual",
	    req->f[PF_PAYMENT_ID].s);
	if (rc == DB_OK)
		rc = db_tx_commit(req->db);
	if (rc != DB_OK) {
		db_tx_rollback(req->db);
		if (rc != DB_CONSTRAINT)
			return err_from_db(rc);
		req->err_detail = o.status == ORDER_PAID ?
		    "Order is already confirmed" : "Cannot confirm this order";
		return ERR_ORDER_STATE;
	}
	log_warn("order %lld confirmed by hand (test_payments)",
	    (long long)o.id);
	spawn_cli(req->conf, "mail");
	/* Seed 004 warns in the body; so do we. */
	return detail(req, 200, "Payment confirmed successfully",
	    "This endpoint is deprecated. Use Stripe webhooks in production.",
	    o.id);
}

static enum err
h_confirm_payment(struct req *req)
{
	return idem_run(req, confirm_payment);
}

/*
 * The order of the path's {uid} as its buyer, the event's organizer or
 * an admin may see it; *staff says it is not (only) the buyer asking.
 */
static enum err
managed_order(struct req *req, struct order *o, int *staff)
{
	struct actor	 a = auth_actor(req);
	enum err	 e;

	if ((e = orderview_for(req->db, http_param(req, 0), &a, 1, o)) !=
	    ERR_OK)
		return e;
	*staff = a.is_admin || o->user_id != a.user_id;
	return ERR_OK;
}

/*
 * POST /api/orders/{id}/resend/ {"email"}: queues the order's ticket
 * mail again, as paying did.  Its buyer, the event's organizer or an
 * admin; only the organizer or an admin may give "email", a corrected
 * address that becomes the order's (audited).  202 {"message",
 * "email"}; 400 ORDER_STATE (not paid, or no ticket left to send); 403
 * for a buyer giving an address; 404 for anyone else's order; 429
 * TOO_MANY_RESENDS with Retry-After past RESEND_PER_WINDOW resends an
 * hour.
 */
static enum err
h_resend(struct req *req)
{
	struct order	 o;
	const char	*email = req->f[RS_EMAIL].present ? req->f[RS_EMAIL].s :
			    NULL;
	cJSON		*j;
	int		 staff;
	enum err	 e;

	if ((e = managed_order(req, &o, &staff)) != ERR_OK)
		return e;
	if (email != NULL && !staff) {
		req->err_detail = "Only the organizer can change the order's "
		    "e-mail address.";
		return ERR_FORBIDDEN;
	}
	e = transfer_resend(req->db, tfmt_now(), o.id, email, req->user.id,
	    &req->err_count);
	if (e == ERR_BAD_REQUEST)
		return http_field_error(req, "email", "The order has no "
		    "e-mail address: give one.");
	if (e != ERR_OK)
		return e;
	spawn_cli(req->conf, "mail");
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "message", "The tickets will be sent "
	    "again.");
	cJSON_AddStringToObject(j, "email", email != NULL ? email : o.email);
	return http_json(req, 202, j);
}

/*
 * POST /api/orders/{id}/tickets/{ticket}/transfer/ {"name", "email"}:
 * gives the order's ticket {ticket} (its uid) to another person: the
 * old code stops working, a new ticket is mailed to them
 * (lib/transfer).  The event's organizer or an admin: any ticket of the
 * order; its buyer: their own tickets only.  200 {"message",
 * "old_ticket", "transferred_to": {"name", "email"}, and for the
 * organizer or an admin "new_ticket": {"uid", "ticket_number"}}; 404
 * ORDER_NOT_FOUND, TICKET_NOT_FOUND; 409 TICKET_TRANSFERRED,
 * TICKET_ALREADY_USED, TICKET_NOT_VALID; 422 TRANSFER_NOT_ALLOWED,
 * TRANSFER_WINDOW_CLOSED, TRANSFER_LIMIT_REACHED.
 */
static enum err
h_transfer(struct req *req)
{
	struct transfer_done	 done;
	struct order		 o;
	cJSON			*j, *t;
	int64_t			 ticket_id;
	int			 staff;
	enum db_rc		 rc;
	enum err		 e;

	if ((e = managed_order(req, &o, &staff)) != ERR_OK)
		return e;
	if ((rc = transfer_find_in_order(req->db, o.id, http_param(req, 1),
	    staff, &ticket_id)) != DB_OK)
		return rc == DB_NOTFOUND ? ERR_TICKET_NOT_FOUND :
		    err_from_db(rc);
	if ((e = transfer_ticket(req->db, tfmt_now(), ticket_id,
	    req->f[TR_NAME].s, req->f[TR_EMAIL].s, req->user.id, &done)) !=
	    ERR_OK)
		return e;
	spawn_cli(req->conf, "mail");
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "message", "Ticket transferred.");
	cJSON_AddStringToObject(j, "old_ticket", http_param(req, 1));
	/* The new code is its holder's: the buyer giving it away never
	 * sees it, the organizer does (to help at the door). */
	if (staff) {
		t = cJSON_AddObjectToObject(j, "new_ticket");
		cJSON_AddStringToObject(t, "uid", done.uid);
		cJSON_AddStringToObject(t, "ticket_number", done.code);
	}
	t = cJSON_AddObjectToObject(j, "transferred_to");
	cJSON_AddStringToObject(t, "name", req->f[TR_NAME].s);
	cJSON_AddStringToObject(t, "email", req->f[TR_EMAIL].s);
	return http_json(req, 200, j);
}

int
main(int argc, char *argv[])
{
	static const struct app app = { "orders", routes, nitems(routes),
	    worker_init };

	return route_main(argc, argv, &app);
}
