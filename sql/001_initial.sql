-- biljett: the data model of DESIGN.md that the Swish flow needs.
-- Times are UTC seconds since the epoch; money is integer minor units
-- (öre for SEK).  Applied by `biljett migrate` in one transaction.

-- What a buyer picks.  Shared between events (seed 002's M2M).
CREATE TABLE ticket_types (
	id		INTEGER PRIMARY KEY,
	title		TEXT NOT NULL,
	description	TEXT NOT NULL DEFAULT '',
	price		INTEGER NOT NULL CHECK (price >= 0),
	currency	TEXT NOT NULL DEFAULT 'SEK',
	visible		INTEGER NOT NULL DEFAULT 1 CHECK (visible IN (0, 1)),
	created_at	INTEGER NOT NULL
);

CREATE TABLE events (
	id			INTEGER PRIMARY KEY,
	title			TEXT NOT NULL,
	description		TEXT NOT NULL DEFAULT '',
	event_at		INTEGER NOT NULL,
	sales_stop_at		INTEGER NOT NULL,
	total_seats		INTEGER NOT NULL CHECK (total_seats >= 0),
	max_tickets_per_payment	INTEGER NOT NULL DEFAULT 8
				CHECK (max_tickets_per_payment > 0),
	reservation_seconds	INTEGER NOT NULL DEFAULT 900
				CHECK (reservation_seconds > 0),
	swish_message		TEXT NOT NULL DEFAULT '',
	door_open_seconds	INTEGER NOT NULL DEFAULT 3600,
	status			TEXT NOT NULL DEFAULT 'published'
				CHECK (status IN ('draft', 'published',
				    'cancelled', 'completed')),
	created_at		INTEGER NOT NULL
);
CREATE INDEX events_listing ON events (sales_stop_at, event_at);

CREATE TABLE event_ticket_types (
	event_id	INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	ticket_type_id	INTEGER NOT NULL REFERENCES ticket_types (id),
	position	INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (event_id, ticket_type_id)
) WITHOUT ROWID;
CREATE INDEX event_ticket_types_type ON event_ticket_types (ticket_type_id);

-- Capacity.  An item is sellable while every quota covering it has room;
-- a quota with no quota_items rows covers every type of its event (the
-- event's total_seats quota).  `used` counts seats held by reserved and
-- paid orders and is changed only in the transactions that change those
-- orders, so reading capacity is one row, not a count over tickets.
CREATE TABLE quotas (
	id		INTEGER PRIMARY KEY,
	event_id	INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	name		TEXT NOT NULL DEFAULT '',
	size		INTEGER NOT NULL CHECK (size >= 0),
	used		INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0)
);
CREATE INDEX quotas_event ON quotas (event_id);

CREATE TABLE quota_items (
	quota_id	INTEGER NOT NULL REFERENCES quotas (id) ON DELETE CASCADE,
	ticket_type_id	INTEGER NOT NULL REFERENCES ticket_types (id),
	PRIMARY KEY (quota_id, ticket_type_id)
) WITHOUT ROWID;

-- A reservation is an order in status 'reserved' with expires_at; paying
-- makes it 'paid' and issues its tickets.  holds_seats says whether its
-- seats are counted in quotas.used right now.
CREATE TABLE orders (
	id		INTEGER PRIMARY KEY,
	code		TEXT NOT NULL UNIQUE,
	event_id	INTEGER NOT NULL REFERENCES events (id),
	email		TEXT,
	locale		TEXT,
	status		TEXT NOT NULL DEFAULT 'reserved'
			CHECK (status IN ('reserved', 'paid', 'expired',
			    'cancelled', 'refunded', 'partially_refunded',
			    'failed')),
	holds_seats	INTEGER NOT NULL DEFAULT 1 CHECK (holds_seats IN (0, 1)),
	seats		INTEGER NOT NULL CHECK (seats > 0),
	total		INTEGER NOT NULL CHECK (total >= 0),
	currency	TEXT NOT NULL DEFAULT 'SEK',
	payment_started	INTEGER NOT NULL DEFAULT 0,
	flag		TEXT,
	created_at	INTEGER NOT NULL,
	expires_at	INTEGER NOT NULL,
	paid_at		INTEGER
);
-- Holds to expire, per event inside a reservation (cron's sweep over all
-- events reads the same small partial index).  Every index here costs
-- each reservation a page write, so there are no others.
CREATE INDEX orders_event_expiry ON orders (event_id, expires_at)
	WHERE status = 'reserved';

CREATE TABLE order_lines (
	id		INTEGER PRIMARY KEY,
	order_id	INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
	ticket_type_id	INTEGER NOT NULL REFERENCES ticket_types (id),
	count		INTEGER NOT NULL CHECK (count > 0),
	unit_price	INTEGER NOT NULL CHECK (unit_price >= 0)
);
CREATE INDEX order_lines_order ON order_lines (order_id);

-- Issued tickets, one row per seat, created when the order is paid.
CREATE TABLE tickets (
	id		INTEGER PRIMARY KEY,
	order_id	INTEGER NOT NULL REFERENCES orders (id),
	event_id	INTEGER NOT NULL REFERENCES events (id),
	ticket_type_id	INTEGER NOT NULL REFERENCES ticket_types (id),
	price		INTEGER NOT NULL,
	external_id	TEXT NOT NULL UNIQUE
			CHECK (length(external_id) = 6),
	secret		TEXT NOT NULL,
	status		TEXT NOT NULL DEFAULT 'valid'
			CHECK (status IN ('valid', 'cancelled', 'refunded')),
	times_used	INTEGER NOT NULL DEFAULT 0 CHECK (times_used >= 0),
	attendee_name	TEXT,
	created_at	INTEGER NOT NULL
);
CREATE INDEX tickets_order ON tickets (order_id);

CREATE TABLE payments (
	id			INTEGER PRIMARY KEY,
	order_id		INTEGER NOT NULL REFERENCES orders (id),
	provider		TEXT NOT NULL CHECK (provider IN ('swish',
				    'stripe', 'mpesa', 'free', 'manual')),
	provider_ref		TEXT UNIQUE,
	token			TEXT,
	callback_hash		TEXT,
	status			TEXT NOT NULL DEFAULT 'created'
				CHECK (status IN ('created', 'pending', 'paid',
				    'declined', 'error', 'cancelled',
				    'refunded')),
	amount			INTEGER NOT NULL CHECK (amount >= 0),
	currency		TEXT NOT NULL DEFAULT 'SEK',
	payment_reference	TEXT,
	error_code		TEXT,
	created_at		INTEGER NOT NULL,
	updated_at		INTEGER NOT NULL,
	paid_at			INTEGER
);
CREATE INDEX payments_order ON payments (order_id);

CREATE TABLE refunds (
	id		INTEGER PRIMARY KEY,
	payment_id	INTEGER NOT NULL REFERENCES payments (id),
	provider_ref	TEXT UNIQUE,
	amount		INTEGER NOT NULL CHECK (amount > 0),
	status		TEXT NOT NULL DEFAULT 'requested'
			CHECK (status IN ('requested', 'paid', 'error')),
	reason		TEXT NOT NULL,
	error		TEXT,
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL
);

-- Every callback or webhook received, verified or not.  event_key is the
-- provider's event id (Swish has none: "<request id>/<status>"); repeats
-- bump times_received instead of inserting.
CREATE TABLE provider_events (
	id		INTEGER PRIMARY KEY,
	provider	TEXT NOT NULL,
	event_key	TEXT NOT NULL,
	payment_id	INTEGER REFERENCES payments (id),
	verified	INTEGER NOT NULL DEFAULT 0,
	outcome		TEXT,
	body		TEXT NOT NULL,
	times_received	INTEGER NOT NULL DEFAULT 1,
	received_at	INTEGER NOT NULL,
	last_received_at INTEGER NOT NULL,
	UNIQUE (provider, event_key)
);

-- Browser, API and scanner sessions.  Only the token's hash is stored.
CREATE TABLE sessions (
	id		INTEGER PRIMARY KEY,
	token_hash	TEXT NOT NULL UNIQUE,
	kind		TEXT NOT NULL CHECK (kind IN ('browser', 'api',
			    'scanner')),
	user_id		INTEGER,
	order_id	INTEGER REFERENCES orders (id),
	csrf_secret	TEXT,
	created_at	INTEGER NOT NULL,
	expires_at	INTEGER NOT NULL,
	revoked_at	INTEGER
);

CREATE TABLE scanners (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,
	password_hash	TEXT NOT NULL,
	event_id	INTEGER REFERENCES events (id),
	active		INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
	created_at	INTEGER NOT NULL
);

-- Every scan: the audit trail at the door.
CREATE TABLE checkins (
	id		INTEGER PRIMARY KEY,
	ticket_id	INTEGER REFERENCES tickets (id),
	external_id	TEXT NOT NULL,
	scanner_id	INTEGER REFERENCES scanners (id),
	use_ticket	INTEGER NOT NULL,
	times_used	INTEGER NOT NULL,
	result		TEXT NOT NULL CHECK (result IN ('admitted',
			    'already_used', 'shown', 'not_paid', 'unknown')),
	at		INTEGER NOT NULL
);
CREATE INDEX checkins_ticket ON checkins (ticket_id);

-- Mail to send; drained by `biljett mail`.
CREATE TABLE outbox (
	id		INTEGER PRIMARY KEY,
	kind		TEXT NOT NULL CHECK (kind IN ('tickets')),
	order_id	INTEGER REFERENCES orders (id),
	recipient	TEXT NOT NULL,
	locale		TEXT,
	attempts	INTEGER NOT NULL DEFAULT 0,
	next_attempt_at	INTEGER NOT NULL,
	last_error	TEXT,
	sent_at		INTEGER,
	created_at	INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL;
