//! The conformance suite is not a rubber stamp: a store that breaks a promise fails it, and the
//! failure names the promise.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use async_trait::async_trait;
use std::time::Duration;

use customer_auth_core::{
    AttemptKey, Customer, CustomerId, CustomerStore, Error, FailedLogin, LockoutPolicy, MemoryStore, PasswordHash,
    Result, SessionKey, SessionRecord, SessionStore, Timestamp, TokenKey, TokenPurpose, TokenRecord, conformance,
};

/// Saves by upserting: a logged-out session written back by a late request comes back to life.
#[derive(Debug, Default)]
struct Resurrecting(MemoryStore);

#[async_trait]
impl SessionStore for Resurrecting {
    async fn create_session(&self, key: &SessionKey, record: &SessionRecord) -> Result<()> {
        self.0.create_session(key, record).await
    }
    async fn load_session(&self, key: &SessionKey) -> Result<Option<SessionRecord>> {
        self.0.load_session(key).await
    }
    async fn save_session(&self, key: &SessionKey, record: &SessionRecord) -> Result<()> {
        match self.0.save_session(key, record).await {
            Err(Error::NotFound) => self.0.create_session(key, record).await,
            other => other,
        }
    }
    async fn delete_session(&self, key: &SessionKey) -> Result<()> {
        self.0.delete_session(key).await
    }
    async fn delete_customer_sessions(&self, customer: CustomerId) -> Result<u64> {
        self.0.delete_customer_sessions(customer).await
    }
    async fn list_customer_sessions(&self, customer: CustomerId) -> Result<Vec<(SessionKey, SessionRecord)>> {
        self.0.list_customer_sessions(customer).await
    }
    async fn purge_expired_sessions(&self) -> Result<u64> {
        self.0.purge_expired_sessions().await
    }
}

#[tokio::test]
async fn a_store_that_resurrects_sessions_fails_the_suite() {
    let failure = conformance::run_session_store(Arc::new(Resurrecting::default())).await.unwrap_err();
    assert!(failure.check.contains("never brings back"), "{failure}");
}

/// Takes tokens without using them up: a reset link keeps working after the password changed.
#[derive(Debug, Default)]
struct ReusableTokens(MemoryStore);

#[async_trait]
impl CustomerStore for ReusableTokens {
    async fn create_customer(&self, customer: &Customer) -> Result<()> {
        self.0.create_customer(customer).await
    }
    async fn find_customer(&self, id: CustomerId) -> Result<Option<Customer>> {
        self.0.find_customer(id).await
    }
    async fn find_customer_by_username(&self, username: &str) -> Result<Option<Customer>> {
        self.0.find_customer_by_username(username).await
    }
    async fn find_customer_by_email(&self, email: &str) -> Result<Option<Customer>> {
        self.0.find_customer_by_email(email).await
    }
    async fn list_customers(&self, after: Option<CustomerId>, limit: u32) -> Result<Vec<Customer>> {
        self.0.list_customers(after, limit).await
    }
    async fn update_customer(&self, customer: &Customer) -> Result<()> {
        self.0.update_customer(customer).await
    }
    async fn set_password_hash(&self, id: CustomerId, hash: &PasswordHash, at: Timestamp) -> Result<()> {
        self.0.set_password_hash(id, hash, at).await
    }
    async fn record_failed_login(&self, id: CustomerId, at: Timestamp, policy: &LockoutPolicy) -> Result<FailedLogin> {
        self.0.record_failed_login(id, at, policy).await
    }
    async fn record_successful_login(&self, id: CustomerId, at: Timestamp) -> Result<()> {
        self.0.record_successful_login(id, at).await
    }
    async fn bump_security_stamp(&self, id: CustomerId) -> Result<u64> {
        self.0.bump_security_stamp(id).await
    }
    async fn count_client_failure(&self, key: &AttemptKey, window: Duration, now: Timestamp) -> Result<u32> {
        self.0.count_client_failure(key, window, now).await
    }
    async fn client_failures(&self, key: &AttemptKey, now: Timestamp) -> Result<u32> {
        self.0.client_failures(key, now).await
    }
    async fn clear_client_failures(&self, key: &AttemptKey) -> Result<()> {
        self.0.clear_client_failures(key).await
    }
    async fn delete_customer(&self, id: CustomerId) -> Result<()> {
        self.0.delete_customer(id).await
    }
    async fn confirm_email(&self, id: CustomerId, at: Timestamp) -> Result<()> {
        self.0.confirm_email(id, at).await
    }
    async fn create_token(&self, token: &TokenRecord) -> Result<()> {
        self.0.create_token(token).await
    }
    async fn take_token(&self, purpose: TokenPurpose, key: &TokenKey, now: Timestamp) -> Result<Option<CustomerId>> {
        let taken = self.0.take_token(purpose, key, now).await?;
        if let Some(customer_id) = taken {
            let expires_at = now.plus(Duration::from_secs(3600));
            self.0.create_token(&TokenRecord { key: *key, purpose, customer_id, expires_at }).await?;
        }
        Ok(taken)
    }
    async fn delete_customer_tokens(&self, customer: CustomerId, purpose: TokenPurpose) -> Result<u64> {
        self.0.delete_customer_tokens(customer, purpose).await
    }
}

#[tokio::test]
async fn a_store_whose_tokens_work_twice_fails_the_suite() {
    let failure = conformance::run_customer_store(Arc::new(ReusableTokens::default())).await.unwrap_err();
    assert!(failure.check.contains("take it once"), "{failure}");
}
