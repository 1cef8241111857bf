//! The one application error type: what went wrong, as a client will be told.
//!
//! A leaf of the crate: services, the store's error conversion and both faces use it, and
//! it uses none of them. The faces render it: `http::problem` as RFC 9457 problem+json,
//! `web::error` as an HTML page. Internal causes are logged there and answered with a
//! generic sentence: no SQL, no stack trace.

use http::StatusCode;
use serde::Serialize;

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field's name as the client sent it (`title`, `tags[2]`, `query.limit`).
    pub field: String,
    /// What is wrong with it, as a sentence.
    pub message: String,
}

impl FieldError {
    /// Builds a field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Why a bearer token was refused (RFC 6750 section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// No credentials at all: `WWW-Authenticate: Bearer`.
    Missing,
    /// Malformed, expired, revoked or otherwise invalid: `error="invalid_token"`.
    InvalidToken,
    /// Wrong email or password, wrong refresh token: no `error=` parameter.
    BadCredentials,
}

/// Everything that can go wrong in a request, as the client will see it.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request could not be read (malformed JSON, bad encoding).
    #[error("{0}")]
    BadRequest(String),
    /// 401.
    #[error("{detail}")]
    Unauthorized {
        /// Which `WWW-Authenticate` challenge to send.
        failure: AuthFailure,
        /// The sentence for the client.
        detail: String,
    },
    /// 403.
    #[error("{0}")]
    Forbidden(String),
    /// 403 to a personal access token without the scope a route needs:
    /// `WWW-Authenticate: Bearer error="insufficient_scope"` (RFC 6750 3.1).
    #[error("this access token does not have the scope `{scope}` this request needs")]
    InsufficientScope {
        /// The scope needed (`tasks:read`, `tasks:write`).
        scope: &'static str,
    },
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 405.
    #[error("this method is not allowed on this resource")]
    MethodNotAllowed,
    /// 409.
    #[error("{0}")]
    Conflict(String),
    /// 412.
    #[error("{0}")]
    PreconditionFailed(String),
    /// 413.
    #[error("the request body is larger than the {limit} bytes allowed")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// 415.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422 with one entry per invalid field.
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    /// 429.
    #[error("too many attempts; try again in {retry_after} seconds")]
    RateLimited {
        /// Seconds until the client may retry.
        retry_after: u64,
    },
    /// 503: the database (or another dependency) does not answer.
    #[error("the service is temporarily unavailable; try again shortly")]
    Unavailable,
    /// 503: the request ran past the configured time limit.
    #[error("the request took too long and was stopped; try again shortly")]
    Timeout,
    /// 500: a bug or an unexpected failure. The cause is logged, never sent.
    #[error("internal error")]
    Internal(String),
}

impl From<FieldError> for AppError {
    /// One invalid field: a `422`.
    fn from(e: FieldError) -> Self {
        Self::Validation(vec![e])
    }
}

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::InsufficientScope { .. } => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable | Self::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A 404 for a route or resource that does not exist.
    pub fn not_found() -> Self {
        Self::NotFound("there is nothing at this address".into())
    }

    /// One invalid field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// The sentence a client is told: `detail` of a problem, the text of an error page.
    /// Never the cause of an internal error.
    pub fn detail(&self) -> String {
        match self {
            Self::Validation(errors) => match errors.as_slice() {
                [one] => format!("{}: {}", one.field, one.message),
                _ => format!(
                    "{} fields are invalid: {}",
                    errors.len(),
                    errors
                        .iter()
                        .map(|e| e.field.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            Self::Internal(_) => "something went wrong on our side; it has been logged".into(),
            other => other.to_string(),
        }
    }

    /// The field errors of a 422; none for any other error.
    pub fn into_field_errors(self) -> Vec<FieldError> {
        match self {
            Self::Validation(errors) => errors,
            _ => Vec::new(),
        }
    }
}

/// Shorthand for results that fail with an [`AppError`].
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_detail_names_the_fields() {
        let one = AppError::invalid("title", "must not be empty");
        assert_eq!(one.detail(), "title: must not be empty");
        let two = AppError::Validation(vec![
            FieldError::new("title", "too long"),
            FieldError::new("tags", "too many"),
        ]);
        assert_eq!(two.detail(), "2 fields are invalid: title, tags");
    }

    #[test]
    fn internal_errors_never_show_their_cause() {
        let e = AppError::Internal("SELECT * FROM users failed".into());
        assert!(!e.detail().contains("SELECT"));
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
