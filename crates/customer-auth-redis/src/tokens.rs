//! Single-use tokens (email confirmation, password reset, unlock): a key per token, in a slot
//! of its own, that expires by itself, and a member in the set of its customer's tokens, in the
//! customer's slot, so deleting the customer (or one purpose of their tokens) finds every one.
//!
//! The two live in different slots, so the order of the steps is what keeps them right: a
//! token is written before its member, and its member taken out only after the token, so no
//! token the app was told exists is ever missing from its customer's set.

use customer_auth_core::{CustomerId, Error, Result, Timestamp, TokenKey, TokenPurpose, TokenRecord};
use futures_util::future::try_join_all;

use crate::RedisStore;
use crate::call::Call;
use crate::keys::Keys;

impl RedisStore {
    pub(crate) async fn store_token(&self, token: &TokenRecord) -> Result<()> {
        let (keys, scripts) = (self.keys(), self.scripts());
        let key = keys.token(token.purpose, &token.key);
        let value = format!("{} {}", token.customer_id, token.expires_at.as_unix());
        let expires_at = token.expires_at.as_unix();
        let stored: u64 =
            self.eval(&Call::new(&scripts.create_token).key(key.clone()).arg(&value).arg(expires_at)).await?;
        let customer = keys.customer(token.customer_id);
        let exists: u64 = match stored {
            1 => {
                let member = Keys::token_member(token.purpose, &token.key);
                let add = Call::new(&scripts.add_token_member)
                    .key(customer)
                    .key(keys.customer_tokens(token.customer_id))
                    .arg(member)
                    .arg(expires_at);
                self.eval(&add).await?
            }
            2 => return Err(Error::backend("a token with this key already exists; generate a new token")),
            // Over before it began: nothing is stored, but an unknown customer is still an error.
            _ => self.eval(&Call::new(&scripts.customer_exists).key(customer)).await?,
        };
        if exists == 0 {
            if stored == 1 {
                // No customer (never, or deleted meanwhile): the token must not outlive them.
                let _: u64 = self.eval(&Call::new(&scripts.delete_if_holds).key(key).arg(value)).await?;
            }
            return Err(Error::NotFound);
        }
        Ok(())
    }

    pub(crate) async fn take_stored_token(
        &self,
        purpose: TokenPurpose,
        key: &TokenKey,
        now: Timestamp,
    ) -> Result<Option<CustomerId>> {
        let (keys, scripts) = (self.keys(), self.scripts());
        // GETDEL: of any number of concurrent takes exactly one gets the value. Waited for, so a
        // failover cannot bring back a token that was used. The purpose is part of the key, so
        // a token of another purpose is simply not found.
        let value: Option<String> = self.eval_durable(&Call::new(&scripts.take).key(keys.token(purpose, key))).await?;
        let Some(value) = value else { return Ok(None) };
        let (id, expires_at) = value
            .split_once(' ')
            .ok_or_else(|| Error::Corrupt(format!("a token holds {value:?}, not \"<customer id> <expires_at>\"")))?;
        let id =
            id.parse::<CustomerId>().map_err(|err| Error::Corrupt(format!("a token's customer id {id:?}: {err}")))?;
        let expires_at = expires_at
            .parse::<i64>()
            .map_err(|_| Error::Corrupt(format!("a token's expiry {expires_at:?} is not a number")))?;
        let forget = Call::new(&scripts.forget_token_member)
            .key(keys.customer(id))
            .key(keys.customer_tokens(id))
            .arg(Keys::token_member(purpose, key));
        // A token that outlived its customer (deleted while it was being written) is worthless.
        let customer_exists: u64 = self.eval(&forget).await?;
        // Redis expires the key by its own clock; the caller's `now` decides as well.
        Ok((customer_exists == 1 && expires_at > now.as_unix()).then_some(id))
    }

    pub(crate) async fn delete_stored_tokens(&self, customer: CustomerId, purpose: TokenPurpose) -> Result<u64> {
        let (keys, scripts) = (self.keys(), self.scripts());
        let set = keys.customer_tokens(customer);
        let members: Vec<String> = self
            .run_idempotent(|mut conn| {
                let set = set.clone();
                async move { redis::cmd("SMEMBERS").arg(set).query_async(&mut conn).await }
            })
            .await?;
        let wanted = format!("{}:", purpose.as_str());
        let members: Vec<String> = members.into_iter().filter(|member| member.starts_with(&wanted)).collect();
        if members.is_empty() {
            return Ok(0);
        }
        // Each waited for: tokens ended after a password change must stay ended after a
        // failover. The members go only once their tokens are gone, so a call that fails half
        // way leaves them for the next one.
        let deletes: Vec<Call<'_>> =
            members.iter().map(|member| Call::new(&scripts.delete).key(keys.token_of_member(member))).collect();
        let deleted: Vec<u64> = try_join_all(deletes.iter().map(|delete| self.eval_durable(delete))).await?;
        let _: u64 = self
            .run(|mut conn| async move { redis::cmd("SREM").arg(set).arg(members).query_async(&mut conn).await })
            .await?;
        Ok(deleted.into_iter().sum())
    }
}
