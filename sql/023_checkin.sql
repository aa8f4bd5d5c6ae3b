-- Entry and exit, multi-day passes, live check-in numbers (issue 10;
-- lib/checkin.h has the rules).
--
-- Re-entry: a ticket type says whether its holders may leave and come
-- back (reentry_allowed; NULL: as its event says, and a variant -- a
-- tier, a day pass -- as its type says); the event's reentry_allowed is
-- the default, off: a ticket is used once, as before.
ALTER TABLE events ADD COLUMN reentry_allowed INTEGER NOT NULL DEFAULT 0
	CHECK (reentry_allowed IN (0, 1));
ALTER TABLE ticket_types ADD COLUMN reentry_allowed INTEGER
	CHECK (reentry_allowed IN (0, 1));
-- When a door day begins, in minutes after local midnight (the
-- configured zone): a pass is admitted once per door day, and a night
-- that runs past midnight still counts as the day it began.
ALTER TABLE events ADD COLUMN day_starts INTEGER NOT NULL DEFAULT 360
	CHECK (day_starts BETWEEN 0 AND 720);

-- Where a ticket's holder is: inside (admitted and not out since), and
-- the door day of its latest admission (a pass's once-per-day rule).
ALTER TABLE tickets ADD COLUMN inside INTEGER NOT NULL DEFAULT 0
	CHECK (inside IN (0, 1));
ALTER TABLE tickets ADD COLUMN admitted_day TEXT;	-- YYYY-MM-DD
UPDATE tickets SET inside = 1 WHERE times_used > 0;
-- The live numbers per ticket type read one event's tickets from this
-- index alone (it serves tickets_event's look-ups too, which it
-- replaces: one index to keep up per issued ticket and per scan, not
-- two).
CREATE INDEX tickets_checkin ON tickets (event_id, ticket_type_id, status,
	times_used, inside, admitted_day);
DROP INDEX tickets_event;

-- checkins again, with the scan's direction, its event (the live numbers
-- by gate read one event's rows through checkins_event) and the
-- outcomes of entry and exit.  SQLite cannot change a CHECK in place:
-- the table is made anew and its rows copied (nothing refers to it).
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
			    'not_inside')),
	at		INTEGER NOT NULL
);
INSERT INTO checkins_new (id, ticket_id, event_id, external_id, scanner_id,
	user_id, use_ticket, times_used, result, at)
	SELECT c.id, c.ticket_id,
	    (SELECT t.event_id FROM tickets t WHERE t.id = c.ticket_id),
	    c.external_id, c.scanner_id, c.user_id, c.use_ticket,
	    c.times_used, c.result, c.at
	FROM checkins c;
DROP TABLE checkins;
ALTER TABLE checkins_new RENAME TO checkins;
CREATE INDEX checkins_ticket ON checkins (ticket_id);
-- The live numbers by gate: one event's admissions and exits per door,
-- read from the index alone.
CREATE INDEX checkins_event ON checkins (event_id, scanner_id, user_id,
	result) WHERE event_id IS NOT NULL;
