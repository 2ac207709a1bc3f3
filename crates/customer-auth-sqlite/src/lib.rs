//! The SQLite store of customer-auth: customers and sessions in one embedded database file,
//! nothing to install or run beside the app.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use customer_auth_core::{Auth, Password, PasswordHasher, Registration};
//! use customer_auth_sqlite::SqliteStore;
//!
//! // An app passes a file such as "sqlite://data/shop.db"; the file is created and migrated.
//! let store = SqliteStore::connect("sqlite::memory:").await?;
//! let auth = Auth::new(Arc::new(store.clone())).with_hasher(PasswordHasher::new(4)?);
//!
//! let ada = auth
//!     .register(Registration {
//!         first_name: "Ada".into(),
//!         last_name: "Lovelace".into(),
//!         email: "ada@example.com".into(),
//!         username: "ada".into(),
//!         password: Password::new("analytical engine"),
//!         confirm_password: Password::new("analytical engine"),
//!     })
//!     .await?;
//! let logged_in = auth.authenticate("Ada", &Password::new("analytical engine")).await?;
//! assert_eq!(logged_in.id, ada.id);
//! # Ok(())
//! # }
//! ```
//!
//! [`SqliteStore`] implements both [`CustomerStore`](customer_auth_core::CustomerStore) and
//! [`SessionStore`](customer_auth_core::SessionStore); hand clones of one store to both.
//!
//! # How it uses SQLite
//! - The database runs in WAL mode with `synchronous = NORMAL`: readers never wait for the
//!   writer, and a write costs no fsync until checkpoint.
//! - Every write goes through one connection, so concurrent writes queue in order instead of
//!   failing with `SQLITE_BUSY`; lookups use a pool of read-only connections
//!   ([`SqliteStoreOptions::readers`]).
//! - `sqlite::memory:` gives a database that lives as long as the store, on a single connection
//!   that serves reads and writes alike (a second connection would see another, empty database).
//! - Sessions are filed under their [`SessionKey`](customer_auth_core::SessionKey), the first
//!   128 bits of the SHA-256 of the id: the id itself is never stored. Single-use tokens
//!   likewise keep only their [`TokenKey`](customer_auth_core::TokenKey). A background task
//!   deletes expired sessions and tokens ([`SqliteStoreOptions::purge_interval`]), walking the
//!   sessions by key range so that no index on their expiry is needed.
//! - A session record leaves out the customer id its own column holds
//!   ([`SessionRecord::encode_detached`](customer_auth_core::SessionRecord::encode_detached)).
//!   Versions before that format cannot read the sessions it writes: upgrade every app instance
//!   together. Sessions written by those versions stay logged in.
//! - The schema is created and upgraded by the migrations embedded in [`MIGRATOR`], applied on
//!   connect unless [`SqliteStoreOptions::migrate`] turns that off.

mod customers;
mod error;
mod factors;
mod login_failures;
mod options;
mod passkeys;
mod purge;
mod session_reader;
mod sessions;
mod store;

pub use error::Error;
pub use options::SqliteStoreOptions;
pub use store::SqliteStore;

/// The schema migrations, embedded at build time from this crate's `migrations/` directory.
/// [`SqliteStoreOptions::connect`] runs them unless told not to; run them yourself with
/// [`SqliteStore::migrate`] or `MIGRATOR.run(&pool)` when migrating is a deployment step.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
