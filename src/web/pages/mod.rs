//! The page handlers, grouped by resource, and what every page shares.

mod account;
mod auth;
mod lists;
mod task_form;
mod tasks;

use axum::Router;

use super::session::{SessionState, Visitor};
use crate::state::AppState;

/// Every page route (the session layer is added by the caller).
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(tasks::router())
        .merge(lists::router())
        .merge(account::router())
}

/// What the layout needs: the CSRF token of the header's sign-out form, whether to show
/// the navigation, the one-shot notice, and the asset version.
pub struct Chrome {
    /// CSRF token for every form on the page.
    pub csrf: String,
    /// Whether the visitor is signed in.
    pub signed_in: bool,
    /// A notice from the previous request.
    pub notice: Option<&'static str>,
    /// Which navigation entry is current (`tasks`, `account`, ``).
    pub current: &'static str,
    /// Appended to asset URLs.
    pub version: u64,
}

impl Chrome {
    /// The chrome for `visitor` on the page `current`.
    pub fn new(state: &AppState, visitor: &Visitor, current: &'static str) -> Self {
        Self {
            csrf: visitor.csrf_token(state),
            signed_in: matches!(visitor.session, SessionState::SignedIn(_)),
            notice: visitor.notice(),
            current,
            version: super::ASSET_VERSION,
        }
    }
}

/// The first value of `name` in a raw query string.
pub fn param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
