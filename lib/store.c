/*
 * Organizers' storefronts (store.h).
 *
 * A change loads the whole row into struct srow, applies the request's
 * fields, checks them and writes the whole row back, as lib/category.c
 * does for categories.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit.h"
#include "event.h"
#include "invoice.h"
#include "jsonout.h"
#include "limits.h"
#include "slug.h"
#include "store.h"
#include "text.h"

#define LINK(name) { name, FIELD_STRING, 0, 0, LINK_MAX, NULL, 0 }

const struct field_spec store_fields[STF__MAX] = {
	[STF_NAME] = { "name", FIELD_TEXTS, 0, 1, NAME_TEXT_MAX, NULL, 0 },
	[STF_SLUG] = { "slug", FIELD_STRING, 0, 1, SLUG_MAX, NULL, 0 },
	[STF_DESCRIPTION] = { "description", FIELD_TEXTS, 0, 0,
	    DESCRIPTION_MAX, NULL, 0 },
	[STF_LANGUAGE] = { "language", FIELD_STRING, 0, 2, 2, NULL, 0 },
	[STF_LOGO] = LINK("logo_image"),
	[STF_BANNER] = LINK("banner_image"),
	[STF_PRIMARY_COLOR] = { "primary_color", FIELD_STRING, 0, 0, 7,
	    NULL, 0 },
	[STF_SECONDARY_COLOR] = { "secondary_color", FIELD_STRING, 0, 0, 7,
	    NULL, 0 },
	[STF_INSTAGRAM] = LINK("instagram_link"),
	[STF_WEBSITE] = LINK("website_link"),
	[STF_IS_PUBLISHED] = { "is_published", FIELD_BOOL, 0, 0, 0, NULL, 0 },
	[STF_LEGAL_NAME] = { "legal_name", FIELD_STRING, 0, 0, NAME_TEXT_MAX,
	    NULL, 0 },
	[STF_ORG_NUMBER] = { "org_number", FIELD_STRING, 0, 0, 32, NULL, 0 },
	[STF_VAT_NUMBER] = { "vat_number", FIELD_STRING, 0, 0, 32, NULL, 0 },
	[STF_ADDRESS] = { "address", FIELD_STRING, 0, 0, VENUE_ADDRESS_MAX,
	    NULL, 0 },
	[STF_INVOICE_PREFIX] = { "invoice_prefix", FIELD_STRING, 0, 0,
	    INVOICE_PREFIX_MAX, NULL, 0 },
};

/* The invoice details: fields, columns and JSON names in one order. */
#define INVOICE_DETAILS	5
static const enum store_field detail_fields[INVOICE_DETAILS] = {
	STF_LEGAL_NAME, STF_ORG_NUMBER, STF_VAT_NUMBER, STF_ADDRESS,
	STF_INVOICE_PREFIX };

enum stmt {
	STMT_OF,
	STMT_BY_SLUG,
	STMT_LOAD,
	STMT_SLUG_TAKEN,
	STMT_INSERT,
	STMT_UPDATE,
	STMT_DELETE,
	STMT_DETACH,
	STMT_ADOPT,
	STMT_ATTACH,
	STMT_COUNT,
	STMT_PAGE,
	STMT_EVENTS,
	STMT_OF_EVENT,
	STMT__MAX
};

#define COLS \
	"s.id, s.slug, s.name, s.description, s.default_lang, s.texts," \
	" s.logo_image, s.banner_image, s.primary_color, s.secondary_color," \
	" s.instagram_link, s.website_link, s.is_published, s.organizer_id," \
	" coalesce(u.name, ''), s.created_at, s.updated_at," \
	" (SELECT count(*) FROM events e WHERE e.store_id = s.id" \
	" AND e.status = 'published'" \
	" AND coalesce(e.ends_at, e.event_at) >= ?1)," \
	" s.legal_name, s.org_number, s.vat_number, s.address," \
	" s.invoice_prefix" \
	" FROM stores s LEFT JOIN users u ON u.id = s.organizer_id"

