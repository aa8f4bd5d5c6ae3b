/*
 * Event categories (category.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit.h"
#include "category.h"
#include "jsonout.h"
#include "limits.h"
#include "slug.h"
#include "text.h"

const struct field_spec category_fields[CATF__MAX] = {
	[CATF_NAME] = { "name", FIELD_TEXTS, 0, 1, NAME_TEXT_MAX, NULL, 0 },
	[CATF_SLUG] = { "slug", FIELD_STRING, 0, 1, SLUG_MAX, NULL, 0 },
	[CATF_DESCRIPTION] = { "description", FIELD_TEXTS, 0, 0,
	    DESCRIPTION_MAX, NULL, 0 },
	[CATF_ICON] = { "icon", FIELD_STRING, 0, 0, 50, NULL, 0 },
	[CATF_IS_ACTIVE] = { "is_active", FIELD_BOOL, 0, 0, 0, NULL, 0 },
};

enum stmt {
	STMT_FIND,
	STMT_LIST,
	STMT_LOAD,
	STMT_INSERT,
	STMT_UPDATE,
	STMT_DELETE,
	STMT__MAX
};

#define COLS \
	"c.id, c.slug, c.name, c.description, c.texts, c.icon, c.is_active," \
	" c.created_at, (SELECT count(*) FROM events e" \
	" WHERE e.category_id = c.id AND e.status = 'published')" \
	" FROM categories c"

static const char *const stmts[STMT__MAX] = {
	[STMT_FIND] =
	    "SELECT id FROM categories WHERE slug = ?1 OR (?2 > 0 AND id = ?2)",
	[STMT_LIST] = "SELECT " COLS " WHERE ?1 OR c.is_active = 1"
	    " ORDER BY c.name, c.id",
	[STMT_LOAD] = "SELECT " COLS " WHERE c.id = ?1"
	    " AND (?2 OR c.is_active = 1)",
	[STMT_INSERT] =
	    "INSERT INTO categories (slug, name, description, texts, icon,"
	    " is_active, created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) RETURNING id",
	[STMT_UPDATE] =
	    "UPDATE categories SET slug = ?1, name = ?2, description = ?3,"
	    " texts = ?4, icon = ?5, is_active = ?6, updated_at = ?7"
	    " WHERE id = ?8",
	[STMT_DELETE] = "DELETE FROM categories WHERE id = ?1",
};

_Static_assert(sizeof(stmts) / sizeof(stmts[0]) == STMT__MAX,
    "one SQL text per statement");

enum db_rc
category_find(struct db *db, const char *key, int64_t *id)
{
	struct db_stmt	*st;
	enum db_rc	 rc;
	int64_t		 num = 0;

	(void)field_strtonum(key, 1, ID_MAX, &num);
	if ((st = db_stmt(db, stmts[STMT_FIND])) == NULL ||
	    db_bind_text(st, 1, key) == -1 || db_bind_int(st, 2, num) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		*id = db_col_int(st, 0);
	db_reset(st);
	return rc;
}

/* A row of COLS as seed 004's EventCategory. */
static cJSON *
row_json(struct db_stmt *st, enum lang lang, int all)
{
	cJSON	*o, *t;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	t = text_parse(db_col_text(st, 4));
	cJSON_AddNumberToObject(o, "id", (double)db_col_int(st, 0));
	cJSON_AddStringToObject(o, "name", text_pick(t, "name", lang,
	    db_col_text(st, 2)));
	cJSON_AddStringToObject(o, "slug", db_col_text(st, 1));
	cJSON_AddStringToObject(o, "description", text_pick(t, "description",
	    lang, db_col_text(st, 3)));
	cJSON_AddStringToObject(o, "icon", db_col_text(st, 5));
	cJSON_AddBoolToObject(o, "is_active", db_col_int(st, 6) != 0);
	cJSON_AddNumberToObject(o, "events_count", (double)db_col_int(st, 8));
	json_add_time(o, "created_at", db_col_int(st, 7));
	if (all)
		cJSON_AddItemToObject(o, "translations", t != NULL ?
		    cJSON_Duplicate(t, 1) : cJSON_CreateObject());
	cJSON_Delete(t);
	return o;
}

enum db_rc
category_list(struct db *db, enum lang lang, int all, cJSON **out)
{
	struct db_stmt	*st;
	cJSON		*arr;
	enum db_rc	 rc;

	*out = NULL;
	if ((arr = cJSON_CreateArray()) == NULL)
		return DB_ERROR;
	if ((st = db_stmt(db, stmts[STMT_LIST])) == NULL ||
	    db_bind_int(st, 1, all) == -1) {
		cJSON_Delete(arr);
		return DB_ERROR;
	}
	while ((rc = db_step(db, st)) == DB_OK)
		cJSON_AddItemToArray(arr, row_json(st, lang, all));
	db_reset(st);
	if (rc != DB_NOTFOUND) {
		cJSON_Delete(arr);
		return rc;
	}
	*out = arr;
	return DB_OK;
}

cJSON *
category_json(struct db *db, int64_t id, enum lang lang, int all)
{
	struct db_stmt	*st;
	cJSON		*o = NULL;

	if ((st = db_stmt(db, stmts[STMT_LOAD])) == NULL ||
	    db_bind_int(st, 1, id) == -1 || db_bind_int(st, 2, all) == -1)
		return NULL;
	if (db_step(db, st) == DB_OK)
		o = row_json(st, lang, all);
	db_reset(st);
	return o;
}

/* The stored row of a category being changed. */
struct cat {
	char	 slug[SLUG_MAX + 1];
	char	*name, *description, *icon;
	cJSON	*texts;
	int	 is_active;
};

