/*
 * scan: ticket validation at the door (seed 002).
 *
 *	PUT /validate_ticket/	show a ticket, or admit it with use_ticket
 *				(or, with "direction": "exit", let its
 *				holder out: lib/checkin.h)
 *
 * and the door staff's page (plain forms; static/biljett.js adds the
 * camera where the browser has BarcodeDetector):
 *
 *	GET  /scanner		sign in, or the scan form
 *	POST /scanner/login	sign in with the scanner password
 *	POST /scanner/check	show (use=0) or admit (use=1) a ticket;
 *				direction=exit lets its holder out at once
 *	POST /scanner/logout	sign out
 *
 * The page also serves a browser signed in to an account that may scan
 * (staff, organizers, admins: the sessionid cookie of /api/auth/login).
 * Either way a door sees only the tickets its credential may admit
 * (lib/scan.h); any other is "unknown".
 *
 * Staff scanning in the other seeds' shapes, for accounts (staff,
 * organizers, admins), all through scan_ticket():
 *
 *	GET  /api/tickets/scan/{token}		seed 000: ticket, buyer, event
 *	POST /api/tickets/scan/{token}		seed 000: admit (409 again)
 *	POST /api/tickets/my-tickets/verify/	seed 004: verify and admit
 *
 * and what a door needs to check signed QR codes offline (lib/ticketsig),
 * for a scanner (its door-page session, or its password in the
 * X-Scanner-Password header) or a signed-in account that may scan:
 *
 *	GET  /api/scan/keys/				public keys
 *	GET  /api/scan/events/{id}/revocations/	tickets to refuse
 *
 *	POST /api/scan/offline/				scans made offline
 *
 * and, for admins, GET /api/scan/metrics: how many signed codes were
 * refused, by reason (Prometheus text, summed over scan's workers).
 *
 * {token} and qr_code_data are what the QR code holds (a signed code) or
 * the printed short code.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "account.h"
#include "arena.h"
#include "auth.h"
#include "conf.h"
#include "http.h"
#include "route.h"
#include "limits.h"
#include "metrics.h"
#include "page.h"
#include "scan.h"
#include "session.h"
#include "jsonout.h"
#include "tfmt.h"
#include "ticketkey.h"
#include "user.h"

static enum err	h_validate(struct req *);
static enum err	h_scanner(struct req *);
static enum err	h_login(struct req *);
static enum err	h_check(struct req *);
static enum err	h_logout(struct req *);
static enum err	h_jo_show(struct req *);
static enum err	h_jo_scan(struct req *);
static enum err	h_verify(struct req *);
static enum err	h_keys(struct req *);
static enum err	h_revocations(struct req *);
static enum err	h_metrics(struct req *);
static enum err	h_offline(struct req *);

enum login_field { LG_PASSWORD, LG_CSRF, LG__MAX };

static const struct field_spec login_fields[LG__MAX] = {
	[LG_PASSWORD] = { "password", FIELD_STRING, 0, 0, PASSWORD_MAX, NULL,
	    0 },
	[LG_CSRF] = { "csrf", FIELD_STRING, 0, 0, TOKEN_HEX_LEN, NULL, 0 },
};

enum check_field { CK_CODE, CK_USE, CK_CSRF, CK_DIRECTION, CK__MAX };

/* A direction's longest name ("entry", "exit"). */
#define DIRECTION_MAX	8

static const struct field_spec check_fields[CK__MAX] = {
	[CK_CODE] = { "code", FIELD_STRING, 0, 0, SCAN_ID_MAX, NULL, 0 },
	[CK_USE] = { "use", FIELD_BOOL, 0, 0, 0, NULL, 0 },
	[CK_CSRF] = { "csrf", FIELD_STRING, 0, 0, TOKEN_HEX_LEN, NULL, 0 },
	[CK_DIRECTION] = { "direction", FIELD_STRING, 0, 0, DIRECTION_MAX,
	    NULL, 0 },
};

enum validate_field { VF_EXTERNAL_ID, VF_PASSWORD, VF_USE, VF_DIRECTION,
	VF__MAX };

