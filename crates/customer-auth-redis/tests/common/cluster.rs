//! The shared test Redis Cluster (3 masters, 3 replicas on 127.0.0.1:7100-7105, started by
//! `bash scripts/services.sh`), or `CUSTOMER_AUTH_TEST_REDIS_CLUSTER_URL`. Each test works under
//! a random key prefix of its own and deletes its keys when done, on every master.
#![allow(dead_code, unreachable_pub)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use customer_auth_redis::{RedisStore, RedisStoreOptions};

/// The cluster the tests use.
pub fn url() -> String {
    std::env::var("CUSTOMER_AUTH_TEST_REDIS_CLUSTER_URL")
        .unwrap_or_else(|_| "redis+cluster://127.0.0.1:7100,127.0.0.1:7101,127.0.0.1:7102".to_owned())
}

/// The seed nodes of [`url`] as `redis://host:port` URLs, for raw connections.
pub fn seeds() -> Vec<String> {
    let url = url();
    let rest = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
    let hosts = rest.split(['/', '?', '#']).next().unwrap();
    let hosts = hosts.rsplit_once('@').map_or(hosts, |(_, hosts)| hosts);
    hosts.split(',').map(|host| format!("redis://{host}")).collect()
}

/// Connects with these options, or fails the test saying how to start the cluster.
pub async fn connect_with(options: RedisStoreOptions) -> RedisStore {
    match options.connect().await {
        Ok(store) => store,
        Err(err) => panic!(
            "the test Redis Cluster at {} is not reachable ({err}); start it with: bash scripts/services.sh \
             (or bash scripts/services/redis_cluster.sh for the cluster alone; ./scripts/test runs it too)",
            url()
        ),
    }
}

/// A store of its own for one test: a random prefix on the test cluster. Call
/// [`ClusterStore::cleanup`] at the end.
pub struct ClusterStore {
    pub store: RedisStore,
}

impl ClusterStore {
    pub async fn new() -> Self {
        Self { store: connect_with(RedisStoreOptions::new(&url()).prefix(&super::random_prefix())).await }
    }

    /// Another store (its own connections) on the same prefix.
    pub async fn another(&self) -> RedisStore {
        connect_with(RedisStoreOptions::new(&url()).prefix(self.store.prefix())).await
    }

    /// A raw cluster connection, to look at what the store wrote.
    pub async fn raw(&self) -> redis::cluster_async::ClusterConnection {
        redis::cluster::ClusterClient::new(seeds()).unwrap().get_async_connection().await.unwrap()
    }

    /// Deletes every key of this test and checks that none is left on any master.
    pub async fn cleanup(self) {
        self.store.delete_all_keys().await.unwrap();
        let left = keys_under(self.store.prefix());
        assert!(left.is_empty(), "keys left behind: {left:?}");
    }
}

impl Drop for ClusterStore {
    /// A test that fails before `cleanup` still leaves nothing behind: its keys go here, one
    /// by one over blocking connections to each master (no runtime is needed in `drop`).
    fn drop(&mut self) {
        for (master, keys) in keys_by_master(self.store.prefix()) {
            let Ok(mut conn) = redis::Client::open(master).and_then(|client| client.get_connection()) else { continue };
            for key in keys {
                let _: Result<u64, _> = redis::cmd("UNLINK").arg(key).query(&mut conn);
            }
        }
    }
}

/// The `redis://host:port` of every master, read from the first seed that answers.
pub fn masters() -> Vec<String> {
    nodes("master")
}

/// The `redis://host:port` of every replica.
pub fn replicas() -> Vec<String> {
    nodes("slave")
}

/// The nodes whose flags say `role` and not `fail`.
fn nodes(role: &str) -> Vec<String> {
    for seed in seeds() {
        let Ok(mut conn) = redis::Client::open(seed).and_then(|client| client.get_connection()) else { continue };
        let Ok(nodes) = redis::cmd("CLUSTER").arg("NODES").query::<String>(&mut conn) else { continue };
        return nodes
            .lines()
            .filter(|line| line.split(' ').nth(2).is_some_and(|flags| flags.contains(role) && !flags.contains("fail")))
            // `<id> <ip:port@cport> ...`
            .filter_map(|line| line.split(' ').nth(1)?.split('@').next().map(|address| format!("redis://{address}")))
            .collect();
    }
    Vec::new()
}

/// Every key under `prefix`, per master.
pub fn keys_by_master(prefix: &str) -> Vec<(String, Vec<String>)> {
    let pattern = super::pattern(prefix);
    masters()
        .into_iter()
        .filter_map(|master| {
            let mut conn = redis::Client::open(master.as_str()).and_then(|client| client.get_connection()).ok()?;
            let keys: Vec<String> =
                redis::Commands::scan_match(&mut conn, &pattern).ok()?.filter_map(Result::ok).collect();
            Some((master, keys))
        })
        .collect()
}

/// Every key under `prefix`, on any master.
pub fn keys_under(prefix: &str) -> Vec<String> {
    keys_by_master(prefix).into_iter().flat_map(|(_, keys)| keys).collect()
}
