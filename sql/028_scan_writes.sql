-- A scan with use writes the ticket and a checkins row, and with them
-- every index holding a column it changes: five b-trees for every scan,
-- an admission or a refusal that counts.  After this, four for an
-- admission and three for a scan that only counts (docs/checkin.md,
-- "What a scan writes"; docs/benchmarks.md has what it bought).
--
-- When a ticket was first let in is a column of the ticket, written by
-- its first admission (lib/scan), instead of min(at) of its 'admitted'
-- checkins: every scan read that through checkins_ticket, and every
-- admission wrote that index for it alone.
ALTER TABLE tickets ADD COLUMN first_admitted_at INTEGER;
UPDATE tickets SET first_admitted_at = (SELECT min(c.at) FROM checkins c
	WHERE c.ticket_id = tickets.id AND c.result = 'admitted')
	WHERE times_used > 0;
DROP INDEX checkins_ticket;

-- tickets_checkin without times_used: "arrived" is admitted_day IS NOT
-- NULL (lib/ticketstate.h, TICKET_ARRIVED), which every admission sets
-- and nothing clears, so a scan that only counts (already used, already
-- inside) leaves the index alone (lib/scan, STMT_USE_AGAIN).  Tickets
-- admitted before sql/023 have a count but no admitted_day: they take
-- the door day of their last admission, or of their event's start.
UPDATE tickets SET admitted_day = coalesce(
	(SELECT date(max(c.at) - e.day_starts * 60, 'unixepoch', 'localtime')
	    FROM checkins c JOIN events e ON e.id = tickets.event_id
	    WHERE c.ticket_id = tickets.id AND c.result = 'admitted'),
	(SELECT date(e.event_at - e.day_starts * 60, 'unixepoch', 'localtime')
	    FROM events e WHERE e.id = tickets.event_id))
	WHERE times_used > 0 AND admitted_day IS NULL;
DROP INDEX tickets_checkin;
CREATE INDEX tickets_checkin ON tickets (event_id, ticket_type_id, status,
	inside, admitted_day);
