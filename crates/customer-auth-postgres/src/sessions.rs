use async_trait::async_trait;
use customer_auth_core::store::decode_session_row;
use customer_auth_core::{CustomerId, Error, Result, SessionKey, SessionRecord, SessionStore, Timestamp};
use uuid::Uuid;

use crate::PostgresStore;
use crate::error::store_error;
use crate::purge::{purge_expired, purge_expired_tokens};
use crate::store::WithTimeout as _;

impl PostgresStore {
    /// The live sessions among `keys`, in one query: the
    /// [`LoadBatcher`](customer_auth_core::LoadBatcher)'s call.
    async fn load_live_sessions(&self, keys: Vec<SessionKey>) -> Result<Vec<(SessionKey, SessionRecord)>> {
        let wanted: Vec<Uuid> = keys.iter().map(key_uuid).collect();
        let rows: Vec<Row> = self
            .reader()
            .read(
                async || self.db().acquire().with_timeout(self).await,
                async |connection| {
                    sqlx::query_as(
                        "SELECT key, customer_id, record FROM sessions WHERE key = ANY($1) AND expires_at > $2",
                    )
                    .bind(wanted)
                    .bind(Timestamp::now().as_unix())
                    .fetch_all(&mut **connection)
                    .with_timeout(self)
                    .await
                },
            )
            .await?;
        rows.iter().map(decode_row).collect()
    }
}

#[async_trait]
impl SessionStore for PostgresStore {
    async fn create_session(&self, key: &SessionKey, record: &SessionRecord) -> Result<()> {
        // A live session under this key is never replaced; an expired one the purge has not
        // reached yet is, as if it were already gone. One statement, so two creates racing for
        // one key cannot both win: the second waits on the first's row lock, then sees it live.
        let done = sqlx::query(
            "INSERT INTO sessions (key, customer_id, expires_at, record) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (key) DO UPDATE SET \
                 customer_id = excluded.customer_id, expires_at = excluded.expires_at, record = excluded.record \
             WHERE sessions.expires_at <= $5",
        )
        .bind(key_uuid(key))
        .bind(customer_uuid(record))
        .bind(record.expires_at().as_unix())
        .bind(record.encode_detached()?)
        .bind(Timestamp::now().as_unix())
        .execute(self.db())
        .with_timeout(self)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::backend("a live session with this key already exists; refusing to overwrite it"));
        }
        Ok(())
    }

    async fn load_session(&self, key: &SessionKey) -> Result<Option<SessionRecord>> {
        self.loads().load(*key, |keys| self.load_live_sessions(keys)).await
    }

    async fn save_session(&self, key: &SessionKey, record: &SessionRecord) -> Result<()> {
        // An UPDATE, never an upsert: a request still running when its session was logged out
        // (or expired) must not write it back.
        let done = sqlx::query(
            "UPDATE sessions SET customer_id = $2, expires_at = $3, record = $4 WHERE key = $1 AND expires_at > $5",
        )
        .bind(key_uuid(key))
        .bind(customer_uuid(record))
        .bind(record.expires_at().as_unix())
        .bind(record.encode_detached()?)
        .bind(Timestamp::now().as_unix())
        .execute(self.db())
        .with_timeout(self)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound);
        }
        Ok(())
    }

    async fn delete_session(&self, key: &SessionKey) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE key = $1")
            .bind(key_uuid(key))
            .execute(self.db())
            .with_timeout(self)
            .await?;
        Ok(())
    }

    async fn delete_customer_sessions(&self, customer: CustomerId) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE customer_id = $1")
            .bind(customer.as_uuid())
            .execute(self.db())
            .with_timeout(self)
            .await?;
        Ok(done.rows_affected())
    }

    async fn list_customer_sessions(&self, customer: CustomerId) -> Result<Vec<(SessionKey, SessionRecord)>> {
        let rows: Vec<Row> =
            sqlx::query_as("SELECT key, customer_id, record FROM sessions WHERE customer_id = $1 AND expires_at > $2")
                .bind(customer.as_uuid())
                .bind(Timestamp::now().as_unix())
                .fetch_all(self.db())
                .with_timeout(self)
                .await?;
        rows.iter().map(decode_row).collect()
    }

    async fn purge_expired_sessions(&self) -> Result<u64> {
        let sessions = purge_expired(self.db()).await.map_err(store_error)?;
        // Tokens share the schema and the schedule: a store with the purge task turned off
        // calls this, and tokens nobody took would otherwise stay forever.
        purge_expired_tokens(self.db()).await.map_err(store_error)?;
        Ok(sessions)
    }
}

/// A session row: key, customer id, record without the customer id.
type Row = (Uuid, Option<Uuid>, Vec<u8>);

fn decode_row((key, customer_id, record): &Row) -> Result<(SessionKey, SessionRecord)> {
    decode_session_row(key.as_bytes(), customer_id.map(CustomerId::from_uuid), record)
}

/// A session key as its column holds it: uuid, Postgres' 16-byte type with no length byte (see
/// migration 0005).
pub(crate) fn key_uuid(key: &SessionKey) -> Uuid {
    Uuid::from_bytes(*key.as_bytes())
}

fn customer_uuid(record: &SessionRecord) -> Option<Uuid> {
    record.customer_id().map(|id| *id.as_uuid())
}
