/*
 * Signing keys in signing_keys, and signing a ticket's QR content.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "db.h"
#include "log.h"
#include "seal.h"
#include "ticketkey.h"
#include "ticketstate.h"
#include "ticketsig.h"

enum stmt {
	STMT_TICKET,
	STMT_LIVE,
	STMT_INSERT,
	STMT_RETIRE,
	STMT_PUBLIC,
	STMT_LIST,
	STMT_MAX_ID,
	STMT_LIVE_OWNER,
	STMT_EVENT_OWNER,
	STMT_KEYLESS_USER,
	STMT_KEYLESS_ORDER,
	STMT__MAX
};

/* An organizer is 0 for "none" here, NULL in the table. */
static const char *const stmts[] = {
	[STMT_TICKET] =
	    "SELECT t.event_id, t.ticket_type_id, t.created_at,"
	    " coalesce(e.organizer_id, 0),"
	    " max(coalesce(e.ends_at, e.event_at + ?2), " DAY_TICKETS_CLOSE ")"
	    " FROM tickets t JOIN events e ON e.id = t.event_id"
	    " WHERE t.id = ?1",
	[STMT_LIVE] =
	    "SELECT id, secret_key FROM signing_keys"
	    " WHERE coalesce(organizer_id, 0) = ?1 AND retired_at IS NULL",
	[STMT_INSERT] =
	    "INSERT INTO signing_keys (organizer_id, public_key, secret_key,"
	    " created_at) VALUES (nullif(?1, 0), ?2, ?3, ?4) RETURNING id",
	/* Its tickets end with the organizer's events; the latest end of
	 * those that exist now bounds every code the key signed. */
	[STMT_RETIRE] =
	    "UPDATE signing_keys SET retired_at = ?2, valid_until = max(?2,"
	    " coalesce((SELECT max(max(coalesce(e.ends_at, e.event_at + ?3),"
	    " " DAY_TICKETS_CLOSE "))"
	    " FROM events e WHERE coalesce(e.organizer_id, 0) = ?1), 0))"
	    " WHERE coalesce(organizer_id, 0) = ?1 AND retired_at IS NULL",
	[STMT_PUBLIC] =
	    "SELECT public_key, coalesce(organizer_id, 0) FROM signing_keys"
	    " WHERE id = ?1 AND (valid_until IS NULL OR valid_until > ?2)",
	[STMT_LIST] =
	    "SELECT k.id, coalesce(k.organizer_id, 0), k.public_key,"
	    " k.created_at, coalesce(k.retired_at, 0),"
	    " coalesce(k.valid_until, 0) FROM signing_keys k"
	    " WHERE (k.valid_until IS NULL OR k.valid_until > ?3)"
	    " AND (EXISTS (SELECT 1 FROM scanners s WHERE s.id = ?1"
	    "  AND s.active = 1 AND (s.organizer_id IS NULL"
	    "  OR s.organizer_id = k.organizer_id))"
	    " OR EXISTS (SELECT 1 FROM users u WHERE u.id = ?2"
	    "  AND u.is_active = 1 AND (u.role = 'admin'"
	    "  OR (u.role = 'organizer' AND u.id = k.organizer_id)"
	    "  OR (u.role = 'staff' AND u.organizer_id = k.organizer_id))))"
	    " ORDER BY k.id",
	[STMT_MAX_ID] = "SELECT coalesce(max(id), 0) FROM signing_keys",
	[STMT_LIVE_OWNER] =
	    "SELECT coalesce(organizer_id, 0) FROM signing_keys"
	    " WHERE retired_at IS NULL AND id <= ?1 ORDER BY id LIMIT 1",
	[STMT_EVENT_OWNER] =
	    "SELECT coalesce(organizer_id, 0) FROM events WHERE id = ?1",
	/* An organizer of the user's (the order's) tickets without a live
	 * key: tickets issued before keys were made at issue. */
	[STMT_KEYLESS_USER] =
	    "SELECT DISTINCT coalesce(e.organizer_id, 0) FROM orders o"
	    " JOIN tickets t ON t.order_id = o.id"
	    " JOIN events e ON e.id = t.event_id WHERE o.user_id = ?1"
	    " AND NOT EXISTS (SELECT 1 FROM signing_keys k"
	    "  WHERE coalesce(k.organizer_id, 0) = coalesce(e.organizer_id, 0)"
	    "  AND k.retired_at IS NULL) LIMIT 1",
	[STMT_KEYLESS_ORDER] =
	    "SELECT DISTINCT coalesce(e.organizer_id, 0) FROM orders o"
	    " JOIN tickets t ON t.order_id = o.id"
	    " JOIN events e ON e.id = t.event_id WHERE o.uid = ?1"
	    " AND NOT EXISTS (SELECT 1 FROM signing_keys k"
	    "  WHERE coalesce(k.organizer_id, 0) = coalesce(e.organizer_id, 0)"
	    "  AND k.retired_at IS NULL) LIMIT 1",
};

