/*
 * The payment state machine for one order, provider-neutral: providers
 * are rows of the table in provider.h, named by enum pay_provider and
 * stored by name.  Network calls to the provider never happen inside a
 * transaction: pay_begin() records the intent, the caller talks to the
 * provider, then pay_created()/pay_create_failed() record the answer;
 * callbacks are confirmed with the provider first and then applied by
 * pay_apply().
 */
#ifndef BILJETT_PAYMENT_H
#define BILJETT_PAYMENT_H

#include <stdint.h>

#include "crypto.h"
#include "db.h"
#include "err.h"
#include "limits.h"
#include "provider.h"

struct session;

/* Minimum hold once a payment has started: Swish times out after ~3 min.
 * pay_begin() pushes a hold to it at most HOLD_EXTENSIONS_MAX times. */
#define PAYMENT_HOLD_MIN	300

/* What pay_begin() decided. */
struct pay_start {
	int			 existing;	/* token below is the answer */
	char			 token[PAY_TOKEN_MAX + 1];
	int64_t			 payment_id;	/* new payment to create */
	int64_t			 order_id;
	struct pay_request	 req;		/* what to ask the provider */
};

/*
 * Starts paying the session's order with provider for email (valid, or
 * NULL to keep the order's), asked by client (buyer_addr_key()), in one
 * write transaction: INVALID_SESSION (no order), ALREADY_PAID,
 * PROVIDER_UNAVAILABLE (the event does not take provider),
 * EMAIL_LIMIT (email would have more of the event's places than its
 * max_tickets_per_email), SESSION_EXPIRED (the hold lapsed and the
 * seats are gone, or its extensions are used up), HOLD_LIMIT (a lapsed
 * hold taken again would pass client's cap); an expired hold is re-taken
 * when seats remain, and a hold is pushed to PAYMENT_HOLD_MIN at most
 * HOLD_EXTENSIONS_MAX times.  If a request with provider is already
 * open its token is returned (out->existing); one still being created
 * is ERR_BUSY, unless it was recorded more than PAYMENT_CREATE_MAX ago
 * (its worker died while asking the provider, and no payer ever saw
 * its token): that one is given up and a new one made.  Otherwise a payment row
 * is recorded and out->req says what to ask the provider for: the
 * order's total in its currency, the event's message, a fresh reference
 * and callback secret.  Returns ERR_OK or an outcome; on an outcome
 * nothing is written.
 */
enum err	pay_begin(struct db *db, int64_t now,
		    enum pay_provider provider, int64_t order_id,
		    const char *email, const char *client,
		    struct pay_start *out);

/*
 * Confirms a held order without any provider, inside the caller's write
 * transaction: a payment row of how ("free": the order costs nothing;
 * "manual": confirmed by hand where test_payments allows it) with
 * reference, its ledger row, then the order paid and its tickets issued
 * (order_mark_paid()).  DB_CONSTRAINT when the order is not a live hold
 * or, for "free", costs something.
 */
enum db_rc	pay_confirm_direct(struct db *db, int64_t now,
		    int64_t order_id, const char *how, const char *reference);

/* Does the event take payments through provider (its
 * payment_providers)?  0 also when it cannot be read. */
int		pay_event_takes(struct db *db, int64_t event_id,
		    enum pay_provider provider);

/*
 * Records the phone a request is pushed to (M-Pesa), before the
 * provider is asked: a callback naming another payer is refused.
 */
enum err	pay_set_phone(struct db *db, int64_t payment_id,
		    const char *phone);

/* Records what the provider calls a created request. */
enum err	pay_created(struct db *db, int64_t payment_id,
		    const struct pay_created *created);

/* Records a failed create and makes the reservation retryable. */
enum err	pay_create_failed(struct db *db, int64_t payment_id,
		    int64_t order_id, const char *reason);

