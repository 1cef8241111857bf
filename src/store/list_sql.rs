//! The SQL of the task list, built once for both databases: filters, keyset paging and
//! order, with numbered placeholders and typed parameters that each back end binds.

use uuid::Uuid;

use crate::tasks::order::{SortKey, Status};
use crate::tasks::query::{Cursor, CursorKey, ListQuery};
use crate::timestamp::from_micros;

use super::list_tags::tag_condition;
pub use super::list_tags::{TAGGED_ENOUGH, TagPlan};
pub use super::sql_param::Param;

/// How the two databases differ in the few places the list cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `?1`, `instr`.
    Sqlite,
    /// `$1`, `strpos`, `COLLATE "C"` for byte-wise title order.
    Postgres,
}

/// Most lists read one branch each; a user who sees more is served by one sorted
/// statement over all of them (correct, but it reads every match before sorting).
pub const MAX_BRANCHES: usize = 32;

/// How the page reads the lists it covers.
#[derive(Debug)]
enum Shape {
    /// One statement: `t.list_id = ?` for one list, `t.list_id IN (...)` for many more
    /// than [`MAX_BRANCHES`].
    Single {
        /// `WHERE ... ORDER BY ... LIMIT ...`.
        rest: String,
    },
    /// One branch per list, each served by the list's index in the list's order, joined
    /// by `UNION ALL` (or a `LATERAL` join over the lists) and ordered again: at most
    /// `lists x (limit + 1)` rows are read.
    Branches {
        /// The `UNION ALL` of the branches, or the join.
        union: String,
        /// `ORDER BY ... LIMIT ...` over the union, aliased `u`.
        rest: String,
    },
}

/// The statements of one list request. The lists and the filters come first in the
/// page's placeholders, so the count of all matches reuses them: its parameters are the
/// first [`ListSql::count_params`] of the page's. Each statement is written when asked for.
#[derive(Debug)]
pub struct ListSql {
    /// The selected columns.
    columns: String,
    /// The count of every match in every list, ignoring the cursor: a `SELECT` of one
    /// number, from the lists' counts when they answer it (see [`count_sql`]).
    count: String,
    /// The page.
    shape: Shape,
    /// The page's parameters; the lists' and the filters' come first.
    pub page_params: Vec<Param>,
    /// How many of `page_params` the count uses.
    count_params: usize,
    /// With a tag filter: how many tasks have the tag (at most [`TAGGED_ENOUGH`]) and how
    /// many there are, in the lists covered, as one row of two numbers;
    /// `page_params[..n]` are its parameters.
    tag_stats: Option<(String, usize)>,
}

impl ListSql {
    fn select(&self, total: &str) -> String {
        match &self.shape {
            Shape::Single { rest } => format!("SELECT {}{total} FROM tasks t {rest}", self.columns),
            Shape::Branches { union, rest } => format!("SELECT u.*{total} FROM ({union}) u {rest}"),
        }
    }

    /// `SELECT <columns> ... LIMIT n`: one page plus one row, to know whether more follow.
    pub fn page(&self) -> String {
        self.select("")
    }

    /// The page statement with one more column, last: the total of all matches, ignoring
    /// the cursor, as an uncorrelated subquery over the same placeholders
    /// (`page_params`), so one statement answers both (SQLite computes such a subquery
    /// once).
    pub fn page_with_total(&self) -> String {
        self.select(&format!(", ({}) AS total", self.count))
    }

    /// The count of all matches, ignoring the cursor: one row, one number.
    pub fn count(&self) -> String {
        self.count.clone()
    }

    /// The count's parameters.
    pub fn count_params(&self) -> &[Param] {
        &self.page_params[..self.count_params]
    }

    /// With a tag filter, a statement of one row: the tasks with the tag and all the
    /// tasks of the lists covered, from the tag index and the lists' counts; and its
    /// parameters (the first of the page's). See [`TagPlan::for_counts`].
    pub fn tag_stats(&self) -> Option<(&str, &[Param])> {
        self.tag_stats
            .as_ref()
            .map(|(sql, n)| (sql.as_str(), &self.page_params[..*n]))
    }
}

