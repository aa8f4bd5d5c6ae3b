-- A scan of a ticket a transfer replaced (lib/transfer) is logged as
-- 'transferred', not 'not_paid': its order is paid, and the door, the
-- offline upload and the live numbers say why it was refused.  SQLite
-- cannot change a CHECK in place: checkins is made anew as sql/023 made
-- it, with one more result, its rows copied (nothing refers to it), and
-- both of its indexes made again.
CREATE TABLE checkins_new (
	id		INTEGER PRIMARY KEY,
	ticket_id	INTEGER REFERENCES tickets (id),
	event_id	INTEGER REFERENCES events (id),
	external_id	TEXT NOT NULL,
	scanner_id	INTEGER REFERENCES scanners (id),
	user_id		INTEGER REFERENCES users (id),
	use_ticket	INTEGER NOT NULL,
	direction	TEXT NOT NULL DEFAULT 'entry'
			CHECK (direction IN ('entry', 'exit')),
	times_used	INTEGER NOT NULL,
	result		TEXT NOT NULL CHECK (result IN ('admitted',
			    'already_used', 'shown', 'not_paid', 'unknown',
			    'already_inside', 'wrong_day', 'exited',
			    'not_inside', 'transferred')),
	at		INTEGER NOT NULL
);
INSERT INTO checkins_new (id, ticket_id, event_id, external_id, scanner_id,
	user_id, use_ticket, direction, times_used, result, at)
	SELECT id, ticket_id, event_id, external_id, scanner_id, user_id,
	    use_ticket, direction, times_used, result, at
	FROM checkins;
-- Scans logged before this as 'not_paid' of a transferred ticket say
-- what they were.
UPDATE checkins_new SET result = 'transferred'
	WHERE result = 'not_paid' AND ticket_id IN (SELECT id FROM tickets
	    WHERE transferred_to IS NOT NULL);
DROP TABLE checkins;
ALTER TABLE checkins_new RENAME TO checkins;
CREATE INDEX checkins_ticket ON checkins (ticket_id);
-- The live numbers by gate: one event's admissions, exits and refused
-- transferred tickets per door, read from the index alone.
CREATE INDEX checkins_event ON checkins (event_id, scanner_id, user_id,
	result) WHERE event_id IS NOT NULL;
