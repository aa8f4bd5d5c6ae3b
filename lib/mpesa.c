/*
 * The M-Pesa Express client (Daraja) and the M-Pesa row of the provider
 * table.  Each call is one lib/httpc request with a bearer token from
 * Daraja's OAuth endpoint, kept in the provider context (one per worker)
 * until shortly before it expires.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "conf.h"
#include "httpc.h"
#include "limits.h"
#include "log.h"
#include "mpesa.h"
#include "provider.h"

/* The provider context: settings (strings pointing into struct conf)
 * and the cached access token. */
struct mpesa_ctx {
	char		 api_url[512];		/* no trailing slash */
	char		 callback_base[512];	/* .../api/webhooks/mpesa/ */
	const char	*consumer_key;
	const char	*consumer_secret;
	const char	*shortcode;
	const char	*passkey;
	const char	*ca;			/* NULL: the system's */
	long		 timeout;
	int		 plain_http;		/* a simulator on loopback */
	char		 token[MPESA_TOKEN_MAX + 1];	/* "" when none */
	int64_t		 token_until;		/* renew from then on */
};

/* Daraja's "the customer has not answered yet" on an STK query. */
#define QUERY_PROCESSING	"500.001.1001"
/* Daraja's "invalid access token": drop the cached one, ask again. */
#define TOKEN_INVALID		"404.001.03"

/* The ResultCodes that mean the payer said no or did not answer. */
static const long declines[] = { 1, 1019, 1032, 1037, 2001 };

void
mpesa_timestamp(int64_t now, char out[MPESA_TIMESTAMP_LEN + 1])
{
	struct tm	 tm;
	time_t		 t = (time_t)(now + MPESA_UTC_OFFSET);

	/* UTC shifted by Nairobi's offset: TZ plays no part. */
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, MPESA_TIMESTAMP_LEN + 1, "%Y%m%d%H%M%S", &tm) !=
	    MPESA_TIMESTAMP_LEN)
		memset(out, '0', MPESA_TIMESTAMP_LEN);
	out[MPESA_TIMESTAMP_LEN] = '\0';
}

int
mpesa_password(const char *shortcode, const char *passkey,
    const char *timestamp, char *out, size_t outsz)
{
	char	 plain[MPESA_SHORTCODE_MAX + MPESA_KEY_MAX +
	    MPESA_TIMESTAMP_LEN + 1];
	int	 n;

	if (shortcode == NULL || passkey == NULL || timestamp == NULL ||
	    *shortcode == '\0' || *passkey == '\0' || *timestamp == '\0')
		return -1;
	n = snprintf(plain, sizeof(plain), "%s%s%s", shortcode, passkey,
	    timestamp);
	if (n < 0 || (size_t)n >= sizeof(plain) ||
	    outsz < sodium_base64_ENCODED_LEN((size_t)n,
	    sodium_base64_VARIANT_ORIGINAL)) {
		sodium_memzero(plain, sizeof(plain));
		return -1;
	}
	sodium_bin2base64(out, outsz, (const unsigned char *)plain, (size_t)n,
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(plain, sizeof(plain));
	return 0;
}

int
mpesa_phone_normalise(const char *in, char out[PAY_PHONE_MAX + 1])
{
	char	 d[PAY_PHONE_MAX + 2];
	size_t	 n = 0, i;
	int	 plus = 0;

	out[0] = '\0';
	if (in == NULL)
		return -1;
	/* The digits, with spaces between them and one leading '+'. */
	for (i = 0; in[i] != '\0'; i++) {
		if (i == 0 && in[i] == '+')
			plus = 1;
		else if (in[i] == ' ' && n > 0 && in[i + 1] != '\0')
			continue;
		else if (!isdigit((unsigned char)in[i]) || n >= sizeof(d) - 1)
			return -1;
		else
			d[n++] = in[i];
	}
	d[n] = '\0';
	if (n == 10 && !plus && d[0] == '0' && (d[1] == '7' || d[1] == '1')) {
		memcpy(out, "254", 3);
		memcpy(out + 3, d + 1, 10);	/* 9 digits and the NUL */
	} else if (n == 12 && memcmp(d, "254", 3) == 0 &&
	    (d[3] == '7' || d[3] == '1'))
		memcpy(out, d, PAY_PHONE_MAX + 1);
	else
		return -1;
	return 0;
}

int
mpesa_result_status(long code)
{
	size_t	 i;

	if (code == 0)
		return PAY_PAID;
	for (i = 0; i < sizeof(declines) / sizeof(declines[0]); i++)
		if (code == declines[i])
			return PAY_DECLINED;
	return PAY_ERROR;
}

/*
 * Parsing.  A member of the wrong type fails the whole object rather
 * than being guessed at.
 */

/* Is s a Daraja id (CheckoutRequestID "ws_CO_...", MerchantRequestID
 * "29115-34620561-1", a receipt "NLJ7RT61SV") that fits max bytes? */
static int
id_valid(const char *s, size_t max)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= max || !(isalnum((unsigned char)s[i]) ||
		    s[i] == '_' || s[i] == '-'))
			return 0;
	return i > 0;
}

