//! Reading a stored hash never panics, whatever the store holds: property tests over any
//! text, and over text that starts like each format customer-auth reads.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use customer_auth_core::{Error, HashPolicy, PasswordHash, PasswordHasher};
use proptest::prelude::*;

const PREFIXES: &[&str] = &[
    "$2a$",
    "$2b$04$",
    "$2y$31$",
    "bcrypt$$2b$",
    "$argon2id$",
    "$argon2id$v=19$",
    "$argon2id$v=19$m=64,t=1,p=1$",
    "$argon2i$v=16$m=",
    "argon2$argon2id$v=19$m=8,t=1,p=1$",
    "$argon2d$v=19$m=4294967295,t=4294967295,p=16777215$",
    "pbkdf2_sha256$",
    "pbkdf2_sha256$1000$",
    "pbkdf2_sha256$4294967296$salt$",
    "$scrypt$",
    "{SSHA}",
];

/// Every entry point that reads a stored hash without computing one: none may panic, and
/// each gives a verdict.
fn read_every_way(text: &str) {
    let hash = PasswordHash::from_stored(text);
    match hash.format() {
        Ok(_) | Err(Error::UnsupportedHash(_) | Error::Hashing(_)) => {}
        Err(other) => panic!("{other:?} for {text:?}"),
    }
    let _ = hash.bcrypt_cost();
    let _ = format!("{hash:?}");
    let bcrypt = PasswordHasher::new(4).unwrap();
    let _ = bcrypt.needs_rehash(&hash);
    let _ = bcrypt.with_policy(HashPolicy::argon2id_owasp()).needs_rehash(&hash);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_text_reads_without_a_panic(text in any::<String>()) {
        read_every_way(&text);
    }

    #[test]
    fn text_shaped_like_a_format_reads_without_a_panic(
        prefix in prop::sample::select(PREFIXES),
        tail in "[A-Za-z0-9./+=$,:-]{0,120}",
    ) {
        read_every_way(&format!("{prefix}{tail}"));
    }

    #[test]
    fn aspnet_shaped_bytes_read_without_a_panic(
        version in 0u8..3,
        prf in prop_oneof![Just(0u32), Just(1), Just(2), any::<u32>()],
        iterations in prop_oneof![Just(0u32), Just(10_000), any::<u32>()],
        salt_len in prop_oneof![Just(16u32), Just(0), any::<u32>()],
        rest in prop::collection::vec(any::<u8>(), 0..96),
    ) {
        let mut bytes = vec![version];
        for word in [prf, iterations, salt_len] {
            bytes.extend_from_slice(&word.to_be_bytes());
        }
        bytes.extend_from_slice(&rest);
        read_every_way(&STANDARD.encode(&bytes));
    }
}
