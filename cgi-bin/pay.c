/*
 * pay: everything that talks to payment providers (through the table in
 * lib/provider.h), and so the only program holding their keys, such as
 * the Swish merchant certificate.
 *
 *	POST /start_payment/		create the payment request
 *	GET  /generate_qr/{token}	the QR code to pay from another device
 *	POST /swish/callback/		Swish's callback, confirmed before use
 *	GET  /api/metrics		its counters, for admins (Prometheus)
 *
 * seed 004's payments of an order ({id} is its uid; lib/orderview.h):
 *
 *	POST /api/orders/{id}/create-payment-intent/	pay it by card (Stripe)
 *	GET  /api/orders/{id}/payment-status/		where its payment is
 *	POST /api/orders/{id}/refund/			refund it, all or part
 *	POST /api/webhooks/stripe/			Stripe's webhook
 *
 * seed 000's payments of the cart ({uuid} is the order's uid; the cart
 * itself is cart's):
 *
 *	POST /api/payments			the cart becomes an order; pay
 *						it by card (Stripe)
 *	POST /api/payments/webhook		Stripe's webhook (the same
 *						handler as /api/webhooks/stripe/)
 *	GET  /api/payments/{uuid}		its status, to poll
 *	POST /api/payments/{uuid}/refund	refund it (admins), voiding
 *						tickets
 *
 * seed 003's M-Pesa guest checkout:
 *
 *	POST /api/pay/initiate/			hold a tier, push to the phone
 *	GET  /api/pay/status/{id}/		where that payment is
 *	POST /api/webhooks/mpesa/{secret}/	Daraja's STK callback
 *
 * and the buyer's paying pages (here, not in pages, because only pay
 * knows which providers are configured):
 *
 *	GET  /checkout		summary, time left, e-mail, Swish, card or
 *				M-Pesa (a phone number)
 *	POST /payment		the checkout form: start paying, then
 *				GET /payment
 *	GET  /payment		Swish (app link, QR code), the card form
 *				(Stripe's Payment Element) or M-Pesa's
 *				"confirm on your phone", live status
 *	GET  /done		the confirmation with the ticket codes
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "auth.h"
#include "buyer.h"
#include "cart.h"
#include "checkout.h"
#include "conf.h"
#include "db.h"
#include "guestpay.h"
#include "http.h"
#include "i18n.h"
#include "limits.h"
#include "log.h"
#include "mail.h"
#include "metrics.h"
#include "money.h"
#include "idem.h"
#include "jsonout.h"
#include "order.h"
#include "orderview.h"
#include "page.h"
#include "payment.h"
#include "provider.h"
#include "route.h"
#include "session.h"
#include "shmcache.h"
#include "spawn.h"
#include "tfmt.h"
#include "user.h"

static enum err	h_start(struct req *);
static enum err	h_qr(struct req *);
static enum err	h_callback(struct req *);
static enum err	h_checkout_page(struct req *);
static enum err	h_checkout(struct req *);
static enum err	h_payment(struct req *);
static enum err	h_done(struct req *);
static enum err	h_metrics(struct req *);
static enum err	h_intent(struct req *);
static enum err	h_payment_status(struct req *);
static enum err	h_refund(struct req *);
static enum err	h_stripe_webhook(struct req *);
static enum err	h_payments(struct req *);
static enum err	h_payments_status(struct req *);
static enum err	h_payments_refund(struct req *);
static enum err	h_initiate(struct req *);
static enum err	h_pay_status(struct req *);
static enum err	h_mpesa_callback(struct req *);

enum refund_field { RF_AMOUNT, RF_REASON, RF__MAX };

static const struct field_spec refund_fields[RF__MAX] = {
	[RF_AMOUNT] = { "amount", FIELD_MONEY, 0, 0, 0, NULL, 0 },
	[RF_REASON] = { "reason", FIELD_TEXT, 0, 0, CANCEL_REASON_MAX,
	    NULL, 0 },
};

enum payments_field { YF_CART, YF_METHOD, YF__MAX };

static const struct field_spec payments_fields[YF__MAX] = {
	[YF_CART] = { "cart_id", FIELD_ID, 0, 0, 0, NULL, 0 },
	[YF_METHOD] = { "payment_method", FIELD_STRING, 0, 1, 16, NULL, 0 },
};

enum refund000_field { ZF_AMOUNT, ZF_REASON, ZF_TICKETS, ZF__MAX };

static const struct field_spec refund000_fields[ZF__MAX] = {
	[ZF_AMOUNT] = { "amount", FIELD_MONEY, 0, 0, 0, NULL, 0 },
	[ZF_REASON] = { "reason", FIELD_TEXT, 0, 0, CANCEL_REASON_MAX,
	    NULL, 0 },
	[ZF_TICKETS] = { "ticket_ids", FIELD_IDLIST, 0, 1, TICKET_COUNT_MAX,
	    NULL, 0 },
};

enum checkout_field { CF_EMAIL, CF_CSRF, CF_PROVIDER, CF_PHONE, CF__MAX };

static const struct field_spec checkout_fields[CF__MAX] = {
	[CF_EMAIL] = { "email", FIELD_STRING, 0, 0, EMAIL_MAX, NULL, 0 },
	[CF_CSRF] = { "csrf", FIELD_STRING, 0, 0, TOKEN_HEX_LEN, NULL, 0 },
	/* "swish" (also when absent) or "stripe": provider_parse(). */
	[CF_PROVIDER] = { "provider", FIELD_STRING, 0, 0, PROVIDER_NAME_MAX,
	    NULL, 0 },
	/* M-Pesa's: the phone the payment is pushed to. */
	[CF_PHONE] = { "phone", FIELD_STRING, 0, 0, PHONE_INPUT_MAX, NULL, 0 },
};

enum initiate_field { IF_TIER, IF_PHONE, IF_EMAIL, IF_NAME, IF_QUANTITY,
	IF__MAX };

/* Seed 003's POST /api/pay/initiate/ (guests give email and name). */
static const struct field_spec initiate_fields[IF__MAX] = {
	[IF_TIER] = { "tier_id", FIELD_ID, FIELD_REQUIRED, 0, 0, NULL, 0 },
	[IF_PHONE] = { "phone_number", FIELD_STRING, FIELD_REQUIRED, 1,
	    PHONE_INPUT_MAX, NULL, 0 },
	[IF_EMAIL] = { "email", FIELD_EMAIL, 0, 3, EMAIL_MAX, NULL, 0 },
	[IF_NAME] = { "name", FIELD_STRING, 0, 1, BUYER_NAME_MAX, NULL, 0 },
	[IF_QUANTITY] = { "quantity", FIELD_INT, 0, 1, TICKET_COUNT_MAX,
	    NULL, 0 },
};

enum start_field { SF_EMAIL, SF__MAX };

static const struct field_spec start_fields[SF__MAX] = {
	[SF_EMAIL] = { "email_address", FIELD_EMAIL, FIELD_REQUIRED, 3,
	    EMAIL_MAX, NULL, 0 },
};

static const struct route routes[] = {
	{ METHOD_POST, "/start_payment/", h_start, AUTH_NONE, STYLE_COMPAT,
	    start_fields, SF__MAX, 0, ERR_OK },
	{ METHOD_GET, "/generate_qr/{token}", h_qr, AUTH_NONE, STYLE_COMPAT,
	    NULL, 0, 0, ERR_OK },
	{ METHOD_POST, "/swish/callback/", h_callback, AUTH_NONE, STYLE_API,
	    NULL, 0, 0, ERR_OK },
	{ METHOD_GET, "/checkout", h_checkout_page, AUTH_NONE, STYLE_PAGE,
	    NULL, 0, 0, ERR_OK },
	{ METHOD_POST, "/payment", h_checkout, AUTH_NONE, STYLE_PAGE,
	    checkout_fields, CF__MAX, ROUTE_FORM, ERR_OK },
	{ METHOD_GET, "/payment", h_payment, AUTH_NONE, STYLE_PAGE,
	    NULL, 0, 0, ERR_OK },
	{ METHOD_GET, "/done", h_done, AUTH_NONE, STYLE_PAGE,
	    NULL, 0, 0, ERR_OK },
	{ METHOD_GET, "/api/metrics", h_metrics, AUTH_ADMIN, STYLE_API,
	    NULL, 0, 0, ERR_OK },
	{ METHOD_POST, "/api/orders/{uid}/create-payment-intent/", h_intent,
	    AUTH_USER, STYLE_API, NULL, 0, 0, ERR_OK },
	{ METHOD_GET, "/api/orders/{uid}/payment-status/", h_payment_status,
	    AUTH_USER, STYLE_API, NULL, 0, 0, ERR_OK },
	{ METHOD_POST, "/api/orders/{uid}/refund/", h_refund, AUTH_USER,
	    STYLE_API, refund_fields, RF__MAX, 0, ERR_OK },
	{ METHOD_POST, "/api/webhooks/stripe/", h_stripe_webhook, AUTH_NONE,
	    STYLE_API, NULL, 0, 0, ERR_OK },
	{ METHOD_POST, "/api/payments", h_payments, AUTH_USER, STYLE_API,
	    payments_fields, YF__MAX, 0, ERR_OK },
	{ METHOD_POST, "/api/payments/webhook", h_stripe_webhook, AUTH_NONE,
	    STYLE_API, NULL, 0, 0, ERR_OK },
	{ METHOD_GET, "/api/payments/{uuid}", h_payments_status, AUTH_USER,
	    STYLE_API, NULL, 0, 0, ERR_OK },
	{ METHOD_POST, "/api/payments/{uuid}/refund", h_payments_refund,
	    AUTH_ADMIN, STYLE_API, refund000_fields, ZF__MAX, 0, ERR_OK },
	{ METHOD_POST, "/api/pay/initiate/", h_initiate, AUTH_NONE,
	    STYLE_API, initiate_fields, IF__MAX, 0, ERR_OK },
	{ METHOD_GET, "/api/pay/status/{uid}/", h_pay_status, AUTH_NONE,
	    STYLE_API, NULL, 0, 0, ERR_OK },
	/* Daraja's callback carries the payment's secret in its path. */
	{ METHOD_POST, "/api/webhooks/mpesa/{secret}/", h_mpesa_callback,
	    AUTH_NONE, STYLE_API, NULL, 0, ROUTE_SECRET_PATH, ERR_OK },
};

