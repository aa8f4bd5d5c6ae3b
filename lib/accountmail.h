/*
 * Account mail: the e-mail verification, password reset and e-mail
 * change links (templates/mail/<kind>.txt).  The link's token arrives
 * sealed (lib/seal) from the outbox and exists in plain text only in the
 * message sent.
 */
#ifndef BILJETT_ACCOUNTMAIL_H
#define BILJETT_ACCOUNTMAIL_H

#include <stddef.h>

struct conf;

/* Sends one account mail.  Returns 0 when the server accepted it. */
int	accountmail_send(const struct conf *conf, const char *kind,
	    const char *recipient, const char *sealed, char *err,
	    size_t errsz);

#endif
