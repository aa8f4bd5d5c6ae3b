-- Tickets people keep (issue 10): a ticket is addressed by an opaque
-- UUID in the buyer's API (seed 004's my-tickets/{id}/, seed 003's
-- tickets/{id}/), never by its row number or its printed short code.
-- Every way of issuing a ticket gets one without knowing of it: the
-- trigger fills it in after the insert, in the issuing transaction.
ALTER TABLE tickets ADD COLUMN uid TEXT;

CREATE TRIGGER tickets_uid AFTER INSERT ON tickets
WHEN NEW.uid IS NULL
BEGIN
	UPDATE tickets SET uid =
	    lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) ||
	    '-4' || substr(lower(hex(randomblob(2))), 2) || '-' ||
	    substr('89ab', 1 + (abs(random()) % 4), 1) ||
	    substr(lower(hex(randomblob(2))), 2) || '-' ||
	    lower(hex(randomblob(6)))
	WHERE id = NEW.id;
END;

UPDATE tickets SET uid =
    lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) ||
    '-4' || substr(lower(hex(randomblob(2))), 2) || '-' ||
    substr('89ab', 1 + (abs(random()) % 4), 1) ||
    substr(lower(hex(randomblob(2))), 2) || '-' ||
    lower(hex(randomblob(6)))
WHERE uid IS NULL;

CREATE UNIQUE INDEX tickets_uid ON tickets (uid);
