/*
 * auth: accounts, sign-in, tokens and two-factor authentication under
 * /api/auth/, and one route of each role to show the gate at work.
 *
 *	POST  /api/auth/register		GET /api/auth/verify-email
 *	POST  /api/auth/resend-verification	POST /api/auth/login
 *	POST  /api/auth/logout			GET|PATCH /api/auth/me
 *	POST  /api/auth/change-password		POST /api/auth/password-reset
 *	POST  /api/auth/password-reset/confirm	POST /api/auth/token/refresh
 *	POST  /api/auth/2fa/setup|enable|disable
 *	POST  /api/auth/email-change		GET /api/auth/email-change/confirm
 *	POST  /api/auth/email-change/cancel
 *	GET   /api/staff/whoami (staff)		GET|POST /api/organizer/staff
 *	GET   /api/admin/users (admin)		POST /api/admin/users/{id}/deactivate
 *
 * Passwords are hashed (argon2id, ~50 ms) before any transaction opens,
 * so the write lock is never held while hashing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "arena.h"
#include "auth.h"
#include "catalog.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "http.h"
#include "route.h"
#include "i18n.h"
#include "limits.h"
#include "log.h"
#include "outbox.h"
#include "page.h"
#include "qr.h"
#include "seal.h"
#include "session.h"
#include "spawn.h"
#include "tfmt.h"
#include "totp.h"
#include "user.h"

#define VERIFY_SECONDS		(24 * 3600)
#define RESET_SECONDS		3600
#define EMAIL_CHANGE_SECONDS	(24 * 3600)

static enum err	h_register(struct req *);
static enum err	h_verify(struct req *);
static enum err	h_resend(struct req *);
static enum err	h_login(struct req *);
static enum err	h_logout(struct req *);
static enum err	h_me(struct req *);
static enum err	h_me_patch(struct req *);
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
static enum err	h_users(struct req *);
static enum err	h_deactivate(struct req *);
static enum err	h_org_events(struct req *);
static enum err	h_org_event(struct req *);
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

enum { PF_NAME, PF_PHONE, PF_LOCALE, PF__MAX };
static const struct field_spec profile_fields[PF__MAX] = {
	[PF_NAME] = { "name", FIELD_STRING, 0, 1, NAME_MAX_LEN, NULL, 0 },
	[PF_PHONE] = { "phone", FIELD_STRING, 0, 0, PHONE_MAX, NULL, 0 },
	[PF_LOCALE] = { "locale", FIELD_STRING, 0, 2, 2, NULL, 0 },
};

enum { CP_CURRENT, CP_NEW, CP__MAX };
static const struct field_spec change_fields[CP__MAX] = {
	[CP_CURRENT] = PW("current_password", FIELD_REQUIRED),
	[CP_NEW] = PW("new_password", FIELD_REQUIRED),
};

enum { RC_TOKEN, RC_NEW, RC__MAX };
static const struct field_spec reset_confirm_fields[RC__MAX] = {
	[RC_TOKEN] = TOKEN(0),
	[RC_NEW] = PW("new_password", FIELD_REQUIRED),
};

enum { RF_TOKEN, RF__MAX };
static const struct field_spec refresh_fields[RF__MAX] = {
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

enum { PG_PAGE, PG_PER_PAGE, PG__MAX };
static const struct field_spec page_fields[PG__MAX] = {
	[PG_PAGE] = { "page", FIELD_INT, FIELD_QUERY, 1, PAGE_MAX, NULL, 0 },
	[PG_PER_PAGE] = { "per_page", FIELD_INT, FIELD_QUERY, 1, PER_PAGE_MAX,
	    NULL, 0 },
};

#define R(m, p, h, a, f, n)	{ METHOD_##m, p, h, a, STYLE_API, f, n, 0, ERR_OK }
static const struct route routes[] = {
	R(POST, "/api/auth/register", h_register, AUTH_NONE, register_fields,
	    RG__MAX),
	R(GET, "/api/auth/verify-email", h_verify, AUTH_NONE,
	    query_token_fields, TK__MAX),
	R(POST, "/api/auth/resend-verification", h_resend, AUTH_NONE,
	    email_fields, EM__MAX),
	R(POST, "/api/auth/login", h_login, AUTH_NONE, login_fields, LG__MAX),
	R(POST, "/api/auth/logout", h_logout, AUTH_USER, refresh_fields,
	    RF__MAX),
	R(GET, "/api/auth/me", h_me, AUTH_USER, NULL, 0),
	R(PATCH, "/api/auth/me", h_me_patch, AUTH_USER, profile_fields,
	    PF__MAX),
	R(POST, "/api/auth/change-password", h_change_password, AUTH_USER,
	    change_fields, CP__MAX),
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
	R(GET, "/api/organizer/events", h_org_events, AUTH_ORGANIZER,
	    page_fields, PG__MAX),
	{ METHOD_GET, "/api/organizer/events/{id}", h_org_event,
	    AUTH_ORGANIZER, STYLE_API, NULL, 0, 0, ERR_EVENT_NOT_FOUND },
	R(GET, "/api/admin/users", h_users, AUTH_ADMIN, page_fields, PG__MAX),
	R(POST, "/api/admin/users/{id}/deactivate", h_deactivate, AUTH_ADMIN,
	    NULL, 0),
	/* Where the reset mail's link lands: a plain form. */
	{ METHOD_GET, "/reset-password", h_reset_page, AUTH_NONE, STYLE_PAGE,
	    reset_page_fields, RP__MAX, 0, ERR_OK },
	{ METHOD_POST, "/reset-password", h_reset_form, AUTH_NONE, STYLE_PAGE,
	    reset_form_fields, RF2__MAX, ROUTE_FORM, ERR_OK },
};

