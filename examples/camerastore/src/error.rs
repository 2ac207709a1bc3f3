//! The shop's errors: what stops it from starting, and what a request can fail with.

use axum::response::{IntoResponse, Response};
use http::StatusCode;

/// Why the shop could not start or run a command.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The customer or session store.
    #[error(transparent)]
    Store(#[from] customer_auth::Error),
    /// Opening the SQLite store.
    #[error(transparent)]
    Sqlite(#[from] customer_auth::sqlite::Error),
    /// Opening the Postgres store.
    #[error(transparent)]
    Postgres(#[from] customer_auth::postgres::Error),
    /// Opening the Redis store.
    #[error(transparent)]
    Redis(#[from] customer_auth::redis::Error),
    /// The orders table.
    #[error("could not open the orders table at {url}: {source}; check the database URL and that the file is writable")]
    Orders {
        /// The database URL.
        url: String,
        /// What SQLite said.
        #[source]
        source: sqlx::Error,
    },
    /// A URL that names no store we have.
    #[error(
        "unsupported database URL scheme {0:?}; use sqlite://path/to/file.db, postgres://…, redis://… or redis+cluster://host:port,host:port"
    )]
    UnsupportedDatabase(String),
    /// The cookie key is not usable.
    #[error(
        "the cookie key must be base64 of at least 64 random bytes (try: head -c 64 /dev/urandom | base64 -w0): {0}"
    )]
    CookieKey(String),
    /// The second-factor key is not usable.
    #[error(
        "the factor key must be base64 of at least 32 random bytes (try: head -c 32 /dev/urandom | base64 -w0): {0}"
    )]
    FactorKey(String),
    /// The development outbox cannot be written, so account mail would be lost.
    #[error(
        "cannot write to the outbox folder {dir}: {source}; make it writable, point --outbox elsewhere, or set CAMERASTORE_SMTP_URL to send mail"
    )]
    Outbox {
        /// The folder.
        dir: std::path::PathBuf,
        /// Why it could not be written.
        #[source]
        source: std::io::Error,
    },
    /// The address is taken or not ours.
    #[error("cannot listen on {address}: {source}; pick another address with --bind")]
    Bind {
        /// The address.
        address: std::net::SocketAddr,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// Serving stopped with an error.
    #[error("the server stopped: {0}")]
    Serve(#[source] std::io::Error),
    /// `create-admin` for a username nobody has.
    #[error("no customer is called {0:?}; register them first, then run create-admin again")]
    NoSuchCustomer(String),
}

/// A request that failed on the server's side. The response says little; the log says why.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AppError {
    #[error(transparent)]
    Auth(#[from] customer_auth::Error),
    #[error(transparent)]
    Session(#[from] customer_auth_tower::Error),
    #[error("the orders table failed: {0}")]
    Orders(#[from] sqlx::Error),
    #[error("a page could not be rendered: {0}")]
    Template(#[from] minijinja::Error),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let unavailable = match &self {
            Self::Auth(err) => err.is_unavailable(),
            Self::Session(err) => err.status() == StatusCode::SERVICE_UNAVAILABLE,
            Self::Orders(sqlx::Error::PoolTimedOut | sqlx::Error::Io(_)) => true,
            _ => false,
        };
        tracing::error!(error = %self, "request failed");
        let (status, message) = if unavailable {
            (StatusCode::SERVICE_UNAVAILABLE, "The shop is briefly unavailable. Please try again in a moment.")
        } else {
            (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong on our side.")
        };
        // Plain text: the error-pages layer shows it in the shop's layout.
        (status, message).into_response()
    }
}
