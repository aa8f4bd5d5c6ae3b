/*
 * Payment providers behind one table of operations.  Each provider is a
 * row (Swish, Stripe, M-Pesa; free is the next row) that
 * talks its own wire protocol and speaks this vocabulary to the rest of
 * biljett: our own payment statuses, amounts in minor units with a
 * currency, and provider-neutral requests and answers sized by the
 * PAY_* limits.  Wire facts: ../shared/protocols.md.
 *
 * Operations that reach the network block for at most the provider's
 * configured timeout and must never run inside a database transaction.
 * Every one writes a one-line reason into err on failure (never keys or
 * secrets).  Payment bookkeeping is not here: lib/payment records what
 * was asked and applies what a provider confirms.
 */
#ifndef BILJETT_PROVIDER_H
#define BILJETT_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"

struct conf;

/* The rows of the table; provider_name() is what payments.provider holds. */
enum pay_provider {
	PROVIDER_SWISH = 0,
	PROVIDER_STRIPE,
	PROVIDER_MPESA,
	PROVIDER__MAX
};

/*
 * A payment's status in our own words, stored in payments.status by
 * pay_status_str() name.  Each provider maps its statuses onto these.
 */
enum pay_status {
	PAY_CREATED = 0,	/* asked for; the payer has not finished */
	PAY_PENDING,		/* the payer finished; money on its way */
	PAY_PAID,
	PAY_DECLINED,		/* the payer said no */
	PAY_ERROR,		/* failed (or could not even be created) */
	PAY_CANCELLED,		/* withdrawn by us before it was paid */
	PAY_REFUNDED,
	PAY_STATUS__MAX
};

/* What a provider operation came to. */
enum pay_err {
	PAY_OK = 0,
	PAY_ERR_TRANSPORT,	/* connect, TLS, timeout */
	PAY_ERR_REJECTED,	/* the provider refused the request (4xx) */
	PAY_ERR_NOTFOUND,	/* no such payment or refund there */
	PAY_ERR_SERVER,		/* the provider failed (5xx) */
	PAY_ERR_PROTOCOL,	/* a reply or callback we cannot understand */
	PAY_ERR_FORGED,		/* a callback that fails authentication */
	PAY_ERR_UNSUPPORTED,	/* the provider has no such operation */
	PAY_ERR__MAX
};

/* What to ask a provider for (create).  All strings are NUL-terminated. */
struct pay_request {
	char	 ref[PAY_REF_MAX + 1];		/* ours, from new_ref() */
	int64_t	 amount;			/* minor units, > 0 */
	char	 currency[CURRENCY_LEN + 1];	/* ISO 4217 */
	char	 message[PAY_MESSAGE_MAX * 4 + 1]; /* to the payer, UTF-8 */
	char	 callback_secret[TOKEN_HEX_LEN + 1]; /* see verify_callback */
	char	 reference[PAY_REF_MAX + 1];	/* our order code */
	/*
	 * A payment method the payer gave us to charge on the server (a
	 * Stripe pm_... or tok_... id, never card data), or "" when the
	 * payer pays on their own device.  With one, create also confirms:
	 * the answer is final or on its way (retrieve says which).
	 */
	char	 payment_method[PAY_METHOD_MAX + 1];
	/* The payer's phone for a provider that pushes the request to it
	 * (M-Pesa: 2547XXXXXXXX, mpesa_phone_normalise()); "" otherwise. */
	char	 phone[PAY_PHONE_MAX + 1];
};

/* What a created request is called from now on. */
struct pay_created {
	char	 provider_ref[PAY_REF_MAX + 1];	/* the provider's id for it */
	char	 token[PAY_TOKEN_MAX + 1];	/* for the payer's device; "" */
};

/*
 * A payment (or refund) as a provider reports it: the answer of
 * retrieve, or what a callback claims.
 */
struct pay_confirmed {
	enum pay_provider provider;
	char	 provider_ref[PAY_REF_MAX + 1];
	enum pay_status	 status;
	/* Minor units; PAY_AMOUNT_UNREPORTED when the answer names no
	 * amount (M-Pesa's STK query): then the request's own, which the
	 * provider ties to its id at create and never changes. */
	int64_t	 amount;
	char	 currency[CURRENCY_LEN + 1];	/* "" if not reported */
	/* Who paid, as the provider reports it (an M-Pesa MSISDN); "" when
	 * not reported.  Compared with what was asked, never stored. */
	char	 payer[PAY_PHONE_MAX + 1];
	/* The money's own reference (Swish paymentReference, an M-Pesa
	 * receipt, a Stripe charge): what a refund names.  "" unless paid. */
	char	 payment_reference[PAY_REF_MAX + 1];
	/* Unique per provider event (Swish: "<id>/<STATUS>"), so a repeat
	 * is recognised in provider_events. */
	char	 event_key[PAY_EVENT_KEY_MAX + 1];
	char	 error_code[PAY_ERROR_CODE_MAX + 1];	/* "" when none */
};

