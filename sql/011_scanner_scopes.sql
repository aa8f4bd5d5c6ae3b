-- Door credentials belong to an organizer (issue 13).  Until now any
-- scanner password admitted every ticket of the installation.
--
-- scanners: organizer_id says whose tickets a scanner admits: that
-- organizer's events (events.organizer_id), all of them (all_events 1)
-- or only those listed in scanner_events.  NULL is a site-wide scanner
-- that admits every event's tickets: only the operator makes those
-- (`biljett scanner-add NAME --site-wide`), and every scanner that
-- exists before this migration stays one, so that an upgrade does not
-- lock a door out in the middle of an evening (README, "Door scanners").
-- The old event_id column was never enforced and nothing set it; it is
-- not carried over.
--
-- lookup is a MAC of the password under secret_key (lib/scan.c): a
-- password names its scanner, and with the MAC it is found by one index
-- look-up and one argon2id check rather than an argon2id check against
-- every scanner of every organizer; being unique, it also means no two
-- live scanners ever share a password.  NULL for scanners made before
-- (lib/scan.c fills it in at their next sign-in) or without a
-- secret_key.  A deleted scanner keeps its row for the checkins that
-- name it, without its name's place or its lookup.
--
-- The table is rebuilt to drop the installation-wide UNIQUE on name (two
-- organizers may both have a "Door 1").  sessions and checkins refer to
-- it; the rows are copied back with the same ids before the commit, so
-- the deferred foreign keys hold again when it is checked.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE scanners_old AS SELECT id, name, password_hash, active,
    created_at FROM scanners;
DROP TABLE scanners;
CREATE TABLE scanners (
	id		INTEGER PRIMARY KEY,
	organizer_id	INTEGER REFERENCES users (id),	-- NULL: site-wide
	name		TEXT NOT NULL,
	password_hash	TEXT NOT NULL,			-- argon2id
	lookup		TEXT UNIQUE,
	all_events	INTEGER NOT NULL DEFAULT 1 CHECK (all_events IN (0, 1)),
	active		INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_at	INTEGER NOT NULL,
	deleted_at	INTEGER
);
INSERT INTO scanners (id, name, password_hash, active, created_at)
    SELECT id, name, password_hash, active, created_at FROM scanners_old;
DROP TABLE scanners_old;
CREATE UNIQUE INDEX scanners_name ON scanners (coalesce(organizer_id, 0), name)
    WHERE deleted_at IS NULL;
CREATE INDEX scanners_organizer ON scanners (organizer_id);

-- A scanner with all_events 0 admits only these events' tickets.  An
-- event deleted from under it leaves it admitting less, never more.
CREATE TABLE scanner_events (
	scanner_id	INTEGER NOT NULL REFERENCES scanners (id)
			    ON DELETE CASCADE,
	event_id	INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	PRIMARY KEY (scanner_id, event_id)
);
CREATE INDEX scanner_events_event ON scanner_events (event_id);

-- Staff scan their organizer's events (users.organizer_id): all of them,
-- or with scan_all_events 0 only those in staff_events.
ALTER TABLE users ADD COLUMN scan_all_events INTEGER NOT NULL DEFAULT 1
    CHECK (scan_all_events IN (0, 1));
CREATE TABLE staff_events (
	user_id		INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	event_id	INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	PRIMARY KEY (user_id, event_id)
);
CREATE INDEX staff_events_event ON staff_events (event_id);

-- A scan by a signed-in account (staff, organizer, admin) names it.
ALTER TABLE checkins ADD COLUMN user_id INTEGER REFERENCES users (id);
