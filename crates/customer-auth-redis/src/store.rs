use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use customer_auth_core::LoadBatcher;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, RedisError, RedisResult};

use crate::error::store_error;
use crate::keys::Keys;
use crate::scripts::Scripts;
use crate::{Error, RedisStoreOptions};

/// Keys unlinked per command by [`RedisStore::delete_all_keys`], and the `SCAN` count hint.
const SCAN_BATCH: usize = 500;

/// Customers and sessions in Redis: implements both
/// [`CustomerStore`](customer_auth_core::CustomerStore) and
/// [`SessionStore`](customer_auth_core::SessionStore).
///
/// One multiplexed connection (redis-rs's, which every byte on the wire goes through) carries
/// every call; session loads that arrive together go over it as one `MGET`. It reconnects by
/// itself when the connection drops; a call while Redis is unreachable or too slow fails fast
/// with [`Error::Unavailable`](customer_auth_core::Error::Unavailable). Cheap to clone:
/// clones share the connections. See the [crate docs](crate) for an example and the key layout.
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    config: ConnectionManagerConfig,
    connection: RwLock<Connection>,
    keys: Keys,
    scripts: Scripts,
    /// Session loads that arrive together go to Redis as one `MGET`.
    loads: LoadBatcher,
    /// The URL with its password redacted, for `Debug` and error messages.
    server: String,
    connection_timeout: Duration,
    response_timeout: Duration,
}

/// The current connection and a count of how often it was replaced, so that of many calls
/// timing out on one dead connection only the first replaces it.
#[derive(Clone)]
struct Connection {
    generation: u64,
    manager: ConnectionManager,
}

impl RedisStore {
    /// Connects to the Redis server at `url` (`redis://host:port/db`, `rediss://` for TLS
    /// when the driver is built with it, `unix:///path`) with the default
    /// [`RedisStoreOptions`]: key prefix `customer-auth:`, 2 s connection and response
    /// timeouts. Fails fast, never hangs, when Redis is down.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        RedisStoreOptions::new(url).connect().await
    }

    pub(crate) async fn open(options: &RedisStoreOptions, keys: Keys, server: String) -> Result<Self, Error> {
        let (url, in_url) = crate::tls::split_url(&options.url);
        let client = match crate::tls::certificates(&url, options.tls.clone(), in_url).await? {
            Some(certificates) => {
                install_tls_provider();
                Client::build_with_tls(url.as_str(), certificates)
            }
            None => {
                if url.starts_with("rediss") {
                    install_tls_provider();
                }
                Client::open(url.as_str())
            }
        }
        .map_err(|err| Error::InvalidUrl { url: server.clone(), reason: err.to_string() })?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.connection_timeout))
            .set_response_timeout(Some(options.response_timeout))
            .set_number_of_retries(options.reconnect_retries)
            .set_min_delay(Duration::from_millis(100))
            .set_max_delay(Duration::from_secs(1));
        let manager = ConnectionManager::new_with_config(client.clone(), config.clone())
            .await
            .map_err(|source| Error::Connect { server: server.clone(), source })?;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                config,
                connection: RwLock::new(Connection { generation: 0, manager }),
                keys,
                scripts: Scripts::new(),
                loads: LoadBatcher::new(),
                server,
                connection_timeout: options.connection_timeout,
                response_timeout: options.response_timeout,
            }),
        })
    }

    /// The prefix every key of this store starts with.
    pub fn prefix(&self) -> &str {
        self.inner.keys.prefix()
    }

    /// Deletes every key under this store's [prefix](Self::prefix) (`SCAN` and `UNLINK`, so
    /// Redis is never blocked for long) and returns how many there were: every customer and
    /// every session of this store. Meant for tests and for tearing down a tenant; keys written
    /// while it runs may survive.
    pub async fn delete_all_keys(&self) -> customer_auth_core::Result<u64> {
        let pattern = self.inner.keys.scan_pattern();
        let mut cursor: u64 = 0;
        let mut deleted = 0;
        loop {
            let (next, keys): (u64, Vec<Vec<u8>>) = self
                .run(|mut conn| {
                    let pattern = pattern.clone();
                    async move {
                        redis::cmd("SCAN")
                            .arg(cursor)
                            .arg("MATCH")
                            .arg(pattern)
                            .arg("COUNT")
                            .arg(SCAN_BATCH)
                            .query_async(&mut conn)
                            .await
                    }
                })
                .await?;
            for batch in keys.chunks(SCAN_BATCH) {
                let batch = batch.to_vec();
                let unlinked: u64 = self
                    .run(|mut conn| async move { redis::cmd("UNLINK").arg(batch).query_async(&mut conn).await })
                    .await?;
                deleted += unlinked;
            }
            if next == 0 {
                return Ok(deleted);
            }
            cursor = next;
        }
    }

    pub(crate) fn keys(&self) -> &Keys {
        &self.inner.keys
    }

    pub(crate) fn scripts(&self) -> &Scripts {
        &self.inner.scripts
    }

    pub(crate) fn loads(&self) -> &LoadBatcher {
        &self.inner.loads
    }

    /// Runs one call against Redis and converts its error. A call that timed out leaves the
    /// connection in doubt (a silently dropped route or a stalled server looks the same from
    /// here, and the driver only reconnects on a connection it saw close), so the connection is
    /// replaced by a fresh one that connects on first use.
    pub(crate) async fn run<T, F, Fut>(&self, call: F) -> customer_auth_core::Result<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        self.attempt(call).await.map_err(store_error)
    }

    /// [`run`](Self::run) for a call that may safely run twice (a read): when the connection
    /// turns out closed (Redis' idle `timeout`, a restart, a failover), the call is made once
    /// more on the connection the manager opens in its place, so the closed one costs no 503.
    pub(crate) async fn run_idempotent<T, F, Fut>(&self, call: F) -> customer_auth_core::Result<T>
    where
        F: Fn(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        match self.attempt(&call).await {
            Err(err) if err.is_connection_dropped() => self.attempt(call).await.map_err(store_error),
            outcome => outcome.map_err(store_error),
        }
    }

    async fn attempt<T, F, Fut>(&self, call: F) -> RedisResult<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        let current = self.connection();
        let outcome = call(current.manager).await;
        if let Err(err) = &outcome
            && err.is_timeout()
        {
            self.replace_connection(current.generation, err);
        }
        outcome
    }

    fn connection(&self) -> Connection {
        // Nothing panics while holding the lock, so a poisoned lock still holds a connection.
        self.inner.connection.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn replace_connection(&self, generation: u64, cause: &RedisError) {
        let mut connection = self.inner.connection.write().unwrap_or_else(PoisonError::into_inner);
        if connection.generation != generation {
            return;
        }
        match ConnectionManager::new_lazy_with_config(self.inner.client.clone(), self.inner.config.clone()) {
            Ok(manager) => {
                tracing::warn!(server = %self.inner.server, error = %cause, "Redis timed out; replacing the connection");
                *connection = Connection { generation: generation.wrapping_add(1), manager };
            }
            Err(err) => {
                tracing::warn!(server = %self.inner.server, error = %err, "could not replace the Redis connection")
            }
        }
    }
}

/// redis-rs builds its TLS settings with rustls's process-wide provider: when the app has not
/// chosen one, ring (the one this crate builds) becomes it. An app's own choice is kept.
fn install_tls_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may have installed one meanwhile; either way a provider is in place.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("server", &self.inner.server)
            .field("prefix", &self.inner.keys.prefix())
            .field("connection_timeout", &self.inner.connection_timeout)
            .field("response_timeout", &self.inner.response_timeout)
            .finish()
    }
}
