//! `REPORT` on a list's collection: `calendar-query` (RFC 4791 section 7.8),
//! `calendar-multiget` (section 7.9) and `sync-collection` (RFC 6578). Another report is
//! `403` `supported-report`.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use uuid::Uuid;

use super::auth::DavUser;
use super::filter;
use super::objects::{Objects, respond_all};
use super::props::{self, Node};
use super::reply::{self, app_error, list_href, object_href};
use super::xml::{self, Filter, Multistatus, PropName, Propfind, Report};
use crate::calendars::caldav::CalDav;
use crate::lists::model::List;
use crate::tasks::model::Task;
use crate::zone::zone;

/// Answers the report in `body` on list `list_id`.
pub async fn report(
    dav: &CalDav,
    user: &DavUser,
    list_id: Uuid,
    _headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let report = match xml::report(body) {
        Ok(r) => r,
        Err(e) => return reply::bad_xml(&e),
    };
    let list = match dav.collection(user.id, list_id).await {
        Ok(l) => l,
        Err(e) => return app_error(e),
    };
    match report {
        Report::CalendarQuery { props, filter } => query(dav, user, &list, &props, &filter).await,
        Report::Multiget { props, hrefs } => multiget(dav, user, &list, &props, &hrefs).await,
        Report::SyncCollection { props, token, .. } => {
            sync(dav, user, &list, &props, token.as_deref()).await
        }
        Report::Other(name) => reply::refuse(
            StatusCode::FORBIDDEN,
            &PropName::dav("supported-report"),
            &format!("the report {name} is not supported here"),
        ),
    }
}

async fn query(
    dav: &CalDav,
    user: &DavUser,
    list: &List,
    props: &Propfind,
    filter: &Filter,
) -> Response {
    if let Some(name) = filter::unsupported(filter) {
        return reply::refuse(
            StatusCode::FORBIDDEN,
            &PropName::caldav("supported-filter"),
            &format!("filtering by {name} is not supported"),
        );
    }
    let (changes, zone_name) = match dav.changes(user.id, list.id, 0).await {
        Ok(r) => r,
        Err(e) => return app_error(e),
    };
    let tz = zone(&zone_name);
    let filter = filter.clone();
    let keep = move |t: &Task| filter::matches(&filter, t, &tz);
    let objects = Objects::new(user.id, list, zone_name, props.clone(), keep);
    let mut out = Multistatus::new();
    if let Err(e) = respond_all(&mut out, changes.tasks, objects).await {
        return app_error(e);
    }
    reply::multistatus(out.finish())
}

/// The resource name an href names in `list`'s collection, decoded; `None` when it is not
/// a member of it.
fn member(href: &str, user: Uuid, list: Uuid) -> Option<String> {
    let path = match url::Url::parse(href) {
        Ok(u) => u.path().to_owned(),
        Err(_) => href.to_owned(),
    };
    let rest = path.strip_prefix(&list_href(user, list))?;
    if rest.is_empty() || rest.contains('/') {
        return None;
    }
    let name = percent_decode(rest)?;
    Some(name)
}

fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = raw.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

async fn multiget(
    dav: &CalDav,
    user: &DavUser,
    list: &List,
    props: &Propfind,
    hrefs: &[String],
) -> Response {
    let zone_name = match dav.zone(user.id).await {
        Ok(z) => z,
        Err(e) => return app_error(e),
    };
    let mut out = Multistatus::new();
    for href in hrefs {
        let found = match member(href, user.id, list.id) {
            Some(name) => match dav.find(user.id, list.id, &name).await {
                Ok(f) => f,
                Err(e) => return app_error(e),
            },
            None => None,
        };
        match found {
            Some((task, role)) => {
                let href = object_href(user.id, list.id, &CalDav::name_of(&task));
                let node = Node::Object(&task, &zone_name, role);
                props::respond(&mut out, &href, &node, props, user.id);
            }
            None => {
                out.status(href, 404);
            }
        }
    }
    reply::multistatus(out.finish())
}

async fn sync(
    dav: &CalDav,
    user: &DavUser,
    list: &List,
    props: &Propfind,
    token: Option<&str>,
) -> Response {
    let invalid = || {
        reply::refuse(
            StatusCode::FORBIDDEN,
            &PropName::dav("valid-sync-token"),
            "this sync token is not valid here any more: sync again from the start",
        )
    };
    let since = match token.map(|t| reply::sync_count(list.id, t)) {
        None => 0,
        Some(Some(n)) => n,
        Some(None) => return invalid(),
    };
    let (changes, zone_name) = match dav.changes(user.id, list.id, since).await {
        Ok(r) => r,
        Err(e) => return app_error(e),
    };
    if since > changes.seq || (since > 0 && since < changes.floor) {
        return invalid();
    }
    let objects = Objects::new(user.id, list, zone_name, props.clone(), |_: &Task| true);
    let mut out = Multistatus::new();
    if let Err(e) = respond_all(&mut out, changes.tasks, objects).await {
        return app_error(e);
    }
    for gone in &changes.gone {
        let name = gone
            .name
            .clone()
            .unwrap_or_else(|| format!("{}.ics", gone.task_id));
        out.status(&object_href(user.id, list.id, &name), 404);
    }
    out.sync_token(&reply::sync_token(list.id, changes.seq));
    reply::multistatus(out.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_read_from_paths_and_urls() {
        let u = Uuid::from_u128(1);
        let l = Uuid::from_u128(2);
        let base = list_href(u, l);
        assert_eq!(
            member(&format!("{base}a%20b.ics"), u, l).as_deref(),
            Some("a b.ics")
        );
        assert_eq!(
            member(&format!("https://example.com{base}x.ics"), u, l).as_deref(),
            Some("x.ics")
        );
        assert_eq!(member(&base, u, l), None);
        assert_eq!(member(&format!("{base}a/b.ics"), u, l), None);
        assert_eq!(member("/dav/calendars/other/x.ics", u, l), None);
        assert_eq!(member(&format!("{base}%zz.ics"), u, l), None);
        assert_eq!(member(&format!("{base}%"), u, l), None);
    }
}
