/*
 * SMTP settings from the configuration, shared by the account mail and
 * the ticket mail so both reach the same server the same way and sign
 * as the same sender.  Kept apart from lib/conf and lib/mail so that
 * neither knows the other.
 */
#ifndef BILJETT_MAILCONF_H
#define BILJETT_MAILCONF_H

struct conf;
struct mail_msg;
struct mail_server;

#define SMTP_TIMEOUT_SECONDS	60	/* one whole message transfer */

/*
 * Fills srv from smtp_url, smtp_user, smtp_password and smtp_ca, and
 * clears msg but for its sender (mail_from, mail_from_name).  The
 * strings point into conf.
 */
void	mailconf_smtp(const struct conf *conf, struct mail_server *srv,
	    struct mail_msg *msg);

#endif
