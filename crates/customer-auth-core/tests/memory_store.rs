//! The in-memory store keeps every promise of the store traits.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use customer_auth_core::{MemoryStore, SessionId, SessionRecord, SessionStore, Timestamp, conformance};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store_passes_the_conformance_suite() {
    let store = Arc::new(MemoryStore::new());
    conformance::run_all(store.clone(), store.clone()).await.unwrap();
    conformance::run_second_factor_store(store.clone(), store.clone()).await.unwrap();
    conformance::run_passkey_store(store.clone(), store).await.unwrap();
}

#[tokio::test]
async fn expired_sessions_are_swept_without_anyone_loading_them() {
    let store = MemoryStore::new();
    let mut expired = SessionRecord::new(Timestamp::now(), Duration::from_secs(60), Duration::from_secs(600));
    expired.idle_expires_at = Timestamp::now().minus(Duration::from_secs(1));
    for _ in 0..10 {
        store.create_session(&SessionId::generate().unwrap().key(), &expired).await.unwrap();
    }
    // Creating sessions sweeps at most once a minute; the first create swept an empty store,
    // so the ten expired records are all still held until the next purge.
    assert!(format!("{store:?}").contains("sessions: 10"), "{store:?}");
    assert_eq!(store.purge_expired_sessions().await.unwrap(), 10);
    assert!(format!("{store:?}").contains("sessions: 0"), "{store:?}");
}
