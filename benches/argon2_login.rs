//! What a failed login costs under OWASP's argon2id (m = 19456 KiB, t = 2, p = 1): an unknown
//! username (a verify against the policy's dummy hash) against a wrong password for a customer
//! whose hash is the policy's. The two must cost the same, within noise, or the timing tells
//! who has an account. Then the right password, and `hash` itself, for the login time.

// A benchmark that cannot set itself up should stop at once, loudly.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use customer_auth::{
    Auth, Error, HashFormat, HashPolicy, LockoutPolicy, MemoryStore, Password, PasswordHasher, Registration,
};

const USERNAME: &str = "customer_0001";
const PASSWORD: &str = "correct horse battery";
const WRONG_PASSWORD: &str = "incorrect horse battery";

/// An argon2id verify takes tens of milliseconds: a hundred flat samples over this long.
const MEASUREMENT_TIME: Duration = Duration::from_secs(10);

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let hasher = PasswordHasher::default().with_policy(HashPolicy::argon2id_owasp());
    // A threshold of 0 never locks, so every wrong-password login below takes the plain
    // wrong-password path.
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
    assert_eq!(customer.password_hash.format().unwrap(), HashFormat::Argon2id);
    assert!(!hasher.needs_rehash(&customer.password_hash));
    let password = Password::new(PASSWORD);
    let wrong = Password::new(WRONG_PASSWORD);

    runtime.block_on(async {
        let unknown = auth.authenticate("no_such_customer", &password).await;
        assert!(matches!(unknown, Err(Error::InvalidCredentials)), "{unknown:?}");
        let wrong_password = auth.authenticate(USERNAME, &wrong).await;
        assert!(matches!(wrong_password, Err(Error::InvalidCredentials)), "{wrong_password:?}");
        auth.authenticate(USERNAME, &password).await.unwrap();
    });

    let mut group = c.benchmark_group("login_argon2id_owasp");
    group.sample_size(100).sampling_mode(SamplingMode::Flat).measurement_time(MEASUREMENT_TIME);
    group.bench_function("unknown_username", |b| {
        b.to_async(&runtime).iter(|| auth.authenticate("no_such_customer", &password));
    });
    group.bench_function("wrong_password", |b| {
        b.to_async(&runtime).iter(|| auth.authenticate(USERNAME, &wrong));
    });
    group.bench_function("right_password", |b| {
        b.to_async(&runtime).iter(|| async { auth.authenticate(USERNAME, &password).await.unwrap() });
    });
    group.bench_function("hash", |b| {
        b.to_async(&runtime).iter(|| hasher.hash(&password));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
