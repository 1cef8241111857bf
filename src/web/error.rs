//! Friendly HTML error pages: the web app's face for 403, 404 and everything that fails.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::with_page_headers;
use crate::error::AppError;

/// What the layout needs of the visitor to show the navigation: the CSRF token of the
/// header's sign-out form and whether they are signed in. The page layer records it
/// when a handler resolves the visitor.
#[derive(Debug, Clone, Default)]
pub struct Frame {
    /// CSRF token for the forms of the layout.
    pub csrf: String,
    /// Whether the visitor is signed in (the navigation is shown).
    pub signed_in: bool,
}

/// The layout's part of an error page (`base.html` reads these fields).
pub struct ErrorChrome {
    csrf: String,
    signed_in: bool,
    notice: Option<&'static str>,
    undo: Option<NoUndo>,
    current: &'static str,
    assets: super::assets::AssetUrls,
}

/// An error page has no notice, so no Undo button: the shape the layout reads.
pub struct NoUndo {
    action: &'static str,
    back: &'static str,
    version: Option<i64>,
    what: &'static str,
}

/// The error page, inside the normal layout.
#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub struct ErrorPage {
    chrome: ErrorChrome,
    /// Status code, shown small.
    status: u16,
    /// The heading.
    title: String,
    /// One or two sentences.
    message: String,
}

/// An error page to be shown: kept in the response's extensions so that the page layer,
/// which knows the visitor, renders it inside the frame with the navigation.
#[derive(Debug, Clone)]
pub struct Shown {
    status: StatusCode,
    title: String,
    message: String,
}

impl Shown {
    /// The page in `frame` (with the navigation when the visitor is signed in); without
    /// one, in the layout without the navigation.
    pub fn render(&self, frame: Option<&Frame>) -> Response {
        let frame = frame.cloned().unwrap_or_default();
        let body = ErrorPage {
            chrome: ErrorChrome {
                csrf: frame.csrf,
                signed_in: frame.signed_in,
                notice: None,
                undo: None,
                current: "",
                assets: super::assets::URLS,
            },
            status: self.status.as_u16(),
            title: self.title.clone(),
            message: self.message.clone(),
        };
        let mut res = with_page_headers((self.status, body).into_response());
        res.extensions_mut().insert(self.clone());
        res
    }
}

/// Renders an error page with the page security headers. Under the page layer, it is
/// rendered again inside the visitor's frame ([`Shown`]).
pub fn page(status: StatusCode, title: &str, message: &str) -> Response {
    Shown {
        status,
        title: title.to_owned(),
        message: message.to_owned(),
    }
    .render(None)
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
