/*
 * The bookings program: seed 001's seat bookings at its paths, and its
 * account routes as aliases over lib/account (lib/booking.h tells the
 * booking flow).  Every route answers in seed 001's envelope and error
 * shape (lib/env001.h, STYLE_SEED001):
 *
 *	POST /api/bookings			202, the card charged after
 *	GET  /api/bookings/my			the caller's, ?status= &page=
 *	GET  /api/bookings/{bkg_...}		the owner's (or an admin's)
 *	POST /api/bookings/{bkg_...}/cancel	refund per the event's policy
 *	GET  /api/inventory/events/{event}/seats
 *	GET  /api/payments/booking/{bkg_...}
 *	POST /api/users/register, POST /api/users/login, GET /api/users/me
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "account.h"
#include "arena.h"
#include "auth.h"
#include "booking.h"
#include "buyer.h"
#include "cart.h"
#include "conf.h"
#include "db.h"
#include "env001.h"
#include "http.h"
#include "jsonout.h"
#include "limits.h"
#include "log.h"
#include "route.h"
#include "spawn.h"
#include "tfmt.h"
#include "user.h"

/* Seed 001 lists bookings 20 to a page. */
#define BOOKINGS_PER_PAGE	20

static enum err	h_book(struct req *);
static enum err	h_mine(struct req *);
static enum err	h_get(struct req *);
static enum err	h_cancel(struct req *);
static enum err	h_seats(struct req *);
static enum err	h_payment(struct req *);
static enum err	h_register(struct req *);
static enum err	h_login(struct req *);
static enum err	h_me(struct req *);

enum { MY_STATUS, MY_PAGE, MY__MAX };
static const struct field_spec mine_fields[MY__MAX] = {
	[MY_STATUS] = { "status", FIELD_STRING, FIELD_QUERY, 1, 16, NULL, 0 },
	[MY_PAGE] = { "page", FIELD_INT, FIELD_QUERY, 1, PAGE_MAX, NULL, 0 },
};

/* Seed 001: a name of 2-100 characters; our own password rules. */
enum { RG_NAME, RG_EMAIL, RG_PASSWORD, RG__MAX };
static const struct field_spec register_fields[RG__MAX] = {
	[RG_NAME] = { "name", FIELD_STRING, FIELD_REQUIRED, 2, 100, NULL, 0 },
	[RG_EMAIL] = { "email", FIELD_EMAIL, FIELD_REQUIRED, 0, 0, NULL, 0 },
	[RG_PASSWORD] = { "password", FIELD_STRING, FIELD_REQUIRED, 1,
	    PASSWORD_MAX, NULL, 0 },
};

enum { LG_EMAIL, LG_PASSWORD, LG__MAX };
static const struct field_spec login_fields[LG__MAX] = {
	[LG_EMAIL] = { "email", FIELD_STRING, FIELD_REQUIRED, 1, EMAIL_MAX,
	    NULL, 0 },
	[LG_PASSWORD] = { "password", FIELD_STRING, FIELD_REQUIRED, 1,
	    PASSWORD_MAX, NULL, 0 },
};

