use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use customer_auth_core::{
    AttemptKey, Customer, CustomerId, CustomerStatus, CustomerStore, Error, FailedLogin, LockoutPolicy, PasswordHash,
    Result, Roles, Timestamp, TokenKey, TokenPurpose, TokenRecord, email_key, username_key,
};

use futures_util::future::try_join_all;

use crate::RedisStore;
use crate::call::Call;
use crate::claims::{Index, LEASE_SECS};

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
    /// The customer whose hash is `hash`; `None` when there is none or its registration has not
    /// finished.
    async fn read_customer(&self, hash: String) -> Result<Option<Customer>> {
        let fields: HashMap<String, String> = self.eval(&Call::new(&self.scripts().read_customer).key(hash)).await?;
        parse(fields)
    }

    /// The customer an index key (username or email) points at: the index's id, then that
    /// customer's hash, which must still hold the value looked up (a customer renamed, or an
    /// index key left behind, is simply not found).
    async fn find_by_index(&self, index: Index, value: String) -> Result<Option<Customer>> {
        let key = match index {
            Index::Username => self.keys().username(&value),
            Index::Email => self.keys().email(&value),
        };
        let id: Option<String> = self
            .run_idempotent(|mut conn| {
                let key = key.clone();
                async move { redis::cmd("GET").arg(key).query_async(&mut conn).await }
            })
            .await?;
        let Some(id) = id else { return Ok(None) };
        let id = id.parse::<CustomerId>().map_err(|err| Error::Corrupt(format!("an index holds {id:?}: {err}")))?;
        let mut fields: HashMap<String, String> =
            self.eval(&Call::new(&self.scripts().read_customer).key(self.keys().customer(id))).await?;
        let field = match index {
            Index::Username => "username_key",
            Index::Email => "email_key",
        };
        if fields.remove(field).as_deref() != Some(value.as_str()) {
            return Ok(None);
        }
        // `parse` wants the field back; it was only compared.
        fields.insert(field.to_owned(), value);
        parse(fields)
    }

    /// Sets fields of a customer that exists; `NotFound` when it does not.
    async fn set_fields(&self, id: CustomerId, fields: Vec<(&'static str, String)>, durable: bool) -> Result<()> {
        let call = Call::new(&self.scripts().set_fields).key(self.keys().customer(id)).arg(fields);
        let done: u64 = if durable { self.eval_durable(&call).await? } else { self.eval(&call).await? };
        if done == 0 { Err(Error::NotFound) } else { Ok(()) }
    }

    /// The steps of a registration after its pending hash: both index keys, the listing, and
    /// the end of the pending mark, which makes the customer exist.
    async fn finish_registration(&self, id: CustomerId, username: &str, email: &str) -> Result<()> {
        self.claim(Index::Username, username, id).await?;
        self.claim(Index::Email, email, id).await?;
        let scripts = self.scripts();
        let _: u64 =
            self.eval_durable(&Call::new(&scripts.add_id).key(self.keys().customer_ids()).arg(id.to_string())).await?;
        let finished: String =
            self.eval_durable(&Call::new(&scripts.finish_create).key(self.keys().customer(id))).await?;
        match finished.as_str() {
            "created" => Ok(()),
            "expired" => Err(Error::unavailable(format!(
                "the registration took longer than its {LEASE_SECS} s lease and was given up; try again"
            ))),
            other => Err(Error::Corrupt(format!("the finishing script answered {other:?}"))),
        }
    }

    /// Undoes what a failed registration wrote, as far as Redis can be reached: the pending
    /// hash, its index keys and its listing. A registration that finished after all (its last
    /// step's answer was lost) is kept. What is left expires with the pending hash, or no
    /// longer counts once the hash is gone.
    async fn abandon_registration(&self, id: CustomerId, username: &str, email: &str) {
        let scripts = self.scripts();
        let abandoned: Result<String> =
            self.eval(&Call::new(&scripts.abandon_create).key(self.keys().customer(id))).await;
        if matches!(abandoned.as_deref(), Ok("created")) {
            return;
        }
        let _ = self.release(Index::Username, username, id).await;
        let _ = self.release(Index::Email, email, id).await;
        let _: Result<u64> =
            self.eval(&Call::new(&scripts.remove_ids).key(self.keys().customer_ids()).arg(id.to_string())).await;
    }

    /// The claims and the write of an update, once its claim fields are in the hash.
    async fn finish_update(&self, customer: &Customer, claims: &[(Index, String)]) -> Result<()> {
        for (index, value) in claims {
            self.claim(*index, value, customer.id).await?;
        }
        // The hash and the login counters have their own methods; an update built from a copy
        // read earlier must not roll them back, nor the registration time.
        let changed: Vec<(&'static str, String)> = vec![
            ("first_name", customer.first_name.clone()),
            ("last_name", customer.last_name.clone()),
            ("email", customer.email.clone()),
            ("email_key", customer.email_key()),
            ("username", customer.username.clone()),
            ("username_key", customer.username_key()),
            ("roles", roles_json(&customer.roles)?),
            ("status", customer.status.as_str().to_owned()),
            ("updated_at", Timestamp::now().as_unix().to_string()),
        ];
        let call = Call::new(&self.scripts().finish_update)
            .key(self.keys().customer(customer.id))
            .arg(claims.len())
            .arg(Self::claim_fields(claims))
            .arg(changed);
        let outcome: String = self.eval_durable(&call).await?;
        match outcome.as_str() {
            "updated" => Ok(()),
            "missing" => Err(Error::NotFound),
            "expired" => Err(Error::unavailable(format!(
                "the update took longer than its {LEASE_SECS} s lease and was given up; try again"
            ))),
            other => Err(Error::Corrupt(format!("the update script answered {other:?}"))),
        }
    }
}

