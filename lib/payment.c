/*
 * Payment bookkeeping and the callback state machine.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>


#include "crypto.h"
#include "db.h"
#include "log.h"
#include "order.h"
#include "payment.h"
#include "session.h"
#include "swish.h"

enum stmt {
	STMT_OPEN_PAYMENT,
	STMT_EVENT_MESSAGE,
	STMT_INSERT,
	STMT_SET_TOKEN,
	STMT_SET_FAILED,
	STMT_BY_REF,
	STMT_BY_TOKEN,
	STMT_PAID_OF_ORDER,
	STMT_OPEN_OF_ORDER,
	STMT_EVENT_UPSERT,
	STMT_MARK_PAID,
	STMT_MARK_ENDED,
	STMT_REFUND_INSERT,
	STMT_REFUND_RESULT,
	STMT_LIST_OPEN,
	STMT_LIST_REFUNDS,
	STMT__MAX
};

#define PAYMENT_COLS \
	"id, order_id, amount, status, coalesce(provider_ref, '')," \
	" coalesce(token, ''), coalesce(callback_hash, '')," \
	" coalesce(payment_reference, '')"

static const char *const stmts[STMT__MAX] = {
	[STMT_OPEN_PAYMENT] =
	    "SELECT id, coalesce(token, '') FROM payments"
	    " WHERE order_id = ?1 AND provider = 'swish'"
	    " AND status IN ('created', 'pending') ORDER BY id DESC LIMIT 1",
	[STMT_EVENT_MESSAGE] =
	    "SELECT e.swish_message, e.reservation_seconds FROM events e"
	    " JOIN orders o ON o.event_id = e.id WHERE o.id = ?1",
	[STMT_INSERT] =
	    "INSERT INTO payments (order_id, provider, provider_ref,"
	    " callback_hash, status, amount, created_at, updated_at)"
	    " VALUES (?1, 'swish', ?2, ?3, 'created', ?4, ?5, ?5)",
	[STMT_SET_TOKEN] =
	    "UPDATE payments SET token = ?2, updated_at = strftime('%s','now')"
	    " WHERE id = ?1",
	[STMT_SET_FAILED] =
	    "UPDATE payments SET status = 'error', error_code = ?2,"
	    " updated_at = strftime('%s','now') WHERE id = ?1",
	[STMT_BY_REF] =
	    "SELECT " PAYMENT_COLS " FROM payments"
	    " WHERE provider = 'swish' AND provider_ref = ?1",
	[STMT_BY_TOKEN] =
	    "SELECT " PAYMENT_COLS " FROM payments WHERE token = ?1",
	[STMT_PAID_OF_ORDER] =
	    "SELECT " PAYMENT_COLS " FROM payments"
	    " WHERE order_id = ?1 AND status = 'paid' ORDER BY id LIMIT 1",
	[STMT_OPEN_OF_ORDER] =
	    "SELECT " PAYMENT_COLS " FROM payments WHERE order_id = ?1"
	    " AND status IN ('created', 'pending') ORDER BY id DESC LIMIT 1",
	[STMT_EVENT_UPSERT] =
	    "INSERT INTO provider_events (provider, event_key, payment_id,"
	    " verified, outcome, body, received_at, last_received_at)"
	    " VALUES ('swish', ?1, nullif(?2, 0), ?3, ?4, ?5, ?6, ?6)"
	    " ON CONFLICT (provider, event_key) DO UPDATE SET"
	    " times_received = times_received + 1, last_received_at = ?6,"
	    " verified = max(verified, excluded.verified)",
	[STMT_MARK_PAID] =
	    "UPDATE payments SET status = 'paid', payment_reference = ?2,"
	    " paid_at = ?3, updated_at = ?3 WHERE id = ?1",
	[STMT_MARK_ENDED] =
	    "UPDATE payments SET status = ?2, error_code = ?3, updated_at = ?4"
	    " WHERE id = ?1 AND status IN ('created', 'pending')",
	[STMT_REFUND_INSERT] =
	    "INSERT INTO refunds (payment_id, provider_ref, amount, reason,"
	    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
	[STMT_REFUND_RESULT] =
	    "UPDATE refunds SET status = ?2, error = ?3,"
	    " updated_at = strftime('%s','now') WHERE id = ?1",
	[STMT_LIST_OPEN] =
	    "SELECT p.id, p.provider_ref, o.holds_seats FROM payments p"
	    " JOIN orders o ON o.id = p.order_id"
	    " WHERE p.provider = 'swish' AND p.status IN ('created', 'pending')"
	    " AND p.token IS NOT NULL"
	    " AND (o.holds_seats = 0 OR o.status <> 'reserved'"
	    " OR p.created_at < ?1) ORDER BY p.id LIMIT ?2",
	[STMT_LIST_REFUNDS] =
	    "SELECT r.id, r.amount, r.provider_ref, p.payment_reference"
	    " FROM refunds r JOIN payments p ON p.id = r.payment_id"
	    " WHERE r.status IN ('requested', 'error') ORDER BY r.id LIMIT ?1",
};

static enum db_rc
find(struct db *db, int k, const char *key, int64_t id, struct payment *out)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	memset(out, 0, sizeof(*out));
	if ((st = db_stmt(db, stmts[k])) == NULL ||
	    (key != NULL ? db_bind_text(st, 1, key) : db_bind_int(st, 1, id))
	    == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		out->id = db_col_int(st, 0);
		out->order_id = db_col_int(st, 1);
		out->amount = db_col_int(st, 2);
		snprintf(out->status, sizeof(out->status), "%s",
		    db_col_text(st, 3));
		snprintf(out->provider_ref, sizeof(out->provider_ref), "%s",
		    db_col_text(st, 4));
		snprintf(out->token, sizeof(out->token), "%s",
		    db_col_text(st, 5));
		snprintf(out->callback_hash, sizeof(out->callback_hash), "%s",
		    db_col_text(st, 6));
		snprintf(out->payment_reference,
		    sizeof(out->payment_reference), "%s", db_col_text(st, 7));
	}
	db_reset(st);
	return rc;
}

enum db_rc
pay_find_swish(struct db *db, const char *instruction_id, struct payment *out)
{
	return find(db, STMT_BY_REF, instruction_id, 0, out);
}

enum db_rc
pay_find_by_token(struct db *db, const char *token, struct payment *out)
{
	return find(db, STMT_BY_TOKEN, token, 0, out);
}

enum db_rc
pay_find_open(struct db *db, int64_t order_id, struct payment *out)
{
	return find(db, STMT_OPEN_OF_ORDER, NULL, order_id, out);
}

enum db_rc
pay_find_paid(struct db *db, int64_t order_id, struct payment *out)
{
	return find(db, STMT_PAID_OF_ORDER, NULL, order_id, out);
}

/*
 * Makes sure the order holds its seats with time to pay: a lapsed hold
 * is re-taken if seats remain (else SESSION_EXPIRED), and the expiry is
 * pushed to at least now + PAYMENT_HOLD_MIN.
 */
