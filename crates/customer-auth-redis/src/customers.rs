use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use customer_auth_core::{
    AttemptKey, Customer, CustomerId, CustomerStatus, CustomerStore, Error, FailedLogin, LockoutPolicy, PasswordHash,
    Result, Roles, Timestamp, TokenKey, TokenPurpose, TokenRecord, email_key, username_key,
};

use crate::RedisStore;
use crate::keys::Keys;

/// The lock ends for `threshold + 0` up to `threshold + 20` failures: past 20 doublings the
/// policy no longer changes (see [`LockoutPolicy::lock_duration`]).
const LOCK_STEPS: u32 = 20;

/// A customer as the fields of its hash. `username_key` and `email_key` are kept too, so the
/// scripts can find the index keys to move or delete without a second look-up.
fn fields(customer: &Customer) -> Result<Vec<(&'static str, String)>> {
    Ok(vec![
        ("id", customer.id.to_string()),
        ("first_name", customer.first_name.clone()),
        ("last_name", customer.last_name.clone()),
        ("email", customer.email.clone()),
        ("email_key", customer.email_key()),
        ("username", customer.username.clone()),
        ("username_key", customer.username_key()),
        ("password_hash", customer.password_hash.as_str().to_owned()),
        ("roles", roles_json(&customer.roles)?),
        ("status", customer.status.as_str().to_owned()),
        ("failed_logins", customer.failed_logins.to_string()),
        ("locked_until", optional_timestamp(customer.locked_until)),
        ("email_confirmed_at", optional_timestamp(customer.email_confirmed_at)),
        ("security_stamp", customer.security_stamp.to_string()),
        ("created_at", customer.created_at.as_unix().to_string()),
        ("updated_at", customer.updated_at.as_unix().to_string()),
    ])
}

fn roles_json(roles: &Roles) -> Result<String> {
    serde_json::to_string(roles).map_err(Error::backend)
}

/// A timestamp field that may be unset: empty when `None`.
fn optional_timestamp(at: Option<Timestamp>) -> String {
    at.map(|at| at.as_unix().to_string()).unwrap_or_default()
}

/// Reads a customer back from `HGETALL`; `None` for an empty answer (no such hash).
fn parse(mut hash: HashMap<String, String>) -> Result<Option<Customer>> {
    if hash.is_empty() {
        return Ok(None);
    }
    let number = |name: &str, value: &str| {
        value.parse::<i64>().map_err(|_| Error::Corrupt(format!("a customer's {name} is {value:?}, not a number")))
    };
    // Absent from hashes written before email confirmation existed: not confirmed.
    let email_confirmed_at = match hash.remove("email_confirmed_at").as_deref() {
        None | Some("") => None,
        Some(at) => Some(Timestamp::from_unix(number("email_confirmed_at", at)?)),
    };
    // Absent from hashes written before the stamp existed: 0, as for a new customer.
    let security_stamp = match hash.remove("security_stamp").as_deref() {
        None => 0,
        Some(stamp) => stamp
            .parse::<u64>()
            .map_err(|_| Error::Corrupt(format!("a customer's security_stamp is {stamp:?}, not a number")))?,
    };
    let mut take =
        |name: &str| hash.remove(name).ok_or_else(|| Error::Corrupt(format!("a customer hash has no {name:?} field")));
    let id = take("id")?;
    let id = id.parse::<CustomerId>().map_err(|err| Error::Corrupt(format!("a customer id {id:?}: {err}")))?;
    let roles = take("roles")?;
    let roles: Roles = serde_json::from_str(&roles)
        .map_err(|err| Error::Corrupt(format!("a customer's roles are not a JSON array of names: {err}")))?;
    let status = take("status")?;
    let status =
        CustomerStatus::parse(&status).ok_or_else(|| Error::Corrupt(format!("unknown customer status {status:?}")))?;
    let failed_logins = take("failed_logins")?;
    let failed_logins = u32::try_from(number("failed_logins", &failed_logins)?)
        .map_err(|_| Error::Corrupt(format!("a failed-login count of {failed_logins} is out of range")))?;
    let locked_until = take("locked_until")?;
    let locked_until = match locked_until.as_str() {
        "" => None,
        at => Some(Timestamp::from_unix(number("locked_until", at)?)),
    };
    let created_at = Timestamp::from_unix(number("created_at", &take("created_at")?)?);
    let updated_at = Timestamp::from_unix(number("updated_at", &take("updated_at")?)?);
    Ok(Some(Customer {
        id,
        first_name: take("first_name")?,
        last_name: take("last_name")?,
        email: take("email")?,
        username: take("username")?,
        password_hash: PasswordHash::from_stored(take("password_hash")?),
        roles,
        status,
        failed_logins,
        locked_until,
        email_confirmed_at,
        security_stamp,
        created_at,
        updated_at,
    }))
}

