-- Passkeys (WebAuthn): a credential id belongs to one passkey of one customer; the credential
-- (public key, signature counter) is webauthn-rs's JSON, opaque here. They go with their
-- customer. seq orders passkeys added within one second.
CREATE TABLE passkeys (
    credential_id bytea  NOT NULL PRIMARY KEY,
    customer_id   uuid   NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    name          text   NOT NULL,
    credential    bytea  NOT NULL,
    -- Unix seconds.
    created_at    bigint NOT NULL,
    last_used_at  bigint,
    seq           bigint GENERATED ALWAYS AS IDENTITY
);

CREATE INDEX passkeys_by_customer ON passkeys (customer_id, created_at, seq);
