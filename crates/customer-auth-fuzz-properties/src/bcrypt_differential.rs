//! Our bcrypt (several hashes interleaved per hashing thread) against the `bcrypt` crate, the
//! reference, through `PasswordHasher`: a hash of ours verifies there, a hash of theirs (in
//! any of the `$2a$`, `$2b$`, `$2x$`, `$2y$` spellings) verifies here, a wrong password fails
//! both, and a malformed hash string is refused by both, never a panic.
//!
//! Input layout: byte 0 picks the case (its low bits: the spelling of their hash, whether to
//! mangle it, and the cost, 4 or 5); bytes 1 to 16 are the salt (zero-padded); the rest,
//! split at the first `0xFF`, is the password, then the text that mangles the hash.

use std::sync::OnceLock;

use bcrypt::Version;
use customer_auth_core::{Password, PasswordHash, PasswordHasher};

/// One runtime and one hasher (its threads) for every input, as a fuzzing process runs many.
fn hasher() -> &'static (tokio::runtime::Runtime, PasswordHasher, PasswordHasher) {
    static HASHER: OnceLock<(tokio::runtime::Runtime, PasswordHasher, PasswordHasher)> = OnceLock::new();
    HASHER.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        (runtime, PasswordHasher::new(4).expect("cost 4"), PasswordHasher::new(5).expect("cost 5"))
    })
}

/// Checks the property on the fuzzer's bytes; panics when ours and the reference disagree.
pub fn check(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else { return };
    let (salt_bytes, rest) = rest.split_at(rest.len().min(16));
    let mut salt = [0u8; 16];
    salt[..salt_bytes.len()].copy_from_slice(salt_bytes);
    let (password, mangle) = match rest.iter().position(|&byte| byte == 0xFF) {
        Some(at) => (&rest[..at], Some(&rest[at + 1..])),
        None => (rest, None),
    };
    // Our hasher refuses passwords over 72 bytes where the reference truncates them: a
    // deliberate difference, tested on its own.
    let Ok(text) = std::str::from_utf8(password) else { return };
    if text.len() > 72 {
        return;
    }
    let version = match selector & 3 {
        0 => Version::TwoA,
        1 => Version::TwoB,
        2 => Version::TwoX,
        _ => Version::TwoY,
    };
    let cost = 4 + u32::from((selector >> 2) & 1);
    let (runtime, cost4, cost5) = hasher();
    let ours = if cost == 4 { cost4 } else { cost5 };
    let password = Password::new(text);

    let theirs = bcrypt::hash_with_salt(text, cost, salt).expect("the reference hashes").format_for_version(version);
    let verified = runtime.block_on(ours.verify(&password, &PasswordHash::from_stored(theirs.clone())));
    assert!(verified.expect("a well-formed hash verifies"), "ours refused the reference's {theirs}");
    let wrong = Password::new(format!("{text}!"));
    if text.len() < 72 {
        let refused = runtime.block_on(ours.verify(&wrong, &PasswordHash::from_stored(theirs.clone())));
        assert!(!refused.expect("a well-formed hash verifies"), "ours accepted a wrong password for {theirs}");
    }

    let made = runtime.block_on(ours.hash(&password)).expect("ours hashes");
    assert!(bcrypt::verify(text, made.as_str()).expect("the reference reads our hash"), "the reference refused ours");

    if let Some(mangle) = mangle {
        let mut mangled = theirs.into_bytes();
        for (at, byte) in mangle.iter().enumerate() {
            let index = (usize::from(*byte) + at * 7) % (mangled.len() + 1);
            if selector & 8 == 0 && index < mangled.len() {
                mangled[index] = byte.wrapping_add(u8::try_from(at % 251).unwrap_or(0));
            } else {
                mangled.truncate(index);
            }
        }
        let mangled = String::from_utf8_lossy(&mangled).into_owned();
        let reference = bcrypt::verify(text, &mangled);
        let ours = runtime.block_on(ours.verify(&password, &PasswordHash::from_stored(mangled.clone())));
        match (ours, reference) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "ours and the reference disagree on {mangled:?}"),
            (Err(_), Err(_)) => {}
            (ours, reference) => panic!("on {mangled:?} ours gave {ours:?}, the reference {reference:?}"),
        }
    }
}
