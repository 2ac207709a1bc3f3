use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use customer_auth_core::{LoadBatcher, PurgeTask};

use sqlx::sqlite::SqlitePool;

use crate::session_reader::SessionReader;
use crate::{Error, MIGRATOR, SqliteStoreOptions};

/// Customers and sessions in one SQLite database: implements both
/// [`CustomerStore`](customer_auth_core::CustomerStore) and
/// [`SessionStore`](customer_auth_core::SessionStore).
///
/// Writes go through a single connection, so concurrent writes wait their turn instead of
/// failing with `SQLITE_BUSY`; lookups go through a pool of read-only connections that read
/// alongside the writer (WAL mode), and session loads through a read-only connection of their
/// own, the loads that arrive together as one query. Cheap to clone: clones share the connections and the purge
/// task, which stops when the last clone is dropped. See the [crate docs](crate) for an example.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    pools: Pools,
    path: String,
    purge_interval: Option<Duration>,
    /// Session loads that arrive together go to a reader as one query.
    loads: LoadBatcher,
    // Dropping it stops the task; only `Inner` owns it, so that happens with the last clone.
    _purge: Option<PurgeTask>,
}

/// The connections of one store. For an in-memory database both fields are the same pool.
pub(crate) struct Pools {
    pub(crate) writer: SqlitePool,
    pub(crate) readers: SqlitePool,
    pub(crate) reader_count: u32,
    pub(crate) session_reader: SessionReader,
}

impl SqliteStore {
    /// Opens the database at `url` with the default [`SqliteStoreOptions`]: creates the file if
    /// missing, applies the migrations, and purges expired sessions every minute.
    ///
    /// `url` is a file path, `sqlite://path`, `sqlite:path` or `sqlite::memory:`.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        SqliteStoreOptions::new(url).connect().await
    }

    pub(crate) fn new(pools: Pools, path: String, purge_interval: Option<Duration>, purge: Option<PurgeTask>) -> Self {
        Self { inner: Arc::new(Inner { pools, path, purge_interval, loads: LoadBatcher::new(), _purge: purge }) }
    }

    /// Applies the embedded migrations that this database lacks. Only needed when the store was
    /// opened with [`SqliteStoreOptions::migrate(false)`](SqliteStoreOptions::migrate); running
    /// it again does nothing.
    pub async fn migrate(&self) -> Result<(), Error> {
        MIGRATOR.run(self.writer()).await.map_err(|source| Error::Migrate { path: self.inner.path.clone(), source })
    }

    /// Closes every connection after the calls in flight finish, checkpointing the WAL into the
    /// database file. Later calls on this store or its clones fail with
    /// [`Error::Unavailable`](customer_auth_core::Error::Unavailable). Dropping the store without
    /// calling this is safe too: SQLite recovers the WAL on the next open.
    pub async fn close(&self) {
        self.inner.pools.writer.close().await;
        self.inner.pools.session_reader.close().await;
        self.inner.pools.readers.close().await;
    }

    /// The database file, or `:memory:`.
    pub fn path(&self) -> &str {
        &self.inner.path
    }

    pub(crate) fn writer(&self) -> &SqlitePool {
        &self.inner.pools.writer
    }

    pub(crate) fn readers(&self) -> &SqlitePool {
        &self.inner.pools.readers
    }

    pub(crate) fn loads(&self) -> &LoadBatcher {
        &self.inner.loads
    }

    pub(crate) fn session_reader(&self) -> &SessionReader {
        &self.inner.pools.session_reader
    }
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.path)
            .field("readers", &self.inner.pools.reader_count)
            .field("purge_interval", &self.inner.purge_interval)
            .finish()
    }
}
