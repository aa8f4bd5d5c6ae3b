/*
 * Payment bookkeeping and the callback state machine.  Statuses are
 * stored by their pay_status_str() names, providers by provider_name().
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "db.h"
#include "invoice.h"
#include "ledger.h"
#include "log.h"
#include "order.h"
#include "payment.h"
#include "provider.h"
#include "session.h"

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
	STMT_PRUNE_EVENTS,
	STMT_INSERT_FREE,
	STMT_EVENT_TAKES,
	STMT_SET_PHONE,
	STMT_REFUND_MANUAL,
	STMT_LAST_OF_ORDER,
	STMT__MAX
};

#define PAYMENT_COLS \
	"id, order_id, amount, status, coalesce(provider_ref, '')," \
	" coalesce(token, ''), coalesce(callback_hash, '')," \
	" coalesce(payment_reference, ''), provider, currency," \
	" coalesce(phone, ''), coalesce(error_code, '')"

static const char *const stmts[] = {
	[STMT_OPEN_PAYMENT] =
	    "SELECT id, coalesce(token, ''), created_at FROM payments"
	    " WHERE order_id = ?1 AND provider = ?2"
	    " AND status IN ('created', 'pending') ORDER BY id DESC LIMIT 1",
	/* The payer's message: the seed's per-event Swish message column. */
	[STMT_EVENT_MESSAGE] =
	    "SELECT e.swish_message, e.reservation_seconds, o.currency"
	    " FROM events e JOIN orders o ON o.event_id = e.id WHERE o.id = ?1",
	[STMT_INSERT] =
	    "INSERT INTO payments (order_id, provider, provider_ref,"
	    " callback_hash, status, amount, currency, created_at, updated_at)"
	    " VALUES (?1, ?6, ?2, ?3, 'created', ?4, ?7, ?5, ?5) RETURNING id",
	[STMT_SET_TOKEN] =
	    "UPDATE payments SET token = ?2, provider_ref = ?3,"
	    " updated_at = strftime('%s','now') WHERE id = ?1",
	[STMT_SET_FAILED] =
	    "UPDATE payments SET status = 'error', error_code = ?2,"
	    " updated_at = strftime('%s','now') WHERE id = ?1",
	[STMT_BY_REF] =
	    "SELECT " PAYMENT_COLS " FROM payments"
	    " WHERE provider = ?2 AND provider_ref = ?1",
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
	    " VALUES (?7, ?1, nullif(?2, 0), ?3, ?4, ?5, ?6, ?6)"
	    " ON CONFLICT (provider, event_key) DO UPDATE SET"
	    " times_received = times_received + 1, last_received_at = ?6,"
	    " verified = CASE WHEN excluded.verified > verified"
	    " THEN excluded.verified ELSE verified END",
	[STMT_MARK_PAID] =
	    "UPDATE payments SET status = 'paid', payment_reference = ?2,"
	    " paid_at = ?3, updated_at = ?3 WHERE id = ?1",
	[STMT_MARK_ENDED] =
	    "UPDATE payments SET status = ?2, error_code = ?3, updated_at = ?4"
	    " WHERE id = ?1 AND status IN ('created', 'pending')",
	[STMT_REFUND_INSERT] =
	    "INSERT INTO refunds (payment_id, provider_ref, amount, reason,"
	    " requested_by, created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, nullif(?6, 0), ?5, ?5) RETURNING id",
	[STMT_REFUND_RESULT] =
	    "UPDATE refunds SET status = ?2, error = ?3,"
	    " provider_refund_id = coalesce(nullif(?4, ''), provider_refund_id),"
	    " updated_at = strftime('%s','now') WHERE id = ?1",
	[STMT_LIST_OPEN] =
	    "SELECT p.id, p.provider_ref, o.holds_seats FROM payments p"
	    " JOIN orders o ON o.id = p.order_id"
	    " WHERE p.provider = ?3 AND p.status IN ('created', 'pending')"
	    " AND p.token IS NOT NULL"
	    " AND (o.holds_seats = 0 OR o.status <> 'reserved'"
	    " OR p.created_at < ?1) ORDER BY p.id LIMIT ?2",
	[STMT_LIST_REFUNDS] =
	    "SELECT r.id, r.amount, r.provider_ref, p.payment_reference,"
	    " p.provider_ref, p.currency"
	    " FROM refunds r JOIN payments p ON p.id = r.payment_id"
	    " WHERE r.status IN ('requested', 'error') AND r.manual = 0"
	    " AND p.provider = ?2"
	    " ORDER BY r.id LIMIT ?1",
	/*
	 * Up to ?2 events last received before ?1, oldest first (the index
	 * of sql/006), but none of a payment still open or with a refund
	 * not yet sent: someone may still need to read those.
	 */
	[STMT_PRUNE_EVENTS] =
	    "DELETE FROM provider_events WHERE id IN ("
	    " SELECT e.id FROM provider_events e"
	    " LEFT JOIN payments p ON p.id = e.payment_id"
	    " WHERE e.last_received_at < ?1"
	    " AND (p.id IS NULL OR (p.status NOT IN ('created', 'pending')"
	    " AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.id"
	    " AND r.status IN ('requested', 'error'))))"
	    " ORDER BY e.last_received_at LIMIT ?2)",
	/*
	 * Paid without a provider: an order that costs nothing ('free'),
	 * or one confirmed by hand in a test setup ('manual').  Only a
	 * held order; a free one only when it costs nothing.
	 */
	[STMT_EVENT_TAKES] =
	    "SELECT instr(',' || replace(payment_providers, ' ', '') || ',',"
	    " ',' || ?2 || ',') > 0 FROM events WHERE id = ?1",
	[STMT_INSERT_FREE] =
	    "INSERT INTO payments (order_id, provider, status, amount, currency,"
	    " payment_reference, created_at, updated_at, paid_at)"
	    " SELECT id, ?3, 'paid', total, currency, ?4, ?2, ?2, ?2 FROM orders"
	    " WHERE id = ?1 AND status = 'reserved' AND holds_seats = 1"
	    " AND (?3 = 'manual' OR total = 0) RETURNING id",
	[STMT_LAST_OF_ORDER] =
	    "SELECT " PAYMENT_COLS " FROM payments WHERE order_id = ?1"
	    " AND provider_ref IS NOT NULL ORDER BY id DESC LIMIT 1",
	[STMT_SET_PHONE] =
	    "UPDATE payments SET phone = ?2 WHERE id = ?1",
	/* Left to a person: no longer due, and says why. */
	[STMT_REFUND_MANUAL] =
	    "UPDATE refunds SET status = 'error', manual = 1, error = ?2,"
	    " updated_at = strftime('%s','now') WHERE id = ?1",
};