/* Copies string member name into out.  Returns 0, or -1 if it is
 * absent, not a string or does not fit. */
static int
get_str(const cJSON *o, const char *name, char *out, size_t outsz)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	out[0] = '\0';
	if (!cJSON_IsString(v) ||
	    (size_t)snprintf(out, outsz, "%s", v->valuestring) >= outsz)
		return -1;
	return 0;
}

/*
 * Reads v, a whole number from 0 to max given as a JSON number or a
 * string of digits (Daraja sends ResultCode both ways).  Returns 0, or
 * -1 for anything else.
 */
static int
get_whole(const cJSON *v, int64_t max, int64_t *out)
{
	const char	*s;
	int64_t		 n = 0;

	if (cJSON_IsNumber(v)) {
		if (!isfinite(v->valuedouble) || v->valuedouble < 0 ||
		    v->valuedouble > (double)max ||
		    v->valuedouble != floor(v->valuedouble))
			return -1;
		*out = (int64_t)v->valuedouble;
		return 0;
	}
	if (!cJSON_IsString(v) || *(s = v->valuestring) == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s) || n > (max - (*s - '0')) / 10)
			return -1;
		n = n * 10 + (*s - '0');
	}
	*out = n;
	return 0;
}

/* The Value of the CallbackMetadata item called name, or NULL. */
static const cJSON *
item_value(const cJSON *items, const char *name)
{
	const cJSON	*it, *n;

	cJSON_ArrayForEach(it, items) {
		n = cJSON_GetObjectItemCaseSensitive(it, "Name");
		if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
			return cJSON_GetObjectItemCaseSensitive(it, "Value");
	}
	return NULL;
}

/* A paid callback's amount, payer and receipt (CallbackMetadata). */
static int
metadata_read(const cJSON *cb, struct pay_confirmed *out)
{
	const cJSON	*md, *items, *v, *it;
	int64_t		 phone;
	double		 kes;

	md = cJSON_GetObjectItemCaseSensitive(cb, "CallbackMetadata");
	items = cJSON_GetObjectItemCaseSensitive(md, "Item");
	if (!cJSON_IsArray(items) || cJSON_GetArraySize(items) > 16)
		return -1;
	cJSON_ArrayForEach(it, items)
		if (!cJSON_IsObject(it))
			return -1;
	/* Amount: a decimal of whole shillings ("Value": 1.00). */
	v = item_value(items, "Amount");
	if (!cJSON_IsNumber(v) || !isfinite(kes = v->valuedouble) ||
	    kes <= 0 || kes > (double)(MONEY_MAX / 100) ||
	    kes != floor(kes))
		return -1;
	out->amount = (int64_t)kes * 100;
	/* PhoneNumber: twelve digits, a number or a string. */
	if (get_whole(item_value(items, "PhoneNumber"), INT64_C(999999999999),
	    &phone) == -1 || phone < INT64_C(100000000000))
		return -1;
	if ((size_t)snprintf(out->payer, sizeof(out->payer), "%" PRId64,
	    phone) >= sizeof(out->payer))
		return -1;
	v = item_value(items, "MpesaReceiptNumber");
	if (!cJSON_IsString(v) || !id_valid(v->valuestring, PAY_REF_MAX))
		return -1;
	snprintf(out->payment_reference, sizeof(out->payment_reference), "%s",
	    v->valuestring);
	return 0;
}

