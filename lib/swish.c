/*
 * The Swish Commerce API client and the Swish row of the provider table.
 * Each call is one lib/httpc request with the merchant certificate.
 */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "conf.h"
#include "httpc.h"
#include "limits.h"
#include "log.h"
#include "money.h"
#include "provider.h"
#include "swish.h"

_Static_assert(SWISH_ID_LEN <= PAY_REF_MAX, "instruction ids must fit");
_Static_assert(SWISH_TOKEN_MAX <= PAY_TOKEN_MAX, "tokens must fit");
_Static_assert(SWISH_MESSAGE_MAX <= PAY_MESSAGE_MAX, "messages must fit");

/* Settings from the configuration; strings point into struct conf. */
struct swish_conf {
	const char	*api_url;	/* ".../swish-cpcapi", no trailing / */
	const char	*cert;		/* client certificate, PEM */
	const char	*key;		/* its private key, PEM */
	const char	*key_password;	/* NULL if unencrypted */
	const char	*ca;		/* CA bundle for Swish's server cert */
	const char	*payee_alias;	/* merchant Swish number */
	const char	*qr_url;	/* QR generator .../api/v1/commerce */
	long		 timeout;	/* seconds; 0 means 10 */
};

/* The provider context: the settings and where Swish calls us back. */
struct swish_ctx {
	struct swish_conf	 conf;
	char			 callback_url[1024];
};

enum swish_err {
	SWISH_OK = 0,
	SWISH_ERR_TRANSPORT,	/* connect, TLS, timeout */
	SWISH_ERR_REJECTED,	/* 4xx: Swish refused the request */
	SWISH_ERR_NOTFOUND,	/* 404 on retrieve */
	SWISH_ERR_SERVER,	/* 5xx */
	SWISH_ERR_PROTOCOL,	/* a reply we cannot understand */
	SWISH_ERR__MAX
};

/* What we send to create a payment request (v2 PUT). */
struct swish_create {
	const char	*id;			/* instruction UUID */
	int64_t		 amount;		/* öre, > 0 */
	const char	*currency;		/* "SEK" is all Swish takes */
	const char	*message;		/* <= 50 chars, may be NULL */
	const char	*callback_url;		/* https://... */
	const char	*callback_identifier;	/* may be NULL */
	const char	*reference;		/* payeePaymentReference or NULL */
};

static const char *const status_names[SWISH_STATUS__MAX] = {
	[SWISH_CREATED] = "CREATED",
	[SWISH_PAID] = "PAID",
	[SWISH_DECLINED] = "DECLINED",
	[SWISH_ERROR] = "ERROR",
	[SWISH_CANCELLED] = "CANCELLED",
};

/* Swish's outcomes in the provider vocabulary. */
static const enum pay_err pay_errs[] = {
	[SWISH_OK] = PAY_OK,
	[SWISH_ERR_TRANSPORT] = PAY_ERR_TRANSPORT,
	[SWISH_ERR_REJECTED] = PAY_ERR_REJECTED,
	[SWISH_ERR_NOTFOUND] = PAY_ERR_NOTFOUND,
	[SWISH_ERR_SERVER] = PAY_ERR_SERVER,
	[SWISH_ERR_PROTOCOL] = PAY_ERR_PROTOCOL,
};

/* Swish's statuses in ours.  A refund's VALIDATED and DEBITED parse as
 * CREATED: not final yet. */
static const enum pay_status pay_statuses[] = {
	[SWISH_CREATED] = PAY_CREATED,
	[SWISH_PAID] = PAY_PAID,
	[SWISH_DECLINED] = PAY_DECLINED,
	[SWISH_ERROR] = PAY_ERROR,
	[SWISH_CANCELLED] = PAY_CANCELLED,
};

_Static_assert(sizeof(pay_errs) / sizeof(pay_errs[0]) == SWISH_ERR__MAX,
    "pay_errs out of sync with enum swish_err");
_Static_assert(sizeof(pay_statuses) / sizeof(pay_statuses[0]) ==
    SWISH_STATUS__MAX, "pay_statuses out of sync with enum swish_status");

const char *
swish_status_str(enum swish_status status)
{
	return status < SWISH_STATUS__MAX ? status_names[status] : "UNKNOWN";
}

