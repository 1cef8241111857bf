//! The task list's tag filter: the condition on a task's tags, and how a page filtered by
//! tag finds its tasks (built by `list_sql`).

use super::sql_param::Param;

/// How a page filtered by tag finds its tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TagPlan {
    /// An uncorrelated `t.id IN (SELECT ... FROM task_tags ...)`: the planner chooses
    /// between reading the tag's entries and sorting them, and walking the list in order
    /// (PostgreSQL's statistics let it choose well; SQLite without STAT4 guesses).
    #[default]
    Planner,
    /// Walk the list's index in the page's order and look each task up in the tag index
    /// (`EXISTS`): a page costs about `limit x tasks / tagged tasks` steps, cheap when
    /// many tasks have the tag, where reading and sorting all of them is not.
    Probe,
}

/// Where the statistics stop counting a tag's tasks: so many make walking the cheaper
/// plan for any list of up to 20 000 000 tasks (`TagPlan::for_counts`).
pub const TAGGED_ENOUGH: i64 = 10_000;

impl TagPlan {
    /// The plan for a page of a tag that `tagged` of the lists' `tasks` have: walking in
    /// order costs about `limit x tasks / tagged` steps, reading the tag's entries
    /// `tagged` lookups and a sort; walking is chosen from `tagged² >= 5 x tasks` (from
    /// about 2 200 tagged tasks in 1 000 000), where either costs a few thousand steps.
    pub fn for_counts(tagged: i64, tasks: i64) -> Self {
        if tagged.saturating_mul(tagged) >= tasks.saturating_mul(5) {
            Self::Probe
        } else {
            Self::Planner
        }
    }
}

/// The condition on a task's tag `g.tag`: equal to `tag`, or starting with it, with its
/// values bound by `bind`. A prefix is a range, `[tag, the next string that does not
/// start with it)`, on `col`, the tag compared byte-wise (UTF-8 keeps the order of code
/// points): SQLite's own order, and `COLLATE "C"` in PostgreSQL, whose default collation
/// may not be byte-wise.
pub(super) fn tag_condition(
    bind: &mut impl FnMut(Param) -> String,
    col: &str,
    tag: &str,
    prefix: bool,
) -> String {
    let start = bind(Param::Text(tag.to_owned()));
    if !prefix {
        return format!("g.tag = {start}");
    }
    match prefix_end(tag) {
        Some(end) => {
            let end = bind(Param::Text(end));
            format!("{col} >= {start} AND {col} < {end}")
        }
        None => format!("{col} >= {start}"),
    }
}

/// The first string after every string that starts with `prefix`: its last character
/// that can be, counted one up (`wo` -> `wp`); `None` when there is none.
pub(super) fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}
