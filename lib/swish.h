/*
 * The Swish Commerce API client (m-commerce) over libcurl with mutual TLS.
 * Wire facts: ../shared/protocols.md section 1.  Every call logs one line
 * (method, path, HTTP status, Swish error codes; never keys).  Calls block
 * for at most conf->timeout seconds and must never run inside a database
 * transaction.
 */
#ifndef BILJETT_SWISH_H
#define BILJETT_SWISH_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"

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

enum swish_status {
	SWISH_CREATED = 0,
	SWISH_PAID,
	SWISH_DECLINED,
	SWISH_ERROR,
	SWISH_CANCELLED,
	SWISH_STATUS__MAX
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
	char		 id[SWISH_ID_LEN + 1];	/* instruction UUID */
	int64_t		 amount;		/* öre, > 0 */
	const char	*message;		/* <= 50 chars, may be NULL */
	const char	*callback_url;		/* https://... */
	const char	*callback_identifier;	/* may be NULL */
	const char	*reference;		/* payeePaymentReference or NULL */
};

/* A payment request or refund as Swish reports it (GET or callback). */
struct swish_payment {
	char			 id[SWISH_ID_LEN + 1];
	enum swish_status	 status;
	char			 payment_reference[64];	/* bank ref when PAID */
	char			 reference[40];		/* payeePaymentReference */
	int64_t			 amount;		/* öre */
	char			 date_paid[40];		/* "" when not paid */
	char			 error_code[16];	/* "" when none */
	char			 error_message[256];
};

/* Returns "CREATED", "PAID", ... for status. */
const char	*swish_status_str(enum swish_status status);
/* Returns a static reason for err. */
const char	*swish_errstr(enum swish_err err);

/* Fills out with a fresh random upper-case 32-hex instruction id. */
void		 swish_new_id(char out[SWISH_ID_LEN + 1]);

/*
 * Creates an m-commerce payment request (PUT api/v2/paymentrequests/{id},
 * amount as "123.00").  On SWISH_OK fills token (PaymentRequestToken,
 * NUL-terminated, at most SWISH_TOKEN_MAX bytes).  err receives a one-line
 * reason on failure (Swish error codes included).
 */
enum swish_err	 swish_create(const struct swish_conf *conf,
		    const struct swish_create *req,
		    char token[SWISH_TOKEN_MAX + 1], char *err, size_t errsz);

/* GET api/v1/paymentrequests/{id}. */
enum swish_err	 swish_retrieve(const struct swish_conf *conf, const char *id,
		    struct swish_payment *out, char *err, size_t errsz);

/* PATCH api/v1/paymentrequests/{id} to "cancelled" (json-patch). A request
 * that is no longer cancellable gives SWISH_ERR_REJECTED. */
enum swish_err	 swish_cancel(const struct swish_conf *conf, const char *id,
		    char *err, size_t errsz);

/*
 * Refunds amount öre of the payment whose bank reference is
 * original_payment_reference (PUT api/v2/refunds/{refund_id}).
 */
enum swish_err	 swish_refund(const struct swish_conf *conf,
		    const char *refund_id, const char *original_payment_reference,
		    int64_t amount, const char *message, const char *callback_url,
		    char *err, size_t errsz);

/* GET api/v1/refunds/{id}. */
enum swish_err	 swish_refund_retrieve(const struct swish_conf *conf,
		    const char *id, struct swish_payment *out, char *err,
		    size_t errsz);

/*
 * Fetches the QR PNG for an m-commerce token from conf->qr_url (POST
 * {"format":"png","size":300,"token":...}).  On SWISH_OK *png is malloc'd
 * (free with free()).  The QR generator needs no client certificate.
 */
enum swish_err	 swish_qr(const struct swish_conf *conf, const char *token,
		    unsigned char **png, size_t *len, char *err, size_t errsz);

/*
 * Parses a payment-request or refund object (GET reply or callback body).
 * Pure: no I/O.  Returns 0 on success, -1 if the JSON is malformed, a
 * field has the wrong type, or id/status is missing or invalid.
 */
int		 swish_parse_payment(const char *json, size_t len,
		    struct swish_payment *out);

#endif