static const struct field_spec validate_fields[VF__MAX] = {
	[VF_EXTERNAL_ID] = { "external_id", FIELD_STRING, FIELD_REQUIRED, 1,
	    SCAN_ID_MAX, NULL, 0 },
	[VF_PASSWORD] = { "password", FIELD_STRING, FIELD_REQUIRED, 1,
	    PASSWORD_MAX, NULL, 0 },
	[VF_USE] = { "use_ticket", FIELD_BOOL, FIELD_REQUIRED, 0, 0, NULL, 0 },
	[VF_DIRECTION] = { "direction", FIELD_STRING, 0, 1, DIRECTION_MAX,
	    NULL, 0 },
};

enum verify_field { VY_QR, VY__MAX };

static const struct field_spec verify_fields[VY__MAX] = {
	[VY_QR] = { "qr_code_data", FIELD_STRING, FIELD_REQUIRED, 1,
	    SCAN_ID_MAX, NULL, 0 },
};

enum offline_scan_field { OS_CODE, OS_AT, OS_DIRECTION, OS__MAX };

static const struct field_spec offline_scan_fields[OS__MAX] = {
	[OS_CODE] = { "code", FIELD_STRING, FIELD_REQUIRED, 1, SCAN_ID_MAX,
	    NULL, 0 },
	[OS_AT] = { "scanned_at", FIELD_TIME, FIELD_REQUIRED, 0, 0, NULL, 0 },
	[OS_DIRECTION] = { "direction", FIELD_STRING, 0, 1, DIRECTION_MAX,
	    NULL, 0 },
};

enum offline_field { OF_SCANS, OF__MAX };

static const struct field_spec offline_fields[OF__MAX] = {
	[OF_SCANS] = { "scans", FIELD_OBJLIST, FIELD_REQUIRED, 1,
	    ARRAY_ITEMS_MAX, offline_scan_fields, OS__MAX },
};

static const struct route routes[] = {
	{ METHOD_PUT, "/validate_ticket/", h_validate, AUTH_NONE, STYLE_COMPAT,
	    validate_fields, VF__MAX, ROUTE_BATCH, ERR_OK },
	{ METHOD_GET, "/scanner", h_scanner, AUTH_NONE, STYLE_PAGE,
	    NULL, 0, 0, ERR_OK },
	{ METHOD_POST, "/scanner/login", h_login, AUTH_NONE, STYLE_PAGE,
	    login_fields, LG__MAX, ROUTE_FORM, ERR_OK },
	{ METHOD_POST, "/scanner/check", h_check, AUTH_NONE, STYLE_PAGE,
	    check_fields, CK__MAX, ROUTE_FORM | ROUTE_BATCH, ERR_OK },
	{ METHOD_POST, "/scanner/logout", h_logout, AUTH_NONE, STYLE_PAGE,
	    NULL, 0, 0, ERR_OK },
	{ METHOD_GET, "/api/tickets/scan/{token}", h_jo_show, AUTH_STAFF,
	    STYLE_API, NULL, 0, ROUTE_SECRET_PATH, ERR_OK },
	{ METHOD_POST, "/api/tickets/scan/{token}", h_jo_scan, AUTH_STAFF,
	    STYLE_API, NULL, 0, ROUTE_SECRET_PATH | ROUTE_BATCH, ERR_OK },
	{ METHOD_POST, "/api/tickets/my-tickets/verify/", h_verify, AUTH_STAFF,
	    STYLE_API, verify_fields, VY__MAX, ROUTE_BATCH, ERR_OK },
	{ METHOD_GET, "/api/scan/keys/", h_keys, AUTH_NONE, STYLE_API,
	    NULL, 0, 0, ERR_OK },
	{ METHOD_GET, "/api/scan/events/{id}/revocations/", h_revocations,
	    AUTH_NONE, STYLE_API, NULL, 0, 0, ERR_EVENT_NOT_FOUND },
	{ METHOD_GET, "/api/scan/metrics", h_metrics, AUTH_ADMIN, STYLE_API,
	    NULL, 0, 0, ERR_OK },
	{ METHOD_POST, "/api/scan/offline/", h_offline, AUTH_NONE, STYLE_API,
	    offline_fields, OF__MAX, 0, ERR_OK },
};

/*
 * A direction field: absent is an entry; anything but "entry" or "exit"
 * is a bad field (400).
 */
static enum err
direction_of(struct req *req, const struct field_val *v,
    enum checkin_dir *d)
{
	*d = CHECKIN_ENTRY;
	if (!v->present || checkin_dir_parse(v->s, d))
		return ERR_OK;
	return http_field_error(req, "direction", "must be entry or exit");
}

