//! The one way a page handler reads a form: [`CsrfForm`] checks the origin and the CSRF
//! token before the handler runs, and a form that cannot be read is a friendly 400 page.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::csrf;
use super::error;
use super::session::Visitor;
use crate::error::FieldError;
use crate::state::AppState;

/// Name of the hidden field that carries the CSRF token.
pub const CSRF_FIELD: &str = "csrf";

/// A submitted form whose origin and CSRF token were checked, with its visitor.
pub struct CsrfForm<T> {
    /// Who sent it.
    pub visitor: Visitor,
    /// The fields.
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        // First the cheap check: a cross-site POST gets no further (OWASP: verify origin).
        if !csrf::same_origin(&parts.headers, &state.config) {
            tracing::info!("cross-site form refused");
            return Err(error::forbidden_form());
        }
        let visitor = Visitor::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let req = Request::from_parts(parts, body);
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| unreadable())?;
        let submitted = url::form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        if !visitor.csrf_valid(state, &submitted) {
            tracing::info!("form with a missing or wrong CSRF token refused");
            return Err(error::forbidden_form());
        }
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|_| unreadable())?;
        Ok(Self { visitor, form })
    }
}

fn unreadable() -> Response {
    error::page(
        StatusCode::BAD_REQUEST,
        "This form could not be read",
        "Go back, reload the page and try again.",
    )
}

/// Field errors of one form, looked up by field name in templates.
#[derive(Debug, Default, Clone)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    /// The message for `field`, capitalised, if it has one.
    pub fn get(&self, field: &str) -> Option<String> {
        self.0
            .iter()
            .find(|e| e.field == field || e.field.starts_with(&format!("{field}[")))
            .map(|e| sentence(&e.field, &e.message))
    }

    /// The message for exactly `field` (not its parts, `field[0]`), if it has one.
    pub fn only(&self, field: &str) -> Option<String> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| sentence(&e.field, &e.message))
    }

    /// Whether there is any error.
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }

    /// Adds one.
    pub fn add(&mut self, field: &str, message: &str) {
        self.0.push(FieldError::new(field, message));
    }
}

/// "title" + "must not be empty" -> "Title must not be empty."
fn sentence(field: &str, message: &str) -> String {
    if message.starts_with(char::is_uppercase) {
        return message.to_owned();
    }
    let label = match field.split('[').next().unwrap_or(field) {
        "title" => "The title",
        "description" => "The description",
        "tags" => "Tags",
        "due" => "The due date",
        "reminders" => "The reminder",
        "target" => "The address or URL",
        "token" => "The token",
        "kind" => "The kind",
        "email" => "The email",
        "name" => "The name",
        "timezone" => "The time zone",
        "password" | "new_password" => "The password",
        "current_password" => "The current password",
        _ => "This field",
    };
    let mut s = format!("{label} {message}");
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}
