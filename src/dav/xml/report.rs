//! REPORT bodies: `calendar-query` and `calendar-multiget` (RFC 4791) and
//! `sync-collection` (RFC 6578).

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;

use super::request::{Propfind, props_of};
use super::tree::{Element, parse};
use super::{CALDAV, DAV, PropName, XmlError};

/// A REPORT request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// `CALDAV:calendar-query`: the resources the filter matches. Without a `prop`, the
    /// properties are [`Propfind::AllProp`].
    CalendarQuery { props: Propfind, filter: Filter },
    /// `CALDAV:calendar-multiget`: these resources (hrefs as sent, not decoded).
    Multiget { props: Propfind, hrefs: Vec<String> },
    /// `DAV:sync-collection`: the changes since `token` (`None`: an empty `sync-token`,
    /// the first sync, so every resource).
    SyncCollection {
        props: Propfind,
        token: Option<String>,
        level: SyncLevel,
        limit: Option<u32>,
    },
    /// Any other report: the handler answers `403` `DAV:supported-report`.
    Other(PropName),
}

/// A sync-collection's `sync-level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncLevel {
    /// `1`: the members of the collection (also when the element is missing).
    One,
    /// `infinite`: every descendant.
    Infinite,
}

/// A calendar-query filter: `comp-filter VCALENDAR`, inside it at most one component's
/// `comp-filter`, and on that component a `time-range` and `prop-filter`s, all of which
/// must match (`allof`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// The component asked for (`VTODO`, `VEVENT`, upper-cased); `None` when the filter
    /// names only VCALENDAR (every resource matches).
    pub component: Option<String>,
    /// The component's `time-range`.
    pub time_range: Option<TimeRange>,
    /// The component's `prop-filter`s.
    pub props: Vec<PropFilter>,
}

/// A `time-range`: at least one of its ends is there (RFC 4791 9.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
}

/// A `prop-filter` on one property of the component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropFilter {
    /// The property's name, upper-cased (`COMPLETED`, `STATUS`).
    pub name: String,
    /// `is-not-defined`: matches when the component does not have the property.
    pub is_not_defined: bool,
    /// `text-match` on the property's value.
    pub text_match: Option<TextMatch>,
    /// `time-range` on the property's value (a date-time property such as `DUE`).
    pub time_range: Option<TimeRange>,
}

/// A `text-match`: a substring match of `text` in the value, negated when `negate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextMatch {
    pub text: String,
    pub negate: bool,
    /// `i;octet`; otherwise (`i;ascii-casemap`, the default, or `i;unicode-casemap`) the
    /// match ignores case.
    pub case_sensitive: bool,
}

/// Reads a REPORT body.
pub fn report(body: &[u8]) -> Result<Report, XmlError> {
    let root = parse(body)?.ok_or_else(|| XmlError::Invalid("an empty REPORT body".into()))?;
    let props = props_of(&root)?.unwrap_or(Propfind::AllProp);
    match (root.ns.as_str(), root.name.as_str()) {
        (CALDAV, "calendar-query") => {
            let filter = root
                .child(CALDAV, "filter")
                .ok_or_else(|| XmlError::Invalid("a calendar-query without a filter".into()))?;
            Ok(Report::CalendarQuery {
                props,
                filter: filter_of(filter)?,
            })
        }
        (CALDAV, "calendar-multiget") => {
            let hrefs = root
                .children
                .iter()
                .filter(|c| c.is(DAV, "href"))
                .map(|c| c.value().to_owned())
                .filter(|h| !h.is_empty())
                .collect();
            Ok(Report::Multiget { props, hrefs })
        }
        (DAV, "sync-collection") => {
            let token = root
                .child(DAV, "sync-token")
                .map(|t| t.value().to_owned())
                .filter(|t| !t.is_empty());
            let level = match root.child(DAV, "sync-level").map(Element::value) {
                None | Some("1") => SyncLevel::One,
                Some("infinite" | "infinity") => SyncLevel::Infinite,
                Some(other) => {
                    return Err(XmlError::Invalid(format!("the sync-level {other:?}")));
                }
            };
            let limit = match root
                .child(DAV, "limit")
                .and_then(|l| l.child(DAV, "nresults"))
            {
                None => None,
                Some(n) => Some(
                    n.value()
                        .parse::<u32>()
                        .map_err(|_| XmlError::Invalid(format!("the nresults {:?}", n.value())))?,
                ),
            };
            Ok(Report::SyncCollection {
                props,
                token,
                level,
                limit,
            })
        }
        _ => Ok(Report::Other(root.prop_name())),
    }
}

