/*
 * organizer: the back office in the browser for organizers and admins,
 * plain HTML forms that work without JavaScript.
 *
 *	GET POST /organizer/login	sign in: e-mail, password and,
 *					with 2FA, the app's code
 *	POST	 /organizer/logout	sign out
 *	GET	 /organizer/		my events, sales at a glance
 *	GET POST /organizer/events/new	create an event
 *	GET	 /organizer/events/{id}	one event: numbers, actions
 *	GET POST /organizer/events/{id}/edit	change it
 *	GET POST /organizer/events/{id}/tickets	its ticket types and
 *					the form of its pricing kind
 *	POST	 /organizer/events/{id}/tickets/{type}	a type's prices
 *					and places
 *	POST	 /organizer/events/{id}/tickets/{type}/delete
 *	POST	 /organizer/events/{id}/publish
 *	GET POST /organizer/events/{id}/cancel	confirm, then cancel
 *	GET	 /organizer/events/{id}/orders	its orders, to refund
 *	POST	 /organizer/events/{id}/orders/{uid}/refund	refund one,
 *					all or part
 *	POST	 /organizer/events/{id}/orders/{uid}/resend	send its
 *					tickets again, maybe to a corrected
 *					address (lib/transfer)
 *	GET	 /organizer/staff	staff, scanners, store
 *	GET	 /organizer/events/{id}/checkins	who has arrived, live
 *					(lib/checkin.h)
 *
 * Every change goes through lib/event.c and lib/variant.c with the
 * fields their own tables validate (event_fields, variant_fields): a
 * form becomes the JSON object the API would take and passes
 * field_validate(), so a page can never store what the API refuses.
 * Reasons come back keyed by API field; each page maps them to its
 * inputs and words them in the reader's language.
 *
 * Signing in: the gate's AUTH_ORGANIZER answers a browser without a
 * session with a 401 page, and these pages send it to the sign-in form
 * instead.  So the rows say AUTH_NONE and every handler but sign-in
 * starts with auth_gate(req, AUTH_ORGANIZER) itself -- the same rule --
 * and refused() turns a 401 into that redirect.  Every form that changes
 * something is ROUTE_FORM: its CSRF token is checked before any handler
 * runs, signed in or not.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "account.h"
#include "arena.h"
#include "auth.h"
#include "checkin.h"
#include "db.h"
#include "event.h"
#include "field.h"
#include "http.h"
#include "i18n.h"
#include "invoice.h"
#include "limits.h"
#include "log.h"
#include "money.h"
#include "orderview.h"
#include "page.h"
#include "pagelogin.h"
#include "payment.h"
#include "route.h"
#include "scanner.h"
#include "session.h"
#include "spawn.h"
#include "tfmt.h"
#include "transfer.h"
#include "user.h"
#include "variant.h"

#define EVENTS_PER_PAGE	20
#define ORDERS_PER_PAGE	50
#define ROWS_MAX	10	/* tiers or days in one new-type form */
#define ROWS_DEFAULT	2
/* The form fields besides a new type's rows: csrf, names, total, size. */
#define FORM_FIXED	8

static enum err	h_login_form(struct req *);
static enum err	h_login(struct req *);
static enum err	h_logout(struct req *);
static enum err	h_events(struct req *);
static enum err	h_event_new(struct req *);
static enum err	h_event_create(struct req *);
static enum err	h_event(struct req *);
static enum err	h_event_edit(struct req *);
static enum err	h_event_save(struct req *);
static enum err	h_tickets(struct req *);
static enum err	h_tickets_create(struct req *);
static enum err	h_type_save(struct req *);
static enum err	h_type_delete(struct req *);
static enum err	h_publish(struct req *);
static enum err	h_cancel_confirm(struct req *);
static enum err	h_cancel(struct req *);
static enum err	h_staff(struct req *);
static enum err	h_orders(struct req *);
static enum err	h_refund(struct req *);
static enum err	h_checkins(struct req *);
static enum err	h_resend(struct req *);

#define Q(name, type, min, max) { name, type, FIELD_QUERY, min, max, NULL, 0 }

/* ?done= names the change a redirect reports (see done_note()). */
enum { LQ_PAGE, LQ_DONE, LQ__MAX };
static const struct field_spec list_fields[LQ__MAX] = {
	[LQ_PAGE] = Q("page", FIELD_INT, 1, PAGE_MAX),
	[LQ_DONE] = Q("done", FIELD_STRING, 1, 16),
};

enum { TQ_DONE, TQ_DAYS, TQ_TIERS, TQ__MAX };
static const struct field_spec tickets_fields[TQ__MAX] = {
	[TQ_DONE] = Q("done", FIELD_STRING, 1, 16),
	[TQ_DAYS] = Q("days", FIELD_INT, 1, ROWS_MAX),
	[TQ_TIERS] = Q("tiers", FIELD_INT, 1, ROWS_MAX),
};

#define R(m, p, h, f, n, fl) { METHOD_##m, p, h, AUTH_NONE, STYLE_PAGE, \
	f, n, fl, ERR_EVENT_NOT_FOUND }
#define FORM	ROUTE_FORM

static const struct route routes[] = {
	R(GET, "/organizer/login", h_login_form, NULL, 0, 0),
	R(POST, "/organizer/login", h_login, pagelogin_fields,
	    PAGELOGIN__MAX, FORM),
	R(POST, "/organizer/logout", h_logout, NULL, 0, FORM),
	R(GET, "/organizer/", h_events, list_fields, LQ__MAX, 0),
	R(GET, "/organizer/staff", h_staff, NULL, 0, 0),
	R(GET, "/organizer/events/new", h_event_new, NULL, 0, 0),
	R(POST, "/organizer/events/new", h_event_create, NULL, 0, FORM),
	R(GET, "/organizer/events/{id}", h_event, list_fields, LQ__MAX, 0),
	R(GET, "/organizer/events/{id}/edit", h_event_edit, NULL, 0, 0),
	R(POST, "/organizer/events/{id}/edit", h_event_save, NULL, 0, FORM),
	R(GET, "/organizer/events/{id}/tickets", h_tickets, tickets_fields,
	    TQ__MAX, 0),
	R(POST, "/organizer/events/{id}/tickets", h_tickets_create, NULL, 0,
	    FORM),
	R(POST, "/organizer/events/{id}/tickets/{type}", h_type_save, NULL, 0,
	    FORM),
	R(POST, "/organizer/events/{id}/tickets/{type}/delete", h_type_delete,
	    NULL, 0, FORM),
	R(POST, "/organizer/events/{id}/publish", h_publish, NULL, 0, FORM),
	R(GET, "/organizer/events/{id}/cancel", h_cancel_confirm, NULL, 0, 0),
	R(POST, "/organizer/events/{id}/cancel", h_cancel, NULL, 0, FORM),
	R(GET, "/organizer/events/{id}/orders", h_orders, list_fields,
	    LQ__MAX, 0),
	R(POST, "/organizer/events/{id}/orders/{uid}/refund", h_refund, NULL,
	    0, FORM),
	R(GET, "/organizer/events/{id}/checkins", h_checkins, NULL, 0, 0),
	R(POST, "/organizer/events/{id}/orders/{uid}/resend", h_resend, NULL,
	    0, FORM),
};

/* Words for the closed sets the pages show. */
static const struct {
	const char	*key;
	const char	*msgid;
} words[] = {
	{ "draft", N_("Draft") },
	{ "published", N_("Published") },
	{ "ongoing", N_("Ongoing") },
	{ "completed", N_("Completed") },
	{ "cancelled", N_("Cancelled") },
	{ "simple", N_("One price per ticket type") },
	{ "tiered", N_("Tiers") },
	{ "day_based", N_("Day passes") },
	{ "tier_and_day", N_("Days and tiers") },
};

/* What a redirect after a change says on the next page (?done=). */
static const struct {
	const char	*key;
	const char	*msgid;
} dones[] = {
	{ "created", N_("The event is created. Now add what it sells.") },
	{ "saved", N_("Your changes are saved.") },
	{ "types", N_("The ticket types are saved.") },
	{ "deleted", N_("The ticket type is removed.") },
	{ "published", N_("The event is published: buyers can see it.") },
	{ "cancelled", N_("The event is cancelled.") },
	{ "refunded", N_("The refund is recorded; it goes to the payment "
	    "provider within a minute.") },
	{ "resent", N_("The tickets are on their way to the buyer again.") },
	{ "refunded_by_hand", N_("The refund is recorded and the tickets "
	    "are stopped, but this payment provider (M-Pesa) cannot send it: "
	    "send the money back by hand, as a reversal of the payment's "
	    "receipt in the M-Pesa business portal.") },
};

/*
 * The reasons lib/ gives (in English, keyed by API field) as the pages
 * word them.  The first row matching field and reason wins; a NULL
 * field or reason matches any.
 */
static const struct {
	const char	*field;
	const char	*reason;
	const char	*msgid;
} reasons[] = {
	{ NULL, "below the places already sold or held",
	    N_("This is below the places already sold or held.") },
	{ "name", "The event already has a ticket type with this name.",
	    N_("The event already has a ticket type with this name.") },
	{ "pricing_type", NULL, N_("The pricing cannot change once the "
	    "event has ticket types.") },
	{ "title", NULL, N_("Enter a title of at most 200 characters.") },
	{ "description", NULL, N_("Enter a description of at most 4000 "
	    "characters.") },
	{ "start_date", NULL, N_("Enter the date and time the event "
	    "starts.") },
	{ "end_date", NULL, N_("The end must be after the start, at most a "
	    "year later.") },
	{ "sales_start", NULL, N_("Enter a date and time, or leave it "
	    "empty.") },
	{ "sales_end", NULL, N_("Sales must end after they start.") },
	{ "total_capacity", NULL, N_("Enter the number of places, at least "
	    "1.") },
	{ "max_tickets_per_order", NULL, N_("Enter a number from 1 to "
	    "100.") },
	{ "transfer_cutoff_hours", NULL, N_("Enter a number of hours from 0 "
	    "to 8760.") },
	{ "transfers_max", NULL, N_("Enter a number from 1 to 100, or leave "
	    "it empty for no limit.") },
	{ "door_day_starts", NULL, N_("Enter a time of day from 00:00 to "
	    "12:00.") },
	{ "name", NULL, N_("Enter a name of at most 100 characters.") },
	{ "tier_name", NULL, N_("Enter a name of at most 100 characters.") },
	{ "day_name", NULL, N_("Enter a name of at most 100 characters.") },
	{ "price", NULL, N_("Enter a price such as 150 or 150.50.") },
	{ "quantity", NULL, N_("Enter a number of places, at least 1.") },
	{ "total_quantity", NULL, N_("Enter a number of places, at least "
	    "1.") },
	{ "date", NULL, N_("Enter a date as YYYY-MM-DD.") },
	{ "tier_number", NULL, N_("Each tier can be there only once.") },
	{ "day_number", NULL, N_("Each day can be there only once.") },
};

/* ---- small helpers ------------------------------------------------- */

/* The posted form's field name, or "" (the body may be anything). */
static const char *
form(const struct req *req, const char *name)
{
	const cJSON	*v;

	if (!cJSON_IsObject(req->body))
		return "";
	v = cJSON_GetObjectItemCaseSensitive(req->body, name);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* The same without surrounding white space (arena copy). */
static const char *
form_trim(struct req *req, const char *name)
{
	const char	*s = form(req, name), *e;
	char		*out;

	while (isspace((unsigned char)*s))
		s++;
	for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
		continue;
	out = arena_strndup(req->pool, s, (size_t)(e - s));
	return out != NULL ? out : "";
}

/*
 * What an input shows: on a page rendered again after a refused post,
 * what was posted (input names are unique on a page and one form is
 * posted at a time); otherwise stored.
 */
static const char *
shown(struct req *req, const char *name, const char *stored)
{
	if (req->method == METHOD_POST && cJSON_IsObject(req->body) &&
	    cJSON_IsString(cJSON_GetObjectItemCaseSensitive(req->body, name)))
		return form(req, name);
	return stored != NULL ? stored : "";
}

/*
 * Adds parent[key] = {"name", "label", "type", "textarea", "v", "e"}:
 * one input as templates/pages/partials/org-input.html draws it, with
 * the reason ierrs (input name: text, may be NULL) gives for it.
 * Returns it for further attributes ("req", "min", "mode", "sr").
 */
static cJSON *
input(struct req *req, cJSON *parent, const char *key, const char *name,
    const char *label, const char *type, const char *stored,
    const cJSON *ierrs)
{
	cJSON		*o = cJSON_CreateObject();
	const cJSON	*e;

	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "label", label);
	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddBoolToObject(o, "textarea", strcmp(type, "textarea") == 0);
	cJSON_AddStringToObject(o, "v", shown(req, name, stored));
	e = ierrs != NULL ? cJSON_GetObjectItemCaseSensitive(ierrs, name) :
	    NULL;
	if (cJSON_IsString(e))
		cJSON_AddStringToObject(o, "e", e->valuestring);
	cJSON_AddItemToObject(parent, key, o);
	return o;
}

/*
 * Adds parent[key]: a select of name (input() with "options") offering
 * "1" Yes and "0" No, and first "" with dflt's words when dflt is not
 * NULL (a ticket type's "as the event says"); stored is the value.
 */
static cJSON *
yes_no(struct req *req, cJSON *parent, const char *key, const char *name,
    const char *label, const char *dflt, const char *stored,
    const cJSON *ierrs)
{
	static const char *const values[] = { "", "1", "0" };
	cJSON		*o, *opts, *opt;
	const char	*v;
	size_t		 i;

	o = input(req, parent, key, name, label, "select", stored, ierrs);
	v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "v"));
	opts = cJSON_AddArrayToObject(o, "options");
	for (i = dflt != NULL ? 0 : 1; i < sizeof(values) / sizeof(values[0]);
	    i++) {
		opt = cJSON_CreateObject();
		cJSON_AddStringToObject(opt, "value", values[i]);
		cJSON_AddStringToObject(opt, "text", i == 0 ? dflt : i == 1 ?
		    page_t(req, "Yes") : page_t(req, "No"));
		cJSON_AddBoolToObject(opt, "selected", v != NULL &&
		    strcmp(v, values[i]) == 0);
		cJSON_AddItemToArray(opts, opt);
	}
	return o;
}