/* The public listing: published stores, searched by parameter n. */
#define LIST_WHERE(n) \
	" WHERE s.is_published = 1 AND (" n " IS NULL OR instr(lower(s.name" \
	" || ' ' || s.description || ' ' || coalesce(s.texts, '')), " n ")" \
	" > 0)"

static const char *const stmts[STMT__MAX] = {
	[STMT_OF] = "SELECT id FROM stores WHERE organizer_id = ?1",
	[STMT_BY_SLUG] =
	    "SELECT id FROM stores WHERE slug = ?1 AND is_published = 1",
	[STMT_LOAD] = "SELECT " COLS " WHERE s.id = ?2",
	[STMT_SLUG_TAKEN] =
	    "SELECT EXISTS (SELECT 1 FROM stores WHERE slug = ?1"
	    " AND id <> ?2)",
	[STMT_INSERT] =
	    "INSERT INTO stores (organizer_id, slug, name, description,"
	    " default_lang, texts, logo_image, banner_image, primary_color,"
	    " secondary_color, instagram_link, website_link, is_published,"
	    " created_at, updated_at, legal_name, org_number, vat_number,"
	    " address, invoice_prefix)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?14, ?14, ?16, ?17, ?18, ?19, ?20) RETURNING id",
	[STMT_UPDATE] =
	    "UPDATE stores SET slug = ?2, name = ?3, description = ?4,"
	    " default_lang = ?5, texts = ?6, logo_image = ?7,"
	    " banner_image = ?8, primary_color = ?9, secondary_color = ?10,"
	    " instagram_link = ?11, website_link = ?12, is_published = ?13,"
	    " updated_at = ?14, legal_name = ?16, org_number = ?17,"
	    " vat_number = ?18, address = ?19, invoice_prefix = ?20"
	    " WHERE id = ?15",
	[STMT_DELETE] = "DELETE FROM stores WHERE id = ?1",
	/* Foreign keys would clear store_id too; saying so keeps it
	 * true on an engine that enforces none. */
	[STMT_DETACH] = "UPDATE events SET store_id = NULL WHERE store_id = ?1",
	[STMT_ADOPT] =
	    "UPDATE events SET store_id = ?1 WHERE organizer_id = ?2"
	    " AND store_id IS NULL",
	[STMT_ATTACH] = "UPDATE events SET store_id = ?2 WHERE id = ?1",
	[STMT_COUNT] = "SELECT count(*) FROM stores s" LIST_WHERE("?1"),
	[STMT_PAGE] = "SELECT " COLS LIST_WHERE("?2")
	    " ORDER BY s.name, s.id LIMIT ?3 OFFSET ?4",
	[STMT_EVENTS] =
	    "SELECT id FROM events WHERE store_id = ?1"
	    " AND status = 'published' AND coalesce(ends_at, event_at) >= ?2"
	    " ORDER BY event_at, id LIMIT ?3",
	[STMT_OF_EVENT] =
	    "SELECT s.id, s.slug, s.name, s.texts FROM events e"
	    " JOIN stores s ON s.id = e.store_id WHERE e.id = ?1",
};

_Static_assert(sizeof(stmts) / sizeof(stmts[0]) == STMT__MAX,
    "one SQL text per statement");

/* Column positions of COLS. */
enum {
	C_ID, C_SLUG, C_NAME, C_DESCRIPTION, C_LANG, C_TEXTS, C_LOGO,
	C_BANNER, C_PRIMARY, C_SECONDARY, C_INSTAGRAM, C_WEBSITE,
	C_PUBLISHED, C_ORGANIZER, C_ORGANIZER_NAME, C_CREATED, C_UPDATED,
	C_EVENTS, C_DETAILS	/* INVOICE_DETAILS columns from here */
};

/* One stores row, as loaded and written.  Strings are malloc'd. */
struct srow {
	int64_t	 id, organizer_id;
	int	 is_published;
	char	 slug[SLUG_MAX + 1], lang[3];
	char	*name, *description;
	char	*links[4];	/* logo, banner, instagram, website; NULL */
	char	 colors[2][8];	/* "" for none */
	char	 details[INVOICE_DETAILS][VENUE_ADDRESS_MAX + 1];
	cJSON	*texts;
};

