/*
 * Ticket types and their sellable variants (variant.h).
 *
 * A row is loaded whole into struct vrow, changed by the request's
 * fields, checked against its kind's rules and written whole, like
 * lib/event.c does for events.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit.h"
#include "invoice.h"
#include "jsonout.h"
#include "limits.h"
#include "money.h"
#include "quota.h"
#include "text.h"
#include "variant.h"

#define TEXTS(name, min, max) { name, FIELD_TEXTS, 0, min, max, NULL, 0 }
#define INT(name, min, max) { name, FIELD_INT, 0, min, max, NULL, 0 }

const struct field_spec variant_fields[VF__MAX] = {
	[VF_EVENT] = { "event", FIELD_STRING, 0, 1, SLUG_MAX, NULL, 0 },
	[VF_TICKET_TYPE] = { "ticket_type", FIELD_ID, 0, 0, 0, NULL, 0 },
	[VF_NAME] = TEXTS("name", 1, NAME_TEXT_MAX),
	[VF_DESCRIPTION] = TEXTS("description", 0, DESCRIPTION_MAX),
	[VF_PRICING_TYPE] = { "pricing_type", FIELD_STRING, 0, 1, 16,
	    NULL, 0 },
	[VF_PRICE] = { "price", FIELD_MONEY, 0, 0, 0, NULL, 0 },
	[VF_TOTAL_QUANTITY] = INT("total_quantity", 1, CAPACITY_MAX),
	[VF_QUANTITY] = INT("quantity", 1, CAPACITY_MAX),
	[VF_SALES_START] = { "sales_start", FIELD_TIME, 0, 0, 0, NULL, 0 },
	[VF_SALES_END] = { "sales_end", FIELD_TIME, 0, 0, 0, NULL, 0 },
	[VF_MIN_PURCHASE] = INT("min_purchase", 1, PURCHASE_MAX),
	[VF_MAX_PURCHASE] = INT("max_purchase", 1, PURCHASE_MAX),
	[VF_BENEFITS] = { "benefits", FIELD_TEXT, 0, 0, DESCRIPTION_MAX,
	    NULL, 0 },
	[VF_IS_ACTIVE] = { "is_active", FIELD_BOOL, 0, 0, 0, NULL, 0 },
	[VF_TIER_NUMBER] = INT("tier_number", 1, TIER_NUMBER_MAX),
	[VF_TIER_NAME] = TEXTS("tier_name", 1, NAME_TEXT_MAX),
	[VF_DAY_NUMBER] = INT("day_number", 1, DAY_NUMBER_MAX),
	[VF_DAY_NAME] = TEXTS("day_name", 1, NAME_TEXT_MAX),
	[VF_DATE] = { "date", FIELD_DATE, 0, 0, 0, NULL, 0 },
	[VF_IS_ALL_DAYS] = { "is_all_days", FIELD_BOOL, 0, 0, 0, NULL, 0 },
	[VF_VAT_RATE] = { "vat_rate", FIELD_MONEY, 0, 0, 0, NULL, 0 },
	[VF_REENTRY] = { "reentry_allowed", FIELD_BOOL, 0, 0, 0, NULL, 0 },
};

/* Per kind: its stored name, the parent pricing type it needs, the
 * fields a create must carry, the orderings its listing accepts. */
static const struct kind_def {
	const char		*stored;
	const char		*parent_pricing;
	enum variant_field	 required[6];
	size_t			 nrequired;
	const char		*orderings[5];
} kinds[VK__MAX] = {
	[VK_TYPE] = { "type", NULL, { VF_EVENT, VF_NAME, VF_TOTAL_QUANTITY },
	    3, { "created_at", "price", "total_quantity", NULL } },
	[VK_TIER] = { "tier", "tiered", { VF_TICKET_TYPE, VF_TIER_NUMBER,
	    VF_NAME, VF_PRICE, VF_QUANTITY }, 5, { "tier_number", "price",
	    NULL } },
	[VK_DAY_PASS] = { "day_pass", "day_based", { VF_TICKET_TYPE,
	    VF_NAME, VF_PRICE, VF_QUANTITY }, 4, { "day_number", "price",
	    "date", NULL } },
	[VK_DAY_TIER] = { "day_tier", "tier_and_day", { VF_TICKET_TYPE,
	    VF_DAY_NUMBER, VF_DAY_NAME, VF_TIER_NUMBER, VF_TIER_NAME,
	    VF_PRICE }, 6, { "day_number", "tier_number", "price", "date",
	    NULL } },
};

/* One ticket_types row.  Strings malloc'd; texts parsed. */
struct vrow {
	int64_t	 id, event_id, parent_id, price, quantity, sales_start;
	int64_t	 sales_end, min_purchase, max_purchase, tier_number;
	int64_t	 day_number, created_at, organizer_id, sold;
	int64_t	 vat;		/* basis points; -1: the parent's or event's */
	int64_t	 reentry;	/* 0, 1; -1: as the event says (lib/checkin) */
	int	 visible, sellable, is_all_days;
	char	 kind[16], pricing_type[16], currency[CURRENCY_LEN + 1];
	char	 date[11], event_status[16], lang[3];
	char	*title, *description, *benefits, *tier_name, *day_name;
	char	*event_title, *event_slug;
	cJSON	*texts;
};

enum stmt {
	STMT_LOAD,
	STMT_INSERT,
	STMT_UPDATE,
	STMT_LINK,
	STMT_EVENT_OF,
	STMT_ORDERED,
	STMT_DELETE_ITEMS,
	STMT_DELETE_LINKS,
	STMT_DELETE,
	STMT_DELETE_EVENT_ITEMS,
	STMT_DELETE_EVENT_LINKS,
	STMT_DELETE_EVENT_TYPES,
	STMT_CHILDREN,
	STMT_COUNT,
	STMT_PAGE,
	STMT_TYPE_QUOTA,
	STMT_NAME_TAKEN,
	STMT__MAX
};

#define VCOLS \
	"t.id, coalesce(t.event_id, 0), coalesce(t.parent_id, 0), t.price," \
	" coalesce(t.quantity, -1), coalesce(t.sales_start, 0)," \
	" coalesce(t.sales_end, 0), t.min_purchase," \
	" coalesce(t.max_purchase, 0), coalesce(t.tier_number, 0)," \
	" coalesce(t.day_number, 0), t.created_at," \
	" coalesce(e.organizer_id, 0), t.visible, t.sellable, t.is_all_days," \
	" t.kind, t.pricing_type, t.currency, coalesce(t.day_date, '')," \
	" coalesce(e.status, 'published'), coalesce(e.default_lang, 'sv')," \
	" t.title, t.description, t.benefits, t.tier_name, t.day_name," \
	" coalesce(e.title, ''), coalesce(e.slug, ''), t.texts," \
	" (SELECT coalesce(sum(l.count), 0) FROM order_lines l" \
	" JOIN orders o ON o.id = l.order_id WHERE o.status = 'paid'" \
	" AND (l.ticket_type_id = t.id OR l.ticket_type_id IN" \
	" (SELECT c.id FROM ticket_types c WHERE c.parent_id = t.id)))," \
	" coalesce(t.vat_rate, -1), coalesce(t.reentry_allowed, -1)" \
	" FROM ticket_types t LEFT JOIN events e ON e.id = t.event_id"

