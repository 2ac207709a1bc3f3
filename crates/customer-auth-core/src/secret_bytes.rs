//! The 256-bit secrets behind session ids and single-use tokens, and the SHA-256 keys stores
//! file them under: one implementation of generating, encoding, parsing and hashing, so the
//! two kinds of secret cannot drift apart.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// Declares the key a store files one kind of secret under (SHA-256 based, `$len` bytes), shown
/// in `Debug` by an 8-digit prefix only, as blobs or hex for the stores.
macro_rules! store_key {
    ($(#[$doc:meta])* $name:ident, $len:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name([u8; $len]);

        impl $name {
            /// The key's length in bytes.
            pub const LEN: usize = $len;

            /// Wraps a key read back from a store.
            pub const fn from_bytes(bytes: [u8; $len]) -> Self {
                Self(bytes)
            }

            /// Wraps a key a store kept as a blob; `None` unless it is exactly [`LEN`](Self::LEN)
            /// bytes.
            pub fn from_slice(bytes: &[u8]) -> Option<Self> {
                bytes.try_into().ok().map(Self)
            }

            /// The key's bytes, for stores that keep blobs.
            pub const fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }

            /// The key as lowercase hex digits (two per byte), for stores that keep text (Redis
            /// keys).
            pub fn to_hex(&self) -> String {
                $crate::secret_bytes::to_hex(&self.0)
            }

            /// Parses [`to_hex`](Self::to_hex)'s form back, as stores that keep keys as text read
            /// them; `None` for anything else.
            pub fn from_hex(hex: &str) -> Option<Self> {
                $crate::secret_bytes::from_hex(hex).map(Self)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                // A prefix is enough to tell keys apart in a log.
                write!(f, "{}({}…)", stringify!($name), &self.to_hex()[..8])
            }
        }
    };
}
pub(crate) use store_key;

/// The length of a 32-byte secret in unpadded base64url.
pub(crate) const ENCODED_CHARS: usize = 43;

/// 32 bytes from the OS generator. Fails only when the OS has no randomness to give, which
/// must stop the caller rather than hand out a guessable secret.
pub(crate) fn generate() -> Result<[u8; 32]> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|err| Error::Config(format!("the operating system's random generator failed: {err}")))?;
    Ok(bytes)
}

/// The unpadded base64url form: 43 characters, safe in cookies and links.
pub(crate) fn encode(bytes: &[u8; 32]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Parses [`encode`]'s form. Anything but exactly 43 base64url characters (non-canonical
/// trailing bits included) is `None`, never a panic.
pub(crate) fn decode(text: &str) -> Option<[u8; 32]> {
    if text.len() != ENCODED_CHARS {
        return None;
    }
    let mut bytes = [0u8; 32];
    match URL_SAFE_NO_PAD.decode_slice(text, &mut bytes) {
        Ok(32) => Some(bytes),
        _ => None,
    }
}

/// The first `N` bytes of the SHA-256 of a secret: what stores keep, since the secret cannot be
/// recovered from it.
pub(crate) fn digest<const N: usize>(bytes: &[u8; 32]) -> [u8; N] {
    let mut key = [0u8; N];
    for (byte, digested) in key.iter_mut().zip(Sha256::digest(bytes)) {
        *byte = digested;
    }
    key
}

/// Two lowercase hex digits per byte.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    // Digit by digit rather than through `write!`: Redis key names are built on every request.
    let digit = |nibble: u8| char::from_digit(u32::from(nibble), 16).unwrap_or('0');
    let mut hex = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        hex.push(digit(byte >> 4));
        hex.push(digit(byte & 0x0f));
    }
    hex
}

/// Parses exactly `2 × N` hex digits (either case); `None` for anything else.
pub(crate) fn from_hex<const N: usize>(hex: &str) -> Option<[u8; N]> {
    let digits = hex.as_bytes();
    if digits.len() != N * 2 {
        return None;
    }
    let mut bytes = [0u8; N];
    for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
        let [high, low] = pair else { return None };
        *byte = (nibble(*high)? << 4) | nibble(*low)?;
    }
    Some(bytes)
}

fn nibble(digit: u8) -> Option<u8> {
    char::from(digit).to_digit(16).and_then(|value| u8::try_from(value).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_rejects_garbage() {
        let bytes = generate().unwrap();
        assert_eq!(from_hex(&to_hex(&bytes)), Some(bytes));
        assert_eq!(from_hex(&to_hex(&bytes).to_uppercase()), Some(bytes));
        for bad in [String::new(), "0".repeat(63), "0".repeat(65), "g".repeat(64), "é".repeat(32)] {
            assert!(from_hex::<32>(&bad).is_none(), "{bad:?}");
        }
        assert_eq!(from_hex::<16>(&"ab".repeat(16)), Some([0xab; 16]));
        assert!(from_hex::<16>(&"ab".repeat(32)).is_none());
    }

    #[test]
    fn a_digest_is_the_start_of_the_sha256() {
        let bytes = generate().unwrap();
        let full: [u8; 32] = Sha256::digest(bytes).into();
        assert_eq!(digest::<32>(&bytes), full);
        assert_eq!(digest::<16>(&bytes)[..], full[..16]);
    }
}
