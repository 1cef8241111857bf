//! The bodies Taskward writes: `207` multistatus and precondition errors, by hand, every
//! text escaped.

use std::fmt::Write as _;

use super::{APPLE_ICAL, CALDAV, CALSERVER, DAV, PropName};

const DECLARATION: &str = r#"<?xml version="1.0" encoding="utf-8"?>"#;
/// The namespaces declared once on the root of every body written.
const NAMESPACES: &str = r#" xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/" xmlns:x="http://apple.com/ns/ical/""#;

/// A property's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// An empty element (`<d:getetag/>` in a PROPPATCH answer, an empty `resourcetype`).
    Empty,
    /// Text, escaped.
    Text(String),
    /// One `<d:href>`, escaped.
    Href(String),
    /// Several `<d:href>`s (`calendar-home-set`, `calendar-user-address-set`).
    Hrefs(Vec<String>),
    /// Markup made by this module's [`Trusted`] constructors.
    Xml(Trusted),
}

/// Markup known to be well-formed: only this module's constructors make it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trusted(String);

/// A WebDAV privilege (RFC 3744) in a `current-user-privilege-set`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privilege {
    All,
    Read,
    Write,
    WriteContent,
    WriteProperties,
    Bind,
    Unbind,
    ReadCurrentUserPrivilegeSet,
}

impl Privilege {
    fn element(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Read => "read",
            Self::Write => "write",
            Self::WriteContent => "write-content",
            Self::WriteProperties => "write-properties",
            Self::Bind => "bind",
            Self::Unbind => "unbind",
            Self::ReadCurrentUserPrivilegeSet => "read-current-user-privilege-set",
        }
    }
}

impl Trusted {
    /// `resourcetype` of a plain collection (the root, the calendar home).
    pub fn collection() -> Self {
        Self("<d:collection/>".into())
    }

    /// `resourcetype` of a calendar collection.
    pub fn calendar_collection() -> Self {
        Self("<d:collection/><c:calendar/>".into())
    }

    /// `resourcetype` of a principal.
    pub fn principal() -> Self {
        Self("<d:principal/>".into())
    }

