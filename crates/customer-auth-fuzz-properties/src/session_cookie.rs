//! The session layer's cookie reading and signature checking, through the public API: a
//! `SessionLayer` over a `MemoryStore`, with and without a signing key, is sent arbitrary
//! `Cookie` headers. Whatever they hold, nothing panics and no one is logged in unless a header
//! carries the real cookie value of the one logged-in session in the store (signed, when the
//! layer signs); and the layer never hands out a session cookie for them, at most a removal.
//!
//! Input layout: bit 0 of the first byte signs the cookie, bit 1 makes it `Secure` (and so
//! `__Host-` prefixed); the rest is split on `\n` (never valid in a header) into `Cookie`
//! header values. In them `{name}` becomes the layer's cookie name, `{id}` the real session's
//! cookie value as the layer would set it, and `{raw}` its unsigned id, so the fuzzer can reach
//! the logged-in path and probe what surrounds it. Values `http` refuses are skipped.

use std::cell::RefCell;
use std::convert::Infallible;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use cookie::{Cookie, CookieJar, Key};
use customer_auth_core::{
    CustomerId, CustomerStatus, MemoryStore, Principal, SessionId, SessionKey, SessionRecord, SessionStore, Timestamp,
};
use customer_auth_tower::Session;
use customer_auth_tower::session::{SessionLayer, SessionService};
use http::{HeaderValue, Request, Response, StatusCode, header};
use tower_layer::Layer as _;
use tower_service::Service;

/// Checks the property for `data` laid out as the module docs say.
pub fn check(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else { return };
    WORLD.with_borrow_mut(|world| world.check(flags & 1 == 1, flags & 2 == 2, rest));
}

/// Like [`check`], and tells whether the request came out logged in.
#[cfg(test)]
fn logged_in(data: &[u8]) -> bool {
    let Some((&flags, rest)) = data.split_first() else { return false };
    WORLD.with_borrow_mut(|world| world.check(flags & 1 == 1, flags & 2 == 2, rest))
}

thread_local! {
    // One runtime, store and logged-in session per thread: building them per input would
    // cost more than the check itself.
    static WORLD: RefCell<World> = RefCell::new(World::new());
}

struct World {
    runtime: tokio::runtime::Runtime,
    /// Indexed by `signed as usize * 2 + secure as usize`.
    layers: [Layer; 4],
    /// The logged-in session's id in its unsigned cookie form.
    raw_id: String,
}

struct Layer {
    service: SessionService<Probe>,
    name: String,
    /// The cookie value this layer sets for the logged-in session.
    value: String,
}

