//! Error pages: a `403`, `404`, `405`, `413`, `429`, `500` or `503` that left a handler or a
//! layer as bare text (or with no body at all) is shown in the shop's layout with a way back,
//! or as JSON to a client that asked for JSON. Pages a handler rendered itself pass untouched.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use customer_auth_tower::Session;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use minijinja::context;
use serde::Serialize;

use crate::AppState;
use crate::routes::Layout;

/// The longest plain-text body taken as the page's message; a longer one is not ours.
const MESSAGE_LIMIT: usize = 512;

/// Renders bare error responses. Mounted twice: inside the session layer, where the page shows
/// who is logged in, and outside it, for what the session layer itself refused (a store that is
/// down), where the page is the anonymous one.
pub(crate) async fn render(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let session = request.extensions().get::<Session>().cloned();
    let wants_json = wants_json(request.headers());
    let response = next.run(request).await;
    let status = response.status();
    let Some(fallback) = fallback_message(status) else { return response };
    if !is_bare(response.headers()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MESSAGE_LIMIT).await else {
        return (parts, Body::from(fallback)).into_response();
    };
    let message = match std::str::from_utf8(&bytes).map(str::trim) {
        Ok(text) if !text.is_empty() => text.to_owned(),
        _ => fallback.to_owned(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    if wants_json {
        parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let json = serde_json::json!({ "error": message, "status": status.as_u16() });
        return (parts, Body::from(json.to_string())).into_response();
    }
    let layout = match &session {
        Some(session) => Layout::for_error(session).await,
        None => Layout::anonymous(),
    };
    let page = ErrorPage { status: status.as_u16(), title: title(status), message };
    match state.templates.render("error.html", context! { layout, page }) {
        Ok(html) => {
            parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            (parts, html.0).into_response()
        }
        Err(err) => {
            tracing::error!(error = %err, "the error page could not be rendered");
            (parts, Body::from(page.message)).into_response()
        }
    }
}

#[derive(Serialize)]
struct ErrorPage {
    status: u16,
    title: &'static str,
    message: String,
}

/// Whether the client asked for JSON rather than a page (an API client, `fetch` with
/// `Accept: application/json`). Browsers always list `text/html`.
fn wants_json(headers: &HeaderMap) -> bool {
    let accept = headers.get(header::ACCEPT).and_then(|value| value.to_str().ok()).unwrap_or_default();
    accept.contains("application/json") && !accept.contains("text/html")
}

/// A body with no type, or plain text: what layers and the router answer with.
fn is_bare(headers: &HeaderMap) -> bool {
    match headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()) {
        None => true,
        Some(content_type) => content_type.starts_with("text/plain"),
    }
}

/// What to say when the response said nothing; `None` for the statuses left alone.
fn fallback_message(status: StatusCode) -> Option<&'static str> {
    Some(match status {
        StatusCode::FORBIDDEN => "You do not have access to this page.",
        StatusCode::NOT_FOUND => "There is no page at this address. It may have moved, or the link may be mistyped.",
        StatusCode::METHOD_NOT_ALLOWED => "This page cannot be used that way.",
        StatusCode::PAYLOAD_TOO_LARGE => "That form was too large to accept.",
        StatusCode::TOO_MANY_REQUESTS => "Too many attempts. Please wait a moment and try again.",
        StatusCode::INTERNAL_SERVER_ERROR => "Something went wrong on our side.",
        StatusCode::SERVICE_UNAVAILABLE => "The shop is briefly unavailable. Please try again in a moment.",
        _ => return None,
    })
}

fn title(status: StatusCode) -> &'static str {
    match status {
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::NOT_FOUND => "Page not found",
        StatusCode::TOO_MANY_REQUESTS => "Slow down",
        StatusCode::SERVICE_UNAVAILABLE => "Briefly unavailable",
        _ => "Sorry",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_get_pages_and_api_clients_json() {
        let accept = |value: &'static str| HeaderMap::from_iter([(header::ACCEPT, HeaderValue::from_static(value))]);
        assert!(!wants_json(&accept("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")));
        assert!(!wants_json(&HeaderMap::new()));
        assert!(wants_json(&accept("application/json")));
        assert!(!wants_json(&accept("text/html, application/json")));
    }
}
