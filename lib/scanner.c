/*
 * Door credentials and their scopes (see scanner.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "crypto.h"
#include "db.h"
#include "scan.h"
#include "scanner.h"
#include "seal.h"
#include "tfmt.h"
#include "user.h"

enum stmt {
	STMT_NAME_TAKEN,
	STMT_INSERT,
	STMT_GET,
	STMT_COUNT,
	STMT_PAGE,
	STMT_EVENT_OK,
	STMT_SET_NAME,
	STMT_SET_ACTIVE,
	STMT_DELETE,
	STMT_SESSIONS_END,
	STMT__MAX
};

/* "Whose": an organizer's own (?N = their id), or anyone's (?N = 0). */
static const char *const stmts[] = {
	[STMT_NAME_TAKEN] =
	    "SELECT 1 FROM scanners WHERE coalesce(organizer_id, 0) = ?1"
	    " AND name = ?2 AND deleted_at IS NULL AND id <> ?3",
	[STMT_INSERT] =
	    "INSERT INTO scanners (organizer_id, name, password_hash, lookup,"
	    " created_at) VALUES (nullif(?1, 0), ?2, ?3, nullif(?4, ''), ?5)"
	    " RETURNING id",
	[STMT_GET] =
	    "SELECT id, coalesce(organizer_id, 0), name, all_events, active,"
	    " created_at FROM scanners WHERE id = ?1 AND deleted_at IS NULL"
	    " AND (?2 = 0 OR organizer_id = ?2)",
	[STMT_COUNT] =
	    "SELECT count(*) FROM scanners WHERE deleted_at IS NULL"
	    " AND (?1 = 0 OR organizer_id = ?1)",
	[STMT_PAGE] =
	    "SELECT id FROM scanners WHERE deleted_at IS NULL"
	    " AND (?1 = 0 OR organizer_id = ?1) ORDER BY id LIMIT ?2 OFFSET ?3",
	[STMT_EVENT_OK] =
	    "SELECT 1 FROM events WHERE id = ?1 AND (?2 = 0 OR organizer_id = ?2)",
	[STMT_SET_NAME] =
	    "UPDATE scanners SET name = ?2 WHERE id = ?1",
	[STMT_SET_ACTIVE] =
	    "UPDATE scanners SET active = ?2 WHERE id = ?1",
	[STMT_DELETE] =
	    "UPDATE scanners SET active = 0, lookup = NULL, deleted_at = ?2"
	    " WHERE id = ?1",
	[STMT_SESSIONS_END] =
	    "UPDATE sessions SET revoked_at = ?2"
	    " WHERE scanner_id = ?1 AND revoked_at IS NULL",
};

_Static_assert(sizeof(stmts) / sizeof(stmts[0]) == STMT__MAX,
    "statement table out of sync with enum stmt");

/*
 * The two kinds of door credential limited to events: a scanner
 * (scanner_events, scanners.all_events) and a staff account
 * (staff_events, users.scan_all_events).  One set of statements each.
 */
enum holder { HOLDER_SCANNER, HOLDER_STAFF, HOLDER__MAX };

enum scope_stmt { SC_ALL, SC_EVENTS, SC_CLEAR, SC_ADD, SC_SET_ALL, SC__MAX };

static const char *const scope_stmts[HOLDER__MAX][SC__MAX] = {
	[HOLDER_SCANNER] = {
		[SC_ALL] = "SELECT all_events FROM scanners WHERE id = ?1",
		[SC_EVENTS] = "SELECT event_id FROM scanner_events"
		    " WHERE scanner_id = ?1 ORDER BY event_id",
		[SC_CLEAR] = "DELETE FROM scanner_events WHERE scanner_id = ?1",
		[SC_ADD] = "INSERT INTO scanner_events (scanner_id, event_id)"
		    " VALUES (?1, ?2) ON CONFLICT DO NOTHING",
		[SC_SET_ALL] = "UPDATE scanners SET all_events = ?2"
		    " WHERE id = ?1",
	},
	[HOLDER_STAFF] = {
		[SC_ALL] = "SELECT scan_all_events FROM users WHERE id = ?1",
		[SC_EVENTS] = "SELECT event_id FROM staff_events"
		    " WHERE user_id = ?1 ORDER BY event_id",
		[SC_CLEAR] = "DELETE FROM staff_events WHERE user_id = ?1",
		[SC_ADD] = "INSERT INTO staff_events (user_id, event_id)"
		    " VALUES (?1, ?2) ON CONFLICT DO NOTHING",
		[SC_SET_ALL] = "UPDATE users SET scan_all_events = ?2"
		    " WHERE id = ?1",
	},
};