struct Builder {
    dialect: Dialect,
    params: Vec<Param>,
}

impl Builder {
    fn new(dialect: Dialect) -> Self {
        let params = Vec::new();
        Self { dialect, params }
    }

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

/// The sort expression of a key, on the table or subquery aliased `a`.
fn key_column(key: SortKey, dialect: Dialect, a: &str) -> String {
    match (key, dialect) {
        (SortKey::CreatedAt, _) => format!("{a}.created_at"),
        (SortKey::UpdatedAt, _) => format!("{a}.updated_at"),
        (SortKey::DueAt, _) => format!("{a}.due_key"),
        (SortKey::Priority, _) => format!("{a}.priority"),
        (SortKey::Title, Dialect::Sqlite) => format!("{a}.title_lower"),
        (SortKey::Title, Dialect::Postgres) => format!("{a}.title_lower COLLATE \"C\""),
        (SortKey::Agenda, _) => format!("{a}.due_key"),
    }
}

/// The filters, bound once; each statement writes them for its own lists.
struct Filters {
    /// The placeholder of the completed state asked for, when filtering by status.
    status: Option<String>,
    /// Conditions on the task row alone, but the status.
    rows: Vec<String>,
    /// The condition on `g.tag`, when filtering by tag.
    tag: Option<String>,
    /// Whether that condition is one tag (not a prefix, which a task can match twice).
    one_tag: bool,
    /// How many parameters are bound up to the tag's last.
    tag_params: usize,
}

impl Filters {
    fn bind(b: &mut Builder, q: &ListQuery) -> Self {
        let mut w = Vec::new();
        let status = match q.status {
            Status::All => None,
            Status::Pending => Some(b.bind(Param::Bool(false))),
            Status::Completed => Some(b.bind(Param::Bool(true))),
        };
        if let Some(p) = q.priority {
            w.push(format!(
                "t.priority = {}",
                b.bind(Param::Int(i64::from(p.rank())))
            ));
        }
        let col = match b.dialect {
            Dialect::Sqlite => "g.tag",
            Dialect::Postgres => "g.tag COLLATE \"C\"",
        };
        let tag = q
            .tag
            .as_ref()
            .map(|tag| tag_condition(&mut |p| b.bind(p), col, tag, q.tag_prefix));
        let tag_params = b.params.len();
        if let Some(text) = &q.text {
            // A plain substring search on lower-cased copies: `%` and `_` mean themselves.
            let needle = b.bind(Param::Text(text.clone()));
            w.push(format!(
                "({} OR {})",
                b.contains("t.title_lower", &needle),
                b.contains("t.description_lower", &needle)
            ));
        }
        // All-day tasks compare by the start of their day (`due_key`).
        if let Some(t) = q.due_before {
            w.push(format!("t.due_key < {}", b.bind(Param::Time(t))));
        }
        if let Some(t) = q.due_after {
            w.push(format!("t.due_key > {}", b.bind(Param::Time(t))));
        }
        if let Some(due) = q.due_bounds {
            w.extend(super::due_sql::due_window(&mut |p| b.bind(p), &due));
        }
        Self {
            status,
            rows: w,
            tag,
            one_tag: !q.tag_prefix,
            tag_params,
        }
    }

