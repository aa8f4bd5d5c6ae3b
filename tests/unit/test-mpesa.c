/*
 * lib/mpesa's pure parts: the STK Password (protocols.md 3.3's test
 * vector), the Nairobi Timestamp whatever TZ says, phone numbers, the
 * ResultCode table, the STK callback (success, failures, malformed) and
 * the STK query answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "mpesa.h"
#include "provider.h"

#define PASSKEY	"bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
#define DOC_PASSWORD "MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2RkNzFhNDY3Y2QyZTBj" \
	"ODkzMDU5YjEwZjc4ZTZiNzJhZGExZWQyYzkxOTIwMjEwNjI4MDkyNDA4"
#define CHECKOUT "ws_CO_191220191020363925"

static void
test_password(void)
{
	char	 pw[256], small[16];

	CHECK(mpesa_password("174379", PASSKEY, "20210628092408", pw,
	    sizeof(pw)) == 0);
	CHECK(strcmp(pw, DOC_PASSWORD) == 0);
	CHECK(mpesa_password("174379", PASSKEY, "20210628092408", small,
	    sizeof(small)) == -1);
	CHECK(mpesa_password("", PASSKEY, "20210628092408", pw,
	    sizeof(pw)) == -1);
	CHECK(mpesa_password("174379", "", "20210628092408", pw,
	    sizeof(pw)) == -1);
}

static void
test_timestamp(void)
{
	char	 ts[MPESA_TIMESTAMP_LEN + 1];

	/* 2021-06-28 06:24:08 UTC is 09:24:08 in Nairobi. */
	setenv("TZ", "America/Los_Angeles", 1);
	tzset();
	mpesa_timestamp(1624861448, ts);
	CHECK(strcmp(ts, "20210628092408") == 0);
	setenv("TZ", "Europe/Stockholm", 1);
	tzset();
	mpesa_timestamp(1624861448, ts);
	CHECK(strcmp(ts, "20210628092408") == 0);
	/* Across midnight and the year: 2023-12-31 22:30:00 UTC. */
	mpesa_timestamp(1704061800, ts);
	CHECK(strcmp(ts, "20240101013000") == 0);
}

static void
test_phone(void)
{
	static const struct {
		const char	*in;
		const char	*out;	/* NULL: refused */
	} cases[] = {
		{ "254708374149", "254708374149" },
		{ "+254708374149", "254708374149" },
		{ "0708374149", "254708374149" },
		{ "0110374149", "254110374149" },
		{ "254110374149", "254110374149" },
		{ "+254 708 374 149", "254708374149" },
		{ "0708 374 149", "254708374149" },
		{ "708374149", NULL },
		{ "25470837414", NULL },
		{ "2547083741490", NULL },
		{ "255708374149", NULL },
		{ "254208374149", NULL },
		{ "0208374149", NULL },
		{ "+0708374149", NULL },
		{ "07083741a9", NULL },
		{ " 0708374149", NULL },
		{ "0708374149 ", NULL },
		{ "0708--374149", NULL },
		{ "", NULL },
		{ "++254708374149", NULL },
		{ "2547083741499999999999999", NULL },
	};
	char	 out[PAY_PHONE_MAX + 1];
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = mpesa_phone_normalise(cases[i].in, out);

		if (cases[i].out == NULL)
			CHECK(rc == -1);
		else
			CHECK(rc == 0 && strcmp(out, cases[i].out) == 0);
		if ((cases[i].out == NULL) != (rc == -1))
			fprintf(stderr, "phone case %zu: %s\n", i, cases[i].in);
	}
	CHECK(mpesa_phone_normalise(NULL, out) == -1);
}

static void
test_result_codes(void)
{
	CHECK(mpesa_result_status(0) == PAY_PAID);
	CHECK(mpesa_result_status(1) == PAY_DECLINED);
	CHECK(mpesa_result_status(1032) == PAY_DECLINED);
	CHECK(mpesa_result_status(1037) == PAY_DECLINED);
	CHECK(mpesa_result_status(1019) == PAY_DECLINED);
	CHECK(mpesa_result_status(2001) == PAY_DECLINED);
	CHECK(mpesa_result_status(17) == PAY_ERROR);
	CHECK(mpesa_result_status(9999) == PAY_ERROR);
}

static int
callback(const char *json, struct pay_confirmed *out)
{
	return mpesa_parse_callback(json, strlen(json), out);
}

