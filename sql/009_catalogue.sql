-- The catalogue (issue 13): categories, events as seed 004 describes
-- them, ticket types with their sellable variants, quotas derived from
-- both, and the back office's audit log.
--
-- One quota engine under four pricing kinds.  Every sellable thing is a
-- row of ticket_types, so orders, tickets and quotas keep pointing at one
-- table:
--   kind 'type'      a seed-004 ticket type (seed 002's ticket types are
--                    these too).  Sellable itself only when its
--                    pricing_type is 'simple'.
--   kind 'tier'      a tier of a 'tiered' type            (parent_id)
--   kind 'day_pass'  a day pass of a 'day_based' type, or its all-days
--                    pass (is_all_days, no day_number); a 'tier_and_day'
--                    type may have an all-days pass per tier (parent_id)
--   kind 'day_tier'  one cell of a 'tier_and_day' matrix  (parent_id)
-- quotas.scope says which rule made a quota, so lib/quota.c can rebuild
-- them whenever the back office changes a variant.

CREATE TABLE categories (
	id		INTEGER PRIMARY KEY,
	slug		TEXT NOT NULL UNIQUE,
	name		TEXT NOT NULL,		-- default-language text
	description	TEXT NOT NULL DEFAULT '',
	texts		TEXT,			-- {"name": {"en": ..}, ..}
	icon		TEXT NOT NULL DEFAULT '',
	is_active	INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL
);

-- Events: slug is generated from the title once and never changes.
-- title/description hold the default language's text (default_lang);
-- texts holds every language given.  search_text is the lower-case
-- concatenation of every searchable text (titles and descriptions in all
-- languages, tags, venue), kept by lib/event.c.  base_price is the
-- lowest price of the event's active sellable variants (NULL: none yet),
-- kept by lib/quota.c, for ordering and the price filters.  'ongoing'
-- is not stored: a published event between event_at and ends_at.
ALTER TABLE events ADD COLUMN slug TEXT;
ALTER TABLE events ADD COLUMN short_description TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN category_id INTEGER REFERENCES categories (id)
	ON DELETE SET NULL;
ALTER TABLE events ADD COLUMN pricing_type TEXT NOT NULL DEFAULT 'simple'
	CHECK (pricing_type IN ('simple', 'tiered', 'day_based',
	    'tier_and_day'));
ALTER TABLE events ADD COLUMN venue_name TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN venue_address TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN venue_city TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN venue_country TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN ends_at INTEGER;
ALTER TABLE events ADD COLUMN is_free INTEGER NOT NULL DEFAULT 0
	CHECK (is_free IN (0, 1));
ALTER TABLE events ADD COLUMN is_featured INTEGER NOT NULL DEFAULT 0
	CHECK (is_featured IN (0, 1));
ALTER TABLE events ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN currency TEXT NOT NULL DEFAULT 'SEK';
ALTER TABLE events ADD COLUMN default_lang TEXT NOT NULL DEFAULT 'sv';
ALTER TABLE events ADD COLUMN texts TEXT;
ALTER TABLE events ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN base_price INTEGER;
ALTER TABLE events ADD COLUMN poster TEXT;
ALTER TABLE events ADD COLUMN age_restriction INTEGER;
ALTER TABLE events ADD COLUMN terms TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN refund_policy TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN published_at INTEGER;
ALTER TABLE events ADD COLUMN cancelled_at INTEGER;
ALTER TABLE events ADD COLUMN updated_at INTEGER;

-- Existing events: a slug `biljett migrate` replaces with one made from
-- the title (lib/event.c, event_backfill_slugs), the search text, and
-- the lowest price of their types.
UPDATE events SET slug = 'event-' || id,
	search_text = lower(title || ' ' || description),
	updated_at = created_at,
	published_at = CASE status WHEN 'draft' THEN NULL ELSE created_at END,
	base_price = (SELECT min(t.price) FROM event_ticket_types x
	    JOIN ticket_types t ON t.id = x.ticket_type_id
	    WHERE x.event_id = events.id AND t.visible = 1);

