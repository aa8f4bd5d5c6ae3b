/*
 * Carts (see cart.h).  A cart is read whole (at most CART_LINES_MAX
 * lines) and every line's product looked up again on each use, since a
 * cart holds nothing and what is left changes under it.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cart.h"
#include "checkout.h"
#include "db.h"
#include "jsonout.h"
#include "log.h"
#include "money.h"
#include "order.h"
#include "product.h"

_Static_assert(CART_LINES_MAX <= ARRAY_ITEMS_MAX, "a cart is one order");

enum stmt {
	STMT_BY_USER,
	STMT_BY_SESSION,
	STMT_INSERT,
	STMT_TOUCH,
	STMT_SET_ORDER,
	STMT_DELETE,
	STMT_ITEMS,
	STMT_ITEM_PUT,
	STMT_ITEM_DEL,
	STMT_CLEAR,
	STMT_PRUNE,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_BY_USER] =
	    "SELECT id, version, coalesce(order_id, 0),"
	    " coalesce(order_version, -1) FROM carts WHERE user_id = ?1",
	[STMT_BY_SESSION] =
	    "SELECT id, version, coalesce(order_id, 0),"
	    " coalesce(order_version, -1) FROM carts WHERE session_id = ?1",
	[STMT_INSERT] =
	    "INSERT INTO carts (user_id, session_id, updated_at)"
	    " VALUES (nullif(?1, 0), nullif(?2, 0), ?3) RETURNING id",
	[STMT_TOUCH] =
	    "UPDATE carts SET version = version + 1, updated_at = ?2"
	    " WHERE id = ?1",
	[STMT_SET_ORDER] =
	    "UPDATE carts SET order_id = ?2, order_version = version"
	    " WHERE id = ?1",
	[STMT_DELETE] = "DELETE FROM carts WHERE id = ?1",
	[STMT_ITEMS] =
	    "SELECT ticket_type_id, quantity FROM cart_items"
	    " WHERE cart_id = ?1 ORDER BY added_at, ticket_type_id",
	[STMT_ITEM_PUT] =
	    "INSERT INTO cart_items (cart_id, ticket_type_id, quantity,"
	    " added_at) VALUES (?1, ?2, ?3, ?4)"
	    " ON CONFLICT (cart_id, ticket_type_id) DO UPDATE"
	    " SET quantity = excluded.quantity",
	[STMT_ITEM_DEL] =
	    "DELETE FROM cart_items WHERE cart_id = ?1 AND ticket_type_id = ?2",
	[STMT_CLEAR] = "DELETE FROM cart_items WHERE cart_id = ?1",
	/* Guests' carts whose session was revoked (sign-in, reservation
	 * rotates it) or ran out. */
	[STMT_PRUNE] =
	    "DELETE FROM carts WHERE id IN (SELECT c.id FROM carts c"
	    " JOIN sessions s ON s.id = c.session_id"
	    " WHERE s.revoked_at IS NOT NULL OR s.expires_at <= ?1 LIMIT ?2)",
};

_Static_assert(sizeof(stmts) / sizeof(stmts[0]) == STMT__MAX,
    "one SQL text per statement");

/* A cart as stored. */
struct cart {
	int64_t	 id;		/* 0: none yet */
	int64_t	 version;
	int64_t	 order_id;
	int64_t	 order_version;
	size_t	 n;
	struct {
		int64_t	 product_id;
		int64_t	 quantity;
	}	 line[CART_LINES_MAX];
};

const char *
cart_cap_str(enum cart_cap cap)
{
	switch (cap) {
	case CART_CAP_STOCK:
		return "stock";
	case CART_CAP_ORDER_LIMIT:
		return "max_per_order";
	default:
		return NULL;
	}
}

