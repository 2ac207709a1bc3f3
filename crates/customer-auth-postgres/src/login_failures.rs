//! Failed logins per client and account, in the `login_failures` table.

use std::time::Duration;

use customer_auth_core::{AttemptKey, Error, Result, Timestamp};

use crate::PostgresStore;
use crate::store::WithTimeout as _;

fn count(failures: i32) -> Result<u32> {
    u32::try_from(failures).map_err(|_| Error::Corrupt(format!("a failure count of {failures} is out of range")))
}

impl PostgresStore {
    pub(crate) async fn count_failure(&self, key: &AttemptKey, window: Duration, now: Timestamp) -> Result<u32> {
        // Windows that ended go as new failures come in, so the table holds only live ones.
        // One statement: the delete and the count share a snapshot and a round trip.
        let failures: i32 = sqlx::query_scalar(
            "WITH ended AS (DELETE FROM login_failures WHERE window_ends <= $2 AND key <> $1) \
             INSERT INTO login_failures AS f (key, failures, window_ends) VALUES ($1, 1, $3) \
             ON CONFLICT (key) DO UPDATE SET \
             failures = CASE WHEN f.window_ends <= $2 THEN 1 ELSE f.failures + 1 END, \
             window_ends = CASE WHEN f.window_ends <= $2 THEN $3 ELSE f.window_ends END \
             RETURNING f.failures",
        )
        .bind(key.as_bytes().as_slice())
        .bind(now.as_unix())
        .bind(now.plus(window).as_unix())
        .fetch_one(self.db())
        .with_timeout(self)
        .await?;
        count(failures)
    }

    pub(crate) async fn failures(&self, key: &AttemptKey, now: Timestamp) -> Result<u32> {
        let failures: Option<i32> =
            sqlx::query_scalar("SELECT failures FROM login_failures WHERE key = $1 AND window_ends > $2")
                .bind(key.as_bytes().as_slice())
                .bind(now.as_unix())
                .fetch_optional(self.db())
                .with_timeout(self)
                .await?;
        failures.map_or(Ok(0), count)
    }

    pub(crate) async fn clear_failures(&self, key: &AttemptKey) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE key = $1")
            .bind(key.as_bytes().as_slice())
            .execute(self.db())
            .with_timeout(self)
            .await?;
        Ok(())
    }
}
