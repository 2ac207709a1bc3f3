use std::fmt;
use std::time::Duration;

use crate::error::redact_url;
use crate::keys::{DEFAULT_PREFIX, Keys};
use crate::tls::TlsFiles;
use crate::{Error, RedisStore};

/// How long connecting may take before it fails.
const DEFAULT_CONNECTION_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a command may wait for its answer before it fails.
const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
/// Extra connection attempts after a failed one, each time the connection is re-established.
const DEFAULT_RECONNECT_RETRIES: usize = 1;
/// How long a durable customer write waits for its replicas. A replica on the same network
/// confirms within a millisecond or two; this leaves room for a busy one.
const DEFAULT_REPLICA_ACK_TIMEOUT: Duration = Duration::from_millis(500);

/// Settings for [`RedisStore`], and the way to open one with anything but the defaults.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use customer_auth_redis::RedisStoreOptions;
///
/// # let url = std::env::var("CUSTOMER_AUTH_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
/// // url is e.g. "redis://127.0.0.1:6379/0"
/// let store = RedisStoreOptions::new(&url)
///     .prefix("shop:auth:")
///     .connection_timeout(Duration::from_millis(500))
///     .response_timeout(Duration::from_secs(1))
///     .connect()
///     .await?;
/// assert_eq!(store.prefix(), "shop:auth:");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisStoreOptions {
    pub(crate) url: String,
    prefix: String,
    pub(crate) connection_timeout: Duration,
    pub(crate) response_timeout: Duration,
    pub(crate) reconnect_retries: usize,
    pub(crate) tls: TlsFiles,
    /// `None`: 1 on a cluster, 0 on a single server.
    pub(crate) replica_acks: Option<u32>,
    pub(crate) replica_ack_timeout: Duration,
}

impl RedisStoreOptions {
    /// Options for the Redis server at `url`: `redis://[[user]:password@]host[:port][/db]`,
    /// `rediss://…` for TLS (verified against the system's and webpki's roots, or the CA in
    /// `?sslrootcert=/path/ca.pem`; `#insecure` at the end skips verification, only where you
    /// ask for it), or `unix:///path/to/redis.sock`. A client certificate for TLS goes in
    /// `?sslcert=…&sslkey=…`. Redis 6.2 or newer.
    ///
    /// A Redis Cluster is `redis+cluster://[[user]:password@]host:port,host:port,…` (some of
    /// its nodes; the client finds the rest), or `rediss+cluster://…` for TLS with the same
    /// query parameters and `#insecure` as `rediss://`. A cluster has database 0 only.
    pub fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            prefix: DEFAULT_PREFIX.to_owned(),
            connection_timeout: DEFAULT_CONNECTION_TIMEOUT,
            response_timeout: DEFAULT_RESPONSE_TIMEOUT,
            reconnect_retries: DEFAULT_RECONNECT_RETRIES,
            tls: TlsFiles::default(),
            replica_acks: None,
            replica_ack_timeout: DEFAULT_REPLICA_ACK_TIMEOUT,
        }
    }

    /// The prefix of every key the store writes (`customer-auth:` by default), so several apps
    /// or tenants can share one Redis database. Non-empty, at most 128 characters, no spaces or
    /// control characters; checked by [`connect`](Self::connect).
    pub fn prefix(mut self, prefix: &str) -> Self {
        prefix.clone_into(&mut self.prefix);
        self
    }

    /// How long one connection attempt may take (2 s by default), including the handshake.
    pub fn connection_timeout(mut self, timeout: Duration) -> Self {
        self.connection_timeout = timeout;
        self
    }

    /// How long a command may wait for Redis's answer (2 s by default) before failing with
    /// [`Error::Unavailable`](customer_auth_core::Error::Unavailable); the connection is then
    /// replaced, in case it is the one that is stuck.
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// How many more times a broken connection is retried, 100 ms apart and doubling, before
    /// the calls waiting for it fail (1 by default). The next call tries again either way, so a
    /// low number keeps calls during an outage fast without giving up on recovery.
    pub fn reconnect_retries(mut self, retries: usize) -> Self {
        self.reconnect_retries = retries;
        self
    }

    /// Verifies the server's certificate against the CA certificates (PEM) in `path` instead
    /// of the system's roots: for servers whose CA is your own or your cloud's (the same as
    /// `?sslrootcert=` in the URL). Needs a `rediss://` URL.
    pub fn tls_ca_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.tls.ca = Some(path.into());
        self
    }

    /// Presents this client certificate and key (PEM) to servers that ask for one (mutual
    /// TLS; the same as `?sslcert=…&sslkey=…` in the URL). Needs a `rediss://` URL.
    pub fn tls_client_cert(mut self, cert: impl Into<std::path::PathBuf>, key: impl Into<std::path::PathBuf>) -> Self {
        self.tls.cert = Some(cert.into());
        self.tls.key = Some(key.into());
        self
    }

    /// How many replicas must have a customer write (registration, update, password hash,
    /// email confirmation, security stamp, deletion; also taking a token and ending sessions)
    /// before it counts as done: the store sends `WAIT` after it, on a connection of its own,
    /// so a failover of the primary cannot lose a write the app was told succeeded. 1 by
    /// default on a cluster, 0 (no waiting) on a single server.
    ///
    /// It costs a round trip to ask the primary for its replicas and the replica's
    /// confirmation (about a millisecond on one network) per write; logins, session loads and
    /// saves never wait. A primary with fewer replicas online than asked for (one promoted by a
    /// failover, whose old primary is gone) waits for those it has and logs a warning, so the
    /// store keeps serving; a replica that is online but does not confirm within
    /// [`replica_ack_timeout`](Self::replica_ack_timeout) makes the write fail with
    /// [`Error::Unavailable`](customer_auth_core::Error::Unavailable) (the write may still be
    /// on the primary).
    pub fn replica_acks(mut self, replicas: u32) -> Self {
        self.replica_acks = Some(replicas);
        self
    }

    /// How long a customer write waits for its replicas (500 ms by default); see
    /// [`replica_acks`](Self::replica_acks).
    pub fn replica_ack_timeout(mut self, timeout: Duration) -> Self {
        self.replica_ack_timeout = timeout;
        self
    }

    /// Checks the options and connects. Fails with [`Error::Connect`] within about
    /// `(reconnect_retries + 1) × connection_timeout` when Redis is down, never hangs. Needs
    /// a Tokio runtime.
    pub async fn connect(self) -> Result<RedisStore, Error> {
        let cluster = crate::cluster_url::is_cluster(&self.url);
        let keys = Keys::new(&self.prefix, cluster)
            .map_err(|reason| Error::InvalidPrefix { prefix: self.prefix.clone(), reason })?;
        for (name, timeout) in [
            ("connection_timeout", self.connection_timeout),
            ("response_timeout", self.response_timeout),
            ("replica_ack_timeout", self.replica_ack_timeout),
        ] {
            if timeout.is_zero() {
                return Err(Error::Config(format!("{name} must be longer than zero")));
            }
        }
        let server = redact_url(&self.url);
        RedisStore::open(&self, keys, server).await
    }
}

impl fmt::Debug for RedisStoreOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStoreOptions")
            .field("url", &redact_url(&self.url))
            .field("prefix", &self.prefix)
            .field("connection_timeout", &self.connection_timeout)
            .field("response_timeout", &self.response_timeout)
            .field("reconnect_retries", &self.reconnect_retries)
            .field("tls", &self.tls)
            .field("replica_acks", &self.replica_acks)
            .field("replica_ack_timeout", &self.replica_ack_timeout)
            .finish()
    }
}