static void
test_callback(void)
{
	struct pay_confirmed	 c;

	/* protocols.md 3.4's success sample, items in another order. */
	CHECK(callback("{\"Body\":{\"stkCallback\":{"
	    "\"MerchantRequestID\":\"29115-34620561-1\","
	    "\"CheckoutRequestID\":\"" CHECKOUT "\",\"ResultCode\":0,"
	    "\"ResultDesc\":\"The service request is processed successfully.\","
	    "\"CallbackMetadata\":{\"Item\":["
	    "{\"Name\":\"PhoneNumber\",\"Value\":254708374149},"
	    "{\"Name\":\"MpesaReceiptNumber\",\"Value\":\"NLJ7RT61SV\"},"
	    "{\"Name\":\"Balance\"},"
	    "{\"Name\":\"TransactionDate\",\"Value\":20191219102115},"
	    "{\"Name\":\"Amount\",\"Value\":1500.00}]}}}}", &c) == 0);
	CHECK(c.provider == PROVIDER_MPESA);
	CHECK(strcmp(c.provider_ref, CHECKOUT) == 0);
	CHECK(c.status == PAY_PAID);
	CHECK(c.amount == 150000);
	CHECK(strcmp(c.currency, "KES") == 0);
	CHECK(strcmp(c.payer, "254708374149") == 0);
	CHECK(strcmp(c.payment_reference, "NLJ7RT61SV") == 0);
	CHECK(strcmp(c.event_key, CHECKOUT "/0") == 0);
	CHECK(c.error_code[0] == '\0');

	/* A failure has no metadata; ResultCode as a string too. */
	CHECK(callback("{\"Body\":{\"stkCallback\":{"
	    "\"MerchantRequestID\":\"f1e2-4b95-a71d-b30d3cdbb7a7942864\","
	    "\"CheckoutRequestID\":\"" CHECKOUT "\",\"ResultCode\":1032,"
	    "\"ResultDesc\":\"Request cancelled by user\"}}}", &c) == 0);
	CHECK(c.status == PAY_DECLINED);
	CHECK(strcmp(c.error_code, "1032") == 0);
	CHECK(strcmp(c.event_key, CHECKOUT "/1032") == 0);
	CHECK(c.payer[0] == '\0' && c.amount == 0);
	CHECK(callback("{\"Body\":{\"stkCallback\":{"
	    "\"MerchantRequestID\":\"1-2-3\",\"CheckoutRequestID\":\""
	    CHECKOUT "\",\"ResultCode\":\"1037\"}}}", &c) == 0);
	CHECK(c.status == PAY_DECLINED && strcmp(c.error_code, "1037") == 0);

	/* Malformed: each leaves nothing behind. */
	CHECK(callback("", &c) == -1);
	CHECK(c.provider_ref[0] == '\0' && c.provider == PROVIDER_MPESA);
	CHECK(callback("{\"Body\":{}}", &c) == -1);
	CHECK(callback("{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":"
	    "\"1\",\"ResultCode\":0}}}", &c) == -1);
	CHECK(callback("{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":"
	    "\"1\",\"CheckoutRequestID\":\"ws/../x\",\"ResultCode\":1}}}",
	    &c) == -1);
	CHECK(callback("{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":"
	    "\"1\",\"CheckoutRequestID\":\"" CHECKOUT "\",\"ResultCode\":"
	    "-1}}}", &c) == -1);
	CHECK(callback("{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":"
	    "\"1\",\"CheckoutRequestID\":\"" CHECKOUT "\",\"ResultCode\":"
	    "1.5}}}", &c) == -1);
	/* Paid without its amount, phone or receipt. */
	CHECK(callback("{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":"
	    "\"1\",\"CheckoutRequestID\":\"" CHECKOUT "\",\"ResultCode\":0}}}",
	    &c) == -1);
	CHECK(callback("{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":"
	    "\"1\",\"CheckoutRequestID\":\"" CHECKOUT "\",\"ResultCode\":0,"
	    "\"CallbackMetadata\":{\"Item\":[{\"Name\":\"Amount\",\"Value\":"
	    "1.5},{\"Name\":\"PhoneNumber\",\"Value\":254708374149},"
	    "{\"Name\":\"MpesaReceiptNumber\",\"Value\":\"X1\"}]}}}}", &c) ==
	    -1);
	CHECK(callback("{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":"
	    "\"1\",\"CheckoutRequestID\":\"" CHECKOUT "\",\"ResultCode\":0,"
	    "\"CallbackMetadata\":{\"Item\":[{\"Name\":\"Amount\",\"Value\":"
	    "1},{\"Name\":\"PhoneNumber\",\"Value\":2547},"
	    "{\"Name\":\"MpesaReceiptNumber\",\"Value\":\"X1\"}]}}}}", &c) ==
	    -1);
}

static void
test_query(void)
{
	struct pay_confirmed	 c;
	const char		*ok = "{\"ResponseCode\":\"0\","
	    "\"ResponseDescription\":\"accepted\",\"MerchantRequestID\":"
	    "\"22205-34066-1\",\"CheckoutRequestID\":\"" CHECKOUT "\","
	    "\"ResultCode\":\"0\",\"ResultDesc\":\"processed\"}";
	const char		*no = "{\"ResponseCode\":\"0\","
	    "\"CheckoutRequestID\":\"" CHECKOUT "\",\"ResultCode\":\"1\"}";

	CHECK(mpesa_parse_query(ok, strlen(ok), CHECKOUT, &c) == 0);
	CHECK(c.status == PAY_PAID && c.amount == PAY_AMOUNT_UNREPORTED);
	CHECK(strcmp(c.event_key, CHECKOUT "/0") == 0);
	CHECK(mpesa_parse_query(ok, strlen(ok), "ws_CO_other", &c) == -1);
	CHECK(c.status == PAY_CREATED && c.provider_ref[0] == '\0');
	CHECK(mpesa_parse_query(no, strlen(no), CHECKOUT, &c) == 0);
	CHECK(c.status == PAY_DECLINED && strcmp(c.error_code, "1") == 0);
	CHECK(mpesa_parse_query("[]", 2, CHECKOUT, &c) == -1);
}

int
main(void)
{
	test_password();
	test_timestamp();
	test_phone();
	test_result_codes();
	test_callback();
	test_query();
	return CHECK_DONE();
}