/* Rolls the open transaction back and returns e. */
static enum err
fail(struct db *db, enum err e)
{
	db_tx_rollback(db);
	return e;
}

/* ERR_BAD_REQUEST with field and reason in *bad. */
static enum err
refuse(struct scanner_bad *bad, const char *field, const char *reason)
{
	bad->field = field;
	bad->reason = reason;
	return ERR_BAD_REQUEST;
}

/* Runs a one-row-or-none statement bound to (a, b): DB_OK if a row. */
static enum db_rc
probe(struct db *db, const char *sql, int64_t a, int64_t b)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, sql)) == NULL || db_bind_int(st, 1, a) == -1 ||
	    (db_param_count(st) > 1 && db_bind_int(st, 2, b) == -1))
		return DB_ERROR;
	rc = db_step(db, st);
	db_reset(st);
	return rc;
}

/* Runs an UPDATE or DELETE bound to (a, b). */
static enum db_rc
run2(struct db *db, const char *sql, int64_t a, int64_t b)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, sql)) == NULL || db_bind_int(st, 1, a) == -1 ||
	    (db_param_count(st) > 1 && db_bind_int(st, 2, b) == -1))
		return DB_ERROR;
	return db_exec(db, st);
}

/*
 * Limits holder id to in's events (none listed: all of them), each of
 * which must be an event of organizer_id (0: any event).  Inside the
 * caller's write transaction.  ERR_OK, ERR_BAD_REQUEST with *bad, or
 * ERR_INTERNAL.
 */
static enum err
scope_set(struct db *db, enum holder h, int64_t id, int64_t organizer_id,
    const struct scanner_in *in, struct scanner_bad *bad)
{
	const char *const	*sql = scope_stmts[h];
	struct db_stmt		*st;
	enum db_rc		 rc;
	size_t			 i;

	for (i = 0; i < in->nevents; i++) {
		rc = probe(db, stmts[STMT_EVENT_OK], in->events[i],
		    organizer_id);
		if (rc == DB_NOTFOUND)
			return refuse(bad, "events", "no such event of the "
			    "organizer's");
		if (rc != DB_OK)
			return ERR_INTERNAL;
	}
	if (run2(db, sql[SC_CLEAR], id, 0) != DB_OK ||
	    run2(db, sql[SC_SET_ALL], id, in->nevents == 0) != DB_OK)
		return ERR_INTERNAL;
	for (i = 0; i < in->nevents; i++) {
		if ((st = db_stmt(db, sql[SC_ADD])) == NULL ||
		    db_bind_int(st, 1, id) == -1 ||
		    db_bind_int(st, 2, in->events[i]) == -1 ||
		    db_exec(db, st) != DB_OK)
			return ERR_INTERNAL;
	}
	return ERR_OK;
}

/*
 * Adds holder id's scope to o: "all_events" and "events" (the ids it is
 * limited to; empty with all_events).  Inside the caller's transaction.
 */
