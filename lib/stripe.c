/*
 * The Stripe client (PaymentIntents, refunds, webhooks) and the Stripe
 * row of the provider table.  Each call is one lib/httpc request with
 * the secret key as a bearer token; POSTs are form-encoded and carry an
 * Idempotency-Key where a retry must not act twice.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "conf.h"
#include "crypto.h"
#include "httpc.h"
#include "limits.h"
#include "log.h"
#include "provider.h"
#include "stripe.h"

_Static_assert(STRIPE_REF_LEN <= PAY_REF_MAX, "references must fit");

/* The provider context: settings, the strings pointing into struct conf. */
struct stripe_ctx {
	char		 api_url[512];	/* no trailing slash */
	const char	*secret_key;
	const char	*webhook_secret;
	const char	*ca;		/* NULL: the system's */
	long		 timeout;
	int		 plain_http;	/* a simulator on loopback */
};

/* Stripe's PaymentIntent statuses and what each is in ours. */
static const struct {
	const char	*name;
	enum pay_status	 status;
} intent_statuses[] = {
	{ "requires_payment_method", PAY_CREATED },
	{ "requires_confirmation", PAY_CREATED },
	{ "requires_action", PAY_CREATED },
	{ "requires_capture", PAY_CREATED },
	{ "processing", PAY_PENDING },
	{ "canceled", PAY_CANCELLED },
	{ "succeeded", PAY_PAID },
};

/* The event types that speak of a PaymentIntent's status. */
static const char *const intent_events[] = {
	"payment_intent.succeeded",
	"payment_intent.payment_failed",
	"payment_intent.processing",
	"payment_intent.canceled",
};

static const char *const sig_names[] = {
	[STRIPE_SIG_OK] = "ok",
	[STRIPE_SIG_MALFORMED] = "malformed",
	[STRIPE_SIG_STALE] = "stale",
	[STRIPE_SIG_MISMATCH] = "mismatch",
};

_Static_assert(sizeof(sig_names) / sizeof(sig_names[0]) == STRIPE_SIG__MAX,
    "sig_names out of sync with enum stripe_sig");

const char *
stripe_sig_str(enum stripe_sig sig)
{
	return sig < STRIPE_SIG__MAX ? sig_names[sig] : "unknown";
}

/*
 * Is s a Stripe object id ("pi_3Mtw...", "evt_...", "ch_...") that fits
 * max bytes?  They go into URL paths, so nothing else may pass.
 */
static int
id_valid(const char *s, size_t max)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= max || !(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return i > 0;
}

/* Is s one of our references (new_ref()), fit for a header? */
static int
ref_valid(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= PAY_REF_MAX ||
		    !(isalnum((unsigned char)s[i]) || s[i] == '-'))
			return 0;
	return i > 0;
}

/*
 * Signatures.  The header is split on ',' and each item on its first
 * '=' (stripe-python's way); t and every v1 are kept, other schemes
 * (v0) ignored.
 */

struct sig_header {
	int64_t		 t;
	int		 have_t;
	const char	*v1[STRIPE_SIG_V1_MAX];
	size_t		 v1len[STRIPE_SIG_V1_MAX];
	size_t		 nv1;
};

/* Parses t's digits.  Returns 0, or -1 if it is not a plain number. */
static int
parse_t(const char *s, size_t len, int64_t *t)
{
	size_t	 i;

	if (len == 0 || len > 12)
		return -1;
	*t = 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*t = *t * 10 + (s[i] - '0');
	}
	return 0;
}

/* Splits header (NUL-terminated, within the cap) into h.  Returns 0, or
 * -1 when it is malformed. */
static int
sig_parse(const char *header, struct sig_header *h)
{
	const char	*item, *end, *eq;
	size_t		 klen;

	memset(h, 0, sizeof(*h));
	for (item = header; *item != '\0'; item = *end ? end + 1 : end) {
		if ((end = strchr(item, ',')) == NULL)
			end = item + strlen(item);
		if ((eq = memchr(item, '=', (size_t)(end - item))) == NULL)
			return -1;
		klen = (size_t)(eq - item);
		if (klen == 1 && item[0] == 't') {
			if (h->have_t || parse_t(eq + 1, (size_t)(end - eq - 1),
			    &h->t) == -1)
				return -1;
			h->have_t = 1;
		} else if (klen == 2 && memcmp(item, "v1", 2) == 0) {
			if (h->nv1 == STRIPE_SIG_V1_MAX)
				return -1;
			h->v1[h->nv1] = eq + 1;
			h->v1len[h->nv1++] = (size_t)(end - eq - 1);
		}
	}
	return h->have_t && h->nv1 > 0 ? 0 : -1;
}

