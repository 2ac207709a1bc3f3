use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions as _, Connection as _, Executor as _};

use customer_auth_core::LoadBatcher;

use crate::Error;
#[cfg(doc)]
use crate::MIGRATOR;
use crate::purge::spawn_purge_task;
use crate::session_reader::SessionReader;
use crate::store::{Inner, PostgresStore};

/// The schema the tables live in unless [`PostgresStoreOptions::schema`] says otherwise.
pub const DEFAULT_SCHEMA: &str = "customer_auth";
/// How long a call waits for a free connection (or a new one) before answering `Unavailable`.
/// Short, so a database that is down answers 503 quickly instead of holding requests.
const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_MAX_CONNECTIONS: u32 = 10;
const DEFAULT_PURGE_INTERVAL: Duration = Duration::from_secs(60);
/// A pooled connection idle this long is pinged before use, as a server restart or a firewall
/// may have cut it meanwhile.
pub(crate) const IDLE_BEFORE_PING: Duration = Duration::from_secs(10);
/// Postgres truncates identifiers longer than this (NAMEDATALEN - 1), so two long names could
/// silently mean one schema.
const MAX_IDENTIFIER_BYTES: usize = 63;

/// Settings for [`PostgresStore`], and the way to open one with anything but the defaults.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use customer_auth_postgres::PostgresStoreOptions;
///
/// # let url = std::env::var("CUSTOMER_AUTH_TEST_POSTGRES_URL")
/// #     .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
/// # let schema = format!("doc_options_{}", std::process::id());
/// // url is e.g. "postgres://shop:secret@db.internal:5432/shop"
/// let store = PostgresStoreOptions::new(&url)
///     .schema(&schema) // "customer_auth" unless set
///     .max_connections(20)
///     .acquire_timeout(Duration::from_secs(2))
///     .purge_interval(Some(Duration::from_secs(300)))
///     .connect()
///     .await?;
/// # sqlx::query(&format!("DROP SCHEMA \"{schema}\" CASCADE")).execute(store.pool()).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct PostgresStoreOptions {
    url: String,
    schema: String,
    max_connections: u32,
    acquire_timeout: Duration,
    call_timeout: Duration,
    purge_interval: Option<Duration>,
    migrate: bool,
}

