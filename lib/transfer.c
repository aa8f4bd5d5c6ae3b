/*
 * Resending and transferring tickets (transfer.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit.h"
#include "crypto.h"
#include "db.h"
#include "limits.h"
#include "log.h"
#include "mail.h"
#include "seal.h"
#include "transfer.h"
#include "user.h"

/* What a link's token signs (seal_mac()'s purpose): not an order's. */
#define LINK_PURPOSE	"transferred ticket link"
#define CODE_RETRIES	100	/* fresh random short codes on collision */

enum stmt {
	STMT_RESEND_ORDER,
	STMT_RESENDS,
	STMT_SET_EMAIL,
	STMT_QUEUE,
	STMT_TICKET,
	STMT_CANCEL_OLD,
	STMT_INSERT_NEW,
	STMT_NEW_UID,
	STMT_LINK_OLD,
	STMT_FIND_HELD,
	STMT_FIND_IN_ORDER,
	STMT_FIND_UID,
	STMT__MAX
};

static const char *const stmts[STMT__MAX] = {
	/* The order, its organizer, and whether the buyer still has a
	 * ticket to send (lib/ticketmail sends only those). */
	[STMT_RESEND_ORDER] =
	    "SELECT o.status, coalesce(o.email, ''), coalesce(e.organizer_id,"
	    " 0), EXISTS (SELECT 1 FROM tickets t WHERE t.order_id = o.id"
	    " AND t.status = 'valid' AND t.holder_email IS NULL),"
	    " coalesce(o.locale, '')"
	    " FROM orders o JOIN events e ON e.id = o.event_id WHERE o.id = ?1",
	/* The resends within the window: every ticket mail of the order
	 * but its first, which paying queued (outbox_order answers). */
	[STMT_RESENDS] =
	    "SELECT count(*), coalesce(min(created_at), 0) FROM outbox"
	    " WHERE order_id = ?1 AND kind = 'tickets' AND created_at > ?2"
	    " AND id > (SELECT min(id) FROM outbox WHERE order_id = ?1"
	    " AND kind = 'tickets')",
	[STMT_SET_EMAIL] =
	    "UPDATE orders SET email = ?2, updated_at = ?3 WHERE id = ?1",
	[STMT_QUEUE] =
	    "INSERT INTO outbox (kind, order_id, recipient, locale, payload,"
	    " next_attempt_at, created_at)"
	    " VALUES (?1, ?2, ?3, nullif(?4, ''), ?5, ?6, ?6)",
	[STMT_TICKET] =
	    "SELECT t.id, t.order_id, t.event_id, t.ticket_type_id, t.price,"
	    " t.seat_id, t.status, t.times_used, t.transferred_to IS NOT NULL,"
	    " t.transfers, o.status, e.transfers_allowed,"
	    " e.transfer_cutoff_hours, coalesce(e.transfers_max, 0),"
	    " e.event_at, coalesce(e.organizer_id, 0),"
	    " coalesce(t.holder_email, o.email, ''),"
	    " coalesce(t.attendee_name, o.buyer_name, ''), t.external_id,"
	    " coalesce(o.locale, '')"
	    " FROM tickets t JOIN orders o ON o.id = t.order_id"
	    " JOIN events e ON e.id = t.event_id WHERE t.id = ?1",
	[STMT_CANCEL_OLD] =
	    "UPDATE tickets SET status = 'cancelled', transferred_at = ?2"
	    " WHERE id = ?1 AND status = 'valid' AND times_used = 0"
	    " AND transferred_to IS NULL",
	/* The same sale, another holder: an account with the address (if
	 * any, and active) sees it in its my-tickets. */
	[STMT_INSERT_NEW] =
	    "INSERT INTO tickets (order_id, event_id, ticket_type_id, price,"
	    " seat_id, external_id, secret, created_at, attendee_name,"
	    " holder_email, holder_user_id, transfers)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
	    " (SELECT id FROM users WHERE email = ?10 AND is_active = 1), ?11)"
	    " RETURNING id",
	[STMT_NEW_UID] = "SELECT uid FROM tickets WHERE id = ?1",
	[STMT_LINK_OLD] =
	    "UPDATE tickets SET transferred_to = ?2 WHERE id = ?1",
	/* As lib/wallet lists a user's tickets. */
	[STMT_FIND_HELD] =
	    "SELECT t.id FROM tickets t JOIN orders o ON o.id = t.order_id"
	    " WHERE t.uid = ?1 AND ((o.user_id = ?2 AND t.holder_email IS NULL)"
	    " OR t.holder_user_id = ?2)",
	[STMT_FIND_IN_ORDER] =
	    "SELECT id FROM tickets WHERE uid = ?1 AND order_id = ?2"
	    " AND (?3 OR holder_email IS NULL)",
	[STMT_FIND_UID] = "SELECT id FROM tickets WHERE uid = ?1",
};