static enum db_rc
scope_json(struct db *db, enum holder h, int64_t id, cJSON *o)
{
	struct db_stmt	*st;
	cJSON		*list;
	enum db_rc	 rc;

	if ((st = db_stmt(db, scope_stmts[h][SC_ALL])) == NULL ||
	    db_bind_int(st, 1, id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		cJSON_AddBoolToObject(o, "all_events", db_col_int(st, 0) != 0);
	db_reset(st);
	if (rc != DB_OK)
		return rc;
	list = cJSON_AddArrayToObject(o, "events");
	if ((st = db_stmt(db, scope_stmts[h][SC_EVENTS])) == NULL ||
	    db_bind_int(st, 1, id) == -1)
		return DB_ERROR;
	while ((rc = db_step(db, st)) == DB_OK)
		cJSON_AddItemToArray(list,
		    cJSON_CreateNumber((double)db_col_int(st, 0)));
	db_reset(st);
	return rc == DB_NOTFOUND ? DB_OK : rc;
}

/*
 * The scanner id if owner may see it, as JSON (*doc), and its organizer.
 * Inside the caller's transaction.  DB_NOTFOUND when not owner's.
 */
static enum db_rc
load(struct db *db, int64_t owner, int64_t id, cJSON **doc,
    int64_t *organizer_id)
{
	struct db_stmt	*st;
	char		 when[TFMT_ISO_LEN];
	cJSON		*o;
	enum db_rc	 rc;

	*doc = NULL;
	if ((st = db_stmt(db, stmts[STMT_GET])) == NULL ||
	    db_bind_int(st, 1, id) == -1 || db_bind_int(st, 2, owner) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) != DB_OK)
		return rc;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)db_col_int(st, 0));
	cJSON_AddStringToObject(o, "name", db_col_text(st, 2));
	if ((*organizer_id = db_col_int(st, 1)) != 0)
		cJSON_AddNumberToObject(o, "organizer_id",
		    (double)*organizer_id);
	else
		cJSON_AddNullToObject(o, "organizer_id");
	cJSON_AddBoolToObject(o, "is_active", db_col_int(st, 4) != 0);
	tfmt_iso(db_col_int(st, 5), when);
	cJSON_AddStringToObject(o, "created_at", when);
	db_reset(st);
	if ((rc = scope_json(db, HOLDER_SCANNER, id, o)) != DB_OK) {
		cJSON_Delete(o);
		return rc == DB_NOTFOUND ? DB_ERROR : rc;
	}
	*doc = o;
	return DB_OK;
}

/* Is name taken among organizer_id's live scanners other than id?
 * 1, 0, or -1 on a storage error. */
static int
name_taken(struct db *db, int64_t organizer_id, const char *name, int64_t id)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_NAME_TAKEN])) == NULL ||
	    db_bind_int(st, 1, organizer_id) == -1 ||
	    db_bind_text(st, 2, name) == -1 || db_bind_int(st, 3, id) == -1)
		return -1;
	rc = db_step(db, st);
	db_reset(st);
	return rc == DB_OK ? 1 : rc == DB_NOTFOUND ? 0 : -1;
}

/* A name: 1..SCANNER_NAME_MAX bytes (the API's field spec says so too;
 * the CLI's arguments come here unchecked). */
static int
name_ok(const char *name)
{
	size_t	 len = strlen(name);

	return len > 0 && len <= SCANNER_NAME_MAX;
}

/*
 * The password to store: in->password checked, or a generated one
 * (written to generated); its argon2id hash and lookup.  Done before the
 * write lock is taken: argon2id takes tens of milliseconds.
 */
static enum err
password_prepare(int64_t organizer_id, const struct scanner_in *in,
    char generated[SCANNER_PASSWORD_LEN + 1], char hash[PWHASH_MAX],
    char mac[SEAL_MAC_HEX_LEN + 1], struct scanner_bad *bad)
{
	const char	*password = in->password, *weak;

	generated[0] = '\0';
	if (password == NULL) {
		crypto_random_letters(generated, SCANNER_PASSWORD_LEN);
		password = generated;
	} else if ((weak = user_password_weak(password, NULL)) != NULL)
		return refuse(bad, "password", weak);
	/* Without a lookup, two scanners could share a password. */
	if (scan_password_key(password, mac) == -1 && organizer_id != 0)
		return ERR_NOT_CONFIGURED;
	return crypto_pw_hash(password, hash) == 0 ? ERR_OK : ERR_INTERNAL;
}

