-- The security stamp: moved on by every change that ends a customer's sessions, before it ends
-- them, so a login that raced the change finds a stamp other than the one it read and gives up
-- its session. Existing customers start at 0, like new ones. Adding a column with a constant
-- default rewrites no rows (PostgreSQL 11 and later).
ALTER TABLE customers ADD COLUMN security_stamp BIGINT NOT NULL DEFAULT 0;
