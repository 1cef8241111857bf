//! The page handlers, grouped by resource, and what every page shares.

mod account;
mod auth;
pub(super) mod back;
mod calendars;
mod due_words;
mod help;
mod lists;
mod notifications;
mod oauth;
mod oidc;
mod quick;
mod quick_box;
mod recovery;
mod reminder_form;
mod repeat_form;
mod task_conflict;
mod task_edit;
mod task_filters;
mod task_form;
mod task_row;
mod task_undo;
mod tasks;
mod today;
mod tokens;
mod two_factor;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use uuid::Uuid;

use super::assets::AssetUrls;
use super::flash::Undo;
use super::kept::{Kept, Reason};
use super::session::{SessionState, Visitor};
use crate::error::AppError;
use crate::http::path;
use crate::state::AppState;
use crate::web::error::WebError;
use crate::web::safe_next;

/// Every page route (the session layer is added by the caller).
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(tasks::router())
        .merge(task_undo::router())
        .merge(task_edit::router())
        .merge(today::router())
        .merge(quick::router())
        .merge(lists::router())
        .merge(account::router())
        .merge(recovery::router())
        .merge(notifications::router())
        .merge(calendars::router())
        .merge(tokens::router())
        .merge(oauth::router())
        .merge(oidc::router())
        .merge(two_factor::router())
        .merge(help::router())
}

/// What the layout needs: the CSRF token of the header's sign-out form, whether to show
/// the navigation, the one-shot notice, and the asset URLs.
pub struct Chrome {
    /// CSRF token for every form on the page.
    pub csrf: String,
    /// Whether the visitor is signed in.
    pub signed_in: bool,
    /// A notice from the previous request.
    pub notice: Option<&'static str>,
    /// The notice's Undo button, when it has one.
    pub undo: Option<UndoButton>,
    /// Which navigation entry is current (`today`, `upcoming`, `tasks`, `lists`,
    /// `notifications`, `calendars`, `account`, ``).
    pub current: &'static str,
    /// The URLs of the stylesheet, script and icon.
    pub assets: AssetUrls,
}

/// The notice over a form kept when the session had ended.
pub const SIGNED_OUT_NOTICE: &str =
    "You were signed out; your task is kept below: check it and save.";

impl Chrome {
    /// Says why `kept` is shown, when it was kept at the session's end (a refused form
    /// has its error summary instead).
    pub fn kept(&mut self, kept: &Kept) {
        if kept.reason == Reason::SignedOut {
            self.notice = Some(SIGNED_OUT_NOTICE);
        }
    }

    /// The chrome for `visitor` on the page `current`.
    pub fn new(state: &AppState, visitor: &Visitor, current: &'static str) -> Self {
        Self {
            csrf: visitor.csrf_token(state),
            signed_in: matches!(visitor.session, SessionState::SignedIn(_)),
            notice: visitor.notice().map(|n| n.text),
            undo: visitor.notice().and_then(|n| n.undo).map(UndoButton::new),
            current,
            assets: super::assets::URLS,
        }
    }
}

/// The Undo button of a notice: a form that posts to `action`.
pub struct UndoButton {
    /// Where the form posts.
    pub action: String,
    /// The version the change left the task at, when the undo needs it.
    pub version: Option<i64>,
    /// The rest of the button's accessible name, after "Undo".
    pub what: &'static str,
    /// The list view to come back to (the page's `back`), set by pages that list tasks.
    pub back: String,
}

impl UndoButton {
    fn new(undo: Undo) -> Self {
        let (action, version, what) = match undo {
            Undo::Delete(id) => (format!("/tasks/{id}/restore"), None, "the delete"),
            Undo::Done(id, v) => (format!("/tasks/{id}/undo-done"), Some(v), "marking as done"),
        };
        Self {
            action,
            version,
            what,
            back: String::new(),
        }
    }
}

impl Chrome {
    /// Makes the notice's Undo come back to the list view `back` (a page's `back`).
    pub fn with_undo_back(mut self, back: &str) -> Self {
        if let Some(undo) = &mut self.undo {
            back.clone_into(&mut undo.back);
        }
        self
    }
}

/// The `{id}` of a page's path (a task's or a list's); anything that is not a UUID (or
/// does not decode) is simply not found.
pub struct IdPath(pub Uuid);

impl FromRequestParts<AppState> for IdPath {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        path::uuid(parts, state, "id")
            .await
            .map(Self)
            .ok_or_else(|| WebError(AppError::not_found()))
    }
}

/// The first value of `name` in a raw query string.
pub fn param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `next` from a query or form, kept only when it is a local path.
pub fn local_next(raw: Option<String>) -> String {
    raw.filter(|n| safe_next(n).is_some()).unwrap_or_default()
}

/// Where a sign-in that leads on to `next` lands: `next` when local, else `/`.
pub fn landing(next: &str) -> &str {
    safe_next(next).unwrap_or("/")
}

/// The address of the page `path` (`/signin`, `/signup`) that leads on to `next`.
pub fn with_next(path: &str, next: &str) -> String {
    if next.is_empty() {
        path.to_owned()
    } else {
        let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        format!("{path}?next={next}")
    }
}