/*
 * PUT /validate_ticket/ {"external_id", "password", "use_ticket",
 * "direction" (ours, optional: "entry", the default, or "exit")}.
 * 200 {"external_id", "times_used" (before this call), "chapter_event",
 * "status"}, and with a direction given also "direction" and "result"
 * (checkins.result: "admitted", "already_used", "already_inside",
 * "wrong_day", "exited", "not_inside", "shown", "not_paid",
 * "transferred"), so seed 002's own scanner sees its bodies unchanged.
 * "status" is "PAID" only for a ticket that may enter: a transferred
 * one is "TRANSFERRED", one cancelled or refunded "FAILED_ADMIN" (lib/
 * scan.c compat_status()); 400 InvalidRequestData;
 * 401 "Incorrect password"; 429
 * "TooManyAttempts" with Retry-After for a wrong password from an
 * address that keeps guessing (a right one always passes); 404
 * {"times_used": -1, "status": "Ticket does not exist"}.
 */
static enum err
h_validate(struct req *req)
{
	struct scan_result	 r;
	struct scan_door	 door = { 0, 0 };
	enum checkin_dir	 dir;
	cJSON			*body;
	int64_t			 now = tfmt_now();
	enum err		 e;

	if ((e = direction_of(req, &req->f[VF_DIRECTION], &dir)) != ERR_OK ||
	    (e = scan_password(req->db, req->remote_addr,
	    req->f[VF_PASSWORD].s, now, &door.scanner_id, &req->err_count)) !=
	    ERR_OK ||
	    (e = scan_ticket_dir(req->db, now, &door,
	    req->f[VF_EXTERNAL_ID].s, (int)req->f[VF_USE].i, dir, &r)) !=
	    ERR_OK)
		return e;
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "external_id", r.external_id);
	cJSON_AddNumberToObject(body, "times_used", (double)r.times_used);
	cJSON_AddStringToObject(body, "chapter_event", r.event_title);
	cJSON_AddStringToObject(body, "status", r.status);
	if (req->f[VF_DIRECTION].present) {
		cJSON_AddStringToObject(body, "direction",
		    checkin_dir_name(dir));
		cJSON_AddStringToObject(body, "result", r.result);
	}
	return http_json(req, 200, body);
}

/* The signed-in scanner's session, if any. */
static int
scanner_session(struct req *req, struct session *s)
{
	return scan_session(req->db, http_cookie(req, SCANNER_COOKIE),
	    tfmt_now(), s);
}

/*
 * Who is at the door page: the scanner signed in with its password,
 * else an account that may scan; d stays zero for nobody (a disabled
 * account, a customer).  ERR_OK, or a storage error.
 */
static enum err
door_of(struct req *req, struct scan_door *d)
{
	struct session	 s;
	enum err	 e;

	memset(d, 0, sizeof(*d));
	if (scanner_session(req, &s)) {
		d->scanner_id = s.scanner_id;
		return ERR_OK;
	}
	if ((e = auth_identify(req)) == ERR_ACCOUNT_DISABLED)
		return ERR_OK;
	if (e != ERR_OK)
		return e;
	if (req->user.id != 0 && req->user.role != ROLE_CUSTOMER)
		d->user_id = req->user.id;
	return ERR_OK;
}

/* GET /scanner: the sign-in form, or the scan form when signed in. */
static enum err
h_scanner(struct req *req)
{
	struct scan_door	 d;
	cJSON			*ctx;
	enum err		 e;

	if ((e = door_of(req, &d)) != ERR_OK)
		return e;
	ctx = cJSON_CreateObject();
	if (d.scanner_id != 0 || d.user_id != 0)
		cJSON_AddBoolToObject(ctx, "signed_in", 1);
	return page_render(req, 200, "scanner", ctx);
}

/* POST /scanner/login (password, csrf): 303 to /scanner, a 401 page,
 * or 429 for a wrong password from an address that keeps guessing. */
