//! Failed logins per client and account: one small hash per key (`failures`, `ends`), which
//! Redis drops by itself once its window is over.

use std::time::Duration;

use customer_auth_core::{AttemptKey, Error, Result, Timestamp};

use crate::RedisStore;
use crate::call::Call;

impl RedisStore {
    pub(crate) async fn count_failure(&self, key: &AttemptKey, window: Duration, now: Timestamp) -> Result<u32> {
        let ends = now.plus(window).as_unix();
        // At least a second: EXPIRE 0 would delete the counter at once.
        let ttl = window.as_secs().max(1);
        let call = Call::new(&self.scripts().count_failure)
            .key(self.keys().login_failures(key))
            .arg(now.as_unix())
            .arg(ends)
            .arg(ttl);
        let failures: i64 = self.eval(&call).await?;
        u32::try_from(failures).map_err(|_| Error::Corrupt(format!("a failure count of {failures} is out of range")))
    }

    pub(crate) async fn failures(&self, key: &AttemptKey, now: Timestamp) -> Result<u32> {
        let call = Call::new(&self.scripts().failures).key(self.keys().login_failures(key)).arg(now.as_unix());
        let failures: i64 = self.eval(&call).await?;
        u32::try_from(failures).map_err(|_| Error::Corrupt(format!("a failure count of {failures} is out of range")))
    }

    pub(crate) async fn clear_failures(&self, key: &AttemptKey) -> Result<()> {
        let counter = self.keys().login_failures(key);
        let _: i64 =
            self.run(|mut conn| async move { redis::cmd("DEL").arg(counter).query_async(&mut conn).await }).await?;
        Ok(())
    }
}
