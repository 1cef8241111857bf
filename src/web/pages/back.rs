//! Where a form comes back to. The tasks page's forms carry its query string in `back`;
//! the Today and Upcoming views carry their own path, which is taken only when it is
//! exactly one of them, so a `back` can never lead anywhere else.

/// The path of the Today page.
pub const TODAY: &str = "/today";
/// The path of the Upcoming page.
pub const UPCOMING: &str = "/upcoming";

/// The view a form's `back` value names, if it names one.
pub fn own_view(back: &str) -> Option<&'static str> {
    [TODAY, UPCOMING].into_iter().find(|p| *p == back)
}

/// Where the list with `back`'s filters lives. `back` came from our own query string;
/// anything that would not survive as a header value falls back to the plain list.
/// (`/today` and `/upcoming` lead back to those views.)
pub fn list_url(back: &str) -> String {
    if let Some(view) = own_view(back) {
        return view.to_owned();
    }
    let clean = back.bytes().all(|b| b.is_ascii_graphic() && b != b'#');
    if back.is_empty() || !clean {
        "/tasks".to_owned()
    } else {
        format!("/tasks?{back}")
    }
}

/// The edit page of task `id`, returning to `back`.
pub fn edit_url(id: uuid::Uuid, back: &str) -> String {
    if back.is_empty() {
        format!("/tasks/{id}/edit")
    } else {
        let back: String = url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
        format!("/tasks/{id}/edit?back={back}")
    }
}

/// For a form posted to `path` with `body` that can be kept when the session has ended
/// (adding a task, quick add, editing a task): the form's name and the page that holds
/// it, to show it again after sign-in.
pub fn resumable(path: &str, body: &[u8]) -> Option<(&'static str, String)> {
    let back = url::form_urlencoded::parse(body)
        .find(|(k, _)| k == "back")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    match path {
        "/tasks" => Some(("task", tasks_page(&back))),
        "/tasks/quick" => Some(("quick", list_url(&back))),
        _ => {
            let id = path.strip_prefix("/tasks/")?;
            let id = uuid::Uuid::parse_str(id).ok()?;
            Some(("task", edit_url(id, &back)))
        }
    }
}

/// The tasks page for `back` (the full task form is only there).
pub fn tasks_page(back: &str) -> String {
    let url = list_url(back);
    if url.starts_with("/tasks") {
        url
    } else {
        "/tasks".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_views_own_paths_are_taken_back_to() {
        assert_eq!(own_view("/today"), Some("/today"));
        assert_eq!(own_view("/upcoming"), Some("/upcoming"));
        for other in [
            "",
            "/",
            "/today?x=1",
            "/today/",
            "//evil.example/today",
            "https://evil.example/today",
            "/tasks",
            "status=pending",
        ] {
            assert_eq!(own_view(other), None, "{other}");
        }
    }

    #[test]
    fn forms_kept_at_the_sessions_end_go_back_to_their_pages() {
        let id = "0190d7a8-0000-7000-8000-000000000000";
        assert_eq!(
            resumable("/tasks", b"title=x&back=status%3Dall"),
            Some(("task", "/tasks?status=all".to_owned()))
        );
        assert_eq!(
            resumable("/tasks", b"title=x&back=%2Ftoday"),
            Some(("task", "/tasks".to_owned()))
        );
        assert_eq!(
            resumable("/tasks/quick", b"text=x&back=%2Ftoday"),
            Some(("quick", "/today".to_owned()))
        );
        assert_eq!(
            resumable(&format!("/tasks/{id}"), b"back=q%3Dmilk"),
            Some(("task", format!("/tasks/{id}/edit?back=q%3Dmilk")))
        );
        for other in [
            "/lists",
            "/tasks/not-an-id",
            "/tasks/x/toggle",
            "/account/name",
        ] {
            assert_eq!(resumable(other, b""), None, "{other}");
        }
    }
}
