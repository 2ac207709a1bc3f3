//! Cookie sessions: [`SessionLayer`] reads the session cookie, hands handlers a [`Session`],
//! and after the response writes what changed.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! use std::sync::Arc;
//! use customer_auth::MemoryStore;
//! use customer_auth::{Session, SessionLayer};
//! use http::{Request, Response, StatusCode, header};
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//!
//! let store = Arc::new(MemoryStore::new());
//! let app = ServiceBuilder::new().layer(SessionLayer::new(store)).service(service_fn(
//!     |request: Request<String>| async move {
//!         let session = request.extensions().get::<Session>().cloned().ok_or("no session layer")?;
//!         if request.uri().path() == "/remember" {
//!             session.insert("colour", "teal").await?;
//!         }
//!         Ok::<_, Box<dyn std::error::Error + Send + Sync>>(Response::new(String::new()))
//!     },
//! ));
//!
//! // A visit that stores nothing gets no cookie...
//! let response = app.clone().oneshot(Request::new(String::new())).await?;
//! assert!(response.headers().get(header::SET_COOKIE).is_none());
//!
//! // ...one that stores something gets a secure, HttpOnly session cookie.
//! let request = Request::builder().uri("/remember").body(String::new())?;
//! let response = app.oneshot(request).await?;
//! assert_eq!(response.status(), StatusCode::OK);
//! let cookie = response.headers()[header::SET_COOKIE].to_str()?;
//! assert!(cookie.starts_with("__Host-session="));
//! assert!(cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains("SameSite=Lax"));
//! # Ok(())
//! # }
//! ```

mod config;
mod cookie;
pub mod future;
mod handle;
mod layer;
mod service;
mod signer;
mod visitor_csrf;

pub use handle::Session;
pub use layer::{
    DEFAULT_ABSOLUTE_TIMEOUT, DEFAULT_COOKIE_NAME, DEFAULT_IDLE_TIMEOUT, DEFAULT_TOUCH_INTERVAL, SessionLayer,
};
pub use service::SessionService;
