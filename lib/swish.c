/*
 * The Swish Commerce API client.  One libcurl easy handle per call: calls
 * are rare (one per payment), and a fresh handle keeps no state between
 * requests that could leak across buyers.
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
#include <curl/curl.h>
#include <sodium.h>

#include "limits.h"
#include "log.h"
#include "swish.h"

static const char *const status_names[SWISH_STATUS__MAX] = {
	[SWISH_CREATED] = "CREATED",
	[SWISH_PAID] = "PAID",
	[SWISH_DECLINED] = "DECLINED",
	[SWISH_ERROR] = "ERROR",
	[SWISH_CANCELLED] = "CANCELLED",
};

static const char *const err_names[SWISH_ERR__MAX] = {
	[SWISH_OK] = "ok",
	[SWISH_ERR_TRANSPORT] = "transport",
	[SWISH_ERR_REJECTED] = "rejected",
	[SWISH_ERR_NOTFOUND] = "not found",
	[SWISH_ERR_SERVER] = "server error",
	[SWISH_ERR_PROTOCOL] = "protocol",
};

const char *
swish_status_str(enum swish_status status)
{
	return status < SWISH_STATUS__MAX ? status_names[status] : "UNKNOWN";
}

const char *
swish_errstr(enum swish_err err)
{
	return err < SWISH_ERR__MAX ? err_names[err] : "unknown";
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

/* One HTTP exchange: what we send and what came back. */
struct exchange {
	char		 body[PROVIDER_BODY_MAX + 1];
	size_t		 len;
	int		 overflow;
	char		 token[SWISH_TOKEN_MAX + 1];
	char		 location[512];
	unsigned char	*bin;		/* binary bodies (QR PNG) */
	size_t		 binlen;
	int		 want_bin;
	long		 status;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct exchange	*x = arg;
	size_t		 len = size * n;
	unsigned char	*grown;

	if (x->want_bin) {
		if (x->binlen + len > 4 * 1024 * 1024)
			return 0;
		if ((grown = realloc(x->bin, x->binlen + len)) == NULL)
			return 0;
		x->bin = grown;
		memcpy(x->bin + x->binlen, p, len);
		x->binlen += len;
		return len;
	}
	if (x->len + len > PROVIDER_BODY_MAX) {
		x->overflow = 1;
		return 0;
	}
	memcpy(x->body + x->len, p, len);
	x->len += len;
	x->body[x->len] = '\0';
	return len;
}

/* Copies a header's value (trimmed) if its name matches. */
static void
header_value(const char *line, size_t len, const char *name, char *out,
    size_t outsz)
{
	size_t	 nlen = strlen(name), vlen;
	const char *v;

	if (len <= nlen || strncasecmp(line, name, nlen) != 0 ||
	    line[nlen] != ':')
		return;
	v = line + nlen + 1;
	vlen = len - nlen - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' ||
	    v[vlen - 1] == ' '))
		vlen--;
	if (vlen < outsz) {
		memcpy(out, v, vlen);
		out[vlen] = '\0';
	}
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct exchange	*x = arg;

	header_value(p, size * n, "PaymentRequestToken", x->token,
	    sizeof(x->token));
	header_value(p, size * n, "Location", x->location, sizeof(x->location));
	return size * n;
}

