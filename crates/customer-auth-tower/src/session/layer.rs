use std::sync::Arc;
use std::time::Duration;

use customer_auth_core::{CustomerStore, SessionStore};
use tower_layer::Layer;

use super::config::SessionConfig;
use super::cookie::cookie_name;
use super::service::SessionService;
use super::signer::CookieSigner;
use super::visitor_csrf::{self, VisitorCsrf};

/// Cookie sessions for every request through it. See the [module docs](crate::session).
///
/// Holds settings only and clones cheaply; per-request state lives in the request's
/// extensions as a [`Session`](super::Session).
#[derive(Debug, Clone)]
pub struct SessionLayer {
    config: Arc<SessionConfig>,
}

/// The session ends after this long without a request.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// The session ends this long after it was created, however active.
pub const DEFAULT_ABSOLUTE_TIMEOUT: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// The idle expiry is written back at most this often.
pub const DEFAULT_TOUCH_INTERVAL: Duration = Duration::from_secs(60);
/// The cookie's name, `__Host-` prefixed while the cookie is `Secure`.
pub const DEFAULT_COOKIE_NAME: &str = "session";

impl SessionLayer {
    /// Sessions kept in `store`, with secure defaults: `Secure`, `HttpOnly`, `SameSite=Lax`
    /// cookies named `__Host-session`, 30 minutes idle and 7 days absolute expiry.
    pub fn new(store: Arc<dyn SessionStore>) -> Self {
        Self {
            config: Arc::new(SessionConfig {
                store,
                customers: None,
                cookie_name: cookie_name(DEFAULT_COOKIE_NAME, true),
                base_name: DEFAULT_COOKIE_NAME.to_owned(),
                secure: true,
                signer: None,
                visitor_csrf: VisitorCsrf::random(),
                csrf_cookie_name: cookie_name(visitor_csrf::BASE_NAME, true),
                idle_timeout: DEFAULT_IDLE_TIMEOUT,
                absolute_timeout: DEFAULT_ABSOLUTE_TIMEOUT,
                touch_interval: DEFAULT_TOUCH_INTERVAL,
            }),
        }
    }

    fn edit(mut self, change: impl FnOnce(&mut SessionConfig)) -> Self {
        let config = Arc::make_mut(&mut self.config);
        change(config);
        config.cookie_name = cookie_name(&config.base_name, config.secure);
        config.csrf_cookie_name = cookie_name(visitor_csrf::BASE_NAME, config.secure);
        self
    }

    /// Where [`Session::customer`](super::Session::customer) and the `CurrentCustomer`
    /// extractor read the whole customer.
    pub fn with_customer_store(self, customers: Arc<dyn CustomerStore>) -> Self {
        self.edit(|config| config.customers = Some(customers))
    }

    /// `false` drops the cookie's `Secure` flag (and `__Host-` prefix), for local plain http
    /// only: a session cookie sent over plain http can be stolen on the wire.
    pub fn with_secure(self, secure: bool) -> Self {
        self.edit(|config| config.secure = secure)
    }

    /// Names the cookie (`__Host-` is added while it is `Secure`).
    pub fn with_cookie_name(self, name: &str) -> Self {
        self.edit(|config| config.base_name = name.to_owned())
    }

    /// Signs the cookie with `key` (HMAC-SHA256), so a forged or altered id is refused before
    /// any store round trip. Every app instance needs the same key; the CSRF tokens of visitors
    /// who are not logged in are signed with a key derived from it, so one instance accepts the
    /// forms another served (without it, each process signs with a random key of its own).
    pub fn with_signing_key(self, key: cookie::Key) -> Self {
        self.edit(|config| {
            config.signer = Some(CookieSigner::new(&key));
            config.visitor_csrf = VisitorCsrf::derived(key.signing()).or(config.visitor_csrf.take());
        })
    }

    /// Ends sessions after this long without a request.
    pub fn with_idle_timeout(self, timeout: Duration) -> Self {
        self.edit(|config| config.idle_timeout = timeout)
    }

    /// Ends sessions this long after they were created, however active.
    pub fn with_absolute_timeout(self, timeout: Duration) -> Self {
        self.edit(|config| config.absolute_timeout = timeout)
    }

    /// Writes the extended idle expiry back at most this often (1 minute by default), and at
    /// least twice per idle timeout whatever this says, so a session in use never expires.
    pub fn with_touch_interval(self, interval: Duration) -> Self {
        self.edit(|config| config.touch_interval = interval)
    }
}

impl<S> Layer<S> for SessionLayer {
    type Service = SessionService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SessionService::new(inner, Arc::clone(&self.config))
    }
}
