//! The CalDAV face (issue 18, API-2.md section 4): WebDAV and CalDAV for `VTODO` under
//! `/dav/` (RFC 4918, RFC 4791, RFC 6578 sync, RFC 6764 discovery). [`xml`] reads the
//! request bodies and writes the multistatus answers; [`auth`] is HTTP Basic with the
//! account's email and a personal access token; [`props`] answers `PROPFIND` at each
//! level; [`report`] the three reports; [`object`] `GET`/`PUT`/`DELETE` of a task's
//! `.ics` resource; [`collection`] `MKCALENDAR` and `PROPPATCH`. Everything goes through
//! the CalDAV service (`calendars::caldav`), never the store.
//!
//! The tree, for a user `u` and a list `l`:
//! `/.well-known/caldav` → `/dav/`; `/dav/principals/u/` (the principal);
//! `/dav/calendars/u/` (the calendar home); `/dav/calendars/u/l/` (a list, a calendar
//! collection of `VTODO`s); `/dav/calendars/u/l/<name>.ics` (a task). Another user's
//! path, or a list the user does not see, is `404`.

pub mod auth;
mod collection;
mod filter;
mod object;
mod objects;
mod props;
mod reply;
mod report;
pub mod xml;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use uuid::Uuid;

use crate::calendars::caldav::CalDav;
use crate::state::AppState;
use auth::DavUser;
use reply::{Depth, options, refuse_method};

/// The routes of CalDAV.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/caldav", any(well_known))
        .route("/dav", any(root))
        .route("/dav/", any(root))
        .route("/dav/principals/{user}", any(principal))
        .route("/dav/principals/{user}/", any(principal))
        .route("/dav/calendars/{user}", any(home))
        .route("/dav/calendars/{user}/", any(home))
        .route("/dav/calendars/{user}/{list}", any(list))
        .route("/dav/calendars/{user}/{list}/", any(list))
        .route("/dav/calendars/{user}/{list}/{name}", any(object::resource))
}

/// A CalDAV client given the bare server address asks `/` first (`PROPFIND`, which the
/// web app's page there does not answer): it is sent to the root, as the well-known
/// address sends it. Every other request passes.
pub async fn bare_host(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if req.uri().path() == "/" && req.method().as_str() == "PROPFIND" {
        return to_root(req.into_body()).await;
    }
    next.run(req).await
}

/// The most of a body read before a redirect (a `PROPFIND` is a few hundred bytes).
const REDIRECTED_BODY: usize = 64 * 1024;

/// RFC 6764: the well-known address points at the root, for every method, with a `301`
/// (section 5 names 301, 303 or 307; a `308` is not among them).
async fn well_known(body: axum::body::Body) -> Response {
    to_root(body).await
}

/// The `301` to `/dav/`, after reading the request's body: answered unread, the
/// connection could not be kept, and the client following the redirect on it (as the
/// Python `caldav` library does) would find it closed.
async fn to_root(body: axum::body::Body) -> Response {
    let _ = axum::body::to_bytes(body, REDIRECTED_BODY).await;
    (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, "/dav/")]).into_response()
}

/// The caller, when the path's user is them (anyone else's tree is not there: `404`).
fn own(user: Result<DavUser, Response>, path_user: &str) -> Result<DavUser, Box<Response>> {
    match user {
        Ok(u) if Uuid::parse_str(path_user).ok() == Some(u.id) => Ok(u),
        Ok(_) => Err(Box::new(reply::not_found())),
        Err(r) => Err(Box::new(r)),
    }
}

/// What the root, a principal and the calendar home allow: reading their properties.
const READS: &[&str] = &["OPTIONS", "PROPFIND"];

/// The read-only levels of the tree.
#[derive(Clone, Copy)]
enum Level {
    Root,
    Principal,
    Home,
}

/// `OPTIONS` and `PROPFIND` of a read-only level (`path_user`: the user its path names).
async fn read_only(
    level: Level,
    method: Method,
    user: Result<DavUser, Response>,
    path_user: Option<&str>,
    dav: &CalDav,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    if method == Method::OPTIONS {
        return options(READS);
    }
    let user = match path_user {
        Some(p) => own(user, p),
        None => user.map_err(Box::new),
    };
    let user = match user {
        Ok(u) => u,
        Err(r) => return *r,
    };
    if method.as_str() != "PROPFIND" {
        return refuse_method(READS);
    }
    let depth = Depth::of(headers);
    match level {
        Level::Root => props::root(dav, &user, depth, body).await,
        Level::Principal => props::principal(dav, &user, depth, body).await,
        Level::Home => props::home(dav, &user, depth, body).await,
    }
}

async fn root(
    method: Method,
    user: Result<DavUser, Response>,
    State(dav): State<CalDav>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    read_only(Level::Root, method, user, None, &dav, &headers, &body).await
}

async fn principal(
    method: Method,
    user: Result<DavUser, Response>,
    Path(path_user): Path<String>,
    State(dav): State<CalDav>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path_user = Some(path_user.as_str());
    read_only(
        Level::Principal,
        method,
        user,
        path_user,
        &dav,
        &headers,
        &body,
    )
    .await
}

async fn home(
    method: Method,
    user: Result<DavUser, Response>,
    Path(path_user): Path<String>,
    State(dav): State<CalDav>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path_user = Some(path_user.as_str());
    read_only(Level::Home, method, user, path_user, &dav, &headers, &body).await
}

/// What a list's collection allows.
const LIST: &[&str] = &[
    "OPTIONS",
    "GET",
    "HEAD",
    "PROPFIND",
    "PROPPATCH",
    "REPORT",
    "MKCALENDAR",
    "MKCOL",
];

async fn list(
    method: Method,
    user: Result<DavUser, Response>,
    Path((path_user, list)): Path<(String, String)>,
    State(dav): State<CalDav>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method == Method::OPTIONS {
        return options(LIST);
    }
    let user = match own(user, &path_user) {
        Ok(u) => u,
        Err(r) => return *r,
    };
    let Ok(list_id) = Uuid::parse_str(&list) else {
        return match method.as_str() {
            "MKCALENDAR" | "MKCOL" => reply::refuse(
                StatusCode::FORBIDDEN,
                &xml::PropName::dav("valid-resourcetype"),
                "name a new calendar by a UUID in its path (/dav/calendars/<you>/<uuid>/)",
            ),
            _ => reply::not_found(),
        };
    };
    match method.as_str() {
        "PROPFIND" => objects::propfind(&dav, &user, list_id, Depth::of(&headers), &body).await,
        "REPORT" => report::report(&dav, &user, list_id, &headers, &body).await,
        "PROPPATCH" => collection::proppatch(&dav, &user, list_id, &body).await,
        "MKCALENDAR" | "MKCOL" => collection::make(&dav, &user, list_id, &body).await,
        "GET" | "HEAD" => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "A Taskward list as a CalDAV calendar: add this address to a CalDAV client.\n",
        )
            .into_response(),
        _ => refuse_method(LIST),
    }
}
