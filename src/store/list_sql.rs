//! The SQL of the task list, built once for both databases: filters, keyset paging and
//! order, with numbered placeholders and typed parameters that each back end binds.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::tasks::order::{SortKey, Status};
use crate::tasks::query::{Cursor, CursorKey, ListQuery};
use crate::timestamp::from_micros;

/// A parameter of the list query, bound by the back end in its own types.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// An id.
    Uuid(Uuid),
    /// Ranks, and (SQLite) times in microseconds.
    Int(i64),
    /// Text.
    Text(String),
    /// Completion.
    Bool(bool),
    /// A time (PostgreSQL binds it as timestamptz, SQLite as microseconds).
    Time(OffsetDateTime),
}

/// How the two databases differ in the few places the list cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `?1`, `instr`.
    Sqlite,
    /// `$1`, `strpos`, `COLLATE "C"` for byte-wise title order.
    Postgres,
}

/// The statements of one list request. The filters come first in the page's
/// placeholders, so the count of all matches reuses them: its parameters are the first
/// [`ListSql::count_params`] of the page's. Each statement is written when asked for.
#[derive(Debug)]
pub struct ListSql {
    /// The selected columns.
    columns: String,
    /// The filters, joined: every match, ignoring the cursor.
    filters: String,
    /// `FROM ... WHERE <filters and cursor> ORDER BY ... LIMIT ...` of the page.
    page_rest: String,
    /// The page's parameters; the filters' come first.
    pub page_params: Vec<Param>,
    /// How many of `page_params` the filters use.
    filter_params: usize,
}

impl ListSql {
    /// `SELECT <columns> ... LIMIT n`: one page plus one row, to know whether more follow.
    pub fn page(&self) -> String {
        format!("SELECT {} {}", self.columns, self.page_rest)
    }

    /// The page statement with one more column: the total of all matches, ignoring the
    /// cursor, as an uncorrelated subquery over the same placeholders (`page_params`), so
    /// one statement answers both (SQLite computes such a subquery once).
    pub fn page_with_total(&self) -> String {
        format!(
            "SELECT {}, (SELECT COUNT(*) FROM tasks t WHERE {}) {}",
            self.columns, self.filters, self.page_rest
        )
    }

    /// `SELECT COUNT(*) ...` of all matches, ignoring the cursor.
    pub fn count(&self) -> String {
        format!("SELECT COUNT(*) FROM tasks t WHERE {}", self.filters)
    }

    /// The count's parameters.
    pub fn count_params(&self) -> &[Param] {
        &self.page_params[..self.filter_params]
    }
}

struct Builder {
    dialect: Dialect,
    params: Vec<Param>,
}

impl Builder {
    fn bind(&mut self, p: Param) -> String {
        self.params.push(p);
        match self.dialect {
            Dialect::Sqlite => format!("?{}", self.params.len()),
            Dialect::Postgres => format!("${}", self.params.len()),
        }
    }

    fn contains(&self, haystack: &str, needle: &str) -> String {
        match self.dialect {
            Dialect::Sqlite => format!("instr({haystack}, {needle}) > 0"),
            Dialect::Postgres => format!("strpos({haystack}, {needle}) > 0"),
        }
    }
}

/// The sort expression of a key.
fn key_column(key: SortKey, dialect: Dialect) -> &'static str {
    match (key, dialect) {
        (SortKey::CreatedAt, _) => "t.created_at",
        (SortKey::UpdatedAt, _) => "t.updated_at",
        (SortKey::DueAt, _) => "t.due_at",
        (SortKey::Priority, _) => "t.priority",
        (SortKey::Title, Dialect::Sqlite) => "t.title_lower",
        (SortKey::Title, Dialect::Postgres) => "t.title_lower COLLATE \"C\"",
    }
}

