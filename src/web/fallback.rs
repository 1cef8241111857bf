//! Unknown addresses: a browser outside `/api/` gets the 404 page inside the frame (the
//! navigation kept when signed in: one session check, for browsers only); API clients
//! and `/api/...` keep the problem+json 404, with no session lookup.

use axum::extract::{FromRequestParts, Request, State};
use axum::response::{IntoResponse, Response};

use super::error;
use super::session::Visitor;
use crate::error::AppError;
use crate::state::AppState;

/// The router's fallback (under the page layer, which frames the page).
pub async fn unknown(State(state): State<AppState>, req: Request) -> Response {
    let (mut parts, _) = req.into_parts();
    let path = parts.uri.path();
    let api = path == "/api" || path.starts_with("/api/");
    if api || !super::wants_html(&parts.headers) {
        return AppError::not_found().into_response();
    }
    // Known visitor, framed page; a failure to tell is only a page without navigation.
    let _ = Visitor::from_request_parts(&mut parts, &state).await;
    error::not_found()
}
