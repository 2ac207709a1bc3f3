use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::purge::spawn_purge_task;
use crate::session_reader::SessionReader;
use crate::store::{Pools, SqliteStore};
use crate::{Error, MIGRATOR};

/// How long a statement waits for SQLite's own lock before giving up. Writes queue in the
/// writer pool first, so this only matters when another process writes to the same file.
const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a call waits for a free connection before answering `Unavailable`.
const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_READERS: u32 = 4;
const DEFAULT_PURGE_INTERVAL: Duration = Duration::from_secs(60);

/// Settings for [`SqliteStore`], and the way to open one with anything but the defaults.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use customer_auth_sqlite::SqliteStoreOptions;
///
/// # let dir = tempfile::tempdir()?;
/// # let url = format!("sqlite://{}/shop.db", dir.path().display());
/// // url is e.g. "sqlite://data/shop.db"
/// let store = SqliteStoreOptions::new(&url)
///     .readers(8)
///     .busy_timeout(Duration::from_secs(10))
///     .purge_interval(Some(Duration::from_secs(300)))
///     .connect()
///     .await?;
/// # drop(store);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStoreOptions {
    url: String,
    readers: u32,
    busy_timeout: Duration,
    acquire_timeout: Duration,
    purge_interval: Option<Duration>,
    migrate: bool,
    create_if_missing: bool,
}

impl SqliteStoreOptions {
    /// Options for the database at `url`: a file path, `sqlite://path`, `sqlite:path`, or
    /// `sqlite::memory:` for a database that lives as long as the store. A missing file is
    /// created; its directory must exist.
    pub fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            readers: DEFAULT_READERS,
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
            acquire_timeout: DEFAULT_ACQUIRE_TIMEOUT,
            purge_interval: Some(DEFAULT_PURGE_INTERVAL),
            migrate: true,
            create_if_missing: true,
        }
    }

    /// How many read-only connections serve lookups (4 by default; at least 1). Writes always
    /// go through one connection of their own, and session loads through another (concurrent
    /// loads go as one query). An in-memory database has one connection for everything,
    /// whatever this says.
    pub fn readers(mut self, readers: u32) -> Self {
        self.readers = readers;
        self
    }

    /// How long a statement waits for another process's lock on the file (5 s by default).
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// How long a call waits for a free connection before failing with
    /// [`Error::Unavailable`](customer_auth_core::Error::Unavailable) (30 s by default).
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// How often a background task deletes expired sessions and tokens (every 60 s by default); `None`
    /// turns the task off, for apps that call
    /// [`purge_expired_sessions`](customer_auth_core::SessionStore::purge_expired_sessions)
    /// themselves. The task stops when the last clone of the store is dropped.
    pub fn purge_interval(mut self, interval: Option<Duration>) -> Self {
        self.purge_interval = interval;
        self
    }

    /// Whether [`connect`](Self::connect) applies the embedded migrations (on by default).
    /// Turn it off when migrations are a deployment step; then call
    /// [`SqliteStore::migrate`] or [`MIGRATOR`] yourself before the store is used.
    pub fn migrate(mut self, migrate: bool) -> Self {
        self.migrate = migrate;
        self
    }

    /// Whether a missing database file is created (yes by default). Tools that only read (an
    /// admin listing customers) turn it off, so a mistyped path is an error
    /// ([`Error::Missing`]) instead of a new, empty database.
    pub fn create_if_missing(mut self, create: bool) -> Self {
        self.create_if_missing = create;
        self
    }

    /// Opens the database (creating the file if missing), applies the migrations unless turned
    /// off, and starts the purge task. Needs a Tokio runtime.
    pub async fn connect(self) -> Result<SqliteStore, Error> {
        if self.readers == 0 {
            return Err(Error::Config("readers must be at least 1".into()));
        }
        if self.purge_interval.is_some_and(|interval| interval.is_zero()) {
            return Err(Error::Config(
                "the purge interval must be longer than zero; use purge_interval(None) to turn the purge task off"
                    .into(),
            ));
        }
        let location = Location::parse(&self.url)?;
        let path = location.path();
        if !self.create_if_missing
            && matches!(location, Location::File(_))
            && !tokio::fs::try_exists(&path).await.unwrap_or(false)
        {
            return Err(Error::Missing { path });
        }
        let open_error = |source| Error::Open { path: path.clone(), source };
        let pools = match location {
            Location::Memory(options) => {
                let pool = self.open_memory(options).await.map_err(open_error)?;
                self.run_migrations(&pool, &path).await?;
                Pools {
                    writer: pool.clone(),
                    readers: pool.clone(),
                    reader_count: 1,
                    session_reader: SessionReader::Pool(pool),
                }
            }
            Location::File(options) => {
                let writer = self.open_writer(options.clone()).await.map_err(open_error)?;
                // Migrate before the readers open, so they never meet a half-made schema.
                self.run_migrations(&writer, &path).await?;
                let readers = self.open_readers(self.reader_options(options.clone())).await.map_err(open_error)?;
                let session_reader = SessionReader::open(self.reader_options(options)).await.map_err(open_error)?;
                Pools { writer, readers, reader_count: self.readers, session_reader }
            }
        };
        let purge = self.purge_interval.map(|interval| spawn_purge_task(pools.writer.clone(), interval));
        Ok(SqliteStore::new(pools, path, self.purge_interval, purge))
    }

    async fn run_migrations(&self, writer: &SqlitePool, path: &str) -> Result<(), Error> {
        if !self.migrate {
            return Ok(());
        }
        MIGRATOR.run(writer).await.map_err(|source| Error::Migrate { path: path.to_owned(), source })
    }

    async fn open_writer(&self, options: SqliteConnectOptions) -> Result<SqlitePool, sqlx::Error> {
        let options = options
            .create_if_missing(true)
            // WAL lets the readers read while the writer writes; NORMAL is durable in WAL mode
            // except for the last commits on power loss, and saves an fsync per write.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(self.busy_timeout)
            .foreign_keys(true);
        // One writer: SQLite allows one write transaction at a time, and queueing them in the
        // pool (in order, with a timeout) beats letting them collide on SQLITE_BUSY. Kept open
        // for the store's life so the WAL files stay in place for the read-only readers.
        SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(self.acquire_timeout)
            .connect_with(options)
            .await
    }

    /// Read-only, so a bug can never write around the writer's queue.
    fn reader_options(&self, options: SqliteConnectOptions) -> SqliteConnectOptions {
        options.read_only(true).busy_timeout(self.busy_timeout).foreign_keys(true)
    }

    async fn open_readers(&self, options: SqliteConnectOptions) -> Result<SqlitePool, sqlx::Error> {
        SqlitePoolOptions::new()
            .max_connections(self.readers)
            .acquire_timeout(self.acquire_timeout)
            .connect_with(options)
            .await
    }

    async fn open_memory(&self, options: SqliteConnectOptions) -> Result<SqlitePool, sqlx::Error> {
        let options = options.busy_timeout(self.busy_timeout).foreign_keys(true);
        // The database lives as long as a connection to it: exactly one, never recycled, so
        // readers and writer see the same data and nothing is lost to an idle timeout.
        SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(self.acquire_timeout)
            .connect_with(options)
            .await
    }
}

