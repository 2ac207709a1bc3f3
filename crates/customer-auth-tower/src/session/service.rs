use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use tower_service::Service;

use super::config::SessionConfig;
use super::cookie::read_session_id;
use super::future::ResponseFuture;
use super::handle::Session;
use super::visitor_csrf::read_secret;

/// The service [`SessionLayer`](super::SessionLayer) wraps around yours.
#[derive(Debug, Clone)]
pub struct SessionService<S> {
    inner: S,
    config: Arc<SessionConfig>,
}

impl<S> SessionService<S> {
    pub(crate) fn new(inner: S, config: Arc<SessionConfig>) -> Self {
        Self { inner, config }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SessionService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<crate::Body<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        // Only the cookie can name a session: ids in query strings or other headers are ignored.
        let id = read_session_id(request.headers(), &self.config);
        // A cheap clone of the header (reference-counted bytes): read only if a login happens.
        let user_agent = request.headers().get(http::header::USER_AGENT).cloned();
        let visitor_secret = read_secret(request.headers(), &self.config.csrf_cookie_name);
        let session = Session::new(Arc::clone(&self.config), id, user_agent, visitor_secret);
        request.extensions_mut().insert(session.clone());
        ResponseFuture::new(self.inner.call(request), session)
    }
}