CREATE UNIQUE INDEX events_slug ON events (slug);
-- The listing's filters: status and date first (the default listing),
-- then the narrower ones.  search uses search_text without an index
-- (a LIKE over a few thousand short rows).
CREATE INDEX events_status_start ON events (status, event_at);
CREATE INDEX events_category ON events (category_id, event_at);
CREATE INDEX events_organizer ON events (organizer_id, event_at);
CREATE INDEX events_city ON events (venue_city COLLATE NOCASE, event_at);
CREATE INDEX events_featured ON events (event_at) WHERE is_featured = 1;
CREATE INDEX events_price ON events (base_price);

-- Ticket types and their variants (see the top of this file).
ALTER TABLE ticket_types ADD COLUMN kind TEXT NOT NULL DEFAULT 'type'
	CHECK (kind IN ('type', 'tier', 'day_pass', 'day_tier'));
ALTER TABLE ticket_types ADD COLUMN event_id INTEGER REFERENCES events (id)
	ON DELETE CASCADE;
ALTER TABLE ticket_types ADD COLUMN parent_id INTEGER
	REFERENCES ticket_types (id) ON DELETE CASCADE;
ALTER TABLE ticket_types ADD COLUMN pricing_type TEXT NOT NULL
	DEFAULT 'simple' CHECK (pricing_type IN ('simple', 'tiered',
	    'day_based', 'tier_and_day'));
-- 1 when a buyer can pick this row: a simple type or any variant.
ALTER TABLE ticket_types ADD COLUMN sellable INTEGER NOT NULL DEFAULT 1
	CHECK (sellable IN (0, 1));
ALTER TABLE ticket_types ADD COLUMN tier_number INTEGER
	CHECK (tier_number > 0);
ALTER TABLE ticket_types ADD COLUMN tier_name TEXT;
ALTER TABLE ticket_types ADD COLUMN day_number INTEGER
	CHECK (day_number > 0);
ALTER TABLE ticket_types ADD COLUMN day_name TEXT;
ALTER TABLE ticket_types ADD COLUMN day_date TEXT;	-- YYYY-MM-DD
ALTER TABLE ticket_types ADD COLUMN is_all_days INTEGER NOT NULL DEFAULT 0
	CHECK (is_all_days IN (0, 1));
-- total_quantity of a type, quantity of a variant; NULL: no own limit.
ALTER TABLE ticket_types ADD COLUMN quantity INTEGER CHECK (quantity >= 0);
ALTER TABLE ticket_types ADD COLUMN sales_start INTEGER;
ALTER TABLE ticket_types ADD COLUMN sales_end INTEGER;
ALTER TABLE ticket_types ADD COLUMN min_purchase INTEGER NOT NULL DEFAULT 1
	CHECK (min_purchase > 0);
ALTER TABLE ticket_types ADD COLUMN max_purchase INTEGER
	CHECK (max_purchase > 0);
ALTER TABLE ticket_types ADD COLUMN benefits TEXT NOT NULL DEFAULT '';
ALTER TABLE ticket_types ADD COLUMN texts TEXT;
ALTER TABLE ticket_types ADD COLUMN updated_at INTEGER;

-- A type linked to exactly one event belongs to it.
UPDATE ticket_types SET updated_at = created_at,
	event_id = (SELECT min(x.event_id) FROM event_ticket_types x
	    WHERE x.ticket_type_id = ticket_types.id)
	WHERE (SELECT count(*) FROM event_ticket_types x
	    WHERE x.ticket_type_id = ticket_types.id) = 1;

CREATE INDEX ticket_types_event ON ticket_types (event_id, kind);
CREATE INDEX ticket_types_parent ON ticket_types (parent_id);
-- Seed 004's uniqueness rules, one per kind.  (A type's name is unique
-- per event only for types the API makes -- lib/variant.c checks it --
-- since seed 002's imports may give two types one title.)
CREATE UNIQUE INDEX ticket_types_tier ON ticket_types (parent_id,
	tier_number) WHERE kind = 'tier';
CREATE UNIQUE INDEX ticket_types_day ON ticket_types (parent_id, day_number)
	WHERE kind = 'day_pass';