    /// `supported-calendar-component-set`: `<c:comp name="VTODO"/>` per name.
    pub fn components(names: &[&str]) -> Self {
        let mut out = String::new();
        for name in names {
            let _ = write!(out, r#"<c:comp name="{}"/>"#, escape(name));
        }
        Self(out)
    }

    /// `current-user-privilege-set`: a `<d:privilege>` per privilege.
    pub fn privileges(privileges: &[Privilege]) -> Self {
        let mut out = String::new();
        for p in privileges {
            let _ = write!(out, "<d:privilege><d:{}/></d:privilege>", p.element());
        }
        Self(out)
    }

    /// `supported-report-set`: calendar-query, calendar-multiget and sync-collection.
    pub fn supported_reports() -> Self {
        let reports = [
            "c:calendar-query",
            "c:calendar-multiget",
            "d:sync-collection",
        ];
        let mut out = String::new();
        for r in reports {
            let _ = write!(
                out,
                "<d:supported-report><d:report><{r}/></d:report></d:supported-report>"
            );
        }
        Self(out)
    }

    /// `supported-calendar-data`: iCalendar 2.0.
    pub fn calendar_data_types() -> Self {
        Self(r#"<c:calendar-data content-type="text/calendar" version="2.0"/>"#.into())
    }

    /// The markup, for tests and logs.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A `207 Multi-Status` body being built, from its opening tag on (so that finishing it
/// appends the end rather than copying the body). Each [`Multistatus::response`] is
/// written when its [`ResponseBuilder`] is dropped, so responses come out in the order
/// made.
#[derive(Debug)]
pub struct Multistatus {
    out: String,
    sync_token: Option<String>,
}

impl Default for Multistatus {
    fn default() -> Self {
        Self::new()
    }
}

impl Multistatus {
    pub fn new() -> Self {
        Self {
            out: format!("{DECLARATION}\n<d:multistatus{NAMESPACES}>"),
            sync_token: None,
        }
    }

    /// Responses written apart (on another thread), for [`Multistatus::append`]; only
    /// responses: it is not a document of its own.
    pub fn part() -> Self {
        Self {
            out: String::new(),
            sync_token: None,
        }
    }

    /// Appends the responses of `part`, written by [`Multistatus::part`].
    pub fn append(&mut self, part: Self) {
        self.out.push_str(&part.out);
    }

    /// A `<d:response>` for `href` with its properties.
    pub fn response(&mut self, href: &str) -> ResponseBuilder<'_> {
        ResponseBuilder {
            href: href.to_owned(),
            groups: Vec::new(),
            multistatus: self,
        }
    }

    /// A `<d:response>` with only a status (a sync-collection removal: `404`).
    pub fn status(&mut self, href: &str, status: u16) -> &mut Self {
        self.out.push_str("<d:response>");
        href_into(&mut self.out, href);
        let _ = write!(
            self.out,
            "<d:status>{}</d:status></d:response>",
            status_line(status)
        );
        self
    }

    /// The `<d:sync-token>` of a sync-collection answer (written after the responses).
    pub fn sync_token(&mut self, token: &str) -> &mut Self {
        self.sync_token = Some(token.to_owned());
        self
    }

    /// The body.
    pub fn finish(mut self) -> String {
        if let Some(token) = &self.sync_token {
            self.out.push_str("<d:sync-token>");
            escape_into(&mut self.out, token);
            self.out.push_str("</d:sync-token>");
        }
        self.out.push_str("</d:multistatus>\n");
        self.out
    }
}

/// One `<d:response>`: its properties grouped into a `<d:propstat>` per status, `200`
/// first. Written into its [`Multistatus`] when dropped.
#[derive(Debug)]
pub struct ResponseBuilder<'a> {
    multistatus: &'a mut Multistatus,
    href: String,
    groups: Vec<(u16, String)>,
}

impl ResponseBuilder<'_> {
    /// A property found, with its value (`200`).
    pub fn prop(&mut self, name: &PropName, value: Value) -> &mut Self {
        let mut out = String::new();
        element(&mut out, name, &value);
        self.group(200).push_str(&out);
        self
    }

    /// A property asked for that the resource does not have (`404`).
    pub fn missing(&mut self, name: &PropName) -> &mut Self {
        self.prop_status(name, 404)
    }

    /// A property with an empty element under another status (a PROPPATCH answer: `200`,
    /// `403`, `409`, `424`).
    pub fn prop_status(&mut self, name: &PropName, status: u16) -> &mut Self {
        let mut out = String::new();
        element(&mut out, name, &Value::Empty);
        self.group(status).push_str(&out);
        self
    }

    fn group(&mut self, status: u16) -> &mut String {
        let index = match self.groups.iter().position(|(s, _)| *s == status) {
            Some(i) => i,
            None => {
                self.groups.push((status, String::new()));
                self.groups.len() - 1
            }
        };
        &mut self.groups[index].1
    }
}

impl Drop for ResponseBuilder<'_> {
    fn drop(&mut self) {
        let out = &mut self.multistatus.out;
        out.push_str("<d:response>");
        href_into(out, &self.href);
        if self.groups.is_empty() {
            self.groups.push((200, String::new()));
        }
        self.groups.sort_by_key(|(status, _)| *status != 200);
        for (status, props) in &self.groups {
            let _ = write!(
                out,
                "<d:propstat><d:prop>{props}</d:prop><d:status>{}</d:status></d:propstat>",
                status_line(*status)
            );
        }
        out.push_str("</d:response>");
    }
}

/// A precondition body (RFC 4918 16) for a `403`, `409` or `412`:
/// `<d:error><c:valid-calendar-data/></d:error>`, with `message` in a
/// `<d:responsedescription>`.
pub fn error(precondition: &PropName, message: Option<&str>) -> String {
    error_body(precondition, &Value::Empty, message)
}

