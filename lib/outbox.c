/*
 * Outbox storage.
 */
#include <stdint.h>
#include <stdio.h>


#include "db.h"
#include "outbox.h"

enum stmt {
	STMT_CLAIM,
	STMT_SENT,
	STMT_FAILED,
	STMT_QUEUE_ACCOUNT,
	STMT_QUEUE_CANCELLED,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	[STMT_CLAIM] =
	    "UPDATE outbox SET next_attempt_at = ?1 + ?3"
	    " WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL"
	    " AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2)"
	    " RETURNING id, coalesce(order_id, 0), attempts, kind, recipient,"
	    " coalesce(locale, ''), coalesce(payload, '')",
	[STMT_SENT] =
	    "UPDATE outbox SET sent_at = ?2, last_error = NULL, payload = NULL"
	    " WHERE id = ?1",
	[STMT_FAILED] =
	    "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2,"
	    " last_error = ?3 WHERE id = ?1",
	[STMT_QUEUE_ACCOUNT] =
	    "INSERT INTO outbox (kind, user_id, recipient, locale, payload,"
	    " next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
	/* The unique outbox_event_cancelled index (sql/014) answers the
	 * "told already" look-up and forbids a second message outright. */
	[STMT_QUEUE_CANCELLED] =
	    "INSERT INTO outbox (kind, order_id, recipient, locale,"
	    " next_attempt_at, created_at)"
	    " SELECT 'event_cancelled', o.id, o.email, nullif(o.locale, ''),"
	    " ?2, ?2 FROM orders o WHERE o.event_id = ?1 AND o.status = 'paid'"
	    " AND coalesce(o.email, '') <> '' AND NOT EXISTS (SELECT 1"
	    " FROM outbox b WHERE b.kind = 'event_cancelled'"
	    " AND b.order_id = o.id) ORDER BY o.id",
};

_Static_assert(sizeof(stmts) / sizeof(stmts[0]) == STMT__MAX,
    "one SQL text per statement");

int64_t
outbox_backoff(int64_t attempts)
{
	int64_t	 d = OUTBOX_BACKOFF_MIN;

	while (attempts-- > 0 && d < OUTBOX_BACKOFF_MAX)
		d *= 2;
	return d < OUTBOX_BACKOFF_MAX ? d : OUTBOX_BACKOFF_MAX;
}

enum db_rc
outbox_claim(struct db *db, int64_t now, struct outbox_item *out, size_t max,
    size_t *n)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	*n = 0;
	if ((rc = db_tx_immediate(db)) != DB_OK)
		return rc;
	if ((st = db_stmt(db, stmts[STMT_CLAIM])) == NULL ||
	    db_bind_int(st, 1, now) == -1 ||
	    db_bind_int(st, 2, (int64_t)max) == -1 ||
	    db_bind_int(st, 3, OUTBOX_LEASE) == -1) {
		db_tx_rollback(db);
		return DB_ERROR;
	}
	while (*n < max && (rc = db_step(db, st)) == DB_OK) {
		out[*n].id = db_col_int(st, 0);
		out[*n].order_id = db_col_int(st, 1);
		out[*n].attempts = db_col_int(st, 2);
		snprintf(out[*n].kind, sizeof(out[*n].kind), "%s",
		    db_col_text(st, 3));
		snprintf(out[*n].recipient, sizeof(out[*n].recipient), "%s",
		    db_col_text(st, 4));
		snprintf(out[*n].locale, sizeof(out[*n].locale), "%s",
		    db_col_text(st, 5));
		snprintf(out[*n].payload, sizeof(out[*n].payload), "%s",
		    db_col_text(st, 6));
		(*n)++;
	}
	db_reset(st);
	if (rc != DB_OK && rc != DB_NOTFOUND) {
		db_tx_rollback(db);
		*n = 0;
		return rc;
	}
	return db_tx_commit(db);
}

enum db_rc
outbox_sent(struct db *db, int64_t id, int64_t now)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_SENT])) == NULL ||
	    db_bind_int(st, 1, id) == -1 || db_bind_int(st, 2, now) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

enum db_rc
outbox_failed(struct db *db, int64_t id, int64_t now, int64_t attempts,
    const char *error)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_FAILED])) == NULL ||
	    db_bind_int(st, 1, id) == -1 ||
	    db_bind_int(st, 2, now + outbox_backoff(attempts)) == -1 ||
	    db_bind_text(st, 3, error) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

enum db_rc
outbox_queue_account(struct db *db, const char *kind, int64_t user_id,
    const char *recipient, const char *locale, const char *sealed,
    int64_t now)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_QUEUE_ACCOUNT])) == NULL ||
	    db_bind_text(st, 1, kind) == -1 ||
	    db_bind_int(st, 2, user_id) == -1 ||
	    db_bind_text(st, 3, recipient) == -1 ||
	    db_bind_text(st, 4, locale) == -1 ||
	    db_bind_text(st, 5, sealed) == -1 ||
	    db_bind_int(st, 6, now) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

enum db_rc
outbox_queue_cancelled(struct db *db, int64_t event_id, int64_t now,
    int64_t *queued)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if (queued != NULL)
		*queued = 0;
	if ((st = db_stmt(db, stmts[STMT_QUEUE_CANCELLED])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1 ||
	    db_bind_int(st, 2, now) == -1)
		return DB_ERROR;
	if ((rc = db_exec(db, st)) == DB_OK && queued != NULL)
		*queued = db_changes(db);
	return rc;
}
