use customer_auth_core::Error as CoreError;
use sqlx::error::DatabaseError;

/// What can go wrong while opening, configuring or migrating a [`SqliteStore`](crate::SqliteStore).
///
/// The store's trait methods answer with [`customer_auth_core::Error`] instead; this error
/// converts into it with `From`, so an app can use `?` on both.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL given to [`SqliteStoreOptions::new`](crate::SqliteStoreOptions::new) could not be
    /// read.
    #[error(
        "{url:?} is not a SQLite database location ({reason}); use a file path, sqlite://path/to/file.db, sqlite:file.db or sqlite::memory:"
    )]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An option is out of range.
    #[error("invalid SQLite store option: {0}")]
    Config(String),
    /// There is no database file at the path, and the options said not to create one.
    #[error("there is no SQLite database at {path}; check the path, or create and migrate one first")]
    Missing {
        /// The database file.
        path: String,
    },
    /// The database file could not be opened or created.
    #[error(
        "could not open the SQLite database at {path}: {source}; check that the path exists and is writable by this process"
    )]
    Open {
        /// The database file.
        path: String,
        /// What SQLite said.
        #[source]
        source: sqlx::Error,
    },
    /// The embedded migrations could not be applied.
    #[error(
        "could not migrate the SQLite database at {path}: {source}; run the same customer-auth version on every app that shares the file, and never edit a migration that was applied"
    )]
    Migrate {
        /// The database file.
        path: String,
        /// What the migrator said.
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    /// The database has no customer-auth tables, because migrations were turned off and never run.
    #[error(
        "the SQLite database has no customer-auth tables ({detail}); call SqliteStore::migrate() once, or connect with SqliteStoreOptions::migrate(true)"
    )]
    NotMigrated {
        /// What SQLite said.
        detail: String,
    },
}

impl From<Error> for CoreError {
    fn from(err: Error) -> Self {
        match err {
            Error::InvalidUrl { .. } | Error::Config(_) | Error::Missing { .. } => CoreError::Config(err.to_string()),
            // A file that cannot be opened now may be openable later (a full disk, a mount that
            // is not up yet): a 503, not a logout.
            Error::Open { .. } => CoreError::unavailable(err),
            Error::Migrate { .. } | Error::NotMigrated { .. } => CoreError::backend(err),
        }
    }
}

// Primary result codes (https://www.sqlite.org/rescode.html); sqlx reports the extended code,
// whose low byte is the primary one.
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_NOMEM: i32 = 7;
const SQLITE_IOERR: i32 = 10;
const SQLITE_CORRUPT: i32 = 11;
const SQLITE_FULL: i32 = 13;
const SQLITE_CANTOPEN: i32 = 14;
const SQLITE_NOTADB: i32 = 26;

/// Converts a driver error from a trait method into the core error the web layer understands:
/// transient failures become `Unavailable` (answer 503, log nobody out), unreadable data
/// `Corrupt`, unique violations the duplicate errors.
pub(crate) fn store_error(err: sqlx::Error) -> CoreError {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed | sqlx::Error::Io(_) => {
            CoreError::unavailable(err)
        }
        sqlx::Error::Decode(_)
        | sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnIndexOutOfBounds { .. }
        | sqlx::Error::TypeNotFound { .. } => CoreError::Corrupt(err.to_string()),
        sqlx::Error::Database(db) => database_error(db),
        _ => CoreError::backend(err),
    }
}

fn database_error(db: Box<dyn DatabaseError>) -> CoreError {
    if db.is_unique_violation() {
        // SQLite names the column, not the index: "UNIQUE constraint failed: customers.username_key".
        if db.message().contains("customers.username_key") {
            return CoreError::DuplicateUsername;
        }
        if db.message().contains("customers.email_key") {
            return CoreError::DuplicateEmail;
        }
    }
    if db.message().starts_with("no such table") {
        return CoreError::backend(Error::NotMigrated { detail: db.message().to_owned() });
    }
    let primary = db.code().and_then(|code| code.parse::<i32>().ok()).map(|code| code & 0xff);
    match primary {
        // The busy timeout ran out, the disk is full or failing: the store is down for now.
        Some(SQLITE_BUSY | SQLITE_LOCKED | SQLITE_NOMEM | SQLITE_IOERR | SQLITE_FULL | SQLITE_CANTOPEN) => {
            CoreError::unavailable(sqlx::Error::Database(db))
        }
        Some(SQLITE_CORRUPT | SQLITE_NOTADB) => CoreError::Corrupt(db.to_string()),
        _ => CoreError::backend(sqlx::Error::Database(db)),
    }
}