void
swish_new_id(char out[SWISH_ID_LEN + 1])
{
	unsigned char	 raw[SWISH_ID_LEN / 2];
	size_t		 i;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, SWISH_ID_LEN + 1, raw, sizeof(raw));
	for (i = 0; i < SWISH_ID_LEN; i++)
		out[i] = (char)toupper((unsigned char)out[i]);
}

static int
id_valid(const char *id)
{
	size_t	 i;

	for (i = 0; id[i] != '\0'; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'A' && id[i] <= 'F')))
			return 0;
	return i == SWISH_ID_LEN;
}

/* The response headers Swish answers with, as indices of httpc_resp's. */
enum {
	HDR_TOKEN = 0,		/* PaymentRequestToken */
	HDR__MAX
};

_Static_assert(HDR__MAX <= HTTPC_WANT_MAX, "too many headers to keep");

/* Summarises a 4xx/5xx body: Swish sends [{"errorCode", ...}]. */
static void
error_codes(const struct httpc_resp *r, char *err, size_t errsz)
{
	cJSON		*doc, *e, *code;
	size_t		 off;

	off = (size_t)snprintf(err, errsz, "HTTP %ld", r->status);
	if ((doc = cJSON_ParseWithLength(r->body, r->len)) == NULL)
		return;
	if (cJSON_IsArray(doc))
		cJSON_ArrayForEach(e, doc) {
			code = cJSON_GetObjectItemCaseSensitive(e, "errorCode");
			if (cJSON_IsString(code) && off < errsz)
				off += (size_t)snprintf(err + off, errsz - off,
				    " %s", code->valuestring);
		}
	cJSON_Delete(doc);
}

/*
 * Performs one request into r (clear it with httpc_resp_clear() either
 * way).  client_cert says whether to present the merchant certificate
 * (the QR generator needs none); body_max caps the answer.  Returns the
 * outcome for the HTTP status; err gets a one-line reason.
 */
static enum swish_err
perform(const struct swish_conf *conf, const char *method, const char *url,
    const char *ctype, const char *body, int client_cert, size_t body_max,
    struct httpc_resp *r, char *err, size_t errsz)
{
	static const char *const accept[] = {
		"Accept: application/json, image/png", NULL
	};
	struct httpc_req	 q;
	enum swish_err		 out;

	memset(&q, 0, sizeof(q));
	q.method = method;
	q.url = url;
	q.headers = accept;
	q.body = body;
	q.body_len = body != NULL ? strlen(body) : 0;
	q.content_type = ctype;
	if (client_cert) {
		q.cert = conf->cert;
		q.key = conf->key;
		q.key_password = conf->key_password;
	}
	q.ca = conf->ca;
	q.timeout = conf->timeout;
	q.body_max = body_max;
	q.want[HDR_TOKEN] = "PaymentRequestToken";
	if (httpc_perform(&q, r, err, errsz) == -1)
		out = SWISH_ERR_TRANSPORT;
	else if (r->status >= 200 && r->status < 300)
		out = SWISH_OK;
	else {
		error_codes(r, err, errsz);
		out = r->status == 404 ? SWISH_ERR_NOTFOUND :
		    r->status >= 500 ? SWISH_ERR_SERVER : SWISH_ERR_REJECTED;
	}
	log_info("swish %s %s -> %ld in %ldms%s%s", method, url, r->status,
	    r->ms, err[0] ? ": " : "", err);
	return out;
}

/*
 * Creates an m-commerce payment request (PUT api/v2/paymentrequests/{id},
 * amount as "123.00").  On SWISH_OK fills token (PaymentRequestToken).
 */