/* A write transaction around fn-like steps: begin, or the outcome. */
static enum err
begin(struct req *req)
{
	enum db_rc	 rc = db_tx_immediate(req->db);

	return err_from_db(rc);
}

static enum err
commit(struct req *req)
{
	enum db_rc	 rc = db_tx_commit(req->db);

	return err_from_db(rc);
}

static enum err
fail(struct req *req, enum err e)
{
	db_tx_rollback(req->db);
	return e;
}

/* The public face of an account. */
static cJSON *
user_json(const struct user *u)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)u->id);
	cJSON_AddStringToObject(o, "email", u->email);
	cJSON_AddStringToObject(o, "name", u->name);
	if (u->phone[0] != '\0')
		cJSON_AddStringToObject(o, "phone", u->phone);
	else
		cJSON_AddNullToObject(o, "phone");
	cJSON_AddStringToObject(o, "locale", u->locale);
	cJSON_AddStringToObject(o, "role", role_str(u->role));
	cJSON_AddBoolToObject(o, "is_active", u->is_active);
	cJSON_AddBoolToObject(o, "email_verified", u->verified_at != 0);
	cJSON_AddBoolToObject(o, "two_factor_enabled", u->totp_enabled);
	return o;
}

/* A weak password: 400 with the reason under fields.<name>. */
static enum err
weak(struct req *req, const char *field, const char *reason)
{
	if (req->field_errs == NULL)
		req->field_errs = cJSON_CreateObject();
	cJSON_AddStringToObject(req->field_errs, field,
	    i18n_get(req->lang, reason));
	return ERR_WEAK_PASSWORD;
}

/*
 * Queues an account mail with its token sealed, inside the open
 * transaction.  ERR_NOT_CONFIGURED without a secret_key.
 */
static enum err
queue_mail(struct req *req, const char *kind, const struct user *u,
    const char *to, const char *token)
{
	char		*sealed;
	enum db_rc	 rc;

	if ((sealed = seal(token, strlen(token))) == NULL) {
		log_err("account mail needs secret_key in the configuration");
		return ERR_NOT_CONFIGURED;
	}
	rc = outbox_queue_account(req->db, kind, u->id, to, u->locale, sealed,
	    tfmt_now());
	free(sealed);
	return rc == DB_OK ? ERR_OK : ERR_INTERNAL;
}

/*
 * POST /api/auth/register {name, email, password, phone?, locale?}.
 * 201 with the account (unverified; a link is mailed); 400 invalid or
 * WEAK_PASSWORD; 409 EMAIL_ALREADY_EXISTS.
 */
