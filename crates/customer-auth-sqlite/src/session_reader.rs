//! The connection that session loads read through.

use customer_auth_core::{Result, SessionKey, SessionRecord, Timestamp};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqlitePool};
use sqlx::{ConnectOptions as _, Connection as _};
use tokio::sync::Mutex;

use crate::error::store_error;
use crate::sessions::{Row, decode_row};

/// Where [`LoadBatcher`](customer_auth_core::LoadBatcher) calls read sessions.
///
/// For a file, a read-only connection of its own, held rather than taken from the readers' pool
/// for each call: under load, checking a connection out and back in cost more than the read
/// (a protected request on the load bench went from about 46k to 54k a second), and the
/// batcher makes one call at a time anyway. An in-memory database has one connection for
/// everything, so there the calls share the pool.
pub(crate) enum SessionReader {
    Pool(SqlitePool),
    Own { options: Box<SqliteConnectOptions>, connection: Mutex<Held> },
}

pub(crate) enum Held {
    /// Opened again at the next call, after a failed one.
    NotOpen,
    Open(SqliteConnection),
    /// [`SqliteStore::close`](crate::SqliteStore::close) was called: never opened again.
    Closed,
}

impl SessionReader {
    /// Opens a connection of its own with the readers' `options`.
    pub(crate) async fn open(options: SqliteConnectOptions) -> Result<Self, sqlx::Error> {
        let open = options.connect().await?;
        Ok(Self::Own { options: Box::new(options), connection: Mutex::new(Held::Open(open)) })
    }

    /// The live sessions among `keys`, in one query.
    pub(crate) async fn live_sessions(&self, keys: &[SessionKey]) -> Result<Vec<(SessionKey, SessionRecord)>> {
        let placeholders: Vec<String> = (2..keys.len() + 2).map(|n| format!("?{n}")).collect();
        let sql = format!(
            "SELECT key, customer_id, record FROM sessions WHERE expires_at > ?1 AND key IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query_as(&sql).bind(Timestamp::now().as_unix());
        for key in keys {
            query = query.bind(key.as_bytes().as_slice());
        }
        let rows: Vec<Row> = match self {
            Self::Pool(pool) => query.fetch_all(pool).await.map_err(store_error)?,
            Self::Own { options, connection } => {
                let mut held = connection.lock().await;
                if let Held::NotOpen = *held {
                    *held = Held::Open(options.connect().await.map_err(store_error)?);
                }
                let Held::Open(open) = &mut *held else {
                    return Err(store_error(sqlx::Error::PoolClosed));
                };
                let rows = query.fetch_all(&mut *open).await;
                if rows.is_err() {
                    // A connection in an unknown state is never reused; opening one is cheap.
                    *held = Held::NotOpen;
                }
                rows.map_err(store_error)?
            }
        };
        rows.iter().map(decode_row).collect()
    }

    /// Closes the connection of its own, for good.
    pub(crate) async fn close(&self) {
        if let Self::Own { connection, .. } = self
            && let Held::Open(open) = std::mem::replace(&mut *connection.lock().await, Held::Closed)
        {
            // Closing a read-only connection cannot lose anything; an error here has no one to tell.
            let _ = open.close().await;
        }
    }
}