/* Writes the lower-case hex HMAC-SHA256 of "<t>.<body>" keyed with
 * secret into hex. */
static void
sig_expected(const char *secret, int64_t t, const char *body, size_t len,
    char hex[crypto_auth_hmacsha256_BYTES * 2 + 1])
{
	crypto_auth_hmacsha256_state	 st;
	unsigned char			 mac[crypto_auth_hmacsha256_BYTES];
	char				 ts[24];
	int				 tlen;

	tlen = snprintf(ts, sizeof(ts), "%" PRId64 ".", t);
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret,
	    strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts,
	    (unsigned long long)tlen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, crypto_auth_hmacsha256_BYTES * 2 + 1, mac,
	    sizeof(mac));
	sodium_memzero(&st, sizeof(st));
}

enum stripe_sig
stripe_sig_check(const char *secret, const char *header, const char *body,
    size_t len, int64_t now)
{
	struct sig_header	 h;
	char			 hex[crypto_auth_hmacsha256_BYTES * 2 + 1];
	size_t			 i, hexlen = sizeof(hex) - 1;
	int			 match = 0;

	if (secret == NULL || *secret == '\0' || body == NULL)
		return STRIPE_SIG_MISMATCH;
	if (header == NULL || strnlen(header, STRIPE_SIG_HEADER_MAX + 1) >
	    STRIPE_SIG_HEADER_MAX || sig_parse(header, &h) == -1)
		return STRIPE_SIG_MALFORMED;
	if (h.t < now - STRIPE_SIG_TOLERANCE ||
	    h.t > now + STRIPE_SIG_TOLERANCE)
		return STRIPE_SIG_STALE;
	sig_expected(secret, h.t, body, len, hex);
	/* Every v1 is compared, so the time taken says nothing of which. */
	for (i = 0; i < h.nv1; i++)
		if (h.v1len[i] == hexlen &&
		    sodium_memcmp(h.v1[i], hex, hexlen) == 0)
			match = 1;
	return match ? STRIPE_SIG_OK : STRIPE_SIG_MISMATCH;
}

/*
 * Parsing.  Stripe's JSON is read member by member; a member of the
 * wrong type fails the whole object rather than being guessed at.
 */

/* Copies string member name into out ("" when absent or null).  Returns
 * 0, or -1 if it is present but not a string or does not fit. */
static int
copy_str(const cJSON *o, const char *name, char *out, size_t outsz)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	out[0] = '\0';
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) ||
	    (size_t)snprintf(out, outsz, "%s", v->valuestring) >= outsz)
		return -1;
	return 0;
}

/* Copies string member name into out, cut to fit ("" when absent or
 * null): for codes, which are shown, never matched.  Returns 0, or -1 if
 * it is present but not a string. */
static int
copy_cut(const cJSON *o, const char *name, char *out, size_t outsz)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	out[0] = '\0';
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return -1;
	snprintf(out, outsz, "%s", v->valuestring);
	return 0;
}

/* Reads an amount in minor units (absent or null: 0).  Returns 0, or -1
 * if it is not a whole number from 0 to MONEY_MAX. */
static int
get_amount(const cJSON *o, const char *name, int64_t *out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	*out = 0;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble < 0 || v->valuedouble > (double)MONEY_MAX ||
	    v->valuedouble != floor(v->valuedouble))
		return -1;
	*out = (int64_t)v->valuedouble;
	return 0;
}

/* Reads the currency upper-cased ("" when absent).  Returns 0, or -1 if
 * it is not three letters. */
static int
get_currency(const cJSON *o, char out[CURRENCY_LEN + 1])
{
	char	 cur[CURRENCY_LEN + 1];
	size_t	 i;

	out[0] = '\0';
	if (copy_str(o, "currency", cur, sizeof(cur)) == -1)
		return -1;
	if (cur[0] == '\0')
		return 0;
	for (i = 0; i < CURRENCY_LEN; i++) {
		if (!isalpha((unsigned char)cur[i]))
			return -1;
		out[i] = (char)toupper((unsigned char)cur[i]);
	}
	out[CURRENCY_LEN] = '\0';
	return 0;
}

/* Reads the id of a member that is an id or an expanded object (as
 * latest_charge may be).  Returns 0, or -1 if it is neither. */
