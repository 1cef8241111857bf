//! `PROPFIND`: the properties each kind of resource has, and the answer for the root, the
//! principal and the calendar home with (at depth 1) their members; a list's is in
//! `objects.rs`, with the writing of its tasks. A property asked for that a
//! resource does not have comes back in a `404` propstat; depth infinity is refused
//! (`propfind-finite-depth`).

use axum::http::StatusCode;
use axum::response::Response;
use time::OffsetDateTime;
use time::macros::format_description;
use uuid::Uuid;

use super::auth::DavUser;
use super::reply::{self, Depth, app_error, home_href, list_href, principal_href};
use super::xml::{self, Multistatus, Privilege, PropName, Propfind, Trusted, Value};
use crate::calendars::caldav::CalDav;
use crate::lists::model::{List, Role};
use crate::tasks::model::Task;

/// What a property is asked of.
pub enum Node<'a> {
    /// `/dav/`.
    Root,
    /// `/dav/principals/<user>/`, with the account's name and email.
    Principal { name: &'a str, email: &'a str },
    /// `/dav/calendars/<user>/`.
    Home,
    /// A list's collection.
    List(&'a List),
    /// A task's resource, written in a zone, with the caller's role in its list. Its body
    /// is written only for a property that needs it (`calendar-data`,
    /// `getcontentlength`): its `getetag` does not.
    Object(&'a Task, &'a str, Role),
}

/// The properties `allprop` gives, per kind (RFC 4918: the live ones; RFC 4791: never
/// `calendar-data`).
fn all(node: &Node<'_>) -> Vec<PropName> {
    let mut names = vec![
        PropName::dav("resourcetype"),
        PropName::dav("displayname"),
        PropName::dav("current-user-principal"),
    ];
    match node {
        Node::Root | Node::Home => names.push(PropName::caldav("calendar-home-set")),
        Node::Principal { .. } => names.extend([
            PropName::dav("principal-URL"),
            PropName::caldav("calendar-home-set"),
            PropName::caldav("calendar-user-address-set"),
        ]),
        Node::List(_) => names.extend([
            PropName::dav("current-user-privilege-set"),
            PropName::dav("supported-report-set"),
            PropName::dav("sync-token"),
            PropName::calserver("getctag"),
            PropName::apple("calendar-color"),
            PropName::caldav("supported-calendar-component-set"),
            PropName::caldav("supported-calendar-data"),
        ]),
        Node::Object(..) => {
            names.retain(|n| n.name != "displayname");
            names.extend([
                PropName::dav("getetag"),
                PropName::dav("getcontenttype"),
                PropName::dav("getcontentlength"),
                PropName::dav("getlastmodified"),
            ]);
        }
    }
    names
}

fn privileges(role: Role) -> Value {
    let set: &[Privilege] = if role.can_write_tasks() {
        &[
            Privilege::Read,
            Privilege::ReadCurrentUserPrivilegeSet,
            Privilege::Write,
            Privilege::WriteContent,
            Privilege::WriteProperties,
            Privilege::Bind,
            Privilege::Unbind,
        ]
    } else {
        &[Privilege::Read, Privilege::ReadCurrentUserPrivilegeSet]
    };
    Value::Xml(Trusted::privileges(set))
}