static enum err
h_login(struct req *req)
{
	char		 token[TOKEN_HEX_LEN + 1];
	const char	*wait;
	cJSON		*ctx;
	int64_t		 now = tfmt_now();
	enum err	 e;

	e = scan_login(req->db, req->remote_addr, req->f[LG_PASSWORD].present ?
	    req->f[LG_PASSWORD].s : NULL, now, token, &req->err_count);
	if (e == ERR_INCORRECT_PASSWORD || e == ERR_TOO_MANY_ATTEMPTS) {
		/* The sign-in form again, saying why. */
		ctx = cJSON_CreateObject();
		cJSON_AddStringToObject(ctx, "error",
		    e == ERR_INCORRECT_PASSWORD ?
		    page_t(req, "Wrong password.") :
		    page_t(req, "Too many attempts; wait a while and try"
		    " again."));
		if (e == ERR_TOO_MANY_ATTEMPTS && ((wait = arena_printf(
		    req->pool, "%lld", (long long)req->err_count)) == NULL ||
		    http_add_header(req, "Retry-After", wait) == -1)) {
			cJSON_Delete(ctx);
			return ERR_INTERNAL;
		}
		return page_render(req, err_def(e)->status, "scanner", ctx);
	}
	if (e != ERR_OK)
		return e;
	if (http_set_cookie(req, SCANNER_COOKIE, token, SCANNER_SECONDS) == -1)
		return ERR_INTERNAL;
	return page_redirect(req, "/scanner");
}

/* The door page's verdict for a scan's result (lib/checkin.h). */
static const char *
door_state(const struct scan_result *r, int use)
{
	static const char *const states[][2] = {
		{ "admitted", "admitted" }, { "already_used", "used" },
		{ "already_inside", "inside" }, { "wrong_day", "wrongday" },
		{ "exited", "exited" }, { "not_inside", "notinside" },
	};
	size_t	 i;

	if (strcmp(r->ticket_status, "transferred") == 0)
		return "transferred";
	/* Stopped by itself although its order is paid. */
	if (strcmp(r->ticket_status, "cancelled") == 0 ||
	    strcmp(r->ticket_status, "refunded") == 0)
		return "cancelled";
	if (strcmp(r->status, "PAID") != 0)
		return "notpaid";
	if (!use)
		return r->day[0] != '\0' && strcmp(r->day, r->door_day) != 0 ?
		    "wrongday" : r->used && !r->reentry ? "used" :
		    r->used && r->inside ? "inside" : "valid";
	for (i = 0; r->result != NULL && i < nitems(states); i++)
		if (strcmp(r->result, states[i][0]) == 0)
			return states[i][1];
	return "used";
}

/*
 * POST /scanner/check (code, use, direction, csrf): a full-screen
 * answer: valid (with an "admit" button), admitted, already used (how
 * many times), already inside, wrong day, not paid, unknown; in the exit
 * direction the holder is let out at once: exited (with "no re-entry"
 * when their ticket has none) or not inside.  Signed-out scanners go
 * back to the sign-in form.
 */
static enum err
h_check(struct req *req)
{
	struct scan_result	 r;
	struct scan_door	 d;
	enum checkin_dir	 dir = CHECKIN_ENTRY;
	cJSON			*ctx;
	int			 use;
	enum err		 e;

	if ((e = door_of(req, &d)) != ERR_OK)
		return e;
	if (d.scanner_id == 0 && d.user_id == 0)
		return page_redirect(req, "/scanner");
	if (!req->f[CK_CODE].present || req->f[CK_CODE].len == 0)
		return page_redirect(req, "/scanner");
	if (req->f[CK_DIRECTION].present)
		(void)checkin_dir_parse(req->f[CK_DIRECTION].s, &dir);
	/* Leaving needs no second look: the holder is on their way out. */
	use = dir == CHECKIN_EXIT ||
	    (req->f[CK_USE].present && req->f[CK_USE].i);
	e = scan_ticket_dir(req->db, tfmt_now(), &d, req->f[CK_CODE].s, use,
	    dir, &r);
	ctx = cJSON_CreateObject();
	cJSON_AddBoolToObject(ctx, "signed_in", 1);
	if (dir == CHECKIN_EXIT)
		cJSON_AddBoolToObject(ctx, "exit", 1);
	if (e == ERR_TICKET_NOT_FOUND) {
		cJSON_AddStringToObject(ctx, "state", "unknown");
		cJSON_AddStringToObject(ctx, "code", req->f[CK_CODE].s);
		return page_render(req, 200, "scanner", ctx);
	}
	if (e != ERR_OK) {
		cJSON_Delete(ctx);
		return e;
	}
	cJSON_AddStringToObject(ctx, "state", door_state(&r, use));
	if (dir == CHECKIN_EXIT && !r.reentry)
		cJSON_AddBoolToObject(ctx, "no_reentry", 1);
	if (r.day[0] != '\0')
		cJSON_AddStringToObject(ctx, "day", r.day);
	cJSON_AddStringToObject(ctx, "code", r.external_id);
	cJSON_AddStringToObject(ctx, "event", r.event_title);
	cJSON_AddStringToObject(ctx, "type", r.ticket_type);
	cJSON_AddNumberToObject(ctx, "times_used", (double)r.times_used);
	return page_render(req, 200, "scanner", ctx);
}

