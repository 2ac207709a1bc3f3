//! Reading what a store (or an import file) holds as a password hash, and a hashing policy from
//! its text: whatever the bytes, no panic; a policy that reads reads back the same from the text
//! it writes.

use customer_auth_core::{HashPolicy, PasswordHash};

/// Checks the property for `data` as a stored hash and as a policy's text (inputs that are not
/// UTF-8 are skipped: both are text).
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = PasswordHash::from_stored(text).format();
    if let Ok(policy) = text.parse::<HashPolicy>() {
        let written = policy.to_string();
        let again: HashPolicy = written.parse().unwrap_or_else(|err| panic!("{written:?} does not read back: {err}"));
        assert_eq!(again, policy, "{text:?} read as {policy:?}, written as {written:?}");
    }
}
