//! The store over TLS against a real server: the private TLS-only Redis that
//! `scripts/services/redis_tls.sh` starts on 127.0.0.1:6390, with a certificate for `localhost`
//! from the test CA.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use customer_auth_core::conformance;
use customer_auth_redis::{Error, RedisStore, RedisStoreOptions};

const CA: &str = "/tmp/customer-auth-tls/ca.pem";

async fn tls_store(options: RedisStoreOptions) -> RedisStore {
    options.connect().await.unwrap_or_else(|err| {
        panic!(
            "the TLS test Redis at localhost:6390 is not reachable ({err}); start it with: \
             bash scripts/services/redis_tls.sh (or run ./scripts/test, which starts it)"
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_over_verified_tls_passes_the_conformance_suite() {
    let url = format!("rediss://localhost:6390/0?sslrootcert={CA}");
    let store = tls_store(RedisStoreOptions::new(&url).prefix(&common::random_prefix())).await;
    let shared = Arc::new(store.clone());
    let outcome = conformance::run_all(shared.clone(), shared).await;
    store.delete_all_keys().await.unwrap();
    outcome.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ca_file_can_come_from_the_options_too() {
    let options = RedisStoreOptions::new("rediss://localhost:6390/0").prefix(&common::random_prefix()).tls_ca_file(CA);
    let store = tls_store(options).await;
    let key = customer_auth_core::SessionId::generate().unwrap().key();
    let record = common::session(None);
    customer_auth_core::SessionStore::create_session(&store, &key, &record).await.unwrap();
    assert_eq!(customer_auth_core::SessionStore::load_session(&store, &key).await.unwrap(), Some(record));
    store.delete_all_keys().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_for_another_host_name_or_ca_is_refused() {
    for url in [
        // The certificate names `localhost`, not 127.0.0.1.
        format!("rediss://127.0.0.1:6390/0?sslrootcert={CA}"),
        // The system's roots do not know the test CA.
        "rediss://localhost:6390/0".to_owned(),
    ] {
        let started = Instant::now();
        let refused = RedisStoreOptions::new(&url).connect().await.unwrap_err();
        assert!(matches!(refused, Error::Connect { .. }), "{url}: {refused:?}");
        assert!(started.elapsed() < Duration::from_secs(10), "{url}: took {:?}", started.elapsed());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insecure_skips_verification_only_when_asked() {
    let store =
        tls_store(RedisStoreOptions::new("rediss://127.0.0.1:6390/0#insecure").prefix(&common::random_prefix())).await;
    let key = customer_auth_core::SessionId::generate().unwrap().key();
    assert_eq!(customer_auth_core::SessionStore::load_session(&store, &key).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_connection_to_a_tls_only_server_fails_fast_not_a_hang() {
    let started = Instant::now();
    let refused = RedisStoreOptions::new("redis://localhost:6390/0")
        .connection_timeout(Duration::from_secs(1))
        .response_timeout(Duration::from_secs(1))
        .connect()
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(6), "took {:?}", started.elapsed());
    assert!(refused.to_string().contains("localhost:6390"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_files_for_a_plain_url_are_a_config_error() {
    let refused = RedisStoreOptions::new("redis://127.0.0.1:6379/0").tls_ca_file(CA).connect().await.unwrap_err();
    assert!(matches!(refused, Error::Config(_)), "{refused:?}");
    assert!(refused.to_string().contains("rediss://"), "{refused}");
    let missing = RedisStoreOptions::new("rediss://localhost:6390/0?sslrootcert=/nowhere/ca.pem").connect().await;
    assert!(missing.unwrap_err().to_string().contains("/nowhere/ca.pem"));
}