/* Was name posted with the form (a select always is, when shown)? */
static int
posted(const struct req *req, const char *name)
{
	return cJSON_IsObject(req->body) && cJSON_IsString(
	    cJSON_GetObjectItemCaseSensitive(req->body, name));
}

/* Adds name: text unless name has a reason already. */
static void
add_once(cJSON *o, const char *name, const char *text)
{
	if (cJSON_GetObjectItemCaseSensitive(o, name) == NULL)
		cJSON_AddStringToObject(o, name, text);
}

/* The page's words for reason, which lib/ gave for API field. */
static const char *
reason_text(const struct req *req, const char *field, const char *reason)
{
	size_t	 i;

	for (i = 0; i < nitems(reasons); i++)
		if ((reasons[i].field == NULL ||
		    strcmp(reasons[i].field, field) == 0) &&
		    (reasons[i].reason == NULL ||
		    strcmp(reasons[i].reason, reason) == 0))
			return page_t(req, reasons[i].msgid);
	return page_t(req, "Check this value.");
}

/* Translates a word of the closed sets (a status, a pricing kind). */
static const char *
word(const struct req *req, const char *key)
{
	size_t	 i;

	for (i = 0; key != NULL && i < nitems(words); i++)
		if (strcmp(words[i].key, key) == 0)
			return page_t(req, words[i].msgid);
	return key != NULL ? key : "";
}

static const char *
str_of(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* s, or "" for NULL. */
static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

static int64_t
num_of(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : -1;
}

/* A number as an arena string ("" for a negative one: none). */
static const char *
num_str(struct req *req, int64_t n)
{
	const char	*s;

	if (n < 0)
		return "";
	s = arena_printf(req->pool, "%lld", (long long)n);
	return s != NULL ? s : "";
}

/* How the pages show a time: what <input type=datetime-local> takes
 * ("2031-05-01T18:00"), or for reading ("2031-05-01 18:00"). */
enum shown_time {
	TIME_INPUT = 0,
	TIME_TEXT
};

/* t in the configured zone as how wants it, into buf. */
static void
local_time(int64_t t, enum shown_time how, char *buf, size_t size)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;
	size_t		 n = 0;

	if (localtime_r(&tt, &tm) != NULL)
		n = how == TIME_INPUT ? strftime(buf, size, "%Y-%m-%dT%H:%M",
		    &tm) : strftime(buf, size, "%Y-%m-%d %H:%M", &tm);
	if (n == 0)
		buf[0] = '\0';
}

/* An ISO time from lib/ (NULL: none) shown as how says; "" for none. */
static const char *
iso_local(struct req *req, const char *iso, enum shown_time how)
{
	char	 buf[64];
	int64_t	 t;

	if (iso == NULL || tfmt_parse_iso(iso, &t) == -1)
		return "";
	local_time(t, how, buf, sizeof(buf));
	return arena_strdup(req->pool, buf);
}

/* n digits at s, as a number; -1 if any is not a digit. */
static int
digits(const char *s, int n)
{
	int	 v = 0;

	while (n-- > 0) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

/*
 * "2031-05-01T18:00" (or with ":ss"), what <input type=datetime-local>
 * posts, read in the configured zone, written as ISO 8601 with that
 * zone's offset into out: what FIELD_TIME takes.  Returns 0, or -1 for
 * anything else, a time that does not exist included.  Pure apart from
 * the zone.
 */
static int
local_to_iso(const char *s, char out[TFMT_ISO_LEN])
{
	struct tm	 tm, want;
	time_t		 t;
	size_t		 n = strlen(s);

	if ((n != 16 && n != 19) || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != ' ') || s[13] != ':' ||
	    (n == 19 && s[16] != ':'))
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = digits(s, 4) - 1900;
	tm.tm_mon = digits(s + 5, 2) - 1;
	tm.tm_mday = digits(s + 8, 2);
	tm.tm_hour = digits(s + 11, 2);
	tm.tm_min = digits(s + 14, 2);
	tm.tm_sec = n == 19 ? digits(s + 17, 2) : 0;
	if (tm.tm_year < 70 || tm.tm_year > 8099 || tm.tm_mon < 0 ||
	    tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_hour < 0 ||
	    tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 ||
	    tm.tm_sec < 0 || tm.tm_sec > 59)
		return -1;
	tm.tm_isdst = -1;
	want = tm;
	if ((t = mktime(&tm)) == (time_t)-1)
		return -1;
	/* mktime() moves 31 February on to March: refuse that. */
	if (tm.tm_mday != want.tm_mday || tm.tm_mon != want.tm_mon)
		return -1;
	tfmt_iso((int64_t)t, out);
	return 0;
}

/* money in minor units of currency, formatted for the reader. */
static const char *
money_text(struct req *req, int64_t minor, const char *currency)
{
	char	 buf[MONEY_STR_MAX];

	if (money_format(buf, sizeof(buf), minor, currency != NULL ?
	    currency : MONEY_CURRENCY_DEFAULT, req->lang) == -1)
		return "";
	return arena_strdup(req->pool, buf);
}

/* A decimal price from lib/ ("150.00", or null) formatted; "" none. */
static const char *
price_text(struct req *req, const char *price, const char *currency)
{
	int64_t	 minor;

	if (price == NULL || money_parse_decimal(price, currency, &minor) !=
	    MONEY_OK)
		return "";
	return money_text(req, minor, currency);
}

/* 303 to /organizer/events/<id><tail>, with ?done=<done> unless NULL. */
static enum err
to(struct req *req, int64_t id, const char *tail, const char *done)
{
	const char	*path;

	if ((path = arena_printf(req->pool, "/organizer/events/%lld%s%s%s",
	    (long long)id, tail, done != NULL ? "?done=" : "",
	    done != NULL ? done : "")) == NULL)
		return ERR_INTERNAL;
	return page_redirect(req, path);
}

/* ---- the frame of every page ---------------------------------------- */

/*
 * A new page context: title, and the account signed in ("user":
 * {"email"}) for the header.  NULL on memory exhaustion.
 */
