//! The two storage traits, and how a table row becomes a session again.

use async_trait::async_trait;

use std::time::Duration;

use crate::{
    AttemptKey, Customer, CustomerId, Error, FailedLogin, LockoutPolicy, PasswordHash, Result, SessionKey,
    SessionRecord, Timestamp, TokenKey, TokenPurpose, TokenRecord,
};

/// A session as a table keeps it (the key's [`SessionKey::LEN`] bytes, the customer id column
/// and [`SessionRecord::encode_detached`]'s bytes) read back; anything else is
/// [`Error::Corrupt`], never a panic.
pub fn decode_session_row(
    key: &[u8],
    customer_id: Option<CustomerId>,
    record: &[u8],
) -> Result<(SessionKey, SessionRecord)> {
    let key = SessionKey::from_slice(key)
        .ok_or_else(|| Error::Corrupt(format!("a session key is {} bytes, not {}", key.len(), SessionKey::LEN)))?;
    Ok((key, SessionRecord::decode_detached(record, customer_id)?))
}

/// Where customers are kept.
///
/// Uniqueness of usernames and emails (case-insensitive, by [`username_key`](crate::username_key)
/// and [`email_key`](crate::email_key)) is the store's to enforce with its own unique
/// constraint, never by reading first: two concurrent registrations of one name must see
/// exactly one succeed.
#[async_trait]
pub trait CustomerStore: std::fmt::Debug + Send + Sync + 'static {
    /// Inserts a new customer. [`Error::DuplicateUsername`] or
    /// [`Error::DuplicateEmail`] when either is taken.
    async fn create_customer(&self, customer: &Customer) -> Result<()>;

    /// Inserts several new customers, as an import does, and answers for each, in order, what
    /// [`create_customer`](Self::create_customer) would have: a duplicate is that customer's
    /// error and the others still go in. A store may do it in fewer round trips (one
    /// transaction, one pipeline); this default inserts them one at a time.
    async fn create_customers(&self, customers: &[Customer]) -> Vec<Result<()>> {
        let mut outcomes = Vec::with_capacity(customers.len());
        for customer in customers {
            outcomes.push(self.create_customer(customer).await);
        }
        outcomes
    }

    /// The customer with this id.
    async fn find_customer(&self, id: CustomerId) -> Result<Option<Customer>>;

    /// The customer with this username, compared case-insensitively.
    async fn find_customer_by_username(&self, username: &str) -> Result<Option<Customer>>;

    /// The customer with this email address, compared case-insensitively.
    async fn find_customer_by_email(&self, email: &str) -> Result<Option<Customer>>;

    /// Up to `limit` customers in id order (which is registration order), starting after
    /// `after`: pass the last id of one page to get the next.
    async fn list_customers(&self, after: Option<CustomerId>, limit: u32) -> Result<Vec<Customer>>;

    /// Replaces a customer's names, email, username, roles and status, and sets `updated_at`.
    /// Never writes `security_stamp`, which only [`bump_security_stamp`](Self::bump_security_stamp)
    /// moves, so a change read before a bump cannot take it back.
    /// [`Error::NotFound`] when the customer is gone; duplicate errors
    /// as for `create_customer` when the new username or email is taken.
    async fn update_customer(&self, customer: &Customer) -> Result<()>;

    /// Stores a new password hash.
    async fn set_password_hash(&self, id: CustomerId, hash: &PasswordHash, at: Timestamp) -> Result<()>;

    /// Counts a failed login and applies the lockout policy, in one atomic step.
    async fn record_failed_login(&self, id: CustomerId, at: Timestamp, policy: &LockoutPolicy) -> Result<FailedLogin>;

    /// Resets the failed-login count and lifts any lock.
    async fn record_successful_login(&self, id: CustomerId, at: Timestamp) -> Result<()>;

    /// Moves the customer's security stamp on, atomically, and returns the new value.
    /// [`Error::NotFound`] when the customer is gone. Called before anything ends the customer's
    /// sessions, so that a login racing the change sees a stamp other than the one it read.
    async fn bump_security_stamp(&self, id: CustomerId) -> Result<u64>;

    /// Counts a failed login of one client against one account (see
    /// [`AttemptKey`](crate::AttemptKey)) and returns how many failures its current window
    /// holds, this one included. A window starts at the failure that finds none running and
    /// lasts `window`; counting is atomic, so concurrent failures each count. Works the same for
    /// usernames nobody has.
    async fn count_client_failure(&self, key: &AttemptKey, window: Duration, now: Timestamp) -> Result<u32>;

    /// The failures under `key` in its current window; 0 when none, or the window ended.
    async fn client_failures(&self, key: &AttemptKey, now: Timestamp) -> Result<u32>;

    /// Forgets the failures under `key`, after a successful login or an unlock.
    async fn clear_client_failures(&self, key: &AttemptKey) -> Result<()>;

    /// Deletes a customer and every token issued to them.
    /// [`Error::NotFound`] when already gone.
    async fn delete_customer(&self, id: CustomerId) -> Result<()>;

    /// Records that the customer confirmed their email address at `at`.
    /// [`Error::NotFound`] when the customer is gone.
    async fn confirm_email(&self, id: CustomerId, at: Timestamp) -> Result<()>;

    /// Stores a single-use token (its key, never the token). The customer must exist:
    /// [`Error::NotFound`] otherwise. A token already past its expiry
    /// may be dropped at once, since it can never be taken.
    async fn create_token(&self, token: &TokenRecord) -> Result<()>;

    /// Takes a token: removes it and returns its customer when it exists with this `purpose`
    /// and has not expired at `now`, else `None`. One atomic step, so of any number of
    /// concurrent takes of one token exactly one gets the customer (a link works once). An
    /// expired token is removed too; a token of another purpose is left as it is.
    async fn take_token(&self, purpose: TokenPurpose, key: &TokenKey, now: Timestamp) -> Result<Option<CustomerId>>;

    /// Deletes every token of one purpose issued to one customer (a new reset request
    /// invalidates older links; a password change invalidates pending resets) and returns how
    /// many there were. Expired tokens the store has not removed yet may count.
    async fn delete_customer_tokens(&self, customer: CustomerId, purpose: TokenPurpose) -> Result<u64>;
}

