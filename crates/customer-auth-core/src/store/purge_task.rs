use std::future::Future;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use crate::Result;

/// Purges a store's expired sessions in the background, for stores whose backend does not
/// expire them by itself (SQL tables do not; Redis keys do).
///
/// The task holds only what `purge` captures (a connection pool, say), never the store, so it
/// cannot keep the store alive; the store holds this guard, and dropping it stops the task.
#[derive(Debug)]
pub struct PurgeTask {
    handle: JoinHandle<()>,
}

impl PurgeTask {
    /// Calls `purge` every `interval` (which must not be zero), beginning one interval from now.
    /// `purge` returns how many sessions it deleted; a failure is logged and the next tick tries
    /// again, since the database may be back by then. Needs a Tokio runtime.
    pub fn spawn<F, Fut>(interval: Duration, mut purge: F) -> Self
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = Result<u64>> + Send + 'static,
    {
        let handle = tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(Instant::now() + interval, interval);
            // After a stall, one purge catches up with everything; a burst of them would not.
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                match purge().await {
                    Ok(0) => {}
                    Ok(purged) => tracing::debug!(purged, "purged expired sessions"),
                    Err(err) => tracing::warn!(error = %err, "purging expired sessions failed"),
                }
            }
        });
        Self { handle }
    }
}

impl Drop for PurgeTask {
    fn drop(&mut self) {
        self.handle.abort();
    }
}