/*
 * The listing: ?1 kind, then the filters, then visibility (published
 * events, or the asker's own: ?11 user, ?12 admin).
 */
#define VWHERE \
	" WHERE t.kind = ?1 AND (?2 = 0 OR t.event_id = ?2" \
	" OR (t.event_id IS NULL AND EXISTS (SELECT 1 FROM" \
	" event_ticket_types x WHERE x.event_id = ?2" \
	" AND x.ticket_type_id = t.id)))" \
	" AND (?3 = 0 OR t.parent_id = ?3)" \
	" AND (?4 IS NULL OR t.pricing_type = ?4)" \
	" AND (?5 < 0 OR t.visible = ?5)" \
	" AND (?6 < 0 OR t.is_all_days = ?6)" \
	" AND (?7 = 0 OR t.day_number = ?7)" \
	" AND (?8 = 0 OR t.tier_number = ?8)" \
	" AND (?9 IS NULL OR instr(lower(t.title || ' ' || t.description" \
	" || ' ' || t.benefits || ' ' || coalesce(t.texts, '')), ?9) > 0)" \
	" AND (?10 < 0 OR ?10 = (t.visible AND (t.sales_start IS NULL" \
	" OR t.sales_start <= ?13) AND (t.sales_end IS NULL" \
	" OR t.sales_end > ?13) AND coalesce(e.status, 'published') =" \
	" 'published'))" \
	" AND ((coalesce(e.status, 'published') = 'published'" \
	" AND t.visible = 1) OR ?12 OR e.organizer_id = ?11)"

static const char *const stmts[STMT__MAX] = {
	[STMT_LOAD] = "SELECT " VCOLS " WHERE t.id = ?1",
	[STMT_INSERT] =
	    "INSERT INTO ticket_types (kind, event_id, parent_id, price,"
	    " quantity, sales_start, sales_end, min_purchase, max_purchase,"
	    " tier_number, day_number, visible, sellable, is_all_days,"
	    " pricing_type, currency, day_date, title, description, benefits,"
	    " tier_name, day_name, texts, created_at, updated_at, vat_rate,"
	    " reentry_allowed)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?24,"
	    " nullif(?26, -1), nullif(?27, -1))"
	    " RETURNING id",
	[STMT_UPDATE] =
	    "UPDATE ticket_types SET price = ?4, quantity = ?5,"
	    " sales_start = ?6, sales_end = ?7, min_purchase = ?8,"
	    " max_purchase = ?9, tier_number = ?10, day_number = ?11,"
	    " visible = ?12, sellable = ?13, is_all_days = ?14,"
	    " pricing_type = ?15, currency = ?16, day_date = ?17, title = ?18,"
	    " description = ?19, benefits = ?20, tier_name = ?21,"
	    " day_name = ?22, texts = ?23, updated_at = ?24,"
	    " vat_rate = nullif(?26, -1), reentry_allowed = nullif(?27, -1)"
	    " WHERE id = ?25 AND kind = ?1",
	[STMT_LINK] =
	    "INSERT OR IGNORE INTO event_ticket_types (event_id,"
	    " ticket_type_id, position) VALUES (?1, ?2, ?2)",
	[STMT_EVENT_OF] =
	    "SELECT id, coalesce(organizer_id, 0), pricing_type, currency,"
	    " default_lang FROM events WHERE slug = ?1 OR (?2 > 0 AND id = ?2)"
	    " ORDER BY slug = ?1 DESC LIMIT 1",
	[STMT_ORDERED] =
	    "SELECT EXISTS (SELECT 1 FROM order_lines l"
	    " WHERE l.ticket_type_id = ?1 OR l.ticket_type_id IN"
	    " (SELECT id FROM ticket_types WHERE parent_id = ?1))",
	/* A row and its variants, after what points at them. */
	[STMT_DELETE_ITEMS] =
	    "DELETE FROM quota_items WHERE ticket_type_id IN"
	    " (SELECT id FROM ticket_types WHERE id = ?1 OR parent_id = ?1)",
	[STMT_DELETE_LINKS] =
	    "DELETE FROM event_ticket_types WHERE ticket_type_id IN"
	    " (SELECT id FROM ticket_types WHERE id = ?1 OR parent_id = ?1)",
	[STMT_DELETE] =
	    "DELETE FROM ticket_types WHERE id = ?1 OR parent_id = ?1",
	/* An event's own types (shared seed-002 types stay). */
	[STMT_DELETE_EVENT_ITEMS] =
	    "DELETE FROM quota_items WHERE ticket_type_id IN"
	    " (SELECT id FROM ticket_types WHERE event_id = ?1)",
	[STMT_DELETE_EVENT_LINKS] =
	    "DELETE FROM event_ticket_types WHERE ticket_type_id IN"
	    " (SELECT id FROM ticket_types WHERE event_id = ?1)",
	[STMT_DELETE_EVENT_TYPES] =
	    "DELETE FROM ticket_types WHERE event_id = ?1",
	[STMT_CHILDREN] =
	    "SELECT t.id, t.kind FROM ticket_types t WHERE t.parent_id = ?1"
	    " AND (?2 OR t.visible = 1)"
	    " ORDER BY coalesce(t.day_number, 1000000), t.tier_number, t.id",
	[STMT_COUNT] =
	    "SELECT count(*) FROM ticket_types t"
	    " LEFT JOIN events e ON e.id = t.event_id" VWHERE,
	[STMT_PAGE] =
	    "SELECT t.id FROM ticket_types t"
	    " LEFT JOIN events e ON e.id = t.event_id" VWHERE
	    " ORDER BY"
	    " CASE ?14 WHEN 'price' THEN t.price END,"
	    " CASE ?14 WHEN '-price' THEN t.price END DESC,"
	    " CASE ?14 WHEN 'total_quantity' THEN t.quantity"
	    " WHEN 'tier_number' THEN t.tier_number"
	    " WHEN 'day_number' THEN t.day_number"
	    " WHEN 'date' THEN t.day_date WHEN 'created_at' THEN t.created_at"
	    " END,"
	    " CASE ?14 WHEN '-total_quantity' THEN t.quantity"
	    " WHEN '-tier_number' THEN t.tier_number"
	    " WHEN '-day_number' THEN t.day_number"
	    " WHEN '-date' THEN t.day_date WHEN '-created_at' THEN t.created_at"
	    " END DESC,"
	    " t.event_id, coalesce(t.day_number, 1000000), t.tier_number, t.id"
	    " LIMIT ?15 OFFSET ?16",
	[STMT_NAME_TAKEN] =
	    "SELECT EXISTS (SELECT 1 FROM ticket_types WHERE kind = 'type'"
	    " AND event_id = ?1 AND title = ?2 AND id <> ?3)",
	[STMT_TYPE_QUOTA] =
	    "SELECT size - used FROM quotas WHERE scope = 'type'"
	    " AND ref_id = ?1",
};

