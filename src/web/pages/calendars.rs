//! The calendars page: the user's private calendar feeds (which list, when made, and
//! "Delete"), the form for a new one, and a new feed's URL shown once, to copy into a
//! calendar app.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::task_row::Clock;
use super::{Chrome, IdPath as FeedPath};
use crate::calendars::model::MAX_FEEDS;
use crate::error::{AppError, FieldError};
use crate::state::AppState;
use crate::web::error::WebError;
use crate::web::forms::{CsrfForm, Errors};
use crate::web::see_other;
use crate::web::session::SignedIn;

/// The routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/calendars", get(calendars_page))
        .route("/calendars/feeds", post(feed_add))
        .route("/calendars/feeds/{id}/delete", post(feed_delete))
}

/// A feed as the page lists it.
struct FeedRow {
    id: Uuid,
    /// The list's name, or "All lists".
    what: String,
    created: String,
}

/// A choice of the list select.
struct ListOpt {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "calendars.html")]
struct CalendarsPage {
    chrome: Chrome,
    feeds: Vec<FeedRow>,
    list_opts: Vec<ListOpt>,
    errors: Errors,
    /// A feed just made: its URL, shown this once.
    created: Option<String>,
    /// Whether the user has as many feeds as allowed.
    full: bool,
    /// The CalDAV server's address, and the user's email (the user name there).
    dav_url: String,
    email: String,
    max: usize,
}

/// A new feed, as chosen: a list's id, or empty for all lists.
#[derive(Deserialize, Default)]
struct FeedForm {
    #[serde(default)]
    list: String,
}

async fn render(
    state: &AppState,
    signed_in: &SignedIn,
    form: FeedForm,
    errors: Errors,
    created: Option<String>,
    headers: &HeaderMap,
) -> Result<CalendarsPage, WebError> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let user = state.accounts.me(signed_in.user).await?;
    let clock = Clock::in_zone(&user.timezone);
    let lists = state.lists.all(user.id).await?;
    let feeds = state.feeds.all(user.id).await?;
    let mut list_opts = vec![ListOpt {
        value: String::new(),
        label: "All lists".to_owned(),
        selected: form.list.is_empty(),
    }];
    list_opts.extend(lists.iter().map(|l| ListOpt {
        value: l.id.to_string(),
        label: l.name.clone(),
        selected: form.list == l.id.to_string(),
    }));
    Ok(CalendarsPage {
        chrome: Chrome::new(state, &signed_in.visitor, "calendars"),
        full: feeds.len() >= MAX_FEEDS,
        dav_url: state.feeds.address(host, "dav/"),
        email: user.email.clone(),
        feeds: feeds
            .into_iter()
            .map(|f| FeedRow {
                id: f.id,
                what: f.list_id.map_or_else(
                    || "All lists".to_owned(),
                    |id| {
                        lists
                            .iter()
                            .find(|l| l.id == id)
                            .map_or_else(|| "A list".to_owned(), |l| l.name.clone())
                    },
                ),
                created: clock.instant(f.created_at),
            })
            .collect(),
        list_opts,
        errors,
        created,
        max: MAX_FEEDS,
    })
}

async fn calendars_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let kept = signed_in.visitor.take_kept(&state, "/calendars").await?;
    let (form, errors) = kept
        .and_then(|k| k.of::<FeedForm>("feed"))
        .unwrap_or_default();
    Ok(render(&state, &signed_in, form, errors, None, &headers)
        .await?
        .into_response())
}

async fn feed_add(
    State(state): State<AppState>,
    signed_in: SignedIn,
    headers: HeaderMap,
    CsrfForm { visitor, form }: CsrfForm<FeedForm>,
) -> Result<Response, WebError> {
    let list = match form.list.trim() {
        "" => Ok(None),
        raw => Uuid::parse_str(raw)
            .map(Some)
            .map_err(|_| AppError::from(FieldError::new("list", "must be one of the choices"))),
    };
    let made = match list {
        Ok(list) => state.feeds.create(signed_in.user.id, list).await,
        Err(e) => Err(e),
    };
    let (_, token) = match made {
        Ok(made) => made,
        Err(AppError::Validation(fields)) => {
            let errors = Errors(
                fields
                    .into_iter()
                    .map(|f| FieldError::new("list", f.message))
                    .collect(),
            );
            return visitor.refuse(&state, "feed", "/calendars", errors).await;
        }
        Err(e) => return Err(WebError(e)),
    };
    // The URL is shown this once, on the page itself: it must not travel in a cookie.
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let url = state.feeds.url(host, &token);
    let mut page = render(
        &state,
        &signed_in,
        FeedForm::default(),
        Errors::default(),
        Some(url),
        &headers,
    )
    .await?;
    page.chrome.notice = Some("Feed made. Copy its URL now: it is shown only this once.");
    Ok((StatusCode::CREATED, page).into_response())
}

#[derive(Deserialize)]
struct Nothing {}

async fn feed_delete(
    State(state): State<AppState>,
    signed_in: SignedIn,
    FeedPath(id): FeedPath,
    CsrfForm { visitor, .. }: CsrfForm<Nothing>,
) -> Result<Response, WebError> {
    state.feeds.delete(signed_in.user.id, id).await?;
    visitor.flash("feed-deleted");
    Ok(see_other("/calendars"))
}