/* Loads o's cart and its lines; c->id 0 when there is none. */
static enum db_rc
load(struct db *db, const struct cart_owner *o, struct cart *c)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	memset(c, 0, sizeof(*c));
	if ((st = db_stmt(db, stmts[o->user_id != 0 ? STMT_BY_USER :
	    STMT_BY_SESSION])) == NULL || db_bind_int(st, 1, o->user_id != 0 ?
	    o->user_id : o->session_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_NOTFOUND)
		return DB_OK;
	if (rc != DB_OK)
		return rc;
	c->id = db_col_int(st, 0);
	c->version = db_col_int(st, 1);
	c->order_id = db_col_int(st, 2);
	c->order_version = db_col_int(st, 3);
	db_reset(st);

	if ((st = db_stmt(db, stmts[STMT_ITEMS])) == NULL ||
	    db_bind_int(st, 1, c->id) == -1)
		return DB_ERROR;
	while ((rc = db_step(db, st)) == DB_OK) {
		/* More lines than a cart takes cannot be written (cart_set
		 * and cart_merge refuse them); read no more anyway. */
		if (c->n == CART_LINES_MAX) {
			db_reset(st);
			return DB_OK;
		}
		c->line[c->n].product_id = db_col_int(st, 0);
		c->line[c->n].quantity = db_col_int(st, 1);
		c->n++;
	}
	return rc == DB_NOTFOUND ? DB_OK : rc;
}

/* Makes o's cart if c has none yet.  Inside a write transaction. */
static enum db_rc
ensure(struct db *db, int64_t now, const struct cart_owner *o, struct cart *c)
{
	struct db_stmt	*st;

	if (c->id != 0)
		return DB_OK;
	if ((st = db_stmt(db, stmts[STMT_INSERT])) == NULL ||
	    db_bind_int(st, 1, o->user_id) == -1 ||
	    db_bind_int(st, 2, o->user_id != 0 ? 0 : o->session_id) == -1 ||
	    db_bind_int(st, 3, now) == -1)
		return DB_ERROR;
	return db_insert_id(db, st, &c->id);
}

/* Runs a statement of (cart id, x). */
static enum db_rc
exec2(struct db *db, enum stmt k, int64_t id, int64_t x)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[k])) == NULL ||
	    db_bind_int(st, 1, id) == -1 ||
	    (db_param_count(st) >= 2 && db_bind_int(st, 2, x) == -1))
		return DB_ERROR;
	return db_exec(db, st);
}