enum err
scanner_create(struct db *db, int64_t now, int64_t organizer_id,
    const struct scanner_in *in, char generated[SCANNER_PASSWORD_LEN + 1],
    int64_t *id, struct scanner_bad *bad)
{
	struct db_stmt	*st;
	struct user	 org;
	char		 hash[PWHASH_MAX], mac[SEAL_MAC_HEX_LEN + 1];
	enum db_rc	 rc;
	enum err	 e;
	int		 taken;

	*id = 0;
	if (in->name == NULL || !name_ok(in->name))
		return refuse(bad, "name", "must be 1-64 bytes");
	if ((e = password_prepare(organizer_id, in, generated, hash, mac,
	    bad)) != ERR_OK)
		return e;
	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	if (organizer_id != 0 && ((rc = user_by_id(db, organizer_id, &org)) !=
	    DB_OK || org.role != ROLE_ORGANIZER))
		return fail(db, rc == DB_OK || rc == DB_NOTFOUND ?
		    refuse(bad, "organizer_id", "not an organizer") :
		    ERR_INTERNAL);
	if ((taken = name_taken(db, organizer_id, in->name, 0)) != 0)
		return fail(db, taken < 0 ? ERR_INTERNAL :
		    refuse(bad, "name", "a scanner with this name exists"));
	if ((st = db_stmt(db, stmts[STMT_INSERT])) == NULL ||
	    db_bind_int(st, 1, organizer_id) == -1 ||
	    db_bind_text(st, 2, in->name) == -1 ||
	    db_bind_text(st, 3, hash) == -1 ||
	    db_bind_text(st, 4, mac) == -1 ||
	    db_bind_int(st, 5, now) == -1)
		return fail(db, ERR_INTERNAL);
	/* The name is free (above), so a constraint is the lookup's. */
	if ((rc = db_insert_id(db, st, id)) == DB_CONSTRAINT)
		return fail(db, refuse(bad, "password",
		    "choose another password"));
	if (rc != DB_OK)
		return fail(db, err_from_db(rc));
	if (in->set_events && (e = scope_set(db, HOLDER_SCANNER, *id,
	    organizer_id, in, bad)) != ERR_OK)
		return fail(db, e);
	return err_from_db(db_tx_commit(db));
}

enum err
scanner_get(struct db *db, int64_t owner, int64_t id, cJSON **doc)
{
	int64_t		 organizer_id;
	enum db_rc	 rc;

	*doc = NULL;
	if ((rc = db_tx_read(db)) != DB_OK)
		return err_from_db(rc);
	rc = load(db, owner, id, doc, &organizer_id);
	db_tx_rollback(db);
	return rc == DB_NOTFOUND ? ERR_NOT_FOUND : err_from_db(rc);
}

enum err
scanner_list(struct db *db, int64_t owner, int64_t page, int64_t per,
    cJSON **doc)
{
	struct db_stmt	*st;
	int64_t		 ids[PER_PAGE_MAX], total = 0, organizer_id;
	size_t		 n = 0, i;
	cJSON		*data, *pg, *o;
	enum db_rc	 rc;

	*doc = NULL;
	if (per > PER_PAGE_MAX)
		per = PER_PAGE_MAX;
	if ((rc = db_tx_read(db)) != DB_OK)
		return err_from_db(rc);
	if ((st = db_stmt(db, stmts[STMT_COUNT])) == NULL ||
	    db_bind_int(st, 1, owner) == -1 || db_step(db, st) != DB_OK)
		return fail(db, ERR_INTERNAL);
	total = db_col_int(st, 0);
	db_reset(st);
	if ((st = db_stmt(db, stmts[STMT_PAGE])) == NULL ||
	    db_bind_int(st, 1, owner) == -1 || db_bind_int(st, 2, per) == -1 ||
	    db_bind_int(st, 3, (page - 1) * per) == -1)
		return fail(db, ERR_INTERNAL);
	while (n < (size_t)per && (rc = db_step(db, st)) == DB_OK)
		ids[n++] = db_col_int(st, 0);
	db_reset(st);
	if (rc != DB_OK && rc != DB_NOTFOUND)
		return fail(db, err_from_db(rc));
	*doc = cJSON_CreateObject();
	data = cJSON_AddArrayToObject(*doc, "data");
	for (i = 0; i < n; i++) {
		if ((rc = load(db, owner, ids[i], &o, &organizer_id)) != DB_OK) {
			cJSON_Delete(*doc);
			*doc = NULL;
			return fail(db, err_from_db(rc == DB_NOTFOUND ?
			    DB_ERROR : rc));
		}
		cJSON_AddItemToArray(data, o);
	}
	db_tx_rollback(db);
	pg = cJSON_AddObjectToObject(*doc, "pagination");
	cJSON_AddNumberToObject(pg, "page", (double)page);
	cJSON_AddNumberToObject(pg, "per_page", (double)per);
	cJSON_AddNumberToObject(pg, "total", (double)total);
	cJSON_AddNumberToObject(pg, "total_pages",
	    (double)((total + per - 1) / per));
	return ERR_OK;
}

/* Ends every live session of scanner id (the door is signed out). */
static enum db_rc
sessions_end(struct db *db, int64_t id, int64_t now)
{
	return run2(db, stmts[STMT_SESSIONS_END], id, now);
}