-- One all-days pass per type (per tier in a tier_and_day type, where an
-- all-days pass belongs to a tier and sits in that tier's cell each day).
CREATE UNIQUE INDEX ticket_types_all_days ON ticket_types (parent_id,
	coalesce(tier_number, 0)) WHERE kind = 'day_pass' AND is_all_days = 1;
CREATE UNIQUE INDEX ticket_types_cell ON ticket_types (parent_id,
	day_number, tier_number) WHERE kind = 'day_tier';

-- Which rule made a quota: 'event' (total_capacity, no quota_items:
-- covers everything), 'type' (a type's total_quantity over its
-- variants), 'variant' (a variant's own quantity; a day pass's quota
-- also covers the type's all-days passes: one place on that day each),
-- 'manual' (made by hand or by an import).  ref_id: the type or variant.
ALTER TABLE quotas ADD COLUMN scope TEXT NOT NULL DEFAULT 'manual'
	CHECK (scope IN ('event', 'type', 'variant', 'manual'));
ALTER TABLE quotas ADD COLUMN ref_id INTEGER;
UPDATE quotas SET scope = 'event' WHERE name = 'event' AND NOT EXISTS
	(SELECT 1 FROM quota_items qi WHERE qi.quota_id = quotas.id);
CREATE UNIQUE INDEX quotas_rule ON quotas (event_id, scope, ref_id)
	WHERE scope IN ('type', 'variant');
CREATE INDEX quota_items_type ON quota_items (ticket_type_id);

-- Every back-office change: who, when, what, before and after (JSON).
CREATE TABLE audit_log (
	id		INTEGER PRIMARY KEY,
	user_id		INTEGER REFERENCES users (id),
	organizer_id	INTEGER REFERENCES users (id),	-- whose data changed
	entity		TEXT NOT NULL,	-- 'event', 'ticket_type', ...
	entity_id	INTEGER,
	action		TEXT NOT NULL,	-- 'create', 'update', 'delete', ...
	before		TEXT,
	after		TEXT,
	at		INTEGER NOT NULL
);
CREATE INDEX audit_log_organizer ON audit_log (organizer_id, at);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

-- Places sold per ticket type or variant (the API's quantity_sold, the
-- organizer's reports) without a scan over every order line.
CREATE INDEX order_lines_type ON order_lines (ticket_type_id);

-- The catalogue's version: bumped by every change to events, ticket types
-- or categories (the triggers below, so no writer can forget), never by
-- buying.  The public listing's answers are cached per worker while it
-- stays the same (cgi-bin/events.c).
CREATE TABLE catalogue_version (
	id	INTEGER PRIMARY KEY CHECK (id = 1),
	v	INTEGER NOT NULL
);
INSERT INTO catalogue_version (id, v) VALUES (1, 0);
CREATE TRIGGER events_ins AFTER INSERT ON events
	BEGIN UPDATE catalogue_version SET v = v + 1; END;
CREATE TRIGGER events_upd AFTER UPDATE ON events
	BEGIN UPDATE catalogue_version SET v = v + 1; END;
CREATE TRIGGER events_del AFTER DELETE ON events
	BEGIN UPDATE catalogue_version SET v = v + 1; END;
CREATE TRIGGER ticket_types_ins AFTER INSERT ON ticket_types
	BEGIN UPDATE catalogue_version SET v = v + 1; END;
CREATE TRIGGER ticket_types_upd AFTER UPDATE ON ticket_types
	BEGIN UPDATE catalogue_version SET v = v + 1; END;
CREATE TRIGGER ticket_types_del AFTER DELETE ON ticket_types
	BEGIN UPDATE catalogue_version SET v = v + 1; END;
CREATE TRIGGER categories_ins AFTER INSERT ON categories
	BEGIN UPDATE catalogue_version SET v = v + 1; END;
CREATE TRIGGER categories_upd AFTER UPDATE ON categories
	BEGIN UPDATE catalogue_version SET v = v + 1; END;
CREATE TRIGGER categories_del AFTER DELETE ON categories
	BEGIN UPDATE catalogue_version SET v = v + 1; END;
