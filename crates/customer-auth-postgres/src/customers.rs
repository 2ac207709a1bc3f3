use async_trait::async_trait;
use std::time::Duration;

use customer_auth_core::{
    AttemptKey, Customer, CustomerId, CustomerStatus, CustomerStore, Error, FailedLogin, LockoutPolicy, PasswordHash,
    Result, Timestamp, TokenKey, TokenPurpose, TokenRecord, email_key, username_key,
};
use sqlx::postgres::PgQueryResult;
use uuid::Uuid;

use crate::PostgresStore;
use crate::store::WithTimeout as _;

/// The columns [`CustomerRow`] reads, in one place for every lookup.
macro_rules! select_customer {
    ($where:literal) => {
        concat!(
            "SELECT id, first_name, last_name, email, username, password_hash, roles, status, failed_logins, ",
            "locked_until, email_confirmed_at, security_stamp, created_at, updated_at FROM customers ",
            $where
        )
    };
}

/// The lock lengths for `threshold + 0` up to `threshold + 20` failures: past 20 doublings the
/// policy no longer changes (see [`LockoutPolicy::lock_duration`]).
const LOCK_STEPS: i32 = 20;

#[derive(sqlx::FromRow)]
struct CustomerRow {
    id: Uuid,
    first_name: String,
    last_name: String,
    email: String,
    username: String,
    password_hash: String,
    roles: Vec<String>,
    status: String,
    failed_logins: i64,
    locked_until: Option<i64>,
    email_confirmed_at: Option<i64>,
    security_stamp: i64,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<CustomerRow> for Customer {
    type Error = Error;

    fn try_from(row: CustomerRow) -> Result<Self> {
        let status = CustomerStatus::parse(&row.status)
            .ok_or_else(|| Error::Corrupt(format!("unknown customer status {:?}", row.status)))?;
        let failed_logins = u32::try_from(row.failed_logins)
            .map_err(|_| Error::Corrupt(format!("a failed-login count of {} is out of range", row.failed_logins)))?;
        let security_stamp = stamp_value(row.security_stamp)?;
        Ok(Self {
            id: CustomerId::from_uuid(row.id),
            first_name: row.first_name,
            last_name: row.last_name,
            email: row.email,
            username: row.username,
            password_hash: PasswordHash::from_stored(row.password_hash),
            roles: row.roles.into_iter().collect(),
            status,
            failed_logins,
            locked_until: row.locked_until.map(Timestamp::from_unix),
            email_confirmed_at: row.email_confirmed_at.map(Timestamp::from_unix),
            security_stamp,
            created_at: Timestamp::from_unix(row.created_at),
            updated_at: Timestamp::from_unix(row.updated_at),
        })
    }
}

fn roles(customer: &Customer) -> Vec<&str> {
    customer.roles.iter().map(String::as_str).collect()
}

/// A security stamp read back from its (signed) column.
fn stamp_value(stamp: i64) -> Result<u64> {
    u64::try_from(stamp).map_err(|_| Error::Corrupt(format!("a security stamp of {stamp} is out of range")))
}

/// `NotFound` when an update or delete by id touched no row.
fn found(done: PgQueryResult) -> Result<()> {
    if done.rows_affected() == 0 { Err(Error::NotFound) } else { Ok(()) }
}

impl PostgresStore {
    async fn find_one<'q, K>(&self, query: &'q str, key: K) -> Result<Option<Customer>>
    where
        K: 'q + Send + sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
    {
        let row: Option<CustomerRow> =
            sqlx::query_as(query).bind(key).fetch_optional(self.db()).with_timeout(self).await?;
        row.map(Customer::try_from).transpose()
    }
}

/// The insert of one customer, with `suffix` after it (`ON CONFLICT DO NOTHING` for a batch).
pub(crate) fn insert_customer<'q>(
    customer: &'q Customer,
    suffix: &'static str,
) -> Result<sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>> {
    const INSERT: &str = "INSERT INTO customers (id, first_name, last_name, email, email_key, username, username_key, \
         password_hash, roles, status, failed_logins, locked_until, email_confirmed_at, security_stamp, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";
    let sql: &'static str = if suffix.is_empty() { INSERT } else { INSERT_OR_NOTHING };
    let stamp = i64::try_from(customer.security_stamp).map_err(|_| {
        Error::Corrupt(format!("a security stamp of {} does not fit the column", customer.security_stamp))
    })?;
    Ok(sqlx::query(sql)
        .bind(customer.id.as_uuid())
        .bind(&customer.first_name)
        .bind(&customer.last_name)
        .bind(&customer.email)
        .bind(customer.email_key())
        .bind(&customer.username)
        .bind(customer.username_key())
        .bind(customer.password_hash.as_str())
        .bind(roles(customer))
        .bind(customer.status.as_str())
        .bind(i64::from(customer.failed_logins))
        .bind(customer.locked_until.map(Timestamp::as_unix))
        .bind(customer.email_confirmed_at.map(Timestamp::as_unix))
        .bind(stamp)
        .bind(customer.created_at.as_unix())
        .bind(customer.updated_at.as_unix()))
}

