/*
 * lib/stripe: stripe_parse_intent (a PaymentIntent in each status) and
 * stripe_parse_event (the PaymentIntent events, charge.refunded, other
 * types, malformed events).  Objects as in protocols.md 2.3 and 2.6.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "provider.h"
#include "stripe.h"

#define PI	"pi_3MtwBwLkdIwHu7ix28a3tqPa"

/* A PaymentIntent with status st and extra members (or ""). */
static int
intent(const char *st, const char *extra, struct pay_confirmed *out)
{
	char	 json[2048];

	snprintf(json, sizeof(json), "{\"id\": \"" PI "\","
	    " \"object\": \"payment_intent\", \"amount\": 2000,"
	    " \"amount_received\": %d, \"currency\": \"sek\","
	    " \"client_secret\": \"" PI "_secret_YrKJUKribcBjcG8HVhfZluoGH\","
	    " \"created\": 1680800504, \"livemode\": false,"
	    " \"metadata\": {\"order\": \"ABC123\"}, \"status\": \"%s\"%s%s}",
	    strcmp(st, "succeeded") == 0 ? 2000 : 0, st,
	    extra[0] ? ", " : "", extra);
	return stripe_parse_intent(json, strlen(json), out);
}

/* An event of type around data.object obj. */
static int
event(const char *type, const char *obj, struct pay_confirmed *out)
{
	char	 json[4096];

	snprintf(json, sizeof(json), "{\"id\": \"evt_1Pgc76B7WZ01zgkWwyRHS12y\","
	    " \"object\": \"event\", \"api_version\": \"2025-10-29.clover\","
	    " \"created\": 1721948530, \"livemode\": false,"
	    " \"pending_webhooks\": 1, \"request\": {\"id\": \"req_1\","
	    " \"idempotency_key\": \"6f1c\"}, \"type\": \"%s\","
	    " \"data\": {\"object\": %s}}", type, obj);
	return stripe_parse_event(json, strlen(json), out);
}

static void
test_intent_statuses(void)
{
	static const struct {
		const char	*stripe;
		enum pay_status	 ours;
	} map[] = {
		{ "requires_payment_method", PAY_CREATED },
		{ "requires_confirmation", PAY_CREATED },
		{ "requires_action", PAY_CREATED },
		{ "requires_capture", PAY_CREATED },
		{ "processing", PAY_PENDING },
		{ "canceled", PAY_CANCELLED },
	};
	struct pay_confirmed	 c;
	char			 key[128];
	size_t			 i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		CHECK(intent(map[i].stripe, "\"last_payment_error\": null",
		    &c) == 0);
		CHECK(c.provider == PROVIDER_STRIPE && c.status == map[i].ours);
		CHECK(strcmp(c.provider_ref, PI) == 0 && c.amount == 2000);
		CHECK(strcmp(c.currency, "SEK") == 0);
		CHECK(c.payment_reference[0] == '\0' && c.error_code[0] == '\0');
		snprintf(key, sizeof(key), PI "/%s", map[i].stripe);
		CHECK(strcmp(c.event_key, key) == 0);
	}
	CHECK(intent("refunded", "", &c) == -1);
	CHECK(intent("SUCCEEDED", "", &c) == -1);
	CHECK(intent("", "", &c) == -1);
}

static void
test_intent_paid(void)
{
	static const char	 partly[] = "{\"id\": \"pi_1\","
	    " \"status\": \"succeeded\", \"amount\": 2000,"
	    " \"amount_received\": 1500}";
	struct pay_confirmed	 c;

	CHECK(intent("succeeded", "\"latest_charge\": \"ch_3MtwBwLkdIwHu7ix\"",
	    &c) == 0);
	CHECK(c.status == PAY_PAID && c.amount == 2000 &&
	    strcmp(c.payment_reference, "ch_3MtwBwLkdIwHu7ix") == 0 &&
	    strcmp(c.event_key, PI "/succeeded") == 0 &&
	    strcmp(c.currency, "SEK") == 0);
	/* An expanded charge gives its id. */
	CHECK(intent("succeeded", "\"latest_charge\": {\"id\": \"ch_9\","
	    " \"object\": \"charge\"}", &c) == 0);
	CHECK(c.status == PAY_PAID && strcmp(c.payment_reference, "ch_9") == 0);
	/* Paid is what was received, not what was asked. */
	CHECK(stripe_parse_intent(partly, strlen(partly), &c) == 0);
	CHECK(c.status == PAY_PAID && c.amount == 1500 &&
	    c.currency[0] == '\0');
	/* The charge is an id, nothing else. */
	CHECK(intent("succeeded", "\"latest_charge\": 12", &c) == -1);
	CHECK(intent("succeeded", "\"latest_charge\": \"ch_1/../x\"", &c) ==
	    -1);
}

