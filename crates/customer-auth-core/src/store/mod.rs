//! The two storage traits. Customers and sessions may live in different places (customers in
//! Postgres, sessions in Redis is the usual production set-up), so each is its own trait.
//!
//! # Writing a store
//! Implement both traits for your type, convert your driver's errors into [`Error`](crate::Error)
//! (a connection failure or timeout becomes [`Error::Unavailable`](crate::Error::Unavailable), so
//! the web layer answers 503 instead of logging anyone out), and run the conformance suite
//! (feature `conformance`) from your tests, as its module docs show.
//!
//! Beside the traits: [`MemoryStore`], a store for tests and examples, and
//! [`PurgeTask`], which removes expired sessions where a store has no TTL.

mod memory;
mod purge_task;
mod traits;

pub use memory::MemoryStore;
pub use purge_task::PurgeTask;
pub use traits::{CustomerStore, SessionStore, decode_session_row};