_Static_assert(sizeof(stmts) / sizeof(stmts[0]) == STMT__MAX,
    "one SQL text per statement");

static char *
dup_col(struct db_stmt *st, int i)
{
	const char	*s = db_col_text(st, i);

	return s != NULL ? strdup(s) : NULL;
}

static void
vrow_free(struct vrow *r)
{
	free(r->title);
	free(r->description);
	free(r->benefits);
	free(r->tier_name);
	free(r->day_name);
	free(r->event_title);
	free(r->event_slug);
	cJSON_Delete(r->texts);
	memset(r, 0, sizeof(*r));
}

static void
vrow_fill(struct vrow *r, struct db_stmt *st)
{
	memset(r, 0, sizeof(*r));
	r->id = db_col_int(st, 0);
	r->event_id = db_col_int(st, 1);
	r->parent_id = db_col_int(st, 2);
	r->price = db_col_int(st, 3);
	r->quantity = db_col_int(st, 4);
	r->sales_start = db_col_int(st, 5);
	r->sales_end = db_col_int(st, 6);
	r->min_purchase = db_col_int(st, 7);
	r->max_purchase = db_col_int(st, 8);
	r->tier_number = db_col_int(st, 9);
	r->day_number = db_col_int(st, 10);
	r->created_at = db_col_int(st, 11);
	r->organizer_id = db_col_int(st, 12);
	r->visible = (int)db_col_int(st, 13);
	r->sellable = (int)db_col_int(st, 14);
	r->is_all_days = (int)db_col_int(st, 15);
	snprintf(r->kind, sizeof(r->kind), "%s", db_col_text(st, 16));
	snprintf(r->pricing_type, sizeof(r->pricing_type), "%s",
	    db_col_text(st, 17));
	snprintf(r->currency, sizeof(r->currency), "%s", db_col_text(st, 18));
	snprintf(r->date, sizeof(r->date), "%s", db_col_text(st, 19));
	snprintf(r->event_status, sizeof(r->event_status), "%s",
	    db_col_text(st, 20));
	snprintf(r->lang, sizeof(r->lang), "%s", db_col_text(st, 21));
	r->title = dup_col(st, 22);
	r->description = dup_col(st, 23);
	r->benefits = dup_col(st, 24);
	r->tier_name = dup_col(st, 25);
	r->day_name = dup_col(st, 26);
	r->event_title = dup_col(st, 27);
	r->event_slug = dup_col(st, 28);
	r->texts = text_parse(db_col_text(st, 29));
	r->sold = db_col_int(st, 30);
	r->vat = db_col_int(st, 31);
	r->reentry = db_col_int(st, 32);
}