/// The same insert, skipping a customer whose id, username or email is taken.
const INSERT_OR_NOTHING: &str = "INSERT INTO customers (id, first_name, last_name, email, email_key, username, \
     username_key, password_hash, roles, status, failed_logins, locked_until, email_confirmed_at, security_stamp, \
     created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
     ON CONFLICT DO NOTHING";

#[async_trait]
impl CustomerStore for PostgresStore {
    async fn create_customer(&self, customer: &Customer) -> Result<()> {
        // No lookup first: the unique indexes decide, so of two racing registrations exactly
        // one wins and the other gets the duplicate error.
        insert_customer(customer, "")?.execute(self.db()).with_timeout(self).await?;
        Ok(())
    }

    async fn create_customers(&self, customers: &[Customer]) -> Vec<Result<()>> {
        match self.insert_batch(customers).await {
            Ok(outcomes) => outcomes,
            // The transaction as a whole failed (the server went away, say): one at a time,
            // so each customer gets an error of its own.
            Err(_) => {
                let mut outcomes = Vec::with_capacity(customers.len());
                for customer in customers {
                    outcomes.push(self.create_customer(customer).await);
                }
                outcomes
            }
        }
    }

    async fn find_customer(&self, id: CustomerId) -> Result<Option<Customer>> {
        self.find_one(select_customer!("WHERE id = $1"), id.as_uuid()).await
    }

    async fn find_customer_by_username(&self, username: &str) -> Result<Option<Customer>> {
        self.find_one(select_customer!("WHERE username_key = $1"), username_key(username)).await
    }

    async fn find_customer_by_email(&self, email: &str) -> Result<Option<Customer>> {
        self.find_one(select_customer!("WHERE email_key = $1"), email_key(email)).await
    }

    async fn list_customers(&self, after: Option<CustomerId>, limit: u32) -> Result<Vec<Customer>> {
        // Keyset paging on the primary key: every page costs the same however deep it is.
        // Postgres compares uuids byte-wise and UUID v7 bytes sort by creation time, so the nil
        // id starts at the beginning.
        let after = after.map_or(Uuid::nil(), |id| *id.as_uuid());
        let rows: Vec<CustomerRow> = sqlx::query_as(select_customer!("WHERE id > $1 ORDER BY id LIMIT $2"))
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(self.db())
            .with_timeout(self)
            .await?;
        rows.into_iter().map(Customer::try_from).collect()
    }

    async fn update_customer(&self, customer: &Customer) -> Result<()> {
        // The hash and the login counters have their own methods; an update built from a copy
        // read earlier must not roll them back.
        let done = sqlx::query(
            "UPDATE customers SET first_name = $2, last_name = $3, email = $4, email_key = $5, username = $6, \
             username_key = $7, roles = $8, status = $9, updated_at = $10 WHERE id = $1",
        )
        .bind(customer.id.as_uuid())
        .bind(&customer.first_name)
        .bind(&customer.last_name)
        .bind(&customer.email)
        .bind(customer.email_key())
        .bind(&customer.username)
        .bind(customer.username_key())
        .bind(roles(customer))
        .bind(customer.status.as_str())
        .bind(Timestamp::now().as_unix())
        .execute(self.db())
        .with_timeout(self)
        .await?;
        found(done)
    }

    async fn set_password_hash(&self, id: CustomerId, hash: &PasswordHash, at: Timestamp) -> Result<()> {
        let done = sqlx::query("UPDATE customers SET password_hash = $2, updated_at = $3 WHERE id = $1")
            .bind(id.as_uuid())
            .bind(hash.as_str())
            .bind(at.as_unix())
            .execute(self.db())
            .with_timeout(self)
            .await?;
        found(done)
    }