/* Summarises a 4xx/5xx body: Swish sends [{"errorCode", ...}]. */
static void
error_codes(const struct exchange *x, char *err, size_t errsz)
{
	cJSON		*doc, *e, *code;
	size_t		 off;

	off = (size_t)snprintf(err, errsz, "HTTP %ld", x->status);
	if ((doc = cJSON_ParseWithLength(x->body, x->len)) == NULL)
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
 * Performs one request.  client_cert says whether to present the
 * merchant certificate (the QR generator needs none).  Returns the
 * outcome for the HTTP status; err gets a one-line reason.
 */
static enum swish_err
perform(const struct swish_conf *conf, const char *method, const char *url,
    const char *ctype, const char *body, int client_cert, struct exchange *x,
    char *err, size_t errsz)
{
	CURL			*c;
	struct curl_slist	*hdrs = NULL;
	struct timespec		 t0, t1;
	char			 ct[128], errbuf[CURL_ERROR_SIZE] = "";
	CURLcode		 rc;
	enum swish_err		 out;
	long			 ms;

	err[0] = '\0';
	if ((c = curl_easy_init()) == NULL) {
		snprintf(err, errsz, "curl_easy_init failed");
		return SWISH_ERR_TRANSPORT;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, conf->timeout > 0 ?
	    conf->timeout : 10L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	if (conf->ca != NULL && *conf->ca != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, conf->ca);
	if (client_cert) {
		curl_easy_setopt(c, CURLOPT_SSLCERT, conf->cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY, conf->key);
		if (conf->key_password != NULL)
			curl_easy_setopt(c, CURLOPT_KEYPASSWD,
			    conf->key_password);
	}
	if (body != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
		hdrs = curl_slist_append(hdrs, ct);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	hdrs = curl_slist_append(hdrs, "Accept: application/json, image/png");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);

	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &x->status);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	if (rc != CURLE_OK) {
		snprintf(err, errsz, "%s", errbuf[0] ? errbuf :
		    curl_easy_strerror(rc));
		out = SWISH_ERR_TRANSPORT;
	} else if (x->status >= 200 && x->status < 300)
		out = SWISH_OK;
	else {
		error_codes(x, err, errsz);
		out = x->status == 404 ? SWISH_ERR_NOTFOUND :
		    x->status >= 500 ? SWISH_ERR_SERVER : SWISH_ERR_REJECTED;
	}
	log_info("swish %s %s -> %ld in %ldms%s%s", method, url, x->status, ms,
	    err[0] ? ": " : "", err);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return out;
}

/* Öre as Swish's amount string: "123.45". */
static void
amount_str(int64_t ore, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%lld.%02lld", (long long)(ore / 100),
	    (long long)(ore % 100));
}

enum swish_err
swish_create(const struct swish_conf *conf, const struct swish_create *req,
    char token[SWISH_TOKEN_MAX + 1], char *err, size_t errsz)
{
	struct exchange	*x;
	cJSON		*o;
	char		 url[1024], amount[32], *body;
	enum swish_err	 rc;

	token[0] = '\0';
	if (!id_valid(req->id) || req->amount <= 0) {
		snprintf(err, errsz, "bad id or amount");
		return SWISH_ERR_PROTOCOL;
	}
	amount_str(req->amount, amount, sizeof(amount));
	o = cJSON_CreateObject();
	if (req->reference != NULL)
		cJSON_AddStringToObject(o, "payeePaymentReference",
		    req->reference);
	cJSON_AddStringToObject(o, "callbackUrl", req->callback_url);
	cJSON_AddStringToObject(o, "payeeAlias", conf->payee_alias);
	cJSON_AddStringToObject(o, "amount", amount);
	cJSON_AddStringToObject(o, "currency", "SEK");
	if (req->message != NULL && *req->message != '\0')
		cJSON_AddStringToObject(o, "message", req->message);
	if (req->callback_identifier != NULL)
		cJSON_AddStringToObject(o, "callbackIdentifier",
		    req->callback_identifier);
	body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (body == NULL || (x = calloc(1, sizeof(*x))) == NULL) {
		cJSON_free(body);
		snprintf(err, errsz, "out of memory");
		return SWISH_ERR_TRANSPORT;
	}
	snprintf(url, sizeof(url), "%s/api/v2/paymentrequests/%s",
	    conf->api_url, req->id);
	rc = perform(conf, "PUT", url, "application/json", body, 1, x, err,
	    errsz);
	cJSON_free(body);
	if (rc == SWISH_OK) {
		if (x->status != 201 || x->token[0] == '\0') {
			snprintf(err, errsz, "HTTP %ld without a "
			    "PaymentRequestToken", x->status);
			rc = SWISH_ERR_PROTOCOL;
		} else
			memcpy(token, x->token, sizeof(x->token));
	}
	free(x);
	return rc;
}

/* GETs an object (payment request or refund) and parses it. */
static enum swish_err
retrieve(const struct swish_conf *conf, const char *kind, const char *id,
    struct swish_payment *out, char *err, size_t errsz)
{
	struct exchange	*x;
	char		 url[1024];
	enum swish_err	 rc;

