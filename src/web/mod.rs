//! The server-rendered web app: sign-up, sign-in, tasks and account pages over cookie
//! sessions, with CSRF-checked forms; templates and assets are compiled into the binary.
//!
//! Decisions and their reasons are in `docs/web.md`.

pub mod assets;
pub mod cookies;
pub mod csrf;
pub mod error;
mod fallback;
pub mod field_errors;
pub mod flash;
pub mod forms;
pub mod kept;
mod pages;
pub mod qr;
mod renewals;
pub mod session;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::from_fn;
use axum::response::{IntoResponse, Response};
use axum::routing::any;

use crate::state::AppState;

/// Policy for pages: our own styles, script and images only, no inline script, forms only
/// to us, never framed.
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
    object-src 'none'";

/// The page routes, the embedded assets, and the fallback for unknown addresses (a page
/// for browsers, problem+json for API clients).
pub fn router() -> Router<AppState> {
    let renewals = Arc::new(renewals::Renewals::default());
    let framed = renewals.clone();
    let pages = pages::router().layer(from_fn(move |req, next| {
        session::layer(renewals.clone(), req, next)
    }));
    let unknown = any(fallback::unknown).layer(from_fn(move |req, next| {
        session::layer(framed.clone(), req, next)
    }));
    Router::new()
        .merge(assets::router())
        .merge(pages)
        .fallback(unknown)
}

/// Adds the page security headers (API.md "Web pages") unless the response has its own.
/// The shared middleware adds the rest (`nosniff`, `X-Frame-Options`) afterwards.
pub fn with_page_headers(mut res: Response) -> Response {
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    let applies = is_html || res.status().is_redirection();
    let h = res.headers_mut();
    let defaults: [(HeaderName, &'static str); 3] = [
        (header::CONTENT_SECURITY_POLICY, PAGE_CSP),
        // `same-origin`, not `no-referrer`: with `no-referrer` browsers send `Origin: null`
        // on form posts, and the CSRF origin check needs the real origin.
        (header::REFERRER_POLICY, "same-origin"),
        // Pages show private data: never keep them in a shared or back-button cache.
        (header::CACHE_CONTROL, "no-store"),
    ];
    if applies {
        for (name, value) in defaults {
            h.entry(name).or_insert(HeaderValue::from_static(value));
        }
    }
    res
}

/// `303 See Other` to a local `location` (POST-redirect-GET). A location that is not a
/// valid header value goes to `/` instead of panicking.
pub fn see_other(location: &str) -> Response {
    let value = HeaderValue::from_str(location).unwrap_or(HeaderValue::from_static("/"));
    (StatusCode::SEE_OTHER, [(header::LOCATION, value)]).into_response()
}

/// `next` if it is a path on this site, else `None`: it must start with one `/` (not
/// `//` or `/\`, which browsers read as another host), and hold no backslash, no control
/// character and no whitespace. A path cannot carry a scheme, so this is no open redirect.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then_some(next)
}

/// Whether the client prefers a page to JSON (a browser navigating).
pub fn wants_html(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_accepted_as_next() {
        assert_eq!(
            safe_next("/tasks?status=pending"),
            Some("/tasks?status=pending")
        );
        assert_eq!(safe_next("/"), Some("/"));
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "evil.example",
            "javascript:alert(1)",
            "/a\\b",
            "/\t/evil.example",
            " /x",
            "",
        ] {
            assert_eq!(safe_next(bad), None, "{bad}");
        }
    }
}
