-- Scanner sign-in for the door page: a session of kind 'scanner'
-- remembers which scanner credential opened it.
ALTER TABLE sessions ADD COLUMN scanner_id INTEGER REFERENCES scanners (id);