static int
get_ref(const cJSON *o, const char *name, char out[PAY_REF_MAX + 1])
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (cJSON_IsObject(v))
		return get_ref(v, "id", out);
	if (copy_str(o, name, out, PAY_REF_MAX + 1) == -1 ||
	    (out[0] != '\0' && !id_valid(out, PAY_REF_MAX)))
		return -1;
	return 0;
}

/* Does object o say it is of type kind (when it says at all)? */
static int
object_is(const cJSON *o, const char *kind)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, "object");

	return v == NULL || (cJSON_IsString(v) &&
	    strcmp(v->valuestring, kind) == 0);
}

/* The declined attempt's code, or its type when it has none. */
static int
decline_code(const cJSON *error, char out[PAY_ERROR_CODE_MAX + 1])
{
	char	 code[PAY_ERROR_CODE_MAX + 1];

	if (copy_cut(error, "code", code, sizeof(code)) == -1 ||
	    copy_cut(error, "type", out, PAY_ERROR_CODE_MAX + 1) == -1)
		return -1;
	if (code[0] != '\0')
		memcpy(out, code, sizeof(code));
	return 0;
}

/* A PaymentIntent object in our words (stripe_parse_intent()). */
static int
intent_read(const cJSON *o, struct pay_confirmed *out)
{
	const cJSON	*lpe;
	char		 status[32];
	size_t		 i;

	memset(out, 0, sizeof(*out));
	out->provider = PROVIDER_STRIPE;
	if (!cJSON_IsObject(o) || !object_is(o, "payment_intent") ||
	    copy_str(o, "id", out->provider_ref,
	    sizeof(out->provider_ref)) == -1 ||
	    !id_valid(out->provider_ref, PAY_REF_MAX) ||
	    copy_str(o, "status", status, sizeof(status)) == -1 ||
	    get_currency(o, out->currency) == -1)
		return -1;
	for (i = 0; i < sizeof(intent_statuses) / sizeof(intent_statuses[0]);
	    i++)
		if (strcmp(status, intent_statuses[i].name) == 0)
			break;
	if (i == sizeof(intent_statuses) / sizeof(intent_statuses[0]))
		return -1;
	out->status = intent_statuses[i].status;

	/* Paid: the money received and the charge a refund would name. */
	if (out->status == PAY_PAID) {
		if (get_amount(o, "amount_received", &out->amount) == -1 ||
		    get_ref(o, "latest_charge", out->payment_reference) == -1)
			return -1;
	} else if (get_amount(o, "amount", &out->amount) == -1)
		return -1;

	/* Back to requires_payment_method after a failed attempt. */
	lpe = cJSON_GetObjectItemCaseSensitive(o, "last_payment_error");
	if (lpe != NULL && !cJSON_IsNull(lpe) && !cJSON_IsObject(lpe))
		return -1;
	if (cJSON_IsObject(lpe) &&
	    strcmp(status, "requires_payment_method") == 0) {
		out->status = PAY_DECLINED;
		if (decline_code(lpe, out->error_code) == -1)
			return -1;
	}
	snprintf(out->event_key, sizeof(out->event_key), "%s/%s",
	    out->provider_ref, status);
	return 0;
}

/*
 * Parses json and reads it into out with read.  Returns what read does;
 * on -1 out is left empty but for its provider, so nothing half read
 * can be taken for a claim.
 */
static int
parse_with(const char *json, size_t len, struct pay_confirmed *out,
    int (*read)(const cJSON *, struct pay_confirmed *))
{
	cJSON	*o;
	int	 rc = -1;

	memset(out, 0, sizeof(*out));
	if (json != NULL && (o = cJSON_ParseWithLength(json, len)) != NULL) {
		rc = read(o, out);
		cJSON_Delete(o);
	}
	if (rc == -1)
		memset(out, 0, sizeof(*out));
	out->provider = PROVIDER_STRIPE;
	return rc;
}

int
stripe_parse_intent(const char *json, size_t len, struct pay_confirmed *out)
{
	return parse_with(json, len, out, intent_read);
}

/* charge.refunded: the Charge in our words. */
static int
refund_read(const cJSON *charge, struct pay_confirmed *out)
{
	if (!object_is(charge, "charge") ||
	    get_ref(charge, "id", out->payment_reference) == -1 ||
	    get_ref(charge, "payment_intent", out->provider_ref) == -1 ||
	    out->payment_reference[0] == '\0' || out->provider_ref[0] == '\0' ||
	    get_amount(charge, "amount_refunded", &out->amount) == -1 ||
	    get_currency(charge, out->currency) == -1)
		return -1;
	out->status = PAY_REFUNDED;
	return 0;
}

