//! The throttle's response future.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http::Response;
use http_body_util::{Either, Full};
use pin_project_lite::pin_project;

use super::layer::ThrottleConfig;
use crate::Body;

pin_project! {
    /// The inner service's response, or the `429` the throttle answered with itself.
    pub struct ResponseFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F> {
        Inner { #[pin] future: F },
        // Counts the client's failure when the answer is a 4xx.
        Counting { #[pin] future: F, config: Arc<ThrottleConfig>, client: IpAddr },
        Refused { response: Option<Response<Full<Bytes>>> },
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn inner(future: F) -> Self {
        Self { kind: Kind::Inner { future } }
    }

    pub(crate) fn counting(future: F, config: Arc<ThrottleConfig>, client: IpAddr) -> Self {
        Self { kind: Kind::Counting { future, config, client } }
    }

    pub(crate) fn refused(response: Response<Full<Bytes>>) -> Self {
        Self { kind: Kind::Refused { response: Some(response) } }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<Body<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Inner { future } => Poll::Ready(Ok(ready!(future.poll(cx))?.map(Either::Left))),
            KindProj::Counting { future, config, client } => {
                let response = ready!(future.poll(cx))?;
                if response.status().is_client_error()
                    && let Some(failures) = &config.failures
                {
                    failures.count(*client);
                }
                Poll::Ready(Ok(response.map(Either::Left)))
            }
            KindProj::Refused { response } => match response.take() {
                Some(response) => Poll::Ready(Ok(response.map(Either::Right))),
                // Polled again after it completed: the contract allows anything but a panic.
                None => Poll::Pending,
            },
        }
    }
}

impl<F> std::fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}
