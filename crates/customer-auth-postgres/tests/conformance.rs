//! The Postgres store keeps every promise of the two store traits.

mod common;

use std::sync::Arc;

use customer_auth_core::conformance;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schema_passes_the_conformance_suite() {
    let schema = common::Schema::new().await;
    let store = Arc::new(schema.store().await);
    conformance::run_all(store.clone(), store.clone()).await.unwrap();
    conformance::run_second_factor_store(store.clone(), store.clone()).await.unwrap();
    conformance::run_passkey_store(store.clone(), store).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_on_the_same_schema_passes_too() {
    // The checks must cope with data left by earlier runs, as on a real app's database; the
    // second connect finds the schema migrated already.
    let schema = common::Schema::new().await;
    for _ in 0..2 {
        let store = Arc::new(schema.store().await);
        conformance::run_all(store.clone(), store.clone()).await.unwrap();
        conformance::run_second_factor_store(store.clone(), store.clone()).await.unwrap();
        conformance::run_passkey_store(store.clone(), store).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_on_one_schema_pass_as_one() {
    // Two app instances: customers written through one, sessions through the other.
    let schema = common::Schema::new().await;
    let first = Arc::new(schema.store().await);
    let second = Arc::new(schema.store().await);
    conformance::run_all(first, second).await.unwrap();
}
