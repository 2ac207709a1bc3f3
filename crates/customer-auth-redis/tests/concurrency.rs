//! Races between app instances, each with a connection of its own: the scripts decide, so
//! exactly one registration wins and every failed login counts.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TestStore;
use customer_auth_core::{CustomerStore, Error, LockoutPolicy, Timestamp};
use tokio::task::JoinSet;

const RACERS: usize = 32;

/// Runs one registration per store at once; returns (won, duplicate username, duplicate email).
async fn race(test: &TestStore, make: impl Fn(usize) -> customer_auth_core::Customer) -> (usize, usize, usize) {
    let mut stores = Vec::new();
    for _ in 0..RACERS {
        stores.push(test.another().await);
    }
    let mut racers = JoinSet::new();
    for (n, store) in stores.into_iter().enumerate() {
        let customer = make(n);
        racers.spawn(async move { store.create_customer(&customer).await });
    }
    let (mut won, mut username, mut email) = (0, 0, 0);
    while let Some(joined) = racers.join_next().await {
        match joined.unwrap() {
            Ok(()) => won += 1,
            Err(Error::DuplicateUsername) => username += 1,
            Err(Error::DuplicateEmail) => email += 1,
            Err(err) => panic!("unexpected error: {err}"),
        }
    }
    (won, username, email)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_username_registered_from_32_connections_at_once() {
    let test = TestStore::new().await;
    let outcome = race(&test, |n| {
        let mut customer = common::customer(&format!("racer{n}"));
        customer.username = if n % 2 == 0 { "Racer".into() } else { "racer".into() };
        customer
    })
    .await;
    assert_eq!(outcome, (1, RACERS - 1, 0));
    test.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_email_registered_from_32_connections_at_once() {
    let test = TestStore::new().await;
    let outcome = race(&test, |n| {
        let mut customer = common::customer(&format!("mailer{n}"));
        customer.email = if n % 2 == 0 { "Same@Example.com".into() } else { "same@example.com".into() };
        customer
    })
    .await;
    assert_eq!(outcome, (1, 0, RACERS - 1));
    // The index points at the winner, and only one customer is listed.
    let listed = test.store.list_customers(None, 100).await.unwrap();
    assert_eq!(listed.len(), 1);
    let found = test.store.find_customer_by_email("SAME@example.com").await.unwrap().unwrap();
    assert_eq!(found.id, listed[0].id);
    test.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_from_32_connections_all_count() {
    let test = TestStore::new().await;
    let customer = common::customer("guessed");
    test.store.create_customer(&customer).await.unwrap();
    let policy = LockoutPolicy { threshold: 5, ..LockoutPolicy::default() };
    let mut guesses = JoinSet::new();
    for _ in 0..RACERS {
        let store = test.another().await;
        guesses.spawn(async move { store.record_failed_login(customer.id, Timestamp::now(), &policy).await });
    }
    let mut counts = Vec::new();
    while let Some(joined) = guesses.join_next().await {
        counts.push(joined.unwrap().unwrap().failed_logins);
    }
    counts.sort_unstable();
    // Each guess saw the count the one before left: 1, 2, ..., 32, no two alike.
    assert_eq!(counts, (1..=RACERS as u32).collect::<Vec<_>>());
    let found = test.store.find_customer(customer.id).await.unwrap().unwrap();
    assert_eq!(found.failed_logins, RACERS as u32);
    assert!(found.locked_until.is_some());
    test.cleanup().await;
}