impl PostgresStoreOptions {
    /// Options for the database at `url`, a libpq-style URL such as
    /// `postgres://user:password@host:5432/database` (`postgresql://` works too, and settings
    /// missing from the URL come from the usual `PG*` environment variables).
    pub fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            schema: DEFAULT_SCHEMA.to_owned(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            acquire_timeout: DEFAULT_ACQUIRE_TIMEOUT,
            call_timeout: DEFAULT_CALL_TIMEOUT,
            purge_interval: Some(DEFAULT_PURGE_INTERVAL),
            migrate: true,
        }
    }

    /// The schema that holds the store's tables and its migration history (`customer_auth` by
    /// default), so they never mix with the app's own tables. Created by the migrations if
    /// missing. It must be 1 to 63 lowercase ASCII letters, digits and underscores, starting with
    /// a letter or underscore and not with `pg_`; [`connect`](Self::connect) refuses anything else
    /// before a byte of SQL is sent.
    pub fn schema(mut self, schema: &str) -> Self {
        schema.clone_into(&mut self.schema);
        self
    }

    /// The most connections the store opens (10 by default; at least 1). Every app instance has
    /// its own pool: keep the sum under the server's `max_connections`. With two or more, session
    /// loads keep one of them between calls while requests come in.
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max;
        self
    }

    /// How long a call waits for a connection before failing with
    /// [`Error::Unavailable`](customer_auth_core::Error::Unavailable) (5 s by default). It also
    /// bounds how long [`connect`](Self::connect) keeps trying a server that refuses connections.
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// The longest one call of the store may take, the wait for a connection included, before
    /// failing with [`Error::Unavailable`](customer_auth_core::Error::Unavailable) (5 s by
    /// default), so a server that stops answering costs a request this long, never more. The
    /// purge of expired sessions, which works in batches, is not cut off.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// How often a background task deletes expired sessions and tokens (every 60 s by default); `None`
    /// turns the task off, for apps that call
    /// [`purge_expired_sessions`](customer_auth_core::SessionStore::purge_expired_sessions)
    /// themselves or from a cron job. The task stops when the last clone of the store is dropped.
    pub fn purge_interval(mut self, interval: Option<Duration>) -> Self {
        self.purge_interval = interval;
        self
    }

    /// Whether [`connect`](Self::connect) creates the schema and applies the embedded
    /// migrations (on by default). Turn it off when migrations are a deployment step, or when
    /// the app's database user may not create tables; then call [`PostgresStore::migrate`] (or
    /// [`MIGRATOR`] on a connection whose `search_path` is the schema) before the store is used.
    pub fn migrate(mut self, migrate: bool) -> Self {
        self.migrate = migrate;
        self
    }

    /// Checks the options, opens one connection now (the pool opens more on demand), creates the
    /// schema and applies the migrations unless turned off, and starts the purge task. Needs a
    /// Tokio runtime.
    ///
    /// A server that refuses connections or does not answer fails within about twice the
    /// [acquire timeout](Self::acquire_timeout), with the driver's reason in the error.
    pub async fn connect(self) -> Result<PostgresStore, Error> {
        validate_schema(&self.schema)?;
        if self.max_connections == 0 {
            return Err(Error::Config("max_connections must be at least 1".into()));
        }
        if self.acquire_timeout.is_zero() {
            return Err(Error::Config("the acquire timeout must be longer than zero".into()));
        }
        if self.call_timeout.is_zero() {
            return Err(Error::Config("the call timeout must be longer than zero".into()));
        }
        if self.purge_interval.is_some_and(|interval| interval.is_zero()) {
            return Err(Error::Config(
                "the purge interval must be longer than zero; use purge_interval(None) to turn the purge task off"
                    .into(),
            ));
        }
        let connect_options = parse_url(&self.url)?;
        let server = server_name(&connect_options);
        let pool = match self.open_pool(connect_options.clone()).await {
            Ok(pool) => pool,
            // The pool retries a refused connection until its timeout and then only says it timed
            // out; one more direct attempt tells the operator why.
            Err(sqlx::Error::PoolTimedOut) => {
                return Err(Error::connect(server, self.probe(&connect_options).await));
            }
            Err(source) => return Err(Error::connect(server, source)),
        };
        if self.migrate {
            crate::store::migrate(&pool, &self.schema, &server).await?;
        }
        let purge = self.purge_interval.map(|interval| spawn_purge_task(pool.clone(), interval));
        Ok(PostgresStore::from_inner(Inner {
            pool,
            schema: self.schema,
            server,
            max_connections: self.max_connections,
            call_timeout: self.call_timeout,
            purge_interval: self.purge_interval,
            loads: LoadBatcher::new(),
            reader: SessionReader::new(self.max_connections),
            _purge: purge,
        }))
    }

    async fn open_pool(&self, options: PgConnectOptions) -> Result<PgPool, sqlx::Error> {
        // Quoted as well as validated: the quotes keep the name exactly as given.
        let set_search_path: Arc<str> = format!("SET search_path TO \"{}\"", self.schema).into();
        PgPoolOptions::new()
            .max_connections(self.max_connections)
            .acquire_timeout(self.acquire_timeout)
            // sqlx pings every connection it hands out by default: a second round trip on every
            // call (a session load against a local server took 0.73 ms with it, 0.30 ms without).
            // sqlx also pings each connection as it comes back, off the request's path, and drops
            // a broken one; so only a connection that sat idle for a while is pinged before use.
            // A server restart can still fail the first call on a connection that was busy just
            // before: Unavailable (a 503), and the broken connection is gone.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= IDLE_BEFORE_PING {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            })
            // Every connection, including the ones the pool opens later, reads and writes the
            // store's schema only (pg_catalog is always searched), so the queries and migrations
            // name their tables unqualified and the app's own tables never get in the way.
            .after_connect(move |conn, _meta| {
                let set_search_path = Arc::clone(&set_search_path);
                Box::pin(async move {
                    conn.execute(&*set_search_path).await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
    }

    /// One connection attempt outside the pool, for its error.
    async fn probe(&self, options: &PgConnectOptions) -> sqlx::Error {
        match tokio::time::timeout(self.acquire_timeout, options.connect()).await {
            Ok(Err(err)) => err,
            Ok(Ok(conn)) => {
                // The server came up just now; the caller may simply try again.
                let _ = conn.close().await;
                sqlx::Error::PoolTimedOut
            }
            Err(_) => sqlx::Error::PoolTimedOut,
        }
    }
}

impl fmt::Debug for PostgresStoreOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry a password: show the server it names, never the URL.
        let server =
            parse_url(&self.url).map_or_else(|_| "[unreadable url]".to_owned(), |options| server_name(&options));
        f.debug_struct("PostgresStoreOptions")
            .field("server", &server)
            .field("schema", &self.schema)
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("call_timeout", &self.call_timeout)
            .field("purge_interval", &self.purge_interval)
            .field("migrate", &self.migrate)
            .finish()
    }
}

/// Reads a `postgres://` or `postgresql://` URL. sqlx itself would take any scheme, and try a
/// MySQL URL against Postgres.
fn parse_url(url: &str) -> Result<PgConnectOptions, Error> {
    let url = url.trim();
    let scheme = url.split_once("://").map(|(scheme, _)| scheme.to_ascii_lowercase());
    if !matches!(scheme.as_deref(), Some("postgres" | "postgresql")) {
        return Err(Error::InvalidUrl { reason: "it does not start with postgres:// or postgresql://".into() });
    }
    PgConnectOptions::from_str(url).map_err(|err| Error::InvalidUrl { reason: err.to_string() })
}

/// The server as error messages and `Debug` show it: `user@host:port/database`, no password.
fn server_name(options: &PgConnectOptions) -> String {
    let host = match options.get_socket() {
        Some(socket) => socket.display().to_string(),
        None => format!("{}:{}", options.get_host(), options.get_port()),
    };
    let database = options.get_database().unwrap_or_else(|| options.get_username());
    format!("{}@{host}/{database}", options.get_username())
}

/// Refuses any schema name that is not a plain lowercase identifier, so that formatting it into
/// `CREATE SCHEMA` and `SET search_path` can never change what the statement does.
pub(crate) fn validate_schema(schema: &str) -> Result<(), Error> {
    let invalid = |reason| Err(Error::InvalidSchema { schema: schema.to_owned(), reason });
    let Some(first) = schema.bytes().next() else {
        return invalid("it is empty");
    };
    if schema.len() > MAX_IDENTIFIER_BYTES {
        return invalid("it is longer than 63 bytes, where PostgreSQL would cut it short");
    }
    if !(first.is_ascii_lowercase() || first == b'_') {
        return invalid("it must start with a lowercase letter or an underscore");
    }
    if !schema.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_') {
        return invalid("it may hold only lowercase ASCII letters, digits and underscores");
    }
    if schema.starts_with("pg_") {
        return invalid("names starting with pg_ are reserved for PostgreSQL's own schemas");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_identifiers_are_schemas() {
        for schema in ["customer_auth", "_x", "shop2", "t_0123456789abcdef", &"a".repeat(63)] {
            assert!(validate_schema(schema).is_ok(), "{schema}");
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for schema in [
            "",
            "Customer_Auth",
            "1shop",
            "shop-auth",
            "shop auth",
            "shop\"; DROP TABLE customers; --",
            "shop.auth",
            "pg_catalog",
            "ßhop",
            &"a".repeat(64),
        ] {
            let message = validate_schema(schema).err().map(|err| err.to_string()).unwrap_or_default();
            assert!(message.contains("customer_auth"), "{schema:?} was accepted or the error is unclear: {message}");
        }
    }

    #[test]
    fn only_postgres_urls_are_read() {
        for url in ["postgres://localhost/shop", "postgresql://shop:secret@db:6543/shop", " POSTGRES://db/shop"] {
            assert!(parse_url(url).is_ok(), "{url}");
        }
        for url in ["", "mysql://shop:secret@db/shop", "db.internal:5432", "sqlite::memory:"] {
            let message = parse_url(url).err().map(|err| err.to_string()).unwrap_or_default();
            assert!(message.contains("use postgres://user:password@host:port/database"), "{url}: {message}");
        }
        let err = parse_url("postgres://shop:hunter2@db.internal:notaport/shop").err();
        assert!(err.is_some(), "a port that is not a number was accepted");
        assert!(!format!("{err:?}").contains("hunter2") && !err.is_some_and(|err| err.to_string().contains("hunter2")));
    }

    #[test]
    fn debug_and_server_names_never_show_the_password() {
        let options = PostgresStoreOptions::new("postgres://shop:hunter2@db.internal:6543/shopdb");
        let debug = format!("{options:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("shop@db.internal:6543/shopdb"), "{debug}");
    }
}
