//! The store over TLS, against real servers: the private TLS-only PostgreSQL that
//! `scripts/services/postgres_tls.sh` starts on 127.0.0.1:5433 with a certificate for
//! `localhost` from the test CA, and the shared server on 5432 (Debian's snakeoil certificate).

// Tests and their helpers fail by panicking.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use customer_auth_core::conformance;
use customer_auth_postgres::{Error, PostgresStoreOptions};

const CA: &str = "/tmp/customer-auth-tls/ca.pem";

/// The private TLS server's URL for `host`, verifying against the test CA.
fn tls_url(host: &str, sslmode: &str) -> String {
    let base = std::env::var("CUSTOMER_AUTH_TEST_POSTGRES_TLS_URL")
        .unwrap_or_else(|_| "postgres://postgres@HOST:5433/postgres".into());
    format!("{}?sslmode={sslmode}&sslrootcert={CA}", base.replace("HOST", host))
}

fn schema() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    format!("t_{}", bytes.iter().map(|byte| format!("{byte:02x}")).collect::<String>())
}

/// Fails loudly, with the command that starts it, when the TLS server is not there.
fn unreachable(err: &Error) -> ! {
    panic!(
        "the TLS test PostgreSQL at localhost:5433 is not reachable ({err}); start it with: \
         bash scripts/services/postgres_tls.sh (or run ./scripts/test, which starts it)"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_over_verified_tls_passes_the_conformance_suite() {
    let schema = schema();
    let store = PostgresStoreOptions::new(&tls_url("localhost", "verify-full"))
        .schema(&schema)
        .purge_interval(None)
        .connect()
        .await
        .unwrap_or_else(|err| unreachable(&err));
    let encrypted: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(encrypted, "the store's connections are TLS");
    let store = Arc::new(store);
    let outcome = conformance::run_all(store.clone(), store.clone()).await;
    sqlx::query(&format!("DROP SCHEMA \"{schema}\" CASCADE")).execute(store.pool()).await.unwrap();
    outcome.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_refuses_a_certificate_for_another_host_name_and_says_so() {
    // The certificate names `localhost`; the URL names 127.0.0.1.
    let refused = PostgresStoreOptions::new(&tls_url("127.0.0.1", "verify-full"))
        .schema(&schema())
        .acquire_timeout(Duration::from_secs(3))
        .connect()
        .await
        .unwrap_err();
    let message = refused.to_string();
    assert!(matches!(refused, Error::Tls { .. }), "{refused:?}");
    assert!(message.contains("certificate") && message.contains("host name"), "{message}");
    assert!(!customer_auth_core::Error::from(refused).is_unavailable(), "a certificate does not fix itself: not a 503");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_ca_refuses_a_server_whose_ca_is_not_the_one_given() {
    // Debian's snakeoil certificate is self-signed: the test CA did not sign it.
    let url = format!("postgres://postgres@127.0.0.1:5432/test?sslmode=verify-ca&sslrootcert={CA}");
    let refused = PostgresStoreOptions::new(&url).acquire_timeout(Duration::from_secs(3)).connect().await.unwrap_err();
    assert!(matches!(refused, Error::Tls { .. }), "{refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_connection_to_a_tls_only_server_fails_fast_and_clearly() {
    let started = Instant::now();
    let refused = PostgresStoreOptions::new("postgres://postgres@localhost:5433/postgres?sslmode=disable")
        .acquire_timeout(Duration::from_secs(3))
        .connect()
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(8), "took {:?}", started.elapsed());
    let message = refused.to_string();
    assert!(message.contains("no encryption"), "the server's reason is passed on: {message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sslmode_require_encrypts_against_a_self_signed_server() {
    let schema = common::Schema::new().await;
    let url = format!("{}?sslmode=require", common::url());
    let store = PostgresStoreOptions::new(&url).schema(&schema.name).purge_interval(None).connect().await.unwrap();
    let encrypted: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(encrypted);
}