/* The link fields in srow.links' order. */
static const enum store_field link_fields[4] = { STF_LOGO, STF_BANNER,
	STF_INSTAGRAM, STF_WEBSITE };

static enum db_rc
find_id(struct db *db, enum stmt k, const char *s, int64_t n, int64_t *id)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[k])) == NULL ||
	    (s != NULL ? db_bind_text(st, 1, s) : db_bind_int(st, 1, n)) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		*id = db_col_int(st, 0);
	db_reset(st);
	return rc;
}

enum db_rc
store_of(struct db *db, int64_t organizer_id, int64_t *id)
{
	return find_id(db, STMT_OF, NULL, organizer_id, id);
}

enum db_rc
store_find_slug(struct db *db, const char *slug, int64_t *id)
{
	return find_id(db, STMT_BY_SLUG, slug, 0, id);
}

/* name: the column's text, or null. */
static void
add_col(cJSON *o, const char *name, struct db_stmt *st, int col)
{
	json_add_str(o, name, db_col_text(st, col));
}

/* A row of COLS as the API's store. */
static cJSON *
row_json(struct db_stmt *st, enum lang lang, int owner)
{
	cJSON	*o, *t;
	size_t	 i;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	t = text_parse(db_col_text(st, C_TEXTS));
	cJSON_AddNumberToObject(o, "id", (double)db_col_int(st, C_ID));
	cJSON_AddStringToObject(o, "slug", db_col_text(st, C_SLUG));
	cJSON_AddStringToObject(o, "name", text_pick(t, "name", lang,
	    db_col_text(st, C_NAME)));
	cJSON_AddStringToObject(o, "description", text_pick(t, "description",
	    lang, db_col_text(st, C_DESCRIPTION)));
	cJSON_AddStringToObject(o, "language", db_col_text(st, C_LANG));
	add_col(o, "logo_image", st, C_LOGO);
	add_col(o, "banner_image", st, C_BANNER);
	add_col(o, "primary_color", st, C_PRIMARY);
	add_col(o, "secondary_color", st, C_SECONDARY);
	add_col(o, "instagram_link", st, C_INSTAGRAM);
	add_col(o, "website_link", st, C_WEBSITE);
	cJSON_AddBoolToObject(o, "is_published",
	    db_col_int(st, C_PUBLISHED) != 0);
	cJSON_AddNumberToObject(o, "organizer",
	    (double)db_col_int(st, C_ORGANIZER));
	cJSON_AddStringToObject(o, "organizer_name",
	    db_col_text(st, C_ORGANIZER_NAME));
	cJSON_AddNumberToObject(o, "events_count",
	    (double)db_col_int(st, C_EVENTS));
	json_add_time(o, "created_at", db_col_int(st, C_CREATED));
	json_add_time(o, "updated_at", db_col_int(st, C_UPDATED));
	if (owner) {
		cJSON_AddItemToObject(o, "translations", t != NULL ?
		    cJSON_Duplicate(t, 1) : cJSON_CreateObject());
		for (i = 0; i < INVOICE_DETAILS; i++)
			cJSON_AddStringToObject(o,
			    store_fields[detail_fields[i]].name,
			    db_col_text(st, C_DETAILS + (int)i));
	}
	cJSON_Delete(t);
	return o;
}

cJSON *
store_json(struct db *db, int64_t id, enum lang lang, int owner, int64_t now)
{
	struct db_stmt	*st;
	cJSON		*o = NULL;

	if ((st = db_stmt(db, stmts[STMT_LOAD])) == NULL ||
	    db_bind_int(st, 1, now) == -1 || db_bind_int(st, 2, id) == -1)
		return NULL;
	if (db_step(db, st) == DB_OK)
		o = row_json(st, lang, owner);
	db_reset(st);
	return o;
}

