//! The one way a page handler reads a form: [`CsrfForm`] checks the origin and the CSRF
//! token before the handler runs, and a form that cannot be read is a friendly 400 page.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::csrf;
use super::error;
use super::session::Visitor;
use crate::state::AppState;

pub use super::csrf::CSRF_FIELD;
pub use super::field_errors::{Errors, Problem};

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
            .map_err(|_| error::unreadable())?;
        let submitted = url::form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        if !visitor.csrf_valid(state, &submitted) {
            tracing::info!("form with a missing or wrong CSRF token refused");
            return Err(error::forbidden_form());
        }
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|_| error::unreadable())?;
        Ok(Self { visitor, form })
    }
}
