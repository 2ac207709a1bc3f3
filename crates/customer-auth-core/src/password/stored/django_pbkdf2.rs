//! Django's PBKDF2-SHA256 hashes: `pbkdf2_sha256$<iterations>$<salt>$<base64 of the key>`.
//!
//! Django derives the key from the password's UTF-8 bytes and the salt's, with as many bytes
//! as SHA-256 gives, and writes it in standard base64 with padding
//! (`django.contrib.auth.hashers.PBKDF2PasswordHasher`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::password::stored::HashFormat;
use crate::password::stored::pbkdf2_hash::{Pbkdf2Hash, Prf};

/// Reads what follows `pbkdf2_sha256$`.
pub(super) fn parse(rest: &str) -> Result<Pbkdf2Hash, String> {
    let mut parts = rest.split('$');
    let (Some(iterations), Some(salt), Some(key), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("Django's format has four parts separated by $: pbkdf2_sha256, iterations, salt, hash".into());
    };
    // Digits only: `parse` would also take a leading `+`.
    if iterations.is_empty() || iterations.len() > 10 || !iterations.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the iteration count is not a whole number".into());
    }
    let iterations = iterations.parse().map_err(|_| "the iteration count is out of range".to_owned())?;
    let key = STANDARD.decode(key).map_err(|_| "the hash is not standard base64".to_owned())?;
    Pbkdf2Hash::new(HashFormat::DjangoPbkdf2Sha256, Prf::HmacSha256, iterations, salt.as_bytes().to_vec(), key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn django_docs_example_shape_parses() {
        let hash = parse("1000000$Qw0jF8IZ1FfZIqpKl2kbkK$q3VcNDcWcW9D4d3rRLEkK8hA0WBj7Mx8+gT1WX0ShCg=").unwrap();
        assert_eq!(
            (hash.iterations, hash.salt.as_slice(), hash.key.len()),
            (1_000_000, &b"Qw0jF8IZ1FfZIqpKl2kbkK"[..], 32)
        );
    }

    #[test]
    fn malformed_hashes_say_what_is_wrong() {
        for bad in [
            "",
            "1000$salt",
            "1000$salt$hash$extra",
            "+1000$salt$q3VcNDcWcW9D4d3rRLEkK8hA0WBj7Mx8+gT1WX0ShCg=",
            "99999999999$salt$q3VcNDcWcW9D4d3rRLEkK8hA0WBj7Mx8+gT1WX0ShCg=",
            "1000$salt$not base64!",
            "1000$$q3VcNDcWcW9D4d3rRLEkK8hA0WBj7Mx8+gT1WX0ShCg=",
            "0$salt$q3VcNDcWcW9D4d3rRLEkK8hA0WBj7Mx8+gT1WX0ShCg=",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