/* Fills status, error_code and event_key from id and code. */
static void
result_set(struct pay_confirmed *out, int64_t code)
{
	out->status = (enum pay_status)mpesa_result_status((long)code);
	if (code != 0)
		snprintf(out->error_code, sizeof(out->error_code), "%" PRId64,
		    code);
	snprintf(out->event_key, sizeof(out->event_key), "%s/%" PRId64,
	    out->provider_ref, code);
}

/* The stkCallback object in our words (mpesa_parse_callback()). */
static int
callback_read(const cJSON *root, struct pay_confirmed *out)
{
	const cJSON	*body, *cb;
	char		 merchant[PAY_REF_MAX + 1];
	int64_t		 code;

	body = cJSON_GetObjectItemCaseSensitive(root, "Body");
	cb = cJSON_GetObjectItemCaseSensitive(body, "stkCallback");
	if (!cJSON_IsObject(cb) ||
	    get_str(cb, "CheckoutRequestID", out->provider_ref,
	    sizeof(out->provider_ref)) == -1 ||
	    !id_valid(out->provider_ref, PAY_REF_MAX) ||
	    get_str(cb, "MerchantRequestID", merchant, sizeof(merchant)) == -1 ||
	    !id_valid(merchant, PAY_REF_MAX) ||
	    get_whole(cJSON_GetObjectItemCaseSensitive(cb, "ResultCode"),
	    INT32_MAX, &code) == -1)
		return -1;
	result_set(out, code);
	out->currency[0] = '\0';
	if (out->status == PAY_PAID) {
		if (metadata_read(cb, out) == -1)
			return -1;
		memcpy(out->currency, "KES", sizeof("KES"));
	}
	return 0;
}

/* An STK query answer in our words (mpesa_parse_query()). */
static int
query_read(const cJSON *o, const char *checkout_id, struct pay_confirmed *out)
{
	int64_t	 code;

	if (!cJSON_IsObject(o) ||
	    get_str(o, "CheckoutRequestID", out->provider_ref,
	    sizeof(out->provider_ref)) == -1 ||
	    strcmp(out->provider_ref, checkout_id) != 0 ||
	    get_whole(cJSON_GetObjectItemCaseSensitive(o, "ResultCode"),
	    INT32_MAX, &code) == -1)
		return -1;
	result_set(out, code);
	out->amount = PAY_AMOUNT_UNREPORTED;
	return 0;
}

int
mpesa_parse_callback(const char *json, size_t len, struct pay_confirmed *out)
{
	cJSON	*o;
	int	 rc = -1;

	memset(out, 0, sizeof(*out));
	if (json != NULL && (o = cJSON_ParseWithLength(json, len)) != NULL) {
		rc = callback_read(o, out);
		cJSON_Delete(o);
	}
	if (rc == -1)
		memset(out, 0, sizeof(*out));
	out->provider = PROVIDER_MPESA;
	return rc;
}

int
mpesa_parse_query(const char *json, size_t len, const char *checkout_id,
    struct pay_confirmed *out)
{
	cJSON	*o;
	int	 rc = -1;

	memset(out, 0, sizeof(*out));
	if (json != NULL && checkout_id != NULL &&
	    (o = cJSON_ParseWithLength(json, len)) != NULL) {
		rc = query_read(o, checkout_id, out);
		cJSON_Delete(o);
	}
	if (rc == -1)
		memset(out, 0, sizeof(*out));
	out->provider = PROVIDER_MPESA;
	return rc;
}

/*
 * Requests.
 */

/* Reads Daraja's error body ({"requestId", "errorCode", "errorMessage"})
 * into code and a summary in err; never the message beyond its code. */
static void
error_summary(const struct httpc_resp *r, char code[PAY_ERROR_CODE_MAX + 1],
    char *err, size_t errsz)
{
	cJSON	*doc;

	code[0] = '\0';
	doc = r->body != NULL ? cJSON_ParseWithLength(r->body, r->len) : NULL;
	if (get_str(doc, "errorCode", code, PAY_ERROR_CODE_MAX + 1) == -1)
		code[0] = '\0';
	cJSON_Delete(doc);
	snprintf(err, errsz, "HTTP %ld%s%s", r->status, code[0] ? " " : "",
	    code);
}

