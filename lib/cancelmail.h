/*
 * The cancellation mail: when an event is cancelled (lib/event.c
 * event_cancel queues it through lib/outbox), each paid order's buyer
 * is told in their own language: the event's title and date, the order
 * code, the tickets bought, and that the amount paid will be refunded.
 * The refund itself is a later step, so the mail promises it and never
 * says it has happened.  The words are in
 * templates/mail/event_cancelled.<sv|en|de|fr>.{txt,html}, one pair per
 * language so each reads as one letter; the subject line is below.
 */
#ifndef BILJETT_CANCELMAIL_H
#define BILJETT_CANCELMAIL_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct db;

/*
 * Composes and sends the cancellation mail of order_id to recipient in
 * locale (the order's: "sv", "en-GB", ...; NULL, "" or a language we do
 * not speak means Swedish).  Returns 0 when the SMTP server accepted
 * it, -1 with a one-line reason in err (the caller retries later): also
 * when the order's event is not cancelled, which would be a lie to send.
 */
int	cancelmail_send(struct db *db, const struct conf *conf,
	    int64_t order_id, const char *recipient, const char *locale,
	    char *err, size_t errsz);

#endif
