//! The Redis store on a real Redis Cluster (3 masters, 3 replicas; `bash scripts/services.sh`
//! starts it): every promise of the two store traits, the key layout that keeps each script in
//! one slot while the data spreads over every master, and customer writes that wait for a
//! replica.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::cluster::{self, ClusterStore};
use customer_auth_core::{
    CustomerStore, Error, SessionId, SessionStore, Timestamp, Token, TokenPurpose, TokenRecord, conformance,
};
use customer_auth_redis::{Error as RedisError, RedisStoreOptions};
use tokio::task::JoinSet;

const RACERS: usize = 32;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_passes_the_conformance_suite_on_a_cluster() {
    let test = ClusterStore::new().await;
    let store = Arc::new(test.store.clone());
    conformance::run_all(store.clone(), store.clone()).await.unwrap();
    conformance::run_second_factor_store(store.clone(), store.clone()).await.unwrap();
    conformance::run_passkey_store(store.clone(), store).await.unwrap();
    test.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_on_the_same_prefix_passes_too() {
    let test = ClusterStore::new().await;
    for _ in 0..2 {
        let store = Arc::new(test.another().await);
        conformance::run_all(store.clone(), store).await.unwrap();
    }
    test.cleanup().await;
}

/// Runs one registration per store (each its own connections) at once; returns (won,
/// duplicate username, duplicate email).
async fn race(test: &ClusterStore, make: impl Fn(usize) -> customer_auth_core::Customer) -> (usize, usize, usize) {
    let mut racers = JoinSet::new();
    for n in 0..RACERS {
        let store = test.another().await;
        let customer = make(n);
        racers.spawn(async move { store.create_customer(&customer).await });
    }
    let (mut won, mut username, mut email) = (0, 0, 0);
    while let Some(joined) = racers.join_next().await {
        match joined.unwrap() {
            Ok(()) => won += 1,
            Err(Error::DuplicateUsername) => username += 1,
            Err(Error::DuplicateEmail) => email += 1,
            Err(err) => panic!("unexpected error: {err}"),
        }
    }
    (won, username, email)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_username_and_one_email_registered_from_32_connections_at_once_have_one_winner_each() {
    let test = ClusterStore::new().await;
    let outcome = race(&test, |n| {
        let mut customer = common::customer(&format!("racer{n}"));
        customer.username = if n % 2 == 0 { "Racer".into() } else { "racer".into() };
        customer
    })
    .await;
    assert_eq!(outcome, (1, RACERS - 1, 0));
    let outcome = race(&test, |n| {
        let mut customer = common::customer(&format!("mailer{n}"));
        customer.email = if n % 2 == 0 { "Same@Example.com".into() } else { "same@example.com".into() };
        customer
    })
    .await;
    assert_eq!(outcome, (1, 0, RACERS - 1));
    // Two customers listed, each index pointing at its winner.
    let listed = test.store.list_customers(None, 100).await.unwrap();
    assert_eq!(listed.len(), 2);
    let racer = test.store.find_customer_by_username("RACER").await.unwrap().unwrap();
    let mailer = test.store.find_customer_by_email("SAME@example.com").await.unwrap().unwrap();
    assert!(listed.iter().any(|customer| customer.id == racer.id));
    assert!(listed.iter().any(|customer| customer.id == mailer.id));
    test.cleanup().await;
}

/// The slot of each key, as the cluster computes it.
async fn slots(test: &ClusterStore, keys: &[String]) -> Vec<i64> {
    let mut raw = test.raw().await;
    let mut slots = Vec::new();
    for key in keys {
        slots.push(redis::cmd("CLUSTER").arg("KEYSLOT").arg(key).query_async(&mut raw).await.unwrap());
    }
    slots
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_keys_share_one_slot_and_its_indexes_sessions_and_tokens_do_not() {
    let test = ClusterStore::new().await;
    let store = &test.store;
    let customer = common::customer("slots");
    store.create_customer(&customer).await.unwrap();
    let session = SessionId::generate().unwrap().key();
    store.create_session(&session, &common::session(Some(&customer))).await.unwrap();
    let token = Token::generate().unwrap().key();
    let expires_at = Timestamp::now().plus(Duration::from_secs(600));
    let purpose = TokenPurpose::PasswordReset;
    store.create_token(&TokenRecord { key: token, purpose, customer_id: customer.id, expires_at }).await.unwrap();

    let mut keys = cluster::keys_under(store.prefix());
    keys.sort();
    let tag = format!("{{{}}}", customer.id);
    let (tagged, untagged): (Vec<String>, Vec<String>) = keys.into_iter().partition(|key| key.contains(&tag));
    // The hash, the session set and the token set: the scripts that touch them together need
    // them in one slot.
    assert_eq!(tagged.len(), 3, "{tagged:?}");
    let tagged_slots = slots(&test, &tagged).await;
    assert!(tagged_slots.iter().all(|slot| *slot == tagged_slots[0]), "{tagged:?} in slots {tagged_slots:?}");
    // The username and email indexes, the session, the token and the listing: no tag, each
    // where its own name hashes.
    assert_eq!(untagged.len(), 5, "{untagged:?}");
    assert!(untagged.iter().all(|key| !key.contains('{')), "{untagged:?}");
    test.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_spread_over_every_master() {
    const SESSIONS: usize = 3000;
    let test = ClusterStore::new().await;
    let store = &test.store;
    let customers: Vec<_> = (0..10).map(|n| common::customer(&format!("spread{n}"))).collect();
    let mut keys = Vec::new();
    for n in 0..SESSIONS {
        let key = SessionId::generate().unwrap().key();
        store.create_session(&key, &common::session(Some(&customers[n % customers.len()]))).await.unwrap();
        keys.push(key);
    }
    // Loaded back in batches, as a busy app's loads arrive: each batch is one MGET that redis-rs
    // splits by slot.
    let mut loads = JoinSet::new();
    for key in keys {
        let store = store.clone();
        loads.spawn(async move { store.load_session(&key).await });
    }
    let mut loaded = 0;
    while let Some(joined) = loads.join_next().await {
        loaded += usize::from(joined.unwrap().unwrap().is_some());
    }
    assert_eq!(loaded, SESSIONS);

    let session_prefix = format!("{}session:", store.prefix());
    let spread: BTreeMap<String, usize> = cluster::keys_by_master(store.prefix())
        .into_iter()
        .map(|(master, keys)| (master, keys.iter().filter(|key| key.starts_with(&session_prefix)).count()))
        .collect();
    println!("{SESSIONS} sessions over the masters: {spread:?}");
    assert_eq!(spread.len(), 3, "{spread:?}");
    assert_eq!(spread.values().sum::<usize>(), SESSIONS, "{spread:?}");
    // Each master serves a third of the slots; a fifth of the sessions is far below what chance
    // would ever leave a master with (the standard deviation is about 26).
    for (master, count) in &spread {
        assert!(*count > SESSIONS / 5, "{master} has only {count} of {SESSIONS} sessions: {spread:?}");
    }
    test.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_writes_are_on_a_replica_when_they_return() {
    const CUSTOMERS: usize = 100;
    let test = ClusterStore::new().await;
    let waiting = &test.store;
    let not_waiting =
        cluster::connect_with(RedisStoreOptions::new(&cluster::url()).prefix(waiting.prefix()).replica_acks(0)).await;
    let mut timings = Vec::new();
    for (name, store) in [("replica_acks(1)", waiting), ("replica_acks(0)", &not_waiting)] {
        let started = Instant::now();
        for n in 0..CUSTOMERS {
            store.create_customer(&common::customer(&format!("{name}{n}"))).await.unwrap();
        }
        timings.push(format!("{name}: {:?} per registration", started.elapsed() / CUSTOMERS as u32));
    }
    println!("{CUSTOMERS} registrations each on the cluster: {}", timings.join(", "));

    // Every customer the waiting store registered is on a replica already: read each hash
    // from the replicas (READONLY), never from a master.
    let customers = waiting.list_customers(None, 1000).await.unwrap();
    assert_eq!(customers.len(), 2 * CUSTOMERS);
    let replicas: Vec<String> = cluster::replicas();
    assert_eq!(replicas.len(), 3, "{replicas:?}");
    let mut on_replicas = 0;
    for customer in customers.iter().filter(|customer| customer.username.starts_with("replica_acks(1)")) {
        let key = format!("{}customer:{{{}}}", waiting.prefix(), customer.id);
        for replica in &replicas {
            let mut conn = redis::Client::open(replica.as_str()).unwrap().get_connection().unwrap();
            let _: () = redis::cmd("READONLY").query(&mut conn).unwrap();
            // A replica that does not serve the slot answers MOVED: not the one.
            if let Ok(exists) = redis::cmd("EXISTS").arg(&key).query::<u64>(&mut conn) {
                on_replicas += exists;
            }
        }
    }
    assert_eq!(on_replicas, CUSTOMERS as u64);
    test.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_urls_and_prefixes_that_cannot_work_are_refused() {
    for url in ["redis+cluster://127.0.0.1:7100/1", "redis+cluster://127.0.0.1:7100,,127.0.0.1:7101"] {
        let err = RedisStoreOptions::new(url).connect().await.unwrap_err();
        assert!(matches!(err, RedisError::InvalidUrl { .. }), "{url}: {err:?}");
        assert!(err.to_string().contains("redis+cluster://"), "{err}");
    }
    // A brace in the prefix would be every key's hash tag: one slot for the whole store.
    let err = RedisStoreOptions::new(&cluster::url()).prefix("shop:{auth}:").connect().await.unwrap_err();
    assert!(matches!(err, RedisError::InvalidPrefix { .. }), "{err:?}");
    // TLS files need rediss+cluster://.
    let err = RedisStoreOptions::new(&cluster::url()).tls_ca_file("/tmp/ca.pem").connect().await.unwrap_err();
    assert!(matches!(err, RedisError::Config(_)), "{err:?}");
    // Nothing listens there: a connection error that says what to check.
    let err = RedisStoreOptions::new("redis+cluster://127.0.0.1:1,127.0.0.1:2")
        .connection_timeout(Duration::from_millis(300))
        .connect()
        .await
        .unwrap_err();
    assert!(matches!(err, RedisError::Connect { .. }), "{err:?}");
    assert!(err.to_string().contains("check that Redis is running"), "{err}");
}