/* Any other type: which payment intent it is about, if it says. */
static int
other_read(const cJSON *obj, struct pay_confirmed *out)
{
	const cJSON	*kind = cJSON_GetObjectItemCaseSensitive(obj, "object");

	out->status = PAY_STATUS__MAX;
	if (cJSON_IsString(kind) &&
	    strcmp(kind->valuestring, "payment_intent") == 0)
		return get_ref(obj, "id", out->provider_ref);
	/* Some other object's payment_intent; one that is not an id is
	 * left out, not refused: the event is authentic either way. */
	if (get_ref(obj, "payment_intent", out->provider_ref) == -1)
		out->provider_ref[0] = '\0';
	return 0;
}

/* An event in our words (stripe_parse_event()); evt is its JSON. */
static int
event_read(const cJSON *evt, struct pay_confirmed *out)
{
	const cJSON	*data, *obj;
	char		 id[PAY_EVENT_KEY_MAX + 1], type[64];
	size_t		 i;

	if (!cJSON_IsObject(evt) || !object_is(evt, "event") ||
	    copy_str(evt, "id", id, sizeof(id)) == -1 ||
	    !id_valid(id, PAY_EVENT_KEY_MAX) ||
	    copy_str(evt, "type", type, sizeof(type)) == -1 || type[0] == '\0')
		return -1;
	data = cJSON_GetObjectItemCaseSensitive(evt, "data");
	obj = cJSON_GetObjectItemCaseSensitive(data, "object");
	if (!cJSON_IsObject(obj))
		return -1;
	for (i = 0; i < sizeof(intent_events) / sizeof(intent_events[0]); i++)
		if (strcmp(type, intent_events[i]) == 0)
			break;
	if (i < sizeof(intent_events) / sizeof(intent_events[0])) {
		if (intent_read(obj, out) == -1)
			return -1;
		/* The attempt failed, whatever the object moved on to. */
		if (strcmp(type, "payment_intent.payment_failed") == 0)
			out->status = PAY_DECLINED;
	} else if (strcmp(type, "charge.refunded") == 0) {
		if (refund_read(obj, out) == -1)
			return -1;
	} else if (other_read(obj, out) == -1)
		return -1;
	memcpy(out->event_key, id, sizeof(out->event_key));
	return 0;
}

int
stripe_parse_event(const char *json, size_t len, struct pay_confirmed *out)
{
	return parse_with(json, len, out, event_read);
}

/*
 * Requests.
 */

/* A form-encoded body being built; overflow set once it does not fit. */
struct form {
	char	 buf[STRIPE_FORM_MAX + 1];
	size_t	 len;
	int	 overflow;
};

/* Appends "&name=value", value percent-encoded (RFC 3986 unreserved
 * characters kept).  name is ours: Stripe reads its brackets raw. */
static void
form_add(struct form *f, const char *name, const char *value)
{
	static const char	 hexdig[] = "0123456789ABCDEF";
	const unsigned char	*p;
	size_t			 need;

	need = (f->len ? 1 : 0) + strlen(name) + 1 + strlen(value) * 3;
	if (f->overflow || need > STRIPE_FORM_MAX - f->len) {
		f->overflow = 1;
		return;
	}
	f->len += (size_t)snprintf(f->buf + f->len, sizeof(f->buf) - f->len,
	    "%s%s=", f->len ? "&" : "", name);
	for (p = (const unsigned char *)value; *p != '\0'; p++)
		if (isalnum(*p) || strchr("-._~", *p) != NULL)
			f->buf[f->len++] = (char)*p;
		else {
			f->buf[f->len++] = '%';
			f->buf[f->len++] = hexdig[*p >> 4];
			f->buf[f->len++] = hexdig[*p & 15];
		}
	f->buf[f->len] = '\0';
}

/* Appends "&name=<decimal>". */
static void
form_add_int(struct form *f, const char *name, int64_t value)
{
	char	 num[24];

	snprintf(num, sizeof(num), "%" PRId64, value);
	form_add(f, name, num);
}

/* Summarises Stripe's error body ({"error": {"type", "code", "param"}})
 * into err; never its message, which may quote what we sent. */