static void
cat_free(struct cat *c)
{
	free(c->name);
	free(c->description);
	free(c->icon);
	cJSON_Delete(c->texts);
}

static enum db_rc
cat_load(struct db *db, int64_t id, struct cat *c)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	memset(c, 0, sizeof(*c));
	if ((st = db_stmt(db, stmts[STMT_LOAD])) == NULL ||
	    db_bind_int(st, 1, id) == -1 || db_bind_int(st, 2, 1) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		snprintf(c->slug, sizeof(c->slug), "%s", db_col_text(st, 1));
		c->name = strdup(db_col_text(st, 2));
		c->description = strdup(db_col_text(st, 3));
		c->texts = text_parse(db_col_text(st, 4));
		c->icon = strdup(db_col_text(st, 5));
		c->is_active = (int)db_col_int(st, 6);
	}
	db_reset(st);
	return rc;
}

/* Applies f to c.  Returns ERR_OK, ERR_BAD_REQUEST or ERR_INTERNAL. */
static enum err
cat_apply(struct cat *c, const struct field_val *f, cJSON *errs)
{
	const char	*plain;
	char		*copy;

	if (f[CATF_NAME].present) {
		if ((plain = text_set(&c->texts, "name", &f[CATF_NAME],
		    "sv")) == NULL || (copy = strdup(plain)) == NULL)
			return ERR_INTERNAL;
		free(c->name);
		c->name = copy;
	}
	if (f[CATF_DESCRIPTION].present) {
		if ((plain = text_set(&c->texts, "description",
		    &f[CATF_DESCRIPTION], "sv")) == NULL ||
		    (copy = strdup(plain)) == NULL)
			return ERR_INTERNAL;
		free(c->description);
		c->description = copy;
	}
	if (f[CATF_ICON].present) {
		if ((copy = strdup(f[CATF_ICON].s)) == NULL)
			return ERR_INTERNAL;
		free(c->icon);
		c->icon = copy;
	}
	if (f[CATF_IS_ACTIVE].present)
		c->is_active = (int)f[CATF_IS_ACTIVE].i;
	if (f[CATF_SLUG].present) {
		(void)slug_make(f[CATF_SLUG].s, c->slug, sizeof(c->slug));
		if (strcmp(c->slug, f[CATF_SLUG].s) != 0) {
			cJSON_AddStringToObject(errs, "slug", "use lower-case "
			    "letters, digits and hyphens");
			return ERR_BAD_REQUEST;
		}
	} else if (c->slug[0] == '\0')
		(void)slug_make(c->name, c->slug, sizeof(c->slug));
	if (c->name == NULL || *c->name == '\0') {
		cJSON_AddStringToObject(errs, "name", "is required");
		return ERR_BAD_REQUEST;
	}
	return ERR_OK;
}

enum err
category_save(struct db *db, int64_t now, int64_t user_id, int64_t id,
    const struct field_val *f, cJSON *errs, int64_t *out_id)
{
	struct db_stmt	*st;
	struct cat	 c;
	cJSON		*before = NULL, *after = NULL;
	char		*tcol = NULL;
	enum db_rc	 rc;
	enum err	 e;

	if (id == 0) {
		memset(&c, 0, sizeof(c));
		c.is_active = 1;
		c.description = strdup("");
		c.icon = strdup("");
	} else if ((rc = cat_load(db, id, &c)) != DB_OK)
		return rc == DB_NOTFOUND ? ERR_NOT_FOUND : err_from_db(rc);
	else
		before = category_json(db, id, LANG_SV, 1);
	if ((e = cat_apply(&c, f, errs)) != ERR_OK)
		goto out;
	tcol = text_column(c.texts);
	if ((st = db_stmt(db, stmts[id == 0 ? STMT_INSERT : STMT_UPDATE])) ==
	    NULL || db_bind_text(st, 1, c.slug) == -1 ||
	    db_bind_text(st, 2, c.name) == -1 ||
	    db_bind_text(st, 3, c.description) == -1 ||
	    db_bind_text(st, 4, tcol) == -1 ||
	    db_bind_text(st, 5, c.icon) == -1 ||
	    db_bind_int(st, 6, c.is_active) == -1 ||
	    db_bind_int(st, 7, now) == -1 ||
	    (id != 0 && db_bind_int(st, 8, id) == -1)) {
		e = ERR_INTERNAL;
		goto out;
	}
	rc = id == 0 ? db_insert_id(db, st, out_id) : db_exec(db, st);
	if (id != 0)
		*out_id = id;
	if (rc == DB_CONSTRAINT) {
		cJSON_AddStringToObject(errs, "slug", "already taken");
		e = ERR_CONFLICT;
		goto out;
	}
	if (rc == DB_OK) {
		after = category_json(db, *out_id, LANG_SV, 1);
		rc = audit_record(db, now, user_id, 0, "category", *out_id,
		    id == 0 ? "create" : "update", before, after);
	}
	e = err_from_db(rc);
out:
	free(tcol);
	cJSON_Delete(before);
	cJSON_Delete(after);
	cat_free(&c);
	return e;
}

enum err
category_delete(struct db *db, int64_t now, int64_t user_id, int64_t id)
{
	struct db_stmt	*st;
	cJSON		*before;
	enum db_rc	 rc;

	if ((before = category_json(db, id, LANG_SV, 1)) == NULL)
		return ERR_NOT_FOUND;
	if ((st = db_stmt(db, stmts[STMT_DELETE])) == NULL ||
	    db_bind_int(st, 1, id) == -1)
		rc = DB_ERROR;
	else
		rc = db_exec(db, st);
	if (rc == DB_OK)
		rc = audit_record(db, now, user_id, 0, "category", id, "delete",
		    before, NULL);
	cJSON_Delete(before);
	return err_from_db(rc);
}