static enum err
h_register(struct req *req)
{
	struct user	 u;
	const char	*reason;
	char		 token[TOKEN_HEX_LEN + 1];
	enum db_rc	 rc;
	enum err	 e;

	memset(&u, 0, sizeof(u));
	snprintf(u.email, sizeof(u.email), "%s", req->f[RG_EMAIL].s);
	user_fold_email(u.email);
	if ((reason = user_password_weak(req->f[RG_PASSWORD].s, u.email)) !=
	    NULL)
		return weak(req, "password", reason);
	snprintf(u.name, sizeof(u.name), "%s", req->f[RG_NAME].s);
	if (req->f[RG_PHONE].present)
		snprintf(u.phone, sizeof(u.phone), "%s", req->f[RG_PHONE].s);
	snprintf(u.locale, sizeof(u.locale), "%s",
	    req->f[RG_LOCALE].present && i18n_parse(req->f[RG_LOCALE].s) !=
	    LANG__MAX ? req->f[RG_LOCALE].s : i18n_code(req->lang));
	u.role = ROLE_CUSTOMER;
	u.is_active = 1;
	if (crypto_pw_hash(req->f[RG_PASSWORD].s, u.password_hash) == -1)
		return ERR_INTERNAL;

	if ((e = begin(req)) != ERR_OK)
		return e;
	if ((rc = user_create(req->db, &u, tfmt_now(), &u.id)) == DB_CONSTRAINT)
		return fail(req, ERR_EMAIL_TAKEN);
	if (rc != DB_OK ||
	    user_token_issue(req->db, u.id, TOKEN_VERIFY, NULL, tfmt_now(),
	    VERIFY_SECONDS, token) != DB_OK)
		return fail(req, ERR_INTERNAL);
	if ((e = queue_mail(req, "verify", &u, u.email, token)) != ERR_OK)
		return fail(req, e);
	sodium_memzero(token, sizeof(token));
	if ((e = commit(req)) != ERR_OK)
		return e;
	spawn_cli(req->conf, "mail");
	return http_json(req, 201, user_json(&u));
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
 * GET /api/auth/verify-email?token=: 302 to success, invalid,
 * already-verified or error.
 */
static enum err
h_verify(struct req *req)
{
	struct user	 u;
	int64_t		 user_id;
	enum db_rc	 rc;

	if (begin(req) != ERR_OK)
		return verification_result(req, "error");
	rc = user_token_use(req->db, TOKEN_VERIFY, req->f[TK_TOKEN].s,
	    tfmt_now(), &user_id, NULL);
	if (rc == DB_CONSTRAINT) {
		db_tx_rollback(req->db);
		return verification_result(req, user_by_id(req->db, user_id, &u)
		    == DB_OK && u.verified_at ? "already-verified" : "invalid");
	}
	if (rc == DB_NOTFOUND) {
		db_tx_rollback(req->db);
		return verification_result(req, "invalid");
	}
	if (rc != DB_OK || user_set_verified(req->db, user_id, tfmt_now()) !=
	    DB_OK || db_tx_commit(req->db) != DB_OK) {
		db_tx_rollback(req->db);
		return verification_result(req, "error");
	}
	return verification_result(req, "success");
}

/* The same answer whether or not the address has an account. */
static enum err
accepted(struct req *req)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "status", "accepted");
	return http_json(req, 202, o);
}

/* POST /api/auth/resend-verification {email}: 202 always. */
static enum err
h_resend(struct req *req)
{
	struct user	 u;
	char		 email[EMAIL_MAX + 1], token[TOKEN_HEX_LEN + 1];
	enum err	 e;

	snprintf(email, sizeof(email), "%s", req->f[EM_EMAIL].s);
	user_fold_email(email);
	if ((e = begin(req)) != ERR_OK)
		return e;
	if (user_by_email(req->db, email, &u) != DB_OK || u.verified_at != 0) {
		db_tx_rollback(req->db);
		return accepted(req);
	}
	if (user_token_issue(req->db, u.id, TOKEN_VERIFY, NULL, tfmt_now(),
	    VERIFY_SECONDS, token) != DB_OK ||
	    (e = queue_mail(req, "verify", &u, u.email, token)) != ERR_OK ||
	    (e = commit(req)) != ERR_OK)
		return fail(req, e != ERR_OK ? e : ERR_INTERNAL);
	spawn_cli(req->conf, "mail");
	return accepted(req);
}

/*
 * Checks the second factor of u: a TOTP code never used before, or an
 * unused recovery code.  Inside a write transaction.
 */
static enum err
second_factor(struct req *req, const struct user *u, const char *code,
    const char *recovery)
{
	char		*secret;
	size_t		 len;
	int64_t		 step;
	enum db_rc	 rc;

	if (recovery != NULL)
		return recovery_use(req->db, u->id, recovery, tfmt_now()) ==
		    DB_OK ? ERR_OK : ERR_TOTP_INVALID;
	if (code == NULL)
		return ERR_TOTP_REQUIRED;
	if ((secret = unseal(u->totp_sealed, &len)) == NULL)
		return ERR_NOT_CONFIGURED;
	step = totp_check((unsigned char *)secret, len, tfmt_now(), code);
	sodium_memzero(secret, len);
	free(secret);
	if (step == 0)
		return ERR_TOTP_INVALID;
	/* A code is good once: its step must be newer than the last. */
	rc = user_use_totp_step(req->db, u->id, step);
	return rc == DB_OK ? ERR_OK : rc == DB_CONSTRAINT ? ERR_TOTP_INVALID :
	    ERR_INTERNAL;
}

/* A hash to verify against when the account does not exist, so both
 * answers take as long. */
static const char *
dummy_hash(void)
{
	static char	 hash[PWHASH_MAX];

	if (hash[0] == '\0' && crypto_pw_hash("biljett-no-such-user", hash)
	    == -1)
		hash[0] = '\0';
	return hash;
}

/*
 * POST /api/auth/login {email, password, remember_me?, client?
 * ("browser": the sessionid cookie; otherwise tokens), totp_code?,
 * recovery_code?}.  200 with the account (and tokens); 401
 * INVALID_CREDENTIALS, TOTP_REQUIRED, TOTP_INVALID; 403
 * EMAIL_NOT_VERIFIED, ACCOUNT_DISABLED; 429 TOO_MANY_ATTEMPTS with
 * Retry-After after repeated failures.
 */