/* The seed-002 flow pays with Swish; the pages let the buyer choose. */
#define FLOW_PROVIDER	PROVIDER_SWISH

/* The service fee of orders made of carts, read once per worker (0.05
 * of the subtotal: 500), as orders reads it for POST /api/orders/. */
static int	fee_basis_points = 500;

/* Every provider, opened once per worker from the configuration. */
static struct provider	providers[PROVIDER__MAX];

/*
 * The QR codes of open payment requests, shared by the workers: made in
 * main() before they are forked.  Keyed by token.
 */
static struct shmcache	*qr_cache;

/*
 * The origin of stripe_js_url, whose script the card page runs; "" when
 * the URL is unusable, and the pages then offer no cards.  The card
 * page's Content-Security-Policy lets in that script, calls to it and
 * to Stripe's API (stripe_api_url's origin), and frames from it and,
 * with Stripe's own Stripe.js, from hooks.stripe.com (3-D Secure).
 */
static char		 stripe_origin[CSP_ORIGIN_MAX + 1];
static char		 stripe_connect[2 * (CSP_ORIGIN_MAX + 1)];
static char		 stripe_frame[2 * (CSP_ORIGIN_MAX + 1)];
static const struct page_origins card_origins = {
	stripe_origin, stripe_connect, stripe_frame
};

#define STRIPE_JS_ORIGIN	"https://js.stripe.com"
#define STRIPE_3DS_ORIGIN	"https://hooks.stripe.com"

_Static_assert(PAY_TOKEN_MAX <= SHMCACHE_KEY_MAX, "tokens must fit as keys");

/* Fills stripe_connect and stripe_frame (see stripe_origin). */
static void
card_csp(const struct conf *conf)
{
	char	 api[CSP_ORIGIN_MAX + 1];

	snprintf(stripe_connect, sizeof(stripe_connect), "%s", stripe_origin);
	if (page_origin(conf_str(conf, CONF_STRIPE_API_URL), api) == 0 &&
	    strcmp(api, stripe_origin) != 0)
		snprintf(stripe_connect, sizeof(stripe_connect), "%s %s",
		    stripe_origin, api);
	snprintf(stripe_frame, sizeof(stripe_frame), "%s%s", stripe_origin,
	    strcmp(stripe_origin, STRIPE_JS_ORIGIN) == 0 ?
	    " " STRIPE_3DS_ORIGIN : "");
}

static int
worker_init(const struct conf *conf, struct db *db)
{
	char	 err[256];
	int	 i;

	(void)db;
	if (checkout_parse_percent(conf_str(conf, CONF_SERVICE_FEE_PERCENT),
	    &fee_basis_points) == -1) {
		log_err("service_fee_percent: a percentage 0-%d with at most "
		    "two decimals", SERVICE_FEE_PERCENT_MAX);
		return -1;
	}
	/* A provider without its settings is not offered; the rest work. */
	for (i = 0; i < PROVIDER__MAX; i++)
		if (provider_open(&providers[i], (enum pay_provider)i, conf,
		    err, sizeof(err)) == -1)
			log_warn("%s not available: %s",
			    provider_name((enum pay_provider)i), err);
	if (page_origin(conf_str(conf, CONF_STRIPE_JS_URL), stripe_origin) ==
	    -1 && providers[PROVIDER_STRIPE].ops != NULL)
		log_warn("stripe_js_url is not an http(s) URL: the pages "
		    "offer no card payments");
	card_csp(conf);
	if (strncmp(conf_str(conf, CONF_PUBLIC_URL), "https://", 8) != 0)
		log_warn("public_url is not https: payment providers will "
		    "refuse callback URLs under %s",
		    conf_str(conf, CONF_PUBLIC_URL));
	return 0;
}

/* Provider id, opened; NULL when it is not configured. */
static const struct provider *
provider_ready(enum pay_provider id)
{
	return id < PROVIDER__MAX && providers[id].ops != NULL ?
	    &providers[id] : NULL;
}

/* The open provider a stored payment was made with; NULL if none. */
static const struct provider *
provider_of(const struct payment *p)
{
	return provider_ready(p->provider);
}

/*
 * Asks provider pv for the payment pay_begin() recorded in ps (phone:
 * where M-Pesa pushes it, or NULL), outside any transaction, and records
 * the answer.  Fills created.  Returns ERR_OK, PAYMENT_START_FAILED (the
 * order stays held for a retry) or a storage outcome.
 */
static enum err
ask_provider(struct req *req, const struct provider *pv,
    struct pay_start *ps, const char *phone, struct pay_created *created)
{
	char		 err[512];
	enum pay_err	 pe;
	enum err	 e;

	if (phone != NULL) {
		snprintf(ps->req.phone, sizeof(ps->req.phone), "%s", phone);
		if ((e = pay_set_phone(req->db, ps->payment_id, phone)) !=
		    ERR_OK)
			return e;
	}
	if ((pe = provider_create(pv, &ps->req, created, err, sizeof(err))) !=
	    PAY_OK) {
		log_warn("order %lld: %s create failed: %s",
		    (long long)ps->order_id, pv->ops->label, err);
		(void)pay_create_failed(req->db, ps->payment_id, ps->order_id,
		    pay_errstr(pe));
		return ERR_PAYMENT_START_FAILED;
	}
	return pay_created(req->db, ps->payment_id, created);
}

/*
 * Starts (or finds) the payment request with provider id for the
 * session's order: pay_begin() records it, the provider is asked outside
 * any transaction, and the answer is recorded.  phone is M-Pesa's payer
 * (normalised), NULL for the others.  Fills token (Swish's payment
 * request token, Stripe's client_secret, M-Pesa's CheckoutRequestID).
 * Returns ERR_OK or an outcome (INVALID_SESSION, ALREADY_PAID,
 * EMAIL_LIMIT, SESSION_EXPIRED, HOLD_LIMIT, PAYMENT_START_FAILED).
 */
static enum err
start_payment(struct req *req, enum pay_provider id, const char *email,
    const char *phone, char token[PAY_TOKEN_MAX + 1])
{
	const struct provider	*pv = provider_ready(id);
	struct pay_created	 created;
	struct pay_start	 ps;
	struct session		 s;
	char			 client[CLIENT_KEY_MAX + 1];
	int64_t			 now = tfmt_now();
	enum err		 e;

	if (!auth_cookie_session(req, now, &s) || s.order_id == 0)
		return ERR_INVALID_SESSION;
	if (pv == NULL)
		return ERR_PAYMENT_START_FAILED;
	buyer_addr_key(req->remote_addr, client);
	if ((e = pay_begin(req->db, now, pv->id, s.order_id, email, client,
	    &ps)) != ERR_OK)
		return e;
	if (ps.existing) {
		memcpy(token, ps.token, sizeof(ps.token));
		return ERR_OK;
	}

	/* No transaction is open while we talk to the provider. */
	if ((e = ask_provider(req, pv, &ps, phone, &created)) != ERR_OK)
		return e;
	memcpy(token, created.token, sizeof(created.token));
	return ERR_OK;
}

/*
 * POST /start_payment/ {"email_address"}.  200 with the
 * PaymentRequestToken as a JSON string (the same one again if a request
 * is already open); 400 InvalidRequestData (bad email, checked first),
 * 400 InvalidSession, 403 AlreadyPaidPayment, 403 TooManyTickets (the
 * e-mail address or, for a lapsed hold, this address is at its cap for
 * the event), 408 SessionExpired (also when the hold's extensions are
 * used up), 502 PaymentStartFailed when Swish refuses or cannot be
 * reached (the reservation stays usable for a retry).
 */
static enum err
h_start(struct req *req)
{
	char	 token[PAY_TOKEN_MAX + 1];
	enum err e;

	if ((e = start_payment(req, FLOW_PROVIDER, req->f[SF_EMAIL].s, NULL,
	    token)) != ERR_OK)
		return e;
	return http_json(req, 200, cJSON_CreateString(token));
}

/* The session's order, loaded for a page; ERR_INVALID_SESSION if none. */
static enum err
page_order(struct req *req, struct order *o, cJSON **sum)
{
	struct session	 s;
	enum db_rc	 rc;

	*sum = NULL;
	if (!auth_cookie_session(req, tfmt_now(), &s) || s.order_id == 0)
		return ERR_INVALID_SESSION;
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((rc = order_load(req->db, s.order_id, o)) == DB_OK)
		*sum = order_summary(req->db, s.order_id, tfmt_now(),
		    req->lang);
	db_tx_rollback(req->db);
	return *sum != NULL ? ERR_OK : ERR_INVALID_SESSION;
}

/*
 * Do the pages offer provider id for order o?  The event takes it
 * (events.payment_providers) and it is configured here; cards also need
 * the origin of stripe_js_url for the card page's CSP, and M-Pesa an
 * order in whole Kenyan shillings (all Daraja takes).
 */
static int
page_offers(struct req *req, const struct order *o, enum pay_provider id)
{
	if (provider_ready(id) == NULL ||
	    (id == PROVIDER_STRIPE && stripe_origin[0] == '\0'))
		return 0;
	if (id == PROVIDER_MPESA && (strcmp(o->currency, "KES") != 0 ||
	    o->total <= 0 || o->total % 100 != 0))
		return 0;
	return pay_event_takes(req->db, o->event_id, id);
}

/*
 * Adds "pay" to ctx, what a payment form offers for order o: "swish",
 * "card" and "mpesa" (each offered), "choice" (several: the form shows
 * radio buttons), "only" (the one provider's name, sent hidden), "none",
 * and "swish_picked", "card_picked" and "mpesa_picked": the radio button
 * checked, picked if offered, else the first offered.
 */
static void
add_choice(struct req *req, cJSON *ctx, const struct order *o,
    enum pay_provider picked)
{
	static const enum pay_provider order[] = { PROVIDER_SWISH,
	    PROVIDER_STRIPE, PROVIDER_MPESA };
	static const char *const names[] = { "swish", "card", "mpesa" };
	cJSON		*pay = cJSON_AddObjectToObject(ctx, "pay");
	char		 key[32];
	int		 offered[3], n = 0, i, pick = -1;

