//! The `Auth` service: registration, login, rehash on login, lockout and disabled accounts.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use customer_auth_core::{
    Auth, CustomerStatus, CustomerStore, Error, LockoutPolicy, MemoryStore, Password, PasswordHasher, Registration,
};

const PASSWORD: &str = "correct horse battery";

fn form(username: &str, email: &str) -> Registration {
    Registration {
        first_name: "Grace".into(),
        last_name: "Hopper".into(),
        email: email.into(),
        username: username.into(),
        password: Password::new(PASSWORD),
        confirm_password: Password::new(PASSWORD),
    }
}

fn auth_with_cost(store: &MemoryStore, cost: u32) -> Auth {
    Auth::new(Arc::new(store.clone())).with_hasher(PasswordHasher::new(cost).unwrap())
}

#[tokio::test]
async fn register_then_log_in_with_any_case_of_the_username() {
    let store = MemoryStore::new();
    let auth = auth_with_cost(&store, 4);
    let grace = auth.register(form("Grace.H", "grace@example.com")).await.unwrap();
    assert_ne!(grace.password_hash.as_str(), PASSWORD);
    assert_eq!(grace.password_hash.bcrypt_cost(), Some(4));
    let found = auth.authenticate("grace.h", &Password::new(PASSWORD)).await.unwrap();
    assert_eq!(found.id, grace.id);
    assert_eq!(found.username, "Grace.H", "the username is displayed as entered");
}

#[tokio::test]
async fn unknown_username_and_wrong_password_get_the_same_answer() {
    let store = MemoryStore::new();
    let auth = auth_with_cost(&store, 4);
    auth.register(form("grace", "grace@example.com")).await.unwrap();
    let unknown = auth.authenticate("nobody", &Password::new(PASSWORD)).await.unwrap_err();
    let wrong = auth.authenticate("grace", &Password::new("incorrect horse battery")).await.unwrap_err();
    assert!(matches!(unknown, Error::InvalidCredentials));
    assert!(matches!(wrong, Error::InvalidCredentials));
    assert_eq!(unknown.to_string(), wrong.to_string());
}

#[tokio::test]
async fn an_overlong_password_at_login_is_just_wrong() {
    let store = MemoryStore::new();
    let auth = auth_with_cost(&store, 4);
    auth.register(form("grace", "grace@example.com")).await.unwrap();
    let long = Password::new(format!("{PASSWORD}{}", "x".repeat(1 << 20)));
    assert!(matches!(auth.authenticate("grace", &long).await, Err(Error::InvalidCredentials)));
    assert!(matches!(auth.authenticate("nobody", &long).await, Err(Error::InvalidCredentials)));
}

#[tokio::test]
async fn duplicates_and_invalid_forms_are_their_own_errors() {
    let store = MemoryStore::new();
    let auth = auth_with_cost(&store, 4);
    auth.register(form("grace", "grace@example.com")).await.unwrap();
    assert!(matches!(auth.register(form("GRACE", "other@example.com")).await, Err(Error::DuplicateUsername)));
    assert!(matches!(auth.register(form("other", "Grace@Example.COM")).await, Err(Error::DuplicateEmail)));
    let Err(Error::Validation(errors)) = auth.register(form("x", "not an email")).await else {
        panic!("expected validation errors");
    };
    assert!(errors.has("username") && errors.has("email"), "{errors}");
}

#[tokio::test]
async fn a_hash_below_the_policy_is_upgraded_on_login() {
    let store = MemoryStore::new();
    let grace = auth_with_cost(&store, 4).register(form("grace", "grace@example.com")).await.unwrap();
    let stricter = auth_with_cost(&store, 5);
    let logged_in = stricter.authenticate("grace", &Password::new(PASSWORD)).await.unwrap();
    assert_eq!(logged_in.password_hash.bcrypt_cost(), Some(5));
    let stored = store.find_customer(grace.id).await.unwrap().unwrap();
    assert_eq!(stored.password_hash.bcrypt_cost(), Some(5));
    assert_ne!(stored.password_hash, grace.password_hash);
    // The upgraded hash still verifies, under either policy.
    auth_with_cost(&store, 4).authenticate("grace", &Password::new(PASSWORD)).await.unwrap();
}

