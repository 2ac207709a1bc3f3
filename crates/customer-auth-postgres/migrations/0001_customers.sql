-- Customers. Uniqueness is decided by the normalised keys (customer_auth_core::username_key and
-- email_key) through unique indexes, never by reading first; the entered forms are kept for display.
-- Every name is unqualified: the store sets search_path to its own schema on each connection, so
-- these tables (and _sqlx_migrations) land in that schema.
CREATE TABLE customers (
    -- UUID v7: compared byte-wise, so id order is registration order and keyset paging works.
    id            uuid   NOT NULL PRIMARY KEY,
    first_name    text   NOT NULL,
    last_name     text   NOT NULL,
    email         text   NOT NULL,
    email_key     text   NOT NULL,
    username      text   NOT NULL,
    username_key  text   NOT NULL,
    password_hash text   NOT NULL,
    roles         text[] NOT NULL DEFAULT '{}',
    status        text   NOT NULL CHECK (status IN ('active', 'disabled')),
    -- A u32 in the model; bigint holds all of it.
    failed_logins bigint NOT NULL DEFAULT 0 CHECK (failed_logins BETWEEN 0 AND 4294967295),
    -- Unix seconds, like every time in this schema: the model's Timestamp is whole seconds that
    -- saturate at i64::MAX (a lock of Duration::MAX), which timestamptz cannot hold.
    locked_until  bigint,
    created_at    bigint NOT NULL,
    updated_at    bigint NOT NULL
);

-- The store maps a unique violation to DuplicateUsername or DuplicateEmail by the constraint name
-- Postgres reports, which for a unique index is the index name: keep these names.
CREATE UNIQUE INDEX customers_username_key ON customers (username_key);
CREATE UNIQUE INDEX customers_email_key ON customers (email_key);
