use customer_auth_core::Error as CoreError;
use sqlx::error::DatabaseError;

/// What can go wrong while connecting to, configuring or migrating a
/// [`PostgresStore`](crate::PostgresStore).
///
/// The store's trait methods answer with [`customer_auth_core::Error`] instead; this error
/// converts into it with `From`, so an app can use `?` on both. No message ever contains the
/// password of the connection URL: servers are named as `user@host:port/database`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL given to [`PostgresStoreOptions::new`](crate::PostgresStoreOptions::new) could not
    /// be read.
    #[error(
        "the PostgreSQL URL could not be read ({reason}); use postgres://user:password@host:port/database, with special characters percent-encoded"
    )]
    InvalidUrl {
        /// What is wrong with it (never the URL itself, which may hold a password).
        reason: String,
    },
    /// The schema name is not a plain lowercase SQL identifier.
    #[error(
        "{schema:?} is not a usable schema name ({reason}); use 1 to 63 lowercase ASCII letters, digits and underscores, starting with a letter or underscore, such as \"customer_auth\""
    )]
    InvalidSchema {
        /// The name as given.
        schema: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An option is out of range.
    #[error("invalid PostgreSQL store option: {0}")]
    Config(String),
    /// No connection to the server could be made.
    #[error(
        "could not connect to PostgreSQL at {server}: {source}; check that the server is running and reachable, and the user, password and database in the URL"
    )]
    Connect {
        /// The server, as `user@host:port/database`.
        server: String,
        /// What the driver said.
        #[source]
        source: sqlx::Error,
    },
    /// The TLS handshake with the server failed: under `sslmode=verify-full` or `verify-ca` the
    /// server's certificate did not verify (an unknown CA, an expired certificate, or, for
    /// `verify-full`, a certificate for another host name), or the server spoke no TLS.
    #[error(
        "the TLS connection to PostgreSQL at {server} failed: {source}; with sslmode=verify-full or verify-ca the server's certificate must verify against the CA in sslrootcert (or the public roots without it) and, for verify-full, name the host in the URL: check sslrootcert and the host name, or use sslmode=require only on a network you trust"
    )]
    Tls {
        /// The server, as `user@host:port/database`.
        server: String,
        /// What the driver said.
        #[source]
        source: sqlx::Error,
    },
    /// The store's schema could not be created, or the embedded migrations could not be applied.
    #[error(
        "could not migrate the schema {schema:?} at {server}: {source}; check that the user may create the schema and its tables, run the same customer-auth version on every app that shares the schema, and never edit a migration that was applied"
    )]
    Migrate {
        /// The server, as `user@host:port/database`.
        server: String,
        /// The store's schema.
        schema: String,
        /// What the migrator said.
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    /// The schema has no customer-auth tables, because migrations were turned off and never run.
    #[error(
        "the PostgreSQL schema has no customer-auth tables ({detail}); call PostgresStore::migrate() once, or connect with PostgresStoreOptions::migrate(true)"
    )]
    NotMigrated {
        /// What PostgreSQL said.
        detail: String,
    },
}

impl From<Error> for CoreError {
    fn from(err: Error) -> Self {
        match err {
            Error::InvalidUrl { .. } | Error::InvalidSchema { .. } | Error::Config(_) => {
                CoreError::Config(err.to_string())
            }
            // A server that is down, restarting or full now may answer later: a 503, not a
            // logout. A wrong password or a missing database will not fix itself.
            Error::Connect { ref source, .. } if is_transient(source) => CoreError::unavailable(err),
            Error::Migrate { source: sqlx::migrate::MigrateError::Execute(ref source), .. } if is_transient(source) => {
                CoreError::unavailable(err)
            }
            Error::Connect { .. } | Error::Tls { .. } | Error::Migrate { .. } | Error::NotMigrated { .. } => {
                CoreError::backend(err)
            }
        }
    }
}

impl Error {
    /// A failed connection, told apart: a TLS failure says what to check.
    pub(crate) fn connect(server: String, source: sqlx::Error) -> Self {
        if is_tls_failure(&source) { Self::Tls { server, source } } else { Self::Connect { server, source } }
    }
}

// SQLSTATE codes (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const UNDEFINED_TABLE: &str = "42P01";
const INVALID_SCHEMA_NAME: &str = "3F000";

/// True when the TLS handshake failed: sqlx reports a certificate rustls refused as an I/O
/// error, which would otherwise pass for a network failure.
fn is_tls_failure(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Tls(_) => true,
        sqlx::Error::Io(io) => io.get_ref().is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some()),
        _ => false,
    }
}

/// True when the server is down, restarting, overloaded or out of reach: worth retrying later.
/// A certificate that does not verify is not: it will not verify on the next try either.
pub(crate) fn is_transient(err: &sqlx::Error) -> bool {
    if is_tls_failure(err) {
        return false;
    }
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| is_transient_code(&code)),
        _ => false,
    }
}

fn is_transient_code(code: &str) -> bool {
    // 08: connection exception; 53: insufficient resources (too many connections, disk full);
    // 57P01-57P05: the server is shutting down, restarting, or not accepting connections yet,
    // 57014: a statement timeout or cancel.
    code.starts_with("08") || code.starts_with("53") || code.starts_with("57P") || code == "57014"
}

/// Converts a driver error from a trait method into the core error the web layer understands:
/// transient failures become `Unavailable` (answer 503, log nobody out), unreadable data
/// `Corrupt`, unique violations the duplicate errors.
pub(crate) fn store_error(err: sqlx::Error) -> CoreError {
    if is_transient(&err) {
        return CoreError::unavailable(err);
    }
    match err {
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
        // For a unique index Postgres reports the index's name as the constraint.
        match db.constraint() {
            Some("customers_username_key") => return CoreError::DuplicateUsername,
            Some("customers_email_key") => return CoreError::DuplicateEmail,
            _ => {}
        }
    }
    match db.code().as_deref() {
        Some(UNDEFINED_TABLE | INVALID_SCHEMA_NAME) => {
            CoreError::backend(Error::NotMigrated { detail: db.message().to_owned() })
        }
        _ => CoreError::backend(sqlx::Error::Database(db)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_and_io_failures_are_unavailable() {
        for err in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset)),
        ] {
            assert!(store_error(err).is_unavailable());
        }
        assert!(!store_error(sqlx::Error::RowNotFound).is_unavailable());
    }

    #[test]
    fn transient_codes() {
        for code in ["08006", "08001", "53300", "57P01", "57P03", "57014"] {
            assert!(is_transient_code(code), "{code}");
        }
        for code in ["23505", "42P01", "28P01", "3D000", "40001"] {
            assert!(!is_transient_code(code), "{code}");
        }
    }
}
