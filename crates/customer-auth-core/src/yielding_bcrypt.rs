//! bcrypt that steps aside for waiting threads while it works.
//!
//! The `bcrypt` crate computes a hash in one uninterrupted run: 2^cost rounds of Blowfish's
//! expensive key schedule, about 60 µs each. On a machine whose cores are all hashing, a
//! request thread that wakes up then waits for the scheduler to take a core from a hashing
//! thread, which on the virtual machines apps run on took up to several milliseconds, whatever
//! the hashing thread's priority. Here the same rounds yield the core after each one, so a
//! waiting request runs within one round. The output is bcrypt's, bit for bit: the tests
//! compare it with the `bcrypt` crate's on many inputs.

use std::str::FromStr as _;

use base64::Engine as _;
use base64::alphabet::BCRYPT;
use base64::engine::general_purpose::{GeneralPurpose, NO_PAD};
use bcrypt::{BcryptError, BcryptResult, HashParts, Version};
use blowfish::Blowfish;
use subtle::ConstantTimeEq as _;
use zeroize::Zeroize as _;

use crate::hasher::{MAX_COST, MIN_COST};

/// bcrypt's own base64: its alphabet, no padding.
const BASE_64: GeneralPurpose = GeneralPurpose::new(&BCRYPT, NO_PAD);

/// The most password bytes bcrypt reads.
const MAX_KEY_BYTES: usize = 72;

/// Hashes `password` (at most 72 bytes; longer ones are truncated as bcrypt does, so callers
/// refuse them first) with `cost` and `salt`, in the `$2b$` format.
pub(crate) fn hash(password: &[u8], cost: u32, salt: [u8; 16]) -> BcryptResult<String> {
    if !(MIN_COST..=MAX_COST).contains(&cost) {
        return Err(BcryptError::CostNotAllowed(cost));
    }
    let digest = digest(cost, &salt, password);
    Ok(format!("$2b${cost:02}${}{}", BASE_64.encode(salt), BASE_64.encode(&digest[..23])))
}

/// True when `password` matches the stored `hash` (`$2a$`, `$2b$`, `$2x$` or `$2y$`).
pub(crate) fn verify(password: &[u8], hash: &str) -> BcryptResult<bool> {
    let stored = HashParts::from_str(hash)?;
    let computed = self::hash(password, stored.get_cost(), stored.get_salt_raw())?;
    Ok(computed.as_bytes().ct_eq(stored.format_for_version(Version::TwoB).as_bytes()).into())
}

/// bcrypt's 24-byte output for the password as bcrypt reads it: at most 72 bytes, with a NUL
/// after it when there is room.
fn digest(cost: u32, salt: &[u8; 16], password: &[u8]) -> [u8; 24] {
    let mut key = [0u8; MAX_KEY_BYTES];
    let len = password.len().min(MAX_KEY_BYTES);
    key[..len].copy_from_slice(&password[..len]);
    let used = (len + 1).min(MAX_KEY_BYTES);

    let mut state = Blowfish::bc_init_state();
    state.salted_expand_key(salt, &key[..used]);
    for _ in 0..1u64 << cost {
        state.bc_expand_key(&key[..used]);
        state.bc_expand_key(salt);
        std::thread::yield_now();
    }
    key.zeroize();

    // "OrpheanBeholderScryDoubt", encrypted 64 times.
    let text: [u32; 6] = [0x4f72_7068, 0x6561_6e42, 0x6568_6f6c, 0x6465_7253, 0x6372_7944, 0x6f75_6274];
    let mut output = [0u8; 24];
    for (pair, out) in text.chunks_exact(2).zip(output.chunks_exact_mut(8)) {
        let mut block = [pair[0], pair[1]];
        for _ in 0..64 {
            block = state.bc_encrypt(block);
        }
        out[..4].copy_from_slice(&block[0].to_be_bytes());
        out[4..].copy_from_slice(&block[1].to_be_bytes());
    }
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(seed: u64, len: usize) -> Vec<u8> {
        // A small deterministic generator: reproducible inputs of every byte value.
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x.to_le_bytes()[0]
            })
            .collect()
    }

    #[test]
    fn hashes_are_the_bcrypt_crates_bit_for_bit() {
        for case in 0..200u64 {
            let password = bytes(case, usize::try_from(case % 74).unwrap());
            let salt: [u8; 16] = bytes(case + 1000, 16).try_into().unwrap();
            let cost = 4 + u32::try_from(case % 2).unwrap();
            let ours = hash(&password, cost, salt).unwrap();
            let theirs = bcrypt::hash_with_salt(&password, cost, salt).unwrap().to_string();
            assert_eq!(ours, theirs, "case {case}");
            assert!(verify(&password, &theirs).unwrap(), "case {case}");
            assert!(bcrypt::verify(&password, &ours).unwrap(), "case {case}");
        }
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
            assert_eq!(verify(password.as_bytes(), hash).ok(), bcrypt::verify(password, hash).ok(), "{hash}");
            assert_eq!(verify(password.as_bytes(), hash).ok(), Some(true), "{hash}");
            assert_eq!(verify(format!("{password}x").as_bytes(), hash).ok(), Some(false), "{hash}");
        }
    }

    #[test]
    fn bad_hashes_and_costs_are_errors_not_panics() {
        for bad in ["", "$2b$04$", "$2b$99$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "$2b$04$é"] {
            assert!(verify(b"x", bad).is_err(), "{bad}");
        }
        assert!(hash(b"x", 3, [0; 16]).is_err());
        assert!(hash(b"x", 32, [0; 16]).is_err());
    }
}
