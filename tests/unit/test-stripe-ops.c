/*
 * lib/stripe: the Stripe row through the provider interface without
 * Stripe itself: open() and its settings, references, webhook
 * verification, the operations it lacks, requests refused before any
 * network call, and a transport failure on a closed loopback port.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "check.h"
#include "conf.h"
#include "limits.h"
#include "provider.h"
#include "stripe.h"

#define WHSEC	"whsec_test_secret"
#define NOW	INT64_C(1700000000)

/* Sets key in conf to value (NULL: unset). */
static void
set(struct conf *conf, enum conf_key key, const char *value)
{
	free(conf->v[key]);
	conf->v[key] = value != NULL ? strdup(value) : NULL;
}

/* A configuration with both Stripe secrets and api_url. */
static void
load(struct conf *conf, const char *api_url)
{
	char	 err[256];

	memset(conf, 0, sizeof(*conf));
	CHECK(conf_load(conf, NULL, err, sizeof(err)) == 0);
	set(conf, CONF_STRIPE_SECRET_KEY, "sk_test_123");
	set(conf, CONF_STRIPE_WEBHOOK_SECRET, WHSEC);
	set(conf, CONF_STRIPE_API_URL, api_url);
}

static int
opens(struct conf *conf)
{
	struct provider	 pv;
	char		 err[256] = "";
	int		 rc;

	rc = provider_open(&pv, PROVIDER_STRIPE, conf, err, sizeof(err));
	CHECK(rc == 0 || err[0] != '\0');
	provider_close(&pv);
	return rc == 0;
}

static void
test_open(void)
{
	struct conf	 conf;
	char		 err[256];

	/* The defaults: Stripe's own API, not configured. */
	memset(&conf, 0, sizeof(conf));
	CHECK(conf_load(&conf, NULL, err, sizeof(err)) == 0);
	CHECK(strcmp(conf_str(&conf, CONF_STRIPE_API_URL),
	    "https://api.stripe.com") == 0);
	CHECK(strcmp(conf_str(&conf, CONF_STRIPE_JS_URL),
	    "https://js.stripe.com/v3/") == 0);
	CHECK(conf_int(&conf, CONF_STRIPE_TIMEOUT, 0) == 10);
	CHECK(!opens(&conf));
	conf_clear(&conf);

	load(&conf, "https://api.stripe.com/");
	CHECK(opens(&conf));
	/* Either secret missing, empty or unfit for a header: not offered. */
	set(&conf, CONF_STRIPE_WEBHOOK_SECRET, NULL);
	CHECK(!opens(&conf));
	set(&conf, CONF_STRIPE_WEBHOOK_SECRET, WHSEC);
	set(&conf, CONF_STRIPE_SECRET_KEY, "");
	CHECK(!opens(&conf));
	set(&conf, CONF_STRIPE_SECRET_KEY, "sk_test_1\r\nX-Evil: 1");
	CHECK(!opens(&conf));
	set(&conf, CONF_STRIPE_SECRET_KEY, "sk_test_123");
	CHECK(opens(&conf));

	/* https anywhere; plain http only to a simulator on loopback. */
	set(&conf, CONF_STRIPE_API_URL, "http://127.0.0.1:12111");
	CHECK(opens(&conf));
	set(&conf, CONF_STRIPE_API_URL, "http://localhost/");
	CHECK(opens(&conf));
	set(&conf, CONF_STRIPE_API_URL, "http://[::1]:8080");
	CHECK(opens(&conf));
	set(&conf, CONF_STRIPE_API_URL, "http://api.stripe.com");
	CHECK(!opens(&conf));
	set(&conf, CONF_STRIPE_API_URL, "http://127.0.0.1.evil.example");
	CHECK(!opens(&conf));
	set(&conf, CONF_STRIPE_API_URL, "ftp://127.0.0.1");
	CHECK(!opens(&conf));
	conf_clear(&conf);
}

