//! Opening customer-auth's stores by URL: `sqlite://`, `postgres://` or `redis://`, customers and
//! sessions each where their URL says (the same store when both URLs are one).

use std::sync::Arc;

use customer_auth::postgres::PostgresStoreOptions;
use customer_auth::redis::RedisStoreOptions;
use customer_auth::{CustomerStore, PasskeyStore, SecondFactorStore, SessionStore, SqliteStoreOptions};

use crate::{Config, StartError};

/// The stores the shop runs on.
#[derive(Clone)]
pub struct Stores {
    /// Where customers live.
    pub customers: Arc<dyn CustomerStore>,
    /// Where sessions live.
    pub sessions: Arc<dyn SessionStore>,
    /// Where second factors live: with the customers.
    pub factors: Arc<dyn SecondFactorStore>,
    /// Where passkeys live: with the customers (every store of ours keeps them).
    pub passkeys: Option<Arc<dyn PasskeyStore>>,
}

/// Which kind of store a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite://file.db`, or a bare `*.db` path.
    Sqlite,
    /// `postgres://` or `postgresql://`.
    Postgres,
    /// `redis://` or `rediss://`, or a cluster: `redis+cluster://host:port,host:port,…`
    /// (`rediss+cluster://` with TLS).
    Redis,
}

impl Backend {
    /// The kind of store `url` names, or why none.
    pub fn of(url: &str) -> Result<Self, StartError> {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        match scheme {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            "redis" | "rediss" | "redis+cluster" | "rediss+cluster" => Ok(Self::Redis),
            _ if url.ends_with(".db") => Ok(Self::Sqlite),
            // Only the scheme is repeated: the rest of a URL may hold a password.
            _ => Err(StartError::UnsupportedDatabase(format!("{scheme}:"))),
        }
    }

    /// True for the SQL stores, which can hold the shop's orders too.
    pub fn is_sql(self) -> bool {
        matches!(self, Self::Sqlite | Self::Postgres)
    }
}

/// One opened store, which serves customers, sessions or both.
struct Opened {
    customers: Arc<dyn CustomerStore>,
    sessions: Arc<dyn SessionStore>,
    factors: Arc<dyn SecondFactorStore>,
    passkeys: Option<Arc<dyn PasskeyStore>>,
}

async fn open_one(url: &str, config: &Config) -> Result<Opened, StartError> {
    Ok(match Backend::of(url)? {
        Backend::Sqlite => {
            let url = if url.starts_with("sqlite:") { url.to_owned() } else { format!("sqlite://{url}") };
            let store = Arc::new(SqliteStoreOptions::new(&url).connect().await?);
            Opened { customers: store.clone(), sessions: store.clone(), factors: store.clone(), passkeys: Some(store) }
        }
        Backend::Postgres => {
            let store = Arc::new(PostgresStoreOptions::new(url).schema(&config.postgres_schema).connect().await?);
            Opened { customers: store.clone(), sessions: store.clone(), factors: store.clone(), passkeys: Some(store) }
        }
        Backend::Redis => {
            let store = Arc::new(RedisStoreOptions::new(url).prefix(&config.redis_prefix).connect().await?);
            Opened { customers: store.clone(), sessions: store.clone(), factors: store.clone(), passkeys: Some(store) }
        }
    })
}

/// Opens the stores `config` names: customers at the database URL, sessions at the session URL
/// (the very same store when it is unset or equal, so SQLite keeps its single writer).
pub async fn open(config: &Config) -> Result<Stores, StartError> {
    let main = open_one(&config.database_url, config).await?;
    let sessions = match config.session_url.as_deref() {
        Some(url) if url != config.database_url => open_one(url, config).await?.sessions,
        _ => main.sessions,
    };
    Ok(Stores { customers: main.customers, sessions, factors: main.factors, passkeys: main.passkeys })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_store_and_errors_never_repeat_a_password() {
        assert_eq!(Backend::of("sqlite://shop.db").ok(), Some(Backend::Sqlite));
        assert_eq!(Backend::of("shop.db").ok(), Some(Backend::Sqlite));
        assert_eq!(Backend::of("postgresql://u@h/db").ok(), Some(Backend::Postgres));
        assert_eq!(Backend::of("rediss://h").ok(), Some(Backend::Redis));
        assert_eq!(Backend::of("redis+cluster://a:7000,b:7001").ok(), Some(Backend::Redis));
        let Err(err) = Backend::of("mysql://admin:hunter2@db/shop") else { panic!("mysql is not a store here") };
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}
