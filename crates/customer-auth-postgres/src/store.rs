use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use customer_auth_core::{LoadBatcher, PurgeTask};

use sqlx::Executor as _;
use sqlx::migrate::MigrateError;
use sqlx::postgres::PgPool;

use crate::error::store_error;
use crate::session_reader::SessionReader;
use crate::{Error, MIGRATOR, PostgresStoreOptions};

/// SQLSTATE `duplicate_schema`.
const DUPLICATE_SCHEMA: &str = "42P06";

/// Customers and sessions in one PostgreSQL schema: implements both
/// [`CustomerStore`](customer_auth_core::CustomerStore) and
/// [`SessionStore`](customer_auth_core::SessionStore).
///
/// Every statement is a prepared statement that each pooled connection caches, and every hot one
/// is a lookup or update by primary key. Any number of app instances may share one schema.
/// Cheap to clone: clones share the pool and the purge task, which stops when the last clone is
/// dropped. See the [crate docs](crate) for an example.
#[derive(Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) pool: PgPool,
    pub(crate) schema: String,
    /// `user@host:port/database`, for messages; never the password.
    pub(crate) server: String,
    pub(crate) max_connections: u32,
    pub(crate) call_timeout: Duration,
    pub(crate) purge_interval: Option<Duration>,
    /// Session loads that arrive together go to the server as one query.
    pub(crate) loads: LoadBatcher,
    /// The connection those loads read through.
    pub(crate) reader: SessionReader,
    // Dropping it stops the task; only `Inner` owns it, so that happens with the last clone.
    pub(crate) _purge: Option<PurgeTask>,
}

impl PostgresStore {
    /// Connects to the database at `url` with the default [`PostgresStoreOptions`]: tables in
    /// the `customer_auth` schema, created and migrated if needed, at most 10 connections, and
    /// expired sessions purged every minute.
    ///
    /// `url` is a libpq-style URL such as `postgres://user:password@host:5432/database`.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        PostgresStoreOptions::new(url).connect().await
    }

    pub(crate) fn from_inner(inner: Inner) -> Self {
        Self { inner: Arc::new(inner) }
    }

    /// Creates the schema if missing and applies the embedded migrations it lacks. Only needed
    /// when the store was opened with
    /// [`PostgresStoreOptions::migrate(false)`](PostgresStoreOptions::migrate); running it again
    /// does nothing. Several instances may run it at once: the migrator holds an advisory lock.
    pub async fn migrate(&self) -> Result<(), Error> {
        migrate(&self.inner.pool, &self.inner.schema, &self.inner.server).await
    }

    /// Closes every connection after the calls in flight finish, and stops the purge task.
    /// Later calls on this store or its clones fail with
    /// [`Error::Unavailable`](customer_auth_core::Error::Unavailable). Dropping the last clone
    /// closes the connections too; this only lets a shutdown wait for it.
    pub async fn close(&self) {
        self.inner.reader.release().await;
        self.inner.pool.close().await;
    }

    /// The connection pool. Its connections use the store's schema as their `search_path`, so
    /// unqualified names mean the store's tables: handy for tests and admin queries. Writing to
    /// the tables behind the store's back is on you.
    pub fn pool(&self) -> &PgPool {
        &self.inner.pool
    }

    /// The schema that holds the store's tables.
    pub fn schema(&self) -> &str {
        &self.inner.schema
    }

    pub(crate) fn db(&self) -> &PgPool {
        &self.inner.pool
    }

    pub(crate) fn loads(&self) -> &LoadBatcher {
        &self.inner.loads
    }

    pub(crate) fn reader(&self) -> &SessionReader {
        &self.inner.reader
    }
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("server", &self.inner.server)
            .field("schema", &self.inner.schema)
            .field("max_connections", &self.inner.max_connections)
            .field("call_timeout", &self.inner.call_timeout)
            .field("purge_interval", &self.inner.purge_interval)
            .finish()
    }
}

/// One database call of the store, cut off after the store's call timeout. The driver has no
/// timeout of its own once a query is sent: without this, a server that stops answering (frozen,
/// or behind a network that drops packets) would hold the request for as long as that lasts. A
/// write cut off this way may still commit; the caller only learns it was not acknowledged.
pub(crate) trait WithTimeout<T>: Future<Output = Result<T, sqlx::Error>> + Send + Sized {
    /// The call's result as the core error type; `Unavailable` when it outlasts the timeout.
    fn with_timeout(self, store: &PostgresStore) -> impl Future<Output = customer_auth_core::Result<T>> + Send {
        let limit = store.inner.call_timeout;
        let server = store.inner.server.clone();
        async move {
            match tokio::time::timeout(limit, self).await {
                Ok(result) => result.map_err(store_error),
                Err(_) => Err(customer_auth_core::Error::unavailable(format!(
                    "PostgreSQL at {server} did not answer within {limit:?} (the store's call timeout)"
                ))),
            }
        }
    }
}

impl<T, F: Future<Output = Result<T, sqlx::Error>> + Send> WithTimeout<T> for F {}

/// Creates the schema if missing, then runs [`MIGRATOR`] through the pool, whose connections
/// already have the schema as their `search_path` (so `_sqlx_migrations` lives there too).
pub(crate) async fn migrate(pool: &PgPool, schema: &str, server: &str) -> Result<(), Error> {
    let error = |source| Error::Migrate { server: server.to_owned(), schema: schema.to_owned(), source };
    create_schema(pool, schema).await.map_err(|err| error(MigrateError::Execute(err)))?;
    MIGRATOR.run(pool).await.map_err(error)
}

async fn create_schema(pool: &PgPool, schema: &str) -> Result<(), sqlx::Error> {
    // Looked up first because CREATE SCHEMA IF NOT EXISTS still needs the CREATE privilege on
    // the database, which an app user of a schema made by an administrator may lack.
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)")
        .bind(schema)
        .fetch_one(pool)
        .await?;
    if exists {
        return Ok(());
    }
    // `schema` passed validate_schema: plain lowercase identifier characters only.
    match pool.execute(format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"").as_str()).await {
        Ok(_) => Ok(()),
        // Another instance created it at the same moment: IF NOT EXISTS is not race-free in
        // Postgres, and either way the schema is there now.
        Err(sqlx::Error::Database(db))
            if db.is_unique_violation() || db.code().as_deref() == Some(DUPLICATE_SCHEMA) =>
        {
            Ok(())
        }
        Err(err) => Err(err),
    }
}