static void
error_summary(const struct httpc_resp *r, char code[PAY_ERROR_CODE_MAX + 1],
    char *err, size_t errsz)
{
	cJSON		*doc;
	const cJSON	*e;
	char		 type[64] = "", param[64] = "";

	code[0] = '\0';
	doc = cJSON_ParseWithLength(r->body, r->len);
	e = cJSON_GetObjectItemCaseSensitive(doc, "error");
	if (cJSON_IsObject(e) &&
	    (copy_cut(e, "type", type, sizeof(type)) == -1 ||
	    copy_cut(e, "code", code, PAY_ERROR_CODE_MAX + 1) == -1 ||
	    copy_cut(e, "param", param, sizeof(param)) == -1))
		type[0] = code[0] = param[0] = '\0';
	snprintf(err, errsz, "HTTP %ld%s%s%s%s%s%s", r->status,
	    type[0] ? " " : "", type, code[0] ? " " : "", code,
	    param[0] ? " param " : "", param);
	cJSON_Delete(doc);
}

/*
 * Performs one call: method on the API's path, with form as the body of
 * a POST and idem_key (or NULL) as its Idempotency-Key.  Fills r (clear
 * it either way).  Returns PAY_OK for a 2xx; PAY_ERR_NOTFOUND for 404
 * resource_missing, PAY_ERR_REJECTED for another 4xx, PAY_ERR_SERVER for
 * a 5xx, PAY_ERR_TRANSPORT when no answer came; err says why.
 */
static enum pay_err
call(const struct stripe_ctx *ctx, const char *method, const char *path,
    const struct form *form, const char *idem_key, struct httpc_resp *r,
    char *err, size_t errsz)
{
	struct httpc_req	 q;
	const char		*hdrs[5];
	char			 auth[STRIPE_KEY_MAX + 32];
	char			 idem[PAY_REF_MAX + 32];
	char			 url[1024], code[PAY_ERROR_CODE_MAX + 1] = "";
	enum pay_err		 out;
	size_t			 n = 0;

	memset(r, 0, sizeof(*r));
	if ((size_t)snprintf(url, sizeof(url), "%s%s", ctx->api_url, path) >=
	    sizeof(url)) {
		snprintf(err, errsz, "URL too long");
		return PAY_ERR_PROTOCOL;
	}
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
	    ctx->secret_key);
	hdrs[n++] = auth;
	hdrs[n++] = "Stripe-Version: " STRIPE_API_VERSION;
	hdrs[n++] = "Accept: application/json";
	if (idem_key != NULL) {
		snprintf(idem, sizeof(idem), "Idempotency-Key: %s", idem_key);
		hdrs[n++] = idem;
	}
	hdrs[n] = NULL;

	memset(&q, 0, sizeof(q));
	q.method = method;
	q.url = url;
	q.headers = hdrs;
	if (form != NULL) {
		q.body = form->buf;
		q.body_len = form->len;
		q.content_type = "application/x-www-form-urlencoded";
	}
	q.ca = ctx->ca;
	q.timeout = ctx->timeout;
	q.plain_http = ctx->plain_http;
	q.want[0] = "Request-Id";

	if (httpc_perform(&q, r, err, errsz) == -1)
		out = PAY_ERR_TRANSPORT;
	else if (r->status >= 200 && r->status < 300)
		out = PAY_OK;
	else {
		error_summary(r, code, err, errsz);
		out = r->status >= 500 ? PAY_ERR_SERVER :
		    r->status == 404 && strcmp(code, "resource_missing") == 0 ?
		    PAY_ERR_NOTFOUND : PAY_ERR_REJECTED;
	}
	sodium_memzero(auth, sizeof(auth));
	log_info("stripe %s %s -> %ld in %ldms request %s%s%s", method, path,
	    r->status, r->ms, r->header[0][0] ? r->header[0] : "-",
	    err[0] ? ": " : "", err);
	return out;
}

/* Wipes and frees a reply: PaymentIntents carry their client_secret. */
static void
resp_wipe(struct httpc_resp *r)
{
	if (r->body != NULL)
		sodium_memzero(r->body, r->len);
	httpc_resp_clear(r);
}

/* Writes "/v1/payment_intents/<id><suffix>" into path.  Returns 0, or
 * -1 with a reason in err when id is not a Stripe id. */
static int
intent_path(char path[PAY_REF_MAX + 32], const char *id, const char *suffix,
    char *err, size_t errsz)
{
	if (!id_valid(id, PAY_REF_MAX)) {
		snprintf(err, errsz, "bad payment_intent id");
		return -1;
	}
	snprintf(path, PAY_REF_MAX + 32, "/v1/payment_intents/%s%s", id,
	    suffix);
	return 0;
}

/*
 * The provider row.
 */

/* Is key set, and printable without spaces (it goes into a header)? */
static int
key_valid(const char *key)
{
	size_t	 i;

	if (key == NULL)
		return 0;
	for (i = 0; key[i] != '\0'; i++)
		if (i >= STRIPE_KEY_MAX || key[i] <= ' ' || key[i] >= 0x7f)
			return 0;
	return i > 0;
}

