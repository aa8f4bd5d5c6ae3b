-- Hold caps (the on-sale issue, §2): one client may hold only so many
-- places of an event at once, one e-mail address hold or buy only so
-- many, and paying may push a hold's expiry only so often.

-- Places one client (an IPv4 address or IPv6 /64, lib/buyer.h) may hold
-- at once, and places one e-mail address may hold and have bought, per
-- event.  NULL: HOLD_CAP_ORDERS_DEFAULT (2) times max_tickets_per_payment.
ALTER TABLE events ADD COLUMN max_held_per_client INTEGER
	CHECK (max_held_per_client > 0);
ALTER TABLE events ADD COLUMN max_tickets_per_email INTEGER
	CHECK (max_tickets_per_email > 0);

-- client_addr: who reserved, kept only while the order is 'reserved'
-- (every change away from 'reserved' clears it).  email_key: the e-mail
-- address given at payment as the cap counts it (lower case, no +tag).
-- extensions: how often paying pushed expires_at (HOLD_EXTENSIONS_MAX).
ALTER TABLE orders ADD COLUMN client_addr TEXT;
ALTER TABLE orders ADD COLUMN email_key TEXT;
ALTER TABLE orders ADD COLUMN extensions INTEGER NOT NULL DEFAULT 0;

-- The caps' counts, one index probe each inside the reserve and payment
-- transactions.  Both are partial: the first holds only live holds (a
-- reservation pays one more small index write), the second only orders
-- that reached payment.
CREATE INDEX orders_event_client ON orders (event_id, client_addr,
	expires_at) WHERE status = 'reserved';
CREATE INDEX orders_event_email ON orders (event_id, email_key)
	WHERE email_key IS NOT NULL;

-- Orders paid before this migration count against the e-mail cap too.
UPDATE orders SET email_key = lower(CASE
	WHEN instr(email, '+') > 1 AND instr(email, '+') < instr(email, '@')
	THEN substr(email, 1, instr(email, '+') - 1) ||
	    substr(email, instr(email, '@'))
	ELSE email END)
	WHERE email IS NOT NULL;
