//! Crash consistency on SQLite: the camerastore binary is killed with SIGKILL while browsers
//! register, and started again on the same file, round after round. Every registration the shop
//! acknowledged (303) must survive and log in; one cut off mid-flight may be missing, but if it
//! is there it must be whole; and `PRAGMA integrity_check` must say `ok` after every crash.
//!
//! `CRASH_ROUNDS` (3 by default) sets the number of crashes, `CRASH_SEED` replays the moments
//! they happened at; `reliability/crash.sh` runs the long version.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod check;
mod load;
mod server;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use load::{Attempt, Load, PASSWORD, browser, csrf_token};
use reqwest::StatusCode;
use server::Server;

/// Browsers registering at once: enough to keep the single writer's queue full.
const WORKERS: usize = 8;
/// The longest a crash waits after the first acknowledged registration of its round.
const MAX_KILL_DELAY_MS: u64 = 1000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_registrations_survive_kill_9_and_the_file_stays_sound() {
    let rounds: usize = env_or("CRASH_ROUNDS", 3);
    let seed: u64 = env_or("CRASH_SEED", clock_seed());
    println!("crash consistency: {rounds} rounds, CRASH_SEED={seed}");
    let mut rng = XorShift(seed.max(1));
    let dir = tempfile::tempdir().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let (database, outbox) = (dir.path().join("camerastore.db"), dir.path().join("outbox"));
    let started = Instant::now();

    let (mut acknowledged, mut in_flight) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let server = Server::start(&database, &outbox);
        let load = Load::start(&server.base, &format!("r{round}"), WORKERS);
        let deadline = Instant::now() + Duration::from_secs(60);
        while load.acknowledged() == 0 {
            assert!(Instant::now() < deadline, "round {round}: no registration was acknowledged\n{}", server.log());
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.below(MAX_KILL_DELAY_MS))).await;
        server.kill();
        let outcomes = load.stop().await;
        assert!(
            outcomes.unexpected.is_empty(),
            "round {round}: valid registrations refused: {:?}",
            outcomes.unexpected
        );
        let integrity = check::integrity_check(&server::snapshot(&database, scratch.path())).await;
        assert_eq!(integrity, ["ok"], "round {round}: the file the crash left is damaged");
        println!(
            "round {round}: {} acknowledged, {} in flight at the kill, integrity_check ok",
            outcomes.acknowledged.len(),
            outcomes.in_flight.len()
        );
        acknowledged.extend(outcomes.acknowledged);
        in_flight.extend(outcomes.in_flight);
    }

    // What the last crash left, as the next start finds it.
    let server = Server::start(&database, &outbox);
    let customers = check::customers_and_orders(&database).await;
    let missing: Vec<&String> = acknowledged.iter().filter(|name| !customers.contains_key(*name)).collect();
    assert!(missing.is_empty(), "{} acknowledged registrations are gone: {missing:?}", missing.len());
    let present: Vec<String> = in_flight.iter().filter(|name| customers.contains_key(*name)).cloned().collect();
    // A transaction is all or nothing: a customer has every demo order or none.
    let partial: Vec<_> = customers.iter().filter(|(_, orders)| !matches!(**orders, 0 | 3)).collect();
    assert!(partial.is_empty(), "half-written demo orders: {partial:?}");
    let known: HashSet<&String> = acknowledged.iter().chain(&in_flight).collect();
    let strangers: Vec<&String> = customers.keys().filter(|name| !known.contains(name)).collect();
    assert!(strangers.is_empty(), "accounts nobody registered: {strangers:?}");

    // Present means whole: the stored hash checks out against the password.
    let must_log_in: Vec<String> = acknowledged.iter().chain(&present).cloned().collect();
    let refused = log_in_all(&server, &must_log_in).await;
    assert!(refused.is_empty(), "present accounts that cannot log in: {refused:?}\n{}", server.log());
    let registered = load::register(&server.base, "after-the-crashes").await;
    assert!(matches!(registered, Attempt::Answered(StatusCode::SEE_OTHER)), "{registered:?}\n{}", server.log());
    server.kill();
    let integrity = check::integrity_check(&database).await;
    assert_eq!(integrity, ["ok"], "the database after the last start is damaged");

    let without_orders = acknowledged.iter().filter(|name| customers.get(*name) == Some(&0)).count();
    println!(
        "crash consistency: rounds={rounds} acknowledged={} acknowledged_missing={} in_flight={} \
         in_flight_present={} acknowledged_without_demo_orders={without_orders} integrity_check=ok \
         duration={:.1}s seed={seed}",
        acknowledged.len(),
        missing.len(),
        in_flight.len(),
        present.len(),
        started.elapsed().as_secs_f64()
    );
}

/// Logs each of `usernames` in, several at once; returns those refused, with the status.
async fn log_in_all(server: &Server, usernames: &[String]) -> Vec<(String, StatusCode)> {
    let chunks: Vec<Vec<String>> =
        usernames.chunks(usernames.len().div_ceil(WORKERS).max(1)).map(<[_]>::to_vec).collect();
    let mut tasks = Vec::new();
    for chunk in chunks {
        let base = server.base.clone();
        tasks.push(tokio::spawn(async move {
            let mut refused = Vec::new();
            for username in chunk {
                let status = log_in(&base, &username).await;
                if status != StatusCode::SEE_OTHER {
                    refused.push((username, status));
                }
            }
            refused
        }));
    }
    let mut refused = Vec::new();
    for task in tasks {
        refused.extend(task.await.unwrap());
    }
    refused
}

async fn log_in(base: &str, username: &str) -> StatusCode {
    let client = browser();
    let page = client.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_token(&page).expect("the login page has a CSRF token");
    let form = [("csrf_token", csrf.as_str()), ("username", username), ("password", PASSWORD)];
    client.post(format!("{base}/signin")).form(&form).send().await.unwrap().status()
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(value) => value.parse().unwrap_or_else(|_| panic!("{name}={value:?} is not a number")),
        Err(_) => default,
    }
}

fn clock_seed() -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    (nanos as u64) ^ u64::from(std::process::id())
}

/// xorshift64: the kill moments need to be replayable, not unpredictable.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}