static void *
ops_open(const struct conf *conf, char *err, size_t errsz)
{
	struct stripe_ctx	*ctx;
	const char		*url = conf_str(conf, CONF_STRIPE_API_URL);
	size_t			 len = strlen(url);
	int			 scheme = httpc_url_scheme(url);

	/* Both secrets are needed: without the webhook's, no event could
	 * ever be believed. */
	if (!key_valid(conf->v[CONF_STRIPE_SECRET_KEY]) ||
	    !key_valid(conf->v[CONF_STRIPE_WEBHOOK_SECRET])) {
		snprintf(err, errsz, "stripe_secret_key and "
		    "stripe_webhook_secret must both be set");
		return NULL;
	}
	while (len > 0 && url[len - 1] == '/')
		len--;
	if (scheme == 0 || len >= sizeof(ctx->api_url) - 256) {
		snprintf(err, errsz, "stripe_api_url must be https:// (http:// "
		    "only on loopback) and shorter");
		return NULL;
	}
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	memcpy(ctx->api_url, url, len);
	ctx->secret_key = conf->v[CONF_STRIPE_SECRET_KEY];
	ctx->webhook_secret = conf->v[CONF_STRIPE_WEBHOOK_SECRET];
	ctx->ca = conf->v[CONF_STRIPE_CA];
	ctx->timeout = conf_int(conf, CONF_STRIPE_TIMEOUT,
	    STRIPE_TIMEOUT_DEFAULT);
	ctx->plain_http = scheme == 2;
	return ctx;
}

/* Reads the PaymentIntent pi's id and client_secret into out; -1 (out
 * wiped) when pi is not one or lacks either. */
static int
intent_created(const cJSON *pi, struct pay_created *out)
{
	if (cJSON_IsObject(pi) && object_is(pi, "payment_intent") &&
	    copy_str(pi, "id", out->provider_ref,
	    sizeof(out->provider_ref)) == 0 &&
	    id_valid(out->provider_ref, PAY_REF_MAX) &&
	    copy_str(pi, "client_secret", out->token, sizeof(out->token)) == 0 &&
	    out->token[0] != '\0')
		return 0;
	sodium_memzero(out, sizeof(*out));
	return -1;
}

/* Reads a created PaymentIntent's id and client_secret into out. */
static int
created_read(const struct httpc_resp *r, struct pay_created *out)
{
	cJSON	*o;
	int	 rc;

	if ((o = cJSON_ParseWithLength(r->body, r->len)) == NULL)
		return -1;
	rc = intent_created(o, out);
	cJSON_Delete(o);
	return rc;
}

/*
 * A server-side confirmation the card refused: Stripe answers 402 with a
 * card_error whose payment_intent is the intent it made, declined.  Reads
 * that intent's id and client_secret into out; -1 when the error names
 * none (nothing was made, or we cannot tell).
 */
static int
declined_read(const struct httpc_resp *r, struct pay_created *out)
{
	cJSON	*o;
	int	 rc;

	if (r->status != 402 ||
	    (o = cJSON_ParseWithLength(r->body, r->len)) == NULL)
		return -1;
	rc = intent_created(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(o, "error"), "payment_intent"),
	    out);
	cJSON_Delete(o);
	return rc;
}

/*
 * The form of a server-side confirmation with the payer's payment
 * method (protocols.md 2.2): card only, confirmed in the same call, and
 * refused rather than left waiting when the card wants the payer (3-D
 * Secure), since no payer is there to answer.  A tok_... is a card
 * token, sent as payment_method_data; a pm_... is a PaymentMethod.
 */
static int
form_confirm(struct form *f, const char *pm)
{
	if (!id_valid(pm, PAY_METHOD_MAX))
		return -1;
	form_add(f, "payment_method_types[]", "card");
	if (strncmp(pm, "tok_", 4) == 0) {
		form_add(f, "payment_method_data[type]", "card");
		form_add(f, "payment_method_data[card][token]", pm);
	} else
		form_add(f, "payment_method", pm);
	form_add(f, "confirm", "true");
	form_add(f, "error_on_requires_action", "true");
	return 0;
}

/*
 * POST /v1/payment_intents.  The client_secret goes back as the token
 * (for Stripe.js in the buyer's browser) and nowhere else.  With
 * req->payment_method the intent is confirmed on the server in the same
 * call; a card the bank refused still made an intent (402, declined), so
 * that counts as created too: retrieve tells the outcome either way.
 */
