//! Redis expires sessions by itself, at the record's own expiry.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::TestStore;
use customer_auth_core::{SessionId, SessionStore, Timestamp};

async fn pttl(test: &TestStore, key: &str) -> i64 {
    redis::cmd("PTTL").arg(key).query_async(&mut test.raw().await).await.unwrap()
}

/// Milliseconds from now until a timestamp.
fn millis_until(at: Timestamp) -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    at.as_unix() * 1000 - i64::try_from(now.as_millis()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_keys_expire_with_the_record() {
    let test = TestStore::new().await;
    let store = &test.store;
    let customer = common::customer("ttl");
    let id = SessionId::generate().unwrap();
    let key = format!("{}session:{}", store.prefix(), id.key().to_hex());
    let set = format!("{}customer-sessions:{}", store.prefix(), customer.id);

    let mut record = common::session(Some(&customer));
    store.create_session(&id.key(), &record).await.unwrap();
    let expected = millis_until(record.expires_at());
    let ttl = pttl(&test, &key).await;
    assert!((expected - 2000..=expected + 100).contains(&ttl), "PTTL {ttl} ms, the record expires in {expected} ms");
    assert!(pttl(&test, &set).await >= ttl - 1000, "the customer's session set expires before its session");

    // A save moves the expiry with the record, both ways.
    record.idle_expires_at = Timestamp::now().plus(Duration::from_secs(600));
    store.save_session(&id.key(), &record).await.unwrap();
    let expected = millis_until(record.expires_at());
    let ttl = pttl(&test, &key).await;
    assert!((expected - 2000..=expected + 100).contains(&ttl), "after save: PTTL {ttl} ms, expected {expected} ms");

    // Expiring for real: a record two seconds from its end is gone from Redis after them.
    let short = SessionId::generate().unwrap();
    let mut record = common::session(None);
    record.idle_expires_at = Timestamp::now().plus(Duration::from_secs(2));
    store.create_session(&short.key(), &record).await.unwrap();
    assert!(store.load_session(&short.key()).await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert!(store.load_session(&short.key()).await.unwrap().is_none());
    let exists: bool = redis::cmd("EXISTS")
        .arg(format!("{}session:{}", store.prefix(), short.key().to_hex()))
        .query_async(&mut test.raw().await)
        .await
        .unwrap();
    assert!(!exists, "Redis kept an expired session");
    assert_eq!(store.purge_expired_sessions().await.unwrap(), 0);
    test.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_set_lives_as_long_as_its_longest_session() {
    let test = TestStore::new().await;
    let store = &test.store;
    let customer = common::customer("longest");
    let set = format!("{}customer-sessions:{}", store.prefix(), customer.id);
    let mut long = common::session(Some(&customer));
    long.absolute_expires_at = Timestamp::now().plus(Duration::from_secs(7200));
    long.idle_expires_at = long.absolute_expires_at;
    store.create_session(&SessionId::generate().unwrap().key(), &long).await.unwrap();
    let short = common::session(Some(&customer));
    store.create_session(&SessionId::generate().unwrap().key(), &short).await.unwrap();
    let ttl = pttl(&test, &set).await;
    assert!(ttl > 7_000_000, "a shorter session pulled the set's expiry in to {ttl} ms");
    assert_eq!(store.delete_customer_sessions(customer.id).await.unwrap(), 2);
    test.cleanup().await;
}
