//! The middleware stack shared by every route.

use std::time::Duration;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{
    Extensions, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Version, header,
};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

use super::BODY_LIMIT;
use super::problem::{PROBLEM_JSON, problem_response};
use crate::config::Config;
use crate::error::AppError;
use crate::metrics::Metrics;

/// Policy for JSON responses: nothing may be loaded, framed or submitted. Web pages set
/// their own, looser policy before this layer sees the response.
const API_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Wraps `routes` in the shared middleware; every request is counted in `metrics` when
/// given.
pub fn with_middleware(routes: Router, config: &Config, metrics: Option<Arc<Metrics>>) -> Router {
    let layers = ServiceBuilder::new()
        // Outermost first: mark secrets before anything could print them.
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
        ]))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(log_response)
                .on_failure(()),
        )
        // Only GET and HEAD answers may be compressed (see `compression`).
        .map_request(|mut req: Request| {
            if !matches!(*req.method(), Method::GET | Method::HEAD) {
                req.headers_mut().remove(header::ACCEPT_ENCODING);
            }
            req
        })
        .layer(compression())
        .layer(from_fn_with_state(config.is_https(), security_headers))
        .layer(CatchPanicLayer::custom(|_| {
            AppError::Internal("a handler panicked".into()).into_response()
        }))
        // Inside the panic guard so a panic is counted as the 500 it becomes.
        .option_layer(metrics.map(|m| from_fn_with_state(m, super::metrics::track)))
        .option_layer(cors(config))
        .layer(from_fn(problem_safety_net))
        .layer(from_fn_with_state(config.request_timeout, enforce_timeout))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    routes.layer(layers)
}

fn request_span(req: &Request) -> Span {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    // The path only: a query string is the one place a careless client might put a secret.
    tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
}

fn log_response<B>(res: &axum::http::Response<B>, latency: Duration, _span: &Span) {
    let status = res.status().as_u16();
    let ms = latency.as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(status, latency_ms = ms, "served");
    } else {
        tracing::info!(status, latency_ms = ms, "served");
    }
}

/// br or gzip, when the client asks for it (`Accept-Encoding`), for bodies of 1 KiB or
/// more that are not images (but SVG) or event streams, and never for a response that
/// carries an `ETag`: that tag is strong and names the bytes the API sends, so `If-Match`
/// and `If-None-Match` keep comparing it unchanged (the API's single resources are small
/// anyway; its lists and every page are compressed). POST, PUT, PATCH and DELETE answers
/// are not compressed (their `Accept-Encoding` is removed before this layer): a page
/// answering a form may show a secret once (a webhook's), which must not sit next to
/// attacker-chosen text in a compressed body (BREACH), and tower-http turns a response
/// into `406` when the client refuses every encoding, which must not happen after a
/// change was made.
fn compression() -> CompressionLayer<impl Predicate> {
    let no_etag = |_: StatusCode, _: Version, headers: &HeaderMap, _: &Extensions| {
        !headers.contains_key(header::ETAG)
    };
    CompressionLayer::new()
        .no_deflate()
        .no_zstd()
        .compress_when(
            SizeAbove::new(1024)
                .and(NotForContentType::IMAGES)
                .and(NotForContentType::SSE)
                .and(no_etag),
        )
}

fn cors(config: &Config) -> Option<CorsLayer> {
    if config.cors_allowed_origins.is_empty() {
        return None;
    }
    let origins: Vec<HeaderValue> = config
        .cors_allowed_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::IF_MATCH,
                header::IF_NONE_MATCH,
            ])
            .expose_headers([
                header::ETAG,
                header::LOCATION,
                header::LINK,
                header::RETRY_AFTER,
                HeaderName::from_static("x-total-count"),
                HeaderName::from_static("x-request-id"),
            ])
            .max_age(Duration::from_secs(3600)),
    )
}

/// Adds the security headers of API.md to every response that does not set its own.
async fn security_headers(State(https): State<bool>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let defaults: [(HeaderName, &'static str); 5] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, API_CSP),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    for (name, value) in defaults {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    }
    if https {
        h.entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static(
                "max-age=31536000; includeSubDomains",
            ));
    }
    res
}

/// Answers 503 with `Retry-After` when a request runs past `REQUEST_TIMEOUT`.
async fn enforce_timeout(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(limit_ms = limit.as_millis() as u64, "request timed out");
            AppError::Timeout.into_response()
        }
    }
}

/// The safety net: an error response that is not already problem+json, a page, XML or a
/// protocol's own JSON (axum's plain-text rejections, tower-http's empty 413, a 405 from
/// the router) is rewritten as problem+json, keeping its status and headers such as
/// `Allow`.
async fn problem_safety_net(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let mut res = next.run(req).await;
    let status = res.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        // The rest of the body was not read, so this connection cannot carry another
        // request: say so, or a client may send its next request down it as it closes.
        res.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    if !(status.is_client_error() || status.is_server_error()) || has_own_body(res.headers()) {
        return res;
    }
    let (parts, _) = res.into_parts();
    let mut headers = parts.headers;
    headers.remove(header::CONTENT_TYPE);
    headers.remove(header::CONTENT_LENGTH);
    let detail = match status {
        StatusCode::NOT_FOUND => "there is nothing at this address".to_owned(),
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = headers
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            if allowed.is_empty() {
                format!("{method} is not allowed here")
            } else {
                format!("{method} is not allowed here; allowed: {allowed}")
            }
        }
        StatusCode::PAYLOAD_TOO_LARGE => {
            format!("the request body is larger than the {BODY_LIMIT} bytes allowed")
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            "send the body as JSON with `Content-Type: application/json`".to_owned()
        }
        StatusCode::BAD_REQUEST => "the request could not be read".to_owned(),
        StatusCode::UNPROCESSABLE_ENTITY => "the request has invalid values".to_owned(),
        s if s.is_server_error() => "something went wrong on our side; it has been logged".into(),
        s => s
            .canonical_reason()
            .unwrap_or("request failed")
            .to_lowercase(),
    };
    problem_response(status, detail, Vec::new(), headers)
}

fn has_own_body(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.starts_with(PROBLEM_JSON)
                // OAuth's own errors (RFC 6749 section 5.2) and MCP's JSON-RPC errors.
                || ct.starts_with("application/json")
                || ct.starts_with("text/html")
                || ct.starts_with("application/xml")
        })
}
