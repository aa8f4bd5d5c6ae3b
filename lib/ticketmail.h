/*
 * The ticket mail: one message per paid order with the tickets' codes in
 * text and HTML (templates/mail/tickets.{txt,html}), one QR code PNG per
 * ticket holding its signed code (lib/ticketkey), and the tickets as
 * one A4 PDF, a page each (lib/ticketpdf).
 */
#ifndef BILJETT_TICKETMAIL_H
#define BILJETT_TICKETMAIL_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct db;

/*
 * Composes and sends the ticket mail of order_id to recipient over the
 * configured SMTP server.  Returns 0 when the server accepted it, -1 with
 * a one-line reason in err (the caller retries later).
 */
int	ticketmail_send(struct db *db, const struct conf *conf,
	    int64_t order_id, const char *recipient, char *err, size_t errsz);

/*
 * The same mail for one ticket ticket_id of order_id that a transfer
 * gave to recipient: that ticket only, with the link that shows it alone
 * (lib/transfer).  Returns as ticketmail_send.
 */
int	ticketmail_send_ticket(struct db *db, const struct conf *conf,
	    int64_t order_id, int64_t ticket_id, const char *recipient,
	    char *err, size_t errsz);

#endif
