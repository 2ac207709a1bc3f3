-- Account security: email confirmation and single-use tokens (password reset, email confirmation).

-- Unix seconds; NULL until the customer follows a confirmation link. Nullable without a default,
-- so adding it rewrites no rows.
ALTER TABLE customers ADD COLUMN email_confirmed_at bigint;

-- Single-use tokens, filed under the SHA-256 of the token (TokenKey): a copy of this table gives
-- no usable link. `purpose` is TokenPurpose::as_str(). Unlike sessions, tokens belong to
-- customers in this same schema (they are part of the customer store), so they go with them.
CREATE TABLE tokens (
    key         bytea  NOT NULL PRIMARY KEY CHECK (octet_length(key) = 32),
    purpose     text   NOT NULL,
    customer_id uuid   NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    -- Unix seconds.
    expires_at  bigint NOT NULL
);

-- delete_customer_tokens, and the cascade from customers (Postgres does not index foreign keys
-- by itself).
CREATE INDEX tokens_customer_id ON tokens (customer_id, purpose);
-- The purge.
CREATE INDEX tokens_expires_at ON tokens (expires_at);
