//! Account changes after registration: password change, status, roles, deletion, and the
//! sessions each of them ends.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use customer_auth_core::{
    Auth, Customer, CustomerStatus, CustomerStore, Error, MemoryStore, Password, PasswordHasher, Principal,
    Registration, SessionId, SessionRecord, SessionStore, Timestamp,
};

const PASSWORD: &str = "correct horse battery";
const NEW_PASSWORD: &str = "a brand new passphrase";

fn auth(store: &MemoryStore) -> Auth {
    Auth::new(Arc::new(store.clone()))
        .with_sessions(Arc::new(store.clone()))
        .with_hasher(PasswordHasher::new(4).unwrap())
}

async fn grace(auth: &Auth) -> Customer {
    auth.register(Registration {
        first_name: "Grace".into(),
        last_name: "Hopper".into(),
        email: "grace@example.com".into(),
        username: "grace".into(),
        password: Password::new(PASSWORD),
        confirm_password: Password::new(PASSWORD),
    })
    .await
    .unwrap()
}

/// A live session of `customer`, as a login would store it.
async fn session_of(store: &MemoryStore, customer: &Customer) -> SessionId {
    let id = SessionId::generate().unwrap();
    let mut record = SessionRecord::new(Timestamp::now(), Duration::from_secs(600), Duration::from_secs(3600));
    record.principal = Some(Principal::of(customer));
    store.create_session(&id.key(), &record).await.unwrap();
    id
}

async fn is_live(store: &MemoryStore, id: &SessionId) -> bool {
    store.load_session(&id.key()).await.unwrap().is_some()
}

#[tokio::test]
async fn a_password_change_needs_the_current_password_and_ends_every_session() {
    let store = MemoryStore::new();
    let auth = auth(&store);
    let grace = grace(&auth).await;
    let (first, second) = (session_of(&store, &grace).await, session_of(&store, &grace).await);

    let new = Password::new(NEW_PASSWORD);
    let wrong = auth.change_password(grace.id, &Password::new("not my password"), &new, &new).await;
    assert!(matches!(wrong, Err(Error::InvalidCredentials)), "{wrong:?}");
    assert_eq!(store.find_customer(grace.id).await.unwrap().unwrap().failed_logins, 1, "a wrong guess counts");
    assert!(is_live(&store, &first).await, "a refused change ends nothing");

    let weak = Password::new("password");
    match auth.change_password(grace.id, &Password::new(PASSWORD), &weak, &weak).await {
        Err(Error::Validation(errors)) => assert!(errors.has("password"), "{errors}"),
        other => panic!("a common password must be refused, got {other:?}"),
    }
    let mismatch = auth.change_password(grace.id, &Password::new(PASSWORD), &new, &Password::new("other")).await;
    assert!(matches!(mismatch, Err(Error::Validation(ref errors)) if errors.has("confirmPassword")), "{mismatch:?}");

    auth.change_password(grace.id, &Password::new(PASSWORD), &new, &new).await.unwrap();
    assert!(!is_live(&store, &first).await && !is_live(&store, &second).await, "every session ends");
    assert!(matches!(auth.authenticate("grace", &Password::new(PASSWORD)).await, Err(Error::InvalidCredentials)));
    assert_eq!(auth.authenticate("grace", &new).await.unwrap().id, grace.id);
}

#[tokio::test]
async fn disabling_ends_sessions_at_once_and_refuses_logins_until_enabled() {
    let store = MemoryStore::new();
    let auth = auth(&store);
    let grace = grace(&auth).await;
    let session = session_of(&store, &grace).await;

    auth.set_status(grace.id, CustomerStatus::Disabled).await.unwrap();
    assert!(!is_live(&store, &session).await);
    assert!(matches!(auth.authenticate("grace", &Password::new(PASSWORD)).await, Err(Error::AccountDisabled)));

    auth.set_status(grace.id, CustomerStatus::Active).await.unwrap();
    assert_eq!(auth.authenticate("grace", &Password::new(PASSWORD)).await.unwrap().id, grace.id);
}

#[tokio::test]
async fn new_roles_end_the_sessions_that_carry_the_old_ones() {
    let store = MemoryStore::new();
    let auth = auth(&store);
    let grace = grace(&auth).await;
    let session = session_of(&store, &grace).await;
    let roles = BTreeSet::from(["admin".to_owned()]);
    let updated = auth.set_roles(grace.id, roles.clone()).await.unwrap();
    assert_eq!(updated.customer.roles, roles);
    assert_eq!(updated.sessions_ended, 1);
    assert!(!is_live(&store, &session).await);
    assert_eq!(store.find_customer(grace.id).await.unwrap().unwrap().roles, roles);
}

#[tokio::test]
async fn deleting_an_account_needs_the_password() {
    let store = MemoryStore::new();
    let auth = auth(&store);
    let grace = grace(&auth).await;
    let session = session_of(&store, &grace).await;
    let wrong = auth.delete_account(grace.id, &Password::new("not my password")).await;
    assert!(matches!(wrong, Err(Error::InvalidCredentials)));
    assert!(store.find_customer(grace.id).await.unwrap().is_some());

    auth.delete_account(grace.id, &Password::new(PASSWORD)).await.unwrap();
    assert!(store.find_customer(grace.id).await.unwrap().is_none());
    assert!(!is_live(&store, &session).await);
    assert!(matches!(auth.authenticate("grace", &Password::new(PASSWORD)).await, Err(Error::InvalidCredentials)));
}

#[tokio::test]
async fn log_out_everywhere_counts_the_sessions() {
    let store = MemoryStore::new();
    let auth = auth(&store);
    let grace = grace(&auth).await;
    for _ in 0..3 {
        session_of(&store, &grace).await;
    }
    assert_eq!(auth.end_sessions(grace.id).await.unwrap(), 3);
    assert_eq!(auth.end_sessions(grace.id).await.unwrap(), 0);
}

#[tokio::test]
async fn without_the_session_store_account_changes_refuse_to_run() {
    let store = MemoryStore::new();
    let auth = Auth::new(Arc::new(store.clone())).with_hasher(PasswordHasher::new(4).unwrap());
    let grace = grace(&auth).await;
    let refused = auth.set_status(grace.id, CustomerStatus::Disabled).await;
    match refused {
        Err(Error::Config(message)) => assert!(message.contains("with_sessions"), "{message}"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
    assert_eq!(store.find_customer(grace.id).await.unwrap().unwrap().status, CustomerStatus::Active);
}
