//! Known browsers for the failed-login budgets: reading who is trying to log in (the client
//! address and the device cookie) into a [`LoginClient`](customer_auth_core::LoginClient) for
//! [`Auth::authenticate_client`](customer_auth_core::Auth::authenticate_client), and the
//! `Set-Cookie` that marks a browser as the customer's after a login or an unlock.
//!
//! ```
//! use customer_auth::LoginClient;
//! use customer_auth::web::device::{DEVICE_COOKIE, device_cookie, login_client};
//! use http::{Request, header};
//!
//! let request = Request::get("/signin")
//!     .header(header::COOKIE, format!("{DEVICE_COOKIE}=abc"))
//!     .extension(std::net::IpAddr::from([192, 0, 2, 1]))
//!     .body(())
//!     .unwrap_or_default();
//! let client: LoginClient = login_client(&request);
//! assert_eq!(client.address, Some(std::net::IpAddr::from([192, 0, 2, 1])));
//! assert_eq!(client.device_cookie.as_deref(), Some("abc"));
//!
//! let set = device_cookie("value-from-Auth::device_cookie", true);
//! assert!(set.is_some_and(|value| value.to_str().is_ok_and(|text| text.contains("Secure"))));
//! ```

mod client;
mod cookie;

#[cfg(feature = "axum")]
pub use client::RequestClient;
pub use client::login_client;
pub use cookie::{DEVICE_COOKIE, device_cookie};