#[async_trait]
impl CustomerStore for RedisStore {
    async fn create_customer(&self, customer: &Customer) -> Result<()> {
        let (username, email) = (customer.username_key(), customer.email_key());
        let call = Call::new(&self.scripts().begin_create)
            .key(self.keys().customer(customer.id))
            .arg(LEASE_SECS)
            .arg(fields(customer)?);
        // No look-up first: the index keys are claimed with SET NX, so of two racing
        // registrations exactly one wins each (see the claims module).
        let begun: u64 = self.eval(&call).await?;
        if begun == 0 {
            return Err(Error::backend("a customer with this id already exists"));
        }
        let outcome = self.finish_registration(customer.id, &username, &email).await;
        if outcome.is_err() {
            self.abandon_registration(customer.id, &username, &email).await;
        }
        outcome
    }

    async fn find_customer(&self, id: CustomerId) -> Result<Option<Customer>> {
        self.read_customer(self.keys().customer(id)).await
    }

    async fn find_customer_by_username(&self, username: &str) -> Result<Option<Customer>> {
        self.find_by_index(Index::Username, username_key(username)).await
    }

    async fn find_customer_by_email(&self, email: &str) -> Result<Option<Customer>> {
        self.find_by_index(Index::Email, email_key(email)).await
    }

    async fn list_customers(&self, after: Option<CustomerId>, limit: u32) -> Result<Vec<Customer>> {
        let wanted = usize::try_from(limit).unwrap_or(usize::MAX);
        let mut listed = Vec::new();
        let mut after = after;
        while listed.len() < wanted {
            let page = wanted - listed.len();
            // Hyphenated lowercase UUIDs sort as their bytes do, and v7 ids by creation time,
            // so a lexicographic range over the id set pages in id order, each page costing
            // the same.
            let min = after.map_or_else(|| "-".to_owned(), |after| format!("({after}"));
            let set = self.keys().customer_ids();
            let ids: Vec<String> = self
                .run_idempotent(|mut conn| {
                    let (set, min) = (set.clone(), min.clone());
                    async move {
                        redis::cmd("ZRANGEBYLEX")
                            .arg(set)
                            .arg(min)
                            .arg("+")
                            .arg("LIMIT")
                            .arg(0)
                            .arg(page)
                            .query_async(&mut conn)
                            .await
                    }
                })
                .await?;
            let ids = ids
                .iter()
                .map(|id| id.parse::<CustomerId>().map_err(|err| Error::Corrupt(format!("a listed id {id:?}: {err}"))))
                .collect::<Result<Vec<_>>>()?;
            // One read per customer, all at once: on a cluster each goes to its own slot.
            let reads: Vec<Call<'_>> =
                ids.iter().map(|id| Call::new(&self.scripts().list_read).key(self.keys().customer(*id))).collect();
            let hashes: Vec<Option<HashMap<String, String>>> =
                try_join_all(reads.iter().map(|read| self.eval(read))).await?;
            let mut stale = Vec::new();
            for (id, hash) in ids.iter().zip(hashes) {
                match hash {
                    // The registration died or the customer was deleted before its listing.
                    None => stale.push(id.to_string()),
                    Some(hash) => listed.extend(parse(hash)?),
                }
            }
            if !stale.is_empty() {
                let _: u64 = self
                    .eval(&Call::new(&self.scripts().remove_ids).key(self.keys().customer_ids()).arg(stale))
                    .await?;
            }
            match ids.last() {
                Some(last) if ids.len() == page => after = Some(*last),
                _ => break,
            }
        }
        Ok(listed)
    }

