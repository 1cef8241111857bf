//! What the CalDAV tests share (issue 18): a user with an access token, a request with
//! Basic authentication, a `VTODO` body, and a multistatus read into responses by
//! namespace (not by the prefixes the server happens to write).

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{Session, TestApp};

pub const PASSWORD: &str = "correct horse battery";
pub const CAL: (&str, &str) = ("content-type", "text/calendar");
pub const DAV: &str = "DAV:";
pub const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
pub const CS: &str = "http://calendarserver.org/ns/";
pub const READ_WRITE: &[&str] = &["tasks:read", "tasks:write"];

pub fn method(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).expect("method")
}

/// A user with an access token of `scopes`.
pub async fn user(app: &TestApp, email: &str, scopes: &[&str]) -> (Session, String) {
    let s = app.signup(email, PASSWORD).await;
    let token = app
        .ok(
            &s,
            Method::POST,
            "/api/auth/tokens",
            Some(json!({"name": "dav", "scopes": scopes})),
        )
        .await["token"]
        .as_str()
        .expect("token")
        .to_owned();
    (s, token)
}

/// A request with Basic `email:secret`.
pub async fn dav(
    app: &TestApp,
    (email, secret): (&str, &str),
    verb: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> reqwest::Response {
    let mut req = app
        .client
        .request(method(verb), app.url(path))
        .basic_auth(email, Some(secret))
        .body(body.to_owned());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.expect("sent")
}

/// A `PUT` of a new resource (`If-None-Match: *`) at `path`; its status.
pub async fn put_new(app: &TestApp, who: (&str, &str), path: &str, body: &str) -> u16 {
    let new = [CAL, ("if-none-match", "*")];
    let res = dav(app, who, "PUT", path, &new, body).await;
    res.status().as_u16()
}

pub fn todo(uid: &str, summary: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VTODO\r\nUID:{uid}\r\n\
         SUMMARY:{summary}\r\nX-KEPT;P=1:as written\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
    )
}

pub fn sync_body(token: &str) -> String {
    format!(
        r#"<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"#
    )
}

/// A `PROPFIND` body asking for `props` (`(namespace, name)`).
pub fn propfind(props: &[(&str, &str)]) -> String {
    let inner: String = props
        .iter()
        .map(|(ns, name)| format!(r#"<{name} xmlns="{ns}"/>"#))
        .collect();
    format!(r#"<?xml version="1.0"?><propfind xmlns="DAV:"><prop>{inner}</prop></propfind>"#)
}

/// One property of a propstat: its text and the names of the elements inside it
/// (`{namespace}name`) with their attributes (`@name=value`).
#[derive(Debug, Default, Clone)]
pub struct Prop {
    pub ns: String,
    pub name: String,
    pub text: String,
    pub inner: Vec<String>,
}

/// One `response` of a multistatus.
#[derive(Debug, Default, Clone)]
pub struct Resp {
    pub href: String,
    /// The response's own status (a removed or missing resource), if any.
    pub status: Option<u16>,
    /// `(status, properties)` per propstat.
    pub propstats: Vec<(u16, Vec<Prop>)>,
}

impl Resp {
    /// The property `(ns, name)` when it came back with `200`.
    pub fn ok(&self, ns: &str, name: &str) -> Option<&Prop> {
        self.with(200).find(|p| p.ns == ns && p.name == name)
    }

    /// The properties that came back with `status`.
    pub fn with(&self, status: u16) -> impl Iterator<Item = &Prop> {
        self.propstats
            .iter()
            .filter(move |(s, _)| *s == status)
            .flat_map(|(_, p)| p.iter())
    }
}

/// A multistatus: its responses and the sync token, if any.
pub fn multistatus(xml: &str) -> (Vec<Resp>, Option<String>) {
    let mut reader = NsReader::from_str(xml);
    let mut path: Vec<(String, String)> = Vec::new();
    let (mut out, mut token) = (Vec::new(), None);
    let (mut resp, mut props, mut prop) = (Resp::default(), Vec::new(), None::<Prop>);
    let mut text = String::new();
    loop {
        let (resolved, event) = reader.read_resolved_event().expect("well-formed XML");
        let ns = match resolved {
            ResolveResult::Bound(ns) => ns.as_ref().to_owned(),
            _ => String::new(),
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = e.local_name().as_ref().to_owned();
                text.clear();
                if let Some(p) = prop.as_mut() {
                    p.inner.push(format!("{{{ns}}}{name}"));
                    for a in e.attributes().flatten() {
                        let v = a.value.to_string();
                        let k = a.key.local_name().as_ref().to_owned();
                        p.inner.push(format!("@{k}={v}"));
                    }
                } else if path.last().is_some_and(|(n, l)| n == DAV && l == "prop") {
                    prop = Some(Prop {
                        ns: ns.clone(),
                        name: name.clone(),
                        ..Prop::default()
                    });
                }
                if matches!(event, Event::Start(_)) {
                    path.push((ns, name));
                } else {
                    path.push((ns, name));
                    end(
                        &mut path, &mut resp, &mut props, &mut prop, &mut out, &mut token, "",
                    );
                }
            }
            Event::End(_) => {
                end(
                    &mut path, &mut resp, &mut props, &mut prop, &mut out, &mut token, &text,
                );
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::CData(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if r.is_char_ref() => {
                text.push(r.resolve_char_ref().expect("a character").expect("one"));
            }
            Event::GeneralRef(r) => {
                let name = r.xml10_content();
                let s = quick_xml::escape::resolve_predefined_entity(&name).expect("entity");
                text.push_str(s);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    (out, token)
}

fn end(
    path: &mut Vec<(String, String)>,
    resp: &mut Resp,
    props: &mut Vec<Prop>,
    prop: &mut Option<Prop>,
    out: &mut Vec<Resp>,
    token: &mut Option<String>,
    text: &str,
) {
    let (ns, name) = path.pop().expect("an open element");
    let parent = path.last().map(|(_, l)| l.as_str()).unwrap_or_default();
    if let Some(p) = prop.as_mut() {
        if p.ns == ns && p.name == name && parent == "prop" {
            p.text.push_str(text);
            props.push(prop.take().expect("prop"));
        } else {
            p.text.push_str(text);
        }
        return;
    }
    if ns != DAV {
        return;
    }
    let code = || text.split(' ').nth(1).and_then(|c| c.parse().ok());
    match (name.as_str(), parent) {
        ("href", "response") => resp.href = text.to_owned(),
        ("status", "response") => resp.status = code(),
        ("status", "propstat") => resp
            .propstats
            .push((code().unwrap_or(0), std::mem::take(props))),
        ("response", _) => out.push(std::mem::take(resp)),
        ("sync-token", "multistatus") => *token = Some(text.to_owned()),
        _ => {}
    }
}

/// A `207` multistatus' responses and sync token.
pub async fn read(res: reqwest::Response) -> (Vec<Resp>, Option<String>) {
    assert_eq!(res.status(), 207);
    multistatus(&res.text().await.expect("body"))
}

/// The response for `href` ending so.
pub fn at<'a>(responses: &'a [Resp], href_end: &str) -> &'a Resp {
    responses
        .iter()
        .find(|r| r.href.ends_with(href_end))
        .unwrap_or_else(|| panic!("no response for {href_end} in {responses:#?}"))
}
