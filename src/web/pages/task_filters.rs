//! The tasks page's view: the filters as typed (a GET form, so every view is a link),
//! the list query they make (the agenda order by default, tags by prefix), and the
//! position in the list (`cursor` forward, `before` backward, `at` the first row's number)
//! with the pager's links and "21-40 of 57".

use super::param;
use super::task_form::{Opt, options};
use super::task_row::Shown;
use crate::tasks::order::Sort;
use crate::tasks::query::{Cursor, ListQuery};

/// Tasks per page.
pub const PAGE_SIZE: u32 = 20;

/// Done tasks are hidden unless asked for: the default is `pending`.
const STATUSES: &[(&str, &str)] = &[
    ("pending", "To do"),
    ("all", "To do and done"),
    ("completed", "Done"),
];
const PRIORITY_FILTER: &[(&str, &str)] = &[
    ("", "Any priority"),
    ("high", "High"),
    ("medium", "Medium"),
    ("low", "Low"),
];
/// The orders offered; the first, empty, is the agenda (overdue first, then by due).
const SORTS: &[(&str, &str)] = &[
    ("", "Due, overdue first"),
    ("-created_at", "Newest first"),
    ("created_at", "Oldest first"),
    ("due_at", "Due date"),
    ("-priority", "Priority"),
    ("title", "Title A-Z"),
    ("-updated_at", "Recently changed"),
];

/// The filter form's values, as typed (a tag without its leading `#`).
#[derive(Default, Clone)]
pub struct Filters {
    /// The list shown (empty: every list); the page's scope rather than a filter.
    pub list: String,
    pub status: String,
    pub priority: String,
    pub tag: String,
    pub q: String,
    pub sort: String,
}

/// A tag as typed in a field: trimmed, without the `#` it is shown with.
pub fn bare_tag(raw: &str) -> &str {
    raw.trim().trim_start_matches('#').trim_start()
}

fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

impl Filters {
    pub fn from_query(query: Option<&str>) -> Self {
        let get = |name| param(query, name).unwrap_or_default();
        Self {
            list: get("list"),
            status: get("status"),
            priority: get("priority"),
            tag: bare_tag(&get("tag")).to_owned(),
            q: get("q"),
            sort: get("sort"),
        }
    }

    /// Where "Clear" leads: the same list, unfiltered.
    pub fn cleared(&self) -> String {
        if self.list.is_empty() {
            "/tasks".to_owned()
        } else {
            format!("/tasks?list={}", encode(&self.list))
        }
    }

    /// Whether anything narrows the list.
    pub fn any(&self) -> bool {
        self.folded() || !self.q.is_empty()
    }

    /// Whether a filter behind "Filter" narrows the list (it is then shown open).
    pub fn folded(&self) -> bool {
        !(self.status.is_empty() || self.status == "pending")
            || !self.priority.is_empty()
            || !self.tag.is_empty()
    }

    /// The filters and the order in a few words, for the "Filter" summary.
    pub fn summary(&self) -> String {
        let label = |list: &[(&str, &'static str)], v: &str| {
            list.iter().find(|(k, _)| *k == v).map(|(_, l)| *l)
        };
        let mut parts = Vec::new();
        if self.folded() {
            if let Some(s) = label(STATUSES, &self.status).filter(|_| self.status != "pending") {
                parts.push(s.to_owned());
            }
            if let Some(p) =
                label(PRIORITY_FILTER, &self.priority).filter(|_| !self.priority.is_empty())
            {
                parts.push(format!("{p} priority"));
            }
            if !self.tag.is_empty() {
                parts.push(format!("#{}…", self.tag));
            }
        }
        if let Some(s) = label(SORTS, &self.sort).filter(|_| !self.sort.is_empty()) {
            parts.push(s.to_owned());
        }
        parts.join(" · ")
    }

    /// Whether done tasks are shown.
    pub fn shows_completed(&self) -> bool {
        matches!(self.status.as_str(), "all" | "completed")
    }

    /// Which tasks the view shows, by completion.
    pub fn shown(&self) -> Shown {
        match self.status.as_str() {
            "all" => Shown::Both,
            "completed" => Shown::Done,
            _ => Shown::Pending,
        }
    }

    /// The same view with done tasks shown too, or hidden again.
    pub fn completed_switch(&self) -> String {
        let other = Filters {
            status: if self.shows_completed() {
                String::new()
            } else {
                "all".to_owned()
            },
            ..self.clone()
        };
        match other.query() {
            q if q.is_empty() => "/tasks".to_owned(),
            q => format!("/tasks?{q}"),
        }
    }

    /// The query string of these filters (no position), for links.
    pub fn query(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("list", &self.list),
            ("status", &self.status),
            ("priority", &self.priority),
            ("tag", &self.tag),
            ("q", &self.q),
            ("sort", &self.sort),
        ] {
            if !v.is_empty() {
                out.append_pair(k, v);
            }
        }
        out.finish()
    }

    pub fn status_opts(&self) -> Vec<Opt> {
        let status = if self.status.is_empty() {
            "pending"
        } else {
            &self.status
        };
        options(STATUSES, status)
    }

    pub fn priority_opts(&self) -> Vec<Opt> {
        options(PRIORITY_FILTER, &self.priority)
    }

    pub fn sort_opts(&self) -> Vec<Opt> {
        options(SORTS, &self.sort)
    }

