/* lib/swish: swish_parse_payment (protocols.md 1.6) and swish_new_id. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "check.h"
#include "swish.h"

#define ID	"\"id\": \"11A86BE70EA346E4B1C39C874173F088\""
#define PAID	ID ", \"status\": \"PAID\""

static int
parse(const char *json, struct swish_payment *p)
{
	return swish_parse_payment(json, strlen(json), p);
}

/* Parses "{" members "}" and returns its amount, or -1 on failure. */
static int64_t
amount(const char *members)
{
	struct swish_payment	 p;
	char			 json[512];

	snprintf(json, sizeof(json), "{%s}", members);
	return parse(json, &p) == 0 ? p.amount : -1;
}

/* Parses "{" members "}"; returns 0 or -1 as swish_parse_payment does. */
static int
parse_members(const char *members, struct swish_payment *p)
{
	char	 json[512];

	snprintf(json, sizeof(json), "{%s}", members);
	return parse(json, p);
}

static void
test_callback(void)
{
	struct swish_payment	 p;

	/* The callback body from protocols.md section 1.6, verbatim. */
	CHECK(parse("{\n"
	    "  \"id\": \"11A86BE70EA346E4B1C39C874173F088\",\n"
	    "  \"payeePaymentReference\": \"0123456789\",\n"
	    "  \"paymentReference\": \"1E2FC19E5E5E4E18916609B7F8911C12\",\n"
	    "  \"callbackUrl\": "
	    "\"https://example.com/api/swishcb/paymentrequests\",\n"
	    "  \"payerAlias\": \"46712345678\",\n"
	    "  \"payeeAlias\": \"1234679304\",\n"
	    "  \"amount\": 100.00,\n"
	    "  \"currency\": \"SEK\",\n"
	    "  \"message\": \"Kingston USB Flash Drive 8 GB\",\n"
	    "  \"status\": \"PAID\",\n"
	    "  \"dateCreated\": \"2019-01-02T14:29:51.092Z\",\n"
	    "  \"datePaid\": \"2019-01-02T14:29:55.093Z\",\n"
	    "  \"errorCode\": null,\n"
	    "  \"errorMessage\": null\n"
	    "}", &p) == 0);
	CHECK(strcmp(p.id, "11A86BE70EA346E4B1C39C874173F088") == 0);
	CHECK(p.status == SWISH_PAID);
	CHECK(strcmp(p.payment_reference, "1E2FC19E5E5E4E18916609B7F8911C12")
	    == 0);
	CHECK(strcmp(p.reference, "0123456789") == 0);
	CHECK(p.amount == 10000);
	CHECK(strcmp(p.date_paid, "2019-01-02T14:29:55.093Z") == 0);
	CHECK(p.error_code[0] == '\0' && p.error_message[0] == '\0');

	/* The other final states. */
	CHECK(parse_members(ID ", \"status\": \"ERROR\", \"errorCode\": "
	    "\"TM01\", \"errorMessage\": \"Timed out\"", &p) == 0);
	CHECK(p.status == SWISH_ERROR && strcmp(p.error_code, "TM01") == 0 &&
	    strcmp(p.error_message, "Timed out") == 0 &&
	    p.date_paid[0] == '\0');
	CHECK(parse_members(ID ", \"status\": \"DECLINED\"", &p) == 0 &&
	    p.status == SWISH_DECLINED);
	CHECK(parse_members(ID ", \"status\": \"CANCELLED\"", &p) == 0 &&
	    p.status == SWISH_CANCELLED);
	CHECK(parse_members(ID ", \"status\": \"CREATED\"", &p) == 0 &&
	    p.status == SWISH_CREATED);
	/* Refund states on the way map to CREATED. */
	CHECK(parse_members(ID ", \"status\": \"VALIDATED\"", &p) == 0 &&
	    p.status == SWISH_CREATED);
	CHECK(parse_members(ID ", \"status\": \"DEBITED\"", &p) == 0 &&
	    p.status == SWISH_CREATED);
}

static void
test_amounts(void)
{
	CHECK(amount(PAID ", \"amount\": 100.00") == 10000);
	CHECK(amount(PAID ", \"amount\": 100") == 10000);
	CHECK(amount(PAID ", \"amount\": 0.5") == 50);
	CHECK(amount(PAID ", \"amount\": 0.01") == 1);
	CHECK(amount(PAID ", \"amount\": 1.1") == 110);
	CHECK(amount(PAID ", \"amount\": 19.99") == 1999);
	CHECK(amount(PAID ", \"amount\": 99999.99") == 9999999);
	CHECK(amount(PAID ", \"amount\": 0") == 0);
	/* A string is tolerated. */
	CHECK(amount(PAID ", \"amount\": \"199.00\"") == 19900);
	CHECK(amount(PAID ", \"amount\": \"0.5\"") == 50);
	/* Absent or null: no amount. */
	CHECK(amount(PAID) == 0);
	CHECK(amount(PAID ", \"amount\": null") == 0);
	/* Negative, too large, not finite. */
	CHECK(amount(PAID ", \"amount\": -1") == -1);
	CHECK(amount(PAID ", \"amount\": -0.01") == -1);
	CHECK(amount(PAID ", \"amount\": 1e300") == -1);
	CHECK(amount(PAID ", \"amount\": \"-5\"") == -1);
	CHECK(amount(PAID ", \"amount\": \"1e999\"") == -1);
	CHECK(amount(PAID ", \"amount\": \"nan\"") == -1);
}