/*
 * Performs one call on the API's path with auth as its Authorization
 * header and json (or NULL: a GET) as the body.  Fills r (clear it
 * either way) and code (Daraja's errorCode, "" when none).  Returns
 * PAY_OK for a 2xx; PAY_ERR_SERVER for a 5xx, PAY_ERR_REJECTED for a
 * 4xx, PAY_ERR_TRANSPORT when no answer came; err says why.
 */
static enum pay_err
call(const struct mpesa_ctx *ctx, const char *path, const char *auth,
    const char *json, struct httpc_resp *r, char code[PAY_ERROR_CODE_MAX + 1],
    char *err, size_t errsz)
{
	struct httpc_req	 q;
	const char		*hdrs[3];
	char			 url[1024];
	enum pay_err		 out;

	memset(r, 0, sizeof(*r));
	code[0] = '\0';
	err[0] = '\0';
	if ((size_t)snprintf(url, sizeof(url), "%s%s", ctx->api_url, path) >=
	    sizeof(url)) {
		snprintf(err, errsz, "URL too long");
		return PAY_ERR_PROTOCOL;
	}
	hdrs[0] = auth;
	hdrs[1] = "Accept: application/json";
	hdrs[2] = NULL;
	memset(&q, 0, sizeof(q));
	q.method = json != NULL ? "POST" : "GET";
	q.url = url;
	q.headers = hdrs;
	if (json != NULL) {
		q.body = json;
		q.body_len = strlen(json);
		q.content_type = "application/json";
	}
	q.ca = ctx->ca;
	q.timeout = ctx->timeout;
	q.plain_http = ctx->plain_http;

	if (httpc_perform(&q, r, err, errsz) == -1)
		out = PAY_ERR_TRANSPORT;
	else if (r->status >= 200 && r->status < 300)
		out = PAY_OK;
	else {
		error_summary(r, code, err, errsz);
		out = r->status >= 500 ? PAY_ERR_SERVER : PAY_ERR_REJECTED;
	}
	/* The path only: the OAuth one's query string holds no secret. */
	log_info("mpesa %s %s -> %ld in %ldms%s%s", q.method, path, r->status,
	    r->ms, err[0] ? ": " : "", err);
	return out;
}

/* Reads an OAuth answer's access_token and expires_in (a number or a
 * string of digits) into ctx.  Returns 0 or -1. */
static int
token_read(struct mpesa_ctx *ctx, const struct httpc_resp *r, int64_t now)
{
	cJSON	*o;
	int64_t	 ttl = 0;
	int	 rc = -1;

	if ((o = cJSON_ParseWithLength(r->body, r->len)) == NULL)
		return -1;
	if (get_str(o, "access_token", ctx->token, sizeof(ctx->token)) == 0 &&
	    ctx->token[0] != '\0' && strpbrk(ctx->token, " \r\n") == NULL &&
	    get_whole(cJSON_GetObjectItemCaseSensitive(o, "expires_in"),
	    INT64_C(86400) * 365, &ttl) == 0)
		rc = 0;
	cJSON_Delete(o);
	if (rc == -1)
		sodium_memzero(ctx->token, sizeof(ctx->token));
	/* Renewed a little early, so that none expires on its way. */
	ctx->token_until = rc == 0 ? now + ttl - MPESA_TOKEN_MARGIN : 0;
	return rc;
}

/*
 * Makes sure ctx holds a live access token: the cached one unless it is
 * due for renewal, else a fresh one from GET /oauth/v1/generate with the
 * consumer key and secret as Basic credentials.
 */
