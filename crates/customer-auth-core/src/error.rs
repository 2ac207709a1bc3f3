use crate::FieldErrors;

/// A boxed error from a store's driver, kept as the source of [`Error::Unavailable`] and
/// [`Error::Backend`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in customer-auth's core: validation, credentials, hashing and
/// the stores. Backends convert their own errors into this one with `From`, so an app matches
/// on one type whatever it stores in.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The registration form had errors; each is listed next to its field.
    #[error("the form has errors, show them next to their fields: {0}")]
    Validation(FieldErrors),
    /// Another customer already has this username (compared case-insensitively).
    #[error("this username is already taken; choose another one")]
    DuplicateUsername,
    /// Another customer already has this email address (compared case-insensitively).
    #[error("an account with this email already exists; log in or reset its password")]
    DuplicateEmail,
    /// The customer or session does not exist (any more).
    #[error("not found: the customer or session does not exist, or was deleted meanwhile")]
    NotFound,
    /// Unknown username, wrong password or a locked account: deliberately one answer.
    #[error("invalid credentials, try again")]
    InvalidCredentials,
    /// Too many failed logins for this account from this client (or, for a client the account
    /// has not logged in from before, from everywhere): no password is checked until the
    /// budget refills or the owner follows an unlock link. Said whatever the password, so it
    /// tells nothing about it; unknown usernames get it too, so it tells nothing of who has
    /// an account either.
    #[error(
        "this account is temporarily locked after too many failed logins; try again later or ask for an unlock link by email"
    )]
    TemporarilyLocked,
    /// The password was right but the account is disabled.
    #[error("this account is disabled; an administrator can enable it again")]
    AccountDisabled,
    /// The password was right but the email address is not confirmed yet (the policy asks for
    /// it).
    #[error("confirm your email address first: follow the link we sent, or ask for a new one")]
    EmailNotConfirmed,
    /// A second-factor code that is wrong, used already (a TOTP code works once) or not a
    /// code at all.
    #[error("that code is not right or was used already; enter the current code of your app, or a recovery code")]
    InvalidCode,
    /// The second step of a login came too late (five minutes after the password) or after
    /// the account changed: the login starts again with the password.
    #[error("this login took too long or the account changed meanwhile; log in again with your password")]
    LoginExpired,
    /// A reset or confirmation link that is unknown, used already or expired.
    #[error("this link is invalid, used already or expired; ask for a new one")]
    InvalidToken,
    /// The store could not be reached or timed out. Answer 503 and retry later; this is never
    /// a reason to log anyone out.
    #[error("the store is unavailable ({0}); check that the database is running and reachable, then retry")]
    Unavailable(#[source] BoxError),
    /// The store answered, but with data this version cannot read.
    #[error(
        "the store holds data this version cannot read ({0}); check that every app instance runs the same customer-auth version"
    )]
    Corrupt(String),
    /// A configuration value is out of range.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// Hashing or verifying a password failed (not a wrong password: an internal failure).
    #[error("password hashing failed ({0}); check the hash policy and the stored hash")]
    Hashing(String),
    /// A stored password hash is in a format customer-auth cannot verify (scrypt, an unsalted
    /// digest, or one it does not recognise at all): never answered as a wrong password. The
    /// message names the format where it can tell, never the hash.
    #[error(
        "{0}; store it as bcrypt, argon2id or argon2i (PHC), Django pbkdf2_sha256 or ASP.NET Identity v3, or have the customer reset their password"
    )]
    UnsupportedHash(String),
    /// Any other store failure, with the driver's error as its source.
    #[error("the store failed: {0}")]
    Backend(#[source] BoxError),
}

impl Error {
    /// Wraps a driver error that means the store is down or timed out.
    pub fn unavailable(source: impl Into<BoxError>) -> Self {
        Self::Unavailable(source.into())
    }

    /// Wraps any other driver error.
    pub fn backend(source: impl Into<BoxError>) -> Self {
        Self::Backend(source.into())
    }

    /// True when the store is down or timed out, so the caller should answer 503.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// The result type of customer-auth's core.
pub type Result<T, E = Error> = std::result::Result<T, E>;
