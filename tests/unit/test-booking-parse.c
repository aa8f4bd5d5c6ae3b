/*
 * Seed 001's booking input and words, the pure parts of lib/booking and
 * lib/env001: a POST /api/bookings body is taken or refused field by
 * field (1-10 distinct seats as "seat_N" or N, a card payment method),
 * every order status has a seed word whose filter set holds it, and the
 * envelope and ids come out in the seed's shape.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "booking.h"
#include "check.h"
#include "env001.h"

/* Parses text; *errs gets the reasons.  Returns the outcome. */
static enum err
parse(const char *text, struct booking_in *in, cJSON **errs)
{
	cJSON		*body = cJSON_Parse(text);
	enum err	 e;

	*errs = cJSON_CreateObject();
	e = booking_parse(body, in, *errs);
	cJSON_Delete(body);
	return e;
}

/* Is field among the reasons of a refused body? */
static int
refused(const char *text, const char *field)
{
	struct booking_in	 in;
	cJSON			*errs;
	int			 yes;

	yes = parse(text, &in, &errs) == ERR_BAD_REQUEST &&
	    cJSON_GetObjectItem(errs, field) != NULL;
	cJSON_Delete(errs);
	return yes;
}

static void
check_input(void)
{
	struct booking_in	 in;
	cJSON			*errs;

	CHECK(parse("{\"eventId\": \"varspelet\", \"seatIds\": [\"seat_12\","
	    " 13], \"paymentMethod\": {\"type\": \"card\", \"token\":"
	    " \"pm_card_visa\"}}", &in, &errs) == ERR_OK);
	CHECK(strcmp(in.event, "varspelet") == 0);
	CHECK(in.nseats == 2 && in.seats[0] == 12 && in.seats[1] == 13);
	CHECK(strcmp(in.payment_method, "pm_card_visa") == 0);
	CHECK(cJSON_GetArraySize(errs) == 0);
	cJSON_Delete(errs);

	/* A numeric event id; a card token. */
	CHECK(parse("{\"eventId\": 7, \"seatIds\": [1], \"paymentMethod\":"
	    " {\"type\": \"card\", \"token\": \"tok_visa\"}}", &in, &errs) ==
	    ERR_OK && strcmp(in.event, "7") == 0);
	cJSON_Delete(errs);

	/* Too few or too many seats: the seed's own code. */
	CHECK(parse("{\"eventId\": 7, \"seatIds\": [], \"paymentMethod\":"
	    " {\"type\": \"card\", \"token\": \"pm_x\"}}", &in, &errs) ==
	    ERR_SEAT_COUNT);
	cJSON_Delete(errs);
	CHECK(parse("{\"eventId\": 7, \"seatIds\": [1,2,3,4,5,6,7,8,9,10,11],"
	    " \"paymentMethod\": {\"type\": \"card\", \"token\": \"pm_x\"}}",
	    &in, &errs) == ERR_SEAT_COUNT);
	cJSON_Delete(errs);

	/* Each bad field is named; a bad field outranks the seat count. */
	CHECK(refused("{\"seatIds\": [1], \"paymentMethod\": {\"type\":"
	    " \"card\", \"token\": \"pm_x\"}}", "eventId"));
	CHECK(refused("{\"eventId\": 1.5, \"seatIds\": [1]}", "eventId"));
	CHECK(refused("{\"eventId\": 7, \"seatIds\": []}", "paymentMethod"));
	CHECK(refused("{\"eventId\": 7, \"seatIds\": \"seat_1\"}", "seatIds"));
	CHECK(refused("{\"eventId\": 7, \"seatIds\": [\"A1\"]}", "seatIds"));
	CHECK(refused("{\"eventId\": 7, \"seatIds\": [\"seat_\"]}", "seatIds"));
	CHECK(refused("{\"eventId\": 7, \"seatIds\": [0]}", "seatIds"));
	CHECK(refused("{\"eventId\": 7, \"seatIds\": [3, \"seat_3\"]}",
	    "seatIds"));
	CHECK(refused("{\"eventId\": 7, \"seatIds\": [3], \"paymentMethod\":"
	    " {\"type\": \"swish\", \"token\": \"pm_x\"}}", "paymentMethod"));
	CHECK(refused("{\"eventId\": 7, \"seatIds\": [3], \"paymentMethod\":"
	    " {\"type\": \"card\", \"token\": \"4242 4242\"}}",
	    "paymentMethod.token"));
	CHECK(refused("{\"eventId\": 7, \"seatIds\": [3], \"paymentMethod\":"
	    " {\"type\": \"card\", \"token\": \"src_123\"}}",
	    "paymentMethod.token"));
	CHECK(refused("[1]", "body"));
}