static void
test_intent_declined(void)
{
	struct pay_confirmed	 c;

	/* A failed attempt leaves it wanting a payment method again. */
	CHECK(intent("requires_payment_method", "\"last_payment_error\": {"
	    "\"type\": \"card_error\", \"code\": \"card_declined\","
	    " \"decline_code\": \"generic_decline\","
	    " \"message\": \"Your card was declined.\"}", &c) == 0);
	CHECK(c.status == PAY_DECLINED &&
	    strcmp(c.error_code, "card_declined") == 0 &&
	    strcmp(c.event_key, PI "/requires_payment_method") == 0);
	/* Without a code, its type; a long code is cut, not refused. */
	CHECK(intent("requires_payment_method", "\"last_payment_error\": {"
	    "\"type\": \"card_error\"}", &c) == 0);
	CHECK(c.status == PAY_DECLINED && strcmp(c.error_code, "card_error") ==
	    0);
	CHECK(intent("requires_payment_method", "\"last_payment_error\": {"
	    "\"code\": \"payment_intent_authentication_failure\"}", &c) == 0);
	CHECK(c.status == PAY_DECLINED &&
	    strlen(c.error_code) == PAY_ERROR_CODE_MAX &&
	    strncmp(c.error_code, "payment_intent_authentication_failure",
	    PAY_ERROR_CODE_MAX) == 0);
	/* An error left over on a later status does not decline it. */
	CHECK(intent("processing", "\"last_payment_error\": {"
	    "\"code\": \"card_declined\"}", &c) == 0);
	CHECK(c.status == PAY_PENDING);
	CHECK(intent("requires_payment_method", "\"last_payment_error\": 1",
	    &c) == -1);
}

static void
test_intent_malformed(void)
{
	static const char *const bad[] = {
		"",
		"null",
		"[]",
		"{}",
		"{\"status\": \"succeeded\"}",
		"{\"id\": \"" PI "\"}",
		"{\"id\": 7, \"status\": \"succeeded\"}",
		"{\"id\": \"\", \"status\": \"succeeded\"}",
		"{\"id\": \"pi_1/cancel\", \"status\": \"succeeded\"}",
		"{\"id\": \"" PI "\", \"status\": 3}",
		"{\"id\": \"" PI "\", \"status\": \"canceled\", \"amount\": -1}",
		"{\"id\": \"" PI "\", \"status\": \"canceled\", \"amount\": 1.5}",
		"{\"id\": \"" PI "\", \"status\": \"canceled\", \"amount\": \"1\"}",
		"{\"id\": \"" PI "\", \"status\": \"canceled\","
		    " \"amount\": 1e300}",
		"{\"id\": \"" PI "\", \"status\": \"canceled\","
		    " \"currency\": \"kronor\"}",
		"{\"id\": \"" PI "\", \"status\": \"canceled\","
		    " \"currency\": \"s3k\"}",
		"{\"id\": \"" PI "\", \"status\": \"canceled\","
		    " \"object\": \"charge\"}",
		"{\"id\": \"" PI "\", \"status\": \"canceled\"",
	};
	struct pay_confirmed	 c;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(stripe_parse_intent(bad[i], strlen(bad[i]), &c) == -1);
		if (stripe_parse_intent(bad[i], strlen(bad[i]), &c) != -1)
			fprintf(stderr, "  accepted: %s\n", bad[i]);
	}
	CHECK(stripe_parse_intent(NULL, 0, &c) == -1);
}

