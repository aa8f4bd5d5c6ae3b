/*
 * M-Pesa Express (Safaricom Daraja: OAuth, STK push, STK query, the STK
 * callback) over lib/httpc: the M-Pesa row of the provider table
 * (provider.h).  Wire facts: ../shared/protocols.md section 3.  Every
 * call logs one line (method, path, HTTP status, Daraja's error code);
 * never a key, the passkey, the Password or an access token.  Only the
 * pure parts are declared here besides the row itself, for the unit
 * tests and the fuzzer.
 *
 * Daraja signs nothing: the callback URL carries the payment's callback
 * secret as its last path segment (public_url +
 * "/api/webhooks/mpesa/<secret>/"), which cgi-bin/pay.c hands to
 * verify_callback as the header and lib/payment matches by hash.
 */
#ifndef BILJETT_MPESA_H
#define BILJETT_MPESA_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"

struct pay_confirmed;
struct provider_ops;

/* The M-Pesa row of the provider table. */
extern const struct provider_ops mpesa_ops;

/* Daraja's timestamps: YYYYMMDDHHMMSS. */
#define MPESA_TIMESTAMP_LEN	14

/* Africa/Nairobi is UTC+3 all year (no daylight saving time). */
#define MPESA_UTC_OFFSET	(3 * 3600)

/*
 * Writes now (Unix seconds) as Daraja's Timestamp in Nairobi time,
 * whatever TZ says.  Pure.
 */
void		 mpesa_timestamp(int64_t now, char out[MPESA_TIMESTAMP_LEN + 1]);

/*
 * Writes the STK Password, base64 (standard, padded) of shortcode +
 * passkey + timestamp, into out (outsz bytes).  Pure.  Returns 0, or -1
 * when it does not fit or an argument is empty.
 */
int		 mpesa_password(const char *shortcode, const char *passkey,
		    const char *timestamp, char *out, size_t outsz);

/*
 * Normalises a Kenyan mobile number to the MSISDN Daraja takes,
 * "2547XXXXXXXX" or "2541XXXXXXXX": accepts that, "+254..." and the
 * national "07XXXXXXXX" / "01XXXXXXXX", with spaces between the digits.
 * Pure.  Returns 0, or -1 for anything else.
 */
int		 mpesa_phone_normalise(const char *in,
		    char out[PAY_PHONE_MAX + 1]);

/*
 * The payment status a Daraja ResultCode stands for: 0 PAY_PAID; 1
 * (insufficient funds), 1032 (cancelled by the payer), 1037 (the phone
 * did not answer), 1019 (expired), 2001 (wrong PIN) PAY_DECLINED; any
 * other PAY_ERROR.  Pure.
 */
int		 mpesa_result_status(long code);

/*
 * Parses an STK callback body ({"Body": {"stkCallback": {...}}}) into
 * out: provider_ref its CheckoutRequestID, status by ResultCode (a
 * number, or a string of digits), error_code the ResultCode unless 0,
 * and from CallbackMetadata (items looked up by Name) the amount in
 * minor units of KES, payer the PhoneNumber and payment_reference the
 * MpesaReceiptNumber; event_key "<CheckoutRequestID>/<ResultCode>".
 * Pure.  Returns 0, or -1 when the JSON is malformed, a field has the
 * wrong type, a required one is missing, or a paid callback lacks its
 * amount, phone or receipt.
 */
int		 mpesa_parse_callback(const char *json, size_t len,
		    struct pay_confirmed *out);

/*
 * Parses the 2xx answer of an STK query into out (provider_ref
 * CheckoutRequestID, status by ResultCode, amount PAY_AMOUNT_UNREPORTED,
 * event_key as the callback's).  Pure.  Returns 0, or -1 when it is
 * malformed or names another CheckoutRequestID than checkout_id.
 */
int		 mpesa_parse_query(const char *json, size_t len,
		    const char *checkout_id, struct pay_confirmed *out);

#endif