static enum pay_err
token_get(struct mpesa_ctx *ctx, char *err, size_t errsz)
{
	struct httpc_resp	 r;
	char			 pair[2 * MPESA_KEY_MAX + 2];
	char			 auth[sizeof("Authorization: Basic ") +
	    sodium_base64_ENCODED_LEN(sizeof(pair),
	    sodium_base64_VARIANT_ORIGINAL)];
	char			 code[PAY_ERROR_CODE_MAX + 1];
	int64_t			 now = (int64_t)time(NULL);
	enum pay_err		 rc;
	int			 n;

	if (ctx->token[0] != '\0' && now < ctx->token_until)
		return PAY_OK;
	sodium_memzero(ctx->token, sizeof(ctx->token));
	n = snprintf(pair, sizeof(pair), "%s:%s", ctx->consumer_key,
	    ctx->consumer_secret);
	memcpy(auth, "Authorization: Basic ", sizeof("Authorization: Basic "));
	sodium_bin2base64(auth + strlen(auth), sizeof(auth) - strlen(auth),
	    (const unsigned char *)pair, (size_t)n,
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(pair, sizeof(pair));
	rc = call(ctx, "/oauth/v1/generate?grant_type=client_credentials",
	    auth, NULL, &r, code, err, errsz);
	sodium_memzero(auth, sizeof(auth));
	if (rc == PAY_OK && token_read(ctx, &r, now) == -1) {
		snprintf(err, errsz, "unreadable OAuth answer");
		rc = PAY_ERR_PROTOCOL;
	}
	if (r.body != NULL)
		sodium_memzero(r.body, r.len);
	httpc_resp_clear(&r);
	return rc;
}

/*
 * POSTs json to path with the access token.  A token Daraja no longer
 * takes (401, or its "invalid access token") is dropped and the call
 * made once more with a fresh one.  Fills r and code as call() does.
 */
static enum pay_err
authed_post(struct mpesa_ctx *ctx, const char *path, const char *json,
    struct httpc_resp *r, char code[PAY_ERROR_CODE_MAX + 1], char *err,
    size_t errsz)
{
	char		 auth[MPESA_TOKEN_MAX + 32];
	enum pay_err	 rc = PAY_OK;
	int		 attempt;

	memset(r, 0, sizeof(*r));
	code[0] = '\0';
	for (attempt = 0; attempt < 2; attempt++) {
		if ((rc = token_get(ctx, err, errsz)) != PAY_OK)
			return rc;
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
		    ctx->token);
		rc = call(ctx, path, auth, json, r, code, err, errsz);
		sodium_memzero(auth, sizeof(auth));
		if (r->status != 401 && strcmp(code, TOKEN_INVALID) != 0)
			break;
		sodium_memzero(ctx->token, sizeof(ctx->token));
		ctx->token_until = 0;
		if (attempt == 0)
			httpc_resp_clear(r);
	}
	return rc;
}

/* Adds BusinessShortCode, Password and Timestamp for now to o. */
static int
add_credentials(const struct mpesa_ctx *ctx, cJSON *o)
{
	char	 ts[MPESA_TIMESTAMP_LEN + 1];
	char	 pw[sodium_base64_ENCODED_LEN(MPESA_SHORTCODE_MAX +
	    MPESA_KEY_MAX + MPESA_TIMESTAMP_LEN,
	    sodium_base64_VARIANT_ORIGINAL)];

	mpesa_timestamp((int64_t)time(NULL), ts);
	if (mpesa_password(ctx->shortcode, ctx->passkey, ts, pw,
	    sizeof(pw)) == -1)
		return -1;
	cJSON_AddStringToObject(o, "BusinessShortCode", ctx->shortcode);
	cJSON_AddStringToObject(o, "Password", pw);
	cJSON_AddStringToObject(o, "Timestamp", ts);
	sodium_memzero(pw, sizeof(pw));
	return 0;
}

/* Prints o unformatted into a malloc'd string (wipe and free it), or
 * NULL when too long. */
static char *
print_body(cJSON *o)
{
	char	*s = cJSON_PrintUnformatted(o);

	if (s != NULL && strlen(s) > MPESA_BODY_MAX) {
		sodium_memzero(s, strlen(s));
		free(s);
		s = NULL;
	}
	return s;
}

static void
body_free(char *s)
{
	if (s != NULL) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

/*
 * The provider row.
 */

/* Is s set, printable without spaces and at most max bytes? */
static int
key_valid(const char *s, size_t max)
{
	size_t	 i;

	if (s == NULL)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= max || s[i] <= ' ' || s[i] >= 0x7f || s[i] == ':')
			return 0;
	return i > 0;
}

/* Is s a shortcode: 5 to MPESA_SHORTCODE_MAX digits? */
static int
shortcode_valid(const char *s)
{
	size_t	 i;

	if (s == NULL)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= MPESA_SHORTCODE_MAX || !isdigit((unsigned char)s[i]))
			return 0;
	return i >= 5;
}