enum db_rc
store_list(struct db *db, int64_t now, const char *search, int64_t offset,
    int64_t limit, enum lang lang, int64_t *count, cJSON **results)
{
	struct db_stmt	*st;
	cJSON		*arr;
	enum db_rc	 rc;

	*results = NULL;
	*count = 0;
	if ((st = db_stmt(db, stmts[STMT_COUNT])) == NULL ||
	    db_bind_text(st, 1, search) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		*count = db_col_int(st, 0);
	db_reset(st);
	if (rc != DB_OK)
		return rc;
	if ((arr = cJSON_CreateArray()) == NULL)
		return DB_ERROR;
	if ((st = db_stmt(db, stmts[STMT_PAGE])) == NULL ||
	    db_bind_int(st, 1, now) == -1 ||
	    db_bind_text(st, 2, search) == -1 ||
	    db_bind_int(st, 3, limit) == -1 ||
	    db_bind_int(st, 4, offset) == -1) {
		cJSON_Delete(arr);
		return DB_ERROR;
	}
	while ((rc = db_step(db, st)) == DB_OK)
		cJSON_AddItemToArray(arr, row_json(st, lang, 0));
	db_reset(st);
	if (rc != DB_NOTFOUND) {
		cJSON_Delete(arr);
		return rc;
	}
	*results = arr;
	return DB_OK;
}

enum db_rc
store_events(struct db *db, int64_t store_id, int64_t now, enum lang lang,
    cJSON **out)
{
	struct db_stmt	*st;
	int64_t		 ids[STORE_EVENTS_MAX];
	size_t		 n = 0, i;
	cJSON		*arr, *o;
	enum db_rc	 rc = DB_NOTFOUND;

	*out = NULL;
	/* The ids first: event_json() runs statements of its own. */
	if ((st = db_stmt(db, stmts[STMT_EVENTS])) == NULL ||
	    db_bind_int(st, 1, store_id) == -1 ||
	    db_bind_int(st, 2, now) == -1 ||
	    db_bind_int(st, 3, STORE_EVENTS_MAX) == -1)
		return DB_ERROR;
	while (n < STORE_EVENTS_MAX && (rc = db_step(db, st)) == DB_OK)
		ids[n++] = db_col_int(st, 0);
	db_reset(st);
	if (n < STORE_EVENTS_MAX && rc != DB_NOTFOUND)
		return rc;
	if ((arr = cJSON_CreateArray()) == NULL)
		return DB_ERROR;
	for (i = 0; i < n; i++) {
		if ((o = event_json(db, ids[i], lang, 0, 0, now)) == NULL) {
			cJSON_Delete(arr);
			return DB_ERROR;
		}
		cJSON_AddItemToArray(arr, o);
	}
	*out = arr;
	return DB_OK;
}

static void
srow_free(struct srow *r)
{
	size_t	 i;

	free(r->name);
	free(r->description);
	for (i = 0; i < 4; i++)
		free(r->links[i]);
	cJSON_Delete(r->texts);
	memset(r, 0, sizeof(*r));
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static enum db_rc
srow_load(struct db *db, int64_t id, struct srow *r)
{
	struct db_stmt	*st;
	enum db_rc	 rc;
	size_t		 i;
	static const int link_cols[4] = { C_LOGO, C_BANNER, C_INSTAGRAM,
	    C_WEBSITE };

	memset(r, 0, sizeof(*r));
	if ((st = db_stmt(db, stmts[STMT_LOAD])) == NULL ||
	    db_bind_int(st, 1, 0) == -1 || db_bind_int(st, 2, id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		r->id = id;
		r->organizer_id = db_col_int(st, C_ORGANIZER);
		r->is_published = (int)db_col_int(st, C_PUBLISHED);
		snprintf(r->slug, sizeof(r->slug), "%s",
		    db_col_text(st, C_SLUG));
		snprintf(r->lang, sizeof(r->lang), "%s",
		    db_col_text(st, C_LANG));
		r->name = dup_or_null(db_col_text(st, C_NAME));
		r->description = dup_or_null(db_col_text(st, C_DESCRIPTION));
		for (i = 0; i < 4; i++)
			r->links[i] = dup_or_null(db_col_text(st,
			    link_cols[i]));
		snprintf(r->colors[0], sizeof(r->colors[0]), "%s",
		    db_col_isnull(st, C_PRIMARY) ? "" :
		    db_col_text(st, C_PRIMARY));
		snprintf(r->colors[1], sizeof(r->colors[1]), "%s",
		    db_col_isnull(st, C_SECONDARY) ? "" :
		    db_col_text(st, C_SECONDARY));
		r->texts = text_parse(db_col_text(st, C_TEXTS));
		for (i = 0; i < INVOICE_DETAILS; i++)
			snprintf(r->details[i], sizeof(r->details[i]), "%s",
			    db_col_text(st, C_DETAILS + (int)i));
	}
	db_reset(st);
	return rc;
}

/*
 * Is s a colour as CSS writes it in hex, "#rgb" or "#rrggbb"?  Lower
 * cases it in place.
 */
static int
color_ok(char *s)
{
	size_t	 i, n = strlen(s);

	if (s[0] != '#' || (n != 4 && n != 7))
		return 0;
	for (i = 1; i < n; i++) {
		if (s[i] >= 'A' && s[i] <= 'F')
			s[i] = (char)(s[i] - 'A' + 'a');
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}

/*
 * Is s a link a page may put in an href or src: an http(s) URL, or (for
 * images, path_ok) a path on this site ("/media/logo.png")?  Nothing
 * that could leave the attribute or name a script: printable ASCII
 * without spaces, quotes, angle brackets or backslashes.
 */
static int
link_ok(const char *s, int path_ok)
{
	const char	*p;

	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0 &&
	    !(path_ok && s[0] == '/' && s[1] != '/'))
		return 0;
	for (p = s; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("\"'<>\\`", *p) != NULL)
			return 0;
	return 1;
}

/*
 * Is slug a path of /api/stores/ itself?  /api/stores/manage/ and
 * /create/ would hide a store named so.
 */
static int
slug_reserved(const char *slug)
{
	return strcmp(slug, "create") == 0 || strcmp(slug, "manage") == 0;
}

/* Sets a texts field of r (name or description) from v. */
static int
set_text(struct srow *r, const char *key, const struct field_val *v,
    char **slot)
{
	const char	*plain;
	char		*copy;

	if ((plain = text_set(&r->texts, key, v, r->lang)) == NULL ||
	    (copy = strdup(plain)) == NULL)
		return -1;
	free(*slot);
	*slot = copy;
	return 0;
}

/* Applies the branding fields; reasons in errs. */
static enum err
apply_branding(struct srow *r, const struct field_val *f, cJSON *errs)
{
	enum err	 e = ERR_OK;
	size_t		 i;
	char		 c[8];
	const char	*s;

	for (i = 0; i < 4; i++) {
		const struct field_val	*v = &f[link_fields[i]];

		if (!v->present && !v->null)
			continue;
		s = v->present && v->s[0] != '\0' ? v->s : NULL;
		if (s != NULL && !link_ok(s, i < 2)) {
			cJSON_AddStringToObject(errs,
			    store_fields[link_fields[i]].name, i < 2 ?
			    "must be a path on this site or an http(s) URL" :
			    "must be an http(s) URL");
			e = ERR_BAD_REQUEST;
			continue;
		}
		free(r->links[i]);
		if ((r->links[i] = dup_or_null(s)) == NULL && s != NULL)
			return ERR_INTERNAL;
	}
	for (i = 0; i < 2; i++) {
		const struct field_val	*v = &f[STF_PRIMARY_COLOR + i];

		if (!v->present && !v->null)
			continue;
		snprintf(c, sizeof(c), "%s", v->present ? v->s : "");
		if (c[0] != '\0' && !color_ok(c)) {
			cJSON_AddStringToObject(errs,
			    store_fields[STF_PRIMARY_COLOR + i].name,
			    "must be a colour as #rrggbb or #rgb");
			e = ERR_BAD_REQUEST;
		} else
			memcpy(r->colors[i], c, sizeof(c));
	}
	return e;
}

/* Applies f to r.  Returns ERR_OK, ERR_BAD_REQUEST or ERR_INTERNAL. */
static enum err
apply(struct srow *r, const struct field_val *f, cJSON *errs)
{
	enum err	 e = ERR_OK, e2;
	char		 slug[SLUG_MAX + 1];
	size_t		 i;

	if (f[STF_LANGUAGE].present) {
		if (i18n_parse(f[STF_LANGUAGE].s) == LANG__MAX) {
			cJSON_AddStringToObject(errs, "language",
			    "must be sv, en, de or fr");
			e = ERR_BAD_REQUEST;
		} else
			snprintf(r->lang, sizeof(r->lang), "%s",
			    f[STF_LANGUAGE].s);
	}
	if ((f[STF_NAME].present && set_text(r, "name", &f[STF_NAME],
	    &r->name) == -1) || (f[STF_DESCRIPTION].present &&
	    set_text(r, "description", &f[STF_DESCRIPTION],
	    &r->description) == -1))
		return ERR_INTERNAL;
	if (r->name == NULL || r->name[0] == '\0') {
		cJSON_AddStringToObject(errs, "name", "This field is "
		    "required.");
		e = ERR_BAD_REQUEST;
	}
	if (f[STF_SLUG].present) {
		(void)slug_make(f[STF_SLUG].s, slug, sizeof(slug));
		if (strcmp(slug, f[STF_SLUG].s) != 0) {
			cJSON_AddStringToObject(errs, "slug", "use lower-case "
			    "letters, digits and hyphens");
			e = ERR_BAD_REQUEST;
		} else if (slug_reserved(slug)) {
			cJSON_AddStringToObject(errs, "slug", "is a path of "
			    "the stores API; choose another");
			e = ERR_BAD_REQUEST;
		} else
			memcpy(r->slug, slug, sizeof(slug));
	}
	if (f[STF_IS_PUBLISHED].present)
		r->is_published = (int)f[STF_IS_PUBLISHED].i;
	if (f[STF_INVOICE_PREFIX].present &&
	    !invoice_prefix_valid(f[STF_INVOICE_PREFIX].s)) {
		cJSON_AddStringToObject(errs, "invoice_prefix", "use capital "
		    "letters A-Z, digits and hyphens");
		e = ERR_BAD_REQUEST;
	}
	for (i = 0; i < INVOICE_DETAILS; i++)
		if (f[detail_fields[i]].present)
			snprintf(r->details[i], sizeof(r->details[i]), "%s",
			    f[detail_fields[i]].s);
		else if (f[detail_fields[i]].null)
			r->details[i][0] = '\0';
	/* Every bad field is reported at once, the branding's too. */
	if ((e2 = apply_branding(r, f, errs)) != ERR_OK &&
	    (e == ERR_OK || e2 == ERR_INTERNAL))
		e = e2;
	return e;
}

/* Is slug another store's than id's?  1 yes, 0 no, -1 failure. */
static int
slug_taken(struct db *db, const char *slug, int64_t id)
{
	struct db_stmt	*st;
	int		 taken = -1;

	if ((st = db_stmt(db, stmts[STMT_SLUG_TAKEN])) == NULL ||
	    db_bind_text(st, 1, slug) == -1 || db_bind_int(st, 2, id) == -1)
		return -1;
	if (db_step(db, st) == DB_OK)
		taken = db_col_int(st, 0) != 0;
	db_reset(st);
	return taken;
}

/* A free slug from the name: "aulan", then "aulan-2" ... */
static enum err
pick_slug(struct db *db, const char *name, char slug[SLUG_MAX + 1])
{
	char	 base[SLUG_MAX - 8];
	int	 n, taken;

	(void)slug_make(name, base, sizeof(base));
	for (n = 1; n < 1000; n++) {
		if (n == 1)
			snprintf(slug, SLUG_MAX + 1, "%s", base);
		else
			snprintf(slug, SLUG_MAX + 1, "%s-%d", base, n);
		if (slug_reserved(slug))
			continue;
		if ((taken = slug_taken(db, slug, 0)) < 0)
			return ERR_INTERNAL;
		if (!taken)
			return ERR_OK;
	}
	return ERR_CONFLICT;
}

/* Binds the row for STMT_INSERT / STMT_UPDATE (?1 .. ?14). */
static int
bind_row(struct db_stmt *st, const struct srow *r, const char *tcol,
    int64_t now)
{
	return db_bind_int(st, 1, r->organizer_id) == -1 ||
	    db_bind_text(st, 2, r->slug) == -1 ||
	    db_bind_text(st, 3, r->name) == -1 ||
	    db_bind_text(st, 4, r->description != NULL ?
	    r->description : "") == -1 ||
	    db_bind_text(st, 5, r->lang) == -1 ||
	    db_bind_text(st, 6, tcol) == -1 ||
	    db_bind_text(st, 7, r->links[0]) == -1 ||
	    db_bind_text(st, 8, r->links[1]) == -1 ||
	    db_bind_text(st, 9, r->colors[0][0] != '\0' ?
	    r->colors[0] : NULL) == -1 ||
	    db_bind_text(st, 10, r->colors[1][0] != '\0' ?
	    r->colors[1] : NULL) == -1 ||
	    db_bind_text(st, 11, r->links[2]) == -1 ||
	    db_bind_text(st, 12, r->links[3]) == -1 ||
	    db_bind_int(st, 13, r->is_published) == -1 ||
	    db_bind_text(st, 16, r->details[0]) == -1 ||
	    db_bind_text(st, 17, r->details[1]) == -1 ||
	    db_bind_text(st, 18, r->details[2]) == -1 ||
	    db_bind_text(st, 19, r->details[3]) == -1 ||
	    db_bind_text(st, 20, r->details[4]) == -1 ||
	    db_bind_int(st, 14, now) == -1 ? -1 : 0;
}

/* Writes r (inserting when r->id is 0, setting it). */
static enum db_rc
srow_write(struct db *db, struct srow *r, int64_t now)
{
	struct db_stmt	*st;
	char		*tcol = text_column(r->texts);
	enum db_rc	 rc = DB_ERROR;

	if (r->id == 0) {
		if ((st = db_stmt(db, stmts[STMT_INSERT])) != NULL &&
		    bind_row(st, r, tcol, now) == 0)
			rc = db_insert_id(db, st, &r->id);
	} else if ((st = db_stmt(db, stmts[STMT_UPDATE])) != NULL &&
	    bind_row(st, r, tcol, now) == 0 &&
	    db_bind_int(st, 15, r->id) == 0)
		rc = db_exec(db, st);
	free(tcol);
	return rc;
}

/* Runs an UPDATE of events taking two ids. */
static enum db_rc
events_update(struct db *db, enum stmt k, int64_t a, int64_t b)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[k])) == NULL ||
	    db_bind_int(st, 1, a) == -1 ||
	    (db_param_count(st) > 1 && db_bind_int(st, 2, b) == -1))
		return DB_ERROR;
	return db_exec(db, st);
}