/// Where the database is.
enum Location {
    Memory(SqliteConnectOptions),
    File(SqliteConnectOptions),
}

impl Location {
    fn parse(url: &str) -> Result<Self, Error> {
        let invalid = |reason: &str| Error::InvalidUrl { url: url.to_owned(), reason: reason.to_owned() };
        let trimmed = url.trim();
        let Some(rest) = trimmed.strip_prefix("sqlite://").or_else(|| trimmed.strip_prefix("sqlite:")) else {
            if trimmed.is_empty() {
                return Err(invalid("it is empty"));
            }
            if trimmed == ":memory:" {
                return Self::parse("sqlite::memory:");
            }
            if trimmed.contains("://") {
                return Err(invalid("only the sqlite: scheme is supported"));
            }
            // A plain path is taken as it is: no query string, so `?` and `#` are file name
            // characters.
            return Ok(Self::File(SqliteConnectOptions::new().filename(trimmed)));
        };
        let (database, query) = rest.split_once('?').unwrap_or((rest, ""));
        let options = SqliteConnectOptions::from_str(trimmed).map_err(|err| invalid(&err.to_string()))?;
        let in_memory = database == ":memory:" || query.split('&').any(|pair| pair == "mode=memory");
        if in_memory {
            Ok(Self::Memory(options))
        } else if database.is_empty() {
            Err(invalid("it names no file"))
        } else {
            Ok(Self::File(options))
        }
    }

    /// The file, as error messages and `Debug` show it.
    fn path(&self) -> String {
        match self {
            Self::Memory(_) => ":memory:".to_owned(),
            Self::File(options) => options.get_filename().display().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths_parse() {
        for (url, memory, path) in [
            ("sqlite::memory:", true, ":memory:"),
            (":memory:", true, ":memory:"),
            ("sqlite://?mode=memory", true, ":memory:"),
            ("sqlite://data/shop.db", false, "data/shop.db"),
            ("sqlite:///var/lib/shop.db", false, "/var/lib/shop.db"),
            ("sqlite:shop.db?mode=rwc", false, "shop.db"),
            ("data/shop #1?.db", false, "data/shop #1?.db"),
        ] {
            let location = Location::parse(url).unwrap();
            assert_eq!(matches!(location, Location::Memory(_)), memory, "{url}");
            assert_eq!(location.path(), path, "{url}");
        }
    }

    #[test]
    fn bad_urls_say_what_to_use() {
        for url in ["", "  ", "sqlite://", "postgres://localhost/shop", "sqlite:shop.db?mode=sideways"] {
            let err = Location::parse(url).err().unwrap();
            assert!(err.to_string().contains("sqlite::memory:"), "{url}: {err}");
        }
    }
}