	memset(out, 0, sizeof(*out));
	if (!id_valid(id)) {
		snprintf(err, errsz, "bad id");
		return SWISH_ERR_PROTOCOL;
	}
	if ((x = calloc(1, sizeof(*x))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return SWISH_ERR_TRANSPORT;
	}
	snprintf(url, sizeof(url), "%s/api/v1/%s/%s", conf->api_url, kind, id);
	rc = perform(conf, "GET", url, NULL, NULL, 1, x, err, errsz);
	if (rc == SWISH_OK && (swish_parse_payment(x->body, x->len, out) ==
	    -1 || strcmp(out->id, id) != 0)) {
		snprintf(err, errsz, "unreadable %s object", kind);
		rc = SWISH_ERR_PROTOCOL;
	}
	free(x);
	return rc;
}

enum swish_err
swish_retrieve(const struct swish_conf *conf, const char *id,
    struct swish_payment *out, char *err, size_t errsz)
{
	return retrieve(conf, "paymentrequests", id, out, err, errsz);
}

enum swish_err
swish_refund_retrieve(const struct swish_conf *conf, const char *id,
    struct swish_payment *out, char *err, size_t errsz)
{
	return retrieve(conf, "refunds", id, out, err, errsz);
}

enum swish_err
swish_cancel(const struct swish_conf *conf, const char *id, char *err,
    size_t errsz)
{
	static const char body[] =
	    "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"cancelled\"}]";
	struct exchange	*x;
	char		 url[1024];
	enum swish_err	 rc;

	if (!id_valid(id)) {
		snprintf(err, errsz, "bad id");
		return SWISH_ERR_PROTOCOL;
	}
	if ((x = calloc(1, sizeof(*x))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return SWISH_ERR_TRANSPORT;
	}
	snprintf(url, sizeof(url), "%s/api/v1/paymentrequests/%s",
	    conf->api_url, id);
	rc = perform(conf, "PATCH", url, "application/json-patch+json", body,
	    1, x, err, errsz);
	free(x);
	return rc;
}

enum swish_err
swish_refund(const struct swish_conf *conf, const char *refund_id,
    const char *original_payment_reference, int64_t amount,
    const char *message, const char *callback_url, char *err, size_t errsz)
{
	struct exchange	*x;
	cJSON		*o;
	char		 url[1024], amt[32], *body;
	enum swish_err	 rc;

	if (!id_valid(refund_id) || amount <= 0) {
		snprintf(err, errsz, "bad refund id or amount");
		return SWISH_ERR_PROTOCOL;
	}
	amount_str(amount, amt, sizeof(amt));
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "originalPaymentReference",
	    original_payment_reference);
	cJSON_AddStringToObject(o, "callbackUrl", callback_url);
	cJSON_AddStringToObject(o, "payerAlias", conf->payee_alias);
	cJSON_AddStringToObject(o, "amount", amt);
	cJSON_AddStringToObject(o, "currency", "SEK");
	if (message != NULL)
		cJSON_AddStringToObject(o, "message", message);
	body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (body == NULL || (x = calloc(1, sizeof(*x))) == NULL) {
		cJSON_free(body);
		snprintf(err, errsz, "out of memory");
		return SWISH_ERR_TRANSPORT;
	}
	snprintf(url, sizeof(url), "%s/api/v2/refunds/%s", conf->api_url,
	    refund_id);
	rc = perform(conf, "PUT", url, "application/json", body, 1, x, err,
	    errsz);
	cJSON_free(body);
	free(x);
	return rc;
}

enum swish_err
swish_qr(const struct swish_conf *conf, const char *token,
    unsigned char **png, size_t *len, char *err, size_t errsz)
{
	struct exchange	*x;
	cJSON		*o;
	char		*body;
	enum swish_err	 rc;

	*png = NULL;
	*len = 0;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "format", "png");
	cJSON_AddNumberToObject(o, "size", 300);
	cJSON_AddStringToObject(o, "token", token);
	body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (body == NULL || (x = calloc(1, sizeof(*x))) == NULL) {
		cJSON_free(body);
		snprintf(err, errsz, "out of memory");
		return SWISH_ERR_TRANSPORT;
	}
	x->want_bin = 1;
	rc = perform(conf, "POST", conf->qr_url, "application/json", body, 0,
	    x, err, errsz);
	cJSON_free(body);
	if (rc == SWISH_OK && (x->binlen < 8 ||
	    memcmp(x->bin, "\x89PNG\r\n\x1a\n", 8) != 0)) {
		snprintf(err, errsz, "the QR generator sent no PNG");
		rc = SWISH_ERR_PROTOCOL;
	}
	if (rc == SWISH_OK) {
		*png = x->bin;
		*len = x->binlen;
		x->bin = NULL;
	}
	free(x->bin);
	free(x);
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
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}
