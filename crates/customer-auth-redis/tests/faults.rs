//! A Redis that is down, cut off or stalled gives `Unavailable` fast, and the same store works
//! again once Redis is back. The faults are made by a proxy in front of the shared test server,
//! which itself is never stopped.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "common/proxy.rs"]
mod proxy;

use std::time::{Duration, Instant};

use common::TestStore;
use customer_auth_core::{CustomerStore, SessionId, SessionStore};
use customer_auth_redis::{Error, RedisStore, RedisStoreOptions};
use proxy::Proxy;

fn target() -> String {
    let url = common::url();
    let rest = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
    rest.split(['/', '?']).next().unwrap().rsplit('@').next().unwrap().to_owned()
}

async fn through(proxy: &Proxy, prefix: &str) -> RedisStore {
    common::connect_with(
        RedisStoreOptions::new(&proxy.url())
            .prefix(prefix)
            .connection_timeout(Duration::from_millis(500))
            .response_timeout(Duration::from_millis(500)),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_to_a_closed_port_fails_fast_and_says_what_to_check() {
    let started = Instant::now();
    let err = RedisStore::connect("redis://127.0.0.1:1").await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("127.0.0.1:1") && message.contains("check that Redis is running"), "{message}");
    assert!(customer_auth_core::Error::from(err).is_unavailable());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_to_a_server_that_never_answers_times_out() {
    // A listener that accepts and says nothing, like a stuck server.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("redis://{}", silent.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let started = Instant::now();
    let err = RedisStoreOptions::new(&url)
        .connection_timeout(Duration::from_millis(300))
        .reconnect_retries(0)
        .connect()
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    assert!(customer_auth_core::Error::from(err).is_unavailable());
    held.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_connection_is_unavailable_then_recovers_by_itself() {
    let test = TestStore::new().await;
    let proxy = Proxy::start(target()).await;
    let store = through(&proxy, test.store.prefix()).await;
    let customer = common::customer("survivor");
    store.create_customer(&customer).await.unwrap();
    let key = SessionId::generate().unwrap().key();
    store.create_session(&key, &common::session(Some(&customer))).await.unwrap();

    proxy.cut();
    for _ in 0..3 {
        let started = Instant::now();
        let err = store.load_session(&key).await.unwrap_err();
        assert!(err.is_unavailable(), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
        let err = store.find_customer(customer.id).await.unwrap_err();
        assert!(err.is_unavailable(), "{err:?}");
    }

    proxy.restore();
    // The same store, never recreated, reconnects on its own within a few calls.
    let deadline = Instant::now() + Duration::from_secs(10);
    let loaded = loop {
        match store.load_session(&key).await {
            Ok(loaded) => break loaded,
            Err(err) if err.is_unavailable() && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(err) => panic!("the store did not recover: {err}"),
        }
    };
    assert!(loaded.is_some());
    assert_eq!(store.find_customer(customer.id).await.unwrap().map(|found| found.id), Some(customer.id));
    drop(store);
    test.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_connection_times_out_and_is_replaced() {
    let test = TestStore::new().await;
    let proxy = Proxy::start(target()).await;
    let store = through(&proxy, test.store.prefix()).await;
    let customer = common::customer("stalled");
    store.create_customer(&customer).await.unwrap();

    // The open connection goes silent, as when a route drops packets: no error, no close.
    proxy.stall();
    let started = Instant::now();
    let err = store.find_customer(customer.id).await.unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(400) && waited < Duration::from_secs(2), "timed out after {waited:?}");

    // The timed-out connection was replaced: the next call goes over a fresh one.
    let found = store.find_customer(customer.id).await.unwrap();
    assert_eq!(found.map(|found| found.id), Some(customer.id));
    drop(store);
    test.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_session_load_times_out_and_the_next_one_reconnects() {
    let test = TestStore::new().await;
    let proxy = Proxy::start(target()).await;
    let store = through(&proxy, test.store.prefix()).await;
    let customer = common::customer("stalled-load");
    let key = SessionId::generate().unwrap().key();
    store.create_session(&key, &common::session(Some(&customer))).await.unwrap();
    // The first load goes over the store's connection, like every call.
    assert!(store.load_session(&key).await.unwrap().is_some());

    proxy.stall();
    let started = Instant::now();
    let err = store.load_session(&key).await.unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(400) && waited < Duration::from_secs(2), "timed out after {waited:?}");

    // The stalled connection, which may still deliver the old reply, is never read again.
    assert!(store.load_session(&key).await.unwrap().is_some());
    let other = SessionId::generate().unwrap().key();
    assert_eq!(store.load_session(&other).await.unwrap(), None);
    drop(store);
    test.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_never_shows_the_password() {
    let options = RedisStoreOptions::new("redis://app:hunter2@127.0.0.1:1/0");
    let shown = format!("{options:?}");
    assert!(!shown.contains("hunter2") && shown.contains("app:[redacted]@127.0.0.1:1"), "{shown}");
    let err = options.connect().await.unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
    assert!(!format!("{err:?}").contains("hunter2"), "{err:?}");

    let test = TestStore::new().await;
    let shown = format!("{:?}", test.store);
    assert!(shown.starts_with("RedisStore { server: \"redis://") && shown.contains(test.store.prefix()), "{shown}");
    test.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_options_are_refused_before_connecting() {
    for prefix in ["", "has space:", "tab\t", "nl\n"] {
        let err = RedisStoreOptions::new(&common::url()).prefix(prefix).connect().await.unwrap_err();
        assert!(matches!(err, Error::InvalidPrefix { .. }), "{prefix:?}: {err:?}");
        assert!(matches!(customer_auth_core::Error::from(err), customer_auth_core::Error::Config(_)));
    }
    let err = RedisStoreOptions::new(&common::url()).response_timeout(Duration::ZERO).connect().await.unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    let err = RedisStore::connect("postgres://localhost/shop").await.unwrap_err();
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_glob_in_the_prefix_never_reaches_other_keys() {
    // `delete_all_keys` must only delete this prefix, even if it contains glob characters.
    let base = common::random_prefix();
    let globbed = TestStore::on_prefix(&format!("{base}*")).await;
    let neighbour = TestStore::on_prefix(&format!("{base}x:")).await;
    neighbour.store.create_customer(&common::customer("neighbour")).await.unwrap();
    globbed.store.create_customer(&common::customer("globbed")).await.unwrap();
    globbed.store.delete_all_keys().await.unwrap();
    assert!(neighbour.store.find_customer_by_username("neighbour").await.unwrap().is_some());
    globbed.cleanup().await;
    neighbour.cleanup().await;
}
