/*
 * Products (see product.h): reads over the variant, its event and the
 * quotas, and the back office's writes of texts and sale.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit.h"
#include "db.h"
#include "jsonout.h"
#include "limits.h"
#include "money.h"
#include "product.h"
#include "tfmt.h"

/* Places free for variant t of event e: the least room of its quotas. */
#define LEFT \
	"(SELECT min(q.size - q.used) FROM quotas q WHERE q.event_id = e.id" \
	" AND (NOT EXISTS (SELECT 1 FROM quota_items qi" \
	" WHERE qi.quota_id = q.id) OR EXISTS (SELECT 1 FROM quota_items qi" \
	" WHERE qi.quota_id = q.id AND qi.ticket_type_id = t.id)))"

/*
 * On sale at ?1: the event published and selling, the variant (and its
 * type) active and within their own sales windows, as order_hold()
 * checks them.
 */
#define ON_SALE \
	"(e.status = 'published' AND e.sales_stop_at > ?1" \
	" AND e.sales_start_at <= ?1 AND t.visible = 1 AND t.sellable = 1" \
	" AND coalesce(tp.visible, 1) = 1" \
	" AND coalesce(t.sales_start, tp.sales_start, 0) <= ?1" \
	" AND (coalesce(t.sales_end, tp.sales_end, 0) = 0" \
	" OR coalesce(t.sales_end, tp.sales_end) > ?1))"

/* The columns read_row() reads, texts in language ?2. */
#define COLS \
	"t.id, e.id, e.slug, t.price, e.currency, p.sale," \
	" coalesce(pt.name, en.name, t.title)," \
	" coalesce(pt.description, en.description, '')," \
	" e.event_at, e.venue_name, e.venue_city, coalesce(c.slug, '')," \
	" coalesce(e.poster, ''), coalesce(" LEFT ", 1000000)," \
	" coalesce(tp.max_purchase, t.max_purchase, 0)," \
	" e.max_tickets_per_payment, " ON_SALE ", e.status"

#define FROM \
	" FROM products p JOIN ticket_types t ON t.id = p.ticket_type_id" \
	" LEFT JOIN ticket_types tp ON tp.id = t.parent_id" \
	" JOIN events e ON e.id = t.event_id" \
	" LEFT JOIN categories c ON c.id = e.category_id" \
	" LEFT JOIN product_texts pt ON pt.ticket_type_id = t.id" \
	" AND pt.lang = ?2" \
	" LEFT JOIN product_texts en ON en.ticket_type_id = t.id" \
	" AND en.lang = 'en'"

/*
 * The listing's filters: ?3 all (admins), ?4 name, ?5 category, ?6
 * location (each a part, any case), ?7..?8 the day, ?9 places left.
 * A variant no quota covers (LEFT is NULL) has CAPACITY_MAX left.
 */
#define WHERE \
	" WHERE (?3 OR (" ON_SALE " AND coalesce(" LEFT ", 1) > 0))" \
	" AND (?4 IS NULL OR instr(lower(coalesce(pt.name, en.name, t.title))," \
	" lower(?4)) > 0)" \
	" AND (?5 IS NULL OR instr(lower(coalesce(c.slug, '')), lower(?5)) > 0" \
	" OR instr(lower(coalesce(c.name, '')), lower(?5)) > 0)" \
	" AND (?6 IS NULL OR instr(lower(e.venue_name), lower(?6)) > 0" \
	" OR instr(lower(e.venue_city), lower(?6)) > 0)" \
	" AND (?7 = 0 OR (e.event_at >= ?7 AND e.event_at < ?8))" \
	" AND (?9 = 0 OR coalesce(" LEFT ", 1000000) >= ?9)"

#define LIST(order) \
	"SELECT " COLS FROM WHERE " ORDER BY " order " LIMIT ?10 OFFSET ?11"

#define BY_NAME		"coalesce(pt.name, en.name, t.title) COLLATE NOCASE"