#[tokio::test]
async fn a_failed_login_does_not_rehash() {
    let store = MemoryStore::new();
    let grace = auth_with_cost(&store, 4).register(form("grace", "grace@example.com")).await.unwrap();
    let _ = auth_with_cost(&store, 5).authenticate("grace", &Password::new("wrong wrong wrong")).await;
    let stored = store.find_customer(grace.id).await.unwrap().unwrap();
    assert_eq!(stored.password_hash, grace.password_hash);
}

#[tokio::test]
async fn a_disabled_customer_is_refused_only_after_the_right_password() {
    let store = MemoryStore::new();
    let auth = auth_with_cost(&store, 4);
    let mut grace = auth.register(form("grace", "grace@example.com")).await.unwrap();
    grace.status = CustomerStatus::Disabled;
    store.update_customer(&grace).await.unwrap();
    assert!(matches!(auth.authenticate("grace", &Password::new(PASSWORD)).await, Err(Error::AccountDisabled)));
    assert!(matches!(
        auth.authenticate("grace", &Password::new("wrong wrong wrong")).await,
        Err(Error::InvalidCredentials)
    ));
}

#[tokio::test]
async fn too_many_failures_lock_the_account_whatever_the_password() {
    let store = MemoryStore::new();
    let policy = LockoutPolicy { threshold: 3, base: Duration::from_secs(60), max: Duration::from_secs(600) };
    let auth = auth_with_cost(&store, 4).with_lockout(policy);
    let grace = auth.register(form("grace", "grace@example.com")).await.unwrap();
    for _ in 0..3 {
        let _ = auth.authenticate("grace", &Password::new("wrong wrong wrong")).await;
    }
    // Locked is said whatever the password, so it tells nothing about the password.
    let locked = auth.authenticate("grace", &Password::new(PASSWORD)).await.unwrap_err();
    assert!(matches!(locked, Error::TemporarilyLocked), "{locked:?}");
    let wrong = auth.authenticate("grace", &Password::new("still wrong")).await.unwrap_err();
    assert!(matches!(wrong, Error::TemporarilyLocked), "{wrong:?}");
    let stored = store.find_customer(grace.id).await.unwrap().unwrap();
    assert_eq!(stored.failed_logins, 3, "attempts while locked are not counted");
    assert!(stored.locked_until.is_some());
}

#[tokio::test]
async fn a_success_resets_the_failure_count() {
    let store = MemoryStore::new();
    let auth = auth_with_cost(&store, 4);
    let grace = auth.register(form("grace", "grace@example.com")).await.unwrap();
    for _ in 0..2 {
        let _ = auth.authenticate("grace", &Password::new("wrong wrong wrong")).await;
    }
    assert_eq!(store.find_customer(grace.id).await.unwrap().unwrap().failed_logins, 2);
    let logged_in = auth.authenticate("grace", &Password::new(PASSWORD)).await.unwrap();
    assert_eq!(logged_in.failed_logins, 0);
    assert_eq!(store.find_customer(grace.id).await.unwrap().unwrap().failed_logins, 0);
}

/// On a single-threaded runtime, a hash computed inline would stop every other task until it
/// finished. Off the runtime, another task runs while the hash is still being computed.
#[tokio::test(flavor = "current_thread")]
async fn hashing_leaves_the_async_runtime_free() {
    let order = Arc::new(AtomicUsize::new(0));
    let hasher = PasswordHasher::new(10).unwrap();
    let hashed_at = {
        let order = Arc::clone(&order);
        tokio::spawn(async move {
            hasher.hash(&Password::new(PASSWORD)).await.unwrap();
            order.fetch_add(1, Ordering::SeqCst)
        })
    };
    let other_at = {
        let order = Arc::clone(&order);
        tokio::spawn(async move {
            tokio::task::yield_now().await;
            order.fetch_add(1, Ordering::SeqCst)
        })
    };
    assert_eq!(other_at.await.unwrap(), 0, "the other task had to wait for the hash");
    assert_eq!(hashed_at.await.unwrap(), 1);
}
