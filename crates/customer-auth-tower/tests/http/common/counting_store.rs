//! A session store wrapper that counts every call, can be told to fail like a store that is
//! down, and can hold a login's session write until the test lets it go.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_trait::async_trait;
use customer_auth_core::{CustomerId, Error, Result, SessionKey, SessionRecord, SessionStore};
use tokio::sync::oneshot;

/// A held login write: tells the test it arrived, then waits for the word to go on.
#[derive(Debug)]
struct Hold {
    arrived: oneshot::Sender<()>,
    go: oneshot::Receiver<()>,
}

/// The test's side of a held login write.
pub struct HeldLogin {
    pub arrived: oneshot::Receiver<()>,
    pub go: oneshot::Sender<()>,
}

#[derive(Debug)]
pub struct CountingStore {
    inner: Arc<dyn SessionStore>,
    pub loads: AtomicUsize,
    pub writes: AtomicUsize,
    pub down: AtomicBool,
    hold: std::sync::Mutex<Option<Hold>>,
}

impl CountingStore {
    pub fn new(inner: Arc<dyn SessionStore>) -> Self {
        Self {
            inner,
            loads: AtomicUsize::new(0),
            writes: AtomicUsize::new(0),
            down: AtomicBool::new(false),
            hold: std::sync::Mutex::new(None),
        }
    }

    /// Holds the next login's session write (a new session with a principal): the login has
    /// read the customer and checked the password, and waits here until `go`.
    pub fn hold_next_login(&self) -> HeldLogin {
        let (arrived_tx, arrived) = oneshot::channel();
        let (go, go_rx) = oneshot::channel();
        *self.hold.lock().unwrap() = Some(Hold { arrived: arrived_tx, go: go_rx });
        HeldLogin { arrived, go }
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
        let hold = if record.principal.is_some() { self.hold.lock().unwrap().take() } else { None };
        if let Some(hold) = hold {
            let _ = hold.arrived.send(());
            let _ = hold.go.await;
        }
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
