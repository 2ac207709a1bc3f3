//! The device cookie: its name, and the `Set-Cookie` that gives a browser one.

use cookie::{Cookie, SameSite};
use http::HeaderValue;

/// The device cookie's name. `__Host-` so a subdomain cannot plant one; served over plain
/// http (local development) the prefix would make browsers drop it, so there it goes without.
pub const DEVICE_COOKIE: &str = "__Host-device";

/// How long a browser stays known: a year, as "remember this device" features keep it.
const LIFETIME: cookie::time::Duration = cookie::time::Duration::days(365);

/// The name the cookie has over `secure` or plain connections.
pub(crate) fn name(secure: bool) -> &'static str {
    if secure { DEVICE_COOKIE } else { "device" }
}

/// `Set-Cookie` for a device cookie with `value` (from
/// [`Auth::device_cookie`](customer_auth_core::Auth::device_cookie)): HttpOnly, SameSite=Lax,
/// path `/`, a year long, and `Secure` unless `secure` is false (local http only). `None` when
/// the value is not a valid cookie value.
pub fn device_cookie(value: &str, secure: bool) -> Option<HeaderValue> {
    let cookie = Cookie::build((name(secure), value.to_owned()))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(LIFETIME)
        .build();
    HeaderValue::try_from(cookie.to_string()).ok()
}
