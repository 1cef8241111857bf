//! Reading iCalendar text (RFC 5545 section 3.1): physical lines unfolded (a CRLF or LF
//! followed by a space or tab continues the line), each content line split into its
//! name, parameters and value, and the components as a tree (`BEGIN`/`END` matched).
//! Every line keeps its unfolded text, so that what Taskward does not map is given back
//! as the client wrote it. Values are not interpreted here (see [`super::scalars`]).
//! Anything malformed is an error message, never a panic.

/// The largest body read, in octets.
pub const MAX_BODY: usize = 1 << 20;
/// Most content lines in a body.
pub const MAX_LINES: usize = 10_000;
/// Deepest nesting of components (`VCALENDAR` > `VTODO` > `VALARM` is 3).
pub const MAX_DEPTH: usize = 8;
/// Most parameters on one line.
const MAX_PARAMS: usize = 32;

/// One parameter: its name (upper case) and values (quotes removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// `TZID`, `VALUE`, ...
    pub name: String,
    /// One or more values.
    pub values: Vec<String>,
}

/// One content line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The property's name in upper case.
    pub name: String,
    /// Its parameters, in order.
    pub params: Vec<Param>,
    /// The value as written (escapes kept).
    pub value: String,
    /// The whole unfolded line as written.
    pub raw: String,
}

impl Line {
    /// The first value of the parameter `name` (upper case).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.values.first())
            .map(String::as_str)
    }

    /// Whether the parameter `name` (upper case) is `value`, in any case.
    pub fn param_is(&self, name: &str, value: &str) -> bool {
        self.param(name)
            .is_some_and(|v| v.eq_ignore_ascii_case(value))
    }

    /// The value as TEXT, unescaped.
    pub fn text(&self) -> String {
        super::scalars::unescape(&self.value)
    }
}

/// A component's content, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A property.
    Prop(Line),
    /// A nested component.
    Comp(Component),
}

/// A component from `BEGIN` to `END`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Its name in upper case (`VTODO`).
    pub name: String,
    /// The `BEGIN` line as written.
    pub begin: String,
    /// The `END` line as written.
    pub end: String,
    /// Its properties and components, in order.
    pub items: Vec<Item>,
}

impl Component {
    /// The properties, in order.
    pub fn props(&self) -> impl Iterator<Item = &Line> {
        self.items.iter().filter_map(|i| match i {
            Item::Prop(l) => Some(l),
            Item::Comp(_) => None,
        })
    }

    /// The nested components, in order.
    pub fn children(&self) -> impl Iterator<Item = &Component> {
        self.items.iter().filter_map(|i| match i {
            Item::Comp(c) => Some(c),
            Item::Prop(_) => None,
        })
    }

    /// The first property named `name` (upper case).
    pub fn prop(&self, name: &str) -> Option<&Line> {
        self.props().find(|l| l.name == name)
    }

    /// Every line of the component as written, `BEGIN` to `END`, appended to `out`.
    pub fn verbatim(&self, out: &mut Vec<String>) {
        out.push(self.begin.clone());
        for item in &self.items {
            match item {
                Item::Prop(l) => out.push(l.raw.clone()),
                Item::Comp(c) => c.verbatim(out),
            }
        }
        out.push(self.end.clone());
    }

    /// Every property of the component and of those nested in it.
    pub fn all_lines<'a>(&'a self, out: &mut Vec<&'a Line>) {
        for item in &self.items {
            match item {
                Item::Prop(l) => out.push(l),
                Item::Comp(c) => c.all_lines(out),
            }
        }
    }
}

