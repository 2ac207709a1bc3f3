//! The SQLite store keeps every promise of the store traits, in a file and in memory.

mod common;

use std::sync::Arc;

use customer_auth_core::conformance;
use customer_auth_sqlite::SqliteStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_database_passes_the_conformance_suite() {
    let (_dir, path) = common::temp_db().unwrap();
    let store = Arc::new(SqliteStore::connect(&common::url(&path)).await.unwrap());
    conformance::run_all(store.clone(), store.clone()).await.unwrap();
    conformance::run_second_factor_store(store.clone(), store.clone()).await.unwrap();
    conformance::run_passkey_store(store.clone(), store).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_on_the_same_file_passes_too() {
    // The checks must cope with data left by earlier runs, as on a real app's database.
    let (_dir, path) = common::temp_db().unwrap();
    for _ in 0..2 {
        let store = Arc::new(SqliteStore::connect(&common::url(&path)).await.unwrap());
        conformance::run_all(store.clone(), store.clone()).await.unwrap();
        conformance::run_second_factor_store(store.clone(), store.clone()).await.unwrap();
        conformance::run_passkey_store(store.clone(), store).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_memory_database_passes_the_conformance_suite() {
    let store = Arc::new(SqliteStore::connect("sqlite::memory:").await.unwrap());
    conformance::run_all(store.clone(), store.clone()).await.unwrap();
    conformance::run_second_factor_store(store.clone(), store.clone()).await.unwrap();
    conformance::run_passkey_store(store.clone(), store).await.unwrap();
}
