/*
 * auth: accounts, sign-in, tokens and two-factor authentication under
 * /api/auth/, and one route of each role to show the gate at work.
 *
 * Seed 004's authentication section, exactly (its bodies, statuses and
 * cookies; where a route of ours had its path, seed 004's contract won
 * and our extra members stayed):
 *
 *	POST  /api/auth/signup			POST /api/auth/verify-email
 *	POST  /api/auth/resend-verification	POST /api/auth/login
 *	POST  /api/auth/logout			POST /api/auth/token/refresh
 *	GET|PUT|PATCH /api/auth/profile		POST /api/auth/change-password
 *
 * and ours beside them:
 *
 *	POST  /api/auth/register		GET /api/auth/verify-email
 *	GET|PATCH /api/auth/me			POST /api/auth/password-reset
 *	POST  /api/auth/password-reset/confirm
 *	POST  /api/auth/2fa/setup|enable|disable
 *	POST  /api/auth/email-change		GET /api/auth/email-change/confirm
 *	POST  /api/auth/email-change/cancel
 *	GET   /api/staff/whoami (staff)		GET|POST /api/organizer/staff
 *	PATCH /api/organizer/staff/{id}		GET|POST /api/organizer/scanners
 *	GET|PATCH|DELETE /api/organizer/scanners/{id}
 *	GET   /api/admin/users (admin)		POST /api/admin/users/{id}/deactivate
 *
 * and seed 000's names for three of them:
 *
 *	GET   /api/auth/email/{id}/{hash}	POST /api/auth/password
 *	POST  /api/users/employees (admin)
 *
 * The rules live in lib/account: each handler reads its validated
 * fields, calls one account_* function (which runs its own transaction)
 * and renders the outcome.
 */
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "account.h"
#include "arena.h"
#include "auth.h"
#include "cart.h"
#include "conf.h"
#include "http.h"
#include "route.h"
#include "i18n.h"
#include "limits.h"
#include "log.h"
#include "page.h"
#include "scanner.h"
#include "session.h"
#include "spawn.h"
#include "tfmt.h"
#include "user.h"

static enum err	h_signup(struct req *);
static enum err	h_register(struct req *);
static enum err	h_verify(struct req *);
static enum err	h_verify_post(struct req *);
static enum err	h_verify_link(struct req *);
static enum err	h_employee_create(struct req *);
static enum err	h_resend(struct req *);
static enum err	h_login(struct req *);
static enum err	h_logout(struct req *);
static enum err	h_me(struct req *);
static enum err	h_me_patch(struct req *);
static enum err	h_profile(struct req *);
static enum err	h_profile_update(struct req *);
static enum err	h_change_password(struct req *);
static enum err	h_reset(struct req *);
static enum err	h_reset_confirm(struct req *);
static enum err	h_refresh(struct req *);
static enum err	h_2fa_setup(struct req *);
static enum err	h_2fa_enable(struct req *);
static enum err	h_2fa_disable(struct req *);
static enum err	h_email_change(struct req *);
static enum err	h_email_confirm(struct req *);
static enum err	h_email_cancel(struct req *);
static enum err	h_whoami(struct req *);
static enum err	h_staff_list(struct req *);
static enum err	h_staff_create(struct req *);
static enum err	h_staff_patch(struct req *);
static enum err	h_scanners(struct req *);
static enum err	h_scanner_create(struct req *);
static enum err	h_scanner_get(struct req *);
static enum err	h_scanner_patch(struct req *);
static enum err	h_scanner_delete(struct req *);
static enum err	h_users(struct req *);
static enum err	h_deactivate(struct req *);
static enum err	h_reset_page(struct req *);
static enum err	h_reset_form(struct req *);

enum { RP_TOKEN, RP__MAX };
static const struct field_spec reset_page_fields[RP__MAX] = {
	[RP_TOKEN] = { "token", FIELD_STRING, FIELD_QUERY, 0, TOKEN_HEX_LEN,
	    NULL, 0 },
};

enum { RF2_TOKEN, RF2_PASSWORD, RF2_CSRF, RF2__MAX };
static const struct field_spec reset_form_fields[RF2__MAX] = {
	[RF2_TOKEN] = { "token", FIELD_STRING, 0, 0, TOKEN_HEX_LEN, NULL, 0 },
	[RF2_PASSWORD] = { "new_password", FIELD_STRING, 0, 0, PASSWORD_MAX,
	    NULL, 0 },
	[RF2_CSRF] = { "csrf", FIELD_STRING, 0, 0, TOKEN_HEX_LEN, NULL, 0 },
};

#define PW(name, req)	{ name, FIELD_STRING, req, 1, PASSWORD_MAX, NULL, 0 }
#define EMAIL(req)	{ "email", FIELD_EMAIL, req, 3, EMAIL_MAX, NULL, 0 }
#define TOKEN(where)	{ "token", FIELD_STRING, FIELD_REQUIRED | where, 1, \
			    TOKEN_HEX_LEN, NULL, 0 }

/* Seed 004's user_type and names; a consumer is our customer. */
enum { SU_EMAIL, SU_PASSWORD, SU_CONFIRM, SU_TYPE, SU_FIRST, SU_LAST,
	SU_PHONE, SU__MAX };
static const struct field_spec signup_fields[SU__MAX] = {
	[SU_EMAIL] = EMAIL(FIELD_REQUIRED),
	[SU_PASSWORD] = PW("password", FIELD_REQUIRED),
	[SU_CONFIRM] = PW("password_confirm", FIELD_REQUIRED),
	[SU_TYPE] = { "user_type", FIELD_STRING, 0, 1, 16, NULL, 0 },
	[SU_FIRST] = { "first_name", FIELD_STRING, 0, 0, NAME_PART_MAX, NULL,
	    0 },
	[SU_LAST] = { "last_name", FIELD_STRING, 0, 0, NAME_PART_MAX, NULL,
	    0 },
	[SU_PHONE] = { "phone_number", FIELD_STRING, 0, 0, PHONE_MAX, NULL,
	    0 },
};

enum { RG_NAME, RG_EMAIL, RG_PASSWORD, RG_PHONE, RG_LOCALE, RG__MAX };
static const struct field_spec register_fields[RG__MAX] = {
	[RG_NAME] = { "name", FIELD_STRING, FIELD_REQUIRED, 1, NAME_MAX_LEN,
	    NULL, 0 },
	[RG_EMAIL] = EMAIL(FIELD_REQUIRED),
	[RG_PASSWORD] = PW("password", FIELD_REQUIRED),
	[RG_PHONE] = { "phone", FIELD_STRING, 0, 0, PHONE_MAX, NULL, 0 },
	[RG_LOCALE] = { "locale", FIELD_STRING, 0, 2, 2, NULL, 0 },
};

enum { LG_EMAIL, LG_PASSWORD, LG_REMEMBER, LG_CLIENT, LG_TOTP, LG_RECOVERY,
	LG__MAX };