_Static_assert(sizeof(stmts) / sizeof(stmts[0]) == STMT__MAX,
    "statement table out of sync with enum stmt");

/* Copies a column, or "" if it does not fit (no id is ever cut short). */
static void
col_copy(struct db_stmt *st, int col, char *out, size_t outsz)
{
	if ((size_t)snprintf(out, outsz, "%s", db_col_text(st, col)) >= outsz)
		out[0] = '\0';
}

/*
 * Runs statement k with ?1 bound to key (or id when key is NULL) and ?2
 * to provider's name when provider < PROVIDER__MAX, filling out.
 */
static enum db_rc
find(struct db *db, int k, const char *key, int64_t id,
    enum pay_provider provider, struct payment *out)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	memset(out, 0, sizeof(*out));
	if ((st = db_stmt(db, stmts[k])) == NULL ||
	    (key != NULL ? db_bind_text(st, 1, key) : db_bind_int(st, 1, id))
	    == -1 || (provider < PROVIDER__MAX &&
	    db_bind_text(st, 2, provider_name(provider)) == -1))
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		out->id = db_col_int(st, 0);
		out->order_id = db_col_int(st, 1);
		out->amount = db_col_int(st, 2);
		out->status = pay_status_parse(db_col_text(st, 3));
		col_copy(st, 4, out->provider_ref, sizeof(out->provider_ref));
		col_copy(st, 5, out->token, sizeof(out->token));
		col_copy(st, 6, out->callback_hash, sizeof(out->callback_hash));
		col_copy(st, 7, out->payment_reference,
		    sizeof(out->payment_reference));
		out->provider = provider_parse(db_col_text(st, 8));
		col_copy(st, 9, out->currency, sizeof(out->currency));
		col_copy(st, 10, out->phone, sizeof(out->phone));
		/* A code is shown, never matched: cut to fit. */
		snprintf(out->error_code, sizeof(out->error_code), "%s",
		    db_col_text(st, 11));
	}
	db_reset(st);
	return rc;
}

enum db_rc
pay_find_ref(struct db *db, enum pay_provider provider,
    const char *provider_ref, struct payment *out)
{
	if (provider >= PROVIDER__MAX) {
		memset(out, 0, sizeof(*out));
		return DB_NOTFOUND;
	}
	return find(db, STMT_BY_REF, provider_ref, 0, provider, out);
}

enum db_rc
pay_find_by_token(struct db *db, const char *token, struct payment *out)
{
	return find(db, STMT_BY_TOKEN, token, 0, PROVIDER__MAX, out);
}

enum db_rc
pay_find_open(struct db *db, int64_t order_id, struct payment *out)
{
	return find(db, STMT_OPEN_OF_ORDER, NULL, order_id, PROVIDER__MAX, out);
}

enum db_rc
pay_find_last(struct db *db, int64_t order_id, struct payment *out)
{
	return find(db, STMT_LAST_OF_ORDER, NULL, order_id, PROVIDER__MAX, out);
}