static enum err
ensure_hold(struct db *db, int64_t now, struct order *o, int64_t hold_seconds)
{
	enum db_rc	 rc;
	int64_t		 until;
	int		 lapsed;

	if (o->status == ORDER_RESERVED)
		lapsed = o->expires_at <= now;	/* lapsed, seats still ours */
	else if (o->status == ORDER_EXPIRED || o->status == ORDER_CANCELLED) {
		if ((rc = order_retake_seats(db, o->id)) == DB_CONSTRAINT)
			return ERR_SESSION_EXPIRED;
		if (rc != DB_OK)
			return err_from_db(rc);
		o->status = ORDER_RESERVED;
		lapsed = 1;
	} else
		return ERR_SESSION_EXPIRED;

	/* A re-reservation starts a new hold, as upstream does. */
	if (lapsed)
		until = now + (hold_seconds > PAYMENT_HOLD_MIN ?
		    hold_seconds : PAYMENT_HOLD_MIN);
	else
		until = o->expires_at > now + PAYMENT_HOLD_MIN ?
		    o->expires_at : now + PAYMENT_HOLD_MIN;
	if (until != o->expires_at) {
		if ((rc = order_set_expiry(db, o->id, until)) != DB_OK)
			return err_from_db(rc);
		o->expires_at = until;
	}
	return ERR_OK;
}

/* Reads the event's Swish message and hold time for an order. */
static enum db_rc
event_message(struct db *db, int64_t order_id, char *msg, size_t msgsz,
    int64_t *hold_seconds)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_EVENT_MESSAGE])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		snprintf(msg, msgsz, "%s", db_col_text(st, 0));
		*hold_seconds = db_col_int(st, 1);
	}
	db_reset(st);
	return rc;
}

enum err
pay_begin(struct db *db, int64_t now, int64_t order_id, const char *email,
    struct pay_start *out)
{
	struct db_stmt	*st;
	struct order	 o;
	char		 hash[TOKEN_HASH_HEX_LEN + 1];
	int64_t		 hold = 0;
	enum db_rc	 rc;
	enum err	 e;

