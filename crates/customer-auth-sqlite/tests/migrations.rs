//! Migrations run on connect unless turned off; then the store says what to do.

mod common;

use std::time::Duration;

use customer_auth_core::{CustomerStore, SessionId, SessionStore, Timestamp, Token, TokenPurpose, TokenRecord};
use customer_auth_sqlite::{MIGRATOR, SqliteStore, SqliteStoreOptions};

/// A database at `path` with only the `names` of the shipped migrations applied: the schema an
/// older release left.
async fn migrated_up_to(
    scratch: &std::path::Path,
    path: &std::path::Path,
    names: &[&str],
) -> Result<sqlx::SqlitePool, Box<dyn std::error::Error>> {
    let old = scratch.join("old-migrations");
    std::fs::create_dir(&old)?;
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for name in names {
        std::fs::copy(shipped.join(name), old.join(name))?;
    }
    let previous = sqlx::migrate::Migrator::new(old.as_path()).await?;
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await?;
    previous.run(&pool).await?;
    Ok(pool)
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_before_account_security_upgrades_with_its_customers_unconfirmed() {
    let (dir, path) = common::temp_db().unwrap();
    // The schema as the previous release left it: only the migrations before 0003.
    let pool = migrated_up_to(dir.path(), &path, &["0001_customers.sql", "0002_sessions.sql"]).await.unwrap();
    let grace = common::customer("grace");
    sqlx::query(
        "INSERT INTO customers (id, first_name, last_name, email, email_key, username, username_key, \
         password_hash, roles, status, failed_logins, locked_until, created_at, updated_at) \
         VALUES (?1, 'Grace', 'Hopper', 'grace@example.com', 'grace@example.com', 'grace', 'grace', ?2, '[]', \
         'active', 0, NULL, 1700000000, 1700000000)",
    )
    .bind(grace.id.as_bytes().as_slice())
    .bind(grace.password_hash.as_str())
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let store = SqliteStore::connect(&common::url(&path)).await.unwrap();
    let found = store.find_customer(grace.id).await.unwrap().unwrap();
    assert_eq!((found.username.as_str(), found.email_confirmed_at), ("grace", None));
    let token = Token::generate().unwrap();
    let record = TokenRecord {
        key: token.key(),
        purpose: TokenPurpose::EmailConfirmation,
        customer_id: grace.id,
        expires_at: Timestamp::now().plus(Duration::from_secs(60)),
    };
    store.create_token(&record).await.unwrap();
    let now = Timestamp::now();
    assert_eq!(store.take_token(TokenPurpose::EmailConfirmation, &token.key(), now).await.unwrap(), Some(grace.id));
    store.confirm_email(grace.id, now).await.unwrap();
    assert_eq!(store.find_customer(grace.id).await.unwrap().unwrap().email_confirmed_at, Some(now));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_from_before_short_keys_stay_logged_in() {
    let (dir, path) = common::temp_db().unwrap();
    // The schema as the previous release left it, when keys were the whole 32-byte SHA-256.
    let shipped = ["0001_customers.sql", "0002_sessions.sql", "0003_account_security.sql"];
    let pool = migrated_up_to(dir.path(), &path, &shipped).await.unwrap();
    let grace = common::customer("grace");
    let (live, expired) = (SessionId::generate().unwrap().key(), SessionId::generate().unwrap().key());
    let logged_in = common::session(Some(&grace));
    for (key, record) in [(live, logged_in.clone()), (expired, common::expired_session())] {
        // What the old version stored: the whole hash, which starts with today's key.
        let old_key = [key.as_bytes().as_slice(), &[0xa5; 16]].concat();
        sqlx::query("INSERT INTO sessions (key, customer_id, expires_at, record) VALUES (?1, ?2, ?3, ?4)")
            .bind(old_key)
            .bind(record.customer_id().map(|id| id.as_bytes().to_vec()))
            .bind(record.expires_at().as_unix())
            .bind(record.encode().unwrap())
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;

    let store = SqliteStore::connect(&common::url(&path)).await.unwrap();
    assert_eq!(store.load_session(&live).await.unwrap(), Some(logged_in));
    assert_eq!(store.list_customer_sessions(grace.id).await.unwrap().len(), 1);
    assert_eq!(store.purge_expired_sessions().await.unwrap(), 1);
    assert_eq!(store.delete_customer_sessions(grace.id).await.unwrap(), 1);
    assert_eq!(store.load_session(&live).await.unwrap(), None);
}
