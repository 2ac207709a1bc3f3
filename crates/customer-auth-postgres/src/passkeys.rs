//! Passkeys in the `passkeys` table, keyed by credential id, so "registered once" is the
//! primary key's to enforce whatever the concurrency.

use async_trait::async_trait;
use customer_auth_core::{CustomerId, Error, PasskeyRecord, PasskeyStore, Result, Timestamp};
use uuid::Uuid;

use crate::PostgresStore;
use crate::store::WithTimeout as _;

type Row = (Vec<u8>, Uuid, String, Vec<u8>, i64, Option<i64>);

const COLUMNS: &str = "credential_id, customer_id, name, credential, created_at, last_used_at";

fn record((credential_id, customer_id, name, credential, created_at, last_used_at): Row) -> PasskeyRecord {
    PasskeyRecord {
        credential_id,
        customer_id: CustomerId::from_uuid(customer_id),
        name,
        credential,
        created_at: Timestamp::from_unix(created_at),
        last_used_at: last_used_at.map(Timestamp::from_unix),
    }
}

#[async_trait]
impl PasskeyStore for PostgresStore {
    async fn add_passkey(&self, record: &PasskeyRecord) -> Result<bool> {
        // From the customer's row, so an unknown customer inserts nothing.
        let done = sqlx::query(
            "INSERT INTO passkeys (credential_id, customer_id, name, credential, created_at, last_used_at) \
             SELECT $1, id, $3, $4, $5, $6 FROM customers WHERE id = $2 \
             ON CONFLICT (credential_id) DO NOTHING",
        )
        .bind(record.credential_id.as_slice())
        .bind(record.customer_id.as_uuid())
        .bind(&record.name)
        .bind(record.credential.as_slice())
        .bind(record.created_at.as_unix())
        .bind(record.last_used_at.map(Timestamp::as_unix))
        .execute(self.db())
        .with_timeout(self)
        .await?;
        if done.rows_affected() == 1 {
            return Ok(true);
        }
        let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM customers WHERE id = $1")
            .bind(record.customer_id.as_uuid())
            .fetch_optional(self.db())
            .with_timeout(self)
            .await?;
        if exists.is_none() { Err(Error::NotFound) } else { Ok(false) }
    }

    async fn passkeys(&self, customer: CustomerId) -> Result<Vec<PasskeyRecord>> {
        let rows: Vec<Row> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM passkeys WHERE customer_id = $1 ORDER BY created_at, seq"))
                .bind(customer.as_uuid())
                .fetch_all(self.db())
                .with_timeout(self)
                .await?;
        Ok(rows.into_iter().map(record).collect())
    }

    async fn find_passkey(&self, credential_id: &[u8]) -> Result<Option<PasskeyRecord>> {
        let row: Option<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM passkeys WHERE credential_id = $1"))
            .bind(credential_id)
            .fetch_optional(self.db())
            .with_timeout(self)
            .await?;
        Ok(row.map(record))
    }

    async fn update_passkey(
        &self,
        credential_id: &[u8],
        previous: &[u8],
        credential: &[u8],
        used_at: Timestamp,
    ) -> Result<bool> {
        // The row lock queues concurrent updates; the second finds the credential changed.
        let done = sqlx::query(
            "UPDATE passkeys SET credential = $2, last_used_at = $3 WHERE credential_id = $1 AND credential = $4",
        )
        .bind(credential_id)
        .bind(credential)
        .bind(used_at.as_unix())
        .bind(previous)
        .execute(self.db())
        .with_timeout(self)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn remove_passkey(&self, customer: CustomerId, credential_id: &[u8]) -> Result<bool> {
        let done = sqlx::query("DELETE FROM passkeys WHERE customer_id = $1 AND credential_id = $2")
            .bind(customer.as_uuid())
            .bind(credential_id)
            .execute(self.db())
            .with_timeout(self)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
