-- `biljett expire` deletes sessions, mailed links and refresh tokens some
-- days after they expired (every reservation makes a guest session, so
-- the sessions table grew by a row per buyer for good).  The oldest
-- first, a batch at a time: these indexes make each batch a range read
-- instead of a scan of the table under the write lock.
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE INDEX user_tokens_expiry ON user_tokens (expires_at);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);
