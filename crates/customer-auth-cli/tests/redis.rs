//! Every command against Redis, under a key prefix of its own that is deleted at the end.
//!
//! The server is `redis://127.0.0.1:6379` unless `CUSTOMER_AUTH_TEST_REDIS_URL` says otherwise;
//! the cluster is the one `bash scripts/services.sh` starts on 127.0.0.1:7100-7105 unless
//! `CUSTOMER_AUTH_TEST_REDIS_CLUSTER_URL` says otherwise.
#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::sync::Arc;

use customer_auth::{RedisStore, RedisStoreOptions};

fn url() -> String {
    std::env::var("CUSTOMER_AUTH_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Deletes the test's keys when the test ends, passed or not.
struct Cleanup(RedisStore);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let store = self.0.clone();
        // Drop cannot await and may run while a failed test unwinds: a thread with its own runtime.
        let cleaned = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(store.delete_all_keys()).unwrap();
        })
        .join();
        if cleaned.is_err() {
            eprintln!("could not delete the test's Redis keys under {}", self.0.prefix());
        }
    }
}

/// A store under a fresh prefix, deleted when the returned guard drops.
async fn target() -> (common::Target, Cleanup) {
    let prefix = format!("t_{}:", common::random_hex());
    let store = RedisStoreOptions::new(&url()).prefix(&prefix).connect().await.unwrap_or_else(|err| {
        panic!("Redis at {} is not reachable ({err}); start it with: redis-server --daemonize yes", url())
    });
    let cleanup = Cleanup(store.clone());
    let store = Arc::new(store);
    let target = common::Target {
        args: vec!["--store".into(), url(), "--redis-prefix".into(), prefix],
        customers: store.clone(),
        sessions: store,
        expires_by_itself: true,
    };
    (target, cleanup)
}

/// Redis has no batch insert of its own: the import goes through the store trait's default,
/// one insert after another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_reads_every_hash_format_and_reports_bad_lines_on_redis() {
    let (target, _cleanup) = target().await;
    common::import::every_format_and_every_bad_line(&target).await;
}

fn cluster_url() -> String {
    std::env::var("CUSTOMER_AUTH_TEST_REDIS_CLUSTER_URL")
        .unwrap_or_else(|_| "redis+cluster://127.0.0.1:7100,127.0.0.1:7101,127.0.0.1:7102".into())
}

/// Every command on the store at `url`, under a prefix of its own.
async fn every_command_works_on(url: &str, start: &str) {
    let prefix = format!("t_{}:", common::random_hex());
    let store = RedisStoreOptions::new(url)
        .prefix(&prefix)
        .connect()
        .await
        .unwrap_or_else(|err| panic!("Redis at {url} is not reachable ({err}); start it with: {start}"));
    let _cleanup = Cleanup(store.clone());
    let store = Arc::new(store);
    let target = common::Target {
        args: vec!["--store".into(), url.to_owned(), "--redis-prefix".into(), prefix],
        customers: store.clone(),
        sessions: store.clone(),
        expires_by_itself: true,
    };
    common::every_command(&target).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_works_on_redis() {
    every_command_works_on(&url(), "redis-server --daemonize yes").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_works_on_a_redis_cluster() {
    every_command_works_on(&cluster_url(), "bash scripts/services.sh").await;
}
