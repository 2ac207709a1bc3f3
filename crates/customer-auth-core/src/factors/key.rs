//! The key that seals TOTP secrets at rest: XChaCha20-Poly1305 (RustCrypto), bound to the
//! customer, so a store's dump holds no usable secret and a sealed secret moved to another
//! customer's row does not open.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::{CustomerId, Error, Result};

/// The first byte of a sealed secret: the format, so a later one can be told apart.
const FORMAT: u8 = 1;
const NONCE_LEN: usize = 24;

/// The app's key for second-factor secrets. Give every app instance the same one, from a
/// secret kept like a database password (the store never sees it: losing it makes every
/// enrolled authenticator app useless, leaking it with the store's data leaks the secrets).
/// `Debug` prints `[redacted]`.
///
/// ```
/// use customer_auth::FactorKey;
///
/// let key = FactorKey::from_secret(b"64 or so random bytes from your secret store, never a literal")?;
/// # Ok::<(), customer_auth::Error>(())
/// ```
#[derive(Clone)]
pub struct FactorKey([u8; 32]);

impl FactorKey {
    /// A key from 32 or more secret bytes (all of them count: the key is their SHA-256).
    pub fn from_secret(secret: &[u8]) -> Result<Self> {
        if secret.len() < 32 {
            return Err(Error::Config(format!(
                "a second-factor key needs at least 32 secret bytes, got {}; generate them with a CSPRNG",
                secret.len()
            )));
        }
        let mut hasher = Sha256::new();
        hasher.update(b"customer-auth second-factor key\0");
        hasher.update(secret);
        Ok(Self(hasher.finalize().into()))
    }

    /// A random key of this process's own: for tests and a single instance that may lose its
    /// customers' authenticator apps on restart. Production gives [`from_secret`](Self::from_secret).
    pub fn generate() -> Result<Self> {
        crate::secret_bytes::generate().map(Self)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.0.into())
    }

    /// `plain`, encrypted and authenticated for `customer`: format byte, nonce, ciphertext.
    pub(crate) fn seal(&self, customer: CustomerId, plain: &[u8]) -> Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce)
            .map_err(|err| Error::Config(format!("the operating system's random generator failed: {err}")))?;
        let sealed = self
            .cipher()
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad: customer.as_bytes() })
            .map_err(|_| Error::Config("a second-factor secret could not be sealed".into()))?;
        Ok([&[FORMAT][..], &nonce, &sealed].concat())
    }

    /// What [`seal`](Self::seal) sealed for `customer`; an error for anything else (another
    /// key, another customer, a damaged value), which says which of these to check.
    pub(crate) fn open(&self, customer: CustomerId, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let refused = || {
            Error::Corrupt(
                "a stored second-factor secret does not open with this key: check that every instance has the same \
                 FactorKey"
                    .into(),
            )
        };
        let (&format, rest) = sealed.split_first().ok_or_else(refused)?;
        if format != FORMAT || rest.len() < NONCE_LEN {
            return Err(refused());
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        self.cipher()
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: customer.as_bytes() })
            .map(Zeroizing::new)
            .map_err(|_| refused())
    }
}

impl Drop for FactorKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for FactorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FactorKey([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_for_its_customer_and_key() {
        let key = FactorKey::generate().unwrap();
        let (ada, bob) = (CustomerId::new(), CustomerId::new());
        let sealed = key.seal(ada, b"twenty secret bytes!").unwrap();
        assert!(!sealed.windows(6).any(|window| window == b"secret"), "no plain text in the sealed form");
        assert_eq!(key.open(ada, &sealed).unwrap().as_slice(), b"twenty secret bytes!");
        assert!(key.open(bob, &sealed).is_err(), "moved to another customer");
        assert!(FactorKey::generate().unwrap().open(ada, &sealed).is_err(), "another key");
        for damaged in [vec![], vec![FORMAT], sealed[..sealed.len() - 1].to_vec(), [&[2][..], &sealed[1..]].concat()] {
            assert!(key.open(ada, &damaged).is_err());
        }
        assert_eq!(format!("{key:?}"), "FactorKey([redacted])");
        assert!(FactorKey::from_secret(b"short").is_err());
    }
}
