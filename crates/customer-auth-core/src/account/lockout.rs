use std::time::Duration;

use crate::Timestamp;

/// How failed logins lock an account for every client it has not logged in from before: after
/// `threshold` failures in a row the account is locked for `base`, doubling with each further
/// failure up to `max`. A successful login resets the count. Stores apply it in the same atomic
/// step that counts the failure, so concurrent guesses cannot slip past the threshold.
///
/// This is the budget of all clients together; each client also has its own, smaller one
/// ([`ClientBudget`]). A lock here never keeps the owner out: a browser the account has logged
/// in from before keeps its own budget, and an unlock link by email lifts the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures in a row before the first lock.
    pub threshold: u32,
    /// The first lock's length.
    pub base: Duration,
    /// The longest lock.
    pub max: Duration,
}

impl Default for LockoutPolicy {
    /// 100 failures lock for an hour, and every failure after that for another hour: at most
    /// 100 guesses an hour from all clients together.
    fn default() -> Self {
        Self { threshold: 100, base: Duration::from_secs(3600), max: Duration::from_secs(3600) }
    }
}

/// How many failed logins one client (an address, or a browser the account logged in from
/// before) may make against one account in a window. Past it, that client is refused
/// ([`Error::TemporarilyLocked`](crate::Error::TemporarilyLocked)) until the window ends; other
/// clients are not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientBudget {
    /// Failures allowed in one window.
    pub failures: u32,
    /// How long a window lasts, from its first failure.
    pub window: Duration,
}

impl Default for ClientBudget {
    /// 5 failures per 15 minutes, as django-allauth allows per account.
    fn default() -> Self {
        Self { failures: 5, window: Duration::from_secs(15 * 60) }
    }
}

impl LockoutPolicy {
    /// The lock in force after `failed_logins` failures in a row, if any.
    pub fn lock_duration(&self, failed_logins: u32) -> Option<Duration> {
        if self.threshold == 0 || failed_logins < self.threshold {
            return None;
        }
        // Past 2^20 times the base the cap has long been reached; stop doubling early so the
        // multiplication cannot overflow.
        let doublings = (failed_logins - self.threshold).min(20);
        Some(self.base.saturating_mul(1 << doublings).min(self.max))
    }

    /// When an account with `failed_logins` failures, the last at `now`, unlocks.
    pub fn locked_until(&self, failed_logins: u32, now: Timestamp) -> Option<Timestamp> {
        self.lock_duration(failed_logins).map(|lock| now.plus(lock))
    }
}

/// What a store reports after counting a failed login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailedLogin {
    /// Failures in a row, this one included.
    pub failed_logins: u32,
    /// The account is locked until then, if the policy says so.
    pub locked_until: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_allows_100_guesses_an_hour() {
        let policy = LockoutPolicy::default();
        assert_eq!(policy.lock_duration(99), None);
        assert_eq!(policy.lock_duration(100), Some(Duration::from_secs(3600)));
        assert_eq!(policy.lock_duration(101), Some(Duration::from_secs(3600)));
    }

    #[test]
    fn locks_grow_from_the_threshold_and_stop_at_the_cap() {
        let policy = LockoutPolicy { threshold: 5, base: Duration::from_secs(60), max: Duration::from_secs(3600) };
        assert_eq!(policy.lock_duration(4), None);
        assert_eq!(policy.lock_duration(5), Some(Duration::from_secs(60)));
        assert_eq!(policy.lock_duration(6), Some(Duration::from_secs(120)));
        assert_eq!(policy.lock_duration(10), Some(Duration::from_secs(1920)));
        assert_eq!(policy.lock_duration(11), Some(Duration::from_secs(3600)));
        assert_eq!(policy.lock_duration(u32::MAX), Some(Duration::from_secs(3600)));
    }

    #[test]
    fn a_zero_threshold_never_locks() {
        let policy = LockoutPolicy { threshold: 0, ..LockoutPolicy::default() };
        assert_eq!(policy.lock_duration(100), None);
    }
}