/* Writes line product_id of cart c as quantity (0: removed). */
static enum db_rc
put(struct db *db, int64_t now, const struct cart *c, int64_t product_id,
    int64_t quantity)
{
	struct db_stmt	*st;

	if (quantity == 0)
		return exec2(db, STMT_ITEM_DEL, c->id, product_id);
	if ((st = db_stmt(db, stmts[STMT_ITEM_PUT])) == NULL ||
	    db_bind_int(st, 1, c->id) == -1 ||
	    db_bind_int(st, 2, product_id) == -1 ||
	    db_bind_int(st, 3, quantity) == -1 ||
	    db_bind_int(st, 4, now) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

/*
 * Places of p's event that c's lines other than p's take.  Products
 * gone from sale count for nothing.  Inside a transaction.
 */
static enum err
others_of(struct db *db, int64_t now, const struct cart *c,
    const struct product *p, int64_t *others)
{
	struct product	 q;
	size_t		 i;
	enum err	 e;

	*others = 0;
	for (i = 0; i < c->n; i++) {
		if (c->line[i].product_id == p->id)
			continue;
		e = product_find(db, now, c->line[i].product_id, 0, &q);
		if (e == ERR_PRODUCT_NOT_FOUND)
			continue;
		if (e != ERR_OK)
			return e;
		if (q.event_id == p->event_id)
			*others += c->line[i].quantity;
	}
	return ERR_OK;
}

/*
 * Caps want of p beside others places of its event already in the
 * cart: by what is left (nothing when off sale), then by the per-order
 * limits.  The tighter bound names the cap.  Pure.
 */
static void
cap(const struct product *p, int64_t want, int64_t others,
    struct cart_set *out)
{
	int64_t	 stock = p->on_sale ? p->left : 0;
	int64_t	 limit = p->event_max - others;

	if (limit > p->max_per_order)
		limit = p->max_per_order;
	if (limit > TICKET_COUNT_MAX)
		limit = TICKET_COUNT_MAX;
	if (limit < 0)
		limit = 0;
	out->requested = want;
	out->available = stock;
	out->quantity = want;
	out->cap = CART_CAP_NONE;
	if (out->quantity > stock && stock <= limit) {
		out->quantity = stock;
		out->cap = CART_CAP_STOCK;
	} else if (out->quantity > limit) {
		out->quantity = limit;
		out->cap = CART_CAP_ORDER_LIMIT;
	}
}

/* The line of product_id in c, or c->n. */
static size_t
line_of(const struct cart *c, int64_t product_id)
{
	size_t	 i;

	for (i = 0; i < c->n && c->line[i].product_id != product_id; i++)
		continue;
	return i;
}

enum err
cart_set(struct db *db, int64_t now, const struct cart_owner *o,
    int64_t product_id, int64_t quantity, struct cart_set *out)
{
	struct product	 p;
	struct cart	 c;
	int64_t		 others;
	enum db_rc	 rc;
	enum err	 e;

	memset(out, 0, sizeof(*out));
	if ((rc = db_tx_immediate(db)) != DB_OK)
		return err_from_db(rc);
	if ((rc = load(db, o, &c)) != DB_OK)
		goto dbfail;
	/* A line goes whatever became of its product (unpublished). */
	if (quantity == 0 && line_of(&c, product_id) < c.n) {
		if ((rc = put(db, now, &c, product_id, 0)) != DB_OK ||
		    (rc = exec2(db, STMT_TOUCH, c.id, now)) != DB_OK ||
		    (rc = db_tx_commit(db)) != DB_OK)
			goto dbfail;
		return ERR_OK;
	}
	if ((e = product_find(db, now, product_id, 0, &p)) != ERR_OK ||
	    (e = others_of(db, now, &c, &p, &others)) != ERR_OK)
		goto fail;
	cap(&p, quantity, others, out);
	if (quantity > 0 && out->quantity == 0) {
		e = ERR_STOCK_UNAVAILABLE;
		goto fail;
	}
	if (out->quantity > 0 && line_of(&c, product_id) == c.n &&
	    c.n == CART_LINES_MAX) {
		e = ERR_BAD_REQUEST;
		goto fail;
	}
	if ((rc = ensure(db, now, o, &c)) != DB_OK ||
	    (rc = put(db, now, &c, product_id, out->quantity)) != DB_OK ||
	    (rc = exec2(db, STMT_TOUCH, c.id, now)) != DB_OK ||
	    (rc = db_tx_commit(db)) != DB_OK)
		goto dbfail;
	return ERR_OK;
dbfail:
	e = err_from_db(rc);
fail:
	db_tx_rollback(db);
	return e;
}

enum err
cart_clear(struct db *db, int64_t now, const struct cart_owner *o)
{
	struct cart	 c;
	enum db_rc	 rc;

	if ((rc = db_tx_immediate(db)) != DB_OK)
		return err_from_db(rc);
	if ((rc = load(db, o, &c)) == DB_OK && c.id != 0 &&
	    (rc = exec2(db, STMT_CLEAR, c.id, 0)) == DB_OK)
		rc = exec2(db, STMT_TOUCH, c.id, now);
	if (rc == DB_OK)
		rc = db_tx_commit(db);
	if (rc != DB_OK)
		db_tx_rollback(db);
	return err_from_db(rc);
}

/* Copies member name of from (may be NULL) into to. */
static void
copy(cJSON *to, const cJSON *from, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(from, name);

	cJSON_AddItemToObject(to, name, v != NULL ?
	    cJSON_Duplicate(v, 1) : cJSON_CreateNull());
}

/* One line as billet-jo's CartItemResource; NULL when it is gone. */
static cJSON *
item_json(struct db *db, int64_t now, int64_t cart_id, int64_t product_id,
    int64_t quantity, enum lang lang, int64_t *total, char *currency)
{
	struct product	 p;
	cJSON		*pj, *j, *d, *pr;
	char		 rate[16];

	if (product_find(db, now, product_id, 1, &p) != ERR_OK ||
	    (pj = product_json(db, now, product_id, lang)) == NULL)
		return NULL;
	d = cJSON_GetObjectItemCaseSensitive(pj, "product_details");
	j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "id", (double)cart_id);
	cJSON_AddNumberToObject(j, "product_id", (double)product_id);
	cJSON_AddNumberToObject(j, "quantity", (double)quantity);
	cJSON_AddBoolToObject(j, "in_stock", p.on_sale && p.left >= quantity);
	cJSON_AddNumberToObject(j, "available_quantity",
	    (double)(p.on_sale ? p.left : 0));
	json_add_money(j, "unit_price", p.unit_price, p.currency);
	json_add_money(j, "total_price", p.unit_price * quantity, p.currency);
	/* billet-jo names the price before the sale only when there is one. */
	if (p.sale > 0) {
		json_add_money(j, "original_price", p.price, p.currency);
		snprintf(rate, sizeof(rate), "%d.%04d", p.sale / MONEY_SALE_ONE,
		    p.sale % MONEY_SALE_ONE);
		cJSON_AddRawToObject(j, "discount_rate", rate);
	}
	cJSON_AddStringToObject(j, "currency", p.currency);
	pr = cJSON_AddObjectToObject(j, "product");
	copy(pr, pj, "name");
	copy(pr, d, "image");
	copy(pr, d, "date");
	copy(pr, d, "time");
	copy(pr, d, "location");
	cJSON_Delete(pj);
	/* One total while every line is in one currency (else -1). */
	if (*currency == '\0')
		snprintf(currency, CURRENCY_LEN + 1, "%s", p.currency);
	if (*total >= 0 && strcmp(currency, p.currency) == 0)
		*total += p.unit_price * quantity;
	else
		*total = -1;
	return j;
}

cJSON *
cart_json(struct db *db, int64_t now, const struct cart_owner *o,
    enum lang lang)
{
	struct cart	 c;
	char		 currency[CURRENCY_LEN + 1] = "";
	int64_t		 total = 0;
	size_t		 i;
	cJSON		*j, *items, *it;

	if (db_tx_read(db) != DB_OK)
		return NULL;
	if (load(db, o, &c) != DB_OK) {
		db_tx_rollback(db);
		return NULL;
	}
	j = cJSON_CreateObject();
	if (c.id != 0)
		cJSON_AddNumberToObject(j, "id", (double)c.id);
	else
		cJSON_AddNullToObject(j, "id");
	if (o->user_id != 0)
		cJSON_AddNumberToObject(j, "user_id", (double)o->user_id);
	else
		cJSON_AddNullToObject(j, "user_id");
	items = cJSON_AddArrayToObject(j, "cart_items");
	for (i = 0; i < c.n; i++)
		if ((it = item_json(db, now, c.id, c.line[i].product_id,
		    c.line[i].quantity, lang, &total, currency)) != NULL)
			cJSON_AddItemToArray(items, it);
	db_tx_rollback(db);
	if (*currency != '\0' && total >= 0)
		json_add_money(j, "total", total, currency);
	else
		cJSON_AddNullToObject(j, "total");
	json_add_str(j, "currency", *currency != '\0' && total >= 0 ?
	    currency : NULL);
	return j;
}

/* Adds one report line of a merge. */
static void
report_line(cJSON *items, int64_t product_id, int64_t guest, int64_t before,
    const struct cart_set *s, const char *reason)
{
	cJSON	*r = cJSON_CreateObject();

	cJSON_AddNumberToObject(r, "product_id", (double)product_id);
	cJSON_AddNumberToObject(r, "guest_quantity", (double)guest);
	cJSON_AddNumberToObject(r, "previous_quantity", (double)before);
	cJSON_AddNumberToObject(r, "quantity", (double)s->quantity);
	cJSON_AddBoolToObject(r, "capped", reason != NULL);
	json_add_str(r, "reason", reason);
	cJSON_AddItemToArray(items, r);
}

/* Merges guest line i of g into the user's cart u.  In the merge's
 * transaction. */
static enum err
merge_line(struct db *db, int64_t now, const struct cart *g, size_t i,
    struct cart *u, cJSON *items)
{
	struct cart_set	 s;
	struct product	 p;
	int64_t		 id = g->line[i].product_id, before = 0, others;
	size_t		 k = line_of(u, id);
	const char	*reason;
	enum db_rc	 rc;
	enum err	 e;
	int		 full;

	memset(&s, 0, sizeof(s));
	if (k < u->n)
		before = u->line[k].quantity;
	if ((e = product_find(db, now, id, 0, &p)) == ERR_PRODUCT_NOT_FOUND) {
		s.quantity = before;
		report_line(items, id, g->line[i].quantity, before, &s,
		    "unavailable");
		return ERR_OK;
	}
	if (e != ERR_OK || (e = others_of(db, now, u, &p, &others)) != ERR_OK)
		return e;
	cap(&p, before + g->line[i].quantity, others, &s);
	/* A full cart takes no new product; nothing takes away what the
	 * user's cart had. */
	full = k == u->n && u->n == CART_LINES_MAX;
	if (full)
		s.quantity = 0;
	if (s.quantity < before)
		s.quantity = before;
	if ((rc = put(db, now, u, id, s.quantity)) != DB_OK)
		return err_from_db(rc);
	if (k == u->n && s.quantity > 0) {
		u->line[u->n].product_id = id;
		u->line[u->n].quantity = s.quantity;
		u->n++;
	} else if (k < u->n)
		u->line[k].quantity = s.quantity;
	if (s.quantity == before + g->line[i].quantity)
		reason = NULL;
	else if (full)
		reason = "cart_full";
	else
		reason = cart_cap_str(s.cap != CART_CAP_NONE ? s.cap :
		    CART_CAP_STOCK);
	report_line(items, id, g->line[i].quantity, before, &s, reason);
	return ERR_OK;
}

enum err
cart_merge(struct db *db, int64_t now, int64_t guest_session_id,
    int64_t user_id, cJSON **report)
{
	struct cart_owner	 go = { 0, guest_session_id };
	struct cart_owner	 uo = { user_id, 0 };
	struct cart		 g, u;
	cJSON			*items;
	size_t			 i;
	enum db_rc		 rc;
	enum err		 e = ERR_OK;

	*report = NULL;
	if (guest_session_id == 0)
		return ERR_OK;
	if ((rc = db_tx_immediate(db)) != DB_OK)
		return err_from_db(rc);
	if ((rc = load(db, &go, &g)) != DB_OK || g.id == 0 ||
	    (rc = load(db, &uo, &u)) != DB_OK ||
	    (rc = ensure(db, now, &uo, &u)) != DB_OK)
		goto done;
	*report = cJSON_CreateObject();
	items = cJSON_CreateArray();
	for (i = 0; i < g.n && e == ERR_OK; i++)
		e = merge_line(db, now, &g, i, &u, items);
	cJSON_AddNumberToObject(*report, "merged", (double)g.n);
	cJSON_AddItemToObject(*report, "items", items);
	if (e == ERR_OK &&
	    (rc = exec2(db, STMT_DELETE, g.id, 0)) == DB_OK)
		rc = exec2(db, STMT_TOUCH, u.id, now);
done:
	if (e == ERR_OK && rc == DB_OK && (rc = db_tx_commit(db)) == DB_OK)
		return ERR_OK;
	db_tx_rollback(db);
	cJSON_Delete(*report);
	*report = NULL;
	return e != ERR_OK ? e : err_from_db(rc);
}

void
cart_merge_quietly(struct db *db, int64_t now, int64_t guest_session_id,
    int64_t user_id)
{
	cJSON		*report = NULL;
	enum err	 e;

	if (guest_session_id == 0)
		return;
	if ((e = cart_merge(db, now, guest_session_id, user_id, &report)) !=
	    ERR_OK)
		log_warn("user %lld: guest cart not merged: %s",
		    (long long)user_id, err_def(e)->code);
	cJSON_Delete(report);
}

enum db_rc
cart_prune(struct db *db, int64_t now, size_t max, int64_t *deleted)
{
	return db_prune(db, stmts[STMT_PRUNE], now, max, deleted);
}

/*
 * The order lines of cart c, all of one event (*event_id), and the
 * sales' discount: ERR_CART_EMPTY, ERR_CART_MIXED, or
 * ERR_STOCK_UNAVAILABLE with out's shortage.  Inside the transaction.
 */
static enum err
lines_of(struct db *db, int64_t now, const struct cart *c,
    struct order_line_req *lines, int64_t *event_id, int64_t *discount,
    struct cart_checkout *out)
{
	struct product	 p;
	size_t		 i;
	enum err	 e;

	*event_id = 0;
	*discount = 0;
	if (c->n == 0)
		return ERR_CART_EMPTY;
	for (i = 0; i < c->n; i++) {
		e = product_find(db, now, c->line[i].product_id, 0, &p);
		if (e == ERR_PRODUCT_NOT_FOUND)
			p.on_sale = 0;
		else if (e != ERR_OK)
			return e;
		if (e == ERR_OK && *event_id != 0 && p.event_id != *event_id)
			return ERR_CART_MIXED;
		if (e == ERR_OK)
			*event_id = p.event_id;
		if (!p.on_sale || p.left < c->line[i].quantity) {
			out->shortage[out->nshort].product_id =
			    c->line[i].product_id;
			out->shortage[out->nshort].requested =
			    c->line[i].quantity;
			out->shortage[out->nshort].available =
			    p.on_sale ? p.left : 0;
			out->nshort++;
			continue;
		}
		lines[i].ticket_type_id = p.id;
		lines[i].count = c->line[i].quantity;
		*discount += (p.price - p.unit_price) * c->line[i].quantity;
	}
	return out->nshort > 0 ? ERR_STOCK_UNAVAILABLE : ERR_OK;
}

/*
 * Is the cart's earlier order, the cart unchanged since, still a hold
 * it can pay, or paid already?  Either is the answer to paying again:
 * a second click after paying buys nothing twice (the seed's front end
 * empties the cart once paid).
 */
static int
live_order(struct db *db, int64_t now, const struct cart *c)
{
	struct order	 o;

	return c->order_id != 0 && c->order_version == c->version &&
	    order_load(db, c->order_id, &o) == DB_OK &&
	    ((o.status == ORDER_RESERVED && o.expires_at > now) ||
	    o.status == ORDER_PAID);
}

enum err
cart_checkout(struct db *db, int64_t now, int64_t user_id,
    const struct order_buyer *b, const char *client, int fee_basis_points,
    struct cart_checkout *out)
{
	struct order_line_req	 lines[CART_LINES_MAX];
	struct cart_owner	 o = { user_id, 0 };
	struct cart		 c;
	int64_t			 event_id, discount;
	enum db_rc		 rc;
	enum err		 e;

	memset(out, 0, sizeof(*out));
	if ((rc = db_tx_immediate(db)) != DB_OK)
		return err_from_db(rc);
	if ((rc = load(db, &o, &c)) != DB_OK)
		goto dbfail;
	if (live_order(db, now, &c)) {
		out->existing = 1;
		out->placed.order_id = c.order_id;
		db_tx_rollback(db);
		return ERR_OK;
	}
	if ((e = lines_of(db, now, &c, lines, &event_id, &discount, out)) !=
	    ERR_OK ||
	    (e = checkout_place_lines(db, now, event_id, lines, c.n, discount,
	    b, client, fee_basis_points, c.order_id, &out->released_started,
	    &out->placed)) != ERR_OK)
		goto fail;
	if ((rc = exec2(db, STMT_SET_ORDER, c.id, out->placed.order_id)) !=
	    DB_OK || (rc = db_tx_commit(db)) != DB_OK)
		goto dbfail;
	return ERR_OK;
dbfail:
	e = err_from_db(rc);
fail:
	db_tx_rollback(db);
	out->placed.order_id = 0;
	out->placed.confirmed = 0;
	out->released_started = 0;
	return e;
}

enum err
cart_free_order(struct db *db, int64_t now, int64_t product_id,
    int64_t quantity, const struct order_buyer *b, const char *client,
    int64_t *order_id, int64_t *tickets_left)
{
	struct order_line_req	 line;
	struct checkout_placed	 placed;
	struct product		 p;
	enum db_rc		 rc;
	enum err		 e;
	int			 released;

	*order_id = 0;
	*tickets_left = 0;
	memset(&placed, 0, sizeof(placed));
	if ((rc = db_tx_immediate(db)) != DB_OK)
		return err_from_db(rc);
	if ((e = product_find(db, now, product_id, 0, &p)) != ERR_OK)
		goto fail;
	if (p.unit_price != 0) {
		e = ERR_NOT_FREE;
		goto fail;
	}
	line.ticket_type_id = p.id;
	line.count = quantity;
	if ((e = checkout_place_lines(db, now, p.event_id, &line, 1, 0, b,
	    client, 0, 0, &released, &placed)) != ERR_OK)
		goto fail;
	if (!placed.confirmed) {
		e = ERR_NOT_FREE;
		goto fail;
	}
	if ((rc = db_tx_commit(db)) != DB_OK) {
		e = err_from_db(rc);
		goto fail;
	}
	*order_id = placed.order_id;
	return ERR_OK;
fail:
	db_tx_rollback(db);
	*tickets_left = placed.tickets_left;
	return e;
}
