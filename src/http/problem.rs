//! RFC 9457 problem+json: how every [`AppError`] is answered to an API client.
//!
//! Internal causes are logged inside the request's span (so the request id is attached)
//! and answered with a generic sentence.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{AppError, AuthFailure, FieldError};

/// Media type of every error body (RFC 9457 section 3).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Seconds a client should wait before retrying after a 503.
const RETRY_AFTER_UNAVAILABLE: u64 = 5;

/// The problem+json body (RFC 9457 section 3.1).
#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"type": "about:blank", "title": "Unprocessable Entity", "status": 422,
    "detail": "title: must not be empty", "errors": [{"field": "title", "message": "must not be empty"}]}))]
pub struct Problem {
    /// `about:blank`: the status code says it all (RFC 9457 section 4.2.1).
    #[serde(rename = "type")]
    pub kind: String,
    /// The status code's reason phrase.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// A human sentence; FastAPI-era clients read this field.
    pub detail: String,
    /// Field-level validation errors (422 only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let Self::Internal(cause) = &self {
            tracing::error!(error = %cause, "internal error");
        }
        let mut headers = HeaderMap::new();
        match &self {
            Self::Unauthorized { failure, .. } => {
                // RFC 6750 3.1: no error code when the request carried no credentials.
                let challenge = match failure {
                    AuthFailure::InvalidToken => r#"Bearer error="invalid_token""#,
                    AuthFailure::Missing | AuthFailure::BadCredentials => "Bearer",
                };
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(challenge),
                );
            }
            Self::InsufficientScope { scope } => {
                let challenge = format!(r#"Bearer error="insufficient_scope", scope="{scope}""#);
                if let Ok(v) = HeaderValue::from_str(&challenge) {
                    headers.insert(header::WWW_AUTHENTICATE, v);
                }
            }
            Self::RateLimited { retry_after } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            Self::Unavailable | Self::Timeout => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(RETRY_AFTER_UNAVAILABLE),
                );
            }
            _ => {}
        }
        problem_response(status, self.detail(), self.into_field_errors(), headers)
    }
}

/// Renders a problem+json response for any status.
pub fn problem_response(
    status: StatusCode,
    detail: String,
    errors: Vec<FieldError>,
    mut headers: HeaderMap,
) -> Response {
    let body = Problem {
        kind: "about:blank".into(),
        title: status.canonical_reason().unwrap_or("Error").into(),
        status: status.as_u16(),
        detail,
        errors,
    };
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    (status, headers, bytes).into_response()
}