static cJSON *
frame(struct req *req, const char *title)
{
	struct user	 u;
	cJSON		*ctx, *who;

	if ((ctx = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(ctx, "title", title);
	if (req->user.id > 0 && account_get(req->db, req->user.id, &u) ==
	    ERR_OK) {
		who = cJSON_AddObjectToObject(ctx, "user");
		cJSON_AddStringToObject(who, "email", u.email);
	}
	return ctx;
}

/*
 * Renders templates/pages/organizer/<name>.html with ctx (consumed),
 * which gets "at_<name>" ('-' as '_') for the header to mark the page.
 */
static enum err
render(struct req *req, int status, const char *name, cJSON *ctx)
{
	const char	*full;
	char		*at, *p;

	if ((full = arena_printf(req->pool, "organizer/%s", name)) == NULL ||
	    (at = arena_printf(req->pool, "at_%s", name)) == NULL) {
		cJSON_Delete(ctx);
		return ERR_INTERNAL;
	}
	for (p = at; *p != '\0'; p++)
		if (*p == '-')
			*p = '_';
	cJSON_AddBoolToObject(ctx, at, 1);
	return page_render(req, status, full, ctx);
}

/*
 * Adds "errors": [{"name", "text"}] for the summary above a form from
 * ierrs (input name: text; "" for reasons that belong to no input).
 */
static void
summary(cJSON *ctx, const cJSON *ierrs)
{
	const cJSON	*e;
	cJSON		*list, *o;

	if (ierrs == NULL || ierrs->child == NULL)
		return;
	cJSON_AddBoolToObject(ctx, "bad", 1);
	list = cJSON_AddArrayToObject(ctx, "errors");
	cJSON_ArrayForEach(e, ierrs) {
		o = cJSON_CreateObject();
		if (e->string[0] != '\0')
			cJSON_AddStringToObject(o, "name", e->string);
		cJSON_AddStringToObject(o, "text", e->valuestring);
		cJSON_AddItemToArray(list, o);
	}
}

/* Adds "done": the text of a known ?done= value. */
static void
done_note(struct req *req, cJSON *ctx, const struct field_val *done)
{
	size_t	 i;

	for (i = 0; done->present && i < nitems(dones); i++)
		if (strcmp(done->s, dones[i].key) == 0)
			cJSON_AddStringToObject(ctx, "done",
			    page_t(req, dones[i].msgid));
}

/* ---- signing in ------------------------------------------------------ */

/*
 * The sign-in form, with email kept, the code input when the account
 * needs its second factor (code), and a message (NULL: none).
 */
static enum err
login_page(struct req *req, int status, const char *email, int code,
    const char *message)
{
	cJSON	*ctx = cJSON_CreateObject();

	cJSON_AddStringToObject(ctx, "title", page_t(req, "Sign in"));
	cJSON_AddStringToObject(ctx, "email", email);
	cJSON_AddBoolToObject(ctx, "code", code);
	if (message != NULL)
		cJSON_AddStringToObject(ctx, "error", message);
	return render(req, status, "login", ctx);
}

/*
 * What a handler answers when auth_gate() refused: no account is sent
 * to the sign-in form, an account of another role gets it again with
 * the reason (403); anything else is e.
 */
static enum err
refused(struct req *req, enum err e)
{
	if (e == ERR_UNAUTHORIZED)
		return page_redirect(req, "/organizer/login");
	if (e == ERR_FORBIDDEN)
		return login_page(req, 403, "", 0, page_t(req, "Only "
		    "organizers and admins can use these pages."));
	return e;
}

/* GET /organizer/login: the form; signed in already, the events. */
static enum err
h_login_form(struct req *req)
{
	if (auth_gate(req, AUTH_ORGANIZER) == ERR_OK)
		return page_redirect(req, "/organizer/");
	return login_page(req, 200, "", 0, NULL);
}

/* The organizer pages are for organizers and admins. */
static int
organizer_role(enum role r)
{
	return r == ROLE_ORGANIZER || r == ROLE_ADMIN;
}

/*
 * POST /organizer/login (form: csrf, email, password, code?, remember?):
 * 303 to /organizer/ with the sessionid cookie (12 hours, 7 days with
 * remember).  Otherwise the form again: 400 for an empty field or a
 * wrong password (401) or an unverified address, 401 asking for the
 * authenticator code (or a recovery code) when the account has 2FA, 403
 * for a disabled account or one that is neither organizer nor admin
 * (whose session ends at once), 429 with Retry-After after repeated
 * failures (lib/pagelogin).
 */
static enum err
h_login(struct req *req)
{
	struct pagelogin_again	 again;
	enum err		 e;

	e = pagelogin(req, organizer_role, page_t(req, "Only organizers and "
	    "admins can use these pages."), &again);
	if (e == ERR_OK)
		return page_redirect(req, "/organizer/");
	if (e == ERR_BAD_REQUEST)
		return login_page(req, again.status, again.email, again.code,
		    again.message);
	return e;
}

/*
 * POST /organizer/logout (form: csrf): ends the session asking and its
 * cookies, then 303 to the sign-in form (also when nobody was signed
 * in).
 */
static enum err
h_logout(struct req *req)
{
	enum err	 e;

	if ((e = pagelogout(req)) != ERR_OK)
		return e;
	return page_redirect(req, "/organizer/login");
}

/* ---- events and their numbers ---------------------------------------- */

/* Sales at a glance, from the numbers of an event's ticket types. */
struct sales {
	int64_t	 sold;		/* paid tickets */
	int64_t	 revenue;	/* minor units: sold x current price */
};

/* Adds sold x price of one sellable row (a simple type or a variant). */
static void
sales_add_row(struct sales *s, const cJSON *row, const char *currency)
{
	int64_t	 sold = num_of(row, "quantity_sold"), price;
	const char *p = str_of(row, "price");

	if (sold <= 0 || p == NULL || money_parse_decimal(p, currency,
	    &price) != MONEY_OK)
		return;
	/* Both are bounded (CAPACITY_MAX, MONEY_MAX): no overflow here. */
	if (s->revenue <= MONEY_MAX)
		s->revenue += sold * price;
}

/*
 * The sales of an event's ticket types (variant_event_json's array):
 * a type's quantity_sold counts its variants' too; revenue counts each
 * sellable row's sales at its current price.
 */
static void
sales_of(const cJSON *types, const char *currency, struct sales *s)
{
	static const char *const lists[] = { "tiers", "day_passes",
	    "day_tier_prices" };
	const cJSON	*t, *v;
	size_t		 i;

	memset(s, 0, sizeof(*s));
	cJSON_ArrayForEach(t, types) {
		if (num_of(t, "quantity_sold") > 0)
			s->sold += num_of(t, "quantity_sold");
		if (str_of(t, "price") != NULL) {
			sales_add_row(s, t, currency);
			continue;
		}
		for (i = 0; i < nitems(lists); i++)
			cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(
			    t, lists[i]))
				sales_add_row(s, v, currency);
	}
}

/*
 * Adds what the pages show of an event detail (event_json): "when",
 * "ends", "status_text", "pricing_text", the sales ("sold",
 * "revenue_text"), and flags for the actions that apply.
 */
static void
decorate_event(struct req *req, cJSON *ev)
{
	struct sales	 s;
	const char	*status = str_of(ev, "status");
	const char	*currency = str_of(ev, "currency");
	const cJSON	*types = cJSON_GetObjectItemCaseSensitive(ev,
			    "ticket_types");
	int		 over;

	sales_of(types, currency, &s);
	cJSON_AddStringToObject(ev, "when", iso_local(req, str_of(ev,
	    "start_date"), TIME_TEXT));
	cJSON_AddStringToObject(ev, "ends", iso_local(req, str_of(ev,
	    "end_date"), TIME_TEXT));
	cJSON_AddStringToObject(ev, "status_text", word(req, status));
	cJSON_AddStringToObject(ev, "pricing_text", word(req, str_of(ev,
	    "pricing_type")));
	cJSON_AddNumberToObject(ev, "sold", (double)s.sold);
	cJSON_AddStringToObject(ev, "revenue_text", money_text(req,
	    s.revenue, currency));
	over = status != NULL && (strcmp(status, "cancelled") == 0 ||
	    strcmp(status, "completed") == 0);
	cJSON_AddBoolToObject(ev, "is_draft", status != NULL &&
	    strcmp(status, "draft") == 0);
	cJSON_AddBoolToObject(ev, "is_cancelled", status != NULL &&
	    strcmp(status, "cancelled") == 0);
	cJSON_AddBoolToObject(ev, "can_cancel", !over);
	cJSON_AddBoolToObject(ev, "has_types", cJSON_GetArraySize(types) > 0);
}

/*
 * Is the path's event the asker's (or is the asker an admin)?  Returns
 * ERR_OK, or ERR_EVENT_NOT_FOUND for no such event or another's.
 * Inside the caller's transaction.
 *
 * By id, through event_json(): event_find() takes a slug before an id,
 * and an event titled "12" has the slug "12", which would stand in for
 * event 12 -- someone else's -- if this looked the path up there.
 */
static enum err
owned(struct req *req)
{
	cJSON	*ev;
	int64_t	 owner;

	if ((ev = event_json(req->db, req->id, req->lang, 0, 0,
	    tfmt_now())) == NULL)
		return ERR_EVENT_NOT_FOUND;
	owner = num_of(ev, "organizer");
	cJSON_Delete(ev);
	return req->user.role == ROLE_ADMIN || (owner > 0 &&
	    owner == req->user.id) ? ERR_OK : ERR_EVENT_NOT_FOUND;
}

/* The path's event as the owner sees it, decorated (*ev is the
 * caller's).  Inside the caller's transaction. */
static enum err
event_of(struct req *req, cJSON **ev)
{
	enum err	 e;

	*ev = NULL;
	if ((e = owned(req)) != ERR_OK)
		return e;
	if ((*ev = event_json(req->db, req->id, req->lang, 1, 1,
	    tfmt_now())) == NULL)
		return ERR_INTERNAL;
	decorate_event(req, *ev);
	return ERR_OK;
}

/*
 * GET /organizer/?page=: the asker's events, drafts and cancelled ones
 * too, latest first, with sold / capacity and revenue, EVENTS_PER_PAGE
 * a page.
 */
static enum err
h_events(struct req *req)
{
	struct event_filter	 flt;
	cJSON			*ctx, *list, *o, *ev;
	int64_t			 page, count, now = tfmt_now();
	enum db_rc		 rc;
	enum err		 e;

	if ((e = auth_gate(req, AUTH_ORGANIZER)) != ERR_OK)
		return refused(req, e);
	page = req->f[LQ_PAGE].present ? req->f[LQ_PAGE].i : 1;
	memset(&flt, 0, sizeof(flt));
	flt.status = "any";
	/*
	 * An admin's own too: event_list() walks one organizer's events of
	 * any status, or everyone's of one status, not everyone's of any.
	 * An admin reaches another's event by its address.
	 */
	flt.organizer_id = req->user.id;
	flt.is_free = flt.is_featured = -1;
	flt.min_price = flt.max_price = -1;
	flt.order = EVORDER_START_DESC;
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((ctx = frame(req, page_t(req, "My events"))) == NULL) {
		db_tx_rollback(req->db);
		return ERR_INTERNAL;
	}
	rc = event_list(req->db, now, &flt, (page - 1) * EVENTS_PER_PAGE,
	    EVENTS_PER_PAGE, req->lang, &count, &list);
	if (rc == DB_OK) {
		/* Each with its detail: capacity and the types' sales. */
		cJSON_ArrayForEach(o, list) {
			if ((ev = event_json(req->db, num_of(o, "id"),
			    req->lang, 1, 1, now)) == NULL)
				continue;
			decorate_event(req, ev);
			cJSON_AddItemToObject(o, "x", ev);
		}
		cJSON_AddBoolToObject(ctx, "any", cJSON_GetArraySize(list) > 0);
		cJSON_AddItemToObject(ctx, "events", list);
	}
	db_tx_rollback(req->db);
	if (rc != DB_OK) {
		cJSON_Delete(ctx);
		return err_from_db(rc);
	}
	if (page > 1)
		cJSON_AddNumberToObject(ctx, "prev", (double)(page - 1));
	if (page * EVENTS_PER_PAGE < count)
		cJSON_AddNumberToObject(ctx, "next", (double)(page + 1));
	done_note(req, ctx, &req->f[LQ_DONE]);
	return render(req, 200, "events", ctx);
}

/* GET /organizer/events/{id}: the event, its numbers and actions. */
static enum err
h_event(struct req *req)
{
	cJSON		*ctx, *ev;
	enum db_rc	 rc;
	enum err	 e;

	if ((e = auth_gate(req, AUTH_ORGANIZER)) != ERR_OK)
		return refused(req, e);
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	e = event_of(req, &ev);
	ctx = e == ERR_OK ? frame(req, str_of(ev, "title")) : NULL;
	db_tx_rollback(req->db);
	if (e != ERR_OK || ctx == NULL) {
		cJSON_Delete(ev);
		return e != ERR_OK ? e : ERR_INTERNAL;
	}
	cJSON_AddItemToObject(ctx, "event", ev);
	done_note(req, ctx, &req->f[LQ_DONE]);
	return render(req, 200, "event", ctx);
}

/* The event page again with a reason (a refused publish). */
static enum err
event_page_error(struct req *req, int status, const char *message)
{
	cJSON		*ctx, *ev;
	enum db_rc	 rc;
	enum err	 e;

	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	e = event_of(req, &ev);
	ctx = e == ERR_OK ? frame(req, str_of(ev, "title")) : NULL;
	db_tx_rollback(req->db);
	if (e != ERR_OK || ctx == NULL) {
		cJSON_Delete(ev);
		return e != ERR_OK ? e : ERR_INTERNAL;
	}
	cJSON_AddItemToObject(ctx, "event", ev);
	cJSON_AddStringToObject(ctx, "error", message);
	return render(req, status, "event", ctx);
}

/* ---- the event form -------------------------------------------------- */

/* The event form's inputs and the API field each one feeds. */
static const struct {
	const char	*input;
	const char	*field;
} event_inputs[] = {
	{ "title_sv", "title" },
	{ "description_sv", "description" },
	{ "start", "start_date" },
	{ "end", "end_date" },
	{ "venue_name", "venue_name" },
	{ "venue_address", "venue_address" },
	{ "venue_city", "venue_city" },
	{ "capacity", "total_capacity" },
	{ "pricing_type", "pricing_type" },
	{ "max_per_order", "max_tickets_per_order" },
	{ "sales_start", "sales_start" },
	{ "sales_end", "sales_end" },
	{ "transfers", "transfers_allowed" },
	{ "transfer_cutoff", "transfer_cutoff_hours" },
	{ "transfers_max", "transfers_max" },
	{ "reentry", "reentry_allowed" },
	{ "door_day_starts", "door_day_starts" },
};

/* An event's text field in one language, as its owner stored it. */
static const char *
text_in(const cJSON *ev, const char *field, const char *lang)
{
	const cJSON	*tr, *f;

	if (ev == NULL)
		return "";
	tr = cJSON_GetObjectItemCaseSensitive(ev, "translations");
	f = cJSON_GetObjectItemCaseSensitive(tr, field);
	if (cJSON_IsObject(f))
		return str_of(f, lang) != NULL ? str_of(f, lang) : "";
	/* Only a plain text: it is in the event's default language. */
	if (str_of(ev, "language") != NULL &&
	    strcmp(str_of(ev, "language"), lang) == 0 &&
	    str_of(ev, field) != NULL)
		return str_of(ev, field);
	return "";
}

/*
 * Adds "f", the event form's inputs, showing ev (NULL: a new event's
 * defaults) or what was posted, with the reasons in ierrs.
 */
static void
event_form(struct req *req, cJSON *ctx, const cJSON *ev, const cJSON *ierrs)
{
	static const char *const kinds[] = { "simple", "tiered", "day_based",
	    "tier_and_day" };
	const enum shown_time fmt = TIME_INPUT;
	const char	*pricing, *transfers;
	cJSON		*f = cJSON_AddObjectToObject(ctx, "f"), *opts, *o;
	size_t		 i;

#define TEXT(k, label) input(req, f, k, k, label, "text", \
	ev != NULL ? str_of(ev, k) : "", ierrs)
	cJSON_AddBoolToObject(input(req, f, "title_sv", "title_sv",
	    page_t(req, "Title in Swedish"), "text", text_in(ev, "title",
	    "sv"), ierrs), "req", 1);
	input(req, f, "title_en", "title_en", page_t(req, "Title in "
	    "English"), "text", text_in(ev, "title", "en"), ierrs);
	input(req, f, "description_sv", "description_sv", page_t(req,
	    "Description in Swedish"), "textarea", text_in(ev, "description",
	    "sv"), ierrs);
	input(req, f, "description_en", "description_en", page_t(req,
	    "Description in English"), "textarea", text_in(ev,
	    "description", "en"), ierrs);
	cJSON_AddBoolToObject(input(req, f, "start", "start", page_t(req,
	    "Starts"), "datetime-local", iso_local(req, ev != NULL ?
	    str_of(ev, "start_date") : NULL, fmt), ierrs), "req", 1);
	input(req, f, "end", "end", page_t(req, "Ends"), "datetime-local",
	    iso_local(req, ev != NULL ? str_of(ev, "end_date") : NULL, fmt),
	    ierrs);
	TEXT("venue_name", page_t(req, "Venue"));
	TEXT("venue_address", page_t(req, "Address"));
	TEXT("venue_city", page_t(req, "City"));
	o = input(req, f, "capacity", "capacity", page_t(req, "Places in "
	    "all"), "number", num_str(req, ev != NULL ? num_of(ev,
	    "total_capacity") : -1), ierrs);
	cJSON_AddBoolToObject(o, "req", 1);
	cJSON_AddStringToObject(o, "min", "1");
	o = input(req, f, "max_per_order", "max_per_order", page_t(req,
	    "Tickets one order may hold"), "number", num_str(req,
	    ev != NULL ? num_of(ev, "max_tickets_per_order") :
	    MAX_PER_PAYMENT_DEFAULT), ierrs);
	cJSON_AddStringToObject(o, "min", "1");
	input(req, f, "sales_start", "sales_start", page_t(req, "Sales "
	    "start (empty: at once)"), "datetime-local", iso_local(req,
	    ev != NULL ? str_of(ev, "sales_start") : NULL, fmt), ierrs);
	input(req, f, "sales_end", "sales_end", page_t(req, "Sales end "
	    "(empty: when the event ends)"), "datetime-local", iso_local(req,
	    ev != NULL ? str_of(ev, "sales_end") : NULL, fmt), ierrs);
#undef TEXT

	/* Transfers (lib/transfer): allowed or not, until, how often. */
	transfers = shown(req, "transfers", ev != NULL && cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(ev, "transfers_allowed")) ?
	    "1" : "0");
	o = input(req, f, "transfers", "transfers", page_t(req, "Buyers may "
	    "transfer their tickets to someone else"), "select", transfers,
	    ierrs);
	opts = cJSON_AddArrayToObject(o, "options");
	for (i = 0; i < 2; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "value", i ? "1" : "0");
		cJSON_AddStringToObject(o, "text", i ? page_t(req, "Yes") :
		    page_t(req, "No"));
		cJSON_AddBoolToObject(o, "selected", strcmp(transfers,
		    i ? "1" : "0") == 0);
		cJSON_AddItemToArray(opts, o);
	}
	o = input(req, f, "transfer_cutoff", "transfer_cutoff", page_t(req,
	    "Transfers close this many hours before the start"), "number",
	    num_str(req, ev != NULL ? num_of(ev, "transfer_cutoff_hours") :
	    TRANSFER_CUTOFF_HOURS_DEFAULT), ierrs);
	cJSON_AddStringToObject(o, "min", "0");
	o = input(req, f, "transfers_max", "transfers_max", page_t(req,
	    "Transfers per ticket (empty: no limit)"), "number", num_str(req,
	    ev != NULL ? num_of(ev, "transfers_max") : -1), ierrs);
	cJSON_AddStringToObject(o, "min", "1");

	/* The door (lib/checkin): re-entry, and when a door day begins. */
	yes_no(req, f, "reentry", "reentry", page_t(req, "Holders may leave "
	    "and come back in (unless a ticket type says otherwise)"), NULL,
	    ev != NULL && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev,
	    "reentry_allowed")) ? "1" : "0", ierrs);
	input(req, f, "door_day_starts", "door_day_starts", page_t(req,
	    "A door day begins at (a pass lets its holder in once a day)"),
	    "time", ev != NULL && str_of(ev, "door_day_starts") != NULL ?
	    str_of(ev, "door_day_starts") : "06:00", ierrs);

	/* The pricing kind: a choice until the event has ticket types. */
	pricing = shown(req, "pricing_type", ev != NULL ?
	    str_of(ev, "pricing_type") : "simple");
	o = input(req, f, "pricing_type", "pricing_type", page_t(req,
	    "Pricing"), "select", pricing, ierrs);
	cJSON_AddStringToObject(o, "text", word(req, pricing));
	cJSON_AddBoolToObject(o, "locked", ev != NULL && cJSON_GetArraySize(
	    cJSON_GetObjectItemCaseSensitive(ev, "ticket_types")) > 0);
	opts = cJSON_AddArrayToObject(o, "options");
	for (i = 0; i < nitems(kinds); i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "value", kinds[i]);
		cJSON_AddStringToObject(o, "text", word(req, kinds[i]));
		cJSON_AddBoolToObject(o, "selected",
		    strcmp(kinds[i], pricing) == 0);
		cJSON_AddItemToArray(opts, o);
	}
}

