//! Many writers at once queue behind the one writer connection: none sees SQLITE_BUSY.

mod common;

use std::sync::Arc;

use customer_auth_core::{CustomerStore, SessionId, SessionStore};
use customer_auth_sqlite::SqliteStoreOptions;
use tokio::task::JoinSet;

const WRITERS: usize = 64;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_all_succeed() {
    let (_dir, path) = common::temp_db().unwrap();
    let store = Arc::new(SqliteStoreOptions::new(&common::url(&path)).readers(2).connect().await.unwrap());
    let mut tasks = JoinSet::new();
    for n in 0..WRITERS {
        let store = Arc::clone(&store);
        tasks.spawn(async move {
            let customer = common::customer(&format!("writer{n}"));
            store.create_customer(&customer).await?;
            let key = SessionId::generate()?.key();
            store.create_session(&key, &common::session(Some(&customer))).await?;
            // Reads interleaved with the writes, through the reader pool.
            let found = store.find_customer_by_email(&customer.email).await?;
            let loaded = store.load_session(&key).await?;
            Ok::<_, customer_auth_core::Error>((found.is_some(), loaded.is_some()))
        });
    }
    let mut done = 0;
    while let Some(joined) = tasks.join_next().await {
        assert_eq!(joined.unwrap().unwrap(), (true, true));
        done += 1;
    }
    assert_eq!(done, WRITERS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_on_one_file_share_it() {
    // Two app processes on one file, as in a rolling restart: SQLite's busy timeout covers the
    // writers of the other store.
    let (_dir, path) = common::temp_db().unwrap();
    let first = Arc::new(SqliteStoreOptions::new(&common::url(&path)).connect().await.unwrap());
    let second = Arc::new(SqliteStoreOptions::new(&common::url(&path)).connect().await.unwrap());
    let mut tasks = JoinSet::new();
    for n in 0..16 {
        let store = if n % 2 == 0 { Arc::clone(&first) } else { Arc::clone(&second) };
        tasks.spawn(async move { store.create_customer(&common::customer(&format!("shared{n}"))).await });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.unwrap().unwrap();
    }
    assert!(second.find_customer_by_username("shared0").await.unwrap().is_some());
    assert!(first.find_customer_by_username("shared1").await.unwrap().is_some());
}
