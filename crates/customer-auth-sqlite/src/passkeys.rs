//! Passkeys in the `passkeys` table. Writes go through the one writer connection, and the
//! table's unique credential id makes "registered once" hold whatever the concurrency.

use async_trait::async_trait;
use customer_auth_core::{CustomerId, Error, PasskeyRecord, PasskeyStore, Result, Timestamp};

use crate::SqliteStore;
use crate::error::store_error;

type Row = (Vec<u8>, Vec<u8>, String, Vec<u8>, i64, Option<i64>);

const COLUMNS: &str = "credential_id, customer_id, name, credential, created_at, last_used_at";

fn record((credential_id, customer_id, name, credential, created_at, last_used_at): Row) -> Result<PasskeyRecord> {
    let customer_id = <[u8; 16]>::try_from(customer_id.as_slice())
        .map_err(|_| Error::Corrupt("a passkey's customer id is not 16 bytes".into()))?;
    Ok(PasskeyRecord {
        credential_id,
        customer_id: CustomerId::from_uuid(uuid::Uuid::from_bytes(customer_id)),
        name,
        credential,
        created_at: Timestamp::from_unix(created_at),
        last_used_at: last_used_at.map(Timestamp::from_unix),
    })
}

#[async_trait]
impl PasskeyStore for SqliteStore {
    async fn add_passkey(&self, record: &PasskeyRecord) -> Result<bool> {
        let id = record.customer_id.as_bytes().as_slice();
        let mut tx = self.writer().begin().await.map_err(store_error)?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM customers WHERE id = ?1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(store_error)?;
        if exists.is_none() {
            return Err(Error::NotFound);
        }
        let done = sqlx::query(
            "INSERT INTO passkeys (credential_id, customer_id, name, credential, created_at, last_used_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (credential_id) DO NOTHING",
        )
        .bind(record.credential_id.as_slice())
        .bind(id)
        .bind(&record.name)
        .bind(record.credential.as_slice())
        .bind(record.created_at.as_unix())
        .bind(record.last_used_at.map(Timestamp::as_unix))
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn passkeys(&self, customer: CustomerId) -> Result<Vec<PasskeyRecord>> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM passkeys WHERE customer_id = ?1 ORDER BY created_at, rowid"
        ))
        .bind(customer.as_bytes().as_slice())
        .fetch_all(self.readers())
        .await
        .map_err(store_error)?;
        rows.into_iter().map(record).collect()
    }

    async fn find_passkey(&self, credential_id: &[u8]) -> Result<Option<PasskeyRecord>> {
        let row: Option<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM passkeys WHERE credential_id = ?1"))
            .bind(credential_id)
            .fetch_optional(self.readers())
            .await
            .map_err(store_error)?;
        row.map(record).transpose()
    }

    async fn update_passkey(
        &self,
        credential_id: &[u8],
        previous: &[u8],
        credential: &[u8],
        used_at: Timestamp,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE passkeys SET credential = ?2, last_used_at = ?3 WHERE credential_id = ?1 AND credential = ?4",
        )
        .bind(credential_id)
        .bind(credential)
        .bind(used_at.as_unix())
        .bind(previous)
        .execute(self.writer())
        .await
        .map_err(store_error)?;
        Ok(done.rows_affected() > 0)
    }

    async fn remove_passkey(&self, customer: CustomerId, credential_id: &[u8]) -> Result<bool> {
        let done = sqlx::query("DELETE FROM passkeys WHERE customer_id = ?1 AND credential_id = ?2")
            .bind(customer.as_bytes().as_slice())
            .bind(credential_id)
            .execute(self.writer())
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected() > 0)
    }
}
