-- Invoices and credit notes (seed 000, issue 9): one invoice per paid
-- order, issued in the transaction that marks the order paid, and a
-- credit note per refund, issued in the transaction that records it.
-- An invoice is a snapshot (seller, buyer, lines, totals): editing an
-- event or a store later never changes an issued one.  The PDF is
-- rendered from these rows on demand (lib/invoicepdf.c).

-- VAT, in basis points of the VAT-inclusive price (2500: 25 %): the
-- event's rate, and a ticket type's own rate that overrides it (a tier,
-- day pass or cell without one takes its type's).  NULL: none set; an
-- order none of whose lines has a rate gets an invoice without VAT.
ALTER TABLE events ADD COLUMN vat_rate INTEGER
    CHECK (vat_rate BETWEEN 0 AND 10000);
ALTER TABLE ticket_types ADD COLUMN vat_rate INTEGER
    CHECK (vat_rate BETWEEN 0 AND 10000);

-- What an invoice says about its seller, from the organizer's store:
-- the legal name (the store's name when empty), organisation and VAT
-- numbers, postal address, and a prefix for the invoice numbers.
ALTER TABLE stores ADD COLUMN legal_name TEXT NOT NULL DEFAULT '';
ALTER TABLE stores ADD COLUMN org_number TEXT NOT NULL DEFAULT '';
ALTER TABLE stores ADD COLUMN vat_number TEXT NOT NULL DEFAULT '';
ALTER TABLE stores ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE stores ADD COLUMN invoice_prefix TEXT NOT NULL DEFAULT '';

-- The last number given out per organizer (0: events without one) and
-- year of issue, taken in the transaction that issues the invoice or
-- credit note, so a rollback gives the number back: the series has no
-- gaps and never repeats.
CREATE TABLE invoice_series (
	organizer_id	INTEGER NOT NULL,
	year		INTEGER NOT NULL,
	last		INTEGER NOT NULL CHECK (last > 0),
	PRIMARY KEY (organizer_id, year)
) WITHOUT ROWID;

-- Amounts are minor units of currency; a credit note's are negative.
-- filename names the PDF in the API ("invoice_7_2026-000123.pdf"):
-- the organizer is part of it, since two organizers' series both have
-- a 2026-000001.
CREATE TABLE invoices (
	id		INTEGER PRIMARY KEY,
	kind		TEXT NOT NULL CHECK (kind IN ('invoice',
			    'credit_note')),
	organizer_id	INTEGER NOT NULL,
	year		INTEGER NOT NULL,
	seq		INTEGER NOT NULL CHECK (seq > 0),
	number		TEXT NOT NULL,
	filename	TEXT NOT NULL UNIQUE,
	order_id	INTEGER NOT NULL REFERENCES orders (id),
	credits_id	INTEGER REFERENCES invoices (id),
	refund_id	INTEGER REFERENCES refunds (id),
	user_id		INTEGER REFERENCES users (id),
	event_id	INTEGER NOT NULL REFERENCES events (id),
	issued_at	INTEGER NOT NULL,
	locale		TEXT NOT NULL,
	currency	TEXT NOT NULL,
	seller_name	TEXT NOT NULL,
	seller_org_number TEXT NOT NULL DEFAULT '',
	seller_vat_number TEXT NOT NULL DEFAULT '',
	seller_address	TEXT NOT NULL DEFAULT '',
	buyer_name	TEXT NOT NULL DEFAULT '',
	buyer_email	TEXT NOT NULL DEFAULT '',
	order_number	TEXT NOT NULL,
	event_title	TEXT NOT NULL,
	provider	TEXT NOT NULL,
	payment_reference TEXT NOT NULL DEFAULT '',
	has_vat		INTEGER NOT NULL CHECK (has_vat IN (0, 1)),
	net		INTEGER NOT NULL,
	vat		INTEGER NOT NULL,
	gross		INTEGER NOT NULL,
	CHECK ((kind = 'credit_note') = (credits_id IS NOT NULL)),
	UNIQUE (organizer_id, year, seq)
);
CREATE UNIQUE INDEX invoices_order ON invoices (order_id)
    WHERE kind = 'invoice';
CREATE INDEX invoices_credits ON invoices (credits_id)
    WHERE credits_id IS NOT NULL;
CREATE INDEX invoices_user ON invoices (user_id, issued_at)
    WHERE user_id IS NOT NULL;

-- The lines: tickets, the service fee, a discount, a refund.  vat_rate
-- NULL on an invoice without VAT.  gross = net + vat on every line; the
-- invoice's totals are the sums of its lines.
CREATE TABLE invoice_lines (
	invoice_id	INTEGER NOT NULL REFERENCES invoices (id),
	position	INTEGER NOT NULL,
	kind		TEXT NOT NULL CHECK (kind IN ('ticket', 'fee',
			    'discount', 'refund')),
	description	TEXT NOT NULL,
	quantity	INTEGER NOT NULL,
	unit_price	INTEGER NOT NULL,
	vat_rate	INTEGER,
	net		INTEGER NOT NULL,
	vat		INTEGER NOT NULL,
	gross		INTEGER NOT NULL CHECK (gross = net + vat),
	PRIMARY KEY (invoice_id, position)
) WITHOUT ROWID;

-- Issued invoices never change.
CREATE TRIGGER invoices_no_update BEFORE UPDATE ON invoices
BEGIN
	SELECT RAISE(ABORT, 'an issued invoice never changes');
END;
CREATE TRIGGER invoice_lines_no_update BEFORE UPDATE ON invoice_lines
BEGIN
	SELECT RAISE(ABORT, 'an issued invoice never changes');
END;
