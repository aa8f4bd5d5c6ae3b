/*
 * Signing in from an HTML form (pagelogin.h).
 */
#include <stdint.h>
#include <string.h>

#include "account.h"
#include "auth.h"
#include "cart.h"
#include "http.h"
#include "limits.h"
#include "page.h"
#include "pagelogin.h"
#include "session.h"
#include "tfmt.h"

#define PAGELOGIN_CODE_MAX	32	/* a TOTP or recovery code as typed */

const struct field_spec pagelogin_fields[PAGELOGIN__MAX] = {
	[PAGELOGIN_EMAIL] = { "email", FIELD_STRING, 0, 0, EMAIL_MAX, NULL,
	    0 },
	[PAGELOGIN_PASSWORD] = { "password", FIELD_STRING, 0, 0,
	    PASSWORD_MAX, NULL, 0 },
	[PAGELOGIN_CODE] = { "code", FIELD_STRING, 0, 0, PAGELOGIN_CODE_MAX,
	    NULL, 0 },
	[PAGELOGIN_REMEMBER] = { "remember", FIELD_BOOL, 0, 0, 0, NULL, 0 },
	[PAGELOGIN_NEXT] = { "next", FIELD_STRING, 0, 1, PAGELOGIN_NEXT_MAX,
	    NULL, 0 },
};

/* Is code the six to eight digits of an authenticator app? */
static int
is_totp(const char *code)
{
	size_t	 n = strspn(code, "0123456789");

	return n >= 6 && n <= 8 && code[n] == '\0';
}

/* Ends the session a sign-in just started (an account of another role). */
static void
undo_login(struct req *req, const struct user *u, const char *token)
{
	struct session	 s;
	int64_t		 now = tfmt_now();

	if (sess_find(req->db, token, now, &s) == DB_OK)
		(void)account_logout(req->db, now, u->id, s.id, NULL);
}

static enum err
again_with(struct pagelogin_again *again, int status, const char *email,
    int code, const char *message)
{
	again->status = status;
	again->email = email;
	again->code = code;
	again->message = message;
	return ERR_BAD_REQUEST;
}

enum err
pagelogin(struct req *req, int (*role_ok)(enum role),
    const char *refused_role, struct pagelogin_again *again)
{
	const struct field_val	*f = req->f;
	struct account_login	 in;
	struct account_tokens	 tok;
	struct user		 u;
	const char		*code = f[PAGELOGIN_CODE].present ?
				    f[PAGELOGIN_CODE].s : "";
	int64_t			 guest;
	enum err		 e;

	memset(&in, 0, sizeof(in));
	in.email = f[PAGELOGIN_EMAIL].present ? f[PAGELOGIN_EMAIL].s : "";
	in.password = f[PAGELOGIN_PASSWORD].present ?
	    f[PAGELOGIN_PASSWORD].s : "";
	if (*in.email == '\0' || *in.password == '\0')
		return again_with(again, 400, in.email, *code != '\0',
		    page_t(req, "Enter your e-mail address and password."));
	if (*code != '\0') {
		if (is_totp(code))
			in.totp_code = code;
		else
			in.recovery_code = code;
	}
	in.browser = 1;
	in.remember = f[PAGELOGIN_REMEMBER].present &&
	    f[PAGELOGIN_REMEMBER].i;
	in.old_session = http_cookie(req, SESSION_COOKIE);
	guest = auth_guest_session(req, tfmt_now());
	e = account_login(req->db, tfmt_now(), &in, &u, &tok,
	    &req->err_count);
	if (e == ERR_OK && !role_ok(u.role)) {
		undo_login(req, &u, tok.session);
		return again_with(again, 403, in.email, 0, refused_role);
	}
	switch (e) {
	case ERR_OK:
		cart_merge_quietly(req->db, tfmt_now(), guest, u.id);
		return http_set_cookie(req, SESSION_COOKIE, tok.session,
		    (long)tok.session_ttl) == -1 ? ERR_INTERNAL : ERR_OK;
	case ERR_TOO_MANY_ATTEMPTS:
		http_error_headers(req, e);
		/* FALLTHROUGH */
	case ERR_TOTP_REQUIRED:
	case ERR_TOTP_INVALID:
	case ERR_INVALID_CREDENTIALS:
	case ERR_EMAIL_NOT_VERIFIED:
	case ERR_ACCOUNT_DISABLED:
		return again_with(again, err_def(e)->status, in.email,
		    *code != '\0' || e == ERR_TOTP_REQUIRED ||
		    e == ERR_TOTP_INVALID, page_t(req, err_def(e)->message));
	default:
		return e;
	}
}

enum err
pagelogout(struct req *req)
{
	enum err	 e;

	if (auth_gate(req, AUTH_USER) == ERR_OK && (e = account_logout(
	    req->db, tfmt_now(), req->user.id, req->user.session_id, NULL)) !=
	    ERR_OK)
		return e;
	if (http_set_cookie(req, SESSION_COOKIE, "", 0) == -1 ||
	    http_set_cookie(req, ACCESS_COOKIE, "", 0) == -1 ||
	    http_set_cookie(req, REFRESH_COOKIE, "", 0) == -1)
		return ERR_INTERNAL;
	return ERR_OK;
}

const char *
pagelogin_next(const struct field_val *next, const char *dflt)
{
	const char	*s;

	if (!next->present)
		return dflt;
	s = next->s;
	/* A path of ours only: not "//host" nor "/\\host", no scheme. */
	if (s[0] != '/' || s[1] == '/' || s[1] == '\\' ||
	    strpbrk(s, "\\\r\n\t ") != NULL || strchr(s, ':') != NULL)
		return dflt;
	return s;
}
