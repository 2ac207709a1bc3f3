//! The conformance suite is not a rubber stamp: a store that breaks a promise fails it, and the
//! failure names the promise.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use async_trait::async_trait;
use customer_auth_core::{
    CustomerId, Error, MemoryStore, Result, SessionKey, SessionRecord, SessionStore, conformance,
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
    async fn purge_expired_sessions(&self) -> Result<u64> {
        self.0.purge_expired_sessions().await
    }
}

#[tokio::test]
async fn a_store_that_resurrects_sessions_fails_the_suite() {
    let failure = conformance::run_session_store(Arc::new(Resurrecting::default())).await.unwrap_err();
    assert!(failure.check.contains("never brings back"), "{failure}");
}
