//! Migrations run on connect unless turned off; then the store says what to do.

mod common;

use customer_auth_core::{CustomerStore, SessionId, SessionStore};
use customer_auth_sqlite::{MIGRATOR, SqliteStore, SqliteStoreOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_migrations_off_the_store_asks_for_them_until_they_run() {
    let (_dir, path) = common::temp_db().unwrap();
    let store = SqliteStoreOptions::new(&common::url(&path)).migrate(false).connect().await.unwrap();

    let read = store.find_customer_by_username("grace").await.unwrap_err();
    assert!(read.to_string().contains("SqliteStore::migrate()"), "{read}");
    let write = store.create_session(&SessionId::generate().unwrap().key(), &common::session(None)).await.unwrap_err();
    assert!(write.to_string().contains("SqliteStore::migrate()"), "{write}");

    store.migrate().await.unwrap();
    let grace = common::customer("grace");
    store.create_customer(&grace).await.unwrap();
    assert_eq!(store.find_customer_by_username("grace").await.unwrap().map(|found| found.id), Some(grace.id));

    // Running them again, by hand or on the next connect, changes nothing.
    store.migrate().await.unwrap();
    drop(store);
    let again = SqliteStore::connect(&common::url(&path)).await.unwrap();
    assert!(again.find_customer(grace.id).await.unwrap().is_some());
}

#[tokio::test]
async fn the_migrator_is_public_for_deployment_tools() {
    let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
    MIGRATOR.run(&pool).await.unwrap();
    let tables: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('customers', 'sessions')")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(tables.len(), 2);
}
