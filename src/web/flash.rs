//! One-shot notices after a POST-redirect-GET ("Task added"). The cookie carries only a
//! code from this list, never text, so nothing a user typed travels through it.

/// The sentence for a notice code; unknown codes show nothing.
pub fn message(code: &str) -> Option<&'static str> {
    Some(match code {
        "task-added" => "Task added.",
        "task-saved" => "Task saved.",
        "task-deleted" => "Task deleted.",
        "task-done" => "Marked as done.",
        "task-undone" => "Marked as not done.",
        "task-skipped" => "Skipped to the next occurrence.",
        "task-stale" => {
            "That task had changed since this page was shown, so nothing was done; here it is as it is now."
        }
        "name-changed" => "Your name and time zone have been saved.",
        "password-changed" => "Your password has been changed; your other devices were signed out.",
        "signed-out" => "You have been signed out.",
        "signed-out-all" => "You have been signed out on every device.",
        "account-deleted" => "Your account and all its tasks have been deleted.",
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
        "test-sent" => "A test notification is on its way; see its delivery below.",
        "welcome" => "Welcome to Taskward! Add your first task below.",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_codes_have_a_sentence_and_others_none() {
        assert_eq!(super::message("task-added"), Some("Task added."));
        assert_eq!(super::message("<script>"), None);
    }
}
