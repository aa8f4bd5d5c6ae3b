/*
 * Cross-site request forgery: the one rule every state-changing request
 * passes (the route gate applies it; no handler calls it), and the form
 * token the pages put into their forms.
 *
 * A browser says where a request comes from: Origin on every POST, PUT,
 * PATCH and DELETE of a current browser, Sec-Fetch-Site besides.  So:
 *
 *  1. Origin present (not "null"): it must be ours (public_url, or the
 *     scheme and Host the browser used) or listed in cors_origins (the
 *     seed-002 web client calls cross-origin with credentials).
 *  2. Otherwise Sec-Fetch-Site present: same-origin or none (typed by
 *     the user) pass; same-site and cross-site do not.
 *  3. Neither header: not a browser, so no ambient credentials to abuse
 *     (a scanner, curl, a payment provider) -- except that a request
 *     carrying one of our session cookies must then carry the
 *     X-CSRF-Token header equal to the csrftoken cookie.  Any of them,
 *     whether or not the route signs anyone in with it: a guest's
 *     session holds the cart and the seed-002 hold, and an old browser
 *     sends neither header with a forged form.
 *
 * HTML forms (routes with ROUTE_FORM) also carry the csrftoken cookie's
 * value in their "csrf" field (double submit), whatever the headers say.
 */
#ifndef BILJETT_CSRF_H
#define BILJETT_CSRF_H

#include "err.h"

struct req;

#define CSRF_COOKIE	"csrftoken"
#define CSRF_FIELD	"csrf"
#define CSRF_HEADER	"X-CSRF-Token"

/*
 * The form token: the csrftoken cookie's value, set (random, HttpOnly,
 * SameSite=Strict) on first use.  Arena string.
 */
const char	*csrf_token(struct req *req);

/*
 * Applies the rule above to req (a no-op for GET, HEAD and OPTIONS).
 * form: the route is an HTML form.  Returns ERR_OK or ERR_CSRF.
 */
enum err	 csrf_check(struct req *req, int form);

#endif