    /// Every condition for the tasks of the lists matched by `lists` (`= ?1`,
    /// `IN (?1, ?2)`); the list comes first. A tag is looked up as `plan` says.
    fn for_lists(&self, lists: &str, plan: TagPlan) -> Vec<String> {
        let mut w = vec![format!("t.list_id {lists}")];
        w.extend(self.status.iter().map(|s| format!("t.completed = {s}")));
        w.extend(self.rows.iter().cloned());
        if let Some(tag) = &self.tag {
            w.push(match plan {
                TagPlan::Planner => format!(
                    "t.id IN (SELECT g.task_id FROM task_tags g WHERE g.list_id {lists} AND {tag})"
                ),
                TagPlan::Probe => format!(
                    "EXISTS (SELECT 1 FROM task_tags g WHERE g.list_id = t.list_id AND {tag} \
                     AND g.task_id = t.id)"
                ),
            });
        }
        w
    }
}

/// "After the cursor" in the list's order: a greater (or smaller) key, or the same key
/// and a greater (or smaller) id. Missing due dates sort after every date. Reading
/// backward (`q.backward`), "before the cursor": every comparison turned round.
fn after(b: &mut Builder, q: &ListQuery, cursor: &Cursor) -> String {
    let ascending = q.sort.descending == q.backward;
    let op = if ascending { ">" } else { "<" };
    let id = b.bind(Param::Uuid(cursor.id));
    let col = key_column(q.sort.key, b.dialect, "t");
    let (due, rank) = match (&cursor.key, q.sort.key) {
        (CursorKey::Agenda(due, rank), _) => (*due, *rank),
        (CursorKey::Int(None), _) if q.backward => {
            return format!("(t.due_key IS NOT NULL OR t.id {op} {id})");
        }
        (CursorKey::Int(None), _) => {
            return format!("(t.due_key IS NULL AND t.id {op} {id})");
        }
        (key, _) => {
            let value = match key {
                CursorKey::Int(Some(v)) if q.sort.key != SortKey::Priority => {
                    b.bind(time_param(*v, b.dialect))
                }
                CursorKey::Int(v) => b.bind(Param::Int(v.unwrap_or_default())),
                CursorKey::Text(s) => b.bind(Param::Text(s.clone())),
                CursorKey::Agenda(..) => unreachable!("matched above"),
            };
            // A row-value comparison, which both databases turn into an index range
            // condition.
            let strictly = format!("({col}, t.id) {op} ({value}, {id})");
            return if q.sort.key == SortKey::DueAt && !q.backward {
                format!("(t.due_key IS NULL OR {strictly})")
            } else {
                strictly
            };
        }
    };
    // The agenda: due ascending (none last), rank descending, id descending; its
    // directions differ, so the comparison is spelled out.
    let (rank_op, id_op) = if q.backward { (">", ">") } else { ("<", "<") };
    let rank = b.bind(Param::Int(rank));
    let tie =
        format!("(t.priority {rank_op} {rank} OR (t.priority = {rank} AND t.id {id_op} {id}))");
    match (due, q.backward) {
        (None, false) => format!("(t.due_key IS NULL AND {tie})"),
        (None, true) => format!("(t.due_key IS NOT NULL OR {tie})"),
        (Some(v), false) => {
            let v = b.bind(time_param(v, b.dialect));
            format!("(t.due_key IS NULL OR t.due_key > {v} OR (t.due_key = {v} AND {tie}))")
        }
        (Some(v), true) => {
            let v = b.bind(time_param(v, b.dialect));
            format!("(t.due_key < {v} OR (t.due_key = {v} AND {tie}))")
        }
    }
}

/// `ORDER BY` in the form each database's indexes serve (see the migrations), on the
/// table or subquery aliased `a`. Missing due dates come last in both directions: SQLite
/// sorts NULL first, so ascending needs the `due_key IS NULL` key (an expression index);
/// PostgreSQL sorts NULL last, so descending says `NULLS LAST` (served by a backward scan
/// of a `NULLS FIRST` index). Reading backward turns every direction round.
fn order_by(q: &ListQuery, dialect: Dialect, a: &str) -> String {
    let desc = q.sort.descending != q.backward;
    let (dir, rev) = if desc {
        ("DESC", "ASC")
    } else {
        ("ASC", "DESC")
    };
    // Where the tasks without a due go: last, or first when reading backward.
    let (nulls, none_last) = if q.backward {
        ("FIRST", "DESC")
    } else {
        ("LAST", "ASC")
    };
    match (q.sort.key, dialect) {
        (SortKey::Agenda, _) => format!(
            "({a}.due_key IS NULL) {none_last}, {a}.due_key {dir}, {a}.priority {rev}, {a}.id {rev}"
        ),
        (SortKey::DueAt, Dialect::Sqlite) if desc == q.backward => {
            format!("({a}.due_key IS NULL) {none_last}, {a}.due_key {dir}, {a}.id {dir}")
        }
        (SortKey::DueAt, Dialect::Sqlite) => format!("{a}.due_key {dir}, {a}.id {dir}"),
        (SortKey::DueAt, Dialect::Postgres) => {
            format!("{a}.due_key {dir} NULLS {nulls}, {a}.id {dir}")
        }
        (key, _) => format!("{} {dir}, {a}.id {dir}", key_column(key, dialect, a)),
    }
}

/// The count of every match in the lists matched by `lists`. Without filters, or with the
/// status alone, it is a sum of the lists' counts (`lists.task_count`, `done_count`, kept
/// by triggers: migration 0019), whatever the lists hold; the status's placeholder stays in
/// the statement, so that the count binds the same parameters either way. One tag alone
/// counts the tag index; any other filter counts the matching tasks.
fn count_sql(filters: &Filters, lists: &str) -> String {
    if let (Some(tag), true, None, true) = (
        &filters.tag,
        filters.rows.is_empty(),
        &filters.status,
        filters.one_tag,
    ) {
        // One tag alone: its index entries, one per task of each list (the primary key
        // of `task_tags`), counted without reading a task.
        return format!("SELECT COUNT(*) FROM task_tags g WHERE g.list_id {lists} AND {tag}");
    }
    if !filters.rows.is_empty() || filters.tag.is_some() {
        // Every match is counted: reading the tag's entries is the cheaper way then.
        let w = filters.for_lists(lists, TagPlan::Planner).join(" AND ");
        return format!("SELECT COUNT(*) FROM tasks t WHERE {w}");
    }
    let n = match &filters.status {
        None => "l.task_count".to_owned(),
        Some(done) => {
            format!("CASE WHEN {done} THEN l.done_count ELSE l.task_count - l.done_count END")
        }
    };
    // PostgreSQL's SUM of BIGINT is NUMERIC: cast back.
    format!("SELECT CAST(COALESCE(SUM({n}), 0) AS BIGINT) FROM lists l WHERE l.id {lists}")
}

fn time_param(micros: i64, dialect: Dialect) -> Param {
    match dialect {
        Dialect::Sqlite => Param::Int(micros),
        Dialect::Postgres => Param::Time(from_micros(micros)),
    }
}

/// Builds the page and count statements over the tasks of `lists` (at least one) with
/// `columns` selected; `columns` must include `t.id`, `t.title_lower` and every sort key,
/// which the branches' union is ordered by again. A tag is looked up as the planner
/// chooses; [`build_with`] says how.
pub fn build(dialect: Dialect, columns: &str, lists: &[Uuid], q: &ListQuery) -> ListSql {
    build_with(dialect, columns, lists, q, TagPlan::Planner)
}

/// [`build`], with a tag looked up as `plan` says.
pub fn build_with(
    dialect: Dialect,
    columns: &str,
    lists: &[Uuid],
    q: &ListQuery,
    plan: TagPlan,
) -> ListSql {
    let mut b = Builder::new(dialect);
    let ids: Vec<String> = lists.iter().map(|l| b.bind(Param::Uuid(*l))).collect();
    let every_list = match ids.as_slice() {
        [one] => format!("= {one}"),
        many => format!("IN ({})", many.join(", ")),
    };
    let branches = if ids.len() == 1 || ids.len() > MAX_BRANCHES {
        Branching::None
    } else {
        Branching::Each(ids)
    };
    finish(b, columns, q, plan, &every_list, branches)
}

/// The list over every list `user` may read, found by the statements themselves
/// (PostgreSQL): a branch per list through a `LATERAL` join; no statement reads ids first.
pub fn build_readable(columns: &str, user: Uuid, q: &ListQuery) -> ListSql {
    let mut b = Builder::new(Dialect::Postgres);
    let user = b.bind(Param::Uuid(user));
    let readable = super::access::readable_ids(&user, None);
    let every = format!("IN ({readable})");
    let lateral = Branching::Lateral(readable);
    finish(b, columns, q, TagPlan::Planner, &every, lateral)
}

/// The page in one statement, a branch per list bound, or one per row of a subquery.
enum Branching {
    None,
    Each(Vec<String>),
    Lateral(String),
}

/// The filters, the count, the cursor and the page over the lists `every_list` matches
/// (`= $1`, `IN (...)`), whose own parameters `b` holds already.
fn finish(
    mut b: Builder,
    columns: &str,
    q: &ListQuery,
    plan: TagPlan,
    every_list: &str,
    branches: Branching,
) -> ListSql {
    let dialect = b.dialect;
    let filters = Filters::bind(&mut b, q);
    let count_params = b.params.len();
    let count = match &branches {
        // With a tag, a sum of the lists' counts, each through its list's index (PostgreSQL
        // read the tag's every entry: 11.5 against 5.9 ms at 1 M tasks); else the planner's
        // choice (a parallel scan for `q=`: 74 against 132 ms per list).
        Branching::Lateral(readable) if filters.tag.is_some() => format!(
            "SELECT CAST(COALESCE(SUM(({})), 0) AS BIGINT) FROM ({readable}) rl",
            count_sql(&filters, "= rl.id")
        ),
        _ => count_sql(&filters, every_list),
    };
    let tag_stats = filters.tag.as_ref().map(|tag| {
        (
            format!(
                "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM task_tags g \
                 WHERE g.list_id {every_list} AND {tag} LIMIT {TAGGED_ENOUGH})), \
                 (SELECT COALESCE(SUM(l.task_count), 0) FROM lists l WHERE l.id {every_list})"
            ),
            filters.tag_params,
        )
    });
    let cursor = q.cursor.as_ref().map(|c| after(&mut b, q, c));
    let limit = match dialect {
        // A literal, not a parameter: SQLite's planner reads a bound LIMIT and then marks
        // the statement to be compiled again whenever that parameter is bound, that is on
        // every request (seen in a profile). The limit is a number checked by the parser.
        Dialect::Sqlite => (u64::from(q.limit) + 1).to_string(),
        Dialect::Postgres => b.bind(Param::Int(i64::from(q.limit) + 1)),
    };
    let rest = |lists: &str| {
        let mut w = filters.for_lists(lists, plan);
        w.extend(cursor.clone());
        format!(
            "WHERE {} ORDER BY {} LIMIT {limit}",
            w.join(" AND "),
            order_by(q, dialect, "t")
        )
    };
    let again = || format!("ORDER BY {} LIMIT {limit}", order_by(q, dialect, "u"));
    let shape = match branches {
        Branching::None => Shape::Single {
            rest: rest(every_list),
        },
        Branching::Each(ids) => Shape::Branches {
            union: ids
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    format!(
                        "SELECT * FROM (SELECT {columns} FROM tasks t {}) b{i}",
                        rest(&format!("= {id}"))
                    )
                })
                .collect::<Vec<_>>()
                .join(" UNION ALL "),
            rest: again(),
        },
        Branching::Lateral(readable) => Shape::Branches {
            union: format!(
                "SELECT b.* FROM ({readable}) l CROSS JOIN LATERAL \
                 (SELECT {columns} FROM tasks t {}) b",
                rest("= l.id")
            ),
            rest: again(),
        },
    };
    ListSql {
        columns: columns.to_owned(),
        count,
        tag_stats,
        shape,
        page_params: b.params,
        count_params,
    }
}

#[cfg(test)]
#[path = "list_sql_tests.rs"]
mod tests;
