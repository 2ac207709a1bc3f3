-- Sessions, filed under the SHA-256 of the session id (SessionKey): a copy of this table gives
-- no live session. `record` is SessionRecord::encode(); `customer_id` and `expires_at` repeat what
-- the record holds so that logout-everywhere and the purge need not decode it. No foreign key to
-- customers: sessions may belong to customers kept in another store.
CREATE TABLE sessions (
    key         bytea  NOT NULL PRIMARY KEY CHECK (octet_length(key) = 32),
    customer_id uuid,
    -- Unix seconds.
    expires_at  bigint NOT NULL,
    record      bytea  NOT NULL
);

-- Anonymous sessions are most of the table and are never looked up by customer.
CREATE INDEX sessions_customer_id ON sessions (customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX sessions_expires_at ON sessions (expires_at);
