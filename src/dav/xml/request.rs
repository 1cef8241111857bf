//! PROPFIND, PROPPATCH and MKCALENDAR bodies.

use super::tree::{Element, parse};
use super::{APPLE_ICAL, CALDAV, DAV, PropName, XmlError};

/// What a PROPFIND (or the property part of a REPORT) asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Propfind {
    /// Every live property the server has (also an empty PROPFIND body, RFC 4918 9.1).
    /// An `include` next to `allprop` is not kept: the properties it names are the
    /// ones `allprop` answers here anyway.
    AllProp,
    /// The names of the properties, without values.
    PropName,
    /// These properties, in the order asked (duplicates left out).
    Props(Vec<PropName>),
}

/// Reads a PROPFIND body.
pub fn propfind(body: &[u8]) -> Result<Propfind, XmlError> {
    let Some(root) = parse(body)? else {
        return Ok(Propfind::AllProp);
    };
    expect(&root, DAV, "propfind")?;
    props_of(&root)?.ok_or_else(|| XmlError::Invalid("a propfind without prop".into()))
}

/// The `allprop`, `propname` or `prop` child of `parent`, if there is one.
pub(super) fn props_of(parent: &Element) -> Result<Option<Propfind>, XmlError> {
    for child in &parent.children {
        if child.is(DAV, "allprop") {
            return Ok(Some(Propfind::AllProp));
        }
        if child.is(DAV, "propname") {
            return Ok(Some(Propfind::PropName));
        }
        if child.is(DAV, "prop") {
            let mut names: Vec<PropName> = Vec::with_capacity(child.children.len());
            for prop in &child.children {
                let name = prop.prop_name();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            return Ok(Some(Propfind::Props(names)));
        }
    }
    Ok(None)
}

pub(super) fn expect(element: &Element, ns: &str, name: &str) -> Result<(), XmlError> {
    if element.is(ns, name) {
        Ok(())
    } else {
        Err(XmlError::Invalid(format!(
            "expected {} but the body is {}",
            PropName::new(ns, name),
            element.prop_name()
        )))
    }
}

/// One change of a PROPPATCH, in the order sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropUpdate {
    /// Set the property to this text (trimmed; the text of its child elements, if any,
    /// joined).
    Set { name: PropName, value: String },
    /// Remove the property.
    Remove(PropName),
}

impl PropUpdate {
    pub fn name(&self) -> &PropName {
        match self {
            Self::Set { name, .. } | Self::Remove(name) => name,
        }
    }
}

/// Reads a PROPPATCH body (`propertyupdate` of `set` and `remove`).
pub fn proppatch(body: &[u8]) -> Result<Vec<PropUpdate>, XmlError> {
    let root = parse(body)?.ok_or_else(|| XmlError::Invalid("an empty PROPPATCH body".into()))?;
    expect(&root, DAV, "propertyupdate")?;
    let mut updates = Vec::new();
    for op in &root.children {
        let set = op.is(DAV, "set");
        if !set && !op.is(DAV, "remove") {
            continue;
        }
        for prop in op.children.iter().filter(|c| c.is(DAV, "prop")) {
            for p in &prop.children {
                updates.push(if set {
                    PropUpdate::Set {
                        name: p.prop_name(),
                        value: all_text(p),
                    }
                } else {
                    PropUpdate::Remove(p.prop_name())
                });
            }
        }
    }
    if updates.is_empty() {
        return Err(XmlError::Invalid(
            "a propertyupdate that changes nothing".into(),
        ));
    }
    Ok(updates)
}

/// The text of an element and of its descendants, joined and trimmed.
fn all_text(element: &Element) -> String {
    fn walk(element: &Element, out: &mut String) {
        out.push_str(&element.text);
        for child in &element.children {
            walk(child, out);
        }
    }
    let mut out = String::new();
    walk(element, &mut out);
    out.trim().to_owned()
}

/// The properties a MKCALENDAR (or an extended MKCOL, RFC 5689) sets on the new
/// collection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CollectionProps {
    /// `DAV:displayname`.
    pub displayname: Option<String>,
    /// Apple's `calendar-color` (`#RRGGBB` or `#RRGGBBAA`, as sent).
    pub color: Option<String>,
    /// `CALDAV:calendar-description`.
    pub description: Option<String>,
    /// `CALDAV:supported-calendar-component-set`: the `comp` names, upper-cased.
    pub components: Option<Vec<String>>,
    /// `CALDAV:calendar-timezone` (a VCALENDAR with one VTIMEZONE, as sent).
    pub timezone: Option<String>,
    /// Every other property set (`resourcetype` left out), with its text.
    pub other: Vec<(PropName, String)>,
}

/// Reads a MKCALENDAR body; an empty body sets nothing.
pub fn mkcalendar(body: &[u8]) -> Result<CollectionProps, XmlError> {
    let mut props = CollectionProps::default();
    let Some(root) = parse(body)? else {
        return Ok(props);
    };
    if !root.is(CALDAV, "mkcalendar") && !root.is(DAV, "mkcol") {
        expect(&root, CALDAV, "mkcalendar")?;
    }
    let sets = root.children.iter().filter(|c| c.is(DAV, "set"));
    for prop in sets.flat_map(|s| s.children.iter().filter(|c| c.is(DAV, "prop"))) {
        for p in &prop.children {
            match (p.ns.as_str(), p.name.as_str()) {
                (DAV, "displayname") => props.displayname = Some(all_text(p)),
                (APPLE_ICAL, "calendar-color") => props.color = Some(all_text(p)),
                (CALDAV, "calendar-description") => props.description = Some(all_text(p)),
                (CALDAV, "calendar-timezone") => props.timezone = Some(all_text(p)),
                (CALDAV, "supported-calendar-component-set") => {
                    props.components = Some(components(p)?);
                }
                (DAV, "resourcetype") => {}
                _ => props.other.push((p.prop_name(), all_text(p))),
            }
        }
    }
    Ok(props)
}

fn components(set: &Element) -> Result<Vec<String>, XmlError> {
    let mut names = Vec::new();
    for comp in set.children.iter().filter(|c| c.is(CALDAV, "comp")) {
        let name = comp
            .attr("name")
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| XmlError::Invalid("a comp without a name".into()))?;
        names.push(name.to_ascii_uppercase());
    }
    Ok(names)
}
