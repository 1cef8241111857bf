//! The SQL of a due window (`due=`) in the task list, one condition list per branch.

use super::sql_param::Param;
use crate::tasks::due::DueBounds;

/// A due window: a range of the `(list_id, due_key, id)` index in every branch, then the
/// exact test, timed tasks by `due_at` and all-day ones by `due_date`.
pub(super) fn due_window(bind: &mut dyn FnMut(Param) -> String, due: &DueBounds) -> Vec<String> {
    if due.missing {
        return vec!["t.due_key IS NULL".to_owned()];
    }
    let mut w = Vec::new();
    if let Some(t) = due.key_from {
        w.push(format!("t.due_key >= {}", bind(Param::Time(t))));
    }
    if let Some(t) = due.key_before {
        w.push(format!("t.due_key < {}", bind(Param::Time(t))));
    }
    let mut timed = vec!["t.due_at IS NOT NULL".to_owned()];
    if let Some(t) = due.from {
        timed.push(format!("t.due_at >= {}", bind(Param::Time(t))));
    }
    if let Some(t) = due.before {
        timed.push(format!("t.due_at < {}", bind(Param::Time(t))));
    }
    let mut all_day = vec!["t.due_date IS NOT NULL".to_owned()];
    if let Some(d) = due.from_date {
        all_day.push(format!("t.due_date >= {}", bind(Param::Date(d))));
    }
    if let Some(d) = due.before_date {
        all_day.push(format!("t.due_date < {}", bind(Param::Date(d))));
    }
    w.push(format!(
        "(({}) OR ({}))",
        timed.join(" AND "),
        all_day.join(" AND ")
    ));
    w
}