/// Filters shared by the page and the count; every one starts from the user's own rows.
fn filters(b: &mut Builder, user_id: Uuid, q: &ListQuery) -> Vec<String> {
    let mut w = vec![format!("t.user_id = {}", b.bind(Param::Uuid(user_id)))];
    match q.status {
        Status::All => {}
        Status::Pending => w.push(format!("t.completed = {}", b.bind(Param::Bool(false)))),
        Status::Completed => w.push(format!("t.completed = {}", b.bind(Param::Bool(true)))),
    }
    if let Some(p) = q.priority {
        w.push(format!(
            "t.priority = {}",
            b.bind(Param::Int(i64::from(p.rank())))
        ));
    }
    if let Some(tag) = &q.tag {
        let owner = b.bind(Param::Uuid(user_id));
        let tag = b.bind(Param::Text(tag.clone()));
        // An uncorrelated IN: the planner can drive from the (user_id, tag) index when
        // the tag is rare, or probe it per row when it is common.
        w.push(format!(
            "t.id IN (SELECT g.task_id FROM task_tags g WHERE g.user_id = {owner} AND g.tag = {tag})"
        ));
    }
    if let Some(text) = &q.text {
        // A plain substring search on lower-cased copies: `%` and `_` mean themselves.
        let needle = b.bind(Param::Text(text.clone()));
        w.push(format!(
            "({} OR {})",
            b.contains("t.title_lower", &needle),
            b.contains("t.description_lower", &needle)
        ));
    }
    if let Some(t) = q.due_before {
        w.push(format!("t.due_at < {}", b.bind(Param::Time(t))));
    }
    if let Some(t) = q.due_after {
        w.push(format!("t.due_at > {}", b.bind(Param::Time(t))));
    }
    w
}

/// "After the cursor" in the list's order: a greater (or smaller) key, or the same key
/// and a greater (or smaller) id. Missing due dates sort after every date.
fn after(b: &mut Builder, q: &ListQuery, cursor: &Cursor) -> String {
    let op = if q.sort.descending { "<" } else { ">" };
    let id = b.bind(Param::Uuid(cursor.id));
    let col = key_column(q.sort.key, b.dialect);
    let value = match (&cursor.key, q.sort.key) {
        (CursorKey::Int(None), _) => {
            return format!("(t.due_at IS NULL AND t.id {op} {id})");
        }
        (CursorKey::Int(Some(v)), SortKey::CreatedAt | SortKey::UpdatedAt | SortKey::DueAt) => {
            b.bind(time_param(*v, b.dialect))
        }
        (CursorKey::Int(Some(v)), _) => b.bind(Param::Int(*v)),
        (CursorKey::Text(s), _) => b.bind(Param::Text(s.clone())),
    };
    // A row-value comparison, which both databases turn into an index range condition.
    let strictly = format!("({col}, t.id) {op} ({value}, {id})");
    if q.sort.key == SortKey::DueAt {
        format!("(t.due_at IS NULL OR {strictly})")
    } else {
        strictly
    }
}

/// `ORDER BY` in the form each database's indexes serve (see the migrations). Missing
/// due dates come last in both directions: SQLite sorts NULL first, so ascending needs
/// the `due_at IS NULL` key (an expression index); PostgreSQL sorts NULL last, so
/// descending says `NULLS LAST` (served by a backward scan of a `NULLS FIRST` index).
fn order_by(q: &ListQuery, dialect: Dialect) -> String {
    let desc = q.sort.descending;
    let dir = if desc { "DESC" } else { "ASC" };
    match (q.sort.key, dialect, desc) {
        (SortKey::DueAt, Dialect::Sqlite, false) => {
            "(t.due_at IS NULL) ASC, t.due_at ASC, t.id ASC".to_owned()
        }
        (SortKey::DueAt, Dialect::Sqlite, true) => "t.due_at DESC, t.id DESC".to_owned(),
        (SortKey::DueAt, Dialect::Postgres, _) => {
            format!("t.due_at {dir} NULLS LAST, t.id {dir}")
        }
        (key, _, _) => format!("{} {dir}, t.id {dir}", key_column(key, dialect)),
    }
}

