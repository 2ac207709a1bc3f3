//! The PostgreSQL store of customer-auth: customers and sessions in their own schema of a
//! database that any number of app instances share.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use customer_auth_core::{Auth, Password, PasswordHasher, Registration};
//! use customer_auth_postgres::PostgresStoreOptions;
//!
//! # let url = std::env::var("CUSTOMER_AUTH_TEST_POSTGRES_URL")
//! #     .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
//! # let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos();
//! # let schema = format!("doc_lib_{}_{nanos}", std::process::id());
//! // url is e.g. "postgres://shop:secret@db.internal:5432/shop". The schema ("customer_auth"
//! // unless set) and its tables are created on connect.
//! let store = PostgresStoreOptions::new(&url).schema(&schema).connect().await?;
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
//! # sqlx::query(&format!("DROP SCHEMA \"{schema}\" CASCADE")).execute(store.pool()).await?;
//! # Ok(())
//! # }
//! ```
//!
//! [`PostgresStore`] implements both [`CustomerStore`](customer_auth_core::CustomerStore) and
//! [`SessionStore`](customer_auth_core::SessionStore); hand clones of one store to both.
//!
//! # How it uses PostgreSQL
//! - Its tables live in their own schema, `customer_auth` by default
//!   ([`PostgresStoreOptions::schema`]), created if missing. Every pooled connection has that
//!   schema as its `search_path`, so the store's queries and its migration history
//!   (`_sqlx_migrations`) stay there, beside whatever else the database holds.
//! - The schema is created and upgraded by the migrations embedded in [`MIGRATOR`], applied on
//!   connect unless [`PostgresStoreOptions::migrate`] turns that off.
//! - Usernames and emails are unique by unique indexes on their normalised forms; the store
//!   never reads before it inserts, so of two racing registrations exactly one wins.
//! - A failed login is counted and the lockout applied in one `UPDATE`, so concurrent guesses
//!   cannot slip past the threshold.
//! - Sessions are filed under their [`SessionKey`](customer_auth_core::SessionKey), the first
//!   128 bits of the SHA-256 of the id: the id itself is never stored. Single-use tokens
//!   likewise keep only their [`TokenKey`](customer_auth_core::TokenKey). A background task
//!   deletes expired sessions and tokens ([`PostgresStoreOptions::purge_interval`]), walking the
//!   sessions by key range so that no index on their expiry is needed; expired ones never load
//!   or take in the meantime.
//! - A session row is about 130 bytes with its primary-key entry: the key is a `uuid` column (a
//!   fixed-width 16 bytes) and the record leaves out the customer id its own column holds
//!   ([`SessionRecord::encode_detached`](customer_auth_core::SessionRecord::encode_detached)).
//!   Versions before that format cannot read the sessions it writes: upgrade every app instance
//!   together. Sessions written by those versions stay logged in.
//! - Session loads that arrive together are one query, read through a pool connection that
//!   the loads keep between calls while requests come in (unless the pool has only one), since
//!   checking one out and back in per call cost as much as the read.
//! - `search_path` is a session setting and statements are prepared per connection: behind a
//!   connection pooler such as PgBouncer, use its session pooling mode.
//! - A server that cannot be reached, an I/O error, no free connection within the acquire
//!   timeout ([`PostgresStoreOptions::acquire_timeout`], 5 s by default) or no answer within the
//!   call timeout ([`PostgresStoreOptions::call_timeout`], 5 s by default: a server that froze)
//!   is [`Error::Unavailable`](customer_auth_core::Error::Unavailable): the web layer answers 503
//!   and logs nobody out.

mod batch_insert;
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
pub use options::{DEFAULT_SCHEMA, PostgresStoreOptions};
pub use store::PostgresStore;

/// The schema migrations, embedded at build time from this crate's `migrations/` directory.
/// [`PostgresStoreOptions::connect`] runs them unless told not to; run them yourself with
/// [`PostgresStore::migrate`], or `MIGRATOR.run(&pool)` on a pool whose connections have the
/// store's schema as their `search_path`, when migrating is a deployment step.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
