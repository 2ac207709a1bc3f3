//! The store conformance suite: every promise of [`CustomerStore`] and [`SessionStore`],
//! runnable against any backend with one call. Our stores run it in their tests; a third-party
//! store should too.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use customer_auth::{MemoryStore, conformance};
//!
//! let store = Arc::new(MemoryStore::new());
//! conformance::run_all(store.clone(), store).await?;
//! # Ok(())
//! # }
//! ```
//!
//! The checks make their own customers and sessions with random names, so they can run against
//! a store that holds other data, and several runs can share one store. Each returns a
//! [`Failure`] naming the broken promise instead of panicking.

pub mod at_rest;
mod attempts;
mod batch;
mod customers;
mod factors;
pub mod fixtures;
mod passkeys;
mod security_stamp;
mod sessions;
mod tokens;

use std::sync::Arc;

use crate::{CustomerStore, Error, PasskeyStore, SecondFactorStore, SessionStore};

/// A broken promise: which check failed and what it saw.
#[derive(Debug, thiserror::Error)]
#[error("conformance check `{check}` failed: {detail}")]
pub struct Failure {
    /// The check's name.
    pub check: &'static str,
    /// What was expected and what the store did.
    pub detail: String,
}

/// Runs every check of both traits.
pub async fn run_all(customers: Arc<dyn CustomerStore>, sessions: Arc<dyn SessionStore>) -> Result<(), Failure> {
    run_customer_store(customers).await?;
    run_session_store(sessions).await
}

/// Runs every [`CustomerStore`] check, single-use tokens included.
pub async fn run_customer_store(store: Arc<dyn CustomerStore>) -> Result<(), Failure> {
    customers::run(&store).await?;
    batch::run(&store).await?;
    security_stamp::run(&store).await?;
    attempts::run(&store).await?;
    tokens::run(&store).await
}

/// Runs every [`SecondFactorStore`] check, with customers made in `customers` (the same store,
/// or the one the factors belong with).
pub async fn run_second_factor_store(
    customers: Arc<dyn CustomerStore>,
    factors: Arc<dyn SecondFactorStore>,
) -> Result<(), Failure> {
    factors::run(&customers, &factors).await
}

/// Runs every [`PasskeyStore`] check, with customers made in `customers` (the same store, or
/// the one the passkeys belong with).
pub async fn run_passkey_store(
    customers: Arc<dyn CustomerStore>,
    passkeys: Arc<dyn PasskeyStore>,
) -> Result<(), Failure> {
    passkeys::run(&customers, &passkeys).await
}

/// Runs every [`SessionStore`] check.
pub async fn run_session_store(store: Arc<dyn SessionStore>) -> Result<(), Failure> {
    sessions::run(&store).await
}

/// Returns a [`Failure`] from the enclosing check unless the condition holds.
macro_rules! ensure {
    ($check:expr, $condition:expr, $($detail:tt)+) => {
        if !$condition {
            return Err($crate::conformance::Failure { check: $check, detail: format!($($detail)+) });
        }
    };
}
use ensure;

/// Turns a store error inside a check into a [`Failure`] that says what was being done.
trait Step<T> {
    fn step(self, check: &'static str, doing: &str) -> Result<T, Failure>;
}

impl<T> Step<T> for Result<T, Error> {
    fn step(self, check: &'static str, doing: &str) -> Result<T, Failure> {
        self.map_err(|err| Failure { check, detail: format!("{doing} failed: {err}") })
    }
}

/// 12 random hex digits, so checks never collide with each other or with other data.
fn unique() -> String {
    let mut bytes = [0u8; 6];
    // A failing OS generator would make every name equal and the duplicate checks fail
    // loudly, which is the right outcome for a test suite.
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
