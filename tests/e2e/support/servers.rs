//! The real PostgreSQL and Redis servers the multi-store tests use, each test in a database or
//! key prefix of its own that is removed when the test ends. A server that cannot be reached
//! fails the test with what to do: these tests never skip.

use std::net::SocketAddr;
use std::time::Duration;

use sqlx::{ConnectOptions, Connection, Executor, PgConnection, postgres::PgConnectOptions};

/// PostgreSQL's address; `CUSTOMER_AUTH_TEST_POSTGRES` points elsewhere.
pub fn postgres_address() -> SocketAddr {
    std::env::var("CUSTOMER_AUTH_TEST_POSTGRES")
        .unwrap_or_else(|_| "127.0.0.1:5432".into())
        .parse()
        .expect("CUSTOMER_AUTH_TEST_POSTGRES is host:port")
}

/// Redis's address; `CUSTOMER_AUTH_TEST_REDIS` points elsewhere.
pub fn redis_address() -> SocketAddr {
    std::env::var("CUSTOMER_AUTH_TEST_REDIS")
        .unwrap_or_else(|_| "127.0.0.1:6379".into())
        .parse()
        .expect("CUSTOMER_AUTH_TEST_REDIS is host:port")
}

/// 16 random hex digits.
pub fn random_hex() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the OS random generator");
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

async fn admin_connection() -> PgConnection {
    let address = postgres_address();
    let options = PgConnectOptions::new().host(&address.ip().to_string()).port(address.port()).username("postgres");
    let connected = tokio::time::timeout(Duration::from_secs(10), options.database("postgres").connect())
        .await
        .unwrap_or(Err(sqlx::Error::PoolTimedOut));
    connected.unwrap_or_else(|err| {
        panic!(
            "PostgreSQL at {address} is not reachable ({err}); start it with: \
             pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start \
             (or run ./scripts/test, which starts it)"
        )
    })
}

/// A database of this test's own, dropped (with its connections) by [`drop_database`].
pub struct PgDatabase {
    /// Its name.
    pub name: String,
}

impl PgDatabase {
    /// Creates a fresh database.
    pub async fn create() -> Self {
        let name = format!("t_{}", random_hex());
        let mut admin = admin_connection().await;
        admin.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("CREATE DATABASE");
        admin.close().await.expect("closing the admin connection");
        Self { name }
    }

    /// Its URL, through `via` (a proxy, say) or straight to the server.
    pub fn url(&self, via: Option<SocketAddr>) -> String {
        format!("postgres://postgres@{}/{}", via.unwrap_or_else(postgres_address), self.name)
    }

    /// Drops the database and everything in it.
    pub async fn drop_database(self) {
        let mut admin = admin_connection().await;
        admin
            .execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str())
            .await
            .expect("DROP DATABASE");
        admin.close().await.expect("closing the admin connection");
    }
}

/// A Redis key prefix of this test's own.
pub fn redis_prefix() -> String {
    format!("test:{}:", random_hex())
}

/// Deletes every key under `prefix`, after checking Redis answers at all.
pub async fn clear_redis(prefix: &str) {
    let address = redis_address();
    let store = customer_auth::RedisStoreOptions::new(&format!("redis://{address}"))
        .prefix(prefix)
        .connect()
        .await
        .unwrap_or_else(|err| {
            panic!(
                "Redis at {address} is not reachable ({err}); start it with: redis-server --daemonize yes \
                 --bind 127.0.0.1 -::1 --port 6379 --save \"\" --appendonly no --dir /var/lib/redis \
                 --logfile /var/log/redis/ci.log (or run ./scripts/test, which starts it)"
            )
        });
    store.delete_all_keys().await.expect("deleting the test's Redis keys");
}

/// A shop with customers (and orders) in a fresh Postgres database and sessions under a fresh
/// Redis prefix. Call [`ServerShop::remove`] at the end to leave nothing behind.
pub struct ServerShop {
    /// The running shop.
    pub shop: super::Shop,
    database: PgDatabase,
    prefix: String,
}

impl ServerShop {
    /// Starts the shop on the real servers, with `flags` besides the test defaults.
    pub async fn start(flags: &[&str]) -> Self {
        let database = PgDatabase::create().await;
        let prefix = redis_prefix();
        let shop = Self::shop_on(&database, &prefix, flags).await;
        Self { shop, database, prefix }
    }

    /// Another instance on the same database and Redis prefix, as behind a load balancer.
    pub async fn another(&self, flags: &[&str]) -> super::Shop {
        Self::shop_on(&self.database, &self.prefix, flags).await
    }

    async fn shop_on(database: &PgDatabase, prefix: &str, flags: &[&str]) -> super::Shop {
        let postgres = database.url(None);
        let redis = format!("redis://{}", redis_address());
        let mut all =
            vec!["--database-url", postgres.as_str(), "--session-url", redis.as_str(), "--redis-prefix", prefix];
        all.extend_from_slice(flags);
        super::Shop::start_with(&all).await
    }

    /// Drops the database and the Redis keys.
    pub async fn remove(self) {
        drop(self.shop);
        clear_redis(&self.prefix).await;
        self.database.drop_database().await;
    }
}