enum db_rc
pay_find_paid(struct db *db, int64_t order_id, struct payment *out)
{
	return find(db, STMT_PAID_OF_ORDER, NULL, order_id, PROVIDER__MAX, out);
}

int
pay_secret_ok(const struct payment *p, const char *secret)
{
	char	 hash[TOKEN_HASH_HEX_LEN + 1];

	if (secret == NULL || *secret == '\0')
		return 0;
	crypto_token_hash(secret, hash);
	return crypto_streq(hash, p->callback_hash);
}

int
pay_is_open(const struct payment *p)
{
	return p->status == PAY_CREATED || p->status == PAY_PENDING;
}

enum pay_match
pay_match_callback(struct db *db, const struct pay_confirmed *claimed,
    const char *secret, struct payment *p)
{
	/* As long as a stored hash (64) but not hex: nothing matches it. */
	static const struct payment nobody = { .callback_hash =
	    "----------------------------------------------------------------" };
	enum db_rc	 rc;
	int		 ok;

	/* A plain read, outside any transaction: no write lock. */
	rc = pay_find_ref(db, claimed->provider, claimed->provider_ref, p);
	if (rc == DB_BUSY)
		return PAY_MATCH_BUSY;
	if (rc != DB_OK && rc != DB_NOTFOUND)
		return PAY_MATCH_ERROR;
	if (secret == NULL)
		return rc == DB_OK ? PAY_MATCH_OK : PAY_MATCH_UNKNOWN;

	/* Hash and compare either way, so both refusals cost the same. */
	ok = pay_secret_ok(rc == DB_OK ? p : &nobody, secret);
	if (rc == DB_NOTFOUND)
		return PAY_MATCH_UNKNOWN;
	return ok ? PAY_MATCH_OK : PAY_MATCH_BAD_SECRET;
}

/*
 * Makes sure the order holds its seats with time to pay, for client: a
 * lapsed hold is taken again as a new one if client's cap allows
 * (HOLD_LIMIT) and seats remain (SESSION_EXPIRED), and a live hold's
 * expiry is pushed to at least now + PAYMENT_HOLD_MIN.  Each push is an
 * extension; an order has HOLD_EXTENSIONS_MAX of them, so that calling
 * again and again cannot hold seats forever.  Without one left a live
 * hold keeps its expiry (paying works within it) and a lapsed one is
 * SESSION_EXPIRED.
 */
static enum err
ensure_hold(struct db *db, int64_t now, struct order *o, int64_t hold_seconds,
    const char *client)
{
	enum db_rc	 rc;
	enum err	 e;
	int64_t		 until;
	int		 lapsed, can_extend;

	can_extend = o->extensions < HOLD_EXTENSIONS_MAX;
	if (o->status == ORDER_RESERVED)
		lapsed = o->expires_at <= now;	/* lapsed, seats still ours */
	else if (o->status == ORDER_EXPIRED || o->status == ORDER_CANCELLED ||
	    o->status == ORDER_FAILED)
		lapsed = 1;
	else
		return ERR_SESSION_EXPIRED;

	/* A re-reservation starts a new hold, as upstream does. */
	if (lapsed) {
		if (!can_extend)
			return ERR_SESSION_EXPIRED;
		if ((e = order_rehold(db, now, o, client)) != ERR_OK)
			return e;
		o->status = ORDER_RESERVED;
		o->holds_seats = 1;
		until = now + (hold_seconds > PAYMENT_HOLD_MIN ?
		    hold_seconds : PAYMENT_HOLD_MIN);
	} else if (can_extend)
		until = o->expires_at > now + PAYMENT_HOLD_MIN ?
		    o->expires_at : now + PAYMENT_HOLD_MIN;
	else
		until = o->expires_at;
	if (until != o->expires_at) {
		if ((rc = order_extend(db, o->id, until)) != DB_OK)
			return err_from_db(rc);
		o->expires_at = until;
		o->extensions++;
	}
	return ERR_OK;
}

/* Reads the event's payment message, its hold time and the order's
 * currency into req and *hold_seconds. */
static enum db_rc
event_message(struct db *db, int64_t order_id, struct pay_request *req,
    int64_t *hold_seconds)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_EVENT_MESSAGE])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		snprintf(req->message, sizeof(req->message), "%s",
		    db_col_text(st, 0));
		*hold_seconds = db_col_int(st, 1);
		col_copy(st, 2, req->currency, sizeof(req->currency));
	}
	db_reset(st);
	return rc;
}

enum err
pay_begin(struct db *db, int64_t now, enum pay_provider provider,
    int64_t order_id, const char *email, const char *client,
    struct pay_start *out)
{
	struct db_stmt	*st;
	struct order	 o;
	char		 hash[TOKEN_HASH_HEX_LEN + 1];
	int64_t		 hold = 0, created_at = 0;
	enum db_rc	 rc;
	enum err	 e;