/// A body as octets unfolded (a CRLF or LF followed by a space or tab removed, with that
/// space or tab), then read as UTF-8: a client may fold inside a multi-octet character
/// (RFC 5545 section 3.1 warns of it), which only unfolding the octets first mends.
pub fn text_of(body: &[u8]) -> Result<String, String> {
    if body.len() > MAX_BODY {
        return Err(format!("the body is larger than {MAX_BODY} octets"));
    }
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while let Some(&b) = body.get(i) {
        let next = |k: usize| body.get(i + k).copied();
        match b {
            b'\r' if next(1) == Some(b'\n') && matches!(next(2), Some(b' ' | b'\t')) => i += 3,
            b'\n' if matches!(next(1), Some(b' ' | b'\t')) => i += 2,
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "the body is not UTF-8 text".to_owned())
}

/// Reads a body holding exactly one top-level component.
pub fn parse(body: &str) -> Result<Component, String> {
    if body.len() > MAX_BODY {
        return Err(format!("the body is larger than {MAX_BODY} octets"));
    }
    let body = body.strip_prefix('\u{feff}').unwrap_or(body);
    let mut stack: Vec<Component> = Vec::new();
    let mut done: Option<Component> = None;
    for (n, raw) in unfold(body)?.into_iter().enumerate() {
        if n >= MAX_LINES {
            return Err(format!("the body has more than {MAX_LINES} content lines"));
        }
        let line = parse_line(&raw)?;
        if done.is_some() {
            return Err(format!("`{}` follows the end of the calendar", short(&raw)));
        }
        match line.name.as_str() {
            "BEGIN" => {
                let name = component_name(&line)?;
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("components are nested deeper than {MAX_DEPTH}"));
                }
                stack.push(Component {
                    name,
                    begin: line.raw,
                    end: String::new(),
                    items: Vec::new(),
                });
            }
            "END" => {
                let name = component_name(&line)?;
                let Some(mut comp) = stack.pop() else {
                    return Err(format!("END:{name} has no BEGIN"));
                };
                if comp.name != name {
                    return Err(format!("END:{name} closes BEGIN:{}", comp.name));
                }
                comp.end = line.raw;
                match stack.last_mut() {
                    Some(parent) => parent.items.push(Item::Comp(comp)),
                    None => done = Some(comp),
                }
            }
            _ => match stack.last_mut() {
                Some(parent) => parent.items.push(Item::Prop(line)),
                None => {
                    return Err(format!("`{}` is outside any component", short(&raw)));
                }
            },
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!("BEGIN:{} has no END", open.name));
    }
    done.ok_or_else(|| "the body holds no component (BEGIN:VCALENDAR)".to_owned())
}

/// The name a `BEGIN` or `END` line gives.
fn component_name(line: &Line) -> Result<String, String> {
    let name = line.value.trim();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(format!("`{}` does not name a component", short(&line.raw)));
    }
    Ok(name.to_ascii_uppercase())
}

/// The logical lines of `body`: physical lines (CRLF or LF) joined to the continuations
/// that follow them; blank lines skipped.
fn unfold(body: &str) -> Result<Vec<String>, String> {
    let mut lines: Vec<String> = Vec::new();
    for physical in body.split('\n') {
        let physical = physical.strip_suffix('\r').unwrap_or(physical);
        if let Some(rest) = physical
            .strip_prefix(' ')
            .or_else(|| physical.strip_prefix('\t'))
        {
            let Some(last) = lines.last_mut() else {
                return Err("the body begins with a continuation line".to_owned());
            };
            last.push_str(rest);
        } else if !physical.is_empty() {
            lines.push(physical.to_owned());
        }
    }
    Ok(lines)
}

/// The first characters of a line, for an error message.
fn short(raw: &str) -> String {
    let cut: String = raw.chars().take(40).collect();
    if cut.len() < raw.len() {
        format!("{cut}...")
    } else {
        cut
    }
}