impl RedisStore {
    async fn customer_hash(&self, key: String) -> Result<Option<Customer>> {
        let hash: HashMap<String, String> =
            self.run(|mut conn| async move { redis::cmd("HGETALL").arg(key).query_async(&mut conn).await }).await?;
        parse(hash)
    }

    /// The customer an index key (username or email) points at, read in one script so that a
    /// customer deleted between the two reads is simply not found.
    async fn find_by_index(&self, index: String) -> Result<Option<Customer>> {
        let customer_prefix = self.keys().customer_prefix();
        let script = &self.scripts().find_by_index;
        let hash: HashMap<String, String> = self
            .run(|mut conn| async move { script.key(index).arg(customer_prefix).invoke_async(&mut conn).await })
            .await?;
        parse(hash)
    }

    /// Sets fields of a customer that exists; `NotFound` when it does not.
    async fn set_fields(&self, id: CustomerId, fields: Vec<(&'static str, String)>) -> Result<()> {
        let hash = self.keys().customer(id);
        let script = &self.scripts().set_fields;
        let done: u64 =
            self.run(|mut conn| async move { script.key(hash).arg(fields).invoke_async(&mut conn).await }).await?;
        if done == 0 { Err(Error::NotFound) } else { Ok(()) }
    }
}

#[async_trait]
impl CustomerStore for RedisStore {
    async fn create_customer(&self, customer: &Customer) -> Result<()> {
        let keys = self.keys();
        let script = &self.scripts().create_customer;
        let hash_keys = [
            keys.customer(customer.id),
            keys.username(&customer.username_key()),
            keys.email(&customer.email_key()),
            keys.customer_ids(),
        ];
        let fields = fields(customer)?;
        // No look-up first: the script checks both index keys and writes everything in one
        // atomic step, so of two racing registrations exactly one wins.
        let outcome: String = self
            .run(|mut conn| async move {
                script.key(&hash_keys).arg(customer.id.to_string()).arg(fields).invoke_async(&mut conn).await
            })
            .await?;
        match outcome.as_str() {
            "created" => Ok(()),
            "username" => Err(Error::DuplicateUsername),
            "email" => Err(Error::DuplicateEmail),
            "id" => Err(Error::backend("a customer with this id already exists")),
            other => Err(Error::Corrupt(format!("the create script answered {other:?}"))),
        }
    }

    async fn find_customer(&self, id: CustomerId) -> Result<Option<Customer>> {
        self.customer_hash(self.keys().customer(id)).await
    }

    async fn find_customer_by_username(&self, username: &str) -> Result<Option<Customer>> {
        self.find_by_index(self.keys().username(&username_key(username))).await
    }

    async fn find_customer_by_email(&self, email: &str) -> Result<Option<Customer>> {
        self.find_by_index(self.keys().email(&email_key(email))).await
    }

    async fn list_customers(&self, after: Option<CustomerId>, limit: u32) -> Result<Vec<Customer>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // Hyphenated lowercase UUIDs sort as their bytes do, and v7 ids by creation time, so a
        // lexicographic range over the id set pages in id order, each page costing the same.
        let min = after.map_or_else(|| "-".to_owned(), |after| format!("({after}"));
        let set = self.keys().customer_ids();
        let ids: Vec<String> = self
            .run(|mut conn| async move {
                redis::cmd("ZRANGEBYLEX")
                    .arg(set)
                    .arg(min)
                    .arg("+")
                    .arg("LIMIT")
                    .arg(0)
                    .arg(limit)
                    .query_async(&mut conn)
                    .await
            })
            .await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for id in &ids {
            let id = id.parse::<CustomerId>().map_err(|err| Error::Corrupt(format!("a listed id {id:?}: {err}")))?;
            pipe.cmd("HGETALL").arg(self.keys().customer(id));
        }
        let hashes: Vec<HashMap<String, String>> =
            self.run(|mut conn| async move { pipe.query_async(&mut conn).await }).await?;
        // A customer deleted between the two reads is simply not listed.
        hashes.into_iter().filter_map(|hash| parse(hash).transpose()).collect()
    }