#define PAY_AMOUNT_UNREPORTED	INT64_C(-1)

/* An inbound callback, as received. */
struct pay_callback {
	const char	*body;		/* raw, at most PROVIDER_BODY_MAX */
	size_t		 len;
	/* ops->callback_header's value or, for a provider whose secret is
	 * in the callback URL's path (M-Pesa), that path segment; or NULL. */
	const char	*header;
	int64_t		 now;		/* for signature time windows */
};

/* A refund to send. */
struct pay_refund_req {
	char		 ref[PAY_REF_MAX + 1];	/* ours, from new_ref() */
	char		 payment_ref[PAY_REF_MAX + 1];	/* the payment's */
	char		 payment_reference[PAY_REF_MAX + 1]; /* its money's */
	int64_t		 amount;			/* minor units, > 0 */
	char		 currency[CURRENCY_LEN + 1];
	const char	*message;		/* to the payer; may be NULL */
};

/*
 * One row of the table.  ctx is what open() returned.  Every operation
 * is required unless marked optional (NULL: the provider has none).
 */
struct provider_ops {
	const char	*name;		/* "swish": payments.provider */
	const char	*label;		/* "Swish", for logs */
	/* The request header verify_callback() reads (Swish's
	 * callbackIdentifier), or NULL. */
	const char	*callback_header;
	/* Non-zero when verify_callback() cannot authenticate a callback
	 * alone: it hands back the secret the caller presented, and the
	 * caller matches it with the one stored for the payment (Swish).
	 * Zero when verify_callback() checked a signature (Stripe). */
	int		 callback_secret;
	/* Non-zero when the provider has no refund biljett speaks on its
	 * wire (M-Pesa: reversals and B2C need an initiator's credential):
	 * its refunds are recorded and left to a person, and refund()
	 * answers PAY_ERR_UNSUPPORTED. */
	int		 refunds_by_hand;

	/* Reads the provider's settings from conf (which must outlive the
	 * context).  Returns a context for the other operations (free with
	 * close()), or NULL with a reason in err. */
	void		*(*open)(const struct conf *conf, char *err,
			    size_t errsz);
	void		 (*close)(void *ctx);

	/* Writes a fresh reference of ours for a payment or refund request
	 * (Swish: the instruction UUID).  Pure apart from randomness. */
	void		 (*new_ref)(char ref[PAY_REF_MAX + 1]);

	/* Asks the provider to collect req.  On PAY_OK fills out. */
	enum pay_err	 (*create)(void *ctx, const struct pay_request *req,
			    struct pay_created *out, char *err, size_t errsz);

	/* Fetches the payment's status: the only word that is applied. */
	enum pay_err	 (*retrieve)(void *ctx, const char *provider_ref,
			    struct pay_confirmed *out, char *err,
			    size_t errsz);

	/* Withdraws an unpaid request.  PAY_ERR_REJECTED when it is no
	 * longer cancellable (retrieve tells why). */
	enum pay_err	 (*cancel)(void *ctx, const char *provider_ref,
			    char *err, size_t errsz);

	/* Sends a refund of a paid payment.  On PAY_OK writes the
	 * provider's own id for the refund into id ("" if it has none). */
	enum pay_err	 (*refund)(void *ctx, const struct pay_refund_req *req,
			    char id[PAY_REF_MAX + 1], char *err, size_t errsz);

	/* Fetches a refund sent before (optional): PAY_OK means it reached
	 * the provider, so it must not be sent again. */
	enum pay_err	 (*refund_retrieve)(void *ctx, const char *ref,
			    struct pay_confirmed *out, char *err,
			    size_t errsz);

	/*
	 * Parses and authenticates an inbound callback without touching
	 * the database: PAY_OK with what it claims in *claimed and, for
	 * callback_secret providers, the secret it presented in secret
	 * ("" if none); PAY_ERR_PROTOCOL for a malformed body;
	 * PAY_ERR_FORGED for a bad signature.  A claim is never applied:
	 * the caller confirms it with retrieve().
	 */
	enum pay_err	 (*verify_callback)(void *ctx,
			    const struct pay_callback *cb,
			    struct pay_confirmed *claimed,
			    char secret[PAY_SECRET_MAX + 1], char *err,
			    size_t errsz);

