/*
 * HTML pages: rendering templates/pages/NAME.html in the request's
 * language with the page security headers, CSRF tokens for forms, and
 * redirects.  Pages work without JavaScript (plain forms); scripts in
 * static/ only improve them.
 */
#ifndef BILJETT_PAGE_H
#define BILJETT_PAGE_H

#include "err.h"

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
