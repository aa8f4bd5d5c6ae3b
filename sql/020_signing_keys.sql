-- Signed QR codes a door can check offline (issue 10).  A ticket's QR
-- code carries an Ed25519 signature (lib/ticketsig) made with its
-- organizer's signing key; doors fetch the public keys (GET
-- /api/scan/keys/) and check codes without asking us.
--
-- signing_keys: one live key per organizer (organizer_id NULL: the key
-- of events without an organizer, which only site-wide doors and admins
-- scan), made on first need by lib/ticketkey.  secret_key is the Ed25519
-- secret key sealed with secret_key (lib/seal), never stored in clear.
-- `biljett rotate-keys` retires the live key (retired_at) and records
-- until when the tickets it signed can still be valid (valid_until: the
-- latest end of the organizer's events then); a retired key keeps
-- verifying those tickets until then, and doors may forget it after.
CREATE TABLE signing_keys (
	id		INTEGER PRIMARY KEY,
	organizer_id	INTEGER REFERENCES users (id),
	public_key	BLOB NOT NULL CHECK (length(public_key) = 32),
	secret_key	TEXT NOT NULL,
	created_at	INTEGER NOT NULL,
	retired_at	INTEGER,
	valid_until	INTEGER,
	CHECK ((retired_at IS NULL) = (valid_until IS NULL))
);
-- At most one live key per organizer (0 standing for "no organizer").
CREATE UNIQUE INDEX signing_keys_live
    ON signing_keys (coalesce(organizer_id, 0)) WHERE retired_at IS NULL;
CREATE INDEX signing_keys_organizer ON signing_keys (organizer_id);
