//! A small RFC 5545 writer: content lines ended by CRLF and folded at 75 octets (never
//! inside a UTF-8 character), and TEXT values escaped (section 3.3.11).

/// The longest content line in octets, without its CRLF (RFC 5545 section 3.1).
const MAX_LINE: usize = 75;

/// An iCalendar object being written.
#[derive(Debug, Default)]
pub struct Ics {
    out: String,
}

impl Ics {
    /// An empty object.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes `name` (with its parameters, e.g. `DTSTART;VALUE=DATE`) and a value that
    /// is already in its iCalendar form, folded.
    pub fn raw(&mut self, name: &str, value: &str) {
        let line = format!("{name}:{value}");
        fold_into(&mut self.out, &line);
    }

    /// Writes a whole content line as it is (already formed and unfolded: a line a
    /// client gave and Taskward keeps), folded.
    pub fn line(&mut self, line: &str) {
        fold_into(&mut self.out, line);
    }

    /// Writes a TEXT property: `text` escaped.
    pub fn text(&mut self, name: &str, text: &str) {
        self.raw(name, &escape(text));
    }

    /// Writes a property whose value is a list of TEXT values (`CATEGORIES`).
    pub fn text_list(&mut self, name: &str, items: &[String]) {
        let value: Vec<String> = items.iter().map(|t| escape(t)).collect();
        self.raw(name, &value.join(","));
    }

    /// `BEGIN:<what>`.
    pub fn begin(&mut self, what: &str) {
        self.raw("BEGIN", what);
    }

    /// `END:<what>`.
    pub fn end(&mut self, what: &str) {
        self.raw("END", what);
    }

    /// The object's text.
    pub fn finish(self) -> String {
        self.out
    }
}

/// A TEXT value escaped: backslash, semicolon and comma get a backslash, a line break
/// (CRLF, LF or CR) becomes `\n`, other control characters are dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` folded: at most 75 octets per physical line, each continuation begun
/// by one space (which counts), every line ended by CRLF.
fn fold_into(out: &mut String, line: &str) {
    if line.len() <= MAX_LINE {
        // Most lines: whole.
        out.push_str(line);
        out.push_str("\r\n");
        return;
    }
    let mut room = MAX_LINE;
    for c in line.chars() {
        let len = c.len_utf8();
        if len > room {
            out.push_str("\r\n ");
            room = MAX_LINE - 1;
        }
        out.push(c);
        room -= len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a,b;c\\d"), "a\\,b\\;c\\\\d");
        assert_eq!(
            escape("one\r\ntwo\nthree\rfour"),
            "one\\ntwo\\nthree\\nfour"
        );
        assert_eq!(escape("bell\u{7}"), "bell");
    }

    #[test]
    fn short_lines_are_not_folded() {
        let mut ics = Ics::new();
        ics.text("SUMMARY", "Milk");
        assert_eq!(ics.finish(), "SUMMARY:Milk\r\n");
    }

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let mut ics = Ics::new();
        let text = "é".repeat(100) + &"x".repeat(100);
        ics.text("DESCRIPTION", &text);
        let out = ics.finish();
        assert!(out.ends_with("\r\n"));
        let lines: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(lines.len() > 3);
        for (i, l) in lines.iter().enumerate() {
            assert!(l.len() <= MAX_LINE, "line {i} has {} octets", l.len());
            assert_eq!(i > 0, l.starts_with(' '));
        }
        let unfolded: String = lines
            .iter()
            .enumerate()
            .map(|(i, l)| if i == 0 { *l } else { &l[1..] })
            .collect();
        assert_eq!(unfolded, format!("DESCRIPTION:{text}"));
    }

    #[test]
    fn a_line_of_exactly_75_octets_stays_whole() {
        let mut ics = Ics::new();
        ics.raw("X", &"a".repeat(73));
        assert_eq!(ics.finish(), format!("X:{}\r\n", "a".repeat(73)));
        let mut ics = Ics::new();
        ics.raw("X", &"a".repeat(74));
        assert_eq!(ics.finish(), format!("X:{}\r\n a\r\n", "a".repeat(73)));
    }

    #[test]
    fn whole_lines_are_folded_as_they_are() {
        let mut ics = Ics::new();
        let line = format!("X-NOTE;LANG=de:{}", "ü".repeat(40));
        ics.line(&line);
        let out = ics.finish();
        assert!(out.split("\r\n").all(|l| l.len() <= MAX_LINE));
        assert_eq!(out.replace("\r\n ", ""), format!("{line}\r\n"));
    }

    #[test]
    fn lists_escape_each_item() {
        let mut ics = Ics::new();
        ics.text_list("CATEGORIES", &["a,b".to_owned(), "c".to_owned()]);
        assert_eq!(ics.finish(), "CATEGORIES:a\\,b,c\r\n");
    }
}