/// A precondition body whose element holds an href (`<c:no-uid-conflict>` names the
/// resource that already has the UID).
pub fn error_href(precondition: &PropName, href: &str, message: Option<&str>) -> String {
    error_body(precondition, &Value::Href(href.to_owned()), message)
}

fn error_body(precondition: &PropName, value: &Value, message: Option<&str>) -> String {
    let mut body = format!("{DECLARATION}\n<d:error{NAMESPACES}>");
    element(&mut body, precondition, value);
    if let Some(message) = message {
        let _ = write!(
            body,
            "<d:responsedescription>{}</d:responsedescription>",
            escape(message)
        );
    }
    body.push_str("</d:error>\n");
    body
}

/// Writes `<prefix:name>value</prefix:name>`: the root's prefix for the four namespaces
/// declared there, otherwise the element's own declaration. A name that is not an XML
/// name (only possible for a name made by hand) is left out.
fn element(out: &mut String, name: &PropName, value: &Value) {
    if !is_name(&name.name) {
        return;
    }
    let prefix = match name.ns.as_str() {
        DAV => Some("d"),
        CALDAV => Some("c"),
        CALSERVER => Some("cs"),
        APPLE_ICAL => Some("x"),
        _ => None,
    };
    let qname = match prefix {
        Some(p) => format!("{p}:{}", name.name),
        None if name.ns.is_empty() => name.name.clone(),
        None => format!("u:{}", name.name),
    };
    out.push('<');
    out.push_str(&qname);
    if prefix.is_none() && !name.ns.is_empty() {
        let _ = write!(out, r#" xmlns:u="{}""#, escape(&name.ns));
    }
    // Written straight into `out`: a calendar's data is the bulk of a report.
    let empty = match value {
        Value::Empty => true,
        Value::Text(text) | Value::Xml(Trusted(text)) => text.is_empty(),
        Value::Href(_) => false,
        Value::Hrefs(hrefs) => hrefs.is_empty(),
    };
    if empty {
        out.push_str("/>");
        return;
    }
    out.push('>');
    match value {
        Value::Empty => {}
        Value::Text(text) => escape_into(out, text),
        Value::Href(href) => href_into(out, href),
        Value::Hrefs(hrefs) => hrefs.iter().for_each(|h| href_into(out, h)),
        Value::Xml(Trusted(xml)) => out.push_str(xml),
    }
    let _ = write!(out, "</{qname}>");
}

fn href_into(out: &mut String, href: &str) {
    out.push_str("<d:href>");
    escape_into(out, href);
    out.push_str("</d:href>");
}

fn status_line(status: u16) -> String {
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown");
    format!("HTTP/1.1 {status} {reason}")
}

/// Whether `name` is an XML local name (no colon).
fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_');
    first_ok && chars.all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Text escaped for XML content and attribute values: the markup characters as
/// entities, a carriage return as `&#13;` (so CRLF line ends survive the reader's
/// normalisation), and characters XML 1.0 cannot hold at all replaced by U+FFFD.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

/// [`escape`], appended to `out`: runs of plain text are copied whole (a calendar's data
/// is kilobytes of them per task).
fn escape_into(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut plain = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (skip, with) = match b {
            b'<' => (1, "&lt;"),
            b'>' => (1, "&gt;"),
            b'&' => (1, "&amp;"),
            b'"' => (1, "&quot;"),
            b'\'' => (1, "&apos;"),
            b'\r' => (1, "&#13;"),
            b'\t' | b'\n' => {
                i += 1;
                continue;
            }
            0..0x20 => (1, "\u{fffd}"),
            // U+FFFE and U+FFFF: EF BF BE and EF BF BF.
            0xEF if bytes.get(i + 1) == Some(&0xBF)
                && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)) =>
            {
                (3, "\u{fffd}")
            }
            _ => {
                i += 1;
                continue;
            }
        };
        // Every byte matched above is ASCII or the first of a character: `plain..i` and
        // `i + skip..` are on character boundaries.
        out.push_str(&text[plain..i]);
        out.push_str(with);
        i += skip;
        plain = i;
    }
    out.push_str(&text[plain..]);
}
