//! The per-customer session sets behind "log out everywhere".

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TestStore;
use customer_auth_core::{CustomerStore, SessionId, SessionStore};
use redis::AsyncCommands;

async fn members(test: &TestStore, customer: customer_auth_core::CustomerId) -> Vec<String> {
    let set = format!("{}customer-sessions:{customer}", test.store.prefix());
    let mut members: Vec<String> = test.raw().await.smembers(set).await.unwrap();
    members.sort();
    members
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_and_owner_changes_keep_the_sets_right() {
    let test = TestStore::new().await;
    let store = &test.store;
    let (alice, bob) = (common::customer("alice"), common::customer("bob"));
    let (first, second) = (SessionId::generate().unwrap().key(), SessionId::generate().unwrap().key());
    store.create_session(&first, &common::session(Some(&alice))).await.unwrap();
    store.create_session(&second, &common::session(Some(&alice))).await.unwrap();
    let mut expected = vec![first.to_hex(), second.to_hex()];
    expected.sort();
    assert_eq!(members(&test, alice.id).await, expected);

    // Logging one out takes it out of the set.
    store.delete_session(&first).await.unwrap();
    assert_eq!(members(&test, alice.id).await, vec![second.to_hex()]);

    // A session that changes hands under one key moves to the new owner's set, so logging
    // the old owner out everywhere leaves it alone.
    store.save_session(&second, &common::session(Some(&bob))).await.unwrap();
    assert!(members(&test, alice.id).await.is_empty());
    assert_eq!(members(&test, bob.id).await, vec![second.to_hex()]);
    assert_eq!(store.delete_customer_sessions(alice.id).await.unwrap(), 0);
    assert!(store.load_session(&second).await.unwrap().is_some());
    assert_eq!(store.delete_customer_sessions(bob.id).await.unwrap(), 1);
    assert!(store.load_session(&second).await.unwrap().is_none());
    test.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_members_are_not_counted() {
    let test = TestStore::new().await;
    let store = &test.store;
    let carol = common::customer("carol");
    let keys: Vec<_> = (0..3).map(|_| SessionId::generate().unwrap().key()).collect();
    for key in &keys {
        store.create_session(key, &common::session(Some(&carol))).await.unwrap();
    }
    // Gone behind the store's back (as when Redis evicts or expires it): the member stays.
    let mut raw = test.raw().await;
    let _: u64 = raw.del(format!("{}session:{}", store.prefix(), keys[0].to_hex())).await.unwrap();
    assert_eq!(store.delete_customer_sessions(carol.id).await.unwrap(), 2);
    assert!(members(&test, carol.id).await.is_empty());
    test.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_customer_removes_every_key_of_it() {
    let test = TestStore::new().await;
    let store = &test.store;
    let dave = common::customer("dave");
    store.create_customer(&dave).await.unwrap();
    let mut renamed = dave.clone();
    renamed.username = "David".into();
    renamed.email = "david@example.com".into();
    store.update_customer(&renamed).await.unwrap();
    store.delete_customer(dave.id).await.unwrap();
    // Nothing of the customer is left: no hash, no index key old or new, no listing.
    let left = test.keys().await;
    assert!(left.is_empty(), "left behind: {left:?}");
    test.cleanup().await;
}
