//! A page of the task list as the service hands it out: the tasks in the list's order,
//! the total, and the cursors of the pages around it.

use super::model::Task;
use super::query::{Cursor, ListQuery};

/// A page of the list.
#[derive(Debug)]
pub struct Page {
    /// The tasks, at most `limit`.
    pub tasks: Vec<Task>,
    /// All matches, on every page.
    pub total: u64,
    /// The cursor of the next page, when there is one.
    pub next: Option<String>,
    /// The cursor of the page before (read with `backward`), when there is one: the
    /// position of this page's first task.
    pub prev: Option<String>,
}

impl Page {
    /// The page of `rows` (up to `limit + 1`, in the order read: turned round when
    /// reading backward) out of `total` matches of `query`.
    pub fn of(mut rows: Vec<Task>, total: u64, query: &ListQuery) -> Self {
        let limit = query.limit as usize;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let at =
            |task: Option<&Task>| task.map(|t| Cursor::after(t, query.sort).encode(query.sort));
        let (next, prev) = if query.backward {
            rows.reverse();
            // The page read backward ends before a task that was seen: there is a next.
            (at(rows.last()), if more { at(rows.first()) } else { None })
        } else {
            let prev = if query.cursor.is_some() {
                at(rows.first())
            } else {
                None
            };
            (if more { at(rows.last()) } else { None }, prev)
        };
        Self {
            tasks: rows,
            total,
            next,
            prev,
        }
    }
}
