-- Venues and their seat maps (seed 001), and seated events: the state of
-- every seat of an event, and the index that makes selling one seat of
-- an event twice impossible whatever the code above it does.

-- A venue belongs to the organizer who made it (an admin may act for
-- anyone).  map_version counts the edits of its seat map: an edit stamps
-- every seat it lists with the new version, so the seats left with an
-- older one are those the edit removes.
CREATE TABLE venues (
	id		INTEGER PRIMARY KEY,
	organizer_id	INTEGER NOT NULL REFERENCES users (id),
	name		TEXT NOT NULL,
	address		TEXT NOT NULL DEFAULT '',
	city		TEXT NOT NULL DEFAULT '',
	country		TEXT NOT NULL DEFAULT '',
	capacity	INTEGER NOT NULL CHECK (capacity >= 0),
	map_version	INTEGER NOT NULL DEFAULT 0,
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL
);
CREATE INDEX venues_organizer ON venues (organizer_id);

-- The seat map, sections -> rows -> seats, one row per seat; position is
-- the seat's place in the map as given, so sections and rows come back in
-- their order.  A seat is known by (section, row, number): an edited map
-- keeps the id, and so the events' state, of every seat it still lists.
-- category: the name of a price category (free text; "" when none).
CREATE TABLE seats (
	id		INTEGER PRIMARY KEY,
	venue_id	INTEGER NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
	section		TEXT NOT NULL,
	row_label	TEXT NOT NULL,
	number		TEXT NOT NULL,
	category	TEXT NOT NULL DEFAULT '',
	position	INTEGER NOT NULL,
	map_version	INTEGER NOT NULL,
	UNIQUE (venue_id, section, row_label, number)
);
CREATE INDEX seats_venue_position ON seats (venue_id, position);

-- A seated event has a venue; NULL: unseated, as every event before.
ALTER TABLE events ADD COLUMN venue_id INTEGER REFERENCES venues (id);
CREATE INDEX events_venue ON events (venue_id) WHERE venue_id IS NOT NULL;

-- One row per seat of the event's venue (lib/seat.c):
--   AVAILABLE  free (order_id NULL)
--   LOCKED     held for an order until locked_until; once that has
--              passed it reads and sells as AVAILABLE, so a lapsed hold
--              never waits for cron to free its seats
--   RESERVED   kept for an order without expiry (box office, invoice)
--   SOLD       paid by order_id
-- The CHECKs keep the columns consistent with the status.
CREATE TABLE event_seats (
	id		INTEGER PRIMARY KEY,
	event_id	INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	seat_id		INTEGER NOT NULL REFERENCES seats (id) ON DELETE CASCADE,
	status		TEXT NOT NULL DEFAULT 'AVAILABLE'
			CHECK (status IN ('AVAILABLE', 'LOCKED', 'RESERVED',
			    'SOLD')),
	order_id	INTEGER REFERENCES orders (id),
	locked_until	INTEGER,
	CHECK ((status = 'LOCKED') = (locked_until IS NOT NULL)),
	CHECK ((status = 'AVAILABLE') = (order_id IS NULL)),
	UNIQUE (event_id, seat_id)
);
CREATE INDEX event_seats_order ON event_seats (order_id)
	WHERE order_id IS NOT NULL;
-- Lapsed holds, for `seat_release_expired`.
CREATE INDEX event_seats_lock ON event_seats (locked_until)
	WHERE status = 'LOCKED';

-- A ticket of a seated event names its seat.  The last line of defence:
-- at most one valid ticket per seat of an event.  The index is partial
-- so that a cancelled or refunded ticket lets go of its seat and the
-- seat can be sold again, while a second valid ticket for it cannot be
-- written at all -- not by a bug in the seat states above, not by two
-- workers racing, not by hand.  (PostgreSQL takes the same partial
-- unique index.)  A seat removed from a map sets old tickets' seat_id
-- to NULL; lib/venue.c refuses to remove a seat that is sold.
ALTER TABLE tickets ADD COLUMN seat_id INTEGER REFERENCES seats (id)
	ON DELETE SET NULL;
CREATE UNIQUE INDEX tickets_seat ON tickets (event_id, seat_id)
	WHERE seat_id IS NOT NULL AND status = 'valid';
