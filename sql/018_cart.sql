-- Seed 000's shop (issue 9): products, carts, and what POST /api/payments
-- made of a cart.
--
-- A product is a sellable variant of an event (a ticket_types row, which
-- the quota engine sells) that the back office offers in the shop, with
-- a sale (a fraction of its price off, in parts per ten thousand: 0.10
-- is 1000) and its texts in every language the shop speaks.

CREATE TABLE products (
	ticket_type_id	INTEGER PRIMARY KEY
			REFERENCES ticket_types (id) ON DELETE CASCADE,
	sale		INTEGER NOT NULL DEFAULT 0
			CHECK (sale >= 0 AND sale < 10000),
	created_at	INTEGER NOT NULL,
	updated_at	INTEGER NOT NULL
);

-- One row per language; lib/product.c writes all four or none.
CREATE TABLE product_texts (
	ticket_type_id	INTEGER NOT NULL
			REFERENCES products (ticket_type_id) ON DELETE CASCADE,
	lang		TEXT NOT NULL CHECK (lang IN ('sv', 'en', 'de', 'fr')),
	name		TEXT NOT NULL,
	description	TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (ticket_type_id, lang)
) WITHOUT ROWID;

-- A cart belongs to an account or to a guest's browser session, never
-- both.  It holds no places.  version counts its changes; order_id is
-- the order POST /api/payments placed from it at order_version, answered
-- again while the cart is unchanged (and the order still a hold) so that
-- paying twice pays the same order.
CREATE TABLE carts (
	id		INTEGER PRIMARY KEY,
	user_id		INTEGER REFERENCES users (id) ON DELETE CASCADE,
	session_id	INTEGER REFERENCES sessions (id) ON DELETE CASCADE,
	version		INTEGER NOT NULL DEFAULT 0,
	order_id	INTEGER REFERENCES orders (id) ON DELETE SET NULL,
	order_version	INTEGER,
	updated_at	INTEGER NOT NULL,
	CHECK ((user_id IS NULL) <> (session_id IS NULL))
);
CREATE UNIQUE INDEX carts_user ON carts (user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX carts_session ON carts (session_id)
	WHERE session_id IS NOT NULL;

CREATE TABLE cart_items (
	cart_id		INTEGER NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
	ticket_type_id	INTEGER NOT NULL
			REFERENCES products (ticket_type_id) ON DELETE CASCADE,
	quantity	INTEGER NOT NULL CHECK (quantity > 0),
	added_at	INTEGER NOT NULL,
	PRIMARY KEY (cart_id, ticket_type_id)
) WITHOUT ROWID;
