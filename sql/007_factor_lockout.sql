-- Sign-in lockouts, split by who can trigger them (the on-sale issue,
-- section 4).  failed_logins/locked_until count wrong passwords, which
-- anyone can send: they only turn further wrong passwords into 429 and
-- never keep out a right one.  Wrong second-factor codes (TOTP or
-- recovery) can only come from someone who has the password, so they get
-- a lock of their own that holds even against a right code.
ALTER TABLE users ADD COLUMN factor_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN factor_locked_until INTEGER NOT NULL DEFAULT 0;