#define R(m, p, h, a, f, n) \
	{ METHOD_##m, p, h, a, STYLE_SEED001, f, n, 0, ERR_ORDER_NOT_FOUND }

static const struct route routes[] = {
	R(POST, "/api/bookings", h_book, AUTH_USER, NULL, 0),
	R(GET, "/api/bookings/my", h_mine, AUTH_USER, mine_fields, MY__MAX),
	R(GET, "/api/bookings/{booking}", h_get, AUTH_USER, NULL, 0),
	R(POST, "/api/bookings/{booking}/cancel", h_cancel, AUTH_USER, NULL,
	    0),
	R(GET, "/api/inventory/events/{event}/seats", h_seats, AUTH_NONE,
	    NULL, 0),
	R(GET, "/api/payments/booking/{booking}", h_payment, AUTH_USER, NULL,
	    0),
	R(POST, "/api/users/register", h_register, AUTH_NONE, register_fields,
	    RG__MAX),
	R(POST, "/api/users/login", h_login, AUTH_NONE, login_fields,
	    LG__MAX),
	R(GET, "/api/users/me", h_me, AUTH_USER, NULL, 0),
};

/* Answers data (owned from now on) with status in the seed's envelope. */
static enum err
reply(struct req *req, int status, cJSON *data, cJSON *pagination)
{
	return http_json(req, status, env001_wrap(data, pagination,
	    tfmt_now()));
}

/* The order uid of the path's "bkg_..." (NULL: not a booking id). */
static const char *
booking_uid(const struct req *req)
{
	const char	*uid = env001_strip(http_param(req, 0), ENV001_BOOKING);

	return uid != NULL && strlen(uid) == UUID_LEN ? uid : NULL;
}

/* Says which booking was not found, as the seed does. */
static enum err
not_found(struct req *req, enum err e)
{
	if (e == ERR_ORDER_NOT_FOUND)
		req->err_detail = arena_printf(req->pool,
		    "Booking %s does not exist", http_param(req, 0));
	return e;
}

/*
 * POST /api/bookings {eventId, seatIds, paymentMethod}: 202 {bookingId,
 * status: "PENDING", message} once the seats are held; the card is
 * charged by `biljett booking-charge` right after.  400 VALIDATION_ERROR
 * or INVALID_SEAT_COUNT; 404 EVENT_NOT_FOUND; 400 SEAT_NOT_FOUND; 409
 * SEAT_UNAVAILABLE when a seat is held or sold (at once, rather than a
 * 202 that fails later); 403/422 for the sale's rules (SALES_STOPPED,
 * TOO_MANY_TICKETS, HOLD_LIMIT, PAYMENT_METHOD_UNAVAILABLE).
 */
static enum err
h_book(struct req *req)
{
	struct booking_in	 in;
	struct booking_who	 who;
	struct user		 u;
	char			 client[CLIENT_KEY_MAX + 1];
	char			 uid[UUID_LEN + 1], id[UUID_LEN + 8];
	cJSON			*o;
	enum err		 e;

	if ((e = booking_parse(req->body, &in, http_field_errs(req))) !=
	    ERR_OK)
		return e;
	/* Without Stripe's keys no card can be charged: say so now. */
	if (req->conf->v[CONF_STRIPE_SECRET_KEY] == NULL)
		return ERR_PROVIDER_UNAVAILABLE;
	if ((e = account_get(req->db, req->user.id, &u)) != ERR_OK)
		return e;
	buyer_addr_key(req->remote_addr, client);
	who = (struct booking_who){ u.id, u.email, u.name, client, req->lang };
	if ((e = booking_place(req->db, tfmt_now(), &in, &who, uid)) !=
	    ERR_OK)
		return e;
	spawn_cli_arg(req->conf, "booking-charge", uid);
	if ((o = cJSON_CreateObject()) == NULL ||
	    env001_id(id, sizeof(id), ENV001_BOOKING, uid) == -1) {
		cJSON_Delete(o);
		return ERR_INTERNAL;
	}
	cJSON_AddStringToObject(o, "bookingId", id);
	cJSON_AddStringToObject(o, "status", "PENDING");
	cJSON_AddStringToObject(o, "message", arena_printf(req->pool,
	    "Booking is being processed. Poll GET /api/bookings/%s for "
	    "status.", id));
	return reply(req, 202, o, NULL);
}

/*
 * GET /api/bookings/my?status=&page=: 200 with the caller's bookings,
 * newest first, and the pagination; 400 for a status the seed does not
 * have.
 */
static enum err
h_mine(struct req *req)
{
	const char	*set = NULL;
	cJSON		*list;
	int64_t		 page, total;
	enum err	 e;

	if (req->f[MY_STATUS].present &&
	    (set = booking_status_set(req->f[MY_STATUS].s)) == NULL)
		return http_field_error(req, "status",
		    "Must be PENDING, CONFIRMED, FAILED or CANCELLED.");
	page = req->f[MY_PAGE].present ? req->f[MY_PAGE].i : 1;
	if ((e = err_from_db(db_tx_read(req->db))) != ERR_OK)
		return e;
	e = booking_list(req->db, req->user.id, set, page, BOOKINGS_PER_PAGE,
	    &list, &total);
	db_tx_rollback(req->db);
	if (e != ERR_OK)
		return e;
	return reply(req, 200, list, env001_pagination(page,
	    BOOKINGS_PER_PAGE, total));
}

/* Whose bookings the caller may read: their own, or anyone's (0). */
static int64_t
reader(const struct req *req)
{
	return req->user.role == ROLE_ADMIN ? 0 : req->user.id;
}

/* GET /api/bookings/{id}: 200 with the booking; 404 BOOKING_NOT_FOUND
 * for another user's (an admin reads any). */
static enum err
h_get(struct req *req)
{
	const char	*uid = booking_uid(req);
	cJSON		*o;
	enum err	 e;

	if (uid == NULL)
		return not_found(req, ERR_ORDER_NOT_FOUND);
	if ((e = err_from_db(db_tx_read(req->db))) != ERR_OK)
		return e;
	e = booking_get(req->db, uid, reader(req), &o);
	db_tx_rollback(req->db);
	return e != ERR_OK ? not_found(req, e) : reply(req, 200, o, NULL);
}

/*
 * POST /api/bookings/{id}/cancel: 200 {bookingId, status: "CANCELLED",
 * refundAmount, currency, cancelledAt}; 404 for another user's (the
 * owner only, as the seed says); 422 BOOKING_NOT_CANCELLABLE unless
 * CONFIRMED, CANCELLATION_WINDOW_EXPIRED within the event's cut-off.
 * The refund is recorded here and sent by `biljett expire`, started now.
 */
static enum err
h_cancel(struct req *req)
{
	const char	*uid = booking_uid(req);
	cJSON		*o;
	enum err	 e;
	int		 due;

	if (uid == NULL)
		return not_found(req, ERR_ORDER_NOT_FOUND);
	if ((e = booking_cancel(req->db, tfmt_now(), uid, req->user.id, &o,
	    &due)) != ERR_OK)
		return not_found(req, e);
	if (due)
		spawn_cli(req->conf, "expire");
	return reply(req, 200, o, NULL);
}

/* GET /api/inventory/events/{eventId}/seats: 200 with every seat and
 * its status; 404 EVENT_NOT_FOUND. */
static enum err
h_seats(struct req *req)
{
	cJSON		*o;
	enum err	 e;

	if ((e = err_from_db(db_tx_read(req->db))) != ERR_OK)
		return e;
	e = booking_seats(req->db, http_param(req, 0), tfmt_now(), &o);
	db_tx_rollback(req->db);
	return e != ERR_OK ? e : reply(req, 200, o, NULL);
}

/* GET /api/payments/booking/{bookingId}: 200 with the booking's last
 * payment; 404 BOOKING_NOT_FOUND (another's too), PAYMENT_NOT_FOUND. */
static enum err
h_payment(struct req *req)
{
	const char	*uid = booking_uid(req);
	cJSON		*o;
	enum err	 e;

	if (uid == NULL)
		return not_found(req, ERR_ORDER_NOT_FOUND);
	if ((e = err_from_db(db_tx_read(req->db))) != ERR_OK)
		return e;
	e = booking_payment(req->db, uid, reader(req), &o);
	db_tx_rollback(req->db);
	return e != ERR_OK ? not_found(req, e) : reply(req, 200, o, NULL);
}

/* The account in seed 001's words; created adds "createdAt". */
static cJSON *
user_json(const struct user *u, int created)
{
	cJSON	*o = cJSON_CreateObject();
	char	 id[32];

	if (o == NULL || env001_num_id(id, sizeof(id), ENV001_USER, u->id) ==
	    -1) {
		cJSON_Delete(o);
		return NULL;
	}
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "name", u->name);
	cJSON_AddStringToObject(o, "email", u->email);
	cJSON_AddStringToObject(o, "role", env001_role(role_str(u->role)));
	if (created)
		json_add_time(o, "createdAt", u->created_at);
	return o;
}