static enum err
h_login(struct req *req)
{
	struct user	 u;
	cJSON		*o;
	char		 email[EMAIL_MAX + 1], access[TOKEN_HEX_LEN + 1];
	char		 refresh[TOKEN_HEX_LEN + 1];
	int64_t		 now = tfmt_now();
	int		 found, ok, browser;
	enum err	 e;

	snprintf(email, sizeof(email), "%s", req->f[LG_EMAIL].s);
	user_fold_email(email);
	found = user_by_email(req->db, email, &u) == DB_OK;
	if (found && u.locked_until > now) {
		req->err_count = u.locked_until - now;
		return ERR_TOO_MANY_ATTEMPTS;
	}
	ok = crypto_pw_verify(found ? u.password_hash : dummy_hash(),
	    req->f[LG_PASSWORD].s) && found;
	if ((e = begin(req)) != ERR_OK)
		return e;
	/* Reread inside the transaction: counters may have moved. */
	if (found && user_by_id(req->db, u.id, &u) != DB_OK)
		return fail(req, ERR_INTERNAL);
	if (!ok) {
		if (found && (user_login_failed(req->db, &u, now) != DB_OK ||
		    db_tx_commit(req->db) != DB_OK))
			return fail(req, ERR_INTERNAL);
		db_tx_rollback(req->db);
		log_info("login failed for an account%s", found ? "" :
		    " that does not exist");
		return ERR_INVALID_CREDENTIALS;
	}
	if (!u.is_active)
		return fail(req, ERR_ACCOUNT_DISABLED);
	if (u.verified_at == 0)
		return fail(req, ERR_EMAIL_NOT_VERIFIED);
	if (u.totp_enabled && (e = second_factor(req, &u,
	    req->f[LG_TOTP].present ? req->f[LG_TOTP].s : NULL,
	    req->f[LG_RECOVERY].present ? req->f[LG_RECOVERY].s : NULL)) !=
	    ERR_OK) {
		if (e == ERR_TOTP_INVALID &&
		    user_login_failed(req->db, &u, now) == DB_OK &&
		    db_tx_commit(req->db) == DB_OK)
			return e;
		return fail(req, e);
	}
	browser = req->f[LG_CLIENT].present &&
	    strcmp(req->f[LG_CLIENT].s, "browser") == 0;
	if (user_login_ok(req->db, u.id) != DB_OK)
		return fail(req, ERR_INTERNAL);
	e = browser ? auth_start_browser(req, &u, req->f[LG_REMEMBER].present &&
	    req->f[LG_REMEMBER].i) : auth_start_api(req, &u, access, refresh);
	if (e != ERR_OK || (e = commit(req)) != ERR_OK)
		return fail(req, e);

	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "user", user_json(&u));
	if (!browser) {
		cJSON_AddStringToObject(o, "token_type", "Bearer");
		cJSON_AddStringToObject(o, "access_token", access);
		cJSON_AddNumberToObject(o, "expires_in", ACCESS_SECONDS);
		cJSON_AddStringToObject(o, "refresh_token", refresh);
	}
	return http_json(req, 200, o);
}

/* POST /api/auth/logout {refresh_token?}: 204; the session ends. */
static enum err
h_logout(struct req *req)
{
	enum err	 e;

	if ((e = begin(req)) != ERR_OK)
		return e;
	if (sess_revoke(req->db, req->user.session_id, tfmt_now()) != DB_OK)
		return fail(req, ERR_INTERNAL);
	if (req->f[RF_TOKEN].present)
		(void)rt_revoke_family_of(req->db, req->f[RF_TOKEN].s,
		    tfmt_now());
	if ((e = commit(req)) != ERR_OK)
		return e;
	if (req->user.by_cookie)
		(void)http_set_cookie(req, SESSION_COOKIE, "", 0);
	return http_empty(req, 204);
}

static enum err
me(struct req *req, int status)
{
	struct user	 u;

	if (user_by_id(req->db, req->user.id, &u) != DB_OK)
		return ERR_INTERNAL;
	return http_json(req, status, user_json(&u));
}

/* GET /api/auth/me: 200 with the account; 401 without credentials. */
static enum err
h_me(struct req *req)
{
	return me(req, 200);
}

/* PATCH /api/auth/me {name?, phone?, locale?}: 200 with the account. */
static enum err
h_me_patch(struct req *req)
{
	struct user	 u;
	enum err	 e;

	if ((e = begin(req)) != ERR_OK)
		return e;
	if (user_by_id(req->db, req->user.id, &u) != DB_OK)
		return fail(req, ERR_INTERNAL);
	if (req->f[PF_LOCALE].present &&
	    i18n_parse(req->f[PF_LOCALE].s) == LANG__MAX) {
		db_tx_rollback(req->db);
		cJSON_AddStringToObject(req->field_errs, "locale",
		    "must be sv, en, de or fr");
		return ERR_BAD_REQUEST;
	}
	if (user_set_profile(req->db, u.id, req->f[PF_NAME].present ?
	    req->f[PF_NAME].s : u.name, req->f[PF_PHONE].present ?
	    req->f[PF_PHONE].s : u.phone, req->f[PF_LOCALE].present ?
	    req->f[PF_LOCALE].s : u.locale, tfmt_now()) != DB_OK)
		return fail(req, ERR_INTERNAL);
	if ((e = commit(req)) != ERR_OK)
		return e;
	return me(req, 200);
}

