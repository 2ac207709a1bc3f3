use std::fmt;

use serde::{Deserialize, Deserializer};
use zeroize::Zeroizing;

use crate::Result;
use crate::password::stored::{self, HashFormat, Stored};

/// A password as the customer typed it. Its `Debug` prints `[redacted]` and its memory is
/// wiped on drop, so it cannot end up in a log or a core dump by accident.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Password(Zeroizing<String>);

impl Password {
    /// Wraps a password exactly as typed: no trimming, no normalisation.
    pub fn new(password: impl Into<String>) -> Self {
        Self(Zeroizing::new(password.into()))
    }

    /// The password text, for hashing and validation only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Password {
    fn from(password: &str) -> Self {
        Self::new(password)
    }
}

impl From<String> for Password {
    fn from(password: String) -> Self {
        Self::new(password)
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

impl<'de> Deserialize<'de> for Password {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

/// A stored password hash: bcrypt's modular crypt format (`$2b$12$...`), argon2's PHC string
/// (`$argon2id$v=19$...`), or a format imported from another system (see [`HashFormat`]). Its
/// `Debug` prints only the format (and bcrypt's cost): a hash is offline-crackable and must not
/// reach logs.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a hash read back from a store.
    pub fn from_stored(hash: impl Into<String>) -> Self {
        Self(hash.into())
    }

    /// The hash text, for writing to a store.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The format the hash is in, read in full: [`Error::UnsupportedHash`](crate::Error::UnsupportedHash) for a format
    /// customer-auth cannot verify (naming it where it can tell), or for a
    /// malformed hash or parameters past customer-auth's limits ([`Error::Hashing`](crate::Error::Hashing)). What an import checks before
    /// it stores a hash from another system.
    pub fn format(&self) -> Result<HashFormat> {
        Stored::parse(&self.0).map(|stored| stored.format())
    }

    /// The bcrypt cost recorded in the hash, if it is a bcrypt hash.
    pub fn bcrypt_cost(&self) -> Option<u32> {
        let mut parts = self.0.split('$');
        let (Some(""), Some(version), Some(cost)) = (parts.next(), parts.next(), parts.next()) else {
            return None;
        };
        if !matches!(version, "2a" | "2b" | "2x" | "2y") || cost.len() != 2 {
            return None;
        }
        cost.parse().ok()
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.bcrypt_cost(), stored::sniff(&self.0)) {
            (Some(cost), _) => write!(f, "PasswordHash(bcrypt, cost {cost}, [redacted])"),
            (None, Some(format)) => write!(f, "PasswordHash({format}, [redacted])"),
            (None, None) => f.write_str("PasswordHash([redacted])"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let password = Password::new("hunter2-correct-horse");
        assert_eq!(format!("{password:?}"), "Password([redacted])");
        let hash = PasswordHash::from_stored("$2b$04$abcdefghijklmnopqrstuu0123456789012345678901234567890");
        let shown = format!("{hash:?}");
        assert!(!shown.contains("abcdefgh"), "{shown}");
        assert!(shown.contains("cost 4"), "{shown}");
        let argon = PasswordHash::from_stored("$argon2id$v=19$m=64,t=1,p=1$AwMDAwMDAwMDAwMDAwMDAw$secretpart");
        assert_eq!(format!("{argon:?}"), "PasswordHash(argon2id, [redacted])");
    }

    #[test]
    fn bcrypt_cost_parses_only_bcrypt_hashes() {
        assert_eq!(PasswordHash::from_stored("$2b$12$xyz").bcrypt_cost(), Some(12));
        assert_eq!(PasswordHash::from_stored("$2y$05$xyz").bcrypt_cost(), Some(5));
        assert_eq!(PasswordHash::from_stored("$argon2id$v=19$xyz").bcrypt_cost(), None);
        assert_eq!(PasswordHash::from_stored("").bcrypt_cost(), None);
        assert_eq!(PasswordHash::from_stored("$2b$1$x").bcrypt_cost(), None);
    }
}
