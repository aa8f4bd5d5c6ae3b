/*
 * cart: seed 000's shop, at its paths (billet-jo's shapes where the seed
 * says nothing), on the catalogue's variants and the order core.
 *
 *	GET   /api/products			in-stock products: filters,
 *						sorting, page and per_page
 *	GET   /api/products/all			every product (admins)
 *	GET   /api/products/{id}		one product
 *	POST  /api/products			make a variant a product
 *						(admins; texts in sv, en, de, fr)
 *	POST  /api/products/{id}		change its texts and sale
 *	PATCH /api/products/{id}/pricing	change its sale
 *	GET   /api/cart				the cart: the account's with a
 *						token, else the guest session's
 *	PATCH /api/cart/item/{id}		set a quantity (0 removes); also
 *						/api/cart/items/{id}, billet-jo's
 *	DELETE /api/cart/items			empty the cart
 *
 * Paying for the cart (/api/payments...) is pay's, the program that
 * holds the provider keys; free tickets (POST /api/tickets) are
 * tickets', which serves the other methods of that path.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "auth.h"
#include "cart.h"
#include "db.h"
#include "http.h"
#include "limits.h"
#include "log.h"
#include "money.h"
#include "product.h"
#include "route.h"
#include "session.h"
#include "tfmt.h"

static enum err	h_products(struct req *);
static enum err	h_products_all(struct req *);
static enum err	h_product(struct req *);
static enum err	h_product_create(struct req *);
static enum err	h_product_update(struct req *);
static enum err	h_product_pricing(struct req *);
static enum err	h_cart(struct req *);
static enum err	h_cart_item(struct req *);
static enum err	h_cart_clear(struct req *);

#define Q(name, type, min, max) { name, type, FIELD_QUERY, min, max, NULL, 0 }

enum list_field { LF_PAGE, LF_PER_PAGE, LF_NAME, LF_CATEGORY, LF_LOCATION,
	LF_DATE, LF_PLACES, LF_SORT_BY, LF_ORDER, LF__MAX };

static const struct field_spec list_fields[LF__MAX] = {
	[LF_PAGE] = Q("page", FIELD_INT, 1, PAGE_MAX),
	[LF_PER_PAGE] = Q("per_page", FIELD_INT, 1, PER_PAGE_MAX),
	[LF_NAME] = Q("name", FIELD_STRING, 1, SEARCH_MAX),
	[LF_CATEGORY] = Q("category", FIELD_STRING, 1, SEARCH_MAX),
	[LF_LOCATION] = Q("location", FIELD_STRING, 1, SEARCH_MAX),
	[LF_DATE] = Q("date", FIELD_DATE, 0, 0),
	[LF_PLACES] = Q("places", FIELD_INT, 1, CAPACITY_MAX),
	[LF_SORT_BY] = Q("sort_by", FIELD_STRING, 1, 32),
	[LF_ORDER] = Q("order", FIELD_STRING, 1, 4),
};

enum product_field { PF_TICKET_TYPE, PF_SALE, PF__MAX };

static const struct field_spec create_fields[PF__MAX] = {
	[PF_TICKET_TYPE] = { "ticket_type_id", FIELD_ID, FIELD_REQUIRED, 0, 0,
	    NULL, 0 },
	[PF_SALE] = { "sale", FIELD_MONEY, 0, 0, 0, NULL, 0 },
};

static const struct field_spec update_fields[PF__MAX] = {
	[PF_TICKET_TYPE] = { "ticket_type_id", FIELD_ID, 0, 0, 0, NULL, 0 },
	[PF_SALE] = { "sale", FIELD_MONEY, 0, 0, 0, NULL, 0 },
};

static const struct field_spec pricing_fields[PF__MAX] = {
	[PF_TICKET_TYPE] = { "ticket_type_id", FIELD_ID, 0, 0, 0, NULL, 0 },
	[PF_SALE] = { "sale", FIELD_MONEY, FIELD_REQUIRED, 0, 0, NULL, 0 },
};

enum item_field { IF_QUANTITY, IF__MAX };

static const struct field_spec item_fields[IF__MAX] = {
	[IF_QUANTITY] = { "quantity", FIELD_INT, FIELD_REQUIRED, 0,
	    TICKET_COUNT_MAX, NULL, 0 },
};

#define R(m, p, h, a, f, n) \
	{ METHOD_##m, p, h, a, STYLE_API, f, n, 0, ERR_PRODUCT_NOT_FOUND }

static const struct route routes[] = {
	R(GET, "/api/products", h_products, AUTH_NONE, list_fields, LF__MAX),
	R(GET, "/api/products/all", h_products_all, AUTH_ADMIN, list_fields,
	    LF__MAX),
	R(GET, "/api/products/{id}", h_product, AUTH_NONE, NULL, 0),
	R(POST, "/api/products", h_product_create, AUTH_ADMIN, create_fields,
	    PF__MAX),
	R(POST, "/api/products/{id}", h_product_update, AUTH_ADMIN,
	    update_fields, PF__MAX),
	R(PATCH, "/api/products/{id}/pricing", h_product_pricing, AUTH_ADMIN,
	    pricing_fields, PF__MAX),
	R(GET, "/api/cart", h_cart, AUTH_NONE, NULL, 0),
	R(PATCH, "/api/cart/item/{id}", h_cart_item, AUTH_NONE, item_fields,
	    IF__MAX),
	R(PATCH, "/api/cart/items/{id}", h_cart_item, AUTH_NONE, item_fields,
	    IF__MAX),
	R(DELETE, "/api/cart/items", h_cart_clear, AUTH_NONE, NULL, 0),
};

/*
 * The language of the shop's texts: the one asked for (?lang=, the
 * lang cookie, Accept-Language), English when none of ours is (billet-jo
 * falls back to English; the rest of biljett to Swedish).
 */