/*
 * POST /api/auth/change-password {current_password, new_password}: 200;
 * every other session and every refresh token of the account ends.
 */
static enum err
h_change_password(struct req *req)
{
	struct user	 u;
	const char	*reason;
	char		 hash[PWHASH_MAX];
	enum err	 e;

	if (user_by_id(req->db, req->user.id, &u) != DB_OK)
		return ERR_INTERNAL;
	if (!crypto_pw_verify(u.password_hash, req->f[CP_CURRENT].s))
		return ERR_INVALID_CREDENTIALS;
	if ((reason = user_password_weak(req->f[CP_NEW].s, u.email)) != NULL)
		return weak(req, "new_password", reason);
	if (crypto_pw_hash(req->f[CP_NEW].s, hash) == -1)
		return ERR_INTERNAL;
	if ((e = begin(req)) != ERR_OK)
		return e;
	if (user_set_password(req->db, u.id, hash, tfmt_now()) != DB_OK ||
	    user_revoke_sessions(req->db, u.id, req->user.session_id,
	    tfmt_now()) != DB_OK)
		return fail(req, ERR_INTERNAL);
	if ((e = commit(req)) != ERR_OK)
		return e;
	return me(req, 200);
}

/* POST /api/auth/password-reset {email}: 202 always; a link is mailed
 * when the account exists. */
static enum err
h_reset(struct req *req)
{
	struct user	 u;
	char		 email[EMAIL_MAX + 1], token[TOKEN_HEX_LEN + 1];
	enum err	 e;

	snprintf(email, sizeof(email), "%s", req->f[EM_EMAIL].s);
	user_fold_email(email);
	if ((e = begin(req)) != ERR_OK)
		return e;
	if (user_by_email(req->db, email, &u) != DB_OK || !u.is_active) {
		db_tx_rollback(req->db);
		return accepted(req);
	}
	if (user_token_issue(req->db, u.id, TOKEN_RESET, NULL, tfmt_now(),
	    RESET_SECONDS, token) != DB_OK ||
	    (e = queue_mail(req, "reset", &u, u.email, token)) != ERR_OK ||
	    (e = commit(req)) != ERR_OK)
		return fail(req, e != ERR_OK ? e : ERR_INTERNAL);
	spawn_cli(req->conf, "mail");
	return accepted(req);
}

/*
 * POST /api/auth/password-reset/confirm {token, new_password}: 200; 401
 * TOKEN_INVALID for unknown, expired or used tokens; 400 WEAK_PASSWORD.
 * Every session of the account ends.
 */
static enum err
reset_password(struct req *req, const char *token, const char *password,
    struct user *u)
{
	const char	*reason;
	char		 hash[PWHASH_MAX];
	int64_t		 user_id;
	enum db_rc	 rc;
	enum err	 e;

	if (crypto_pw_hash(password, hash) == -1)
		return ERR_INTERNAL;
	if ((e = begin(req)) != ERR_OK)
		return e;
	rc = user_token_use(req->db, TOKEN_RESET, token, tfmt_now(), &user_id,
	    NULL);
	if (rc == DB_NOTFOUND || rc == DB_CONSTRAINT)
		return fail(req, ERR_TOKEN_INVALID);
	if (rc != DB_OK || user_by_id(req->db, user_id, u) != DB_OK)
		return fail(req, ERR_INTERNAL);
	if ((reason = user_password_weak(password, u->email)) != NULL) {
		db_tx_rollback(req->db);
		return weak(req, "new_password", reason);
	}
	if (user_set_password(req->db, u->id, hash, tfmt_now()) != DB_OK ||
	    user_revoke_sessions(req->db, u->id, 0, tfmt_now()) != DB_OK ||
	    user_login_ok(req->db, u->id) != DB_OK)
		return fail(req, ERR_INTERNAL);
	return commit(req);
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
	enum err	 e;

	if ((e = reset_password(req, req->f[RC_TOKEN].s, req->f[RC_NEW].s,
	    &u)) != ERR_OK)
		return e;
	return http_json(req, 200, user_json(&u));
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
	const cJSON	*reason;
	cJSON		*ctx;
	const char	*token = req->f[RF2_TOKEN].present ? req->f[RF2_TOKEN].s :
			    "";
	enum err	 e;