/*
 * POST /scanner/logout: ends the scanner session, and the account's
 * browser session when an account was scanning here (signing out of
 * the door signs this browser out).
 */
static enum err
h_logout(struct req *req)
{
	int64_t		 now = tfmt_now();

	scan_logout(req->db, http_cookie(req, SCANNER_COOKIE), now);
	(void)http_set_cookie(req, SCANNER_COOKIE, "", 0);
	if (auth_identify(req) == ERR_OK && req->user.id != 0 &&
	    req->user.by_cookie) {
		(void)account_logout(req->db, now, req->user.id,
		    req->user.session_id, NULL);
		(void)http_set_cookie(req, SESSION_COOKIE, "", 0);
	}
	return page_redirect(req, "/scanner");
}

/* The account the gate let through, as a door. */
static struct scan_door
staff_door(const struct req *req)
{
	struct scan_door	 d = { 0, req->user.id };

	return d;
}

/* Seed 000's ticket status: issued, used, refunded or cancelled; and
 * "transferred" for a ticket given to someone else (lib/transfer). */
static const char *
jo_status(const struct scan_result *r)
{
	if (strcmp(r->ticket_status, "refunded") == 0 ||
	    strcmp(r->ticket_status, "transferred") == 0)
		return r->ticket_status;
	if (!r->valid)
		return "cancelled";
	/* A pass is used for the day it was admitted on (docs/checkin.md). */
	return r->used ? "used" : "issued";
}

/* Seed 000's user and event objects. */
static void
jo_people(cJSON *o, const struct scan_result *r)
{
	cJSON	*u, *ev;
	char	 iso[TFMT_ISO_LEN];

	u = cJSON_AddObjectToObject(o, "user");
	cJSON_AddStringToObject(u, "firstname", r->first_name);
	cJSON_AddStringToObject(u, "lastname", r->last_name);
	cJSON_AddStringToObject(u, "email", r->email);
	ev = cJSON_AddObjectToObject(o, "event");
	cJSON_AddStringToObject(ev, "name", r->event_title);
	tfmt_iso(r->event_at, iso);
	/* "2027-05-01T19:00:00+02:00": the local date and time. */
	iso[16] = '\0';
	iso[10] = '\0';
	cJSON_AddStringToObject(ev, "date", iso);
	cJSON_AddStringToObject(ev, "time", iso + 11);
	cJSON_AddStringToObject(ev, "location", r->venue);
}

/* GET /api/tickets/scan/{token} (seed 000): the ticket, its buyer and
 * event, without admitting it; 404 for a token this account may not
 * scan. */
static enum err
h_jo_show(struct req *req)
{
	struct scan_door	 d = staff_door(req);
	struct scan_result	 r;
	cJSON			*o;
	enum err		 e;

	if ((e = scan_ticket(req->db, tfmt_now(), &d, req->params[0], 0,
	    &r)) != ERR_OK)
		return e;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "token", r.external_id);
	cJSON_AddStringToObject(o, "status", jo_status(&r));
	jo_people(o, &r);
	return http_json(req, 200, o);
}

/*
 * POST /api/tickets/scan/{token} (seed 000): admits an issued ticket,
 * 200 {"status": "used", "used_at"}; any other is 409 with its status,
 * when, buyer, event and code "ticket_already_processed".
 */
