//! Reading the session id from the request's cookies and writing the `Set-Cookie` header.

use cookie::{Cookie, SameSite};
use customer_auth_core::{SESSION_ID_CHARS, SessionId};
use http::{HeaderMap, HeaderValue, header};

use super::config::SessionConfig;
use super::signer::SIGNATURE_CHARS;
/// A signed cookie value is the signature followed by the id.
const MAX_COOKIE_VALUE: usize = SIGNATURE_CHARS + SESSION_ID_CHARS;

/// The cookie name the layer uses: with `Secure`, the `__Host-` prefix makes browsers refuse
/// the cookie unless it is host-only, secure and for path `/`, so a subdomain cannot plant one.
pub(crate) fn cookie_name(name: &str, secure: bool) -> String {
    match (secure, name.strip_prefix("__Host-")) {
        (true, None) => format!("__Host-{name}"),
        (false, Some(bare)) => bare.to_owned(),
        _ => name.to_owned(),
    }
}

/// The session id from the request's `Cookie` headers, when there is exactly a well-formed,
/// correctly signed one. Anything else is treated as no session, without asking the store.
pub(crate) fn read_session_id(headers: &HeaderMap, config: &SessionConfig) -> Option<SessionId> {
    let mut found = None;
    for value in headers.get_all(header::COOKIE) {
        let Ok(value) = value.to_str() else { continue };
        for cookie in Cookie::split_parse(value).flatten() {
            if cookie.name() != config.cookie_name {
                continue;
            }
            // Two session cookies (one planted, say) are ambiguous: trust neither.
            if found.is_some() {
                return None;
            }
            found = Some(cookie.value_raw()?);
        }
    }
    let value = found?;
    if value.len() > MAX_COOKIE_VALUE {
        return None;
    }
    match &config.signer {
        None => SessionId::parse(value),
        // Checked on the borrowed header: a jar per request (parse, copies, a hash set) was
        // the larger part of the layer's own cost on the load bench.
        Some(signer) => SessionId::parse(signer.verified(value)?),
    }
}

fn base(config: &SessionConfig, value: String) -> Cookie<'static> {
    Cookie::build((config.cookie_name.clone(), value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(config.secure)
        .path("/")
        .build()
}

/// `Set-Cookie` for a new session id, signed when the layer has a key.
pub(crate) fn set_cookie(config: &SessionConfig, id: &SessionId) -> Option<HeaderValue> {
    let value = id.to_cookie_value();
    let value = match &config.signer {
        None => value,
        Some(signer) => signer.sign(&value),
    };
    HeaderValue::try_from(base(config, value).to_string()).ok()
}

/// `Set-Cookie` that makes the browser drop the session cookie.
pub(crate) fn removal_cookie(config: &SessionConfig) -> Option<HeaderValue> {
    let mut cookie = base(config, String::new());
    cookie.make_removal();
    HeaderValue::try_from(cookie.to_string()).ok()
}