/* A payment as stored. */
struct payment {
	int64_t			 id;
	int64_t			 order_id;
	int64_t			 amount;	/* minor units */
	enum pay_provider	 provider;	/* PROVIDER__MAX: not ours */
	enum pay_status		 status;	/* PAY_STATUS__MAX: unknown */
	char			 currency[CURRENCY_LEN + 1];
	char			 provider_ref[PAY_REF_MAX + 1];
	char			 token[PAY_TOKEN_MAX + 1];
	char			 callback_hash[TOKEN_HASH_HEX_LEN + 1];
	char			 payment_reference[PAY_REF_MAX + 1];
	char			 phone[PAY_PHONE_MAX + 1]; /* pushed to; "" */
	char			 error_code[PAY_ERROR_CODE_MAX + 1]; /* "" */
};

/* Finds provider's payment by its reference (DB_NOTFOUND if none). */
enum db_rc	pay_find_ref(struct db *db, enum pay_provider provider,
		    const char *provider_ref, struct payment *out);
/* Finds a payment by its token for the payer's device (DB_NOTFOUND if
 * none). */
enum db_rc	pay_find_by_token(struct db *db, const char *token,
		    struct payment *out);
/* The open (created or pending) request of an order, any provider. */
enum db_rc	pay_find_open(struct db *db, int64_t order_id,
		    struct payment *out);
/* The latest payment of an order that reached its provider, whatever
 * its status: what a failed page explains. */
enum db_rc	pay_find_last(struct db *db, int64_t order_id,
		    struct payment *out);
/* The paid payment of an order, for its reference. */
enum db_rc	pay_find_paid(struct db *db, int64_t order_id,
		    struct payment *out);

/*
 * Is secret the callback secret created for p (pay_start's
 * req.callback_secret)?  Compares hashes in constant time; "" is never.
 */
int		pay_secret_ok(const struct payment *p, const char *secret);

/* Is p's request still open (created or pending), not yet final? */
int		pay_is_open(const struct payment *p);

/* What a callback's claim matched (pay_match_callback()). */
enum pay_match {
	PAY_MATCH_OK = 0,	/* our payment, and the right secret */
	PAY_MATCH_UNKNOWN,	/* no payment of ours by that reference */
	PAY_MATCH_BAD_SECRET,	/* ours, but the secret is wrong or missing */
	PAY_MATCH_BUSY,		/* the database did not answer in time */
	PAY_MATCH_ERROR,
	PAY_MATCH__MAX
};

/*
 * Finds the payment a callback claims to be about (claimed's provider
 * and provider_ref) and, unless secret is NULL (a provider whose
 * callbacks are signed), checks it is the one created for that payment
 * (pay_secret_ok()).  Reads only, outside any transaction: a refused
 * callback writes nothing and neither waits for nor takes the write
 * lock, so forged callbacks cost a read each.  An unknown payment's
 * secret is hashed and compared as well (against a hash nothing
 * matches), so both refusals do the same work and the caller answers
 * them alike.  Fills *p on PAY_MATCH_OK (and on BAD_SECRET).
 */
enum pay_match	pay_match_callback(struct db *db,
		    const struct pay_confirmed *claimed, const char *secret,
		    struct payment *p);

/*
 * Stores a callback received from provider in provider_events (a repeat
 * of the same event_key bumps its counter), with what was done.  Call
 * inside or outside a transaction.
 */
enum db_rc	pay_record_event(struct db *db, int64_t now,
		    enum pay_provider provider, const char *event_key,
		    int64_t payment_id, int verified, const char *outcome,
		    const char *body);

/* A refund recorded and not yet confirmed as sent. */
struct pay_refund_due {
	int64_t			 refund_id;	/* refunds row */
	enum pay_provider	 provider;
	struct pay_refund_req	 req;		/* message left NULL */
};

/* What applying a confirmed status did, for work after the commit. */
struct pay_effect {
	int			 tickets_issued;
	int			 refund_needed;	/* refund below is to send */
	struct pay_refund_due	 refund;
	const char		*outcome;	/* static text for the log */
};

/*
 * Applies a status confirmed with the provider (retrieve, never a
 * callback's claim) to the payment and its order in one write
 * transaction, recording body in provider_events under the confirmed
 * event key.  PAID issues the tickets exactly once; a payment that
 * completes after its hold lapsed is honoured if seats remain, otherwise
 * a refund is recorded for the caller to send.  DECLINED, ERROR and
 * CANCELLED end the reservation.  Repeats change nothing.  Returns
 * ERR_OK, ERR_PAYMENT_NOT_FOUND, ERR_BUSY or ERR_INTERNAL.
 */
