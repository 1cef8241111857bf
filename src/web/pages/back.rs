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
