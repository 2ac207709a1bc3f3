//! Login and role guards: [`RequireLogin`] lets logged-in customers through and sends others
//! to the login page; [`RequireRole`] also wants a role. Both need a
//! [`SessionLayer`](crate::SessionLayer) in front of them.
//!
//! | who asks | [`RequireLogin`] | [`RequireRole`] |
//! | --- | --- | --- |
//! | logged in (with the role) | the inner service, with the [`Principal`](customer_auth_core::Principal) in the request's extensions | same |
//! | logged in, without the role | the inner service | `403` |
//! | anonymous `GET`/`HEAD` wanting HTML | `303` to the login URL; the path and query are recorded as the target URL | same |
//! | anonymous, anything else | `401` | `401` |
//! | store down | `503` | `503` |
//!
//! Every answer behind a guard carries `Cache-Control: no-store`.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use customer_auth::MemoryStore;
//! use customer_auth::{RequireLogin, SessionLayer};
//! use http::{Request, Response, StatusCode, header};
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//!
//! let app = ServiceBuilder::new()
//!     .layer(SessionLayer::new(Arc::new(MemoryStore::new())))
//!     .layer(RequireLogin::new())
//!     .service(service_fn(|_: Request<String>| async {
//!         Ok::<_, std::convert::Infallible>(Response::new(String::from("your orders")))
//!     }));
//!
//! let browser = Request::get("/account/orders?page=2").header(header::ACCEPT, "text/html").body(String::new())?;
//! let response = app.clone().oneshot(browser).await?;
//! assert_eq!(response.status(), StatusCode::SEE_OTHER);
//! assert_eq!(response.headers()[header::LOCATION], "/login");
//!
//! let api = Request::get("/account/orders").header(header::ACCEPT, "application/json").body(String::new())?;
//! assert_eq!(app.oneshot(api).await?.status(), StatusCode::UNAUTHORIZED);
//! # Ok(())
//! # }
//! ```

mod layer;
mod service;

pub use layer::{DEFAULT_LOGIN_URL, RequireLogin, RequireRole};
pub use service::{Guard, GuardFuture};
