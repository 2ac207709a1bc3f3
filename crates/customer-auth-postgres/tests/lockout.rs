//! A failure count at the top of the column saturates; the policy itself is checked by the
//! conformance suite for every store.

mod common;

use customer_auth_core::{CustomerStore, LockoutPolicy, Timestamp};

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
