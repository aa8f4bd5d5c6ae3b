/*
 * invoices: seed 000's invoices (its section 6), over lib/invoice.h.
 *
 *	GET /api/invoices			the signed-in user's invoices and
 *						credit notes, paginated as seed
 *						000 does ({data, links, meta})
 *	GET /api/invoices/{filename}		one of them as a PDF
 *	GET /api/invoices/admin/{filename}	any invoice (admins), or one
 *						of the organizer's events'
 *
 * {filename} is "invoice_<organizer>_<number>.pdf" or "credit_...";
 * a malformed one is a 400, another user's (or another organizer's)
 * invoice a 404 like one that does not exist.  The PDF is rendered from
 * the stored invoice on every request (lib/invoicepdf.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "auth.h"
#include "conf.h"
#include "db.h"
#include "http.h"
#include "invoice.h"
#include "invoicepdf.h"
#include "limits.h"
#include "route.h"
#include "user.h"

#define INVOICES_PER_PAGE	15	/* seed 000's default per_page */

static enum err	h_list(struct req *);
static enum err	h_download(struct req *);
static enum err	h_admin(struct req *);

enum list_field { LF_STATUS, LF_FROM, LF_TO, LF_SORT_BY, LF_SORT_ORDER,
	LF_PER_PAGE, LF_PAGE, LF__MAX };

static const struct field_spec list_fields[LF__MAX] = {
	[LF_STATUS] = { "status", FIELD_STRING, FIELD_QUERY, 1, 16, NULL, 0 },
	[LF_FROM] = { "date_from", FIELD_DATE, FIELD_QUERY, 0, 0, NULL, 0 },
	[LF_TO] = { "date_to", FIELD_DATE, FIELD_QUERY, 0, 0, NULL, 0 },
	[LF_SORT_BY] = { "sort_by", FIELD_STRING, FIELD_QUERY, 1, 16,
	    NULL, 0 },
	[LF_SORT_ORDER] = { "sort_order", FIELD_STRING, FIELD_QUERY, 1, 4,
	    NULL, 0 },
	[LF_PER_PAGE] = { "per_page", FIELD_INT, FIELD_QUERY, 1, PER_PAGE_MAX,
	    NULL, 0 },
	[LF_PAGE] = { "page", FIELD_INT, FIELD_QUERY, 1, PAGE_MAX, NULL, 0 },
};

#define R(m, p, h, auth, f, n) \
	{ METHOD_##m, p, h, auth, STYLE_API, f, n, 0, ERR_INVOICE_NOT_FOUND }

/* The admin path first: "admin" is not a file name. */
static const struct route routes[] = {
	R(GET, "/api/invoices", h_list, AUTH_USER, list_fields, LF__MAX),
	R(GET, "/api/invoices/admin/{filename}", h_admin, AUTH_ORGANIZER,
	    NULL, 0),
	R(GET, "/api/invoices/{filename}", h_download, AUTH_USER, NULL, 0),
};

/* Is s one of the NULL-terminated words? */
static int
one_of(const char *s, const char *const *words)
{
	for (; *words != NULL; words++)
		if (strcmp(s, *words) == 0)
			return 1;
	return 0;
}

/* The local midnight starting date ("YYYY-MM-DD", validated), plus
 * days. */
static int64_t
day_start(const char *date, int days)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(date, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday) != 3)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_mday += days;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

/* Where this API is served from, for the links (no trailing slash). */
static const char *
base_url(struct req *req)
{
	const char	*base = conf_str(req->conf, CONF_PUBLIC_URL);
	const char	*host = http_header(req, "Host");
	size_t		 n;

	if (base != NULL && *base != '\0') {
		n = strlen(base);
		return arena_printf(req->pool, "%.*s",
		    (int)(base[n - 1] == '/' ? n - 1 : n), base);
	}
	return arena_printf(req->pool, "%s://%s", req->https ? "https" :
	    "http", host != NULL ? host : "localhost");
}

/* A page's URL in links, or JSON null when there is no such page. */
static void
add_link(cJSON *o, const char *name, const char *path, int64_t page,
    int64_t per_page, int exists, struct req *req)
{
	if (!exists) {
		cJSON_AddNullToObject(o, name);
		return;
	}
	cJSON_AddStringToObject(o, name, arena_printf(req->pool,
	    "%s?page=%lld&per_page=%lld", path, (long long)page,
	    (long long)per_page));
}

/* Reads and checks the list's filters; field errors for bad ones. */
static enum err
read_query(struct req *req, struct invoice_query *q)
{
	static const char *const statuses[] = { "pending", "paid", "failed",
	    "refunded", NULL };
	static const char *const sorts[] = { "uuid", "amount", "created_at",
	    NULL };
	static const char *const orders[] = { "asc", "desc", NULL };
	const struct field_val	*f = req->f;
	enum err		 e = ERR_OK;

	memset(q, 0, sizeof(*q));
	q->user_id = req->user.id;
	q->sort_by = "created_at";
	q->desc = 1;
	q->page = f[LF_PAGE].present ? f[LF_PAGE].i : 1;
	q->per_page = f[LF_PER_PAGE].present ? f[LF_PER_PAGE].i :
	    INVOICES_PER_PAGE;
	if (f[LF_STATUS].present && !one_of(f[LF_STATUS].s, statuses))
		e = http_field_error(req, "status", "not a valid status");
	q->status = f[LF_STATUS].present ? f[LF_STATUS].s : NULL;
	if (f[LF_SORT_BY].present && !one_of(f[LF_SORT_BY].s, sorts))
		e = http_field_error(req, "sort_by", "not a valid field");
	else if (f[LF_SORT_BY].present)
		q->sort_by = f[LF_SORT_BY].s;
	if (f[LF_SORT_ORDER].present && !one_of(f[LF_SORT_ORDER].s, orders))
		e = http_field_error(req, "sort_order", "asc or desc");
	else if (f[LF_SORT_ORDER].present)
		q->desc = strcmp(f[LF_SORT_ORDER].s, "desc") == 0;
	if (f[LF_FROM].present)
		q->from = day_start(f[LF_FROM].s, 0);
	if (f[LF_TO].present)
		q->to = day_start(f[LF_TO].s, 1) - 1;
	return e;
}

