//! Recovery codes: ten of them, 80 random bits each, shown once and stored only as hashes
//! (SHA-256 over the customer and the code: at 80 bits a hash cannot be searched back to its
//! code, so no slow hash is needed), each good for one login.

use sha2::{Digest, Sha256};

use crate::{CustomerId, Error, Result};

/// How many codes a customer gets at a time.
pub const RECOVERY_CODE_COUNT: usize = 10;
/// Characters per code, of RFC 4648's base32 alphabet: 16 × 5 = 80 bits.
const CODE_CHARS: usize = 16;
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

crate::secret_bytes::store_key!(
    /// What a store keeps of a recovery code: its SHA-256, bound to its customer.
    RecoveryCodeHash,
    32
);

/// Freshly made recovery codes, to show the customer once (`ABCD-EFGH-JKLM-NPQR`, case and
/// dashes ignored when typed back). `Debug` prints how many there are, never the codes.
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCodes(Vec<String>);

impl RecoveryCodes {
    /// The codes, in the form to show.
    pub fn codes(&self) -> &[String] {
        &self.0
    }
}

impl std::fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecoveryCodes({} [redacted])", self.0.len())
    }
}

/// Ten new codes for `customer`, and what the store keeps of them.
pub(crate) fn generate(customer: CustomerId) -> Result<(RecoveryCodes, Vec<RecoveryCodeHash>)> {
    let mut codes = Vec::with_capacity(RECOVERY_CODE_COUNT);
    let mut hashes = Vec::with_capacity(RECOVERY_CODE_COUNT);
    for _ in 0..RECOVERY_CODE_COUNT {
        let mut random = [0u8; CODE_CHARS];
        getrandom::fill(&mut random)
            .map_err(|err| Error::Config(format!("the operating system's random generator failed: {err}")))?;
        // 256 is a multiple of 32, so every character is equally likely.
        let chars: String = random.iter().map(|byte| char::from(ALPHABET[usize::from(byte % 32)])).collect();
        let shown = chars.as_bytes().chunks(4).map(|group| String::from_utf8_lossy(group).into_owned());
        codes.push(shown.collect::<Vec<_>>().join("-"));
        hashes.push(hash_normalised(customer, &chars));
    }
    Ok((RecoveryCodes(codes), hashes))
}

/// The hash of what a customer typed, if it has the shape of a recovery code.
pub(crate) fn hash(customer: CustomerId, typed: &str) -> Option<RecoveryCodeHash> {
    let normalised: String =
        typed.chars().filter(|c| !matches!(c, '-' | ' ' | '\t')).map(|c| c.to_ascii_uppercase()).collect();
    let valid = normalised.len() == CODE_CHARS && normalised.bytes().all(|byte| ALPHABET.contains(&byte));
    valid.then(|| hash_normalised(customer, &normalised))
}

fn hash_normalised(customer: CustomerId, code: &str) -> RecoveryCodeHash {
    let mut hasher = Sha256::new();
    hasher.update(b"customer-auth recovery code\0");
    hasher.update(customer.as_bytes());
    hasher.update(code.as_bytes());
    RecoveryCodeHash::from_bytes(hasher.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_typed_back_in_any_case_with_or_without_dashes() {
        let ada = CustomerId::new();
        let (codes, hashes) = generate(ada).unwrap();
        assert_eq!(codes.codes().len(), RECOVERY_CODE_COUNT);
        let distinct: std::collections::HashSet<_> = hashes.iter().collect();
        assert_eq!(distinct.len(), RECOVERY_CODE_COUNT);
        let first = &codes.codes()[0];
        assert_eq!(first.len(), 19, "four groups of four: {first}");
        assert_eq!(hash(ada, first), Some(hashes[0]));
        assert_eq!(hash(ada, &first.to_lowercase().replace('-', " ")), Some(hashes[0]));
        assert_ne!(hash(CustomerId::new(), first), Some(hashes[0]), "bound to the customer");
        for garbage in ["", "123456", "ABCD-EFGH-IJKL-MNO1", "ABCD-EFGH-IJKL-MNOPQ", "ÄBCD-EFGH-IJKL-MNOP"] {
            assert_eq!(hash(ada, garbage), None, "{garbage:?}");
        }
        assert!(!format!("{codes:?}").contains(first.as_str()));
    }
}
