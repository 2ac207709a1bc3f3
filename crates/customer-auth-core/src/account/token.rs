//! Single-use tokens for links sent by email: password reset and email confirmation.
//!
//! The [`Token`] goes into the link and nowhere else; stores keep its [`TokenKey`] (the SHA-256)
//! in a [`TokenRecord`], so a leaked table or key dump gives no usable link. A token is taken
//! (checked and removed in one atomic step) with
//! [`CustomerStore::take_token`](crate::CustomerStore::take_token).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), customer_auth::Error> {
//! use std::sync::Arc;
//! use std::time::Duration;
//! use customer_auth::{
//!     Auth, CustomerStore, Error, MemoryStore, Password, PasswordHasher, Registration, Timestamp, Token,
//!     TokenPurpose, TokenRecord,
//! };
//!
//! let store = Arc::new(MemoryStore::new());
//! let auth = Auth::new(store.clone()).with_hasher(PasswordHasher::new(4)?);
//! # let form = Registration {
//! #     first_name: "Ada".into(),
//! #     last_name: "Lovelace".into(),
//! #     email: "ada@example.com".into(),
//! #     username: "ada".into(),
//! #     password: Password::new("analytical engine"),
//! #     confirm_password: Password::new("analytical engine"),
//! # };
//! let ada = auth.register(form).await?;
//!
//! // "Forgot password": older links stop working, a fresh token's key is stored, and the
//! // token itself goes into the mail and nowhere else.
//! let token = Token::generate()?;
//! store.delete_customer_tokens(ada.id, TokenPurpose::PasswordReset).await?;
//! store
//!     .create_token(&TokenRecord {
//!         key: token.key(),
//!         purpose: TokenPurpose::PasswordReset,
//!         customer_id: ada.id,
//!         expires_at: Timestamp::now().plus(Duration::from_secs(3600)),
//!     })
//!     .await?;
//! let link = format!("https://shop.example/reset/{}", token.as_str());
//!
//! // The link is followed: a value that does not parse never reaches the store, and the
//! // token works once.
//! let from_link = link.rsplit('/').next().and_then(Token::parse).ok_or(Error::NotFound)?;
//! let now = Timestamp::now();
//! let first = store.take_token(TokenPurpose::PasswordReset, &from_link.key(), now).await?;
//! assert_eq!(first, Some(ada.id));
//! let again = store.take_token(TokenPurpose::PasswordReset, &from_link.key(), now).await?;
//! assert_eq!(again, None);
//! # Ok(())
//! # }
//! ```

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::{CustomerId, Result, Timestamp, secret_bytes};

/// The length of a token in its link form: 32 bytes in unpadded base64url.
pub const TOKEN_CHARS: usize = secret_bytes::ENCODED_CHARS;

/// What a token may be used for. A token taken for another purpose is not found, so a
/// confirmation link can never reset a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenPurpose {
    /// A "forgot password" link.
    PasswordReset,
    /// A "confirm your email address" link.
    EmailConfirmation,
    /// An "unlock your account" link, for an owner locked out by failed logins.
    Unlock,
}

impl TokenPurpose {
    /// Every purpose, for stores that keep one index per purpose.
    pub const ALL: [Self; 3] = [Self::PasswordReset, Self::EmailConfirmation, Self::Unlock];

    /// The name stores keep: `password_reset`, `email_confirmation` or `unlock`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PasswordReset => "password_reset",
            Self::EmailConfirmation => "email_confirmation",
            Self::Unlock => "unlock",
        }
    }

    /// Parses the name stores keep; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|purpose| purpose.as_str() == name)
    }
}

impl fmt::Display for TokenPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A single-use token: 256 bits from the operating system's generator. It lives only in the
/// link sent to the customer; stores see its [`TokenKey`]. `Debug` prints `[redacted]`,
/// equality is constant-time and its memory is wiped on drop.
#[derive(Clone)]
pub struct Token {
    bytes: Zeroizing<[u8; 32]>,
    link_value: Zeroizing<String>,
}

