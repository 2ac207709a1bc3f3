//! Helpers shared by the test files; each test binary uses a different subset.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use customer_auth_core::{
    Customer, CustomerId, CustomerStatus, PasswordHash, Principal, Roles, SessionRecord, Timestamp,
};
use tempfile::TempDir;

/// A fresh directory and the database file path inside it (not created yet).
pub(crate) fn temp_db() -> std::io::Result<(TempDir, PathBuf)> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("shop.db");
    Ok((dir, path))
}

/// The `sqlite://` URL of a file.
pub(crate) fn url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// A customer whose username and email contain `tag`.
pub(crate) fn customer(tag: &str) -> Customer {
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
        created_at: now,
        updated_at: now,
    }
}

/// A live session, logged in as `customer` when given.
pub(crate) fn session(customer: Option<&Customer>) -> SessionRecord {
    let mut record = SessionRecord::new(Timestamp::now(), Duration::from_secs(1800), Duration::from_secs(86400));
    record.principal = customer.map(Principal::of);
    record
}

/// A session that expired a minute ago.
pub(crate) fn expired_session() -> SessionRecord {
    let mut record = session(None);
    record.idle_expires_at = Timestamp::now().minus(Duration::from_secs(60));
    record
}
