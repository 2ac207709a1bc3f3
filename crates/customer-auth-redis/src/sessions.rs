//! Sessions: a key per session (no hash tag, so sessions spread over every master of a
//! cluster), and for a logged-in session a member in its customer's session set (in the
//! customer's slot) so "log out everywhere" finds it.
//!
//! The session and the set are in different slots, so the order of the steps is what keeps
//! them right: a new session is written before its member (a session the app was told exists
//! is always in the set by the time anyone can log its customer out), a save extends the set
//! before the session (the set never expires before a session in it), and a member goes only
//! after its session is gone.

use async_trait::async_trait;
use customer_auth_core::{CustomerId, Error, Result, SessionKey, SessionRecord, SessionStore, Timestamp};
use futures_util::future::try_join_all;

use crate::RedisStore;
use crate::call::Call;

impl RedisStore {
    /// Takes `key` out of the session set of the customer who owned `old` (the record it
    /// replaced or deleted), unless that customer still owns it or someone has written the
    /// session since. Only a session whose owner changed under the same key gets here, which
    /// the session layer never does (login rotates the id); a member left behind would only
    /// cost a wasted delete later.
    async fn forget_previous_owner(
        &self,
        key: &SessionKey,
        old: &[u8],
        owner: Option<CustomerId>,
        written: &[u8],
    ) -> Result<()> {
        // An unreadable old record has no owner this version can name; leaving the member is safe.
        let Some(previous) = SessionRecord::decode(old).ok().and_then(|record| record.customer_id()) else {
            return Ok(());
        };
        if owner == Some(previous) {
            return Ok(());
        }
        let session = self.keys().session(key);
        let current: Option<Vec<u8>> =
            self.run(|mut conn| async move { redis::cmd("GET").arg(session).query_async(&mut conn).await }).await?;
        if current.is_some_and(|current| current != written) {
            // Written since: whoever wrote it owns its membership now.
            return Ok(());
        }
        let (set, member) = (self.keys().customer_sessions(previous), key.to_hex());
        let _: u64 = self
            .run(|mut conn| async move { redis::cmd("SREM").arg(set).arg(member).query_async(&mut conn).await })
            .await?;
        Ok(())
    }

    /// Adds a logged-in session to its customer's set, which then lives at least as long as
    /// the session.
    async fn add_to_customer_set(&self, key: &SessionKey, record: &SessionRecord) -> Result<()> {
        let Some(customer) = record.customer_id() else { return Ok(()) };
        let call = Call::new(&self.scripts().add_member)
            .key(self.keys().customer_sessions(customer))
            .arg(key.to_hex())
            .arg(record.expires_at().as_unix());
        let _: u64 = self.eval(&call).await?;
        Ok(())
    }

    /// The live sessions among `keys`, in one `MGET`: the
    /// [`LoadBatcher`](customer_auth_core::LoadBatcher)'s call. On a cluster redis-rs splits
    /// the `MGET` by slot, sends the parts to their masters at once and puts the answers back
    /// in order.
    async fn load_live_sessions(&self, keys: Vec<SessionKey>) -> Result<Vec<(SessionKey, SessionRecord)>> {
        let names: Vec<String> = keys.iter().map(|key| self.keys().session(key)).collect();
        let values: Vec<Option<Vec<u8>>> = self
            .run_idempotent(|mut conn| {
                let names = names.clone();
                async move { conn.mget(&names).await }
            })
            .await?;
        let now = Timestamp::now();
        let mut live = Vec::with_capacity(values.len());
        for (key, bytes) in keys.into_iter().zip(values) {
            let Some(bytes) = bytes else { continue };
            let record = SessionRecord::decode(&bytes)?;
            // Redis expires the key at the same second; this covers an app clock that runs ahead.
            if !record.is_expired(now) {
                live.push((key, record));
            }
        }
        Ok(live)
    }
}

#[async_trait]
impl SessionStore for RedisStore {
    async fn create_session(&self, key: &SessionKey, record: &SessionRecord) -> Result<()> {
        let bytes = record.encode()?;
        let call = Call::new(&self.scripts().create_session)
            .key(self.keys().session(key))
            .arg(bytes)
            .arg(record.expires_at().as_unix());
        let created: u64 = self.eval(&call).await?;
        match created {
            0 => Err(Error::backend("a live session with this key already exists; refusing to overwrite it")),
            // Over before it began: nothing was stored, so nothing to add to a set.
            2 => Ok(()),
            _ => self.add_to_customer_set(key, record).await,
        }
    }