	for (i = 0; i < 3; i++) {
		offered[i] = page_offers(req, o, order[i]);
		n += offered[i];
		cJSON_AddBoolToObject(pay, names[i], offered[i]);
		if (offered[i] && pick == -1)
			pick = i;
	}
	for (i = 0; i < 3; i++)
		if (offered[i] && order[i] == picked)
			pick = i;
	cJSON_AddBoolToObject(pay, "choice", n > 1);
	cJSON_AddBoolToObject(pay, "none", n == 0);
	if (n == 1)
		cJSON_AddStringToObject(pay, "only", provider_name(order[pick]));
	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "%s_picked", names[i]);
		cJSON_AddBoolToObject(pay, key, i == pick);
	}
}

/*
 * The checkout page: the held tickets, the time left, the e-mail and the
 * ways to pay, picked checked; with msg (a msgid) and the email typed
 * when a POST /payment is answered with it (NULL, NULL for GET).
 * Without a hold, the "no reservation" page (404), or msg alone; 303 to
 * /done for a paid order (without msg).
 */
static enum err
checkout_page(struct req *req, int status, const char *msg,
    const char *email, enum pay_provider picked)
{
	struct order	 o;
	cJSON		*ctx, *sum;
	enum err	 e;

	if ((e = page_order(req, &o, &sum)) != ERR_OK && e !=
	    ERR_INVALID_SESSION)
		return e;
	if (e == ERR_INVALID_SESSION && msg == NULL)
		return page_no_reservation(req);
	if (sum != NULL && o.status == ORDER_PAID && msg == NULL) {
		cJSON_Delete(sum);
		return page_redirect(req, "/done");
	}
	ctx = cJSON_CreateObject();
	if (sum == NULL) {
		cJSON_AddStringToObject(ctx, "error", page_t(req, msg));
		return page_render(req, status, "message", ctx);
	}
	cJSON_AddItemToObject(ctx, "order", sum);
	if (msg != NULL)
		cJSON_AddStringToObject(ctx, "error", page_t(req, msg));
	else if (strcmp(order_compat_status(&o, tfmt_now()), "RESERVED") != 0)
		cJSON_AddBoolToObject(ctx, "expired", 1);
	if (email != NULL)
		cJSON_AddStringToObject(ctx, "email", email);
	if (req->route->fields == checkout_fields && req->f[CF_PHONE].present)
		cJSON_AddStringToObject(ctx, "phone", req->f[CF_PHONE].s);
	add_choice(req, ctx, &o, picked);
	return page_render(req, status, "checkout", ctx);
}

/*
 * GET /checkout: the held tickets, the time left, the e-mail form and
 * the ways to pay the event takes and pay can serve; 303 to /done when
 * paid; the "no reservation" page (404) without a hold.
 */
static enum err
h_checkout_page(struct req *req)
{
	return checkout_page(req, 200, NULL, NULL, PROVIDER_SWISH);
}

/*
 * POST /payment's answer: the checkout page again with a message (a
 * msgid: scripts/extract-messages.py finds them by this name) and what
 * was typed and picked.
 */
static enum err
checkout_again(struct req *req, int status, const char *msg)
{
	const struct field_val	*email = &req->f[CF_EMAIL];
	const struct field_val	*pick = &req->f[CF_PROVIDER];

	return checkout_page(req, status, msg, email->present ? email->s :
	    NULL, pick->present ? provider_parse(pick->s) : PROVIDER_SWISH);
}

/*
 * POST /payment (form: email, csrf, provider "swish" (the default),
 * "stripe" or "mpesa" with phone): starts paying with that provider and
 * sends the buyer to /payment (303); the checkout page with a message
 * otherwise (400 for an e-mail address, a phone number M-Pesa does not
 * take, or a provider the event does not take here).
 */
static enum err
h_checkout(struct req *req)
{
	struct session		 s;
	struct order		 o;
	enum pay_provider	 id = PROVIDER_SWISH;
	char			 token[PAY_TOKEN_MAX + 1];
	char			 phone[PAY_PHONE_MAX + 1];
	enum err		 e;

	if (!req->f[CF_EMAIL].present || !mail_addr_valid(req->f[CF_EMAIL].s))
		return checkout_again(req, 400, "Enter a valid e-mail address.");
	if (req->f[CF_PROVIDER].present &&
	    (id = provider_parse(req->f[CF_PROVIDER].s)) == PROVIDER__MAX)
		return checkout_again(req, 400, "Choose how to pay.");
	/* Only what the checkout page offered for this event. */
	if (auth_cookie_session(req, tfmt_now(), &s) && s.order_id != 0 &&
	    order_load(req->db, s.order_id, &o) == DB_OK &&
	    !page_offers(req, &o, id))
		return checkout_again(req, 400, "Choose how to pay.");
	if (id == PROVIDER_MPESA && provider_payer(id, req->f[CF_PHONE].s,
	    phone) == -1)
		return checkout_again(req, 400, "Enter the phone number of your "
		    "M-Pesa account: 07XXXXXXXX or 2547XXXXXXXX.");
	switch ((e = start_payment(req, id, req->f[CF_EMAIL].s,
	    id == PROVIDER_MPESA ? phone : NULL, token))) {
	case ERR_OK:
		return page_redirect(req, "/payment");
	case ERR_ALREADY_PAID:
		return page_redirect(req, "/done");
	case ERR_INVALID_SESSION:
		return checkout_again(req, 400, "You have no tickets on hold. "
		    "Pick an event first.");
	case ERR_SESSION_EXPIRED:
		return checkout_again(req, 408, "Your reservation expired and "
		    "the tickets are gone.");
	case ERR_EMAIL_LIMIT:
		return checkout_again(req, 422, "This e-mail address already "
		    "has as many tickets for this event as one buyer may have.");
	case ERR_HOLD_LIMIT:
		return checkout_again(req, 422, "Too many tickets for this event "
		    "are already on hold from your connection. Pay for them or "
		    "wait until they are released, then try again.");
	case ERR_PAYMENT_START_FAILED:
		if (id == PROVIDER_STRIPE)
			return checkout_again(req, 502, "Card payments could "
			    "not be reached. Try again in a moment.");
		if (id == PROVIDER_MPESA)
			return checkout_again(req, 502, "M-Pesa could not send "
			    "the payment request to your phone. Try again in a "
			    "moment.");
		return checkout_again(req, 502, "Swish could not be reached. "
		    "Try again in a moment.");
	default:
		return e;
	}
}

/*
 * The card step for the open Stripe payment p of the page's order (ctx
 * holds its summary): Stripe.js from stripe_js_url mounts the Payment
 * Element with the publishable key and p's client_secret, and the page's
 * CSP lets stripe_js_url's origin in.  Without JavaScript it says so and
 * offers Swish where the event takes it.
 */
static enum err
card_page(struct req *req, const struct order *o, const struct payment *p,
    cJSON *ctx)
{
	cJSON	*card = cJSON_AddObjectToObject(ctx, "card");

	cJSON_AddStringToObject(card, "js",
	    conf_str(req->conf, CONF_STRIPE_JS_URL));
	cJSON_AddStringToObject(card, "key",
	    conf_str(req->conf, CONF_STRIPE_PUBLISHABLE_KEY));
	cJSON_AddStringToObject(card, "secret", p->token);
	cJSON_AddBoolToObject(ctx, "swish", page_offers(req, o,
	    PROVIDER_SWISH));
	return page_render_for(req, 200, "card", ctx, &card_origins);
}

static int	send_refund(struct req *, struct pay_refund_due *,
		    const char *);

/*
 * Asks p's provider where p stands and applies a final answer it has
 * not had yet, as a callback would (the callback was lost, or a page
 * or a poll asks first).  Fills *c with the provider's answer (p's own
 * status when it could not be asked).  Returns 1 when something was
 * applied.
 */
static int
settle(struct req *req, const struct payment *p, struct pay_confirmed *c)
{
	const struct provider	*pv = provider_of(p);
	struct pay_effect	 fx;
	char			 err[512];

	memset(c, 0, sizeof(*c));
	c->status = p->status;
	if (pv == NULL || p->provider_ref[0] == '\0' ||
	    provider_retrieve(pv, p->provider_ref, c, err, sizeof(err)) !=
	    PAY_OK) {
		c->status = p->status;
		return 0;
	}
	if (c->status == p->status || c->status == PAY_CREATED ||
	    c->status == PAY_PENDING ||
	    pay_apply(req->db, tfmt_now(), c, NULL, &fx) != ERR_OK)
		return 0;
	log_info("payment %lld: %s by asking: %s", (long long)p->id,
	    pay_status_str(c->status), fx.outcome);
	if (fx.refund_needed)
		(void)send_refund(req, &fx.refund, NULL);
	if (fx.tickets_issued)
		spawn_cli(req->conf, "mail");
	return 1;
}

/*
 * Why the order's last M-Pesa payment did not go through, as a msgid
 * for the failed page (marked with N_() for scripts/extract-messages.py),
 * or NULL for the page's general sentence.
 */
static const char *
decline_reason(struct req *req, const struct order *o)
{
	static const struct {
		const char	*code;
		const char	*reason_msg;
	} reasons[] = {
		{ "1032", N_("You cancelled the payment on your phone.") },
		{ "1", N_("Your M-Pesa balance was not enough for this "
		    "payment.") },
		{ "1037", N_("Your phone did not answer in time. Check that "
		    "it is on and unlocked, then try again.") },
		{ "1019", N_("Your phone did not answer in time. Check that "
		    "it is on and unlocked, then try again.") },
		{ "2001", N_("The M-Pesa PIN was wrong.") },
	};
	struct payment	 p;
	size_t		 i;

	if (pay_find_last(req->db, o->id, &p) != DB_OK ||
	    p.provider != PROVIDER_MPESA)
		return NULL;
	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(p.error_code, reasons[i].code) == 0)
			return reasons[i].reason_msg;
	return NULL;
}

/*
 * GET /payment: the step of the open payment, Swish's (app link, QR
 * code), the card form, or M-Pesa's "confirm on your phone" (asking
 * Daraja first, in case its callback was lost).  Paid orders go on to
 * /done; a payment that failed or a lapsed hold shows so (for M-Pesa,
 * why), with the ways to pay to try again.
 */
