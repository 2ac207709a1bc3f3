//! Failed logins per client and account, in the `login_failures` table.

use std::time::Duration;

use customer_auth_core::{AttemptKey, Error, Result, Timestamp};

use crate::SqliteStore;
use crate::error::store_error;

fn count(failures: i64) -> Result<u32> {
    u32::try_from(failures).map_err(|_| Error::Corrupt(format!("a failure count of {failures} is out of range")))
}

impl SqliteStore {
    pub(crate) async fn count_failure(&self, key: &AttemptKey, window: Duration, now: Timestamp) -> Result<u32> {
        let mut tx = self.writer().begin().await.map_err(store_error)?;
        // Windows that ended go as new failures come in, so the table holds only live ones.
        sqlx::query("DELETE FROM login_failures WHERE window_ends <= ?1")
            .bind(now.as_unix())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let failures: i64 = sqlx::query_scalar(
            "INSERT INTO login_failures (key, failures, window_ends) VALUES (?1, 1, ?3) \
             ON CONFLICT (key) DO UPDATE SET \
             failures = CASE WHEN window_ends <= ?2 THEN 1 ELSE failures + 1 END, \
             window_ends = CASE WHEN window_ends <= ?2 THEN ?3 ELSE window_ends END \
             RETURNING failures",
        )
        .bind(key.as_bytes().as_slice())
        .bind(now.as_unix())
        .bind(now.plus(window).as_unix())
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        count(failures)
    }

    pub(crate) async fn failures(&self, key: &AttemptKey, now: Timestamp) -> Result<u32> {
        let failures: Option<i64> =
            sqlx::query_scalar("SELECT failures FROM login_failures WHERE key = ?1 AND window_ends > ?2")
                .bind(key.as_bytes().as_slice())
                .bind(now.as_unix())
                .fetch_optional(self.readers())
                .await
                .map_err(store_error)?;
        failures.map_or(Ok(0), count)
    }

    pub(crate) async fn clear_failures(&self, key: &AttemptKey) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE key = ?1")
            .bind(key.as_bytes().as_slice())
            .execute(self.writer())
            .await
            .map_err(store_error)?;
        Ok(())
    }
}