impl World {
    fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a current-thread runtime builds");
        let store = Arc::new(MemoryStore::new());
        let id = SessionId::generate().expect("the OS has randomness");
        let mut record = SessionRecord::new(Timestamp::now(), Duration::from_secs(86_400), Duration::from_secs(86_400));
        record.principal = Some(Principal {
            customer_id: CustomerId::new(),
            username: "fuzz".into(),
            roles: vec!["admin".into()],
            status: CustomerStatus::Active,
        });
        runtime.block_on(store.create_session(&id.key(), &record)).expect("the memory store takes a session");
        let key = Key::from(&[7; 64]);
        let raw_id = id.to_cookie_value();
        let layers = [(false, false), (false, true), (true, false), (true, true)].map(|(signed, secure)| {
            let mut layer =
                SessionLayer::new(store.clone()).with_secure(secure).with_idle_timeout(Duration::from_secs(86_400));
            if signed {
                layer = layer.with_signing_key(key.clone());
            }
            let name = if secure { "__Host-session" } else { "session" }.to_owned();
            let value = if signed { signed_value(&key, &name, &raw_id) } else { raw_id.clone() };
            Layer { service: layer.layer(Probe), name, value }
        });
        Self { runtime, layers, raw_id }
    }

    /// Checks the property; true when the request came out logged in.
    fn check(&mut self, signed: bool, secure: bool, rest: &[u8]) -> bool {
        let layer = &mut self.layers[usize::from(signed) * 2 + usize::from(secure)];
        let mut request = Request::new(());
        let mut carries_real_value = false;
        for line in rest.split(|&byte| byte == b'\n') {
            let line = replace(
                &replace(&replace(line, b"{name}", layer.name.as_bytes()), b"{id}", layer.value.as_bytes()),
                b"{raw}",
                self.raw_id.as_bytes(),
            );
            let Ok(value) = HeaderValue::from_bytes(&line) else { continue };
            carries_real_value |= contains(&line, layer.value.as_bytes());
            request.headers_mut().append(header::COOKIE, value);
        }
        let mut service = layer.service.clone();
        let response = self.runtime.block_on(async move {
            poll_fn(|cx| service.poll_ready(cx)).await.expect("the probe is always ready");
            service.call(request).await.expect("the probe never fails")
        });
        assert_eq!(response.status(), StatusCode::OK, "a memory store never fails, so neither may the layer");
        let seen = response.extensions().get::<Seen>().expect("the probe ran").clone();
        if !carries_real_value {
            assert!(seen.principal.is_none(), "logged in without the real cookie value (signed: {signed})");
            assert!(seen.key.is_none(), "a session adopted without the real cookie value (signed: {signed})");
        }
        let set_cookies: Vec<_> = response.headers().get_all(header::SET_COOKIE).iter().collect();
        assert!(set_cookies.len() <= 1, "{} Set-Cookie headers", set_cookies.len());
        for set_cookie in set_cookies {
            let text = set_cookie.to_str().expect("Set-Cookie is ASCII");
            let cookie = Cookie::parse(text).expect("the layer's Set-Cookie parses");
            assert!(cookie.value().is_empty(), "a read-only request was handed a session cookie: {text}");
        }
        seen.principal.is_some()
    }
}

fn signed_value(key: &Key, name: &str, raw_id: &str) -> String {
    let mut jar = CookieJar::new();
    jar.signed_mut(key).add(Cookie::new(name.to_owned(), raw_id.to_owned()));
    jar.get(name).expect("the jar holds the cookie just added").value().to_owned()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        if rest.starts_with(from) {
            out.extend_from_slice(to);
            rest = &rest[from.len()..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    out
}

/// What the probe saw of the session, carried back in the response's extensions.
#[derive(Clone)]
struct Seen {
    principal: Option<Principal>,
    key: Option<SessionKey>,
}

/// The inner service: reads the session (forcing the store lookup the cookie leads to) and
/// reports what it found, writing nothing.
#[derive(Clone)]
struct Probe;

impl Service<Request<()>> for Probe {
    type Response = Response<()>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<()>, Infallible>>>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<()>) -> Self::Future {
        let session = request.extensions().get::<Session>().cloned().expect("the layer puts a session in");
        Box::pin(async move {
            let principal = session.principal().await.expect("a memory store never fails");
            let key = session.key().await.expect("a memory store never fails");
            let mut response = Response::new(());
            response.extensions_mut().insert(Seen { principal, key });
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The logged-in path must be reachable, or the property would hold vacuously.
    #[test]
    fn the_real_cookie_logs_in_and_only_that() {
        for flags in 0..4u8 {
            let request = |line: &str| [&[flags], line.as_bytes()].concat();
            assert!(logged_in(&request("{name}={id}")), "flags {flags}: the real cookie did not log in");
            assert!(logged_in(&request("a=b; {name}={id}; c=d")), "flags {flags}: among others");
            assert!(!logged_in(&request("{name}={id}; {name}={id}")), "flags {flags}: two session cookies");
            assert!(!logged_in(&request("{name}={id}x")), "flags {flags}: an altered value");
            assert!(!logged_in(&request("other={id}")), "flags {flags}: another cookie name");
            let signed = flags & 1 == 1;
            assert_eq!(logged_in(&request("{name}={raw}")), !signed, "flags {flags}: the unsigned id");
        }
    }
}
