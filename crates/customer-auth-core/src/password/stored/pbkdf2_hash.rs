//! A PBKDF2 hash from another system (Django, ASP.NET Identity): its PRF, iterations, salt and
//! the key it must derive.

use sha2::{Sha256, Sha512};
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use crate::password::stored::HashFormat;

/// The most PBKDF2 iterations a stored hash may ask for. Django's default is 1,000,000 and
/// ASP.NET Identity's 100,000; ten million is seconds of a hashing thread per login.
pub(crate) const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;

/// The shortest derived key accepted: 128 bits, what ASP.NET Identity itself requires.
pub(crate) const MIN_KEY_BYTES: usize = 16;
/// The longest derived key accepted: SHA-512's output.
pub(crate) const MAX_KEY_BYTES: usize = 64;

/// The HMAC PBKDF2 runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prf {
    HmacSha256,
    HmacSha512,
}

/// A PBKDF2 hash, read.
pub(crate) struct Pbkdf2Hash {
    pub(crate) format: HashFormat,
    pub(crate) prf: Prf,
    pub(crate) iterations: u32,
    pub(crate) salt: Vec<u8>,
    pub(crate) key: Vec<u8>,
}

impl Pbkdf2Hash {
    /// Checks the parts read from a stored hash against PBKDF2's and customer-auth's limits.
    pub(crate) fn new(
        format: HashFormat,
        prf: Prf,
        iterations: u32,
        salt: Vec<u8>,
        key: Vec<u8>,
    ) -> Result<Self, String> {
        if !(1..=MAX_PBKDF2_ITERATIONS).contains(&iterations) {
            return Err(format!("{iterations} iterations; customer-auth verifies 1 to {MAX_PBKDF2_ITERATIONS}"));
        }
        if !(MIN_KEY_BYTES..=MAX_KEY_BYTES).contains(&key.len()) {
            return Err(format!(
                "a derived key of {} bytes; customer-auth verifies {MIN_KEY_BYTES} to {MAX_KEY_BYTES}",
                key.len()
            ));
        }
        if salt.is_empty() {
            return Err("the salt is empty".into());
        }
        Ok(Self { format, prf, iterations, salt, key })
    }

    pub(crate) fn format(&self) -> HashFormat {
        self.format
    }

    /// True when `password` derives the stored key; compared in constant time.
    pub(crate) fn matches(&self, password: &[u8]) -> bool {
        let mut derived = Zeroizing::new(vec![0u8; self.key.len()]);
        match self.prf {
            Prf::HmacSha256 => pbkdf2::pbkdf2_hmac::<Sha256>(password, &self.salt, self.iterations, &mut derived),
            Prf::HmacSha512 => pbkdf2::pbkdf2_hmac::<Sha512>(password, &self.salt, self.iterations, &mut derived),
        }
        derived.ct_eq(&self.key).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_7914_vector_derives_its_key() {
        // RFC 7914 section 11: PBKDF2-HMAC-SHA256, P = "passwd", S = "salt", c = 1, dkLen = 64.
        let key = [
            0x55, 0xac, 0x04, 0x6e, 0x56, 0xe3, 0x08, 0x9f, 0xec, 0x16, 0x91, 0xc2, 0x25, 0x44, 0xb6, 0x05, 0xf9, 0x41,
            0x85, 0x21, 0x6d, 0xde, 0x04, 0x65, 0xe6, 0x8b, 0x9d, 0x57, 0xc2, 0x0d, 0xac, 0xbc, 0x49, 0xca, 0x9c, 0xcc,
            0xf1, 0x79, 0xb6, 0x45, 0x99, 0x16, 0x64, 0xb3, 0x9d, 0x77, 0xef, 0x31, 0x7c, 0x71, 0xb8, 0x45, 0xb1, 0xe3,
            0x0b, 0xd5, 0x09, 0x11, 0x20, 0x41, 0xd3, 0xa1, 0x97, 0x83,
        ];
        let hash = Pbkdf2Hash::new(HashFormat::DjangoPbkdf2Sha256, Prf::HmacSha256, 1, b"salt".to_vec(), key.to_vec())
            .unwrap();
        assert!(hash.matches(b"passwd"));
        assert!(!hash.matches(b"passwe"));
    }

    #[test]
    fn limits_are_checked() {
        let new = |iterations, salt: &[u8], key_len| {
            Pbkdf2Hash::new(HashFormat::AspNetIdentityV3, Prf::HmacSha512, iterations, salt.to_vec(), vec![0; key_len])
        };
        assert!(new(0, b"salt", 32).is_err());
        assert!(new(MAX_PBKDF2_ITERATIONS + 1, b"salt", 32).is_err());
        assert!(new(1000, b"", 32).is_err());
        assert!(new(1000, b"salt", 15).is_err());
        assert!(new(1000, b"salt", 65).is_err());
        assert!(new(1000, b"salt", 16).is_ok());
    }
}
