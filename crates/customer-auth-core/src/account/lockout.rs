use std::time::Duration;

use crate::Timestamp;

/// How failed logins lock an account: after `threshold` failures in a row the account is
/// locked for `base`, doubling with each further failure up to `max`. A successful login
/// resets the count. Stores apply it in the same atomic step that counts the failure, so
/// concurrent guesses cannot slip past the threshold.
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
    /// 5 failures lock for 1 minute, doubling up to 1 hour.
    fn default() -> Self {
        Self { threshold: 5, base: Duration::from_secs(60), max: Duration::from_secs(3600) }
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
    fn locks_grow_from_the_threshold_and_stop_at_the_cap() {
        let policy = LockoutPolicy::default();
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
