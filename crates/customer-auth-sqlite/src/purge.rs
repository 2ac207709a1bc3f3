use std::time::Duration;

use customer_auth_core::{PurgeTask, Timestamp};

use sqlx::sqlite::SqlitePool;

use crate::error::store_error;

/// Rows deleted per statement. A purge after a long pause can meet a very large backlog; in
/// batches the single writer is released between statements, so logins and other writes are
/// not held up behind one long delete.
const BATCH: i64 = 1000;

/// Deletes every token that expired at or before now (never taken, so never removed by a take),
/// in batches through the `expires_at` index, and returns how many.
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

/// Deletes every session that expired at or before now and returns how many.
///
/// Sessions have no index on `expires_at` (it would cost every session about 47 bytes), so the
/// purge walks the table in 256 key ranges, one statement each: keys are hashes, so each range
/// holds about 1/256 of the sessions, and the single writer is released between statements, so
/// logins and other writes are not held up behind one long scan.
pub(crate) async fn purge_expired(writer: &SqlitePool) -> Result<u64, sqlx::Error> {
    let now = Timestamp::now().as_unix();
    let mut total = 0;
    for first in 0..=u8::MAX {
        let deleted = match first.checked_add(1) {
            Some(next) => {
                sqlx::query("DELETE FROM sessions WHERE key >= ?1 AND key < ?2 AND expires_at <= ?3")
                    .bind([first].as_slice())
                    .bind([next].as_slice())
                    .bind(now)
                    .execute(writer)
                    .await?
            }
            None => {
                sqlx::query("DELETE FROM sessions WHERE key >= ?1 AND expires_at <= ?2")
                    .bind([first].as_slice())
                    .bind(now)
                    .execute(writer)
                    .await?
            }
        };
        total += deleted.rows_affected();
    }
    Ok(total)
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
