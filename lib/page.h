/*
 * HTML pages: rendering templates/pages/NAME.html in the request's
 * language with the page security headers, CSRF tokens for forms, and
 * redirects.  Pages work without JavaScript (plain forms); scripts in
 * static/ only improve them.
 */
#ifndef BILJETT_PAGE_H
#define BILJETT_PAGE_H

#include "err.h"
#include "limits.h"

struct cJSON;
struct req;


/*
 * Renders the page template name (e.g. "event") with ctx (consumed) as
 * text/html with status.  Adds to ctx: "lang" (code), "csrf" (the form
 * token), "langs" (for the switcher) and "path".  Sets the strict
 * Content-Security-Policy.  Returns ERR_OK or ERR_INTERNAL.
 */
enum err	 page_render(struct req *req, int status, const char *name,
		    struct cJSON *ctx);

/*
 * Other origins a page lets in, each a list of origins as page_origin()
 * writes them, separated by single spaces, from the configuration and
 * never from the request: scripts from script, connections to connect,
 * frames from frame (a provider's script such as Stripe.js, its API,
 * its 3-D Secure frames).
 */
struct page_origins {
	const char	*script;
	const char	*connect;
	const char	*frame;
};

/*
 * page_render() with the Content-Security-Policy widened by o (NULL:
 * page_render()).  ERR_INTERNAL for a list with anything page_origin()
 * would not have written.
 */
enum err	 page_render_for(struct req *req, int status, const char *name,
		    struct cJSON *ctx, const struct page_origins *o);

/*
 * Writes the origin of url, an absolute http or https URL without user
 * information ("https://js.stripe.com/v3/" gives
 * "https://js.stripe.com"), into out of CSP_ORIGIN_MAX + 1 bytes.
 * Returns 0, or -1 when url is no such URL (out is then "").
 */
int		 page_origin(const char *url, char out[CSP_ORIGIN_MAX + 1]);

/* The "no tickets on hold" page (404), shared by checkout and payment. */
enum err	 page_no_reservation(struct req *req);

/* 303 See Other to location (a path on this site). */
enum err	 page_redirect(struct req *req, const char *location);

/*
 * Translates msgid and replaces its "{n}" with n ("Only {n} tickets are
 * left.").  Arena string.
 */
const char	*page_tn(struct req *req, const char *msgid, long long n);

/* Translates msgid into the request's language. */
const char	*page_t(const struct req *req, const char *msgid);

#endif