	memset(out, 0, sizeof(*out));
	if (provider >= PROVIDER__MAX)
		return ERR_INTERNAL;
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
	if (!pay_event_takes(db, o.event_id, provider)) {
		e = ERR_PROVIDER_UNAVAILABLE;
		goto fail;
	}
	if ((rc = event_message(db, o.id, &out->req, &hold)) != DB_OK)
		goto dbfail;
	/* Before anything is written: the address's cap for this event. */
	if (email != NULL && (e = order_email_cap(db, now, &o, email)) !=
	    ERR_OK)
		goto fail;
	if ((e = ensure_hold(db, now, &o, hold, client)) != ERR_OK)
		goto fail;

	/* A request already open: the same token again (upstream). */
	if ((st = db_stmt(db, stmts[STMT_OPEN_PAYMENT])) == NULL ||
	    db_bind_int(st, 1, o.id) == -1 ||
	    db_bind_text(st, 2, provider_name(provider)) == -1)
		goto dbfail_internal;
	if ((rc = db_step(db, st)) == DB_OK) {
		out->payment_id = db_col_int(st, 0);
		snprintf(out->token, sizeof(out->token), "%s",
		    db_col_text(st, 1));
		created_at = db_col_int(st, 2);
		out->existing = 1;
	}
	db_reset(st);
	if (rc != DB_OK && rc != DB_NOTFOUND)
		goto dbfail;
	if (out->existing && out->token[0] == '\0') {
		/* Another request is creating it right now... */
		if (created_at > now - PAYMENT_CREATE_MAX) {
			e = ERR_BUSY;
			goto fail;
		}
		/*
		 * ...or was, and died before it could record the answer.
		 * The payer never saw a token for it, so nobody can pay it:
		 * it is given up and a new one made.
		 */
		if ((st = db_stmt(db, stmts[STMT_SET_FAILED])) == NULL ||
		    db_bind_int(st, 1, out->payment_id) == -1 ||
		    db_bind_text(st, 2, "abandoned") == -1)
			goto dbfail_internal;
		if ((rc = db_exec(db, st)) != DB_OK)
			goto dbfail;
		log_warn("payment %lld: never created (its worker died); "
		    "starting again", (long long)out->payment_id);
		out->existing = 0;
		out->payment_id = 0;
		out->token[0] = '\0';
	}

	if (!out->existing) {
		provider_ops(provider)->new_ref(out->req.ref);
		crypto_token(out->req.callback_secret);
		crypto_token_hash(out->req.callback_secret, hash);
		if ((st = db_stmt(db, stmts[STMT_INSERT])) == NULL ||
		    db_bind_int(st, 1, o.id) == -1 ||
		    db_bind_text(st, 2, out->req.ref) == -1 ||
		    db_bind_text(st, 3, hash) == -1 ||
		    db_bind_int(st, 4, o.total) == -1 ||
		    db_bind_int(st, 5, now) == -1 ||
		    db_bind_text(st, 6, provider_name(provider)) == -1 ||
		    db_bind_text(st, 7, out->req.currency) == -1)
			goto dbfail_internal;
		if ((rc = db_insert_id(db, st, &out->payment_id)) != DB_OK)
			goto dbfail;
	}
	out->order_id = o.id;
	out->req.amount = o.total;
	snprintf(out->req.reference, sizeof(out->req.reference), "%s", o.code);
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
pay_set_phone(struct db *db, int64_t payment_id, const char *phone)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_SET_PHONE])) == NULL ||
	    db_bind_int(st, 1, payment_id) == -1 ||
	    db_bind_text(st, 2, phone) == -1)
		return ERR_INTERNAL;
	return db_exec(db, st) == DB_OK ? ERR_OK : ERR_BUSY;
}

enum err
pay_refund_manual(struct db *db, int64_t refund_id, const char *why)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_REFUND_MANUAL])) == NULL ||
	    db_bind_int(st, 1, refund_id) == -1 ||
	    db_bind_text(st, 2, why) == -1)
		return ERR_INTERNAL;
	return db_exec(db, st) == DB_OK ? ERR_OK : ERR_INTERNAL;
}

