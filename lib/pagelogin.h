/*
 * Signing in from an HTML form, for every program with pages (the
 * organizer's, the buyer's): the form's fields checked, lib/account's
 * sign-in with the browser's sessionid cookie, and what the form must
 * say when it is shown again.  The program renders its own form.
 */
#ifndef BILJETT_PAGELOGIN_H
#define BILJETT_PAGELOGIN_H

#include "err.h"
#include "field.h"
#include "user.h"

struct req;

#define PAGELOGIN_NEXT_MAX	256	/* where to go after, a local path */

/* The form's fields, in this order in the route's field table; next
 * (where to go once signed in) is for programs that offer it. */
enum { PAGELOGIN_EMAIL, PAGELOGIN_PASSWORD, PAGELOGIN_CODE,
	PAGELOGIN_REMEMBER, PAGELOGIN_NEXT, PAGELOGIN__MAX };
extern const struct field_spec pagelogin_fields[PAGELOGIN__MAX];

/* The form again: with the address typed, the code input when the
 * account needs its second factor, the reason and the status. */
struct pagelogin_again {
	int		 status;
	const char	*email;
	int		 code;
	const char	*message;	/* translated */
};

/*
 * Signs in with the request's form (pagelogin_fields) an account whose
 * role role_ok() accepts, setting the sessionid cookie.  ERR_OK when
 * signed in; ERR_BAD_REQUEST with *again filled to show the form again
 * (a wrong password, 2FA asked for, an unverified or disabled account,
 * too many attempts with Retry-After, a role not allowed — whose new
 * session ends at once, with refused_role as the message); any other
 * error as it is.
 */
enum err	pagelogin(struct req *req, int (*role_ok)(enum role),
		    const char *refused_role, struct pagelogin_again *again);

/*
 * Signs out whoever the request's session is (nobody: nothing to end)
 * and clears the session and token cookies.  ERR_OK or a storage error.
 */
enum err	pagelogout(struct req *req);

/* The next field if it is a path of this site ("/my-tickets"), else
 * dflt: a sign-in form never sends anyone to another site. */
const char	*pagelogin_next(const struct field_val *next,
		    const char *dflt);

#endif