static void
test_rejected(void)
{
	struct swish_payment	 p;

	/* Bad ids: lower case, short, long, not hex, missing, empty. */
	CHECK(parse("{\"id\": \"11a86be70ea346e4b1c39c874173f088\", "
	    "\"status\": \"PAID\"}", &p) == -1);
	CHECK(parse("{\"id\": \"11A86BE70EA346E4B1C39C874173F08\", "
	    "\"status\": \"PAID\"}", &p) == -1);
	CHECK(parse("{\"id\": \"11A86BE7\", \"status\": \"PAID\"}", &p) == -1);
	CHECK(parse("{\"id\": \"11A86BE70EA346E4B1C39C874173F0881\", "
	    "\"status\": \"PAID\"}", &p) == -1);
	CHECK(parse("{\"id\": \"11A86BE70EA346E4B1C39C874173F08G\", "
	    "\"status\": \"PAID\"}", &p) == -1);
	CHECK(parse("{\"id\": \"11A86BE7-0EA3-46E4-B1C3-9C874173F088\", "
	    "\"status\": \"PAID\"}", &p) == -1);
	CHECK(parse("{\"id\": \"\", \"status\": \"PAID\"}", &p) == -1);
	CHECK(parse("{\"status\": \"PAID\"}", &p) == -1);
	CHECK(parse("{\"id\": null, \"status\": \"PAID\"}", &p) == -1);

	/* Unknown, missing or oddly spelt status. */
	CHECK(parse_members(ID ", \"status\": \"BOGUS\"", &p) == -1);
	CHECK(parse_members(ID ", \"status\": \"paid\"", &p) == -1);
	CHECK(parse_members(ID ", \"status\": \"PAID \"", &p) == -1);
	CHECK(parse_members(ID ", \"status\": \"\"", &p) == -1);
	CHECK(parse_members(ID ", \"status\": null", &p) == -1);
	CHECK(parse_members(ID, &p) == -1);

	/* Members of the wrong type. */
	CHECK(parse("{\"id\": 11, \"status\": \"PAID\"}", &p) == -1);
	CHECK(parse_members(ID ", \"status\": 1", &p) == -1);
	CHECK(parse_members(ID ", \"status\": [\"PAID\"]", &p) == -1);
	CHECK(parse_members(PAID ", \"paymentReference\": 12", &p) == -1);
	CHECK(parse_members(PAID ", \"payeePaymentReference\": [\"x\"]", &p)
	    == -1);
	CHECK(parse_members(PAID ", \"datePaid\": true", &p) == -1);
	CHECK(parse_members(PAID ", \"errorCode\": 5", &p) == -1);
	CHECK(parse_members(PAID ", \"errorMessage\": {}", &p) == -1);
	CHECK(parse_members(PAID ", \"amount\": true", &p) == -1);
	CHECK(parse_members(PAID ", \"amount\": {\"value\": 1}", &p) == -1);
	CHECK(parse_members(PAID ", \"amount\": [100]", &p) == -1);

	/* Not a JSON object. */
	CHECK(parse("not json", &p) == -1);
	CHECK(parse("", &p) == -1);
	CHECK(parse("[]", &p) == -1);
	CHECK(parse("\"PAID\"", &p) == -1);
	CHECK(parse("null", &p) == -1);
	CHECK(parse("{" PAID, &p) == -1);
	CHECK(swish_parse_payment("{" PAID "}", strlen("{" PAID "}") - 1, &p)
	    == -1);
}

static void
test_ids(void)
{
	struct swish_payment	 p;
	char			 a[SWISH_ID_LEN + 1], b[SWISH_ID_LEN + 1];
	char			 json[128];
	size_t			 i;
	int			 upper_hex = 1;

	memset(a, 'x', sizeof(a));
	swish_new_id(a);
	swish_new_id(b);
	CHECK(strlen(a) == SWISH_ID_LEN && strlen(b) == SWISH_ID_LEN);
	CHECK(strcmp(a, b) != 0);
	for (i = 0; i < SWISH_ID_LEN; i++)
		if (!((a[i] >= '0' && a[i] <= '9') ||
		    (a[i] >= 'A' && a[i] <= 'F')))
			upper_hex = 0;
	CHECK(upper_hex);
	/* A fresh id is one swish_parse_payment accepts. */
	snprintf(json, sizeof(json), "{\"id\": \"%s\", "
	    "\"status\": \"CREATED\"}", a);
	CHECK(parse(json, &p) == 0 && strcmp(p.id, a) == 0);
	CHECK(strcmp(swish_status_str(SWISH_PAID), "PAID") == 0);
	CHECK(strcmp(swish_status_str(SWISH_CANCELLED), "CANCELLED") == 0);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_callback();
	test_amounts();
	test_rejected();
	test_ids();
	return CHECK_DONE();
}