static const struct field_spec login_fields[LG__MAX] = {
	[LG_EMAIL] = EMAIL(FIELD_REQUIRED),
	[LG_PASSWORD] = PW("password", FIELD_REQUIRED),
	[LG_REMEMBER] = { "remember_me", FIELD_BOOL, 0, 0, 0, NULL, 0 },
	[LG_CLIENT] = { "client", FIELD_STRING, 0, 3, 7, NULL, 0 },
	[LG_TOTP] = { "totp_code", FIELD_STRING, 0, 1, 16, NULL, 0 },
	[LG_RECOVERY] = { "recovery_code", FIELD_STRING, 0, 1, 32, NULL, 0 },
};

enum { EM_EMAIL, EM__MAX };
static const struct field_spec email_fields[EM__MAX] = {
	[EM_EMAIL] = EMAIL(FIELD_REQUIRED),
};

enum { TK_TOKEN, TK__MAX };
static const struct field_spec query_token_fields[TK__MAX] = {
	[TK_TOKEN] = TOKEN(FIELD_QUERY),
};
static const struct field_spec body_token_fields[TK__MAX] = {
	[TK_TOKEN] = TOKEN(0),
};

enum { PF_NAME, PF_PHONE, PF_LOCALE, PF__MAX };
static const struct field_spec profile_fields[PF__MAX] = {
	[PF_NAME] = { "name", FIELD_STRING, 0, 1, NAME_MAX_LEN, NULL, 0 },
	[PF_PHONE] = { "phone", FIELD_STRING, 0, 0, PHONE_MAX, NULL, 0 },
	[PF_LOCALE] = { "locale", FIELD_STRING, 0, 2, 2, NULL, 0 },
};

/* Seed 004's profile: the names and phone_number; locale is ours. */
enum { PS_FIRST, PS_LAST, PS_PHONE, PS_LOCALE, PS__MAX };
static const struct field_spec profile004_fields[PS__MAX] = {
	[PS_FIRST] = { "first_name", FIELD_STRING, 0, 0, NAME_PART_MAX, NULL,
	    0 },
	[PS_LAST] = { "last_name", FIELD_STRING, 0, 0, NAME_PART_MAX, NULL,
	    0 },
	[PS_PHONE] = { "phone_number", FIELD_STRING, 0, 0, PHONE_MAX, NULL,
	    0 },
	[PS_LOCALE] = { "locale", FIELD_STRING, 0, 2, 2, NULL, 0 },
};

enum { CP_OLD, CP_NEW, CP_CONFIRM, CP__MAX };
static const struct field_spec change_fields[CP__MAX] = {
	[CP_OLD] = PW("old_password", FIELD_REQUIRED),
	[CP_NEW] = PW("new_password", FIELD_REQUIRED),
	[CP_CONFIRM] = PW("new_password_confirm", FIELD_REQUIRED),
};

/* Seed 000's names for the same three (billet-jo's update-password). */
static const struct field_spec change000_fields[CP__MAX] = {
	[CP_OLD] = PW("current_password", FIELD_REQUIRED),
	[CP_NEW] = PW("password", FIELD_REQUIRED),
	[CP_CONFIRM] = PW("password_confirmation", FIELD_REQUIRED),
};

enum { RC_TOKEN, RC_NEW, RC__MAX };
static const struct field_spec reset_confirm_fields[RC__MAX] = {
	[RC_TOKEN] = TOKEN(0),
	[RC_NEW] = PW("new_password", FIELD_REQUIRED),
};

/* Seed 004's "refresh", our "refresh_token"; else the cookie. */
enum { RF_REFRESH, RF_TOKEN, RF__MAX };
static const struct field_spec refresh_fields[RF__MAX] = {
	[RF_REFRESH] = { "refresh", FIELD_STRING, 0, 1, TOKEN_HEX_LEN, NULL,
	    0 },
	[RF_TOKEN] = { "refresh_token", FIELD_STRING, 0, 1, TOKEN_HEX_LEN,
	    NULL, 0 },
};

enum { TC_CODE, TC__MAX };
static const struct field_spec code_fields[TC__MAX] = {
	[TC_CODE] = { "code", FIELD_STRING, FIELD_REQUIRED, 1, 16, NULL, 0 },
};

enum { DP_PASSWORD, DP__MAX };
static const struct field_spec password_fields[DP__MAX] = {
	[DP_PASSWORD] = PW("password", FIELD_REQUIRED),
};

enum { EC_EMAIL, EC_PASSWORD, EC__MAX };
static const struct field_spec email_change_fields[EC__MAX] = {
	[EC_EMAIL] = { "new_email", FIELD_EMAIL, FIELD_REQUIRED, 3, EMAIL_MAX,
	    NULL, 0 },
	[EC_PASSWORD] = PW("password", FIELD_REQUIRED),
};

enum { SC_NAME, SC_EMAIL, SC_PASSWORD, SC__MAX };
static const struct field_spec staff_fields[SC__MAX] = {
	[SC_NAME] = { "name", FIELD_STRING, FIELD_REQUIRED, 1, NAME_MAX_LEN,
	    NULL, 0 },
	[SC_EMAIL] = EMAIL(FIELD_REQUIRED),
	[SC_PASSWORD] = PW("password", FIELD_REQUIRED),
};

/* Seed 000's employee: two names and a confirmed password. */
enum { EM0_FIRST, EM0_LAST, EM0_EMAIL, EM0_PASSWORD, EM0_CONFIRM, EM0__MAX };
static const struct field_spec employee_fields[EM0__MAX] = {
	[EM0_FIRST] = { "firstname", FIELD_STRING, FIELD_REQUIRED, 1,
	    NAME_PART_MAX, NULL, 0 },
	[EM0_LAST] = { "lastname", FIELD_STRING, FIELD_REQUIRED, 1,
	    NAME_PART_MAX, NULL, 0 },
	[EM0_EMAIL] = EMAIL(FIELD_REQUIRED),
	[EM0_PASSWORD] = PW("password", FIELD_REQUIRED),
	[EM0_CONFIRM] = PW("password_confirmation", FIELD_REQUIRED),
};

/* Door scopes: "events" lists event ids; [] means all of them. */
#define EVENTS	{ "events", FIELD_IDLIST, 0, 0, SCANNER_EVENTS_MAX, NULL, 0 }
#define ACTIVE	{ "is_active", FIELD_BOOL, 0, 0, 0, NULL, 0 }

enum { SP_EVENTS, SP_ACTIVE, SP__MAX };
static const struct field_spec staff_patch_fields[SP__MAX] = {
	[SP_EVENTS] = EVENTS,
	[SP_ACTIVE] = ACTIVE,
};

