-- `biljett expire` prunes provider_events older than provider_events_days
-- in small batches, each its own short write transaction.  These indexes
-- let a batch find its rows without scanning either table while it holds
-- the write lock.
CREATE INDEX provider_events_last_received ON provider_events (last_received_at);
CREATE INDEX refunds_payment ON refunds (payment_id);
