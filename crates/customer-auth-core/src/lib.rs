//! Customer accounts for customer-auth: the customer model, registration rules, bcrypt
//! password hashing off the async runtime, the store traits, an in-memory store and the store
//! conformance kit.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), customer_auth_core::Error> {
//! use std::sync::Arc;
//! use customer_auth_core::{Auth, Error, MemoryStore, Password, PasswordHasher, Registration};
//!
//! let auth = Auth::new(Arc::new(MemoryStore::new())).with_hasher(PasswordHasher::new(4)?);
//! let form = Registration {
//!     first_name: "Ada".into(),
//!     last_name: "Lovelace".into(),
//!     email: "ada@example.com".into(),
//!     username: "ada".into(),
//!     password: Password::new("analytical engine"),
//!     confirm_password: Password::new("analytical engine"),
//! };
//! let ada = auth.register(form).await?;
//!
//! let logged_in = auth.authenticate("ADA", &Password::new("analytical engine")).await?;
//! assert_eq!(logged_in.id, ada.id);
//! let wrong = auth.authenticate("ada", &Password::new("difference engine")).await;
//! assert!(matches!(wrong, Err(Error::InvalidCredentials)));
//! # Ok(())
//! # }
//! ```
//!
//! | feature | what it adds |
//! | --- | --- |
// Built without a feature, a row names what the feature adds, with no page to link to.
#![cfg_attr(feature = "conformance", doc = "| `conformance` | [`conformance`], the suite every store runs |")]
#![cfg_attr(not(feature = "conformance"), doc = "| `conformance` | `conformance`, the suite every store runs |")]
#![cfg_attr(feature = "smtp", doc = "| `smtp` | [`SmtpMailer`], account email through an SMTP server |")]
#![cfg_attr(not(feature = "smtp"), doc = "| `smtp` | `SmtpMailer`, account email through an SMTP server |")]

mod account;
mod account_email;
mod auth;
mod bcrypt_lanes;
mod bcrypt_text;
mod blowfish_constants;
mod common_passwords;
#[cfg(feature = "conformance")]
pub mod conformance;
mod cpu_wait;
mod customer;
mod error;
mod field_errors;
mod hash_pool;
mod hasher;
mod load_batch;
mod lockout;
mod mailer;
mod memory_store;
mod purge_task;
mod registration;
mod secret;
mod secret_bytes;
mod session_id;
mod session_record;
#[cfg(feature = "smtp")]
mod smtp_mailer;
pub mod store;
mod timestamp;
pub mod token;

pub use account::AccountChange;
pub use account_email::{CONFIRMATION_LINK_LIFETIME, RESET_LINK_LIFETIME};
pub use auth::Auth;
pub use customer::{Customer, CustomerId, CustomerStatus, Roles, email_key, username_key};
pub use error::{BoxError, Error, Result};
pub use field_errors::FieldErrors;
pub use hasher::{DEFAULT_COST, MAX_COST, MIN_COST, PasswordHasher};
pub use load_batch::{LoadBatcher, MAX_LOAD_BATCH};
pub use lockout::{FailedLogin, LockoutPolicy};
pub use mailer::{Email, Mailer, OutboxMailer};
pub use memory_store::MemoryStore;
pub use purge_task::PurgeTask;
pub use registration::{
    MAX_EMAIL_CHARS, MAX_NAME_CHARS, MAX_PASSWORD_BYTES, MAX_USERNAME_CHARS, MIN_PASSWORD_CHARS, MIN_USERNAME_CHARS,
    NewCustomer, Registration, validate_new_password,
};
pub use secret::{Password, PasswordHash};
pub use session_id::{SESSION_ID_CHARS, SessionId, SessionKey};
pub use session_record::{Principal, SessionRecord};
#[cfg(feature = "smtp")]
pub use smtp_mailer::SmtpMailer;
pub use store::{CustomerStore, SessionStore};
pub use timestamp::Timestamp;
pub use token::{TOKEN_CHARS, Token, TokenKey, TokenPurpose, TokenRecord};