/*
 * POST /api/users/register {name, email, password}: 201 with the
 * account, as POST /api/auth/register (the address is to be verified
 * before signing in); 409 EMAIL_ALREADY_EXISTS; 400 VALIDATION_ERROR
 * (a weak password too, with the reason under details.password).
 */
static enum err
h_register(struct req *req)
{
	struct account_new	 in = { req->f[RG_NAME].s, req->f[RG_EMAIL].s,
				    req->f[RG_PASSWORD].s, NULL,
				    i18n_code(req->lang), NULL, NULL,
				    ROLE_CUSTOMER };
	struct user		 u;
	const char		*weak = NULL;
	enum err		 e;

	e = account_register(req->db, tfmt_now(), &in, &u, &weak);
	if (e == ERR_WEAK_PASSWORD)
		return http_field_error(req, "password", weak != NULL ?
		    i18n_get(req->lang, weak) : "Too weak.");
	if (e != ERR_OK)
		return e;
	spawn_cli(req->conf, "mail");
	/* As stored, with its creation time. */
	if ((e = account_get(req->db, u.id, &u)) != ERR_OK)
		return e;
	return reply(req, 201, user_json(&u, 1), NULL);
}

/*
 * POST /api/users/login {email, password}: 200 {token, expiresAt, user}
 * with a bearer access token of the account routes (ACCESS_SECONDS);
 * 401 INVALID_CREDENTIALS; 400 EMAIL_NOT_VERIFIED; 429 while locked.
 * An account with two-factor sign-in is asked for its code (400
 * TOTP_REQUIRED): this path has no field for it, /api/auth/login does.
 */
static enum err
h_login(struct req *req)
{
	struct account_login	 in = { req->f[LG_EMAIL].s,
				    req->f[LG_PASSWORD].s, NULL, NULL, 0, 0,
				    NULL };
	struct account_tokens	 tok;
	struct user		 u;
	cJSON			*o;
	int64_t			 now = tfmt_now();
	int64_t			 guest = auth_guest_session(req, now);
	enum err		 e;

	if ((e = account_login(req->db, now, &in, &u, &tok,
	    &req->err_count)) != ERR_OK)
		return e;
	cart_merge_quietly(req->db, now, guest, u.id);
	if ((o = cJSON_CreateObject()) == NULL)
		return ERR_INTERNAL;
	cJSON_AddStringToObject(o, "token", tok.access);
	json_add_time(o, "expiresAt", now + ACCESS_SECONDS);
	cJSON_AddItemToObject(o, "user", user_json(&u, 0));
	return reply(req, 200, o, NULL);
}

/* GET /api/users/me: 200 with the account; 401 without credentials. */
static enum err
h_me(struct req *req)
{
	struct user	 u;
	enum err	 e;

	if ((e = account_get(req->db, req->user.id, &u)) != ERR_OK)
		return e;
	return reply(req, 200, user_json(&u, 1), NULL);
}

int
main(int argc, char *argv[])
{
	static const struct app app = { "bookings", routes, nitems(routes),
	    NULL };

	return route_main(argc, argv, &app);
}
