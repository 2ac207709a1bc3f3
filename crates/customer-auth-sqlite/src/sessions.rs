use async_trait::async_trait;
use customer_auth_core::store::decode_session_row;
use customer_auth_core::{CustomerId, Error, Result, SessionKey, SessionRecord, SessionStore, Timestamp};

use uuid::Uuid;

use crate::SqliteStore;
use crate::error::store_error;
use crate::purge::{purge_expired, purge_expired_tokens};

#[async_trait]
impl SessionStore for SqliteStore {
    async fn create_session(&self, key: &SessionKey, record: &SessionRecord) -> Result<()> {
        // A live session under this key is never replaced; an expired one the purge has not
        // reached yet is, as if it were already gone.
        let done = sqlx::query(
            "INSERT INTO sessions (key, customer_id, expires_at, record) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (key) DO UPDATE SET \
                 customer_id = excluded.customer_id, expires_at = excluded.expires_at, record = excluded.record \
             WHERE sessions.expires_at <= ?5",
        )
        .bind(key.as_bytes().as_slice())
        .bind(customer_bytes(record))
        .bind(record.expires_at().as_unix())
        .bind(record.encode_detached()?)
        .bind(Timestamp::now().as_unix())
        .execute(self.writer())
        .await
        .map_err(store_error)?;
        if done.rows_affected() == 0 {
            return Err(Error::backend("a live session with this key already exists; refusing to overwrite it"));
        }
        Ok(())
    }

    async fn load_session(&self, key: &SessionKey) -> Result<Option<SessionRecord>> {
        self.loads().load(*key, |keys| async move { self.session_reader().live_sessions(&keys).await }).await
    }

    async fn save_session(&self, key: &SessionKey, record: &SessionRecord) -> Result<()> {
        // An UPDATE, never an upsert: a request still running when its session was logged out
        // (or expired) must not write it back.
        let done = sqlx::query(
            "UPDATE sessions SET customer_id = ?2, expires_at = ?3, record = ?4 WHERE key = ?1 AND expires_at > ?5",
        )
        .bind(key.as_bytes().as_slice())
        .bind(customer_bytes(record))
        .bind(record.expires_at().as_unix())
        .bind(record.encode_detached()?)
        .bind(Timestamp::now().as_unix())
        .execute(self.writer())
        .await
        .map_err(store_error)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound);
        }
        Ok(())
    }

    async fn delete_session(&self, key: &SessionKey) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE key = ?1")
            .bind(key.as_bytes().as_slice())
            .execute(self.writer())
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn delete_customer_sessions(&self, customer: CustomerId) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE customer_id = ?1")
            .bind(customer.as_bytes().as_slice())
            .execute(self.writer())
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected())
    }

    async fn list_customer_sessions(&self, customer: CustomerId) -> Result<Vec<(SessionKey, SessionRecord)>> {
        let rows: Vec<Row> =
            sqlx::query_as("SELECT key, customer_id, record FROM sessions WHERE customer_id = ?1 AND expires_at > ?2")
                .bind(customer.as_bytes().as_slice())
                .bind(Timestamp::now().as_unix())
                .fetch_all(self.readers())
                .await
                .map_err(store_error)?;
        rows.iter().map(decode_row).collect()
    }

    async fn purge_expired_sessions(&self) -> Result<u64> {
        let sessions = purge_expired(self.writer()).await.map_err(store_error)?;
        // Tokens share the database and the schedule: a store with the purge task turned off
        // calls this, and tokens nobody took would otherwise stay forever.
        purge_expired_tokens(self.writer()).await.map_err(store_error)?;
        Ok(sessions)
    }
}

/// A session row: key, customer id, record without the customer id.
pub(crate) type Row = (Vec<u8>, Option<Vec<u8>>, Vec<u8>);

pub(crate) fn decode_row((key, customer_id, record): &Row) -> Result<(SessionKey, SessionRecord)> {
    let customer_id = match customer_id.as_deref().map(<[u8; 16]>::try_from) {
        None => None,
        Some(Ok(bytes)) => Some(CustomerId::from_uuid(Uuid::from_bytes(bytes))),
        Some(Err(_)) => return Err(Error::Corrupt("a session's customer id is not 16 bytes".into())),
    };
    decode_session_row(key, customer_id, record)
}

fn customer_bytes(record: &SessionRecord) -> Option<Vec<u8>> {
    record.customer_id().map(|id| id.as_bytes().to_vec())
}