static enum db_rc
vrow_load(struct db *db, int64_t id, struct vrow *r)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	memset(r, 0, sizeof(*r));
	if ((st = db_stmt(db, stmts[STMT_LOAD])) == NULL ||
	    db_bind_int(st, 1, id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		vrow_fill(r, st);
	db_reset(st);
	return rc;
}

static enum variant_kind
kind_of(const char *stored)
{
	int	 k;

	for (k = 0; k < VK__MAX; k++)
		if (strcmp(kinds[k].stored, stored) == 0)
			return (enum variant_kind)k;
	return VK__MAX;
}

int
variant_ordering_valid(enum variant_kind k, const char *ordering)
{
	const char	*o = ordering[0] == '-' ? ordering + 1 : ordering;
	size_t		 i;

	for (i = 0; kinds[k].orderings[i] != NULL; i++)
		if (strcmp(kinds[k].orderings[i], o) == 0)
			return 1;
	return 0;
}

/* Drafts and inactive rows are their owner's (and admins') only. */
static int
may_see(const struct vrow *r, const struct actor *a)
{
	if (strcmp(r->event_status, "draft") != 0 && r->visible)
		return 1;
	return a != NULL && (a->is_admin || (a->user_id > 0 &&
	    a->user_id == r->organizer_id));
}

enum err
variant_find(struct db *db, enum variant_kind k, int64_t id,
    const struct actor *actor, int64_t *organizer_id)
{
	struct vrow	 r;
	enum db_rc	 rc;
	int		 ok;

	if ((rc = vrow_load(db, id, &r)) != DB_OK)
		return rc == DB_NOTFOUND ? ERR_NOT_FOUND : err_from_db(rc);
	ok = kind_of(r.kind) == k && r.event_id > 0 && may_see(&r, actor);
	*organizer_id = r.organizer_id;
	vrow_free(&r);
	return ok ? ERR_OK : ERR_NOT_FOUND;
}

/* Places still free: a variant's tightest quota; a type with variants,
 * its own quota when it has one, else its variants' sum. */
static int64_t
available(struct db *db, const struct vrow *r)
{
	struct db_stmt	*st;
	int64_t		 left = 0, one, sum = 0, ids[VARIANTS_MAX];
	size_t		 n = 0, i;

	if (r->sellable) {
		if (quota_available(db, r->event_id, r->id, &left) != DB_OK)
			return 0;
		return left;
	}
	if ((st = db_stmt(db, stmts[STMT_TYPE_QUOTA])) != NULL &&
	    db_bind_int(st, 1, r->id) == 0 && db_step(db, st) == DB_OK) {
		left = db_col_int(st, 0);
		db_reset(st);
		return left < 0 ? 0 : left;
	}
	if (st != NULL)
		db_reset(st);
	if ((st = db_stmt(db, stmts[STMT_CHILDREN])) == NULL ||
	    db_bind_int(st, 1, r->id) == -1 || db_bind_int(st, 2, 0) == -1)
		return 0;
	while (n < VARIANTS_MAX && db_step(db, st) == DB_OK)
		ids[n++] = db_col_int(st, 0);
	db_reset(st);
	for (i = 0; i < n; i++)
		if (quota_available(db, r->event_id, ids[i], &one) == DB_OK)
			sum += one;
	return sum;
}

/* A name in the asker's language (the row's texts, else its column). */
static const char *
pick(const struct vrow *r, const char *key, const char *plain,
    enum lang lang)
{
	return text_pick(r->texts, key, lang, plain != NULL ? plain : "");
}

/* The members every kind shares. */
static void
common_json(cJSON *o, const struct vrow *r, int64_t left, int64_t now)
{
	int	 on_sale = r->visible && left > 0 &&
	    strcmp(r->event_status, "published") == 0 &&
	    (r->sales_start == 0 || r->sales_start <= now) &&
	    (r->sales_end == 0 || r->sales_end > now);

	cJSON_AddNumberToObject(o, "id", (double)r->id);
	if (r->parent_id > 0)
		cJSON_AddNumberToObject(o, "ticket_type",
		    (double)r->parent_id);
	json_add_money(o, "price", r->sellable ? r->price : -1, r->currency);
	invoice_vat_out(o, r->vat);
	json_add_count(o, "quantity_sold", r->sold);
	cJSON_AddNumberToObject(o, "available_quantity", (double)left);
	cJSON_AddBoolToObject(o, "is_sold_out", left <= 0);
	cJSON_AddBoolToObject(o, "is_on_sale", on_sale);
	cJSON_AddBoolToObject(o, "is_active", r->visible);
	json_add_time(o, "sales_start", r->sales_start);
	json_add_time(o, "sales_end", r->sales_end);
	json_add_time(o, "created_at", r->created_at);
}

static void	add_children(struct db *, cJSON *, const struct vrow *,
		    enum lang, int64_t);

/* Row r (one of kind k) as seed 004's serializer shows it. */
static cJSON *
row_json(struct db *db, const struct vrow *r, enum variant_kind k,
    enum lang lang, int64_t now, int detail)
{
	cJSON		*o;
	int64_t		 left = available(db, r);

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	common_json(o, r, left, now);
	switch (k) {
	case VK_TYPE:
		cJSON_AddNumberToObject(o, "event", (double)r->event_id);
		cJSON_AddStringToObject(o, "event_title", r->event_title);
		cJSON_AddStringToObject(o, "event_slug", r->event_slug);
		cJSON_AddStringToObject(o, "name", pick(r, "name", r->title,
		    lang));
		cJSON_AddStringToObject(o, "description", pick(r,
		    "description", r->description, lang));
		cJSON_AddStringToObject(o, "pricing_type", r->pricing_type);
		json_add_count(o, "total_quantity", r->quantity);
		cJSON_AddNumberToObject(o, "min_purchase",
		    (double)r->min_purchase);
		json_add_count(o, "max_purchase", r->max_purchase > 0 ?
		    r->max_purchase : -1);
		cJSON_AddStringToObject(o, "benefits", r->benefits);
		cJSON_AddStringToObject(o, "currency", r->currency);
		/* Its holders may leave and come back; null: as the event
		 * says (its tiers and day passes follow it). */
		if (r->reentry < 0)
			cJSON_AddNullToObject(o, "reentry_allowed");
		else
			cJSON_AddBoolToObject(o, "reentry_allowed",
			    r->reentry != 0);
		break;
	case VK_TIER:
		cJSON_AddNumberToObject(o, "tier_number",
		    (double)r->tier_number);
		cJSON_AddStringToObject(o, "name", pick(r, "name", r->title,
		    lang));
		json_add_count(o, "quantity", r->quantity);
		break;
	case VK_DAY_PASS:
		json_add_count(o, "day_number", r->day_number > 0 ?
		    r->day_number : -1);
		cJSON_AddStringToObject(o, "name", pick(r, "name", r->title,
		    lang));
		json_add_str(o, "date", r->date[0] != '\0' ? r->date : NULL);
		json_add_count(o, "quantity", r->quantity);
		cJSON_AddBoolToObject(o, "is_all_days", r->is_all_days);
		if (r->tier_number > 0)
			cJSON_AddNumberToObject(o, "tier_number",
			    (double)r->tier_number);
		break;
	default:
		cJSON_AddNumberToObject(o, "day_number",
		    (double)r->day_number);
		cJSON_AddStringToObject(o, "day_name", pick(r, "day_name",
		    r->day_name, lang));
		json_add_str(o, "date", r->date[0] != '\0' ? r->date : NULL);
		cJSON_AddNumberToObject(o, "tier_number",
		    (double)r->tier_number);
		cJSON_AddStringToObject(o, "tier_name", pick(r, "tier_name",
		    r->tier_name, lang));
		json_add_count(o, "quantity", r->quantity);
		break;
	}
	if (detail && k == VK_TYPE)
		add_children(db, o, r, lang, now);
	return o;
}

/* Row id as JSON (whichever kind it is). */
static cJSON *
id_json(struct db *db, int64_t id, enum lang lang, int64_t now, int detail)
{
	struct vrow		 r;
	enum variant_kind	 k;
	cJSON			*o = NULL;

	if (vrow_load(db, id, &r) != DB_OK)
		return NULL;
	if ((k = kind_of(r.kind)) != VK__MAX)
		o = row_json(db, &r, k, lang, now, detail);
	vrow_free(&r);
	return o;
}

/*
 * A type's variants under "tiers", "day_passes" and "day_tier_prices"
 * (seed 004's detail), and its lowest price as "min_price".
 */
static void
add_children(struct db *db, cJSON *o, const struct vrow *r, enum lang lang,
    int64_t now)
{
	static const char *const lists[VK__MAX] = { NULL, "tiers",
	    "day_passes", "day_tier_prices" };
	struct db_stmt	*st;
	cJSON		*arr[VK__MAX], *child, *price;
	int64_t		 ids[VARIANTS_MAX], min = -1, p;
	size_t		 n = 0, i;
	int		 k;

	for (k = 1; k < VK__MAX; k++)
		arr[k] = cJSON_AddArrayToObject(o, lists[k]);
	if ((st = db_stmt(db, stmts[STMT_CHILDREN])) == NULL ||
	    db_bind_int(st, 1, r->id) == -1 || db_bind_int(st, 2, 1) == -1)
		return;
	while (n < VARIANTS_MAX && db_step(db, st) == DB_OK)
		ids[n++] = db_col_int(st, 0);
	db_reset(st);
	for (i = 0; i < n; i++) {
		if ((child = id_json(db, ids[i], lang, now, 0)) == NULL)
			continue;
		k = cJSON_HasObjectItem(child, "tier_name") ? VK_DAY_TIER :
		    cJSON_HasObjectItem(child, "is_all_days") ? VK_DAY_PASS :
		    VK_TIER;
		cJSON_AddItemToArray(arr[k], child);
		price = cJSON_GetObjectItemCaseSensitive(child, "price");
		if (cJSON_IsString(price) && cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(child, "is_active")) &&
		    money_parse_decimal(price->valuestring, r->currency, &p) ==
		    MONEY_OK && (min < 0 || p < min))
			min = p;
	}
	json_add_money(o, "min_price", r->sellable ? r->price : min,
	    r->currency);
}

cJSON *
variant_json(struct db *db, enum variant_kind k, int64_t id, enum lang lang,
    int64_t now)
{
	return id_json(db, id, lang, now, k == VK_TYPE);
}

enum db_rc
variant_list(struct db *db, enum variant_kind k, int64_t now,
    const struct variant_filter *f, int64_t offset, int64_t limit,
    enum lang lang, int64_t *count, cJSON **results)
{
	struct db_stmt	*st;
	cJSON		*arr, *o;
	int64_t		 ids[PER_PAGE_MAX];
	size_t		 n = 0, i;
	enum db_rc	 rc;
	int		 pass;