    async fn update_customer(&self, customer: &Customer) -> Result<()> {
        let (username, email) = (customer.username_key(), customer.email_key());
        let call = Call::new(&self.scripts().begin_update)
            .key(self.keys().customer(customer.id))
            .arg(LEASE_SECS)
            .arg(&username)
            .arg(&email);
        let current: Option<(String, String)> = self.eval(&call).await?;
        let (old_username, old_email) = current.ok_or(Error::NotFound)?;
        let mut claims = Vec::new();
        if old_username != username {
            claims.push((Index::Username, username));
        }
        if old_email != email {
            claims.push((Index::Email, email));
        }
        if let Err(err) = self.finish_update(customer, &claims).await {
            // Best effort: claims left behind lapse with their lease.
            let _ = self.drop_claims(customer.id, &claims).await;
            for (index, value) in &claims {
                let _ = self.release(*index, value, customer.id).await;
            }
            return Err(err);
        }
        // The old index keys no longer count; deleting them keeps Redis tidy.
        for (index, _) in &claims {
            let old = if *index == Index::Username { &old_username } else { &old_email };
            let _ = self.release(*index, old, customer.id).await;
        }
        Ok(())
    }

    async fn set_password_hash(&self, id: CustomerId, hash: &PasswordHash, at: Timestamp) -> Result<()> {
        let fields = vec![("password_hash", hash.as_str().to_owned()), ("updated_at", at.as_unix().to_string())];
        self.set_fields(id, fields, true).await
    }

    async fn record_failed_login(&self, id: CustomerId, at: Timestamp, policy: &LockoutPolicy) -> Result<FailedLogin> {
        // The lock for each possible count comes from the policy itself, so this store locks
        // exactly as long as every other store (saturation included); the script only picks.
        let locks: Vec<String> = (0..=LOCK_STEPS)
            .map(|step| optional_timestamp(policy.locked_until(policy.threshold.saturating_add(step), at)))
            .collect();
        let call = Call::new(&self.scripts().record_failed_login)
            .key(self.keys().customer(id))
            .arg(policy.threshold)
            .arg(locks);
        // Not waited for: a count lost to a failover costs an attacker one guess, and waiting
        // would slow every failed login.
        let counted: Option<(i64, String)> = self.eval(&call).await?;
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
        self.set_fields(id, vec![("failed_logins", "0".to_owned()), ("locked_until", String::new())], false).await
    }

    async fn bump_security_stamp(&self, id: CustomerId) -> Result<u64> {
        let stamp: Option<u64> =
            self.eval_durable(&Call::new(&self.scripts().bump_security_stamp).key(self.keys().customer(id))).await?;
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
        let call = Call::new(&self.scripts().delete_customer).key(keys.customer(id)).key(keys.customer_tokens(id));
        // The hash is the record of truth: once it is gone, the rest (in other slots) no
        // longer counts, and is cleaned up here as far as Redis can be reached.
        let gone: Option<Vec<String>> = self.eval_durable(&call).await?;
        let Some(gone) = gone else { return Err(Error::NotFound) };
        let mut gone = gone.into_iter();
        let (username, email) = (gone.next().unwrap_or_default(), gone.next().unwrap_or_default());
        let tokens: Vec<String> = gone.map(|member| keys.token_of_member(&member)).collect();
        if !tokens.is_empty() {
            let _: u64 = self.run(|mut conn| async move { conn.unlink(&tokens).await }).await?;
        }
        self.release(Index::Username, &username, id).await?;
        self.release(Index::Email, &email, id).await?;
        let _: u64 =
            self.eval(&Call::new(&self.scripts().remove_ids).key(keys.customer_ids()).arg(id.to_string())).await?;
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
        let _: u64 = self.run(|mut conn| async move { conn.unlink(&factors).await }).await?;
        Ok(())
    }

    async fn confirm_email(&self, id: CustomerId, at: Timestamp) -> Result<()> {
        self.set_fields(id, vec![("email_confirmed_at", at.as_unix().to_string())], true).await
    }

    async fn create_token(&self, token: &TokenRecord) -> Result<()> {
        self.store_token(token).await
    }

    async fn take_token(&self, purpose: TokenPurpose, key: &TokenKey, now: Timestamp) -> Result<Option<CustomerId>> {
        self.take_stored_token(purpose, key, now).await
    }

    async fn delete_customer_tokens(&self, customer: CustomerId, purpose: TokenPurpose) -> Result<u64> {
        self.delete_stored_tokens(customer, purpose).await
    }
}