static enum err
h_jo_scan(struct req *req)
{
	struct scan_door	 d = staff_door(req);
	struct scan_result	 r;
	const char		*status;
	char			 when[TFMT_ISO_LEN];
	cJSON			*o;
	enum err		 e;

	if ((e = scan_ticket(req->db, tfmt_now(), &d, req->params[0], 1,
	    &r)) != ERR_OK)
		return e;
	o = cJSON_CreateObject();
	status = jo_status(&r);
	cJSON_AddStringToObject(o, "status", status);
	if (r.admitted) {
		json_add_time(o, "used_at", r.used_at);
		return http_json(req, 200, o);
	}
	if (r.used_at > 0)
		tfmt_iso(r.used_at, when);
	else
		snprintf(when, sizeof(when), "unknown time");
	cJSON_AddStringToObject(o, "timestamp", when);
	jo_people(o, &r);
	cJSON_AddStringToObject(o, "code", "ticket_already_processed");
	cJSON_AddStringToObject(o, "message", arena_printf(req->pool,
	    "This ticket was already %s on %s", status, when));
	return http_json(req, 409, o);
}

/* Seed 004's ticket as the verify answer shows it. */
static cJSON *
verify_ticket(const struct scan_result *r)
{
	cJSON	*t, *ev;
	char	 name[2 * BUYER_NAME_MAX + 2];
	int	 used = r->used;

	t = cJSON_CreateObject();
	cJSON_AddNumberToObject(t, "id", (double)r->ticket_id);
	cJSON_AddStringToObject(t, "ticket_number", r->external_id);
	cJSON_AddStringToObject(t, "status", !r->valid ? r->ticket_status :
	    used ? "used" : "valid");
	cJSON_AddBoolToObject(t, "is_used", used);
	json_add_time(t, "used_at", r->used_at);
	cJSON_AddStringToObject(t, "ticket_type", r->ticket_type);
	snprintf(name, sizeof(name), "%s%s%s", r->first_name,
	    r->first_name[0] != '\0' && r->last_name[0] != '\0' ? " " : "",
	    r->last_name);
	cJSON_AddStringToObject(t, "attendee_name", name);
	ev = cJSON_AddObjectToObject(t, "event");
	cJSON_AddNumberToObject(ev, "id", (double)r->event_id);
	cJSON_AddStringToObject(ev, "title", r->event_title);
	json_add_time(ev, "start_date", r->event_at);
	cJSON_AddStringToObject(ev, "venue", r->venue);
	return t;
}

/*
 * POST /api/tickets/my-tickets/verify/ {"qr_code_data"} (seed 004):
 * verifies and admits: 200 {"valid": true, "message", "ticket"}; 409
 * TICKET_ALREADY_USED, TICKET_TRANSFERRED or TICKET_NOT_VALID (refunded,
 * cancelled, not paid) in the API's error shape; 404 for a code this
 * account may not scan.
 */
static enum err
h_verify(struct req *req)
{
	struct scan_door	 d = staff_door(req);
	struct scan_result	 r;
	cJSON			*o;
	enum err		 e;

	if ((e = scan_ticket(req->db, tfmt_now(), &d, req->f[VY_QR].s, 1,
	    &r)) != ERR_OK)
		return e;
	if (!r.valid)
		return strcmp(r.ticket_status, "transferred") == 0 ?
		    ERR_TICKET_TRANSFERRED : ERR_TICKET_INVALID;
	if (strcmp(r.result, "wrong_day") == 0)
		return ERR_TICKET_INVALID;
	if (!r.admitted)
		return ERR_TICKET_USED;
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "valid", 1);
	cJSON_AddStringToObject(o, "message", "Ticket verified successfully.");
	cJSON_AddItemToObject(o, "ticket", verify_ticket(&r));
	return http_json(req, 200, o);
}

/*
 * The door asking for keys or revocations: a scanner by its door-page
 * session or X-Scanner-Password, else an account that may scan.
 * ERR_OK with d set; ERR_UNAUTHORIZED (nobody, a wrong password),
 * ERR_FORBIDDEN (a customer), ERR_TOO_MANY_ATTEMPTS, or a storage error.
 */
static enum err
api_door(struct req *req, struct scan_door *d)
{
	const char	*password = http_header(req, "X-Scanner-Password");
	enum err	 e;

	if (password != NULL) {
		memset(d, 0, sizeof(*d));
		e = scan_password(req->db, req->remote_addr, password,
		    tfmt_now(), &d->scanner_id, &req->err_count);
		return e == ERR_INCORRECT_PASSWORD ? ERR_UNAUTHORIZED : e;
	}
	if ((e = door_of(req, d)) != ERR_OK)
		return e;
	if (d->scanner_id != 0 || d->user_id != 0)
		return ERR_OK;
	return req->user.id != 0 ? ERR_FORBIDDEN : ERR_UNAUTHORIZED;
}

