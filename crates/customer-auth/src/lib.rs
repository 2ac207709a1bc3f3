//! Customer accounts, authentication and authorization for Tower web apps: registration with
//! sound password rules, bcrypt or argon2id hashing off the async runtime, login that does not
//! reveal which usernames exist, and sessions whose ids no store ever sees. Wrap a router in
//! [`SessionLayer`], guard pages with [`RequireLogin`] and [`RequireRole`], and protect forms with
//! [`CsrfLayer`] (see [`web`] for the details).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), customer_auth::Error> {
//! use std::sync::Arc;
//! use customer_auth::{Auth, Password, PasswordHasher, Registration, SqliteStore};
//!
//! // A file path works the same way: `SqliteStore::connect("sqlite://shop.db")`.
//! let store = Arc::new(SqliteStore::connect("sqlite::memory:").await?);
//! let auth = Auth::new(store).with_hasher(PasswordHasher::new(4)?);
//!
//! auth.register(Registration {
//!     first_name: "Ada".into(),
//!     last_name: "Lovelace".into(),
//!     email: "ada@example.com".into(),
//!     username: "ada".into(),
//!     password: Password::new("analytical engine"),
//!     confirm_password: Password::new("analytical engine"),
//! })
//! .await?;
//! let ada = auth.authenticate("ada", &Password::new("analytical engine")).await?;
//! assert_eq!(ada.email, "ada@example.com");
//! # Ok(())
//! # }
//! ```
//!
//! # Password hashing
//! New hashes follow the [`HashPolicy`] on [`Auth`]: bcrypt at cost 12 by default, or argon2id
//! with OWASP's parameters (m = 19456 KiB, t = 2, p = 1) through
//! [`Auth::with_hash_policy`]. Whatever the policy, every format customer-auth reads verifies
//! ([`HashFormat`]: bcrypt, argon2id and argon2i, Django's PBKDF2-SHA256, ASP.NET Identity v3),
//! so customers imported from another system (`customer-auth import FILE`) log in with the
//! passwords they had, and each successful login stores a fresh hash under the policy. A
//! format customer-auth cannot verify is [`Error::UnsupportedHash`], naming it, never a wrong
//! password.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), customer_auth::Error> {
//! use std::sync::Arc;
//! use customer_auth::{Auth, HashPolicy, MemoryStore};
//!
//! // What a `--password-hash argon2id` flag would read.
//! let policy: HashPolicy = "argon2id".parse()?;
//! let auth = Auth::new(Arc::new(MemoryStore::new())).with_hash_policy(policy);
//! assert_eq!(auth.hasher().policy().to_string(), "argon2id:m=19456,t=2,p=1");
//! # Ok(())
//! # }
//! ```
//!
//! | feature | default | what it adds |
//! | --- | --- | --- |
// Built without a feature, its row names what it adds, with no page to link to.
#![cfg_attr(feature = "sqlite", doc = "| `sqlite` | yes | [`SqliteStore`], customers and sessions in an SQLite file |")]
#![cfg_attr(
    not(feature = "sqlite"),
    doc = "| `sqlite` | yes | `SqliteStore`, customers and sessions in an SQLite file |"
)]
#![cfg_attr(
    feature = "axum",
    doc = "| `axum` | yes | extractors for axum handlers: [`Session`], [`CurrentPrincipal`], [`CurrentCustomer`], [`RequestClient`]; [`Error`] answers as a response (401 invalid credentials, 403, 409, 422 with the field errors as JSON, 429, 503 while a store is down, a generic 500 otherwise), so handlers use `?` |"
)]
#![cfg_attr(
    not(feature = "axum"),
    doc = "| `axum` | yes | extractors for axum handlers: `Session`, `CurrentPrincipal`, `CurrentCustomer`, `RequestClient` |"
)]
#![cfg_attr(
    feature = "postgres",
    doc = "| `postgres` | no | [`PostgresStore`], customers and sessions in PostgreSQL (TLS built in) |"
)]
#![cfg_attr(
    not(feature = "postgres"),
    doc = "| `postgres` | no | `PostgresStore`, customers and sessions in PostgreSQL (TLS built in) |"
)]
#![cfg_attr(
    feature = "redis",
    doc = "| `redis` | no | [`RedisStore`], sessions (and customers) in Redis (TLS and Redis Cluster built in) |"
)]
#![cfg_attr(
    not(feature = "redis"),
    doc = "| `redis` | no | `RedisStore`, sessions (and customers) in Redis (TLS and Redis Cluster built in) |"
)]
#![cfg_attr(
    feature = "conformance",
    doc = "| `conformance` | no | [`conformance`], the suite a store of your own should pass |"
)]
#![cfg_attr(
    not(feature = "conformance"),
    doc = "| `conformance` | no | `conformance`, the suite a store of your own should pass |"
)]

pub use customer_auth_core::*;
#[cfg(feature = "axum")]
pub use customer_auth_tower::{AuthRejection, CurrentCustomer, CurrentPrincipal, RequestClient};
pub use customer_auth_tower::{CsrfLayer, RequireLogin, RequireRole, Session, SessionLayer, ThrottleLayer};

/// The Tower layers in full: sessions, guards, CSRF, redirect checks and their errors.
pub mod web {
    pub use customer_auth_tower::*;
}

/// The SQLite store (feature `sqlite`, on by default).
#[cfg(feature = "sqlite")]
pub mod sqlite {
    pub use customer_auth_sqlite::*;
}
#[cfg(feature = "sqlite")]
pub use customer_auth_sqlite::{SqliteStore, SqliteStoreOptions};

/// The Postgres store (feature `postgres`).
#[cfg(feature = "postgres")]
pub mod postgres {
    pub use customer_auth_postgres::*;
}
#[cfg(feature = "postgres")]
pub use customer_auth_postgres::{PostgresStore, PostgresStoreOptions};

/// The Redis store (feature `redis`).
#[cfg(feature = "redis")]
pub mod redis {
    pub use customer_auth_redis::*;
}
#[cfg(feature = "redis")]
pub use customer_auth_redis::{RedisStore, RedisStoreOptions};
