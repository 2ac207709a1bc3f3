//! Failed-login counters per client and account: counted atomically within a window, read
//! back, forgotten on request, and fresh once the window ends.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use super::{Failure, Step, ensure};
use crate::{AttemptKey, CustomerStore, Timestamp, secret_bytes};

type Check = Result<(), Failure>;

/// How many failures race in the concurrency check.
const RACERS: u32 = 16;
const WINDOW: Duration = Duration::from_secs(900);

pub(super) async fn run(store: &Arc<dyn CustomerStore>) -> Check {
    failures_count_within_a_window(store).await?;
    a_window_that_ended_starts_again(store).await?;
    concurrent_failures_all_count(store).await
}

fn fresh_key() -> Result<AttemptKey, Failure> {
    let bytes = secret_bytes::generate()
        .map_err(|err| Failure { check: "attempt keys", detail: format!("no random key: {err}") })?;
    let mut key = [0u8; AttemptKey::LEN];
    key.copy_from_slice(&bytes[..AttemptKey::LEN]);
    Ok(AttemptKey::from_bytes(key))
}

async fn failures_count_within_a_window(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "client failures count within their window and clear";
    let (key, other) = (fresh_key()?, fresh_key()?);
    let now = Timestamp::now();
    let unknown = store.client_failures(&key, now).await.step(CHECK, "client_failures")?;
    ensure!(CHECK, unknown == 0, "a key never counted has {unknown} failures");
    for expected in 1..=3 {
        let counted = store.count_client_failure(&key, WINDOW, now).await.step(CHECK, "count_client_failure")?;
        ensure!(CHECK, counted == expected, "failure {expected} was counted as {counted}");
    }
    let read = store.client_failures(&key, now.plus(Duration::from_secs(60))).await.step(CHECK, "client_failures")?;
    ensure!(CHECK, read == 3, "3 failures read back as {read}");
    let untouched = store.client_failures(&other, now).await.step(CHECK, "client_failures")?;
    ensure!(CHECK, untouched == 0, "another key has {untouched} failures");
    store.clear_client_failures(&key).await.step(CHECK, "clear_client_failures")?;
    let cleared = store.client_failures(&key, now).await.step(CHECK, "client_failures")?;
    ensure!(CHECK, cleared == 0, "after clearing, {cleared} failures");
    store.clear_client_failures(&other).await.step(CHECK, "clear_client_failures of an unknown key")?;
    Ok(())
}

async fn a_window_that_ended_starts_again(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "a client's window that ended starts again at 1";
    let key = fresh_key()?;
    let start = Timestamp::now();
    for _ in 0..4 {
        store.count_client_failure(&key, Duration::from_secs(60), start).await.step(CHECK, "count_client_failure")?;
    }
    let later = start.plus(Duration::from_secs(61));
    let read = store.client_failures(&key, later).await.step(CHECK, "client_failures")?;
    ensure!(CHECK, read == 0, "61 s into a 60 s window, {read} failures remain");
    let counted = store.count_client_failure(&key, Duration::from_secs(60), later).await.step(CHECK, "count")?;
    ensure!(CHECK, counted == 1, "the first failure of a new window was counted as {counted}");
    let read = store.client_failures(&key, later.plus(Duration::from_secs(59))).await.step(CHECK, "client_failures")?;
    ensure!(CHECK, read == 1, "the new window holds {read} failures, not 1");
    store.clear_client_failures(&key).await.step(CHECK, "clear_client_failures")
}

async fn concurrent_failures_all_count(store: &Arc<dyn CustomerStore>) -> Check {
    const CHECK: &str = "concurrent client failures all count";
    let key = fresh_key()?;
    let now = Timestamp::now();
    let mut racers = JoinSet::new();
    for _ in 0..RACERS {
        let store = store.clone();
        racers.spawn(async move { store.count_client_failure(&key, WINDOW, now).await });
    }
    let mut answers = Vec::new();
    while let Some(joined) = racers.join_next().await {
        let answer = joined.map_err(|err| Failure { check: CHECK, detail: format!("a racer panicked: {err}") })?;
        answers.push(answer.step(CHECK, "count_client_failure")?);
    }
    answers.sort_unstable();
    ensure!(CHECK, answers == (1..=RACERS).collect::<Vec<_>>(), "{RACERS} racing failures answered {answers:?}");
    store.clear_client_failures(&key).await.step(CHECK, "clear_client_failures")
}