static enum lang
shop_lang(const struct req *req)
{
	const char	*q = kv_get(&req->query, "lang");
	const char	*c = kv_get(&req->cookies, "lang");
	const char	*a = req->accept_language;

	if (req->lang != LANG_SV ||
	    (q != NULL && i18n_parse(q) == LANG_SV) ||
	    (c != NULL && i18n_parse(c) == LANG_SV) ||
	    (a != NULL && strstr(a, "sv") != NULL))
		return req->lang;
	return LANG_EN;
}

/* The product of {id} wrapped as billet-jo answers: {"data": ...}. */
static enum err
product_reply(struct req *req, int status, int64_t id)
{
	cJSON	*j, *root;

	if ((j = product_json(req->db, tfmt_now(), id, shop_lang(req))) ==
	    NULL)
		return ERR_PRODUCT_NOT_FOUND;
	root = cJSON_CreateObject();
	cJSON_AddItemToObject(root, "data", j);
	return http_json(req, status, root);
}

/* Reads the listing's sort_by and order; 0 or a field error. */
static enum err
read_sort(struct req *req, struct product_filter *f)
{
	const char	*s = req->f[LF_SORT_BY].s, *o = req->f[LF_ORDER].s;

	if (req->f[LF_SORT_BY].present) {
		if (strcmp(s, "name") == 0)
			f->sort = PRODUCT_SORT_NAME;
		else if (strcmp(s, "price") == 0)
			f->sort = PRODUCT_SORT_PRICE;
		else if (strcmp(s, "product_details->date") == 0 ||
		    strcmp(s, "date") == 0)
			f->sort = PRODUCT_SORT_DATE;
		else
			return http_field_error(req, "sort_by",
			    "One of name, price, product_details->date.");
	}
	if (req->f[LF_ORDER].present) {
		if (strcmp(o, "asc") != 0 && strcmp(o, "desc") != 0)
			return http_field_error(req, "order", "asc or desc.");
		f->desc = strcmp(o, "desc") == 0;
	}
	return ERR_OK;
}

/* The day "YYYY-MM-DD" (valid) where the events are: [start, end). */
static void
day_range(const char *date, int64_t *start, int64_t *end)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (date[0] - '0') * 1000 + (date[1] - '0') * 100 +
	    (date[2] - '0') * 10 + (date[3] - '0') - 1900;
	tm.tm_mon = (date[5] - '0') * 10 + (date[6] - '0') - 1;
	tm.tm_mday = (date[8] - '0') * 10 + (date[9] - '0');
	tm.tm_isdst = -1;
	*start = (int64_t)mktime(&tm);
	tm.tm_mday++;
	tm.tm_hour = 0;
	tm.tm_isdst = -1;
	*end = (int64_t)mktime(&tm);
}

/*
 * The listing, as billet-jo's ProductController::index answers it:
 * {"data": [...], "pagination": {"total", "per_page", "current_page",
 * "last_page"}}.  per_page defaults to 15 (at most PER_PAGE_MAX).  A
 * page past the last is empty (billet-jo answers 404 for an empty
 * page; an empty list is not an error here).
 */