/* Adds name: {"sv", "en"} of the inputs given, or "" when both are empty
 * (a title then fails as empty; a description is cleared). */
static void
doc_texts(struct req *req, cJSON *doc, const char *name, const char *sv,
    const char *en)
{
	const char	*s = form_trim(req, sv), *e = form_trim(req, en);
	cJSON		*o;

	if (*s == '\0' && *e == '\0') {
		cJSON_AddStringToObject(doc, name, "");
		return;
	}
	o = cJSON_AddObjectToObject(doc, name);
	if (*s != '\0')
		cJSON_AddStringToObject(o, "sv", s);
	if (*e != '\0')
		cJSON_AddStringToObject(o, "en", e);
}

/*
 * Adds field: the local time of input as ISO 8601 (local_to_iso); an
 * empty input adds nothing, or null when clear is set; a malformed one
 * is a reason in errs.
 */
static void
doc_time(struct req *req, cJSON *doc, cJSON *errs, const char *field,
    const char *input, int clear)
{
	const char	*v = form_trim(req, input);
	char		 iso[TFMT_ISO_LEN];

	if (*v == '\0') {
		if (clear)
			cJSON_AddNullToObject(doc, field);
		return;
	}
	if (local_to_iso(v, iso) == -1)
		add_once(errs, field, "must be a date and time");
	else
		cJSON_AddStringToObject(doc, field, iso);
}

/* Adds field: input's text, unless it is empty and skip_empty is set. */
static void
doc_str(struct req *req, cJSON *doc, const char *field, const char *input,
    int skip_empty)
{
	const char	*v = form_trim(req, input);

	if (*v != '\0' || !skip_empty)
		cJSON_AddStringToObject(doc, field, v);
}

/*
 * Adds field: an amount as typed ("150", "150,50", "1 200.00"): spaces
 * dropped and a decimal comma read as a point, as people write prices
 * here; FIELD_MONEY judges the rest.  Nothing for an empty input.
 */
static void
doc_money(struct req *req, cJSON *doc, const char *field, const char *input)
{
	const char	*v = form_trim(req, input);
	char		*out, *p;

	if (*v == '\0' || (out = arena_strdup(req->pool, v)) == NULL)
		return;
	for (p = out; *v != '\0'; v++)
		if (*v != ' ')
			*p++ = *v == ',' ? '.' : *v;
	*p = '\0';
	cJSON_AddStringToObject(doc, field, out);
}

/* The event form as the JSON object POST /api/events/ takes. */
static cJSON *
event_doc(struct req *req, int create, cJSON *errs)
{
	cJSON	*d = cJSON_CreateObject();

	doc_texts(req, d, "title", "title_sv", "title_en");
	doc_texts(req, d, "description", "description_sv", "description_en");
	doc_time(req, d, errs, "start_date", "start", 0);
	doc_time(req, d, errs, "end_date", "end", 0);
	doc_str(req, d, "venue_name", "venue_name", 0);
	doc_str(req, d, "venue_address", "venue_address", 0);
	doc_str(req, d, "venue_city", "venue_city", 0);
	doc_str(req, d, "total_capacity", "capacity", 1);
	doc_str(req, d, "max_tickets_per_order", "max_per_order", 1);
	doc_str(req, d, "pricing_type", "pricing_type", 1);
	doc_time(req, d, errs, "sales_start", "sales_start", !create);
	doc_time(req, d, errs, "sales_end", "sales_end", 0);
	/* Transfers: an empty limit is none (null) when changing. */
	if (*form_trim(req, "transfers") != '\0')
		cJSON_AddBoolToObject(d, "transfers_allowed",
		    strcmp(form_trim(req, "transfers"), "1") == 0);
	doc_str(req, d, "transfer_cutoff_hours", "transfer_cutoff", 1);
	if (*form_trim(req, "transfers_max") != '\0')
		doc_str(req, d, "transfers_max", "transfers_max", 1);
	else if (!create)
		cJSON_AddNullToObject(d, "transfers_max");
	/* The door: only what the form posted (an older form keeps both). */
	if (posted(req, "reentry") && *form_trim(req, "reentry") != '\0')
		cJSON_AddBoolToObject(d, "reentry_allowed",
		    strcmp(form_trim(req, "reentry"), "1") == 0);
	if (posted(req, "door_day_starts"))
		doc_str(req, d, "door_day_starts", "door_day_starts", 1);
	return d;
}

/* Moves the reasons lib/ gave by API field (errs) onto the event form's
 * inputs (ierrs), worded for the reader. */
static void
event_errs(struct req *req, const cJSON *errs, cJSON *ierrs)
{
	const cJSON	*e;
	const char	*in;
	size_t		 i;

	cJSON_ArrayForEach(e, errs) {
		in = "";
		for (i = 0; i < nitems(event_inputs); i++)
			if (strcmp(event_inputs[i].field, e->string) == 0)
				in = event_inputs[i].input;
		add_once(ierrs, in, reason_text(req, e->string,
		    cJSON_IsString(e) ? e->valuestring : ""));
	}
}

/*
 * The event form: a new event (id 0) or event id, status, with the
 * reasons errs (by API field, consumed; may be NULL) on its inputs.
 */
static enum err
event_form_page(struct req *req, int status, int64_t id, cJSON *errs)
{
	cJSON		*ctx, *ev = NULL, *ierrs = cJSON_CreateObject();
	enum db_rc	 rc;
	enum err	 e = ERR_OK;

	event_errs(req, errs, ierrs);
	cJSON_Delete(errs);
	if ((rc = db_tx_read(req->db)) != DB_OK) {
		cJSON_Delete(ierrs);
		return err_from_db(rc);
	}
	if (id != 0)
		e = event_of(req, &ev);
	ctx = e == ERR_OK ? frame(req, id != 0 ? str_of(ev, "title") :
	    page_t(req, "New event")) : NULL;
	db_tx_rollback(req->db);
	if (ctx == NULL) {
		cJSON_Delete(ev);
		cJSON_Delete(ierrs);
		return e != ERR_OK ? e : ERR_INTERNAL;
	}
	event_form(req, ctx, ev, ierrs);
	summary(ctx, ierrs);
	cJSON_Delete(ierrs);
	if (ev != NULL)
		cJSON_AddItemToObject(ctx, "event", ev);
	cJSON_AddStringToObject(ctx, "action", id != 0 ? arena_printf(
	    req->pool, "/organizer/events/%lld/edit", (long long)id) :
	    "/organizer/events/new");
	return render(req, status, "event-form", ctx);
}

/*
 * Creates (id 0) or changes event id from the posted form in one write
 * transaction: 303 to the new event's ticket types or to the event;
 * otherwise the form again with the reasons (400, 409 when the change
 * contradicts what is stored), 404 for another's event.
 */
static enum err
event_write(struct req *req, int64_t id)
{
	struct actor		 a = auth_actor(req);
	struct field_val	 f[EVF__MAX];
	cJSON			*doc, *errs = cJSON_CreateObject();
	int64_t			 out = 0;
	enum db_rc		 rc;
	enum err		 e = ERR_OK;
	int			 i;

	doc = event_doc(req, id == 0, errs);
	if (field_validate(req->pool, event_fields, EVF__MAX, doc, NULL, f,
	    errs) > 0 || errs->child != NULL)
		e = ERR_BAD_REQUEST;
	for (i = 0; id == 0 && i < event_nrequired; i++)
		if (!f[event_required[i]].present) {
			add_once(errs, event_fields[event_required[i]].name,
			    "This field is required.");
			e = ERR_BAD_REQUEST;
		}
	if (e == ERR_OK && (rc = db_tx_immediate(req->db)) != DB_OK)
		e = err_from_db(rc);
	else if (e == ERR_OK) {
		if (id != 0)
			e = owned(req);
		if (e == ERR_OK)
			e = event_save(req->db, tfmt_now(), &a, id, f, errs,
			    &out);
		if (e != ERR_OK)
			db_tx_rollback(req->db);
		else if ((rc = db_tx_commit(req->db)) != DB_OK)
			e = err_from_db(rc);
	}
	/* The validated texts borrow from doc: it goes last. */
	cJSON_Delete(doc);
	if (e == ERR_BAD_REQUEST || e == ERR_CONFLICT)
		return event_form_page(req, e == ERR_CONFLICT ? 409 : 400, id,
		    errs);
	cJSON_Delete(errs);
	if (e != ERR_OK)
		return e;
	if (id == 0)
		return to(req, out, "/tickets", "created");
	return to(req, id, "", "saved");
}

/* GET /organizer/events/new: the form for a new event. */
static enum err
h_event_new(struct req *req)
{
	enum err	 e;

	if ((e = auth_gate(req, AUTH_ORGANIZER)) != ERR_OK)
		return refused(req, e);
	return event_form_page(req, 200, 0, NULL);
}

/* POST /organizer/events/new (the event form): see event_write(). */
static enum err
h_event_create(struct req *req)
{
	enum err	 e;

	if ((e = auth_gate(req, AUTH_ORGANIZER)) != ERR_OK)
		return refused(req, e);
	return event_write(req, 0);
}

/* GET /organizer/events/{id}/edit: the form with the event. */
static enum err
h_event_edit(struct req *req)
{
	enum err	 e;

	if ((e = auth_gate(req, AUTH_ORGANIZER)) != ERR_OK)
		return refused(req, e);
	return event_form_page(req, 200, req->id, NULL);
}

/* POST /organizer/events/{id}/edit (the event form): event_write(). */
static enum err
h_event_save(struct req *req)
{
	enum err	 e;

	if ((e = auth_gate(req, AUTH_ORGANIZER)) != ERR_OK)
		return refused(req, e);
	return event_write(req, req->id);
}

/* ---- publishing and cancelling ---------------------------------------- */

/*
 * Runs change (event_publish or event_cancel) on the path's event in
 * one write transaction.  Returns its outcome.
 */
static enum err
status_change(struct req *req, enum err (*change)(struct db *, int64_t,
    const struct actor *, int64_t))
{
	struct actor	 a = auth_actor(req);
	enum db_rc	 rc;
	enum err	 e;

	if ((rc = db_tx_immediate(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((e = owned(req)) == ERR_OK)
		e = change(req->db, tfmt_now(), &a, req->id);
	if (e != ERR_OK) {
		db_tx_rollback(req->db);
		return e;
	}
	return err_from_db(db_tx_commit(req->db));
}

/*
 * POST /organizer/events/{id}/publish (form: csrf): 303 to the event;
 * 409 with the event page saying why when it has nothing to sell or
 * was cancelled; 404 for another's event.
 */
static enum err
h_publish(struct req *req)
{
	enum err	 e;

	if ((e = auth_gate(req, AUTH_ORGANIZER)) != ERR_OK)
		return refused(req, e);
	if ((e = status_change(req, event_publish)) == ERR_CONFLICT)
		return event_page_error(req, 409, page_t(req, "An event can "
		    "be published once it has a ticket to sell, and never "
		    "after it was cancelled."));
	if (e != ERR_OK)
		return e;
	return to(req, req->id, "", "published");
}

/* GET /organizer/events/{id}/cancel: what cancelling does; confirm. */
static enum err
h_cancel_confirm(struct req *req)
{
	cJSON		*ctx, *ev;
	enum db_rc	 rc;
	enum err	 e;

	if ((e = auth_gate(req, AUTH_ORGANIZER)) != ERR_OK)
		return refused(req, e);
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	e = event_of(req, &ev);
	ctx = e == ERR_OK ? frame(req, str_of(ev, "title")) : NULL;
	db_tx_rollback(req->db);
	if (e != ERR_OK || ctx == NULL) {
		cJSON_Delete(ev);
		return e != ERR_OK ? e : ERR_INTERNAL;
	}
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev,
	    "can_cancel"))) {
		cJSON_Delete(ctx);
		cJSON_Delete(ev);
		return to(req, req->id, "", NULL);
	}
	cJSON_AddItemToObject(ctx, "event", ev);
	return render(req, 200, "cancel", ctx);
}

/*
 * POST /organizer/events/{id}/cancel (form: csrf, confirm=yes from the
 * confirmation page): cancels the event (holds end, paid orders are
 * flagged for refund, their buyers' mails queued and the mail run
 * started), then 303 to it.  Without confirm, 303 to the confirmation
 * page.  404 for another's event.
 */
static enum err
h_cancel(struct req *req)
{
	enum err	 e;

	if ((e = auth_gate(req, AUTH_ORGANIZER)) != ERR_OK)
		return refused(req, e);
	if (strcmp(form(req, "confirm"), "yes") != 0)
		return to(req, req->id, "/cancel", NULL);
	if ((e = status_change(req, event_cancel)) != ERR_OK)
		return e;
	spawn_cli(req->conf, "mail");	/* buyers hear at once */
	return to(req, req->id, "", "cancelled");
}

/* ---- orders and refunds ---------------------------------------------- */

/* An order's status (seed 004's word) as the reader says it. */
static const char *
order_status_text(struct req *req, const char *status)
{
	static const struct {
		const char	*status;
		const char	*msgid;
	} status_words[] = {
		{ "pending", N_("On hold") },
		{ "processing", N_("Paying") },
		{ "confirmed", N_("Paid") },
		{ "expired", N_("Expired") },
		{ "cancelled", N_("Cancelled") },
		{ "failed", N_("Payment failed") },
		{ "refunded", N_("Refunded") },
		{ "partially_refunded", N_("Partly refunded") },
	};
	size_t	 i;

	for (i = 0; i < nitems(status_words); i++)
		if (strcmp(status_words[i].status, status) == 0)
			return page_t(req, status_words[i].msgid);
	return status;
}

