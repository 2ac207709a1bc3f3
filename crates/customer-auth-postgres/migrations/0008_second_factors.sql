-- Second factors: a TOTP authenticator per customer (its secret sealed by the app's FactorKey,
-- which this database never sees; last_step the newest 30-second step accepted, so a code works
-- once) and the SHA-256 hashes of their recovery codes. Both go with their customer.
CREATE TABLE totp_factors (
    customer_id   uuid   NOT NULL PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
    sealed_secret bytea  NOT NULL,
    -- Unix seconds.
    enrolled_at   bigint NOT NULL,
    last_step     bigint
);

CREATE TABLE recovery_codes (
    customer_id uuid  NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    code_hash   bytea NOT NULL CHECK (length(code_hash) = 32),
    PRIMARY KEY (customer_id, code_hash)
);
