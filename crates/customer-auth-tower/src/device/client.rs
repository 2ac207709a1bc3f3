//! Who is logging in: the client address and the device cookie of a request.

use cookie::Cookie;
use customer_auth_core::LoginClient;
use http::header;

use super::cookie::{DEVICE_COOKIE, name};
use crate::throttle::{ClientIp, RequestHead, peer_ip};

/// The most of a device cookie kept: a signed one is 86 characters.
const MAX_DEVICE_COOKIE: usize = 128;

/// The [`LoginClient`] of a request: the address [`ThrottleLayer`](crate::ThrottleLayer)
/// resolved (past trusted proxies) when it runs in front, else the socket's peer, and the
/// device cookie, if one was sent.
pub fn login_client<R: RequestHead + ?Sized>(request: &R) -> LoginClient {
    let address = request.extensions().get::<ClientIp>().map(|ClientIp(ip)| *ip).or_else(|| peer_ip(request));
    let mut device = None;
    for value in request.headers().get_all(header::COOKIE) {
        let Ok(value) = value.to_str() else { continue };
        for cookie in Cookie::split_parse(value).flatten() {
            let named = cookie.name() == DEVICE_COOKIE || cookie.name() == name(false);
            if named && cookie.value().len() <= MAX_DEVICE_COOKIE {
                device = Some(cookie.value().to_owned());
            }
        }
    }
    LoginClient::new(address, device)
}

/// The axum extractor for [`login_client`] (feature `axum`): take it in a login handler and
/// pass it to [`Auth::authenticate_client`](customer_auth_core::Auth::authenticate_client).
#[cfg(feature = "axum")]
#[derive(Debug, Clone)]
pub struct RequestClient(pub LoginClient);

#[cfg(feature = "axum")]
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestClient {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut http::request::Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(login_client(parts)))
    }
}
