//! The WebDAV/CalDAV XML (RFC 4918, RFC 4791, RFC 6578): request bodies read into small
//! typed requests, and the multistatus and precondition bodies written by hand.
//!
//! Reading is namespace-aware (`quick-xml`'s `NsReader`): an element is known by its
//! namespace and local name, so any prefix works (`D:`, `d:`, a default namespace, Apple's
//! `A:`). A body is refused before it costs anything: a DOCTYPE (so no entity of any kind
//! but the five predefined ones and character references), more than [`MAX_DEPTH`] levels
//! of elements or more than [`MAX_ELEMENTS`] elements. Nothing here panics on any input;
//! every refusal is an [`XmlError`] whose [`XmlError::status`] and
//! [`XmlError::precondition`] tell the handler what to answer.
//!
//! Text values (hrefs, tokens, property values) are given back trimmed of surrounding
//! whitespace, as clients indent their bodies.
//!
//! Writing: [`Multistatus`] builds a `207` body with the four namespaces declared once on
//! the root (`d:` DAV:, `c:` CalDAV, `cs:` calendarserver, `x:` Apple iCal); every text is
//! escaped, and a property of any other namespace is written with its own namespace
//! declared on the element. [`error`] writes a precondition body for `403`/`409`/`412`.

mod report;
mod request;
mod tree;
mod write;

#[cfg(test)]
mod tests_read;
#[cfg(test)]
mod tests_report;
#[cfg(test)]
mod tests_write;

pub use report::{Filter, PropFilter, Report, SyncLevel, TextMatch, TimeRange, report};
pub use request::{CollectionProps, PropUpdate, Propfind, mkcalendar, propfind, proppatch};
pub use tree::{MAX_DEPTH, MAX_ELEMENTS};
pub use write::{Multistatus, Privilege, ResponseBuilder, Trusted, Value, error, error_href};

/// The WebDAV namespace (RFC 4918).
pub const DAV: &str = "DAV:";
/// The CalDAV namespace (RFC 4791).
pub const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
/// Apple's calendarserver namespace (`getctag`).
pub const CALSERVER: &str = "http://calendarserver.org/ns/";
/// Apple's iCal namespace (`calendar-color`, `calendar-order`).
pub const APPLE_ICAL: &str = "http://apple.com/ns/ical/";

/// A property or element name: its namespace (empty for none) and its local name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PropName {
    pub ns: String,
    pub name: String,
}

impl PropName {
    pub fn new(ns: &str, name: &str) -> Self {
        Self {
            ns: ns.to_owned(),
            name: name.to_owned(),
        }
    }

    /// A name in the DAV: namespace (`displayname`, `getetag`, `sync-token`, ...).
    pub fn dav(name: &str) -> Self {
        Self::new(DAV, name)
    }

    /// A name in the CalDAV namespace (`calendar-data`, `valid-calendar-data`, ...).
    pub fn caldav(name: &str) -> Self {
        Self::new(CALDAV, name)
    }

    /// A name in Apple's calendarserver namespace (`getctag`).
    pub fn calserver(name: &str) -> Self {
        Self::new(CALSERVER, name)
    }

    /// A name in Apple's iCal namespace (`calendar-color`).
    pub fn apple(name: &str) -> Self {
        Self::new(APPLE_ICAL, name)
    }

    /// Whether this is `name` in namespace `ns`.
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns == ns && self.name == name
    }
}

impl std::fmt::Display for PropName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{{{}}}{}", self.ns, self.name)
    }
}

/// Why a body was not taken. Each says what to answer: [`XmlError::status`], and for the
/// `403`s the precondition element to put in the body ([`XmlError::precondition`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// Not well-formed XML (or not UTF-8): `400`.
    #[error("the body is not well-formed XML: {0}")]
    Malformed(String),
    /// Well-formed but refused before reading: a DOCTYPE, an entity, too deep, too many
    /// elements: `400`.
    #[error("the body is refused: {0}")]
    Refused(String),
    /// Well-formed XML, but not the request expected (wrong root, missing element, a value
    /// that does not parse): `400`.
    #[error("the body is not a valid request: {0}")]
    Invalid(String),
    /// A calendar-query filter that is not valid per RFC 4791 (the top comp-filter is not
    /// VCALENDAR): `403` `CALDAV:valid-filter`.
    #[error("the filter is not valid: {0}")]
    InvalidFilter(String),
    /// A calendar-query filter Taskward does not evaluate: `403` `CALDAV:supported-filter`.
    #[error("the filter is not supported: {0}")]
    UnsupportedFilter(String),
    /// A text-match collation other than `i;ascii-casemap` and `i;octet`: `403`
    /// `CALDAV:supported-collation`.
    #[error("the collation is not supported: {0}")]
    UnsupportedCollation(String),
}

impl XmlError {
    /// The HTTP status to answer.
    pub fn status(&self) -> u16 {
        match self {
            Self::Malformed(_) | Self::Refused(_) | Self::Invalid(_) => 400,
            Self::InvalidFilter(_) | Self::UnsupportedFilter(_) | Self::UnsupportedCollation(_) => {
                403
            }
        }
    }

    /// The precondition element for the body of a `403` (see [`error`]); `None` for `400`.
    pub fn precondition(&self) -> Option<PropName> {
        match self {
            Self::Malformed(_) | Self::Refused(_) | Self::Invalid(_) => None,
            Self::InvalidFilter(_) => Some(PropName::caldav("valid-filter")),
            Self::UnsupportedFilter(_) => Some(PropName::caldav("supported-filter")),
            Self::UnsupportedCollation(_) => Some(PropName::caldav("supported-collation")),
        }
    }
}
