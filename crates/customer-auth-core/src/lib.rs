//! Customer accounts for customer-auth: the customer model, registration rules, password
//! hashing off the async runtime (bcrypt or argon2id, reading the hashes other systems stored), the store traits, an in-memory store and the store
//! conformance kit.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), customer_auth::Error> {
//! use std::sync::Arc;
//! use customer_auth::{Auth, Error, MemoryStore, Password, PasswordHasher, Registration};
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
#![doc = "| `axum` | `IntoResponse` for [`Error`]: 401, 403, 409, 422 with the field errors as JSON, 429, 503 while a store is down, a generic 500 otherwise |"]
#![cfg_attr(feature = "smtp", doc = "| `smtp` | [`SmtpMailer`], account email through an SMTP server |")]
#![cfg_attr(not(feature = "smtp"), doc = "| `smtp` | `SmtpMailer`, account email through an SMTP server |")]

mod account;
#[cfg(feature = "conformance")]
pub mod conformance;
mod error;
#[cfg(feature = "axum")]
mod error_response;
pub mod factors;
mod mail;
mod password;
mod secret_bytes;
mod session;
pub mod store;
mod timestamp;

pub use account::token;
pub use account::{
    AccountChange, AttemptKey, Auth, CONFIRMATION_LINK_LIFETIME, ClientBudget, Customer, CustomerId, CustomerStatus,
    DeviceKey, FailedLogin, FieldErrors, KnownDevice, LockoutPolicy, LoginClient, LoginForm, MAX_EMAIL_CHARS,
    MAX_NAME_CHARS, MAX_PASSWORD_BYTES, MAX_USERNAME_CHARS, MIN_PASSWORD_CHARS, MIN_USERNAME_CHARS, NewCustomer,
    RESET_LINK_LIFETIME, Registered, Registration, Roles, UNLOCK_LINK_LIFETIME, email_key, username_key,
    validate_new_password,
};
pub use error::{BoxError, Error, Result};
pub use factors::{
    FactorKey, LoginStep, MAX_PASSKEY_NAME_CHARS, PasskeyChallenge, PasskeyConfig, PasskeyRecord, PasskeyStore,
    PendingLogin, RECOVERY_CODE_COUNT, RecoveryCodeHash, RecoveryCodes, SECOND_FACTOR_DEADLINE, SecondFactorLogin,
    SecondFactorStore, SecondFactors, TOTP_STEP_SECONDS, TotpEnrolment, TotpRecord, totp_code,
};
#[cfg(feature = "smtp")]
pub use mail::SmtpMailer;
pub use mail::{Email, Mailer, OutboxMailer};
pub use password::{
    ARGON2_ITERATIONS, ARGON2_MEMORY_KIB, ARGON2_PARALLELISM, DEFAULT_COST, HashAlgorithm, HashFormat, HashPolicy,
    MAX_ARGON2_ITERATIONS, MAX_ARGON2_MEMORY_KIB, MAX_ARGON2_PARALLELISM, MAX_COST, MIN_COST, Password, PasswordHash,
    PasswordHasher,
};
pub use session::{LoadBatcher, MAX_LOAD_BATCH, Principal, SESSION_ID_CHARS, SessionId, SessionKey, SessionRecord};
pub use store::{CustomerStore, MemoryStore, PurgeTask, SessionStore};
pub use timestamp::Timestamp;
pub use token::{TOKEN_CHARS, Token, TokenKey, TokenPurpose, TokenRecord};
