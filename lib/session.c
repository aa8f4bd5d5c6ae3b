/*
 * Session storage.
 */
#include <stdint.h>
#include <string.h>


#include "crypto.h"
#include "db.h"
#include "session.h"

static const char *const kind_names[SESS__MAX] = {
	[SESS_BROWSER] = "browser",
	[SESS_API] = "api",
	[SESS_SCANNER] = "scanner",
};

enum stmt {
	STMT_FIND,
	STMT_INSERT,
	STMT_REVOKE,
	STMT_INSERT_SCANNER,
	STMT_PRUNE,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_FIND] =
	    "SELECT id, kind, coalesce(order_id, 0), coalesce(user_id, 0),"
	    " expires_at, coalesce(scanner_id, 0) FROM sessions"
	    " WHERE token_hash = ?1 AND revoked_at IS NULL AND expires_at > ?2",
	[STMT_INSERT] =
	    "INSERT INTO sessions (token_hash, kind, order_id, created_at,"
	    " expires_at, user_id) VALUES (?1, ?2, nullif(?3, 0), ?4, ?5,"
	    " nullif(?6, 0))",
	[STMT_INSERT_SCANNER] =
	    "INSERT INTO sessions (token_hash, kind, scanner_id, created_at,"
	    " expires_at) VALUES (?1, 'scanner', ?2, ?3, ?4)",
	[STMT_REVOKE] =
	    "UPDATE sessions SET revoked_at = ?2"
	    " WHERE id = ?1 AND revoked_at IS NULL",
	/* sessions_expiry (sql/027); a guest's cart goes with its session
	 * (ON DELETE CASCADE). */
	[STMT_PRUNE] =
	    "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions"
	    " WHERE expires_at < ?1 ORDER BY expires_at LIMIT ?2)",
};

enum db_rc
sess_prune(struct db *db, int64_t before, size_t max, int64_t *deleted)
{
	return db_prune(db, stmts[STMT_PRUNE], before, max, deleted);
}

int
sess_token_valid(const char *token)
{
	size_t	 i;

	if (token == NULL || strlen(token) != TOKEN_HEX_LEN)
		return 0;
	for (i = 0; i < TOKEN_HEX_LEN; i++)
		if (!((token[i] >= '0' && token[i] <= '9') ||
		    (token[i] >= 'a' && token[i] <= 'f')))
			return 0;
	return 1;
}

void
sess_key(const char *token, char key[TOKEN_HASH_HEX_LEN + 1])
{
	char	 hash[TOKEN_HASH_HEX_LEN + 1];

	crypto_token_hash(token, hash);
	memcpy(key, token, SESS_KEY_TIME_HEX);
	memcpy(key + SESS_KEY_TIME_HEX, hash,
	    TOKEN_HASH_HEX_LEN - SESS_KEY_TIME_HEX);
	key[TOKEN_HASH_HEX_LEN] = '\0';
}

void
sess_token_new(char token[TOKEN_HEX_LEN + 1], char key[TOKEN_HASH_HEX_LEN + 1])
{
	crypto_token_ordered(token);
	sess_key(token, key);
}

static enum sess_kind
kind_parse(const char *s)
{
	int	 i;

	for (i = 0; i < SESS__MAX; i++)
		if (s != NULL && strcmp(s, kind_names[i]) == 0)
			return (enum sess_kind)i;
	return SESS_BROWSER;
}

/* The live session stored under key. */
static enum db_rc
find_by(struct db *db, const char *key, int64_t now, struct session *out)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_FIND])) == NULL ||
	    db_bind_text(st, 1, key) == -1 || db_bind_int(st, 2, now) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		out->id = db_col_int(st, 0);
		out->kind = kind_parse(db_col_text(st, 1));
		out->order_id = db_col_int(st, 2);
		out->user_id = db_col_int(st, 3);
		out->expires_at = db_col_int(st, 4);
		out->scanner_id = db_col_int(st, 5);
	}
	db_reset(st);
	return rc;
}

enum db_rc
sess_find(struct db *db, const char *token, int64_t now, struct session *out)
{
	char		 hash[TOKEN_HASH_HEX_LEN + 1];
	enum db_rc	 rc;

	memset(out, 0, sizeof(*out));
	if (!sess_token_valid(token))
		return DB_NOTFOUND;
	sess_key(token, hash);
	if ((rc = find_by(db, hash, now, out)) != DB_NOTFOUND)
		return rc;
	/* A session made before keys began with the time: stored under
	 * the whole hash (until the last such expires, REMEMBER_SECONDS
	 * after the upgrade). */
	crypto_token_hash(token, hash);
	return find_by(db, hash, now, out);
}

enum db_rc
sess_create(struct db *db, enum sess_kind kind, int64_t order_id,
    int64_t user_id, int64_t now, int64_t ttl, char token[TOKEN_HEX_LEN + 1])
{
	struct db_stmt	*st;
	char		 hash[TOKEN_HASH_HEX_LEN + 1];

	sess_token_new(token, hash);
	if ((st = db_stmt(db, stmts[STMT_INSERT])) == NULL ||
	    db_bind_text(st, 1, hash) == -1 ||
	    db_bind_text(st, 2, kind_names[kind]) == -1 ||
	    db_bind_int(st, 3, order_id) == -1 ||
	    db_bind_int(st, 4, now) == -1 ||
	    db_bind_int(st, 5, now + ttl) == -1 ||
	    db_bind_int(st, 6, user_id) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

enum db_rc
sess_revoke(struct db *db, int64_t id, int64_t now)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_REVOKE])) == NULL ||
	    db_bind_int(st, 1, id) == -1 || db_bind_int(st, 2, now) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

enum db_rc
sess_create_scanner(struct db *db, int64_t scanner_id, int64_t now,
    int64_t ttl, char token[TOKEN_HEX_LEN + 1])
{
	struct db_stmt	*st;
	char		 hash[TOKEN_HASH_HEX_LEN + 1];

	sess_token_new(token, hash);
	if ((st = db_stmt(db, stmts[STMT_INSERT_SCANNER])) == NULL ||
	    db_bind_text(st, 1, hash) == -1 ||
	    db_bind_int(st, 2, scanner_id) == -1 ||
	    db_bind_int(st, 3, now) == -1 ||
	    db_bind_int(st, 4, now + ttl) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}
