use std::sync::Arc;

use tower_layer::Layer;

use super::service::CsrfService;

/// The form field that carries the token.
pub const FORM_FIELD: &str = "csrf_token";
/// The header that carries the token.
pub const HEADER: &str = "x-csrf-token";
/// The largest form body read to find the token; larger bodies get `413`.
pub const DEFAULT_MAX_FORM_BYTES: usize = 64 * 1024;

#[derive(Debug)]
pub(crate) struct CsrfConfig {
    pub(crate) max_form_bytes: usize,
    pub(crate) trusted_origins: Vec<String>,
}

/// Refuses cross-site and tokenless unsafe requests. See the [module docs](crate::csrf).
#[derive(Debug, Clone)]
pub struct CsrfLayer {
    config: Arc<CsrfConfig>,
}

impl CsrfLayer {
    /// Checks every unsafe request; forms up to 64 KiB.
    pub fn new() -> Self {
        Self { config: Arc::new(CsrfConfig { max_form_bytes: DEFAULT_MAX_FORM_BYTES, trusted_origins: Vec::new() }) }
    }

    /// Reads form bodies up to `bytes` to find the token.
    pub fn with_max_form_bytes(self, bytes: usize) -> Self {
        Self {
            config: Arc::new(CsrfConfig {
                max_form_bytes: bytes,
                trusted_origins: self.config.trusted_origins.clone(),
            }),
        }
    }

    /// Also accepts requests whose `Origin` is `origin` (such as `https://shop.example`),
    /// for apps behind a proxy that rewrites `Host`.
    pub fn with_trusted_origin(self, origin: &str) -> Self {
        let mut trusted_origins = self.config.trusted_origins.clone();
        trusted_origins.push(origin.trim_end_matches('/').to_ascii_lowercase());
        Self { config: Arc::new(CsrfConfig { max_form_bytes: self.config.max_form_bytes, trusted_origins }) }
    }
}

impl Default for CsrfLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl<S> Layer<S> for CsrfLayer {
    type Service = CsrfService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CsrfService::new(inner, Arc::clone(&self.config))
    }
}
