//! One-word marks: `#tag`, `!priority`, `@list`.

use crate::tasks::model::{MAX_TAG, Priority};

use super::words::Tok;

/// `#home`: the tag, trimmed and lowercased as `Tags` stores it. It must be 1 to
/// `MAX_TAG` characters without control characters, hold at least one letter (`#42`
/// stays an issue number in the title) and not start with another `#`.
pub(super) fn tag(tok: &Tok) -> Option<String> {
    let name = tok.bare.strip_prefix('#')?;
    if name.starts_with('#') || !name.chars().any(char::is_alphabetic) {
        return None;
    }
    let name = name.trim().to_lowercase();
    let n = name.chars().count();
    ((1..=MAX_TAG).contains(&n) && !name.chars().any(char::is_control)).then_some(name)
}

/// `!high`, `!medium` (or `!med`), `!low`.
pub(super) fn priority(tok: &Tok) -> Option<Priority> {
    Some(match tok.norm.as_str() {
        "!high" => Priority::High,
        "!medium" | "!med" => Priority::Medium,
        "!low" => Priority::Low,
        _ => return None,
    })
}

/// `@Groceries`: the list name as written (one word, no control characters, not starting
/// with another `@`).
pub(super) fn list(tok: &Tok) -> Option<String> {
    let name = tok.bare.strip_prefix('@')?;
    let fine = !name.is_empty() && !name.starts_with('@') && !name.chars().any(char::is_control);
    fine.then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::super::words::tokens;
    use super::*;

    fn first<T>(text: &str, read: fn(&Tok) -> Option<T>) -> Option<T> {
        tokens(text).first().and_then(read)
    }

    #[test]
    fn tags_follow_the_tag_rules() {
        assert_eq!(first("#Home,", tag).as_deref(), Some("home"));
        assert_eq!(first("#ÜBER", tag).as_deref(), Some("über"));
        assert_eq!(first("#c++", tag).as_deref(), Some("c++"));
        let longest = format!("#{}", "a".repeat(MAX_TAG));
        assert_eq!(first(&longest, tag).as_deref(), Some(&longest[1..]));
        for text in ["#", "#.", "##home", "#42", "#a\u{7}b", "home"] {
            assert_eq!(first(text, tag), None, "{text}");
        }
        assert_eq!(first(&format!("#{}", "a".repeat(MAX_TAG + 1)), tag), None);
    }

    #[test]
    fn priorities_and_lists() {
        assert_eq!(first("!HIGH", priority), Some(Priority::High));
        assert_eq!(first("!med.", priority), Some(Priority::Medium));
        assert_eq!(first("!low", priority), Some(Priority::Low));
        assert_eq!(first("!urgent", priority), None);
        assert_eq!(first("high", priority), None);
        assert_eq!(first("@Groceries,", list).as_deref(), Some("Groceries"));
        assert_eq!(first("@Ärzte", list).as_deref(), Some("Ärzte"));
        for text in ["@", "@@x", "@.", "a@b"] {
            assert_eq!(first(text, list), None, "{text}");
        }
    }
}