	memset(out, 0, sizeof(*out));
	if ((rc = db_tx_immediate(db)) != DB_OK)
		return err_from_db(rc);
	if ((rc = order_load(db, order_id, &o)) == DB_NOTFOUND) {
		e = ERR_INVALID_SESSION;
		goto fail;
	} else if (rc != DB_OK)
		goto dbfail;
	if (o.status == ORDER_PAID || o.status == ORDER_REFUNDED ||
	    o.status == ORDER_PARTIALLY_REFUNDED) {
		e = ERR_ALREADY_PAID;
		goto fail;
	}
	if ((rc = event_message(db, o.id, out->message, sizeof(out->message),
	    &hold)) != DB_OK)
		goto dbfail;
	if ((e = ensure_hold(db, now, &o, hold)) != ERR_OK)
		goto fail;

	/* A request already open: the same token again (upstream). */
	if ((st = db_stmt(db, stmts[STMT_OPEN_PAYMENT])) == NULL ||
	    db_bind_int(st, 1, o.id) == -1)
		goto dbfail_internal;
	if ((rc = db_step(db, st)) == DB_OK) {
		out->payment_id = db_col_int(st, 0);
		snprintf(out->token, sizeof(out->token), "%s",
		    db_col_text(st, 1));
		out->existing = 1;
	}
	db_reset(st);
	if (rc != DB_OK && rc != DB_NOTFOUND)
		goto dbfail;
	if (out->existing && out->token[0] == '\0') {
		/* Another request is creating it right now. */
		e = ERR_BUSY;
		goto fail;
	}

	if (!out->existing) {
		swish_new_id(out->instruction_id);
		crypto_token(out->callback_identifier);
		crypto_token_hash(out->callback_identifier, hash);
		if ((st = db_stmt(db, stmts[STMT_INSERT])) == NULL ||
		    db_bind_int(st, 1, o.id) == -1 ||
		    db_bind_text(st, 2, out->instruction_id) == -1 ||
		    db_bind_text(st, 3, hash) == -1 ||
		    db_bind_int(st, 4, o.total) == -1 ||
		    db_bind_int(st, 5, now) == -1)
			goto dbfail_internal;
		if ((rc = db_exec(db, st)) != DB_OK)
			goto dbfail;
		out->payment_id = db_last_id(db);
	}
	out->order_id = o.id;
	out->amount = o.total;
	snprintf(out->reference, sizeof(out->reference), "%s", o.code);
	if ((rc = order_set_payment_started(db, o.id, email, 1)) != DB_OK ||
	    (rc = db_tx_commit(db)) != DB_OK)
		goto dbfail;
	return ERR_OK;
dbfail_internal:
	rc = DB_ERROR;
dbfail:
	e = err_from_db(rc);
fail:
	db_tx_rollback(db);
	return e;
}

enum err
pay_created(struct db *db, int64_t payment_id, const char *token)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_SET_TOKEN])) == NULL ||
	    db_bind_int(st, 1, payment_id) == -1 ||
	    db_bind_text(st, 2, token) == -1)
		return ERR_INTERNAL;
	return (rc = db_exec(db, st)) == DB_OK ? ERR_OK : err_from_db(rc);
}

enum err
pay_create_failed(struct db *db, int64_t payment_id, int64_t order_id,
    const char *reason)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((rc = db_tx_immediate(db)) != DB_OK)
		return err_from_db(rc);
	if ((st = db_stmt(db, stmts[STMT_SET_FAILED])) == NULL ||
	    db_bind_int(st, 1, payment_id) == -1 ||
	    db_bind_text(st, 2, reason) == -1 ||
	    (rc = db_exec(db, st)) != DB_OK ||
	    (rc = order_set_payment_started(db, order_id, NULL, 0)) != DB_OK ||
	    (rc = db_tx_commit(db)) != DB_OK) {
		db_tx_rollback(db);
		return ERR_INTERNAL;
	}
	return ERR_OK;
}

enum db_rc
pay_record_event(struct db *db, int64_t now, const char *event_key,
    int64_t payment_id, int verified, const char *outcome, const char *body)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_EVENT_UPSERT])) == NULL ||
	    db_bind_text(st, 1, event_key) == -1 ||
	    db_bind_int(st, 2, payment_id) == -1 ||
	    db_bind_int(st, 3, verified) == -1 ||
	    db_bind_text(st, 4, outcome) == -1 ||
	    db_bind_text(st, 5, body != NULL ? body : "") == -1 ||
	    db_bind_int(st, 6, now) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

