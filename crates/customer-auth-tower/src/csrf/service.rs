use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body::Body as HttpBody;
use http_body_util::{BodyExt, Either, Full, LengthLimitError, Limited};
use tower_service::Service;

use super::layer::{CsrfConfig, FORM_FIELD, HEADER};
use super::origin::is_cross_origin;
use crate::error::plain;
use crate::{Body, Session};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The CSRF check's response future.
pub type CsrfFuture<B, E> = Pin<Box<dyn Future<Output = Result<Response<Body<B>>, E>> + Send>>;

/// The request body the inner service gets: the original one, or the form read to find the
/// token.
type CheckedBody<B> = Either<B, Full<Bytes>>;

/// The service [`CsrfLayer`](super::CsrfLayer) wraps around yours.
#[derive(Debug, Clone)]
pub struct CsrfService<S> {
    inner: S,
    config: Arc<CsrfConfig>,
}

impl<S> CsrfService<S> {
    pub(crate) fn new(inner: S, config: Arc<CsrfConfig>) -> Self {
        Self { inner, config }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for CsrfService<S>
where
    S: Service<Request<CheckedBody<ReqBody>>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    ReqBody: HttpBody + Send + 'static,
    ReqBody::Data: Send,
    ReqBody::Error: Into<BoxError>,
{
    type Response = Response<Body<ResBody>>;
    type Error = S::Error;
    type Future = CsrfFuture<ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let config = Arc::clone(&self.config);
        Box::pin(async move {
            if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE) {
                return inner.call(request.map(Either::Left)).await.map(|response| response.map(Either::Left));
            }
            match check(request, &config).await {
                Ok(request) => inner.call(request).await.map(|response| response.map(Either::Left)),
                Err(refusal) => Ok(refusal.map(Either::Right)),
            }
        })
    }
}

type Refusal = Response<Full<Bytes>>;

fn forbidden(reason: &'static str) -> Refusal {
    plain(StatusCode::FORBIDDEN, reason)
}

/// The request, ready for the inner service, when it passes both checks.
async fn check<B>(request: Request<B>, config: &CsrfConfig) -> Result<Request<CheckedBody<B>>, Refusal>
where
    B: HttpBody,
    B::Error: Into<BoxError>,
{
    if is_cross_origin(&request, config) {
        return Err(forbidden("Cross-site requests are refused."));
    }
    let session = request
        .extensions()
        .get::<Session>()
        .cloned()
        .ok_or_else(|| crate::Error::MissingSessionLayer.to_response())?;
    let verify = async |token: &str| session.verify_csrf_token(token).await.map_err(|err| err.to_response());
    if let Some(token) = request.headers().get(HEADER) {
        let token = token.to_str().unwrap_or_default();
        return if verify(token).await? {
            Ok(request.map(Either::Left))
        } else {
            Err(forbidden("Invalid CSRF token."))
        };
    }
    let is_form = request.headers().get(header::CONTENT_TYPE).is_some_and(|content_type| {
        content_type.as_bytes().to_ascii_lowercase().starts_with(b"application/x-www-form-urlencoded")
    });
    if !is_form {
        return Err(forbidden("Missing CSRF token."));
    }
    let (parts, body) = request.into_parts();
    let form = match Limited::new(body, config.max_form_bytes).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.is::<LengthLimitError>() => {
            return Err(plain(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large."));
        }
        Err(_) => return Err(plain(StatusCode::BAD_REQUEST, "The form could not be read.")),
    };
    let token = form_urlencoded::parse(&form).find(|(name, _)| name == FORM_FIELD).map(|(_, token)| token);
    match token {
        Some(token) if verify(&token).await? => Ok(Request::from_parts(parts, Either::Right(Full::new(form)))),
        Some(_) => Err(forbidden("Invalid CSRF token.")),
        None => Err(forbidden("Missing CSRF token.")),
    }
}
