-- Seat bookings (seed 001): an order whose lines are seats of a seated
-- event, paid by a card charged on the server (lib/booking.c).

-- The seats an order was placed for, kept after the hold ends so that a
-- booking still names its seats when it failed or was cancelled, and so
-- that a payment arriving late can take the same seats again.  The
-- ticket type is the seat's price (its category), as the booking chose it.
CREATE TABLE order_seats (
	order_id	INTEGER NOT NULL REFERENCES orders (id),
	seat_id		INTEGER NOT NULL REFERENCES seats (id),
	ticket_type_id	INTEGER NOT NULL REFERENCES ticket_types (id),
	PRIMARY KEY (order_id, seat_id)
) WITHOUT ROWID;

-- One row per booking: who may see it and the card to charge.  The
-- payment method (a Stripe pm_... or tok_... id, never a card number) is
-- forgotten once the charge has an answer.
CREATE TABLE bookings (
	order_id	INTEGER PRIMARY KEY REFERENCES orders (id),
	user_id		INTEGER NOT NULL REFERENCES users (id),
	payment_method	TEXT,
	created_at	INTEGER NOT NULL,
	cancelled_at	INTEGER
);
CREATE INDEX bookings_user ON bookings (user_id, created_at);

-- The event's cancellation policy for bookings: a booking may be
-- cancelled until booking_cancel_hours before the event starts (seed
-- 001: 24), and gets booking_refund_percent of what was paid back.
ALTER TABLE events ADD COLUMN booking_cancel_hours INTEGER NOT NULL
	DEFAULT 24 CHECK (booking_cancel_hours BETWEEN 0 AND 8760);
ALTER TABLE events ADD COLUMN booking_refund_percent INTEGER NOT NULL
	DEFAULT 100 CHECK (booking_refund_percent BETWEEN 0 AND 100);
