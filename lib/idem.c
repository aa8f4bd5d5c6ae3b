/*
 * Idempotency keys (idem.h), in idempotency_keys (sql/015).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "db.h"
#include "http.h"
#include "idem.h"
#include "log.h"
#include "tfmt.h"

enum stmt {
	STMT_CLAIM,
	STMT_FIND,
	STMT_STORE,
	STMT_FORGET,
	STMT_PRUNE,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	/*
	 * A key unused, older than its lifetime (?5), or still "running"
	 * long after any request ends (?6: its worker died), is ours now.
	 */
	[STMT_CLAIM] =
	    "INSERT INTO idempotency_keys (scope, key, request_hash, status,"
	    " created_at) VALUES (?1, ?2, ?3, 0, ?4)"
	    " ON CONFLICT (scope, key) DO UPDATE SET request_hash = ?3,"
	    " status = 0, body = NULL, created_at = ?4"
	    " WHERE created_at < ?5 OR (status = 0 AND created_at < ?6)",
	[STMT_FIND] =
	    "SELECT request_hash, status, coalesce(body, '')"
	    " FROM idempotency_keys WHERE scope = ?1 AND key = ?2",
	[STMT_STORE] =
	    "UPDATE idempotency_keys SET status = ?3, body = ?4"
	    " WHERE scope = ?1 AND key = ?2",
	[STMT_FORGET] =
	    "DELETE FROM idempotency_keys WHERE scope = ?1 AND key = ?2"
	    " AND status = 0",
	[STMT_PRUNE] =
	    "DELETE FROM idempotency_keys WHERE created_at < ?1",
};

/* Hashes what makes two requests the same: method, path and body. */
static void
request_hash(const struct req *req, char hash[TOKEN_HASH_HEX_LEN + 1])
{
	char	 head[PATH_MAX_LEN + 32], h1[TOKEN_HASH_HEX_LEN + 1];
	char	 both[2 * TOKEN_HASH_HEX_LEN + 2];

	snprintf(head, sizeof(head), "%s %s", req->method_name, req->path);
	crypto_token_hash(head, h1);
	crypto_token_hash(req->raw_body != NULL ? req->raw_body : "", hash);
	snprintf(both, sizeof(both), "%s:%s", h1, hash);
	crypto_token_hash(both, hash);
}

static int
key_valid(const char *k)
{
	size_t	 n = strlen(k), i;

	if (n == 0 || n > IDEMPOTENCY_KEY_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)k[i] < 0x21 || (unsigned char)k[i] > 0x7e)
			return 0;
	return 1;
}

/* Binds ?1 scope and ?2 key of id to statement k. */
static struct db_stmt *
keyed(struct db *db, int k, const struct idem *id)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[k])) == NULL ||
	    db_bind_text(st, 1, id->scope) == -1 ||
	    db_bind_text(st, 2, id->key) == -1)
		return NULL;
	return st;
}

/* The stored answer to id, or why there is none to give. */
static enum err
replay(struct req *req, struct idem *id, const char *hash)
{
	struct db_stmt	*st;
	enum db_rc	 rc;
	enum err	 e = ERR_IDEMPOTENCY_BUSY;
	int		 status;

	if ((st = keyed(req->db, STMT_FIND, id)) == NULL)
		return ERR_INTERNAL;
	if ((rc = db_step(req->db, st)) != DB_OK) {
		db_reset(st);
		/* Gone since: a first request failed and freed it. */
		return rc == DB_NOTFOUND ? ERR_IDEMPOTENCY_BUSY :
		    err_from_db(rc);
	}
	status = (int)db_col_int(st, 1);
	if (!crypto_streq(db_col_text(st, 0), hash))
		e = ERR_IDEMPOTENCY_REUSED;
	else if (status != 0) {
		e = http_bytes(req, status, "application/json",
		    db_col_text(st, 2), strlen(db_col_text(st, 2)));
		(void)http_add_header(req, "Idempotent-Replayed", "true");
		id->state = IDEM_REPLAYED;
	}
	db_reset(st);
	return e;
}

enum err
idem_begin(struct req *req, int64_t scope_id, struct idem *out)
{
	struct db_stmt	*st;
	const char	*key = http_header(req, "Idempotency-Key");
	char		 hash[TOKEN_HASH_HEX_LEN + 1];
	int64_t		 now = tfmt_now();
	enum db_rc	 rc;

	memset(out, 0, sizeof(*out));
	if (key == NULL)
		return ERR_OK;
	if (!key_valid(key))
		return http_field_error(req, "Idempotency-Key",
		    "1 to 255 printable characters.");
	snprintf(out->scope, sizeof(out->scope), "user:%lld",
	    (long long)scope_id);
	snprintf(out->key, sizeof(out->key), "%s", key);
	request_hash(req, hash);

	/* One statement, so two racing first uses cannot both win. */
	if ((st = keyed(req->db, STMT_CLAIM, out)) == NULL ||
	    db_bind_text(st, 3, hash) == -1 ||
	    db_bind_int(st, 4, now) == -1 ||
	    db_bind_int(st, 5, now - IDEMPOTENCY_SECONDS) == -1 ||
	    db_bind_int(st, 6, now - IDEMPOTENCY_RUN_MAX) == -1)
		return ERR_INTERNAL;
	if ((rc = db_exec(req->db, st)) != DB_OK)
		return err_from_db(rc);
	if (db_changes(req->db) == 1) {
		out->state = IDEM_RUN;
		return ERR_OK;
	}
	return replay(req, out, hash);
}

void
idem_finish(struct req *req, const struct idem *id, enum err handler_err)
{
	struct db_stmt	*st;
	int		 keep;

	if (id->state != IDEM_RUN)
		return;
	keep = handler_err == ERR_OK && req->resp.status >= 200 &&
	    req->resp.status < 300 && req->resp.body != NULL;
	if (keep) {
		if ((st = keyed(req->db, STMT_STORE, id)) == NULL ||
		    db_bind_int(st, 3, req->resp.status) == -1 ||
		    db_bind_textn(st, 4, req->resp.body, req->resp.len) == -1 ||
		    db_exec(req->db, st) != DB_OK)
			log_warn("idempotency key not stored");
		return;
	}
	if ((st = keyed(req->db, STMT_FORGET, id)) == NULL ||
	    db_exec(req->db, st) != DB_OK)
		log_warn("idempotency key not freed");
}

enum db_rc
idem_prune(struct db *db, int64_t before, int64_t *deleted)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	*deleted = 0;
	if ((st = db_stmt(db, stmts[STMT_PRUNE])) == NULL ||
	    db_bind_int(st, 1, before) == -1)
		return DB_ERROR;
	if ((rc = db_exec(db, st)) == DB_OK)
		*deleted = db_changes(db);
	return rc;
}

enum err
idem_run(struct req *req, enum err (*h)(struct req *))
{
	struct idem	 id;
	enum err	 e;

	if ((e = idem_begin(req, req->user.id, &id)) != ERR_OK ||
	    id.state == IDEM_REPLAYED)
		return e;
	e = h(req);
	idem_finish(req, &id, e);
	return e;
}