/// Where sessions are kept, filed under [`SessionKey`] (the hash of the id, never the id).
#[async_trait]
pub trait SessionStore: std::fmt::Debug + Send + Sync + 'static {
    /// Inserts a new session. Fails rather than overwrite an existing one.
    async fn create_session(&self, key: &SessionKey, record: &SessionRecord) -> Result<()>;

    /// The session filed under `key`, or `None` when there is none or it has expired.
    async fn load_session(&self, key: &SessionKey) -> Result<Option<SessionRecord>>;

    /// Replaces an existing session. [`Error::NotFound`] when it was
    /// deleted or expired meanwhile: a save never brings back a session that was logged out.
    async fn save_session(&self, key: &SessionKey, record: &SessionRecord) -> Result<()>;

    /// Deletes a session; deleting one that is gone is not an error.
    async fn delete_session(&self, key: &SessionKey) -> Result<()>;

    /// Deletes every session of one customer (log out everywhere, password change, disable)
    /// and returns how many there were.
    async fn delete_customer_sessions(&self, customer: CustomerId) -> Result<u64>;

    /// The live (unexpired) sessions of one customer, in no particular order: for an "active
    /// sessions" page with "log out everywhere". Anonymous sessions and other customers'
    /// sessions are never included.
    async fn list_customer_sessions(&self, customer: CustomerId) -> Result<Vec<(SessionKey, SessionRecord)>>;

    /// Deletes every expired session and returns how many. Stores whose backend expires keys
    /// by itself may return 0.
    async fn purge_expired_sessions(&self) -> Result<u64>;
}
