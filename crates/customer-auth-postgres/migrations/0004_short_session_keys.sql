-- Smaller sessions: keys are the first 16 bytes of the SHA-256 of the session id (SessionKey),
-- not all 32, and the columns go widest-aligned first so no row carries padding. Cutting a stored
-- key to its first 16 bytes gives the key the new version computes for the same cookie, so every
-- session stays logged in. Every app instance must run the new version: an old one computes
-- 32-byte keys, which this table refuses.
CREATE TABLE sessions_next (
    -- Unix seconds.
    expires_at  bigint NOT NULL,
    customer_id uuid,
    key         bytea  NOT NULL CHECK (octet_length(key) = 16),
    record      bytea  NOT NULL
);

INSERT INTO sessions_next (expires_at, customer_id, key, record)
    SELECT DISTINCT ON (substring(key FROM 1 FOR 16)) expires_at, customer_id, substring(key FROM 1 FOR 16), record
    FROM sessions;

DROP TABLE sessions;
ALTER TABLE sessions_next RENAME TO sessions;
ALTER TABLE sessions ADD CONSTRAINT sessions_pkey PRIMARY KEY (key);

-- Anonymous sessions are most of the table and are never looked up by customer.
CREATE INDEX sessions_customer_id ON sessions (customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX sessions_expires_at ON sessions (expires_at);
