//! The one-statement lockout in SQL locks exactly as long as the policy says, at any setting.

mod common;

use std::time::Duration;

use customer_auth_core::{CustomerStore, LockoutPolicy, Timestamp};

#[tokio::test]
async fn locks_match_the_policy_at_every_count() {
    let schema = common::Schema::new().await;
    let store = schema.store().await;
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
        store.create_customer(&customer).await.unwrap();
        let at = Timestamp::now();
        let mut expected_lock = None;
        for count in 1..=30u32 {
            let failed = store.record_failed_login(customer.id, at, policy).await.unwrap();
            expected_lock = policy.locked_until(count, at).or(expected_lock);
            assert_eq!(failed.failed_logins, count, "{policy:?}");
            assert_eq!(failed.locked_until, expected_lock, "{policy:?} at {count} failures");
        }
        let stored = store.find_customer(customer.id).await.unwrap().unwrap();
        assert_eq!((stored.failed_logins, stored.locked_until), (30, expected_lock), "{policy:?}");
    }
}

#[tokio::test]
async fn an_old_lock_stays_below_the_threshold() {
    let schema = common::Schema::new().await;
    let store = schema.store().await;
    let policy = LockoutPolicy::default();
    let mut customer = common::customer("old-lock");
    let until = Timestamp::now().plus(Duration::from_secs(600));
    customer.locked_until = Some(until);
    store.create_customer(&customer).await.unwrap();
    let failed = store.record_failed_login(customer.id, Timestamp::now(), &policy).await.unwrap();
    assert_eq!(failed.locked_until, Some(until));
}

#[tokio::test]
async fn a_count_at_u32_max_stays_there() {
    // The column holds the model's u32; the statement must saturate, not overflow into a value
    // the model cannot read.
    let schema = common::Schema::new().await;
    let store = schema.store().await;
    let customer = common::customer("saturated");
    store.create_customer(&customer).await.unwrap();
    let mut conn = schema.conn().await;
    sqlx::query("UPDATE customers SET failed_logins = 4294967295 WHERE id = $1")
        .bind(customer.id.as_uuid())
        .execute(&mut conn)
        .await
        .unwrap();
    let at = Timestamp::now();
    let policy = LockoutPolicy::default();
    let failed = store.record_failed_login(customer.id, at, &policy).await.unwrap();
    assert_eq!(failed.failed_logins, u32::MAX);
    assert_eq!(failed.locked_until, policy.locked_until(u32::MAX, at));
}
