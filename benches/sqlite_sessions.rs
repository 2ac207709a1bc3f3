//! The SQLite store's per-request costs on a file database (WAL mode, as an app runs it):
//! creating, loading and saving a logged-in session, and finding a customer by username.

// A benchmark that cannot set itself up should stop at once, loudly.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use customer_auth::{
    Auth, CustomerStore, MIN_COST, Password, PasswordHasher, Principal, Registration, SessionId, SessionRecord,
    SessionStore, SqliteStore, Timestamp,
};

const USERNAME: &str = "customer_0001";

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sessions.db");
    let store = runtime.block_on(SqliteStore::connect(&format!("sqlite://{}", path.display()))).unwrap();

    // Registered through `Auth` so the row is exactly what an app writes; cost 4 because the
    // hash is not what is measured here.
    let auth = Auth::new(Arc::new(store.clone())).with_hasher(PasswordHasher::new(MIN_COST).unwrap());
    let customer = runtime
        .block_on(auth.register(Registration {
            first_name: "Bench".into(),
            last_name: "Customer".into(),
            email: "customer_0001@example.com".into(),
            username: USERNAME.into(),
            password: Password::new("correct horse battery"),
            confirm_password: Password::new("correct horse battery"),
        }))
        .unwrap();

    // A logged-in session as the web layer stores it: the principal and a CSRF token, kept as
    // JSON text (a 43-character base64url token in quotes).
    let mut record = SessionRecord::new(Timestamp::now(), Duration::from_secs(1800), Duration::from_secs(7 * 86400));
    record.principal = Some(Principal::of(&customer));
    let csrf = format!("\"{}\"", SessionId::generate().unwrap().to_cookie_value());
    record.data.insert("_csrf".into(), csrf);
    let existing = SessionId::generate().unwrap().key();
    runtime.block_on(store.create_session(&existing, &record)).unwrap();
    assert_eq!(runtime.block_on(store.load_session(&existing)).unwrap().as_ref(), Some(&record));

    let mut group = c.benchmark_group("sqlite_file");
    group.bench_function("create_session", |b| {
        b.to_async(&runtime).iter_batched(
            || SessionId::generate().unwrap().key(),
            |key| {
                let (store, record) = (&store, &record);
                async move { store.create_session(&key, record).await.unwrap() }
            },
            BatchSize::SmallInput,
        );
    });
    group.bench_function("load_session", |b| {
        b.to_async(&runtime).iter(|| async { store.load_session(&existing).await.unwrap().unwrap() });
    });
    group.bench_function("save_session", |b| {
        b.to_async(&runtime).iter(|| async { store.save_session(&existing, &record).await.unwrap() });
    });
    group.bench_function("find_customer_by_username", |b| {
        b.to_async(&runtime).iter(|| async { store.find_customer_by_username(USERNAME).await.unwrap().unwrap() });
    });
    group.finish();

    runtime.block_on(store.close());
}

criterion_group!(benches, bench);
criterion_main!(benches);
