/*
 * The CSRF rule (see csrf.h for what it is and why).
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "auth.h"
#include "conf.h"
#include "crypto.h"
#include "csrf.h"
#include "http.h"
#include "session.h"

/* The cookies a browser sends on its own that stand for someone. */
static const char *const credential_cookies[] = {
	SESSION_COOKIE,		/* signed in, or a guest's cart and hold */
	ACCESS_COOKIE,		/* seed 004's tokens */
	REFRESH_COOKIE,
	SCANNER_COOKIE,		/* a door */
};

/* Where a browser request comes from, by its headers. */
enum csrf_site {
	SITE_OURS,		/* our own origin or an allowed one */
	SITE_FOREIGN,		/* another site */
	SITE_UNKNOWN		/* no browser headers: not a browser */
};

const char *
csrf_token(struct req *req)
{
	const char	*token = http_cookie(req, CSRF_COOKIE);
	char		 fresh[TOKEN_HEX_LEN + 1], *cookie;

	if (token != NULL && strlen(token) == TOKEN_HEX_LEN)
		return token;
	crypto_token(fresh);
	cookie = arena_printf(req->pool, "%s=%s; HttpOnly; Path=/; "
	    "SameSite=Strict%s", CSRF_COOKIE, fresh,
	    strncmp(conf_str(req->conf, CONF_PUBLIC_URL), "https:", 6) == 0 ?
	    "; Secure" : "");
	if (cookie != NULL)
		(void)http_add_header(req, "Set-Cookie", cookie);
	return arena_strdup(req->pool, fresh);
}

/* Is origin the scheme and host of base (a URL, perhaps with a path)? */
static int
origin_of(const char *origin, const char *base)
{
	size_t	 n = strlen(origin);

	return n > 0 && strncmp(base, origin, n) == 0 &&
	    (base[n] == '\0' || base[n] == '/');
}

static enum csrf_site
site_of(const struct req *req)
{
	const char	*site = http_header(req, "Sec-Fetch-Site");
	const char	*host;
	char		 own[512];
	int		 n;

	if (req->origin != NULL && strcmp(req->origin, "null") != 0) {
		if (origin_of(req->origin,
		    conf_str(req->conf, CONF_PUBLIC_URL)) ||
		    conf_origin_allowed(req->conf, req->origin))
			return SITE_OURS;
		/* The host the browser used (a second listener, a proxy). */
		if ((host = http_header(req, "Host")) == NULL)
			return SITE_FOREIGN;
		n = snprintf(own, sizeof(own), "%s://%s",
		    req->https ? "https" : "http", host);
		if (n > 0 && (size_t)n < sizeof(own) &&
		    strcmp(req->origin, own) == 0)
			return SITE_OURS;
		return SITE_FOREIGN;
	}
	if (req->origin != NULL)
		return SITE_FOREIGN;	/* "null": a sandboxed or file page */
	if (site != NULL)
		return strcmp(site, "same-origin") == 0 ||
		    strcmp(site, "none") == 0 ? SITE_OURS : SITE_FOREIGN;
	return SITE_UNKNOWN;
}

/* Does value equal the csrftoken cookie (constant time)? */
static int
matches_cookie(const struct req *req, const char *value)
{
	const char	*cookie = http_cookie(req, CSRF_COOKIE);

	return cookie != NULL && value != NULL &&
	    strlen(cookie) == TOKEN_HEX_LEN && crypto_streq(cookie, value);
}

/* Does req carry a cookie that stands for someone? */
static int
has_credential_cookie(const struct req *req)
{
	size_t	 i;

	for (i = 0; i < sizeof(credential_cookies) /
	    sizeof(credential_cookies[0]); i++)
		if (http_cookie(req, credential_cookies[i]) != NULL)
			return 1;
	return 0;
}

enum err
csrf_check(struct req *req, int form)
{
	const cJSON	*field;
	enum csrf_site	 site;

	if (req->method == METHOD_GET || req->method == METHOD_HEAD ||
	    req->method == METHOD_OPTIONS)
		return ERR_OK;
	if ((site = site_of(req)) == SITE_FOREIGN)
		return ERR_CSRF;
	if (form) {
		field = cJSON_GetObjectItemCaseSensitive(req->body, CSRF_FIELD);
		if (!cJSON_IsString(field) ||
		    !matches_cookie(req, field->valuestring))
			return ERR_CSRF;
	}
	if (site == SITE_UNKNOWN && has_credential_cookie(req) &&
	    !matches_cookie(req, http_header(req, CSRF_HEADER)))
		return ERR_CSRF;
	return ERR_OK;
}