static enum err
h_payment(struct req *req)
{
	const struct provider	*pv;
	struct pay_confirmed	 c;
	struct order		 o;
	struct payment		 p;
	cJSON			*ctx, *sum;
	const char		*reason;
	char			 link[PAY_TOKEN_MAX + 64];
	enum err		 e;
	int			 open_request = 0;

	if ((e = page_order(req, &o, &sum)) == ERR_INVALID_SESSION)
		return page_no_reservation(req);
	if (e != ERR_OK)
		return e;
	if (o.status == ORDER_PAID) {
		cJSON_Delete(sum);
		return page_redirect(req, "/done");
	}
	ctx = cJSON_CreateObject();
	cJSON_AddItemToObject(ctx, "order", sum);
	if (o.payment_started && pay_find_open(req->db, o.id, &p) == DB_OK &&
	    p.token[0] != '\0' && (pv = provider_of(&p)) != NULL)
		open_request = 1;
	if (open_request && p.provider == PROVIDER_MPESA &&
	    settle(req, &p, &c)) {
		cJSON_Delete(ctx);
		return page_redirect(req, "/payment");
	}
	if (!open_request || strcmp(order_compat_status(&o, tfmt_now()),
	    "RESERVED") != 0) {
		cJSON_AddBoolToObject(ctx, "failed", 1);
		if ((reason = decline_reason(req, &o)) != NULL)
			cJSON_AddStringToObject(ctx, "reason",
			    page_t(req, reason));
		add_choice(req, ctx, &o, open_request ? p.provider :
		    PROVIDER_SWISH);
		return page_render(req, 200, "payment", ctx);
	}
	if (p.provider == PROVIDER_STRIPE)
		return card_page(req, &o, &p, ctx);
	if (p.provider == PROVIDER_MPESA) {
		cJSON_AddStringToObject(cJSON_AddObjectToObject(ctx, "mpesa"),
		    "phone", p.phone);
		return page_render(req, 200, "payment", ctx);
	}
	cJSON_AddStringToObject(ctx, "token", p.token);
	/* The provider's app on this device ("" if it has none). */
	(void)provider_app_link(pv, p.token, link, sizeof(link));
	cJSON_AddStringToObject(ctx, "app_link", link);
	return page_render(req, 200, "payment", ctx);
}

/* GET /done: the confirmation with every ticket code. */
static enum err
h_done(struct req *req)
{
	struct order	 o;
	cJSON		*ctx, *sum;
	enum err	 e;

	if ((e = page_order(req, &o, &sum)) == ERR_INVALID_SESSION)
		return page_no_reservation(req);
	if (e != ERR_OK)
		return e;
	if (o.status != ORDER_PAID) {
		cJSON_Delete(sum);
		return page_redirect(req, "/payment");
	}
	ctx = cJSON_CreateObject();
	cJSON_AddItemToObject(ctx, "order", sum);
	return page_render(req, 200, "done", ctx);
}