_Static_assert(sizeof(stmts) / sizeof(stmts[0]) == STMT__MAX,
    "statement table out of sync with enum stmt");

/* Makes a key pair for organizer_id, the secret sealed; inside the
 * caller's write transaction. */
static enum db_rc
make_key(struct db *db, int64_t organizer_id, int64_t now, int64_t *id)
{
	unsigned char	 pk[TICKETSIG_PK_LEN], sk[TICKETSIG_SK_LEN];
	struct db_stmt	*st;
	char		*sealed;
	enum db_rc	 rc = DB_ERROR;

	crypto_sign_keypair(pk, sk);
	sealed = seal(sk, sizeof(sk));
	sodium_memzero(sk, sizeof(sk));
	if (sealed == NULL) {
		log_err("signing keys: no secret_key to seal them with");
		return DB_ERROR;
	}
	if ((st = db_stmt(db, stmts[STMT_INSERT])) != NULL &&
	    db_bind_int(st, 1, organizer_id) == 0 &&
	    db_bind_blob(st, 2, pk, sizeof(pk)) == 0 &&
	    db_bind_text(st, 3, sealed) == 0 &&
	    db_bind_int(st, 4, now) == 0)
		rc = db_insert_id(db, st, id);
	free(sealed);
	return rc;
}

/* The live key of organizer_id: its id and opened secret key, DB_OK or
 * DB_NOTFOUND; DB_ERROR also when it does not open. */
static enum db_rc
live_key(struct db *db, int64_t organizer_id, int64_t *id,
    unsigned char sk[TICKETSIG_SK_LEN])
{
	struct db_stmt	*st;
	char		*plain = NULL;
	size_t		 len = 0;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_LIVE])) == NULL ||
	    db_bind_int(st, 1, organizer_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		*id = db_col_int(st, 0);
		plain = unseal(db_col_text(st, 1), &len);
	}
	db_reset(st);
	if (rc != DB_OK)
		return rc;
	if (plain == NULL || len != TICKETSIG_SK_LEN) {
		log_err("signing key %lld does not open with secret_key",
		    (long long)*id);
		rc = DB_ERROR;
	} else
		memcpy(sk, plain, TICKETSIG_SK_LEN);
	if (plain != NULL) {
		sodium_memzero(plain, len);
		free(plain);
	}
	return rc;
}

/* live_key, making the key first when there is none (in a transaction
 * of its own unless the caller has one open). */
static enum db_rc
live_key_made(struct db *db, int64_t organizer_id, int64_t now, int64_t *id,
    unsigned char sk[TICKETSIG_SK_LEN])
{
	enum db_rc	 rc;
	int		 own = !db_in_tx(db);

	if ((rc = live_key(db, organizer_id, id, sk)) != DB_NOTFOUND)
		return rc;
	if (own && (rc = db_tx_immediate(db)) != DB_OK)
		return rc;
	/* Another process may have made it while we waited for the lock. */
	if ((rc = live_key(db, organizer_id, id, sk)) == DB_NOTFOUND &&
	    (rc = make_key(db, organizer_id, now, id)) == DB_OK)
		rc = live_key(db, organizer_id, id, sk);
	if (!own)
		return rc;
	if (rc == DB_OK && (rc = db_tx_commit(db)) == DB_OK)
		return DB_OK;
	db_tx_rollback(db);
	return rc;
}

/* The signed code of ticket_id; make says whether a missing live key
 * may be made now (a write) or is DB_NOTFOUND. */
