//! Tower layers for customer-auth: cookie sessions, login and role guards, CSRF protection,
//! per-client throttling of sensitive forms, and axum extractors. They work with any
//! `tower::Service<http::Request<B>>`.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use axum::{Router, routing::get};
//! use customer_auth::MemoryStore;
//! use customer_auth::{CsrfLayer, CurrentPrincipal, RequireLogin, SessionLayer};
//! use http::{Request, StatusCode, header};
//! use tower::ServiceExt;
//!
//! let store = Arc::new(MemoryStore::new());
//! let app = Router::new()
//!     .route("/account/orders", get(|CurrentPrincipal(me): CurrentPrincipal| async move { me.username }))
//!     .route_layer(RequireLogin::new())
//!     .route("/", get(|| async { "welcome" }))
//!     .layer(CsrfLayer::new())
//!     .layer(SessionLayer::new(store.clone()).with_customer_store(store));
//!
//! let response = app.clone().oneshot(Request::get("/").body(axum::body::Body::empty())?).await?;
//! assert_eq!(response.status(), StatusCode::OK);
//! assert!(response.headers().get(header::SET_COOKIE).is_none(), "an anonymous visit sets no cookie");
//!
//! let orders = Request::get("/account/orders").header(header::ACCEPT, "text/html").body(axum::body::Body::empty())?;
//! let response = app.oneshot(orders).await?;
//! assert_eq!(response.status(), StatusCode::SEE_OTHER);
//! assert_eq!(response.headers()[header::LOCATION], "/login");
//! # Ok(())
//! # }
//! ```
//!
//! | feature | default | what it adds |
//! | --- | --- | --- |
//! | `axum` | yes | extractors [`Session`], [`CurrentPrincipal`], [`CurrentCustomer`]; `IntoResponse` for [`Error`]; [`ThrottleLayer`] reads axum's `ConnectInfo<SocketAddr>` |
//!
//! Always there: [`SessionLayer`], [`CsrfLayer`], [`RequireLogin`], [`RequireRole`], and
//! [`ThrottleLayer`] (`429` past a per-client quota of unsafe requests; the resolved address
//! goes into request extensions as [`ClientIp`]).

pub mod csrf;
pub mod device;
mod error;
#[cfg(feature = "axum")]
mod extract;
pub mod guard;
mod redirect;
pub mod session;
pub mod throttle;

pub use cookie::Key;
pub use csrf::CsrfLayer;
#[cfg(feature = "axum")]
pub use device::RequestClient;
pub use error::Error;
#[cfg(feature = "axum")]
pub use extract::{AuthRejection, CurrentCustomer, CurrentPrincipal};
pub use guard::{RequireLogin, RequireRole};
pub use redirect::{MAX_TARGET_BYTES, is_local_target, local_target};
pub use session::{Session, SessionLayer};
pub use throttle::{ClientIp, ThrottleLayer, TrustedProxies, client_ip};

/// The response body of every layer here: the inner service's body, or a short message the
/// layer answered with itself (a redirect, `401`, `403`, `429`, `503`).
pub type Body<B> = http_body_util::Either<B, http_body_util::Full<bytes::Bytes>>;