    async fn load_session(&self, key: &SessionKey) -> Result<Option<SessionRecord>> {
        self.loads().load(*key, |keys| self.load_live_sessions(keys)).await
    }

    async fn save_session(&self, key: &SessionKey, record: &SessionRecord) -> Result<()> {
        let bytes = record.encode()?;
        if record.expires_at() > Timestamp::now() {
            self.add_to_customer_set(key, record).await?;
        }
        let call = Call::new(&self.scripts().save_session)
            .key(self.keys().session(key))
            .arg(bytes.as_slice())
            .arg(record.expires_at().as_unix());
        // SET XX in the script: a session deleted (logged out) or expired meanwhile stays gone.
        let old: Option<Vec<u8>> = self.eval(&call).await?;
        let old = old.ok_or(Error::NotFound)?;
        self.forget_previous_owner(key, &old, record.customer_id(), &bytes).await
    }

    async fn delete_session(&self, key: &SessionKey) -> Result<()> {
        // Waited for where replicas are: a logout must not come undone in a failover.
        let old: Option<Vec<u8>> =
            self.eval_durable(&Call::new(&self.scripts().take).key(self.keys().session(key))).await?;
        match old {
            Some(old) => self.forget_previous_owner(key, &old, None, &[]).await,
            None => Ok(()),
        }
    }

    async fn delete_customer_sessions(&self, customer: CustomerId) -> Result<u64> {
        let set = self.keys().customer_sessions(customer);
        let members: Vec<String> = self
            .run_idempotent(|mut conn| {
                let set = set.clone();
                async move { redis::cmd("SMEMBERS").arg(set).query_async(&mut conn).await }
            })
            .await?;
        if members.is_empty() {
            return Ok(0);
        }
        let sessions = members
            .iter()
            .map(|member| {
                SessionKey::from_hex(member).ok_or_else(|| {
                    Error::Corrupt(format!("a customer's session set holds {member:?}, not a session key"))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        // Each session waited for where replicas are (this ends the sessions of a stolen
        // account). The members go only once their sessions are gone, so a call that fails half
        // way leaves them for the next one; a session created meanwhile is written before its
        // member and so is either deleted here or found by the next call.
        let deletes: Vec<Call<'_>> = sessions
            .iter()
            .map(|session| Call::new(&self.scripts().delete).key(self.keys().session(session)))
            .collect();
        let deleted: Vec<u64> = try_join_all(deletes.iter().map(|delete| self.eval_durable(delete))).await?;
        let _: u64 = self
            .run(|mut conn| async move { redis::cmd("SREM").arg(set).arg(members).query_async(&mut conn).await })
            .await?;
        Ok(deleted.into_iter().sum())
    }

    async fn list_customer_sessions(&self, customer: CustomerId) -> Result<Vec<(SessionKey, SessionRecord)>> {
        let set = self.keys().customer_sessions(customer);
        let members: Vec<String> =
            self.run(|mut conn| async move { redis::cmd("SMEMBERS").arg(set).query_async(&mut conn).await }).await?;
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let keys = members
            .iter()
            .map(|member| {
                SessionKey::from_hex(member).ok_or_else(|| {
                    Error::Corrupt(format!("a customer's session set holds {member:?}, not a session key"))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let names: Vec<String> = keys.iter().map(|key| self.keys().session(key)).collect();
        let records: Vec<Option<Vec<u8>>> = self.run(|mut conn| async move { conn.mget(&names).await }).await?;
        let now = Timestamp::now();
        let mut live = Vec::new();
        for (key, bytes) in keys.into_iter().zip(records) {
            // Gone since (logged out, expired): a member left behind, not a session.
            let Some(bytes) = bytes else { continue };
            let record = SessionRecord::decode(&bytes)?;
            // A member can outlive its owner's claim when the session was handed to another
            // customer under the same key; the record itself decides.
            if record.customer_id() == Some(customer) && !record.is_expired(now) {
                live.push((key, record));
            }
        }
        Ok(live)
    }

    async fn purge_expired_sessions(&self) -> Result<u64> {
        // Every session key carries Redis's own expiry (EXAT), and each customer's session set
        // expires with its longest-lived member: there is nothing left to purge.
        Ok(0)
    }
}