enum stmt {
	STMT_FIND,
	STMT_COUNT,
	STMT_LIST_NAME,
	STMT_LIST_NAME_DESC,
	STMT_LIST_PRICE,
	STMT_LIST_PRICE_DESC,
	STMT_LIST_DATE,
	STMT_LIST_DATE_DESC,
	STMT_VARIANT,
	STMT_INSERT,
	STMT_SET_SALE,
	STMT_TEXT,
	STMT_ORGANIZER,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_FIND] = "SELECT " COLS FROM " WHERE t.id = ?3",
	[STMT_COUNT] = "SELECT count(*)" FROM WHERE,
	[STMT_LIST_NAME] = LIST(BY_NAME " ASC, t.id"),
	[STMT_LIST_NAME_DESC] = LIST(BY_NAME " DESC, t.id"),
	[STMT_LIST_PRICE] = LIST("t.price ASC, t.id"),
	[STMT_LIST_PRICE_DESC] = LIST("t.price DESC, t.id"),
	[STMT_LIST_DATE] = LIST("e.event_at ASC, t.id"),
	[STMT_LIST_DATE_DESC] = LIST("e.event_at DESC, t.id"),
	/* A variant a buyer can pick, of one event. */
	[STMT_VARIANT] =
	    "SELECT 1 FROM ticket_types WHERE id = ?1 AND sellable = 1"
	    " AND event_id IS NOT NULL",
	[STMT_INSERT] =
	    "INSERT INTO products (ticket_type_id, sale, created_at,"
	    " updated_at) VALUES (?1, ?2, ?3, ?3)",
	[STMT_SET_SALE] =
	    "UPDATE products SET sale = ?2, updated_at = ?3"
	    " WHERE ticket_type_id = ?1",
	[STMT_TEXT] =
	    "INSERT INTO product_texts (ticket_type_id, lang, name,"
	    " description) VALUES (?1, ?2, ?3, ?4)"
	    " ON CONFLICT (ticket_type_id, lang) DO UPDATE"
	    " SET name = excluded.name, description = excluded.description",
	[STMT_ORGANIZER] =
	    "SELECT coalesce(e.organizer_id, 0) FROM ticket_types t"
	    " JOIN events e ON e.id = t.event_id WHERE t.id = ?1",
};

_Static_assert(sizeof(stmts) / sizeof(stmts[0]) == STMT__MAX,
    "one SQL text per statement");
_Static_assert(CAPACITY_MAX == 1000000, "the SQL above spells it out");

/* The statement of each order, ascending then descending. */
static const enum stmt list_stmt[PRODUCT_SORT__MAX][2] = {
	[PRODUCT_SORT_NAME] = { STMT_LIST_NAME, STMT_LIST_NAME_DESC },
	[PRODUCT_SORT_PRICE] = { STMT_LIST_PRICE, STMT_LIST_PRICE_DESC },
	[PRODUCT_SORT_DATE] = { STMT_LIST_DATE, STMT_LIST_DATE_DESC },
};

/* Column numbers of COLS. */
enum col { C_ID, C_EVENT, C_SLUG, C_PRICE, C_CURRENCY, C_SALE, C_NAME,
	C_DESC, C_AT, C_VENUE, C_CITY, C_CATEGORY, C_POSTER, C_LEFT, C_MAX,
	C_EVENT_MAX, C_ON_SALE, C_STATUS };

static const char *
text_or(struct db_stmt *st, int i)
{
	const char	*s = db_col_text(st, i);

	return s != NULL ? s : "";
}

