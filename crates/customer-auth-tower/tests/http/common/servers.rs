//! Customers in a Postgres schema and sessions under a Redis prefix of this test's own, both
//! removed when the test ends. A server that cannot be reached fails the test with what to do.

use std::sync::Arc;

use customer_auth_postgres::{PostgresStore, PostgresStoreOptions};
use customer_auth_redis::{RedisStore, RedisStoreOptions};

use super::{CountingStore, Stores};

fn postgres_url() -> String {
    std::env::var("CUSTOMER_AUTH_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn redis_url() -> String {
    std::env::var("CUSTOMER_AUTH_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

fn random_hex() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Drops the schema and deletes the keys when the test's stores go.
pub struct Cleanup {
    pub(crate) postgres: PostgresStore,
    redis: RedisStore,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let (postgres, redis) = (self.postgres.clone(), self.redis.clone());
        // Drop cannot await; a thread of its own with its own runtime can, even while the
        // test's runtime is shutting down.
        let cleaned = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async move {
                let drop_schema = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", postgres.schema());
                let pool = sqlx::PgPool::connect(&postgres_url()).await.unwrap();
                sqlx::query(&drop_schema).execute(&pool).await.unwrap();
                pool.close().await;
                redis.delete_all_keys().await.unwrap();
            });
        })
        .join();
        if cleaned.is_err() && !std::thread::panicking() {
            panic!("the test's Postgres schema or Redis keys could not be removed");
        }
    }
}

/// Customers and sessions both in Postgres (with the Redis prefix unused but cleaned up).
pub async fn postgres_stores() -> Stores {
    let mut stores = postgres_redis_stores().await;
    let postgres = stores._servers.as_ref().map(|cleanup| cleanup.postgres.clone());
    if let Some(postgres) = postgres {
        stores.sessions = Arc::new(CountingStore::new(Arc::new(postgres)));
    }
    stores
}

/// How many sessions the test's Postgres schema holds.
pub async fn postgres_session_rows(stores: &Stores) -> i64 {
    let cleanup = stores._servers.as_ref().expect("Postgres stores");
    let count = format!("SELECT count(*) FROM \"{}\".sessions", cleanup.postgres.schema());
    sqlx::query_scalar(&count).fetch_one(cleanup.postgres.pool()).await.unwrap()
}

pub async fn postgres_redis_stores() -> Stores {
    let schema = format!("t_{}", random_hex());
    let postgres = PostgresStoreOptions::new(&postgres_url()).schema(&schema).connect().await.unwrap_or_else(|err| {
        panic!(
            "PostgreSQL at 127.0.0.1:5432 is not reachable ({err}); start it with: \
             pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start \
             (or run ./scripts/test, which starts it)"
        )
    });
    let prefix = format!("test:{}:", random_hex());
    let redis = RedisStoreOptions::new(&redis_url()).prefix(&prefix).connect().await.unwrap_or_else(|err| {
        panic!(
            "Redis at 127.0.0.1:6379 is not reachable ({err}); start it with: redis-server --daemonize yes \
             --bind 127.0.0.1 -::1 --port 6379 --save \"\" --appendonly no --dir /var/lib/redis \
             --logfile /var/log/redis/ci.log (or run ./scripts/test, which starts it)"
        )
    });
    Stores {
        customers: Arc::new(postgres.clone()),
        sessions: Arc::new(CountingStore::new(Arc::new(redis.clone()))),
        _dir: None,
        _servers: Some(Cleanup { postgres, redis }),
    }
}