static enum swish_err
swish_create(const struct swish_conf *conf, const struct swish_create *req,
    char token[SWISH_TOKEN_MAX + 1], char *err, size_t errsz)
{
	struct httpc_resp	 r;
	cJSON			*o;
	char			 url[1024], amount[MONEY_STR_MAX], *body;
	enum swish_err		 rc;
	size_t			 tlen;

	token[0] = '\0';
	if (!id_valid(req->id) || req->amount <= 0 ||
	    money_decimal_string(amount, sizeof(amount), req->amount,
	    req->currency) == -1) {
		snprintf(err, errsz, "bad id, amount or currency");
		return SWISH_ERR_PROTOCOL;
	}
	o = cJSON_CreateObject();
	if (req->reference != NULL)
		cJSON_AddStringToObject(o, "payeePaymentReference",
		    req->reference);
	cJSON_AddStringToObject(o, "callbackUrl", req->callback_url);
	cJSON_AddStringToObject(o, "payeeAlias", conf->payee_alias);
	cJSON_AddStringToObject(o, "amount", amount);
	cJSON_AddStringToObject(o, "currency", req->currency);
	if (req->message != NULL && *req->message != '\0')
		cJSON_AddStringToObject(o, "message", req->message);
	if (req->callback_identifier != NULL)
		cJSON_AddStringToObject(o, "callbackIdentifier",
		    req->callback_identifier);
	body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (body == NULL) {
		snprintf(err, errsz, "out of memory");
		return SWISH_ERR_TRANSPORT;
	}
	snprintf(url, sizeof(url), "%s/api/v2/paymentrequests/%s",
	    conf->api_url, req->id);
	rc = perform(conf, "PUT", url, "application/json", body, 1,
	    PROVIDER_BODY_MAX, &r, err, errsz);
	cJSON_free(body);
	if (rc == SWISH_OK) {
		/* A token too long for us counts as none. */
		tlen = strlen(r.header[HDR_TOKEN]);
		if (r.status != 201 || tlen == 0 || tlen > SWISH_TOKEN_MAX) {
			snprintf(err, errsz, "HTTP %ld without a "
			    "PaymentRequestToken", r.status);
			rc = SWISH_ERR_PROTOCOL;
		} else
			memcpy(token, r.header[HDR_TOKEN], tlen + 1);
	}
	httpc_resp_clear(&r);
	return rc;
}

/* GETs an object (payment request or refund: GET api/v1/{kind}/{id}) and
 * parses it. */
static enum swish_err
retrieve(const struct swish_conf *conf, const char *kind, const char *id,
    struct swish_payment *out, char *err, size_t errsz)
{
	struct httpc_resp	 r;
	char			 url[1024];
	enum swish_err		 rc;

	memset(out, 0, sizeof(*out));
	if (!id_valid(id)) {
		snprintf(err, errsz, "bad id");
		return SWISH_ERR_PROTOCOL;
	}
	snprintf(url, sizeof(url), "%s/api/v1/%s/%s", conf->api_url, kind, id);
	rc = perform(conf, "GET", url, NULL, NULL, 1, PROVIDER_BODY_MAX, &r,
	    err, errsz);
	if (rc == SWISH_OK && (swish_parse_payment(r.body, r.len, out) ==
	    -1 || strcmp(out->id, id) != 0)) {
		snprintf(err, errsz, "unreadable %s object", kind);
		rc = SWISH_ERR_PROTOCOL;
	}
	httpc_resp_clear(&r);
	return rc;
}

/* PATCH api/v1/paymentrequests/{id} to "cancelled" (json-patch). A request
 * that is no longer cancellable gives SWISH_ERR_REJECTED. */
static enum swish_err
swish_cancel(const struct swish_conf *conf, const char *id, char *err,
    size_t errsz)
{
	static const char body[] =
	    "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"cancelled\"}]";
	struct httpc_resp	 r;
	char			 url[1024];
	enum swish_err		 rc;

	if (!id_valid(id)) {
		snprintf(err, errsz, "bad id");
		return SWISH_ERR_PROTOCOL;
	}
	snprintf(url, sizeof(url), "%s/api/v1/paymentrequests/%s",
	    conf->api_url, id);
	rc = perform(conf, "PATCH", url, "application/json-patch+json", body,
	    1, PROVIDER_BODY_MAX, &r, err, errsz);
	httpc_resp_clear(&r);
	return rc;
}

/*
 * Refunds amount öre of the payment whose bank reference is
 * original_payment_reference (PUT api/v2/refunds/{refund_id}).
 */
