//! Opening a database that cannot be opened, or with bad options, is a clear error, never a panic.

mod common;

use std::time::Duration;

use customer_auth_sqlite::{Error, SqliteStore, SqliteStoreOptions};

#[tokio::test]
async fn a_missing_directory_says_what_to_check() {
    let (dir, _) = common::temp_db().unwrap();
    let path = dir.path().join("no-such-dir").join("shop.db");
    let err = SqliteStore::connect(&common::url(&path)).await.unwrap_err();
    assert!(matches!(err, Error::Open { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("check that the path exists and is writable"), "{message}");
    // To the web layer a database that cannot be opened is down, not a reason to log anyone out.
    assert!(customer_auth_core::Error::from(err).is_unavailable());
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_refused() {
    let (_dir, path) = common::temp_db().unwrap();
    std::fs::write(&path, b"this is not a SQLite database, it is a shopping list: film, batteries").unwrap();
    let err = SqliteStore::connect(&common::url(&path)).await.unwrap_err();
    assert!(err.to_string().contains(&path.display().to_string()), "{err}");
}

#[tokio::test]
async fn bad_options_are_config_errors() {
    let zero_readers = SqliteStoreOptions::new("sqlite::memory:").readers(0).connect().await.unwrap_err();
    assert!(matches!(zero_readers, Error::Config(_)), "{zero_readers:?}");
    let zero_interval =
        SqliteStoreOptions::new("sqlite::memory:").purge_interval(Some(Duration::ZERO)).connect().await.unwrap_err();
    assert!(zero_interval.to_string().contains("purge_interval(None)"), "{zero_interval}");
    let not_sqlite = SqliteStore::connect("postgres://localhost/shop").await.unwrap_err();
    assert!(matches!(not_sqlite, Error::InvalidUrl { .. }), "{not_sqlite:?}");
    assert!(matches!(customer_auth_core::Error::from(not_sqlite), customer_auth_core::Error::Config(_)));
}

#[tokio::test]
async fn every_url_form_opens_the_same_file() {
    let (dir, path) = common::temp_db().unwrap();
    let grace = common::customer("grace");
    let store = SqliteStore::connect(&path.display().to_string()).await.unwrap();
    customer_auth_core::CustomerStore::create_customer(&store, &grace).await.unwrap();
    drop(store);
    for url in [format!("sqlite://{}", path.display()), format!("sqlite:{}", path.display())] {
        let store = SqliteStore::connect(&url).await.unwrap();
        assert_eq!(store.path(), path.display().to_string());
        let found = customer_auth_core::CustomerStore::find_customer(&store, grace.id).await.unwrap();
        assert!(found.is_some(), "{url}");
    }
    drop(dir);
}

#[tokio::test]
async fn debug_shows_the_path_and_settings_only() {
    let store = SqliteStoreOptions::new("sqlite::memory:").readers(3).connect().await.unwrap();
    assert_eq!(format!("{store:?}"), "SqliteStore { path: \":memory:\", readers: 1, purge_interval: Some(60s) }");
}