	if (!req->f[RF2_PASSWORD].present)
		return reset_page(req, 400, token, page_t(req,
		    "The password must be at least 10 characters long."));
	e = reset_password(req, token, req->f[RF2_PASSWORD].s, &u);
	if (e == ERR_WEAK_PASSWORD) {
		reason = cJSON_GetObjectItem(req->field_errs, "new_password");
		return reset_page(req, 400, token, cJSON_IsString(reason) ?
		    reason->valuestring : NULL);
	}
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
 * POST /api/auth/token/refresh {refresh_token}: 200 with a new access
 * and refresh token; 401 TOKEN_INVALID; 401 TOKEN_REUSED when a spent
 * token comes back (its whole family is revoked).
 */
static enum err
h_refresh(struct req *req)
{
	struct user	 u;
	cJSON		*o;
	char		 access[TOKEN_HEX_LEN + 1], next[TOKEN_HEX_LEN + 1];
	int64_t		 user_id;
	enum db_rc	 rc;
	enum err	 e;

	if (!req->f[RF_TOKEN].present)
		return ERR_TOKEN_INVALID;
	if ((e = begin(req)) != ERR_OK)
		return e;
	rc = rt_rotate(req->db, req->f[RF_TOKEN].s, tfmt_now(),
	    REFRESH_SECONDS, &user_id, next);
	if (rc == DB_CONSTRAINT) {
		/* Commit the revocation before answering. */
		if ((e = commit(req)) != ERR_OK)
			return e;
		log_warn("refresh token reused; family revoked");
		return ERR_TOKEN_REUSED;
	}
	if (rc == DB_NOTFOUND)
		return fail(req, ERR_TOKEN_INVALID);
	if (rc != DB_OK || user_by_id(req->db, user_id, &u) != DB_OK)
		return fail(req, ERR_INTERNAL);
	if (!u.is_active)
		return fail(req, ERR_ACCOUNT_DISABLED);
	if ((e = auth_start_api(req, &u, access, NULL)) != ERR_OK ||
	    (e = commit(req)) != ERR_OK)
		return fail(req, e);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "token_type", "Bearer");
	cJSON_AddStringToObject(o, "access_token", access);
	cJSON_AddNumberToObject(o, "expires_in", ACCESS_SECONDS);
	cJSON_AddStringToObject(o, "refresh_token", next);
	return http_json(req, 200, o);
}

/*
 * POST /api/auth/2fa/setup: a new secret (pending until enabled) as an
 * otpauth:// URI and a QR code PNG (base64).  409-like FORBIDDEN when
 * two-factor authentication is already on.
 */
static enum err
h_2fa_setup(struct req *req)
{
	struct user	 u;
	unsigned char	 secret[TOTP_SECRET_BYTES], *png = NULL;
	char		*sealed = NULL, *uri = NULL, *b64 = NULL;
	size_t		 pnglen = 0, b64len;
	cJSON		*o;
	enum err	 e = ERR_INTERNAL;

	if (user_by_id(req->db, req->user.id, &u) != DB_OK)
		return ERR_INTERNAL;
	if (u.totp_enabled)
		return ERR_FORBIDDEN;
	if (!seal_ready())
		return ERR_NOT_CONFIGURED;
	totp_new_secret(secret);
	if ((sealed = seal(secret, sizeof(secret))) == NULL ||
	    (uri = totp_uri(secret, sizeof(secret), "biljett", u.email)) ==
	    NULL || qr_png(uri, 4, &png, &pnglen) == -1)
		goto out;
	b64len = sodium_base64_ENCODED_LEN(pnglen,
	    sodium_base64_VARIANT_ORIGINAL);
	if ((b64 = malloc(b64len)) == NULL)
		goto out;
	sodium_bin2base64(b64, b64len, png, pnglen,
	    sodium_base64_VARIANT_ORIGINAL);
	if ((e = begin(req)) != ERR_OK)
		goto out;
	if (user_set_totp(req->db, u.id, sealed, 0) != DB_OK) {
		e = fail(req, ERR_INTERNAL);
		goto out;
	}
	if ((e = commit(req)) != ERR_OK)
		goto out;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "otpauth_uri", uri);
	cJSON_AddStringToObject(o, "qr_png", b64);
	e = http_json(req, 200, o);
out:
	sodium_memzero(secret, sizeof(secret));
	if (uri != NULL)
		sodium_memzero(uri, strlen(uri));
	free(uri);
	free(sealed);
	free(png);
	free(b64);
	return e;
}

/*
 * POST /api/auth/2fa/enable {code}: turns 2FA on once a code from the
 * pending secret checks out; 200 with ten recovery codes, shown once.
 */