static enum pay_err
ops_create(void *arg, const struct pay_request *req, struct pay_created *out,
    char *err, size_t errsz)
{
	struct stripe_ctx	*ctx = arg;
	struct httpc_resp	 r;
	struct form		 f;
	char			 cur[CURRENCY_LEN + 1];
	enum pay_err		 rc;
	size_t			 i;

	memset(out, 0, sizeof(*out));
	memset(&f, 0, sizeof(f));
	/* Stripe takes the currency in lower case. */
	for (i = 0; i < CURRENCY_LEN &&
	    isalpha((unsigned char)req->currency[i]); i++)
		cur[i] = (char)tolower((unsigned char)req->currency[i]);
	cur[i] = '\0';
	if (!ref_valid(req->ref) || req->amount <= 0 ||
	    req->amount > MONEY_MAX || i < CURRENCY_LEN ||
	    req->currency[CURRENCY_LEN] != '\0') {
		snprintf(err, errsz, "bad reference, amount or currency");
		return PAY_ERR_PROTOCOL;
	}
	form_add_int(&f, "amount", req->amount);
	form_add(&f, "currency", cur);
	if (req->payment_method[0] == '\0')
		form_add(&f, "automatic_payment_methods[enabled]", "true");
	else if (form_confirm(&f, req->payment_method) == -1) {
		snprintf(err, errsz, "bad payment method");
		return PAY_ERR_PROTOCOL;
	}
	if (req->message[0] != '\0')
		form_add(&f, "description", req->message);
	if (req->reference[0] != '\0')
		form_add(&f, "metadata[order]", req->reference);
	form_add(&f, "metadata[biljett_ref]", req->ref);
	if (f.overflow) {
		snprintf(err, errsz, "request too long");
		return PAY_ERR_PROTOCOL;
	}
	rc = call(ctx, "POST", "/v1/payment_intents", &f, req->ref, &r, err,
	    errsz);
	if (rc == PAY_ERR_REJECTED && req->payment_method[0] != '\0' &&
	    declined_read(&r, out) == 0)
		rc = PAY_OK;
	else if (rc == PAY_OK && created_read(&r, out) == -1) {
		snprintf(err, errsz, "unreadable payment_intent");
		rc = PAY_ERR_PROTOCOL;
	}
	resp_wipe(&r);
	return rc;
}

static enum pay_err
ops_retrieve(void *arg, const char *provider_ref, struct pay_confirmed *out,
    char *err, size_t errsz)
{
	struct stripe_ctx	*ctx = arg;
	struct httpc_resp	 r;
	char			 path[PAY_REF_MAX + 32];
	enum pay_err		 rc;

	memset(out, 0, sizeof(*out));
	if (intent_path(path, provider_ref, "", err, errsz) == -1)
		return PAY_ERR_PROTOCOL;
	rc = call(ctx, "GET", path, NULL, NULL, &r, err, errsz);
	if (rc == PAY_OK && (stripe_parse_intent(r.body, r.len, out) == -1 ||
	    strcmp(out->provider_ref, provider_ref) != 0)) {
		memset(out, 0, sizeof(*out));
		snprintf(err, errsz, "unreadable payment_intent");
		rc = PAY_ERR_PROTOCOL;
	}
	resp_wipe(&r);
	return rc;
}

/* POST /v1/payment_intents/{id}/cancel: Stripe answers 400
 * payment_intent_unexpected_state (PAY_ERR_REJECTED) once it is past
 * cancelling. */
static enum pay_err
ops_cancel(void *arg, const char *provider_ref, char *err, size_t errsz)
{
	struct stripe_ctx	*ctx = arg;
	struct httpc_resp	 r;
	struct form		 empty;
	char			 path[PAY_REF_MAX + 32];
	enum pay_err		 rc;

	if (intent_path(path, provider_ref, "/cancel", err, errsz) == -1)
		return PAY_ERR_PROTOCOL;
	memset(&empty, 0, sizeof(empty));
	rc = call(ctx, "POST", path, &empty, NULL, &r, err, errsz);
	resp_wipe(&r);
	return rc;
}