/* Each paid order's invoice: its number and the admin route's link. */
static void
add_invoices(struct req *req, cJSON *list)
{
	cJSON	*o;
	char	 number[INVOICE_NUMBER_MAX + 1];
	char	 filename[INVOICE_FILENAME_MAX + 1];

	cJSON_ArrayForEach(o, list)
		if (invoice_of_order(req->db, str_of(o, "uid"), number,
		    filename) == DB_OK) {
			cJSON_AddStringToObject(o, "invoice_number", number);
			cJSON_AddStringToObject(o, "invoice_file", filename);
		}
}

/*
 * The orders page of the path's event: its page (from ?page= and with
 * the ?done= note when the route reads them: list_fields), with a
 * message (error, NULL for none).
 */
static enum err
orders_page(struct req *req, int status, const char *error)
{
	cJSON		*ctx, *ev = NULL, *list = NULL, *o;
	int64_t		 page = 1, count = 0;
	enum db_rc	 rc;
	enum err	 e;

	if (req->f != NULL && req->f[LQ_PAGE].present)
		page = req->f[LQ_PAGE].i;
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((e = event_of(req, &ev)) == ERR_OK &&
	    (rc = orderview_list(req->db, tfmt_now(), 0, req->id, OV_ALL,
	    (page - 1) * ORDERS_PER_PAGE, ORDERS_PER_PAGE, &list, &count)) !=
	    DB_OK)
		e = err_from_db(rc);
	if (e == ERR_OK)
		add_invoices(req, list);
	db_tx_rollback(req->db);
	if (e != ERR_OK || (ctx = frame(req, str_of(ev, "title"))) == NULL) {
		cJSON_Delete(ev);
		cJSON_Delete(list);
		return e != ERR_OK ? e : ERR_INTERNAL;
	}
	cJSON_Delete(ev);
	cJSON_ArrayForEach(o, list) {
		cJSON_AddStringToObject(o, "status_text", order_status_text(req,
		    str_of(o, "status")));
		/* Paid orders' tickets can be sent again (lib/transfer). */
		cJSON_AddBoolToObject(o, "resendable", str_of(o, "status") !=
		    NULL && strcmp(str_of(o, "status"), "confirmed") == 0);
	}
	cJSON_AddNumberToObject(ctx, "id", (double)req->id);
	cJSON_AddBoolToObject(ctx, "any", cJSON_GetArraySize(list) > 0);
	cJSON_AddItemToObject(ctx, "orders", list);
	if (page > 1)
		cJSON_AddNumberToObject(ctx, "prev", (double)(page - 1));
	if (page * ORDERS_PER_PAGE < count)
		cJSON_AddNumberToObject(ctx, "next", (double)(page + 1));
	if (error != NULL)
		cJSON_AddStringToObject(ctx, "error", error);
	if (req->f != NULL)
		done_note(req, ctx, &req->f[LQ_DONE]);
	return render(req, status, "orders", ctx);
}

/* GET /organizer/events/{id}/orders?page=: the event's orders, newest
 * first, each paid one with a refund form.  404 for another's event. */
static enum err
h_orders(struct req *req)
{
	enum err	 e;

	if ((e = auth_gate(req, AUTH_ORGANIZER)) != ERR_OK)
		return refused(req, e);
	return orders_page(req, 200, NULL);
}

/*
 * POST /organizer/events/{id}/orders/{uid}/refund (form: csrf, amount,
 * empty for all that is left): records the refund (lib/payment.h
 * pay_refund_begin(): a full one stops the tickets at once) and starts
 * `biljett expire`, which sends it to the provider -- pay holds the
 * provider keys, not this program; the expire timer sends it too.  303
 * to the orders page; the page again with the reason when the amount
 * or the order's status does not allow it; 404 for another's order.
 */
static enum err
h_refund(struct req *req)
{
	struct pay_refund_due	 due;
	struct order		 o;
	const char		*uid = http_param(req, 1), *amount_s, *detail;
	int64_t			 amount = 0;
	enum db_rc		 rc;
	enum err		 e;
	int			 full;

	if ((e = auth_gate(req, AUTH_ORGANIZER)) != ERR_OK)
		return refused(req, e);
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	e = owned(req);
	rc = uid != NULL ? orderview_find(req->db, uid, &o) : DB_NOTFOUND;
	db_tx_rollback(req->db);
	if (e != ERR_OK)
		return e;
	if (rc != DB_OK || o.event_id != req->id)
		return rc == DB_NOTFOUND || rc == DB_OK ? ERR_ORDER_NOT_FOUND :
		    err_from_db(rc);
	amount_s = form_trim(req, "amount");
	if (*amount_s != '\0' && (money_parse_decimal(amount_s, o.currency,
	    &amount) != MONEY_OK || amount == 0))
		return orders_page(req, 400, page_t(req, "Enter the amount to "
		    "refund, such as 150 or 99.50, or leave it empty to refund "
		    "all that is left."));
	e = pay_refund_begin(req->db, tfmt_now(), o.id, amount,
	    "refunded by the organizer", req->user.id, &due, &full, &detail);
	if (e == ERR_BAD_REQUEST)
		return orders_page(req, 400, page_t(req, "That is more than is "
		    "left to refund on this order."));
	if (e == ERR_ORDER_STATE)
		return orders_page(req, 409, page_t(req, "Only paid orders can "
		    "be refunded."));
	if (e != ERR_OK)
		return e;
	/* Said as it is: some providers take no refunds from us. */
	if (provider_refunds_by_hand(due.provider)) {
		log_info("order %lld: refund %lld left to a person (%s)",
		    (long long)o.id, (long long)due.refund_id,
		    provider_name(due.provider));
		spawn_cli(req->conf, "expire");
		return to(req, req->id, "/orders", "refunded_by_hand");
	}
	spawn_cli(req->conf, "expire");
	return to(req, req->id, "/orders", "refunded");
}

/*
 * POST /organizer/events/{id}/orders/{uid}/resend (form: csrf, email,
 * empty for the order's own): queues the order's ticket mail again
 * (lib/transfer; a corrected address becomes the order's, audited) and
 * starts `biljett mail`.  303 to the orders page; the page again with
 * the reason (not paid, a bad address, 429 past the resend limit); 404
 * for another's order.
 */
static enum err
h_resend(struct req *req)
{
	struct order	 o;
	const char	*uid = http_param(req, 1), *email;
	int64_t		 wait;
	enum db_rc	 rc;
	enum err	 e;

	if ((e = auth_gate(req, AUTH_ORGANIZER)) != ERR_OK)
		return refused(req, e);
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	e = owned(req);
	rc = uid != NULL ? orderview_find(req->db, uid, &o) : DB_NOTFOUND;
	db_tx_rollback(req->db);
	if (e != ERR_OK)
		return e;
	if (rc != DB_OK || o.event_id != req->id)
		return rc == DB_NOTFOUND || rc == DB_OK ? ERR_ORDER_NOT_FOUND :
		    err_from_db(rc);
	email = form_trim(req, "email");
	e = transfer_resend(req->db, tfmt_now(), o.id, *email != '\0' ? email :
	    NULL, req->user.id, &wait);
	if (e == ERR_BUSY || e == ERR_INTERNAL)
		return e;
	if (e == ERR_BAD_REQUEST)
		return orders_page(req, 400, page_t(req, "Enter a valid e-mail "
		    "address, or leave it empty to use the order's."));
	if (e != ERR_OK)
		return orders_page(req, err_def(e)->status, i18n_get(req->lang,
		    err_def(e)->message));
	spawn_cli(req->conf, "mail");
	return to(req, req->id, "/orders", "resent");
}

/* ---- staff, scanners, store ------------------------------------------- */

/* Adds name: the "data" of a list doc lib/ made (consumed), with
 * has_<name> saying whether it has any. */
static void
add_list(cJSON *ctx, const char *name, const char *has, cJSON *doc)
{
	cJSON	*data = cJSON_DetachItemFromObject(doc, "data");

	cJSON_AddBoolToObject(ctx, has, cJSON_GetArraySize(data) > 0);
	cJSON_AddItemToObject(ctx, name, data != NULL ? data :
	    cJSON_CreateArray());
	cJSON_Delete(doc);
}

/*
 * GET /organizer/staff: the asker's staff accounts and door scanners
 * (an admin's scanners: everyone's, as lib/scanner shows them) with
 * what each admits, and where they and the store are managed.
 */
static enum err
h_staff(struct req *req)
{
	cJSON		*ctx, *doc = NULL, *sc;
	int64_t		 n;
	enum err	 e;

	if ((e = auth_gate(req, AUTH_ORGANIZER)) != ERR_OK)
		return refused(req, e);
	if ((ctx = frame(req, page_t(req, "Staff and scanners"))) == NULL)
		return ERR_INTERNAL;
	if ((e = account_list(req->db, req->user.id, 1, PER_PAGE_MAX,
	    &doc)) != ERR_OK) {
		cJSON_Delete(ctx);
		return e;
	}
	add_list(ctx, "staff", "has_staff", doc);
	if ((e = scanner_list(req->db, req->user.role == ROLE_ADMIN ? 0 :
	    req->user.id, 1, PER_PAGE_MAX, &doc)) != ERR_OK) {
		cJSON_Delete(ctx);
		return e;
	}
	add_list(ctx, "scanners", "has_scanners", doc);
	cJSON_ArrayForEach(sc, cJSON_GetObjectItemCaseSensitive(ctx,
	    "scanners")) {
		n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(sc,
		    "events"));
		cJSON_AddStringToObject(sc, "admits", cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(sc, "all_events")) ?
		    page_t(req, "All events") : page_tn(req, "{n} chosen "
		    "events", (long long)n));
	}
	return render(req, 200, "staff", ctx);
}

/* ---- ticket types ------------------------------------------------------ */

/* The local calendar date of t, at noon (a day's arithmetic never
 * crosses a daylight-saving change). */
static struct tm
noon_of(int64_t t)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	memset(&tm, 0, sizeof(tm));
	(void)localtime_r(&tt, &tm);
	tm.tm_hour = 12;
	tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return tm;
}

/* How many calendar days the event touches (1 .. ROWS_MAX). */
static int64_t
event_days(const cJSON *ev)
{
	struct tm	 a, b;
	int64_t		 start, end, n;

	if (tfmt_parse_iso(str_of(ev, "start_date"), &start) == -1 ||
	    tfmt_parse_iso(str_of(ev, "end_date"), &end) == -1)
		return 1;
	a = noon_of(start);
	b = noon_of(end);
	n = (int64_t)((mktime(&b) - mktime(&a) + 43200) / 86400) + 1;
	return n < 1 ? 1 : n > ROWS_MAX ? ROWS_MAX : n;
}

/* The date ("YYYY-MM-DD") of the event's day n (1: its first). */
static const char *
day_date(struct req *req, const cJSON *ev, int64_t n)
{
	struct tm	 tm;
	int64_t		 start;
	char		 buf[16];

	if (tfmt_parse_iso(str_of(ev, "start_date"), &start) == -1)
		return "";
	tm = noon_of(start);
	tm.tm_mday += (int)(n - 1);
	if (mktime(&tm) == (time_t)-1 ||
	    strftime(buf, sizeof(buf), "%Y-%m-%d", &tm) == 0)
		return "";
	return arena_strdup(req->pool, buf);
}

/*
 * Does a new-type form of kind with days and tiers rows stay within
 * PARAM_MAX posted fields?  (The parser refuses a longer form whole.)
 */
static int
form_fits(const char *kind, int64_t days, int64_t tiers)
{
	int64_t	 n = FORM_FIXED;

	if (strcmp(kind, "tier_and_day") == 0)
		n += 2 * days + tiers + 2 * (days + 1) * tiers + 1;
	else if (strcmp(kind, "day_based") == 0)
		n += 4 * days + 3;
	else if (strcmp(kind, "tiered") == 0)
		n += 3 * tiers;
	else
		n += 2;
	return n <= PARAM_MAX;
}

/* An input's name: prefix, a number, suffix ("day", 2, "_name"). */
static const char *
iname(struct req *req, const char *prefix, int64_t n, const char *suffix)
{
	const char	*s = arena_printf(req->pool, "%s%lld%s", prefix,
			    (long long)n, suffix);

	return s != NULL ? s : "";
}

/* A matrix cell's input: c<day>_<tier>_<what>. */
static const char *
cname(struct req *req, int64_t d, int64_t t, const char *what)
{
	const char	*s = arena_printf(req->pool, "c%lld_%lld_%s",
			    (long long)d, (long long)t, what);

	return s != NULL ? s : "";
}

/* One row of a new tiered or day-based type. */
static void
new_row(struct req *req, cJSON *rows, int day, int64_t n, const char *name,
    const char *date, const cJSON *ierrs)
{
	cJSON		*row = cJSON_CreateObject(), *o;
	const char	*p = day ? "day" : "tier";

	cJSON_AddNumberToObject(row, "n", (double)n);
	o = input(req, row, "name", iname(req, p, n, "_name"), day ?
	    page_tn(req, "Day {n}: name", (long long)n) :
	    page_tn(req, "Tier {n}: name", (long long)n), "text", name, ierrs);
	cJSON_AddBoolToObject(o, "sr", 1);
	if (day) {
		o = input(req, row, "date", iname(req, "day", n, "_date"),
		    page_tn(req, "Day {n}: date", (long long)n), "date", date,
		    ierrs);
		cJSON_AddBoolToObject(o, "sr", 1);
	}
	o = input(req, row, "price", iname(req, p, n, "_price"), day ?
	    page_tn(req, "Day {n}: price", (long long)n) :
	    page_tn(req, "Tier {n}: price", (long long)n), "text", "", ierrs);
	cJSON_AddBoolToObject(o, "sr", 1);
	cJSON_AddStringToObject(o, "mode", "decimal");
	o = input(req, row, "qty", iname(req, p, n, "_qty"), day ?
	    page_tn(req, "Day {n}: places", (long long)n) :
	    page_tn(req, "Tier {n}: places", (long long)n), "number", "",
	    ierrs);
	cJSON_AddBoolToObject(o, "sr", 1);
	cJSON_AddStringToObject(o, "min", "1");
	cJSON_AddItemToArray(rows, row);
}

