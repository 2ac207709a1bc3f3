//! CSRF tokens for visitors who are not logged in, without a session: a random secret in a
//! cookie of its own, and in the form an HMAC of it under a key only the server holds (a
//! signed double submit). A login form shown to a bot therefore costs no store write, and
//! a forged form fails: the attacker can neither read the victim's cookie nor sign a secret of
//! their own choosing. Logged-in sessions keep their session-bound token.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cookie::{Cookie, SameSite};
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac as _};
use http::{HeaderMap, HeaderValue, header};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;

/// The cookie's base name; `__Host-` prefixed while cookies are `Secure`.
pub(crate) const BASE_NAME: &str = "csrf";
/// A secret is 32 random bytes, unpadded base64url: 43 characters.
const SECRET_CHARS: usize = 43;

/// Signs and checks visitors' CSRF tokens.
#[derive(Clone)]
pub(crate) struct VisitorCsrf {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for VisitorCsrf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VisitorCsrf").finish_non_exhaustive()
    }
}

impl VisitorCsrf {
    /// Keyed with 32 random bytes: tokens then hold for this process only.
    pub(crate) fn random() -> Option<Self> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).ok()?;
        Self::keyed(&key)
    }

    /// Keyed from the cookie signing key, so every app instance that shares it accepts the
    /// others' tokens. A key of its own, derived, so a token is never a session cookie's
    /// signature.
    pub(crate) fn derived(signing: &[u8]) -> Option<Self> {
        let mut derive = <Hmac<Sha256> as KeyInit>::new_from_slice(signing).ok()?;
        derive.update(b"customer-auth visitor CSRF tokens");
        Self::keyed(&derive.finalize().into_bytes())
    }

    fn keyed(key: &[u8]) -> Option<Self> {
        Some(Self { mac: <Hmac<Sha256> as KeyInit>::new_from_slice(key).ok()? })
    }

    /// The form token for the visitor holding `secret`.
    pub(crate) fn token(&self, secret: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(secret.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// True when `presented` is the token for `secret` (compared in constant time).
    pub(crate) fn verify(&self, secret: &str, presented: &str) -> bool {
        bool::from(self.token(secret).as_bytes().ct_eq(presented.as_bytes()))
    }
}

/// A fresh visitor secret from the operating system's generator.
pub(crate) fn generate_secret() -> Result<String, customer_auth_core::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|err| {
        customer_auth_core::Error::Config(format!("the operating system's random generator failed: {err}"))
    })?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The visitor's secret from the request's cookies, when there is exactly one well-formed one.
pub(crate) fn read_secret(headers: &HeaderMap, name: &str) -> Option<String> {
    let mut found = None;
    for value in headers.get_all(header::COOKIE) {
        let Ok(value) = value.to_str() else { continue };
        for cookie in Cookie::split_parse(value).flatten() {
            if cookie.name() != name {
                continue;
            }
            // Two of them (one planted, say): trust neither.
            if found.is_some() {
                return None;
            }
            found = Some(cookie.value_raw()?.to_owned());
        }
    }
    found.filter(|secret| {
        secret.len() == SECRET_CHARS && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// `Set-Cookie` for a new visitor secret: HttpOnly (the token travels in the page, never read
/// by scripts), SameSite=Lax, for the browser session.
pub(crate) fn set_cookie(name: &str, secure: bool, secret: &str) -> Option<HeaderValue> {
    let cookie = Cookie::build((name.to_owned(), secret.to_owned()))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .build();
    HeaderValue::try_from(cookie.to_string()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_for_its_secret_and_key_only() {
        let csrf = VisitorCsrf::random().unwrap();
        let (secret, other) = (generate_secret().unwrap(), generate_secret().unwrap());
        let token = csrf.token(&secret);
        assert!(csrf.verify(&secret, &token));
        assert!(!csrf.verify(&other, &token), "another visitor's secret");
        assert!(!VisitorCsrf::random().unwrap().verify(&secret, &token), "another key");
        assert!(!csrf.verify(&secret, ""));
        assert!(!csrf.verify(&secret, &secret), "the secret itself is no token");
        let shared = b"a signing key shared by every instance, 32+ bytes";
        let (one, two) = (VisitorCsrf::derived(shared).unwrap(), VisitorCsrf::derived(shared).unwrap());
        assert!(two.verify(&secret, &one.token(&secret)), "instances sharing the signing key agree");
    }

    #[test]
    fn only_one_well_formed_secret_is_read() {
        let secret = generate_secret().unwrap();
        let headers = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::COOKIE, HeaderValue::from_str(value).unwrap());
            headers
        };
        assert_eq!(read_secret(&headers(&format!("csrf={secret}")), "csrf"), Some(secret.clone()));
        assert_eq!(read_secret(&headers(&format!("csrf={secret}; csrf={secret}")), "csrf"), None);
        assert_eq!(read_secret(&headers("csrf=short"), "csrf"), None);
        assert_eq!(read_secret(&headers(&format!("other={secret}")), "csrf"), None);
    }
}
