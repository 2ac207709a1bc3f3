use async_trait::async_trait;
use customer_auth_core::{CustomerId, Error, Result, SessionKey, SessionRecord, SessionStore, Timestamp};

use crate::RedisStore;

impl RedisStore {
    /// Takes `key` out of the session set of the customer who owned `old` (the record it
    /// replaced or deleted), unless that customer still owns it. Only a session whose owner
    /// changed under the same key gets here, which the session layer never does (login rotates
    /// the id); a member left behind would only cost a wasted `UNLINK` later.
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
        let (set, session) = (self.keys().customer_sessions(previous), self.keys().session(key));
        let member = key.to_hex();
        let script = &self.scripts().forget_session;
        let _: u64 = self
            .run(|mut conn| async move {
                script.key(set).key(session).arg(member).arg(written).invoke_async(&mut conn).await
            })
            .await?;
        Ok(())
    }

    /// The live sessions among `keys`, in one `MGET`: the
    /// [`LoadBatcher`](customer_auth_core::LoadBatcher)'s call.
    async fn load_live_sessions(&self, keys: Vec<SessionKey>) -> Result<Vec<(SessionKey, SessionRecord)>> {
        let names: Vec<String> = keys.iter().map(|key| self.keys().session(key)).collect();
        let values: Vec<Option<Vec<u8>>> = self
            .run_idempotent(|mut conn| {
                let names = names.clone();
                async move { redis::cmd("MGET").arg(names).query_async(&mut conn).await }
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

    /// The script invocation shared by create and save: the session key, and the customer's
    /// session set when the record is logged in.
    fn session_keys(&self, key: &SessionKey, record: &SessionRecord) -> Vec<String> {
        let mut keys = vec![self.keys().session(key)];
        keys.extend(record.customer_id().map(|customer| self.keys().customer_sessions(customer)));
        keys
    }
}

#[async_trait]
impl SessionStore for RedisStore {
    async fn create_session(&self, key: &SessionKey, record: &SessionRecord) -> Result<()> {
        let bytes = record.encode()?;
        let keys = self.session_keys(key, record);
        let script = &self.scripts().create_session;
        let created: u64 = self
            .run(|mut conn| async move {
                script
                    .key(keys)
                    .arg(bytes)
                    .arg(record.expires_at().as_unix())
                    .arg(key.to_hex())
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        if created == 0 {
            return Err(Error::backend("a live session with this key already exists; refusing to overwrite it"));
        }
        Ok(())
    }

    async fn load_session(&self, key: &SessionKey) -> Result<Option<SessionRecord>> {
        self.loads().load(*key, |keys| self.load_live_sessions(keys)).await
    }

    async fn save_session(&self, key: &SessionKey, record: &SessionRecord) -> Result<()> {
        let bytes = record.encode()?;
        let keys = self.session_keys(key, record);
        let script = &self.scripts().save_session;
        let written = bytes.clone();
        // SET XX in the script: a session deleted (logged out) or expired meanwhile stays gone.
        let old: Option<Vec<u8>> = self
            .run(|mut conn| async move {
                script
                    .key(keys)
                    .arg(written)
                    .arg(record.expires_at().as_unix())
                    .arg(key.to_hex())
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        let old = old.ok_or(Error::NotFound)?;
        self.forget_previous_owner(key, &old, record.customer_id(), &bytes).await
    }

    async fn delete_session(&self, key: &SessionKey) -> Result<()> {
        let session = self.keys().session(key);
        let old: Option<Vec<u8>> =
            self.run(|mut conn| async move { redis::cmd("GETDEL").arg(session).query_async(&mut conn).await }).await?;
        match old {
            Some(old) => self.forget_previous_owner(key, &old, None, &[]).await,
            None => Ok(()),
        }
    }

    async fn delete_customer_sessions(&self, customer: CustomerId) -> Result<u64> {
        let set = self.keys().customer_sessions(customer);
        let prefix = self.keys().session_prefix();
        let script = &self.scripts().delete_customer_sessions;
        // One script: a session created while it runs is either in the set and deleted, or
        // created after, never half-seen.
        self.run(|mut conn| async move { script.key(set).arg(prefix).invoke_async(&mut conn).await }).await
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
        let records: Vec<Option<Vec<u8>>> =
            self.run(|mut conn| async move { redis::cmd("MGET").arg(names).query_async(&mut conn).await }).await?;
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