	/* A QR code PNG for paying token from another device (optional).
	 * On PAY_OK *png is malloc'd: free with free(). */
	enum pay_err	 (*qr)(void *ctx, const char *token,
			    unsigned char **png, size_t *len, char *err,
			    size_t errsz);

	/* Normalises a payer's phone number into the form the provider
	 * pushes requests to (optional: M-Pesa's "2547XXXXXXXX").  Pure;
	 * needs no context.  Returns 0, or -1 when in is not one. */
	int		 (*payer)(const char *in, char out[PAY_PHONE_MAX + 1]);

	/* A link that opens the provider's app for token (optional).
	 * Returns 0, or -1 if it does not fit. */
	int		 (*app_link)(void *ctx, const char *token, char *buf,
			    size_t bufsz);
};

/* A provider opened with its settings (provider_open()). */
struct provider {
	enum pay_provider		 id;
	const struct provider_ops	*ops;
	void				*ctx;
};

/*
 * The table itself lives in lib/providers.c, the one file that names
 * the implementations (so that they depend on this header, not the
 * reverse).  Returns the row of id (never NULL for id < PROVIDER__MAX).
 */
const struct provider_ops *provider_ops(enum pay_provider id);
/* Returns "swish", ..., or "" for an id out of range. */
const char	*provider_name(enum pay_provider id);
/* Returns the provider called name, or PROVIDER__MAX if none is. */
enum pay_provider provider_parse(const char *name);

/*
 * Opens provider id with its settings from conf into pv.  Returns 0, or
 * -1 with a reason in err.  Close with provider_close() (NULL-safe,
 * idempotent).
 */
int		 provider_open(struct provider *pv, enum pay_provider id,
		    const struct conf *conf, char *err, size_t errsz);
void		 provider_close(struct provider *pv);

/* The operations on an open provider; optional ones that the provider
 * lacks answer PAY_ERR_UNSUPPORTED (app_link: -1). */
enum pay_err	 provider_create(const struct provider *pv,
		    const struct pay_request *req, struct pay_created *out,
		    char *err, size_t errsz);
enum pay_err	 provider_retrieve(const struct provider *pv,
		    const char *provider_ref, struct pay_confirmed *out,
		    char *err, size_t errsz);
enum pay_err	 provider_cancel(const struct provider *pv,
		    const char *provider_ref, char *err, size_t errsz);
enum pay_err	 provider_refund(const struct provider *pv,
		    const struct pay_refund_req *req, char id[PAY_REF_MAX + 1],
		    char *err, size_t errsz);
enum pay_err	 provider_refund_retrieve(const struct provider *pv,
		    const char *ref, struct pay_confirmed *out, char *err,
		    size_t errsz);
enum pay_err	 provider_verify_callback(const struct provider *pv,
		    const struct pay_callback *cb,
		    struct pay_confirmed *claimed,
		    char secret[PAY_SECRET_MAX + 1], char *err, size_t errsz);
enum pay_err	 provider_qr(const struct provider *pv, const char *token,
		    unsigned char **png, size_t *len, char *err, size_t errsz);
int		 provider_app_link(const struct provider *pv,
		    const char *token, char *buf, size_t bufsz);

/* Are provider id's refunds left to a person (its refunds_by_hand)? */
int		 provider_refunds_by_hand(enum pay_provider id);

/*
 * Normalises in as provider id's payer phone number (its payer op),
 * whether or not the provider is configured.  Returns 0, or -1 when it
 * is not one or the provider takes no phone numbers.
 */
int		 provider_payer(enum pay_provider id, const char *in,
		    char out[PAY_PHONE_MAX + 1]);

/* A new_ref for a provider that takes any reference of ours: a random
 * UUID v4, lower case (Stripe's Idempotency-Key, M-Pesa's log and
 * refunds-table reference). */
void		 provider_uuid_ref(char ref[PAY_REF_MAX + 1]);

/* Returns "created", "paid", ... (the stored names), or "" if invalid. */
const char	*pay_status_str(enum pay_status status);
/* Returns the status called name, or PAY_STATUS__MAX if none is. */
enum pay_status	 pay_status_parse(const char *name);
/* Returns a static reason for err ("transport", "rejected", ...). */
const char	*pay_errstr(enum pay_err err);

#endif