fn filter_of(filter: &Element) -> Result<Filter, XmlError> {
    let mut comps = comp_filters(filter);
    let Some(calendar) = comps.next() else {
        // An empty filter: some clients send it to mean "everything".
        return Ok(Filter::default());
    };
    if comps.next().is_some() || !name_is(calendar, "VCALENDAR") {
        return Err(XmlError::InvalidFilter(
            "the filter must hold one comp-filter VCALENDAR".into(),
        ));
    }
    only(calendar, &["comp-filter"], "on VCALENDAR")?;
    let mut inner = comp_filters(calendar);
    let Some(component) = inner.next() else {
        return Ok(Filter::default());
    };
    if inner.next().is_some() {
        return Err(XmlError::UnsupportedFilter(
            "more than one comp-filter in VCALENDAR".into(),
        ));
    }
    only(
        component,
        &["time-range", "prop-filter"],
        "on the component",
    )?;
    let name = attr_name(component)?;
    let props = component
        .children
        .iter()
        .filter(|c| c.is(CALDAV, "prop-filter"))
        .map(prop_filter)
        .collect::<Result<Vec<_>, _>>()?;
    if props.len() > 1 && component.attr("test") == Some("anyof") {
        return Err(XmlError::UnsupportedFilter("test=\"anyof\"".into()));
    }
    Ok(Filter {
        component: Some(name),
        time_range: component
            .child(CALDAV, "time-range")
            .map(time_range)
            .transpose()?,
        props,
    })
}

fn comp_filters(parent: &Element) -> impl Iterator<Item = &Element> {
    parent
        .children
        .iter()
        .filter(|c| c.is(CALDAV, "comp-filter"))
}

fn name_is(element: &Element, name: &str) -> bool {
    element
        .attr("name")
        .is_some_and(|n| n.trim().eq_ignore_ascii_case(name))
}

fn attr_name(element: &Element) -> Result<String, XmlError> {
    element
        .attr("name")
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_ascii_uppercase)
        .ok_or_else(|| XmlError::InvalidFilter(format!("a {} without a name", element.name)))
}

/// Refuses any CalDAV child of `element` not in `allowed` (`is-not-defined` on a
/// component, a `param-filter`, a nested `comp-filter`, ...).
fn only(element: &Element, allowed: &[&str], place: &str) -> Result<(), XmlError> {
    let unsupported = element
        .children
        .iter()
        .find(|c| c.ns == CALDAV && !allowed.contains(&c.name.as_str()));
    match unsupported {
        Some(c) => Err(XmlError::UnsupportedFilter(format!("{} {place}", c.name))),
        None => Ok(()),
    }
}

fn prop_filter(element: &Element) -> Result<PropFilter, XmlError> {
    let name = attr_name(element)?;
    only(
        element,
        &["is-not-defined", "text-match", "time-range"],
        "in a prop-filter",
    )?;
    let text_match = match element.child(CALDAV, "text-match") {
        None => None,
        Some(m) => Some(text_match(m)?),
    };
    let time_range = element
        .child(CALDAV, "time-range")
        .map(time_range)
        .transpose()?;
    let is_not_defined = element.child(CALDAV, "is-not-defined").is_some();
    if is_not_defined && (text_match.is_some() || time_range.is_some()) {
        return Err(XmlError::InvalidFilter(format!(
            "is-not-defined with another test in the prop-filter {name}"
        )));
    }
    Ok(PropFilter {
        name,
        is_not_defined,
        text_match,
        time_range,
    })
}

fn text_match(element: &Element) -> Result<TextMatch, XmlError> {
    let case_sensitive = match element.attr("collation").map(str::trim) {
        None | Some("i;ascii-casemap" | "i;unicode-casemap") => false,
        Some("i;octet") => true,
        Some(other) => return Err(XmlError::UnsupportedCollation(other.to_owned())),
    };
    let negate = match element.attr("negate-condition").map(str::trim) {
        None | Some("no") => false,
        Some("yes") => true,
        Some(other) => {
            return Err(XmlError::Invalid(format!("negate-condition={other:?}")));
        }
    };
    Ok(TextMatch {
        text: element.value().to_owned(),
        negate,
        case_sensitive,
    })
}

fn time_range(element: &Element) -> Result<TimeRange, XmlError> {
    let start = element.attr("start").map(utc).transpose()?;
    let end = element.attr("end").map(utc).transpose()?;
    match (start, end) {
        (None, None) => Err(XmlError::InvalidFilter(
            "a time-range without start or end".into(),
        )),
        (Some(s), Some(e)) if s >= e => Err(XmlError::InvalidFilter(
            "a time-range whose end is not after its start".into(),
        )),
        _ => Ok(TimeRange { start, end }),
    }
}

/// An iCalendar UTC date-time, `YYYYMMDDTHHMMSSZ`.
pub(super) fn utc(text: &str) -> Result<Timestamp, XmlError> {
    let bad = || {
        XmlError::Invalid(format!(
            "{text:?} is not a UTC date-time (YYYYMMDDTHHMMSSZ)"
        ))
    };
    let b = text.trim().as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return Err(bad());
    }
    let digits = |range: std::ops::Range<usize>| -> Result<i32, XmlError> {
        b[range].iter().try_fold(0i32, |n, &d| {
            if d.is_ascii_digit() {
                Ok(n * 10 + i32::from(d - b'0'))
            } else {
                Err(bad())
            }
        })
    };
    let n = |range| digits(range).and_then(|v| i8::try_from(v).map_err(|_| bad()));
    let year = i16::try_from(digits(0..4)?).map_err(|_| bad())?;
    let date = Date::new(year, n(4..6)?, n(6..8)?).map_err(|_| bad())?;
    let time = Time::new(n(9..11)?, n(11..13)?, n(13..15)?, 0).map_err(|_| bad())?;
    TimeZone::UTC
        .to_timestamp(DateTime::from_parts(date, time))
        .map_err(|_| bad())
}
