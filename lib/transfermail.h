/*
 * The confirmation of a transfer (lib/transfer): whom a ticket was taken
 * from is told which ticket went to whom, and that its old code no
 * longer lets anyone in.  Swedish first, with English after, as the
 * ticket mail (templates/mail/transfer_notice.{txt,html}).
 */
#ifndef BILJETT_TRANSFERMAIL_H
#define BILJETT_TRANSFERMAIL_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct db;

/*
 * Composes and sends the confirmation that the ticket of order_id which
 * became new_ticket_id was transferred, to recipient.  Returns 0 when the
 * SMTP server accepted it, -1 with a one-line reason in err.
 */
int	transfermail_notice(struct db *db, const struct conf *conf,
	    int64_t order_id, int64_t new_ticket_id, const char *recipient,
	    char *err, size_t errsz);

#endif