enum { SN_NAME, SN_PASSWORD, SN_EVENTS, SN_ORGANIZER, SN__MAX };
static const struct field_spec scanner_fields[SN__MAX] = {
	[SN_NAME] = { "name", FIELD_STRING, FIELD_REQUIRED, 1,
	    SCANNER_NAME_MAX, NULL, 0 },
	[SN_PASSWORD] = PW("password", 0),
	[SN_EVENTS] = EVENTS,
	[SN_ORGANIZER] = { "organizer_id", FIELD_ID, 0, 0, 0, NULL, 0 },
};

enum { SC2_NAME, SC2_EVENTS, SC2_ACTIVE, SC2__MAX };
static const struct field_spec scanner_patch_fields[SC2__MAX] = {
	[SC2_NAME] = { "name", FIELD_STRING, 0, 1, SCANNER_NAME_MAX, NULL,
	    0 },
	[SC2_EVENTS] = EVENTS,
	[SC2_ACTIVE] = ACTIVE,
};

enum { PG_PAGE, PG_PER_PAGE, PG__MAX };
static const struct field_spec page_fields[PG__MAX] = {
	[PG_PAGE] = { "page", FIELD_INT, FIELD_QUERY, 1, PAGE_MAX, NULL, 0 },
	[PG_PER_PAGE] = { "per_page", FIELD_INT, FIELD_QUERY, 1, PER_PAGE_MAX,
	    NULL, 0 },
};

#define R(m, p, h, a, f, n)	{ METHOD_##m, p, h, a, STYLE_API, f, n, 0, ERR_OK }
static const struct route routes[] = {
	R(POST, "/api/auth/signup", h_signup, AUTH_NONE, signup_fields,
	    SU__MAX),
	R(POST, "/api/auth/register", h_register, AUTH_NONE, register_fields,
	    RG__MAX),
	R(GET, "/api/auth/verify-email", h_verify, AUTH_NONE,
	    query_token_fields, TK__MAX),
	R(POST, "/api/auth/verify-email", h_verify_post, AUTH_NONE,
	    body_token_fields, TK__MAX),
	/* The mailed token is in the path: not in the request log. */
	{ METHOD_GET, "/api/auth/email/{id}/{hash}", h_verify_link, AUTH_NONE,
	    STYLE_API, NULL, 0, ROUTE_SECRET_PATH, ERR_OK },
	R(POST, "/api/auth/resend-verification", h_resend, AUTH_NONE,
	    email_fields, EM__MAX),
	R(POST, "/api/auth/login", h_login, AUTH_NONE, login_fields, LG__MAX),
	R(POST, "/api/auth/logout", h_logout, AUTH_USER, refresh_fields,
	    RF__MAX),
	R(GET, "/api/auth/me", h_me, AUTH_USER, NULL, 0),
	R(PATCH, "/api/auth/me", h_me_patch, AUTH_USER, profile_fields,
	    PF__MAX),
	R(GET, "/api/auth/profile", h_profile, AUTH_USER, NULL, 0),
	R(PUT, "/api/auth/profile", h_profile_update, AUTH_USER,
	    profile004_fields, PS__MAX),
	R(PATCH, "/api/auth/profile", h_profile_update, AUTH_USER,
	    profile004_fields, PS__MAX),
	R(POST, "/api/auth/change-password", h_change_password, AUTH_USER,
	    change_fields, CP__MAX),
	R(POST, "/api/auth/password", h_change_password, AUTH_USER,
	    change000_fields, CP__MAX),
	R(POST, "/api/auth/password-reset", h_reset, AUTH_NONE, email_fields,
	    EM__MAX),
	R(POST, "/api/auth/password-reset/confirm", h_reset_confirm, AUTH_NONE,
	    reset_confirm_fields, RC__MAX),
	R(POST, "/api/auth/token/refresh", h_refresh, AUTH_NONE,
	    refresh_fields, RF__MAX),
	R(POST, "/api/auth/2fa/setup", h_2fa_setup, AUTH_USER, NULL, 0),
	R(POST, "/api/auth/2fa/enable", h_2fa_enable, AUTH_USER, code_fields,
	    TC__MAX),
	R(POST, "/api/auth/2fa/disable", h_2fa_disable, AUTH_USER,
	    password_fields, DP__MAX),
	R(POST, "/api/auth/email-change", h_email_change, AUTH_USER,
	    email_change_fields, EC__MAX),
	R(GET, "/api/auth/email-change/confirm", h_email_confirm, AUTH_NONE,
	    query_token_fields, TK__MAX),
	R(POST, "/api/auth/email-change/cancel", h_email_cancel, AUTH_USER,
	    NULL, 0),
	R(GET, "/api/staff/whoami", h_whoami, AUTH_STAFF, NULL, 0),
	R(GET, "/api/organizer/staff", h_staff_list, AUTH_ORGANIZER,
	    page_fields, PG__MAX),
	R(POST, "/api/organizer/staff", h_staff_create, AUTH_ORGANIZER,
	    staff_fields, SC__MAX),
	R(POST, "/api/users/employees", h_employee_create, AUTH_ADMIN,
	    employee_fields, EM0__MAX),
	R(PATCH, "/api/organizer/staff/{id}", h_staff_patch, AUTH_ORGANIZER,
	    staff_patch_fields, SP__MAX),
	R(GET, "/api/organizer/scanners", h_scanners, AUTH_ORGANIZER,
	    page_fields, PG__MAX),
	R(POST, "/api/organizer/scanners", h_scanner_create, AUTH_ORGANIZER,
	    scanner_fields, SN__MAX),
	R(GET, "/api/organizer/scanners/{id}", h_scanner_get, AUTH_ORGANIZER,
	    NULL, 0),
	R(PATCH, "/api/organizer/scanners/{id}", h_scanner_patch,
	    AUTH_ORGANIZER, scanner_patch_fields, SC2__MAX),
	R(DELETE, "/api/organizer/scanners/{id}", h_scanner_delete,
	    AUTH_ORGANIZER, NULL, 0),
	R(GET, "/api/admin/users", h_users, AUTH_ADMIN, page_fields, PG__MAX),
	R(POST, "/api/admin/users/{id}/deactivate", h_deactivate, AUTH_ADMIN,
	    NULL, 0),
	/* Where the reset mail's link lands: a plain form. */
	{ METHOD_GET, "/reset-password", h_reset_page, AUTH_NONE, STYLE_PAGE,
	    reset_page_fields, RP__MAX, 0, ERR_OK },
	{ METHOD_POST, "/reset-password", h_reset_form, AUTH_NONE, STYLE_PAGE,
	    reset_form_fields, RF2__MAX, ROUTE_FORM, ERR_OK },
};

/* The outcome e, or 200 (status) with the account u. */
static enum err
user_reply(struct req *req, enum err e, int status, const struct user *u)
{
	return e != ERR_OK ? e : http_json(req, status, account_json(u));
}

/* A weak password: 400 with the reason, translated, under
 * fields.<field>.  Other outcomes pass through. */
static enum err
weak(struct req *req, enum err e, const char *field, const char *reason)
{
	if (e != ERR_WEAK_PASSWORD)
		return e;
	cJSON_AddStringToObject(http_field_errs(req), field,
	    i18n_get(req->lang, reason));
	return e;
}

