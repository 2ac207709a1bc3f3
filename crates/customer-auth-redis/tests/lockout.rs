//! The lockout script locks exactly as long as the policy says, at any setting.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::TestStore;
use customer_auth_core::{CustomerStore, LockoutPolicy, Timestamp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locks_match_the_policy_at_every_count() {
    let test = TestStore::new().await;
    let policies = [
        LockoutPolicy::default(),
        LockoutPolicy { threshold: 0, ..LockoutPolicy::default() },
        LockoutPolicy { threshold: 1, base: Duration::from_secs(1), max: Duration::from_secs(u64::MAX) },
        LockoutPolicy { threshold: 2, base: Duration::from_millis(1500), max: Duration::from_secs(100) },
        LockoutPolicy { threshold: 1, base: Duration::MAX, max: Duration::MAX },
        LockoutPolicy { threshold: 3, base: Duration::from_secs(60), max: Duration::ZERO },
    ];
    for (n, policy) in policies.iter().enumerate() {
        let customer = common::customer(&format!("locked{n}"));
        test.store.create_customer(&customer).await.unwrap();
        let at = Timestamp::now();
        let mut expected_lock = None;
        for count in 1..=30u32 {
            let failed = test.store.record_failed_login(customer.id, at, policy).await.unwrap();
            expected_lock = policy.locked_until(count, at).or(expected_lock);
            assert_eq!(failed.failed_logins, count, "{policy:?}");
            assert_eq!(failed.locked_until, expected_lock, "{policy:?} at {count} failures");
        }
        let stored = test.store.find_customer(customer.id).await.unwrap().unwrap();
        assert_eq!((stored.failed_logins, stored.locked_until), (30, expected_lock), "{policy:?}");
    }
    test.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_lock_stays_below_the_threshold_and_success_lifts_it() {
    let test = TestStore::new().await;
    let policy = LockoutPolicy::default();
    let mut customer = common::customer("old-lock");
    let until = Timestamp::now().plus(Duration::from_secs(600));
    customer.locked_until = Some(until);
    test.store.create_customer(&customer).await.unwrap();
    let failed = test.store.record_failed_login(customer.id, Timestamp::now(), &policy).await.unwrap();
    assert_eq!(failed.locked_until, Some(until));
    test.store.record_successful_login(customer.id, Timestamp::now()).await.unwrap();
    let found = test.store.find_customer(customer.id).await.unwrap().unwrap();
    assert_eq!((found.failed_logins, found.locked_until), (0, None));
    test.cleanup().await;
}
