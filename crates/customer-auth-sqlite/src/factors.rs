//! Second factors in the `totp_factors` and `recovery_codes` tables. Every write goes through
//! the one writer connection, so "a step once" and "a code once" hold by SQLite's own locking.

use async_trait::async_trait;
use customer_auth_core::{CustomerId, Error, RecoveryCodeHash, Result, SecondFactorStore, Timestamp, TotpRecord};

use crate::SqliteStore;
use crate::error::store_error;

fn step_value(step: u64) -> Result<i64> {
    i64::try_from(step).map_err(|_| Error::Corrupt(format!("a TOTP step of {step} is out of range")))
}

fn count(rows: i64) -> Result<u32> {
    u32::try_from(rows).map_err(|_| Error::Corrupt(format!("a count of {rows} recovery codes is out of range")))
}

#[async_trait]
impl SecondFactorStore for SqliteStore {
    async fn totp(&self, customer: CustomerId) -> Result<Option<TotpRecord>> {
        let row: Option<(Vec<u8>, i64)> =
            sqlx::query_as("SELECT sealed_secret, enrolled_at FROM totp_factors WHERE customer_id = ?1")
                .bind(customer.as_bytes().as_slice())
                .fetch_optional(self.readers())
                .await
                .map_err(store_error)?;
        Ok(row.map(|(sealed_secret, enrolled_at)| TotpRecord {
            sealed_secret,
            enrolled_at: Timestamp::from_unix(enrolled_at),
        }))
    }

    async fn put_totp(&self, customer: CustomerId, record: &TotpRecord) -> Result<()> {
        // From the customer's row, so an unknown customer inserts nothing.
        let done = sqlx::query(
            "INSERT INTO totp_factors (customer_id, sealed_secret, enrolled_at, last_step) \
             SELECT id, ?2, ?3, NULL FROM customers WHERE id = ?1 \
             ON CONFLICT (customer_id) DO UPDATE SET \
             sealed_secret = excluded.sealed_secret, enrolled_at = excluded.enrolled_at, last_step = NULL",
        )
        .bind(customer.as_bytes().as_slice())
        .bind(record.sealed_secret.as_slice())
        .bind(record.enrolled_at.as_unix())
        .execute(self.writer())
        .await
        .map_err(store_error)?;
        if done.rows_affected() == 0 { Err(Error::NotFound) } else { Ok(()) }
    }

    async fn delete_totp(&self, customer: CustomerId) -> Result<bool> {
        let done = sqlx::query("DELETE FROM totp_factors WHERE customer_id = ?1")
            .bind(customer.as_bytes().as_slice())
            .execute(self.writer())
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected() > 0)
    }

    async fn use_totp_step(&self, customer: CustomerId, step: u64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE totp_factors SET last_step = ?2 WHERE customer_id = ?1 AND (last_step IS NULL OR last_step < ?2)",
        )
        .bind(customer.as_bytes().as_slice())
        .bind(step_value(step)?)
        .execute(self.writer())
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn replace_recovery_codes(&self, customer: CustomerId, codes: &[RecoveryCodeHash]) -> Result<()> {
        let id = customer.as_bytes().as_slice();
        let mut tx = self.writer().begin().await.map_err(store_error)?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM customers WHERE id = ?1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(store_error)?;
        if exists.is_none() {
            return Err(Error::NotFound);
        }
        sqlx::query("DELETE FROM recovery_codes WHERE customer_id = ?1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        for code in codes {
            sqlx::query("INSERT OR IGNORE INTO recovery_codes (customer_id, code_hash) VALUES (?1, ?2)")
                .bind(id)
                .bind(code.as_bytes().as_slice())
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)
    }

    async fn use_recovery_code(&self, customer: CustomerId, code: &RecoveryCodeHash) -> Result<Option<u32>> {
        let id = customer.as_bytes().as_slice();
        let mut tx = self.writer().begin().await.map_err(store_error)?;
        let done = sqlx::query("DELETE FROM recovery_codes WHERE customer_id = ?1 AND code_hash = ?2")
            .bind(id)
            .bind(code.as_bytes().as_slice())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM recovery_codes WHERE customer_id = ?1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        count(left).map(Some)
    }

    async fn recovery_codes_left(&self, customer: CustomerId) -> Result<u32> {
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM recovery_codes WHERE customer_id = ?1")
            .bind(customer.as_bytes().as_slice())
            .fetch_one(self.readers())
            .await
            .map_err(store_error)?;
        count(left)
    }
}
