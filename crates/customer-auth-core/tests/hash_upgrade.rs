//! Upgrade on login: a customer whose stored hash is not the policy's (another algorithm,
//! other parameters, a format imported from another system) is stored under the policy after
//! their next successful login, and only then.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use customer_auth_core::{
    Auth, Customer, CustomerId, CustomerStatus, CustomerStore, Error, HashFormat, HashPolicy, MemoryStore, Password,
    PasswordHash, PasswordHasher, Registration, Roles, Timestamp,
};

const PASSWORD: &str = "correct horse battery";
const NEW_PASSWORD: &str = "a brand new battery staple";

/// argon2id with little memory, so the tests run fast; what is tested is the same.
fn small_argon2id() -> HashPolicy {
    HashPolicy::argon2id(256, 1, 1).unwrap()
}

fn registration(username: &str) -> Registration {
    Registration {
        first_name: "Grace".into(),
        last_name: "Hopper".into(),
        email: format!("{username}@example.com"),
        username: username.into(),
        password: Password::new(PASSWORD),
        confirm_password: Password::new(PASSWORD),
    }
}

/// A customer as an import stores one: the hash as it came.
async fn plant(store: &MemoryStore, username: &str, hash: &str) -> CustomerId {
    let now = Timestamp::now();
    let customer = Customer {
        id: CustomerId::new(),
        first_name: "Imported".into(),
        last_name: "Customer".into(),
        email: format!("{username}@example.com"),
        username: username.into(),
        password_hash: PasswordHash::from_stored(hash),
        roles: Roles::new(),
        status: CustomerStatus::Active,
        failed_logins: 0,
        locked_until: None,
        email_confirmed_at: Some(now),
        security_stamp: 0,
        created_at: now,
        updated_at: now,
    };
    store.create_customer(&customer).await.unwrap();
    customer.id
}

async fn stored_hash(store: &MemoryStore, id: CustomerId) -> PasswordHash {
    store.find_customer(id).await.unwrap().unwrap().password_hash
}

#[tokio::test]
async fn a_bcrypt_customer_logs_in_under_argon2id_and_is_stored_as_argon2id() {
    let store = MemoryStore::new();
    let bcrypt = Auth::new(Arc::new(store.clone())).with_hasher(PasswordHasher::new(4).unwrap());
    let grace = bcrypt.register(registration("grace")).await.unwrap();
    assert_eq!(grace.password_hash.bcrypt_cost(), Some(4));

    let argon = Auth::new(Arc::new(store.clone()))
        .with_sessions(Arc::new(store.clone()))
        .with_hasher(PasswordHasher::new(4).unwrap())
        .with_hash_policy(small_argon2id());
    // A wrong password upgrades nothing.
    let wrong = argon.authenticate("grace", &Password::new("incorrect horse battery")).await;
    assert!(matches!(wrong, Err(Error::InvalidCredentials)));
    assert_eq!(stored_hash(&store, grace.id).await, grace.password_hash);

    let logged_in = argon.authenticate("grace", &Password::new(PASSWORD)).await.unwrap();
    let upgraded = stored_hash(&store, grace.id).await;
    assert_eq!(upgraded.format().unwrap(), HashFormat::Argon2id);
    assert!(upgraded.as_str().starts_with("$argon2id$v=19$m=256,t=1,p=1$"), "{upgraded:?}");
    assert_eq!(logged_in.password_hash, upgraded, "the customer returned carries the new hash");
    assert!(!argon.hasher().needs_rehash(&upgraded));

    // Logged in again: the hash stays as it is now.
    argon.authenticate("grace", &Password::new(PASSWORD)).await.unwrap();
    assert_eq!(stored_hash(&store, grace.id).await, upgraded);

    // After a password change the old password no longer works, and the new one is argon2id.
    argon
        .change_password(grace.id, &Password::new(PASSWORD), &Password::new(NEW_PASSWORD), &Password::new(NEW_PASSWORD))
        .await
        .unwrap();
    let old = argon.authenticate("grace", &Password::new(PASSWORD)).await;
    assert!(matches!(old, Err(Error::InvalidCredentials)), "{old:?}");
    let changed = argon.authenticate("grace", &Password::new(NEW_PASSWORD)).await.unwrap();
    assert_eq!(changed.password_hash.format().unwrap(), HashFormat::Argon2id);
    assert!(!argon.hasher().verify(&Password::new(PASSWORD), &changed.password_hash).await.unwrap());
}

