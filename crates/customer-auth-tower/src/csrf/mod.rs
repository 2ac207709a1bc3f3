//! CSRF protection for cookie sessions: [`CsrfLayer`] refuses unsafe requests (`POST`, `PUT`,
//! `PATCH`, `DELETE`, ...) that come from another site or lack the session's token.
//!
//! Two checks, in order:
//! 1. **Where the request comes from.** A browser says so in `Sec-Fetch-Site` (or, older ones,
//!    `Origin`); a cross-site or same-site-but-other-origin request is refused with `403` before
//!    the token is looked at.
//! 2. **The synchronizer token.** The session's [`csrf_token`](crate::Session::csrf_token) must
//!    come back in the `x-csrf-token` header or, for an `application/x-www-form-urlencoded`
//!    form, in its `csrf_token` field. Put it in every form as a hidden field. The login and
//!    registration forms need it too: without it a hostile page could log a visitor in to the
//!    attacker's account.
//!
//! Place it inside [`SessionLayer`](crate::SessionLayer), around the routes browsers post
//! forms to. Multipart forms send the token in the header.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use customer_auth::MemoryStore;
//! use customer_auth::{CsrfLayer, SessionLayer};
//! use http::{Request, Response, StatusCode, header};
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//!
//! let app = ServiceBuilder::new()
//!     .layer(SessionLayer::new(Arc::new(MemoryStore::new())))
//!     .layer(CsrfLayer::new())
//!     .service(service_fn(|_: Request<_>| async {
//!         Ok::<_, std::convert::Infallible>(Response::new(String::from("posted")))
//!     }));
//!
//! let cross_site = Request::post("/account/create")
//!     .header(header::HOST, "shop.example")
//!     .header(header::ORIGIN, "https://evil.example")
//!     .body(String::new())?;
//! assert_eq!(app.clone().oneshot(cross_site).await?.status(), StatusCode::FORBIDDEN);
//!
//! let no_token = Request::post("/account/create").header("sec-fetch-site", "same-origin").body(String::new())?;
//! assert_eq!(app.oneshot(no_token).await?.status(), StatusCode::FORBIDDEN);
//! # Ok(())
//! # }
//! ```

mod layer;
mod origin;
mod service;

pub use layer::{CsrfLayer, DEFAULT_MAX_FORM_BYTES, FORM_FIELD, HEADER};
pub use service::{CsrfFuture, CsrfService};
