/*
 * The authentication gate and session starts.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>


#include "auth.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "http.h"
#include "session.h"
#include "tfmt.h"
#include "user.h"

enum stmt {
	STMT_API_SESSION,
	STMT_BROWSER_SESSION,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_API_SESSION] =
	    "INSERT INTO sessions (token_hash, kind, user_id, created_at,"
	    " expires_at) VALUES (?1, 'api', ?2, ?3, ?4)",
	[STMT_BROWSER_SESSION] =
	    "INSERT INTO sessions (token_hash, kind, user_id, order_id,"
	    " remember, created_at, expires_at)"
	    " VALUES (?1, 'browser', ?2, nullif(?3, 0), ?4, ?5, ?6)",
};

int
auth_cookie_session(struct req *req, int64_t now, struct session *out)
{
	const char	*token = http_cookie(req, SESSION_COOKIE);

	return token != NULL && sess_find(req->db, token, now, out) == DB_OK;
}

int64_t
auth_guest_session(struct req *req, int64_t now)
{
	struct session	 s;

	if (auth_cookie_session(req, now, &s) && s.user_id == 0 &&
	    s.kind == SESS_BROWSER)
		return s.id;
	return 0;
}

const char *
auth_bearer(const struct req *req)
{
	const char	*h = http_header(req, "Authorization");

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return h;
}

/*
 * Signs req in with token (NULL: none) if it names a live signed-in
 * session of kind; otherwise req->user.id stays 0.  ERR_ACCOUNT_DISABLED
 * for an account that is off or unverified.
 */
static enum err
identify(struct req *req, const char *token, enum sess_kind kind,
    int by_cookie)
{
	struct session	 s;
	struct user	 u;
	enum db_rc	 rc;

	if (token == NULL)
		return ERR_OK;
	if ((rc = sess_find(req->db, token, tfmt_now(), &s)) == DB_NOTFOUND ||
	    (rc == DB_OK && (s.user_id == 0 || s.kind != kind)))
		return ERR_OK;
	if (rc != DB_OK)
		return err_from_db(rc);
	if ((rc = user_by_id(req->db, s.user_id, &u)) != DB_OK)
		return rc == DB_NOTFOUND ? ERR_OK : ERR_INTERNAL;
	if (!u.is_active || u.verified_at == 0)
		return ERR_ACCOUNT_DISABLED;
	req->user.id = u.id;
	req->user.session_id = s.id;
	req->user.role = (int)u.role;
	req->user.organizer_id = u.organizer_id;
	req->user.by_cookie = by_cookie;
	return ERR_OK;
}

/*
 * A bearer header is the client's explicit choice: when it fails, no
 * cookie stands in.  Of the cookies the browser session comes first (a
 * guest's does not sign anyone in), then seed 004's access token.
 */
enum err
auth_identify(struct req *req)
{
	const char	*bearer = auth_bearer(req);
	enum err	 e;

	memset(&req->user, 0, sizeof(req->user));
	if (bearer != NULL)
		return identify(req, bearer, SESS_API, 0);
	if ((e = identify(req, http_cookie(req, SESSION_COOKIE), SESS_BROWSER,
	    1)) != ERR_OK || req->user.id != 0)
		return e;
	return identify(req, http_cookie(req, ACCESS_COOKIE), SESS_API, 1);
}

enum err
auth_gate(struct req *req, enum auth_level level)
{
	enum err	 e;
	int		 ok;

	if ((e = auth_identify(req)) != ERR_OK)
		return e;
	if (req->user.id == 0)
		return ERR_UNAUTHORIZED;
	switch (level) {
	case AUTH_STAFF:
		ok = req->user.role != ROLE_CUSTOMER;
		break;
	case AUTH_ORGANIZER:
		ok = req->user.role == ROLE_ORGANIZER ||
		    req->user.role == ROLE_ADMIN;
		break;
	case AUTH_ADMIN:
		ok = req->user.role == ROLE_ADMIN;
		break;
	default:
		ok = 1;
		break;
	}
	return ok ? ERR_OK : ERR_FORBIDDEN;
}

enum err
auth_session_browser(struct db *db, int64_t user_id, const char *old_token,
    int remember, int64_t now, char token[TOKEN_HEX_LEN + 1], int64_t *ttl)
{
	struct session	 old;
	struct db_stmt	*st;
	char		 hash[TOKEN_HASH_HEX_LEN + 1];
	int64_t		 order_id = 0;

	*ttl = remember ? REMEMBER_SECONDS : BROWSER_SECONDS;
	/* Rotate: the old token dies; a guest's reservation comes along. */
	if (old_token != NULL && sess_find(db, old_token, now, &old) == DB_OK) {
		order_id = old.order_id;
		if (sess_revoke(db, old.id, now) != DB_OK)
			return ERR_INTERNAL;
	}
	sess_token_new(token, hash);
	if ((st = db_stmt(db, stmts[STMT_BROWSER_SESSION])) == NULL ||
	    db_bind_text(st, 1, hash) == -1 ||
	    db_bind_int(st, 2, user_id) == -1 ||
	    db_bind_int(st, 3, order_id) == -1 ||
	    db_bind_int(st, 4, remember) == -1 ||
	    db_bind_int(st, 5, now) == -1 ||
	    db_bind_int(st, 6, now + *ttl) == -1 || db_exec(db, st) != DB_OK)
		return ERR_INTERNAL;
	return ERR_OK;
}

enum err
auth_start_browser(struct req *req, const struct user *u, int remember)
{
	char		 token[TOKEN_HEX_LEN + 1];
	int64_t		 ttl;
	enum err	 e;

	if ((e = auth_session_browser(req->db, u->id, http_cookie(req,
	    SESSION_COOKIE), remember, tfmt_now(), token, &ttl)) != ERR_OK)
		return e;
	return http_set_cookie(req, SESSION_COOKIE, token, ttl) == 0 ?
	    ERR_OK : ERR_INTERNAL;
}

enum err
auth_session_api(struct db *db, int64_t user_id, int64_t now,
    char access[TOKEN_HEX_LEN + 1], char refresh[TOKEN_HEX_LEN + 1])
{
	struct db_stmt	*st;
	char		 hash[TOKEN_HASH_HEX_LEN + 1];

	sess_token_new(access, hash);
	if ((st = db_stmt(db, stmts[STMT_API_SESSION])) == NULL ||
	    db_bind_text(st, 1, hash) == -1 ||
	    db_bind_int(st, 2, user_id) == -1 ||
	    db_bind_int(st, 3, now) == -1 ||
	    db_bind_int(st, 4, now + ACCESS_SECONDS) == -1 ||
	    db_exec(db, st) != DB_OK)
		return ERR_INTERNAL;
	if (refresh != NULL && rt_issue(db, user_id, NULL, now,
	    REFRESH_SECONDS, refresh) != DB_OK)
		return ERR_INTERNAL;
	return ERR_OK;
}

enum err
auth_start_api(struct req *req, const struct user *u,
    char access[TOKEN_HEX_LEN + 1], char refresh[TOKEN_HEX_LEN + 1])
{
	return auth_session_api(req->db, u->id, tfmt_now(), access, refresh);
}

struct actor
auth_actor(const struct req *req)
{
	struct actor	 a = { req->user.id, req->user.id > 0 &&
	    req->user.role == ROLE_ADMIN };

	return a;
}
