//! The connection that session loads read through.

use std::time::Instant;

use sqlx::Postgres;
use sqlx::pool::PoolConnection;
use tokio::sync::Mutex;

use crate::options::IDLE_BEFORE_PING;

/// A connection of the pool that [`LoadBatcher`](customer_auth_core::LoadBatcher) calls keep
/// between calls, instead of checking one out and back in for each: the batcher makes one call
/// at a time, and under load the check-out and return cost as much as the read.
///
/// It goes back to the pool after a failed or abandoned call, and after sitting idle as long as
/// the pool waits before pinging a connection, so the next call gets a tested one. A pool of one
/// connection keeps none: every other call would wait for it.
pub(crate) struct SessionReader {
    keeps: bool,
    held: Mutex<Option<(PoolConnection<Postgres>, Instant)>>,
}

impl SessionReader {
    /// A reader for a pool of at most `max_connections`.
    pub(crate) fn new(max_connections: u32) -> Self {
        Self { keeps: max_connections > 1, held: Mutex::new(None) }
    }

    /// Runs `read` on the held connection, or on one checked out for it (`acquire`), and keeps
    /// that connection for the next call when `read` succeeded.
    pub(crate) async fn read<T>(
        &self,
        acquire: impl AsyncFnOnce() -> customer_auth_core::Result<PoolConnection<Postgres>>,
        read: impl AsyncFnOnce(&mut PoolConnection<Postgres>) -> customer_auth_core::Result<T>,
    ) -> customer_auth_core::Result<T> {
        let mut held = self.held.lock().await;
        // Taken out for the call: a caller dropped mid-query drops it too, and the pool, not
        // the next call, deals with whatever the query left behind.
        let mut connection = match held.take() {
            Some((connection, last_used)) if last_used.elapsed() < IDLE_BEFORE_PING => connection,
            _ => acquire().await?,
        };
        let value = read(&mut connection).await?;
        if self.keeps {
            *held = Some((connection, Instant::now()));
        }
        Ok(value)
    }

    /// Gives the held connection back to the pool, so that closing the pool need not wait for it.
    pub(crate) async fn release(&self) {
        self.held.lock().await.take();
    }
}