/* A field's reason: 400 with it under field_errors.<field>. */
static enum err
invalid(struct req *req, const char *field, const char *reason)
{
	cJSON_AddStringToObject(req->field_errs, field, reason);
	return ERR_BAD_REQUEST;
}

/* {"message": message}, the words seed 004 answers with, in English. */
static cJSON *
message_json(const char *message)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "message", message);
	return o;
}

/*
 * status (202, or seed 004's 200 with its message) {"status":
 * "accepted"}, the same whether or not the address has an account; what
 * was queued (*queued), `biljett mail` sends now.
 */
static enum err
accepted(struct req *req, enum err e, const int *queued, int status,
    const char *message)
{
	cJSON	*o;

	if (e != ERR_OK)
		return e;
	if (*queued)
		spawn_cli(req->conf, "mail");
	o = message != NULL ? message_json(message) : cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", "accepted");
	return http_json(req, status, o);
}

/* 302 to the front end's /verification-result/<what> (seed 000). */
static enum err
verification_result(struct req *req, const char *what)
{
	const char	*url = arena_printf(req->pool, "%s/verification-result/%s",
			    conf_str(req->conf, CONF_PUBLIC_URL), what);

	if (url == NULL || http_add_header(req, "Location", url) == -1)
		return ERR_INTERNAL;
	return http_empty(req, 302);
}

/*
 * 200 with o and the tokens: seed 004's "access" and "refresh" into pair
 * (o or a member of it), our bearer members into o, and both tokens as
 * seed 004's HttpOnly cookies, each living as long as its token.
 */
static enum err
tokens_reply(struct req *req, cJSON *o, cJSON *pair,
    const struct account_tokens *tok)
{
	cJSON_AddStringToObject(pair, "refresh", tok->refresh);
	cJSON_AddStringToObject(pair, "access", tok->access);
	cJSON_AddStringToObject(o, "token_type", "Bearer");
	cJSON_AddStringToObject(o, "access_token", tok->access);
	cJSON_AddNumberToObject(o, "expires_in", ACCESS_SECONDS);
	cJSON_AddStringToObject(o, "refresh_token", tok->refresh);
	if (http_set_cookie(req, ACCESS_COOKIE, tok->access, ACCESS_SECONDS)
	    == -1 || http_set_cookie(req, REFRESH_COOKIE, tok->refresh,
	    REFRESH_SECONDS) == -1) {
		cJSON_Delete(o);
		return ERR_INTERNAL;
	}
	return http_json(req, 200, o);
}

/*
 * The refresh token a request brings: seed 004's "refresh", our
 * "refresh_token", or else the refresh_token cookie; NULL for none.
 * The cookie needs no CSRF proof where it is read alone (token/refresh):
 * SameSite=Lax keeps it off every cross-site POST, another origin is
 * refused by the gate, and a forced refresh only hands the victim's
 * browser new tokens nobody else can read.
 */
static const char *
refresh_given(const struct req *req)
{
	if (req->f[RF_REFRESH].present)
		return req->f[RF_REFRESH].s;
	if (req->f[RF_TOKEN].present)
		return req->f[RF_TOKEN].s;
	return http_cookie(req, REFRESH_COOKIE);
}

/* The string field i, or NULL when absent. */
static const char *
opt(const struct req *req, size_t i)
{
	return req->f[i].present ? req->f[i].s : NULL;
}

/* page_fields, with page 1 and PER_PAGE_DEFAULT unless given. */
static void
paging(const struct req *req, int64_t *page, int64_t *per)
{
	*page = req->f[PG_PAGE].present ? req->f[PG_PAGE].i : 1;
	*per = req->f[PG_PER_PAGE].present ? req->f[PG_PER_PAGE].i :
	    PER_PAGE_DEFAULT;
}

/*
 * POST /api/auth/signup {email, password, password_confirm, user_type?
 * ("consumer", the default, or "organizer"), first_name?, last_name?,
 * phone_number?}: 201 {"message", "user": {"id", "email", "user_type"}},
 * unverified, a link mailed.  400 with field_errors for invalid fields,
 * passwords that differ, a weak password (WEAK_PASSWORD) or an address
 * that has an account (seed 004 says so as a field error, not 409); 503
 * without a secret_key.
 */
static enum err
h_signup(struct req *req)
{
	struct account_new	 in = { NULL, req->f[SU_EMAIL].s,
				    req->f[SU_PASSWORD].s, opt(req, SU_PHONE),
				    i18n_code(req->lang), NULL, NULL,
				    ROLE_CUSTOMER };
	struct user		 u;
	cJSON			*o, *user;
	const char		*reason;
	enum err		 e;

	if (req->f[SU_TYPE].present) {
		in.role = account_user_type_parse(req->f[SU_TYPE].s);
		if (in.role != ROLE_CUSTOMER && in.role != ROLE_ORGANIZER)
			(void)invalid(req, "user_type", "User type must be "
			    "either 'consumer' or 'organizer'");
	}
	if (strcmp(req->f[SU_PASSWORD].s, req->f[SU_CONFIRM].s) != 0)
		(void)invalid(req, "password_confirm", "Passwords do not match");
	if (cJSON_GetArraySize(req->field_errs) > 0)
		return ERR_BAD_REQUEST;
	in.first_name = req->f[SU_FIRST].present ? req->f[SU_FIRST].s : "";
	in.last_name = req->f[SU_LAST].present ? req->f[SU_LAST].s : "";
	e = account_register(req->db, tfmt_now(), &in, &u, &reason);
	if (e == ERR_EMAIL_TAKEN)
		return invalid(req, "email",
		    "user with this email already exists.");
	if ((e = weak(req, e, "password", reason)) != ERR_OK)
		return e;
	spawn_cli(req->conf, "mail");
	o = message_json("Registration successful. Please check your email "
	    "to verify your account.");
	user = cJSON_AddObjectToObject(o, "user");
	cJSON_AddNumberToObject(user, "id", (double)u.id);
	cJSON_AddStringToObject(user, "email", u.email);
	cJSON_AddStringToObject(user, "user_type", account_user_type(u.role));
	return http_json(req, 201, o);
}

/*
 * POST /api/auth/register {name, email, password, phone?, locale?}.
 * 201 with the account (unverified; a link is mailed); 400 invalid or
 * WEAK_PASSWORD; 409 EMAIL_ALREADY_EXISTS; 503 without a secret_key.
 */
static enum err
h_register(struct req *req)
{
	struct account_new	 in = { req->f[RG_NAME].s, req->f[RG_EMAIL].s,
				    req->f[RG_PASSWORD].s, opt(req, RG_PHONE),
				    i18n_code(req->lang), NULL, NULL,
				    ROLE_CUSTOMER };
	struct user		 u;
	const char		*reason;
	enum err		 e;

	if (req->f[RG_LOCALE].present &&
	    i18n_parse(req->f[RG_LOCALE].s) != LANG__MAX)
		in.locale = req->f[RG_LOCALE].s;
	e = account_register(req->db, tfmt_now(), &in, &u, &reason);
	if (e == ERR_OK)
		spawn_cli(req->conf, "mail");
	return user_reply(req, weak(req, e, "password", reason), 201, &u);
}