/// An instant as HTTP writes it (`getlastmodified`).
fn http_date(at: OffsetDateTime) -> String {
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

/// The value of property `prop` of `node`, for `user`; `None` when it has none.
pub fn value(node: &Node<'_>, prop: &PropName, user: Uuid) -> Option<Value> {
    let dav = prop.ns == xml::DAV;
    let cal = prop.ns == xml::CALDAV;
    match (node, prop.name.as_str()) {
        (_, "current-user-principal") if dav => Some(Value::Href(principal_href(user))),
        (Node::Root | Node::Principal { .. } | Node::Home, "calendar-home-set") if cal => {
            Some(Value::Href(home_href(user)))
        }
        (Node::Principal { .. }, "principal-URL") if dav => Some(Value::Href(principal_href(user))),
        (Node::Principal { email, .. }, "calendar-user-address-set") if cal => {
            Some(Value::Hrefs(vec![format!("mailto:{email}")]))
        }
        (Node::Principal { .. }, "resourcetype") if dav => Some(Value::Xml(Trusted::principal())),
        (Node::Principal { name, .. }, "displayname") if dav => {
            Some(Value::Text((*name).to_owned()))
        }
        (Node::Root | Node::Home, "resourcetype") if dav => Some(Value::Xml(Trusted::collection())),
        (Node::Root | Node::Home, "displayname") if dav => Some(Value::Text("Taskward".into())),
        (Node::Home, "current-user-privilege-set") if dav => {
            Some(Value::Xml(Trusted::privileges(&[
                Privilege::Read,
                Privilege::ReadCurrentUserPrivilegeSet,
            ])))
        }
        (Node::List(list), _) => list_value(list, prop),
        (Node::Object(task, zone, role), _) => object_value(task, zone, *role, prop),
        _ => None,
    }
}

fn list_value(list: &List, prop: &PropName) -> Option<Value> {
    match (prop.ns.as_str(), prop.name.as_str()) {
        (xml::DAV, "resourcetype") => Some(Value::Xml(Trusted::calendar_collection())),
        (xml::DAV, "displayname") => Some(Value::Text(list.name.clone())),
        (xml::DAV, "current-user-privilege-set") => Some(privileges(list.role)),
        (xml::DAV, "supported-report-set") => Some(Value::Xml(Trusted::supported_reports())),
        (xml::DAV, "sync-token") => Some(Value::Text(reply::sync_token(list.id, list.change_seq))),
        (xml::DAV, "owner") => Some(Value::Href(principal_href(list.owner_id))),
        (xml::CALSERVER, "getctag") => Some(Value::Text(format!("\"{}\"", list.change_seq))),
        (xml::APPLE_ICAL, "calendar-color") => list
            .color
            .as_ref()
            .map(|c| Value::Text(format!("{}FF", c.to_uppercase()))),
        (xml::CALDAV, "supported-calendar-component-set") => {
            Some(Value::Xml(Trusted::components(&["VTODO"])))
        }
        (xml::CALDAV, "supported-calendar-data") => {
            Some(Value::Xml(Trusted::calendar_data_types()))
        }
        _ => None,
    }
}

fn object_value(task: &Task, zone: &str, role: Role, prop: &PropName) -> Option<Value> {
    match (prop.ns.as_str(), prop.name.as_str()) {
        (xml::DAV, "resourcetype") => Some(Value::Empty),
        (xml::DAV, "getetag") => Some(Value::Text(CalDav::etag(task, zone))),
        (xml::DAV, "getcontenttype") => Some(Value::Text(
            "text/calendar; charset=utf-8; component=VTODO".into(),
        )),
        (xml::DAV, "getcontentlength") => {
            Some(Value::Text(CalDav::body(task, zone).len().to_string()))
        }
        (xml::DAV, "getlastmodified") => Some(Value::Text(http_date(task.updated_at))),
        (xml::DAV, "current-user-privilege-set") => Some(privileges(role)),
        (xml::CALDAV, "calendar-data") => Some(Value::Text(CalDav::body(task, zone))),
        _ => None,
    }
}

/// Writes the `<d:response>` of `node` at `href` for what `find` asks.
pub fn respond(out: &mut Multistatus, href: &str, node: &Node<'_>, find: &Propfind, user: Uuid) {
    let mut response = out.response(href);
    match find {
        Propfind::PropName => {
            for name in all(node) {
                response.prop(&name, Value::Empty);
            }
        }
        Propfind::AllProp => {
            for name in all(node) {
                if let Some(v) = value(node, &name, user) {
                    response.prop(&name, v);
                }
            }
        }
        Propfind::Props(names) => {
            for name in names {
                match value(node, name, user) {
                    Some(v) => response.prop(name, v),
                    None => response.missing(name),
                };
            }
        }
    }
}

/// The request's body read, and depth infinity refused.
pub(super) fn request(depth: Depth, body: &[u8]) -> Result<Propfind, Box<Response>> {
    if depth == Depth::Infinity {
        return Err(Box::new(reply::refuse(
            StatusCode::FORBIDDEN,
            &PropName::dav("propfind-finite-depth"),
            "send Depth: 0 or Depth: 1",
        )));
    }
    xml::propfind(body).map_err(|e| Box::new(reply::bad_xml(&e)))
}

/// `PROPFIND /dav/`.
pub async fn root(_dav: &CalDav, user: &DavUser, depth: Depth, body: &[u8]) -> Response {
    let find = match request(depth, body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let mut out = Multistatus::new();
    respond(&mut out, "/dav/", &Node::Root, &find, user.id);
    reply::multistatus(out.finish())
}

/// `PROPFIND /dav/principals/<user>/`.
pub async fn principal(dav: &CalDav, user: &DavUser, depth: Depth, body: &[u8]) -> Response {
    let find = match request(depth, body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let account = match dav.account(user.id).await {
        Ok(Some(a)) => a,
        Ok(None) => return reply::not_found(),
        Err(e) => return app_error(e),
    };
    let node = Node::Principal {
        name: &account.name,
        email: &account.email,
    };
    let mut out = Multistatus::new();
    respond(&mut out, &principal_href(user.id), &node, &find, user.id);
    reply::multistatus(out.finish())
}

/// `PROPFIND /dav/calendars/<user>/`: the home and, at depth 1, a collection per list.
pub async fn home(dav: &CalDav, user: &DavUser, depth: Depth, body: &[u8]) -> Response {
    let find = match request(depth, body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let mut out = Multistatus::new();
    respond(&mut out, &home_href(user.id), &Node::Home, &find, user.id);
    if depth == Depth::One {
        let lists = match dav.collections(user.id).await {
            Ok(l) => l,
            Err(e) => return app_error(e),
        };
        for list in &lists {
            let href = list_href(user.id, list.id);
            respond(&mut out, &href, &Node::List(list), &find, user.id);
        }
    }
    reply::multistatus(out.finish())
}