/* Records a refund to send for payment p, in the open transaction. */
static enum db_rc
plan_refund(struct db *db, int64_t now, const struct payment *p,
    const char *reason, struct pay_effect *effect)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	swish_new_id(effect->refund_instruction);
	if ((st = db_stmt(db, stmts[STMT_REFUND_INSERT])) == NULL ||
	    db_bind_int(st, 1, p->id) == -1 ||
	    db_bind_text(st, 2, effect->refund_instruction) == -1 ||
	    db_bind_int(st, 3, p->amount) == -1 ||
	    db_bind_text(st, 4, reason) == -1 ||
	    db_bind_int(st, 5, now) == -1)
		return DB_ERROR;
	if ((rc = db_exec(db, st)) != DB_OK)
		return rc;
	effect->refund_needed = 1;
	effect->refund_id = db_last_id(db);
	effect->refund_amount = p->amount;
	return DB_OK;
}

/* PAID: pay the order exactly once, or refund what cannot be honoured. */
static enum db_rc
apply_paid(struct db *db, int64_t now, const struct payment *p,
    const struct swish_payment *c, struct pay_effect *effect)
{
	struct order	 o;
	struct db_stmt	*st;
	enum db_rc	 rc;

	if (strcmp(p->status, "paid") == 0) {
		effect->outcome = "duplicate: already paid";
		return DB_OK;
	}
	if (c->amount != p->amount) {
		/* Swish charged what we asked; anything else needs a human. */
		log_err("payment %lld: Swish says %lld öre, we asked %lld",
		    (long long)p->id, (long long)c->amount,
		    (long long)p->amount);
		effect->outcome = "rejected: amount mismatch";
		return DB_OK;
	}
	if ((st = db_stmt(db, stmts[STMT_MARK_PAID])) == NULL ||
	    db_bind_int(st, 1, p->id) == -1 ||
	    db_bind_text(st, 2, c->payment_reference) == -1 ||
	    db_bind_int(st, 3, now) == -1)
		return DB_ERROR;
	if ((rc = db_exec(db, st)) != DB_OK)
		return rc;
	snprintf(effect->payment_reference, sizeof(effect->payment_reference),
	    "%s", c->payment_reference);
	if ((rc = order_load(db, p->order_id, &o)) != DB_OK)
		return rc;

	if (o.status == ORDER_RESERVED) {
		effect->outcome = "paid";
		effect->tickets_issued = 1;
		return order_mark_paid(db, o.id, now, NULL);
	}
	if (o.status == ORDER_EXPIRED || o.status == ORDER_CANCELLED) {
		/* Paid after the hold lapsed: honour it if seats remain. */
		if ((rc = order_retake_seats(db, o.id)) == DB_OK) {
			effect->outcome = "paid late: honoured";
			effect->tickets_issued = 1;
			return order_mark_paid(db, o.id, now,
			    "late_payment_honoured");
		}
		if (rc != DB_CONSTRAINT)
			return rc;
		effect->outcome = "paid late: sold out, refunding";
		if ((rc = order_set_flag(db, o.id, "late_payment_refunded"))
		    != DB_OK)
			return rc;
		return plan_refund(db, now, p, "paid after the hold expired; "
		    "sold out", effect);
	}
	/* The order was already paid by another request: give it back. */
	effect->outcome = "paid twice: refunding";
	if ((rc = order_set_flag(db, o.id, "double_payment_refunded")) != DB_OK)
		return rc;
	return plan_refund(db, now, p, "order already paid", effect);
}

/* DECLINED, ERROR, CANCELLED: the request is over; so is the hold. */
static enum db_rc
apply_ended(struct db *db, int64_t now, const struct payment *p,
    const struct swish_payment *c, struct pay_effect *effect)
{
	struct order	 o;
	struct db_stmt	*st;
	enum db_rc	 rc;
	char		 status[16];
	size_t		 i;

	snprintf(status, sizeof(status), "%s", swish_status_str(c->status));
	for (i = 0; status[i] != '\0'; i++)
		status[i] = (char)(status[i] >= 'A' && status[i] <= 'Z' ?
		    status[i] - 'A' + 'a' : status[i]);
	if ((st = db_stmt(db, stmts[STMT_MARK_ENDED])) == NULL ||
	    db_bind_int(st, 1, p->id) == -1 ||
	    db_bind_text(st, 2, status) == -1 ||
	    db_bind_text(st, 3, c->error_code[0] ? c->error_code : NULL) == -1 ||
	    db_bind_int(st, 4, now) == -1)
		return DB_ERROR;
	if ((rc = db_exec(db, st)) != DB_OK)
		return rc;
	if (db_changes(db) == 0) {
		effect->outcome = "duplicate: already final";
		return DB_OK;
	}
	effect->outcome = "payment ended";
	if ((rc = order_load(db, p->order_id, &o)) != DB_OK)
		return rc;
	if ((rc = order_set_payment_started(db, o.id, NULL, 0)) != DB_OK)
		return rc;
	if (o.status == ORDER_RESERVED)
		return order_release(db, o.id, ORDER_EXPIRED);
	return DB_OK;
}