/* Tokens for QR codes are short and alphanumeric (Swish's). */
static int
token_ok(const char *t)
{
	size_t	 i;

	for (i = 0; t[i] != '\0'; i++)
		if (i >= PAY_TOKEN_MAX ||
		    !((t[i] >= '0' && t[i] <= '9') ||
		    (t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z')))
			return 0;
	return i > 0;
}

/*
 * GET /generate_qr/{token}: 200 image/png from the provider's QR code
 * (Swish's QR generator), for tokens of our own open payment requests
 * only (we are no open proxy, and a finished request's code is no use
 * to anyone); 404 PaymentDoesNotExist (also when the payment's provider
 * has no QR codes); 502 QrFailed.  The provider is asked once per token
 * (twice when two workers miss at the same moment; again only once the
 * token has fallen out of the QR_CACHE_SLOTS most recently used): the
 * image is kept in qr_cache for every worker, so however often a page
 * asks for it, no worker waits on the provider again.
 */
static enum err
h_qr(struct req *req)
{
	const struct provider	*pv;
	const char		*token = http_param(req, 0);
	struct payment		 p;
	unsigned char		*png = NULL;
	size_t			 len = 0;
	char			 err[512];
	enum db_rc		 rc;
	enum pay_err		 pe;
	enum err		 e;

	if (!token_ok(token))
		return ERR_PAYMENT_NOT_FOUND;
	if ((rc = pay_find_by_token(req->db, token, &p)) == DB_NOTFOUND)
		return ERR_PAYMENT_NOT_FOUND;
	if (rc != DB_OK)
		return err_from_db(rc);
	if (!pay_is_open(&p) || (pv = provider_of(&p)) == NULL)
		return ERR_PAYMENT_NOT_FOUND;

	if ((png = shmcache_get(qr_cache, token, &len)) != NULL)
		metrics_add(METRIC_QR_CACHE, 1);
	else {
		if ((pe = provider_qr(pv, token, &png, &len, err,
		    sizeof(err))) != PAY_OK) {
			log_warn("QR for payment %lld: %s", (long long)p.id,
			    err);
			return pe == PAY_ERR_UNSUPPORTED ?
			    ERR_PAYMENT_NOT_FOUND : ERR_QR_FAILED;
		}
		metrics_add(METRIC_QR_PROVIDER, 1);
		if (shmcache_put(qr_cache, token, png, len) == -1)
			log_warn("QR for payment %lld: %zu bytes, not cached",
			    (long long)p.id, len);
	}
	e = http_bytes(req, 200, "image/png", png, len);
	free(png);
	(void)http_add_header(req, "Cache-Control", "private, max-age=300");
	return e;
}

/*
 * GET /api/metrics (admins): pay's counters in the Prometheus text
 * format, the sums over all its workers (lib/metrics.h); they start at
 * zero when pay starts.  200 text/plain.
 */
static enum err
h_metrics(struct req *req)
{
	char	 text[2048];
	int	 n;

	if ((n = metrics_text(text, sizeof(text))) < 0)
		return ERR_INTERNAL;
	(void)http_add_header(req, "Cache-Control", "no-store");
	return http_bytes(req, 200, "text/plain; version=0.0.4; charset=utf-8",
	    text, (size_t)n);
}

/*
 * Logs a refused callback, at most REJECT_LOG_PER_MIN lines a minute in
 * each worker, so that a flood of forged callbacks cannot flood the log
 * too (the metrics count every one).  The next line logged says how many
 * were left out.
 */
static void	log_refused(const char *, ...)
		    __attribute__((format(printf, 1, 2)));

static void
log_refused(const char *fmt, ...)
{
	static int64_t		 minute;
	static unsigned		 lines;
	static unsigned long	 skipped;
	va_list			 ap;
	char			 msg[512];
	int64_t			 now = tfmt_now() / 60;

	if (now != minute) {
		minute = now;
		lines = 0;
	}
	if (lines >= REJECT_LOG_PER_MIN) {
		skipped++;
		return;
	}
	lines++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (skipped > 0)
		log_warn("%s (and %lu more not logged)", msg, skipped);
	else
		log_warn("%s", msg);
	skipped = 0;
}

/*
 * Records an authenticated callback of pv's that we could not apply yet,
 * and answers with e.
 */
static enum err
reject(struct req *req, const struct provider *pv, const char *key,
    int64_t payment_id, const char *outcome, enum err e)
{
	log_warn("%s callback %s rejected: %s", pv->ops->label, key, outcome);
	(void)pay_record_event(req->db, tfmt_now(), pv->id, key, payment_id, 0,
	    outcome, req->raw_body);
	return e;
}

/*
 * Sends a refund that was recorded (pay_refund_begin(), or applying a
 * callback); `biljett expire` retries one that fails.  Returns 1 when
 * the provider took it, 0 when it did not (yet), -1 when the provider
 * has no refunds on its wire (M-Pesa): then it is left to a person.
 */
static int
send_refund(struct req *req, struct pay_refund_due *due, const char *message)
{
	const struct provider	*pv = provider_ready(due->provider);
	char			 err[512] = "", id[PAY_REF_MAX + 1] = "";
	enum pay_err		 pe;
	int			 ok;

	if (pv == NULL) {
		log_err("refund %lld: %s is not configured; `biljett expire` "
		    "retries", (long long)due->refund_id,
		    provider_name(due->provider));
		(void)pay_refund_result(req->db, due->refund_id, 0,
		    "provider not configured", NULL);
		return 0;
	}
	due->req.message = message;
	if ((pe = provider_refund(pv, &due->req, id, err, sizeof(err))) ==
	    PAY_ERR_UNSUPPORTED) {
		log_warn("refund %lld: %s; to be made by hand",
		    (long long)due->refund_id, err);
		(void)pay_refund_manual(req->db, due->refund_id, err);
		return -1;
	}
	ok = pe == PAY_OK;
	if (!ok)
		log_err("refund %lld failed: %s; `biljett expire` retries",
		    (long long)due->refund_id, err);
	(void)pay_refund_result(req->db, due->refund_id, ok, ok ? NULL : err,
	    id);
	return ok;
}

/*
 * The answer to a callback we handled: Daraja's acknowledgement body
 * for M-Pesa, an empty 200 for the others.
 */
static enum err
callback_ack(struct req *req, const struct provider *pv)
{
	cJSON	*j;

	if (pv->id != PROVIDER_MPESA)
		return http_empty(req, 200);
	j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "ResultCode", 0);
	cJSON_AddStringToObject(j, "ResultDesc", "Accepted");
	return http_json(req, 200, j);
}

/*
 * Does an unsigned callback's claim of payment fit what was asked of
 * payment p: its amount and, where the provider reports it, the payer
 * (M-Pesa's PhoneNumber against the phone the request was pushed to)?
 * Only the secret vouches for such a claim, so it must be whole before
 * the provider is asked; a signed one (Stripe) always fits here.
 */
static int
claim_fits(const struct provider *pv, const struct pay_confirmed *claimed,
    const struct payment *p)
{
	if (!pv->ops->callback_secret || claimed->status != PAY_PAID)
		return 1;
	if (claimed->amount != p->amount)
		return 0;
	return claimed->payer[0] == '\0' || p->phone[0] == '\0' ||
	    strcmp(claimed->payer, p->phone) == 0;
}

/*
 * A provider's callback.  The body is never trusted: the provider checks
 * what it can (verify_callback), the secret it hands back must match the
 * one stored for the payment (constant-time, by hash), and the status is
 * then fetched from the provider and only that answer is applied.  A
 * callback refused on the way writes nothing (it is counted in the
 * metrics and logged, rate-limited), so a flood of forged ones neither
 * fills provider_events nor queues for the write lock.  200 when handled
 * (repeats included); 400 on a malformed body; 403 when the payment is
 * unknown, the secret wrong or the signature forged, the same answer for
 * each so that a forger learns nothing; 503 when the provider cannot be
 * reached to confirm (it retries).
 */
static enum err
callback(struct req *req, enum pay_provider which, const char *path_secret)
{
	const struct provider	*pv = provider_ready(which);
	struct pay_confirmed	 claimed, confirmed;
	struct pay_callback	 cb;
	struct pay_effect	 fx;
	struct payment		 p;
	char			 secret[PAY_SECRET_MAX + 1], err[512];
	enum pay_err		 pe;
	enum err		 e;

	if (pv == NULL)
		return ERR_NOT_CONFIGURED;
	if (req->raw_body == NULL || req->raw_len > PROVIDER_BODY_MAX) {
		metrics_add(METRIC_CALLBACK_MALFORMED, 1);
		log_refused("%s callback: malformed body", pv->ops->label);
		return ERR_BAD_REQUEST;
	}
	memset(&cb, 0, sizeof(cb));
	cb.body = req->raw_body;
	cb.len = req->raw_len;
	if (pv->ops->callback_header != NULL)
		cb.header = http_header(req, pv->ops->callback_header);
	else
		cb.header = path_secret;
	cb.now = tfmt_now();
	if ((pe = provider_verify_callback(pv, &cb, &claimed, secret, err,
	    sizeof(err))) != PAY_OK) {
		metrics_add(pe == PAY_ERR_FORGED ? METRIC_CALLBACK_BAD_SECRET :
		    METRIC_CALLBACK_MALFORMED, 1);
		log_refused("%s callback: %s", pv->ops->label, err);
		return pe == PAY_ERR_FORGED ? ERR_CALLBACK_REJECTED :
		    ERR_BAD_REQUEST;
	}

	/* Authentic, but nothing a payment of ours waits for. */
	if (claimed.status == PAY_STATUS__MAX) {
		log_info("%s callback %s: not for us, acknowledged",
		    pv->ops->label, claimed.event_key);
		return callback_ack(req, pv);
	}

	/* Ours, and the right secret?  Reads only. */
	switch (pay_match_callback(req->db, &claimed,
	    pv->ops->callback_secret ? secret : NULL, &p)) {
	case PAY_MATCH_OK:
		break;
	case PAY_MATCH_UNKNOWN:
		metrics_add(METRIC_CALLBACK_UNKNOWN, 1);
		/*
		 * A signed event about a payment that is not ours (an
		 * account shared with another shop): acknowledged, or the
		 * provider would send it again for days.
		 */
		if (!pv->ops->callback_secret) {
			log_refused("%s callback %s: not our payment, "
			    "acknowledged", pv->ops->label, claimed.event_key);
			return callback_ack(req, pv);
		}
		log_refused("%s callback %s refused: unknown payment request",
		    pv->ops->label, claimed.event_key);
		return ERR_CALLBACK_REJECTED;
	case PAY_MATCH_BAD_SECRET:
		metrics_add(METRIC_CALLBACK_BAD_SECRET, 1);
		log_refused("%s callback %s refused: %s %s", pv->ops->label,
		    claimed.event_key, pv->ops->callback_header != NULL ?
		    pv->ops->callback_header : "callback secret",
		    secret[0] == '\0' ? "missing" : "mismatch");
		return ERR_CALLBACK_REJECTED;
	case PAY_MATCH_BUSY:
		return ERR_BUSY;
	default:
		return ERR_INTERNAL;
	}
	if (!claim_fits(pv, &claimed, &p)) {
		metrics_add(METRIC_CALLBACK_BAD_SECRET, 1);
		log_refused("%s callback %s refused: amount or payer is not "
		    "what was asked", pv->ops->label, claimed.event_key);
		return ERR_CALLBACK_REJECTED;
	}

	/* Ask the provider what really happened. */
	if (provider_retrieve(pv, claimed.provider_ref, &confirmed, err,
	    sizeof(err)) != PAY_OK) {
		log_warn("%s callback %s: cannot confirm: %s", pv->ops->label,
		    claimed.event_key, err);
		return reject(req, pv, claimed.event_key, p.id,
		    "unconfirmed: retrieve failed", ERR_BUSY);
	}
	/* The money's reference when the answer names none (M-Pesa's
	 * receipt is in the callback only), from a claim that was checked
	 * whole and that the provider confirmed. */
	if (confirmed.status == PAY_PAID && claimed.status == PAY_PAID &&
	    confirmed.payment_reference[0] == '\0')
		memcpy(confirmed.payment_reference, claimed.payment_reference,
		    sizeof(confirmed.payment_reference));
	if ((e = pay_apply(req->db, tfmt_now(), &confirmed, req->raw_body,
	    &fx)) != ERR_OK)
		return e;
	log_info("%s callback %s (claimed), %s (confirmed): %s",
	    pv->ops->label, claimed.event_key,
	    pay_status_str(confirmed.status), fx.outcome);

	if (fx.refund_needed)
		send_refund(req, &fx.refund, "Återbetalning: slutsålt");
	if (fx.tickets_issued)
		spawn_cli(req->conf, "mail");
	return callback_ack(req, pv);
}

/* POST /swish/callback/: Swish's callback (see callback()). */
static enum err
h_callback(struct req *req)
{
	return callback(req, PROVIDER_SWISH, NULL);
}

/* Stripe's words for where a payment stands, from ours. */
static const char *
intent_status(enum pay_status s)
{
	switch (s) {
	case PAY_PENDING:
		return "processing";
	case PAY_PAID:
	case PAY_REFUNDED:
		return "succeeded";
	case PAY_CANCELLED:
		return "canceled";
	default:
		return "requires_payment_method";
	}
}

/* Adds amount (minor units) as a JSON number of major units. */
static void
add_major(cJSON *j, const char *name, int64_t minor, const char *currency)
{
	int	 exp = money_exponent(currency), i;
	double	 d = (double)minor;

	for (i = 0; i < exp; i++)
		d /= 10;
	cJSON_AddNumberToObject(j, name, d);
}

/* Writes currency in lower case, as Stripe does. */
static void
add_lower(cJSON *j, const char *name, const char *currency)
{
	char	 c[CURRENCY_LEN + 1];
	size_t	 i;

	for (i = 0; i < CURRENCY_LEN && currency[i] != '\0'; i++)
		c[i] = (char)(currency[i] | 0x20);
	c[i] = '\0';
	cJSON_AddStringToObject(j, name, c);
}

/* The order of the path's {uid}, as the signed-in user may see it. */
static enum err
path_order(struct req *req, int organizer_may, struct order *o)
{
	struct actor	 a = auth_actor(req);

	return orderview_for(req->db, http_param(req, 0), &a, organizer_may, o);
}

/* pay_begin()'s outcomes in seed 004's words. */
static enum err
begin_refused(struct req *req, enum err e)
{
	switch (e) {
	case ERR_ALREADY_PAID:
		req->err_detail = "Order cannot be paid";
		return ERR_ORDER_STATE;
	case ERR_SESSION_EXPIRED:
	case ERR_INVALID_SESSION:
		req->err_detail = "Order has expired";
		return ERR_ORDER_STATE;
	default:
		return e;
	}
}

/*
 * Creates (or finds) the card payment of order o: pay_begin() records
 * it, Stripe is asked outside any transaction, the answer recorded.
 * Fills *ref (the PaymentIntent) and secret (its client_secret).
 */
static enum err
start_intent(struct req *req, const struct order *o,
    char ref[PAY_REF_MAX + 1], char secret[PAY_TOKEN_MAX + 1])
{
	const struct provider	*pv = provider_ready(PROVIDER_STRIPE);
	struct pay_created	 created;
	struct pay_start	 ps;
	struct payment		 p;
	char			 client[CLIENT_KEY_MAX + 1], err[512];
	enum pay_err		 pe;
	enum err		 e;

	buyer_addr_key(req->remote_addr, client);
	if ((e = pay_begin(req->db, tfmt_now(), PROVIDER_STRIPE, o->id, NULL,
	    client, &ps)) != ERR_OK)
		return begin_refused(req, e);
	if (ps.existing) {
		if (pay_find_open(req->db, o->id, &p) != DB_OK)
			return ERR_BUSY;
		snprintf(ref, PAY_REF_MAX + 1, "%s", p.provider_ref);
		snprintf(secret, PAY_TOKEN_MAX + 1, "%s", p.token);
		return ERR_OK;
	}
	if ((pe = provider_create(pv, &ps.req, &created, err, sizeof(err))) !=
	    PAY_OK) {
		log_warn("order %lld: Stripe create failed: %s",
		    (long long)o->id, err);
		(void)pay_create_failed(req->db, ps.payment_id, ps.order_id,
		    pay_errstr(pe));
		return ERR_PAYMENT_START_FAILED;
	}
	snprintf(ref, PAY_REF_MAX + 1, "%s", created.provider_ref);
	snprintf(secret, PAY_TOKEN_MAX + 1, "%s", created.token);
	return pay_created(req->db, ps.payment_id, &created);
}

/*
 * POST /api/orders/{id}/create-payment-intent/ (the order's buyer): 200
 * {"success": true, "payment_intent": {"client_secret",
 * "payment_intent_id", "amount" (minor units), "currency", "status"},
 * "publishable_key"} for Stripe.js; the same intent again while it is
 * open.  The order is "processing" from now, its hold pushed so that
 * paying can finish (at most HOLD_EXTENSIONS_MAX times).  400
 * ORDER_STATE when it is paid or its tickets are gone; 422
 * PAYMENT_METHOD_UNAVAILABLE when the event takes no cards; 503
 * NOT_CONFIGURED without Stripe's keys; 502 when Stripe fails.
 */
static enum err
intent(struct req *req)
{
	struct order	 o;
	char		 ref[PAY_REF_MAX + 1], secret[PAY_TOKEN_MAX + 1];
	cJSON		*root, *pi;
	enum err	 e;

	if ((e = path_order(req, 0, &o)) != ERR_OK)
		return e;
	if (o.user_id != req->user.id)
		return ERR_ORDER_NOT_FOUND;
	if (!pay_event_takes(req->db, o.event_id, PROVIDER_STRIPE))
		return ERR_PROVIDER_UNAVAILABLE;
	if (provider_ready(PROVIDER_STRIPE) == NULL)
		return ERR_NOT_CONFIGURED;
	if (o.total == 0) {
		req->err_detail = "Order has nothing to pay";
		return ERR_ORDER_STATE;
	}
	if ((e = start_intent(req, &o, ref, secret)) != ERR_OK)
		return e;
	root = cJSON_CreateObject();
	cJSON_AddBoolToObject(root, "success", 1);
	pi = cJSON_AddObjectToObject(root, "payment_intent");
	cJSON_AddStringToObject(pi, "client_secret", secret);
	cJSON_AddStringToObject(pi, "payment_intent_id", ref);
	cJSON_AddNumberToObject(pi, "amount", (double)o.total);
	add_lower(pi, "currency", o.currency);
	cJSON_AddStringToObject(pi, "status", "requires_payment_method");
	cJSON_AddStringToObject(root, "publishable_key",
	    conf_str(req->conf, CONF_STRIPE_PUBLISHABLE_KEY));
	return http_json(req, 200, root);
}

static enum err
h_intent(struct req *req)
{
	return idem_run(req, intent);
}

/*
 * The payment of order o (paid, else open) as its provider tells it
 * now, in *p and *c: what the provider says is final and not yet
 * applied (a webhook lost) is applied first, as a callback would be,
 * and o reloaded.  ERR_PAYMENT_NOT_FOUND when o has no payment.
 */
static enum err
reconcile(struct req *req, struct order *o, struct payment *p,
    struct pay_confirmed *c)
{
	if (pay_find_paid(req->db, o->id, p) != DB_OK &&
	    pay_find_open(req->db, o->id, p) != DB_OK) {
		req->err_detail = "No payment found for this order";
		return ERR_PAYMENT_NOT_FOUND;
	}
	if (settle(req, p, c))
		(void)order_load(req->db, o->id, o);
	return ERR_OK;
}

/*
 * GET /api/orders/{id}/payment-status/ (its buyer, admins): 200
 * {"order_id", "order_number", "order_status", "payment_status",
 * "amount", "currency"} as the provider tells it now.  What the provider
 * says is final and not yet applied (a webhook lost) is applied first,
 * as a callback would be.  404 when there is no payment.
 */
static enum err
h_payment_status(struct req *req)
{
	struct pay_confirmed	 c;
	struct payment		 p;
	struct order		 o;
	cJSON			*j;
	enum err		 e;

	if ((e = path_order(req, 0, &o)) != ERR_OK)
		return e;
	if ((e = reconcile(req, &o, &p, &c)) != ERR_OK)
		return e;
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "order_id", o.uid);
	cJSON_AddStringToObject(j, "order_number", o.number);
	cJSON_AddStringToObject(j, "order_status",
	    orderview_status(&o, tfmt_now()));
	cJSON_AddStringToObject(j, "payment_status", intent_status(c.status));
	add_major(j, "amount", p.amount, p.currency);
	add_lower(j, "currency", p.currency);
	return http_json(req, 200, j);
}

/*
 * POST /api/orders/{id}/refund/ {"amount" (optional: all that is left),
 * "reason"} (its buyer, the event's organizer, admins): 200
 * {"success": true, "refund_id", "amount", "currency", "status"}; the
 * refund is recorded before the provider is asked, and status
 * "pending" means the provider did not take it yet (`biljett expire`
 * retries), "manual" that it has no refunds on its wire (M-Pesa): the
 * answer says so, with the payment's reference, and a person sends the
 * money back.  A full refund stops the order's tickets at once.  400
 * ORDER_STATE when the order is not confirmed, VALIDATION_ERROR for an
 * amount above what is left.
 */
static enum err
refund(struct req *req)
{
	struct pay_refund_due	 due;
	struct order		 o;
	const char		*detail;
	int64_t			 amount = 0;
	cJSON			*j;
	enum err		 e;
	int			 full, ok;

	if ((e = path_order(req, 1, &o)) != ERR_OK)
		return e;
	if (req->f[RF_AMOUNT].present &&
	    (money_parse_decimal(req->f[RF_AMOUNT].s, o.currency, &amount) !=
	    MONEY_OK || amount == 0))
		return http_field_error(req, "amount", "A positive amount in "
		    "the order's currency.");
	if ((e = pay_refund_begin(req->db, tfmt_now(), o.id, amount,
	    req->f[RF_REASON].s != NULL ? req->f[RF_REASON].s :
	    "requested_by_customer", req->user.id, &due, &full, &detail)) !=
	    ERR_OK) {
		if (e == ERR_BAD_REQUEST)
			return http_field_error(req, "amount", detail);
		req->err_detail = detail;
		return e;
	}
	log_info("order %lld: refund %lld of %lld asked by user %lld%s",
	    (long long)o.id, (long long)due.refund_id,
	    (long long)due.req.amount, (long long)req->user.id,
	    full ? " (all of it)" : "");
	ok = send_refund(req, &due, NULL);
	j = cJSON_CreateObject();
	cJSON_AddBoolToObject(j, "success", 1);
	cJSON_AddStringToObject(j, "refund_id", due.req.ref);
	add_major(j, "amount", due.req.amount, due.req.currency);
	add_lower(j, "currency", due.req.currency);
	cJSON_AddStringToObject(j, "status", ok == 1 ? "succeeded" :
	    ok == -1 ? "manual" : "pending");
	/* Recorded, and the tickets are stopped, but no money moved. */
	if (ok == -1) {
		cJSON_AddStringToObject(j, "detail", "This payment provider "
		    "cannot send refunds: send the money back by hand (for "
		    "M-Pesa, a reversal of the receipt in the M-Pesa portal).");
		cJSON_AddStringToObject(j, "payment_reference",
		    due.req.payment_reference);
	}
	return http_json(req, 200, j);
}

static enum err
h_refund(struct req *req)
{
	return idem_run(req, refund);
}

/* POST /api/webhooks/stripe/: Stripe's webhook (see callback()). */
static enum err
h_stripe_webhook(struct req *req)
{
	return callback(req, PROVIDER_STRIPE, NULL);
}

/*
 * POST /api/webhooks/mpesa/{secret}/: Daraja's STK callback (see
 * callback()), whose URL's last segment is the payment's callback
 * secret.  200 {"ResultCode": 0, "ResultDesc": "Accepted"} when handled
 * (repeats included); a forged one (unknown CheckoutRequestID, wrong
 * secret, another amount or phone) 403 like every refused callback,
 * writing nothing: Daraja does not retry, and the same answer for each
 * tells a forger nothing.
 */
static enum err
h_mpesa_callback(struct req *req)
{
	return callback(req, PROVIDER_MPESA, http_param(req, 0));
}

/*
 * Gives up order_id, whose M-Pesa payment could not even start (or
 * whose total M-Pesa cannot take), so that its places are free at once
 * rather than at the end of the hold.
 */
static void
initiate_undo(struct req *req, int64_t order_id)
{
	const char	*detail;
	int		 open;

	if (checkout_cancel(req->db, tfmt_now(), order_id, "M-Pesa payment "
	    "not started", &detail, &open) != ERR_OK)
		log_warn("order %lld: could not release after a failed "
		    "M-Pesa start", (long long)order_id);
}

/*
 * The buyer of seed 003's checkout: the signed-in account, or the
 * guest's e-mail address and name (required), whose account is found
 * or made without a password (lib/guestpay).  Fills b (pointing into u
 * and the request).  Returns ERR_OK, ERR_BAD_REQUEST with field errors,
 * or a storage outcome.
 */
static enum err
initiate_buyer(struct req *req, const char *phone, struct user *u,
    struct order_buyer *b)
{
	int64_t		 user_id;
	int		 created;
	enum err	 e;

	memset(b, 0, sizeof(*b));
	b->phone = phone;
	b->lang = req->lang;
	if ((e = auth_identify(req)) != ERR_OK)
		return e;
	if (req->user.id != 0) {
		if (user_by_id(req->db, req->user.id, u) != DB_OK)
			return ERR_UNAUTHORIZED;
		b->user_id = u->id;
		b->email = u->email;
		b->name = req->f[IF_NAME].present ? req->f[IF_NAME].s :
		    u->name;
		return ERR_OK;
	}
	if (!req->f[IF_EMAIL].present)
		cJSON_AddStringToObject(http_field_errs(req), "email",
		    "Guest checkout requires an e-mail address.");
	if (!req->f[IF_NAME].present)
		cJSON_AddStringToObject(http_field_errs(req), "name",
		    "Guest checkout requires a name.");
	if (!req->f[IF_EMAIL].present || !req->f[IF_NAME].present)
		return ERR_BAD_REQUEST;
	if ((e = guestpay_owner(req->db, tfmt_now(), req->f[IF_EMAIL].s,
	    req->f[IF_NAME].s, phone, req->lang, &user_id, &created)) != ERR_OK)
		return e;
	if (created)
		log_info("user %lld: made for a guest checkout, no password",
		    (long long)user_id);
	b->user_id = user_id;
	b->email = req->f[IF_EMAIL].s;
	b->name = req->f[IF_NAME].s;
	return ERR_OK;
}

/* Holds quantity of tier for b; fills *o.  Answers the hold's
 * outcomes (400 on tier_id with why, OUT_OF_TICKETS, ...). */
static enum err
initiate_hold(struct req *req, struct guestpay_tier *tier,
    const struct order_buyer *b, struct order *o, int *confirmed)
{
	struct checkout_placed	 placed;
	char			 client[CLIENT_KEY_MAX + 1];
	enum err		 e;

	buyer_addr_key(req->remote_addr, client);
	tier->item.quantity = req->f[IF_QUANTITY].present ?
	    req->f[IF_QUANTITY].i : 1;
	/* Seed 003 charges the tier's price: no service fee. */
	e = checkout_place(req->db, tfmt_now(), tier->event_id, &tier->item, 1,
	    b, client, 0, &placed);
	if (e == ERR_BAD_REQUEST)
		return http_field_error(req, "tier_id", placed.fault.reason);
	if (e == ERR_OUT_OF_TICKETS)
		req->err_count = placed.tickets_left;
	if (e != ERR_OK)
		return e;
	*confirmed = placed.confirmed;
	return order_load(req->db, placed.order_id, o) == DB_OK ? ERR_OK :
	    ERR_INTERNAL;
}

/* Seed 003's answer for order o: 202 while the phone is asked, 201 for
 * a free order already confirmed. */
static enum err
initiate_answer(struct req *req, const struct order *o, const char *push_ref,
    const char *phone)
{
	char	 amount[32], url[64 + UUID_LEN];
	cJSON	*j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "status", push_ref != NULL ?
	    "Payment Initiated" : "Booking Confirmed");
	cJSON_AddStringToObject(j, "transaction_ref", o->uid);
	if (push_ref != NULL)
		cJSON_AddStringToObject(j, "mpesa_ref", push_ref);
	cJSON_AddStringToObject(j, "order_id", o->uid);
	cJSON_AddStringToObject(j, "order_number", o->number);
	if (money_decimal_string(amount, sizeof(amount), o->total,
	    o->currency) == 0)
		cJSON_AddStringToObject(j, "amount", amount);
	cJSON_AddStringToObject(j, "currency", o->currency);
	cJSON_AddStringToObject(j, "phone_number", phone);
	snprintf(url, sizeof(url), "/api/pay/status/%s/", o->uid);
	cJSON_AddStringToObject(j, "status_url", url);
	return http_json(req, push_ref != NULL ? 202 : 201, j);
}

