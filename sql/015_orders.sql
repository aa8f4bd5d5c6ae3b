-- Orders as seed 004 knows them (issue 8): every order gets a public id
-- (uid, what /api/orders/{id}/ names) and a human order number
-- (OE-YYYYMMDD-NNNN: per day, gapless, never reused), a buyer and the
-- split of its total into subtotal, service fee and discount.  Orders of
-- the seed-002 flow get the same numbers; their fee is 0.
ALTER TABLE orders ADD COLUMN uid TEXT;
ALTER TABLE orders ADD COLUMN order_number TEXT;
ALTER TABLE orders ADD COLUMN user_id INTEGER REFERENCES users (id);
ALTER TABLE orders ADD COLUMN buyer_name TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN buyer_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN subtotal INTEGER CHECK (subtotal >= 0);
ALTER TABLE orders ADD COLUMN service_fee INTEGER NOT NULL DEFAULT 0
    CHECK (service_fee >= 0);
ALTER TABLE orders ADD COLUMN discount INTEGER NOT NULL DEFAULT 0
    CHECK (discount >= 0);
ALTER TABLE orders ADD COLUMN refunded INTEGER NOT NULL DEFAULT 0
    CHECK (refunded >= 0);
ALTER TABLE orders ADD COLUMN cancel_reason TEXT;
ALTER TABLE orders ADD COLUMN cancelled_at INTEGER;
ALTER TABLE orders ADD COLUMN updated_at INTEGER;

-- Orders from before this migration: a uid and a number of their day.
UPDATE orders SET uid = lower(hex(randomblob(4)) || '-' || hex(randomblob(2))
    || '-4' || substr(hex(randomblob(2)), 2) || '-'
    || substr('89ab', 1 + (abs(random()) % 4), 1)
    || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))
    WHERE uid IS NULL;
UPDATE orders SET subtotal = total WHERE subtotal IS NULL;
UPDATE orders SET order_number = 'OE-' || strftime('%Y%m%d', created_at,
    'unixepoch') || '-' || printf('%04d', (SELECT count(*) FROM orders p
    WHERE strftime('%Y%m%d', p.created_at, 'unixepoch') =
    strftime('%Y%m%d', orders.created_at, 'unixepoch') AND p.id <= orders.id))
    WHERE order_number IS NULL;

CREATE UNIQUE INDEX orders_uid ON orders (uid);
CREATE UNIQUE INDEX orders_number ON orders (order_number);
CREATE INDEX orders_user ON orders (user_id, created_at) WHERE user_id
    IS NOT NULL;

-- The last order number given out per day ("20251119"), taken in the
-- transaction that inserts the order, so a rolled-back order leaves no
-- gap and no number is ever given twice.
CREATE TABLE order_number_days (
	day	TEXT PRIMARY KEY,
	last	INTEGER NOT NULL CHECK (last > 0)
) WITHOUT ROWID;
INSERT INTO order_number_days (day, last)
    SELECT substr(order_number, 4, 8), count(*) FROM orders
    GROUP BY substr(order_number, 4, 8);

-- Which providers an event takes at checkout (comma-separated names of
-- lib/provider.h plus "free").
ALTER TABLE events ADD COLUMN payment_providers TEXT NOT NULL
    DEFAULT 'swish,stripe';

-- A refund's reference at the provider (Stripe's re_...), when known,
-- and who asked for it.
ALTER TABLE refunds ADD COLUMN provider_refund_id TEXT;
ALTER TABLE refunds ADD COLUMN requested_by INTEGER REFERENCES users (id);

-- Every amount that moves, append-only: a charge (what the provider
-- collected, service fee included), the fee (the service fee's share of
-- that charge, a memo row: not added again), a refund (negative).  An
-- order's charges plus refunds is what its provider holds for it.
CREATE TABLE ledger (
	id		INTEGER PRIMARY KEY,
	order_id	INTEGER NOT NULL REFERENCES orders (id),
	payment_id	INTEGER REFERENCES payments (id),
	refund_id	INTEGER REFERENCES refunds (id),
	kind		TEXT NOT NULL CHECK (kind IN ('charge', 'fee',
			    'refund')),
	amount		INTEGER NOT NULL,
	currency	TEXT NOT NULL,
	provider	TEXT NOT NULL,
	reference	TEXT,
	created_at	INTEGER NOT NULL,
	CHECK ((kind = 'refund') = (amount < 0))
);
CREATE INDEX ledger_order ON ledger (order_id);
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN
	SELECT RAISE(ABORT, 'the ledger is append-only');
END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN
	SELECT RAISE(ABORT, 'the ledger is append-only');
END;

-- Idempotency-Key of POSTs under /api/orders/: the first answer is kept
-- for 24 hours and given again for the same key and body.  status 0:
-- the first request is still running.
CREATE TABLE idempotency_keys (
	scope		TEXT NOT NULL,		-- "user:<id>"
	key		TEXT NOT NULL,
	request_hash	TEXT NOT NULL,		-- method, path and body
	status		INTEGER NOT NULL DEFAULT 0,
	body		TEXT,
	created_at	INTEGER NOT NULL,
	PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
