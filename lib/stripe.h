/*
 * Stripe PaymentIntents over lib/httpc: the Stripe row of the provider
 * table (provider.h).  Wire facts: ../shared/protocols.md section 2.
 * Every call logs one line (method, path, HTTP status, Request-Id,
 * Stripe's error type and code); never a key, the Authorization header
 * or a client_secret.  Only the pure parts are declared here besides the
 * row itself, for the unit tests and the fuzzer.
 */
#ifndef BILJETT_STRIPE_H
#define BILJETT_STRIPE_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"

struct pay_confirmed;
struct provider_ops;

/*
 * The API version every request pins (Stripe-Version), so that a change
 * of the account's default version cannot change the objects these
 * parsers read.
 */
#define STRIPE_API_VERSION	"2025-10-29.clover"

/* The Stripe row of the provider table. */
extern const struct provider_ops stripe_ops;

/* What checking a Stripe-Signature header came to. */
enum stripe_sig {
	STRIPE_SIG_OK = 0,
	STRIPE_SIG_MALFORMED,	/* no t, no v1, garbage, too long */
	STRIPE_SIG_STALE,	/* t over STRIPE_SIG_TOLERANCE from now */
	STRIPE_SIG_MISMATCH,	/* no v1 is the body's signature */
	STRIPE_SIG__MAX
};

/* Returns "ok", "malformed", "stale", "mismatch". */
const char	*stripe_sig_str(enum stripe_sig sig);

/*
 * Checks header ("t=<unix seconds>,v1=<hex>[,v1=...][,v0=...]") against
 * the raw body as protocols.md 2.5 says: HMAC-SHA256 keyed with secret
 * (the whole "whsec_..." string) over "<t>.<body>", accepted when any v1
 * equals it (compared in constant time, lengths first) and t is within
 * STRIPE_SIG_TOLERANCE seconds of now, either side.  Pure apart from the
 * clock it is given.  A NULL or empty secret or header never verifies.
 */
enum stripe_sig	 stripe_sig_check(const char *secret, const char *header,
		    const char *body, size_t len, int64_t now);

/*
 * Parses a PaymentIntent object (the answer of GET
 * /v1/payment_intents/{id}) into out: provider_ref its id, the status
 * mapped onto ours (succeeded: PAY_PAID with amount_received and
 * latest_charge as payment_reference; processing: PAY_PENDING;
 * canceled: PAY_CANCELLED; requires_payment_method with a
 * last_payment_error: PAY_DECLINED with its code; the other requires_*:
 * PAY_CREATED), the currency upper-cased, event_key "<id>/<status>".
 * Pure.  Returns 0, or -1 when the JSON is malformed, a field has the
 * wrong type or id or status is missing or unknown.
 */
int		 stripe_parse_intent(const char *json, size_t len,
		    struct pay_confirmed *out);

/*
 * Parses an event (a webhook body, already authenticated) into out:
 * event_key the event id.  payment_intent.succeeded, .payment_failed
 * (always PAY_DECLINED), .processing and .canceled read data.object as
 * stripe_parse_intent() does; charge.refunded gives PAY_REFUNDED with
 * provider_ref the charge's payment_intent, amount its amount_refunded
 * and payment_reference the charge id.  Any other type parses to status
 * PAY_STATUS__MAX (authentic, nothing for us), provider_ref the payment
 * intent of data.object if it names one.  Pure.  Returns 0, or -1 when
 * the JSON is malformed or a field it needs is missing or wrong.
 */
int		 stripe_parse_event(const char *json, size_t len,
		    struct pay_confirmed *out);

#endif