/*
 * POST /api/pay/initiate/ {"tier_id", "phone_number", "email", "name",
 * "quantity" (1 unless given)} (seed 003; anyone: a signed-in buyer's
 * e-mail and name are the account's, a guest gives both and a new
 * address gets an account without a password).  The places are held at
 * once on the order core (the event's hold time), then Daraja pushes
 * the payment to the phone: 202 {"status": "Payment Initiated",
 * "transaction_ref" (the order's id), "mpesa_ref" (CheckoutRequestID),
 * "order_id", "order_number", "amount", "currency", "phone_number",
 * "status_url"} to poll; the tickets are mailed when paid.  A free tier
 * is confirmed at once: 201 "Booking Confirmed".  400 on the fields
 * (phone_number normalised to 2547XXXXXXXX or 2541XXXXXXXX); 404
 * TICKET_TYPE_NOT_FOUND; the hold's outcomes (OUT_OF_TICKETS, ...); 422
 * PAYMENT_METHOD_UNAVAILABLE when the event does not take M-Pesa or its
 * total is not whole shillings; 503 NOT_CONFIGURED without Daraja keys;
 * 502 PAYMENT_START_FAILED when Daraja refuses or cannot be reached (the
 * places are released).
 */
static enum err
h_initiate(struct req *req)
{
	const struct provider	*pv = provider_ready(PROVIDER_MPESA);
	struct guestpay_tier	 tier;
	struct pay_created	 created;
	struct pay_start	 ps;
	struct order_buyer	 b;
	struct order		 o;
	struct user		 u;
	char			 phone[PAY_PHONE_MAX + 1];
	char			 client[CLIENT_KEY_MAX + 1];
	int			 confirmed = 0;
	enum err		 e;

	if (provider_payer(PROVIDER_MPESA, req->f[IF_PHONE].s, phone) == -1)
		return http_field_error(req, "phone_number", "Enter a Kenyan "
		    "mobile number: 2547XXXXXXXX, 07XXXXXXXX or +2547XXXXXXXX.");
	if ((e = guestpay_tier(req->db, req->f[IF_TIER].i, &tier)) != ERR_OK)
		return e;
	if (!pay_event_takes(req->db, tier.event_id, PROVIDER_MPESA))
		return ERR_PROVIDER_UNAVAILABLE;
	if (pv == NULL)
		return ERR_NOT_CONFIGURED;
	if ((e = initiate_buyer(req, phone, &u, &b)) != ERR_OK ||
	    (e = initiate_hold(req, &tier, &b, &o, &confirmed)) != ERR_OK)
		return e;
	if (confirmed) {
		spawn_cli(req->conf, "mail");
		return initiate_answer(req, &o, NULL, phone);
	}
	if (strcmp(o.currency, "KES") != 0 || o.total % 100 != 0) {
		initiate_undo(req, o.id);
		req->err_detail = "M-Pesa takes whole Kenyan shillings only";
		return ERR_PROVIDER_UNAVAILABLE;
	}

	/* The hold is taken; now the phone, outside any transaction. */
	buyer_addr_key(req->remote_addr, client);
	if ((e = pay_begin(req->db, tfmt_now(), PROVIDER_MPESA, o.id, NULL,
	    client, &ps)) != ERR_OK ||
	    (e = ask_provider(req, pv, &ps, phone, &created)) != ERR_OK) {
		initiate_undo(req, o.id);
		return e;
	}
	log_info("order %lld: M-Pesa push %s for tier %lld",
	    (long long)o.id, created.provider_ref, (long long)req->f[IF_TIER].i);
	return initiate_answer(req, &o, created.provider_ref, phone);
}

