//! Second factors: TOTP authenticator apps (RFC 6238, secrets sealed at rest with the app's
//! [`FactorKey`]), recovery codes, the two-step login ([`LoginStep`], [`PendingLogin`]) and the
//! fresh proof sensitive changes ask for. [`SecondFactorStore`] is where they live.
//!
//! Passkeys (WebAuthn, with webauthn-rs) are turned on by
//! [`Auth::with_passkeys`](crate::Auth::with_passkeys) with a [`PasskeyStore`] and a
//! [`PasskeyConfig`]: a passkey is a second factor after the password, or a passwordless login
//! on its own ([`Auth::start_passkey_login`](crate::Auth::start_passkey_login)). Each ceremony
//! is a [`PasskeyChallenge`]: options for the browser, and a state the server keeps meanwhile.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> customer_auth::Result<()> {
//! use std::sync::Arc;
//! use customer_auth::{Auth, FactorKey, LoginClient, LoginStep, MemoryStore, Password, PasswordHasher, Registration, Timestamp, totp_code};
//!
//! let store = Arc::new(MemoryStore::new());
//! let auth = Auth::new(store.clone())
//!     .with_hasher(PasswordHasher::new(4)?)
//!     .with_sessions(store.clone())
//!     .with_second_factors(store, FactorKey::generate()?);
//! let password = Password::new("analytical engine");
//! let ada = auth.register(Registration {
//!     first_name: "Ada".into(), last_name: "Lovelace".into(), email: "ada@example.com".into(),
//!     username: "ada".into(), password: password.clone(), confirm_password: password.clone(),
//! }).await?;
//!
//! // Enrolment: show enrolment.qr_svg and enrolment.secret_base32, keep enrolment.sealed.
//! let enrolment = auth.start_totp(&ada, "Camera Store").await?;
//! let code = totp_code(&enrolment.secret_base32, Timestamp::now())?; // what the app shows
//! let recovery_codes = auth.confirm_totp(&ada, &enrolment.sealed, &code, None).await?;
//! assert_eq!(recovery_codes.codes().len(), 10);
//!
//! // The login now takes two steps; the pending login goes in the session, never a principal.
//! let LoginStep::SecondFactor(pending) = auth.log_in("ada", &password, &LoginClient::default()).await? else {
//!     unreachable!("ada has an authenticator app")
//! };
//! let login = auth.complete_login(&pending, &recovery_codes.codes()[0], &LoginClient::default()).await?;
//! assert_eq!((login.customer.id, login.recovery_codes_left), (ada.id, Some(9)));
//! # Ok(())
//! # }
//! ```

mod flows;
mod key;
mod passkey_store;
mod passkeys;
mod pending;
mod recovery;
mod store;
mod totp;

pub(crate) use flows::FactorSettings;
pub use key::FactorKey;
pub use passkey_store::{PasskeyRecord, PasskeyStore};
pub(crate) use passkeys::PasskeySettings;
pub use passkeys::{MAX_PASSKEY_NAME_CHARS, PasskeyChallenge, PasskeyConfig};
pub use pending::{LoginStep, PendingLogin, SECOND_FACTOR_DEADLINE, SecondFactorLogin, SecondFactors};
pub use recovery::{RECOVERY_CODE_COUNT, RecoveryCodeHash, RecoveryCodes};
pub use store::{SecondFactorStore, TotpRecord};
pub use totp::{TOTP_STEP_SECONDS, TotpEnrolment, totp_code};