    /// The list query of this view at `at`: done tasks hidden unless asked for, the
    /// agenda order unless another is chosen, the tag a prefix. Filters that do not
    /// parse are dropped with a message saying which.
    pub fn list_query(&self, at: &Position) -> (ListQuery, Option<String>) {
        let limit = if self.status.is_empty() {
            format!("limit={PAGE_SIZE}&status=pending")
        } else {
            format!("limit={PAGE_SIZE}")
        };
        let (mut q, mut message) = match ListQuery::parse(&format!("{}&{limit}", self.query())) {
            Ok(q) => (q, None),
            Err(errors) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                let message = format!(
                    "Some filters were not understood ({}), so all tasks are shown.",
                    fields.join(", ")
                );
                (ListQuery::parse(&limit).unwrap_or_default(), Some(message))
            }
        };
        if message.is_some() || self.sort.is_empty() {
            q.sort = Sort::AGENDA;
        }
        q.tag_prefix = true;
        if let Some(raw) = &at.cursor {
            match Cursor::decode(raw, q.sort) {
                Ok(c) => {
                    q.cursor = Some(c);
                    q.backward = at.backward;
                }
                Err(_) => {
                    message.get_or_insert_with(|| {
                        "That page link is out of date, so the first page is shown.".to_owned()
                    });
                }
            }
        }
        (q, message)
    }
}

/// Where in the list a page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The cursor (`cursor=` after it, `before=` before it).
    pub cursor: Option<String>,
    /// Whether the page ends before `cursor` rather than starting after it.
    pub backward: bool,
    /// The number of the page's first row, from 1 (`at=`).
    pub at: u64,
}

impl Default for Position {
    /// The first page.
    fn default() -> Self {
        Self {
            cursor: None,
            backward: false,
            at: 1,
        }
    }
}

impl Position {
    pub fn from_query(query: Option<&str>) -> Self {
        let given = |name| param(query, name).filter(|v| !v.is_empty());
        let (cursor, backward) = match (given("cursor"), given("before")) {
            (Some(c), _) => (Some(c), false),
            (None, Some(b)) => (Some(b), true),
            (None, None) => (None, false),
        };
        let at = given("at")
            .and_then(|a| a.parse::<u64>().ok())
            .filter(|&a| a >= 1 && cursor.is_some())
            .unwrap_or(1);
        Self {
            cursor,
            backward,
            at,
        }
    }

    /// The query-string parameters of this position (empty on the first page).
    pub fn params(&self) -> String {
        match &self.cursor {
            None => String::new(),
            Some(c) => {
                let name = if self.backward { "before" } else { "cursor" };
                format!("{name}={}&at={}", encode(c), self.at)
            }
        }
    }
}

/// The pager under the list.
pub struct Pager {
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
    /// "21-40 of 57", when the page has rows.
    pub position: Option<String>,
}

impl Pager {
    /// The pager of a page of `shown` rows from row `at` of `total`, with the cursors
    /// before and after it, over the view `base` (a filters query string).
    pub fn new(
        base: &str,
        at: u64,
        shown: usize,
        total: u64,
        prev: Option<String>,
        next: Option<String>,
    ) -> Self {
        let shown = shown as u64;
        let at = at.clamp(1, u64::MAX / 2);
        let link = |p: Position| {
            let sep = if base.is_empty() { "" } else { "&" };
            format!("/tasks?{base}{sep}{}", p.params())
        };
        let prev_url = prev.map(|c| {
            link(Position {
                cursor: Some(c),
                backward: true,
                at: at.saturating_sub(u64::from(PAGE_SIZE)).max(1),
            })
        });
        let next_url = next.map(|c| {
            link(Position {
                cursor: Some(c),
                backward: false,
                at: at + shown,
            })
        });
        // The numbers are as the pages were counted; tasks added meanwhile may shift them.
        let last = (at + shown).saturating_sub(1);
        let position = (shown > 0).then(|| format!("{at}–{last} of {}", total.max(last)));
        Self {
            prev_url,
            next_url,
            position,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leading_hash_is_not_part_of_the_tag() {
        assert_eq!(bare_tag(" #work "), "work");
        assert_eq!(bare_tag("##urgent"), "urgent");
        assert_eq!(bare_tag("#"), "");
        assert_eq!(bare_tag("c#"), "c#");
        let f = Filters::from_query(Some("tag=%23wo"));
        assert_eq!(f.tag, "wo");
        assert_eq!(f.summary(), "#wo…");
    }

    #[test]
    fn positions_read_and_write_the_query_string() {
        let p = Position::from_query(Some("before=abc&at=21&tag=x"));
        assert_eq!(
            p,
            Position {
                cursor: Some("abc".into()),
                backward: true,
                at: 21
            }
        );
        assert_eq!(p.params(), "before=abc&at=21");
        // No cursor: the first page, whatever `at` says.
        assert_eq!(Position::from_query(Some("at=41")).at, 1);
        assert_eq!(Position::from_query(Some("cursor=c&at=0")).at, 1);
    }

    #[test]
    fn the_pager_says_where_the_page_is() {
        let p = Pager::new("tag=a", 21, 20, 57, Some("p".into()), Some("n".into()));
        assert_eq!(p.position.as_deref(), Some("21–40 of 57"));
        assert_eq!(p.prev_url.as_deref(), Some("/tasks?tag=a&before=p&at=1"));
        assert_eq!(p.next_url.as_deref(), Some("/tasks?tag=a&cursor=n&at=41"));
        let last = Pager::new("", 41, 17, 57, Some("p".into()), None);
        assert_eq!(last.position.as_deref(), Some("41–57 of 57"));
        assert_eq!(last.prev_url.as_deref(), Some("/tasks?before=p&at=21"));
        assert_eq!(Pager::new("", 1, 0, 0, None, None).position, None);
    }
}
