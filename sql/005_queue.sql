-- The on-sale queue.  An event with queue_enabled admits buyers to
-- reserve at queue_rate per minute from sales_start_at on, in the order
-- of the line below; reserving needs the signed pass an admitted place
-- gets (lib/queue.c).  sales_start_at 0: on sale from the start.
ALTER TABLE events ADD COLUMN sales_start_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN queue_enabled INTEGER NOT NULL DEFAULT 0
	CHECK (queue_enabled IN (0, 1));
ALTER TABLE events ADD COLUMN queue_rate INTEGER NOT NULL DEFAULT 60
	CHECK (queue_rate > 0);

-- One place in an event's line per visitor (the hash of the queueid
-- cookie's random token, never the token).  rank orders the line: a
-- random number below 2^62 for those who came before sales_start_at,
-- 2^62 + slot for those after, so everyone early is ahead of everyone
-- late.  slot is the place in the admission order (slot n is admitted
-- once floor((now - sales_start_at) * queue_rate / 60) >= n): NULL for
-- early places until the draw at the start numbers them in rank order,
-- set at joining for later ones.  admitted_at is when the visitor first
-- saw their turn; the pass is valid QUEUE_PASS_SECONDS from then.
CREATE TABLE queue (
	id		INTEGER PRIMARY KEY,
	event_id	INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	visitor_hash	TEXT NOT NULL,
	joined_at	INTEGER NOT NULL,
	rank		INTEGER NOT NULL,
	slot		INTEGER,
	admitted_at	INTEGER,
	UNIQUE (event_id, visitor_hash)
);
CREATE INDEX queue_rank ON queue (event_id, rank);
-- No two places share a turn.
CREATE UNIQUE INDEX queue_slot ON queue (event_id, slot)
	WHERE slot IS NOT NULL;
-- Early places not yet drawn: one probe says whether the draw is due.
CREATE INDEX queue_undrawn ON queue (event_id) WHERE slot IS NULL;
