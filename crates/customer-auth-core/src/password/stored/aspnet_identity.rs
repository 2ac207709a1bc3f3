//! ASP.NET Core Identity's password hashes, read from their base64 text.
//!
//! Version 3 (`PasswordHasher<TUser>` in `Microsoft.AspNetCore.Identity`): one header byte
//! 0x01, then big-endian u32s for the PRF (0 HMAC-SHA1, 1 HMAC-SHA256, 2 HMAC-SHA512), the
//! iteration count and the salt length, then the salt, then the PBKDF2 subkey to the end.
//! Identity itself accepts salts and subkeys of at least 128 bits. Version 2 is a 0x00 byte,
//! a 16-byte salt and a 32-byte PBKDF2-HMAC-SHA1 subkey at 1000 iterations.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::Error;
use crate::password::stored::HashFormat;
use crate::password::stored::pbkdf2_hash::{MIN_KEY_BYTES, Pbkdf2Hash, Prf};

const V3_HEADER: usize = 13;

/// `None` when `text` is not base64 of a version 2 or 3 header at all; otherwise the hash, or
/// why it cannot be verified.
pub(super) fn parse(text: &str) -> Option<Result<Pbkdf2Hash, Error>> {
    let bytes = STANDARD.decode(text).ok()?;
    match bytes.first()? {
        0x00 if bytes.len() == 49 => Some(Err(Error::UnsupportedHash(
            "this password hash looks like ASP.NET Identity v2 (PBKDF2-HMAC-SHA1 at 1000 iterations), which customer-auth cannot verify".into(),
        ))),
        0x01 if bytes.len() >= V3_HEADER => Some(v3(&bytes)),
        _ => None,
    }
}

fn v3(bytes: &[u8]) -> Result<Pbkdf2Hash, Error> {
    let malformed =
        |reason: String| Error::Hashing(format!("the stored ASP.NET Identity v3 password hash is malformed: {reason}"));
    let word = |at: usize| {
        bytes.get(at..at + 4).and_then(|word| <[u8; 4]>::try_from(word).ok()).map(u32::from_be_bytes).unwrap_or(0)
    };
    let prf = match word(1) {
        1 => Prf::HmacSha256,
        2 => Prf::HmacSha512,
        0 => {
            return Err(Error::UnsupportedHash(
                "this password hash looks like ASP.NET Identity v3 with HMAC-SHA1, which customer-auth cannot verify"
                    .into(),
            ));
        }
        other => return Err(malformed(format!("unknown PRF {other}; Identity writes 0, 1 or 2"))),
    };
    let iterations = word(5);
    let salt_len = usize::try_from(word(9)).unwrap_or(usize::MAX);
    let salt_end = V3_HEADER.saturating_add(salt_len);
    let (Some(salt), Some(key)) = (bytes.get(V3_HEADER..salt_end), bytes.get(salt_end..)) else {
        return Err(malformed(format!("a salt of {salt_len} bytes is longer than the hash")));
    };
    if salt.len() < MIN_KEY_BYTES {
        return Err(malformed(format!("a salt of {} bytes; Identity requires at least {MIN_KEY_BYTES}", salt.len())));
    }
    Pbkdf2Hash::new(HashFormat::AspNetIdentityV3, prf, iterations, salt.to_vec(), key.to_vec()).map_err(malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(prf: u32, iterations: u32, salt: &[u8], key: &[u8], salt_len: u32) -> String {
        let mut bytes = vec![0x01];
        for word in [prf, iterations, salt_len] {
            bytes.extend_from_slice(&word.to_be_bytes());
        }
        bytes.extend_from_slice(salt);
        bytes.extend_from_slice(key);
        STANDARD.encode(bytes)
    }

    #[test]
    fn the_header_is_read() {
        let text = encode(2, 100_000, &[7; 16], &[9; 32], 16);
        let hash = parse(&text).unwrap().unwrap();
        assert_eq!(
            (hash.prf, hash.iterations, hash.salt.as_slice(), hash.key.as_slice()),
            (Prf::HmacSha512, 100_000, &[7u8; 16][..], &[9u8; 32][..])
        );
        let hash = parse(&encode(1, 10_000, &[7; 16], &[9; 32], 16)).unwrap().unwrap();
        assert_eq!(hash.prf, Prf::HmacSha256);
    }

    #[test]
    fn bad_headers_are_errors_not_panics() {
        for (text, unsupported) in [
            (encode(0, 10_000, &[7; 16], &[9; 32], 16), true),
            (encode(3, 10_000, &[7; 16], &[9; 32], 16), false),
            (encode(1, 0, &[7; 16], &[9; 32], 16), false),
            (encode(1, 10_000, &[7; 16], &[9; 32], u32::MAX), false),
            (encode(1, 10_000, &[7; 16], &[9; 32], 49), false),
            (encode(1, 10_000, &[7; 8], &[9; 32], 8), false),
            (encode(1, 10_000, &[7; 16], &[9; 8], 16), false),
        ] {
            match parse(&text) {
                Some(Err(Error::UnsupportedHash(_))) => assert!(unsupported, "{text}"),
                Some(Err(Error::Hashing(_))) => assert!(!unsupported, "{text}"),
                _ => panic!("{text} was not refused"),
            }
        }
        assert!(parse("AQ==").is_none(), "too short for a header");
        assert!(parse("not base64").is_none());
    }
}
