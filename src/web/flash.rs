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
        "name-changed" => "Your name has been changed.",
        "password-changed" => "Your password has been changed; your other devices were signed out.",
        "signed-out" => "You have been signed out.",
        "signed-out-all" => "You have been signed out on every device.",
        "account-deleted" => "Your account and all its tasks have been deleted.",
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
