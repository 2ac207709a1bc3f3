//! The session layer's response future.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::{HeaderValue, Response, header};
use http_body_util::Either;
use pin_project_lite::pin_project;

use super::handle::Session;
use crate::{Body, Error};

type Finish = Pin<Box<dyn Future<Output = Result<Vec<HeaderValue>, Error>> + Send>>;

pin_project! {
    /// Waits for the inner response, then writes the session's changes and sets the cookie.
    pub struct ResponseFuture<F, B> {
        #[pin]
        inner: F,
        session: Session,
        finishing: Option<(Response<B>, Finish)>,
    }
}

impl<F, B> ResponseFuture<F, B> {
    pub(crate) fn new(inner: F, session: Session) -> Self {
        Self { inner, session, finishing: None }
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<Body<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            if let Some((_, finish)) = this.finishing.as_mut() {
                let outcome = ready!(finish.as_mut().poll(cx));
                let Some((response, _)) = this.finishing.take() else { continue };
                return Poll::Ready(Ok(apply(response, outcome)));
            }
            let mut response = ready!(this.inner.as_mut().poll(cx))?;
            if this.session.was_read() {
                keep_out_of_shared_caches(response.headers_mut());
            }
            // The common case, a request that never touched its session, costs nothing more.
            if !this.session.needs_finish() {
                return Poll::Ready(Ok(response.map(Either::Left)));
            }
            let session = this.session.clone();
            *this.finishing = Some((response, Box::pin(async move { session.finish().await })));
        }
    }
}

/// A response built from a session (a name in the header, a CSRF token, a flash, a page behind
/// a guard) is that visitor's alone: no cache may keep it, and one that ignores `no-store`
/// must at least tell visitors apart by their cookie. This overrides a `Cache-Control` the
/// handler set: `public` or `max-age` on such a page would hand it to the next visitor.
fn keep_out_of_shared_caches(headers: &mut http::HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let varies = headers.get_all(header::VARY).iter().any(|value| {
        value.to_str().is_ok_and(|value| {
            value.split(',').any(|name| name.trim() == "*" || name.trim().eq_ignore_ascii_case("cookie"))
        })
    });
    if !varies {
        headers.append(header::VARY, HeaderValue::from_static("Cookie"));
    }
}

fn apply<B>(response: Response<B>, outcome: Result<Vec<HeaderValue>, Error>) -> Response<Body<B>> {
    match outcome {
        Ok(cookies) if cookies.is_empty() => response.map(Either::Left),
        Ok(cookies) => {
            let mut response = response.map(Either::Left);
            let headers = response.headers_mut();
            for cookie in cookies {
                headers.append(header::SET_COOKIE, cookie);
            }
            // A shared cache must never hand one visitor's session cookie to another.
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        // The handler's answer assumed the session was saved; it was not, so it must not go out.
        Err(err) => err.to_response().map(Either::Right),
    }
}