static enum swish_err
swish_refund(const struct swish_conf *conf, const char *refund_id,
    const char *original_payment_reference, int64_t amount,
    const char *currency, const char *message, const char *callback_url,
    char *err, size_t errsz)
{
	struct httpc_resp	 r;
	cJSON			*o;
	char			 url[1024], amt[MONEY_STR_MAX], *body;
	enum swish_err		 rc;

	if (!id_valid(refund_id) || amount <= 0 ||
	    money_decimal_string(amt, sizeof(amt), amount, currency) == -1) {
		snprintf(err, errsz, "bad refund id, amount or currency");
		return SWISH_ERR_PROTOCOL;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "originalPaymentReference",
	    original_payment_reference);
	cJSON_AddStringToObject(o, "callbackUrl", callback_url);
	cJSON_AddStringToObject(o, "payerAlias", conf->payee_alias);
	cJSON_AddStringToObject(o, "amount", amt);
	cJSON_AddStringToObject(o, "currency", currency);
	if (message != NULL)
		cJSON_AddStringToObject(o, "message", message);
	body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (body == NULL) {
		snprintf(err, errsz, "out of memory");
		return SWISH_ERR_TRANSPORT;
	}
	snprintf(url, sizeof(url), "%s/api/v2/refunds/%s", conf->api_url,
	    refund_id);
	rc = perform(conf, "PUT", url, "application/json", body, 1,
	    PROVIDER_BODY_MAX, &r, err, errsz);
	cJSON_free(body);
	httpc_resp_clear(&r);
	return rc;
}

/*
 * Fetches the QR PNG for an m-commerce token from conf->qr_url (POST
 * {"format":"png","size":300,"token":...}).  On SWISH_OK *png is malloc'd
 * (free with free()).  The QR generator needs no client certificate.
 */
static enum swish_err
swish_qr(const struct swish_conf *conf, const char *token,
    unsigned char **png, size_t *len, char *err, size_t errsz)
{
	struct httpc_resp	 r;
	cJSON			*o;
	char			*body;
	enum swish_err		 rc;

	*png = NULL;
	*len = 0;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "format", "png");
	cJSON_AddNumberToObject(o, "size", 300);
	cJSON_AddStringToObject(o, "token", token);
	body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (body == NULL) {
		snprintf(err, errsz, "out of memory");
		return SWISH_ERR_TRANSPORT;
	}
	rc = perform(conf, "POST", conf->qr_url, "application/json", body, 0,
	    SWISH_QR_BODY_MAX, &r, err, errsz);
	cJSON_free(body);
	if (rc == SWISH_OK && (r.len < 8 ||
	    memcmp(r.body, "\x89PNG\r\n\x1a\n", 8) != 0)) {
		snprintf(err, errsz, "the QR generator sent no PNG");
		rc = SWISH_ERR_PROTOCOL;
	}
	if (rc == SWISH_OK) {
		/* The body is the PNG, handed over as it is. */
		*png = (unsigned char *)r.body;
		*len = r.len;
		r.body = NULL;
	}
	httpc_resp_clear(&r);
	return rc;
}

/*
 * Copies a string member into out ("" when absent or null).  Returns 0,
 * -1 if present but not a string, or 1 if it was cut to fit.
 */
static int
copy_str(const cJSON *o, const char *name, char *out, size_t outsz)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	out[0] = '\0';
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return -1;
	return (size_t)snprintf(out, outsz, "%s", v->valuestring) >= outsz;
}

