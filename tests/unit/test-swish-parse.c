/*
 * lib/swish without the network: parsing payment objects and callbacks
 * (protocols.md 1.6), amounts to öre, and fresh instruction ids; and
 * lib/mail's address check used by every email field.
 */
#include <string.h>

#include <sodium.h>

#include "check.h"
#include "mail.h"
#include "swish.h"

static int
parse(const char *json, struct swish_payment *p)
{
	return swish_parse_payment(json, strlen(json), p);
}

static void
test_callbacks(void)
{
	struct swish_payment	 p;
	char			 json[1024];

	CHECK(parse("{\"id\": \"11A86BE70EA346E4B1C39C874173F088\","
	    " \"payeePaymentReference\": \"0123456789\","
	    " \"paymentReference\": \"1E2FC19E5E5E4E18916609B7F8911C12\","
	    " \"callbackUrl\": \"https://example.com/cb\","
	    " \"payerAlias\": \"46712345678\", \"payeeAlias\": \"1234679304\","
	    " \"amount\": 100.00, \"currency\": \"SEK\", \"message\": \"m\","
	    " \"status\": \"PAID\", \"dateCreated\": \"2019-01-02T14:29:51.092Z\","
	    " \"datePaid\": \"2019-01-02T14:29:55.093Z\", \"errorCode\": null,"
	    " \"errorMessage\": null}", &p) == 0);
	CHECK(p.status == SWISH_PAID && p.amount == 10000);
	CHECK(strcmp(p.id, "11A86BE70EA346E4B1C39C874173F088") == 0);
	CHECK(strcmp(p.payment_reference, "1E2FC19E5E5E4E18916609B7F8911C12")
	    == 0);
	CHECK(strcmp(p.reference, "0123456789") == 0);
	CHECK(strcmp(p.date_paid, "2019-01-02T14:29:55.093Z") == 0);
	CHECK(p.error_code[0] == '\0');

#define ID "\"id\": \"11A86BE70EA346E4B1C39C874173F088\""
	CHECK(parse("{" ID ", \"status\": \"PAID\", \"amount\": 0.5}", &p) == 0 &&
	    p.amount == 50);
	CHECK(parse("{" ID ", \"status\": \"PAID\", \"amount\": 99999.99}", &p) ==
	    0 && p.amount == 9999999);
	CHECK(parse("{" ID ", \"status\": \"PAID\", \"amount\": \"199.00\"}", &p)
	    == 0 && p.amount == 19900);
	CHECK(parse("{" ID ", \"status\": \"ERROR\", \"errorCode\": \"TM01\"}", &p)
	    == 0 && p.status == SWISH_ERROR && strcmp(p.error_code, "TM01") == 0);
	CHECK(parse("{" ID ", \"status\": \"VALIDATED\"}", &p) == 0 &&
	    p.status == SWISH_CREATED);
	CHECK(parse("{" ID ", \"status\": \"BOGUS\"}", &p) == -1);
	CHECK(parse("{" ID "}", &p) == -1);
	CHECK(parse("{" ID ", \"status\": 1}", &p) == -1);
	CHECK(parse("{" ID ", \"status\": \"PAID\", \"amount\": -1}", &p) == -1);
	CHECK(parse("{" ID ", \"status\": \"PAID\", \"errorCode\": 5}", &p) == -1);
	CHECK(parse("{\"id\": \"11a86be70ea346e4b1c39c874173f088\", \"status\":"
	    " \"PAID\"}", &p) == -1);
	CHECK(parse("{\"id\": \"11A86BE7\", \"status\": \"PAID\"}", &p) == -1);
	CHECK(parse("[]", &p) == -1);
	CHECK(parse("not json", &p) == -1);
	memset(json, 'x', sizeof(json) - 1);
	json[sizeof(json) - 1] = '\0';
	CHECK(parse(json, &p) == -1);
}

static void
test_ids(void)
{
	char	 a[SWISH_ID_LEN + 1], b[SWISH_ID_LEN + 1];
	size_t	 i;

	swish_new_id(a);
	swish_new_id(b);
	CHECK(strlen(a) == SWISH_ID_LEN && strcmp(a, b) != 0);
	for (i = 0; i < SWISH_ID_LEN; i++)
		CHECK((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'A' && a[i] <= 'F'));
	CHECK(strcmp(swish_status_str(SWISH_CANCELLED), "CANCELLED") == 0);
}

static void
test_mail_addresses(void)
{
	static const char *const good[] = { "a@b.se", "anna.svensson+biljett@"
	    "kth.example.org", "x_y-z@sub-domain.example.com" };
	static const char *const bad[] = { "", "a", "a@b", "@b.se", "a@",
	    "a@@b.se", "a b@c.se", "a@b.se\r\nBcc: x@y.se", "\"q\"@b.se",
	    ".a@b.se", "a.@b.se", "a..b@c.se", "a@-b.se", "a@b-.se",
	    "a@b..se", "åsa@b.se", "a@b.se>", "a<b@c.se", "a,b@c.se" };
	char	 longaddr[300];
	size_t	 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(mail_addr_valid(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!mail_addr_valid(bad[i]));
	memset(longaddr, 'a', sizeof(longaddr));
	memcpy(longaddr + 240, "@example.org", 13);
	CHECK(!mail_addr_valid(longaddr));
	CHECK(!mail_addr_valid(NULL));
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_callbacks();
	test_ids();
	test_mail_addresses();
	return CHECK_DONE();
}
