//! One-shot notices after a POST-redirect-GET ("Task added"). The cookie carries only a
//! code from this list, never text, so nothing a user typed travels through it; a notice
//! that can be undone ("Task deleted." with an Undo button) carries its action too, as
//! the task's id (and the version the change left it at), checked when read.

use uuid::Uuid;

/// The sentence for a notice code; unknown codes show nothing.
pub fn message(code: &str) -> Option<&'static str> {
    Some(match code {
        "task-added" => "Task added.",
        "task-saved" => "Task saved.",
        "task-deleted" => "Task deleted.",
        "task-restored" => "Task restored.",
        "task-done" => "Marked as done.",
        "task-undone" => "Marked as not done.",
        "done-undone" => "Undone: the task is back as it was.",
        "task-skipped" => "Skipped to the next occurrence.",
        "task-stale" => {
            "That task had changed since this page was shown, so nothing was done; here it is as it is now."
        }
        "task-gone" => "That task was deleted or is no longer shared with you.",
        "undo-gone" => {
            "There is nothing to undo: that task was already restored, or it is not yours to restore."
        }
        "undo-expired" => {
            "That task can no longer be restored: deleted tasks are kept for 10 minutes."
        }
        "undo-no-list" => "That task cannot be restored: its list has been deleted.",
        "undo-stale" => "That task has changed since, so it was left as it is.",
        "name-changed" => "Your name and time zone have been saved.",
        "password-changed" => "Your password has been changed; your other devices were signed out.",
        "signed-out" => "You have been signed out.",
        "signed-out-all" => "You have been signed out on every device.",
        "account-deleted" => "Your account and all its tasks have been deleted.",
        "password-reset" => {
            "Your password has been changed and every device signed out. Sign in with the new password."
        }
        "email-verified" => "Your email address is verified.",
        "email-changed" => "Your email address has been changed.",
        "verification-sent" => "A link is on its way to your address: open it to verify it.",
        "email-change-sent" => {
            "A link is on its way to the new address. Your account keeps the old one until it is opened."
        }
        "session-ended" => "That device has been signed out.",
        "2fa-off" => "Two-factor sign-in is off: your password alone signs you in.",
        "2fa-expired" => {
            "That sign-in took too long or had too many wrong codes. Please sign in again."
        }
        "verify-first" => {
            "This server asks for a verified email address before you use your tasks: send yourself a link below."
        }
        "list-created" => "List created. Add its first task below.",
        "list-saved" => "List saved.",
        "list-archived" => "List archived: it is hidden from the sidebar, with its tasks kept.",
        "list-restored" => "List restored to the sidebar.",
        "list-deleted" => "List deleted, with its tasks.",
        "list-shared" => "Shared. The person sees the list once they sign in with that email.",
        "member-removed" => "Removed from the list.",
        "list-left" => "You have left the list.",
        "channel-added" => "Channel added: your reminders go there too.",
        "channel-deleted" => "Channel deleted.",
        "token-revoked" => "Token revoked: it no longer works anywhere.",
        "app-revoked" => "Application disconnected: its access no longer works anywhere.",
        "feed-deleted" => "Feed deleted: its URL shows nothing any more.",
        "test-sent" => "A test notification is on its way; see its delivery below.",
        "welcome" => "Welcome to Taskward! Add your first task below.",
        _ => return None,
    })
}

/// What the Undo button of a notice undoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undo {
    /// Restores the deleted task.
    Delete(Uuid),
    /// Undoes the completion of the task that left it at this version.
    Done(Uuid, i64),
}

impl Undo {
    /// The code of the notice that carries it.
    fn code(self) -> &'static str {
        match self {
            Self::Delete(_) => "task-deleted",
            Self::Done(..) => "task-done",
        }
    }
}

/// A notice read from the cookie: its sentence, and an action when it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notice {
    /// The sentence.
    pub text: &'static str,
    /// What its Undo button undoes.
    pub undo: Option<Undo>,
}

/// The cookie value of the notice for `undo`: `task-deleted.<id>`, `task-done.<id>.<version>`.
pub fn undo_value(undo: Undo) -> String {
    match undo {
        Undo::Delete(id) => format!("{}.{id}", undo.code()),
        Undo::Done(id, version) => format!("{}.{id}.{version}", undo.code()),
    }
}

/// Reads a cookie value: a known code, with the parts its action needs and nothing else;
/// anything else reads as no notice.
pub fn read(value: &str) -> Option<Notice> {
    let mut parts = value.split('.');
    let code = parts.next()?;
    let text = message(code)?;
    let id = |raw: &str| {
        // Only the hyphenated form this module writes.
        (raw.len() == 36)
            .then(|| Uuid::parse_str(raw).ok())
            .flatten()
    };
    let undo = match (code, parts.next(), parts.next(), parts.next()) {
        (_, None, _, _) => None,
        ("task-deleted", Some(raw), None, _) => Some(Undo::Delete(id(raw)?)),
        ("task-done", Some(raw), Some(version), None) => {
            let version = version.parse::<i64>().ok().filter(|v| *v > 0)?;
            Some(Undo::Done(id(raw)?, version))
        }
        _ => return None,
    };
    Some(Notice { text, undo })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_have_a_sentence_and_others_none() {
        assert_eq!(message("task-added"), Some("Task added."));
        assert_eq!(message("<script>"), None);
    }

    #[test]
    fn undo_actions_read_back_and_anything_else_is_refused() {
        let id = Uuid::now_v7();
        for undo in [Undo::Delete(id), Undo::Done(id, 7)] {
            let notice = read(&undo_value(undo)).expect("reads");
            assert_eq!(notice.undo, Some(undo));
        }
        assert_eq!(
            read("task-added"),
            Some(Notice {
                text: "Task added.",
                undo: None
            })
        );
        for bad in [
            format!("task-added.{id}"),
            format!("task-deleted.{id}.3"),
            format!("task-done.{id}"),
            format!("task-done.{id}.0"),
            format!("task-done.{id}.x"),
            format!("task-done.{id}.3.4"),
            format!("task-deleted.{}", id.simple()),
            "task-deleted.not-a-uuid".to_owned(),
            format!("nope.{id}"),
        ] {
            assert_eq!(read(&bad), None, "{bad}");
        }
    }
}
