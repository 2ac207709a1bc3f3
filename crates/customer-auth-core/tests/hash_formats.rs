//! Known answers: hashes made by the libraries of the systems customers come from (Django,
//! argon2-cffi, PyPI's bcrypt, ASP.NET Identity's layout), kept in `fixtures/hashes.json` with
//! their origin (see `fixtures/README.md`). Each verifies with its password and not with a
//! near miss; each refused one is refused by name.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use customer_auth_core::{Error, HashFormat, HashPolicy, Password, PasswordHash, PasswordHasher};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixtures {
    verifiable: Vec<Verifiable>,
    refused: Vec<Refused>,
}

#[derive(Deserialize)]
struct Verifiable {
    format: String,
    password: String,
    hash: String,
    origin: String,
}

#[derive(Deserialize)]
struct Refused {
    looks_like: String,
    hash: String,
    origin: String,
}

fn fixtures() -> Fixtures {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/hashes.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fixture_verifies_with_its_password_and_not_with_a_near_miss() {
    let fixtures = fixtures();
    let formats: std::collections::BTreeSet<&str> = fixtures.verifiable.iter().map(|f| f.format.as_str()).collect();
    for expected in ["Django pbkdf2_sha256", "argon2id", "argon2i", "bcrypt", "ASP.NET Identity v3"] {
        assert!(formats.contains(expected), "no {expected} fixture");
    }
    // Both policies read every format: the policy decides only what new hashes are.
    for hasher in
        [PasswordHasher::new(4).unwrap(), PasswordHasher::new(4).unwrap().with_policy(HashPolicy::argon2id_owasp())]
    {
        for fixture in &fixtures.verifiable {
            let hash = PasswordHash::from_stored(fixture.hash.as_str());
            let what = format!("{} from {}", fixture.format, fixture.origin);
            assert_eq!(hash.format().map(HashFormat::name).ok(), Some(fixture.format.as_str()), "{what}");
            assert!(hasher.verify(&Password::new(fixture.password.as_str()), &hash).await.unwrap(), "{what}");
            let near_miss = Password::new(format!("{}!", fixture.password));
            assert!(!hasher.verify(&near_miss, &hash).await.unwrap(), "{what} took a near miss");
            assert!(hasher.needs_rehash(&hash) || fixture.format == "bcrypt", "{what} is not the policy's");
        }
    }
}

#[tokio::test]
async fn unverifiable_fixtures_are_refused_by_name_never_as_a_wrong_password() {
    let hasher = PasswordHasher::new(4).unwrap();
    for fixture in fixtures().refused {
        let hash = PasswordHash::from_stored(fixture.hash.as_str());
        let verified = hasher.verify(&Password::new("correct horse battery staple"), &hash).await;
        let Err(Error::UnsupportedHash(message)) = verified else {
            panic!("{} from {} was not refused: {verified:?}", fixture.looks_like, fixture.origin);
        };
        assert!(message.contains(&fixture.looks_like), "{message} does not name {}", fixture.looks_like);
        assert!(!message.contains(&fixture.hash), "the hash itself is in {message}");
        let whole = Error::UnsupportedHash(message).to_string();
        assert!(whole.contains("cannot verify") && whole.contains("reset their password"), "{whole}");
        assert!(matches!(hash.format(), Err(Error::UnsupportedHash(_))));
    }
}

#[tokio::test]
async fn a_wrong_password_against_each_format_is_false_not_an_error() {
    let hasher = PasswordHasher::new(4).unwrap();
    for fixture in fixtures().verifiable.iter().filter(|f| !f.hash.starts_with("pbkdf2_sha256$1000000$")) {
        let hash = PasswordHash::from_stored(fixture.hash.as_str());
        assert!(!hasher.verify(&Password::new(""), &hash).await.unwrap(), "{}", fixture.origin);
    }
}