enum err
pay_apply_swish(struct db *db, int64_t now, const struct swish_payment *c,
    const char *body, struct pay_effect *effect)
{
	struct payment	 p;
	char		 key[SWISH_ID_LEN + 16];
	enum db_rc	 rc;

	memset(effect, 0, sizeof(*effect));
	if ((rc = db_tx_immediate(db)) != DB_OK)
		return err_from_db(rc);
	if ((rc = pay_find_swish(db, c->id, &p)) != DB_OK) {
		db_tx_rollback(db);
		return rc == DB_NOTFOUND ? ERR_PAYMENT_NOT_FOUND : err_from_db(rc);
	}
	switch (c->status) {
	case SWISH_PAID:
		rc = apply_paid(db, now, &p, c, effect);
		break;
	case SWISH_DECLINED:
	case SWISH_ERROR:
	case SWISH_CANCELLED:
		rc = apply_ended(db, now, &p, c, effect);
		break;
	default:
		effect->outcome = "not final yet";
		rc = DB_OK;
		break;
	}
	snprintf(key, sizeof(key), "%s/%s", c->id, swish_status_str(c->status));
	if (rc == DB_OK)
		rc = pay_record_event(db, now, key, p.id, 1, effect->outcome,
		    body);
	if (rc == DB_OK)
		rc = db_tx_commit(db);
	if (rc != DB_OK) {
		db_tx_rollback(db);
		memset(effect, 0, sizeof(*effect));
		return err_from_db(rc);
	}
	return ERR_OK;
}

enum err
pay_refund_result(struct db *db, int64_t refund_id, int ok, const char *error)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_REFUND_RESULT])) == NULL ||
	    db_bind_int(st, 1, refund_id) == -1 ||
	    db_bind_text(st, 2, ok ? "paid" : "error") == -1 ||
	    db_bind_text(st, 3, error) == -1)
		return ERR_INTERNAL;
	return db_exec(db, st) == DB_OK ? ERR_OK : ERR_INTERNAL;
}

enum db_rc
pay_list_open(struct db *db, int64_t stale_before, struct pay_open *out,
    size_t max, size_t *n)
{
	struct db_stmt	*st;
	enum db_rc	 rc = DB_NOTFOUND;

	*n = 0;
	if ((st = db_stmt(db, stmts[STMT_LIST_OPEN])) == NULL ||
	    db_bind_int(st, 1, stale_before) == -1 ||
	    db_bind_int(st, 2, (int64_t)max) == -1)
		return DB_ERROR;
	while (*n < max && (rc = db_step(db, st)) == DB_OK) {
		out[*n].payment_id = db_col_int(st, 0);
		snprintf(out[*n].instruction_id,
		    sizeof(out[*n].instruction_id), "%s", db_col_text(st, 1));
		out[*n].order_holds = (int)db_col_int(st, 2);
		(*n)++;
	}
	db_reset(st);
	return rc == DB_NOTFOUND || rc == DB_OK ? DB_OK : rc;
}

enum db_rc
pay_list_refunds_due(struct db *db, struct pay_refund_due *out, size_t max,
    size_t *n)
{
	struct db_stmt	*st;
	enum db_rc	 rc = DB_NOTFOUND;

	*n = 0;
	if ((st = db_stmt(db, stmts[STMT_LIST_REFUNDS])) == NULL ||
	    db_bind_int(st, 1, (int64_t)max) == -1)
		return DB_ERROR;
	while (*n < max && (rc = db_step(db, st)) == DB_OK) {
		out[*n].refund_id = db_col_int(st, 0);
		out[*n].amount = db_col_int(st, 1);
		snprintf(out[*n].instruction_id,
		    sizeof(out[*n].instruction_id), "%s", db_col_text(st, 2));
		snprintf(out[*n].payment_reference,
		    sizeof(out[*n].payment_reference), "%s",
		    db_col_text(st, 3));
		(*n)++;
	}
	db_reset(st);
	return rc == DB_NOTFOUND || rc == DB_OK ? DB_OK : rc;
}