/* Copies url without trailing slashes into out.  Returns its scheme
 * (httpc_url_scheme()), or 0 when it has none of ours or is too long. */
static int
base_url(const char *url, char *out, size_t outsz, size_t room)
{
	size_t	 len = strlen(url);
	int	 scheme = httpc_url_scheme(url);

	while (len > 0 && url[len - 1] == '/')
		len--;
	if (scheme == 0 || len + room >= outsz)
		return 0;
	memcpy(out, url, len);
	out[len] = '\0';
	return scheme;
}

static void *
ops_open(const struct conf *conf, char *err, size_t errsz)
{
	struct mpesa_ctx	*ctx;
	int			 scheme;

	if (!key_valid(conf->v[CONF_MPESA_CONSUMER_KEY], MPESA_KEY_MAX) ||
	    !key_valid(conf->v[CONF_MPESA_CONSUMER_SECRET], MPESA_KEY_MAX) ||
	    !key_valid(conf->v[CONF_MPESA_PASSKEY], MPESA_KEY_MAX) ||
	    !shortcode_valid(conf->v[CONF_MPESA_SHORTCODE])) {
		snprintf(err, errsz, "mpesa_consumer_key, mpesa_consumer_secret,"
		    " mpesa_passkey and mpesa_shortcode (5-7 digits) must all "
		    "be set");
		return NULL;
	}
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if ((scheme = base_url(conf_str(conf, CONF_MPESA_API_URL),
	    ctx->api_url, sizeof(ctx->api_url), 256)) == 0) {
		snprintf(err, errsz, "mpesa_api_url must be https:// (http:// "
		    "only on loopback) and shorter");
		free(ctx);
		return NULL;
	}
	/* public_url + "/api/webhooks/mpesa/<secret>/": cgi-bin/pay.c. */
	if (base_url(conf_str(conf, CONF_PUBLIC_URL), ctx->callback_base,
	    sizeof(ctx->callback_base), PAY_SECRET_MAX + 32) == 0) {
		snprintf(err, errsz, "public_url must be http(s) and shorter");
		free(ctx);
		return NULL;
	}
	/* base_url() left room for it. */
	strcat(ctx->callback_base, "/api/webhooks/mpesa/");
	ctx->consumer_key = conf->v[CONF_MPESA_CONSUMER_KEY];
	ctx->consumer_secret = conf->v[CONF_MPESA_CONSUMER_SECRET];
	ctx->shortcode = conf->v[CONF_MPESA_SHORTCODE];
	ctx->passkey = conf->v[CONF_MPESA_PASSKEY];
	ctx->ca = conf->v[CONF_MPESA_CA];
	ctx->timeout = conf_int(conf, CONF_MPESA_TIMEOUT,
	    MPESA_TIMEOUT_DEFAULT);
	ctx->plain_http = scheme == 2;
	return ctx;
}

static void
ops_close(void *arg)
{
	struct mpesa_ctx	*ctx = arg;

	if (ctx != NULL)
		sodium_memzero(ctx->token, sizeof(ctx->token));
	free(ctx);
}

/* Reads an STK push answer: ResponseCode "0" and the CheckoutRequestID,
 * which is both the provider's ref and the token of the payment. */
static int
push_read(const struct httpc_resp *r, struct pay_created *out)
{
	cJSON	*o;
	char	 code[8];
	int	 rc = -1;

	if ((o = cJSON_ParseWithLength(r->body, r->len)) == NULL)
		return -1;
	if (get_str(o, "ResponseCode", code, sizeof(code)) == 0 &&
	    strcmp(code, "0") == 0 &&
	    get_str(o, "CheckoutRequestID", out->provider_ref,
	    sizeof(out->provider_ref)) == 0 &&
	    id_valid(out->provider_ref, PAY_REF_MAX)) {
		snprintf(out->token, sizeof(out->token), "%s",
		    out->provider_ref);
		rc = 0;
	}
	cJSON_Delete(o);
	return rc;
}

/* Builds the STK push body for req (wipe and free it with body_free()),
 * or NULL with a reason in err. */
