//! `CustomerStore::create_customers`, the batch insert an import uses: its default answers for
//! each customer what `create_customer` would have, in order, and a duplicate stops no other.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use customer_auth_core::{
    Customer, CustomerId, CustomerStatus, CustomerStore, Error, MemoryStore, PasswordHash, Roles, Timestamp,
};

fn customer(username: &str, email: &str) -> Customer {
    let now = Timestamp::now();
    Customer {
        id: CustomerId::new(),
        first_name: "Batch".into(),
        last_name: "Customer".into(),
        email: email.into(),
        username: username.into(),
        password_hash: PasswordHash::from_stored("$2b$04$EGdrhbKUv8Oc9vGiXX0HQOxSg445d458Muh7DAHskb6QbtCvdxcie"),
        roles: Roles::new(),
        status: CustomerStatus::Active,
        failed_logins: 0,
        locked_until: None,
        email_confirmed_at: None,
        security_stamp: 0,
        created_at: now,
        updated_at: now,
    }
}

#[tokio::test]
async fn each_customer_gets_its_own_answer_in_order() {
    let store = MemoryStore::new();
    store.create_customer(&customer("ada", "ada@example.com")).await.unwrap();
    let batch = [
        customer("grace", "grace@example.com"),
        customer("ADA", "other@example.com"),
        customer("alan", "ADA@example.com"),
        customer("linus", "linus@example.com"),
        customer("grace", "grace@example.com"),
    ];
    let outcomes = store.create_customers(&batch).await;
    assert_eq!(outcomes.len(), batch.len());
    assert!(outcomes[0].is_ok() && outcomes[3].is_ok(), "{outcomes:?}");
    assert!(matches!(outcomes[1], Err(Error::DuplicateUsername)), "{outcomes:?}");
    assert!(matches!(outcomes[2], Err(Error::DuplicateEmail)), "{outcomes:?}");
    assert!(matches!(outcomes[4], Err(Error::DuplicateUsername)), "a duplicate within the batch: {outcomes:?}");
    assert_eq!(store.list_customers(None, 100).await.unwrap().len(), 3);
    assert!(store.create_customers(&[]).await.is_empty());
}
