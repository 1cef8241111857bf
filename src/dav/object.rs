//! A task's resource, `/dav/calendars/<user>/<list>/<name>`: `GET`/`HEAD` with its
//! entity tag and `If-None-Match`, `PUT` with `If-Match`/`If-None-Match: *` (`412` when
//! they fail), `DELETE` (into the trash), `PROPFIND` at depth 0.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::auth::DavUser;
use super::props::{self, Node};
use super::reply::{self, app_error, object_href, options, refuse_method};
use super::xml::{self, Multistatus, PropName};
use crate::calendars::caldav::{CalDav, Conditions, Match, Put, PutError};
use crate::calendars::vtodo::TodoError;
use crate::lists::model::Role;
use crate::tasks::model::Task;

const OBJECT: &[&str] = &["OPTIONS", "GET", "HEAD", "PUT", "DELETE", "PROPFIND"];

/// An `If-Match` or `If-None-Match` header, read.
fn matching(headers: &HeaderMap, name: header::HeaderName) -> Option<Match> {
    let raw = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    if raw.trim().is_empty() {
        return None;
    }
    if raw.trim() == "*" {
        return Some(Match::Any);
    }
    Some(Match::Tags(
        raw.split(',')
            .map(|t| t.trim().trim_start_matches("W/").to_owned())
            .filter(|t| !t.is_empty())
            .collect(),
    ))
}

fn conditions(headers: &HeaderMap) -> Conditions {
    Conditions {
        if_match: matching(headers, header::IF_MATCH),
        if_none_match: matching(headers, header::IF_NONE_MATCH),
    }
}

/// Every method on a task's resource.
pub async fn resource(
    method: Method,
    user: Result<DavUser, Response>,
    Path((path_user, list, name)): Path<(String, String, String)>,
    State(dav): State<CalDav>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method == Method::OPTIONS {
        return options(OBJECT);
    }
    let user = match user {
        Ok(u) if Uuid::parse_str(&path_user).ok() == Some(u.id) => u,
        Ok(_) => return reply::not_found(),
        Err(r) => return r,
    };
    let Ok(list_id) = Uuid::parse_str(&list) else {
        return reply::not_found();
    };
    match method.as_str() {
        "GET" | "HEAD" => {
            get(
                &dav,
                &user,
                list_id,
                &name,
                &headers,
                method == Method::HEAD,
            )
            .await
        }
        "PUT" => put(&dav, &user, list_id, &name, &headers, &body).await,
        "DELETE" => delete(&dav, &user, list_id, &name, &headers).await,
        "PROPFIND" => propfind(&dav, &user, list_id, &name, &body).await,
        _ => refuse_method(OBJECT),
    }
}

/// The task at `name`, the caller's role and the zone it is written in; `404` when there
/// is none the caller sees.
async fn found(
    dav: &CalDav,
    user: &DavUser,
    list_id: Uuid,
    name: &str,
) -> Result<(Task, Role, String), Box<Response>> {
    match tokio::try_join!(dav.find(user.id, list_id, name), dav.zone(user.id)) {
        Ok((Some((task, role)), zone)) => Ok((task, role, zone)),
        Ok((None, _)) => Err(Box::new(reply::not_found())),
        Err(e) => Err(Box::new(app_error(e))),
    }
}

async fn get(
    dav: &CalDav,
    user: &DavUser,
    list_id: Uuid,
    name: &str,
    headers: &HeaderMap,
    head: bool,
) -> Response {
    let (task, _, zone) = match found(dav, user, list_id, name).await {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let tag = CalDav::etag(&task, &zone);
    let etag = HeaderValue::from_str(&tag).ok();
    if matching(headers, header::IF_NONE_MATCH).is_some_and(|m| match m {
        Match::Any => true,
        Match::Tags(tags) => tags.contains(&tag),
    }) {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        if let Some(etag) = etag {
            r.headers_mut().insert(header::ETAG, etag);
        }
        return r;
    }
    let body = CalDav::body(&task, &zone);
    let mut r = if head {
        let mut r = StatusCode::OK.into_response();
        r.headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        r
    } else {
        body.into_response()
    };
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8; component=VTODO"),
    );
    if let Some(etag) = etag {
        h.insert(header::ETAG, etag);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    r
}

async fn put(
    dav: &CalDav,
    user: &DavUser,
    list_id: Uuid,
    name: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    if let Some(r) = user.refuse_write() {
        return r;
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("text/calendar");
    if !content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("text/calendar")
    {
        return reply::refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &PropName::caldav("supported-calendar-data"),
            "send the resource as text/calendar",
        );
    }
    match dav
        .put(user.id, list_id, name, body, &conditions(headers))
        .await
    {
        // No ETag: the stored resource is Taskward's rendering, not the client's bytes
        // (RFC 4791 section 5.3.4), so the client reads it back.
        Ok(Put::Created) => {
            let mut r = StatusCode::CREATED.into_response();
            if let Ok(v) = HeaderValue::from_str(&object_href(user.id, list_id, name)) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        Ok(Put::Updated) => StatusCode::NO_CONTENT.into_response(),
        Err(PutError::Todo(e)) => todo_error(e),
        Err(PutError::UidTaken(taken)) => (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, reply::XML)],
            xml::error_href(
                &PropName::caldav("no-uid-conflict"),
                &object_href(user.id, list_id, &taken),
                Some("another task of this list has this UID: change that resource instead"),
            ),
        )
            .into_response(),
        Err(PutError::App(e)) => app_error(e),
    }
}

/// A body refused, with the precondition it failed (RFC 4791 section 5.3.2).
fn todo_error(e: TodoError) -> Response {
    let (element, message) = match e {
        TodoError::NotCalendar(m) => ("valid-calendar-data", m),
        TodoError::Component(m) => ("supported-calendar-component", m),
        TodoError::Object(m) => ("valid-calendar-object-resource", m),
        TodoError::Field(f) => (
            "valid-calendar-object-resource",
            format!("{}: {}", f.field, f.message),
        ),
    };
    reply::refuse(StatusCode::FORBIDDEN, &PropName::caldav(element), &message)
}

async fn delete(
    dav: &CalDav,
    user: &DavUser,
    list_id: Uuid,
    name: &str,
    headers: &HeaderMap,
) -> Response {
    if let Some(r) = user.refuse_write() {
        return r;
    }
    match dav
        .delete(user.id, list_id, name, &conditions(headers))
        .await
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => app_error(e),
    }
}

async fn propfind(
    dav: &CalDav,
    user: &DavUser,
    list_id: Uuid,
    name: &str,
    body: &[u8],
) -> Response {
    let find = match xml::propfind(body) {
        Ok(f) => f,
        Err(e) => return reply::bad_xml(&e),
    };
    let (task, role, zone) = match found(dav, user, list_id, name).await {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let mut out = Multistatus::new();
    let href = object_href(user.id, list_id, &CalDav::name_of(&task));
    let node = Node::Object(&task, &zone, role);
    props::respond(&mut out, &href, &node, &find, user.id);
    reply::multistatus(out.finish())
}
