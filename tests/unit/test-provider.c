/*
 * lib/provider: the table, the payment vocabulary's stored names, and
 * the Swish row's pure operations (callback verification, references,
 * app links, refusing bad requests before any network call).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conf.h"
#include "crypto.h"
#include "limits.h"
#include "payment.h"
#include "provider.h"

#define ID	"11A86BE70EA346E4B1C39C874173F088"

static void
test_table(void)
{
	const struct provider_ops	*ops;
	struct provider			 pv;
	char				 err[128];
	int				 i;

	for (i = 0; i < PROVIDER__MAX; i++) {
		ops = provider_ops((enum pay_provider)i);
		CHECK(ops != NULL);
		if (ops == NULL)
			continue;
		CHECK(ops->name != NULL && *ops->name != '\0');
		CHECK(ops->label != NULL && *ops->label != '\0');
		CHECK(ops->open != NULL && ops->close != NULL &&
		    ops->new_ref != NULL && ops->create != NULL &&
		    ops->retrieve != NULL && ops->cancel != NULL &&
		    ops->refund != NULL && ops->verify_callback != NULL);
		CHECK(provider_parse(provider_name((enum pay_provider)i)) ==
		    (enum pay_provider)i);
	}
	CHECK(strcmp(provider_name(PROVIDER_SWISH), "swish") == 0);
	CHECK(provider_parse("nope") == PROVIDER__MAX);
	CHECK(provider_parse(NULL) == PROVIDER__MAX);
	CHECK(strcmp(provider_name(PROVIDER__MAX), "") == 0);
	CHECK(provider_ops(PROVIDER__MAX) == NULL);
	CHECK(provider_open(&pv, PROVIDER__MAX, NULL, err, sizeof(err)) == -1);
	provider_close(&pv);
	provider_close(NULL);
}

static void
test_names(void)
{
	/* What payments.status holds (its CHECK constraint's list). */
	static const char *const stored[PAY_STATUS__MAX] = { "created",
	    "pending", "paid", "declined", "error", "cancelled", "refunded" };
	int	 i;

	for (i = 0; i < PAY_STATUS__MAX; i++) {
		CHECK(strcmp(pay_status_str((enum pay_status)i), stored[i]) ==
		    0);
		CHECK(pay_status_parse(stored[i]) == (enum pay_status)i);
	}
	CHECK(pay_status_parse("PAID") == PAY_STATUS__MAX);
	CHECK(pay_status_parse(NULL) == PAY_STATUS__MAX);
	CHECK(strcmp(pay_status_str(PAY_STATUS__MAX), "") == 0);
	/* payments.error_code of a failed create, as before. */
	CHECK(strcmp(pay_errstr(PAY_ERR_TRANSPORT), "transport") == 0);
	CHECK(strcmp(pay_errstr(PAY_ERR_SERVER), "server error") == 0);
	CHECK(strcmp(pay_errstr(PAY_ERR__MAX), "unknown") == 0);
}

/* Runs the Swish row's verify_callback on body with header. */
static enum pay_err
verify(const struct provider *pv, const char *body, const char *header,
    struct pay_confirmed *claimed, char secret[PAY_SECRET_MAX + 1])
{
	struct pay_callback	 cb;
	char			 err[128];

	memset(&cb, 0, sizeof(cb));
	cb.body = body;
	cb.len = body != NULL ? strlen(body) : 0;
	cb.header = header;
	return provider_verify_callback(pv, &cb, claimed, secret, err,
	    sizeof(err));
}