	*results = NULL;
	*count = 0;
	for (pass = 0; pass < 2; pass++) {
		if ((st = db_stmt(db, stmts[pass == 0 ? STMT_COUNT :
		    STMT_PAGE])) == NULL ||
		    db_bind_text(st, 1, kinds[k].stored) == -1 ||
		    db_bind_int(st, 2, f->event_id) == -1 ||
		    db_bind_int(st, 3, f->type_id) == -1 ||
		    db_bind_text(st, 4, f->pricing_type) == -1 ||
		    db_bind_int(st, 5, f->is_active) == -1 ||
		    db_bind_int(st, 6, f->is_all_days) == -1 ||
		    db_bind_int(st, 7, f->day_number) == -1 ||
		    db_bind_int(st, 8, f->tier_number) == -1 ||
		    db_bind_text(st, 9, f->search) == -1 ||
		    db_bind_int(st, 10, f->on_sale) == -1 ||
		    db_bind_int(st, 11, f->actor != NULL ?
		    f->actor->user_id : 0) == -1 ||
		    db_bind_int(st, 12, f->actor != NULL &&
		    f->actor->is_admin) == -1 ||
		    db_bind_int(st, 13, now) == -1)
			return DB_ERROR;
		if (pass == 1 && (db_bind_text(st, 14, f->ordering) == -1 ||
		    db_bind_int(st, 15, limit > PER_PAGE_MAX ? PER_PAGE_MAX :
		    limit) == -1 || db_bind_int(st, 16, offset) == -1))
			return DB_ERROR;
		while ((rc = db_step(db, st)) == DB_OK) {
			if (pass == 0)
				*count = db_col_int(st, 0);
			else if (n < PER_PAGE_MAX)
				ids[n++] = db_col_int(st, 0);
		}
		db_reset(st);
		if (rc != DB_NOTFOUND)
			return rc;
	}
	if ((arr = cJSON_CreateArray()) == NULL)
		return DB_ERROR;
	for (i = 0; i < n; i++)
		if ((o = id_json(db, ids[i], lang, now, 0)) != NULL)
			cJSON_AddItemToArray(arr, o);
	*results = arr;
	return DB_OK;
}

/* The event a new type goes to (f's "event": id or slug). */
static enum err
event_for_type(struct db *db, const char *key, struct vrow *r)
{
	struct db_stmt	*st;
	enum db_rc	 rc;
	int64_t		 num = 0;

	(void)field_strtonum(key, 1, ID_MAX, &num);
	if ((st = db_stmt(db, stmts[STMT_EVENT_OF])) == NULL ||
	    db_bind_text(st, 1, key) == -1 || db_bind_int(st, 2, num) == -1)
		return ERR_INTERNAL;
	if ((rc = db_step(db, st)) == DB_OK) {
		r->event_id = db_col_int(st, 0);
		r->organizer_id = db_col_int(st, 1);
		snprintf(r->pricing_type, sizeof(r->pricing_type), "%s",
		    db_col_text(st, 2));
		snprintf(r->currency, sizeof(r->currency), "%s",
		    db_col_text(st, 3));
		snprintf(r->lang, sizeof(r->lang), "%s", db_col_text(st, 4));
	}
	db_reset(st);
	return rc == DB_OK ? ERR_OK : rc == DB_NOTFOUND ? ERR_NOT_FOUND :
	    err_from_db(rc);
}

static int
owns(const struct actor *a, int64_t organizer_id)
{
	return a->is_admin || (a->user_id > 0 && a->user_id == organizer_id);
}

/*
 * A new row of kind k: its event and pricing type from its parent (a
 * variant) or its event (a type), which actor must own.
 */
static enum err
new_row(struct db *db, const struct actor *actor, enum variant_kind k,
    const struct field_val *f, struct vrow *r, cJSON *errs)
{
	struct vrow	 parent;
	enum err	 e;
	enum db_rc	 rc;

	memset(r, 0, sizeof(*r));
	r->visible = 1;
	r->min_purchase = 1;
	r->quantity = -1;
	snprintf(r->kind, sizeof(r->kind), "%s", kinds[k].stored);
	if (k == VK_TYPE) {
		if ((e = event_for_type(db, f[VF_EVENT].s, r)) == ERR_NOT_FOUND ||
		    (e == ERR_OK && !owns(actor, r->organizer_id))) {
			cJSON_AddStringToObject(errs, "event", "no such event "
			    "of yours");
			return ERR_BAD_REQUEST;
		}
		return e;
	}
	if ((rc = vrow_load(db, f[VF_TICKET_TYPE].i, &parent)) != DB_OK &&
	    rc != DB_NOTFOUND)
		return err_from_db(rc);
	e = ERR_OK;
	if (rc == DB_NOTFOUND || kind_of(parent.kind) != VK_TYPE ||
	    !owns(actor, parent.organizer_id)) {
		cJSON_AddStringToObject(errs, "ticket_type", "Ticket type not "
		    "found");
		e = ERR_BAD_REQUEST;
	} else if (strcmp(parent.pricing_type, kinds[k].parent_pricing) != 0 &&
	    !(k == VK_DAY_PASS && strcmp(parent.pricing_type,
	    "tier_and_day") == 0 && f[VF_IS_ALL_DAYS].present &&
	    f[VF_IS_ALL_DAYS].i)) {
		cJSON_AddStringToObject(errs, "ticket_type", k == VK_TIER ?
		    "tiers are only for ticket types with pricing_type "
		    "tiered" : k == VK_DAY_PASS ? "day passes are only for "
		    "ticket types with pricing_type day_based (and all-days "
		    "passes for tier_and_day)" : "day+tier "
		    "prices are only for ticket types with pricing_type "
		    "tier_and_day");
		e = ERR_BAD_REQUEST;
	} else {
		r->event_id = parent.event_id;
		r->parent_id = parent.id;
		r->organizer_id = parent.organizer_id;
		r->sellable = 1;
		snprintf(r->pricing_type, sizeof(r->pricing_type), "%s",
		    parent.pricing_type);
		snprintf(r->currency, sizeof(r->currency), "%s",
		    parent.currency);
		snprintf(r->lang, sizeof(r->lang), "%s", parent.lang);
	}
	vrow_free(&parent);
	return e;
}

static int
set_str(char **slot, const char *s)
{
	char	*c = strdup(s != NULL ? s : "");

	if (c == NULL)
		return -1;
	free(*slot);
	*slot = c;
	return 0;
}

/* Applies a texts field to the row's texts and its plain column. */
static int
set_text(struct vrow *r, const char *key, const struct field_val *v,
    char **slot)
{
	const char	*plain;

	if (!v->present)
		return 0;
	if ((plain = text_set(&r->texts, key, v, r->lang[0] != '\0' ?
	    r->lang : "sv")) == NULL)
		return -1;
	return set_str(slot, plain);
}

