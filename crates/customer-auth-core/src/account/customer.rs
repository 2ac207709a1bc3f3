use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{PasswordHash, Timestamp};

/// A customer's id: a UUID v7, so ids sort by creation time and index well.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CustomerId(Uuid);

impl CustomerId {
    /// A fresh, time-ordered id.
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    /// Wraps an id read back from a store.
    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    /// The id as a UUID.
    pub const fn as_uuid(&self) -> &Uuid {
        &self.0
    }

    /// The id's 16 bytes, for stores that keep it as a blob.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }
}

impl Default for CustomerId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CustomerId({})", self.0)
    }
}

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for CustomerId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

/// Whether a customer may log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CustomerStatus {
    /// May log in.
    Active,
    /// Refused at login, and every session ended when it was disabled.
    Disabled,
}

impl CustomerStatus {
    /// The name stores keep: `active` or `disabled`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Disabled => "disabled",
        }
    }

    /// Parses the name stores keep; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "active" => Some(Self::Active),
            "disabled" => Some(Self::Disabled),
            _ => None,
        }
    }
}

/// The roles a customer holds, such as `admin`; ordered, so stores keep them stably.
pub type Roles = BTreeSet<String>;

/// A registered customer as the stores keep it.
///
/// `Debug` is safe to log: the password hash prints as `[redacted]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// The customer's id.
    pub id: CustomerId,
    /// First name as entered.
    pub first_name: String,
    /// Last name as entered.
    pub last_name: String,
    /// Email address as entered; unique by [`email_key`].
    pub email: String,
    /// Username as entered; unique by [`username_key`].
    pub username: String,
    /// The bcrypt hash of the password.
    pub password_hash: PasswordHash,
    /// Roles for authorization.
    pub roles: Roles,
    /// Whether the customer may log in.
    pub status: CustomerStatus,
    /// Failed logins since the last success.
    pub failed_logins: u32,
    /// Logins are refused until this time, after too many failures.
    pub locked_until: Option<Timestamp>,
    /// When the customer proved they own the email address (followed a confirmation link);
    /// `None` until then. Set by [`CustomerStore::confirm_email`](crate::CustomerStore::confirm_email),
    /// never by `update_customer`.
    pub email_confirmed_at: Option<Timestamp>,
    /// Moves whenever something ends the customer's sessions (password change or reset, status
    /// or role change, deletion, log out everywhere), before the sessions end: a login copies it
    /// and checks it again right after writing its session, so a login that raced the change
    /// never keeps a session. Changed only by
    /// [`CustomerStore::bump_security_stamp`](crate::CustomerStore::bump_security_stamp), never by
    /// `update_customer`; a new customer starts at 0.
    pub security_stamp: u64,
    /// When the customer registered.
    pub created_at: Timestamp,
    /// When the record last changed.
    pub updated_at: Timestamp,
}

impl Customer {
    /// The normalised username that decides uniqueness.
    pub fn username_key(&self) -> String {
        username_key(&self.username)
    }

    /// The normalised email that decides uniqueness.
    pub fn email_key(&self) -> String {
        email_key(&self.email)
    }

    /// True when the customer holds `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.contains(role)
    }

    /// True while a lockout after failed logins is in force.
    pub fn is_locked(&self, now: Timestamp) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }
}

/// The key a username is unique by: trimmed and lowercased, so `Alice` and `alice ` are one.
pub fn username_key(username: &str) -> String {
    username.trim().to_lowercase()
}

/// The key an email address is unique by: trimmed and lowercased as a whole. Mail providers
/// treat the local part case-insensitively in practice, and two accounts differing only by
/// case would be a support and phishing hazard.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}
