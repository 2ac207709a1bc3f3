//! Helpers shared by the test files; each test binary uses a different subset.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

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

// Each test binary uses some of these, none all of them.
#[allow(unused_imports)]
pub(crate) use customer_auth_core::conformance::fixtures::{customer, expired_session, session};
