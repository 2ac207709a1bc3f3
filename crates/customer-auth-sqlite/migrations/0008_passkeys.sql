-- Passkeys (WebAuthn): a credential id belongs to one passkey of one customer; the credential
-- (public key, signature counter) is webauthn-rs's JSON, opaque here. They go with their
-- customer. The rowid orders passkeys added within one second.
CREATE TABLE passkeys (
    credential_id BLOB    NOT NULL UNIQUE,
    customer_id   BLOB    NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    credential    BLOB    NOT NULL,
    -- Unix seconds.
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
) STRICT;

CREATE INDEX passkeys_by_customer ON passkeys (customer_id);