static void
test_row(void)
{
	const struct provider_ops	*ops = provider_ops(PROVIDER_STRIPE);
	char				 ref[PAY_REF_MAX + 1], other[PAY_REF_MAX + 1];
	size_t				 i;

	CHECK(ops == &stripe_ops);
	CHECK(strcmp(ops->name, "stripe") == 0 &&
	    strcmp(ops->label, "Stripe") == 0);
	CHECK(strcmp(ops->callback_header, "Stripe-Signature") == 0 &&
	    ops->callback_secret == 0);
	CHECK(provider_parse("stripe") == PROVIDER_STRIPE);
	CHECK(ops->qr == NULL && ops->app_link == NULL &&
	    ops->refund_retrieve == NULL);

	/* References are lower-case UUID v4s, fresh each time. */
	ops->new_ref(ref);
	ops->new_ref(other);
	CHECK(strlen(ref) == STRIPE_REF_LEN && strcmp(ref, other) != 0);
	for (i = 0; i < STRIPE_REF_LEN; i++)
		CHECK(i == 8 || i == 13 || i == 18 || i == 23 ? ref[i] == '-' :
		    (ref[i] >= '0' && ref[i] <= '9') ||
		    (ref[i] >= 'a' && ref[i] <= 'f'));
	CHECK(ref[14] == '4');
	CHECK(strchr("89ab", ref[19]) != NULL);
}

/* Verifies body with header at NOW through the interface. */
static enum pay_err
verify(const struct provider *pv, const char *body, const char *header,
    struct pay_confirmed *c)
{
	struct pay_callback	 cb;
	char			 secret[PAY_SECRET_MAX + 1] = "x", err[256];
	enum pay_err		 rc;

	memset(&cb, 0, sizeof(cb));
	cb.body = body;
	cb.len = body != NULL ? strlen(body) : 0;
	cb.header = header;
	cb.now = NOW;
	rc = provider_verify_callback(pv, &cb, c, secret, err, sizeof(err));
	CHECK(secret[0] == '\0');
	return rc;
}

/* Writes "t=NOW,v1=<signature of body>" into header. */
static void
sign(const char *body, char *header, size_t headersz)
{
	crypto_auth_hmacsha256_state	 st;
	unsigned char			 mac[crypto_auth_hmacsha256_BYTES];
	char				 hex[65];

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)WHSEC,
	    strlen(WHSEC));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)
	    "1700000000.", 11);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body,
	    strlen(body));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	snprintf(header, headersz, "t=1700000000,v1=%s", hex);
}

static void
test_verify(void)
{
	static const char	 vector[] = "{\"id\":\"evt_test\","
	    "\"object\":\"event\",\"type\":\"payment_intent.succeeded\"}";
	static const char	 paid[] = "{\"id\":\"evt_1\",\"object\":\"event\","
	    "\"type\":\"payment_intent.succeeded\",\"data\":{\"object\":{"
	    "\"id\":\"pi_1\",\"object\":\"payment_intent\",\"amount\":2000,"
	    "\"amount_received\":2000,\"currency\":\"sek\","
	    "\"latest_charge\":\"ch_1\",\"status\":\"succeeded\"}}}";
	struct pay_confirmed	 c;
	struct provider		 pv;
	struct conf		 conf;
	char			 err[256], header[256], tampered[sizeof(paid)];

	load(&conf, "https://api.stripe.com");
	CHECK(provider_open(&pv, PROVIDER_STRIPE, &conf, err, sizeof(err)) ==
	    0);

	sign(paid, header, sizeof(header));
	CHECK(verify(&pv, paid, header, &c) == PAY_OK);
	CHECK(c.provider == PROVIDER_STRIPE && c.status == PAY_PAID &&
	    strcmp(c.provider_ref, "pi_1") == 0 && c.amount == 2000 &&
	    strcmp(c.event_key, "evt_1") == 0);

	/* Forged: tampered, unsigned, stale. */
	memcpy(tampered, paid, sizeof(paid));
	memcpy(strstr(tampered, ":2000,\"currency"), ":9000", 5);
	CHECK(verify(&pv, tampered, header, &c) == PAY_ERR_FORGED);
	CHECK(c.event_key[0] == '\0' && c.provider_ref[0] == '\0');
	CHECK(verify(&pv, paid, NULL, &c) == PAY_ERR_FORGED);
	CHECK(verify(&pv, paid, "garbage", &c) == PAY_ERR_FORGED);

	/* Authentic but not an event we can read: malformed.  The body of
	 * protocols.md's vector has no data. */
	CHECK(verify(&pv, vector, "t=1700000000,v1=f457ee3d89f52f9f02936e1cd1"
	    "173dd5dfa132cdc78ec55ea964a53098c5a1c0", &c) == PAY_ERR_PROTOCOL);
	CHECK(verify(&pv, NULL, header, &c) == PAY_ERR_PROTOCOL);
	sign("{\"id\":\"evt_1\"", header, sizeof(header));
	CHECK(verify(&pv, "{\"id\":\"evt_1\"", header, &c) ==
	    PAY_ERR_PROTOCOL);
	provider_close(&pv);
	conf_clear(&conf);
}

