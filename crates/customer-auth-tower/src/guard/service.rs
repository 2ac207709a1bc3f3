use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{Either, Full};
use tower_service::Service;

use super::layer::Rule;
use crate::error::plain;
use crate::{Body, Error, Session};

/// The guard's response future: it may read the session before calling the inner service.
pub type GuardFuture<B, E> = Pin<Box<dyn Future<Output = Result<Response<Body<B>>, E>> + Send>>;

/// The service [`RequireLogin`](super::RequireLogin) and [`RequireRole`](super::RequireRole)
/// wrap around yours.
#[derive(Debug, Clone)]
pub struct Guard<S> {
    inner: S,
    rule: Arc<Rule>,
}

impl<S> Guard<S> {
    pub(crate) fn new(inner: S, rule: Arc<Rule>) -> Self {
        Self { inner, rule }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Guard<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    ReqBody: Send + 'static,
{
    type Response = Response<Body<ResBody>>;
    type Error = S::Error;
    type Future = GuardFuture<ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        // The clone that was not polled ready stays behind; the ready one serves this request.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let rule = Arc::clone(&self.rule);
        Box::pin(async move {
            let Some(session) = request.extensions().get::<Session>().cloned() else {
                return Ok(Error::MissingSessionLayer.to_response().map(Either::Right));
            };
            let principal = match session.principal().await {
                Ok(principal) => principal,
                Err(err) => return Ok(err.to_response().map(Either::Right)),
            };
            let Some(principal) = principal else {
                let (wants_page, target) = (wants_page(&request), target(&request));
                return Ok(anonymous(&rule, &session, wants_page, &target).await.map(Either::Right));
            };
            if rule.role.as_deref().is_some_and(|role| !principal.has_role(role)) {
                return Ok(plain(StatusCode::FORBIDDEN, "You do not have access to this page.").map(Either::Right));
            }
            request.extensions_mut().insert(principal);
            let mut response = inner.call(request).await?;
            // Pages behind a login are one customer's: no shared or back-button cache may keep them.
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(response.map(Either::Left))
        })
    }
}

/// Browsers asking for a page go to the login page and come back after it; everything else
/// (APIs, forms, scripts) gets a plain 401 it can act on.
fn wants_page<B>(request: &Request<B>) -> bool {
    matches!(*request.method(), Method::GET | Method::HEAD)
        && request
            .headers()
            .get_all(header::ACCEPT)
            .iter()
            .any(|accept| accept.to_str().is_ok_and(|accept| accept.contains("text/html")))
}

fn target<B>(request: &Request<B>) -> String {
    request.uri().path_and_query().map_or("/", |target| target.as_str()).to_owned()
}

async fn anonymous(rule: &Rule, session: &Session, wants_page: bool, target: &str) -> Response<Full<Bytes>> {
    if !wants_page {
        return plain(StatusCode::UNAUTHORIZED, "Log in to continue.");
    }
    if let Err(err) = session.set_target_url(target).await {
        return err.to_response();
    }
    let Ok(location) = HeaderValue::try_from(rule.login_url.as_str()) else {
        tracing::error!(login_url = %rule.login_url, "the login URL is not a valid header value; configure a plain path such as /login");
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error.");
    };
    let mut response = plain(StatusCode::SEE_OTHER, "");
    response.headers_mut().insert(header::LOCATION, location);
    response
}