static enum err
list(struct req *req, int all)
{
	struct product_filter	 f;
	cJSON			*data, *root, *pg;
	int64_t			 total, page, per;
	enum db_rc		 rc;
	enum err		 e;

	memset(&f, 0, sizeof(f));
	if ((e = read_sort(req, &f)) != ERR_OK)
		return e;
	page = req->f[LF_PAGE].present ? req->f[LF_PAGE].i : 1;
	per = req->f[LF_PER_PAGE].present ? req->f[LF_PER_PAGE].i : 15;
	f.name = req->f[LF_NAME].s;
	f.category = req->f[LF_CATEGORY].s;
	f.location = req->f[LF_LOCATION].s;
	if (req->f[LF_DATE].present)
		day_range(req->f[LF_DATE].s, &f.day_start, &f.day_end);
	f.places = req->f[LF_PLACES].present ? req->f[LF_PLACES].i : 0;
	f.all = all;
	f.limit = per;
	f.offset = (page - 1) * per;
	if ((rc = product_list(req->db, tfmt_now(), &f, shop_lang(req), &data,
	    &total)) != DB_OK) {
		cJSON_Delete(data);
		return err_from_db(rc);
	}
	root = cJSON_CreateObject();
	cJSON_AddItemToObject(root, "data", data);
	pg = cJSON_AddObjectToObject(root, "pagination");
	cJSON_AddNumberToObject(pg, "total", (double)total);
	cJSON_AddNumberToObject(pg, "per_page", (double)per);
	cJSON_AddNumberToObject(pg, "current_page", (double)page);
	cJSON_AddNumberToObject(pg, "last_page",
	    (double)(total == 0 ? 1 : (total + per - 1) / per));
	return http_json(req, 200, root);
}

/* GET /api/products: products on sale and in stock (see list()). */
static enum err
h_products(struct req *req)
{
	return list(req, 0);
}

/* GET /api/products/all (admins): sold out and unpublished ones too. */
static enum err
h_products_all(struct req *req)
{
	return list(req, 1);
}

/* GET /api/products/{id}: 200 {"data": product}; 404 PRODUCT_NOT_FOUND
 * for one unknown or not published (admins see every one). */
static enum err
h_product(struct req *req)
{
	struct product	 p;
	enum err	 e;

	auth_identify(req);
	if ((e = product_find(req->db, tfmt_now(), req->id,
	    auth_actor(req).is_admin, &p)) != ERR_OK)
		return e;
	return product_reply(req, 200, req->id);
}

/*
 * The body's "translations": for each of sv, en, de and fr an object
 * with "name" and a "description", as billet-jo nests it under
 * "product_details" or beside the name.  Every missing or bad text is
 * a field error ("translations.de.name"); returns ERR_OK or
 * ERR_BAD_REQUEST.
 */
static enum err
read_texts(struct req *req, struct product_texts *t)
{
	const cJSON	*tr, *l, *n, *d, *pd;
	const char	*code;
	char		 field[64];
	enum err	 e = ERR_OK;
	int		 i;

	memset(t, 0, sizeof(*t));
	tr = cJSON_GetObjectItemCaseSensitive(req->body, "translations");
	if (!cJSON_IsObject(tr))
		return http_field_error(req, "translations",
		    "Texts in every language: sv, en, de and fr.");
	for (i = 0; i < LANG__MAX; i++) {
		code = i18n_code((enum lang)i);
		l = cJSON_GetObjectItemCaseSensitive(tr, code);
		snprintf(field, sizeof(field), "translations.%s", code);
		if (!cJSON_IsObject(l)) {
			e = http_field_error(req, field,
			    "This language is required.");
			continue;
		}
		n = cJSON_GetObjectItemCaseSensitive(l, "name");
		pd = cJSON_GetObjectItemCaseSensitive(l, "product_details");
		d = cJSON_GetObjectItemCaseSensitive(cJSON_IsObject(pd) ? pd :
		    l, "description");
		if (!cJSON_IsString(n) || *n->valuestring == '\0' ||
		    strlen(n->valuestring) > PRODUCT_NAME_MAX ||
		    !field_utf8_ok(n->valuestring, strlen(n->valuestring), 0)) {
			snprintf(field, sizeof(field), "translations.%s.name",
			    code);
			e = http_field_error(req, field, "A name of 1 to 255 "
			    "bytes is required.");
		} else
			t->name[i] = n->valuestring;
		if (!cJSON_IsString(d) || *d->valuestring == '\0' ||
		    strlen(d->valuestring) > PRODUCT_DESC_MAX ||
		    !field_utf8_ok(d->valuestring, strlen(d->valuestring), 1)) {
			snprintf(field, sizeof(field),
			    "translations.%s.description", code);
			e = http_field_error(req, field, "A description is "
			    "required.");
		} else
			t->description[i] = d->valuestring;
	}
	return e;
}

