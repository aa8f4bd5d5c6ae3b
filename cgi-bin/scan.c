/*
 * scan: ticket validation at the door (seed 002).
 *
 *	PUT /validate_ticket/	show a ticket, or admit it with use_ticket
 *
 * and the door staff's page (plain forms; static/biljett.js adds the
 * camera where the browser has BarcodeDetector):
 *
 *	GET  /scanner		sign in, or the scan form
 *	POST /scanner/login	sign in with the scanner password
 *	POST /scanner/check	show (use=0) or admit (use=1) a ticket
 *	POST /scanner/logout	sign out
 *
 * The page also serves a browser signed in to an account that may scan
 * (staff, organizers, admins: the sessionid cookie of /api/auth/login).
 * Either way a door sees only the tickets its credential may admit
 * (lib/scan.h); any other is "unknown".
 */
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "account.h"
#include "arena.h"
#include "auth.h"
#include "http.h"
#include "route.h"
#include "limits.h"
#include "page.h"
#include "scan.h"
#include "session.h"
#include "tfmt.h"
#include "user.h"

#define SCANNER_COOKIE		"scannerid"

static enum err	h_validate(struct req *);
static enum err	h_scanner(struct req *);
static enum err	h_login(struct req *);
static enum err	h_check(struct req *);
static enum err	h_logout(struct req *);

enum login_field { LG_PASSWORD, LG_CSRF, LG__MAX };

static const struct field_spec login_fields[LG__MAX] = {
	[LG_PASSWORD] = { "password", FIELD_STRING, 0, 0, PASSWORD_MAX, NULL,
	    0 },
	[LG_CSRF] = { "csrf", FIELD_STRING, 0, 0, TOKEN_HEX_LEN, NULL, 0 },
};

enum check_field { CK_CODE, CK_USE, CK_CSRF, CK__MAX };

static const struct field_spec check_fields[CK__MAX] = {
	[CK_CODE] = { "code", FIELD_STRING, 0, 0, SCAN_ID_MAX, NULL, 0 },
	[CK_USE] = { "use", FIELD_BOOL, 0, 0, 0, NULL, 0 },
	[CK_CSRF] = { "csrf", FIELD_STRING, 0, 0, TOKEN_HEX_LEN, NULL, 0 },
};

enum validate_field { VF_EXTERNAL_ID, VF_PASSWORD, VF_USE, VF__MAX };

static const struct field_spec validate_fields[VF__MAX] = {
	[VF_EXTERNAL_ID] = { "external_id", FIELD_STRING, FIELD_REQUIRED, 1,
	    SCAN_ID_MAX, NULL, 0 },
	[VF_PASSWORD] = { "password", FIELD_STRING, FIELD_REQUIRED, 1,
	    PASSWORD_MAX, NULL, 0 },
	[VF_USE] = { "use_ticket", FIELD_BOOL, FIELD_REQUIRED, 0, 0, NULL, 0 },
};

static const struct route routes[] = {
	{ METHOD_PUT, "/validate_ticket/", h_validate, AUTH_NONE, STYLE_COMPAT,
	    validate_fields, VF__MAX, 0, ERR_OK },
	{ METHOD_GET, "/scanner", h_scanner, AUTH_NONE, STYLE_PAGE,
	    NULL, 0, 0, ERR_OK },
	{ METHOD_POST, "/scanner/login", h_login, AUTH_NONE, STYLE_PAGE,
	    login_fields, LG__MAX, ROUTE_FORM, ERR_OK },
	{ METHOD_POST, "/scanner/check", h_check, AUTH_NONE, STYLE_PAGE,
	    check_fields, CK__MAX, ROUTE_FORM, ERR_OK },
	{ METHOD_POST, "/scanner/logout", h_logout, AUTH_NONE, STYLE_PAGE,
	    NULL, 0, 0, ERR_OK },
};

/*
 * PUT /validate_ticket/ {"external_id", "password", "use_ticket"}.
 * 200 {"external_id", "times_used" (before this call), "chapter_event",
 * "status"}; 400 InvalidRequestData; 401 "Incorrect password"; 429
 * "TooManyAttempts" with Retry-After for a wrong password from an
 * address that keeps guessing (a right one always passes); 404
 * {"times_used": -1, "status": "Ticket does not exist"}.
 */
static enum err
h_validate(struct req *req)
{
	struct scan_result	 r;
	struct scan_door	 door = { 0, 0 };
	cJSON			*body;
	int64_t			 now = tfmt_now();
	enum err		 e;

	if ((e = scan_password(req->db, req->remote_addr,
	    req->f[VF_PASSWORD].s, now, &door.scanner_id, &req->err_count)) !=
	    ERR_OK ||
	    (e = scan_ticket(req->db, now, &door, req->f[VF_EXTERNAL_ID].s,
	    (int)req->f[VF_USE].i, &r)) != ERR_OK)
		return e;
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "external_id", r.external_id);
	cJSON_AddNumberToObject(body, "times_used", (double)r.times_used);
	cJSON_AddStringToObject(body, "chapter_event", r.event_title);
	cJSON_AddStringToObject(body, "status", r.status);
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

/*
 * POST /scanner/check (code, use, csrf): a full-screen answer: valid
 * (with an "admit" button), admitted, already used (how many times), not
 * paid, unknown.  Signed-out scanners go back to the sign-in form.
 */
static enum err
h_check(struct req *req)
{
	struct scan_result	 r;
	struct scan_door	 d;
	cJSON			*ctx;
	const char		*state;
	int			 use;
	enum err		 e;

	if ((e = door_of(req, &d)) != ERR_OK)
		return e;
	if (d.scanner_id == 0 && d.user_id == 0)
		return page_redirect(req, "/scanner");
	if (!req->f[CK_CODE].present || req->f[CK_CODE].len == 0)
		return page_redirect(req, "/scanner");
	use = req->f[CK_USE].present && req->f[CK_USE].i;
	e = scan_ticket(req->db, tfmt_now(), &d, req->f[CK_CODE].s, use, &r);
	ctx = cJSON_CreateObject();
	cJSON_AddBoolToObject(ctx, "signed_in", 1);
	if (e == ERR_TICKET_NOT_FOUND) {
		cJSON_AddStringToObject(ctx, "state", "unknown");
		cJSON_AddStringToObject(ctx, "code", req->f[CK_CODE].s);
		return page_render(req, 200, "scanner", ctx);
	}
	if (e != ERR_OK) {
		cJSON_Delete(ctx);
		return e;
	}
	if (strcmp(r.status, "PAID") != 0)
		state = "notpaid";
	else if (use)
		state = r.admitted ? "admitted" : "used";
	else
		state = r.times_used > 0 ? "used" : "valid";
	cJSON_AddStringToObject(ctx, "state", state);
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

int
main(int argc, char *argv[])
{
	static const struct app app = { "scan", routes, nitems(routes), NULL };

	return route_main(argc, argv, &app);
}
