//! Second factors in the `totp_factors` and `recovery_codes` tables. "A step once" and "a code
//! once" are single statements whose row locks queue concurrent tries: the first changes the
//! row, the rest find it changed (or gone) and change nothing.

use async_trait::async_trait;
use customer_auth_core::{CustomerId, Error, RecoveryCodeHash, Result, SecondFactorStore, Timestamp, TotpRecord};

use crate::PostgresStore;
use crate::store::WithTimeout as _;

fn step_value(step: u64) -> Result<i64> {
    i64::try_from(step).map_err(|_| Error::Corrupt(format!("a TOTP step of {step} is out of range")))
}

fn count(rows: i64) -> Result<u32> {
    u32::try_from(rows).map_err(|_| Error::Corrupt(format!("a count of {rows} recovery codes is out of range")))
}

#[async_trait]
impl SecondFactorStore for PostgresStore {
    async fn totp(&self, customer: CustomerId) -> Result<Option<TotpRecord>> {
        let row: Option<(Vec<u8>, i64)> =
            sqlx::query_as("SELECT sealed_secret, enrolled_at FROM totp_factors WHERE customer_id = $1")
                .bind(customer.as_uuid())
                .fetch_optional(self.db())
                .with_timeout(self)
                .await?;
        Ok(row.map(|(sealed_secret, enrolled_at)| TotpRecord {
            sealed_secret,
            enrolled_at: Timestamp::from_unix(enrolled_at),
        }))
    }

    async fn put_totp(&self, customer: CustomerId, record: &TotpRecord) -> Result<()> {
        // From the customer's row, so an unknown customer inserts nothing.
        let done = sqlx::query(
            "INSERT INTO totp_factors AS t (customer_id, sealed_secret, enrolled_at, last_step) \
             SELECT id, $2, $3, NULL FROM customers WHERE id = $1 \
             ON CONFLICT (customer_id) DO UPDATE SET \
             sealed_secret = excluded.sealed_secret, enrolled_at = excluded.enrolled_at, last_step = NULL",
        )
        .bind(customer.as_uuid())
        .bind(record.sealed_secret.as_slice())
        .bind(record.enrolled_at.as_unix())
        .execute(self.db())
        .with_timeout(self)
        .await?;
        if done.rows_affected() == 0 { Err(Error::NotFound) } else { Ok(()) }
    }

    async fn delete_totp(&self, customer: CustomerId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM totp_factors WHERE customer_id = $1")
            .bind(customer.as_uuid())
            .execute(self.db())
            .with_timeout(self)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn use_totp_step(&self, customer: CustomerId, step: u64) -> Result<bool> {
        // A try that waited for another's row lock checks the condition again on the row as the
        // other left it (READ COMMITTED), so it sees the step used.
        let done = sqlx::query(
            "UPDATE totp_factors SET last_step = $2 WHERE customer_id = $1 AND (last_step IS NULL OR last_step < $2)",
        )
        .bind(customer.as_uuid())
        .bind(step_value(step)?)
        .execute(self.db())
        .with_timeout(self)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn replace_recovery_codes(&self, customer: CustomerId, codes: &[RecoveryCodeHash]) -> Result<()> {
        let hashes: Vec<Vec<u8>> = codes.iter().map(|code| code.as_bytes().to_vec()).collect();
        let mut tx = self.db().begin().with_timeout(self).await?;
        // Locks the customer's row, so a delete cannot slip between the check and the insert.
        let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM customers WHERE id = $1 FOR SHARE")
            .bind(customer.as_uuid())
            .fetch_optional(&mut *tx)
            .with_timeout(self)
            .await?;
        if exists.is_none() {
            return Err(Error::NotFound);
        }
        sqlx::query("DELETE FROM recovery_codes WHERE customer_id = $1")
            .bind(customer.as_uuid())
            .execute(&mut *tx)
            .with_timeout(self)
            .await?;
        sqlx::query(
            "INSERT INTO recovery_codes (customer_id, code_hash) SELECT $1, unnest($2::bytea[]) ON CONFLICT DO NOTHING",
        )
        .bind(customer.as_uuid())
        .bind(&hashes)
        .execute(&mut *tx)
        .with_timeout(self)
        .await?;
        tx.commit().with_timeout(self).await
    }

    async fn use_recovery_code(&self, customer: CustomerId, code: &RecoveryCodeHash) -> Result<Option<u32>> {
        // The count reads the snapshot before the delete, so it still holds the spent code.
        let left: Option<i64> = sqlx::query_scalar(
            "WITH spent AS (DELETE FROM recovery_codes WHERE customer_id = $1 AND code_hash = $2 RETURNING 1) \
             SELECT (SELECT count(*) FROM recovery_codes WHERE customer_id = $1) - 1 FROM spent",
        )
        .bind(customer.as_uuid())
        .bind(code.as_bytes().as_slice())
        .fetch_optional(self.db())
        .with_timeout(self)
        .await?;
        left.map(count).transpose()
    }

    async fn recovery_codes_left(&self, customer: CustomerId) -> Result<u32> {
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM recovery_codes WHERE customer_id = $1")
            .bind(customer.as_uuid())
            .fetch_one(self.db())
            .with_timeout(self)
            .await?;
        count(left)
    }
}
