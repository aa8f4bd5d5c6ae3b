-- A door's answer says when a ticket was first admitted: min(at) of its
-- 'admitted' check-ins.  With an index on ticket_id alone that walked
-- every check-in of the ticket, and a ticket scanned again and again
-- (exits, re-entries, passes, a door scanning twice) made each scan
-- slower; with result and at in the index it is one seek.
DROP INDEX checkins_ticket;
CREATE INDEX checkins_ticket ON checkins (ticket_id, result, at);