/*
 * Spends the e-mail verification token (mailed to user_id, or to anyone
 * for 0) and redirects to success, invalid, already-verified or error.
 */
static enum err
verify_redirect(struct req *req, const char *token, int64_t user_id)
{
	int		 already;
	enum err	 e;

	e = account_verify_email(req->db, tfmt_now(), token, user_id,
	    &already, NULL);
	if (e == ERR_TOKEN_INVALID)
		return verification_result(req, already ? "already-verified" :
		    "invalid");
	return verification_result(req, e == ERR_OK ? "success" : "error");
}

/*
 * GET /api/auth/verify-email?token=: 302 to success, invalid,
 * already-verified or error.
 */
static enum err
h_verify(struct req *req)
{
	return verify_redirect(req, req->f[TK_TOKEN].s, 0);
}

/*
 * GET /api/auth/email/{id}/{hash} (seed 000's link form): the same as
 * the GET above, for the token in {hash} when it was mailed to account
 * {id}; one for another account is "invalid" and stays unspent.
 */
static enum err
h_verify_link(struct req *req)
{
	const char	*token = http_param(req, 1);

	if (token == NULL || strlen(token) != TOKEN_HEX_LEN)
		return verification_result(req, "invalid");
	return verify_redirect(req, token, req->id);
}

/*
 * POST /api/auth/verify-email {token} (seed 004; the link in the mail
 * is the GET above): 200 {"message", "user": {"id", "email"}}; 400 with
 * field_errors.token for an unknown, expired or spent token.
 */
static enum err
h_verify_post(struct req *req)
{
	struct user	 u;
	cJSON		*o, *user;
	int		 already;
	enum err	 e;

	e = account_verify_email(req->db, tfmt_now(), req->f[TK_TOKEN].s, 0,
	    &already, &u);
	if (e == ERR_TOKEN_INVALID)
		return invalid(req, "token", already ?
		    "This verification link has already been used." :
		    "Invalid or expired verification token.");
	if (e != ERR_OK)
		return e;
	o = message_json("Email verified successfully. You can now login.");
	user = cJSON_AddObjectToObject(o, "user");
	cJSON_AddNumberToObject(user, "id", (double)u.id);
	cJSON_AddStringToObject(user, "email", u.email);
	return http_json(req, 200, o);
}

/*
 * POST /api/auth/resend-verification {email}: 200 {"message", "status":
 * "accepted"} always.  Seed 004's upstream says 400 for an address
 * without an account or already verified; we answer alike, so that
 * nobody learns from here who has an account.
 */
static enum err
h_resend(struct req *req)
{
	int	 queued;

	return accepted(req, account_resend_verification(req->db, tfmt_now(),
	    req->f[EM_EMAIL].s, &queued), &queued, 200,
	    "Verification email sent successfully");
}

/*
 * POST /api/auth/login {email, password, remember_me?, client?
 * ("browser": the sessionid cookie; otherwise tokens), totp_code?,
 * recovery_code?}.  200 {"message", "user": the profile} and, for
 * tokens, seed 004's "tokens": {"refresh", "access"}, the same as
 * access_token and refresh_token cookies, and our bearer members.  400
 * INVALID_CREDENTIALS ("Invalid email or password.") and
 * EMAIL_NOT_VERIFIED (seed 004's answers); 401 TOTP_REQUIRED,
 * TOTP_INVALID; 403 ACCOUNT_DISABLED; 429 TOO_MANY_ATTEMPTS with
 * Retry-After after repeated failures.  The guest cart of the
 * sessionid cookie merges into the account's (seed 000), reported as
 * "cart_merge" (lib/cart.h, cart_merge()) when there was one.
 */
static enum err
h_login(struct req *req)
{
	struct account_login	 in = { req->f[LG_EMAIL].s,
				    req->f[LG_PASSWORD].s, opt(req, LG_TOTP),
				    opt(req, LG_RECOVERY), 0, 0, NULL };
	struct account_tokens	 tok;
	struct user		 u;
	int64_t			 guest_id = auth_guest_session(req, tfmt_now());
	cJSON			*o, *merge;
	enum err		 e;

	if ((in.browser = opt(req, LG_CLIENT) != NULL &&
	    strcmp(req->f[LG_CLIENT].s, "browser") == 0)) {
		in.remember = req->f[LG_REMEMBER].present &&
		    req->f[LG_REMEMBER].i;
		in.old_session = http_cookie(req, SESSION_COOKIE);
	}
	if ((e = account_login(req->db, tfmt_now(), &in, &u, &tok,
	    &req->err_count)) != ERR_OK)
		return e == ERR_INVALID_CREDENTIALS ? ERR_LOGIN_FAILED : e;
	o = message_json("Login successful");
	cJSON_AddItemToObject(o, "user", account_profile_json(&u));
	/* Signed in either way; a cart that cannot merge now stays. */
	if ((e = cart_merge(req->db, tfmt_now(), guest_id, u.id, &merge)) !=
	    ERR_OK)
		log_warn("user %lld: guest cart not merged: %s",
		    (long long)u.id, err_def(e)->code);
	else if (merge != NULL)
		cJSON_AddItemToObject(o, "cart_merge", merge);
	if (!in.browser)
		return tokens_reply(req, o, cJSON_AddObjectToObject(o, "tokens"),
		    &tok);
	if (http_set_cookie(req, SESSION_COOKIE, tok.session,
	    tok.session_ttl) == -1) {
		cJSON_Delete(o);
		return ERR_INTERNAL;
	}
	return http_json(req, 200, o);
}

/*
 * POST /api/auth/logout {refresh?} (or refresh_token, or the cookie):
 * 200 {"message"}; the session asking ends, and so does the refresh
 * token's family when it is the caller's.  Seed 004's cookies are
 * cleared, and sessionid when it was the credential (a guest's cookie
 * beside an access_token cookie keeps its reservation).
 */
static enum err
h_logout(struct req *req)
{
	struct session	 s;
	int		 by_session;
	enum err	 e;

	by_session = req->user.by_cookie && auth_cookie_session(req,
	    tfmt_now(), &s) && s.id == req->user.session_id;
	if ((e = account_logout(req->db, tfmt_now(), req->user.id,
	    req->user.session_id, refresh_given(req))) != ERR_OK)
		return e;
	if ((by_session && http_set_cookie(req, SESSION_COOKIE, "", 0) == -1) ||
	    http_set_cookie(req, ACCESS_COOKIE, "", 0) == -1 ||
	    http_set_cookie(req, REFRESH_COOKIE, "", 0) == -1)
		return ERR_INTERNAL;
	return http_json(req, 200, message_json("Logout successful"));
}