static char *
push_body(const struct mpesa_ctx *ctx, const struct pay_request *req,
    char *err, size_t errsz)
{
	cJSON	*o;
	char	 url[sizeof(ctx->callback_base) + PAY_SECRET_MAX + 2];
	char	 account[MPESA_ACCOUNT_REF_MAX + 1];
	char	*s = NULL;

	if ((size_t)snprintf(url, sizeof(url), "%s%s/", ctx->callback_base,
	    req->callback_secret) >= sizeof(url)) {
		snprintf(err, errsz, "callback URL too long");
		return NULL;
	}
	/* Shown to the payer: our order code, cut to Daraja's 12. */
	if ((size_t)snprintf(account, sizeof(account), "%.*s",
	    MPESA_ACCOUNT_REF_MAX, req->reference[0] != '\0' ?
	    req->reference : "biljett") >= sizeof(account))
		return NULL;
	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	if (add_credentials(ctx, o) == 0) {
		cJSON_AddStringToObject(o, "TransactionType",
		    "CustomerPayBillOnline");
		cJSON_AddNumberToObject(o, "Amount", (double)(req->amount / 100));
		cJSON_AddStringToObject(o, "PartyA", req->phone);
		cJSON_AddStringToObject(o, "PartyB", ctx->shortcode);
		cJSON_AddStringToObject(o, "PhoneNumber", req->phone);
		cJSON_AddStringToObject(o, "CallBackURL", url);
		cJSON_AddStringToObject(o, "AccountReference", account);
		cJSON_AddStringToObject(o, "TransactionDesc", "Tickets");
		s = print_body(o);
	}
	sodium_memzero(url, sizeof(url));
	cJSON_Delete(o);
	if (s == NULL)
		snprintf(err, errsz, "request too long");
	return s;
}

/*
 * POST /mpesa/stkpush/v1/processrequest: the PIN prompt on the payer's
 * phone.  Whole shillings only: another currency or an amount with
 * cents is refused before anything is sent.
 */
static enum pay_err
ops_create(void *arg, const struct pay_request *req, struct pay_created *out,
    char *err, size_t errsz)
{
	struct mpesa_ctx	*ctx = arg;
	struct httpc_resp	 r;
	char			 code[PAY_ERROR_CODE_MAX + 1];
	char			 phone[PAY_PHONE_MAX + 1];
	char			*body;
	enum pay_err		 rc;

	memset(out, 0, sizeof(*out));
	if (strcmp(req->currency, "KES") != 0 || req->amount <= 0 ||
	    req->amount % 100 != 0 || req->amount > MONEY_MAX) {
		snprintf(err, errsz, "M-Pesa takes whole Kenyan shillings only");
		return PAY_ERR_REJECTED;
	}
	if (mpesa_phone_normalise(req->phone, phone) == -1 ||
	    strcmp(phone, req->phone) != 0) {
		snprintf(err, errsz, "no payer phone number");
		return PAY_ERR_REJECTED;
	}
	if ((body = push_body(ctx, req, err, errsz)) == NULL)
		return PAY_ERR_PROTOCOL;
	rc = authed_post(ctx, "/mpesa/stkpush/v1/processrequest", body, &r,
	    code, err, errsz);
	body_free(body);
	if (rc == PAY_OK && push_read(&r, out) == -1) {
		memset(out, 0, sizeof(*out));
		snprintf(err, errsz, "unreadable STK push answer");
		rc = PAY_ERR_PROTOCOL;
	}
	httpc_resp_clear(&r);
	return rc;
}

/*
 * POST /mpesa/stkpushquery/v1/query: the only word that is applied.
 * Daraja answers a request the payer has not answered yet with an
 * error (500.001.1001, "being processed"): that is PAY_PENDING here.
 */