/* Applies the numeric and flag fields that fit kind k. */
static enum err
apply_numbers(struct vrow *r, enum variant_kind k, const struct field_val *f,
    cJSON *errs)
{
	enum err	 e = ERR_OK;

	if (f[VF_PRICE].present && (k != VK_TYPE ||
	    strcmp(r->pricing_type, "simple") == 0) &&
	    money_parse_decimal(f[VF_PRICE].s, r->currency, &r->price) !=
	    MONEY_OK) {
		cJSON_AddStringToObject(errs, "price",
		    "not an amount in the event's currency");
		e = ERR_BAD_REQUEST;
	}
	if ((f[VF_VAT_RATE].present || f[VF_VAT_RATE].null) &&
	    invoice_vat_in(&f[VF_VAT_RATE], &r->vat, errs) == -1)
		e = ERR_BAD_REQUEST;
	if (k == VK_TYPE && f[VF_TOTAL_QUANTITY].present)
		r->quantity = f[VF_TOTAL_QUANTITY].i;
	if (k != VK_TYPE && f[VF_QUANTITY].present)
		r->quantity = f[VF_QUANTITY].i;
	if (f[VF_SALES_START].present || f[VF_SALES_START].null)
		r->sales_start = f[VF_SALES_START].i;
	if (f[VF_SALES_END].present || f[VF_SALES_END].null)
		r->sales_end = f[VF_SALES_END].i;
	if (k == VK_TYPE && f[VF_MIN_PURCHASE].present)
		r->min_purchase = f[VF_MIN_PURCHASE].i;
	if (k == VK_TYPE && f[VF_MAX_PURCHASE].present)
		r->max_purchase = f[VF_MAX_PURCHASE].i;
	if (f[VF_IS_ACTIVE].present)
		r->visible = (int)f[VF_IS_ACTIVE].i;
	if ((k == VK_TIER || k == VK_DAY_TIER || (k == VK_DAY_PASS &&
	    strcmp(r->pricing_type, "tier_and_day") == 0)) &&
	    f[VF_TIER_NUMBER].present)
		r->tier_number = f[VF_TIER_NUMBER].i;
	if ((k == VK_DAY_PASS || k == VK_DAY_TIER) &&
	    (f[VF_DAY_NUMBER].present || f[VF_DAY_NUMBER].null))
		r->day_number = f[VF_DAY_NUMBER].i;
	if (k == VK_TYPE && (f[VF_REENTRY].present || f[VF_REENTRY].null))
		r->reentry = f[VF_REENTRY].present ? f[VF_REENTRY].i != 0 : -1;
	if (k == VK_DAY_PASS && f[VF_IS_ALL_DAYS].present)
		r->is_all_days = (int)f[VF_IS_ALL_DAYS].i;
	if ((k == VK_DAY_PASS || k == VK_DAY_TIER) && (f[VF_DATE].present ||
	    f[VF_DATE].null))
		snprintf(r->date, sizeof(r->date), "%s", f[VF_DATE].present ?
		    f[VF_DATE].s : "");
	return e;
}

/* Applies f to r, then checks kind k's rules. */
static enum err
apply(struct vrow *r, enum variant_kind k, const struct field_val *f,
    cJSON *errs)
{
	enum err	 e;

	if (k == VK_TYPE && f[VF_PRICING_TYPE].present &&
	    strcmp(f[VF_PRICING_TYPE].s, r->pricing_type) != 0) {
		cJSON_AddStringToObject(errs, "pricing_type",
		    "must match the event's pricing_type");
		return ERR_BAD_REQUEST;
	}
	e = apply_numbers(r, k, f, errs);
	if (set_text(r, "name", &f[VF_NAME], &r->title) == -1 ||
	    set_text(r, "description", &f[VF_DESCRIPTION],
	    &r->description) == -1 ||
	    set_text(r, "tier_name", &f[VF_TIER_NAME], &r->tier_name) == -1 ||
	    set_text(r, "day_name", &f[VF_DAY_NAME], &r->day_name) == -1 ||
	    (f[VF_BENEFITS].present &&
	    set_str(&r->benefits, f[VF_BENEFITS].s) == -1))
		return ERR_INTERNAL;
	if (k == VK_TYPE)
		r->sellable = strcmp(r->pricing_type, "simple") == 0;
	return e;
}

/* Kind k's rules over the whole row. */
static enum err
check(struct vrow *r, enum variant_kind k, cJSON *errs)
{
	enum err	 e = ERR_OK;
	char		 title[2 * NAME_TEXT_MAX + 8];

	if (k == VK_DAY_TIER && r->day_name != NULL && r->tier_name != NULL) {
		snprintf(title, sizeof(title), "%s – %s", r->day_name,
		    r->tier_name);
		if (set_str(&r->title, title) == -1)
			return ERR_INTERNAL;
	}
	if (r->title == NULL || r->title[0] == '\0') {
		cJSON_AddStringToObject(errs, "name", "This field is "
		    "required.");
		e = ERR_BAD_REQUEST;
	}
	if (k == VK_TYPE && r->sellable && r->price < 0) {
		cJSON_AddStringToObject(errs, "price",
		    "Price is required for simple pricing type");
		e = ERR_BAD_REQUEST;
	}
	if (k != VK_TYPE && r->quantity < 0) {
		cJSON_AddStringToObject(errs, "quantity", "This field is "
		    "required.");
		e = ERR_BAD_REQUEST;
	}
	if (r->sales_start > 0 && r->sales_end > 0 &&
	    r->sales_end <= r->sales_start) {
		cJSON_AddStringToObject(errs, "sales_end",
		    "Sales end date must be after sales start date");
		e = ERR_BAD_REQUEST;
	}
	if (r->max_purchase > 0 && r->min_purchase > r->max_purchase) {
		cJSON_AddStringToObject(errs, "min_purchase", "Minimum "
		    "purchase cannot be greater than maximum purchase");
		e = ERR_BAD_REQUEST;
	}
	if (k == VK_DAY_PASS && r->is_all_days && r->day_number > 0) {
		cJSON_AddStringToObject(errs, "day_number",
		    "All days pass should not have a day number");
		e = ERR_BAD_REQUEST;
	}
	if (k == VK_DAY_PASS && strcmp(r->pricing_type, "tier_and_day") ==
	    0 && r->tier_number == 0) {
		cJSON_AddStringToObject(errs, "tier_number", "An all-days pass "
		    "of a day x tier matrix belongs to a tier");
		e = ERR_BAD_REQUEST;
	}
	if (k == VK_DAY_PASS && !r->is_all_days && r->day_number == 0) {
		cJSON_AddStringToObject(errs, "day_number",
		    "Single day pass must have a day number");
		e = ERR_BAD_REQUEST;
	}
	if (k == VK_TIER && r->tier_name == NULL &&
	    set_str(&r->tier_name, r->title) == -1)
		return ERR_INTERNAL;
	return e;
}

