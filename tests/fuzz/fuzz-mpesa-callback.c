/*
 * Fuzzes what Daraja's STK callback route reaches: mpesa_parse_callback
 * on the body, and mpesa_parse_query on the same bytes (the STK query's
 * answer goes through the same reader), plus mpesa_phone_normalise on
 * the input as a C string (what phone_number and the checkout form
 * give it).  A claim that parses must be a whole one: a paid callback
 * has its amount, payer and receipt.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "mpesa.h"
#include "provider.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pay_confirmed	 c;
	char			 phone[PAY_PHONE_MAX + 1], *copy;

	if (size > PROVIDER_BODY_MAX)
		return 0;
	if (mpesa_parse_callback((const char *)data, size, &c) == 0) {
		if (c.provider_ref[0] == '\0' || c.event_key[0] == '\0')
			abort();
		if (c.status == PAY_PAID && (c.amount <= 0 ||
		    c.amount % 100 != 0 || strlen(c.payer) != 12 ||
		    c.payment_reference[0] == '\0'))
			abort();
	}
	(void)mpesa_parse_query((const char *)data, size,
	    "ws_CO_191220191020363925", &c);
	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	if (mpesa_phone_normalise(copy, phone) == 0 &&
	    (strlen(phone) != 12 || strncmp(phone, "254", 3) != 0))
		abort();
	free(copy);
	return 0;
}