    async fn record_failed_login(&self, id: CustomerId, at: Timestamp, policy: &LockoutPolicy) -> Result<FailedLogin> {
        // Counting and locking happen in one UPDATE: concurrent guesses queue on the row lock,
        // and each computes its SET from the row the one before left (Postgres re-reads a row
        // updated meanwhile), so none can slip past the threshold. The lock for each possible
        // count comes from the policy itself, as an array the statement picks from, so this
        // store locks exactly as long as every other store (saturation included).
        let locks: Vec<Option<i64>> = (0..=LOCK_STEPS.unsigned_abs())
            .map(|step| policy.locked_until(policy.threshold.saturating_add(step), at).map(Timestamp::as_unix))
            .collect();
        let row: Option<(i64, Option<i64>)> = sqlx::query_as(
            "UPDATE customers SET \
                 failed_logins = LEAST(failed_logins + 1, 4294967295), \
                 locked_until = CASE \
                     WHEN $2 > 0 AND failed_logins + 1 >= $2 \
                         THEN ($3::bigint[])[LEAST(failed_logins + 1 - $2, $4)::integer + 1] \
                     ELSE locked_until \
                 END \
             WHERE id = $1 \
             RETURNING failed_logins, locked_until",
        )
        .bind(id.as_uuid())
        .bind(i64::from(policy.threshold))
        .bind(locks)
        .bind(LOCK_STEPS)
        .fetch_optional(self.db())
        .with_timeout(self)
        .await?;
        let (failed_logins, locked_until) = row.ok_or(Error::NotFound)?;
        let failed_logins = u32::try_from(failed_logins)
            .map_err(|_| Error::Corrupt(format!("a failed-login count of {failed_logins} is out of range")))?;
        Ok(FailedLogin { failed_logins, locked_until: locked_until.map(Timestamp::from_unix) })
    }

    async fn record_successful_login(&self, id: CustomerId, _at: Timestamp) -> Result<()> {
        let done = sqlx::query("UPDATE customers SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(id.as_uuid())
            .execute(self.db())
            .with_timeout(self)
            .await?;
        found(done)
    }

    async fn bump_security_stamp(&self, id: CustomerId) -> Result<u64> {
        let stamp: Option<i64> = sqlx::query_scalar(
            "UPDATE customers SET security_stamp = security_stamp + 1 WHERE id = $1 RETURNING security_stamp",
        )
        .bind(id.as_uuid())
        .fetch_optional(self.db())
        .with_timeout(self)
        .await?;
        stamp_value(stamp.ok_or(Error::NotFound)?)
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
        let done = sqlx::query("DELETE FROM customers WHERE id = $1")
            .bind(id.as_uuid())
            .execute(self.db())
            .with_timeout(self)
            .await?;
        found(done)
    }

    async fn confirm_email(&self, id: CustomerId, at: Timestamp) -> Result<()> {
        let done = sqlx::query("UPDATE customers SET email_confirmed_at = $2 WHERE id = $1")
            .bind(id.as_uuid())
            .bind(at.as_unix())
            .execute(self.db())
            .with_timeout(self)
            .await?;
        found(done)
    }

    async fn create_token(&self, token: &TokenRecord) -> Result<()> {
        // Inserted from the customer's row, so an unknown customer inserts nothing (NotFound)
        // without a separate read; the foreign key covers a delete racing this insert.
        let done = sqlx::query(
            "INSERT INTO tokens (key, purpose, customer_id, expires_at) SELECT $1, $2, id, $4 FROM customers WHERE id = $3",
        )
        .bind(token.key.as_bytes().as_slice())
        .bind(token.purpose.as_str())
        .bind(token.customer_id.as_uuid())
        .bind(token.expires_at.as_unix())
        .execute(self.db())
        .with_timeout(self)
        .await?;
        found(done)
    }

    async fn take_token(&self, purpose: TokenPurpose, key: &TokenKey, now: Timestamp) -> Result<Option<CustomerId>> {
        // One DELETE ... RETURNING: concurrent takes queue on the row lock, and every one after
        // the first finds the row gone, so exactly one sees the customer. An expired token is
        // deleted as well, and answers None.
        let row: Option<(Uuid, i64)> =
            sqlx::query_as("DELETE FROM tokens WHERE key = $1 AND purpose = $2 RETURNING customer_id, expires_at")
                .bind(key.as_bytes().as_slice())
                .bind(purpose.as_str())
                .fetch_optional(self.db())
                .with_timeout(self)
                .await?;
        Ok(row.filter(|(_, expires_at)| *expires_at > now.as_unix()).map(|(id, _)| CustomerId::from_uuid(id)))
    }

    async fn delete_customer_tokens(&self, customer: CustomerId, purpose: TokenPurpose) -> Result<u64> {
        let done = sqlx::query("DELETE FROM tokens WHERE customer_id = $1 AND purpose = $2")
            .bind(customer.as_uuid())
            .bind(purpose.as_str())
            .execute(self.db())
            .with_timeout(self)
            .await?;
        Ok(done.rows_affected())
    }
}