#[tokio::test]
async fn argon2id_with_weaker_parameters_is_upgraded_and_back_to_bcrypt_too() {
    let store = MemoryStore::new();
    let weak = Auth::new(Arc::new(store.clone())).with_hash_policy(HashPolicy::argon2id(64, 1, 1).unwrap());
    let grace = weak.register(registration("grace")).await.unwrap();
    assert!(grace.password_hash.as_str().starts_with("$argon2id$v=19$m=64,t=1,p=1$"));

    let stronger = Auth::new(Arc::new(store.clone())).with_hash_policy(small_argon2id());
    stronger.authenticate("grace", &Password::new(PASSWORD)).await.unwrap();
    assert!(stored_hash(&store, grace.id).await.as_str().starts_with("$argon2id$v=19$m=256,t=1,p=1$"));

    // A shop that goes back to bcrypt moves its customers back the same way.
    let bcrypt = Auth::new(Arc::new(store.clone())).with_hasher(PasswordHasher::new(4).unwrap());
    bcrypt.authenticate("grace", &Password::new(PASSWORD)).await.unwrap();
    assert_eq!(stored_hash(&store, grace.id).await.bcrypt_cost(), Some(4));
}

#[tokio::test]
async fn imported_formats_are_upgraded_to_the_policy_on_login() {
    // Django's PBKDF2 and ASP.NET Identity v3 from fixtures/hashes.json (see its README), both
    // of the password "correct horse battery staple".
    let fixtures: serde_json::Value = serde_json::from_str(include_str!("fixtures/hashes.json")).unwrap();
    let password = "correct horse battery staple";
    let hashes: Vec<(String, String)> = fixtures["verifiable"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["password"] == password && f["format"] != "bcrypt")
        .filter(|f| !f["hash"].as_str().unwrap().contains("$1000000$"))
        .map(|f| (f["format"].as_str().unwrap().to_owned(), f["hash"].as_str().unwrap().to_owned()))
        .collect();
    assert!(hashes.iter().any(|(format, _)| format == "ASP.NET Identity v3"));
    assert!(hashes.iter().any(|(format, _)| format == "Django pbkdf2_sha256"));
    let store = MemoryStore::new();
    let auth = Auth::new(Arc::new(store.clone())).with_hash_policy(small_argon2id());
    for (n, (format, hash)) in hashes.iter().enumerate() {
        let username = format!("imported{n}");
        let id = plant(&store, &username, hash).await;
        let wrong = auth.authenticate(&username, &Password::new("not the password")).await;
        assert!(matches!(wrong, Err(Error::InvalidCredentials)), "{format}: {wrong:?}");
        auth.authenticate(&username, &Password::new(password)).await.unwrap();
        let upgraded = stored_hash(&store, id).await;
        assert_eq!(upgraded.format().unwrap(), HashFormat::Argon2id, "{format}");
        assert!(auth.hasher().verify(&Password::new(password), &upgraded).await.unwrap(), "{format}");
    }
}

#[tokio::test]
async fn a_long_imported_password_still_logs_in_under_bcrypt_and_keeps_its_hash() {
    // bcrypt reads 72 bytes at most: the upgrade cannot happen, the login still does.
    let long = "x".repeat(100);
    let fixtures: serde_json::Value = serde_json::from_str(include_str!("fixtures/hashes.json")).unwrap();
    let hash = fixtures["verifiable"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["password"] == long.as_str() && f["format"] == "Django pbkdf2_sha256")
        .map(|f| f["hash"].as_str().unwrap().to_owned())
        .unwrap();
    let store = MemoryStore::new();
    let id = plant(&store, "longpass", &hash).await;
    let auth = Auth::new(Arc::new(store.clone())).with_hasher(PasswordHasher::new(4).unwrap());
    auth.authenticate("longpass", &Password::new(long.as_str())).await.unwrap();
    assert_eq!(stored_hash(&store, id).await.as_str(), hash);
}

#[tokio::test]
async fn an_unsupported_stored_hash_fails_the_login_loudly_not_as_a_wrong_password() {
    let store = MemoryStore::new();
    plant(
        &store,
        "scrypted",
        "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
    )
    .await;
    let auth = Auth::new(Arc::new(store.clone())).with_hasher(PasswordHasher::new(4).unwrap());
    let login = auth.authenticate("scrypted", &Password::new(PASSWORD)).await;
    assert!(matches!(login, Err(Error::UnsupportedHash(ref message)) if message.contains("scrypt")), "{login:?}");
}

#[tokio::test]
async fn an_unknown_username_under_argon2id_gets_the_wrong_password_answer() {
    let store = MemoryStore::new();
    let auth = Auth::new(Arc::new(store.clone())).with_hash_policy(small_argon2id());
    auth.register(registration("grace")).await.unwrap();
    let unknown = auth.authenticate("nobody", &Password::new(PASSWORD)).await.unwrap_err();
    let wrong = auth.authenticate("grace", &Password::new("incorrect horse battery")).await.unwrap_err();
    assert!(matches!(unknown, Error::InvalidCredentials));
    assert_eq!(unknown.to_string(), wrong.to_string());
}