static void
check_words(void)
{
	const char	*set;
	char		 needle[32];
	int		 i;

	for (i = 0; i < ORDER_STATUS__MAX; i++) {
		set = booking_status_set(booking_status_word(
		    (enum order_status)i));
		CHECK(set != NULL);
		snprintf(needle, sizeof(needle), ",%s,",
		    order_status_str((enum order_status)i));
		CHECK(strstr(set, needle) != NULL);
	}
	CHECK(strcmp(booking_status_word(ORDER_RESERVED), "PENDING") == 0);
	CHECK(strcmp(booking_status_word(ORDER_PAID), "CONFIRMED") == 0);
	CHECK(strcmp(booking_status_word(ORDER_REFUNDED), "CANCELLED") == 0);
	CHECK(strcmp(booking_status_word(ORDER_EXPIRED), "FAILED") == 0);
	CHECK(booking_status_set("SOLD") == NULL);
	CHECK(booking_status_set(NULL) == NULL);
}

static void
check_envelope(void)
{
	cJSON		*doc, *e;
	char		 buf[64];
	int		 status;

	doc = env001_wrap(cJSON_CreateString("x"), NULL, 0);
	CHECK(doc != NULL && strcmp(cJSON_GetObjectItem(doc, "data")->valuestring,
	    "x") == 0);
	CHECK(strncmp(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "meta"),
	    "requestId")->valuestring, "req_", 4) == 0);
	CHECK(cJSON_GetObjectItem(doc, "pagination") == NULL);
	cJSON_Delete(doc);

	doc = env001_error("BOOKING_NOT_FOUND", "gone", NULL);
	e = cJSON_GetObjectItem(doc, "error");
	CHECK(strcmp(cJSON_GetObjectItem(e, "code")->valuestring,
	    "BOOKING_NOT_FOUND") == 0);
	CHECK(cJSON_GetObjectItem(e, "details") == NULL);
	cJSON_Delete(doc);

	CHECK(strcmp(env001_code(ERR_ORDER_NOT_FOUND, &status),
	    "BOOKING_NOT_FOUND") == 0 && status == 404);
	CHECK(strcmp(env001_code(ERR_LOGIN_FAILED, &status),
	    "INVALID_CREDENTIALS") == 0 && status == 401);
	CHECK(strcmp(env001_code(ERR_SEAT_TAKEN, &status),
	    "SEAT_UNAVAILABLE") == 0 && status == 409);
	CHECK(strcmp(env001_code(ERR_SEAT_COUNT, &status),
	    "INVALID_SEAT_COUNT") == 0 && status == 400);

	CHECK(env001_num_id(buf, sizeof(buf), ENV001_USER, 42) == 0 &&
	    strcmp(buf, "usr_42") == 0);
	CHECK(env001_num_id(buf, 5, ENV001_USER, 42) == -1);
	CHECK(strcmp(env001_strip("bkg_abc", ENV001_BOOKING), "abc") == 0);
	CHECK(env001_strip("bkg_", ENV001_BOOKING) == NULL);
	CHECK(env001_strip("abc", ENV001_BOOKING) == NULL);
	CHECK(strcmp(env001_role("customer"), "USER") == 0);
	CHECK(strcmp(env001_role("admin"), "ADMIN") == 0);
}

int
main(void)
{
	check_input();
	check_words();
	check_envelope();
	return CHECK_DONE();
}