/* One cell of a new matrix: a price and places input, labelled by the
 * row (day) and tier t, named price and qty. */
static void
new_cell(struct req *req, cJSON *cells, const char *row, int64_t t,
    const char *price, const char *qty, const cJSON *ierrs)
{
	cJSON	*cell = cJSON_CreateObject(), *o;

	o = input(req, cell, "price", price, arena_printf(req->pool, "%s, %s",
	    row, page_tn(req, "tier {n}: price", (long long)t)), "text", "",
	    ierrs);
	cJSON_AddBoolToObject(o, "sr", 1);
	cJSON_AddStringToObject(o, "mode", "decimal");
	o = input(req, cell, "qty", qty, arena_printf(req->pool, "%s, %s", row,
	    page_tn(req, "tier {n}: places", (long long)t)), "number", "",
	    ierrs);
	cJSON_AddBoolToObject(o, "sr", 1);
	cJSON_AddStringToObject(o, "min", "1");
	cJSON_AddItemToArray(cells, cell);
}

/*
 * The day x tier matrix of a new tier_and_day type ("mx"): the tiers'
 * names, each day's name, date and cells, and a row of all-days passes
 * (one per tier, sitting in its tier's cell every day).
 */
static void
new_matrix(struct req *req, cJSON *nf, const cJSON *ev, int64_t days,
    int64_t tiers, const cJSON *ierrs)
{
	cJSON		*mx = cJSON_AddObjectToObject(nf, "mx");
	cJSON		*list, *row, *cells, *o;
	const char	*day;
	int64_t		 d, t;

	list = cJSON_AddArrayToObject(mx, "tiers");
	for (t = 1; t <= tiers; t++) {
		row = cJSON_CreateObject();
		cJSON_AddStringToObject(row, "label", page_tn(req, "Tier {n}",
		    (long long)t));
		o = input(req, row, "name", iname(req, "tier", t, "_name"),
		    page_tn(req, "Tier {n}: name", (long long)t), "text", "",
		    ierrs);
		cJSON_AddBoolToObject(o, "sr", 1);
		cJSON_AddItemToArray(list, row);
	}
	list = cJSON_AddArrayToObject(mx, "days");
	for (d = 1; d <= days; d++) {
		row = cJSON_CreateObject();
		day = page_tn(req, "Day {n}", (long long)d);
		cJSON_AddStringToObject(row, "label", day);
		o = input(req, row, "name", iname(req, "day", d, "_name"),
		    page_tn(req, "Day {n}: name", (long long)d), "text", day,
		    ierrs);
		cJSON_AddBoolToObject(o, "sr", 1);
		o = input(req, row, "date", iname(req, "day", d, "_date"),
		    page_tn(req, "Day {n}: date", (long long)d), "date",
		    day_date(req, ev, d), ierrs);
		cJSON_AddBoolToObject(o, "sr", 1);
		cells = cJSON_AddArrayToObject(row, "cells");
		for (t = 1; t <= tiers; t++)
			new_cell(req, cells, day, t, cname(req, d, t, "price"),
			    cname(req, d, t, "qty"), ierrs);
		cJSON_AddItemToArray(list, row);
	}
	row = cJSON_AddObjectToObject(mx, "all");
	day = page_t(req, "All days");
	cJSON_AddStringToObject(row, "label", day);
	o = input(req, row, "name", "all_name", page_t(req, "All days: name"),
	    "text", day, ierrs);
	cJSON_AddBoolToObject(o, "sr", 1);
	cells = cJSON_AddArrayToObject(row, "cells");
	for (t = 1; t <= tiers; t++)
		new_cell(req, cells, day, t, iname(req, "all", t, "_price"),
		    iname(req, "all", t, "_qty"), ierrs);
}

/*
 * Adds "new": the form for a new ticket type of the event's pricing
 * kind, with days and tiers rows where the kind has them.
 */
static void
new_form(struct req *req, cJSON *ctx, const cJSON *ev, int64_t days,
    int64_t tiers, const cJSON *ierrs)
{
	const char	*kind = str_of(ev, "pricing_type");
	cJSON		*nf = cJSON_AddObjectToObject(ctx, "new");
	cJSON		*rows, *o, *all;
	int64_t		 n;

	cJSON_AddBoolToObject(nf, kind, 1);
	cJSON_AddNumberToObject(nf, "days", (double)days);
	cJSON_AddNumberToObject(nf, "tiers", (double)tiers);
	cJSON_AddNumberToObject(nf, "max", ROWS_MAX);
	cJSON_AddBoolToObject(input(req, nf, "name_sv", "name_sv",
	    page_t(req, "Name in Swedish"), "text", "", ierrs), "req", 1);
	input(req, nf, "name_en", "name_en", page_t(req, "Name in English"),
	    "text", "", ierrs);
	yes_no(req, nf, "reentry", "reentry", page_t(req, "Re-entry"),
	    page_t(req, "As the event says"), "", ierrs);
	if (strcmp(kind, "simple") == 0) {
		o = input(req, nf, "price", "price", page_t(req, "Price"),
		    "text", "", ierrs);
		cJSON_AddStringToObject(o, "mode", "decimal");
		cJSON_AddBoolToObject(o, "req", 1);
		o = input(req, nf, "qty", "qty", page_t(req, "Places"),
		    "number", "", ierrs);
		cJSON_AddStringToObject(o, "min", "1");
		cJSON_AddBoolToObject(o, "req", 1);
		return;
	}
	o = input(req, nf, "total", "total", page_t(req, "Places of this "
	    "type in all (empty: the sum of the rows)"), "number", "", ierrs);
	cJSON_AddStringToObject(o, "min", "1");
	if (strcmp(kind, "tier_and_day") == 0) {
		new_matrix(req, nf, ev, days, tiers, ierrs);
		return;
	}
	rows = cJSON_AddArrayToObject(nf, "rows");
	if (strcmp(kind, "tiered") == 0) {
		for (n = 1; n <= tiers; n++)
			new_row(req, rows, 0, n, "", NULL, ierrs);
		return;
	}
	for (n = 1; n <= days; n++)
		new_row(req, rows, 1, n, page_tn(req, "Day {n}",
		    (long long)n), day_date(req, ev, n), ierrs);
	all = cJSON_AddObjectToObject(nf, "all");
	o = input(req, all, "name", "all_name", page_t(req, "All days: name"),
	    "text", page_t(req, "All days"), ierrs);
	cJSON_AddBoolToObject(o, "sr", 1);
	o = input(req, all, "price", "all_price", page_t(req, "All days: "
	    "price"), "text", "", ierrs);
	cJSON_AddBoolToObject(o, "sr", 1);
	cJSON_AddStringToObject(o, "mode", "decimal");
	o = input(req, all, "qty", "all_qty", page_t(req, "All days: places"),
	    "number", "", ierrs);
	cJSON_AddBoolToObject(o, "sr", 1);
	cJSON_AddStringToObject(o, "min", "1");
}

/* One sellable row of an existing type, its price and places editable
 * as p<id> and q<id>. */
static cJSON *
edit_row(struct req *req, const cJSON *v, const char *label,
    const char *currency, const cJSON *ierrs)
{
	cJSON		*row = cJSON_CreateObject(), *o;
	int64_t		 id = num_of(v, "id");

	cJSON_AddStringToObject(row, "label", label);
	cJSON_AddStringToObject(row, "price_text", price_text(req,
	    str_of(v, "price"), currency));
	cJSON_AddNumberToObject(row, "sold", (double)num_of(v,
	    "quantity_sold"));
	cJSON_AddNumberToObject(row, "available", (double)num_of(v,
	    "available_quantity"));
	o = input(req, row, "price", iname(req, "p", id, ""),
	    arena_printf(req->pool, "%s: %s", label, page_t(req, "price")),
	    "text", str_of(v, "price"), ierrs);
	cJSON_AddBoolToObject(o, "sr", 1);
	cJSON_AddStringToObject(o, "mode", "decimal");
	o = input(req, row, "qty", iname(req, "q", id, ""),
	    arena_printf(req->pool, "%s: %s", label, page_t(req, "places")),
	    "number", num_str(req, num_of(v, "quantity")), ierrs);
	cJSON_AddBoolToObject(o, "sr", 1);
	cJSON_AddStringToObject(o, "min", "1");
	return row;
}

/* The rows of a tiered or day-based type ("rows"). */
static void
edit_rows(struct req *req, cJSON *ty, const cJSON *t, const char *currency,
    const cJSON *ierrs)
{
	cJSON		*rows = cJSON_AddArrayToObject(ty, "rows");
	const cJSON	*v;
	const char	*label, *date;

	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(t, "tiers"))
		cJSON_AddItemToArray(rows, edit_row(req, v, nz(str_of(v,
		    "name")), currency, ierrs));
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(t,
	    "day_passes")) {
		date = str_of(v, "date");
		label = date != NULL ? arena_printf(req->pool, "%s (%s)",
		    nz(str_of(v, "name")), date) : str_of(v, "name");
		cJSON_AddItemToArray(rows, edit_row(req, v, label != NULL ?
		    label : "", currency, ierrs));
	}
}

/* The all-days pass of tier number n among passes, or NULL. */
static const cJSON *
pass_of_tier(const cJSON *passes, int64_t n)
{
	const cJSON	*p;

	cJSON_ArrayForEach(p, passes)
		if (num_of(p, "tier_number") == n)
			return p;
	return NULL;
}

/*
 * One row of an existing matrix: label, then for each of m's tiers the
 * cell byday has for it (a day's) or the tier's pass in passes (the
 * all-days row), or a gap ("missing").
 */
static cJSON *
matrix_row(struct req *req, const char *label, const cJSON *m,
    const cJSON *byday, const cJSON *passes, const char *currency,
    const cJSON *ierrs)
{
	cJSON		*row = cJSON_CreateObject(), *cells, *cell;
	const cJSON	*t, *c;
	char		 key[24];

	cJSON_AddStringToObject(row, "label", label);
	cells = cJSON_AddArrayToObject(row, "cells");
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(m, "tiers")) {
		snprintf(key, sizeof(key), "%lld", (long long)num_of(t,
		    "number"));
		c = passes != NULL ? pass_of_tier(passes, num_of(t, "number")) :
		    cJSON_GetObjectItemCaseSensitive(byday, key);
		cell = c != NULL ? edit_row(req, c, arena_printf(req->pool,
		    "%s, %s", label, nz(str_of(t, "name"))), currency, ierrs) :
		    cJSON_CreateObject();
		cJSON_AddBoolToObject(cell, "missing", c == NULL);
		cJSON_AddItemToArray(cells, cell);
	}
	return row;
}

/*
 * The day x tier matrix of a tier_and_day type ("mx") from
 * variant_matrix(): days as rows, tiers as columns, and the tiers'
 * all-days passes as a last row ("all").
 */
static void
edit_matrix(struct req *req, cJSON *ty, const cJSON *m, const char *currency,
    const cJSON *ierrs)
{
	cJSON		*mx = cJSON_AddObjectToObject(ty, "mx"), *rows, *row;
	const cJSON	*d, *passes;
	char		 key[24];

	cJSON_AddItemToObject(mx, "tiers", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(m, "tiers"), 1));
	rows = cJSON_AddArrayToObject(mx, "days");
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(m, "days")) {
		snprintf(key, sizeof(key), "%lld", (long long)num_of(d,
		    "number"));
		row = matrix_row(req, nz(str_of(d, "name")), m,
		    cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(m, "matrix"), key), NULL,
		    currency, ierrs);
		if (str_of(d, "date") != NULL)
			cJSON_AddStringToObject(row, "date", str_of(d, "date"));
		cJSON_AddItemToArray(rows, row);
	}
	passes = cJSON_GetObjectItemCaseSensitive(m, "all_days");
	if (cJSON_GetArraySize(passes) > 0)
		cJSON_AddItemToObject(mx, "all", matrix_row(req, page_t(req,
		    "All days"), m, NULL, passes, currency, ierrs));
}

/* A type's reentry_allowed as its select's value: "", "1" or "0". */
static const char *
reentry_str(const cJSON *t)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(t,
			    "reentry_allowed");

	return cJSON_IsBool(v) ? (cJSON_IsTrue(v) ? "1" : "0") : "";
}

/* Adds reentry_allowed to doc from the select input, when posted: "1"
 * true, "0" false, "" null (as the event says). */
static void
doc_reentry(struct req *req, cJSON *doc, const char *input)
{
	const char	*v = form_trim(req, input);

	if (!posted(req, input))
		return;
	if (*v == '\0')
		cJSON_AddNullToObject(doc, "reentry_allowed");
	else
		cJSON_AddBoolToObject(doc, "reentry_allowed",
		    strcmp(v, "1") == 0);
}

/*
 * Adds "types": the event's ticket types (ev's, with "m" the matrix of
 * each tier_and_day type) with the inputs that change them, each form
 * kept within PARAM_MAX fields ("editable").
 */
