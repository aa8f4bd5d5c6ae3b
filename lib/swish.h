/*
 * The Swish Commerce API (m-commerce) over libcurl with mutual TLS: the
 * Swish row of the provider table (provider.h).  Wire facts:
 * ../shared/protocols.md section 1.  Every call logs one line (method,
 * path, HTTP status, Swish error codes; never keys).  Only the pure
 * parts are declared here besides the row itself, for the unit tests and
 * the fuzzer; everything else goes through swish_ops.
 */
#ifndef BILJETT_SWISH_H
#define BILJETT_SWISH_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"

struct provider_ops;

/* The Swish row of the provider table. */
extern const struct provider_ops swish_ops;

enum swish_status {
	SWISH_CREATED = 0,
	SWISH_PAID,
	SWISH_DECLINED,
	SWISH_ERROR,
	SWISH_CANCELLED,
	SWISH_STATUS__MAX
};

/* A payment request or refund as Swish reports it (GET or callback). */
struct swish_payment {
	char			 id[SWISH_ID_LEN + 1];
	enum swish_status	 status;
	char			 payment_reference[64];	/* bank ref when PAID */
	char			 reference[40];		/* payeePaymentReference */
	int64_t			 amount;		/* öre */
	char			 currency[CURRENCY_LEN + 1]; /* "" if absent */
	char			 date_paid[40];		/* "" when not paid */
	char			 error_code[16];	/* "" when none */
	char			 error_message[256];
};

/* Returns "CREATED", "PAID", ... for status. */
const char	*swish_status_str(enum swish_status status);

/* Fills out with a fresh random upper-case 32-hex instruction id. */
void		 swish_new_id(char out[SWISH_ID_LEN + 1]);

/*
 * Parses a payment-request or refund object (GET reply or callback body).
 * Pure: no I/O.  Returns 0 on success, -1 if the JSON is malformed, a
 * field has the wrong type, or id/status is missing or invalid.
 */
int		 swish_parse_payment(const char *json, size_t len,
		    struct swish_payment *out);

#endif