fn time_param(micros: i64, dialect: Dialect) -> Param {
    match dialect {
        Dialect::Sqlite => Param::Int(micros),
        Dialect::Postgres => Param::Time(from_micros(micros)),
    }
}

/// Builds the page and count statements for `user_id` with `columns` selected.
pub fn build(dialect: Dialect, columns: &str, user_id: Uuid, q: &ListQuery) -> ListSql {
    let mut page = Builder {
        dialect,
        params: Vec::new(),
    };
    let mut page_where = filters(&mut page, user_id, q);
    let filters = page_where.join(" AND ");
    let filter_params = page.params.len();
    if let Some(cursor) = &q.cursor {
        let cond = after(&mut page, q, cursor);
        page_where.push(cond);
    }
    let order = order_by(q, dialect);
    let limit = match dialect {
        // A literal, not a parameter: SQLite's planner reads a bound LIMIT and then marks
        // the statement to be compiled again whenever that parameter is bound, that is on
        // every request (seen in a profile). The limit is a number checked by the parser.
        Dialect::Sqlite => (u64::from(q.limit) + 1).to_string(),
        Dialect::Postgres => page.bind(Param::Int(i64::from(q.limit) + 1)),
    };
    ListSql {
        columns: columns.to_owned(),
        filters,
        page_rest: format!(
            "FROM tasks t WHERE {} ORDER BY {order} LIMIT {limit}",
            page_where.join(" AND ")
        ),
        page_params: page.params,
        filter_params,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::order::Sort;

    #[test]
    fn every_statement_is_scoped_to_the_user() {
        let user = Uuid::now_v7();
        let q = ListQuery::parse("q=x&tag=y&status=pending").expect("valid");
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let sql = build(dialect, "t.id", user, &q);
            assert!(sql.page().contains("WHERE t.user_id = "), "{}", sql.page());
            assert!(
                sql.count().contains("WHERE t.user_id = "),
                "{}",
                sql.count()
            );
            assert!(
                sql.page_with_total()
                    .contains("(SELECT COUNT(*) FROM tasks t WHERE t.user_id = "),
                "{}",
                sql.page_with_total()
            );
            assert_eq!(sql.page_params[0], Param::Uuid(user));
            assert_eq!(sql.count_params()[0], Param::Uuid(user));
        }
    }

    #[test]
    fn placeholders_follow_the_dialect_and_the_limit_fetches_one_more() {
        let mut q = ListQuery::parse("sort=title&limit=10").expect("valid");
        q.cursor = Some(Cursor {
            key: CursorKey::Text("m".into()),
            id: Uuid::now_v7(),
        });
        q.sort = Sort::parse("title").expect("valid");
        let pg = build(Dialect::Postgres, "t.id", Uuid::now_v7(), &q);
        assert!(
            pg.page()
                .contains("(t.title_lower COLLATE \"C\", t.id) > ($3, $2)"),
            "{}",
            pg.page()
        );
        assert!(pg.page().ends_with("LIMIT $4"), "{}", pg.page());
        assert_eq!(pg.page_params.last(), Some(&Param::Int(11)));
        let lite = build(Dialect::Sqlite, "t.id", Uuid::now_v7(), &q);
        assert!(
            lite.page().contains("(t.title_lower, t.id) > (?3, ?2)"),
            "{}",
            lite.page()
        );
        assert!(lite.page().ends_with("LIMIT 11"), "{}", lite.page());
        assert_eq!(lite.page_params.len(), 3, "no parameter for the limit");
        // The count binds only the filters' placeholders, the first of the page's.
        assert_eq!(pg.count_params(), &pg.page_params[..1]);
        assert!(pg.count().ends_with("t.user_id = $1"), "{}", pg.count());
        assert_eq!(lite.count_params().len(), 1);
    }
}