/* Seed 003's words for a payment's status. */
static const char *
initiate_status(enum pay_status s)
{
	switch (s) {
	case PAY_PAID:
		return "paid";
	case PAY_REFUNDED:
		return "refunded";
	case PAY_DECLINED:
	case PAY_ERROR:
		return "failed";
	case PAY_CANCELLED:
		return "cancelled";
	default:
		return "pending";
	}
}

/*
 * GET /api/pay/status/{id}/ (anyone holding the transaction_ref that
 * POST /api/pay/initiate/ answered, an unguessable UUID): 200
 * {"transaction_ref", "order_number", "order_status" (seed 004's
 * words), "payment_status" (pending, paid, failed, cancelled,
 * refunded), "result_code" (Daraja's ResultCode once known),
 * "mpesa_receipt" (when paid)}.  A payment still pending is asked of
 * Daraja first (its callback may be lost).  404 PAYMENT_NOT_FOUND for
 * anything else, orders without an M-Pesa payment included.
 */
static enum err
h_pay_status(struct req *req)
{
	const char		*uid = http_param(req, 0);
	struct pay_confirmed	 c;
	struct payment		 p;
	struct order		 o;
	cJSON			*j;

	if (uid == NULL || strlen(uid) != UUID_LEN ||
	    orderview_find(req->db, uid, &o) != DB_OK ||
	    pay_find_last(req->db, o.id, &p) != DB_OK ||
	    p.provider != PROVIDER_MPESA)
		return ERR_PAYMENT_NOT_FOUND;
	if (pay_is_open(&p) && settle(req, &p, &c) &&
	    (order_load(req->db, o.id, &o) != DB_OK ||
	    pay_find_last(req->db, o.id, &p) != DB_OK))
		return ERR_BUSY;
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "transaction_ref", o.uid);
	cJSON_AddStringToObject(j, "order_number", o.number);
	cJSON_AddStringToObject(j, "order_status",
	    orderview_status(&o, tfmt_now()));
	cJSON_AddStringToObject(j, "payment_status", initiate_status(p.status));
	if (p.status == PAY_PAID || p.status == PAY_REFUNDED) {
		cJSON_AddStringToObject(j, "result_code", "0");
		cJSON_AddStringToObject(j, "mpesa_receipt",
		    p.payment_reference);
	} else if (p.error_code[0] != '\0')
		cJSON_AddStringToObject(j, "result_code", p.error_code);
	else
		cJSON_AddNullToObject(j, "result_code");
	(void)http_add_header(req, "Cache-Control", "no-store");
	return http_json(req, 200, j);
}

/* billet-jo's payment status of order o: pending, paid, failed,
 * refunded (a partial refund stays paid, with refunded_amount). */
static const char *
status000(const struct order *o, int64_t now)
{
	switch (o->status) {
	case ORDER_RESERVED:
		return o->expires_at > now ? "pending" : "failed";
	case ORDER_PAID:
	case ORDER_PARTIALLY_REFUNDED:
		return "paid";
	case ORDER_REFUNDED:
		return "refunded";
	default:
		return "failed";
	}
}

/* The answer about order o's payment that seed 000's routes share. */
static cJSON *
payment000_json(const struct order *o)
{
	cJSON	*j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "uuid", o->uid);
	cJSON_AddStringToObject(j, "status", status000(o, tfmt_now()));
	json_add_time(j, "paid_at", o->paid_at);
	json_add_money(j, "amount", o->total, o->currency);
	json_add_money(j, "refunded_amount", o->refunded, o->currency);
	cJSON_AddStringToObject(j, "currency", o->currency);
	cJSON_AddStringToObject(j, "order_number", o->number);
	cJSON_AddStringToObject(j, "order_status",
	    orderview_status(o, tfmt_now()));
	return j;
}

/* Adds a field error per cart line that cannot be had. */
static void
shortage_errors(struct req *req, const struct cart_checkout *cc)
{
	char	 field[48], why[96];
	size_t	 i;

	for (i = 0; i < cc->nshort; i++) {
		snprintf(field, sizeof(field), "cart_items.%lld",
		    (long long)cc->shortage[i].product_id);
		snprintf(why, sizeof(why), "Requested %lld, available %lld.",
		    (long long)cc->shortage[i].requested,
		    (long long)cc->shortage[i].available);
		cJSON_AddStringToObject(http_field_errs(req), field, why);
	}
}

/* Lets go of the hold just made for a payment that cannot start. */
static void
let_go(struct req *req, int64_t order_id)
{
	const char	*why;
	int		 open;

	(void)checkout_cancel(req->db, tfmt_now(), order_id,
	    "Payment not available", &why, &open);
}

