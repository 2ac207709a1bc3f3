//! Second factors in Redis: per customer a hash for the TOTP authenticator (sealed secret,
//! enrolment time, last step used) and a set of recovery-code hashes. "A step once" and "a code
//! once" are Lua scripts, which Redis runs one at a time.

use async_trait::async_trait;
use customer_auth_core::{CustomerId, Error, RecoveryCodeHash, Result, SecondFactorStore, Timestamp, TotpRecord};

use crate::RedisStore;
use crate::call::Call;

#[async_trait]
impl SecondFactorStore for RedisStore {
    async fn totp(&self, customer: CustomerId) -> Result<Option<TotpRecord>> {
        let key = self.keys().totp(customer);
        let (sealed, enrolled_at): (Option<Vec<u8>>, Option<i64>) = self
            .run_idempotent(|mut conn| {
                let key = key.clone();
                async move {
                    redis::cmd("HMGET").arg(key).arg("sealed_secret").arg("enrolled_at").query_async(&mut conn).await
                }
            })
            .await?;
        match (sealed, enrolled_at) {
            (Some(sealed_secret), Some(enrolled_at)) => {
                Ok(Some(TotpRecord { sealed_secret, enrolled_at: Timestamp::from_unix(enrolled_at) }))
            }
            (None, None) => Ok(None),
            _ => Err(Error::Corrupt(format!("the TOTP record at {key} is missing a field"))),
        }
    }

    async fn put_totp(&self, customer: CustomerId, record: &TotpRecord) -> Result<()> {
        let keys = self.keys();
        let call = Call::new(&self.scripts().put_totp)
            .key(keys.customer(customer))
            .key(keys.totp(customer))
            .arg(record.sealed_secret.as_slice())
            .arg(record.enrolled_at.as_unix());
        let stored: u64 = self.eval_durable(&call).await?;
        if stored == 0 { Err(Error::NotFound) } else { Ok(()) }
    }

    async fn delete_totp(&self, customer: CustomerId) -> Result<bool> {
        let key = vec![self.keys().totp(customer)];
        let deleted: u64 = self.run(|mut conn| async move { conn.unlink(&key).await }).await?;
        Ok(deleted > 0)
    }

    async fn use_totp_step(&self, customer: CustomerId, step: u64) -> Result<bool> {
        let call = Call::new(&self.scripts().use_totp_step).key(self.keys().totp(customer)).arg(step);
        // Durable: a step used before a failover must stay used after it.
        let fresh: u64 = self.eval_durable(&call).await?;
        Ok(fresh == 1)
    }

    async fn replace_recovery_codes(&self, customer: CustomerId, codes: &[RecoveryCodeHash]) -> Result<()> {
        let keys = self.keys();
        let hashes: Vec<String> = codes.iter().map(RecoveryCodeHash::to_hex).collect();
        let call = Call::new(&self.scripts().replace_recovery_codes)
            .key(keys.customer(customer))
            .key(keys.recovery_codes(customer))
            .arg(&hashes);
        let stored: u64 = self.eval_durable(&call).await?;
        if stored == 0 { Err(Error::NotFound) } else { Ok(()) }
    }

    async fn use_recovery_code(&self, customer: CustomerId, code: &RecoveryCodeHash) -> Result<Option<u32>> {
        let call =
            Call::new(&self.scripts().use_recovery_code).key(self.keys().recovery_codes(customer)).arg(code.to_hex());
        let left: i64 = self.eval_durable(&call).await?;
        if left < 0 {
            return Ok(None);
        }
        u32::try_from(left).map(Some).map_err(|_| Error::Corrupt(format!("{left} recovery codes left is out of range")))
    }

    async fn recovery_codes_left(&self, customer: CustomerId) -> Result<u32> {
        let key = self.keys().recovery_codes(customer);
        let left: u64 = self
            .run_idempotent(|mut conn| {
                let key = key.clone();
                async move { redis::cmd("SCARD").arg(key).query_async(&mut conn).await }
            })
            .await?;
        u32::try_from(left).map_err(|_| Error::Corrupt(format!("{left} recovery codes is out of range")))
    }
}