static enum db_rc
code(struct db *db, int64_t ticket_id, int64_t now, int make,
    char text[TICKETSIG_TEXT_LEN + 1])
{
	unsigned char		 sk[TICKETSIG_SK_LEN];
	struct ticketsig	 f;
	struct db_stmt		*st;
	int64_t			 organizer_id = 0, key_id = 0, ev = 0, tt = 0;
	enum db_rc		 rc;

	memset(&f, 0, sizeof(f));
	if ((st = db_stmt(db, stmts[STMT_TICKET])) == NULL ||
	    db_bind_int(st, 1, ticket_id) == -1 ||
	    db_bind_int(st, 2, TICKETKEY_SLACK_SECONDS) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		ev = db_col_int(st, 0);
		tt = db_col_int(st, 1);
		f.not_before = db_col_int(st, 2);
		organizer_id = db_col_int(st, 3);
		f.not_after = db_col_int(st, 4);
	}
	db_reset(st);
	if (rc != DB_OK)
		return rc;
	if (ticket_id > UINT32_MAX || ev > UINT32_MAX || tt > UINT32_MAX)
		return DB_ERROR;
	if ((rc = make ? live_key_made(db, organizer_id, now, &key_id, sk) :
	    live_key(db, organizer_id, &key_id, sk)) != DB_OK)
		return rc;
	f.key_id = (uint32_t)key_id;
	f.ticket_id = (uint32_t)ticket_id;
	f.event_id = (uint32_t)ev;
	f.variant = (uint32_t)tt;
	rc = key_id > UINT32_MAX || ticketsig_sign(&f, sk, text) == -1 ?
	    DB_ERROR : DB_OK;
	sodium_memzero(sk, sizeof(sk));
	return rc;
}

enum db_rc
ticketkey_code(struct db *db, int64_t ticket_id, int64_t now,
    char text[TICKETSIG_TEXT_LEN + 1])
{
	return code(db, ticket_id, now, 1, text);
}

enum db_rc
ticketkey_sign(struct db *db, int64_t ticket_id, int64_t now,
    char text[TICKETSIG_TEXT_LEN + 1])
{
	return code(db, ticket_id, now, 0, text);
}

