-- Resending and transferring tickets (issue 10).
--
-- An organizer lets an event's tickets change hands (default off) until
-- transfer_cutoff_hours before it starts, each seat at most
-- transfers_max times (NULL: no cap).
ALTER TABLE events ADD COLUMN transfers_allowed INTEGER NOT NULL DEFAULT 0
	CHECK (transfers_allowed IN (0, 1));
ALTER TABLE events ADD COLUMN transfer_cutoff_hours INTEGER NOT NULL
	DEFAULT 24 CHECK (transfer_cutoff_hours BETWEEN 0 AND 8760);
ALTER TABLE events ADD COLUMN transfers_max INTEGER
	CHECK (transfers_max BETWEEN 1 AND 100);

-- A transfer never changes a ticket: it cancels the old row (status
-- 'cancelled' with transferred_to and transferred_at set, which every
-- door path, the revocation list and the wallet read as "transferred")
-- and issues a new row, with a new id, uid, short code and signed code,
-- for the same order, type, price and seat, in one transaction.  The new
-- row names its holder: holder_email (set only on tickets issued by a
-- transfer: the buyer's own tickets have none and belong to the order's
-- account) and holder_user_id (the account with that address when the
-- transfer was made, whose my-tickets then lists it).  transfers counts
-- how many times the seat changed hands before this row.
ALTER TABLE tickets ADD COLUMN holder_email TEXT;
ALTER TABLE tickets ADD COLUMN holder_user_id INTEGER REFERENCES users (id);
ALTER TABLE tickets ADD COLUMN transfers INTEGER NOT NULL DEFAULT 0
	CHECK (transfers >= 0);
ALTER TABLE tickets ADD COLUMN transferred_to INTEGER
	REFERENCES tickets (id);
ALTER TABLE tickets ADD COLUMN transferred_at INTEGER;
CREATE INDEX tickets_holder ON tickets (holder_user_id)
	WHERE holder_user_id IS NOT NULL;

-- The outbox learns the transfer mails: 'ticket_transferred' (the new
-- holder's ticket; payload: its ticket id) and 'transfer_notice' (the
-- confirmation to whom it was taken from; payload: the new ticket id).
-- The CHECK constraint changes only by rebuilding the table, as sql/014
-- did; every row and index is kept, and outbox_order is new: resends
-- are limited by counting an order's recent ticket mails.
CREATE TABLE outbox_new (
	id		INTEGER PRIMARY KEY,
	kind		TEXT NOT NULL CHECK (kind IN ('tickets', 'verify',
			    'reset', 'email_change', 'event_cancelled',
			    'ticket_transferred', 'transfer_notice')),
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
CREATE UNIQUE INDEX outbox_event_cancelled ON outbox (order_id)
	WHERE kind = 'event_cancelled';
CREATE INDEX outbox_order ON outbox (order_id, kind, created_at)
	WHERE order_id IS NOT NULL;
