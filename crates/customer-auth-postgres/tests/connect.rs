//! A server that cannot be reached, bad options, and a server that goes away: clear errors,
//! `Unavailable` to the web layer, never a panic or a hang.

mod common;

use std::time::{Duration, Instant};

use customer_auth_core::{CustomerId, CustomerStore, SessionId, SessionStore};
use customer_auth_postgres::{Error, PostgresStore, PostgresStoreOptions};

/// Nothing listens on port 1.
const CLOSED: &str = "postgres://shop:hunter2@127.0.0.1:1/shop";

#[tokio::test]
async fn a_closed_port_is_a_quick_clear_error() {
    let started = Instant::now();
    let err = PostgresStoreOptions::new(CLOSED).acquire_timeout(Duration::from_secs(1)).connect().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("shop@127.0.0.1:1/shop"), "{message}");
    assert!(message.to_lowercase().contains("refused"), "the cause is missing: {message}");
    assert!(message.contains("check that the server is running"), "{message}");
    assert!(!message.contains("hunter2") && !format!("{err:?}").contains("hunter2"), "{err:?}");
    // To the web layer a server that cannot be reached is down, not a reason to log anyone out.
    assert!(customer_auth_core::Error::from(err).is_unavailable());
}

#[tokio::test]
async fn the_default_acquire_timeout_bounds_connect() {
    let started = Instant::now();
    let err = PostgresStore::connect(CLOSED).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(12), "took {:?}", started.elapsed());
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
}

#[tokio::test]
async fn a_bad_schema_name_is_refused_before_any_sql() {
    // The closed port proves it: a store that tried to connect would answer Connect instead.
    for schema in ["", "Shop", "shop\"; DROP SCHEMA public CASCADE; --", "shop-auth", "pg_toast", &"s".repeat(64)] {
        let err = PostgresStoreOptions::new(CLOSED).schema(schema).connect().await.unwrap_err();
        assert!(matches!(err, Error::InvalidSchema { .. }), "{schema:?}: {err:?}");
        assert!(err.to_string().contains("lowercase ASCII letters"), "{err}");
        assert!(matches!(customer_auth_core::Error::from(err), customer_auth_core::Error::Config(_)));
    }
}

#[tokio::test]
async fn bad_options_are_config_errors() {
    let zero = PostgresStoreOptions::new(CLOSED).max_connections(0).connect().await.unwrap_err();
    assert!(matches!(zero, Error::Config(_)), "{zero:?}");
    let zero = PostgresStoreOptions::new(CLOSED).acquire_timeout(Duration::ZERO).connect().await.unwrap_err();
    assert!(matches!(zero, Error::Config(_)), "{zero:?}");
    let zero = PostgresStoreOptions::new(CLOSED).purge_interval(Some(Duration::ZERO)).connect().await.unwrap_err();
    assert!(zero.to_string().contains("purge_interval(None)"), "{zero}");
    let not_postgres = PostgresStore::connect("mysql://shop:hunter2@localhost/shop").await.unwrap_err();
    assert!(matches!(not_postgres, Error::InvalidUrl { .. }), "{not_postgres:?}");
    assert!(!not_postgres.to_string().contains("hunter2"), "{not_postgres}");
    assert!(matches!(customer_auth_core::Error::from(not_postgres), customer_auth_core::Error::Config(_)));
}

#[tokio::test]
async fn a_wrong_database_is_a_clear_error_not_unavailable() {
    let schema = common::Schema::new().await;
    let mut options = common::url().parse::<sqlx::postgres::PgConnectOptions>().unwrap();
    options = options.database("customer_auth_no_such_database");
    let url = format!(
        "postgres://{}@{}:{}/customer_auth_no_such_database",
        options.get_username(),
        options.get_host(),
        options.get_port()
    );
    let err = PostgresStoreOptions::new(&url).schema(&schema.name).connect().await.unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert!(err.to_string().contains("customer_auth_no_such_database"), "{err}");
    // Retrying will not create the database: not a 503.
    assert!(!customer_auth_core::Error::from(err).is_unavailable());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_store_is_unavailable_not_a_panic() {
    let schema = common::Schema::new().await;
    let store = schema.store().await;
    let clone = store.clone();
    store.close().await;
    let key = SessionId::generate().unwrap().key();
    let errors = [
        clone.load_session(&key).await.unwrap_err(),
        clone.create_session(&key, &common::session(None)).await.unwrap_err(),
        clone.find_customer_by_username("grace").await.unwrap_err(),
        clone.create_customer(&common::customer("grace")).await.unwrap_err(),
        clone
            .record_failed_login(CustomerId::new(), customer_auth_core::Timestamp::now(), &Default::default())
            .await
            .unwrap_err(),
        clone.purge_expired_sessions().await.unwrap_err(),
    ];
    for err in errors {
        assert!(err.is_unavailable(), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_survives_the_server_dropping_its_connections() {
    // What a server restart or failover looks like from here: every connection of the store is
    // cut. Calls answer Unavailable or, once the pool has opened fresh connections, succeed;
    // never another error, never a panic.
    let schema = common::Schema::new().await;
    let application = format!("{}_app", schema.name);
    let separator = if common::url().contains('?') { '&' } else { '?' };
    let url = format!("{}{separator}application_name={application}", common::url());
    let store = PostgresStoreOptions::new(&url).schema(&schema.name).purge_interval(None).connect().await.unwrap();
    let grace = common::customer("grace");
    store.create_customer(&grace).await.unwrap();

    let mut admin = common::admin().await;
    let cut: Vec<(bool,)> =
        sqlx::query_as("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1")
            .bind(&application)
            .fetch_all(&mut admin)
            .await
            .unwrap();
    assert!(!cut.is_empty(), "no connection of the store was found to cut");

    let mut recovered = false;
    for _ in 0..20 {
        match store.find_customer(grace.id).await {
            Ok(found) => {
                assert_eq!(found.map(|customer| customer.id), Some(grace.id));
                recovered = true;
                break;
            }
            Err(err) => assert!(err.is_unavailable(), "{err}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "the store never reconnected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_shows_the_server_and_settings_never_the_password() {
    let schema = common::Schema::new().await;
    let options = common::url().parse::<sqlx::postgres::PgConnectOptions>().unwrap();
    // Trust authentication ignores the password, so a URL can carry one for the test.
    let url = format!(
        "postgres://{}:hunter2@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("test")
    );
    let store = PostgresStoreOptions::new(&url).schema(&schema.name).max_connections(3).connect().await.unwrap();
    let debug = format!("{store:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    assert_eq!(
        debug,
        format!(
            "PostgresStore {{ server: \"{}@{}:{}/{}\", schema: \"{}\", max_connections: 3, purge_interval: Some(60s) }}",
            options.get_username(),
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or("test"),
            schema.name
        )
    );
    assert_eq!(store.schema(), schema.name);
}
