//! Making a list (`MKCALENDAR`, or an extended `MKCOL` as DAVx5 sends) and renaming or
//! recolouring one (`PROPPATCH`, as its owner). Properties Taskward does not keep are
//! refused per property (`403`), the others then fail with them (`424`), as RFC 4918
//! asks: a `PROPPATCH` is all or nothing.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::auth::DavUser;
use super::reply::{self, app_error, list_href};
use super::xml::{self, Multistatus, PropName, PropUpdate};
use crate::calendars::caldav::CalDav;

/// `MKCALENDAR` at `/dav/calendars/<user>/<id>/`: a new list with that id.
pub async fn make(dav: &CalDav, user: &DavUser, list_id: Uuid, body: &[u8]) -> Response {
    if let Some(r) = user.refuse_write() {
        return r;
    }
    let props = match xml::mkcalendar(body) {
        Ok(p) => p,
        Err(e) => return reply::bad_xml(&e),
    };
    if props
        .components
        .as_ref()
        .is_some_and(|c| !c.iter().any(|c| c == "VTODO"))
    {
        return reply::refuse(
            StatusCode::FORBIDDEN,
            &PropName::caldav("supported-calendar-component"),
            "a Taskward list holds tasks (VTODO) only",
        );
    }
    if dav.collection(user.id, list_id).await.is_ok() {
        return reply::refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            &PropName::dav("resource-must-be-null"),
            "there is a calendar here already",
        );
    }
    let name = props.displayname.as_deref().unwrap_or("New list");
    match dav
        .make(user.id, list_id, name, props.color.as_deref())
        .await
    {
        Ok(list) => {
            let mut r = StatusCode::CREATED.into_response();
            if let Ok(v) = HeaderValue::from_str(&list_href(user.id, list.id)) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        Err(e) => app_error(e),
    }
}

/// `PROPPATCH` of a list: `displayname` and Apple's `calendar-color`.
pub async fn proppatch(dav: &CalDav, user: &DavUser, list_id: Uuid, body: &[u8]) -> Response {
    if let Some(r) = user.refuse_write() {
        return r;
    }
    let updates = match xml::proppatch(body) {
        Ok(u) => u,
        Err(e) => return reply::bad_xml(&e),
    };
    let displayname = PropName::dav("displayname");
    let colour = PropName::apple("calendar-color");
    let kept = |n: &PropName| *n == displayname || *n == colour;
    let href = list_href(user.id, list_id);
    let mut out = Multistatus::new();
    if updates.iter().any(|u| !kept(u.name())) {
        let mut response = out.response(&href);
        for u in &updates {
            response.prop_status(u.name(), if kept(u.name()) { 424 } else { 403 });
        }
        drop(response);
        return reply::multistatus(out.finish());
    }
    let mut name = None;
    let mut color = None;
    for u in &updates {
        match u {
            PropUpdate::Set { name: n, value } if *n == displayname => name = Some(value.as_str()),
            PropUpdate::Set { value, .. } => color = Some(Some(value.as_str())),
            PropUpdate::Remove(n) if *n == colour => color = Some(None),
            PropUpdate::Remove(_) => {}
        }
    }
    if let Err(e) = dav.change(user.id, list_id, name, color).await {
        return app_error(e);
    }
    let mut response = out.response(&href);
    for u in &updates {
        response.prop_status(u.name(), 200);
    }
    drop(response);
    reply::multistatus(out.finish())
}