enum err
scanner_update(struct db *db, int64_t now, int64_t owner, int64_t id,
    const struct scanner_in *in, struct scanner_bad *bad)
{
	struct db_stmt	*st;
	cJSON		*cur = NULL;
	int64_t		 organizer_id = 0;
	enum db_rc	 rc;
	enum err	 e;
	int		 taken;

	if (in->name != NULL && !name_ok(in->name))
		return refuse(bad, "name", "must be 1-64 bytes");
	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	rc = load(db, owner, id, &cur, &organizer_id);
	cJSON_Delete(cur);
	if (rc != DB_OK)
		return fail(db, rc == DB_NOTFOUND ? ERR_NOT_FOUND :
		    err_from_db(rc));
	if (in->name != NULL) {
		if ((taken = name_taken(db, organizer_id, in->name, id)) != 0)
			return fail(db, taken < 0 ? ERR_INTERNAL :
			    refuse(bad, "name",
			    "a scanner with this name exists"));
		if ((st = db_stmt(db, stmts[STMT_SET_NAME])) == NULL ||
		    db_bind_int(st, 1, id) == -1 ||
		    db_bind_text(st, 2, in->name) == -1 ||
		    db_exec(db, st) != DB_OK)
			return fail(db, ERR_INTERNAL);
	}
	if (in->set_events && (e = scope_set(db, HOLDER_SCANNER, id,
	    organizer_id, in, bad)) != ERR_OK)
		return fail(db, e);
	if (in->active >= 0 && (run2(db, stmts[STMT_SET_ACTIVE], id,
	    in->active) != DB_OK || (in->active == 0 &&
	    sessions_end(db, id, now) != DB_OK)))
		return fail(db, ERR_INTERNAL);
	return err_from_db(db_tx_commit(db));
}

enum err
scanner_delete(struct db *db, int64_t now, int64_t owner, int64_t id)
{
	cJSON		*cur = NULL;
	int64_t		 organizer_id;
	enum db_rc	 rc;
	enum err	 e;

	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	rc = load(db, owner, id, &cur, &organizer_id);
	cJSON_Delete(cur);
	if (rc != DB_OK)
		return fail(db, rc == DB_NOTFOUND ? ERR_NOT_FOUND :
		    err_from_db(rc));
	if (run2(db, stmts[STMT_DELETE], id, now) != DB_OK ||
	    run2(db, scope_stmts[HOLDER_SCANNER][SC_CLEAR], id, 0) != DB_OK ||
	    sessions_end(db, id, now) != DB_OK)
		return fail(db, ERR_INTERNAL);
	return err_from_db(db_tx_commit(db));
}

enum err
scanner_staff_update(struct db *db, int64_t now, int64_t owner, int64_t id,
    const struct scanner_in *in, struct user *u, cJSON **scope,
    struct scanner_bad *bad)
{
	enum db_rc	 rc;
	enum err	 e;

	*scope = NULL;
	if ((e = err_from_db(db_tx_immediate(db))) != ERR_OK)
		return e;
	if ((rc = user_by_id(db, id, u)) != DB_OK || u->role != ROLE_STAFF ||
	    (owner != 0 && u->organizer_id != owner))
		return fail(db, rc == DB_OK || rc == DB_NOTFOUND ?
		    ERR_NOT_FOUND : err_from_db(rc));
	if (in->set_events && u->organizer_id == 0 && in->nevents > 0)
		return fail(db, refuse(bad, "events",
		    "this account works for no organizer"));
	if (in->set_events && (e = scope_set(db, HOLDER_STAFF, id,
	    u->organizer_id, in, bad)) != ERR_OK)
		return fail(db, e);
	if (in->active >= 0) {
		if (user_set_active(db, id, in->active) != DB_OK ||
		    (in->active == 0 && user_revoke_sessions(db, id, 0, now) !=
		    DB_OK))
			return fail(db, ERR_INTERNAL);
		u->is_active = in->active;
	}
	*scope = cJSON_CreateObject();
	if (scope_json(db, HOLDER_STAFF, id, *scope) != DB_OK ||
	    (e = err_from_db(db_tx_commit(db))) != ERR_OK) {
		cJSON_Delete(*scope);
		*scope = NULL;
		return fail(db, e != ERR_OK ? e : ERR_INTERNAL);
	}
	return ERR_OK;
}
