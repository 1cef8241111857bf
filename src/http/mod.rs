//! The HTTP shell around the routes: request ids, tracing, limits, time-outs, security
//! headers, CORS, and the safety net that turns every error into problem+json.

mod extract;
mod middleware;
mod serve;

pub use extract::{ApiJson, parse as parse_json};
pub use middleware::with_middleware;
pub use serve::{MAX_CONNECTIONS, header_read_timeout, serve};

/// Largest request body accepted, in bytes (API.md: 64 KiB, else 413).
pub const BODY_LIMIT: usize = 64 * 1024;