/* The body's sale, 0 when absent; ERR_BAD_REQUEST when not 0 <= s < 1. */
static enum err
read_sale(struct req *req, int *sale)
{
	*sale = 0;
	if (req->f[PF_SALE].present &&
	    money_parse_sale(req->f[PF_SALE].s, sale) == -1)
		return http_field_error(req, "sale", "A decimal fraction from "
		    "0 to below 1 (0.10 is 10 % off), at most four decimals.");
	return ERR_OK;
}

/* billet-jo's price and stock_quantity are the variant's here. */
static enum err
refuse_variant_fields(struct req *req)
{
	enum err	 e = ERR_OK;

	if (cJSON_GetObjectItemCaseSensitive(req->body, "price") != NULL)
		e = http_field_error(req, "price", "Set on the ticket type "
		    "(/api/tickets/types/), which the product sells.");
	if (cJSON_GetObjectItemCaseSensitive(req->body, "stock_quantity") !=
	    NULL)
		e = http_field_error(req, "stock_quantity", "Set on the ticket "
		    "type (/api/tickets/types/), which the product sells.");
	return e;
}

/* Creates (id 0: the body's ticket_type_id) or changes a product. */
static enum err
save(struct req *req, int64_t id)
{
	struct product_texts	 t;
	enum err		 e, e2, e3;
	int			 sale;

	e = read_sale(req, &sale);
	e2 = read_texts(req, &t);
	e3 = refuse_variant_fields(req);
	if (e != ERR_OK || e2 != ERR_OK || e3 != ERR_OK)
		return ERR_BAD_REQUEST;
	e = product_save(req->db, tfmt_now(), req->user.id, id != 0 ? id :
	    req->f[PF_TICKET_TYPE].i, id == 0, sale, &t);
	if (e == ERR_BAD_REQUEST)
		return http_field_error(req, "ticket_type_id", "Not a sellable "
		    "ticket type or variant of one event.");
	if (e == ERR_CONFLICT)
		req->err_detail = "This ticket type is a product already.";
	if (e != ERR_OK)
		return e;
	log_info("product %lld %s by user %lld", (long long)(id != 0 ? id :
	    req->f[PF_TICKET_TYPE].i), id != 0 ? "changed" : "created",
	    (long long)req->user.id);
	return product_reply(req, id != 0 ? 200 : 201, id != 0 ? id :
	    req->f[PF_TICKET_TYPE].i);
}

/*
 * POST /api/products {"ticket_type_id", "sale", "translations": {"sv":
 * {"name", "product_details": {"description"}}, "en": ..., "de": ...,
 * "fr": ...}} (admins): 201 {"data": product}.  400 with a field error
 * per missing language or text, for a ticket type that is not a
 * sellable variant of one event, or for price and stock_quantity (the
 * variant's); 409 CONFLICT when it is a product already.
 */
static enum err
h_product_create(struct req *req)
{
	return save(req, 0);
}

/* POST /api/products/{id} (admins): the same body; 200 {"data"}. */
static enum err
h_product_update(struct req *req)
{
	return save(req, req->id);
}

/* PATCH /api/products/{id}/pricing {"sale"} (admins): 200 {"data"}. */
static enum err
h_product_pricing(struct req *req)
{
	enum err	 e;
	int		 sale;

	if ((e = read_sale(req, &sale)) != ERR_OK ||
	    (e = refuse_variant_fields(req)) != ERR_OK)
		return e;
	if ((e = product_set_sale(req->db, tfmt_now(), req->user.id, req->id,
	    sale)) != ERR_OK)
		return e;
	return product_reply(req, 200, req->id);
}

/*
 * Whose cart this request is about: the signed-in account's, else the
 * guest browser session of the sessionid cookie.  A guest without one
 * gets a new session (and its cookie) when create is set, else
 * o->session_id stays 0: an empty cart.
 */
