//! The HTTP shell shared by the faces: the accept loop ([`serve`]), the middleware stack
//! ([`middleware`]: request ids, tracing, limits, time-outs, security headers, CORS, and the
//! safety net that turns every error into problem+json), problem+json itself
//! ([`problem`]), the JSON body extractor ([`json`]), who is calling ([`auth`]),
//! conditional requests ([`conditional`]), path parameters ([`path`]), paged collections
//! ([`paging`]) and the metrics'
//! HTTP side ([`metrics`]).
//!
//! It knows the services only through the extractors' `FromRef` bounds, never the app
//! state or a face.

pub mod auth;
pub mod conditional;
pub mod json;
pub mod metrics;
mod middleware;
pub mod paging;
pub mod path;
pub mod problem;
mod serve;

pub use json::{ApiJson, parse as parse_json};
pub use middleware::with_middleware;
pub use serve::{MAX_CONNECTIONS, header_read_timeout, serve};

/// This server's address, without a trailing slash: `PUBLIC_URL` when set, else `http://`
/// and the request's `Host` (when it is a valid host and port; else `localhost`). OAuth's
/// metadata, the MCP server's `resource` and links in mail are built on it.
pub fn public_base(config: &crate::config::Config, headers: &axum::http::HeaderMap) -> String {
    if let Some(url) = &config.public_url {
        return url.as_str().trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.parse::<axum::http::uri::Authority>()
                .is_ok_and(|a| a.as_str() == *h && !h.contains('@'))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// Largest request body accepted, in bytes (API.md: 64 KiB, else 413).
pub const BODY_LIMIT: usize = 64 * 1024;
