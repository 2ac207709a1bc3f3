use std::time::Duration;

use customer_auth_core::{PurgeTask, Timestamp};

use sqlx::sqlite::SqlitePool;

use crate::error::store_error;

/// Rows deleted per statement. A purge after a long pause can meet a very large backlog; in
/// batches the single writer is released between statements, so logins and other writes are
/// not held up behind one long delete.
const BATCH: i64 = 1000;

/// Deletes every row of `table` (sessions or tokens) that expired at or before now, in
/// batches, and returns how many.
async fn purge_table(writer: &SqlitePool, table: &str) -> Result<u64, sqlx::Error> {
    let now = Timestamp::now().as_unix();
    let mut total = 0;
    loop {
        let deleted = sqlx::query(&format!(
            "DELETE FROM {table} WHERE key IN (SELECT key FROM {table} WHERE expires_at <= ?1 LIMIT ?2)"
        ))
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

/// Deletes every session that expired at or before now and returns how many.
pub(crate) async fn purge_expired(writer: &SqlitePool) -> Result<u64, sqlx::Error> {
    purge_table(writer, "sessions").await
}

/// Deletes every token that expired at or before now (never taken, so never removed by a take)
/// and returns how many.
pub(crate) async fn purge_expired_tokens(writer: &SqlitePool) -> Result<u64, sqlx::Error> {
    purge_table(writer, "tokens").await
}

/// The background purge for a store on `writer`, stopped when the returned guard is dropped.
pub(crate) fn spawn_purge_task(writer: SqlitePool, interval: Duration) -> PurgeTask {
    PurgeTask::spawn(interval, move || {
        let writer = writer.clone();
        async move {
            let purged = match purge_expired(&writer).await {
                Ok(sessions) => purge_expired_tokens(&writer).await.map(|_| sessions),
                Err(err) => Err(err),
            };
            match purged {
                // SqliteStore::close was called: nothing left to purge through until it is dropped.
                Err(sqlx::Error::PoolClosed) => Ok(0),
                purged => purged.map_err(store_error),
            }
        }
    })
}