impl Token {
    /// A fresh token from the OS generator. Fails only when the OS has no randomness to give,
    /// which must stop the request rather than mail a guessable link.
    pub fn generate() -> Result<Self> {
        secret_bytes::generate().map(Self::from_bytes)
    }

    /// Parses the link form. Anything but exactly 43 base64url characters is `None`, so a
    /// malformed or oversized value from a link never reaches a store.
    pub fn parse(link_value: &str) -> Option<Self> {
        secret_bytes::decode(link_value).map(Self::from_bytes)
    }

    fn from_bytes(bytes: [u8; 32]) -> Self {
        let link_value = Zeroizing::new(secret_bytes::encode(&bytes));
        Self { bytes: Zeroizing::new(bytes), link_value }
    }

    /// The link form: 43 base64url characters, safe in a URL path or query without escaping.
    pub fn as_str(&self) -> &str {
        &self.link_value
    }

    /// The link form as an owned string; the same text as [`as_str`](Self::as_str).
    pub fn to_link_value(&self) -> String {
        self.link_value.as_str().to_owned()
    }

    /// The key a store files this token under.
    pub fn key(&self) -> TokenKey {
        TokenKey(secret_bytes::digest(&self.bytes))
    }
}

impl PartialEq for Token {
    fn eq(&self, other: &Self) -> bool {
        self.bytes.ct_eq(&*other.bytes).into()
    }
}

impl Eq for Token {}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token([redacted])")
    }
}

secret_bytes::store_key!(
    /// The SHA-256 of a token: what stores keep instead of the token, so a leaked table or key
    /// dump gives no usable link.
    TokenKey,
    32
);

/// What a store keeps for one token until it is taken or expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// The token's key (never the token).
    pub key: TokenKey,
    /// What the token may be used for.
    pub purpose: TokenPurpose,
    /// The customer the token was issued to.
    pub customer_id: CustomerId,
    /// The token can no longer be taken from this time on.
    pub expires_at: Timestamp,
}

impl TokenRecord {
    /// True once the token can no longer be taken.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.expires_at <= now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_through_the_link_form() {
        let token = Token::generate().unwrap();
        assert_eq!(token.as_str().len(), TOKEN_CHARS);
        assert_eq!(token.to_link_value(), token.as_str());
        let parsed = Token::parse(token.as_str()).unwrap();
        assert_eq!(parsed, token);
        assert_eq!(parsed.key(), token.key());
        assert_ne!(Token::generate().unwrap(), token);
    }

    #[test]
    fn malformed_link_values_do_not_parse() {
        let valid = Token::generate().unwrap().to_link_value();
        for bad in [
            String::new(),
            format!("{valid}A"),
            valid[..42].to_owned(),
            format!("{}=", &valid[..42]),
            format!("{}/", &valid[..42]),
            "é".repeat(21) + "x",
            "A".repeat(8192),
        ] {
            assert!(Token::parse(&bad).is_none(), "{bad:?} parsed");
        }
    }

    #[test]
    fn debug_hides_the_token_and_the_key_is_not_the_token() {
        let token = Token::generate().unwrap();
        assert_eq!(format!("{token:?}"), "Token([redacted])");
        assert!(!format!("{:?}", token.key()).contains(token.as_str()));
        assert_ne!(token.key().as_bytes(), &*token.bytes);
        assert_eq!(TokenKey::from_bytes(*token.key().as_bytes()), token.key());
        assert_eq!(format!("{:?}", token.key()).len(), "TokenKey(12345678…)".len());
    }

    #[test]
    fn purposes_have_stable_names() {
        assert_eq!(TokenPurpose::PasswordReset.as_str(), "password_reset");
        assert_eq!(TokenPurpose::EmailConfirmation.as_str(), "email_confirmation");
        assert_eq!(TokenPurpose::Unlock.as_str(), "unlock");
        for purpose in TokenPurpose::ALL {
            assert_eq!(TokenPurpose::parse(purpose.as_str()), Some(purpose));
        }
        assert_eq!(TokenPurpose::parse("admin"), None);
    }
}
