//! A response built from the session is that visitor's alone (security finding: pages showing
//! the customer's name and a CSRF token went out cacheable): every response for which the
//! session was read says `Cache-Control: no-store` and `Vary: Cookie`, behind a guard or not;
//! one that never looked at the session is left as the handler made it.

// Tests state their expectations with unwrap and panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::response::IntoResponse;
use axum::routing::get;
use customer_auth_core::MemoryStore;
use customer_auth_tower::{Session, SessionLayer};
use http::{Request, StatusCode, header};
use tower::ServiceExt;

fn app() -> Router {
    let store = Arc::new(MemoryStore::new());
    Router::new()
        .route("/plain", get(|| async { ([(header::CACHE_CONTROL, "public, max-age=600")], "the same for everyone") }))
        .route(
            "/greeting",
            get(|session: Session| async move {
                // Reads the session and nothing else: no write, no cookie.
                let name = session.principal().await.unwrap().map_or_else(|| "visitor".to_owned(), |me| me.username);
                (
                    [(header::CACHE_CONTROL, "public, max-age=600"), (header::VARY, "Accept-Encoding")],
                    format!("hello {name}"),
                )
                    .into_response()
            }),
        )
        .route("/form", get(|session: Session| async move { session.csrf_token().await.unwrap() }))
        .layer(SessionLayer::new(store.clone()).with_customer_store(store).with_secure(false))
}

async fn get_page(path: &str) -> http::Response<Body> {
    app().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap()
}

fn header_values(response: &http::Response<Body>, name: header::HeaderName) -> Vec<String> {
    response.headers().get_all(name).iter().map(|value| value.to_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_page_that_read_the_session_is_kept_out_of_shared_caches() {
    let greeting = get_page("/greeting").await;
    assert_eq!(greeting.status(), StatusCode::OK);
    assert!(greeting.headers().get(header::SET_COOKIE).is_none(), "a read alone sets no cookie");
    assert_eq!(
        header_values(&greeting, header::CACHE_CONTROL),
        ["no-store"],
        "the handler's public caching is overridden"
    );
    assert_eq!(header_values(&greeting, header::VARY), ["Accept-Encoding", "Cookie"]);

    let form = get_page("/form").await;
    assert_eq!(header_values(&form, header::CACHE_CONTROL), ["no-store"]);
    assert_eq!(header_values(&form, header::VARY), ["Cookie"]);
}

#[tokio::test]
async fn a_page_that_never_looked_at_the_session_keeps_its_headers() {
    let plain = get_page("/plain").await;
    assert_eq!(header_values(&plain, header::CACHE_CONTROL), ["public, max-age=600"]);
    assert!(plain.headers().get(header::VARY).is_none());
}
