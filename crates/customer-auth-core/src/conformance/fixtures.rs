//! Ready-made records for a store's own tests: what every backend's test suite needs beside
//! the conformance checks.

use std::time::Duration;

use crate::{
    Customer, CustomerId, CustomerStatus, PasswordHash, Principal, Result, Roles, SessionKey, SessionRecord,
    SessionStore, Timestamp,
};

/// An active customer whose username is `tag` and whose email is `tag@example.com`, with a
/// (cost 4) bcrypt hash of nothing in particular.
pub fn customer(tag: &str) -> Customer {
    let now = Timestamp::now();
    Customer {
        id: CustomerId::new(),
        first_name: "Grace".into(),
        last_name: "Hopper".into(),
        email: format!("{tag}@example.com"),
        username: tag.into(),
        password_hash: PasswordHash::from_stored("$2b$04$PyOO4x2fSADRCvqbJjGV3.NxBuyf3SxtkAGm9Bp9lLzuGPd7tUoTy"),
        roles: Roles::new(),
        status: CustomerStatus::Active,
        failed_logins: 0,
        locked_until: None,
        email_confirmed_at: None,
        security_stamp: 0,
        created_at: now,
        updated_at: now,
    }
}

/// A live session (30 minutes idle, a day at most), logged in as `customer` when given.
pub fn session(customer: Option<&Customer>) -> SessionRecord {
    let mut record = SessionRecord::new(Timestamp::now(), Duration::from_secs(1800), Duration::from_secs(86400));
    record.principal = customer.map(Principal::of);
    record
}

/// An anonymous session that expired a minute ago.
pub fn expired_session() -> SessionRecord {
    let mut record = session(None);
    record.idle_expires_at = Timestamp::now().minus(Duration::from_secs(60));
    record
}

/// Plants two expired sessions at the very first and very last keys and two live ones just
/// inside them, and returns the live keys: for a purge that walks the keys in ranges, whose
/// first and last range must reach the ends of the key space. The keys are fixed, so call it
/// once per store.
pub async fn sessions_at_key_edges(store: &dyn SessionStore) -> Result<[SessionKey; 2]> {
    let ends = [[0x00; 16], [0xff; 16]];
    for end in ends {
        store.create_session(&SessionKey::from_bytes(end), &expired_session()).await?;
    }
    let inside = ends.map(|mut end| {
        end[15] = 1;
        SessionKey::from_bytes(end)
    });
    for key in &inside {
        store.create_session(key, &session(None)).await?;
    }
    Ok(inside)
}
