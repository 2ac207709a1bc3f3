//! Concurrent writers, within one store and across two (two app instances on one schema): the
//! database's constraints and row locks decide, never a read before a write.

mod common;

use std::sync::Arc;

use customer_auth_core::{
    Auth, CustomerStore, Error, LockoutPolicy, Password, PasswordHasher, Registration, SessionId, SessionStore,
    Timestamp,
};
use tokio::task::JoinSet;

const WRITERS: usize = 64;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_all_succeed() {
    let schema = common::Schema::new().await;
    // Fewer connections than writers: the rest queue in the pool.
    let store = Arc::new(schema.options().max_connections(4).connect().await.unwrap());
    let mut tasks = JoinSet::new();
    for n in 0..WRITERS {
        let store = Arc::clone(&store);
        tasks.spawn(async move {
            let customer = common::customer(&format!("writer{n}"));
            store.create_customer(&customer).await?;
            let key = SessionId::generate()?.key();
            store.create_session(&key, &common::session(Some(&customer))).await?;
            let found = store.find_customer_by_email(&customer.email).await?;
            let loaded = store.load_session(&key).await?;
            Ok::<_, Error>((found.is_some(), loaded.is_some()))
        });
    }
    let mut done = 0;
    while let Some(joined) = tasks.join_next().await {
        assert_eq!(joined.unwrap().unwrap(), (true, true));
        done += 1;
    }
    assert_eq!(done, WRITERS);
}

fn registration(username: &str, email: &str) -> Registration {
    Registration {
        first_name: "Grace".into(),
        last_name: "Hopper".into(),
        email: email.into(),
        username: username.into(),
        password: Password::new("a long enough password"),
        confirm_password: Password::new("a long enough password"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_registrations_of_one_username_through_two_instances_leave_one_winner() {
    let schema = common::Schema::new().await;
    let hasher = PasswordHasher::new(4).unwrap();
    let first = Auth::new(Arc::new(schema.store().await)).with_hasher(hasher.clone());
    let second = Auth::new(Arc::new(schema.store().await)).with_hasher(hasher);
    let mut racers = JoinSet::new();
    for n in 0..16 {
        let auth = if n % 2 == 0 { first.clone() } else { second.clone() };
        // One username in different cases, each with an email of its own.
        let username = if n % 3 == 0 { "GRACE" } else { "grace" };
        let email = format!("grace{n}@example.com");
        racers.spawn(async move { auth.register(registration(username, &email)).await });
    }
    let (mut won, mut duplicate, mut other) = (0, 0, Vec::new());
    while let Some(joined) = racers.join_next().await {
        match joined.unwrap() {
            Ok(_) => won += 1,
            Err(Error::DuplicateUsername) => duplicate += 1,
            Err(err) => other.push(err.to_string()),
        }
    }
    assert_eq!((won, duplicate), (1, 15), "others: {other:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_registrations_of_one_email_leave_one_winner() {
    let schema = common::Schema::new().await;
    let auth = Auth::new(Arc::new(schema.store().await)).with_hasher(PasswordHasher::new(4).unwrap());
    let mut racers = JoinSet::new();
    for n in 0..16 {
        let auth = auth.clone();
        let email = if n % 2 == 0 { "grace@example.com" } else { "Grace@Example.COM" };
        racers.spawn(async move { auth.register(registration(&format!("grace{n}"), email)).await });
    }
    let (mut won, mut duplicate, mut other) = (0, 0, Vec::new());
    while let Some(joined) = racers.join_next().await {
        match joined.unwrap() {
            Ok(_) => won += 1,
            Err(Error::DuplicateEmail) => duplicate += 1,
            Err(err) => other.push(err.to_string()),
        }
    }
    assert_eq!((won, duplicate), (1, 15), "others: {other:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_failed_logins_through_two_instances_all_count_and_lock() {
    let schema = common::Schema::new().await;
    let first = Arc::new(schema.store().await);
    let second = Arc::new(schema.store().await);
    let customer = common::customer("guessed");
    first.create_customer(&customer).await.unwrap();
    let policy = LockoutPolicy::default();
    let at = Timestamp::now();
    let mut guesses = JoinSet::new();
    for n in 0..WRITERS {
        let store = if n % 2 == 0 { Arc::clone(&first) } else { Arc::clone(&second) };
        guesses.spawn(async move { store.record_failed_login(customer.id, at, &policy).await });
    }
    let mut counts = Vec::new();
    while let Some(joined) = guesses.join_next().await {
        let failed = joined.unwrap().unwrap();
        // Each guess saw its own count and the lock that count deserves.
        assert_eq!(failed.locked_until, policy.locked_until(failed.failed_logins, at), "{failed:?}");
        counts.push(failed.failed_logins);
    }
    counts.sort_unstable();
    let expected: Vec<u32> = (1..=u32::try_from(WRITERS).unwrap()).collect();
    assert_eq!(counts, expected, "every guess must count once");
    let stored = first.find_customer(customer.id).await.unwrap().unwrap();
    assert_eq!(stored.failed_logins, 64);
    assert_eq!(stored.locked_until, policy.locked_until(64, at));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_session_creates_under_one_key_leave_the_first() {
    let schema = common::Schema::new().await;
    let first = Arc::new(schema.store().await);
    let second = Arc::new(schema.store().await);
    let key = SessionId::generate().unwrap().key();
    let mut racers = JoinSet::new();
    for n in 0..16 {
        let store = if n % 2 == 0 { Arc::clone(&first) } else { Arc::clone(&second) };
        let record = common::session(None);
        racers.spawn(async move { store.create_session(&key, &record).await.map(|()| record) });
    }
    let mut winners = Vec::new();
    while let Some(joined) = racers.join_next().await {
        if let Ok(record) = joined.unwrap() {
            winners.push(record);
        }
    }
    assert_eq!(winners.len(), 1);
    assert_eq!(first.load_session(&key).await.unwrap().as_ref(), winners.first());
}