_Static_assert(sizeof(stmts) / sizeof(stmts[0]) == STMT__MAX,
    "one SQL text per statement");

/* Queues one mail of kind about order_id (payload may be NULL). */
static enum db_rc
queue(struct db *db, int64_t now, const char *kind, int64_t order_id,
    const char *recipient, const char *locale, const char *payload)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_QUEUE])) == NULL ||
	    db_bind_text(st, 1, kind) == -1 ||
	    db_bind_int(st, 2, order_id) == -1 ||
	    db_bind_text(st, 3, recipient) == -1 ||
	    db_bind_text(st, 4, locale) == -1 ||
	    (payload != NULL ? db_bind_text(st, 5, payload) :
	    db_bind_null(st, 5)) == -1 ||
	    db_bind_int(st, 6, now) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

/*
 * How many resends order_id had since now - RESEND_WINDOW; *oldest the
 * time of the first of them (0: none).
 */
static enum db_rc
resends(struct db *db, int64_t now, int64_t order_id, int64_t *n,
    int64_t *oldest)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	*n = *oldest = 0;
	if ((st = db_stmt(db, stmts[STMT_RESENDS])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1 ||
	    db_bind_int(st, 2, now - RESEND_WINDOW) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		*n = db_col_int(st, 0);
		*oldest = db_col_int(st, 1);
	}
	db_reset(st);
	return rc;
}

/* The audit row of a resend: to whom, and the address before. */
static enum db_rc
audit_resend(struct db *db, int64_t now, int64_t by_user_id,
    int64_t organizer_id, int64_t order_id, const char *was,
    const char *to)
{
	cJSON		*before = cJSON_CreateObject();
	cJSON		*after = cJSON_CreateObject();
	enum db_rc	 rc = DB_ERROR;

	if (before != NULL && after != NULL &&
	    cJSON_AddStringToObject(before, "email", was) != NULL &&
	    cJSON_AddStringToObject(after, "email", to) != NULL)
		rc = audit_record(db, now, by_user_id, organizer_id, "order",
		    order_id, "resend_tickets", before, after);
	cJSON_Delete(before);
	cJSON_Delete(after);
	return rc;
}