/* The row's product. */
static void
read_row(struct db_stmt *st, struct product *p)
{
	int64_t	 max = db_col_int(st, C_MAX), emax = db_col_int(st, C_EVENT_MAX);

	memset(p, 0, sizeof(*p));
	p->id = db_col_int(st, C_ID);
	p->event_id = db_col_int(st, C_EVENT);
	p->price = db_col_int(st, C_PRICE);
	p->sale = (int)db_col_int(st, C_SALE);
	p->unit_price = money_sale_price(p->price, p->sale);
	/* An overbooked quota (a quantity lowered by hand) has none. */
	if ((p->left = db_col_int(st, C_LEFT)) < 0)
		p->left = 0;
	p->max_per_order = max > 0 && max < emax ? max : emax;
	p->event_max = emax;
	p->on_sale = db_col_int(st, C_ON_SALE) != 0;
	snprintf(p->currency, sizeof(p->currency), "%s",
	    text_or(st, C_CURRENCY));
}

/* The row as billet-jo's ProductResource (see product_json()). */
static cJSON *
row_json(struct db_stmt *st)
{
	struct product	 p;
	char		 iso[TFMT_ISO_LEN], date[11], hm[6], where[512];
	char		 sale[16];
	const char	*venue = text_or(st, C_VENUE), *city = text_or(st, C_CITY);
	cJSON		*j, *d, *ev;

	read_row(st, &p);
	if ((j = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddNumberToObject(j, "id", (double)p.id);
	cJSON_AddStringToObject(j, "name", text_or(st, C_NAME));
	json_add_money(j, "price", p.price, p.currency);
	/* A fraction as billet-jo has it (0.1), exact to four places. */
	snprintf(sale, sizeof(sale), "%d.%04d", p.sale / MONEY_SALE_ONE,
	    p.sale % MONEY_SALE_ONE);
	cJSON_AddRawToObject(j, "sale", sale);
	json_add_money(j, "unit_price", p.unit_price, p.currency);
	cJSON_AddStringToObject(j, "currency", p.currency);
	cJSON_AddNumberToObject(j, "stock_quantity", (double)p.left);
	cJSON_AddNumberToObject(j, "max_per_order", (double)p.max_per_order);
	cJSON_AddBoolToObject(j, "on_sale", p.on_sale);
	ev = cJSON_AddObjectToObject(j, "event");
	cJSON_AddNumberToObject(ev, "id", (double)p.event_id);
	cJSON_AddStringToObject(ev, "slug", text_or(st, C_SLUG));

	/* Date and time where the event is (timezone), as billet-jo's. */
	tfmt_iso(db_col_int(st, C_AT), iso);
	snprintf(date, sizeof(date), "%.10s", iso);
	snprintf(hm, sizeof(hm), "%.5s", strlen(iso) > 11 ? iso + 11 : "");
	snprintf(where, sizeof(where), "%s%s%s", venue,
	    *venue != '\0' && *city != '\0' ? ", " : "", city);
	d = cJSON_AddObjectToObject(j, "product_details");
	cJSON_AddNumberToObject(d, "places", 1);
	cJSON_AddStringToObject(d, "description", text_or(st, C_DESC));
	cJSON_AddStringToObject(d, "date", date);
	cJSON_AddStringToObject(d, "time", hm);
	cJSON_AddStringToObject(d, "location", where);
	json_add_str(d, "category", *text_or(st, C_CATEGORY) != '\0' ?
	    text_or(st, C_CATEGORY) : NULL);
	json_add_str(d, "image", *text_or(st, C_POSTER) != '\0' ?
	    text_or(st, C_POSTER) : NULL);
	return j;
}

/* Runs STMT_FIND for id in lang; DB_OK with a row to read. */
static enum db_rc
find(struct db *db, int64_t now, int64_t id, enum lang lang,
    struct db_stmt **out)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_FIND])) == NULL ||
	    db_bind_int(st, 1, now) == -1 ||
	    db_bind_text(st, 2, i18n_code(lang)) == -1 ||
	    db_bind_int(st, 3, id) == -1)
		return DB_ERROR;
	*out = st;
	return db_step(db, st);
}

enum err
product_find(struct db *db, int64_t now, int64_t id, int admin,
    struct product *out)
{
	struct db_stmt	*st;
	enum db_rc	 rc;
	int		 published;

