use std::time::Duration;

use customer_auth_core::Timestamp;
use sqlx::sqlite::SqlitePool;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

/// Rows deleted per statement. A purge after a long pause can meet a very large backlog; in
/// batches the single writer is released between statements, so logins and other writes are
/// not held up behind one long delete.
const BATCH: i64 = 1000;

/// Deletes every session that expired at or before now and returns how many.
pub(crate) async fn purge_expired(writer: &SqlitePool) -> Result<u64, sqlx::Error> {
    let now = Timestamp::now().as_unix();
    let mut total = 0;
    loop {
        let deleted =
            sqlx::query("DELETE FROM sessions WHERE key IN (SELECT key FROM sessions WHERE expires_at <= ?1 LIMIT ?2)")
                .bind(now)
                .bind(BATCH)
                .execute(writer)
                .await?
                .rows_affected();
        total += deleted;
        if deleted < BATCH.unsigned_abs() {
            return Ok(total);
        }
    }
}

/// Deletes every token that expired at or before now (never taken, so never removed by a take)
/// and returns how many.
pub(crate) async fn purge_expired_tokens(writer: &SqlitePool) -> Result<u64, sqlx::Error> {
    let now = Timestamp::now().as_unix();
    let mut total = 0;
    loop {
        let deleted =
            sqlx::query("DELETE FROM tokens WHERE key IN (SELECT key FROM tokens WHERE expires_at <= ?1 LIMIT ?2)")
                .bind(now)
                .bind(BATCH)
                .execute(writer)
                .await?
                .rows_affected();
        total += deleted;
        if deleted < BATCH.unsigned_abs() {
            return Ok(total);
        }
    }
}

/// The background purge. It holds a clone of the writer pool, never the store, so it cannot
/// keep the store alive; the store holds this guard, and dropping the guard stops the task.
pub(crate) struct PurgeTask {
    handle: JoinHandle<()>,
}

impl PurgeTask {
    /// Starts purging every `interval` (which must not be zero), beginning one interval from now.
    pub(crate) fn spawn(writer: SqlitePool, interval: Duration) -> Self {
        let handle = tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(Instant::now() + interval, interval);
            // After a stall, one purge catches up with everything; a burst of them would not.
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let purged = match purge_expired(&writer).await {
                    Ok(sessions) => purge_expired_tokens(&writer).await.map(|tokens| (sessions, tokens)),
                    Err(err) => Err(err),
                };
                match purged {
                    Ok((0, 0)) => {}
                    Ok((sessions, tokens)) => tracing::debug!(sessions, tokens, "purged expired sessions and tokens"),
                    // SqliteStore::close was called: nothing left to purge through.
                    Err(sqlx::Error::PoolClosed) => return,
                    // Worth a warning, not an end: the next tick may find the database back.
                    Err(err) => tracing::warn!(error = %err, "purging expired sessions failed"),
                }
            }
        });
        Self { handle }
    }
}

impl Drop for PurgeTask {
    fn drop(&mut self) {
        self.handle.abort();
    }
}