static void
types_ctx(struct req *req, cJSON *ctx, const cJSON *ev, const cJSON *ierrs)
{
	const char	*currency = str_of(ev, "currency");
	const cJSON	*t, *m;
	cJSON		*list = cJSON_AddArrayToObject(ctx, "types");
	cJSON		*ty, *o;
	int64_t		 id, n, sold;

	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(ev,
	    "ticket_types")) {
		ty = cJSON_CreateObject();
		id = num_of(t, "id");
		sold = num_of(t, "quantity_sold");
		cJSON_AddNumberToObject(ty, "id", (double)id);
		cJSON_AddStringToObject(ty, "name", nz(str_of(t, "name")));
		cJSON_AddNumberToObject(ty, "sold", (double)(sold > 0 ? sold :
		    0));
		cJSON_AddNumberToObject(ty, "available", (double)num_of(t,
		    "available_quantity"));
		cJSON_AddBoolToObject(ty, "deletable", sold <= 0);
		yes_no(req, ty, "reentry", iname(req, "t", id, "_reentry"),
		    page_t(req, "Re-entry"), page_t(req, "As the event says"),
		    reentry_str(t), ierrs);
		o = input(req, ty, "total", iname(req, "t", id, "_total"),
		    page_t(req, "Places in all"), "number", num_str(req,
		    num_of(t, "total_quantity")), ierrs);
		cJSON_AddStringToObject(o, "min", "1");
		if (str_of(t, "price") != NULL) {
			cJSON_AddBoolToObject(ty, "simple", 1);
			o = input(req, ty, "price", iname(req, "t", id,
			    "_price"), page_t(req, "Price"), "text", str_of(t,
			    "price"), ierrs);
			cJSON_AddStringToObject(o, "mode", "decimal");
			n = 0;
		} else if ((m = cJSON_GetObjectItemCaseSensitive(t, "m")) !=
		    NULL) {
			edit_matrix(req, ty, m, currency, ierrs);
			n = cJSON_GetArraySize(
			    cJSON_GetObjectItemCaseSensitive(t,
			    "day_tier_prices")) + cJSON_GetArraySize(
			    cJSON_GetObjectItemCaseSensitive(t, "day_passes"));
		} else {
			edit_rows(req, ty, t, currency, ierrs);
			n = cJSON_GetArraySize(cJSON_GetObjectItem(ty, "rows"));
			cJSON_AddBoolToObject(ty, "tabular", n > 0);
		}
		cJSON_AddBoolToObject(ty, "editable", FORM_FIXED + 2 * n <=
		    PARAM_MAX);
		cJSON_AddItemToArray(list, ty);
	}
}

/* The number of rows a new-type form has: posted (a page rendered
 * again) or asked for (?days=, ?tiers=), else dflt. */
static int64_t
rows_of(struct req *req, const char *name, int q, int64_t dflt)
{
	int64_t	 n;

	if (req->method == METHOD_POST) {
		if (field_strtonum(form(req, name), 1, ROWS_MAX, &n) == 0)
			return n;
		return dflt;
	}
	return req->f[q].present ? req->f[q].i : dflt;
}

/*
 * The ticket types page: the event's types with their forms and the
 * form for a new one, status, with the reasons ierrs (input name: text,
 * consumed; may be NULL) and a note for ?done=.
 */
static enum err
tickets_page(struct req *req, int status, cJSON *ierrs)
{
	cJSON		*ctx = NULL, *ev = NULL, *t, *m;
	const char	*kind;
	int64_t		 days, tiers, now = tfmt_now();
	enum db_rc	 rc;
	enum err	 e;

	if ((rc = db_tx_read(req->db)) != DB_OK) {
		cJSON_Delete(ierrs);
		return err_from_db(rc);
	}
	if ((e = event_of(req, &ev)) == ERR_OK) {
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(ev,
		    "ticket_types"))
			if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
			    t, "day_tier_prices")) > 0 && (m = variant_matrix(
			    req->db, num_of(t, "id"), req->lang, now)) != NULL)
				cJSON_AddItemToObject(t, "m", m);
		ctx = frame(req, str_of(ev, "title"));
	}
	db_tx_rollback(req->db);
	if (ctx == NULL) {
		cJSON_Delete(ev);
		cJSON_Delete(ierrs);
		return e != ERR_OK ? e : ERR_INTERNAL;
	}
	kind = nz(str_of(ev, "pricing_type"));
	days = rows_of(req, "days", TQ_DAYS, event_days(ev));
	tiers = rows_of(req, "tiers", TQ_TIERS, ROWS_DEFAULT);
	if (!form_fits(kind, days, tiers)) {
		add_once(ierrs != NULL ? ierrs : (ierrs = cJSON_CreateObject()),
		    "", page_t(req, "That many days and tiers do not fit in "
		    "one form: choose fewer."));
		days = event_days(ev);
		tiers = ROWS_DEFAULT;
		if (!form_fits(kind, days, tiers))
			days = 1;
	}
	types_ctx(req, ctx, ev, ierrs);
	new_form(req, ctx, ev, days, tiers, ierrs);
	summary(ctx, ierrs);
	cJSON_Delete(ierrs);
	cJSON_AddItemToObject(ctx, "event", ev);
	if (req->method == METHOD_GET)
		done_note(req, ctx, &req->f[TQ_DONE]);
	return render(req, status, "tickets", ctx);
}

/* GET /organizer/events/{id}/tickets?days=&tiers=: see tickets_page(). */
static enum err
h_tickets(struct req *req)
{
	enum err	 e;

	if ((e = auth_gate(req, AUTH_ORGANIZER)) != ERR_OK)
		return refused(req, e);
	return tickets_page(req, 200, NULL);
}

/*
 * One row a form saves through variant_save(): its kind, the JSON it
 * became, the validated fields, the input each field came from (for
 * the reasons), and the id it is saved as (0: new).
 */
struct vrow_in {
	enum variant_kind	 kind;
	int64_t			 id;
	cJSON			*doc;
	struct field_val	 f[VF__MAX];
	const char		*in[VF__MAX];
};