static void
test_swish(void)
{
	struct pay_confirmed	 c;
	struct pay_created	 created;
	struct pay_request	 req;
	struct provider		 pv;
	struct conf		 conf;
	char			 err[256], secret[PAY_SECRET_MAX + 1];
	char			 ref[PAY_REF_MAX + 1], link[64];
	char			 longhdr[PAY_SECRET_MAX + 2];
	size_t			 i;

	memset(&conf, 0, sizeof(conf));
	CHECK(conf_load(&conf, NULL, err, sizeof(err)) == 0);
	CHECK(provider_open(&pv, PROVIDER_SWISH, &conf, err, sizeof(err)) ==
	    0);
	CHECK(pv.id == PROVIDER_SWISH && pv.ops == provider_ops(pv.id));

	/* References are Swish instruction UUIDs. */
	pv.ops->new_ref(ref);
	CHECK(strlen(ref) == SWISH_ID_LEN);
	for (i = 0; ref[i] != '\0'; i++)
		CHECK((ref[i] >= '0' && ref[i] <= '9') ||
		    (ref[i] >= 'A' && ref[i] <= 'F'));

	/* A PAID callback: the claim, and the identifier as the secret. */
	CHECK(verify(&pv, "{\"id\":\"" ID "\",\"status\":\"PAID\","
	    "\"amount\":100.00,\"currency\":\"SEK\",\"paymentReference\":"
	    "\"1E2FC19E5E5E4E18916609B7F8911C12\"}", "s3cret", &c, secret) ==
	    PAY_OK);
	CHECK(c.provider == PROVIDER_SWISH && c.status == PAY_PAID &&
	    c.amount == 10000 && strcmp(c.provider_ref, ID) == 0 &&
	    strcmp(c.currency, "SEK") == 0 &&
	    strcmp(c.payment_reference, "1E2FC19E5E5E4E18916609B7F8911C12") ==
	    0 && strcmp(c.event_key, ID "/PAID") == 0 &&
	    c.error_code[0] == '\0');
	CHECK(strcmp(secret, "s3cret") == 0);

	/* Other statuses map onto ours; error codes come along. */
	CHECK(verify(&pv, "{\"id\":\"" ID "\",\"status\":\"ERROR\","
	    "\"errorCode\":\"TM01\"}", NULL, &c, secret) == PAY_OK);
	CHECK(c.status == PAY_ERROR && strcmp(c.error_code, "TM01") == 0 &&
	    strcmp(c.event_key, ID "/ERROR") == 0 && c.currency[0] == '\0');
	CHECK(secret[0] == '\0');
	CHECK(verify(&pv, "{\"id\":\"" ID "\",\"status\":\"DECLINED\"}", "x",
	    &c, secret) == PAY_OK && c.status == PAY_DECLINED);
	CHECK(verify(&pv, "{\"id\":\"" ID "\",\"status\":\"CANCELLED\"}", "x",
	    &c, secret) == PAY_OK && c.status == PAY_CANCELLED);
	CHECK(verify(&pv, "{\"id\":\"" ID "\",\"status\":\"CREATED\"}", "x",
	    &c, secret) == PAY_OK && c.status == PAY_CREATED);

	/* An identifier too long to be ours counts as none. */
	memset(longhdr, 'a', sizeof(longhdr) - 1);
	longhdr[sizeof(longhdr) - 1] = '\0';
	CHECK(verify(&pv, "{\"id\":\"" ID "\",\"status\":\"PAID\"}", longhdr,
	    &c, secret) == PAY_OK && secret[0] == '\0');

	/* Malformed bodies. */
	CHECK(verify(&pv, "{", "x", &c, secret) == PAY_ERR_PROTOCOL);
	CHECK(verify(&pv, "{\"nonsense\":true}", "x", &c, secret) ==
	    PAY_ERR_PROTOCOL);
	CHECK(verify(&pv, NULL, "x", &c, secret) == PAY_ERR_PROTOCOL);

	/* The app link, and one that does not fit. */
	CHECK(provider_app_link(&pv, "abc123", link, sizeof(link)) == 0 &&
	    strcmp(link, "swish://paymentrequest?token=abc123") == 0);
	CHECK(provider_app_link(&pv, "abc123", link, 10) == -1);

	/* Bad requests are refused before any network call. */
	memset(&req, 0, sizeof(req));
	pv.ops->new_ref(req.ref);
	req.amount = 19900;
	snprintf(req.currency, sizeof(req.currency), "sek");
	CHECK(provider_create(&pv, &req, &created, err, sizeof(err)) ==
	    PAY_ERR_PROTOCOL && created.token[0] == '\0');
	snprintf(req.currency, sizeof(req.currency), "SEK");
	snprintf(req.ref, sizeof(req.ref), "not-an-id");
	CHECK(provider_create(&pv, &req, &created, err, sizeof(err)) ==
	    PAY_ERR_PROTOCOL);
	CHECK(provider_retrieve(&pv, "not-an-id", &c, err, sizeof(err)) ==
	    PAY_ERR_PROTOCOL);
	provider_close(&pv);
	provider_close(&pv);

	/* A callback URL that does not fit is refused at open. */
	free(conf.v[CONF_PUBLIC_URL]);
	conf.v[CONF_PUBLIC_URL] = calloc(1, 2000);
	CHECK(conf.v[CONF_PUBLIC_URL] != NULL);
	if (conf.v[CONF_PUBLIC_URL] != NULL)
		memset(conf.v[CONF_PUBLIC_URL], 'h', 1999);
	CHECK(provider_open(&pv, PROVIDER_SWISH, &conf, err, sizeof(err)) ==
	    -1 && strcmp(err, "public_url too long") == 0);
	conf_clear(&conf);
}

static void
test_secret(void)
{
	struct payment	 p;
	char		 secret[TOKEN_HEX_LEN + 1];

	memset(&p, 0, sizeof(p));
	crypto_token(secret);
	crypto_token_hash(secret, p.callback_hash);
	CHECK(pay_secret_ok(&p, secret));
	secret[0] = secret[0] == 'a' ? 'b' : 'a';
	CHECK(!pay_secret_ok(&p, secret));
	CHECK(!pay_secret_ok(&p, ""));
	CHECK(!pay_secret_ok(&p, NULL));
}

int
main(void)
{
	CHECK(crypto_init() == 0);
	test_table();
	test_names();
	test_swish();
	test_secret();
	return CHECK_DONE();
}
