/*
 * The back office's audit log (audit.h).
 */
#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "audit.h"
#include "jsonout.h"

enum stmt {
	STMT_INSERT,
	STMT_COUNT,
	STMT_PAGE,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_INSERT] =
	    "INSERT INTO audit_log (user_id, organizer_id, entity, entity_id,"
	    " action, before, after, at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[STMT_COUNT] =
	    "SELECT count(*) FROM audit_log WHERE (?1 = 0 OR organizer_id = ?1)"
	    " AND (?2 IS NULL OR entity = ?2)",
	[STMT_PAGE] =
	    "SELECT a.id, a.user_id, coalesce(u.email, ''), a.entity,"
	    " a.entity_id, a.action, a.before, a.after, a.at"
	    " FROM audit_log a LEFT JOIN users u ON u.id = a.user_id"
	    " WHERE (?1 = 0 OR a.organizer_id = ?1)"
	    " AND (?2 IS NULL OR a.entity = ?2)"
	    " ORDER BY a.id DESC LIMIT ?3 OFFSET ?4",
};

_Static_assert(sizeof(stmts) / sizeof(stmts[0]) == STMT__MAX,
    "one SQL text per statement");

enum db_rc
audit_record(struct db *db, int64_t now, int64_t user_id,
    int64_t organizer_id, const char *entity, int64_t entity_id,
    const char *action, const cJSON *before, const cJSON *after)
{
	struct db_stmt	*st;
	char		*b = NULL, *a = NULL;
	enum db_rc	 rc = DB_ERROR;

	if ((before != NULL && (b = cJSON_PrintUnformatted(before)) == NULL) ||
	    (after != NULL && (a = cJSON_PrintUnformatted(after)) == NULL))
		goto out;
	if ((st = db_stmt(db, stmts[STMT_INSERT])) == NULL ||
	    (user_id > 0 ? db_bind_int(st, 1, user_id) :
	    db_bind_null(st, 1)) == -1 ||
	    (organizer_id > 0 ? db_bind_int(st, 2, organizer_id) :
	    db_bind_null(st, 2)) == -1 ||
	    db_bind_text(st, 3, entity) == -1 ||
	    db_bind_int(st, 4, entity_id) == -1 ||
	    db_bind_text(st, 5, action) == -1 ||
	    db_bind_text(st, 6, b) == -1 ||
	    db_bind_text(st, 7, a) == -1 ||
	    db_bind_int(st, 8, now) == -1)
		goto out;
	rc = db_exec(db, st);
out:
	free(b);
	free(a);
	return rc;
}

/* A stored before/after column as JSON (null when none). */
static void
add_snapshot(cJSON *o, const char *name, const char *text)
{
	cJSON	*j;

	if (text == NULL || (j = cJSON_Parse(text)) == NULL)
		cJSON_AddNullToObject(o, name);
	else
		cJSON_AddItemToObject(o, name, j);
}

enum db_rc
audit_list(struct db *db, int64_t organizer_id, const char *entity,
    int64_t offset, int64_t limit, int64_t *count, cJSON **results)
{
	struct db_stmt	*st;
	cJSON		*arr, *o, *who;
	enum db_rc	 rc;

	*results = NULL;
	if ((st = db_stmt(db, stmts[STMT_COUNT])) == NULL ||
	    db_bind_int(st, 1, organizer_id) == -1 ||
	    db_bind_text(st, 2, entity) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) != DB_OK) {
		db_reset(st);
		return rc;
	}
	*count = db_col_int(st, 0);
	db_reset(st);
	if ((arr = cJSON_CreateArray()) == NULL ||
	    (st = db_stmt(db, stmts[STMT_PAGE])) == NULL ||
	    db_bind_int(st, 1, organizer_id) == -1 ||
	    db_bind_text(st, 2, entity) == -1 ||
	    db_bind_int(st, 3, limit) == -1 ||
	    db_bind_int(st, 4, offset) == -1) {
		cJSON_Delete(arr);
		return DB_ERROR;
	}
	while ((rc = db_step(db, st)) == DB_OK) {
		o = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, o);
		cJSON_AddNumberToObject(o, "id", (double)db_col_int(st, 0));
		who = cJSON_AddObjectToObject(o, "user");
		json_add_count(who, "id", db_col_isnull(st, 1) ? -1 :
		    db_col_int(st, 1));
		cJSON_AddStringToObject(who, "email", db_col_text(st, 2));
		cJSON_AddStringToObject(o, "entity", db_col_text(st, 3));
		cJSON_AddNumberToObject(o, "entity_id",
		    (double)db_col_int(st, 4));
		cJSON_AddStringToObject(o, "action", db_col_text(st, 5));
		add_snapshot(o, "before", db_col_text(st, 6));
		add_snapshot(o, "after", db_col_text(st, 7));
		json_add_time(o, "at", db_col_int(st, 8));
	}
	db_reset(st);
	if (rc != DB_NOTFOUND) {
		cJSON_Delete(arr);
		return rc;
	}
	*results = arr;
	return DB_OK;
}
