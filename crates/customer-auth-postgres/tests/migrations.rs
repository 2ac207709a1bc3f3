//! Migrations run on connect unless turned off, in the store's own schema; with them off the
//! store says what to do.

mod common;

use customer_auth_core::{CustomerStore, SessionId, SessionStore};
use customer_auth_postgres::MIGRATOR;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_creates_the_schema_and_keeps_everything_in_it() {
    let schema = common::Schema::new().await;
    let store = schema.store().await;
    assert_eq!(tables_in(&schema.name).await.unwrap(), ["_sqlx_migrations", "customers", "sessions", "tokens"]);
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
    assert_eq!(tables_in(&schema.name).await.unwrap(), ["_sqlx_migrations", "customers", "sessions", "tokens"]);
    // The app then connects without migrating.
    let store = schema.options().migrate(false).connect().await.unwrap();
    store.create_customer(&common::customer("grace")).await.unwrap();
}