	if ((rc = find(db, now, id, LANG_EN, &st)) != DB_OK)
		return rc == DB_NOTFOUND ? ERR_PRODUCT_NOT_FOUND :
		    err_from_db(rc);
	read_row(st, out);
	published = strcmp(text_or(st, C_STATUS), "published") == 0;
	db_reset(st);
	return published || admin ? ERR_OK : ERR_PRODUCT_NOT_FOUND;
}

cJSON *
product_json(struct db *db, int64_t now, int64_t id, enum lang lang)
{
	struct db_stmt	*st;
	cJSON		*j;

	if (find(db, now, id, lang, &st) != DB_OK)
		return NULL;
	j = row_json(st);
	db_reset(st);
	return j;
}

/* Binds the listing's parameters ?1..?9. */
static int
bind_filter(struct db_stmt *st, int64_t now, const struct product_filter *f,
    enum lang lang)
{
	return db_bind_int(st, 1, now) == -1 ||
	    db_bind_text(st, 2, i18n_code(lang)) == -1 ||
	    db_bind_int(st, 3, f->all) == -1 ||
	    db_bind_text(st, 4, f->name) == -1 ||
	    db_bind_text(st, 5, f->category) == -1 ||
	    db_bind_text(st, 6, f->location) == -1 ||
	    db_bind_int(st, 7, f->day_end > 0 ? f->day_start : 0) == -1 ||
	    db_bind_int(st, 8, f->day_end) == -1 ||
	    db_bind_int(st, 9, f->places) == -1 ? -1 : 0;
}

enum db_rc
product_list(struct db *db, int64_t now, const struct product_filter *f,
    enum lang lang, cJSON **out, int64_t *total)
{
	struct db_stmt	*st;
	cJSON		*j;
	enum db_rc	 rc;

	*total = 0;
	if ((*out = cJSON_CreateArray()) == NULL)
		return DB_ERROR;
	if ((rc = db_tx_read(db)) != DB_OK)
		return rc;
	if ((st = db_stmt(db, stmts[STMT_COUNT])) == NULL ||
	    bind_filter(st, now, f, lang) == -1) {
		rc = DB_ERROR;
		goto out;
	}
	if ((rc = db_step(db, st)) != DB_OK)
		goto out;
	*total = db_col_int(st, 0);
	db_reset(st);

	if ((st = db_stmt(db, stmts[list_stmt[f->sort][f->desc != 0]])) ==
	    NULL || bind_filter(st, now, f, lang) == -1 ||
	    db_bind_int(st, 10, f->limit) == -1 ||
	    db_bind_int(st, 11, f->offset) == -1) {
		rc = DB_ERROR;
		goto out;
	}
	while ((rc = db_step(db, st)) == DB_OK) {
		if ((j = row_json(st)) == NULL) {
			db_reset(st);
			rc = DB_ERROR;
			goto out;
		}
		cJSON_AddItemToArray(*out, j);
	}
	if (rc == DB_NOTFOUND)
		rc = DB_OK;
out:
	db_tx_rollback(db);
	return rc;
}

/* Writes the four texts of product id.  Inside a transaction. */
static enum db_rc
save_texts(struct db *db, int64_t id, const struct product_texts *t)
{
	struct db_stmt	*st;
	enum db_rc	 rc;
	int		 l;

	for (l = 0; l < LANG__MAX; l++) {
		if ((st = db_stmt(db, stmts[STMT_TEXT])) == NULL ||
		    db_bind_int(st, 1, id) == -1 ||
		    db_bind_text(st, 2, i18n_code((enum lang)l)) == -1 ||
		    db_bind_text(st, 3, t->name[l]) == -1 ||
		    db_bind_text(st, 4, t->description[l] != NULL ?
		    t->description[l] : "") == -1)
			return DB_ERROR;
		if ((rc = db_exec(db, st)) != DB_OK)
			return rc;
	}
	return DB_OK;
}