/*
 * GET /api/invoices: the signed-in user's invoices and credit notes
 * (status, date_from, date_to, sort_by, sort_order, per_page, page),
 * newest first, in seed 000's Laravel paginator shape.  400 for a bad
 * filter.
 */
static enum err
h_list(struct req *req)
{
	struct invoice_query	 q;
	cJSON			*items, *root, *links, *meta;
	const char		*base, *path;
	int64_t			 total, last, from, to;
	enum err		 e;

	if ((e = read_query(req, &q)) != ERR_OK)
		return e;
	if ((base = base_url(req)) == NULL ||
	    (path = arena_printf(req->pool, "%s/api/invoices", base)) == NULL)
		return ERR_INTERNAL;
	if (invoice_list(req->db, &q, base, &items, &total) != DB_OK)
		return ERR_INTERNAL;
	last = total > 0 ? (total + q.per_page - 1) / q.per_page : 1;
	from = (q.page - 1) * q.per_page + 1;
	to = from + cJSON_GetArraySize(items) - 1;
	root = cJSON_CreateObject();
	cJSON_AddItemToObject(root, "data", items);
	links = cJSON_AddObjectToObject(root, "links");
	add_link(links, "first", path, 1, q.per_page, 1, req);
	add_link(links, "last", path, last, q.per_page, 1, req);
	add_link(links, "prev", path, q.page - 1, q.per_page, q.page > 1, req);
	add_link(links, "next", path, q.page + 1, q.per_page, q.page < last,
	    req);
	meta = cJSON_AddObjectToObject(root, "meta");
	cJSON_AddNumberToObject(meta, "current_page", (double)q.page);
	if (to >= from) {
		cJSON_AddNumberToObject(meta, "from", (double)from);
		cJSON_AddNumberToObject(meta, "to", (double)to);
	} else {
		cJSON_AddNullToObject(meta, "from");
		cJSON_AddNullToObject(meta, "to");
	}
	cJSON_AddNumberToObject(meta, "last_page", (double)last);
	cJSON_AddStringToObject(meta, "path", path);
	cJSON_AddNumberToObject(meta, "per_page", (double)q.per_page);
	cJSON_AddNumberToObject(meta, "total", (double)total);
	return http_json(req, 200, root);
}

/* Answers inv as its PDF, to be saved under its file name. */
static enum err
send_pdf(struct req *req, const struct invoice *inv)
{
	unsigned char	*pdf;
	size_t		 len;
	enum err	 e;

	if (invoicepdf_render(inv, conf_str(req->conf, CONF_INVOICE_FONT),
	    conf_str(req->conf, CONF_INVOICE_FONT_BOLD), &pdf, &len) == -1)
		return ERR_INTERNAL;
	if (http_add_header(req, "Content-Disposition", arena_printf(req->pool,
	    "attachment; filename=\"%s\"", inv->filename)) == -1) {
		free(pdf);
		return ERR_INTERNAL;
	}
	e = http_bytes(req, 200, "application/pdf", pdf, len);
	free(pdf);
	return e;
}

/*
 * Loads the path's invoice into inv (heap: it is large).  400 for a
 * malformed file name, 404 for none.
 */
static enum err
path_invoice(struct req *req, struct invoice **inv)
{
	const char	*name = http_param(req, 0);
	enum db_rc	 rc;

	*inv = NULL;
	if (name == NULL || !invoice_filename_valid(name))
		return http_field_error(req, "filename",
		    "not an invoice file name");
	if ((*inv = malloc(sizeof(**inv))) == NULL)
		return ERR_INTERNAL;
	if ((rc = invoice_load_file(req->db, name, *inv)) != DB_OK) {
		free(*inv);
		*inv = NULL;
		return rc == DB_NOTFOUND ? ERR_INVOICE_NOT_FOUND :
		    err_from_db(rc);
	}
	return ERR_OK;
}

/*
 * GET /api/invoices/{filename}: the signed-in buyer's own invoice or
 * credit note as application/pdf (attachment).  Another user's: 404.
 */
static enum err
h_download(struct req *req)
{
	struct invoice	*inv;
	enum err	 e;

	if ((e = path_invoice(req, &inv)) != ERR_OK)
		return e;
	e = inv->user_id == req->user.id ? send_pdf(req, inv) :
	    ERR_INVOICE_NOT_FOUND;
	free(inv);
	return e;
}

/*
 * GET /api/invoices/admin/{filename}: any invoice for admins; an
 * organizer's own events' invoices for organizers (another organizer's
 * is a 404).  Customers and staff: 403 at the gate.
 */
static enum err
h_admin(struct req *req)
{
	struct invoice	*inv;
	enum err	 e;

	if ((e = path_invoice(req, &inv)) != ERR_OK)
		return e;
	e = req->user.role == ROLE_ADMIN || (inv->organizer_id != 0 &&
	    inv->organizer_id == req->user.id) ? send_pdf(req, inv) :
	    ERR_INVOICE_NOT_FOUND;
	free(inv);
	return e;
}

int
main(int argc, char *argv[])
{
	static const struct app app = { "invoices", routes, nitems(routes),
	    NULL };

	return route_main(argc, argv, &app);
}
