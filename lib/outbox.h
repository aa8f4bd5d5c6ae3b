/*
 * The outbox: mail queued in the same transaction as the change that
 * causes it (tickets issued, an event cancelled), drained by `biljett
 * mail`.  A message is
 * marked sent only after the SMTP server accepted it; failures back off
 * exponentially and are retried forever, so nothing is lost.  Claiming
 * leases a message so two concurrent senders never send it twice.
 */
#ifndef BILJETT_OUTBOX_H
#define BILJETT_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "limits.h"

#define OUTBOX_LEASE		300	/* seconds a claim lasts */
#define OUTBOX_BACKOFF_MIN	60
#define OUTBOX_BACKOFF_MAX	(6 * 3600)

struct outbox_item {
	int64_t	 id;
	int64_t	 order_id;
	int64_t	 attempts;
	char	 kind[24];	/* longest: "event_cancelled" */
	char	 recipient[EMAIL_MAX + 1];
	char	 locale[8];
	char	 payload[512];	/* account mail: the sealed token */
};

/* Queues an account mail (kind "verify", "reset", "email_change") whose
 * link token travels sealed in payload.  Inside a write transaction. */
enum db_rc	outbox_queue_account(struct db *db, const char *kind,
		    int64_t user_id, const char *recipient, const char *locale,
		    const char *sealed, int64_t now);

/*
 * Queues the mail telling each buyer of event_id that it is cancelled
 * (kind "event_cancelled"): one per paid order with an e-mail address,
 * to that address, in the order's locale (NULL when it has none: the
 * sender falls back to Swedish).  An order that was told already is
 * skipped, so cancelling twice queues nothing twice.  Sets *queued (may
 * be NULL) to the number queued.  Inside the cancelling write
 * transaction.
 */
enum db_rc	outbox_queue_cancelled(struct db *db, int64_t event_id,
		    int64_t now, int64_t *queued);

/* Claims up to max due messages (lease OUTBOX_LEASE).  *n is set. */
enum db_rc	outbox_claim(struct db *db, int64_t now, struct outbox_item *out,
		    size_t max, size_t *n);
/* Marks a message sent. */
enum db_rc	outbox_sent(struct db *db, int64_t id, int64_t now);
/* Records a failure and schedules the next attempt with back-off. */
enum db_rc	outbox_failed(struct db *db, int64_t id, int64_t now,
		    int64_t attempts, const char *error);
/* The delay before attempt number attempts+1.  Pure. */
int64_t		outbox_backoff(int64_t attempts);

#endif