/* Decides and queues a resend inside the open write transaction. */
static enum err
resend_tx(struct db *db, int64_t now, int64_t order_id, const char *email,
    int64_t by_user_id, int64_t *retry_after)
{
	struct db_stmt	*st;
	char		 was[EMAIL_MAX + 1], to[EMAIL_MAX + 1];
	char		 locale[8], status[24];
	int64_t		 organizer_id, n, oldest;
	int		 has_tickets;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_RESEND_ORDER])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1)
		return ERR_INTERNAL;
	if ((rc = db_step(db, st)) == DB_OK) {
		snprintf(status, sizeof(status), "%s", db_col_text(st, 0));
		snprintf(was, sizeof(was), "%s", db_col_text(st, 1));
		organizer_id = db_col_int(st, 2);
		has_tickets = (int)db_col_int(st, 3);
		snprintf(locale, sizeof(locale), "%s", db_col_text(st, 4));
	}
	db_reset(st);
	if (rc == DB_NOTFOUND)
		return ERR_ORDER_NOT_FOUND;
	if (rc != DB_OK)
		return err_from_db(rc);
	if (strcmp(status, "paid") != 0 || !has_tickets)
		return ERR_ORDER_STATE;
	if ((rc = resends(db, now, order_id, &n, &oldest)) != DB_OK)
		return err_from_db(rc);
	if (n >= RESEND_PER_WINDOW) {
		*retry_after = oldest + RESEND_WINDOW - now;
		if (*retry_after < 1)
			*retry_after = 1;
		return ERR_RESEND_LIMIT;
	}
	if (email != NULL && (strlen(email) > EMAIL_MAX ||
	    !mail_addr_valid(email)))
		return ERR_BAD_REQUEST;
	snprintf(to, sizeof(to), "%s", email != NULL ? email : was);
	user_fold_email(to);
	if (to[0] == '\0')
		return ERR_BAD_REQUEST;
	if (email != NULL && strcmp(to, was) != 0 &&
	    ((st = db_stmt(db, stmts[STMT_SET_EMAIL])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1 ||
	    db_bind_text(st, 2, to) == -1 || db_bind_int(st, 3, now) == -1 ||
	    (rc = db_exec(db, st)) != DB_OK))
		return st == NULL ? ERR_INTERNAL : err_from_db(rc);
	if ((rc = queue(db, now, "tickets", order_id, to, locale, NULL)) !=
	    DB_OK || (rc = audit_resend(db, now, by_user_id, organizer_id,
	    order_id, was, to)) != DB_OK)
		return err_from_db(rc);
	return ERR_OK;
}

enum err
transfer_resend(struct db *db, int64_t now, int64_t order_id,
    const char *email, int64_t by_user_id, int64_t *retry_after)
{
	enum db_rc	 rc;
	enum err	 e;

	*retry_after = 0;
	if ((rc = db_tx_immediate(db)) != DB_OK)
		return err_from_db(rc);
	if ((e = resend_tx(db, now, order_id, email, by_user_id,
	    retry_after)) != ERR_OK) {
		db_tx_rollback(db);
		return e;
	}
	if ((rc = db_tx_commit(db)) != DB_OK) {
		db_tx_rollback(db);
		return err_from_db(rc);
	}
	log_info("order %lld: tickets sent again (by user %lld)",
	    (long long)order_id, (long long)by_user_id);
	return ERR_OK;
}

/* The ticket a transfer starts from, as STMT_TICKET reads it. */
struct old_ticket {
	int64_t	 id, order_id, event_id, type_id, price, seat_id;
	int64_t	 times_used, transfers, cutoff_hours, max, event_at;
	int64_t	 organizer_id;
	int	 valid, transferred, paid, allowed;
	char	 email[EMAIL_MAX + 1];
	char	 name[BUYER_NAME_MAX + 1];
	char	 code[EXTERNAL_ID_LEN + 1];
	char	 locale[8];
};

static enum db_rc
load_old(struct db *db, int64_t id, struct old_ticket *t)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	memset(t, 0, sizeof(*t));
	if ((st = db_stmt(db, stmts[STMT_TICKET])) == NULL ||
	    db_bind_int(st, 1, id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		t->id = db_col_int(st, 0);
		t->order_id = db_col_int(st, 1);
		t->event_id = db_col_int(st, 2);
		t->type_id = db_col_int(st, 3);
		t->price = db_col_int(st, 4);
		t->seat_id = db_col_isnull(st, 5) ? 0 : db_col_int(st, 5);
		t->valid = strcmp(db_col_text(st, 6), "valid") == 0;
		t->times_used = db_col_int(st, 7);
		t->transferred = (int)db_col_int(st, 8);
		t->transfers = db_col_int(st, 9);
		t->paid = strcmp(db_col_text(st, 10), "paid") == 0;
		t->allowed = (int)db_col_int(st, 11);
		t->cutoff_hours = db_col_int(st, 12);
		t->max = db_col_int(st, 13);
		t->event_at = db_col_int(st, 14);
		t->organizer_id = db_col_int(st, 15);
		snprintf(t->email, sizeof(t->email), "%s", db_col_text(st, 16));
		snprintf(t->name, sizeof(t->name), "%s", db_col_text(st, 17));
		snprintf(t->code, sizeof(t->code), "%s", db_col_text(st, 18));
		snprintf(t->locale, sizeof(t->locale), "%s",
		    db_col_text(st, 19));
	}
	db_reset(st);
	return rc;
}

