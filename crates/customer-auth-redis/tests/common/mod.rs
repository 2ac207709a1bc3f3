//! Helpers shared by the test files; each test binary uses a different subset.
//!
//! Every test talks to a real Redis (`redis://127.0.0.1:6379`, or `CUSTOMER_AUTH_TEST_REDIS_URL`)
//! under a random key prefix of its own, and deletes its keys when done, so tests run in
//! parallel and leave nothing behind. A Redis that cannot be reached fails the test, loudly.
#![allow(dead_code, unreachable_pub)]
// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod cluster;
pub mod private_cluster;

use customer_auth_redis::{RedisStore, RedisStoreOptions};

/// The server the tests use.
pub fn url() -> String {
    std::env::var("CUSTOMER_AUTH_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// A fresh key prefix: `test:<16 hex digits>:`.
pub fn random_prefix() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    format!("test:{}:", bytes.iter().map(|byte| format!("{byte:02x}")).collect::<String>())
}

/// Connects with these options, or fails the test saying how to start Redis.
pub async fn connect_with(options: RedisStoreOptions) -> RedisStore {
    match options.connect().await {
        Ok(store) => store,
        Err(err) => panic!(
            "Redis at {} is not reachable ({err}); start it with: redis-server --daemonize yes --bind 127.0.0.1 -::1 \
             --port 6379 --save \"\" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log \
             (or run ./scripts/test, which starts it)",
            url().trim_start_matches("redis://")
        ),
    }
}

/// A store of its own for one test: a random prefix on the test server. Call
/// [`TestStore::cleanup`] at the end.
pub struct TestStore {
    pub store: RedisStore,
}

impl TestStore {
    pub async fn new() -> Self {
        Self::on_prefix(&random_prefix()).await
    }

    pub async fn on_prefix(prefix: &str) -> Self {
        Self { store: connect_with(RedisStoreOptions::new(&url()).prefix(prefix)).await }
    }

    /// Another store (its own connection) on the same prefix.
    pub async fn another(&self) -> RedisStore {
        connect_with(RedisStoreOptions::new(&url()).prefix(self.store.prefix())).await
    }

    /// A raw connection to the test server, to look at what the store wrote.
    pub async fn raw(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(url()).unwrap().get_multiplexed_async_connection().await.unwrap()
    }

    /// Every key under this store's prefix.
    pub async fn keys(&self) -> Vec<String> {
        let mut conn = self.raw().await;
        let pattern = pattern(self.store.prefix());
        let mut iter: redis::AsyncIter<String> = redis::AsyncCommands::scan_match(&mut conn, pattern).await.unwrap();
        let mut keys = Vec::new();
        while let Some(key) = iter.next_item().await {
            keys.push(key.unwrap());
        }
        keys
    }

    /// Deletes every key of this test and checks that none is left.
    pub async fn cleanup(self) {
        self.store.delete_all_keys().await.unwrap();
        let left = self.keys().await;
        assert!(left.is_empty(), "keys left behind: {left:?}");
    }
}

impl Drop for TestStore {
    /// A test that fails before `cleanup` still leaves nothing behind: its keys go here, over
    /// a blocking connection of its own (no runtime is needed in `drop`).
    fn drop(&mut self) {
        let pattern = pattern(self.store.prefix());
        let Ok(mut conn) = redis::Client::open(url()).and_then(|client| client.get_connection()) else { return };
        let keys: Vec<String> = match redis::Commands::scan_match(&mut conn, pattern) {
            Ok(iter) => iter.filter_map(Result::ok).collect(),
            Err(_) => return,
        };
        for batch in keys.chunks(500) {
            let _: Result<u64, _> = redis::cmd("UNLINK").arg(batch).query(&mut conn);
        }
    }
}

/// A `SCAN MATCH` pattern for every key under `prefix`, glob characters escaped.
fn pattern(prefix: &str) -> String {
    let mut pattern: String =
        prefix.chars().flat_map(|c| if "*?[]\\^-".contains(c) { vec!['\\', c] } else { vec![c] }).collect();
    pattern.push('*');
    pattern
}

// Each test binary uses some of these, none all of them.
#[allow(unused_imports)]
pub use customer_auth_core::conformance::fixtures::{customer, expired_session, session};