/* A created refund that already failed counts as refused. */
static enum pay_err
refund_answer(const struct httpc_resp *r, char id[PAY_REF_MAX + 1], char *err,
    size_t errsz)
{
	cJSON	*o;
	char	 status[32] = "", reason[64] = "";
	int	 ok;

	if ((o = cJSON_ParseWithLength(r->body, r->len)) == NULL) {
		snprintf(err, errsz, "unreadable refund");
		return PAY_ERR_PROTOCOL;
	}
	ok = cJSON_IsObject(o) && object_is(o, "refund") &&
	    copy_str(o, "status", status, sizeof(status)) == 0 &&
	    copy_str(o, "id", id, PAY_REF_MAX + 1) == 0;
	if (ok)
		(void)copy_cut(o, "failure_reason", reason, sizeof(reason));
	cJSON_Delete(o);
	if (!ok) {
		snprintf(err, errsz, "unreadable refund");
		return PAY_ERR_PROTOCOL;
	}
	if (strcmp(status, "failed") == 0 || strcmp(status, "canceled") == 0) {
		snprintf(err, errsz, "refund %s%s%s", status,
		    reason[0] ? ": " : "", reason);
		return PAY_ERR_REJECTED;
	}
	return PAY_OK;
}

/*
 * POST /v1/refunds for the payment intent.  req->ref is the
 * Idempotency-Key: Stripe answers a repeat with the first answer, so a
 * retry by `biljett expire` after a lost reply can never refund twice.
 */
static enum pay_err
ops_refund(void *arg, const struct pay_refund_req *req,
    char id[PAY_REF_MAX + 1], char *err, size_t errsz)
{
	struct stripe_ctx	*ctx = arg;
	struct httpc_resp	 r;
	struct form		 f;
	enum pay_err		 rc;

	memset(&f, 0, sizeof(f));
	if (!ref_valid(req->ref) || !id_valid(req->payment_ref, PAY_REF_MAX) ||
	    req->amount <= 0 || req->amount > MONEY_MAX) {
		snprintf(err, errsz, "bad reference, payment or amount");
		return PAY_ERR_PROTOCOL;
	}
	form_add(&f, "payment_intent", req->payment_ref);
	form_add_int(&f, "amount", req->amount);
	form_add(&f, "reason", "requested_by_customer");
	form_add(&f, "metadata[biljett_ref]", req->ref);
	rc = call(ctx, "POST", "/v1/refunds", &f, req->ref, &r, err, errsz);
	if (rc == PAY_OK)
		rc = refund_answer(&r, id, err, errsz);
	httpc_resp_clear(&r);
	return rc;
}

static enum pay_err
ops_verify_callback(void *arg, const struct pay_callback *cb,
    struct pay_confirmed *claimed, char secret[PAY_SECRET_MAX + 1],
    char *err, size_t errsz)
{
	struct stripe_ctx	*ctx = arg;
	enum stripe_sig		 sig;

	memset(claimed, 0, sizeof(*claimed));
	claimed->provider = PROVIDER_STRIPE;
	secret[0] = '\0';
	if (cb->body == NULL) {
		snprintf(err, errsz, "no body");
		return PAY_ERR_PROTOCOL;
	}
	/* Nothing of the body is read before it is known to be Stripe's. */
	if ((sig = stripe_sig_check(ctx->webhook_secret, cb->header, cb->body,
	    cb->len, cb->now)) != STRIPE_SIG_OK) {
		snprintf(err, errsz, "Stripe-Signature %s",
		    stripe_sig_str(sig));
		return PAY_ERR_FORGED;
	}
	if (stripe_parse_event(cb->body, cb->len, claimed) == -1) {
		snprintf(err, errsz, "malformed event");
		return PAY_ERR_PROTOCOL;
	}
	return PAY_OK;
}

/*
 * refund_retrieve is NULL: a refund is sent with our reference as its
 * Idempotency-Key, so sending it again is the way to learn whether the
 * first one arrived: Stripe answers a repeated key with the first
 * answer and creates nothing (protocols.md 2.2).  It keeps keys for at
 * least 24 hours while `biljett expire` retries every minute.  The
 * replay includes a 5xx: a refund Stripe failed on is answered with that
 * failure until the key is dropped, and only then really sent again --
 * late, but never twice.  qr and app_link are NULL: the buyer pays in
 * the browser with Stripe.js.
 */
const struct provider_ops stripe_ops = {
	.name = "stripe",
	.label = "Stripe",
	.callback_header = "Stripe-Signature",
	.callback_secret = 0,
	.open = ops_open,
	.close = free,
	/* The Idempotency-Key of create and refund (Stripe suggests V4
	 * UUIDs, protocols.md 2.2). */
	.new_ref = provider_uuid_ref,
	.create = ops_create,
	.retrieve = ops_retrieve,
	.cancel = ops_cancel,
	.refund = ops_refund,
	.refund_retrieve = NULL,
	.verify_callback = ops_verify_callback,
	.qr = NULL,
	.app_link = NULL,
};
