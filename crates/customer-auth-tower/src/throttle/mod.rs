//! Per-client throttling of sensitive forms: [`ThrottleLayer`] counts the unsafe requests
//! (`POST`, `PUT`, `PATCH`, `DELETE`, ...) each client address sends to the routes it wraps,
//! and past the quota answers `429 Too Many Requests` with `Retry-After` (whole seconds) and
//! a short plain-text body, without calling the inner service. `GET` and `HEAD` are never
//! counted, so a throttled visitor can still load the form. Wrap the login, registration and
//! password-reset routes with it (in axum, `route_layer`).
//!
//! **Where the address comes from.** The socket's peer, read from the request's extensions
//! ([`peer_ip`]): axum's `ConnectInfo<SocketAddr>`, which axum only adds when the app is served
//! with `into_make_service_with_connect_info::<SocketAddr>()`; for other servers a plain
//! [`SocketAddr`](std::net::SocketAddr) or [`IpAddr`](std::net::IpAddr) extension. Behind
//! proxies you run, list them with
//! [`with_trusted_proxies`](ThrottleLayer::with_trusted_proxies): from those peers
//! `X-Forwarded-For` is read right to left and the first address that is not a trusted proxy
//! is the client ([`client_ip`]). From any other peer the header is ignored, so a client cannot
//! pick its own bucket. IPv6 clients are counted per /64, the block one subscriber gets.
//!
//! The resolved address goes into the request's extensions as [`ClientIp`] (also for `GET`),
//! for handlers and audit logging. A request with no address at all is throttled in one
//! bucket shared by all such requests (failing closed: a server that does not pass the peer
//! on must not switch throttling off) and logged at `debug`.
//!
//! **Memory.** One small entry per client seen recently; entries whose budget is full again
//! are dropped every [`PRUNE_EVERY`] requests, or by
//! [`forget_idle_clients`](ThrottleLayer::forget_idle_clients).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::net::SocketAddr;
//! use axum::{Router, body::Body, extract::ConnectInfo, routing::get};
//! use customer_auth::ThrottleLayer;
//! use http::{Request, StatusCode, header};
//! use tower::ServiceExt;
//!
//! let app = Router::new()
//!     .route("/login", get(|| async { "the form" }).post(|| async { "checked" }))
//!     .route_layer(ThrottleLayer::per_minute(2));
//! // Served with `app.into_make_service_with_connect_info::<SocketAddr>()`, axum adds this.
//! let from = |ip: [u8; 4]| ConnectInfo(SocketAddr::from((ip, 40_000)));
//! let login = |ip| Request::post("/login").extension(from(ip)).body(Body::empty());
//!
//! for _ in 0..2 {
//!     assert_eq!(app.clone().oneshot(login([203, 0, 113, 7])?).await?.status(), StatusCode::OK);
//! }
//! let response = app.clone().oneshot(login([203, 0, 113, 7])?).await?;
//! assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
//! let retry_after: u64 = response.headers()[header::RETRY_AFTER].to_str()?.parse()?;
//! assert!((1..=30).contains(&retry_after));
//!
//! // Another client has its own budget, and the form itself still loads.
//! assert_eq!(app.clone().oneshot(login([198, 51, 100, 1])?).await?.status(), StatusCode::OK);
//! let form = Request::get("/login").extension(from([203, 0, 113, 7])).body(Body::empty())?;
//! assert_eq!(app.oneshot(form).await?.status(), StatusCode::OK);
//! # Ok(())
//! # }
//! ```

mod client_ip;
mod failures;
pub mod future;
mod layer;
mod service;

pub use client_ip::{ClientIp, RequestHead, TrustedProxies, client_ip, peer_ip};
pub use governor::Quota;
pub use ipnet::IpNet;
pub use layer::{PRUNE_EVERY, ThrottleLayer};
pub use service::Throttle;
