use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use customer_auth_core::{Error as CoreError, LoadBatcher};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClientBuilder;
use redis::{Client, FromRedisValue, RedisError, RedisResult, TlsMode};

use crate::call::Call;
use crate::connection::Connection;
use crate::error::store_error;
use crate::keys::Keys;
use crate::scripts::Scripts;
use crate::{Error, RedisStoreOptions};

/// Keys unlinked per command by [`RedisStore::delete_all_keys`], and the `SCAN` count hint.
const SCAN_BATCH: usize = 500;

/// Customers and sessions in Redis, on one server or a Redis Cluster: implements both
/// [`CustomerStore`](customer_auth_core::CustomerStore) and
/// [`SessionStore`](customer_auth_core::SessionStore).
///
/// One multiplexed connection (redis-rs's, which every byte on the wire goes through; on a
/// cluster, one per node) carries every call; session loads that arrive together go over it as
/// one `MGET`. It reconnects by itself when the connection drops; a call while Redis is
/// unreachable or too slow fails fast with
/// [`Error::Unavailable`](customer_auth_core::Error::Unavailable). Customer writes that must
/// survive a failover wait for a replica on a connection of their own (see
/// [`RedisStoreOptions::replica_acks`]). Cheap to clone: clones share the connections. See the
/// [crate docs](crate) for an example and the key layout.
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

struct Inner {
    /// Every call but the durable writes.
    main: Link,
    /// The durable writes, when replicas are waited for: `WAIT` holds up the connection it is
    /// sent on until a replica answers, so it gets one of its own and never delays a session load.
    durable: Option<Link>,
    keys: Keys,
    scripts: Scripts,
    /// Session loads that arrive together go to Redis as one `MGET`.
    loads: LoadBatcher,
    /// The URL with its password redacted, for `Debug` and error messages.
    server: String,
    connection_timeout: Duration,
    response_timeout: Duration,
    replica_acks: u32,
    replica_ack_timeout: Duration,
    /// When a write last went to a primary without replicas (seconds since the store opened,
    /// plus one; 0 never), so that state is logged once a minute, not once per write.
    unreplicated_warned: AtomicU64,
    opened: Instant,
}

/// How often a primary without replicas is logged.
const UNREPLICATED_WARNING_INTERVAL: Duration = Duration::from_secs(60);

/// One connection of the store, and what is needed to replace it.
struct Link {
    /// A single server's client, to replace a connection that timed out; a cluster connection
    /// replaces its node connections itself.
    client: Option<(Client, ConnectionManagerConfig)>,
    current: RwLock<Current>,
}

/// The current connection and a count of how often it was replaced, so that of many calls
/// timing out on one dead connection only the first replaces it.
#[derive(Clone)]
struct Current {
    generation: u64,
    connection: Connection,
}

impl Link {
    fn new(client: Option<(Client, ConnectionManagerConfig)>, connection: Connection) -> Self {
        Self { client, current: RwLock::new(Current { generation: 0, connection }) }
    }

    fn current(&self) -> Current {
        // Nothing panics while holding the lock, so a poisoned lock still holds a connection.
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn replace(&self, generation: u64, cause: &RedisError, server: &str) {
        let Some((client, config)) = &self.client else { return };
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        if current.generation != generation {
            return;
        }
        match ConnectionManager::new_lazy_with_config(client.clone(), config.clone()) {
            Ok(manager) => {
                tracing::warn!(server = %server, error = %cause, "Redis timed out; replacing the connection");
                *current = Current { generation: generation.wrapping_add(1), connection: Connection::Server(manager) };
            }
            Err(err) => {
                tracing::warn!(server = %server, error = %err, "could not replace the Redis connection")
            }
        }
    }
}

impl RedisStore {
    /// Connects to the Redis server at `url` (`redis://host:port/db`, `rediss://` for TLS,
    /// `unix:///path`) or the Redis Cluster (`redis+cluster://host:port,host:port,…`,
    /// `rediss+cluster://…` for TLS) with the default [`RedisStoreOptions`]: key prefix
    /// `customer-auth:`, 2 s connection and response timeouts. Fails fast, never hangs, when
    /// Redis is down.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        RedisStoreOptions::new(url).connect().await
    }

