//! Passkeys in Redis: a hash per credential id (owner, name, credential, times) and a list per
//! customer of their credential ids, oldest first. Registering, using and removing a passkey
//! are Lua scripts, which Redis runs one at a time.

use std::collections::HashMap;

use async_trait::async_trait;
use customer_auth_core::{CustomerId, Error, PasskeyRecord, PasskeyStore, Result, Timestamp};

use crate::RedisStore;
use crate::call::Call;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok()).collect()
}

/// A passkey hash read back; `None` when it is gone, an error when it is damaged.
fn record(credential_id: Vec<u8>, fields: HashMap<String, Vec<u8>>) -> Result<Option<PasskeyRecord>> {
    if fields.is_empty() {
        return Ok(None);
    }
    let corrupt = |what: &str| Error::Corrupt(format!("a stored passkey's {what} is missing or unreadable"));
    let text = |name: &str| fields.get(name).and_then(|value| String::from_utf8(value.clone()).ok());
    let customer_id = text("customer_id").and_then(|id| id.parse().ok()).ok_or_else(|| corrupt("customer id"))?;
    let created_at = text("created_at").and_then(|at| at.parse().ok()).ok_or_else(|| corrupt("creation time"))?;
    let last_used_at = match text("last_used_at") {
        Some(at) => Some(Timestamp::from_unix(at.parse().map_err(|_| corrupt("last use"))?)),
        None => None,
    };
    Ok(Some(PasskeyRecord {
        credential_id,
        customer_id: CustomerId::from_uuid(customer_id),
        name: text("name").ok_or_else(|| corrupt("name"))?,
        credential: fields.get("credential").cloned().ok_or_else(|| corrupt("credential"))?,
        created_at: Timestamp::from_unix(created_at),
        last_used_at,
    }))
}

#[async_trait]
impl PasskeyStore for RedisStore {
    async fn add_passkey(&self, passkey: &PasskeyRecord) -> Result<bool> {
        let keys = self.keys();
        let id = passkey.customer_id;
        let exists: u64 = {
            let key = keys.customer(id);
            self.run_idempotent(|mut conn| {
                let key = key.clone();
                async move { redis::cmd("EXISTS").arg(key).query_async(&mut conn).await }
            })
            .await?
        };
        if exists == 0 {
            return Err(Error::NotFound);
        }
        // The passkey lives in a slot of its own (a login finds it by its id alone): claimed
        // there first, so of racing registrations one wins, then listed in the customer's slot.
        let call = Call::new(&self.scripts().add_passkey)
            .key(keys.passkey(&passkey.credential_id))
            .arg(id.to_string())
            .arg(&passkey.name)
            .arg(passkey.credential.as_slice())
            .arg(passkey.created_at.as_unix())
            .arg(passkey.last_used_at.map_or_else(String::new, |at| at.as_unix().to_string()));
        let added: u64 = self.eval_durable(&call).await?;
        if added == 0 {
            return Ok(false);
        }
        let (list, member) = (keys.customer_passkeys(id), hex(&passkey.credential_id));
        let _: u64 = self
            .run(|mut conn| async move { redis::cmd("RPUSH").arg(list).arg(member).query_async(&mut conn).await })
            .await?;
        Ok(true)
    }

    async fn passkeys(&self, customer: CustomerId) -> Result<Vec<PasskeyRecord>> {
        let list = self.keys().customer_passkeys(customer);
        let ids: Vec<String> = self
            .run_idempotent(|mut conn| {
                let list = list.clone();
                async move { redis::cmd("LRANGE").arg(list).arg(0).arg(-1).query_async(&mut conn).await }
            })
            .await?;
        let mut passkeys = Vec::with_capacity(ids.len());
        for id in ids {
            let credential_id = unhex(&id).ok_or_else(|| Error::Corrupt(format!("a passkey list holds {id:?}")))?;
            if let Some(passkey) = self.find_passkey(&credential_id).await? {
                passkeys.push(passkey);
            }
        }
        Ok(passkeys)
    }

    async fn find_passkey(&self, credential_id: &[u8]) -> Result<Option<PasskeyRecord>> {
        let key = self.keys().passkey(credential_id);
        let fields: HashMap<String, Vec<u8>> = self
            .run_idempotent(|mut conn| {
                let key = key.clone();
                async move { redis::cmd("HGETALL").arg(key).query_async(&mut conn).await }
            })
            .await?;
        record(credential_id.to_vec(), fields)
    }

    async fn update_passkey(
        &self,
        credential_id: &[u8],
        previous: &[u8],
        credential: &[u8],
        used_at: Timestamp,
    ) -> Result<bool> {
        let call = Call::new(&self.scripts().update_passkey)
            .key(self.keys().passkey(credential_id))
            .arg(previous)
            .arg(credential)
            .arg(used_at.as_unix());
        let updated: u64 = self.eval_durable(&call).await?;
        Ok(updated == 1)
    }

    async fn remove_passkey(&self, customer: CustomerId, credential_id: &[u8]) -> Result<bool> {
        let keys = self.keys();
        let call = Call::new(&self.scripts().remove_passkey).key(keys.passkey(credential_id)).arg(customer.to_string());
        let removed: u64 = self.eval_durable(&call).await?;
        if removed == 1 {
            let (list, member) = (keys.customer_passkeys(customer), hex(credential_id));
            let _: u64 =
                self.run(|mut conn| async move {
                    redis::cmd("LREM").arg(list).arg(0).arg(member).query_async(&mut conn).await
                })
                .await?;
        }
        Ok(removed == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_ids_round_trip_through_hex() {
        for id in [vec![], vec![0, 255, 16], (0..=255).collect::<Vec<u8>>()] {
            assert_eq!(unhex(&hex(&id)), Some(id));
        }
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex("é1"), None);
    }
}
