//! bcrypt's hash text (`$2b$12$` then salt and digest in bcrypt's base64): reading it, writing
//! it and comparing a digest with it. The digest itself comes from [`crate::password::bcrypt_lanes`].

use std::str::FromStr as _;

use base64::Engine as _;
use base64::alphabet::BCRYPT;
use base64::engine::general_purpose::{GeneralPurpose, NO_PAD};
use bcrypt::{BcryptError, BcryptResult, HashParts, Version};
use subtle::ConstantTimeEq as _;

use crate::password::bcrypt_lanes::Digest;
use crate::password::policy::{MAX_COST, MIN_COST};

/// bcrypt's own base64: its alphabet, no padding.
const BASE_64: GeneralPurpose = GeneralPurpose::new(&BCRYPT, NO_PAD);

/// The hash text of `digest`, made with `cost` and `salt`, in the `$2b$` format.
pub(crate) fn format(cost: u32, salt: &[u8; 16], digest: &Digest) -> String {
    format!("$2b${cost:02}${}{}", BASE_64.encode(salt), BASE_64.encode(&digest[..23]))
}

/// A stored hash, read: what to compute again and what the result must be.
pub(crate) struct StoredHash {
    cost: u32,
    salt: [u8; 16],
    /// The hash in the `$2b$` format: `$2a$`, `$2x$` and `$2y$` hashes differ only in the name.
    text: String,
}

impl StoredHash {
    /// Reads a `$2a$`, `$2b$`, `$2x$` or `$2y$` hash with a cost from 4 to 31.
    pub(crate) fn parse(hash: &str) -> BcryptResult<Self> {
        let parts = HashParts::from_str(hash)?;
        let cost = parts.get_cost();
        if !(MIN_COST..=MAX_COST).contains(&cost) {
            return Err(BcryptError::CostNotAllowed(cost));
        }
        Ok(Self { cost, salt: parts.get_salt_raw(), text: parts.format_for_version(Version::TwoB) })
    }

    pub(crate) fn cost(&self) -> u32 {
        self.cost
    }

    pub(crate) fn salt(&self) -> &[u8; 16] {
        &self.salt
    }

    /// True when `digest`, computed with this hash's cost and salt, is the stored one. The
    /// comparison takes the same time wherever the first difference is.
    pub(crate) fn matches(&self, digest: &Digest) -> bool {
        format(self.cost, &self.salt, digest).as_bytes().ct_eq(self.text.as_bytes()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::password::bcrypt_lanes::digest_alone;

    fn verify(password: &str, hash: &str) -> BcryptResult<bool> {
        let stored = StoredHash::parse(hash)?;
        Ok(stored.matches(&digest_alone(password.as_bytes(), stored.salt(), stored.cost())))
    }

    #[test]
    fn known_hashes_verify_and_near_misses_do_not() {
        // OpenBSD's test vectors, and hashes from Python and Node that the bcrypt crate tests with.
        for (password, hash) in [
            ("", "$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s."),
            ("U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"),
            ("password", "$2a$04$UuTkLRZZ6QofpDOlMz32MuuxEHA43WOemOYHPz6.SjsVsyO1tDU96"),
            ("correctbatteryhorsestapler", "$2b$04$EGdrhbKUv8Oc9vGiXX0HQOxSg445d458Muh7DAHskb6QbtCvdxcie"),
            ("correctbatteryhorsestapler", "$2a$04$n4Uy0eSnMfvnESYL.bLwuuj0U/ETSsoTpRT9GVk5bektyVVa5xnIi"),
        ] {
            assert_eq!(verify(password, hash).ok(), Some(true), "{hash}");
            assert_eq!(verify(&format!("{password}x"), hash).ok(), Some(false), "{hash}");
        }
    }

    #[test]
    fn written_hashes_are_the_bcrypt_crates() {
        let salt = *b"0123456789abcdef";
        let ours = format(4, &salt, &digest_alone(b"hunter22", &salt, 4));
        assert_eq!(ours, bcrypt::hash_with_salt("hunter22", 4, salt).unwrap().to_string());
        assert!(bcrypt::verify("hunter22", &ours).unwrap());
    }

    #[test]
    fn bad_hashes_and_costs_are_errors_not_panics() {
        for bad in [
            "",
            "$2b$04$",
            "$2b$99$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            "$2b$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            "$2b$32$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            "$2b$04$é",
        ] {
            assert!(StoredHash::parse(bad).is_err(), "{bad}");
        }
    }
}
