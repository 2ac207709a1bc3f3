//! The Redis store keeps every promise of the two store traits.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use common::TestStore;
use customer_auth_core::conformance;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_passes_the_conformance_suite() {
    let test = TestStore::new().await;
    let store = Arc::new(test.store.clone());
    conformance::run_all(store.clone(), store.clone()).await.unwrap();
    conformance::run_second_factor_store(store.clone(), store.clone()).await.unwrap();
    conformance::run_passkey_store(store.clone(), store).await.unwrap();
    test.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_on_the_same_prefix_passes_too() {
    // The checks must cope with data left by earlier runs, as on a real app's Redis.
    let test = TestStore::new().await;
    for _ in 0..2 {
        let store = Arc::new(test.another().await);
        conformance::run_all(store.clone(), store.clone()).await.unwrap();
        conformance::run_second_factor_store(store.clone(), store.clone()).await.unwrap();
        conformance::run_passkey_store(store.clone(), store).await.unwrap();
    }
    test.cleanup().await;
}
