//! Friendly HTML error pages: the web app's face for 403, 404 and everything that fails.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::with_page_headers;
use crate::error::AppError;

/// The error page.
#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// Status code, shown small.
    pub status: u16,
    /// The heading.
    pub title: String,
    /// One or two sentences.
    pub message: String,
    /// The URLs of the stylesheet and icon.
    pub assets: super::assets::AssetUrls,
}

/// Renders an error page with the page security headers.
pub fn page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = ErrorPage {
        status: status.as_u16(),
        title: title.to_owned(),
        message: message.to_owned(),
        assets: super::assets::URLS,
    };
    with_page_headers((status, body).into_response())
}

/// The 404 page, also used by the router fallback for browsers.
pub fn not_found() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is nothing at this address. It may have been deleted, or the link is mistyped.",
    )
}

/// The page for a form that cannot be read.
pub fn unreadable() -> Response {
    page(
        StatusCode::BAD_REQUEST,
        "This form could not be read",
        "Go back, reload the page and try again.",
    )
}

/// The page for a refused cross-site or stale form.
pub fn forbidden_form() -> Response {
    page(
        StatusCode::FORBIDDEN,
        "This form could not be accepted",
        "It was sent from another site, or the page was open for too long. Go back, reload the page and try again.",
    )
}

/// A failure in a page handler, shown as an HTML page.
#[derive(Debug)]
pub struct WebError(pub AppError);

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        match self.0 {
            AppError::NotFound(_) => not_found(),
            AppError::RateLimited { retry_after } => page(
                status,
                "Too many attempts",
                &format!("Please wait {retry_after} seconds and try again."),
            ),
            AppError::Unavailable | AppError::Timeout => page(
                status,
                "Taskward is busy",
                "The service is temporarily unavailable. Please try again in a few seconds.",
            ),
            AppError::Internal(cause) => {
                tracing::error!(error = %cause, "internal error");
                page(
                    status,
                    "Something went wrong",
                    "Something went wrong on our side; it has been logged. Please try again.",
                )
            }
            AppError::Forbidden(why) => page(status, "Not allowed", &capitalise(&why)),
            other => {
                let title = status.canonical_reason().unwrap_or("Error").to_owned();
                page(status, &title, &capitalise(&other.to_string()))
            }
        }
    }
}

/// "the task ..." -> "The task ....": domain sentences start lower-case.
fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}
