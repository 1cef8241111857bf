//! The list query of `GET /api/tasks`: its parameters as sent ([`ListParams`], which the
//! API's document is generated from too), and the checked query ([`ListQuery`]): filters,
//! sort order, page size and the opaque keyset cursor.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::IntoParams;
use uuid::Uuid;

use super::due::{DueBounds, DueWindow};
use super::model::{MAX_TAG, MAX_TITLE, Priority, Task};
use super::order::{Sort, SortKey, Status};
use crate::error::FieldError;
use crate::timestamp::{parse_timestamp, to_micros};

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size.
pub const MAX_LIMIT: u32 = 200;
/// Longest search text accepted.
pub const MAX_QUERY: usize = 200;

/// The sort-key value of the last task of a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CursorKey {
    /// Times (microseconds) and ranks; `None` for a task without a due date.
    Int(Option<i64>),
    /// Lower-cased titles.
    Text(String),
    /// [`SortKey::Agenda`]'s: the due key (microseconds, `None` without a due) and the
    /// priority's rank.
    Agenda(Option<i64>, i64),
}

/// Where the next page starts: after this key and id in the list's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The sort key value of the last task seen.
    pub key: CursorKey,
    /// Its id.
    pub id: Uuid,
}

#[derive(Serialize, Deserialize)]
struct CursorWire {
    /// Sort order the cursor belongs to.
    s: String,
    k: CursorKey,
    i: Uuid,
}

impl Cursor {
    /// The cursor after `task` in `sort` order.
    pub fn after(task: &Task, sort: Sort) -> Self {
        let key = match sort.key {
            SortKey::CreatedAt => CursorKey::Int(Some(to_micros(task.created_at))),
            SortKey::UpdatedAt => CursorKey::Int(Some(to_micros(task.updated_at))),
            SortKey::DueAt => CursorKey::Int(task.due_key.map(to_micros)),
            SortKey::Priority => CursorKey::Int(Some(i64::from(task.priority.rank()))),
            SortKey::Title => CursorKey::Text(task.title.to_lowercase()),
            SortKey::Agenda => {
                CursorKey::Agenda(task.due_key.map(to_micros), i64::from(task.priority.rank()))
            }
        };
        Self { key, id: task.id }
    }

    /// The opaque text form (base64url JSON, bound to its sort order).
    pub fn encode(&self, sort: Sort) -> String {
        let wire = CursorWire {
            s: sort.as_param(),
            k: self.key.clone(),
            i: self.id,
        };
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&wire).unwrap_or_default())
    }

    /// Reads a cursor made by [`Cursor::encode`] for the same sort order.
    pub fn decode(raw: &str, sort: Sort) -> Result<Self, FieldError> {
        let bad = || {
            FieldError::new(
                "cursor",
                "is not a cursor from a previous page of this list",
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| bad())?;
        let wire: CursorWire = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        if wire.s != sort.as_param() {
            return Err(FieldError::new(
                "cursor",
                "belongs to another sort order; start again without a cursor",
            ));
        }
        let key_fits = match (&wire.k, sort.key) {
            // A lower-cased title: one line without control characters (NUL cannot even
            // reach PostgreSQL), at most three times a title's length (lower-casing
            // lengthens a few characters).
            (CursorKey::Text(t), SortKey::Title) => {
                !t.chars().any(char::is_control) && t.chars().count() <= 3 * MAX_TITLE
            }
            (CursorKey::Int(None), SortKey::DueAt) => true,
            (CursorKey::Agenda(_, rank), SortKey::Agenda) => (1..=3).contains(rank),
            (CursorKey::Int(Some(_)), k) => !matches!(k, SortKey::Title | SortKey::Agenda),
            _ => false,
        };
        if !key_fits {
            return Err(bad());
        }
        Ok(Self {
            key: wire.k,
            id: wire.i,
        })
    }
}

/// A validated list query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListQuery {
    /// Only the tasks of this list (else those of every list the caller sees).
    pub list: Option<Uuid>,
    /// Completion filter.
    pub status: Status,
    /// Only this priority.
    pub priority: Option<Priority>,
    /// Only tasks with this (normalised) tag.
    pub tag: Option<String>,
    /// Whether `tag` is a prefix (`wo` finds `work`) rather than the whole tag; the web
    /// app's filter sets it, the API's `tag=` stays exact.
    pub tag_prefix: bool,
    /// Lower-cased substring of title or description; `%` and `_` are plain characters.
    pub text: Option<String>,
    /// Only tasks due strictly before this time.
    pub due_before: Option<OffsetDateTime>,
    /// Only tasks due strictly after this time.
    pub due_after: Option<OffsetDateTime>,
    /// Only tasks in this window of the caller's days.
    pub due: Option<DueWindow>,
    /// `due` as instants, set by the task service from the caller's time zone.
    pub due_bounds: Option<DueBounds>,
    /// Order.
    pub sort: Sort,
    /// Page size.
    pub limit: u32,
    /// Start after this position.
    pub cursor: Option<Cursor>,
    /// Read the page that ends just before `cursor` instead (the web app's "Previous").
    pub backward: bool,
}