/* GET /api/auth/me: 200 with the account; 401 without credentials. */
static enum err
h_me(struct req *req)
{
	struct user	 u;

	return user_reply(req, account_get(req->db, req->user.id, &u), 200,
	    &u);
}

/* PATCH /api/auth/me {name?, phone?, locale?}: 200 with the account;
 * 400 for a locale we do not speak. */
static enum err
h_me_patch(struct req *req)
{
	struct user	 u;
	enum err	 e;

	e = account_profile_set(req->db, tfmt_now(), req->user.id,
	    opt(req, PF_NAME), opt(req, PF_PHONE), opt(req, PF_LOCALE), &u);
	if (e == ERR_BAD_REQUEST)
		cJSON_AddStringToObject(req->field_errs, "locale",
		    "must be sv, en, de or fr");
	return user_reply(req, e, 200, &u);
}

/* GET /api/auth/profile (seed 004): 200 with the profile. */
static enum err
h_profile(struct req *req)
{
	struct user	 u;
	enum err	 e;

	if ((e = account_get(req->db, req->user.id, &u)) != ERR_OK)
		return e;
	return http_json(req, 200, account_profile_json(&u));
}

/*
 * PUT|PATCH /api/auth/profile {first_name?, last_name?, phone_number?,
 * locale?}: 200 with the profile.  Both change only what is given, as
 * seed 004's upstream does (none of its writable fields is required);
 * the read-only ones (email, user_type, ...) are ignored.  400 for a
 * locale we do not speak.
 */
static enum err
h_profile_update(struct req *req)
{
	struct account_profile	 in = { opt(req, PS_FIRST), opt(req, PS_LAST),
				    opt(req, PS_PHONE), opt(req, PS_LOCALE) };
	struct user		 u;
	enum err		 e;

	e = account_profile_update(req->db, tfmt_now(), req->user.id, &in, &u);
	if (e == ERR_BAD_REQUEST)
		return invalid(req, "locale", "must be sv, en, de or fr");
	if (e != ERR_OK)
		return e;
	return http_json(req, 200, account_profile_json(&u));
}

/*
 * POST /api/auth/change-password {old_password, new_password,
 * new_password_confirm} (seed 004), and POST /api/auth/password
 * {current_password, password, password_confirmation} (seed 000; the
 * same change under billet-jo's names): 200 {"message"} beside the account;
 * 400 with field_errors when the two new ones differ, the new one is the
 * old one, the old one is wrong, or the new one is weak
 * (WEAK_PASSWORD).  Every other session and every refresh token of the
 * account ends.
 */
static enum err
h_change_password(struct req *req)
{
	/* Seed 004's field names or seed 000's: the route's table. */
	const struct field_spec	*name = req->route->fields;
	struct user		 u;
	cJSON			*o;
	const char		*reason;
	enum err		 e;

	if (strcmp(req->f[CP_NEW].s, req->f[CP_CONFIRM].s) != 0)
		return invalid(req, name[CP_CONFIRM].name,
		    "New passwords do not match");
	if (strcmp(req->f[CP_OLD].s, req->f[CP_NEW].s) == 0)
		return invalid(req, name[CP_NEW].name,
		    "New password must be different from old password.");
	e = account_password_change(req->db, tfmt_now(), req->user.id,
	    req->user.session_id, req->f[CP_OLD].s, req->f[CP_NEW].s, &u,
	    &reason);
	if (e == ERR_INVALID_CREDENTIALS)
		return invalid(req, name[CP_OLD].name,
		    "Current password is incorrect");
	if ((e = weak(req, e, name[CP_NEW].name, reason)) != ERR_OK)
		return e;
	o = account_json(&u);
	cJSON_AddStringToObject(o, "message", "Password changed successfully");
	return http_json(req, 200, o);
}

/* POST /api/auth/password-reset {email}: 202 always; a link is mailed
 * when the account exists. */
static enum err
h_reset(struct req *req)
{
	int	 queued;

	return accepted(req, account_reset_request(req->db, tfmt_now(),
	    req->f[EM_EMAIL].s, &queued), &queued, 202, NULL);
}

/*
 * POST /api/auth/password-reset/confirm {token, new_password}: 200; 401
 * TOKEN_INVALID for unknown, expired or used tokens; 400 WEAK_PASSWORD.
 * Every session of the account ends.
 */
static enum err
h_reset_confirm(struct req *req)
{
	struct user	 u;
	const char	*reason;
	enum err	 e;

	e = account_reset_confirm(req->db, tfmt_now(), req->f[RC_TOKEN].s,
	    req->f[RC_NEW].s, &u, &reason);
	return user_reply(req, weak(req, e, "new_password", reason), 200, &u);
}

/* The reset form, with an optional message. */
static enum err
reset_page(struct req *req, int status, const char *token, const char *error)
{
	cJSON	*ctx = cJSON_CreateObject();

	cJSON_AddStringToObject(ctx, "token", token != NULL ? token : "");
	if (error != NULL)
		cJSON_AddStringToObject(ctx, "error", error);
	return page_render(req, status, "reset", ctx);
}

/* GET /reset-password?token=: the new-password form. */
static enum err
h_reset_page(struct req *req)
{
	return reset_page(req, 200, req->f[RP_TOKEN].present ?
	    req->f[RP_TOKEN].s : "", NULL);
}

/*
 * POST /reset-password (token, new_password, csrf): a confirmation page,
 * or the form again saying why not.
 */
static enum err
h_reset_form(struct req *req)
{
	struct user	 u;
	cJSON		*ctx;
	const char	*reason;
	const char	*token = req->f[RF2_TOKEN].present ? req->f[RF2_TOKEN].s :
			    "";
	enum err	 e;

	if (!req->f[RF2_PASSWORD].present)
		return reset_page(req, 400, token, page_t(req,
		    "The password must be at least 10 characters long."));
	e = account_reset_confirm(req->db, tfmt_now(), token,
	    req->f[RF2_PASSWORD].s, &u, &reason);
	if (e == ERR_WEAK_PASSWORD)
		return reset_page(req, 400, token, page_t(req, reason));
	if (e == ERR_TOKEN_INVALID)
		return reset_page(req, 400, token, page_t(req,
		    "The link is invalid or has expired. Ask for a new one."));
	if (e != ERR_OK)
		return e;
	ctx = cJSON_CreateObject();
	cJSON_AddStringToObject(ctx, "title", page_t(req, "Password changed"));
	cJSON_AddStringToObject(ctx, "message", page_t(req,
	    "Your new password works now; sign in with it."));
	return page_render(req, 200, "message", ctx);
}

/*
 * POST /api/auth/token/refresh {refresh?} (or refresh_token, or the
 * refresh_token cookie): 200 {"access", "refresh"} with a new access
 * and the next refresh token, also as cookies (the refresh cookie too:
 * the one it held is spent now, and sending it again would be reuse);
 * 400 without a refresh token; 401 TOKEN_INVALID; 401 TOKEN_REUSED when
 * a spent token comes back (its whole family is revoked).
 */