static void
test_refused_locally(void)
{
	struct pay_confirmed	 c;
	struct pay_created	 created;
	struct pay_request	 req;
	struct pay_refund_req	 rr;
	struct provider		 pv;
	struct conf		 conf;
	unsigned char		*png = NULL;
	size_t			 len = 0;
	char			 err[256], link[64], id[PAY_REF_MAX + 1] = "x";

	load(&conf, "https://api.stripe.com");
	CHECK(provider_open(&pv, PROVIDER_STRIPE, &conf, err, sizeof(err)) ==
	    0);
	/* What it does not have. */
	CHECK(provider_refund_retrieve(&pv, "x", &c, err, sizeof(err)) ==
	    PAY_ERR_UNSUPPORTED);
	CHECK(provider_qr(&pv, "x", &png, &len, err, sizeof(err)) ==
	    PAY_ERR_UNSUPPORTED && png == NULL);
	CHECK(provider_app_link(&pv, "x", link, sizeof(link)) == -1);

	/* Bad requests never reach the network. */
	memset(&req, 0, sizeof(req));
	pv.ops->new_ref(req.ref);
	req.amount = 19900;
	snprintf(req.currency, sizeof(req.currency), "SE");
	CHECK(provider_create(&pv, &req, &created, err, sizeof(err)) ==
	    PAY_ERR_PROTOCOL && created.token[0] == '\0');
	snprintf(req.currency, sizeof(req.currency), "S1K");
	CHECK(provider_create(&pv, &req, &created, err, sizeof(err)) ==
	    PAY_ERR_PROTOCOL);
	snprintf(req.currency, sizeof(req.currency), "SEK");
	req.amount = 0;
	CHECK(provider_create(&pv, &req, &created, err, sizeof(err)) ==
	    PAY_ERR_PROTOCOL);
	req.amount = 19900;
	snprintf(req.ref, sizeof(req.ref), "a\r\nb");
	CHECK(provider_create(&pv, &req, &created, err, sizeof(err)) ==
	    PAY_ERR_PROTOCOL);
	CHECK(provider_retrieve(&pv, "pi_1/../../v1/customers", &c, err,
	    sizeof(err)) == PAY_ERR_PROTOCOL);
	CHECK(provider_retrieve(&pv, "", &c, err, sizeof(err)) ==
	    PAY_ERR_PROTOCOL);
	CHECK(provider_cancel(&pv, "pi_1?x=1", err, sizeof(err)) ==
	    PAY_ERR_PROTOCOL);
	memset(&rr, 0, sizeof(rr));
	pv.ops->new_ref(rr.ref);
	snprintf(rr.payment_ref, sizeof(rr.payment_ref), "pi 1");
	rr.amount = 100;
	CHECK(provider_refund(&pv, &rr, id, err, sizeof(err)) ==
	    PAY_ERR_PROTOCOL);
	CHECK(id[0] == '\0');
	provider_close(&pv);
	conf_clear(&conf);
}

static void
test_transport(void)
{
	struct pay_confirmed	 c;
	struct provider		 pv;
	struct conf		 conf;
	char			 err[256] = "";

	/* Nothing listens on port 1: a transport failure, with a reason
	 * that shows no key. */
	load(&conf, "http://127.0.0.1:1");
	CHECK(provider_open(&pv, PROVIDER_STRIPE, &conf, err, sizeof(err)) ==
	    0);
	CHECK(provider_retrieve(&pv, "pi_1", &c, err, sizeof(err)) ==
	    PAY_ERR_TRANSPORT);
	CHECK(err[0] != '\0' && strstr(err, "sk_test") == NULL);
	provider_close(&pv);
	conf_clear(&conf);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_open();
	test_row();
	test_verify();
	test_refused_locally();
	test_transport();
	return CHECK_DONE();
}