/// The parameters of the list as the client sent them: text, not yet checked. The API
/// reads a query string into it and documents it; the web app fills it from its filter
/// form. The document shows each parameter's accepted values.
#[derive(Debug, Clone, Default, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only the tasks of this list; without it, those of every list the caller sees.
    #[param(value_type = Option<String>, format = Uuid)]
    pub list: Option<String>,
    /// `all` (default), `pending` or `completed`.
    #[param(value_type = Option<Status>, example = "pending")]
    pub status: Option<String>,
    /// Only this priority.
    #[param(value_type = Option<Priority>)]
    pub priority: Option<String>,
    /// Only tasks with this tag (case-insensitive).
    #[param(example = "home", max_length = 32)]
    pub tag: Option<String>,
    /// Case-insensitive substring of the title or description; `%` and `_` are literal.
    #[param(example = "milk", max_length = 200)]
    pub q: Option<String>,
    /// The order: a key, with a leading `-` for descending. Default `-created_at`.
    #[param(value_type = Option<Sort>, example = "-due_at")]
    pub sort: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<String>,
    /// Only tasks due before this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub due_before: Option<String>,
    /// Only tasks due after this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub due_after: Option<String>,
    /// `overdue` (due before now), `today`, `upcoming` (the 7 days after today) or `none`
    /// (no due date), in the caller's time zone.
    #[param(value_type = Option<String>, pattern = "^(overdue|today|upcoming|none)$", example = "today")]
    pub due: Option<String>,
    /// Opaque cursor from the `Link: <...>; rel="next"` header of the previous page.
    pub cursor: Option<String>,
}

impl ListParams {
    /// Reads a query string (`status=pending&sort=-due_at&limit=20`). A parameter given
    /// twice counts once, with its last value; unknown parameters are ignored.
    pub fn from_query(query: &str) -> Self {
        let mut p = Self::default();
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match name.as_ref() {
                "list" => &mut p.list,
                "status" => &mut p.status,
                "priority" => &mut p.priority,
                "tag" => &mut p.tag,
                "q" => &mut p.q,
                "sort" => &mut p.sort,
                "limit" => &mut p.limit,
                "due_before" => &mut p.due_before,
                "due_after" => &mut p.due_after,
                "due" => &mut p.due,
                "cursor" => &mut p.cursor,
                _ => continue,
            };
            *slot = Some(value.into_owned());
        }
        p
    }
}

impl ListQuery {
    /// Parses a query string, reporting every invalid parameter.
    pub fn parse(query: &str) -> Result<Self, Vec<FieldError>> {
        Self::from_params(&ListParams::from_query(query))
    }

    /// Checks the parameters, reporting every invalid one (in the order of
    /// [`ListParams`]). An empty parameter is as good as absent.
    pub fn from_params(p: &ListParams) -> Result<Self, Vec<FieldError>> {
        let mut q = Self {
            limit: DEFAULT_LIMIT,
            ..Self::default()
        };
        let mut errors = Vec::new();
        let given = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
        let mut check = |r: Result<(), FieldError>| {
            if let Err(e) = r {
                errors.push(e);
            }
        };
        if let Some(v) = given(&p.list) {
            check(match Uuid::parse_str(v.trim()) {
                Ok(id) => {
                    q.list = Some(id);
                    Ok(())
                }
                Err(_) => Err(FieldError::new("list", "must be the id of a list")),
            });
        }
        if let Some(v) = given(&p.status) {
            check(Status::parse(&v).map(|s| q.status = s));
        }
        if let Some(v) = given(&p.priority) {
            check(Priority::parse("priority", &v).map(|p| q.priority = Some(p)));
        }
        if let Some(v) = &p.tag {
            check(tag_filter(v).map(|t| q.tag = t));
        }
        if let Some(v) = &p.q {
            check(text_filter(v).map(|t| q.text = t));
        }
        if let Some(v) = given(&p.sort) {
            check(Sort::parse(&v).map(|s| q.sort = s));
        }
        if let Some(v) = &p.limit {
            check(match v.parse::<u32>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => {
                    q.limit = n;
                    Ok(())
                }
                _ => Err(FieldError::new(
                    "limit",
                    format!("must be a whole number from 1 to {MAX_LIMIT}"),
                )),
            });
        }
        if let Some(v) = given(&p.due_before) {
            check(parse_timestamp("due_before", &v).map(|t| q.due_before = Some(t)));
        }
        if let Some(v) = given(&p.due_after) {
            check(parse_timestamp("due_after", &v).map(|t| q.due_after = Some(t)));
        }
        if let Some(v) = given(&p.due) {
            check(DueWindow::parse(&v).map(|d| q.due = Some(d)));
        }
        // The cursor is checked against the final sort order.
        if let Some(v) = given(&p.cursor) {
            check(Cursor::decode(&v, q.sort).map(|c| q.cursor = Some(c)));
        }
        if errors.is_empty() {
            Ok(q)
        } else {
            Err(errors)
        }
    }
}

