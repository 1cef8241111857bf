//! Who may do what to which list, written once as SQL (API-2.md section 1): every query
//! of a list, a member or a task joins one of these, so a user reads and writes only what
//! they may, in the database, whatever a service forgets to check.
//!
//! A user's role in a list is `owner` for the lists they own (`lists.owner_id`) and the
//! role of their active share (`list_members.user_id`) otherwise; a pending share (no
//! `user_id` yet) grants nothing. What each role may do is [`Role`]'s rule, and the
//! writable lists below are derived from it.

use crate::lists::model::Role;

/// The roles a share can hold (the owner is not a member row).
const SHARED: [Role; 2] = [Role::Editor, Role::Viewer];

/// The ids of the lists a task list covers: those the user bound at `p` sees, or the one
/// bound at `only` alone if they see it.
pub(crate) fn readable_ids(p: &str, only: Option<&str>) -> String {
    let only = only.map_or_else(String::new, |o| format!(" WHERE r.id = {o}"));
    format!("SELECT r.id FROM ({}) r{only}", readable(p))
}

/// `(list_id, role)` of every list the user bound at placeholder `p` may see.
pub(crate) fn roles(p: &str) -> String {
    format!(
        "SELECT id AS list_id, '{owner}' AS role FROM lists WHERE owner_id = {p} \
         UNION ALL SELECT list_id, role FROM list_members WHERE user_id = {p}",
        owner = Role::Owner.as_str()
    )
}

/// The ids of the lists the user bound at `p` may read (their tasks included).
pub(crate) fn readable(p: &str) -> String {
    format!(
        "SELECT id FROM lists WHERE owner_id = {p} \
         UNION ALL SELECT list_id FROM list_members WHERE user_id = {p}"
    )
}

/// The ids of the lists whose tasks the user bound at `p` may create, change, complete,
/// move and delete.
pub(crate) fn writable(p: &str) -> String {
    debug_assert!(Role::Owner.can_write_tasks());
    let shared: Vec<String> = SHARED
        .into_iter()
        .filter(|r| r.can_write_tasks())
        .map(|r| format!("'{}'", r.as_str()))
        .collect();
    format!(
        "SELECT id FROM lists WHERE owner_id = {p} \
         UNION ALL SELECT list_id FROM list_members WHERE user_id = {p} AND role IN ({})",
        shared.join(", ")
    )
}

/// The ids of the lists the user bound at `p` manages (renames, deletes, shares).
pub(crate) fn managed(p: &str) -> String {
    debug_assert!(SHARED.iter().all(|r| !r.can_manage()));
    format!("SELECT id FROM lists WHERE owner_id = {p}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editors_write_and_viewers_only_read() {
        let w = writable("?1");
        assert!(w.ends_with("role IN ('editor')"), "{w}");
        assert!(roles("$1").contains("'owner' AS role FROM lists WHERE owner_id = $1"));
        assert!(!readable("?1").contains("role"), "every share reads");
    }
}
