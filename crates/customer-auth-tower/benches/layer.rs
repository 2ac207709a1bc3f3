//! The session layer's per-request cost: a bare service, the layer with no cookie, and a
//! logged-in request through the login guard with `MemoryStore`.

// A benchmark that cannot set itself up should stop at once, loudly.
#![allow(clippy::unwrap_used)]

use std::convert::Infallible;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_auth_core::{
    CustomerId, CustomerStatus, MemoryStore, Principal, SessionId, SessionRecord, SessionStore, Timestamp,
};
use customer_auth_tower::{RequireLogin, SessionLayer, session};
use http::{Request, Response, header};
use tower::{Service, ServiceBuilder, ServiceExt, service_fn};

async fn handler<B>(_: Request<B>) -> Result<Response<String>, Infallible> {
    Ok(Response::new(String::from("ok")))
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let store = Arc::new(MemoryStore::new());
    let id = SessionId::generate().unwrap();
    let mut record =
        SessionRecord::new(Timestamp::now(), session::DEFAULT_IDLE_TIMEOUT, session::DEFAULT_ABSOLUTE_TIMEOUT);
    record.principal = Some(Principal {
        customer_id: CustomerId::new(),
        username: "bench".into(),
        roles: Vec::new(),
        status: CustomerStatus::Active,
    });
    runtime.block_on(store.create_session(&id.key(), &record)).unwrap();
    let cookie = format!("session={}", id.to_cookie_value());

    let bare = service_fn(handler::<String>);
    let layered = ServiceBuilder::new()
        .layer(SessionLayer::new(store.clone()).with_secure(false))
        .service(service_fn(handler::<String>));
    let protected = ServiceBuilder::new()
        .layer(SessionLayer::new(store).with_secure(false))
        .layer(RequireLogin::new())
        .service(service_fn(handler::<String>));

    let mut group = c.benchmark_group("per_request");
    group.bench_function("bare_service", |b| {
        b.to_async(&runtime).iter(|| {
            let mut service = bare;
            async move { service.ready().await.unwrap().call(Request::new(String::new())).await.unwrap() }
        });
    });
    group.bench_function("session_layer_no_cookie", |b| {
        b.to_async(&runtime).iter(|| layered.clone().oneshot(Request::new(String::new())));
    });
    group.bench_function("logged_in_memory_store", |b| {
        b.to_async(&runtime).iter(|| {
            let request = Request::get("/account").header(header::COOKIE, &cookie).body(String::new()).unwrap();
            protected.clone().oneshot(request)
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
