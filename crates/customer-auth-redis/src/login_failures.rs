//! Failed logins per client and account: one small hash per key (`failures`, `ends`), which
//! Redis drops by itself once its window is over.

use std::sync::LazyLock;
use std::time::Duration;

use customer_auth_core::{AttemptKey, Error, Result, Timestamp};
use redis::Script;

use crate::RedisStore;

/// KEYS: the counter. ARGV: now, the end of a new window (unix seconds), its length (seconds).
/// A window that ended (by the caller's clock, as in the SQL stores) starts again at 1.
/// Returns the failures in the window, this one included. Times stay strings in the hash;
/// unix seconds are exact in Lua's doubles.
static COUNT_FAILURE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local ends = tonumber(redis.call('HGET', KEYS[1], 'ends'))
if ends == nil or ends <= tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'failures', 1, 'ends', ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  return 1
end
return redis.call('HINCRBY', KEYS[1], 'failures', 1)
",
    )
});

/// KEYS: the counter. ARGV: now. The failures in a window that has not ended, else 0.
static FAILURES: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local found = redis.call('HMGET', KEYS[1], 'failures', 'ends')
if found[1] == false or tonumber(found[2]) <= tonumber(ARGV[1]) then return 0 end
return tonumber(found[1])
",
    )
});

impl RedisStore {
    fn failures_key(&self, key: &AttemptKey) -> String {
        format!("{}login-failures:{}", self.keys().prefix(), key.to_hex())
    }

    pub(crate) async fn count_failure(&self, key: &AttemptKey, window: Duration, now: Timestamp) -> Result<u32> {
        let counter = self.failures_key(key);
        let ends = now.plus(window).as_unix();
        // At least a second: EXPIRE 0 would delete the counter at once.
        let ttl = window.as_secs().max(1);
        let failures: i64 = self
            .run(|mut conn| async move {
                COUNT_FAILURE.key(counter).arg(now.as_unix()).arg(ends).arg(ttl).invoke_async(&mut conn).await
            })
            .await?;
        u32::try_from(failures).map_err(|_| Error::Corrupt(format!("a failure count of {failures} is out of range")))
    }

    pub(crate) async fn failures(&self, key: &AttemptKey, now: Timestamp) -> Result<u32> {
        let counter = self.failures_key(key);
        let failures: i64 = self
            .run(|mut conn| async move { FAILURES.key(counter).arg(now.as_unix()).invoke_async(&mut conn).await })
            .await?;
        u32::try_from(failures).map_err(|_| Error::Corrupt(format!("a failure count of {failures} is out of range")))
    }

    pub(crate) async fn clear_failures(&self, key: &AttemptKey) -> Result<()> {
        let counter = self.failures_key(key);
        let _: i64 =
            self.run(|mut conn| async move { redis::cmd("DEL").arg(counter).query_async(&mut conn).await }).await?;
        Ok(())
    }
}