/* A new store's row: the organizer's, published, named nothing yet. */
static enum err
srow_new(struct db *db, int64_t organizer_id, struct srow *r)
{
	int64_t		 other;
	enum db_rc	 rc;

	memset(r, 0, sizeof(*r));
	if ((rc = store_of(db, organizer_id, &other)) == DB_OK)
		return ERR_CONFLICT;
	if (rc != DB_NOTFOUND)
		return err_from_db(rc);
	r->organizer_id = organizer_id;
	r->is_published = 1;
	snprintf(r->lang, sizeof(r->lang), "sv");
	return ERR_OK;
}

enum err
store_save(struct db *db, int64_t now, int64_t user_id, int64_t organizer_id,
    int64_t id, const struct field_val *f, cJSON *errs, int64_t *out_id)
{
	struct srow	 r;
	cJSON		*before = NULL, *after = NULL;
	enum db_rc	 rc;
	enum err	 e;
	int		 taken;

	if (id == 0)
		e = srow_new(db, organizer_id, &r);
	else if ((rc = srow_load(db, id, &r)) != DB_OK)
		return rc == DB_NOTFOUND ? ERR_NOT_FOUND : err_from_db(rc);
	else {
		before = store_json(db, id, LANG_SV, 1, now);
		e = ERR_OK;
	}
	if (e != ERR_OK || (e = apply(&r, f, errs)) != ERR_OK)
		goto out;
	if (f[STF_SLUG].present) {
		if ((taken = slug_taken(db, r.slug, r.id)) != 0) {
			if (taken > 0)
				cJSON_AddStringToObject(errs, "slug",
				    "already taken");
			e = taken > 0 ? ERR_CONFLICT : ERR_INTERNAL;
			goto out;
		}
	} else if (r.id == 0 && (e = pick_slug(db, r.name, r.slug)) !=
	    ERR_OK)
		goto out;
	if ((rc = srow_write(db, &r, now)) == DB_OK && id == 0)
		rc = events_update(db, STMT_ADOPT, r.id, r.organizer_id);
	if (rc == DB_OK) {
		after = store_json(db, r.id, LANG_SV, 1, now);
		rc = audit_record(db, now, user_id, r.organizer_id, "store",
		    r.id, id == 0 ? "create" : "update", before, after);
	}
	/* Both unique columns were checked above: a constraint here is
	 * a store made meanwhile, which the write lock rules out. */
	e = rc == DB_CONSTRAINT ? ERR_CONFLICT : err_from_db(rc);
	*out_id = r.id;
out:
	cJSON_Delete(before);
	cJSON_Delete(after);
	srow_free(&r);
	return e;
}

