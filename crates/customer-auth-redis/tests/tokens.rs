//! How the Redis store keeps tokens and email confirmation: keys that expire by themselves, a
//! per-customer index that goes with the customer, and hashes from older versions still read.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::TestStore;
use customer_auth_core::{CustomerStore, Timestamp, Token, TokenPurpose, TokenRecord};

async fn ttl(test: &TestStore, key: &str) -> i64 {
    redis::cmd("TTL").arg(key).query_async(&mut test.raw().await).await.unwrap()
}

async fn members(test: &TestStore, key: &str) -> Vec<String> {
    redis::cmd("SMEMBERS").arg(key).query_async(&mut test.raw().await).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_keys_expire_by_themselves_and_leave_with_their_customer() {
    let test = TestStore::new().await;
    let store = &test.store;
    let customer = common::customer("tokens");
    store.create_customer(&customer).await.unwrap();
    let purpose = TokenPurpose::PasswordReset;
    let token = Token::generate().unwrap();
    let expires_at = Timestamp::now().plus(Duration::from_secs(600));
    store.create_token(&TokenRecord { key: token.key(), purpose, customer_id: customer.id, expires_at }).await.unwrap();

    let key = format!("{}token:password_reset:{}", store.prefix(), token.key().to_hex());
    let set = format!("{}customer-tokens:{}", store.prefix(), customer.id);
    let left = ttl(&test, &key).await;
    assert!((598..=600).contains(&left), "the token key expires in {left} s, the token in 600 s");
    assert!(ttl(&test, &set).await >= left, "the customer's token set expires before its token");
    assert_eq!(members(&test, &set).await, [format!("password_reset:{}", token.key().to_hex())]);

    // A take removes the key and its place in the index.
    assert_eq!(store.take_token(purpose, &token.key(), Timestamp::now()).await.unwrap(), Some(customer.id));
    assert!(members(&test, &set).await.is_empty());

    // Deleting the customer deletes the tokens still pending, and their index.
    let pending = Token::generate().unwrap();
    let record = TokenRecord { key: pending.key(), purpose, customer_id: customer.id, expires_at };
    store.create_token(&record).await.unwrap();
    store.delete_customer(customer.id).await.unwrap();
    let keys = test.keys().await;
    assert!(keys.iter().all(|key| !key.contains("token")), "token keys outlived their customer: {keys:?}");
    test.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_written_before_email_confirmation_read_as_unconfirmed() {
    let test = TestStore::new().await;
    let store = &test.store;
    let customer = common::customer("older");
    store.create_customer(&customer).await.unwrap();
    let hash = format!("{}customer:{}", store.prefix(), customer.id);
    let removed: u64 =
        redis::cmd("HDEL").arg(&hash).arg("email_confirmed_at").query_async(&mut test.raw().await).await.unwrap();
    assert_eq!(removed, 1, "the store no longer writes email_confirmed_at; this test needs updating");

    let found = store.find_customer(customer.id).await.unwrap().unwrap();
    assert_eq!(found.email_confirmed_at, None);
    let at = Timestamp::now();
    store.confirm_email(customer.id, at).await.unwrap();
    assert_eq!(store.find_customer(customer.id).await.unwrap().unwrap().email_confirmed_at, Some(at));
    test.cleanup().await;
}
