/*
 * The provider interface around the table (lib/providers.c): opening a
 * provider, calling its operations (a missing optional one answers
 * PAY_ERR_UNSUPPORTED), and the payment vocabulary's names.
 */
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "limits.h"
#include "provider.h"

static const char *const status_names[] = {
	[PAY_CREATED] = "created",
	[PAY_PENDING] = "pending",
	[PAY_PAID] = "paid",
	[PAY_DECLINED] = "declined",
	[PAY_ERROR] = "error",
	[PAY_CANCELLED] = "cancelled",
	[PAY_REFUNDED] = "refunded",
};

/* The first six are what error_code held when these were Swish's own. */
static const char *const err_names[] = {
	[PAY_OK] = "ok",
	[PAY_ERR_TRANSPORT] = "transport",
	[PAY_ERR_REJECTED] = "rejected",
	[PAY_ERR_NOTFOUND] = "not found",
	[PAY_ERR_SERVER] = "server error",
	[PAY_ERR_PROTOCOL] = "protocol",
	[PAY_ERR_FORGED] = "forged",
	[PAY_ERR_UNSUPPORTED] = "unsupported",
};

_Static_assert(sizeof(status_names) / sizeof(status_names[0]) ==
    PAY_STATUS__MAX, "status names out of sync with enum pay_status");
_Static_assert(sizeof(err_names) / sizeof(err_names[0]) == PAY_ERR__MAX,
    "error names out of sync with enum pay_err");

void
provider_uuid_ref(char ref[PAY_REF_MAX + 1])
{
	_Static_assert(UUID_LEN <= PAY_REF_MAX, "a UUID must fit a ref");
	crypto_uuid4(ref);
}

int
provider_open(struct provider *pv, enum pay_provider id,
    const struct conf *conf, char *err, size_t errsz)
{
	memset(pv, 0, sizeof(*pv));
	if (id >= PROVIDER__MAX) {
		snprintf(err, errsz, "no such payment provider");
		return -1;
	}
	if ((pv->ctx = provider_ops(id)->open(conf, err, errsz)) == NULL)
		return -1;
	pv->id = id;
	pv->ops = provider_ops(id);
	return 0;
}

void
provider_close(struct provider *pv)
{
	if (pv == NULL || pv->ops == NULL)
		return;
	pv->ops->close(pv->ctx);
	pv->ops = NULL;
	pv->ctx = NULL;
}

enum pay_err
provider_create(const struct provider *pv, const struct pay_request *req,
    struct pay_created *out, char *err, size_t errsz)
{
	return pv->ops->create(pv->ctx, req, out, err, errsz);
}

enum pay_err
provider_retrieve(const struct provider *pv, const char *provider_ref,
    struct pay_confirmed *out, char *err, size_t errsz)
{
	return pv->ops->retrieve(pv->ctx, provider_ref, out, err, errsz);
}

enum pay_err
provider_cancel(const struct provider *pv, const char *provider_ref,
    char *err, size_t errsz)
{
	return pv->ops->cancel(pv->ctx, provider_ref, err, errsz);
}

enum pay_err
provider_refund(const struct provider *pv, const struct pay_refund_req *req,
    char id[PAY_REF_MAX + 1], char *err, size_t errsz)
{
	id[0] = '\0';
	return pv->ops->refund(pv->ctx, req, id, err, errsz);
}

enum pay_err
provider_refund_retrieve(const struct provider *pv, const char *ref,
    struct pay_confirmed *out, char *err, size_t errsz)
{
	if (pv->ops->refund_retrieve == NULL) {
		memset(out, 0, sizeof(*out));
		snprintf(err, errsz, "%s cannot look up refunds",
		    pv->ops->label);
		return PAY_ERR_UNSUPPORTED;
	}
	return pv->ops->refund_retrieve(pv->ctx, ref, out, err, errsz);
}

enum pay_err
provider_verify_callback(const struct provider *pv,
    const struct pay_callback *cb, struct pay_confirmed *claimed,
    char secret[PAY_SECRET_MAX + 1], char *err, size_t errsz)
{
	return pv->ops->verify_callback(pv->ctx, cb, claimed, secret, err,
	    errsz);
}

enum pay_err
provider_qr(const struct provider *pv, const char *token,
    unsigned char **png, size_t *len, char *err, size_t errsz)
{
	*png = NULL;
	*len = 0;
	if (pv->ops->qr == NULL) {
		snprintf(err, errsz, "%s has no QR codes", pv->ops->label);
		return PAY_ERR_UNSUPPORTED;
	}
	return pv->ops->qr(pv->ctx, token, png, len, err, errsz);
}

int
provider_refunds_by_hand(enum pay_provider id)
{
	const struct provider_ops	*ops = provider_ops(id);

	return ops != NULL && ops->refunds_by_hand;
}

int
provider_payer(enum pay_provider id, const char *in,
    char out[PAY_PHONE_MAX + 1])
{
	const struct provider_ops	*ops = provider_ops(id);

	out[0] = '\0';
	if (ops == NULL || ops->payer == NULL || in == NULL)
		return -1;
	return ops->payer(in, out);
}

int
provider_app_link(const struct provider *pv, const char *token, char *buf,
    size_t bufsz)
{
	if (bufsz > 0)
		buf[0] = '\0';
	if (pv->ops->app_link == NULL)
		return -1;
	return pv->ops->app_link(pv->ctx, token, buf, bufsz);
}

const char *
pay_status_str(enum pay_status status)
{
	return status < PAY_STATUS__MAX ? status_names[status] : "";
}

enum pay_status
pay_status_parse(const char *name)
{
	int	 i;

	for (i = 0; i < PAY_STATUS__MAX; i++)
		if (name != NULL && strcmp(name, status_names[i]) == 0)
			return (enum pay_status)i;
	return PAY_STATUS__MAX;
}

const char *
pay_errstr(enum pay_err err)
{
	return err < PAY_ERR__MAX ? err_names[err] : "unknown";
}