static int
add_key(void *arg, const struct ticketkey_info *k)
{
	char	 b64[sodium_base64_ENCODED_LEN(TICKETSIG_PK_LEN,
		    sodium_base64_VARIANT_ORIGINAL)];
	cJSON	*o;

	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "key_id", (double)k->id);
	cJSON_AddStringToObject(o, "algorithm", "Ed25519");
	sodium_bin2base64(b64, sizeof(b64), k->public_key, TICKETSIG_PK_LEN,
	    sodium_base64_VARIANT_ORIGINAL);
	cJSON_AddStringToObject(o, "public_key", b64);
	if (k->organizer_id != 0)
		cJSON_AddNumberToObject(o, "organizer", (double)k->organizer_id);
	else
		cJSON_AddNullToObject(o, "organizer");
	json_add_time(o, "created_at", k->created_at);
	json_add_time(o, "retired_at", k->retired_at);
	json_add_time(o, "valid_until", k->valid_until);
	cJSON_AddItemToArray(arg, o);
	return 0;
}

/*
 * GET /api/scan/keys/: {"format": "BJ1", "as_of", "keys": [{"key_id",
 * "algorithm", "public_key" (base64), "organizer", "created_at",
 * "retired_at", "valid_until"}]}: the keys whose codes this door may
 * admit, retired ones until the last of their tickets ends.
 */
static enum err
h_keys(struct req *req)
{
	struct scan_door	 d;
	cJSON			*o, *keys;
	int64_t			 now = tfmt_now();
	enum db_rc		 rc;
	enum err		 e;

	if ((e = api_door(req, &d)) != ERR_OK)
		return e;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "format", "BJ1");
	json_add_time(o, "as_of", now);
	keys = cJSON_AddArrayToObject(o, "keys");
	if ((rc = ticketkey_list(req->db, d.scanner_id, d.user_id, now,
	    add_key, keys)) != DB_OK) {
		cJSON_Delete(o);
		return err_from_db(rc);
	}
	return http_json(req, 200, o);
}

/* Adds the path's event's door rules to o, in a read transaction. */
static enum db_rc
door_rules(struct req *req, cJSON *o)
{
	cJSON		*rules = cJSON_AddObjectToObject(o, "rules");
	enum db_rc	 rc;

	cJSON_AddStringToObject(rules, "timezone",
	    conf_str(req->conf, CONF_TIMEZONE));
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return rc;
	rc = checkin_door_rules(req->db, req->id, rules);
	db_tx_rollback(req->db);
	return rc;
}

static void
add_id(void *arg, int64_t id)
{
	cJSON_AddItemToArray(arg, cJSON_CreateNumber((double)id));
}

/*
 * GET /api/scan/events/{id}/revocations/: {"event", "as_of", "revoked":
 * [ticket id, ...], "rules": {"timezone", "day_starts", "variants"}}:
 * the event's tickets whose codes still verify but must not be
 * admitted, and the door rules of its ticket types (lib/checkin.h
 * checkin_door_rules()) for the door's own once-per-day check.  404 for
 * an event this door may not scan.
 */
static enum err
h_revocations(struct req *req)
{
	struct scan_door	 d;
	cJSON			*o, *ids;
	int64_t			 now = tfmt_now();
	enum db_rc		 rc;
	enum err		 e;

	if ((e = api_door(req, &d)) != ERR_OK)
		return e;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "event", (double)req->id);
	json_add_time(o, "as_of", now);
	ids = cJSON_AddArrayToObject(o, "revoked");
	if ((rc = scan_revocations(req->db, &d, req->id, add_id, ids)) ==
	    DB_OK && (rc = door_rules(req, o)) == DB_NOTFOUND)
		rc = DB_ERROR;		/* it was there a moment ago */
	if (rc != DB_OK) {
		cJSON_Delete(o);
		return rc == DB_NOTFOUND ? ERR_EVENT_NOT_FOUND :
		    err_from_db(rc);
	}
	return http_json(req, 200, o);
}

/*
 * One scan a door made offline, admitted (it let the holder in) at the
 * time it says, through scan_ticket() like any other: "admitted" when
 * it was the first use, "already_used" when another door or path was
 * first (a second use across doors, flagged), "transferred" (a
 * transfer gave it to someone else), "not_valid" (refunded, cancelled,
 * not paid), "unknown", or "retry" (the database was busy: send it
 * again).
 */