int
swish_parse_payment(const char *json, size_t len, struct swish_payment *out)
{
	cJSON		*o;
	const cJSON	*v;
	char		 status[16];
	double		 d;
	int		 i, rc = -1;

	memset(out, 0, sizeof(*out));
	if ((o = cJSON_ParseWithLength(json, len)) == NULL)
		return -1;
	if (!cJSON_IsObject(o) ||
	    copy_str(o, "id", out->id, sizeof(out->id)) != 0 ||
	    !id_valid(out->id) ||
	    copy_str(o, "status", status, sizeof(status)) == -1 ||
	    copy_str(o, "paymentReference", out->payment_reference,
	    sizeof(out->payment_reference)) == -1 ||
	    copy_str(o, "payeePaymentReference", out->reference,
	    sizeof(out->reference)) == -1 ||
	    copy_str(o, "datePaid", out->date_paid,
	    sizeof(out->date_paid)) == -1 ||
	    copy_str(o, "errorCode", out->error_code,
	    sizeof(out->error_code)) == -1 ||
	    copy_str(o, "errorMessage", out->error_message,
	    sizeof(out->error_message)) == -1)
		goto out;
	for (i = 0; i < SWISH_STATUS__MAX; i++)
		if (strcmp(status, status_names[i]) == 0)
			break;
	/* Refunds pass through VALIDATED and DEBITED on their way. */
	if (strcmp(status, "VALIDATED") == 0 || strcmp(status, "DEBITED") == 0)
		i = SWISH_CREATED;
	else if (i == SWISH_STATUS__MAX)
		goto out;
	out->status = (enum swish_status)i;

	/* A JSON number of kronor (a string is tolerated); round to öre. */
	v = cJSON_GetObjectItemCaseSensitive(o, "amount");
	if (cJSON_IsNumber(v))
		d = v->valuedouble;
	else if (cJSON_IsString(v))
		d = strtod(v->valuestring, NULL);
	else if (v == NULL || cJSON_IsNull(v))
		d = 0;
	else
		goto out;
	if (!isfinite(d) || d < 0 || d > (double)MONEY_MAX / 100)
		goto out;
	out->amount = (int64_t)llround(d * 100.0);

	/* Reported for the amount's sake; an odd value is left out rather
	 * than refused, as before the field was read. */
	v = cJSON_GetObjectItemCaseSensitive(o, "currency");
	if (cJSON_IsString(v) && strlen(v->valuestring) == CURRENCY_LEN)
		memcpy(out->currency, v->valuestring, CURRENCY_LEN + 1);
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

/*
 * The provider row.  Swish signs nothing: a callback is parsed and its
 * callbackIdentifier header handed back as the secret to match, and
 * only what retrieve then says is applied (protocols.md 1.8).
 */

static void *
ops_open(const struct conf *conf, char *err, size_t errsz)
{
	struct swish_ctx	*ctx;
	const char		*base = conf_str(conf, CONF_PUBLIC_URL);
	size_t			 len = strlen(base);

	if ((ctx = calloc(1, sizeof(*ctx))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	ctx->conf.api_url = conf_str(conf, CONF_SWISH_API_URL);
	ctx->conf.cert = conf_str(conf, CONF_SWISH_CERT);
	ctx->conf.key = conf_str(conf, CONF_SWISH_KEY);
	ctx->conf.key_password = conf->v[CONF_SWISH_KEY_PASSWORD];
	ctx->conf.ca = conf->v[CONF_SWISH_CA];
	ctx->conf.payee_alias = conf_str(conf, CONF_SWISH_PAYEE_ALIAS);
	ctx->conf.qr_url = conf_str(conf, CONF_SWISH_QR_URL);
	ctx->conf.timeout = conf_int(conf, CONF_SWISH_TIMEOUT, 10);
	/* public_url + "/swish/callback/", the route in cgi-bin/pay.c. */
	while (len > 0 && base[len - 1] == '/')
		len--;
	if ((size_t)snprintf(ctx->callback_url, sizeof(ctx->callback_url),
	    "%.*s/swish/callback/", (int)len, base) >=
	    sizeof(ctx->callback_url)) {
		snprintf(err, errsz, "public_url too long");
		free(ctx);
		return NULL;
	}
	return ctx;
}

static void
ops_new_ref(char ref[PAY_REF_MAX + 1])
{
	swish_new_id(ref);
}

/* A Swish object in the provider vocabulary. */
static void
to_confirmed(const struct swish_payment *sp, struct pay_confirmed *out)
{
	memset(out, 0, sizeof(*out));
	out->provider = PROVIDER_SWISH;
	snprintf(out->provider_ref, sizeof(out->provider_ref), "%s", sp->id);
	out->status = pay_statuses[sp->status];
	out->amount = sp->amount;
	snprintf(out->currency, sizeof(out->currency), "%s", sp->currency);
	snprintf(out->payment_reference, sizeof(out->payment_reference), "%s",
	    sp->payment_reference);
	/* Swish has no event ids: a request reaches each status once. */
	snprintf(out->event_key, sizeof(out->event_key), "%s/%s", sp->id,
	    swish_status_str(sp->status));
	snprintf(out->error_code, sizeof(out->error_code), "%s",
	    sp->error_code);
}

static enum pay_err
ops_create(void *arg, const struct pay_request *req, struct pay_created *out,
    char *err, size_t errsz)
{
	struct swish_ctx	*ctx = arg;
	struct swish_create	 c;
	enum swish_err		 rc;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.id = req->ref;
	c.amount = req->amount;
	c.currency = req->currency;
	c.message = req->message;
	c.callback_url = ctx->callback_url;
	c.callback_identifier = req->callback_secret;
	c.reference = req->reference;
	/* The request keeps the id we chose: Swish's PUT is idempotent. */
	if ((rc = swish_create(&ctx->conf, &c, out->token, err, errsz)) ==
	    SWISH_OK)
		snprintf(out->provider_ref, sizeof(out->provider_ref), "%s",
		    req->ref);
	return pay_errs[rc];
}

static enum pay_err
ops_retrieve(void *arg, const char *provider_ref, struct pay_confirmed *out,
    char *err, size_t errsz)
{
	struct swish_ctx	*ctx = arg;
	struct swish_payment	 sp;
	enum swish_err		 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = retrieve(&ctx->conf, "paymentrequests", provider_ref, &sp,
	    err, errsz)) == SWISH_OK)
		to_confirmed(&sp, out);
	return pay_errs[rc];
}

static enum pay_err
ops_cancel(void *arg, const char *provider_ref, char *err, size_t errsz)
{
	struct swish_ctx	*ctx = arg;

	return pay_errs[swish_cancel(&ctx->conf, provider_ref, err, errsz)];
}

static enum pay_err
ops_refund(void *arg, const struct pay_refund_req *req,
    char id[PAY_REF_MAX + 1], char *err, size_t errsz)
{
	struct swish_ctx	*ctx = arg;
	enum pay_err		 rc;

	rc = pay_errs[swish_refund(&ctx->conf, req->ref,
	    req->payment_reference, req->amount, req->currency, req->message,
	    ctx->callback_url, err, errsz)];
	/* Swish's refund is known by our instruction id. */
	if (rc == PAY_OK)
		snprintf(id, PAY_REF_MAX + 1, "%s", req->ref);
	return rc;
}

static enum pay_err
ops_refund_retrieve(void *arg, const char *ref, struct pay_confirmed *out,
    char *err, size_t errsz)
{
	struct swish_ctx	*ctx = arg;
	struct swish_payment	 sp;
	enum swish_err		 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = retrieve(&ctx->conf, "refunds", ref, &sp, err, errsz)) ==
	    SWISH_OK)
		to_confirmed(&sp, out);
	return pay_errs[rc];
}

