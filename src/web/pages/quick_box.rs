//! What the quick-add box (`templates/quick_add.html`) shows on a page; the form's
//! handler is `quick.rs`.

/// The quick-add box's state on a page.
#[derive(Debug, Default, Clone)]
pub struct QuickBox {
    /// The text as typed (kept when it is refused).
    pub text: String,
    /// Why it was refused.
    pub error: Option<String>,
    /// Where to come back to: a view's path, or the tasks page's query string.
    pub back: String,
    /// The list a task goes into when the text names none (empty: the inbox).
    pub list_id: String,
}

impl QuickBox {
    /// An empty box on the page `back` leads to, adding to `list_id` by default.
    pub fn new(back: &str, list_id: &str) -> Self {
        Self {
            back: back.to_owned(),
            list_id: list_id.to_owned(),
            ..Self::default()
        }
    }
}
