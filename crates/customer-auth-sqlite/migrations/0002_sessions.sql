-- Sessions, filed under the SHA-256 of the session id (SessionKey): a copy of this table gives
-- no live session. `record` is SessionRecord::encode(); `customer_id` and `expires_at` repeat what
-- the record holds so that logout-everywhere and the purge need not decode it.
CREATE TABLE sessions (
    key         BLOB    NOT NULL PRIMARY KEY CHECK (length(key) = 32),
    customer_id BLOB             CHECK (customer_id IS NULL OR length(customer_id) = 16),
    expires_at  INTEGER NOT NULL,
    record      BLOB    NOT NULL
) STRICT, WITHOUT ROWID;

-- Anonymous sessions are most of the table and are never looked up by customer.
CREATE INDEX sessions_customer_id ON sessions (customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX sessions_expires_at ON sessions (expires_at);