enum err	pay_apply(struct db *db, int64_t now,
		    const struct pay_confirmed *confirmed, const char *body,
		    struct pay_effect *effect);

/* An open payment request to check with its provider. */
struct pay_open {
	int64_t	 payment_id;
	char	 provider_ref[PAY_REF_MAX + 1];
	int	 order_holds;		/* 0: its order let go of the seats */
};

/*
 * Lists up to max open requests of provider that need a word with it:
 * those whose order no longer holds seats (to cancel) and those created
 * before stale_before (a callback may have been lost).
 */
enum db_rc	pay_list_open(struct db *db, enum pay_provider provider,
		    int64_t stale_before, struct pay_open *out, size_t max,
		    size_t *n);

/* Lists up to max refunds through provider in status requested or
 * error. */
enum db_rc	pay_list_refunds_due(struct db *db, enum pay_provider provider,
		    struct pay_refund_due *out, size_t max, size_t *n);

/*
 * Deletes up to max provider_events last received before `before`, in
 * one short write transaction, keeping those of a payment still open or
 * with a refund not yet sent.  *deleted says how many went (fewer than
 * max: nothing else is due).  Returns DB_OK, DB_BUSY or DB_ERROR.
 */
enum db_rc	pay_prune_events(struct db *db, int64_t before, size_t max,
		    int64_t *deleted);

/*
 * Refunds amount (0: all that is left) of a confirmed order, asked by
 * requested_by (a user id, 0: the system), in one write transaction: a
 * refunds row and its ledger row, the order refunded (all of it: its
 * tickets stop admitting and its seats are free) or partially refunded
 * (its tickets stay valid).  *due is what the caller sends to the
 * provider once committed, then records with pay_refund_result().
 * Returns ERR_OK; ERR_ORDER_STATE or ERR_BAD_REQUEST (the amount) with
 * *detail; ERR_ORDER_NOT_FOUND; or a storage outcome.
 */
enum err	pay_refund_begin(struct db *db, int64_t now, int64_t order_id,
		    int64_t amount, const char *reason, int64_t requested_by,
		    struct pay_refund_due *due, int *full,
		    const char **detail);

/*
 * Ends a confirmed order and refunds amount of it (0 up to what is left;
 * 0 sends nothing), in one write transaction: as pay_refund_begin() with
 * a full refund -- the order refunded, its tickets stopped, its seats
 * free -- whatever the amount, for a cancellation whose policy keeps
 * part of the money.  due->refund_id is 0 when no refund is to be sent.
 * Outcomes as pay_refund_begin().
 */
enum err	pay_refund_close(struct db *db, int64_t now, int64_t order_id,
		    int64_t amount, const char *reason, int64_t requested_by,
		    struct pay_refund_due *due, const char **detail);

/*
 * pay_refund_begin() that, for a partial refund, also voids (refunds)
 * the order's valid tickets named in tickets[0..ntickets) in the same
 * transaction; their value (what was paid for them: the price less the
 * order's discount, pro rata) must not exceed amount, else
 * ERR_BAD_REQUEST with *detail, as for a ticket that is not a valid one
 * of the order.  A full refund voids every ticket whatever is named.
 */
enum err	pay_refund_tickets(struct db *db, int64_t now,
		    int64_t order_id, int64_t amount, const char *reason,
		    int64_t requested_by, const int64_t *tickets,
		    size_t ntickets, struct pay_refund_due *due, int *full,
		    const char **detail);

/*
 * Records that a refund cannot be sent through its provider (it has no
 * such operation: M-Pesa) and is left to a person, with why: `biljett
 * expire` no longer retries it.
 */
enum err	pay_refund_manual(struct db *db, int64_t refund_id,
		    const char *why);

/* Records the result of sending a refund, and the provider's own id
 * for it (NULL or "": none, or keep the one known). */
enum err	pay_refund_result(struct db *db, int64_t refund_id, int ok,
		    const char *error, const char *provider_refund_id);

#endif