enum db_rc
ticketkey_ensure_event(struct db *db, int64_t event_id, int64_t now)
{
	unsigned char	 sk[TICKETSIG_SK_LEN];
	struct db_stmt	*st;
	int64_t		 organizer_id = 0, id = 0;
	enum db_rc	 rc;

	/* Without secret_key nothing is signed: the short codes serve. */
	if (!seal_ready())
		return DB_OK;
	if ((st = db_stmt(db, stmts[STMT_EVENT_OWNER])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		organizer_id = db_col_int(st, 0);
	db_reset(st);
	if (rc != DB_OK)
		return rc;
	rc = live_key_made(db, organizer_id, now, &id, sk);
	sodium_memzero(sk, sizeof(sk));
	return rc;
}

/* Makes the live key of every organizer statement k finds (one at a
 * time, each in a transaction of its own). */
static enum db_rc
ensure_keyless(struct db *db, enum stmt k, int64_t user_id,
    const char *order_uid, int64_t now)
{
	unsigned char	 sk[TICKETSIG_SK_LEN];
	struct db_stmt	*st;
	int64_t		 organizer_id = 0, id = 0;
	enum db_rc	 rc = DB_OK;
	int		 round;

	if (!seal_ready() || db_in_tx(db))
		return DB_OK;
	/* Each round makes one key, so the look-up ends; bounded anyway. */
	for (round = 0; round < 64; round++) {
		if ((st = db_stmt(db, stmts[k])) == NULL ||
		    (order_uid != NULL ? db_bind_text(st, 1, order_uid) :
		    db_bind_int(st, 1, user_id)) == -1)
			return DB_ERROR;
		if ((rc = db_step(db, st)) == DB_OK)
			organizer_id = db_col_int(st, 0);
		db_reset(st);
		if (rc != DB_OK)
			break;
		rc = live_key_made(db, organizer_id, now, &id, sk);
		sodium_memzero(sk, sizeof(sk));
		if (rc != DB_OK)
			return rc;
	}
	return rc == DB_NOTFOUND ? DB_OK : rc;
}

enum db_rc
ticketkey_ensure_user(struct db *db, int64_t user_id, int64_t now)
{
	return ensure_keyless(db, STMT_KEYLESS_USER, user_id, NULL, now);
}

enum db_rc
ticketkey_ensure_order(struct db *db, const char *order_uid, int64_t now)
{
	if (order_uid == NULL)
		return DB_OK;
	return ensure_keyless(db, STMT_KEYLESS_ORDER, 0, order_uid, now);
}

int
ticketkey_public(struct db *db, uint32_t key_id, int64_t now,
    unsigned char pk[TICKETSIG_PK_LEN], int64_t *organizer_id)
{
	struct db_stmt	*st;
	const void	*p;
	size_t		 len = 0;
	enum db_rc	 rc;
	int		 found = 0;

	if ((st = db_stmt(db, stmts[STMT_PUBLIC])) == NULL ||
	    db_bind_int(st, 1, key_id) == -1 || db_bind_int(st, 2, now) == -1)
		return -1;
	if ((rc = db_step(db, st)) == DB_OK) {
		p = db_col_blob(st, 0, &len);
		if (p != NULL && len == TICKETSIG_PK_LEN) {
			memcpy(pk, p, TICKETSIG_PK_LEN);
			*organizer_id = db_col_int(st, 1);
			found = 1;
		}
	}
	db_reset(st);
	if (rc != DB_OK && rc != DB_NOTFOUND)
		return -1;
	return found;
}

enum db_rc
ticketkey_list(struct db *db, int64_t scanner_id, int64_t user_id,
    int64_t now, int (*fn)(void *, const struct ticketkey_info *), void *arg)
{
	struct ticketkey_info	 k;
	struct db_stmt		*st;
	const void		*p;
	size_t			 len;
	enum db_rc		 rc;

	if ((st = db_stmt(db, stmts[STMT_LIST])) == NULL ||
	    db_bind_int(st, 1, scanner_id) == -1 ||
	    db_bind_int(st, 2, user_id) == -1 ||
	    db_bind_int(st, 3, now) == -1)
		return DB_ERROR;
	while ((rc = db_step(db, st)) == DB_OK) {
		memset(&k, 0, sizeof(k));
		k.id = (uint32_t)db_col_int(st, 0);
		k.organizer_id = db_col_int(st, 1);
		p = db_col_blob(st, 2, &len);
		if (p == NULL || len != TICKETSIG_PK_LEN)
			continue;
		memcpy(k.public_key, p, len);
		k.created_at = db_col_int(st, 3);
		k.retired_at = db_col_int(st, 4);
		k.valid_until = db_col_int(st, 5);
		if (fn(arg, &k) != 0)
			break;
	}
	db_reset(st);
	return rc == DB_OK || rc == DB_NOTFOUND ? DB_OK : rc;
}

enum db_rc
ticketkey_rotate(struct db *db, int64_t organizer_id, int64_t now,
    uint32_t *new_id)
{
	struct db_stmt	*st;
	int64_t		 id = 0;
	enum db_rc	 rc;

	if ((rc = db_tx_immediate(db)) != DB_OK)
		return rc;
	if ((st = db_stmt(db, stmts[STMT_RETIRE])) == NULL ||
	    db_bind_int(st, 1, organizer_id) == -1 ||
	    db_bind_int(st, 2, now) == -1 ||
	    db_bind_int(st, 3, TICKETKEY_SLACK_SECONDS) == -1)
		rc = DB_ERROR;
	else if ((rc = db_exec(db, st)) == DB_OK &&
	    (rc = make_key(db, organizer_id, now, &id)) == DB_OK &&
	    id > UINT32_MAX)
		rc = DB_ERROR;
	if (rc == DB_OK && (rc = db_tx_commit(db)) == DB_OK) {
		*new_id = (uint32_t)id;
		return DB_OK;
	}
	db_tx_rollback(db);
	return rc;
}

/* One int64 from a statement taking at most one int parameter. */
static enum db_rc
one_int(struct db *db, int i, int64_t param, int64_t *out)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[i])) == NULL ||
	    (db_param_count(st) > 0 && db_bind_int(st, 1, param) == -1))
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		*out = db_col_int(st, 0);
	db_reset(st);
	return rc;
}

enum db_rc
ticketkey_rotate_all(struct db *db, int64_t now, int *count)
{
	int64_t		 max_id = 0, organizer_id;
	uint32_t	 id;
	enum db_rc	 rc;

	*count = 0;
	if ((rc = one_int(db, STMT_MAX_ID, 0, &max_id)) != DB_OK)
		return rc;
	/* Keys made by this loop have larger ids than max_id. */
	while ((rc = one_int(db, STMT_LIVE_OWNER, max_id, &organizer_id)) ==
	    DB_OK) {
		if ((rc = ticketkey_rotate(db, organizer_id, now, &id)) !=
		    DB_OK)
			return rc;
		(*count)++;
	}
	return rc == DB_NOTFOUND ? DB_OK : rc;
}