static enum err
h_refresh(struct req *req)
{
	struct account_tokens	 tok;
	const char		*refresh = refresh_given(req);
	cJSON			*o;
	enum err		 e;

	if (refresh == NULL)
		return invalid(req, "refresh", "is required");
	if ((e = account_refresh(req->db, tfmt_now(), refresh, &tok)) !=
	    ERR_OK)
		return e;
	o = cJSON_CreateObject();
	return tokens_reply(req, o, o, &tok);
}

/*
 * POST /api/auth/2fa/setup: a new secret (pending until enabled) as an
 * otpauth:// URI and a QR code PNG (base64).  403 when two-factor
 * authentication is already on; 503 without a secret_key.
 */
static enum err
h_2fa_setup(struct req *req)
{
	const char	*uri, *png;
	cJSON		*o;
	enum err	 e;

	if ((e = account_2fa_setup(req->db, req->pool, req->user.id, &uri,
	    &png)) != ERR_OK)
		return e;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "otpauth_uri", uri);
	cJSON_AddStringToObject(o, "qr_png", png);
	return http_json(req, 200, o);
}

/*
 * POST /api/auth/2fa/enable {code}: turns 2FA on once a code from the
 * pending secret checks out; 200 with ten recovery codes, shown once.
 * 403 without a pending setup; 401 TOTP_INVALID.
 */
static enum err
h_2fa_enable(struct req *req)
{
	char		 codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 2];
	cJSON		*o, *list;
	enum err	 e;
	int		 i;

	if ((e = account_2fa_enable(req->db, tfmt_now(), req->user.id,
	    req->f[TC_CODE].s, codes)) != ERR_OK)
		return e;
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "two_factor_enabled", 1);
	list = cJSON_AddArrayToObject(o, "recovery_codes");
	for (i = 0; i < RECOVERY_CODES; i++)
		cJSON_AddItemToArray(list, cJSON_CreateString(codes[i]));
	sodium_memzero(codes, sizeof(codes));
	return http_json(req, 200, o);
}

/* POST /api/auth/2fa/disable {password}: 200; 401 on a wrong password. */
static enum err
h_2fa_disable(struct req *req)
{
	struct user	 u;

	return user_reply(req, account_2fa_disable(req->db, req->user.id,
	    req->f[DP_PASSWORD].s, &u), 200, &u);
}

/*
 * POST /api/auth/email-change {new_email, password}: 202; a link goes
 * to the new address; 401 on a wrong password; 409 if the address
 * belongs to another account.
 */
static enum err
h_email_change(struct req *req)
{
	static const int	 queued = 1;

	return accepted(req, account_email_change(req->db, tfmt_now(),
	    req->user.id, req->f[EC_EMAIL].s, req->f[EC_PASSWORD].s), &queued,
	    202, NULL);
}

/*
 * GET /api/auth/email-change/confirm?token=: 302 to
 * /verification-result/email-changed, invalid or error.
 */
static enum err
h_email_confirm(struct req *req)
{
	enum err	 e;

	e = account_email_confirm(req->db, tfmt_now(), req->f[TK_TOKEN].s);
	if (e == ERR_TOKEN_INVALID || e == ERR_EMAIL_TAKEN)
		return verification_result(req, "invalid");
	return verification_result(req, e == ERR_OK ? "email-changed" :
	    "error");
}

/* POST /api/auth/email-change/cancel: 204; pending links stop working. */
static enum err
h_email_cancel(struct req *req)
{
	enum err	 e = account_email_cancel(req->db, tfmt_now(), req->user.id);

	return e != ERR_OK ? e : http_empty(req, 204);
}

/* GET /api/staff/whoami (staff and up): who and for which organizer. */
static enum err
h_whoami(struct req *req)
{
	struct user	 u;
	cJSON		*o;
	enum err	 e;

	if ((e = account_get(req->db, req->user.id, &u)) != ERR_OK)
		return e;
	o = account_json(&u);
	if (u.organizer_id != 0)
		cJSON_AddNumberToObject(o, "organizer_id",
		    (double)u.organizer_id);
	return http_json(req, 200, o);
}

/* One page of accounts (organizer_id 0: all), or the outcome. */
static enum err
list_users(struct req *req, int64_t organizer_id)
{
	cJSON		*doc;
	int64_t		 page, per;
	enum err	 e;

	paging(req, &page, &per);
	e = account_list(req->db, organizer_id, page, per, &doc);
	return e != ERR_OK ? e : http_json(req, 200, doc);
}

/* GET /api/organizer/staff: the caller's own staff, never another's. */
static enum err
h_staff_list(struct req *req)
{
	return list_users(req, req->user.id);
}

/*
 * POST /api/organizer/staff {name, email, password}: 201 with a staff
 * account working for the caller (verified: the organizer vouches); 400
 * WEAK_PASSWORD; 409 EMAIL_ALREADY_EXISTS.
 */
static enum err
h_staff_create(struct req *req)
{
	struct account_new	 in = { req->f[SC_NAME].s, req->f[SC_EMAIL].s,
				    req->f[SC_PASSWORD].s, NULL,
				    i18n_code(req->lang), NULL, NULL,
				    ROLE_STAFF };
	struct user		 u;
	const char		*reason;
	enum err		 e;

	e = account_staff_create(req->db, tfmt_now(), req->user.id, &in, &u,
	    &reason);
	return user_reply(req, weak(req, e, "password", reason), 201, &u);
}

/*
 * POST /api/users/employees {firstname, lastname, email, password,
 * password_confirmation} (seed 000, admins): a verified staff account
 * working for the admin, 201 with it; 400 when the passwords differ or
 * the password is weak; 409 EMAIL_ALREADY_EXISTS.
 */
static enum err
h_employee_create(struct req *req)
{
	struct account_new	 in = { NULL, req->f[EM0_EMAIL].s,
				    req->f[EM0_PASSWORD].s, NULL,
				    i18n_code(req->lang), req->f[EM0_FIRST].s,
				    req->f[EM0_LAST].s, ROLE_STAFF };
	struct user		 u;
	const char		*reason;
	enum err		 e;

	if (strcmp(req->f[EM0_PASSWORD].s, req->f[EM0_CONFIRM].s) != 0)
		return invalid(req, "password_confirmation",
		    "New passwords do not match");
	e = account_staff_create(req->db, tfmt_now(), req->user.id, &in, &u,
	    &reason);
	return user_reply(req, weak(req, e, "password", reason), 201, &u);
}

/*
 * Door credentials (lib/scanner.h).  An organizer touches only their own
 * scanners and staff; an admin acts for any organizer.  Another
 * organizer's is a 404, as if it did not exist.
 */
static int64_t
door_owner(const struct req *req)
{
	return req->user.role == ROLE_ADMIN ? 0 : req->user.id;
}

