/*
 * Configuration to provider settings.
 */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "payconf.h"
#include "swish.h"

int
payconf_swish(const struct conf *conf, struct swish_conf *sc,
    char *callback_url, size_t callback_urlsz)
{
	const char	*base = conf_str(conf, CONF_PUBLIC_URL);
	size_t		 len = strlen(base);

	memset(sc, 0, sizeof(*sc));
	sc->api_url = conf_str(conf, CONF_SWISH_API_URL);
	sc->cert = conf_str(conf, CONF_SWISH_CERT);
	sc->key = conf_str(conf, CONF_SWISH_KEY);
	sc->key_password = conf->v[CONF_SWISH_KEY_PASSWORD];
	sc->ca = conf->v[CONF_SWISH_CA];
	sc->payee_alias = conf_str(conf, CONF_SWISH_PAYEE_ALIAS);
	sc->qr_url = conf_str(conf, CONF_SWISH_QR_URL);
	sc->timeout = conf_int(conf, CONF_SWISH_TIMEOUT, 10);
	while (len > 0 && base[len - 1] == '/')
		len--;
	return (size_t)snprintf(callback_url, callback_urlsz,
	    "%.*s/swish/callback/", (int)len, base) >= callback_urlsz ? -1 : 0;
}
