use std::fmt;

use subtle::ConstantTimeEq;

use crate::Result;
use crate::secret_bytes;

/// The length of a session id in its cookie form: 32 bytes in unpadded base64url.
pub const SESSION_ID_CHARS: usize = secret_bytes::ENCODED_CHARS;

/// A session id: 256 bits from the operating system's generator. It lives only in the
/// customer's cookie; stores see its [`SessionKey`]. `Debug` prints `[redacted]` and equality
/// is constant-time.
#[derive(Clone)]
pub struct SessionId([u8; 32]);

impl SessionId {
    /// A fresh id from the OS generator. Fails only when the OS has no randomness to give,
    /// which must stop a login rather than hand out a guessable id.
    pub fn generate() -> Result<Self> {
        secret_bytes::generate().map(Self)
    }

    /// Parses the cookie form. Anything but exactly 43 base64url characters is `None`, so a
    /// malformed or oversized cookie never reaches a store.
    pub fn parse(cookie_value: &str) -> Option<Self> {
        secret_bytes::decode(cookie_value).map(Self)
    }

    /// The cookie form: 43 base64url characters.
    pub fn to_cookie_value(&self) -> String {
        secret_bytes::encode(&self.0)
    }

    /// The key a store files this session under.
    pub fn key(&self) -> SessionKey {
        SessionKey(secret_bytes::digest(&self.0))
    }
}

impl PartialEq for SessionId {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for SessionId {}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionId([redacted])")
    }
}

secret_bytes::store_key!(
    /// The first 16 bytes (128 bits) of the SHA-256 of a session id: what stores keep instead of
    /// the id, so a leaked table or key dump gives no live session (the id cannot be recovered
    /// from its hash).
    ///
    /// 128 bits are as good as the whole hash here: finding an id for a key still takes about
    /// 2^128 guesses, and two live sessions sharing a key would take about 2^64 of them. Half the
    /// bytes matter because the key is in every row and every index entry of a session table,
    /// and in every Redis key name and session-set member.
    SessionKey,
    16
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_the_cookie_form() {
        let id = SessionId::generate().unwrap();
        let cookie = id.to_cookie_value();
        assert_eq!(cookie.len(), SESSION_ID_CHARS);
        assert_eq!(SessionId::parse(&cookie), Some(id.clone()));
        assert_eq!(SessionId::parse(&cookie).unwrap().key(), id.key());
    }

    #[test]
    fn ids_are_random() {
        let a = SessionId::generate().unwrap();
        let b = SessionId::generate().unwrap();
        assert_ne!(a, b);
        assert_ne!(a.key(), b.key());
    }

    #[test]
    fn malformed_cookies_do_not_parse() {
        let valid = SessionId::generate().unwrap().to_cookie_value();
        for bad in [
            String::new(),
            "x".into(),
            format!("{valid}A"),
            valid[..42].to_owned(),
            format!("{}=", &valid[..42]),
            format!("{}+", &valid[..42]),
            "é".repeat(21) + "x",
            "A".repeat(8192),
        ] {
            assert!(SessionId::parse(&bad).is_none(), "{bad:?} parsed");
        }
    }

    #[test]
    fn the_key_is_not_the_id_and_debug_hides_the_id() {
        let id = SessionId::generate().unwrap();
        let cookie = id.to_cookie_value();
        assert_eq!(format!("{id:?}"), "SessionId([redacted])");
        assert!(!id.key().to_hex().contains(&cookie));
        assert_ne!(id.key().as_bytes()[..], id.0[..16]);
        assert_eq!(id.key().to_hex().len(), 2 * SessionKey::LEN);
        assert_eq!(format!("{:?}", id.key()).len(), "SessionKey(12345678…)".len());
    }
}