    async fn update_customer(&self, customer: &Customer) -> Result<()> {
        let keys = self.keys();
        let script = &self.scripts().update_customer;
        let (username, email) = (customer.username_key(), customer.email_key());
        let script_keys = [keys.customer(customer.id), keys.username(&username), keys.email(&email)];
        // The hash and the login counters have their own methods; an update built from a copy
        // read earlier must not roll them back, nor the registration time.
        let changed: Vec<(&'static str, String)> = vec![
            ("first_name", customer.first_name.clone()),
            ("last_name", customer.last_name.clone()),
            ("email", customer.email.clone()),
            ("email_key", email.clone()),
            ("username", customer.username.clone()),
            ("username_key", username.clone()),
            ("roles", roles_json(&customer.roles)?),
            ("status", customer.status.as_str().to_owned()),
            ("updated_at", Timestamp::now().as_unix().to_string()),
        ];
        let outcome: String = self
            .run(|mut conn| async move {
                script
                    .key(&script_keys)
                    .arg(customer.id.to_string())
                    .arg(keys.username(""))
                    .arg(keys.email(""))
                    .arg(username)
                    .arg(email)
                    .arg(changed)
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        match outcome.as_str() {
            "updated" => Ok(()),
            "missing" => Err(Error::NotFound),
            "username" => Err(Error::DuplicateUsername),
            "email" => Err(Error::DuplicateEmail),
            other => Err(Error::Corrupt(format!("the update script answered {other:?}"))),
        }
    }

    async fn set_password_hash(&self, id: CustomerId, hash: &PasswordHash, at: Timestamp) -> Result<()> {
        self.set_fields(id, vec![("password_hash", hash.as_str().to_owned()), ("updated_at", at.as_unix().to_string())])
            .await
    }

    async fn record_failed_login(&self, id: CustomerId, at: Timestamp, policy: &LockoutPolicy) -> Result<FailedLogin> {
        // The lock for each possible count comes from the policy itself, so this store locks
        // exactly as long as every other store (saturation included); the script only picks.
        let locks: Vec<String> = (0..=LOCK_STEPS)
            .map(|step| optional_timestamp(policy.locked_until(policy.threshold.saturating_add(step), at)))
            .collect();
        let hash = self.keys().customer(id);
        let script = &self.scripts().record_failed_login;
        let counted: Option<(i64, String)> =
            self.run(|mut conn| async move {
                script.key(hash).arg(policy.threshold).arg(locks).invoke_async(&mut conn).await
            })
            .await?;
        let (failed_logins, locked_until) = counted.ok_or(Error::NotFound)?;
        let failed_logins = u32::try_from(failed_logins)
            .map_err(|_| Error::Corrupt(format!("a failed-login count of {failed_logins} is out of range")))?;
        let locked_until = match locked_until.as_str() {
            "" => None,
            at => Some(Timestamp::from_unix(
                at.parse().map_err(|_| Error::Corrupt(format!("a lock end of {at:?} is not a number")))?,
            )),
        };
        Ok(FailedLogin { failed_logins, locked_until })
    }

    async fn record_successful_login(&self, id: CustomerId, _at: Timestamp) -> Result<()> {
        self.set_fields(id, vec![("failed_logins", "0".to_owned()), ("locked_until", String::new())]).await
    }

    async fn bump_security_stamp(&self, id: CustomerId) -> Result<u64> {
        let hash = self.keys().customer(id);
        let script = &self.scripts().bump_security_stamp;
        let stamp: Option<u64> =
            self.run(|mut conn| async move { script.key(hash).invoke_async(&mut conn).await }).await?;
        stamp.ok_or(Error::NotFound)
    }

    async fn count_client_failure(&self, key: &AttemptKey, window: Duration, now: Timestamp) -> Result<u32> {
        self.count_failure(key, window, now).await
    }

    async fn client_failures(&self, key: &AttemptKey, now: Timestamp) -> Result<u32> {
        self.failures(key, now).await
    }

    async fn clear_client_failures(&self, key: &AttemptKey) -> Result<()> {
        self.clear_failures(key).await
    }

    async fn delete_customer(&self, id: CustomerId) -> Result<()> {
        let keys = self.keys();
        let script = &self.scripts().delete_customer;
        let script_keys = [keys.customer(id), keys.customer_ids(), keys.customer_tokens(id)];
        let deleted: u64 = self
            .run(|mut conn| async move {
                script
                    .key(&script_keys)
                    .arg(id.to_string())
                    .arg(keys.username(""))
                    .arg(keys.email(""))
                    .arg(keys.token_prefix())
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        if deleted == 0 {
            return Err(Error::NotFound);
        }
        // The customer's second factors and passkeys go with them.
        let list = keys.customer_passkeys(id);
        let passkeys: Vec<String> = self
            .run(|mut conn| {
                let list = list.clone();
                async move { redis::cmd("LRANGE").arg(list).arg(0).arg(-1).query_async(&mut conn).await }
            })
            .await?;
        let mut factors = vec![keys.totp(id), keys.recovery_codes(id), list];
        factors.extend(passkeys.iter().map(|hex| keys.passkey_of_hex(hex)));
        let _: u64 =
            self.run(|mut conn| async move { redis::cmd("UNLINK").arg(&factors).query_async(&mut conn).await }).await?;
        Ok(())
    }

    async fn confirm_email(&self, id: CustomerId, at: Timestamp) -> Result<()> {
        self.set_fields(id, vec![("email_confirmed_at", at.as_unix().to_string())]).await
    }

    async fn create_token(&self, token: &TokenRecord) -> Result<()> {
        let keys = self.keys();
        let script = &self.scripts().create_token;
        let script_keys = [
            keys.token(token.purpose, &token.key),
            keys.customer(token.customer_id),
            keys.customer_tokens(token.customer_id),
        ];
        let value = format!("{} {}", token.customer_id, token.expires_at.as_unix());
        let member = Keys::token_member(token.purpose, &token.key);
        let outcome: u64 = self
            .run(|mut conn| async move {
                script
                    .key(&script_keys)
                    .arg(value)
                    .arg(token.expires_at.as_unix())
                    .arg(member)
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        match outcome {
            1 => Ok(()),
            0 => Err(Error::NotFound),
            _ => Err(Error::backend("a token with this key already exists; generate a new token")),
        }
    }

    async fn take_token(&self, purpose: TokenPurpose, key: &TokenKey, now: Timestamp) -> Result<Option<CustomerId>> {
        let keys = self.keys();
        let script = &self.scripts().take_token;
        let token = keys.token(purpose, key);
        let (prefix, member) = (keys.customer_tokens_prefix(), Keys::token_member(purpose, key));
        // The purpose is part of the key, so a token of another purpose is simply not found.
        let value: Option<String> = self
            .run(|mut conn| async move { script.key(token).arg(prefix).arg(member).invoke_async(&mut conn).await })
            .await?;
        let Some(value) = value else { return Ok(None) };
        let (id, expires_at) = value
            .split_once(' ')
            .ok_or_else(|| Error::Corrupt(format!("a token holds {value:?}, not \"<customer id> <expires_at>\"")))?;
        let id =
            id.parse::<CustomerId>().map_err(|err| Error::Corrupt(format!("a token's customer id {id:?}: {err}")))?;
        let expires_at = expires_at
            .parse::<i64>()
            .map_err(|_| Error::Corrupt(format!("a token's expiry {expires_at:?} is not a number")))?;
        // Redis expires the key by its own clock; the caller's `now` decides as well.
        Ok((expires_at > now.as_unix()).then_some(id))
    }

    async fn delete_customer_tokens(&self, customer: CustomerId, purpose: TokenPurpose) -> Result<u64> {
        let keys = self.keys();
        let script = &self.scripts().delete_customer_tokens;
        let (set, prefix) = (keys.customer_tokens(customer), keys.token_prefix());
        let wanted = format!("{}:", purpose.as_str());
        self.run(|mut conn| async move { script.key(set).arg(prefix).arg(wanted).invoke_async(&mut conn).await }).await
    }
}