/* Binds the row for STMT_INSERT / STMT_UPDATE (?1 .. ?24). */
static int
bind_row(struct db_stmt *st, const struct vrow *r, const char *tcol,
    int64_t now)
{
	return db_bind_text(st, 1, r->kind) == -1 ||
	    db_bind_int(st, 2, r->event_id) == -1 ||
	    (r->parent_id > 0 ? db_bind_int(st, 3, r->parent_id) :
	    db_bind_null(st, 3)) == -1 ||
	    db_bind_int(st, 4, r->price < 0 ? 0 : r->price) == -1 ||
	    (r->quantity >= 0 ? db_bind_int(st, 5, r->quantity) :
	    db_bind_null(st, 5)) == -1 ||
	    (r->sales_start > 0 ? db_bind_int(st, 6, r->sales_start) :
	    db_bind_null(st, 6)) == -1 ||
	    (r->sales_end > 0 ? db_bind_int(st, 7, r->sales_end) :
	    db_bind_null(st, 7)) == -1 ||
	    db_bind_int(st, 8, r->min_purchase) == -1 ||
	    (r->max_purchase > 0 ? db_bind_int(st, 9, r->max_purchase) :
	    db_bind_null(st, 9)) == -1 ||
	    (r->tier_number > 0 ? db_bind_int(st, 10, r->tier_number) :
	    db_bind_null(st, 10)) == -1 ||
	    (r->day_number > 0 ? db_bind_int(st, 11, r->day_number) :
	    db_bind_null(st, 11)) == -1 ||
	    db_bind_int(st, 12, r->visible) == -1 ||
	    db_bind_int(st, 13, r->sellable) == -1 ||
	    db_bind_int(st, 14, r->is_all_days) == -1 ||
	    db_bind_text(st, 15, r->pricing_type) == -1 ||
	    db_bind_text(st, 16, r->currency) == -1 ||
	    db_bind_text(st, 17, r->date[0] != '\0' ? r->date : NULL) == -1 ||
	    db_bind_text(st, 18, r->title) == -1 ||
	    db_bind_text(st, 19, r->description != NULL ?
	    r->description : "") == -1 ||
	    db_bind_text(st, 20, r->benefits != NULL ? r->benefits : "") ==
	    -1 || db_bind_text(st, 21, r->tier_name) == -1 ||
	    db_bind_text(st, 22, r->day_name) == -1 ||
	    db_bind_text(st, 23, tcol) == -1 ||
	    db_bind_int(st, 26, r->vat) == -1 ||
	    db_bind_int(st, 27, r->reentry) == -1 ||
	    db_bind_int(st, 24, now) == -1 ? -1 : 0;
}

/* Writes r (inserting and linking it to its event when r->id is 0). */
static enum db_rc
vrow_write(struct db *db, struct vrow *r, int64_t now)
{
	struct db_stmt	*st;
	char		*tcol = text_column(r->texts);
	enum db_rc	 rc = DB_ERROR;

	if (r->id == 0) {
		if ((st = db_stmt(db, stmts[STMT_INSERT])) != NULL &&
		    bind_row(st, r, tcol, now) == 0 &&
		    (rc = db_insert_id(db, st, &r->id)) == DB_OK) {
			if ((st = db_stmt(db, stmts[STMT_LINK])) == NULL ||
			    db_bind_int(st, 1, r->event_id) == -1 ||
			    db_bind_int(st, 2, r->id) == -1)
				rc = DB_ERROR;
			else
				rc = db_exec(db, st);
		}
	} else if ((st = db_stmt(db, stmts[STMT_UPDATE])) != NULL &&
	    bind_row(st, r, tcol, now) == 0 &&
	    db_bind_int(st, 25, r->id) == 0)
		rc = db_exec(db, st);
	free(tcol);
	return rc;
}

/* A unique index refused the row: say which rule, as seed 004 does. */
static void
duplicate(cJSON *errs, enum variant_kind k)
{
	static const char *const why[VK__MAX][2] = {
		[VK_TYPE] = { "name", "The event already has a ticket type "
		    "with this name." },
		[VK_TIER] = { "tier_number", "The fields ticket_type, "
		    "tier_number must make a unique set." },
		[VK_DAY_PASS] = { "day_number", "The fields ticket_type, "
		    "day_number must make a unique set (one all-days pass)." },
		[VK_DAY_TIER] = { "day_number", "The fields ticket_type, "
		    "day_number, tier_number must make a unique set." },
	};

	cJSON_AddStringToObject(errs, why[k][0], why[k][1]);
}

/* DB_OK when no other type of the event has r's name, DB_NOTFOUND when
 * one has. */
static enum db_rc
name_taken(struct db *db, const struct vrow *r)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_NAME_TAKEN])) == NULL ||
	    db_bind_int(st, 1, r->event_id) == -1 ||
	    db_bind_text(st, 2, r->title) == -1 ||
	    db_bind_int(st, 3, r->id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK && db_col_int(st, 0) != 0)
		rc = DB_NOTFOUND;
	db_reset(st);
	return rc;
}

static int
missing_required(enum variant_kind k, const struct field_val *f,
    cJSON *errs)
{
	size_t	 i;
	int	 missing = 0;

	for (i = 0; i < kinds[k].nrequired; i++)
		if (!f[kinds[k].required[i]].present) {
			cJSON_AddStringToObject(errs,
			    variant_fields[kinds[k].required[i]].name,
			    "This field is required.");
			missing = 1;
		}
	return missing;
}

enum err
variant_save(struct db *db, int64_t now, const struct actor *actor,
    enum variant_kind k, int64_t id, const struct field_val *f, cJSON *errs,
    int64_t *out_id)
{
	struct vrow	 r;
	cJSON		*before = NULL, *after = NULL;
	enum db_rc	 rc;
	enum err	 e;

	if (id == 0) {
		if (missing_required(k, f, errs))
			return ERR_BAD_REQUEST;
		if ((e = new_row(db, actor, k, f, &r, errs)) != ERR_OK) {
			vrow_free(&r);
			return e;
		}
		r.price = -1;
		r.vat = -1;
		r.reentry = -1;
	} else {
		if ((rc = vrow_load(db, id, &r)) != DB_OK)
			return rc == DB_NOTFOUND ? ERR_NOT_FOUND :
			    err_from_db(rc);
		if (kind_of(r.kind) != k || !owns(actor, r.organizer_id)) {
			vrow_free(&r);
			return ERR_NOT_FOUND;
		}
		before = id_json(db, id, LANG_SV, now, 0);
	}
	if ((e = apply(&r, k, f, errs)) == ERR_OK)
		e = check(&r, k, errs);
	if (e != ERR_OK)
		goto out;
	if (k == VK_TYPE && (rc = name_taken(db, &r)) != DB_OK)
		rc = rc == DB_NOTFOUND ? DB_CONSTRAINT : rc;
	else
		rc = vrow_write(db, &r, now);
	if (rc == DB_CONSTRAINT) {
		duplicate(errs, k);
		e = ERR_BAD_REQUEST;
		goto out;
	}
	if (rc == DB_OK && (rc = quota_sync(db, r.event_id)) == DB_CONSTRAINT) {
		cJSON_AddStringToObject(errs, k == VK_TYPE ? "total_quantity" :
		    "quantity", "below the places already sold or held");
		e = ERR_CONFLICT;
		goto out;
	}
	if (rc == DB_OK) {
		after = id_json(db, r.id, LANG_SV, now, 0);
		rc = audit_record(db, now, actor->user_id, r.organizer_id,
		    "ticket_type", r.id, id == 0 ? "create" : "update", before,
		    after);
	}
	e = err_from_db(rc);
	*out_id = r.id;
out:
	cJSON_Delete(before);
	cJSON_Delete(after);
	vrow_free(&r);
	return e;
}

/* Runs n statements, each with id as ?1; stops at the first failure. */
static enum db_rc
run_steps(struct db *db, const enum stmt *steps, size_t n, int64_t id)
{
	struct db_stmt	*st;
	enum db_rc	 rc = DB_OK;
	size_t		 i;

	for (i = 0; i < n && rc == DB_OK; i++) {
		if ((st = db_stmt(db, stmts[steps[i]])) == NULL ||
		    db_bind_int(st, 1, id) == -1)
			return DB_ERROR;
		rc = db_exec(db, st);
	}
	return rc;
}

