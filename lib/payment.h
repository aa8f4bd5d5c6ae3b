/*
 * The payment state machine for one order, provider-neutral where it can
 * be.  Network calls to the provider never happen inside a transaction:
 * pay_begin() records the intent, the caller talks to the provider, then
 * pay_created()/pay_create_failed() record the answer; callbacks are
 * confirmed with the provider first and then applied by pay_apply().
 */
#ifndef BILJETT_PAYMENT_H
#define BILJETT_PAYMENT_H

#include <stdint.h>

#include "db.h"
#include "err.h"
#include "limits.h"
#include "swish.h"

struct session;

/* Minimum hold once a payment has started: Swish times out after ~3 min. */
#define PAYMENT_HOLD_MIN	300

/* What pay_begin() decided. */
struct pay_start {
	int		 existing;		/* token below is the answer */
	char		 token[SWISH_TOKEN_MAX + 1];
	int64_t		 payment_id;		/* new payment to create */
	int64_t		 order_id;
	int64_t		 amount;		/* minor units */
	char		 instruction_id[SWISH_ID_LEN + 1];
	char		 callback_identifier[TOKEN_HEX_LEN + 1];
	char		 message[SWISH_MESSAGE_MAX * 4 + 1];
	char		 reference[16];		/* order code */
};

/*
 * Starts paying the session's order, in one write transaction:
 * INVALID_SESSION (no order), ALREADY_PAID, SESSION_EXPIRED (the hold
 * lapsed and the seats are gone); an expired hold is re-taken when seats
 * remain.  If a payment request is already open its token is returned
 * (out->existing).  Otherwise a payment row is recorded and out says
 * what to ask the provider for.  Returns ERR_OK or an outcome.
 */
enum err	pay_begin(struct db *db, int64_t now, int64_t order_id,
		    const char *email, struct pay_start *out);

/* Records the provider's token for a created request. */
enum err	pay_created(struct db *db, int64_t payment_id,
		    const char *token);

/* Records a failed create and makes the reservation retryable. */
enum err	pay_create_failed(struct db *db, int64_t payment_id,
		    int64_t order_id, const char *reason);

/* A payment as stored. */
struct payment {
	int64_t	 id;
	int64_t	 order_id;
	int64_t	 amount;
	char	 status[16];
	char	 provider_ref[SWISH_ID_LEN + 1];
	char	 token[SWISH_TOKEN_MAX + 1];
	char	 callback_hash[TOKEN_HASH_HEX_LEN + 1];
	char	 payment_reference[64];
};

/* Finds a Swish payment by instruction id (DB_NOTFOUND if none). */
enum db_rc	pay_find_swish(struct db *db, const char *instruction_id,
		    struct payment *out);
/* Finds a payment by its m-commerce token (DB_NOTFOUND if none). */
enum db_rc	pay_find_by_token(struct db *db, const char *token,
		    struct payment *out);
/* The open (created or pending) Swish request of an order. */
enum db_rc	pay_find_open(struct db *db, int64_t order_id,
		    struct payment *out);
/* The paid payment of an order, for its reference. */
enum db_rc	pay_find_paid(struct db *db, int64_t order_id,
		    struct payment *out);

/*
 * Stores a received callback in provider_events (a repeat of the same
 * request id and status bumps its counter), with what was done.  Call
 * inside or outside a transaction.
 */
enum db_rc	pay_record_event(struct db *db, int64_t now,
		    const char *event_key, int64_t payment_id, int verified,
		    const char *outcome, const char *body);

/* What applying a confirmed status did, for work after the commit. */
struct pay_effect {
	int		 tickets_issued;
	int		 refund_needed;
	int64_t		 refund_id;		/* refunds row */
	int64_t		 refund_amount;
	char		 refund_instruction[SWISH_ID_LEN + 1];
	char		 payment_reference[64];
	const char	*outcome;		/* static text for the log */
};

/*
 * Applies a status confirmed with Swish (never a callback body) to the
 * payment and its order in one write transaction, recording the callback
 * body in provider_events.  PAID issues the tickets exactly once; a
 * payment that completes after its hold lapsed is honoured if seats
 * remain, otherwise a refund is recorded for the caller to send.
 * DECLINED, ERROR and CANCELLED end the reservation.  Repeats change
 * nothing.  Returns ERR_OK, ERR_PAYMENT_NOT_FOUND, ERR_BUSY or
 * ERR_INTERNAL.
 */
enum err	pay_apply_swish(struct db *db, int64_t now,
		    const struct swish_payment *confirmed, const char *body,
		    struct pay_effect *effect);

/* An open payment request to check with the provider. */
struct pay_open {
	int64_t	 payment_id;
	char	 instruction_id[SWISH_ID_LEN + 1];
	int	 order_holds;		/* 0: its order let go of the seats */
};

/*
 * Lists up to max open Swish requests that need a word with Swish:
 * those whose order no longer holds seats (to cancel) and those created
 * before stale_before (a callback may have been lost).
 */
enum db_rc	pay_list_open(struct db *db, int64_t stale_before,
		    struct pay_open *out, size_t max, size_t *n);

/* A refund not yet confirmed as sent. */
struct pay_refund_due {
	int64_t	 refund_id;
	int64_t	 amount;
	char	 instruction_id[SWISH_ID_LEN + 1];
	char	 payment_reference[64];
};

/* Lists up to max refunds in status requested or error. */
enum db_rc	pay_list_refunds_due(struct db *db, struct pay_refund_due *out,
		    size_t max, size_t *n);

/* Records the result of sending a refund. */
enum err	pay_refund_result(struct db *db, int64_t refund_id, int ok,
		    const char *error);

#endif
