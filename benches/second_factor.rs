//! What checking a TOTP code costs: the customer's sealed secret read from the store and opened
//! (XChaCha20-Poly1305), the code compared with three steps' HMAC-SHA1, the outcome counted. A
//! wrong code takes the whole path (every step compared), on the memory store (the work itself)
//! and on an SQLite file (with its reads and writes).

// A benchmark that cannot set itself up should stop at once, loudly.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_auth::{
    Auth, FactorKey, LockoutPolicy, MemoryStore, Password, PasswordHasher, Registration, SqliteStore, Timestamp,
    totp_code,
};

const PASSWORD: &str = "correct horse battery";

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
    let memory = Arc::new(MemoryStore::new());
    let file = Arc::new(runtime.block_on(SqliteStore::connect(&sqlite)).unwrap());
    let stores: [(&str, Auth); 2] = [
        ("memory", Auth::new(memory.clone()).with_sessions(memory.clone()).with_second_factors(memory, key())),
        ("sqlite", Auth::new(file.clone()).with_sessions(file.clone()).with_second_factors(file, key())),
    ];
    for (name, auth) in stores {
        // A threshold of 0 never locks, so every try takes the same path.
        let auth = auth
            .with_hasher(PasswordHasher::new(4).unwrap())
            .with_lockout(LockoutPolicy { threshold: 0, ..LockoutPolicy::default() });
        let customer = runtime.block_on(async {
            let customer = auth
                .register(Registration {
                    first_name: "Ada".into(),
                    last_name: "Lovelace".into(),
                    email: "ada@example.com".into(),
                    username: "ada".into(),
                    password: Password::new(PASSWORD),
                    confirm_password: Password::new(PASSWORD),
                })
                .await
                .unwrap();
            let enrolment = auth.start_totp(&customer, "Bench").await.unwrap();
            let code = totp_code(&enrolment.secret_base32, Timestamp::now()).unwrap();
            auth.confirm_totp(&customer, &enrolment.sealed, &code, None).await.unwrap();
            customer
        });
        c.bench_function(&format!("totp_check_{name}"), |b| {
            b.to_async(&runtime).iter(|| async { auth.confirm_identity(&customer, "000000").await.is_err() });
        });
    }
}

fn key() -> FactorKey {
    FactorKey::generate().unwrap()
}

criterion_group!(benches, bench);
criterion_main!(benches);
