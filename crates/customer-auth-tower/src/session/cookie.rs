//! Reading the session id from the request's cookies and writing the `Set-Cookie` header.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cookie::{Cookie, CookieJar, Key, SameSite};
use customer_auth_core::{SESSION_ID_CHARS, SessionId};
use hmac::{Hmac, Mac as _};
use http::{HeaderMap, HeaderValue, header};
use sha2::Sha256;

use super::config::SessionConfig;

/// The signature in front of a signed cookie's value: base64 (with padding) of an HMAC-SHA256.
const SIGNATURE_CHARS: usize = 44;
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
    match &config.key {
        None => SessionId::parse(value),
        Some(key) => SessionId::parse(verified_value(key, value)?),
    }
}

/// The value of a signed cookie, when its signature is right. The format is the cookie crate's
/// (its `SignedJar` signs what [`set_cookie`] sends): base64 of HMAC-SHA256 over the value, then
/// the value. Checked here on the borrowed header, because a jar per request (parse, copies, a
/// hash set) was the larger part of the layer's own cost on the load bench.
fn verified_value<'a>(key: &Key, signed: &'a str) -> Option<&'a str> {
    let (signature, value) = signed.split_at_checked(SIGNATURE_CHARS)?;
    // One byte of room: base64 checks the room it needs before it knows the padding.
    let mut expected = [0u8; 33];
    let decoded = STANDARD.decode_slice(signature, &mut expected).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(key.signing()).ok()?;
    mac.update(value.as_bytes());
    // Constant-time, so the comparison tells a forger nothing.
    mac.verify_slice(expected.get(..decoded)?).ok()?;
    Some(value)
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
    let cookie = base(config, id.to_cookie_value());
    let cookie = match &config.key {
        None => cookie,
        Some(key) => {
            let mut jar = CookieJar::new();
            jar.signed_mut(key).add(cookie);
            jar.get(&config.cookie_name)?.clone()
        }
    };
    HeaderValue::try_from(cookie.to_string()).ok()
}

/// `Set-Cookie` that makes the browser drop the session cookie.
pub(crate) fn removal_cookie(config: &SessionConfig) -> Option<HeaderValue> {
    let mut cookie = base(config, String::new());
    cookie.make_removal();
    HeaderValue::try_from(cookie.to_string()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_signed_by_the_cookie_crate_verifies_and_any_change_does_not() {
        let key = Key::generate();
        let mut jar = CookieJar::new();
        jar.signed_mut(&key).add(("sid", "the-value"));
        let signed = jar.get("sid").unwrap().value().to_owned();
        assert_eq!(verified_value(&key, &signed), Some("the-value"));

        assert_eq!(verified_value(&Key::generate(), &signed), None, "another key");
        let (signature, value) = signed.split_at(SIGNATURE_CHARS);
        assert_eq!(verified_value(&key, &format!("{signature}the-valuE")), None, "another value");
        assert_eq!(verified_value(&key, value), None, "no signature");
        let mut flipped = signature.to_owned().into_bytes();
        flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
        let flipped = format!("{}{value}", String::from_utf8(flipped).unwrap());
        assert_eq!(verified_value(&key, &flipped), None, "a changed signature");
        for garbage in ["", "é", &"=".repeat(60), &"é".repeat(40)] {
            assert_eq!(verified_value(&key, garbage), None, "{garbage:?}");
        }
    }
}
