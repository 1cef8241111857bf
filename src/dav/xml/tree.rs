//! A request body read into a small tree of elements, with the limits checked on the way:
//! request bodies are small (a PROPFIND, a REPORT of a few hundred hrefs), so the tree is
//! the simplest safe shape to read them from.

use quick_xml::NsReader;
use quick_xml::XmlVersion;
use quick_xml::escape::{resolve_predefined_entity, unescape};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use super::{PropName, XmlError};

/// The deepest nesting of elements read (a calendar-query needs 7).
pub const MAX_DEPTH: usize = 32;
/// The most elements read in one body (a calendar-multiget of a few thousand hrefs).
pub const MAX_ELEMENTS: usize = 20_000;

/// One element: its namespace (empty for none), local name, attributes (by local name,
/// namespace declarations left out), children and its own text.
#[derive(Debug)]
pub(super) struct Element {
    pub ns: String,
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns == ns && self.name == name
    }

    pub fn prop_name(&self) -> PropName {
        PropName::new(&self.ns, &self.name)
    }

    /// The first child with this name.
    pub fn child(&self, ns: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The element's own text, trimmed.
    pub fn value(&self) -> &str {
        self.text.trim()
    }
}

/// Reads a body; `None` when it is empty (or only whitespace).
pub(super) fn parse(body: &[u8]) -> Result<Option<Element>, XmlError> {
    let text =
        std::str::from_utf8(body).map_err(|e| XmlError::Malformed(format!("not UTF-8 ({e})")))?;
    if text.trim_start_matches('\u{feff}').trim().is_empty() {
        return Ok(None);
    }
    let mut reader = NsReader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        let (resolved, event) = reader.read_resolved_event().map_err(malformed)?;
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                if root.is_some() {
                    return Err(XmlError::Malformed("an element after the root".into()));
                }
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(XmlError::Refused(format!(
                        "more than {MAX_ELEMENTS} elements"
                    )));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::Refused(format!(
                        "elements nested more than {MAX_DEPTH} deep"
                    )));
                }
                let element = element(resolved, start)?;
                if matches!(event, Event::Start(_)) {
                    stack.push(element);
                } else {
                    close(element, &mut stack, &mut root);
                }
            }
            Event::End(_) => match stack.pop() {
                Some(element) => close(element, &mut stack, &mut root),
                None => return Err(XmlError::Malformed("an end tag without a start".into())),
            },
            Event::Text(t) => add_text(&mut stack, &t.xml10_content())?,
            Event::CData(t) => add_text(&mut stack, &t.xml10_content())?,
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    match r.resolve_char_ref().map_err(malformed)? {
                        Some(c) => c.to_string(),
                        None => {
                            return Err(XmlError::Malformed("a bad character reference".into()));
                        }
                    }
                } else {
                    let name = r.xml10_content();
                    match resolve_predefined_entity(&name) {
                        Some(s) => s.to_owned(),
                        None => {
                            return Err(XmlError::Refused(format!("the entity &{name};")));
                        }
                    }
                };
                add_text(&mut stack, &resolved)?;
            }
            Event::DocType(_) => return Err(XmlError::Refused("a DOCTYPE".into())),
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Malformed(
            "the body ends inside an element".into(),
        ));
    }
    match root {
        Some(root) => Ok(Some(root)),
        None => Err(XmlError::Malformed("no root element".into())),
    }
}

fn malformed(e: quick_xml::Error) -> XmlError {
    XmlError::Malformed(e.to_string())
}

fn element(resolved: ResolveResult<'_>, start: &BytesStart<'_>) -> Result<Element, XmlError> {
    let ns = match resolved {
        // The reader gives the declaration's value as written: unescape it.
        ResolveResult::Bound(ns) => unescape(ns.as_ref())
            .map_err(|e| XmlError::Malformed(e.to_string()))?
            .into_owned(),
        ResolveResult::Unbound => String::new(),
        ResolveResult::Unknown(prefix) => {
            return Err(XmlError::Malformed(format!(
                "the prefix {prefix:?} is not declared"
            )));
        }
    };
    let name = start.local_name().as_ref().to_owned();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| XmlError::Malformed(e.to_string()))?;
        let key = attr.key;
        if key.as_namespace_binding().is_some() {
            continue;
        }
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(malformed)?;
        attrs.push((key.local_name().as_ref().to_owned(), value.into_owned()));
    }
    Ok(Element {
        ns,
        name,
        attrs,
        children: Vec::new(),
        text: String::new(),
    })
}

fn close(element: Element, stack: &mut [Element], root: &mut Option<Element>) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

fn add_text(stack: &mut [Element], text: &str) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some(parent) => parent.text.push_str(text),
        None if text.trim().is_empty() => {}
        None => return Err(XmlError::Malformed("text outside the root element".into())),
    }
    Ok(())
}
