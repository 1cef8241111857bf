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
}
