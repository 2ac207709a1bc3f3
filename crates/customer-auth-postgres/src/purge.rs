use std::time::Duration;

use customer_auth_core::{PurgeTask, Timestamp};

use sqlx::postgres::PgPool;

use crate::error::store_error;

/// Rows deleted per statement. A purge after a long pause can meet a very large backlog; in
/// batches each transaction stays short, holds few row locks and leaves little to vacuum at once.
const BATCH: i64 = 1000;

/// Deletes every row of `table` (sessions or tokens) that expired at or before now, in
/// batches, and returns how many.
async fn purge_table(pool: &PgPool, table: &str) -> Result<u64, sqlx::Error> {
    let now = Timestamp::now().as_unix();
    let mut total = 0;
    loop {
        // SKIP LOCKED: several app instances purge the same table; each takes rows the others
        // are not deleting right now instead of queueing behind them.
        let deleted = sqlx::query(&format!(
            "DELETE FROM {table} WHERE key IN \
             (SELECT key FROM {table} WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)"
        ))
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

/// Deletes every session that expired at or before now and returns how many.
pub(crate) async fn purge_expired(pool: &PgPool) -> Result<u64, sqlx::Error> {
    purge_table(pool, "sessions").await
}

/// Deletes every token that expired at or before now (never taken, so never removed by a take)
/// and returns how many.
pub(crate) async fn purge_expired_tokens(pool: &PgPool) -> Result<u64, sqlx::Error> {
    purge_table(pool, "tokens").await
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