static enum err
h_2fa_enable(struct req *req)
{
	char		 codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 2];
	struct user	 u;
	cJSON		*o, *list;
	enum err	 e;
	int		 i;

	if (user_by_id(req->db, req->user.id, &u) != DB_OK)
		return ERR_INTERNAL;
	if (u.totp_enabled || u.totp_sealed[0] == '\0')
		return ERR_FORBIDDEN;
	if ((e = begin(req)) != ERR_OK)
		return e;
	if ((e = second_factor(req, &u, req->f[TC_CODE].s, NULL)) != ERR_OK)
		return fail(req, e);
	if (user_set_totp(req->db, u.id, u.totp_sealed, 1) != DB_OK ||
	    recovery_issue(req->db, u.id, codes) != DB_OK)
		return fail(req, ERR_INTERNAL);
	if ((e = commit(req)) != ERR_OK)
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
	enum err	 e;

	if (user_by_id(req->db, req->user.id, &u) != DB_OK)
		return ERR_INTERNAL;
	if (!crypto_pw_verify(u.password_hash, req->f[DP_PASSWORD].s))
		return ERR_INVALID_CREDENTIALS;
	if ((e = begin(req)) != ERR_OK)
		return e;
	if (user_set_totp(req->db, u.id, NULL, 0) != DB_OK)
		return fail(req, ERR_INTERNAL);
	if ((e = commit(req)) != ERR_OK)
		return e;
	return me(req, 200);
}

/*
 * POST /api/auth/email-change {new_email, password}: 202; a link goes
 * to the new address; 409 if it belongs to another account.
 */
static enum err
h_email_change(struct req *req)
{
	struct user	 u, other;
	char		 email[EMAIL_MAX + 1], token[TOKEN_HEX_LEN + 1];
	enum err	 e;

	if (user_by_id(req->db, req->user.id, &u) != DB_OK)
		return ERR_INTERNAL;
	if (!crypto_pw_verify(u.password_hash, req->f[EC_PASSWORD].s))
		return ERR_INVALID_CREDENTIALS;
	snprintf(email, sizeof(email), "%s", req->f[EC_EMAIL].s);
	user_fold_email(email);
	if ((e = begin(req)) != ERR_OK)
		return e;
	if (user_by_email(req->db, email, &other) == DB_OK)
		return fail(req, ERR_EMAIL_TAKEN);
	if (user_token_issue(req->db, u.id, TOKEN_EMAIL_CHANGE, email,
	    tfmt_now(), EMAIL_CHANGE_SECONDS, token) != DB_OK ||
	    (e = queue_mail(req, "email_change", &u, email, token)) != ERR_OK ||
	    (e = commit(req)) != ERR_OK)
		return fail(req, e != ERR_OK ? e : ERR_INTERNAL);
	spawn_cli(req->conf, "mail");
	return accepted(req);
}

/*
 * GET /api/auth/email-change/confirm?token=: 302 to
 * /verification-result/email-changed, invalid or error.
 */
static enum err
h_email_confirm(struct req *req)
{
	char		 email[EMAIL_MAX + 1];
	int64_t		 user_id;
	enum db_rc	 rc;

	if (begin(req) != ERR_OK)
		return verification_result(req, "error");
	rc = user_token_use(req->db, TOKEN_EMAIL_CHANGE, req->f[TK_TOKEN].s,
	    tfmt_now(), &user_id, email);
	if (rc == DB_NOTFOUND || rc == DB_CONSTRAINT) {
		db_tx_rollback(req->db);
		return verification_result(req, "invalid");
	}
	if (rc != DB_OK || (rc = user_set_email(req->db, user_id, email,
	    tfmt_now())) != DB_OK || db_tx_commit(req->db) != DB_OK) {
		db_tx_rollback(req->db);
		return verification_result(req, rc == DB_CONSTRAINT ?
		    "invalid" : "error");
	}
	return verification_result(req, "email-changed");
}

/* POST /api/auth/email-change/cancel: 204; pending links stop working. */
static enum err
h_email_cancel(struct req *req)
{
	enum err	 e;

	if ((e = begin(req)) != ERR_OK)
		return e;
	if (user_token_cancel(req->db, req->user.id, TOKEN_EMAIL_CHANGE,
	    tfmt_now()) != DB_OK)
		return fail(req, ERR_INTERNAL);
	if ((e = commit(req)) != ERR_OK)
		return e;
	return http_empty(req, 204);
}

/* GET /api/staff/whoami (staff and up): who and for which organizer. */
static enum err
h_whoami(struct req *req)
{
	struct user	 u;
	cJSON		*o;

	if (user_by_id(req->db, req->user.id, &u) != DB_OK)
		return ERR_INTERNAL;
	o = user_json(&u);
	if (u.organizer_id != 0)
		cJSON_AddNumberToObject(o, "organizer_id",
		    (double)u.organizer_id);
	return http_json(req, 200, o);
}

