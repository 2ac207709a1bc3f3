//! Browsers an account has logged in from before: a signed cookie set at a successful login
//! names the customer, so that browser keeps a failed-login budget of its own, and a lock that
//! guesses from elsewhere put on the account does not keep the owner out.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{CustomerId, Error, Result};

/// The bytes of a device cookie before its signature: the customer id and a random nonce.
const BODY_LEN: usize = 16 + 16;
const SIGNATURE_LEN: usize = 32;

/// The key device cookies are signed with. Every app instance that shares customers should
/// share it; one made by [`DeviceKey::generate`] (what [`Auth`](crate::Auth) uses unless told
/// otherwise) works for one process, and elsewhere a device simply counts as new.
#[derive(Clone)]
pub struct DeviceKey([u8; 32]);

impl DeviceKey {
    /// A random key from the operating system.
    pub fn generate() -> Result<Self> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key)
            .map_err(|err| Error::Config(format!("the operating system's random generator failed: {err}")))?;
        Ok(Self(key))
    }

    /// A key from 32 or more secret bytes (all of them count: the key is their SHA-256).
    pub fn from_secret(secret: &[u8]) -> Result<Self> {
        if secret.len() < 32 {
            return Err(Error::Config(format!(
                "a device key needs at least 32 secret bytes, got {}; generate them with a CSPRNG",
                secret.len()
            )));
        }
        use sha2::Digest as _;
        Ok(Self(Sha256::digest(secret).into()))
    }

    fn mac(&self, body: &[u8]) -> Result<[u8; SIGNATURE_LEN]> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .map_err(|err| Error::Config(format!("the device key was refused: {err}")))?;
        mac.update(body);
        Ok(mac.finalize().into_bytes().into())
    }

    /// A fresh device cookie value for `customer`: set it (HttpOnly, Secure, long-lived) when
    /// they log in.
    pub fn issue(&self, customer: CustomerId) -> Result<String> {
        let mut bytes = [0u8; BODY_LEN + SIGNATURE_LEN];
        bytes[..16].copy_from_slice(customer.as_bytes());
        getrandom::fill(&mut bytes[16..BODY_LEN])
            .map_err(|err| Error::Config(format!("the operating system's random generator failed: {err}")))?;
        let signature = self.mac(&bytes[..BODY_LEN])?;
        bytes[BODY_LEN..].copy_from_slice(&signature);
        Ok(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The device a cookie value names, if this key signed it; `None` for anything else.
    pub fn verify(&self, value: &str) -> Option<KnownDevice> {
        use subtle::ConstantTimeEq as _;
        // A signed value is 86 characters; anything much longer is not one of ours.
        if value.len() > 128 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(value).ok()?;
        if bytes.len() != BODY_LEN + SIGNATURE_LEN {
            return None;
        }
        let expected = self.mac(&bytes[..BODY_LEN]).ok()?;
        if !bool::from(expected.ct_eq(&bytes[BODY_LEN..])) {
            return None;
        }
        let id = uuid::Uuid::from_slice(&bytes[..16]).ok()?;
        let mut nonce = [0u8; 16];
        nonce.copy_from_slice(&bytes[16..BODY_LEN]);
        Some(KnownDevice { customer_id: CustomerId::from_uuid(id), nonce })
    }
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceKey([redacted])")
    }
}

/// A browser that logged in to `customer_id` before, as its verified cookie says.
#[derive(Clone, PartialEq, Eq)]
pub struct KnownDevice {
    /// The customer the browser logged in as.
    pub customer_id: CustomerId,
    /// Tells this browser apart from the customer's others.
    pub(crate) nonce: [u8; 16],
}

impl std::fmt::Debug for KnownDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnownDevice").field("customer_id", &self.customer_id).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_verifies_under_its_key_only() {
        let key = DeviceKey::generate().unwrap();
        let customer = CustomerId::new();
        let value = key.issue(customer).unwrap();
        assert_eq!(key.verify(&value).map(|device| device.customer_id), Some(customer));
        let other = DeviceKey([2; 32]);
        assert_eq!(other.verify(&value), None, "another key");
        let mut forged = value.clone().into_bytes();
        forged[3] = if forged[3] == b'A' { b'B' } else { b'A' };
        assert_eq!(key.verify(&String::from_utf8(forged).unwrap()), None, "a changed byte");
        assert_eq!(key.verify(""), None);
        assert_eq!(key.verify(&"A".repeat(10_000)), None);
        assert_ne!(key.issue(customer).unwrap(), value, "each login gets its own device");
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(DeviceKey::from_secret(&[7; 31]).is_err());
        assert!(DeviceKey::from_secret(&[7; 32]).is_ok());
    }
}