static enum pay_err
ops_retrieve(void *arg, const char *provider_ref, struct pay_confirmed *out,
    char *err, size_t errsz)
{
	struct mpesa_ctx	*ctx = arg;
	struct httpc_resp	 r;
	cJSON			*o;
	char			 code[PAY_ERROR_CODE_MAX + 1];
	char			*body = NULL;
	enum pay_err		 rc;

	memset(out, 0, sizeof(*out));
	out->provider = PROVIDER_MPESA;
	if (!id_valid(provider_ref, PAY_REF_MAX)) {
		snprintf(err, errsz, "bad CheckoutRequestID");
		return PAY_ERR_PROTOCOL;
	}
	if ((o = cJSON_CreateObject()) != NULL && add_credentials(ctx, o) == 0) {
		cJSON_AddStringToObject(o, "CheckoutRequestID", provider_ref);
		body = print_body(o);
	}
	cJSON_Delete(o);
	if (body == NULL) {
		snprintf(err, errsz, "cannot build the query");
		return PAY_ERR_PROTOCOL;
	}
	rc = authed_post(ctx, "/mpesa/stkpushquery/v1/query", body, &r, code,
	    err, errsz);
	body_free(body);
	if (rc == PAY_OK) {
		if (mpesa_parse_query(r.body, r.len, provider_ref, out) == -1) {
			snprintf(err, errsz, "unreadable STK query answer");
			rc = PAY_ERR_PROTOCOL;
		}
	} else if (strcmp(code, QUERY_PROCESSING) == 0) {
		snprintf(out->provider_ref, sizeof(out->provider_ref), "%s",
		    provider_ref);
		out->status = PAY_PENDING;
		out->amount = PAY_AMOUNT_UNREPORTED;
		snprintf(out->event_key, sizeof(out->event_key), "%s/pending",
		    provider_ref);
		err[0] = '\0';
		rc = PAY_OK;
	} else if (r.status == 404)
		rc = PAY_ERR_NOTFOUND;
	httpc_resp_clear(&r);
	return rc;
}

/* Daraja cannot withdraw an STK push: it ends on the phone (1032, 1037)
 * and the query then says so. */
static enum pay_err
ops_cancel(void *arg, const char *provider_ref, char *err, size_t errsz)
{
	(void)arg;
	(void)provider_ref;
	snprintf(err, errsz, "M-Pesa cannot withdraw an STK push");
	return PAY_ERR_UNSUPPORTED;
}

/*
 * Money goes back through Daraja's Transaction Reversal or a B2C
 * payment, both with an initiator and a security credential encrypted
 * with Safaricom's certificate: not spoken here.  lib/payment records
 * such a refund for someone to make by hand in the M-Pesa portal.
 */
static enum pay_err
ops_refund(void *arg, const struct pay_refund_req *req,
    char id[PAY_REF_MAX + 1], char *err, size_t errsz)
{
	(void)arg;
	(void)req;
	id[0] = '\0';
	snprintf(err, errsz, "M-Pesa refunds are made by hand");
	return PAY_ERR_UNSUPPORTED;
}

static enum pay_err
ops_verify_callback(void *arg, const struct pay_callback *cb,
    struct pay_confirmed *claimed, char secret[PAY_SECRET_MAX + 1],
    char *err, size_t errsz)
{
	(void)arg;
	secret[0] = '\0';
	if (cb->body == NULL ||
	    mpesa_parse_callback(cb->body, cb->len, claimed) == -1) {
		snprintf(err, errsz, "malformed body");
		return PAY_ERR_PROTOCOL;
	}
	/* The secret is the URL's; an over-long one counts as none. */
	if (cb->header != NULL && strlen(cb->header) <= PAY_SECRET_MAX)
		snprintf(secret, PAY_SECRET_MAX + 1, "%s", cb->header);
	return PAY_OK;
}

/* refund_retrieve, qr and app_link are NULL: the payer answers the PIN
 * prompt on the phone the request was pushed to. */
const struct provider_ops mpesa_ops = {
	.name = "mpesa",
	.label = "M-Pesa",
	.callback_header = NULL,
	.callback_secret = 1,
	.refunds_by_hand = 1,
	.open = ops_open,
	.close = ops_close,
	/* Our reference is for the logs and the refunds table only: the
	 * payment is known by Daraja's CheckoutRequestID. */
	.new_ref = provider_uuid_ref,
	.create = ops_create,
	.retrieve = ops_retrieve,
	.cancel = ops_cancel,
	.refund = ops_refund,
	.refund_retrieve = NULL,
	.verify_callback = ops_verify_callback,
	.qr = NULL,
	.payer = mpesa_phone_normalise,
	.app_link = NULL,
};
