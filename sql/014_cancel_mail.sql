-- Cancelling an event tells every buyer (issue 13): the outbox learns
-- the kind 'event_cancelled', one message per paid order, queued in the
-- transaction that cancels the event.  The CHECK constraint can only
-- change by rebuilding the table, as sql/003 did; every row and index is
-- kept.
CREATE TABLE outbox_new (
	id		INTEGER PRIMARY KEY,
	kind		TEXT NOT NULL CHECK (kind IN ('tickets', 'verify',
			    'reset', 'email_change', 'event_cancelled')),
	order_id	INTEGER REFERENCES orders (id),
	user_id		INTEGER REFERENCES users (id),
	recipient	TEXT NOT NULL,
	locale		TEXT,
	payload		TEXT,
	attempts	INTEGER NOT NULL DEFAULT 0,
	next_attempt_at	INTEGER NOT NULL,
	last_error	TEXT,
	sent_at		INTEGER,
	created_at	INTEGER NOT NULL
);
INSERT INTO outbox_new (id, kind, order_id, user_id, recipient, locale,
    payload, attempts, next_attempt_at, last_error, sent_at, created_at)
    SELECT id, kind, order_id, user_id, recipient, locale, payload, attempts,
    next_attempt_at, last_error, sent_at, created_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL;
-- An order hears of its event's cancellation once, however often the
-- cancel is repeated (lib/outbox.c looks it up through this index too).
CREATE UNIQUE INDEX outbox_event_cancelled ON outbox (order_id)
	WHERE kind = 'event_cancelled';
