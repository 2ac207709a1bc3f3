//! What a login costs at the default bcrypt cost 12, and that a login with an unknown username
//! costs the same as one with a wrong password: `Auth::authenticate` on both failure paths, the
//! raw `verify` and `verify_dummy` beneath them, and `hash` at costs 4 and 12 for reference.
//! Then what one hashing thread does with several hashes at once, against the `bcrypt` crate
//! computing the same number one after another on one thread.

// A benchmark that cannot set itself up should stop at once, loudly.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use customer_auth::{
    Auth, DEFAULT_COST, Error, LockoutPolicy, MIN_COST, MemoryStore, Password, PasswordHasher, Registration,
};

const USERNAME: &str = "customer_0001";
const PASSWORD: &str = "correct horse battery";
const WRONG_PASSWORD: &str = "incorrect horse battery";

/// A cost-12 verify takes a few hundred milliseconds: ten flat samples over this long give a
/// stable mean without keeping the machine busy for minutes.
const MEASUREMENT_TIME: Duration = Duration::from_secs(10);

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let hasher = PasswordHasher::default();
    assert_eq!(hasher.policy().bcrypt_cost(), Some(DEFAULT_COST));
    // A threshold of 0 never locks, so every wrong-password login below takes the plain
    // wrong-password path (a locked account verifies too, but that is not what is measured).
    let auth = Auth::new(Arc::new(MemoryStore::new()))
        .with_hasher(hasher.clone())
        .with_lockout(LockoutPolicy { threshold: 0, ..LockoutPolicy::default() });
    let customer = runtime
        .block_on(auth.register(Registration {
            first_name: "Bench".into(),
            last_name: "Customer".into(),
            email: "customer_0001@example.com".into(),
            username: USERNAME.into(),
            password: Password::new(PASSWORD),
            confirm_password: Password::new(PASSWORD),
        }))
        .unwrap();
    assert_eq!(customer.password_hash.bcrypt_cost(), Some(DEFAULT_COST));
    let password = Password::new(PASSWORD);
    let wrong = Password::new(WRONG_PASSWORD);

    // Both failure paths must fail the same way before their timings are worth comparing, and
    // the right password must still work after failures (nothing locked).
    runtime.block_on(async {
        let unknown = auth.authenticate("no_such_customer", &password).await;
        assert!(matches!(unknown, Err(Error::InvalidCredentials)), "{unknown:?}");
        let wrong_password = auth.authenticate(USERNAME, &wrong).await;
        assert!(matches!(wrong_password, Err(Error::InvalidCredentials)), "{wrong_password:?}");
        auth.authenticate(USERNAME, &password).await.unwrap();
    });

    let mut group = c.benchmark_group("login_failure_cost12");
    group.sample_size(10).sampling_mode(SamplingMode::Flat).measurement_time(MEASUREMENT_TIME);
    group.bench_function("unknown_username", |b| {
        b.to_async(&runtime).iter(|| auth.authenticate("no_such_customer", &password));
    });
    group.bench_function("wrong_password", |b| {
        b.to_async(&runtime).iter(|| auth.authenticate(USERNAME, &wrong));
    });
    group.finish();

    let mut group = c.benchmark_group("verify_cost12");
    group.sample_size(10).sampling_mode(SamplingMode::Flat).measurement_time(MEASUREMENT_TIME);
    group.bench_function("verify", |b| {
        b.to_async(&runtime).iter(|| hasher.verify(&wrong, &customer.password_hash));
    });
    group.bench_function("verify_dummy", |b| {
        b.to_async(&runtime).iter(|| hasher.verify_dummy(&wrong));
    });
    group.finish();

    let mut group = c.benchmark_group("hash");
    group.sample_size(10).sampling_mode(SamplingMode::Flat).measurement_time(MEASUREMENT_TIME);
    for cost in [MIN_COST, DEFAULT_COST] {
        let hasher = PasswordHasher::new(cost).unwrap();
        group.bench_with_input(BenchmarkId::new("cost", cost), &hasher, |b, hasher| {
            b.to_async(&runtime).iter(|| hasher.hash(&password));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("four_hashes_cost8_one_thread");
    group.sample_size(10).sampling_mode(SamplingMode::Flat).measurement_time(MEASUREMENT_TIME);
    let one_thread = PasswordHasher::new(8).unwrap().with_threads(1);
    group.bench_function("ours_at_once", |b| {
        b.to_async(&runtime).iter(|| async {
            let hashes = futures_util::future::join_all((0..4).map(|_| one_thread.hash(&password))).await;
            assert!(hashes.iter().all(Result::is_ok));
        });
    });
    group.bench_function("bcrypt_crate_in_turn", |b| {
        b.iter(|| {
            for _ in 0..4 {
                bcrypt::hash(PASSWORD, 8).unwrap();
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
