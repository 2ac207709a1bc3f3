//! One log line per request, and the headers every page carries.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use customer_auth_tower::{TrustedProxies, client_ip};
use http::{HeaderValue, header};
use tracing::Instrument as _;

/// Logs method, route, status and latency. The route is the pattern that matched
/// (`/reset/{token}`), never the path itself: paths carry live reset, confirmation and unlock
/// tokens, and a log pipeline is read by more people than the mailbox. Never the query string,
/// cookies or body either. Everything logged while the request runs (the audit events above
/// all) happens inside a span that carries the client's address.
pub(crate) async fn log_request(State(trusted): State<TrustedProxies>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    // No route matched (a 404): the path is the client's to choose, so it is not logged.
    let route = request.extensions().get::<MatchedPath>().map_or("(no route)", MatchedPath::as_str).to_owned();
    let client_ip = client_ip(&request, &trusted);
    let span = tracing::info_span!("request", client_ip = client_ip.map(tracing::field::display));
    let started = Instant::now();
    let response = next.run(request).instrument(span).await;
    tracing::info!(
        target: "camerastore::http",
        %method,
        %route,
        status = response.status().as_u16(),
        latency_ms = %format_args!("{:.1}", started.elapsed().as_secs_f64() * 1000.0),
        "request"
    );
    response
}

/// Pages may not be framed (clickjacking) or load anything from elsewhere.
pub(crate) async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; form-action 'self'; frame-ancestors 'none'"),
    );
    response
}