static enum err
owner_of(struct req *req, int create, struct cart_owner *o)
{
	struct session	 s;
	char		 token[TOKEN_HEX_LEN + 1];
	int64_t		 now = tfmt_now();
	enum db_rc	 rc;
	enum err	 e;

	memset(o, 0, sizeof(*o));
	if ((e = auth_identify(req)) != ERR_OK)
		return e;
	if (req->user.id != 0) {
		o->user_id = req->user.id;
		return ERR_OK;
	}
	if (auth_cookie_session(req, now, &s) && s.user_id == 0 &&
	    s.kind == SESS_BROWSER) {
		o->session_id = s.id;
		return ERR_OK;
	}
	if (!create)
		return ERR_OK;
	if ((rc = db_tx_immediate(req->db)) != DB_OK)
		return err_from_db(rc);
	if ((rc = sess_create(req->db, SESS_BROWSER, 0, 0, now,
	    BROWSER_SECONDS, token)) != DB_OK ||
	    (rc = sess_find(req->db, token, now, &s)) != DB_OK ||
	    (rc = db_tx_commit(req->db)) != DB_OK) {
		db_tx_rollback(req->db);
		return err_from_db(rc);
	}
	o->session_id = s.id;
	return http_set_cookie(req, SESSION_COOKIE, token, BROWSER_SECONDS) ==
	    -1 ? ERR_INTERNAL : ERR_OK;
}

/*
 * GET /api/cart: 200 {"data": {"id", "user_id", "cart_items": [...],
 * "total", "currency"}} (see cart_json()); a guest without a cart gets
 * an empty one.
 */
static enum err
h_cart(struct req *req)
{
	struct cart_owner	 o;
	cJSON			*j, *root;
	enum err		 e;

	if ((e = owner_of(req, 0, &o)) != ERR_OK)
		return e;
	if ((j = cart_json(req->db, tfmt_now(), &o, shop_lang(req))) == NULL)
		return ERR_INTERNAL;
	root = cJSON_CreateObject();
	cJSON_AddItemToObject(root, "data", j);
	return http_json(req, 200, root);
}

/*
 * PATCH /api/cart/item/{id} {"quantity"}: sets the product's quantity
 * in the cart (0 removes it), capped by what is left and the per-order
 * limits.  200 {"product_id", "requested", "quantity" (now in the
 * cart), "available_quantity", "capped", "reason" ("stock",
 * "max_per_order" or null)}.  404 PRODUCT_NOT_FOUND; 409
 * STOCK_UNAVAILABLE when none of it can be had; 400 when the cart has
 * CART_LINES_MAX products already.  (billet-jo answers 204, or 409
 * when over stock; the seed says to fetch the cart again after.)
 */
static enum err
h_cart_item(struct req *req)
{
	struct cart_owner	 o;
	struct cart_set		 s;
	cJSON			*j;
	enum err		 e;

	if ((e = owner_of(req, req->f[IF_QUANTITY].i > 0, &o)) != ERR_OK)
		return e;
	if (o.user_id == 0 && o.session_id == 0)
		return http_empty(req, 204);
	e = cart_set(req->db, tfmt_now(), &o, req->id, req->f[IF_QUANTITY].i,
	    &s);
	if (e == ERR_BAD_REQUEST)
		return http_field_error(req, "quantity", "The cart holds at "
		    "most 20 products.");
	if (e != ERR_OK)
		return e;
	j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "product_id", (double)req->id);
	cJSON_AddNumberToObject(j, "requested", (double)s.requested);
	cJSON_AddNumberToObject(j, "quantity", (double)s.quantity);
	cJSON_AddNumberToObject(j, "available_quantity", (double)s.available);
	cJSON_AddBoolToObject(j, "capped", s.cap != CART_CAP_NONE);
	if (s.cap != CART_CAP_NONE)
		cJSON_AddStringToObject(j, "reason", cart_cap_str(s.cap));
	else
		cJSON_AddNullToObject(j, "reason");
	return http_json(req, 200, j);
}

/* DELETE /api/cart/items: 204; the cart is empty. */
static enum err
h_cart_clear(struct req *req)
{
	struct cart_owner	 o;
	enum err		 e;

	if ((e = owner_of(req, 0, &o)) != ERR_OK)
		return e;
	if ((o.user_id != 0 || o.session_id != 0) &&
	    (e = cart_clear(req->db, tfmt_now(), &o)) != ERR_OK)
		return e;
	return http_empty(req, 204);
}

int
main(int argc, char *argv[])
{
	static const struct app app = { "cart", routes, nitems(routes), NULL };

	return route_main(argc, argv, &app);
}