static void
test_intent_events(void)
{
	struct pay_confirmed	 c;

	CHECK(event("payment_intent.succeeded", "{\"id\": \"" PI "\","
	    " \"object\": \"payment_intent\", \"amount\": 2000,"
	    " \"amount_received\": 2000, \"currency\": \"sek\","
	    " \"latest_charge\": \"ch_1\", \"status\": \"succeeded\"}", &c) ==
	    0);
	CHECK(c.provider == PROVIDER_STRIPE && c.status == PAY_PAID &&
	    strcmp(c.provider_ref, PI) == 0 && c.amount == 2000 &&
	    strcmp(c.payment_reference, "ch_1") == 0 &&
	    strcmp(c.event_key, "evt_1Pgc76B7WZ01zgkWwyRHS12y") == 0);

	/* payment_failed is a decline whatever the object says. */
	CHECK(event("payment_intent.payment_failed", "{\"id\": \"" PI "\","
	    " \"object\": \"payment_intent\", \"amount\": 2000,"
	    " \"currency\": \"sek\", \"status\": \"requires_payment_method\","
	    " \"last_payment_error\": {\"type\": \"card_error\","
	    " \"code\": \"card_declined\"}}", &c) == 0);
	CHECK(c.status == PAY_DECLINED &&
	    strcmp(c.error_code, "card_declined") == 0 &&
	    strcmp(c.event_key, "evt_1Pgc76B7WZ01zgkWwyRHS12y") == 0);
	CHECK(event("payment_intent.payment_failed", "{\"id\": \"" PI "\","
	    " \"status\": \"requires_action\"}", &c) == 0);
	CHECK(c.status == PAY_DECLINED);

	CHECK(event("payment_intent.processing", "{\"id\": \"" PI "\","
	    " \"status\": \"processing\", \"amount\": 2000}", &c) == 0);
	CHECK(c.status == PAY_PENDING && strcmp(c.provider_ref, PI) == 0);
	CHECK(event("payment_intent.canceled", "{\"id\": \"" PI "\","
	    " \"status\": \"canceled\", \"amount\": 2000}", &c) == 0);
	CHECK(c.status == PAY_CANCELLED);

	/* The object must be a readable PaymentIntent. */
	CHECK(event("payment_intent.succeeded", "{\"status\": \"succeeded\"}",
	    &c) == -1);
	CHECK(event("payment_intent.succeeded", "{\"id\": \"ch_1\","
	    " \"object\": \"charge\", \"status\": \"succeeded\"}", &c) == -1);
	CHECK(c.event_key[0] == '\0' && c.provider_ref[0] == '\0');
}

static void
test_refund_event(void)
{
	struct pay_confirmed	 c;

	CHECK(event("charge.refunded", "{\"id\": \"ch_3MtwBwLkdIwHu7ix\","
	    " \"object\": \"charge\", \"amount\": 2000,"
	    " \"amount_refunded\": 500, \"currency\": \"sek\","
	    " \"payment_intent\": \"" PI "\", \"refunded\": false,"
	    " \"captured\": true, \"paid\": true}", &c) == 0);
	CHECK(c.status == PAY_REFUNDED && strcmp(c.provider_ref, PI) == 0 &&
	    c.amount == 500 && strcmp(c.currency, "SEK") == 0 &&
	    strcmp(c.payment_reference, "ch_3MtwBwLkdIwHu7ix") == 0 &&
	    strcmp(c.event_key, "evt_1Pgc76B7WZ01zgkWwyRHS12y") == 0);
	/* Without the payment intent it names nothing of ours. */
	CHECK(event("charge.refunded", "{\"id\": \"ch_1\", \"object\": "
	    "\"charge\", \"amount_refunded\": 500}", &c) == -1);
	CHECK(event("charge.refunded", "{\"object\": \"charge\","
	    " \"payment_intent\": \"" PI "\", \"amount_refunded\": 500}", &c) ==
	    -1);
	CHECK(event("charge.refunded", "{\"id\": \"ch_1\", \"object\": "
	    "\"charge\", \"payment_intent\": \"" PI "\","
	    " \"amount_refunded\": -5}", &c) == -1);
	CHECK(event("charge.refunded", "{\"id\": \"ch_1\", \"object\": "
	    "\"refund\", \"payment_intent\": \"" PI "\"}", &c) == -1);
}

