//! Where a request comes from, as the browser reports it.

use http::{HeaderMap, Request, header};

use super::layer::CsrfConfig;

/// True when the browser says the request comes from another origin. Requests without
/// either header (old browsers, non-browser clients) are left to the token check.
pub(crate) fn is_cross_origin<B>(request: &Request<B>, config: &CsrfConfig) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        // `none` is the user typing or bookmarking; `same-site` is another subdomain, which
        // may be less trusted than this origin.
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else { return false };
    let Ok(origin) = origin.to_str() else { return true };
    let origin = origin.trim_end_matches('/').to_ascii_lowercase();
    if config.trusted_origins.contains(&origin) {
        return false;
    }
    let Some((_, authority)) = origin.split_once("://") else { return true }; // `null` and the like
    host(headers, request.uri()).is_none_or(|host| !host.eq_ignore_ascii_case(authority))
}

fn host<'a>(headers: &'a HeaderMap, uri: &'a http::Uri) -> Option<&'a str> {
    headers.get(header::HOST).and_then(|host| host.to_str().ok()).or_else(|| uri.authority().map(|a| a.as_str()))
}
