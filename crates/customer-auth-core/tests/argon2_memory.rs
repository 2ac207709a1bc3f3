//! The cap on argon2 hashes in flight holds the process's memory: eight concurrent logins under
//! OWASP's argon2id (19 MiB each) on eight hashing threads, with room for two at once, raise
//! the peak resident memory by two hashes' worth, not eight. Alone in its file, so the peak
//! is this test's own (nextest runs each test in a process of its own).
//!
//! It prints the peak and the time each login took (`cargo nextest run --test argon2_memory
//! --no-capture`), for the record; no assertion is made on time.

// Tests state their expectations with unwrap and panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Instant;

use customer_auth_core::{Auth, HashPolicy, MemoryStore, Password, PasswordHasher, Registration};

const PASSWORD: &str = "correct horse battery";
const LOGINS: usize = 8;
const IN_FLIGHT: usize = 2;

/// A field of /proc/self/status in KiB (VmRSS now, VmHWM the peak so far).
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|line| line.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_concurrent_argon2id_logins_hold_no_more_than_the_cap() {
    let policy = HashPolicy::argon2id_owasp();
    let (memory_kib, _, _) = policy.argon2_params().unwrap();
    let hasher = PasswordHasher::default().with_threads(LOGINS).with_argon2_in_flight(IN_FLIGHT).with_policy(policy);
    let auth = Auth::new(Arc::new(MemoryStore::new())).with_hasher(hasher);
    auth.register(Registration {
        first_name: "Grace".into(),
        last_name: "Hopper".into(),
        email: "grace@example.com".into(),
        username: "grace".into(),
        password: Password::new(PASSWORD),
        confirm_password: Password::new(PASSWORD),
    })
    .await
    .unwrap();
    // One login alone first: it warms what a first login sets up, and gives the time of one.
    let started = Instant::now();
    auth.authenticate("grace", &Password::new(PASSWORD)).await.unwrap();
    let alone = started.elapsed();

    let before = status_kib("VmRSS:");
    let started = Instant::now();
    let mut logins = tokio::task::JoinSet::new();
    for _ in 0..LOGINS {
        let auth = auth.clone();
        logins.spawn(async move {
            let started = Instant::now();
            auth.authenticate("grace", &Password::new(PASSWORD)).await.unwrap();
            started.elapsed()
        });
    }
    let times = logins.join_all().await;
    let all = started.elapsed();
    let peak = status_kib("VmHWM:");

    let grown = peak.saturating_sub(before);
    eprintln!(
        "argon2id m={memory_kib} KiB: one login {alone:?}; {LOGINS} at once on {LOGINS} threads, {IN_FLIGHT} in flight: \
         all done in {all:?}, slowest {:?}; resident {before} KiB before, peak {peak} KiB (+{grown} KiB)",
        times.iter().max().unwrap()
    );
    // The first login left one buffer for reuse, so the others need at most the rest of the
    // cap; the margin is for the allocator and the runtime, far below the six hashes' worth
    // (114 MiB) that running all eight at once would add.
    let allowed = IN_FLIGHT as u64 * u64::from(memory_kib) + 24 * 1024;
    assert!(grown <= allowed, "peak memory grew by {grown} KiB with {IN_FLIGHT} hashes in flight; allowed {allowed}");
}
