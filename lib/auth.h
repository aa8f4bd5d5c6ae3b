/*
 * Who is asking: the gate every route with an auth level passes (bearer
 * token or session cookie, active account, role, CSRF for cookies), and
 * the ways to start a signed-in session.
 */
#ifndef BILJETT_AUTH_H
#define BILJETT_AUTH_H

#include <stdint.h>

#include "actor.h"
#include "crypto.h"
#include "err.h"

struct db;
struct req;
struct session;
struct user;

/* What a route requires of the account asking (struct route's auth). */
enum auth_level {
	AUTH_NONE = 0,	/* anyone; the handler may still read a session */
	AUTH_USER,	/* any signed-in, active, verified account */
	AUTH_STAFF,	/* door and box-office staff, organizers, admins */
	AUTH_ORGANIZER,	/* organizers and admins */
	AUTH_ADMIN,
	AUTH__MAX
};

#define ACCESS_SECONDS		300		/* seed 004: access token ... */
#define REFRESH_SECONDS		(7 * 86400)	/* ... and refresh token */
#define BROWSER_SECONDS		(12 * 3600)	/* seed 000: 12 h ... */
#define REMEMBER_SECONDS	(7 * 86400)	/* ... or 7 days */

/*
 * Seed 004's cookies: the access token and the refresh token that
 * sign-in and refresh also hand out in the body, HttpOnly, SameSite=Lax,
 * living as long as the tokens.
 */
#define ACCESS_COOKIE		"access_token"
#define REFRESH_COOKIE		"refresh_token"

/*
 * The gate: finds the account from "Authorization: Bearer" or, without
 * one, from the sessionid cookie or else the access_token cookie;
 * refuses inactive or unverified accounts and checks the role against
 * level.  Fills req->user (by_cookie: signed in by either cookie, not by
 * the bearer header).  Returns ERR_OK,
 * ERR_UNAUTHORIZED, ERR_FORBIDDEN or ERR_ACCOUNT_DISABLED.
 */
enum err	auth_gate(struct req *req, enum auth_level level);

/*
 * Looks for a signed-in account without requiring one (req->user.id
 * stays 0 when none).  Returns ERR_OK or a database error.
 */
enum err	auth_identify(struct req *req);

/* The account asking (after the gate or auth_identify()) as the
 * catalogue's actor: user_id 0 for nobody, is_admin for admins. */
struct actor	auth_actor(const struct req *req);

/*
 * Starts a browser session for u: a new sessionid (the old one revoked,
 * its guest reservation carried over), 12 hours or 7 days with
 * remember.  Inside the caller's write transaction; sets the cookie.
 */
enum err	auth_start_browser(struct req *req, const struct user *u,
		    int remember);

/*
 * Issues an access token (an api session of ACCESS_SECONDS) and a
 * refresh token (a new rotating family).  Inside the caller's write
 * transaction.
 */
enum err	auth_start_api(struct req *req, const struct user *u,
		    char access[TOKEN_HEX_LEN + 1],
		    char refresh[TOKEN_HEX_LEN + 1]);

/*
 * The request-free cores of the two above, for lib/account, which runs
 * a whole sign-in in one transaction of its own; the caller sets the
 * cookie.  Inside the caller's write transaction.
 * auth_session_browser revokes the live session of old_token (the
 * current sessionid; NULL: none), carrying its guest reservation over,
 * and starts a browser session for user_id; token gets the new
 * sessionid and *ttl its lifetime (REMEMBER_SECONDS with remember, else
 * BROWSER_SECONDS).  auth_session_api issues an access token (a session
 * of ACCESS_SECONDS) and, unless refresh is NULL, a refresh token
 * starting a new family.  Both return ERR_OK or ERR_INTERNAL.
 */
enum err	auth_session_browser(struct db *db, int64_t user_id,
		    const char *old_token, int remember, int64_t now,
		    char token[TOKEN_HEX_LEN + 1], int64_t *ttl);
enum err	auth_session_api(struct db *db, int64_t user_id, int64_t now,
		    char access[TOKEN_HEX_LEN + 1],
		    char refresh[TOKEN_HEX_LEN + 1]);

/*
 * The live browser session the sessionid cookie names (a guest's, whose
 * reservation it holds, or a signed-in one): 1 with *out filled, or 0
 * when there is no cookie, no such session or it expired.
 */
int		auth_cookie_session(struct req *req, int64_t now,
		    struct session *out);
/*
 * The id of the cookie's live browser session when nobody is signed in
 * to it (a guest's: its cart, its hold), else 0.  Read it before
 * signing in, which rotates the cookie's session.
 */
int64_t		auth_guest_session(struct req *req, int64_t now);
/* The bearer token of the request, or NULL. */
const char	*auth_bearer(const struct req *req);

#endif
