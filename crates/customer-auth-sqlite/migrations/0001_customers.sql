-- Customers. Uniqueness is decided by the normalised keys (customer_auth_core::username_key and
-- email_key) through unique indexes, never by reading first; the entered forms are kept for display.
-- STRICT, so a value of the wrong type is refused instead of silently stored.
CREATE TABLE customers (
    id            BLOB    NOT NULL PRIMARY KEY CHECK (length(id) = 16),
    first_name    TEXT    NOT NULL,
    last_name     TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    email_key     TEXT    NOT NULL,
    username      TEXT    NOT NULL,
    username_key  TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    -- A JSON array of role names.
    roles         TEXT    NOT NULL DEFAULT '[]',
    status        TEXT    NOT NULL CHECK (status IN ('active', 'disabled')),
    failed_logins INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    -- Unix seconds, like every time in this schema.
    locked_until  INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

-- The store maps a violation to DuplicateUsername or DuplicateEmail by the column SQLite names in
-- its message ("UNIQUE constraint failed: customers.username_key"): keep the column names.
CREATE UNIQUE INDEX customers_username_key ON customers (username_key);
CREATE UNIQUE INDEX customers_email_key ON customers (email_key);
