-- Accounts: buyers, organizers, door staff and admins (issue 5).

CREATE TABLE users (
	id			INTEGER PRIMARY KEY,
	email			TEXT NOT NULL UNIQUE,	-- case-folded
	password_hash		TEXT NOT NULL,		-- argon2id, with parameters
	name			TEXT NOT NULL,
	phone			TEXT,
	locale			TEXT NOT NULL DEFAULT 'sv',
	role			TEXT NOT NULL DEFAULT 'customer'
				CHECK (role IN ('customer', 'organizer',
				    'staff', 'admin')),
	organizer_id		INTEGER REFERENCES users (id),	-- staff: employer
	is_active		INTEGER NOT NULL DEFAULT 1,
	email_verified_at	INTEGER,
	totp_secret		TEXT,		-- sealed with secret_key, never plain
	totp_enabled		INTEGER NOT NULL DEFAULT 0,
	totp_last_step		INTEGER NOT NULL DEFAULT 0,	-- replay guard
	failed_logins		INTEGER NOT NULL DEFAULT 0,
	locked_until		INTEGER NOT NULL DEFAULT 0,
	created_at		INTEGER NOT NULL,
	updated_at		INTEGER NOT NULL
);

-- Single-use, expiring tokens sent by mail; only their hash is stored.
CREATE TABLE user_tokens (
	id		INTEGER PRIMARY KEY,
	user_id		INTEGER NOT NULL REFERENCES users (id),
	purpose		TEXT NOT NULL CHECK (purpose IN ('verify', 'reset',
			    'email_change', 'login_2fa')),
	token_hash	TEXT NOT NULL UNIQUE,
	new_email	TEXT,
	created_at	INTEGER NOT NULL,
	expires_at	INTEGER NOT NULL,
	used_at		INTEGER
);
CREATE INDEX user_tokens_user ON user_tokens (user_id, purpose);

-- Rotating refresh tokens: each use issues the next in the same family;
-- presenting a used one revokes the whole family (seed 004).
CREATE TABLE refresh_tokens (
	id		INTEGER PRIMARY KEY,
	family		TEXT NOT NULL,
	user_id		INTEGER NOT NULL REFERENCES users (id),
	token_hash	TEXT NOT NULL UNIQUE,
	created_at	INTEGER NOT NULL,
	expires_at	INTEGER NOT NULL,
	used_at		INTEGER,
	revoked_at	INTEGER
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);

CREATE TABLE recovery_codes (
	id		INTEGER PRIMARY KEY,
	user_id		INTEGER NOT NULL REFERENCES users (id),
	code_hash	TEXT NOT NULL,
	used_at		INTEGER
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

CREATE INDEX sessions_user ON sessions (user_id) WHERE user_id IS NOT NULL;
ALTER TABLE sessions ADD COLUMN remember INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN organizer_id INTEGER REFERENCES users (id);

-- The outbox learns account mail.  A link's token travels sealed with
-- secret_key in payload and is wiped once the mail is sent.
CREATE TABLE outbox_new (
	id		INTEGER PRIMARY KEY,
	kind		TEXT NOT NULL CHECK (kind IN ('tickets', 'verify',
			    'reset', 'email_change')),
	order_id	INTEGER REFERENCES orders (id),
	user_id		INTEGER REFERENCES users (id),
	recipient	TEXT NOT NULL,
	locale		TEXT,
	payload		TEXT,
	attempts	INTEGER NOT NULL DEFAULT 0,
	next_attempt_at	INTEGER NOT NULL,
	last_error	TEXT,
	sent_at		INTEGER,
	created_at	INTEGER NOT NULL
);
INSERT INTO outbox_new (id, kind, order_id, recipient, locale, attempts,
    next_attempt_at, last_error, sent_at, created_at)
    SELECT id, kind, order_id, recipient, locale, attempts, next_attempt_at,
    last_error, sent_at, created_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL;
