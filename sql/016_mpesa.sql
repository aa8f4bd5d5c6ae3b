-- M-Pesa (issue 9, seed 003): the phone an STK push went to, so that a
-- callback claiming another payer is refused; and refunds that the
-- provider cannot send on its wire (M-Pesa has no refund biljett speaks:
-- a reversal or B2C payment is made by hand in the M-Pesa portal), which
-- `biljett expire` then stops retrying and the back office shows as such.
ALTER TABLE payments ADD COLUMN phone TEXT;
ALTER TABLE refunds ADD COLUMN manual INTEGER NOT NULL DEFAULT 0
    CHECK (manual IN (0, 1));