/* Lists users (all for admins; an organizer's staff) one page. */
static enum err
list_users(struct req *req, int64_t organizer_id)
{
	struct user	 u;
	int64_t		 ids[PER_PAGE_MAX], page, per, total = 0;
	size_t		 n = 0, i;
	cJSON		*o, *data, *pg;
	enum db_rc	 rc;

	page = req->f[PG_PAGE].present ? req->f[PG_PAGE].i : 1;
	per = req->f[PG_PER_PAGE].present ? req->f[PG_PER_PAGE].i :
	    PER_PAGE_DEFAULT;
	if (db_tx_read(req->db) != DB_OK)
		return ERR_BUSY;
	if ((rc = user_list(req->db, organizer_id, page, per, ids,
	    PER_PAGE_MAX, &n, &total)) != DB_OK) {
		db_tx_rollback(req->db);
		return err_from_db(rc);
	}
	o = cJSON_CreateObject();
	data = cJSON_AddArrayToObject(o, "data");
	for (i = 0; i < n; i++)
		if (user_by_id(req->db, ids[i], &u) == DB_OK)
			cJSON_AddItemToArray(data, user_json(&u));
	db_tx_rollback(req->db);
	pg = cJSON_AddObjectToObject(o, "pagination");
	cJSON_AddNumberToObject(pg, "page", (double)page);
	cJSON_AddNumberToObject(pg, "per_page", (double)per);
	cJSON_AddNumberToObject(pg, "total", (double)total);
	cJSON_AddNumberToObject(pg, "total_pages",
	    (double)((total + per - 1) / per));
	return http_json(req, 200, o);
}

/* GET /api/organizer/staff: the caller's own staff, never another's. */
static enum err
h_staff_list(struct req *req)
{
	return list_users(req, req->user.id);
}

/*
 * POST /api/organizer/staff {name, email, password}: 201 with a staff
 * account working for the caller (verified: the organizer vouches).
 */
static enum err
h_staff_create(struct req *req)
{
	struct user	 u;
	const char	*reason;
	enum db_rc	 rc;
	enum err	 e;

	memset(&u, 0, sizeof(u));
	snprintf(u.email, sizeof(u.email), "%s", req->f[SC_EMAIL].s);
	user_fold_email(u.email);
	if ((reason = user_password_weak(req->f[SC_PASSWORD].s, u.email)) !=
	    NULL)
		return weak(req, "password", reason);
	snprintf(u.name, sizeof(u.name), "%s", req->f[SC_NAME].s);
	snprintf(u.locale, sizeof(u.locale), "%s", i18n_code(req->lang));
	u.role = ROLE_STAFF;
	u.organizer_id = req->user.id;
	u.is_active = 1;
	u.verified_at = tfmt_now();
	if (crypto_pw_hash(req->f[SC_PASSWORD].s, u.password_hash) == -1)
		return ERR_INTERNAL;
	if ((e = begin(req)) != ERR_OK)
		return e;
	if ((rc = user_create(req->db, &u, tfmt_now(), &u.id)) == DB_CONSTRAINT)
		return fail(req, ERR_EMAIL_TAKEN);
	if (rc != DB_OK)
		return fail(req, ERR_INTERNAL);
	if ((e = commit(req)) != ERR_OK)
		return e;
	return http_json(req, 201, user_json(&u));
}

/* Admins see every organizer's events; organizers only their own. */
static int64_t
scope(const struct req *req)
{
	return req->user.role == ROLE_ADMIN ? 0 : req->user.id;
}

/* GET /api/organizer/events: the caller's events with their sales. */
static enum err
h_org_events(struct req *req)
{
	cJSON		*doc;
	enum db_rc	 rc;

	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = catalog_organizer_events(req->db, scope(req),
	    req->f[PG_PAGE].present ? req->f[PG_PAGE].i : 1,
	    req->f[PG_PER_PAGE].present ? req->f[PG_PER_PAGE].i :
	    PER_PAGE_DEFAULT, &doc);
	db_tx_rollback(req->db);
	if (rc != DB_OK)
		return err_from_db(rc);
	return http_json(req, 200, doc);
}

/* GET /api/organizer/events/{id}: 404 unless it is the caller's. */
static enum err
h_org_event(struct req *req)
{
	cJSON		*doc;
	int64_t		 id;
	enum db_rc	 rc;

	id = req->id;
	if ((rc = catalog_organizer_event(req->db, scope(req), id, &doc)) ==
	    DB_NOTFOUND)
		return ERR_EVENT_NOT_FOUND;
	if (rc != DB_OK)
		return err_from_db(rc);
	return http_json(req, 200, doc);
}

/* GET /api/admin/users (admin): every account, paginated. */
static enum err
h_users(struct req *req)
{
	return list_users(req, 0);
}

/* POST /api/admin/users/{id}/deactivate (admin): off at once. */
static enum err
h_deactivate(struct req *req)
{
	struct user	 u;
	int64_t		 id;
	enum err	 e;

	id = req->id;
	if ((e = begin(req)) != ERR_OK)
		return e;
	if (user_by_id(req->db, id, &u) != DB_OK)
		return fail(req, ERR_NOT_FOUND);
	if (user_set_active(req->db, id, 0) != DB_OK ||
	    user_revoke_sessions(req->db, id, 0, tfmt_now()) != DB_OK)
		return fail(req, ERR_INTERNAL);
	if ((e = commit(req)) != ERR_OK)
		return e;
	u.is_active = 0;
	return http_json(req, 200, user_json(&u));
}

int
main(int argc, char *argv[])
{
	static const struct app app = { "auth", routes, nitems(routes), NULL };

	return route_main(argc, argv, &app);
}