enum err
store_delete(struct db *db, int64_t now, int64_t user_id, int64_t id)
{
	struct db_stmt	*st;
	struct srow	 r;
	cJSON		*before;
	enum db_rc	 rc;

	if ((rc = srow_load(db, id, &r)) != DB_OK)
		return rc == DB_NOTFOUND ? ERR_NOT_FOUND : err_from_db(rc);
	before = store_json(db, id, LANG_SV, 1, now);
	if ((rc = events_update(db, STMT_DETACH, id, 0)) == DB_OK) {
		if ((st = db_stmt(db, stmts[STMT_DELETE])) == NULL ||
		    db_bind_int(st, 1, id) == -1)
			rc = DB_ERROR;
		else
			rc = db_exec(db, st);
	}
	if (rc == DB_OK)
		rc = audit_record(db, now, user_id, r.organizer_id, "store",
		    id, "delete", before, NULL);
	cJSON_Delete(before);
	srow_free(&r);
	return err_from_db(rc);
}

enum db_rc
store_attach_event(struct db *db, int64_t now, int64_t user_id,
    int64_t event_id, int64_t organizer_id)
{
	cJSON		*after;
	int64_t		 id;
	enum db_rc	 rc;

	if ((rc = store_of(db, organizer_id, &id)) != DB_OK)
		return rc == DB_NOTFOUND ? DB_OK : rc;
	if ((rc = events_update(db, STMT_ATTACH, event_id, id)) != DB_OK)
		return rc;
	if ((after = cJSON_CreateObject()) == NULL)
		return DB_ERROR;
	cJSON_AddNumberToObject(after, "store", (double)id);
	rc = audit_record(db, now, user_id, organizer_id, "event", event_id,
	    "attach_store", NULL, after);
	cJSON_Delete(after);
	return rc;
}

cJSON *
store_of_event_json(struct db *db, int64_t event_id, enum lang lang)
{
	struct db_stmt	*st;
	cJSON		*o, *t;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_OF_EVENT])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1)
		return NULL;
	if ((rc = db_step(db, st)) == DB_NOTFOUND) {
		db_reset(st);
		return cJSON_CreateNull();
	}
	if (rc != DB_OK || (o = cJSON_CreateObject()) == NULL) {
		db_reset(st);
		return NULL;
	}
	t = text_parse(db_col_text(st, 3));
	cJSON_AddNumberToObject(o, "id", (double)db_col_int(st, 0));
	cJSON_AddStringToObject(o, "slug", db_col_text(st, 1));
	cJSON_AddStringToObject(o, "name", text_pick(t, "name", lang,
	    db_col_text(st, 2)));
	cJSON_Delete(t);
	db_reset(st);
	return o;
}