static const enum stmt	 delete_steps[] = { STMT_DELETE_ITEMS,
	STMT_DELETE_LINKS, STMT_DELETE };

enum err
variant_delete(struct db *db, int64_t now, const struct actor *actor,
    enum variant_kind k, int64_t id)
{
	struct db_stmt	*st;
	struct vrow	 r;
	cJSON		*before;
	enum db_rc	 rc;
	int		 ordered = 1;

	if ((rc = vrow_load(db, id, &r)) != DB_OK)
		return rc == DB_NOTFOUND ? ERR_NOT_FOUND : err_from_db(rc);
	if (kind_of(r.kind) != k || !owns(actor, r.organizer_id)) {
		vrow_free(&r);
		return ERR_NOT_FOUND;
	}
	if ((st = db_stmt(db, stmts[STMT_ORDERED])) != NULL &&
	    db_bind_int(st, 1, id) == 0 && db_step(db, st) == DB_OK)
		ordered = db_col_int(st, 0) != 0;
	if (st != NULL)
		db_reset(st);
	if (ordered) {
		vrow_free(&r);
		return ERR_IN_USE;
	}
	before = id_json(db, id, LANG_SV, now, 0);
	rc = run_steps(db, delete_steps, 3, id);
	if (rc == DB_OK)
		rc = quota_sync(db, r.event_id);
	if (rc == DB_OK)
		rc = audit_record(db, now, actor->user_id, r.organizer_id,
		    "ticket_type", id, "delete", before, NULL);
	cJSON_Delete(before);
	vrow_free(&r);
	return err_from_db(rc);
}

enum db_rc
variant_delete_event(struct db *db, int64_t event_id)
{
	static const enum stmt	 steps[] = { STMT_DELETE_EVENT_ITEMS,
	    STMT_DELETE_EVENT_LINKS, STMT_DELETE_EVENT_TYPES };

	return run_steps(db, steps, 3, event_id);
}

cJSON *
variant_event_json(struct db *db, int64_t event_id, int64_t now,
    enum lang lang, int owner)
{
	struct variant_filter	 f;
	struct actor		 all = { 0, 1 };
	cJSON			*arr, *full, *o;
	int64_t			 count;

	memset(&f, 0, sizeof(f));
	f.event_id = event_id;
	f.is_active = owner ? -1 : 1;
	f.on_sale = f.is_all_days = -1;
	f.ordering = "created_at";
	f.actor = &all;
	if (variant_list(db, VK_TYPE, now, &f, 0, PER_PAGE_MAX, lang, &count,
	    &arr) != DB_OK)
		return NULL;
	/* Each type with its variants, as the type's detail has them. */
	full = cJSON_CreateArray();
	cJSON_ArrayForEach(o, arr)
		cJSON_AddItemToArray(full, id_json(db, (int64_t)
		    cJSON_GetObjectItemCaseSensitive(o, "id")->valuedouble,
		    lang, now, 1));
	cJSON_Delete(arr);
	return full;
}

/* Is a {"number": n} object in arr already? */
static int
tier_listed(const cJSON *arr, int64_t n)
{
	const cJSON	*o;

	cJSON_ArrayForEach(o, arr)
		if ((int64_t)cJSON_GetObjectItemCaseSensitive(o,
		    "number")->valuedouble == n)
			return 1;
	return 0;
}

/* Sorts an array of {"number": n} objects by n (a few dozen at most). */
static void
sort_by_number(cJSON *arr)
{
	cJSON	*a, *b, *min;
	int	 i, j, n = cJSON_GetArraySize(arr);

	for (i = 0; i < n; i++) {
		min = cJSON_GetArrayItem(arr, i);
		for (j = i + 1; j < n; j++) {
			b = cJSON_GetArrayItem(arr, j);
			if (cJSON_GetObjectItemCaseSensitive(b,
			    "number")->valuedouble <
			    cJSON_GetObjectItemCaseSensitive(min,
			    "number")->valuedouble)
				min = b;
		}
		if (min != (a = cJSON_GetArrayItem(arr, i))) {
			cJSON_DetachItemViaPointer(arr, min);
			cJSON_InsertItemInArray(arr, i, min);
		}
	}
}

cJSON *
variant_matrix(struct db *db, int64_t type_id, enum lang lang, int64_t now)
{
	struct db_stmt	*st;
	struct vrow	 r;
	cJSON		*m, *days, *tiers, *matrix, *row, *cell, *d, *all_days;
	int64_t		 ids[VARIANTS_MAX];
	size_t		 n = 0, i;
	char		 key[24];

	if ((st = db_stmt(db, stmts[STMT_CHILDREN])) == NULL ||
	    db_bind_int(st, 1, type_id) == -1 || db_bind_int(st, 2, 1) == -1)
		return NULL;
	while (n < VARIANTS_MAX && db_step(db, st) == DB_OK)
		ids[n++] = db_col_int(st, 0);
	db_reset(st);
	m = cJSON_CreateObject();
	cJSON_AddNumberToObject(m, "ticket_type", (double)type_id);
	days = cJSON_AddArrayToObject(m, "days");
	tiers = cJSON_AddArrayToObject(m, "tiers");
	matrix = cJSON_AddObjectToObject(m, "matrix");
	all_days = cJSON_AddArrayToObject(m, "all_days");
	for (i = 0; i < n; i++) {
		if (vrow_load(db, ids[i], &r) != DB_OK)
			continue;
		/* A tier's all-days pass sits beside the matrix. */
		if (kind_of(r.kind) == VK_DAY_PASS) {
			cJSON_AddItemToArray(all_days, row_json(db, &r,
			    VK_DAY_PASS, lang, now, 0));
			vrow_free(&r);
			continue;
		}
		snprintf(key, sizeof(key), "%lld", (long long)r.day_number);
		if ((row = cJSON_GetObjectItemCaseSensitive(matrix, key)) ==
		    NULL) {
			row = cJSON_AddObjectToObject(matrix, key);
			d = cJSON_CreateObject();
			cJSON_AddNumberToObject(d, "number",
			    (double)r.day_number);
			cJSON_AddStringToObject(d, "name", pick(&r, "day_name",
			    r.day_name, lang));
			json_add_str(d, "date", r.date[0] != '\0' ? r.date :
			    NULL);
			cJSON_AddItemToArray(days, d);
		}
		snprintf(key, sizeof(key), "%lld", (long long)r.tier_number);
		if ((cell = row_json(db, &r, VK_DAY_TIER, lang, now, 0)) != NULL)
			cJSON_AddItemToObject(row, key, cell);
		if (!tier_listed(tiers, r.tier_number)) {
			d = cJSON_CreateObject();
			cJSON_AddNumberToObject(d, "number",
			    (double)r.tier_number);
			cJSON_AddStringToObject(d, "name", pick(&r, "tier_name",
			    r.tier_name, lang));
			cJSON_AddItemToArray(tiers, d);
		}
		vrow_free(&r);
	}
	sort_by_number(days);
	sort_by_number(tiers);
	return m;
}