/// Splits one unfolded content line: `NAME *(;PARAM=value*(,value)) : value`.
pub fn parse_line(raw: &str) -> Result<Line, String> {
    let bad = |why: &str| format!("`{}`: {why}", short(raw));
    if raw.chars().any(|c| c.is_control() && c != '\t') {
        return Err(bad("control characters are not allowed"));
    }
    let name_end = raw
        .find([';', ':'])
        .ok_or_else(|| bad("a content line needs a `:`"))?;
    let name = &raw[..name_end];
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(bad("the property name must be letters, digits and `-`"));
    }
    let mut params = Vec::new();
    let mut rest = &raw[name_end..];
    while let Some(after) = rest.strip_prefix(';') {
        if params.len() >= MAX_PARAMS {
            return Err(bad("too many parameters"));
        }
        let eq = after
            .find('=')
            .ok_or_else(|| bad("a parameter needs a `=`"))?;
        let pname = &after[..eq];
        if pname.is_empty()
            || !pname
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(bad("a parameter name must be letters, digits and `-`"));
        }
        let mut values = Vec::new();
        let mut s = &after[eq + 1..];
        loop {
            if let Some(quoted) = s.strip_prefix('"') {
                let close = quoted
                    .find('"')
                    .ok_or_else(|| bad("a quoted parameter value is not closed"))?;
                values.push(quoted[..close].to_owned());
                s = &quoted[close + 1..];
            } else {
                let end = s.find([',', ';', ':', '"']).unwrap_or(s.len());
                values.push(s[..end].to_owned());
                s = &s[end..];
            }
            match s.strip_prefix(',') {
                Some(more) => s = more,
                None => break,
            }
        }
        params.push(Param {
            name: pname.to_ascii_uppercase(),
            values,
        });
        rest = s;
    }
    let value = rest
        .strip_prefix(':')
        .ok_or_else(|| bad("the parameters must be followed by `:` and the value"))?;
    Ok(Line {
        name: name.to_ascii_uppercase(),
        params,
        value: value.to_owned(),
        raw: raw.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_unfold_and_split_into_name_parameters_and_value() {
        let body = "BEGIN:VCALENDAR\r\nX-A;P=\"a;b:c\",d;Q=e:va\r\n lue:with colon\r\n\tmore\nEND:VCALENDAR\n";
        let cal = parse(body).expect("parses");
        let line = cal.prop("X-A").expect("line");
        assert_eq!(line.raw, "X-A;P=\"a;b:c\",d;Q=e:value:with colonmore");
        assert_eq!(line.value, "value:with colonmore");
        assert_eq!(line.params[0].values, ["a;b:c", "d"]);
        assert_eq!(line.param("Q"), Some("e"));
        assert!(line.param_is("Q", "e"));
    }

    #[test]
    fn multi_byte_characters_survive_a_fold_between_their_octets_lines() {
        let body = "BEGIN:V\r\nX-N:ab\r\n é\r\nEND:V\r\n";
        assert_eq!(
            parse(body).expect("parses").prop("X-N").expect("x").value,
            "abé"
        );
    }

    #[test]
    fn octets_unfold_before_they_are_read_as_utf_8() {
        let body = b"BEGIN:V\r\nX-N:ab\xC3\r\n \xA9c\n\t\xC3\xA9\r\nEND:V\r\n";
        let text = text_of(body).expect("UTF-8 once unfolded");
        assert_eq!(text, "BEGIN:V\r\nX-N:ab\u{e9}c\u{e9}\r\nEND:V\r\n");
        assert!(text_of(b"X:\xC3\r\nY:\xA9").is_err());
        assert!(text_of(b"X:\xff").is_err());
    }

    #[test]
    fn components_must_balance() {
        assert!(parse("BEGIN:A\r\nBEGIN:B\r\nEND:A\r\nEND:B\r\n").is_err());
        assert!(parse("BEGIN:A\r\n").is_err());
        assert!(parse("END:A\r\n").is_err());
        assert!(parse("X:1\r\n").is_err());
        assert!(parse("BEGIN:A\r\nEND:A\r\nBEGIN:A\r\nEND:A\r\n").is_err());
        assert!(parse("").is_err());
        assert!(parse(" continuation\r\n").is_err());
        let deep = "BEGIN:A\r\n".repeat(MAX_DEPTH + 1) + &"END:A\r\n".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).is_err());
    }

    #[test]
    fn malformed_lines_are_errors() {
        for raw in [
            "NOCOLON",
            ":value",
            "NA ME:x",
            "X;P:x",
            "X;P=\"open:x",
            "X;=v:x",
            "X;P=a\"b:x",
            "X:bell\u{7}",
        ] {
            assert!(parse_line(raw).is_err(), "{raw:?}");
        }
        assert!(parse_line("X;P=:x").is_ok(), "an empty parameter value");
        assert!(parse_line("X:tab\there").is_ok());
    }

    #[test]
    fn garbage_never_panics() {
        let samples = [
            "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:1\r\nSUMMARY:x",
            "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nDUE;TZID=\"Europe/Berlin:20261224T090000\r\nEND:VTODO\r\nEND:VCALENDAR",
            "\u{feff}BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
            "ü;ö=ä:é\r\n",
            ";;;:::,,,\"\"\"",
            "BEGIN:\r\nEND:\r\n",
        ];
        for sample in samples {
            for cut in 0..=sample.len() {
                if let Some(part) = sample.get(..cut) {
                    let _ = parse(part);
                }
            }
        }
        let mut noise = String::new();
        let mut x: u32 = 7;
        for _ in 0..5000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let c = char::from_u32((x >> 16) % 0x250).unwrap_or('?');
            noise.push(if x.is_multiple_of(11) { '\n' } else { c });
            let _ = parse(&noise);
            let _ = super::super::scalars::duration_seconds(&noise);
            let _ = super::super::scalars::text_list(&noise);
        }
    }
}
