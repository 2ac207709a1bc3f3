//! Counting failures instead of requests: a client's budget is spent only by the answers that
//! refused it (a wrong password, a refused form), so customers who share an address (a
//! carrier-grade NAT, an office) are never throttled for logging in successfully.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::layer::{PRUNE_EVERY, bucket};

/// Failures per client in fixed windows that start at a client's first failure.
#[derive(Debug)]
pub(crate) struct FailureWindows {
    limit: u32,
    window: Duration,
    clients: Mutex<HashMap<IpAddr, (u32, Instant)>>,
    counted: AtomicU64,
}

impl FailureWindows {
    pub(crate) fn new(limit: u32, window: Duration) -> Self {
        Self { limit: limit.max(1), window, clients: Mutex::new(HashMap::new()), counted: AtomicU64::new(0) }
    }

    /// The same limits, with no client counted yet.
    pub(crate) fn fresh(&self) -> Self {
        Self::new(self.limit, self.window)
    }

    fn clients(&self) -> MutexGuard<'_, HashMap<IpAddr, (u32, Instant)>> {
        // Nothing panics while holding the lock, so a poisoned map is still consistent.
        self.clients.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How long `client` must wait, when its failures in the current window reached the limit.
    pub(crate) fn blocked(&self, client: IpAddr) -> Option<Duration> {
        let now = Instant::now();
        let (failures, started) = *self.clients().get(&bucket(client))?;
        let ends = started + self.window;
        (failures >= self.limit && now < ends).then(|| ends - now)
    }

    /// Counts one failure of `client`.
    pub(crate) fn count(&self, client: IpAddr) {
        let now = Instant::now();
        let mut clients = self.clients();
        // A stream of new addresses would grow the map for ever: windows that ended say
        // nothing a fresh entry would not, so they go every PRUNE_EVERY failures.
        if self.counted.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            let window = self.window;
            clients.retain(|_, (_, started)| now < *started + window);
        }
        let entry = clients.entry(bucket(client)).or_insert((0, now));
        if now >= entry.1 + self.window {
            *entry = (0, now);
        }
        entry.0 = entry.0.saturating_add(1);
    }

    pub(crate) fn forget_idle(&self) {
        let (now, window) = (Instant::now(), self.window);
        let mut clients = self.clients();
        clients.retain(|_, (_, started)| now < *started + window);
        clients.shrink_to_fit();
    }

    pub(crate) fn len(&self) -> usize {
        self.clients().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_blocked_at_its_limit_and_alone() {
        let windows = FailureWindows::new(3, Duration::from_secs(60));
        let (client, other) = ("203.0.113.7".parse().unwrap(), "198.51.100.1".parse().unwrap());
        for _ in 0..2 {
            windows.count(client);
            assert_eq!(windows.blocked(client), None);
        }
        windows.count(client);
        let wait = windows.blocked(client).unwrap();
        assert!(wait > Duration::from_secs(58) && wait <= Duration::from_secs(60), "{wait:?}");
        assert_eq!(windows.blocked(other), None);
        // An IPv6 client is its /64.
        windows.count("2001:db8::1".parse().unwrap());
        windows.count("2001:db8::2".parse().unwrap());
        windows.count("2001:db8::3".parse().unwrap());
        assert!(windows.blocked("2001:db8::ffff".parse().unwrap()).is_some());
    }

    #[test]
    fn a_window_that_ended_starts_again() {
        let windows = FailureWindows::new(1, Duration::ZERO);
        let client = "203.0.113.7".parse().unwrap();
        windows.count(client);
        assert_eq!(windows.blocked(client), None, "a zero-length window never blocks");
        windows.forget_idle();
        assert_eq!(windows.len(), 0);
    }
}