enum err
pay_created(struct db *db, int64_t payment_id,
    const struct pay_created *created)
{
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_SET_TOKEN])) == NULL ||
	    db_bind_int(st, 1, payment_id) == -1 ||
	    db_bind_text(st, 2, created->token) == -1 ||
	    db_bind_text(st, 3, created->provider_ref) == -1)
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
pay_record_event(struct db *db, int64_t now, enum pay_provider provider,
    const char *event_key, int64_t payment_id, int verified,
    const char *outcome, const char *body)
{
	struct db_stmt	*st;

	if (provider >= PROVIDER__MAX ||
	    (st = db_stmt(db, stmts[STMT_EVENT_UPSERT])) == NULL ||
	    db_bind_text(st, 1, event_key) == -1 ||
	    db_bind_int(st, 2, payment_id) == -1 ||
	    db_bind_int(st, 3, verified) == -1 ||
	    db_bind_text(st, 4, outcome) == -1 ||
	    db_bind_text(st, 5, body != NULL ? body : "") == -1 ||
	    db_bind_int(st, 6, now) == -1 ||
	    db_bind_text(st, 7, provider_name(provider)) == -1)
		return DB_ERROR;
	return db_exec(db, st);
}

/*
 * Records a refund of amount of payment p (whose money's reference is
 * payment_reference) in the open transaction, with its ledger row, and
 * fills due with what to send.
 */
static enum db_rc
record_refund(struct db *db, int64_t now, const struct payment *p,
    const char *payment_reference, int64_t amount, const char *reason,
    int64_t requested_by, struct pay_refund_due *due)
{
	struct pay_refund_req	*r = &due->req;
	struct db_stmt		*st;
	enum db_rc		 rc;

	memset(due, 0, sizeof(*due));
	provider_ops(p->provider)->new_ref(r->ref);
	if ((st = db_stmt(db, stmts[STMT_REFUND_INSERT])) == NULL ||
	    db_bind_int(st, 1, p->id) == -1 ||
	    db_bind_text(st, 2, r->ref) == -1 ||
	    db_bind_int(st, 3, amount) == -1 ||
	    db_bind_text(st, 4, reason) == -1 ||
	    db_bind_int(st, 5, now) == -1 ||
	    db_bind_int(st, 6, requested_by) == -1)
		return DB_ERROR;
	if ((rc = db_insert_id(db, st, &due->refund_id)) != DB_OK ||
	    (rc = ledger_add(db, now, &(struct ledger_entry){ .order_id =
	    p->order_id, .payment_id = p->id, .refund_id = due->refund_id,
	    .kind = LEDGER_REFUND, .amount = amount, .currency = p->currency,
	    .provider = provider_name(p->provider), .reference = r->ref })) !=
	    DB_OK)
		return rc;
	due->provider = p->provider;
	snprintf(r->payment_ref, sizeof(r->payment_ref), "%s",
	    p->provider_ref);
	snprintf(r->payment_reference, sizeof(r->payment_reference), "%s",
	    payment_reference);
	r->amount = amount;
	snprintf(r->currency, sizeof(r->currency), "%s", p->currency);
	return DB_OK;
}

/* A refund of all of p that applying c found due (late or twice paid). */
static enum db_rc
plan_refund(struct db *db, int64_t now, const struct payment *p,
    const struct pay_confirmed *c, const char *reason,
    struct pay_effect *effect)
{
	enum db_rc	 rc;

	if ((rc = record_refund(db, now, p, c->payment_reference, p->amount,
	    reason, 0, &effect->refund)) == DB_OK)
		effect->refund_needed = 1;
	return rc;
}

/* The money p collected for o, and the service fee's share of it. */
static enum db_rc
record_charge(struct db *db, int64_t now, const struct payment *p,
    const struct order *o, const char *reference)
{
	struct ledger_entry	 e = { .order_id = o->id, .payment_id = p->id,
	    .kind = LEDGER_CHARGE, .amount = p->amount, .currency =
	    p->currency, .provider = provider_name(p->provider),
	    .reference = reference };
	enum db_rc		 rc;

	if ((rc = ledger_add(db, now, &e)) != DB_OK)
		return rc;
	e.kind = LEDGER_FEE;
	e.amount = o->service_fee < p->amount ? o->service_fee : p->amount;
	return ledger_add(db, now, &e);
}