/// A tag filter: trimmed and lower-cased like stored tags; empty means none.
fn tag_filter(raw: &str) -> Result<Option<String>, FieldError> {
    let tag = raw.trim().to_lowercase();
    if tag.is_empty() {
        Ok(None)
    } else if tag.chars().any(char::is_control) {
        // As in stored tags; PostgreSQL also refuses NUL in a parameter.
        Err(FieldError::new(
            "tag",
            "must not contain control characters",
        ))
    } else if tag.chars().count() > MAX_TAG {
        Err(FieldError::new(
            "tag",
            format!("must be at most {MAX_TAG} characters long"),
        ))
    } else {
        Ok(Some(tag))
    }
}

/// A search text: trimmed and lower-cased; empty means none.
fn text_filter(raw: &str) -> Result<Option<String>, FieldError> {
    let text = raw.trim().to_lowercase();
    if text.chars().count() > MAX_QUERY {
        Err(FieldError::new(
            "q",
            format!("must be at most {MAX_QUERY} characters long"),
        ))
    } else if text.contains('\0') {
        // No stored text contains NUL, and PostgreSQL refuses it in a parameter.
        Err(FieldError::new("q", "must not contain NUL characters"))
    } else {
        Ok((!text.is_empty()).then_some(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_newest_first_fifty_of_all() {
        let q = ListQuery::parse("").expect("valid");
        assert_eq!(q.status, Status::All);
        assert_eq!(
            q.sort,
            Sort {
                key: SortKey::CreatedAt,
                descending: true
            }
        );
        assert_eq!(q.limit, 50);
        assert_eq!(q.cursor, None);
    }

    #[test]
    fn every_parameter_parses() {
        let q = ListQuery::parse(
            "status=pending&priority=high&tag=%20Work%20&q=50%25_off&due_before=2026-12-01T00:00:00Z&due_after=2026-11-01T00:00:00%2B01:00&sort=-due_at&limit=200&unknown=1",
        )
        .expect("valid");
        assert_eq!(q.status, Status::Pending);
        assert_eq!(q.priority, Some(Priority::High));
        assert_eq!(q.tag.as_deref(), Some("work"));
        assert_eq!(q.text.as_deref(), Some("50%_off"));
        assert_eq!(q.due_after.map(|t| t.hour()), Some(23));
        assert_eq!(
            q.sort,
            Sort {
                key: SortKey::DueAt,
                descending: true
            }
        );
        assert_eq!(q.limit, 200);
    }

    #[test]
    fn bad_parameters_are_all_reported() {
        let errors = ListQuery::parse(
            "status=done&priority=urgent&sort=size&limit=0&due_before=x&cursor=zzz",
        )
        .expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "status",
                "priority",
                "sort",
                "limit",
                "due_before",
                "cursor"
            ]
        );
        assert!(ListQuery::parse("limit=201").is_err());
        assert!(ListQuery::parse("limit=-1").is_err());
        assert!(ListQuery::parse(&format!("q={}", "a".repeat(201))).is_err());
    }

    #[test]
    fn cursors_round_trip_and_stay_bound_to_their_sort() {
        let sort = Sort::parse("-due_at").expect("valid");
        let c = Cursor {
            key: CursorKey::Int(None),
            id: Uuid::now_v7(),
        };
        let text = c.encode(sort);
        assert_eq!(Cursor::decode(&text, sort).expect("valid"), c);
        let other = Sort::parse("due_at").expect("valid");
        assert!(Cursor::decode(&text, other).is_err());
        let t = Sort::parse("title").expect("valid");
        let c = Cursor {
            key: CursorKey::Text("abc".into()),
            id: Uuid::now_v7(),
        };
        assert_eq!(Cursor::decode(&c.encode(t), t).expect("valid"), c);
        assert!(Cursor::decode("not base64!", t).is_err());
        for hostile in [
            "a\u{0}b",
            "\u{1}",
            "line\nbreak",
            "\u{7f}",
            &"x".repeat(601),
        ] {
            let c = Cursor {
                key: CursorKey::Text(hostile.to_owned()),
                id: Uuid::now_v7(),
            };
            assert!(Cursor::decode(&c.encode(t), t).is_err(), "{hostile:?}");
        }
    }

    #[test]
    fn a_cursor_given_before_the_sort_is_still_checked_against_it() {
        let sort = Sort::parse("title").expect("valid");
        let c = Cursor {
            key: CursorKey::Text("m".into()),
            id: Uuid::now_v7(),
        };
        let q = ListQuery::parse(&format!("cursor={}&sort=title", c.encode(sort))).expect("valid");
        assert_eq!(q.cursor, Some(c));
    }
}
