-- Batches of the door's look-up journal (lib/scanlog.c) already moved
-- into checkins, so that a crash between the commit and the unlink of a
-- batch file never imports it twice.
CREATE TABLE scanlog_batches (
	name		TEXT PRIMARY KEY,
	rows		INTEGER NOT NULL,
	imported_at	INTEGER NOT NULL
);
