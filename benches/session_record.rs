//! Encoding and decoding a session record, the work every store does on every load and save:
//! an anonymous record holding only a CSRF token, and a logged-in one. Prints each encoded size,
//! and the logged-in one's as the SQL stores keep it (without the customer id).

// A benchmark that cannot set itself up should stop at once, loudly.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_auth::{CustomerId, CustomerStatus, Principal, SessionId, SessionRecord, Timestamp};

/// A record as the web layer starts one, with a CSRF token stored as JSON text (a
/// 43-character base64url token in quotes) under the key the web layer uses.
fn anonymous_with_csrf() -> SessionRecord {
    let mut record = SessionRecord::new(Timestamp::now(), Duration::from_secs(1800), Duration::from_secs(7 * 86400));
    let csrf = format!("\"{}\"", SessionId::generate().unwrap().to_cookie_value());
    record.data.insert("_csrf".into(), csrf);
    record
}

/// A logged-in record: principal, CSRF token and the URL to return to after login.
fn logged_in() -> SessionRecord {
    let mut record = anonymous_with_csrf();
    record.principal = Some(Principal {
        customer_id: CustomerId::new(),
        username: "customer_0001".into(),
        roles: vec!["admin".into()],
        status: CustomerStatus::Active,
    });
    record.data.insert("_target".into(), "\"/account/orders?page=2\"".into());
    record
}

fn bench(c: &mut Criterion) {
    let records = [("anonymous_csrf", anonymous_with_csrf()), ("logged_in", logged_in())];
    let encoded = records.clone().map(|(name, record)| {
        let bytes = record.encode().unwrap();
        assert_eq!(SessionRecord::decode(&bytes).unwrap(), record);
        (name, bytes)
    });
    // What a SQL store keeps: the customer id has a column of its own.
    let detached = records[1].1.encode_detached().unwrap();
    println!(
        "session record bytes: anonymous+csrf = {}, logged-in = {}, logged-in detached = {}",
        encoded[0].1.len(),
        encoded[1].1.len(),
        detached.len()
    );

    let mut group = c.benchmark_group("session_record");
    for ((name, record), (_, bytes)) in records.iter().zip(&encoded) {
        group.bench_function(format!("encode/{name}"), |b| b.iter(|| black_box(record).encode().unwrap()));
        group.bench_function(format!("decode/{name}"), |b| b.iter(|| SessionRecord::decode(black_box(bytes)).unwrap()));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