static enum pay_err
ops_verify_callback(void *arg, const struct pay_callback *cb,
    struct pay_confirmed *claimed, char secret[PAY_SECRET_MAX + 1],
    char *err, size_t errsz)
{
	struct swish_payment	 sp;

	(void)arg;
	memset(claimed, 0, sizeof(*claimed));
	secret[0] = '\0';
	if (cb->body == NULL || swish_parse_payment(cb->body, cb->len, &sp)
	    == -1) {
		snprintf(err, errsz, "malformed body");
		return PAY_ERR_PROTOCOL;
	}
	to_confirmed(&sp, claimed);
	/* An over-long identifier counts as none (it cannot be ours). */
	if (cb->header != NULL && strlen(cb->header) <= PAY_SECRET_MAX)
		snprintf(secret, PAY_SECRET_MAX + 1, "%s", cb->header);
	return PAY_OK;
}

static enum pay_err
ops_qr(void *arg, const char *token, unsigned char **png, size_t *len,
    char *err, size_t errsz)
{
	struct swish_ctx	*ctx = arg;

	return pay_errs[swish_qr(&ctx->conf, token, png, len, err, errsz)];
}

/* Opens the Swish app on the payer's phone (protocols.md 1.5). */
static int
ops_app_link(void *arg, const char *token, char *buf, size_t bufsz)
{
	(void)arg;
	return (size_t)snprintf(buf, bufsz, "swish://paymentrequest?token=%s",
	    token) >= bufsz ? -1 : 0;
}

const struct provider_ops swish_ops = {
	.name = "swish",
	.label = "Swish",
	.callback_header = "callbackIdentifier",
	.callback_secret = 1,
	.open = ops_open,
	.close = free,
	.new_ref = ops_new_ref,
	.create = ops_create,
	.retrieve = ops_retrieve,
	.cancel = ops_cancel,
	.refund = ops_refund,
	.refund_retrieve = ops_refund_retrieve,
	.verify_callback = ops_verify_callback,
	.qr = ops_qr,
	.app_link = ops_app_link,
};
