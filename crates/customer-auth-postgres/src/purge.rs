use std::time::Duration;

use customer_auth_core::{PurgeTask, Timestamp};

use sqlx::postgres::PgPool;
use uuid::Uuid;

use crate::error::store_error;

/// Tokens deleted per statement. A purge after a long pause can meet a very large backlog; in
/// batches each transaction stays short, holds few row locks and leaves little to vacuum at once.
const BATCH: i64 = 1000;

/// Deletes every session that expired at or before now and returns how many.
///
/// Sessions have no index on `expires_at` (it would cost every session about 20 bytes), so the
/// purge walks the primary key in 256 ranges of the key's first byte, one statement each: keys
/// are hashes, so each range holds about 1/256 of the sessions and each transaction stays short.
/// SKIP LOCKED: several app instances purge the same table; each passes over rows another is
/// deleting (or a request is saving) right now instead of queueing behind them.
pub(crate) async fn purge_expired(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let now = Timestamp::now().as_unix();
    let mut total = 0;
    for first in 0..=u8::MAX {
        // Every key whose first byte is `first`, both ends included.
        let mut from = [0x00; 16];
        let mut to = [0xff; 16];
        (from[0], to[0]) = (first, first);
        let deleted = sqlx::query(
            "DELETE FROM sessions WHERE key IN \
             (SELECT key FROM sessions WHERE key BETWEEN $1 AND $2 AND expires_at <= $3 FOR UPDATE SKIP LOCKED)",
        )
        .bind(Uuid::from_bytes(from))
        .bind(Uuid::from_bytes(to))
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected();
        total += deleted;
    }
    Ok(total)
}

/// Deletes every token that expired at or before now (never taken, so never removed by a take),
/// in batches through the `expires_at` index, and returns how many.
pub(crate) async fn purge_expired_tokens(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let now = Timestamp::now().as_unix();
    let mut total = 0;
    loop {
        // SKIP LOCKED, as for sessions.
        let deleted = sqlx::query(
            "DELETE FROM tokens WHERE key IN \
             (SELECT key FROM tokens WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
        )
        .bind(now)
        .bind(BATCH)
        .execute(pool)
        .await?
        .rows_affected();
        total += deleted;
        if deleted < BATCH.unsigned_abs() {
            return Ok(total);
        }
    }
}

/// The background purge for a store on `pool`, stopped when the returned guard is dropped.
pub(crate) fn spawn_purge_task(pool: PgPool, interval: Duration) -> PurgeTask {
    PurgeTask::spawn(interval, move || {
        let pool = pool.clone();
        async move {
            let purged = match purge_expired(&pool).await {
                Ok(sessions) => purge_expired_tokens(&pool).await.map(|_| sessions),
                Err(err) => Err(err),
            };
            match purged {
                // PostgresStore::close was called: nothing left to purge through until it is dropped.
                Err(sqlx::Error::PoolClosed) => Ok(0),
                purged => purged.map_err(store_error),
            }
        }
    })
}
