use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use tower_service::Service;

use super::client_ip::{ClientIp, client_ip};
use super::future::ResponseFuture;
use super::layer::{ThrottleConfig, UNKNOWN_CLIENT};
use crate::error::plain;

/// The service [`ThrottleLayer`](super::ThrottleLayer) wraps around yours.
#[derive(Debug, Clone)]
pub struct Throttle<S> {
    inner: S,
    config: Arc<ThrottleConfig>,
}

impl<S> Throttle<S> {
    pub(crate) fn new(inner: S, config: Arc<ThrottleConfig>) -> Self {
        Self { inner, config }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Throttle<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<crate::Body<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let client = client_ip(&request, &self.config.trusted);
        if let Some(ip) = client {
            request.extensions_mut().insert(ClientIp(ip));
        }
        if is_safe(request.method()) {
            return ResponseFuture::inner(self.inner.call(request));
        }
        let key = client.unwrap_or_else(|| {
            // Failing open here would exempt every request of a server that does not pass the
            // peer address on; one shared budget keeps the brute-force bound, at the price of
            // throttling everyone together until the server is set up.
            tracing::debug!(
                "no client address on the request; throttling it in the shared bucket (serve axum with \
                 into_make_service_with_connect_info::<SocketAddr>())"
            );
            UNKNOWN_CLIENT
        });
        if let Some(failures) = &self.config.failures {
            return match failures.blocked(key) {
                None => ResponseFuture::counting(self.inner.call(request), Arc::clone(&self.config), key),
                Some(wait) => {
                    tracing::debug!(client = %key, retry_after = ?wait, path = request.uri().path(), "throttled");
                    ResponseFuture::refused(too_many_requests(wait))
                }
            };
        }
        match self.config.check(key) {
            Ok(()) => ResponseFuture::inner(self.inner.call(request)),
            Err(wait) => {
                tracing::debug!(client = %key, retry_after = ?wait, path = request.uri().path(), "throttled");
                ResponseFuture::refused(too_many_requests(wait))
            }
        }
    }
}

/// Reading is never throttled; every other method, extension methods included, is.
fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
}

fn too_many_requests(wait: Duration) -> Response<Full<Bytes>> {
    let mut response = plain(StatusCode::TOO_MANY_REQUESTS, "Too many attempts. Please wait a moment and try again.");
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds(wait)));
    response
}

/// Whole seconds, rounded up so a client that waits as told is let through, and at least 1:
/// `0` would invite an immediate retry.
fn retry_after_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}
