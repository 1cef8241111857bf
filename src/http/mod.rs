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

/// Largest request body accepted, in bytes (API.md: 64 KiB, else 413).
pub const BODY_LIMIT: usize = 64 * 1024;
