/*
 * The stored names of order and ticket statuses: every value has one,
 * each parses back to its value, and names the schema does not allow
 * parse as the status that sells and admits nothing.
 */
#include <stddef.h>
#include <string.h>

#include "check.h"
#include "order.h"

int
main(void)
{
	int	 i;

	for (i = 0; i < ORDER_STATUS__MAX; i++) {
		CHECK(order_status_str((enum order_status)i) != NULL);
		CHECK(order_status_parse(order_status_str((enum order_status)i))
		    == (enum order_status)i);
	}
	CHECK(strcmp(order_status_str(ORDER_PAID), "paid") == 0);
	CHECK(strcmp(order_status_str(ORDER_PARTIALLY_REFUNDED),
	    "partially_refunded") == 0);
	CHECK(strcmp(order_status_str(ORDER_STATUS__MAX), "unknown") == 0);
	CHECK(order_status_parse("reserved") == ORDER_RESERVED);
	CHECK(order_status_parse("PAID") == ORDER_FAILED);
	CHECK(order_status_parse("") == ORDER_FAILED);
	CHECK(order_status_parse(NULL) == ORDER_FAILED);

	for (i = 0; i < TICKET_STATUS__MAX; i++) {
		CHECK(ticket_status_str((enum ticket_status)i) != NULL);
		CHECK(ticket_status_parse(ticket_status_str(
		    (enum ticket_status)i)) == (enum ticket_status)i);
	}
	CHECK(strcmp(ticket_status_str(TICKET_VALID), "valid") == 0);
	CHECK(strcmp(ticket_status_str(TICKET_STATUS__MAX), "unknown") == 0);
	CHECK(ticket_status_parse("valid") == TICKET_VALID);
	CHECK(ticket_status_parse("used") == TICKET_CANCELLED);
	CHECK(ticket_status_parse(NULL) == TICKET_CANCELLED);
	return CHECK_DONE();
}