    pub(crate) async fn open(options: &RedisStoreOptions, keys: Keys, server: String) -> Result<Self, Error> {
        let cluster = crate::cluster_url::is_cluster(&options.url);
        let replica_acks = options.replica_acks.unwrap_or(u32::from(cluster));
        let connect = |source| Error::Connect { server: server.clone(), source };
        let (main, durable) = if cluster {
            let client = cluster_client(options, &server).await?;
            let main = client.get_async_connection().await.map_err(connect)?;
            // The cluster connection opens its node connections as it needs them.
            let durable = match replica_acks {
                0 => None,
                _ => Some(client.get_async_connection().await.map_err(connect)?),
            };
            (
                Link::new(None, Connection::Cluster(main)),
                durable.map(|durable| Link::new(None, Connection::Cluster(durable))),
            )
        } else {
            let client = server_client(options, &server).await?;
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(options.connection_timeout))
                .set_response_timeout(Some(options.response_timeout))
                .set_number_of_retries(options.reconnect_retries)
                .set_min_delay(Duration::from_millis(100))
                .set_max_delay(Duration::from_secs(1));
            let main = ConnectionManager::new_with_config(client.clone(), config.clone()).await.map_err(connect)?;
            let durable = match replica_acks {
                0 => None,
                _ => Some(ConnectionManager::new_with_config(client.clone(), config.clone()).await.map_err(connect)?),
            };
            (
                Link::new(Some((client.clone(), config.clone())), Connection::Server(main)),
                durable.map(|durable| Link::new(Some((client, config)), Connection::Server(durable))),
            )
        };
        Ok(Self {
            inner: Arc::new(Inner {
                main,
                durable,
                keys,
                scripts: Scripts::new(),
                loads: LoadBatcher::new(),
                server,
                connection_timeout: options.connection_timeout,
                response_timeout: options.response_timeout,
                replica_acks,
                replica_ack_timeout: options.replica_ack_timeout,
                unreplicated_warned: AtomicU64::new(0),
                opened: Instant::now(),
            }),
        })
    }

    /// The prefix every key of this store starts with.
    pub fn prefix(&self) -> &str {
        self.inner.keys.prefix()
    }

    /// Deletes every key under this store's [prefix](Self::prefix) (`SCAN` and `UNLINK`, so
    /// Redis is never blocked for long; on a cluster, on every master) and returns how many
    /// there were: every customer and every session of this store. Meant for tests and for
    /// tearing down a tenant; keys written while it runs may survive.
    pub async fn delete_all_keys(&self) -> customer_auth_core::Result<u64> {
        let masters = self.run(|mut conn| async move { conn.masters().await }).await?;
        if masters.is_empty() {
            return self.delete_keys_on(None).await;
        }
        let mut deleted = 0;
        for master in masters {
            deleted += self.delete_keys_on(Some(master)).await?;
        }
        Ok(deleted)
    }

    /// [`delete_all_keys`](Self::delete_all_keys) on one cluster master, or on the server.
    async fn delete_keys_on(&self, master: Option<String>) -> customer_auth_core::Result<u64> {
        let pattern = self.inner.keys.scan_pattern();
        let mut cursor: u64 = 0;
        let mut deleted = 0;
        loop {
            let mut scan = redis::cmd("SCAN");
            scan.arg(cursor).arg("MATCH").arg(&pattern).arg("COUNT").arg(SCAN_BATCH);
            let master = master.clone();
            let (next, keys): (u64, Vec<String>) = self
                .run(|mut conn| async move {
                    match master {
                        Some(master) => conn.on_node(&master, scan).await,
                        None => scan.query_async(&mut conn).await,
                    }
                })
                .await?;
            for batch in keys.chunks(SCAN_BATCH) {
                let batch = batch.to_vec();
                deleted += self.run(|mut conn| async move { conn.unlink(&batch).await }).await?;
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

    /// Runs one call against Redis and converts its error. A call that timed out leaves a
    /// single server's connection in doubt (a silently dropped route or a stalled server look
    /// the same from here, and the driver only reconnects on a connection it saw close), so the
    /// connection is replaced by a fresh one that connects on first use.
    pub(crate) async fn run<T, F, Fut>(&self, call: F) -> customer_auth_core::Result<T>
    where
        F: FnOnce(Connection) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        self.attempt(&self.inner.main, call).await.map_err(store_error)
    }

    /// [`run`](Self::run) for a call that may safely run twice (a read): when the connection
    /// turns out closed (Redis' idle `timeout`, a restart, a failover), the call is made once
    /// more on the connection the manager opens in its place, so the closed one costs no 503.
    pub(crate) async fn run_idempotent<T, F, Fut>(&self, call: F) -> customer_auth_core::Result<T>
    where
        F: Fn(Connection) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        match self.attempt(&self.inner.main, &call).await {
            Err(err) if err.is_connection_dropped() => self.attempt(&self.inner.main, call).await.map_err(store_error),
            outcome => outcome.map_err(store_error),
        }
    }

    async fn attempt<T, F, Fut>(&self, link: &Link, call: F) -> RedisResult<T>
    where
        F: FnOnce(Connection) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        let current = link.current();
        let outcome = call(current.connection).await;
        if let Err(err) = &outcome
            && err.is_timeout()
        {
            link.replace(current.generation, err, &self.inner.server);
        }
        outcome
    }

    /// Runs a script.
    pub(crate) async fn eval<T: FromRedisValue>(&self, call: &Call<'_>) -> customer_auth_core::Result<T> {
        self.run(|mut conn| async move { call.invoke(&mut conn).await }).await
    }

    /// Runs a script whose write must survive a failover of the primary: it counts as done only
    /// once [`replica_acks`](RedisStoreOptions::replica_acks) replicas have it (or every replica
    /// the primary has, when it has fewer online: a primary left alone by a failover keeps
    /// taking writes, and says so in the log). Without replicas to wait for, a plain
    /// [`eval`](Self::eval).
    pub(crate) async fn eval_durable<T: FromRedisValue>(&self, call: &Call<'_>) -> customer_auth_core::Result<T> {
        let Some(link) = &self.inner.durable else { return self.eval(call).await };
        let (wanted, timeout) = (self.inner.replica_acks, self.inner.replica_ack_timeout);
        // Asked first, so a primary without replicas never holds the connection for the
        // whole timeout of a WAIT that cannot be answered.
        let online = self
            .attempt(link, |mut conn| async move { call.online_replicas(&mut conn).await })
            .await
            .map_err(store_error)?;
        let wanted = wanted.min(online);
        if wanted == 0 {
            self.warn_unreplicated();
            return self
                .attempt(link, |mut conn| async move { call.invoke(&mut conn).await })
                .await
                .map_err(store_error);
        }
        let (value, acked) = self
            .attempt(link, |mut conn| async move { call.invoke_durably(&mut conn, wanted, timeout).await })
            .await
            .map_err(store_error)?;
        if acked < u64::from(wanted) {
            return Err(CoreError::unavailable(format!(
                "Redis took a customer write, but {acked} of the {wanted} replicas waited for confirmed it within \
                 {timeout:?}; it may be lost if the primary fails now (check the replicas' links, or raise \
                 replica_ack_timeout)"
            )));
        }
        T::from_redis_value(value).map_err(|err| store_error(err.into()))
    }

    /// Logs, at most once a minute, that customer writes go to a primary without replicas.
    fn warn_unreplicated(&self) {
        let now = self.inner.opened.elapsed().as_secs().saturating_add(1);
        let last = self.inner.unreplicated_warned.load(Ordering::Relaxed);
        if last != 0 && now.saturating_sub(last) < UNREPLICATED_WARNING_INTERVAL.as_secs() {
            return;
        }
        // Of racing writers, one logs.
        if self.inner.unreplicated_warned.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok() {
            tracing::warn!(
                server = %self.inner.server,
                "customer writes go to a Redis primary with no replica online (after a failover, until a replica \
                 joins it); a failover of that primary now would lose them"
            );
        }
    }
}

