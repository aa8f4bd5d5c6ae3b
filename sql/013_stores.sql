-- Organizers' storefronts (seed 003, issue 13): one store per organizer,
-- its public page listing the store's published events, and the indexes
-- the organizer's and the admins' sales reports read (lib/report.c).

-- A store: a slug made from the name once (or given), the name and
-- description in several languages (plain column in default_lang, every
-- language in texts, as lib/text.h describes), branding.  logo_image and
-- banner_image hold paths or URLs given as text until the image upload
-- module stores uploads; colours are "#rrggbb".  Only published stores
-- are listed and shown to the public.
CREATE TABLE stores (
	id		INTEGER PRIMARY KEY,
	organizer_id	INTEGER NOT NULL UNIQUE REFERENCES users (id),
	slug		TEXT NOT NULL UNIQUE,
	name		TEXT NOT NULL,
	description	TEXT NOT NULL DEFAULT '',
	default_lang	TEXT NOT NULL DEFAULT 'sv',
	texts		TEXT,		-- {"name": {"en": ..}, "description": ..}
	logo_image	TEXT,
	banner_image	TEXT,
	primary_color	TEXT,
	secondary_color	TEXT,
	instagram_link	TEXT,
	website_link	TEXT,
	is_published	INTEGER NOT NULL DEFAULT 1
			CHECK (is_published IN (0, 1)),
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL
);
CREATE INDEX stores_listing ON stores (is_published, name);

-- The store an event is sold in: set when an organizer who has a store
-- creates the event, and for the organizer's events without one when the
-- store is created; cleared when the store is deleted.
ALTER TABLE events ADD COLUMN store_id INTEGER REFERENCES stores (id)
	ON DELETE SET NULL;
CREATE INDEX events_store ON events (store_id, event_at);

-- The reports read sold orders per event and tickets per event.  Only
-- paid orders carry paid_at, so reserving (the hot write) never touches
-- orders_paid; tickets are written once, when an order is paid.
CREATE INDEX orders_paid ON orders (event_id, paid_at)
	WHERE paid_at IS NOT NULL;
CREATE INDEX tickets_event ON tickets (event_id, ticket_type_id);
-- The guest list names a buyer who was signed in when reserving by the
-- account of the reservation's session.  Guests' sessions have no
-- user_id, so their reservations never write this index.
CREATE INDEX sessions_buyer ON sessions (order_id, user_id)
	WHERE order_id IS NOT NULL AND user_id IS NOT NULL;