/* A new row of kind k (arena memory; doc is the caller's to free). */
static struct vrow_in *
row_new(struct req *req, enum variant_kind k, int64_t id)
{
	struct vrow_in	*r = arena_calloc(req->pool, 1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->kind = k;
	r->id = id;
	r->doc = cJSON_CreateObject();
	return r;
}

/* Moves the reasons lib/ gave for row r (by API field) onto its inputs. */
static void
row_errs(struct req *req, const struct vrow_in *r, const cJSON *errs,
    cJSON *ierrs)
{
	const cJSON	*e;
	const char	*in;
	int		 i;

	cJSON_ArrayForEach(e, errs) {
		in = "";
		for (i = 0; i < VF__MAX; i++)
			if (strcmp(variant_fields[i].name, e->string) == 0 &&
			    r->in[i] != NULL)
				in = r->in[i];
		add_once(ierrs, in, reason_text(req, e->string,
		    cJSON_IsString(e) ? e->valuestring : ""));
	}
}

/* Validates row r's doc into r->f; reasons onto ierrs.  Returns the
 * number of bad fields. */
static size_t
row_validate(struct req *req, struct vrow_in *r, cJSON *ierrs)
{
	cJSON	*errs = cJSON_CreateObject();
	size_t	 n;

	n = field_validate(req->pool, variant_fields, VF__MAX, r->doc, NULL,
	    r->f, errs);
	row_errs(req, r, errs, ierrs);
	cJSON_Delete(errs);
	return n;
}

/* Saves row r (inside the caller's write transaction).  Reasons onto
 * ierrs.  Returns variant_save()'s outcome; r->id gets the row's id. */
static enum err
row_save(struct req *req, struct vrow_in *r, cJSON *ierrs)
{
	struct actor	 a = auth_actor(req);
	cJSON		*errs = cJSON_CreateObject();
	int64_t		 out = 0;
	enum err	 e;

	e = variant_save(req->db, tfmt_now(), &a, r->kind, r->id, r->f, errs,
	    &out);
	row_errs(req, r, errs, ierrs);
	cJSON_Delete(errs);
	if (e == ERR_OK)
		r->id = out;
	return e;
}

static void
rows_free(struct vrow_in **rows, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (rows[i] != NULL)
			cJSON_Delete(rows[i]->doc);
}

/* Adds the type fields of the new-type form to r (a VK_TYPE row) for
 * the event with slug. */
static void
new_type_doc(struct req *req, struct vrow_in *r, const char *slug,
    int simple)
{
	cJSON_AddStringToObject(r->doc, "event", slug);
	doc_texts(req, r->doc, "name", "name_sv", "name_en");
	r->in[VF_NAME] = "name_sv";
	doc_reentry(req, r->doc, "reentry");
	r->in[VF_REENTRY] = "reentry";
	if (simple) {
		doc_money(req, r->doc, "price", "price");
		doc_str(req, r->doc, "total_quantity", "qty", 1);
		r->in[VF_PRICE] = "price";
		r->in[VF_TOTAL_QUANTITY] = "qty";
	} else {
		doc_str(req, r->doc, "total_quantity", "total", 1);
		r->in[VF_TOTAL_QUANTITY] = "total";
	}
}

/* Are inputs a, b and c (unless NULL) all empty? */
static int
all_empty(struct req *req, const char *a, const char *b, const char *c)
{
	return *form_trim(req, a) == '\0' && *form_trim(req, b) == '\0' &&
	    (c == NULL || *form_trim(req, c) == '\0');
}

/*
 * The rows of a new tiered or day-based type: tier<n>_name, _price,
 * _qty or day<n>_name, _date, _price, _qty, and all_name, all_price,
 * all_qty for the all-days pass.  Rows left empty are skipped.
 */
static size_t
new_rows_list(struct req *req, int day, int64_t count, struct vrow_in **rows)
{
	struct vrow_in	*r;
	size_t		 n = 0;
	int64_t		 i;

	for (i = 1; i <= count; i++) {
		const char *p = day ? "day" : "tier";
		const char *name = iname(req, p, i, "_name");
		const char *price = iname(req, p, i, "_price");
		const char *qty = iname(req, p, i, "_qty");
		const char *date = iname(req, "day", i, "_date");

		if (all_empty(req, price, qty, day ? NULL : name) ||
		    (r = row_new(req, day ? VK_DAY_PASS : VK_TIER, 0)) == NULL)
			continue;
		cJSON_AddNumberToObject(r->doc, day ? "day_number" :
		    "tier_number", (double)i);
		doc_str(req, r->doc, "name", name, 0);
		doc_money(req, r->doc, "price", price);
		doc_str(req, r->doc, "quantity", qty, 1);
		r->in[VF_NAME] = r->in[VF_TIER_NUMBER] = name;
		r->in[VF_DAY_NUMBER] = name;
		r->in[VF_PRICE] = price;
		r->in[VF_QUANTITY] = qty;
		if (day) {
			doc_str(req, r->doc, "date", date, 1);
			r->in[VF_DATE] = date;
		}
		rows[n++] = r;
	}
	if (day && !all_empty(req, "all_price", "all_qty", NULL) &&
	    (r = row_new(req, VK_DAY_PASS, 0)) != NULL) {
		cJSON_AddBoolToObject(r->doc, "is_all_days", 1);
		doc_str(req, r->doc, "name", "all_name", 0);
		doc_money(req, r->doc, "price", "all_price");
		doc_str(req, r->doc, "quantity", "all_qty", 1);
		r->in[VF_NAME] = "all_name";
		r->in[VF_PRICE] = "all_price";
		r->in[VF_QUANTITY] = "all_qty";
		rows[n++] = r;
	}
	return n;
}

/*
 * The all-days pass of tier t of a new tier_and_day type (all<t>_price,
 * all<t>_qty), named all_name and the tier's name ("All days – VIP"),
 * or NULL when left empty.  The tier's name goes along to be checked:
 * a pass of a tier without a name would be a pass of nothing.
 */
static struct vrow_in *
all_days_pass(struct req *req, int64_t t)
{
	struct vrow_in	*r;
	const char	*price = iname(req, "all", t, "_price");
	const char	*qty = iname(req, "all", t, "_qty");
	const char	*tier = iname(req, "tier", t, "_name");
	const char	*all = form_trim(req, "all_name");
	const char	*name = form_trim(req, tier);

	if (all_empty(req, price, qty, NULL) ||
	    (r = row_new(req, VK_DAY_PASS, 0)) == NULL)
		return NULL;
	cJSON_AddBoolToObject(r->doc, "is_all_days", 1);
	cJSON_AddNumberToObject(r->doc, "tier_number", (double)t);
	cJSON_AddStringToObject(r->doc, "name", *all == '\0' ? "" :
	    *name == '\0' ? all : arena_printf(req->pool, "%s – %s", all,
	    name));
	doc_str(req, r->doc, "tier_name", tier, 0);
	doc_money(req, r->doc, "price", price);
	doc_str(req, r->doc, "quantity", qty, 1);
	r->in[VF_NAME] = r->in[VF_IS_ALL_DAYS] = "all_name";
	r->in[VF_TIER_NAME] = r->in[VF_TIER_NUMBER] = tier;
	r->in[VF_PRICE] = price;
	r->in[VF_QUANTITY] = qty;
	return r;
}

/*
 * The cells of a new tier_and_day type: c<d>_<t>_price and _qty, with
 * day<d>_name, day<d>_date and tier<t>_name, then the tiers' all-days
 * passes.  Cells left empty are skipped (a tier not sold on a day).
 */
static size_t
new_cells_list(struct req *req, int64_t days, int64_t tiers,
    struct vrow_in **rows)
{
	struct vrow_in	*r;
	size_t		 n = 0;
	int64_t		 d, t;

	for (d = 1; d <= days; d++)
		for (t = 1; t <= tiers; t++) {
			const char *price = cname(req, d, t, "price");
			const char *qty = cname(req, d, t, "qty");
			const char *day = iname(req, "day", d, "_name");
			const char *date = iname(req, "day", d, "_date");
			const char *tier = iname(req, "tier", t, "_name");

			if (all_empty(req, price, qty, NULL) ||
			    (r = row_new(req, VK_DAY_TIER, 0)) == NULL)
				continue;
			cJSON_AddNumberToObject(r->doc, "day_number",
			    (double)d);
			cJSON_AddNumberToObject(r->doc, "tier_number",
			    (double)t);
			doc_str(req, r->doc, "day_name", day, 0);
			doc_str(req, r->doc, "date", date, 1);
			doc_str(req, r->doc, "tier_name", tier, 0);
			doc_money(req, r->doc, "price", price);
			doc_str(req, r->doc, "quantity", qty, 1);
			r->in[VF_DAY_NAME] = r->in[VF_DAY_NUMBER] = day;
			r->in[VF_NAME] = day;
			r->in[VF_DATE] = date;
			r->in[VF_TIER_NAME] = r->in[VF_TIER_NUMBER] = tier;
			r->in[VF_PRICE] = price;
			r->in[VF_QUANTITY] = qty;
			rows[n++] = r;
		}
	for (t = 1; t <= tiers; t++)
		if ((r = all_days_pass(req, t)) != NULL)
			rows[n++] = r;
	return n;
}

/*
 * Saves rows[0..n) in one write transaction, the first being a new type
 * when new_type is set (the others then hang on it).  Reasons onto
 * ierrs.  Returns ERR_OK (committed) or the first refusal (rolled back).
 */
static enum err
rows_save(struct req *req, struct vrow_in **rows, size_t n, int new_type,
    cJSON *ierrs)
{
	enum db_rc	 rc;
	enum err	 e, first = ERR_OK;
	size_t		 i;

	if ((rc = db_tx_immediate(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((first = owned(req)) != ERR_OK) {
		db_tx_rollback(req->db);
		return first;
	}
	for (i = 0; i < n; i++) {
		if (new_type && i > 0) {
			rows[i]->f[VF_TICKET_TYPE].present = 1;
			rows[i]->f[VF_TICKET_TYPE].i = rows[0]->id;
		}
		e = row_save(req, rows[i], ierrs);
		if (first == ERR_OK && e != ERR_OK)
			first = e;
		/* Without its type the rest cannot be saved. */
		if (new_type && i == 0 && e != ERR_OK)
			break;
	}
	if (first != ERR_OK) {
		db_tx_rollback(req->db);
		return first;
	}
	return err_from_db(db_tx_commit(req->db));
}

/* The answer to rows_save()'s outcome e: 303 to the page with done, the
 * page again with the reasons (400, 409), or e. */
static enum err
rows_reply(struct req *req, enum err e, cJSON *ierrs, const char *done)
{
	if (e == ERR_OK) {
		cJSON_Delete(ierrs);
		return to(req, req->id, "/tickets", done);
	}
	if (e == ERR_BAD_REQUEST || e == ERR_CONFLICT || e == ERR_NOT_FOUND ||
	    e == ERR_IN_USE)
		return tickets_page(req, e == ERR_BAD_REQUEST ? 400 : e ==
		    ERR_NOT_FOUND ? 404 : 409, ierrs);
	cJSON_Delete(ierrs);
	return e;
}

/*
 * The path's event's pricing type (the form's kind) and slug (how a new
 * type names its event: by id, a slug of digits could name another),
 * or NULL with *e saying why.
 */
static const char *
pricing_of(struct req *req, const char **slug, enum err *e)
{
	cJSON		*ev;
	const char	*kind = NULL;
	enum db_rc	 rc;

	if ((rc = db_tx_read(req->db)) != DB_OK) {
		*e = err_from_db(rc);
		return NULL;
	}
	if ((*e = owned(req)) == ERR_OK &&
	    (ev = event_json(req->db, req->id, req->lang, 0, 1, tfmt_now())) !=
	    NULL) {
		kind = arena_strdup(req->pool, nz(str_of(ev, "pricing_type")));
		*slug = arena_strdup(req->pool, nz(str_of(ev, "slug")));
		cJSON_Delete(ev);
	}
	db_tx_rollback(req->db);
	if (*e == ERR_OK && (kind == NULL || *slug == NULL))
		*e = ERR_INTERNAL;
	return *e == ERR_OK ? kind : NULL;
}

/*
 * POST /organizer/events/{id}/tickets (the new-type form of the event's
 * pricing kind): the type and all its rows in one write transaction,
 * then 303 to the page.  The type's total defaults to the sum of its
 * rows' places.  The page again with the reasons: 400, 409.
 */
static enum err
h_tickets_create(struct req *req)
{
	struct vrow_in	**rows;
	const char	*kind, *slug = NULL;
	cJSON		*ierrs;
	int64_t		 days, tiers, sum = 0;
	size_t		 n = 1, i, bad = 0;
	enum err	 e;

	if ((e = auth_gate(req, AUTH_ORGANIZER)) != ERR_OK)
		return refused(req, e);
	if ((kind = pricing_of(req, &slug, &e)) == NULL)
		return e;
	days = rows_of(req, "days", TQ_DAYS, 1);
	tiers = rows_of(req, "tiers", TQ_TIERS, 1);
	if ((rows = arena_calloc(req->pool, (ROWS_MAX + 1) * ROWS_MAX + 2,
	    sizeof(*rows))) == NULL ||
	    (rows[0] = row_new(req, VK_TYPE, 0)) == NULL ||
	    (ierrs = cJSON_CreateObject()) == NULL)
		return ERR_INTERNAL;
	new_type_doc(req, rows[0], slug, strcmp(kind, "simple") == 0);
	if (strcmp(kind, "tiered") == 0)
		n += new_rows_list(req, 0, tiers, rows + 1);
	else if (strcmp(kind, "day_based") == 0)
		n += new_rows_list(req, 1, days, rows + 1);
	else if (strcmp(kind, "tier_and_day") == 0)
		n += new_cells_list(req, days, tiers, rows + 1);
	for (i = 0; i < n; i++) {
		bad += row_validate(req, rows[i], ierrs);
		if (i > 0 && rows[i]->f[VF_QUANTITY].present)
			sum += rows[i]->f[VF_QUANTITY].i;
	}
	if (strcmp(kind, "simple") != 0 && n == 1) {
		add_once(ierrs, "", page_t(req, "Give at least one row a "
		    "price and places."));
		bad++;
	}
	/* No total given: the rows' places, as many as a type may have. */
	if (!rows[0]->f[VF_TOTAL_QUANTITY].present && sum > 0) {
		rows[0]->f[VF_TOTAL_QUANTITY].present = 1;
		rows[0]->f[VF_TOTAL_QUANTITY].i = sum < CAPACITY_MAX ? sum :
		    CAPACITY_MAX;
	}
	e = bad > 0 ? ERR_BAD_REQUEST : rows_save(req, rows, n, 1, ierrs);
	rows_free(rows, n);
	return rows_reply(req, e, ierrs, "types");
}

/* The path's {type} when it is a ticket type of the path's event (inside
 * the caller's transaction): its detail, or NULL (*e says why). */
static cJSON *
type_of(struct req *req, enum err *e)
{
	struct actor	 a = auth_actor(req);
	cJSON		*t;
	int64_t		 id, owner;

	if (field_strtonum(http_param(req, 1), 1, ID_MAX, &id) == -1) {
		*e = ERR_NOT_FOUND;
		return NULL;
	}
	if ((*e = owned(req)) != ERR_OK ||
	    (*e = variant_find(req->db, VK_TYPE, id, &a, &owner)) != ERR_OK)
		return NULL;
	t = variant_json(req->db, VK_TYPE, id, req->lang, tfmt_now());
	if (t == NULL || num_of(t, "event") != req->id) {
		cJSON_Delete(t);
		*e = t == NULL ? ERR_INTERNAL : ERR_NOT_FOUND;
		return NULL;
	}
	return t;
}

/* The edit rows of type t: the type itself, then each variant with its
 * p<id> and q<id>.  Returns the number of rows. */
static size_t
edit_rows_list(struct req *req, const cJSON *t, struct vrow_in **rows,
    size_t max)
{
	static const struct {
		const char		*list;
		enum variant_kind	 kind;
	} lists[] = { { "tiers", VK_TIER }, { "day_passes", VK_DAY_PASS },
	    { "day_tier_prices", VK_DAY_TIER } };
	const cJSON	*v;
	const char	*in;
	int64_t		 id = num_of(t, "id");
	size_t		 n = 0, i;

	if ((rows[n] = row_new(req, VK_TYPE, id)) == NULL)
		return 0;
	in = iname(req, "t", id, "_total");
	doc_str(req, rows[n]->doc, "total_quantity", in, 1);
	rows[n]->in[VF_TOTAL_QUANTITY] = in;
	in = iname(req, "t", id, "_reentry");
	doc_reentry(req, rows[n]->doc, in);
	rows[n]->in[VF_REENTRY] = in;
	if (str_of(t, "price") != NULL) {
		in = iname(req, "t", id, "_price");
		doc_money(req, rows[n]->doc, "price", in);
		rows[n]->in[VF_PRICE] = in;
	}
	n++;
	for (i = 0; i < nitems(lists); i++)
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(t,
		    lists[i].list)) {
			if (n == max || (rows[n] = row_new(req, lists[i].kind,
			    num_of(v, "id"))) == NULL)
				return n;
			in = iname(req, "p", rows[n]->id, "");
			doc_money(req, rows[n]->doc, "price", in);
			rows[n]->in[VF_PRICE] = in;
			in = iname(req, "q", rows[n]->id, "");
			doc_str(req, rows[n]->doc, "quantity", in, 1);
			rows[n]->in[VF_QUANTITY] = in;
			n++;
		}
	return n;
}

/*
 * POST /organizer/events/{id}/tickets/{type} (form: csrf, t<type>_total,
 * t<type>_price for a simple type, p<id> and q<id> per variant): changes
 * what was given in one write transaction, then 303 to the page; the
 * page again with the reasons (400, 409); 404 for another's type.
 */
static enum err
h_type_save(struct req *req)
{
	struct vrow_in	**rows;
	cJSON		*t, *ierrs;
	size_t		 n, i, bad = 0;
	enum db_rc	 rc;
	enum err	 e;

	if ((e = auth_gate(req, AUTH_ORGANIZER)) != ERR_OK)
		return refused(req, e);
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	t = type_of(req, &e);
	db_tx_rollback(req->db);
	if (t == NULL)
		return e;
	if ((rows = arena_calloc(req->pool, VARIANTS_MAX + 1,
	    sizeof(*rows))) == NULL || (ierrs = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(t);
		return ERR_INTERNAL;
	}
	n = edit_rows_list(req, t, rows, VARIANTS_MAX + 1);
	cJSON_Delete(t);
	for (i = 0; i < n; i++)
		bad += row_validate(req, rows[i], ierrs);
	e = bad > 0 ? ERR_BAD_REQUEST : rows_save(req, rows, n, 0, ierrs);
	rows_free(rows, n);
	return rows_reply(req, e, ierrs, "types");
}

/*
 * POST /organizer/events/{id}/tickets/{type}/delete (form: csrf):
 * removes a type nobody ordered, then 303 to the page; 409 with the
 * page saying why once it was ordered; 404 for another's type.
 */
static enum err
h_type_delete(struct req *req)
{
	struct actor	 a;
	cJSON		*t, *ierrs;
	enum db_rc	 rc;
	enum err	 e;

	if ((e = auth_gate(req, AUTH_ORGANIZER)) != ERR_OK)
		return refused(req, e);
	a = auth_actor(req);
	if ((rc = db_tx_immediate(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((t = type_of(req, &e)) != NULL) {
		e = variant_delete(req->db, tfmt_now(), &a, VK_TYPE,
		    num_of(t, "id"));
		cJSON_Delete(t);
	}
	if (e != ERR_OK)
		db_tx_rollback(req->db);
	else
		e = err_from_db(db_tx_commit(req->db));
	if (e == ERR_IN_USE) {
		ierrs = cJSON_CreateObject();
		add_once(ierrs, "", page_t(req, "Tickets of this type were "
		    "ordered, so it stays."));
		return rows_reply(req, e, ierrs, "deleted");
	}
	if (e != ERR_OK)
		return e;
	return to(req, req->id, "/tickets", "deleted");
}

int
main(int argc, char *argv[])
{
	static const struct app app = { "organizer", routes, nitems(routes),
	    NULL };

	return route_main(argc, argv, &app);
}

/*
 * GET /organizer/events/{id}/checkins: the live check-in numbers
 * (lib/checkin.h checkin_numbers(): arrived / sold, inside now, by type
 * and by gate) as a plain page; static/biljett.js refreshes them from
 * GET /api/organizer/events/{id}/checkins/ every few seconds.  404 for
 * another's event.
 */
static enum err
h_checkins(struct req *req)
{
	cJSON		*ctx, *n = NULL;
	enum db_rc	 rc;
	enum err	 e;

	if ((e = auth_gate(req, AUTH_ORGANIZER)) != ERR_OK)
		return refused(req, e);
	if ((rc = db_tx_read(req->db)) != DB_OK)
		return err_from_db(rc);
	rc = checkin_numbers(req->db, req->id, req->user.role == ROLE_ADMIN ?
	    0 : req->user.id, tfmt_now(), &n);
	ctx = rc == DB_OK ? frame(req, str_of(n, "title")) : NULL;
	db_tx_rollback(req->db);
	if (rc != DB_OK || ctx == NULL) {
		cJSON_Delete(n);
		return rc == DB_NOTFOUND ? ERR_EVENT_NOT_FOUND :
		    rc != DB_OK ? err_from_db(rc) : ERR_INTERNAL;
	}
	cJSON_AddNumberToObject(ctx, "id", (double)req->id);
	cJSON_AddBoolToObject(ctx, "any_gate",
	    cJSON_GetArraySize(cJSON_GetObjectItem(n, "by_gate")) > 0);
	cJSON_AddItemToObject(ctx, "n", n);
	return render(req, 200, "checkins", ctx);
}
