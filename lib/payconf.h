/*
 * Provider client settings from the configuration, shared by the pay
 * program and the CLI so both talk to Swish the same way.
 */
#ifndef BILJETT_PAYCONF_H
#define BILJETT_PAYCONF_H

#include <stddef.h>

struct conf;
struct swish_conf;

/*
 * Fills sc from conf (strings point into conf) and writes the callback
 * URL (public_url + "/swish/callback/") into callback_url.  Returns 0,
 * or -1 if the URL does not fit.
 */
int	payconf_swish(const struct conf *conf, struct swish_conf *sc,
	    char *callback_url, size_t callback_urlsz);

#endif
