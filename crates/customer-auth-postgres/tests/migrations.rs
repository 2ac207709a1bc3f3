//! Migrations run on connect unless turned off, in the store's own schema; with them off the
//! store says what to do.

mod common;

use std::time::Duration;

use customer_auth_core::{CustomerStore, SessionId, SessionStore, Timestamp, Token, TokenPurpose, TokenRecord};
use customer_auth_postgres::MIGRATOR;
use sqlx::PgConnection;

async fn tables_in(schema: &str) -> Result<Vec<String>, sqlx::Error> {
    let mut conn = common::admin().await;
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
    )
    .bind(schema)
    .fetch_all(&mut conn)
    .await?;
    Ok(tables.into_iter().map(|(name,)| name).collect())
}

/// `schema` with only the `names` of the shipped migrations applied (the schema an older release
/// left), and an admin connection whose `search_path` is that schema.
async fn migrated_up_to(schema: &common::Schema, names: &[&str]) -> Result<PgConnection, Box<dyn std::error::Error>> {
    let old = std::env::temp_dir().join(format!("customer-auth-migrations-{}", schema.name));
    std::fs::create_dir_all(&old)?;
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for name in names {
        std::fs::copy(shipped.join(name), old.join(name))?;
    }
    let previous = sqlx::migrate::Migrator::new(old.as_path()).await?;
    std::fs::remove_dir_all(&old)?;
    let mut conn = common::admin().await;
    sqlx::raw_sql(&format!("CREATE SCHEMA \"{0}\"; SET search_path TO \"{0}\"", schema.name))
        .execute(&mut conn)
        .await?;
    previous.run(&mut conn).await?;
    Ok(conn)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_creates_the_schema_and_keeps_everything_in_it() {
    let schema = common::Schema::new().await;
    let store = schema.store().await;
    assert_eq!(
        tables_in(&schema.name).await.unwrap(),
        [
            "_sqlx_migrations",
            "customers",
            "login_failures",
            "passkeys",
            "recovery_codes",
            "sessions",
            "tokens",
            "totp_factors"
        ]
    );
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(applied, i64::try_from(MIGRATOR.iter().count()).unwrap());

    // Connecting again, or migrating by hand, changes nothing.
    let grace = common::customer("grace");
    store.create_customer(&grace).await.unwrap();
    store.migrate().await.unwrap();
    drop(store);
    let again = schema.store().await;
    assert!(again.find_customer(grace.id).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_starting_at_once_all_migrate_one_schema() {
    let schema = common::Schema::new().await;
    let (a, b, c) = tokio::join!(schema.store(), schema.store(), schema.store());
    let grace = common::customer("grace");
    a.create_customer(&grace).await.unwrap();
    assert!(b.find_customer(grace.id).await.unwrap().is_some());
    assert!(c.find_customer(grace.id).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_migrations_off_the_store_asks_for_them_until_they_run() {
    let schema = common::Schema::new().await;
    let store = schema.options().migrate(false).connect().await.unwrap();
    assert!(tables_in(&schema.name).await.unwrap().is_empty(), "migrate(false) created tables");

    let read = store.find_customer_by_username("grace").await.unwrap_err();
    assert!(read.to_string().contains("PostgresStore::migrate()"), "{read}");
    let write = store.create_session(&SessionId::generate().unwrap().key(), &common::session(None)).await.unwrap_err();
    assert!(write.to_string().contains("PostgresStore::migrate()"), "{write}");
    assert!(!read.is_unavailable() && !write.is_unavailable());

    // An empty schema made by an administrator is no different.
    let mut admin = common::admin().await;
    sqlx::query(&format!("CREATE SCHEMA \"{}\"", schema.name)).execute(&mut admin).await.unwrap();
    let read = store.find_customer_by_email("grace@example.com").await.unwrap_err();
    assert!(read.to_string().contains("PostgresStore::migrate()"), "{read}");

    store.migrate().await.unwrap();
    let grace = common::customer("grace");
    store.create_customer(&grace).await.unwrap();
    assert_eq!(store.find_customer_by_username("GRACE").await.unwrap().map(|found| found.id), Some(grace.id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migrator_is_public_for_deployment_tools() {
    let schema = common::Schema::new().await;
    // A deployment tool's own connection, pointed at the schema the app will use.
    let mut conn = common::admin().await;
    sqlx::raw_sql(&format!("CREATE SCHEMA \"{0}\"; SET search_path TO \"{0}\"", schema.name))
        .execute(&mut conn)
        .await
        .unwrap();
    MIGRATOR.run(&mut conn).await.unwrap();
    assert_eq!(
        tables_in(&schema.name).await.unwrap(),
        [
            "_sqlx_migrations",
            "customers",
            "login_failures",
            "passkeys",
            "recovery_codes",
            "sessions",
            "tokens",
            "totp_factors"
        ]
    );
    // The app then connects without migrating.
    let store = schema.options().migrate(false).connect().await.unwrap();
    store.create_customer(&common::customer("grace")).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schema_from_before_account_security_upgrades_with_its_customers_unconfirmed() {
    let schema = common::Schema::new().await;
    // The schema as the previous release left it: only the migrations before 0003.
    let mut conn = migrated_up_to(&schema, &["0001_customers.sql", "0002_sessions.sql"]).await.unwrap();
    let grace = common::customer("grace");
    sqlx::query(
        "INSERT INTO customers (id, first_name, last_name, email, email_key, username, username_key, \
         password_hash, roles, status, failed_logins, locked_until, created_at, updated_at) \
         VALUES ($1, 'Grace', 'Hopper', 'grace@example.com', 'grace@example.com', 'grace', 'grace', $2, '{}', \
         'active', 0, NULL, 1700000000, 1700000000)",
    )
    .bind(grace.id.as_uuid())
    .bind(grace.password_hash.as_str())
    .execute(&mut conn)
    .await
    .unwrap();
    assert_eq!(tables_in(&schema.name).await.unwrap(), ["_sqlx_migrations", "customers", "sessions"]);

    let store = schema.store().await;
    assert_eq!(
        tables_in(&schema.name).await.unwrap(),
        [
            "_sqlx_migrations",
            "customers",
            "login_failures",
            "passkeys",
            "recovery_codes",
            "sessions",
            "tokens",
            "totp_factors"
        ]
    );
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
    let schema = common::Schema::new().await;
    // The schema as the previous release left it, when keys were the whole 32-byte SHA-256.
    let shipped = ["0001_customers.sql", "0002_sessions.sql", "0003_account_security.sql"];
    let mut conn = migrated_up_to(&schema, &shipped).await.unwrap();
    let grace = common::customer("grace");
    let (live, expired) = (SessionId::generate().unwrap().key(), SessionId::generate().unwrap().key());
    let logged_in = common::session(Some(&grace));
    for (key, record) in [(live, logged_in.clone()), (expired, common::expired_session())] {
        // What the old version stored: the whole hash, which starts with today's key.
        let old_key = [key.as_bytes().as_slice(), &[0xa5; 16]].concat();
        sqlx::query("INSERT INTO sessions (key, customer_id, expires_at, record) VALUES ($1, $2, $3, $4)")
            .bind(old_key)
            .bind(record.customer_id().map(|id| *id.as_uuid()))
            .bind(record.expires_at().as_unix())
            .bind(record.encode().unwrap())
            .execute(&mut conn)
            .await
            .unwrap();
    }

    let store = schema.store().await;
    assert_eq!(store.load_session(&live).await.unwrap(), Some(logged_in));
    assert_eq!(store.list_customer_sessions(grace.id).await.unwrap().len(), 1);
    assert_eq!(store.purge_expired_sessions().await.unwrap(), 1);
    assert_eq!(store.delete_customer_sessions(grace.id).await.unwrap(), 1);
    assert_eq!(store.load_session(&live).await.unwrap(), None);
}
