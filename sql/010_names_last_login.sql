-- Seed 004's accounts keep a first and a last name apart and show when
-- their owner last signed in.  users.name stays filled (the two joined
-- by a space) for everything else that reads it.  first_name NULL: the
-- account was made with one name only (register, staff, the CLI), which
-- then reads as the first name with an empty last name.
ALTER TABLE users ADD COLUMN first_name TEXT;
ALTER TABLE users ADD COLUMN last_name TEXT;
ALTER TABLE users ADD COLUMN last_login_at INTEGER;
