-- Second factors: a TOTP authenticator per customer (its secret sealed by the app's FactorKey,
-- which this database never sees; last_step the newest 30-second step accepted, so a code works
-- once) and the SHA-256 hashes of their recovery codes. Both go with their customer.
CREATE TABLE totp_factors (
    customer_id   BLOB    NOT NULL PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
    sealed_secret BLOB    NOT NULL,
    -- Unix seconds.
    enrolled_at   INTEGER NOT NULL,
    last_step     INTEGER
) STRICT, WITHOUT ROWID;

CREATE TABLE recovery_codes (
    customer_id BLOB NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    code_hash   BLOB NOT NULL CHECK (length(code_hash) = 32),
    PRIMARY KEY (customer_id, code_hash)
) STRICT, WITHOUT ROWID;
