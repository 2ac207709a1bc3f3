-- Account security: email confirmation and single-use tokens (password reset, email confirmation).

-- Unix seconds; NULL until the customer follows a confirmation link.
ALTER TABLE customers ADD COLUMN email_confirmed_at INTEGER;

-- Single-use tokens, filed under the SHA-256 of the token (TokenKey): a copy of this table gives
-- no usable link. `purpose` is TokenPurpose::as_str(); no CHECK on it, so a new purpose needs no
-- table rebuild. Tokens belong to customers in this database, so they go with their customer.
CREATE TABLE tokens (
    key         BLOB    NOT NULL PRIMARY KEY CHECK (length(key) = 32),
    purpose     TEXT    NOT NULL,
    customer_id BLOB    NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    -- Unix seconds.
    expires_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- delete_customer_tokens, and the cascade from customers.
CREATE INDEX tokens_customer_id ON tokens (customer_id, purpose);
-- The purge.
CREATE INDEX tokens_expires_at ON tokens (expires_at);
