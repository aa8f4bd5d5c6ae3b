-- The door's look-up journal is now one file per worker, kept open and
-- appended to with one write(2) per look-up (lib/scanlog.c); `biljett
-- expire` moves in what is new in each file since last time.  size: how
-- many bytes of the file are already in checkins.  NULL: a batch of the
-- earlier design, imported whole at once.
ALTER TABLE scanlog_batches ADD COLUMN size INTEGER;