/* A refused field: e with the reason, translated, under field_errors. */
static enum err
door_refused(struct req *req, enum err e, const struct scanner_bad *bad)
{
	if (e != ERR_BAD_REQUEST || bad->field == NULL)
		return e;
	cJSON_AddStringToObject(http_field_errs(req), bad->field,
	    i18n_get(req->lang, bad->reason));
	return e;
}

/* The events and is_active fields of f into in (absent: unchanged). */
static void
door_scope_in(const struct field_val *events, const struct field_val *active,
    struct scanner_in *in)
{
	in->set_events = events->present;
	in->events = events->ids;
	in->nevents = events->present ? events->nitems : 0;
	in->active = active->present ? (int)active->i : -1;
}

/* The scanner id as the caller may see it: 200 (or status), or 404. */
static enum err
scanner_reply(struct req *req, int status, int64_t id, const char *password)
{
	cJSON		*doc;
	enum err	 e;

	if ((e = scanner_get(req->db, door_owner(req), id, &doc)) != ERR_OK)
		return e;
	if (password != NULL && password[0] != '\0')
		cJSON_AddStringToObject(doc, "password", password);
	return http_json(req, status, doc);
}

/*
 * PATCH /api/organizer/staff/{id} {events?, is_active?}: 200 with the
 * account, its "organizer_id", "all_events" and "events"; "events" []
 * lets them scan every event of their organizer, a list only those;
 * is_active false ends their sessions at once.  404 unless it is the
 * caller's staff (admins: anyone's); 400 for an event not theirs.
 */
static enum err
h_staff_patch(struct req *req)
{
	struct scanner_in	 in;
	struct scanner_bad	 bad = { NULL, NULL };
	struct user		 u;
	cJSON			*o, *scope, *item;
	enum err		 e;

	memset(&in, 0, sizeof(in));
	door_scope_in(&req->f[SP_EVENTS], &req->f[SP_ACTIVE], &in);
	e = scanner_staff_update(req->db, tfmt_now(), door_owner(req), req->id,
	    &in, &u, &scope, &bad);
	if (e != ERR_OK)
		return door_refused(req, e, &bad);
	o = account_json(&u);
	cJSON_AddNumberToObject(o, "organizer_id", (double)u.organizer_id);
	while ((item = scope->child) != NULL)
		cJSON_AddItemToObject(o, item->string,
		    cJSON_DetachItemViaPointer(scope, item));
	cJSON_Delete(scope);
	return http_json(req, 200, o);
}

/* GET /api/organizer/scanners: the caller's scanners (admins: all). */
static enum err
h_scanners(struct req *req)
{
	cJSON		*doc;
	int64_t		 page, per;
	enum err	 e;

	paging(req, &page, &per);
	e = scanner_list(req->db, door_owner(req), page, per, &doc);
	return e != ERR_OK ? e : http_json(req, 200, doc);
}

/*
 * POST /api/organizer/scanners {name, password?, events?,
 * organizer_id?}: 201 with the scanner, and "password" once when none
 * was chosen (20 letters; only its hash is kept).  It admits the
 * caller's events: all, or with "events" only those.  An admin names the
 * organizer in "organizer_id" (site-wide scanners are the operator's,
 * `biljett scanner-add --site-wide`).  400 for a taken name, a weak or
 * unusable password, an event not the organizer's; 503 NOT_CONFIGURED
 * without a secret_key.
 */
static enum err
h_scanner_create(struct req *req)
{
	static const struct field_val	 absent;
	struct scanner_in	 in;
	struct scanner_bad	 bad = { NULL, NULL };
	struct field_val	*org = &req->f[SN_ORGANIZER];
	char			 generated[SCANNER_PASSWORD_LEN + 1];
	int64_t			 organizer_id = req->user.id, id;
	enum err		 e;

	if (req->user.role == ROLE_ADMIN && !org->present)
		bad.reason = "is required";
	else if (req->user.role == ROLE_ADMIN)
		organizer_id = org->i;
	else if (org->present && org->i != req->user.id)
		bad.reason = "only an admin may choose the organizer";
	if (bad.reason != NULL) {
		bad.field = "organizer_id";
		return door_refused(req, ERR_BAD_REQUEST, &bad);
	}
	memset(&in, 0, sizeof(in));
	in.name = req->f[SN_NAME].s;
	in.password = req->f[SN_PASSWORD].present ? req->f[SN_PASSWORD].s :
	    NULL;
	door_scope_in(&req->f[SN_EVENTS], &absent, &in);
	e = scanner_create(req->db, tfmt_now(), organizer_id, &in, generated,
	    &id, &bad);
	if (e == ERR_OK)
		e = scanner_reply(req, 201, id, generated);
	sodium_memzero(generated, sizeof(generated));
	return door_refused(req, e, &bad);
}

/* GET /api/organizer/scanners/{id}: 200, or 404 unless the caller's. */
static enum err
h_scanner_get(struct req *req)
{
	return scanner_reply(req, 200, req->id, NULL);
}

/*
 * PATCH /api/organizer/scanners/{id} {name?, events?, is_active?}: 200
 * with the scanner.  is_active false ends its sessions at once (the
 * door page is signed out, the password refused).  404 unless the
 * caller's; 400 as for creating.
 */
static enum err
h_scanner_patch(struct req *req)
{
	struct scanner_in	 in;
	struct scanner_bad	 bad = { NULL, NULL };
	enum err		 e;

	memset(&in, 0, sizeof(in));
	in.name = req->f[SC2_NAME].present ? req->f[SC2_NAME].s : NULL;
	door_scope_in(&req->f[SC2_EVENTS], &req->f[SC2_ACTIVE], &in);
	e = scanner_update(req->db, tfmt_now(), door_owner(req), req->id, &in,
	    &bad);
	return e != ERR_OK ? door_refused(req, e, &bad) :
	    scanner_reply(req, 200, req->id, NULL);
}

/* DELETE /api/organizer/scanners/{id}: 204; its sessions end at once,
 * its name is free again.  404 unless the caller's. */
static enum err
h_scanner_delete(struct req *req)
{
	enum err	 e;

	e = scanner_delete(req->db, tfmt_now(), door_owner(req), req->id);
	return e != ERR_OK ? e : http_empty(req, 204);
}

/* GET /api/admin/users (admin): every account, paginated. */
static enum err
h_users(struct req *req)
{
	return list_users(req, 0);
}

/* POST /api/admin/users/{id}/deactivate (admin): 200, off at once; 404
 * for an unknown id. */
static enum err
h_deactivate(struct req *req)
{
	struct user	 u;
	int64_t		 id;

	id = req->id;
	return user_reply(req, account_deactivate(req->db, tfmt_now(), id, &u),
	    200, &u);
}

int
main(int argc, char *argv[])
{
	static const struct app app = { "auth", routes, nitems(routes), NULL };

	return route_main(argc, argv, &app);
}