static const char *
offline_one(struct req *req, const struct scan_door *d, const char *code,
    int64_t at, enum checkin_dir dir, struct scan_result *r)
{
	int64_t		 now = tfmt_now();
	enum err	 e;

	if (at > now)
		at = now;
	if (at < now - OFFLINE_SCAN_AGE_MAX)
		at = now - OFFLINE_SCAN_AGE_MAX;
	e = scan_ticket_dir(req->db, at, d, code, 1, dir, r);
	if (e == ERR_TICKET_NOT_FOUND)
		return "unknown";
	if (e != ERR_OK)
		return "retry";
	if (!r->valid)
		return strcmp(r->result, "transferred") == 0 ? "transferred" :
		    "not_valid";
	if (r->admitted)
		return "admitted";
	/* Inside already: another door let them in first. */
	if (strcmp(r->result, "already_inside") == 0)
		return "already_used";
	return r->result;
}

/*
 * POST /api/scan/offline/ {"scans": [{"code", "scanned_at", "direction"
 * (optional: "entry" or "exit")}]} (up to ARRAY_ITEMS_MAX, in the order
 * they were made): a door that admitted (or let out) people while the
 * network was down reports them.  200 {"results": (also "wrong_day",
 * "exited", "not_inside", "transferred")
 * [{"code", "result", "ticket_number", "times_used"}], "flagged": how
 * many were a second use}.  The window of a signed code is checked at
 * scanned_at (at most a day back; a time ahead is now).
 */
static enum err
h_offline(struct req *req)
{
	const struct field_val	*f = &req->f[OF_SCANS];
	struct scan_result	 r;
	struct scan_door	 d;
	enum checkin_dir	 dir;
	const char		*result;
	cJSON			*o, *list, *one;
	size_t			 i;
	int			 flagged = 0;
	enum err		 e;

	if ((e = api_door(req, &d)) != ERR_OK)
		return e;
	for (i = 0; i < f->nitems; i++)
		if (f->items[i][OS_DIRECTION].present &&
		    !checkin_dir_parse(f->items[i][OS_DIRECTION].s, &dir))
			return http_field_error(req, "scans",
			    "direction must be entry or exit");
	o = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(o, "results");
	for (i = 0; i < f->nitems; i++) {
		dir = CHECKIN_ENTRY;
		if (f->items[i][OS_DIRECTION].present)
			(void)checkin_dir_parse(f->items[i][OS_DIRECTION].s,
			    &dir);
		result = offline_one(req, &d, f->items[i][OS_CODE].s,
		    f->items[i][OS_AT].i, dir, &r);
		flagged += strcmp(result, "already_used") == 0;
		one = cJSON_CreateObject();
		cJSON_AddStringToObject(one, "code", f->items[i][OS_CODE].s);
		cJSON_AddStringToObject(one, "result", result);
		if (strcmp(result, "unknown") != 0 &&
		    strcmp(result, "retry") != 0) {
			cJSON_AddStringToObject(one, "ticket_number",
			    r.external_id);
			cJSON_AddNumberToObject(one, "times_used",
			    (double)r.times_used);
		}
		cJSON_AddItemToArray(list, one);
	}
	cJSON_AddNumberToObject(o, "flagged", flagged);
	return http_json(req, 200, o);
}

/* GET /api/scan/metrics (admins): scan's counters, as pay's
 * GET /api/metrics; zero again when scan restarts.  200 text/plain. */
static enum err
h_metrics(struct req *req)
{
	char	 text[2048];
	int	 n;

	if ((n = metrics_text_of("scan", text, sizeof(text))) < 0)
		return ERR_INTERNAL;
	(void)http_add_header(req, "Cache-Control", "no-store");
	return http_bytes(req, 200, "text/plain; version=0.0.4; charset=utf-8",
	    text, (size_t)n);
}

int
main(int argc, char *argv[])
{
	static const struct app app = { "scan", routes, nitems(routes), NULL };

	/* Made before route_main() forks the workers, so they share them. */
	if (metrics_open() == -1 || scan_throttle_open() == -1) {
		fprintf(stderr, "scan: shared memory: %s\n", strerror(errno));
		return 1;
	}
	return route_main(argc, argv, &app);
}