/*
 * POST /api/payments {"cart_id", "payment_method"} (signed in): the
 * user's cart becomes an order on the order core, as POST /api/orders/
 * places one (service fee, the products' sales as its discount), held
 * for the event's hold time, and a Stripe PaymentIntent is made for it
 * as /api/orders/{id}/create-payment-intent/ makes one.  201 {"uuid"
 * (the order's uid: GET /api/payments/{uuid}), "status": "pending",
 * "transaction_id", "client_secret", "amount", "currency",
 * "order_number", "publishable_key"}; an order that costs nothing is
 * paid at once ("status": "paid", "client_secret": null).  The cart is
 * kept: paying again while it is unchanged answers the same order and
 * intent (a double click never makes two orders, with or without an
 * Idempotency-Key, which replays the first answer as everywhere).
 * cart_id is accepted as billet-jo sends it; the cart paid is always
 * the signed-in user's.  payment_method: "stripe" (or "card", the
 * default) or "free"; anything else is 422.  422 CART_EMPTY,
 * CART_MIXED_EVENTS, PAYMENT_METHOD_UNAVAILABLE (the event takes no
 * cards); 409 STOCK_UNAVAILABLE with a field error per line; the hold's
 * outcomes (OUT_OF_TICKETS, SALES_STOPPED, ...); 503 NOT_CONFIGURED
 * without Stripe's keys; 502 when Stripe fails (the hold stays for a
 * retry).
 */
static enum err
payments(struct req *req)
{
	struct cart_checkout	 cc;
	struct order_buyer	 b;
	struct order		 o;
	struct user		 u;
	const char		*m = req->f[YF_METHOD].s;
	char			 client[CLIENT_KEY_MAX + 1];
	char			 ref[PAY_REF_MAX + 1], secret[PAY_TOKEN_MAX + 1];
	cJSON			*j;
	enum err		 e;

	if (m != NULL && strcmp(m, "stripe") != 0 && strcmp(m, "card") != 0 &&
	    strcmp(m, "free") != 0)
		return ERR_PROVIDER_UNAVAILABLE;
	if (user_by_id(req->db, req->user.id, &u) != DB_OK)
		return ERR_UNAUTHORIZED;
	memset(&b, 0, sizeof(b));
	b.user_id = u.id;
	b.email = u.email;
	b.name = u.name;
	b.lang = req->lang;
	buyer_addr_key(req->remote_addr, client);
	e = cart_checkout(req->db, tfmt_now(), u.id, &b, client,
	    fee_basis_points, &cc);
	if (e == ERR_STOCK_UNAVAILABLE)
		shortage_errors(req, &cc);
	if (e == ERR_OUT_OF_TICKETS)
		req->err_count = cc.placed.tickets_left;
	if (e != ERR_OK)
		return e;
	if (cc.released_started)
		spawn_cli(req->conf, "expire");
	if (order_load(req->db, cc.placed.order_id, &o) != DB_OK)
		return ERR_INTERNAL;
	log_info("order %lld %s from the cart of user %lld",
	    (long long)o.id, cc.existing ? "paid again" : "placed",
	    (long long)u.id);

	/* Nothing to pay: confirmed already. */
	if (o.status == ORDER_PAID) {
		spawn_cli(req->conf, "mail");
		j = payment000_json(&o);
		cJSON_AddNullToObject(j, "transaction_id");
		cJSON_AddNullToObject(j, "client_secret");
		return http_json(req, 201, j);
	}
	if (m != NULL && strcmp(m, "free") == 0) {
		let_go(req, o.id);
		req->err_detail = "The cart is not free.";
		return ERR_PROVIDER_UNAVAILABLE;
	}
	if (!pay_event_takes(req->db, o.event_id, PROVIDER_STRIPE) ||
	    provider_ready(PROVIDER_STRIPE) == NULL) {
		let_go(req, o.id);
		return provider_ready(PROVIDER_STRIPE) == NULL ?
		    ERR_NOT_CONFIGURED : ERR_PROVIDER_UNAVAILABLE;
	}
	if ((e = start_intent(req, &o, ref, secret)) != ERR_OK)
		return e;
	j = payment000_json(&o);
	cJSON_AddStringToObject(j, "transaction_id", ref);
	cJSON_AddStringToObject(j, "client_secret", secret);
	cJSON_AddStringToObject(j, "publishable_key",
	    conf_str(req->conf, CONF_STRIPE_PUBLISHABLE_KEY));
	return http_json(req, 201, j);
}

static enum err
h_payments(struct req *req)
{
	return idem_run(req, payments);
}

/*
 * GET /api/payments/{uuid} (its buyer, admins; anyone else 404): 200
 * {"uuid", "status" (billet-jo's: pending, paid, failed, refunded),
 * "paid_at", "amount", "refunded_amount", "currency", "order_number",
 * "order_status"}, as the provider tells it now (a lost webhook is made
 * up for, as payment-status/ does).
 */
static enum err
h_payments_status(struct req *req)
{
	struct pay_confirmed	 c;
	struct payment		 p;
	struct order		 o;
	enum err		 e;

	if ((e = path_order(req, 0, &o)) != ERR_OK)
		return e;
	if ((e = reconcile(req, &o, &p, &c)) != ERR_OK &&
	    e != ERR_PAYMENT_NOT_FOUND)
		return e;
	return http_json(req, 200, payment000_json(&o));
}

/* The ids of o's tickets that still admit (valid, used or not). */
static cJSON *
live_tickets(struct req *req, const struct order *o)
{
	cJSON		*d, *t, *ids = cJSON_CreateArray();
	const cJSON	*st, *id;

	if ((d = orderview_detail(req->db, tfmt_now(), o)) == NULL)
		return ids;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(d, "tickets")) {
		st = cJSON_GetObjectItemCaseSensitive(t, "status");
		id = cJSON_GetObjectItemCaseSensitive(t, "id");
		if (cJSON_IsString(st) && cJSON_IsNumber(id) &&
		    (strcmp(st->valuestring, "valid") == 0 ||
		    strcmp(st->valuestring, "used") == 0))
			cJSON_AddItemToArray(ids,
			    cJSON_CreateNumber(id->valuedouble));
	}
	cJSON_Delete(d);
	return ids;
}

/*
 * POST /api/payments/{uuid}/refund {"amount" (optional: all that is
 * left), "ticket_ids" (optional), "reason"} (admins): refunds through
 * the provider like /api/orders/{id}/refund/ and, unlike the seed, the
 * tickets with it: a full refund voids every ticket of the order; a
 * partial one voids the tickets ticket_ids names (their price, less the
 * order's discount pro rata, at most the amount), or none (a goodwill
 * refund: the tickets stay valid).  200 {"uuid", "status",
 * "refunded_amount" (all refunded so far), "refunded_at",
 * "refund_amount" (this refund), "refund_id", "refund_status" ("succeeded", or
 * "pending" until the provider takes it), "voided_tickets": [ids]}.
 * 400 ORDER_STATE when not paid; 400 VALIDATION_ERROR for an amount
 * above what is left or tickets worth more than it or not the order's
 * valid ones; 403 for anyone but admins; 404 PAYMENT_NOT_FOUND.
 */
static enum err
payments_refund(struct req *req)
{
	struct pay_refund_due	 due;
	struct order		 o;
	const struct field_val	*tf = &req->f[ZF_TICKETS];
	const char		*detail;
	int64_t			 amount = 0;
	cJSON			*j, *voided;
	size_t			 i;
	enum err		 e;
	int			 full, ok;

	if ((e = path_order(req, 1, &o)) != ERR_OK)
		return e == ERR_ORDER_NOT_FOUND ? ERR_PAYMENT_NOT_FOUND : e;
	if (req->f[ZF_AMOUNT].present &&
	    (money_parse_decimal(req->f[ZF_AMOUNT].s, o.currency, &amount) !=
	    MONEY_OK || amount == 0))
		return http_field_error(req, "amount", "A positive amount in "
		    "the order's currency.");
	voided = live_tickets(req, &o);
	if ((e = pay_refund_tickets(req->db, tfmt_now(), o.id, amount,
	    req->f[ZF_REASON].s != NULL ? req->f[ZF_REASON].s :
	    "requested_by_customer", req->user.id, tf->ids, tf->nitems, &due,
	    &full, &detail)) != ERR_OK) {
		cJSON_Delete(voided);
		if (e == ERR_BAD_REQUEST)
			return http_field_error(req, tf->nitems > 0 &&
			    strstr(detail, "ticket") != NULL ? "ticket_ids" :
			    "amount", detail);
		req->err_detail = detail;
		return e;
	}
	log_info("order %lld: refund %lld of %lld asked by admin %lld%s, "
	    "%zu ticket(s) named", (long long)o.id, (long long)due.refund_id,
	    (long long)due.req.amount, (long long)req->user.id,
	    full ? " (all of it)" : "", tf->nitems);
	ok = send_refund(req, &due, NULL);
	if (!full) {
		cJSON_Delete(voided);
		voided = cJSON_CreateArray();
		for (i = 0; i < tf->nitems; i++)
			cJSON_AddItemToArray(voided,
			    cJSON_CreateNumber((double)tf->ids[i]));
	}
	if (order_load(req->db, o.id, &o) != DB_OK) {
		cJSON_Delete(voided);
		return ERR_INTERNAL;
	}
	j = payment000_json(&o);
	json_add_time(j, "refunded_at", tfmt_now());
	json_add_money(j, "refund_amount", due.req.amount, due.req.currency);
	cJSON_AddStringToObject(j, "refund_id", due.req.ref);
	cJSON_AddStringToObject(j, "refund_status", ok ? "succeeded" :
	    "pending");
	cJSON_AddItemToObject(j, "voided_tickets", voided);
	return http_json(req, 200, j);
}

static enum err
h_payments_refund(struct req *req)
{
	return idem_run(req, payments_refund);
}

int
main(int argc, char *argv[])
{
	static const struct app app = { "pay", routes, nitems(routes),
	    worker_init };

	/* Made before route_main() forks the workers, so they share them. */
	if (metrics_open() == -1 ||
	    (qr_cache = shmcache_open(QR_CACHE_SLOTS, QR_PNG_MAX)) == NULL) {
		fprintf(stderr, "pay: shared memory: %s\n", strerror(errno));
		return 1;
	}
	return route_main(argc, argv, &app);
}