/* PAID: pay the order exactly once, or refund what cannot be honoured. */
static enum db_rc
apply_paid(struct db *db, int64_t now, const struct payment *p,
    const struct pay_confirmed *c, struct pay_effect *effect)
{
	struct order	 o;
	struct db_stmt	*st;
	enum db_rc	 rc;

	if (p->status == PAY_PAID) {
		effect->outcome = "duplicate: already paid";
		return DB_OK;
	}
	/* An answer without an amount (M-Pesa's query) speaks of the
	 * request we created, whose amount the provider keeps. */
	if ((c->amount != p->amount && c->amount != PAY_AMOUNT_UNREPORTED) ||
	    (c->currency[0] != '\0' &&
	    strcmp(c->currency, p->currency) != 0)) {
		/* The provider charged what we asked; else a human looks. */
		log_err("payment %lld: %s says %lld %s, we asked %lld %s",
		    (long long)p->id, provider_ops(p->provider)->label,
		    (long long)c->amount, c->currency, (long long)p->amount,
		    p->currency);
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
	if ((rc = order_load(db, p->order_id, &o)) != DB_OK)
		return rc;
	if ((rc = record_charge(db, now, p, &o, c->payment_reference)) != DB_OK)
		return rc;

	if (o.status == ORDER_RESERVED) {
		effect->outcome = "paid";
		effect->tickets_issued = 1;
		return order_mark_paid(db, o.id, now, NULL);
	}
	if (o.status == ORDER_EXPIRED || o.status == ORDER_CANCELLED ||
	    o.status == ORDER_FAILED) {
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
		return plan_refund(db, now, p, c, "paid after the hold "
		    "expired; sold out", effect);
	}
	/* The order was already paid by another request: give it back. */
	effect->outcome = "paid twice: refunding";
	if ((rc = order_set_flag(db, o.id, "double_payment_refunded")) != DB_OK)
		return rc;
	return plan_refund(db, now, p, c, "order already paid", effect);
}

/* DECLINED, ERROR, CANCELLED: the request is over; so is the hold. */
static enum db_rc
apply_ended(struct db *db, int64_t now, const struct payment *p,
    const struct pay_confirmed *c, struct pay_effect *effect)
{
	struct order	 o;
	struct db_stmt	*st;
	enum db_rc	 rc;

	if ((st = db_stmt(db, stmts[STMT_MARK_ENDED])) == NULL ||
	    db_bind_int(st, 1, p->id) == -1 ||
	    db_bind_text(st, 2, pay_status_str(c->status)) == -1 ||
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
	/* Declined or failed: the order failed; withdrawn: it lapsed. */
	if (o.status == ORDER_RESERVED)
		return order_release(db, o.id, c->status == PAY_CANCELLED ?
		    ORDER_EXPIRED : ORDER_FAILED);
	return DB_OK;
}

enum err
pay_apply(struct db *db, int64_t now, const struct pay_confirmed *c,
    const char *body, struct pay_effect *effect)
{
	struct payment	 p;
	enum db_rc	 rc;

	memset(effect, 0, sizeof(*effect));
	if ((rc = db_tx_immediate(db)) != DB_OK)
		return err_from_db(rc);
	if ((rc = pay_find_ref(db, c->provider, c->provider_ref, &p)) !=
	    DB_OK) {
		db_tx_rollback(db);
		return rc == DB_NOTFOUND ? ERR_PAYMENT_NOT_FOUND : err_from_db(rc);
	}
	switch (c->status) {
	case PAY_PAID:
		rc = apply_paid(db, now, &p, c, effect);
		break;
	case PAY_DECLINED:
	case PAY_ERROR:
	case PAY_CANCELLED:
		rc = apply_ended(db, now, &p, c, effect);
		break;
	default:
		/* CREATED, PENDING; REFUNDED is ours to start, not theirs. */
		effect->outcome = "not final yet";
		rc = DB_OK;
		break;
	}
	if (rc == DB_OK)
		rc = pay_record_event(db, now, c->provider, c->event_key, p.id,
		    1, effect->outcome, body);
	if (rc == DB_OK)
		rc = db_tx_commit(db);
	if (rc != DB_OK) {
		db_tx_rollback(db);
		memset(effect, 0, sizeof(*effect));
		return err_from_db(rc);
	}
	return ERR_OK;
}

enum db_rc
pay_prune_events(struct db *db, int64_t before, size_t max, int64_t *deleted)
{
	return db_prune(db, stmts[STMT_PRUNE_EVENTS], before, max, deleted);
}

enum err
pay_refund_result(struct db *db, int64_t refund_id, int ok, const char *error,
    const char *provider_refund_id)
{
	struct db_stmt	*st;

	if ((st = db_stmt(db, stmts[STMT_REFUND_RESULT])) == NULL ||
	    db_bind_int(st, 1, refund_id) == -1 ||
	    db_bind_text(st, 2, ok ? "paid" : "error") == -1 ||
	    db_bind_text(st, 3, error) == -1 ||
	    db_bind_text(st, 4, provider_refund_id) == -1)
		return ERR_INTERNAL;
	return db_exec(db, st) == DB_OK ? ERR_OK : ERR_INTERNAL;
}

enum db_rc
pay_list_open(struct db *db, enum pay_provider provider, int64_t stale_before,
    struct pay_open *out, size_t max, size_t *n)
{
	struct db_stmt	*st;
	enum db_rc	 rc = DB_NOTFOUND;

	*n = 0;
	if (provider >= PROVIDER__MAX ||
	    (st = db_stmt(db, stmts[STMT_LIST_OPEN])) == NULL ||
	    db_bind_int(st, 1, stale_before) == -1 ||
	    db_bind_int(st, 2, (int64_t)max) == -1 ||
	    db_bind_text(st, 3, provider_name(provider)) == -1)
		return DB_ERROR;
	while (*n < max && (rc = db_step(db, st)) == DB_OK) {
		out[*n].payment_id = db_col_int(st, 0);
		col_copy(st, 1, out[*n].provider_ref,
		    sizeof(out[*n].provider_ref));
		out[*n].order_holds = (int)db_col_int(st, 2);
		(*n)++;
	}
	db_reset(st);
	return rc == DB_NOTFOUND || rc == DB_OK ? DB_OK : rc;
}

enum db_rc
pay_list_refunds_due(struct db *db, enum pay_provider provider,
    struct pay_refund_due *out, size_t max, size_t *n)
{
	struct pay_refund_req	*r;
	struct db_stmt		*st;
	enum db_rc		 rc = DB_NOTFOUND;

	*n = 0;
	if (provider >= PROVIDER__MAX ||
	    (st = db_stmt(db, stmts[STMT_LIST_REFUNDS])) == NULL ||
	    db_bind_int(st, 1, (int64_t)max) == -1 ||
	    db_bind_text(st, 2, provider_name(provider)) == -1)
		return DB_ERROR;
	while (*n < max && (rc = db_step(db, st)) == DB_OK) {
		memset(&out[*n], 0, sizeof(out[*n]));
		out[*n].refund_id = db_col_int(st, 0);
		out[*n].provider = provider;
		r = &out[*n].req;
		r->amount = db_col_int(st, 1);
		col_copy(st, 2, r->ref, sizeof(r->ref));
		col_copy(st, 3, r->payment_reference,
		    sizeof(r->payment_reference));
		col_copy(st, 4, r->payment_ref, sizeof(r->payment_ref));
		col_copy(st, 5, r->currency, sizeof(r->currency));
		(*n)++;
	}
	db_reset(st);
	return rc == DB_NOTFOUND || rc == DB_OK ? DB_OK : rc;
}

enum db_rc
pay_confirm_direct(struct db *db, int64_t now, int64_t order_id,
    const char *how, const char *reference)
{
	struct db_stmt	*st;
	struct order	 o;
	enum db_rc	 rc;
	int64_t		 id;

	if ((st = db_stmt(db, stmts[STMT_INSERT_FREE])) == NULL ||
	    db_bind_int(st, 1, order_id) == -1 ||
	    db_bind_int(st, 2, now) == -1 ||
	    db_bind_text(st, 3, how) == -1 ||
	    db_bind_text(st, 4, reference) == -1)
		return DB_ERROR;
	if ((rc = db_step(db, st)) == DB_OK) {
		id = db_col_int(st, 0);
		rc = db_exec(db, st);
	}
	db_reset(st);
	if (rc != DB_OK)
		return rc == DB_NOTFOUND ? DB_CONSTRAINT : rc;
	if ((rc = order_load(db, order_id, &o)) != DB_OK)
		return rc;
	/* Not a provider of the table, so record_charge's name is how. */
	if ((rc = ledger_add(db, now, &(struct ledger_entry){ .order_id =
	    o.id, .payment_id = id, .kind = LEDGER_CHARGE, .amount = o.total,
	    .currency = o.currency, .provider = how, .reference =
	    reference })) != DB_OK)
		return rc;
	return order_mark_paid(db, order_id, now, NULL);
}

/*
 * The value of tickets sold for price (before any discount) in order o:
 * their share of what was paid for the tickets (the subtotal less the
 * discount; the service fee is not theirs), rounded half to even.
 */
static int64_t
tickets_value(const struct order *o, int64_t price)
{
	int64_t	 discount = o->subtotal + o->service_fee - o->total;
	int64_t	 paid = o->subtotal - discount, q, v, r;

	if (o->subtotal <= 0 || discount <= 0)
		return price;
	/* price and paid are at most MONEY_MAX (1e11): q fits. */
	q = price * paid;
	v = q / o->subtotal;
	r = q % o->subtotal;
	if (r * 2 > o->subtotal || (r * 2 == o->subtotal && v % 2 == 1))
		v++;
	return v;
}

/* Voids the n tickets of o, refusing (ERR_BAD_REQUEST with *detail)
 * one that is not its valid ticket, or ones worth more than amount. */
static enum err
void_tickets(struct db *db, const struct order *o, const int64_t *tickets,
    size_t n, int64_t amount, const char **detail)
{
	int64_t		 price, sum = 0;
	size_t		 i;
	enum db_rc	 rc;

	for (i = 0; i < n; i++) {
		if ((rc = order_void_ticket(db, o->id, tickets[i], &price)) ==
		    DB_NOTFOUND) {
			*detail = "A ticket is not a valid ticket of this "
			    "order";
			return ERR_BAD_REQUEST;
		}
		if (rc != DB_OK)
			return err_from_db(rc);
		sum += price;
	}
	if (tickets_value(o, sum) > amount) {
		*detail = "The tickets are worth more than the amount";
		return ERR_BAD_REQUEST;
	}
	return ERR_OK;
}

/*
 * pay_refund_begin(), pay_refund_tickets() and pay_refund_close():
 * refunds amount of a confirmed order (0 is all that is left, except
 * for close) and, for a partial refund, voids the tickets named; close
 * ends the order whatever the amount, which may then be 0 (no refund is
 * sent).
 */
static enum err
refund_order(struct db *db, int64_t now, int64_t order_id, int64_t amount,
    int close, const char *reason, int64_t requested_by,
    const int64_t *tickets, size_t ntickets, struct pay_refund_due *due,
    int *full, const char **detail)
{
	struct order	 o;
	struct payment	 p;
	enum db_rc	 rc;
	enum err	 e = ERR_ORDER_STATE;
	int64_t		 left;

	memset(due, 0, sizeof(*due));
	*full = 0;
	*detail = NULL;
	if ((rc = db_tx_immediate(db)) != DB_OK)
		return err_from_db(rc);
	if ((rc = order_load(db, order_id, &o)) != DB_OK)
		goto dbfail;
	if (o.status != ORDER_PAID && o.status != ORDER_PARTIALLY_REFUNDED) {
		*detail = "Only confirmed orders can be refunded";
		goto fail;
	}
	if ((rc = pay_find_paid(db, o.id, &p)) == DB_NOTFOUND ||
	    (rc == DB_OK && p.provider >= PROVIDER__MAX)) {
		*detail = "No payment found for this order";
		goto fail;
	}
	if (rc != DB_OK)
		goto dbfail;
	left = p.amount - o.refunded;
	if (amount == 0 && !close)
		amount = left;
	if (amount < 0 || amount > left || (amount == 0 && !close)) {
		e = ERR_BAD_REQUEST;
		*detail = left > 0 ? "More than is left to refund" :
		    "Nothing is left to refund";
		goto fail;
	}
	*full = close || amount == left;
	/* A full refund voids every ticket below; a partial one those
	 * named. */
	if (!*full && ntickets > 0 &&
	    (e = void_tickets(db, &o, tickets, ntickets, amount, detail)) !=
	    ERR_OK)
		goto fail;
	if (amount > 0 && (rc = record_refund(db, now, &p,
	    p.payment_reference, amount, reason, requested_by, due)) != DB_OK)
		goto dbfail;
	/* The money given back is credited on the invoice in the same
	 * transaction: all of it only when all of it comes back (closing a
	 * booking may refund a share, or nothing). */
	if ((rc = order_mark_refunded(db, o.id, amount, *full)) != DB_OK ||
	    (amount > 0 && (rc = invoice_credit(db, o.id, due->refund_id,
	    amount, amount == left, now)) != DB_OK) ||
	    (rc = db_tx_commit(db)) != DB_OK)
		goto dbfail;
	return ERR_OK;
dbfail:
	e = rc == DB_NOTFOUND ? ERR_ORDER_NOT_FOUND : err_from_db(rc);
fail:
	db_tx_rollback(db);
	memset(due, 0, sizeof(*due));
	*full = 0;
	return e;
}

enum err
pay_refund_begin(struct db *db, int64_t now, int64_t order_id, int64_t amount,
    const char *reason, int64_t requested_by, struct pay_refund_due *due,
    int *full, const char **detail)
{
	return refund_order(db, now, order_id, amount, 0, reason,
	    requested_by, NULL, 0, due, full, detail);
}

enum err
pay_refund_tickets(struct db *db, int64_t now, int64_t order_id,
    int64_t amount, const char *reason, int64_t requested_by,
    const int64_t *tickets, size_t ntickets, struct pay_refund_due *due,
    int *full, const char **detail)
{
	return refund_order(db, now, order_id, amount, 0, reason,
	    requested_by, tickets, ntickets, due, full, detail);
}

enum err
pay_refund_close(struct db *db, int64_t now, int64_t order_id, int64_t amount,
    const char *reason, int64_t requested_by, struct pay_refund_due *due,
    const char **detail)
{
	int	 full;

	return refund_order(db, now, order_id, amount, 1, reason,
	    requested_by, NULL, 0, due, &full, detail);
}

int
pay_event_takes(struct db *db, int64_t event_id, enum pay_provider provider)
{
	struct db_stmt	*st;
	int		 yes;

	if (provider >= PROVIDER__MAX ||
	    (st = db_stmt(db, stmts[STMT_EVENT_TAKES])) == NULL ||
	    db_bind_int(st, 1, event_id) == -1 ||
	    db_bind_text(st, 2, provider_name(provider)) == -1)
		return 0;
	yes = db_step(db, st) == DB_OK && db_col_int(st, 0) == 1;
	db_reset(st);
	return yes;
}
