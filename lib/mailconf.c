/*
 * Configuration to SMTP settings.
 */
#include <string.h>

#include "conf.h"
#include "mail.h"
#include "mailconf.h"

void
mailconf_smtp(const struct conf *conf, struct mail_server *srv,
    struct mail_msg *msg)
{
	memset(srv, 0, sizeof(*srv));
	srv->url = conf_str(conf, CONF_SMTP_URL);
	srv->user = conf->v[CONF_SMTP_USER];
	srv->password = conf->v[CONF_SMTP_PASSWORD];
	srv->ca_file = conf->v[CONF_SMTP_CA];
	srv->timeout = SMTP_TIMEOUT_SECONDS;
	memset(msg, 0, sizeof(*msg));
	msg->from = conf_str(conf, CONF_MAIL_FROM);
	msg->from_name = conf_str(conf, CONF_MAIL_FROM_NAME);
}