static void
test_other_events(void)
{
	struct pay_confirmed	 c;

	/* Authentic, nothing for us: the intent named if any. */
	CHECK(event("payment_intent.created", "{\"id\": \"" PI "\","
	    " \"object\": \"payment_intent\", \"status\": \"whatever\"}", &c) ==
	    0);
	CHECK(c.status == PAY_STATUS__MAX && strcmp(c.provider_ref, PI) == 0 &&
	    strcmp(c.event_key, "evt_1Pgc76B7WZ01zgkWwyRHS12y") == 0);
	CHECK(event("charge.succeeded", "{\"id\": \"ch_1\", \"object\": "
	    "\"charge\", \"payment_intent\": \"" PI "\"}", &c) == 0);
	CHECK(c.status == PAY_STATUS__MAX && strcmp(c.provider_ref, PI) == 0);
	CHECK(event("customer.created", "{\"id\": \"cus_1\", \"object\": "
	    "\"customer\"}", &c) == 0);
	CHECK(c.status == PAY_STATUS__MAX && c.provider_ref[0] == '\0');
	CHECK(event("refund.updated", "{\"id\": \"re_1\", \"object\": "
	    "\"refund\", \"payment_intent\": {\"weird\": true}}", &c) == 0);
	CHECK(c.status == PAY_STATUS__MAX && c.provider_ref[0] == '\0');
}

static void
test_events_malformed(void)
{
	static const char *const bad[] = {
		"",
		"{",
		"[]",
		"{}",
		"{\"id\": \"evt_1\", \"object\": \"event\","
		    " \"type\": \"payment_intent.succeeded\"}",
		"{\"id\": \"evt_1\", \"object\": \"event\","
		    " \"type\": \"charge.refunded\", \"data\": {}}",
		"{\"id\": \"evt_1\", \"object\": \"event\","
		    " \"type\": \"customer.created\", \"data\": {\"object\": 1}}",
		"{\"object\": \"event\", \"type\": \"customer.created\","
		    " \"data\": {\"object\": {}}}",
		"{\"id\": \"evt 1\", \"object\": \"event\","
		    " \"type\": \"customer.created\", \"data\": {\"object\": {}}}",
		"{\"id\": \"evt_1\", \"object\": \"event\","
		    " \"data\": {\"object\": {}}}",
		"{\"id\": \"evt_1\", \"object\": \"event\", \"type\": 5,"
		    " \"data\": {\"object\": {}}}",
		"{\"id\": \"evt_1\", \"object\": \"charge\","
		    " \"type\": \"customer.created\", \"data\": {\"object\": {}}}",
	};
	struct pay_confirmed	 c;
	size_t			 i;
	const char		*ok = "{\"id\": \"evt_1\", \"object\": \"event\","
	    " \"type\": \"customer.created\", \"data\": {\"object\": {}}}";

	/* The smallest event that parses, so the ones above fail for the
	 * reason each shows. */
	CHECK(stripe_parse_event(ok, strlen(ok), &c) == 0);
	CHECK(c.status == PAY_STATUS__MAX && strcmp(c.event_key, "evt_1") == 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(stripe_parse_event(bad[i], strlen(bad[i]), &c) == -1);
		if (stripe_parse_event(bad[i], strlen(bad[i]), &c) != -1)
			fprintf(stderr, "  accepted: %s\n", bad[i]);
	}
	CHECK(stripe_parse_event(NULL, 0, &c) == -1);
	/* The length is honoured: a valid event cut short is not one. */
	CHECK(stripe_parse_event(ok, strlen(ok) - 1, &c) == -1);
}

int
main(void)
{
	test_intent_statuses();
	test_intent_paid();
	test_intent_declined();
	test_intent_malformed();
	test_intent_events();
	test_refund_event();
	test_other_events();
	test_events_malformed();
	return CHECK_DONE();
}
