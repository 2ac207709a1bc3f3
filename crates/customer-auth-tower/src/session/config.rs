use std::sync::Arc;
use std::time::Duration;

use customer_auth_core::{CustomerStore, SessionStore};

use super::signer::CookieSigner;
use super::visitor_csrf::VisitorCsrf;

/// The session layer's settings, shared by every request through one `Arc`.
#[derive(Clone)]
pub(crate) struct SessionConfig {
    pub(crate) store: Arc<dyn SessionStore>,
    pub(crate) customers: Option<Arc<dyn CustomerStore>>,
    /// The name as sent: `base_name`, `__Host-` prefixed while `secure`.
    pub(crate) cookie_name: String,
    pub(crate) base_name: String,
    pub(crate) secure: bool,
    pub(crate) signer: Option<CookieSigner>,
    /// Signs anonymous visitors' CSRF tokens; `None` only when the random generator failed
    /// when the layer was built, and then visitors' tokens live in sessions as before.
    pub(crate) visitor_csrf: Option<VisitorCsrf>,
    /// The visitor CSRF cookie's name, `__Host-` prefixed while `secure`.
    pub(crate) csrf_cookie_name: String,
    pub(crate) idle_timeout: Duration,
    pub(crate) absolute_timeout: Duration,
    pub(crate) touch_interval: Duration,
}

impl std::fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionConfig")
            .field("store", &self.store)
            .field("cookie_name", &self.cookie_name)
            .field("secure", &self.secure)
            .field("signed", &self.signer.is_some())
            .field("idle_timeout", &self.idle_timeout)
            .field("absolute_timeout", &self.absolute_timeout)
            .field("touch_interval", &self.touch_interval)
            .finish_non_exhaustive()
    }
}