/* Runs a statement of (id, sale, now); DB_NOTFOUND when no row changed. */
static enum db_rc
write_sale(struct db *db, enum stmt k, int64_t id, int sale, int64_t now)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[k])) == NULL ||
	    db_bind_int(st, 1, id) == -1 || db_bind_int(st, 2, sale) == -1 ||
	    db_bind_int(st, 3, now) == -1)
		return DB_ERROR;
	if ((rc = db_exec(db, st)) == DB_OK && db_changes(db) == 0)
		rc = DB_NOTFOUND;
	return rc;
}

/* Is id a variant a product can be made of?  DB_OK, DB_NOTFOUND. */
static enum db_rc
sellable_variant(struct db *db, int64_t id)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_VARIANT])) == NULL ||
	    db_bind_int(st, 1, id) == -1)
		return DB_ERROR;
	rc = db_step(db, st);
	db_reset(st);
	return rc;
}

/*
 * Records the change of product id (before: its JSON before, NULL when
 * made now, taken) in the audit log, under its event's organizer.
 */
static enum db_rc
audit(struct db *db, int64_t now, int64_t user_id, int64_t id,
    const char *action, cJSON *before)
{
	struct db_stmt	*st;
	cJSON		*after = product_json(db, now, id, LANG_EN);
	int64_t		 organizer = 0;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_ORGANIZER])) != NULL &&
	    db_bind_int(st, 1, id) == 0 && db_step(db, st) == DB_OK) {
		organizer = db_col_int(st, 0);
		db_reset(st);
	}
	rc = audit_record(db, now, user_id, organizer, "product", id, action,
	    before, after);
	cJSON_Delete(before);
	cJSON_Delete(after);
	return rc;
}

enum err
product_save(struct db *db, int64_t now, int64_t user_id, int64_t id,
    int create, int sale, const struct product_texts *t)
{
	cJSON		*before;
	enum db_rc	 rc;
	enum err	 e;

	if ((rc = db_tx_immediate(db)) != DB_OK)
		return err_from_db(rc);
	before = create ? NULL : product_json(db, now, id, LANG_EN);
	if (create) {
		if ((rc = sellable_variant(db, id)) == DB_OK)
			rc = write_sale(db, STMT_INSERT, id, sale, now);
	} else
		rc = write_sale(db, STMT_SET_SALE, id, sale, now);
	if (rc == DB_OK)
		rc = save_texts(db, id, t);
	if (rc == DB_OK)
		rc = audit(db, now, user_id, id, create ? "create" : "update",
		    before);
	else
		cJSON_Delete(before);
	if (rc == DB_OK && (rc = db_tx_commit(db)) == DB_OK)
		return ERR_OK;
	db_tx_rollback(db);
	if (rc == DB_NOTFOUND)
		e = create ? ERR_BAD_REQUEST : ERR_PRODUCT_NOT_FOUND;
	else if (rc == DB_CONSTRAINT && create)
		e = ERR_CONFLICT;
	else
		e = err_from_db(rc);
	return e;
}

enum err
product_set_sale(struct db *db, int64_t now, int64_t user_id, int64_t id,
    int sale)
{
	cJSON		*before;
	enum db_rc	 rc;

	if ((rc = db_tx_immediate(db)) != DB_OK)
		return err_from_db(rc);
	before = product_json(db, now, id, LANG_EN);
	if ((rc = write_sale(db, STMT_SET_SALE, id, sale, now)) == DB_OK)
		rc = audit(db, now, user_id, id, "update", before);
	else
		cJSON_Delete(before);
	if (rc == DB_OK && (rc = db_tx_commit(db)) == DB_OK)
		return ERR_OK;
	db_tx_rollback(db);
	return rc == DB_NOTFOUND ? ERR_PRODUCT_NOT_FOUND : err_from_db(rc);
}
