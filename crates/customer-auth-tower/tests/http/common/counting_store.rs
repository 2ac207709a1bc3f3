//! A session store wrapper that counts every call and can be told to fail like a store that
//! is down.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_trait::async_trait;
use customer_auth_core::{CustomerId, Error, Result, SessionKey, SessionRecord, SessionStore};

#[derive(Debug)]
pub struct CountingStore {
    inner: Arc<dyn SessionStore>,
    pub loads: AtomicUsize,
    pub writes: AtomicUsize,
    pub down: AtomicBool,
}

impl CountingStore {
    pub fn new(inner: Arc<dyn SessionStore>) -> Self {
        Self { inner, loads: AtomicUsize::new(0), writes: AtomicUsize::new(0), down: AtomicBool::new(false) }
    }

    pub fn calls(&self) -> usize {
        self.loads.load(Ordering::SeqCst) + self.writes.load(Ordering::SeqCst)
    }

    pub fn writes(&self) -> usize {
        self.writes.load(Ordering::SeqCst)
    }

    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    fn check(&self) -> Result<()> {
        if self.down.load(Ordering::SeqCst) {
            return Err(Error::unavailable("connection refused (simulated outage)"));
        }
        Ok(())
    }

    fn write(&self) -> Result<()> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.check()
    }
}

#[async_trait]
impl SessionStore for CountingStore {
    async fn create_session(&self, key: &SessionKey, record: &SessionRecord) -> Result<()> {
        self.write()?;
        self.inner.create_session(key, record).await
    }

    async fn load_session(&self, key: &SessionKey) -> Result<Option<SessionRecord>> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        self.check()?;
        self.inner.load_session(key).await
    }

    async fn save_session(&self, key: &SessionKey, record: &SessionRecord) -> Result<()> {
        self.write()?;
        self.inner.save_session(key, record).await
    }

    async fn delete_session(&self, key: &SessionKey) -> Result<()> {
        self.write()?;
        self.inner.delete_session(key).await
    }

    async fn delete_customer_sessions(&self, customer: CustomerId) -> Result<u64> {
        self.write()?;
        self.inner.delete_customer_sessions(customer).await
    }

    async fn list_customer_sessions(&self, customer: CustomerId) -> Result<Vec<(SessionKey, SessionRecord)>> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        self.check()?;
        self.inner.list_customer_sessions(customer).await
    }

    async fn purge_expired_sessions(&self) -> Result<u64> {
        self.write()?;
        self.inner.purge_expired_sessions().await
    }
}
