//! Opening the store a URL names: `sqlite://`, `postgres://`, `redis://` or `redis+cluster://`.

use std::sync::Arc;

use customer_auth::{CustomerStore, PasskeyStore, SecondFactorStore, SessionStore};

use crate::cli::StoreArgs;
use crate::error::CliError;

/// Which kind of store a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    /// `sqlite://file.db`, `sqlite:file.db` or `sqlite::memory:`.
    Sqlite,
    /// `postgres://` or `postgresql://`.
    Postgres,
    /// `redis://`, `rediss://`, `unix://`, or a Redis Cluster: `redis+cluster://`,
    /// `rediss+cluster://`.
    Redis,
}

impl Backend {
    /// The kind of store `url` names. The error never repeats the URL, which may hold a password.
    pub(crate) fn of(url: &str) -> Result<Self, CliError> {
        let url = url.trim();
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            "redis" | "rediss" | "unix" | "redis+cluster" | "rediss+cluster" => Ok(Self::Redis),
            // Named only when it plainly is a scheme: in `user:password@host` the part before the
            // colon is a user name, and the text after it must never be shown.
            _ if url.contains("://") && scheme.len() <= 20 && scheme.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                Err(CliError::UnknownScheme { reason: format!("{scheme}:// is not a store this tool knows") })
            }
            _ => Err(CliError::UnknownScheme { reason: "it does not start with a scheme such as sqlite://".into() }),
        }
    }
}

/// An opened store: customers and sessions live in the same one.
pub(crate) struct Store {
    /// Customers.
    pub(crate) customers: Arc<dyn CustomerStore>,
    /// Sessions.
    pub(crate) sessions: Arc<dyn SessionStore>,
    /// Second factors (authenticator apps, recovery codes).
    pub(crate) factors: Arc<dyn SecondFactorStore>,
    /// Passkeys.
    pub(crate) passkeys: Arc<dyn PasskeyStore>,
    /// What kind of store it is.
    pub(crate) backend: Backend,
    /// Where it is, for messages: the SQLite file, the Postgres schema, the Redis prefix.
    pub(crate) place: String,
}

/// Opens the store `args` names. With `migrate`, SQL stores apply their migrations first; the
/// other commands leave the schema alone, and tell the admin to migrate when it is missing.
/// No background purge task: a command runs once and exits.
pub(crate) async fn open(args: &StoreArgs, migrate: bool) -> Result<Store, CliError> {
    let url = args.url.as_deref().filter(|url| !url.trim().is_empty()).ok_or(CliError::NoStore)?;
    match Backend::of(url)? {
        Backend::Sqlite => open_sqlite(url, args, migrate).await,
        Backend::Postgres => open_postgres(url, args, migrate).await,
        Backend::Redis => open_redis(url, args).await,
    }
}

#[cfg(feature = "sqlite")]
async fn open_sqlite(url: &str, args: &StoreArgs, migrate: bool) -> Result<Store, CliError> {
    // Only `migrate` makes a database: any other command on a mistyped path must say so, not
    // leave an empty file behind.
    let store = customer_auth::SqliteStoreOptions::new(url)
        .migrate(migrate)
        .create_if_missing(migrate)
        .purge_interval(None)
        .acquire_timeout(args.connect_timeout)
        .readers(1)
        .connect()
        .await?;
    let place = format!("the SQLite database {}", store.path());
    let store = Arc::new(store);
    Ok(Store {
        customers: store.clone(),
        sessions: store.clone(),
        factors: store.clone(),
        passkeys: store,
        backend: Backend::Sqlite,
        place,
    })
}

#[cfg(not(feature = "sqlite"))]
async fn open_sqlite(_: &str, _: &StoreArgs, _: bool) -> Result<Store, CliError> {
    Err(CliError::MissingFeature { store: "SQLite", feature: "sqlite" })
}

#[cfg(feature = "postgres")]
async fn open_postgres(url: &str, args: &StoreArgs, migrate: bool) -> Result<Store, CliError> {
    let store = customer_auth::PostgresStoreOptions::new(url)
        .schema(&args.postgres_schema)
        .migrate(migrate)
        .purge_interval(None)
        .acquire_timeout(args.connect_timeout)
        .max_connections(2)
        .connect()
        .await?;
    let place = format!("the PostgreSQL schema {:?}", store.schema());
    let store = Arc::new(store);
    Ok(Store {
        customers: store.clone(),
        sessions: store.clone(),
        factors: store.clone(),
        passkeys: store,
        backend: Backend::Postgres,
        place,
    })
}

#[cfg(not(feature = "postgres"))]
async fn open_postgres(_: &str, _: &StoreArgs, _: bool) -> Result<Store, CliError> {
    Err(CliError::MissingFeature { store: "PostgreSQL", feature: "postgres" })
}

#[cfg(feature = "redis")]
async fn open_redis(url: &str, args: &StoreArgs) -> Result<Store, CliError> {
    let store = customer_auth::RedisStoreOptions::new(url)
        .prefix(&args.redis_prefix)
        .connection_timeout(args.connect_timeout)
        .response_timeout(args.connect_timeout)
        .reconnect_retries(0)
        .connect()
        .await?;
    let place = format!("Redis keys under {:?}", store.prefix());
    let store = Arc::new(store);
    Ok(Store {
        customers: store.clone(),
        sessions: store.clone(),
        factors: store.clone(),
        passkeys: store,
        backend: Backend::Redis,
        place,
    })
}

#[cfg(not(feature = "redis"))]
async fn open_redis(_: &str, _: &StoreArgs) -> Result<Store, CliError> {
    Err(CliError::MissingFeature { store: "Redis", feature: "redis" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_name_backends() {
        for (url, backend) in [
            ("sqlite://shop.db", Backend::Sqlite),
            ("sqlite::memory:", Backend::Sqlite),
            ("postgres://u:p@h/db", Backend::Postgres),
            ("PostgreSQL://h/db", Backend::Postgres),
            ("redis://127.0.0.1", Backend::Redis),
            ("rediss://h", Backend::Redis),
            ("redis+cluster://a:7000,b:7001", Backend::Redis),
            ("REDISS+CLUSTER://a:7000", Backend::Redis),
        ] {
            assert_eq!(Backend::of(url).ok(), Some(backend), "{url}");
        }
    }

    #[test]
    fn unknown_urls_are_refused_without_repeating_them() {
        for url in ["shop.db", "mysql://root:hunter2@db/shop", "http://hunter2@x", "root:hunter2@db/shop"] {
            let message = Backend::of(url).err().map(|err| err.to_string()).unwrap_or_default();
            assert!(message.contains("use sqlite://"), "{url}: {message}");
            assert!(!message.contains("hunter2"), "{url}: {message}");
        }
    }
}