/// The client of a single server (`redis://`, `rediss://`, `unix://`), TLS files read.
async fn server_client(options: &RedisStoreOptions, server: &str) -> Result<Client, Error> {
    let (url, in_url) = crate::tls::split_url(&options.url);
    match crate::tls::certificates(&url, options.tls.clone(), in_url).await? {
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
    .map_err(|err| Error::InvalidUrl { url: server.to_owned(), reason: err.to_string() })
}

/// The client of a Redis Cluster (`redis+cluster://`, `rediss+cluster://`), with the same TLS
/// settings as a single server's and the store's timeouts.
async fn cluster_client(options: &RedisStoreOptions, server: &str) -> Result<redis::cluster::ClusterClient, Error> {
    let invalid = |reason: String| Error::InvalidUrl { url: server.to_owned(), reason };
    let mut urls = Vec::new();
    let mut in_url = crate::tls::TlsFiles::default();
    for node in crate::cluster_url::node_urls(&options.url).map_err(invalid)? {
        let (url, files) = crate::tls::split_url(&node);
        urls.push(url);
        in_url = files;
    }
    let first = urls.first().cloned().unwrap_or_default();
    let tls = first.starts_with("rediss");
    let mut builder = ClusterClientBuilder::new(urls)
        .connection_timeout(options.connection_timeout)
        .response_timeout(options.response_timeout)
        // A request to a master that just died is retried (after a refresh of the slot map)
        // within the response timeout, which bounds the whole request; quick retries find the
        // promoted replica soon after the failover.
        .retries(u32::try_from(options.reconnect_retries).unwrap_or(u32::MAX).saturating_add(4))
        .min_retry_wait(50)
        .max_retry_wait(500);
    if tls {
        install_tls_provider();
    }
    if let Some(certificates) = crate::tls::certificates(&first, options.tls.clone(), in_url).await? {
        builder = builder.certs(certificates);
        // `certs` makes verification strict; a URL that asked for #insecure still gets it.
        if first.ends_with("#insecure") {
            builder = builder.tls(TlsMode::Insecure);
        }
    }
    builder.build().map_err(|err| invalid(err.to_string()))
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
            .field("replica_acks", &self.inner.replica_acks)
            .finish()
    }
}