/* Why t may not be transferred at now, or ERR_OK.  The ticket's own
 * state first: a used or transferred ticket says so whatever the event
 * allows. */
static enum err
refusal(const struct old_ticket *t, int64_t now)
{
	if (t->transferred)
		return ERR_TICKET_TRANSFERRED;
	if (!t->valid || !t->paid)
		return ERR_TICKET_INVALID;
	if (t->times_used > 0)
		return ERR_TICKET_USED;
	if (!t->allowed)
		return ERR_TRANSFER_NOT_ALLOWED;
	if (now > t->event_at - t->cutoff_hours * 3600)
		return ERR_TRANSFER_CLOSED;
	if (t->max > 0 && t->transfers >= t->max)
		return ERR_TRANSFER_LIMIT;
	return ERR_OK;
}

/* Issues the new ticket of t for name and email, retrying short codes
 * that are taken; sets out's id, uid and code. */
static enum db_rc
issue_new(struct db *db, int64_t now, const struct old_ticket *t,
    const char *name, const char *email, struct transfer_done *out)
{
	struct db_stmt	*st;
	char		 secret[33];
	enum db_rc	 rc = DB_CONSTRAINT;
	int		 tries;

	crypto_random_hex(secret, 16);
	for (tries = 0; tries < CODE_RETRIES && rc == DB_CONSTRAINT; tries++) {
		crypto_random_letters(out->code, EXTERNAL_ID_LEN);
		if ((st = db_stmt(db, stmts[STMT_INSERT_NEW])) == NULL ||
		    db_bind_int(st, 1, t->order_id) == -1 ||
		    db_bind_int(st, 2, t->event_id) == -1 ||
		    db_bind_int(st, 3, t->type_id) == -1 ||
		    db_bind_int(st, 4, t->price) == -1 ||
		    (t->seat_id > 0 ? db_bind_int(st, 5, t->seat_id) :
		    db_bind_null(st, 5)) == -1 ||
		    db_bind_text(st, 6, out->code) == -1 ||
		    db_bind_text(st, 7, secret) == -1 ||
		    db_bind_int(st, 8, now) == -1 ||
		    db_bind_text(st, 9, name) == -1 ||
		    db_bind_text(st, 10, email) == -1 ||
		    db_bind_int(st, 11, t->transfers + 1) == -1)
			return DB_ERROR;
		rc = db_insert_id(db, st, &out->new_id);
	}
	if (rc != DB_OK)
		return rc;
	/* The uid comes from the tickets_uid trigger (sql/021). */
	if ((st = db_stmt(db, stmts[STMT_NEW_UID])) == NULL ||
	    db_bind_int(st, 1, out->new_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK)
		snprintf(out->uid, sizeof(out->uid), "%s", db_col_text(st, 0));
	db_reset(st);
	return rc == DB_NOTFOUND ? DB_ERROR : rc;
}

/* The audit row of a transfer: the ticket before and after. */
static enum db_rc
audit_transfer(struct db *db, int64_t now, int64_t by_user_id,
    const struct old_ticket *t, const struct transfer_done *out,
    const char *name, const char *email)
{
	cJSON		*before = cJSON_CreateObject();
	cJSON		*after = cJSON_CreateObject();
	enum db_rc	 rc = DB_ERROR;

	if (before != NULL && after != NULL &&
	    cJSON_AddNumberToObject(before, "ticket", (double)t->id) &&
	    cJSON_AddStringToObject(before, "ticket_number", t->code) &&
	    cJSON_AddStringToObject(before, "attendee_name", t->name) &&
	    cJSON_AddStringToObject(before, "email", t->email) &&
	    cJSON_AddNumberToObject(after, "ticket", (double)out->new_id) &&
	    cJSON_AddStringToObject(after, "ticket_number", out->code) &&
	    cJSON_AddStringToObject(after, "attendee_name", name) &&
	    cJSON_AddStringToObject(after, "email", email) &&
	    cJSON_AddNumberToObject(after, "transfers",
	    (double)(t->transfers + 1)))
		rc = audit_record(db, now, by_user_id, t->organizer_id,
		    "ticket", t->id, "transfer", before, after);
	cJSON_Delete(before);
	cJSON_Delete(after);
	return rc;
}

/* The transfer inside the open write transaction. */
static enum err
transfer_tx(struct db *db, int64_t now, int64_t ticket_id, const char *name,
    const char *email, int64_t by_user_id, struct transfer_done *out)
{
	struct old_ticket	 t;
	struct db_stmt		*st;
	char			 payload[24];
	enum db_rc		 rc;
	enum err		 e;

	if ((rc = load_old(db, ticket_id, &t)) != DB_OK)
		return rc == DB_NOTFOUND ? ERR_TICKET_NOT_FOUND :
		    err_from_db(rc);
	if ((e = refusal(&t, now)) != ERR_OK)
		return e;
	/* The old ticket lets go of its seat before the new one takes it
	 * (the tickets_seat index allows one valid ticket per seat). */
	if ((st = db_stmt(db, stmts[STMT_CANCEL_OLD])) == NULL ||
	    db_bind_int(st, 1, t.id) == -1 || db_bind_int(st, 2, now) == -1)
		return ERR_INTERNAL;
	if ((rc = db_exec(db, st)) != DB_OK)
		return err_from_db(rc);
	if (db_changes(db) != 1)
		return ERR_INTERNAL;	/* load_old saw it valid, same tx */
	out->old_id = t.id;
	out->order_id = t.order_id;
	if ((rc = issue_new(db, now, &t, name, email, out)) != DB_OK)
		return err_from_db(rc == DB_CONSTRAINT ? DB_ERROR : rc);
	if ((st = db_stmt(db, stmts[STMT_LINK_OLD])) == NULL ||
	    db_bind_int(st, 1, t.id) == -1 ||
	    db_bind_int(st, 2, out->new_id) == -1)
		return ERR_INTERNAL;
	if ((rc = db_exec(db, st)) != DB_OK)
		return err_from_db(rc);
	snprintf(payload, sizeof(payload), "%lld", (long long)out->new_id);
	if ((rc = queue(db, now, "ticket_transferred", t.order_id, email,
	    t.locale, payload)) != DB_OK ||
	    (t.email[0] != '\0' && (rc = queue(db, now, "transfer_notice",
	    t.order_id, t.email, t.locale, payload)) != DB_OK) ||
	    (rc = audit_transfer(db, now, by_user_id, &t, out, name,
	    email)) != DB_OK)
		return err_from_db(rc);
	return ERR_OK;
}

enum err
transfer_ticket(struct db *db, int64_t now, int64_t ticket_id,
    const char *name, const char *email, int64_t by_user_id,
    struct transfer_done *out)
{
	char		 to[EMAIL_MAX + 1];
	enum db_rc	 rc;
	enum err	 e;

	memset(out, 0, sizeof(*out));
	if ((size_t)snprintf(to, sizeof(to), "%s", email) >= sizeof(to))
		return ERR_BAD_REQUEST;
	user_fold_email(to);
	if ((rc = db_tx_immediate(db)) != DB_OK)
		return err_from_db(rc);
	if ((e = transfer_tx(db, now, ticket_id, name, to, by_user_id,
	    out)) != ERR_OK) {
		db_tx_rollback(db);
		return e;
	}
	if ((rc = db_tx_commit(db)) != DB_OK) {
		db_tx_rollback(db);
		return err_from_db(rc);
	}
	log_info("ticket %lld transferred: now ticket %lld (by user %lld)",
	    (long long)out->old_id, (long long)out->new_id,
	    (long long)by_user_id);
	return ERR_OK;
}

/* The id of the first row st yields (bound by the caller). */
static enum db_rc
first_id(struct db *db, struct db_stmt *st, int64_t *id)
{
	enum db_rc	 rc;

	if ((rc = db_step(db, st)) == DB_OK)
		*id = db_col_int(st, 0);
	db_reset(st);
	return rc;
}

enum db_rc
transfer_find_held(struct db *db, const char *uid, int64_t user_id,
    int64_t *ticket_id)
{
	struct db_stmt	*st;

	if (uid == NULL || strlen(uid) != UUID_LEN || user_id <= 0)
		return DB_NOTFOUND;
	if ((st = db_stmt(db, stmts[STMT_FIND_HELD])) == NULL ||
	    db_bind_text(st, 1, uid) == -1 || db_bind_int(st, 2, user_id) == -1)
		return DB_ERROR;
	return first_id(db, st, ticket_id);
}

enum db_rc
transfer_find_in_order(struct db *db, int64_t order_id, const char *uid,
    int all, int64_t *ticket_id)
{
	struct db_stmt	*st;

	if (uid == NULL || strlen(uid) != UUID_LEN)
		return DB_NOTFOUND;
	if ((st = db_stmt(db, stmts[STMT_FIND_IN_ORDER])) == NULL ||
	    db_bind_text(st, 1, uid) == -1 ||
	    db_bind_int(st, 2, order_id) == -1 ||
	    db_bind_int(st, 3, all != 0) == -1)
		return DB_ERROR;
	return first_id(db, st, ticket_id);
}

enum db_rc
transfer_find_uid(struct db *db, const char *uid, int64_t *ticket_id)
{
	struct db_stmt	*st;

	if (uid == NULL || strlen(uid) != UUID_LEN)
		return DB_NOTFOUND;
	if ((st = db_stmt(db, stmts[STMT_FIND_UID])) == NULL ||
	    db_bind_text(st, 1, uid) == -1)
		return DB_ERROR;
	return first_id(db, st, ticket_id);
}

int
transfer_link_token(const char *ticket_uid,
    char token[TRANSFER_TOKEN_LEN + 1])
{
	char	 mac[SEAL_MAC_HEX_LEN + 1];

	if (seal_mac(LINK_PURPOSE, ticket_uid, strlen(ticket_uid), mac) == -1)
		return -1;
	memcpy(token, mac, TRANSFER_TOKEN_LEN);
	token[TRANSFER_TOKEN_LEN] = '\0';
	return 0;
}

int
transfer_link_valid(const char *ticket_uid, const char *token)
{
	char	 want[TRANSFER_TOKEN_LEN + 1];

	if (ticket_uid == NULL || token == NULL ||
	    strlen(ticket_uid) != UUID_LEN ||
	    strlen(token) != TRANSFER_TOKEN_LEN ||
	    transfer_link_token(ticket_uid, want) == -1)
		return 0;
	return crypto_streq(want, token);
}

int
transfer_link_url(const char *public_url, const char *ticket_uid,
    char *buf, size_t bufsz)
{
	char	 token[TRANSFER_TOKEN_LEN + 1];

	if (ticket_uid == NULL || transfer_link_token(ticket_uid, token) == -1)
		return -1;
	return (size_t)snprintf(buf, bufsz, "%s/tickets/ticket/%s/%s",
	    public_url, ticket_uid, token) < bufsz ? 0 : -1;
}
